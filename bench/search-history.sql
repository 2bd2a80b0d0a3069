-- A generated history for the search benchmark: :conversations DIRECT conversations of business
-- 1, one customer each, and :messages messages spread over them and over the last 90 days. Each
-- body is 6 to 20 words drawn from a 5,000-word vocabulary with a skewed (squared uniform)
-- distribution, so some words are in a large share of messages and most are rare; the first
-- ranks are common support words. Run on a bench database only: it replaces its history.
\set ON_ERROR_STOP on
BEGIN;
DELETE FROM attachments; DELETE FROM reactions; DELETE FROM notification_outbox;
DELETE FROM read_cursors; DELETE FROM messages; DELETE FROM participants;
DELETE FROM business_customers; DELETE FROM conversations;

CREATE TEMP TABLE vocab (rank INT PRIMARY KEY, word TEXT NOT NULL);
INSERT INTO vocab
SELECT ord - 1, w FROM unnest(ARRAY[
  'order','delivery','refund','payment','account','shipping','package','invoice','return',
  'exchange','size','colour','price','discount','voucher','bike','wheel','brake','helmet',
  'saddle','chain','tyre','frame','warranty','repair','service','appointment','store','pickup',
  'courier','tracking','address','email','password','login','subscription','cancel','receipt',
  'damaged','missing','late','broken','wrong','replacement','stock','available','weekend',
  'opening','hours','manager','complaint','thanks','question','urgent','tomorrow','today',
  'morning','evening','phone','message'
]) WITH ORDINALITY AS t(w, ord);
INSERT INTO vocab SELECT r, 'term' || r FROM generate_series(60, 4999) AS r;

INSERT INTO users (id, display_name)
SELECT 100000 + g, 'Search customer ' || g FROM generate_series(1, :conversations) g
ON CONFLICT (id) DO NOTHING;
INSERT INTO conversations (business_id, type, customer_id, created_at)
SELECT 1, 'DIRECT', 100000 + g, now() - interval '91 days' FROM generate_series(1, :conversations) g;
INSERT INTO participants (conversation_id, user_id, role)
SELECT id, customer_id, 'CUSTOMER' FROM conversations WHERE customer_id > 100000;

-- The index is built once after the load (what a migration on an existing history does too).
DROP INDEX messages_search_idx;
INSERT INTO messages (conversation_id, sender_id, sender_role, body, client_id, created_at)
SELECT c.id, c.customer_id, 'CUSTOMER',
       (SELECT string_agg(w.words[1 + floor(5000 * power(random(), 2))::int + 0 * k.i], ' ')
          FROM generate_series(1, 6 + (m.n * 7919 % 15)) AS k(i)
          WHERE k.i > 0 * m.n),
       'gen-' || m.n,
       now() - (random() * interval '90 days')
  FROM generate_series(1::bigint, :messages) AS m(n)
  CROSS JOIN (SELECT array_agg(word ORDER BY rank) AS words FROM vocab) AS w
  JOIN conversations c ON c.customer_id = 100000 + 1 + (m.n % :conversations);
CREATE INDEX messages_search_idx ON messages USING GIN (search);
COMMIT;
VACUUM ANALYZE messages;
VACUUM ANALYZE conversations;
