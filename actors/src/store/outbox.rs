//! The notification outbox. Rows are claimed with a lease (`FOR UPDATE SKIP LOCKED`), so several
//! nodes share the work and a node that dies mid-delivery only delays the row until the lease ends.

use super::StoreResult;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub user_id: i64,
    pub conversation_id: i64,
    pub business_id: i64,
    pub last_message_id: i64,
    pub message_count: i32,
    pub attempts: i32,
    pub preview: String,
    pub sender_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Claims up to `limit` due rows for `lease_secs` seconds.
pub async fn claim(pool: &PgPool, limit: i64, lease_secs: f64) -> StoreResult<Vec<Due>> {
    Ok(sqlx::query_as(
        "WITH claimed AS (
            UPDATE notification_outbox SET next_attempt_at = now() + make_interval(secs => $2)
            WHERE id IN (SELECT id FROM notification_outbox
                         WHERE delivered_at IS NULL AND next_attempt_at <= now()
                         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, user_id, conversation_id, last_message_id, message_count, attempts, created_at)
         SELECT c.id, c.user_id, c.conversation_id, v.business_id, c.last_message_id, c.message_count,
                c.attempts, left(m.body, 140) AS preview, u.display_name AS sender_name, c.created_at
         FROM claimed c
         JOIN conversations v ON v.id = c.conversation_id
         JOIN messages m ON m.id = c.last_message_id
         JOIN users u ON u.id = m.sender_id",
    )
    .bind(limit)
    .bind(lease_secs)
    .fetch_all(pool)
    .await?)
}

/// Marks a delivered row done. When messages arrived during the delivery, the row stays pending
/// for them alone, so they are notified too.
pub async fn delivered(pool: &PgPool, due: &Due) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE notification_outbox SET delivered_at = now(), attempts = attempts + 1
         WHERE id = $1 AND last_message_id = $2",
    )
    .bind(due.id)
    .bind(due.last_message_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        sqlx::query(
            "UPDATE notification_outbox SET message_count = GREATEST(message_count - $2, 1),
                attempts = 0, next_attempt_at = now() WHERE id = $1",
        )
        .bind(due.id)
        .bind(due.message_count)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Schedules the next try after a failure.
pub async fn failed(pool: &PgPool, id: i64, retry_in_ms: u64, error: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE notification_outbox SET attempts = attempts + 1, last_error = $3,
            next_attempt_at = now() + make_interval(secs => $2) WHERE id = $1",
    )
    .bind(id)
    .bind(retry_in_ms as f64 / 1000.0)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}
