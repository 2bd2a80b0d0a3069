-- Two causes of slow sends, both measured on the rtt100 benchmark (docs/performance.md).
--
-- 1. The search index's pending list. With GIN's default `fastupdate`, inserts append to a
--    pending list that the inserting backend merges into the index once it passes
--    `gin_pending_list_limit` (4 MB): one batch in a few thousand then waits hundreds of
--    milliseconds, which was the node's ack P99 (230-320 ms at 1,000 msg/s). Without it each
--    insert updates the index directly: a little more work per message, never a stall.
ALTER INDEX messages_search_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('messages_search_idx'::regclass);

-- 2. Re-planning the write function's statements. PL/pgSQL keeps custom plans when the generic
--    plan's estimate looks worse, so every batch planned its five statements again (about
--    0.3 ms of a 0.9 ms call). Their parameters are arrays of a batch's rows, for which the
--    generic plan (primary-key and unique-index lookups) is the right one at any size.
ALTER FUNCTION chat_store_batch_v2(BIGINT[], BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], BOOLEAN[],
                                   BOOLEAN[], INT[], BIGINT[], INT[], BIGINT[])
    SET plan_cache_mode = force_generic_plan;
