-- What the product needs beyond the seed's model; additive only.

-- Display name from the token's `name` claim ("Business • Alice").
ALTER TABLE users ADD COLUMN display_name TEXT;

-- Per-participant read cursor: unread = messages from others after it. The seed's per-message
-- read_at cannot serve a room where several agents read independently.
ALTER TABLE participants ADD COLUMN last_read_message_id BIGINT NOT NULL DEFAULT 0;

-- Idempotent sends: a retried clientId from the same sender finds the first row.
ALTER TABLE messages ADD COLUMN client_id TEXT;
ALTER TABLE messages ADD COLUMN edited_at TIMESTAMPTZ;
-- The sender's role at send time, so a staff label ("Business • Alice") needs no join.
ALTER TABLE messages ADD COLUMN sender_role participant_role NOT NULL DEFAULT 'CUSTOMER';
CREATE UNIQUE INDEX messages_sender_client_id_key ON messages (sender_id, client_id)
    WHERE client_id IS NOT NULL;
-- History and resume page by id inside one conversation.
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, id);

-- Exactly one DIRECT conversation per customer and business, also under concurrent first opens.
ALTER TABLE conversations ADD COLUMN customer_id BIGINT REFERENCES users (id);
ALTER TABLE conversations ADD COLUMN last_message_at TIMESTAMPTZ;
CREATE UNIQUE INDEX conversations_direct_pair_key ON conversations (business_id, customer_id)
    WHERE type = 'DIRECT';
-- One community channel per business.
CREATE UNIQUE INDEX conversations_community_key ON conversations (business_id)
    WHERE type = 'COMMUNITY';
-- The inbox: a business's conversations, newest activity first.
CREATE INDEX conversations_business_activity_idx
    ON conversations (business_id, (COALESCE(last_message_at, created_at)) DESC);
CREATE INDEX participants_user_idx ON participants (user_id);

-- Attachments live in Postgres so that any node can serve a file another node received.
ALTER TABLE attachments ADD COLUMN conversation_id BIGINT REFERENCES conversations (id);
ALTER TABLE attachments ADD COLUMN uploader_id BIGINT REFERENCES users (id);
CREATE TABLE attachment_blobs (
    attachment_id BIGINT PRIMARY KEY REFERENCES attachments (id),
    data          BYTEA NOT NULL
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

-- Community opt-in: one row per subscriber, none per announcement.
CREATE TABLE community_subscriptions (
    business_id BIGINT NOT NULL REFERENCES businesses (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (business_id, user_id)
);

-- Offline notifications: a durable outbox, one pending row per recipient and conversation so that
-- a burst of messages coalesces into one webhook call.
CREATE TABLE notification_outbox (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    last_message_id BIGINT NOT NULL REFERENCES messages (id),
    message_count   INTEGER NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notification_outbox_pending_key ON notification_outbox (user_id, conversation_id)
    WHERE delivered_at IS NULL;
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at)
    WHERE delivered_at IS NULL;
CREATE TRIGGER notification_outbox_updated_at BEFORE UPDATE ON notification_outbox
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
