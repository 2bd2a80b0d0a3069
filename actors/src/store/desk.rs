//! The support desk's tables: a conversation's status and assignee, the staff a business has,
//! its settings and the automatic sender of its away reply.

use super::conversations::{ConversationRow, FROM_ROW, ROW_COLUMNS};
use super::StoreResult;
use crate::protocol::{BusinessId, ConversationId, ConversationStatus, DeskSettings, Role, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

async fn row(pool: &PgPool, conv: ConversationId) -> StoreResult<Option<ConversationRow>> {
    super::conversations::get(pool, conv).await
}

/// What a status change did.
pub enum StatusChange {
    Done(ConversationRow),
    NotFound,
    /// It would make a second conversation of the customer current (reopening an old one while a
    /// newer one is not resolved).
    Conflict,
}

/// Sets a DIRECT conversation's status.
pub async fn set_status(
    pool: &PgPool,
    conv: ConversationId,
    status: ConversationStatus,
    snoozed_until: Option<DateTime<Utc>>,
) -> StoreResult<StatusChange> {
    let res = sqlx::query(
        "UPDATE conversations SET status = $2, snoozed_until = $3
          WHERE id = $1 AND deleted_at IS NULL AND type <> 'COMMUNITY'",
    )
    .bind(conv)
    .bind(status)
    .bind(snoozed_until)
    .execute(pool)
    .await;
    match res {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(StatusChange::Conflict),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(match row(pool, conv).await? {
            Some(r) => StatusChange::Done(r),
            None => StatusChange::NotFound,
        }),
    }
}

pub async fn set_assignee(
    pool: &PgPool,
    conv: ConversationId,
    assignee: Option<UserId>,
) -> StoreResult<Option<ConversationRow>> {
    sqlx::query("UPDATE conversations SET assignee_id = $2 WHERE id = $1 AND deleted_at IS NULL")
        .bind(conv)
        .bind(assignee)
        .execute(pool)
        .await?;
    row(pool, conv).await
}

/// Records that a user signed in as staff of a business (whom conversations may go to).
pub async fn upsert_staff(
    pool: &PgPool,
    business: BusinessId,
    user: UserId,
    role: Role,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO business_staff (business_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (business_id, user_id) DO UPDATE SET role = EXCLUDED.role
         WHERE business_staff.role <> EXCLUDED.role",
    )
    .bind(business)
    .bind(user)
    .bind(role)
    .execute(pool)
    .await?;
    Ok(())
}

/// The business's staff: id, display name and role, by name.
pub async fn staff(
    pool: &PgPool,
    business: BusinessId,
) -> StoreResult<Vec<(UserId, Option<String>, Role)>> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, u.display_name, s.role FROM business_staff s
           JOIN users u ON u.id = s.user_id
          WHERE s.business_id = $1 AND u.deleted_at IS NULL
          ORDER BY u.display_name NULLS LAST, s.user_id",
    )
    .bind(business)
    .fetch_all(pool)
    .await?)
}

pub async fn is_staff(pool: &PgPool, business: BusinessId, user: UserId) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM business_staff WHERE business_id = $1 AND user_id = $2)",
    )
    .bind(business)
    .bind(user)
    .fetch_one(pool)
    .await?)
}

pub async fn settings(pool: &PgPool, business: BusinessId) -> StoreResult<DeskSettings> {
    let found: Option<DeskSettings> = sqlx::query_as(
        "SELECT auto_assign, max_open_per_agent, away_message, expected_reply_minutes
           FROM desk_settings WHERE business_id = $1",
    )
    .bind(business)
    .fetch_optional(pool)
    .await?;
    Ok(found.unwrap_or_default())
}

