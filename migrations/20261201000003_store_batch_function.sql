-- One round trip per persistence batch: the row lock, the insert, the conversation touch, the
-- attachment links and the outbox write run inside one function call, in the implicit
-- transaction of that single statement (autocommit). The caller's ack waits for the statement's
-- completion, which comes after COMMIT.
--
-- Arguments are parallel arrays, one element per message, in the order the messages must take
-- their ids; attachments and notification recipients come flattened as (item, value) pairs, the
-- item being the 1-based position of the message in the arrays.
--
-- Returns one row per message: the id and creation time of the row this call created, or NULL
-- when the (sender, clientId) pair was already stored (by an earlier call or by an earlier item of
-- this one); the caller reads those back.
CREATE FUNCTION chat_store_batch(
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
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_item INT[];
    v_id   BIGINT[];
    v_at   TIMESTAMPTZ[];
BEGIN
    -- Lock (in id order, so concurrent batches never deadlock) and touch every conversation
    -- before any id is drawn: ids of one conversation then become visible in commit order, on one
    -- node or many, and `after=<id>` can never skip a row committed later with a smaller id.
    UPDATE conversations SET last_message_at = now()
     WHERE id IN (SELECT c.id FROM conversations c
                   WHERE c.id = ANY (p_conversation) ORDER BY c.id FOR UPDATE);

    -- ORDER BY n: ids follow the item order, which is each conversation's arrival order. A
    -- repeated (sender, clientId) inserts nothing; the first item holding the key gets the row.
    WITH ins AS (
        INSERT INTO messages (conversation_id, sender_id, sender_role, content_type, body, client_id)
        SELECT x.c, x.s, x.r::participant_role, x.t::message_content_type, x.b, x.k
          FROM UNNEST(p_conversation, p_sender, p_role, p_content_type, p_body, p_client_id)
               WITH ORDINALITY AS x(c, s, r, t, b, k, n)
         ORDER BY x.n
        ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
        RETURNING messages.id, messages.sender_id, messages.client_id, messages.created_at
    ), keyed AS (
        SELECT min(x.n)::INT AS n, ins.id, ins.created_at
          FROM ins
          JOIN UNNEST(p_sender, p_client_id) WITH ORDINALITY AS x(s, k, n)
            ON x.s = ins.sender_id AND x.k = ins.client_id
         GROUP BY ins.id, ins.created_at
    )
    SELECT array_agg(keyed.n), array_agg(keyed.id), array_agg(keyed.created_at)
      INTO v_item, v_id, v_at
      FROM keyed;

    IF p_attach_item IS NOT NULL AND cardinality(p_attach_item) > 0 THEN
        -- Only the sender's own, still unlinked uploads to this conversation are linked.
        UPDATE attachments a SET message_id = m.id
          FROM UNNEST(p_attach_item, p_attach_id) AS l(n, aid)
          JOIN UNNEST(v_item, v_id) AS m(n, id) ON m.n = l.n
         WHERE a.id = l.aid
           AND a.uploader_id = p_sender[l.n]
           AND a.conversation_id = p_conversation[l.n]
           AND a.message_id IS NULL;
        -- The first file describes the message.
        UPDATE messages msg SET file_url = f.url, mime_type = f.mime_type
          FROM (SELECT DISTINCT ON (a.message_id) a.message_id, a.url, a.mime_type
                  FROM attachments a
                 WHERE a.message_id = ANY (v_id)
                 ORDER BY a.message_id, a.id) f
         WHERE msg.id = f.message_id;
    END IF;

    IF p_notify_item IS NOT NULL AND cardinality(p_notify_item) > 0 THEN
        -- One pending row per (recipient, conversation): a burst becomes one webhook, whose first
        -- attempt waits a second so the burst has time to gather. Aggregated first, because
        -- ON CONFLICT DO UPDATE may not touch one row twice in a statement.
        INSERT INTO notification_outbox
               (user_id, conversation_id, last_message_id, message_count, next_attempt_at)
        SELECT r.u, p_conversation[r.n], max(m.id), count(*)::INT, now() + interval '1 second'
          FROM UNNEST(p_notify_item, p_notify_user) AS r(n, u)
          JOIN UNNEST(v_item, v_id) AS m(n, id) ON m.n = r.n
         GROUP BY r.u, p_conversation[r.n]
        ON CONFLICT (user_id, conversation_id) WHERE delivered_at IS NULL DO UPDATE
           SET last_message_id = GREATEST(notification_outbox.last_message_id,
                                          EXCLUDED.last_message_id),
               message_count = notification_outbox.message_count + EXCLUDED.message_count;
    END IF;

    RETURN QUERY
        SELECT g.n::INT, m.id, m.at
          FROM generate_series(1, cardinality(p_conversation)) AS g(n)
          LEFT JOIN UNNEST(v_item, v_id, v_at) AS m(n, id, at) ON m.n = g.n
         ORDER BY g.n;
END;
$$;
