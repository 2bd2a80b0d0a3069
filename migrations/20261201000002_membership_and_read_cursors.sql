-- Who hears what, made exact.
--
-- Read cursors get their own table: reading a conversation must never make the reader one of its
-- participants (a community subscriber who reads would otherwise appear to every other
-- subscriber, and staff who only read would be listed as having answered).
CREATE TABLE read_cursors (
    conversation_id      BIGINT      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id              BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_message_id BIGINT      NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);

INSERT INTO read_cursors (conversation_id, user_id, last_read_message_id)
SELECT conversation_id, user_id, last_read_message_id
FROM participants
WHERE last_read_message_id > 0 AND deleted_at IS NULL
ON CONFLICT DO NOTHING;

-- Customers who became community participants by reading are not members: the subscription is.
DELETE FROM participants p
USING conversations c
WHERE c.id = p.conversation_id AND c.type = 'COMMUNITY' AND p.role = 'CUSTOMER';

-- The customers of a business: those who opened its widget, have a conversation with it, or
-- joined its community. Its staff see their presence; they see its staff's.
CREATE TABLE business_customers (
    business_id BIGINT      NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    since       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (business_id, user_id)
);
-- A customer's session looks up its businesses by user.
CREATE INDEX business_customers_user_idx ON business_customers (user_id);

INSERT INTO business_customers (business_id, user_id)
SELECT DISTINCT business_id, customer_id FROM conversations WHERE customer_id IS NOT NULL
ON CONFLICT DO NOTHING;
INSERT INTO business_customers (business_id, user_id)
SELECT business_id, user_id FROM community_subscriptions
ON CONFLICT DO NOTHING;

-- Upload quotas sum a user's files of the last day.
CREATE INDEX attachments_uploader_created_idx ON attachments (uploader_id, created_at);
