-- One write path in the database: the previous version's `chat_store_batch` (kept for nodes of
-- that version during a rolling upgrade) becomes a call of `chat_store_batch_v2`, so both share
-- one body. Its messages are public, and a customer's message reopens its conversation exactly
-- as with the new nodes.
CREATE OR REPLACE FUNCTION chat_store_batch(
    p_conversation  BIGINT[],
    p_sender        BIGINT[],
    p_role          TEXT[],
    p_content_type  TEXT[],
    p_body          TEXT[],
    p_client_id     TEXT[],
    p_attach_item   INT[],
    p_attach_id     BIGINT[],
    p_notify_item   INT[],
    p_notify_user   BIGINT[]
) RETURNS TABLE (out_item INT, out_id BIGINT, out_at TIMESTAMPTZ)
LANGUAGE sql
AS $$
    SELECT v.out_item, v.out_id, v.out_at
      FROM chat_store_batch_v2(
               p_conversation, p_sender, p_role, p_content_type, p_body, p_client_id,
               array_fill(false, ARRAY[cardinality(p_conversation)]),
               ARRAY(SELECT r = 'CUSTOMER' FROM unnest(p_role) WITH ORDINALITY AS t(r, n) ORDER BY n),
               p_attach_item, p_attach_id, p_notify_item, p_notify_user) AS v
$$;
