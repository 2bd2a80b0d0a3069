use super::StoreResult;
use crate::protocol::{BusinessId, UserId};
use sqlx::PgPool;

/// Inserts the platform's user the first time a token names it, and keeps its display name current.
pub async fn upsert(pool: &PgPool, id: UserId, name: Option<&str>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, display_name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, users.display_name)
         WHERE users.display_name IS DISTINCT FROM COALESCE(EXCLUDED.display_name, users.display_name)",
    )
    .bind(id)
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

/// The business's name, or None when it does not exist (or was soft-deleted).
pub async fn business_name(pool: &PgPool, id: BusinessId) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM businesses WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Creates or renames a business; used by `seed`.
pub async fn upsert_business(pool: &PgPool, id: BusinessId, name: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO businesses (id, name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE businesses.name <> EXCLUDED.name",
    )
    .bind(id)
    .bind(name)
    .execute(pool)
    .await?;
    // Explicit ids bypass the sequence; keep it ahead so later inserts never collide.
    sqlx::query(
        "SELECT setval('businesses_id_seq', GREATEST((SELECT MAX(id) FROM businesses), 1))",
    )
    .execute(pool)
    .await?;
    Ok(())
}
