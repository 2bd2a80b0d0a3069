use super::StoreResult;
use crate::protocol::{ConversationType, Id, Participant, Role};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: i64,
    pub business_id: i64,
    pub business_name: String,
    pub kind: ConversationType,
    pub customer_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A conversation in a list, with what the caller has not read and the newest message's id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedConversation {
    #[sqlx(flatten)]
    pub row: ConversationRow,
    pub unread_count: i64,
    pub last_message_id: Option<i64>,
}

const SELECT: &str =
    "SELECT c.id, c.business_id, b.name AS business_name, c.type AS kind, c.customer_id,
        c.created_at, c.updated_at
    FROM conversations c JOIN businesses b ON b.id = c.business_id";

pub async fn get(pool: &PgPool, id: Id) -> StoreResult<Option<ConversationRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.id = $1 AND c.deleted_at IS NULL"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?)
}

/// Load-or-create the one DIRECT conversation of a customer with a business. The partial unique
/// index makes concurrent first opens converge on one row: the loser's insert does nothing and it
/// reads the winner's row. Returns the id and whether this call created it.
pub async fn load_or_create_direct(
    pool: &PgPool,
    business: Id,
    customer: Id,
) -> StoreResult<(Id, bool)> {
    let mut tx = pool.begin().await?;
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO conversations (business_id, type, customer_id) VALUES ($1, 'DIRECT', $2)
         ON CONFLICT (business_id, customer_id) WHERE type = 'DIRECT' DO NOTHING RETURNING id",
    )
    .bind(business.0)
    .bind(customer.0)
    .fetch_optional(&mut *tx)
    .await?;
    let result = match created {
        Some(id) => {
            add_participant(&mut tx, Id(id), customer, Role::Customer).await?;
            (Id(id), true)
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "SELECT id FROM conversations WHERE business_id = $1 AND customer_id = $2 AND type = 'DIRECT'",
            )
            .bind(business.0)
            .bind(customer.0)
            .fetch_one(&mut *tx)
            .await?;
            (Id(id), false)
        }
    };
    tx.commit().await?;
    Ok(result)
}

async fn add_participant(
    tx: &mut Transaction<'_, Postgres>,
    conv: Id,
    user: Id,
    role: Role,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO participants (conversation_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id, user_id) DO NOTHING",
    )
    .bind(conv.0)
    .bind(user.0)
    .bind(role)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes a user a participant (staff joining a room by replying or reading). True when new.
pub async fn ensure_participant(
    pool: &PgPool,
    conv: Id,
    user: Id,
    role: Role,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "INSERT INTO participants (conversation_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id, user_id) DO NOTHING",
    )
    .bind(conv.0)
    .bind(user.0)
    .bind(role)
    .execute(pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn is_participant(pool: &PgPool, conv: Id, user: Id) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM participants WHERE conversation_id = $1 AND user_id = $2 AND deleted_at IS NULL)",
    )
    .bind(conv.0)
    .bind(user.0)
    .fetch_one(pool)
    .await?)
}

/// Participants of several conversations at once, with display names.
pub async fn participants(
    pool: &PgPool,
    convs: &[i64],
) -> StoreResult<HashMap<i64, Vec<Participant>>> {
    let rows: Vec<(i64, i64, Option<String>, Role)> = sqlx::query_as(
        "SELECT p.conversation_id, p.user_id, u.display_name, p.role
         FROM participants p JOIN users u ON u.id = p.user_id
         WHERE p.conversation_id = ANY($1) AND p.deleted_at IS NULL ORDER BY p.id",
    )
    .bind(convs)
    .fetch_all(pool)
    .await?;
    let mut map: HashMap<i64, Vec<Participant>> = HashMap::new();
    for (conv, user, name, role) in rows {
        map.entry(conv).or_default().push(Participant {
            user_id: Id(user),
            name,
            role,
        });
    }
    Ok(map)
}

const UNREAD_AND_LAST: &str = ",
        COALESCE((SELECT count(*) FROM messages m WHERE m.conversation_id = c.id
            AND m.id > COALESCE(p.last_read_message_id, 0) AND m.sender_id <> $1 AND m.deleted_at IS NULL), 0)
            AS unread_count,
        (SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id) AS last_message_id";

/// A customer's conversations, newest activity first.
pub async fn list_for_customer(
    pool: &PgPool,
    user: Id,
    limit: i64,
) -> StoreResult<Vec<ListedConversation>> {
    list(
        pool,
        user,
        limit,
        "JOIN participants p ON p.conversation_id = c.id AND p.user_id = $1",
        "TRUE",
    )
    .await
}

