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

/// A page of hits, best first, with their raw headlines (matches between `START` and `STOP`).
pub async fn search(
    pool: &PgPool,
    scope: Scope,
    query: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<(Message, String, f32)>> {
    let (business, customer) = match scope {
        Scope::Staff(b) => (Some(b), None),
        Scope::Customer(u) => (None, Some(u)),
    };
    let rows: Vec<HitRow> = sqlx::query_as(&format!(
        "WITH q AS (SELECT websearch_to_tsquery('chat_text', $1) AS q)
         {select}
         JOIN conversations c ON c.id = m.conversation_id
         CROSS JOIN q
         WHERE m.search @@ q.q AND m.deleted_at IS NULL AND c.deleted_at IS NULL
           AND (($2::bigint IS NOT NULL AND c.business_id = $2)
             OR ($3::bigint IS NOT NULL AND c.type = 'DIRECT' AND c.customer_id = $3
                 AND NOT m.private))
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
    .bind(query)
    .bind(business)
    .bind(customer)
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
