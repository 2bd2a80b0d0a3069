-- The support desk: status, assignment, private notes, several conversations per customer,
-- desk settings, canned replies and full-text search. Additive: every existing row keeps its
-- meaning (a conversation is open and unassigned, a message is public).

CREATE TYPE conversation_status AS ENUM ('open', 'pending', 'snoozed', 'resolved');

ALTER TABLE conversations
    ADD COLUMN status          conversation_status NOT NULL DEFAULT 'open',
    ADD COLUMN snoozed_until   TIMESTAMPTZ,
    ADD COLUMN assignee_id     BIGINT REFERENCES users (id),
    -- When the automatic away reply was sent: once per conversation.
    ADD COLUMN away_replied_at TIMESTAMPTZ;

-- Several conversations per customer and business over time, but at most one not resolved:
-- concurrent first opens still converge on one row. Created before the old key is dropped, so
-- the rule holds at every moment of the migration.
CREATE UNIQUE INDEX conversations_direct_current_key ON conversations (business_id, customer_id)
    WHERE type = 'DIRECT' AND status <> 'resolved';
DROP INDEX conversations_direct_pair_key;
-- The inbox filters (status × assignee) and their counts.
CREATE INDEX conversations_business_status_idx ON conversations (business_id, status, assignee_id);
-- The snooze sweep finds what is due without scanning.
CREATE INDEX conversations_snoozed_idx ON conversations (snoozed_until) WHERE status = 'snoozed';

-- A private note is a staff-only message.
ALTER TABLE messages ADD COLUMN private BOOLEAN NOT NULL DEFAULT false;

-- The staff of a business as the node has met them (a staff token signed in): whom a
-- conversation may be assigned to, and the round robin's memory.
CREATE TABLE business_staff (
    business_id      BIGINT           NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    user_id          BIGINT           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             participant_role NOT NULL,
    last_assigned_at TIMESTAMPTZ,
    since            TIMESTAMPTZ      NOT NULL DEFAULT now(),
    PRIMARY KEY (business_id, user_id)
);

CREATE TABLE desk_settings (
    business_id            BIGINT PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    auto_assign            BOOLEAN     NOT NULL DEFAULT false,
    max_open_per_agent     INTEGER     NOT NULL DEFAULT 10,
    away_message           TEXT,
    expected_reply_minutes INTEGER,
    -- The user the away reply is sent as, created on first use.
    away_sender_id         BIGINT REFERENCES users (id),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE canned_replies (
    id          BIGSERIAL PRIMARY KEY,
    business_id BIGINT      NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    shortcut    TEXT        NOT NULL,
    body        TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (business_id, shortcut)
);
CREATE TRIGGER canned_replies_updated_at BEFORE UPDATE ON canned_replies
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Full-text search. The configuration is named, so queries and the index always agree and an
-- operator can change its dictionaries in one place (ALTER TEXT SEARCH CONFIGURATION, then
-- rewrite the column). English stemming: "refunds" finds "refund".
CREATE TEXT SEARCH CONFIGURATION chat_text (COPY = pg_catalog.english);
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('chat_text'::regconfig, body)) STORED;
CREATE INDEX messages_search_idx ON messages USING GIN (search);

-- The batch write of the desk: as chat_store_batch (migration 20261201000003), plus each
-- message's `private` flag, and `p_reopen` (a customer's message) which reopens a pending,
-- snoozed or resolved conversation in the same statement that locks it. A resolved one is not
-- reopened while the customer has another conversation not resolved with the business (the
-- message is kept; there is one current conversation). `out_reopened` is true on the item that
-- reopened its conversation. The old function stays for nodes of the previous version during a
-- rolling upgrade.
CREATE FUNCTION chat_store_batch_v2(
    p_conversation  BIGINT[],
    p_sender        BIGINT[],
    p_role          TEXT[],
    p_content_type  TEXT[],
    p_body          TEXT[],
    p_client_id     TEXT[],
    p_private       BOOLEAN[],
    p_reopen        BOOLEAN[],
    p_attach_item   INT[],
    p_attach_id     BIGINT[],
    p_notify_item   INT[],
    p_notify_user   BIGINT[]
) RETURNS TABLE (out_item INT, out_id BIGINT, out_at TIMESTAMPTZ, out_reopened BOOLEAN)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_item     INT[];
    v_id       BIGINT[];
    v_at       TIMESTAMPTZ[];
    v_reopened BIGINT[];
