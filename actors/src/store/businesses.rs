//! Businesses as the platform provisions them: created or renamed under the platform's own id,
//! idempotently, and listed in id order.

use super::StoreResult;
use crate::protocol::BusinessId;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BusinessRow {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a `put` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The business did not exist.
    Created,
    /// It existed (or had been soft-deleted) and its name changed or it came back.
    Updated,
    /// It existed with this name already: nothing was written.
    Unchanged,
}

#[derive(sqlx::FromRow)]
struct PutRow {
    #[sqlx(flatten)]
    row: BusinessRow,
    inserted: bool,
}

/// Creates business `id` named `name`, or renames (and restores) it. Concurrent calls for the
/// same id are safe: exactly one of them creates it.
pub async fn put(
    pool: &PgPool,
    id: BusinessId,
    name: &str,
) -> StoreResult<(BusinessRow, PutOutcome)> {
    let written: Option<PutRow> = sqlx::query_as(
        "INSERT INTO businesses (id, name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now(), deleted_at = NULL
           WHERE businesses.name <> EXCLUDED.name OR businesses.deleted_at IS NOT NULL
         RETURNING id, name, created_at, updated_at, (xmax = 0) AS inserted",
    )
    .bind(id.0)
    .bind(name)
    .fetch_optional(pool)
    .await?;
    match written {
        Some(w) if w.inserted => {
            // Explicit ids bypass the sequence; keep it ahead so `seed` and later inserts never
            // collide with a provisioned id.
            sqlx::query(
                "SELECT setval('businesses_id_seq', GREATEST((SELECT MAX(id) FROM businesses), 1))",
            )
            .execute(pool)
            .await?;
            Ok((w.row, PutOutcome::Created))
        }
        Some(w) => Ok((w.row, PutOutcome::Updated)),
        None => {
            let row = sqlx::query_as(
                "SELECT id, name, created_at, updated_at FROM businesses WHERE id = $1",
            )
            .bind(id.0)
            .fetch_one(pool)
            .await?;
            Ok((row, PutOutcome::Unchanged))
        }
    }
}

/// One live (not soft-deleted) business.
pub async fn get(pool: &PgPool, id: BusinessId) -> StoreResult<Option<BusinessRow>> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, updated_at FROM businesses
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?)
}

/// Live businesses with an id above `after`, in id order, at most `limit`.
pub async fn list(
    pool: &PgPool,
    after: Option<BusinessId>,
    limit: i64,
) -> StoreResult<Vec<BusinessRow>> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, updated_at FROM businesses
         WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after.map_or(0, |a| a.0))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
