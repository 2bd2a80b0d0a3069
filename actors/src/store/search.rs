//! Full-text search over messages: the generated `search` column (configuration `chat_text`)
//! and its GIN index (migration `20261202000001`). The query always goes through the index:
//! `search @@ websearch_to_tsquery('chat_text', …)`, never `to_tsvector` over the text.

use super::messages::{hydrate, MessageRow, SELECT};
use super::StoreResult;
use crate::protocol::{BusinessId, Message, UserId};

use sqlx::PgPool;

/// Who is searching: a business's staff (notes included) or one customer (own DIRECT
/// conversations, never notes).
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Staff(BusinessId),
    Customer(UserId),
}

/// Marks around each match in a headline, from Unicode's private use area: stored text never
/// keeps them (the search strips them from the headline's source first).
pub const START: char = '\u{E000}';
pub const STOP: char = '\u{E001}';

#[derive(sqlx::FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    message: MessageRow,
    headline: String,
    rank: f32,
}

/// Matches ranked per query, at most: the newest this many are ranked, so a word found in a
/// large share of a business's history costs a bounded amount of ranking (support searches want
/// recent answers; older ones are reached with a more specific query).
pub const RANKED_CANDIDATES: i64 = 10_000;

/// A page of hits, best first, with their raw headlines (matches between `START` and `STOP`).
pub async fn search(
    pool: &PgPool,
    scope: Scope,
    query: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<(Message, String, f32)>> {
    // A customer's scope is a handful of conversations: they are named, so the plan walks
    // their messages by conversation instead of every match of the business's index.
    let (business, conversations): (Option<BusinessId>, Option<Vec<i64>>) = match scope {
        Scope::Staff(b) => (Some(b), None),
        Scope::Customer(u) => (
            None,
            Some(
                sqlx::query_scalar(
                    "SELECT c.id FROM participants p JOIN conversations c ON c.id = p.conversation_id
                      WHERE p.user_id = $1 AND p.deleted_at IS NULL AND c.type = 'DIRECT'
                        AND c.customer_id = $1 AND c.deleted_at IS NULL",
                )
                .bind(u)
                .fetch_all(pool)
                .await?,
            ),
        ),
    };
    let rows: Vec<HitRow> = sqlx::query_as(&format!(
        "WITH q AS (SELECT websearch_to_tsquery('chat_text', $1) AS q),
         candidates AS (
            SELECT m.id FROM messages m
             WHERE m.search @@ websearch_to_tsquery('chat_text', $1) AND m.deleted_at IS NULL
               AND (($2::bigint IS NOT NULL AND m.conversation_id IN (SELECT c.id FROM conversations c
                        WHERE c.business_id = $2 AND c.deleted_at IS NULL))
                 OR ($3::bigint[] IS NOT NULL AND m.conversation_id = ANY ($3) AND NOT m.private))
             ORDER BY m.id DESC LIMIT {RANKED_CANDIDATES}
         )
         {select}
         JOIN candidates k ON k.id = m.id
         CROSS JOIN q
         ORDER BY rank DESC, m.id DESC LIMIT $4 OFFSET $5",
        select = SELECT.replacen(
            "SELECT ",
            &format!(
                "SELECT ts_headline('chat_text', translate(m.body, '{START}{STOP}', ''), q.q,
                    'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2,
                     FragmentDelimiter=\" … \"') AS headline,
                    ts_rank_cd(m.search, q.q) AS rank, "
            ),
            1,
        )
    ))
    // Planned for each query's own words (an unnamed statement, never a cached generic plan):
    // the planner's word statistics pick the index for a rare word and a newest-first walk for a
    // common one (a generic plan guesses the same selectivity for both).
    .persistent(false)
    .bind(query)
    .bind(business)
    .bind(conversations)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let extra: Vec<(String, f32)> = rows.iter().map(|r| (r.headline.clone(), r.rank)).collect();
    let messages = hydrate(pool, rows.into_iter().map(|r| r.message).collect()).await?;
    Ok(messages
        .into_iter()
        .zip(extra)
        .map(|(m, (h, r))| (m, h, r))
        .collect())
}