BEGIN
    -- Lock in id order (no deadlocks between batches) and find what a customer's message
    -- reopens: a pending or snoozed conversation; a resolved one only when the customer has no
    -- other conversation with the business that is not resolved (of two resolved ones written to
    -- in one batch, the newer).
    WITH locked AS (
        SELECT c.id, c.status, c.business_id, c.customer_id FROM conversations c
         WHERE c.id = ANY (p_conversation) ORDER BY c.id FOR UPDATE
    ), wants AS (
        SELECT l.* FROM locked l
         WHERE l.status <> 'open'
           AND l.id IN (SELECT x.c FROM UNNEST(p_conversation, p_reopen) AS x(c, r) WHERE x.r)
    )
    SELECT array_agg(w.id) INTO v_reopened FROM wants w
     WHERE w.status <> 'resolved'
        OR (NOT EXISTS (SELECT 1 FROM conversations o
                         WHERE o.business_id = w.business_id AND o.customer_id = w.customer_id
                           AND o.type = 'DIRECT' AND o.status <> 'resolved' AND o.id <> w.id)
            AND NOT EXISTS (SELECT 1 FROM wants w2
                             WHERE w2.business_id = w.business_id
                               AND w2.customer_id = w.customer_id AND w2.id > w.id));

    UPDATE conversations SET last_message_at = now() WHERE id = ANY (p_conversation);
    IF v_reopened IS NOT NULL THEN
        -- A conversation of the same customer created by a concurrent open in the meantime
        -- wins: the message is kept, this one stays as it was.
        BEGIN
            UPDATE conversations SET status = 'open', snoozed_until = NULL
             WHERE id = ANY (v_reopened);
        EXCEPTION WHEN unique_violation THEN
            v_reopened := NULL;
        END;
    END IF;

    WITH ins AS (
        INSERT INTO messages (conversation_id, sender_id, sender_role, content_type, body,
                              client_id, private)
        SELECT x.c, x.s, x.r::participant_role, x.t::message_content_type, x.b, x.k, x.p
          FROM UNNEST(p_conversation, p_sender, p_role, p_content_type, p_body, p_client_id,
                      p_private)
               WITH ORDINALITY AS x(c, s, r, t, b, k, p, n)
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
        UPDATE attachments a SET message_id = m.id
          FROM UNNEST(p_attach_item, p_attach_id) AS l(n, aid)
          JOIN UNNEST(v_item, v_id) AS m(n, id) ON m.n = l.n
         WHERE a.id = l.aid
           AND a.uploader_id = p_sender[l.n]
           AND a.conversation_id = p_conversation[l.n]
           AND a.message_id IS NULL;
        UPDATE messages msg SET file_url = f.url, mime_type = f.mime_type
          FROM (SELECT DISTINCT ON (a.message_id) a.message_id, a.url, a.mime_type
                  FROM attachments a
                 WHERE a.message_id = ANY (v_id)
                 ORDER BY a.message_id, a.id) f
         WHERE msg.id = f.message_id;
    END IF;

    IF p_notify_item IS NOT NULL AND cardinality(p_notify_item) > 0 THEN
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

    -- The first item of each reopened conversation carries the flag.
    RETURN QUERY
        SELECT g.n::INT, m.id, m.at,
               COALESCE(p_conversation[g.n] = ANY (v_reopened)
                        AND g.n = (SELECT min(h.n) FROM generate_series(1, cardinality(p_conversation)) AS h(n)
                                    WHERE p_conversation[h.n] = p_conversation[g.n]), false)
          FROM generate_series(1, cardinality(p_conversation)) AS g(n)
          LEFT JOIN UNNEST(v_item, v_id, v_at) AS m(n, id, at) ON m.n = g.n
         ORDER BY g.n;
END;
$$;