/// A business inbox for one staff member (unread counted against that member's own cursor).
pub async fn list_for_business(
    pool: &PgPool,
    business: Id,
    user: Id,
    limit: i64,
) -> StoreResult<Vec<ListedConversation>> {
    Ok(sqlx::query_as(&list_sql(
        "LEFT JOIN participants p ON p.conversation_id = c.id AND p.user_id = $1",
        "c.business_id = $3",
    ))
    .bind(user.0)
    .bind(limit)
    .bind(business.0)
    .fetch_all(pool)
    .await?)
}

fn list_sql(join: &str, filter: &str) -> String {
    format!(
        "SELECT c.id, c.business_id, b.name AS business_name, c.type AS kind, c.customer_id,
            c.created_at, c.updated_at {UNREAD_AND_LAST}
         FROM conversations c JOIN businesses b ON b.id = c.business_id {join}
         WHERE c.deleted_at IS NULL AND {filter}
         ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT $2"
    )
}

async fn list(
    pool: &PgPool,
    user: Id,
    limit: i64,
    join: &str,
    filter: &str,
) -> StoreResult<Vec<ListedConversation>> {
    Ok(sqlx::query_as(&list_sql(join, filter))
        .bind(user.0)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// One conversation as the caller sees it in a list.
pub async fn listed(pool: &PgPool, conv: Id, user: Id) -> StoreResult<Option<ListedConversation>> {
    Ok(sqlx::query_as(&list_sql(
        "LEFT JOIN participants p ON p.conversation_id = c.id AND p.user_id = $1",
        "c.id = $3",
    ))
    .bind(user.0)
    .bind(1_i64)
    .bind(conv.0)
    .fetch_optional(pool)
    .await?)
}

/// Moves the user's read cursor forward (never back) and returns what is still unread.
pub async fn mark_read(
    pool: &PgPool,
    conv: Id,
    user: Id,
    role: Role,
    message: Id,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO participants (conversation_id, user_id, role, last_read_message_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation_id, user_id) DO UPDATE
            SET last_read_message_id = GREATEST(participants.last_read_message_id, EXCLUDED.last_read_message_id)",
    )
    .bind(conv.0)
    .bind(user.0)
    .bind(role)
    .bind(message.0)
    .execute(pool)
    .await?;
    unread_count(pool, conv, user).await
}

pub async fn unread_count(pool: &PgPool, conv: Id, user: Id) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM messages m WHERE m.conversation_id = $1 AND m.sender_id <> $2 AND m.deleted_at IS NULL
           AND m.id > COALESCE((SELECT last_read_message_id FROM participants WHERE conversation_id = $1 AND user_id = $2), 0)",
    )
    .bind(conv.0)
    .bind(user.0)
    .fetch_one(pool)
    .await?)
}

/// The business's community channel, created on first use.
pub async fn community(pool: &PgPool, business: Id) -> StoreResult<Id> {
    sqlx::query(
        "INSERT INTO conversations (business_id, type) VALUES ($1, 'COMMUNITY')
         ON CONFLICT (business_id) WHERE type = 'COMMUNITY' DO NOTHING",
    )
    .bind(business.0)
    .execute(pool)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE business_id = $1 AND type = 'COMMUNITY'",
    )
    .bind(business.0)
    .fetch_one(pool)
    .await?;
    Ok(Id(id))
}

pub async fn set_subscription(pool: &PgPool, business: Id, user: Id, on: bool) -> StoreResult<()> {
    let sql = if on {
        "INSERT INTO community_subscriptions (business_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM community_subscriptions WHERE business_id = $1 AND user_id = $2"
    };
    sqlx::query(sql)
        .bind(business.0)
        .bind(user.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// (subscribed, subscriber count) for a business's community.
pub async fn subscription(pool: &PgPool, business: Id, user: Id) -> StoreResult<(bool, i64)> {
    Ok(sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM community_subscriptions WHERE business_id = $1 AND user_id = $2),
                (SELECT count(*) FROM community_subscriptions WHERE business_id = $1)",
    )
    .bind(business.0)
    .bind(user.0)
    .fetch_one(pool)
    .await?)
}

/// What a customer's live session listens to: businesses it talks with, communities it joined.
pub async fn customer_businesses(pool: &PgPool, user: Id) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    let talks: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT c.business_id FROM conversations c JOIN participants p ON p.conversation_id = c.id
         WHERE p.user_id = $1 AND c.deleted_at IS NULL",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await?;
    let communities: Vec<i64> =
        sqlx::query_scalar("SELECT business_id FROM community_subscriptions WHERE user_id = $1")
            .bind(user.0)
            .fetch_all(pool)
            .await?;
    Ok((talks, communities))
}
