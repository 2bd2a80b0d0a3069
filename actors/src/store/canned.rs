//! A business's canned replies.

use super::StoreResult;
use crate::protocol::{BusinessId, CannedReply, CannedReplyId};
use sqlx::PgPool;

/// What a write did.
pub enum Written {
    Done(CannedReply),
    NotFound,
    /// The shortcut is taken in this business.
    Taken,
}

fn outcome(r: Result<Option<CannedReply>, sqlx::Error>) -> StoreResult<Written> {
    match r {
        Ok(Some(c)) => Ok(Written::Done(c)),
        Ok(None) => Ok(Written::NotFound),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Written::Taken),
        Err(e) => Err(e.into()),
    }
}

pub async fn list(pool: &PgPool, business: BusinessId) -> StoreResult<Vec<CannedReply>> {
    Ok(sqlx::query_as(
        "SELECT id, shortcut, body, updated_at FROM canned_replies WHERE business_id = $1
          ORDER BY shortcut",
    )
    .bind(business)
    .fetch_all(pool)
    .await?)
}

/// Canned replies past this many per business are refused (the composer's list stays usable
/// and the table bounded).
pub const MAX_PER_BUSINESS: i64 = 500;

pub async fn count(pool: &PgPool, business: BusinessId) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM canned_replies WHERE business_id = $1")
            .bind(business)
            .fetch_one(pool)
            .await?,
    )
}

pub async fn create(
    pool: &PgPool,
    business: BusinessId,
    shortcut: &str,
    body: &str,
) -> StoreResult<Written> {
    outcome(
        sqlx::query_as(
            "INSERT INTO canned_replies (business_id, shortcut, body) VALUES ($1, $2, $3)
             RETURNING id, shortcut, body, updated_at",
        )
        .bind(business)
        .bind(shortcut)
        .bind(body)
        .fetch_optional(pool)
        .await,
    )
}

pub async fn update(
    pool: &PgPool,
    business: BusinessId,
    id: CannedReplyId,
    shortcut: &str,
    body: &str,
) -> StoreResult<Written> {
    outcome(
        sqlx::query_as(
            "UPDATE canned_replies SET shortcut = $3, body = $4 WHERE id = $2 AND business_id = $1
             RETURNING id, shortcut, body, updated_at",
        )
        .bind(business)
        .bind(id)
        .bind(shortcut)
        .bind(body)
        .fetch_optional(pool)
        .await,
    )
}

/// True when it existed.
pub async fn delete(pool: &PgPool, business: BusinessId, id: CannedReplyId) -> StoreResult<bool> {
    let res = sqlx::query("DELETE FROM canned_replies WHERE id = $2 AND business_id = $1")
        .bind(business)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(res.rows_affected() == 1)
}