pub async fn put_settings(
    pool: &PgPool,
    business: BusinessId,
    s: &DeskSettings,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO desk_settings
                (business_id, auto_assign, max_open_per_agent, away_message, expected_reply_minutes)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (business_id) DO UPDATE SET auto_assign = EXCLUDED.auto_assign,
                max_open_per_agent = EXCLUDED.max_open_per_agent,
                away_message = EXCLUDED.away_message,
                expected_reply_minutes = EXCLUDED.expected_reply_minutes, updated_at = now()",
    )
    .bind(business)
    .bind(s.auto_assign)
    .bind(s.max_open_per_agent)
    .bind(s.away_message.as_deref())
    .bind(s.expected_reply_minutes)
    .execute(pool)
    .await?;
    Ok(())
}

/// Auto-assignment: gives an unassigned conversation to the candidate (online staff, chosen by
/// the caller) with fewer than `limit` open assigned conversations who was assigned longest ago.
/// One transaction under the business's advisory lock, so concurrent assignments never push an
/// agent past the limit or pick the same agent twice in a row. Returns the assignee.
pub async fn auto_assign(
    pool: &PgPool,
    conv: ConversationId,
    business: BusinessId,
    candidates: &[UserId],
    limit: i32,
) -> StoreResult<Option<UserId>> {
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = candidates.iter().map(|u| u.0).collect();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7302, $1::int)")
        .bind((business.0 % i64::from(i32::MAX)) as i32)
        .execute(&mut *tx)
        .await?;
    let chosen: Option<UserId> = sqlx::query_scalar(
        "SELECT s.user_id FROM business_staff s
          WHERE s.business_id = $1 AND s.user_id = ANY ($2)
            AND (SELECT count(*) FROM conversations c WHERE c.business_id = $1
                    AND c.assignee_id = s.user_id AND c.status = 'open' AND c.deleted_at IS NULL) < $3
            AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $4 AND c.assignee_id IS NULL)
          ORDER BY s.last_assigned_at NULLS FIRST, s.user_id LIMIT 1",
    )
    .bind(business)
    .bind(&ids)
    .bind(i64::from(limit))
    .bind(conv)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(agent) = chosen {
        sqlx::query("UPDATE conversations SET assignee_id = $2 WHERE id = $1")
            .bind(conv)
            .bind(agent)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE business_staff SET last_assigned_at = clock_timestamp()
              WHERE business_id = $1 AND user_id = $2",
        )
        .bind(business)
        .bind(agent)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(chosen)
}

/// Snoozed conversations whose time has come, reopened. Each row is returned to one caller only
/// (the UPDATE claims it), so every node may run the sweep.
pub async fn wake_snoozed(pool: &PgPool) -> StoreResult<Vec<ConversationId>> {
    Ok(sqlx::query_scalar(
        "UPDATE conversations SET status = 'open', snoozed_until = NULL
          WHERE id IN (SELECT id FROM conversations WHERE status = 'snoozed'
                          AND snoozed_until <= now() ORDER BY snoozed_until LIMIT 500
                          FOR UPDATE SKIP LOCKED)
          RETURNING id",
    )
    .fetch_all(pool)
    .await?)
}

/// Claims the conversation's one away reply: true for the first caller only.
pub async fn claim_away_reply(pool: &PgPool, conv: ConversationId) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE conversations SET away_replied_at = now() WHERE id = $1 AND away_replied_at IS NULL",
    )
    .bind(conv)
    .execute(pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// The user a business's away reply is sent as. Its id is the business's id negated: platform
/// user ids are positive (a token with another `sub` is refused), so no one can sign in as it.
pub async fn away_sender(pool: &PgPool, business: BusinessId, name: &str) -> StoreResult<UserId> {
    let id = UserId(-business.0);
    super::users::upsert(pool, id, Some(name)).await?;
    Ok(id)
}

/// The conversation rows of several ids (for events after a sweep).
pub async fn rows(pool: &PgPool, ids: &[ConversationId]) -> StoreResult<Vec<ConversationRow>> {
    let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
    Ok(sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM {FROM_ROW} WHERE c.id = ANY ($1) ORDER BY c.id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?)
}
