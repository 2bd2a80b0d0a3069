use super::StoreResult;
use crate::protocol::{
    BusinessId, ConversationId, ConversationStatus, ConversationType, MessageId, Participant, Role,
    UserId,
};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub business_id: BusinessId,
    pub business_name: String,
    pub kind: ConversationType,
    pub customer_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub status: ConversationStatus,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
}

/// A conversation in a list, with what the caller has not read and the newest message's id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedConversation {
    #[sqlx(flatten)]
    pub row: ConversationRow,
    pub unread_count: i64,
    pub last_message_id: Option<i64>,
    /// The list's order: the newest message's time, or the creation time.
    pub activity_at: DateTime<Utc>,
}

/// The columns of a `ConversationRow`, over `conversations c`, `businesses b` and the
/// assignee `users a` (`FROM_ROW`).
pub(super) const ROW_COLUMNS: &str =
    "c.id, c.business_id, b.name AS business_name, c.type AS kind, c.customer_id,
        c.created_at, c.updated_at, c.status, c.snoozed_until, c.assignee_id,
        a.display_name AS assignee_name";
pub(super) const FROM_ROW: &str = "conversations c JOIN businesses b ON b.id = c.business_id
        LEFT JOIN users a ON a.id = c.assignee_id";

pub async fn get(pool: &PgPool, id: ConversationId) -> StoreResult<Option<ConversationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM {FROM_ROW} WHERE c.id = $1 AND c.deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Load-or-create the customer's current DIRECT conversation with a business: the one not
/// resolved, or a new one when every earlier one is resolved. The partial unique index (one not
/// resolved per pair) makes concurrent opens converge on one row: the loser's insert does nothing
/// and it reads the winner's row. Returns the id and whether this call created it.
pub async fn load_or_create_direct(
    pool: &PgPool,
    business: BusinessId,
    customer: UserId,
) -> StoreResult<(ConversationId, bool)> {
    let mut tx = pool.begin().await?;
    let created: Option<ConversationId> = sqlx::query_scalar(
        "INSERT INTO conversations (business_id, type, customer_id) VALUES ($1, 'DIRECT', $2)
         ON CONFLICT (business_id, customer_id) WHERE type = 'DIRECT' AND status <> 'resolved'
         DO NOTHING RETURNING id",
    )
    .bind(business)
    .bind(customer)
    .fetch_optional(&mut *tx)
    .await?;
    let result = match created {
        Some(id) => {
            add_participant(&mut tx, id, customer, Role::Customer).await?;
            (id, true)
        }
        None => {
            let id: ConversationId = sqlx::query_scalar(
                "SELECT id FROM conversations WHERE business_id = $1 AND customer_id = $2
                   AND type = 'DIRECT' AND status <> 'resolved'",
            )
            .bind(business)
            .bind(customer)
            .fetch_one(&mut *tx)
            .await?;
            (id, false)
        }
    };
    tx.commit().await?;
    Ok(result)
}

async fn add_participant(
    tx: &mut Transaction<'_, Postgres>,
    conv: ConversationId,
    user: UserId,
    role: Role,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO participants (conversation_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id, user_id) DO NOTHING",
    )
    .bind(conv)
    .bind(user)
    .bind(role)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes a user a participant (staff joining a conversation by replying). True when new.
pub async fn ensure_participant(
    pool: &PgPool,
    conv: ConversationId,
    user: UserId,
    role: Role,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "INSERT INTO participants (conversation_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id, user_id) DO NOTHING",
    )
    .bind(conv)
    .bind(user)
    .bind(role)
    .execute(pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Participants of several conversations at once, with display names.
pub async fn participants(
    pool: &PgPool,
    convs: &[ConversationId],
) -> StoreResult<HashMap<ConversationId, Vec<Participant>>> {
    let ids: Vec<i64> = convs.iter().map(|c| c.0).collect();
    let rows: Vec<(ConversationId, UserId, Option<String>, Role)> = sqlx::query_as(
        "SELECT p.conversation_id, p.user_id, u.display_name, p.role
         FROM participants p JOIN users u ON u.id = p.user_id
         WHERE p.conversation_id = ANY($1) AND p.deleted_at IS NULL ORDER BY p.id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut map: HashMap<ConversationId, Vec<Participant>> = HashMap::new();
    for (conv, user, name, role) in rows {
        map.entry(conv).or_default().push(Participant {
            user_id: user,
            name,
            role,
        });
    }
    Ok(map)
}

/// What a conversation actor loads: participants with how many messages each sent, and the
/// read cursors with what is still unread behind each (in a community, staff's only: its
/// subscribers' counts are read from the database when they ask).
pub struct Counters {
    pub participants: Vec<(UserId, Role, i64)>,
    pub cursors: Vec<(UserId, MessageId, i64)>,
    /// Messages not deleted.
    pub total: i64,
    /// Private notes among them (never counted for the customer).
    pub notes: i64,
}

pub async fn counters(pool: &PgPool, conv: ConversationId) -> StoreResult<Counters> {
    let participants: Vec<(UserId, Role, i64)> = sqlx::query_as(
        "SELECT p.user_id, p.role, (SELECT count(*) FROM messages m WHERE m.conversation_id = p.conversation_id
                 AND m.sender_id = p.user_id AND m.deleted_at IS NULL)
         FROM participants p WHERE p.conversation_id = $1 AND p.deleted_at IS NULL",
    )
    .bind(conv)
    .fetch_all(pool)
    .await?;
    let cursors: Vec<(UserId, MessageId, i64)> = sqlx::query_as(
        "SELECT r.user_id, r.last_read_message_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = r.conversation_id
                 AND m.id > r.last_read_message_id AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
                 AND NOT (m.private AND r.user_id IS NOT DISTINCT FROM
                          (SELECT customer_id FROM conversations WHERE id = r.conversation_id)))
         FROM read_cursors r WHERE r.conversation_id = $1
           AND NOT EXISTS (SELECT 1 FROM conversations c JOIN community_subscriptions s
                ON s.business_id = c.business_id AND s.user_id = r.user_id
                WHERE c.id = r.conversation_id AND c.type = 'COMMUNITY')",
    )
    .bind(conv)
    .fetch_all(pool)
    .await?;
    let (total, notes): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE private) FROM messages
         WHERE conversation_id = $1 AND deleted_at IS NULL",
    )
    .bind(conv)
    .fetch_one(pool)
    .await?;
    Ok(Counters {
        participants,
        cursors,
        total,
        notes,
    })
}

/// A list of conversations as user `$1` sees them, at most `$2`: unread behind the caller's own
/// cursor and the newest message, both without private notes for a customer (`staff` false).
pub(super) fn list_sql(filter: &str, staff: bool) -> String {
    let notes = if staff { "" } else { "AND NOT m.private" };
    format!(
        "SELECT {ROW_COLUMNS},
            COALESCE((SELECT count(*) FROM messages m WHERE m.conversation_id = c.id
                AND m.id > COALESCE(r.last_read_message_id, 0) AND m.sender_id <> $1
                AND m.deleted_at IS NULL {notes}), 0) AS unread_count,
            (SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id {notes})
                AS last_message_id,
            COALESCE(c.last_message_at, c.created_at) AS activity_at
         FROM {FROM_ROW}
         LEFT JOIN read_cursors r ON r.conversation_id = c.id AND r.user_id = $1
         WHERE c.deleted_at IS NULL AND {filter}
         ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT $2"
    )
}

/// A customer's conversations (those it takes part in; communities have their own route),
/// newest activity first.
pub async fn list_for_customer(
    pool: &PgPool,
    user: UserId,
    limit: i64,
) -> StoreResult<Vec<ListedConversation>> {
    Ok(sqlx::query_as(&list_sql(
        "c.type <> 'COMMUNITY' AND EXISTS (SELECT 1 FROM participants p
            WHERE p.conversation_id = c.id AND p.user_id = $1 AND p.deleted_at IS NULL)",
        false,
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// A business inbox for one staff member (unread counted against that member's own cursor).
pub async fn list_for_business(
    pool: &PgPool,
    business: BusinessId,
    user: UserId,
    limit: i64,
) -> StoreResult<Vec<ListedConversation>> {
    Ok(sqlx::query_as(&list_sql("c.business_id = $3", true))
        .bind(user)
        .bind(limit)
        .bind(business)
        .fetch_all(pool)
        .await?)
}

/// One conversation as the caller sees it in a list.
pub async fn listed(
    pool: &PgPool,
    conv: ConversationId,
    user: UserId,
    staff: bool,
) -> StoreResult<Option<ListedConversation>> {
    Ok(sqlx::query_as(&list_sql("c.id = $3", staff))
        .bind(user)
        .bind(1_i64)
        .bind(conv)
        .fetch_optional(pool)
        .await?)
}

/// Moves the user's read cursor forward (never back) and returns what is still unread. The
/// cursor is the reader's own row: reading never makes anyone a participant.
pub async fn mark_read(
    pool: &PgPool,
    conv: ConversationId,
    user: UserId,
    message: MessageId,
    staff: bool,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO read_cursors (conversation_id, user_id, last_read_message_id) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id, user_id) DO UPDATE
            SET last_read_message_id = GREATEST(read_cursors.last_read_message_id, EXCLUDED.last_read_message_id),
                updated_at = now()",
    )
    .bind(conv)
    .bind(user)
    .bind(message)
    .execute(pool)
    .await?;
    unread_count(pool, conv, user, staff).await
}

/// What `user` has not read; private notes count only for staff.
pub async fn unread_count(
    pool: &PgPool,
    conv: ConversationId,
    user: UserId,
    staff: bool,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM messages m WHERE m.conversation_id = $1 AND m.sender_id <> $2 AND m.deleted_at IS NULL
           AND (NOT m.private OR $3)
           AND m.id > COALESCE((SELECT last_read_message_id FROM read_cursors WHERE conversation_id = $1 AND user_id = $2), 0)",
    )
    .bind(conv)
    .bind(user)
    .bind(staff)
    .fetch_one(pool)
    .await?)
}

/// The business's community channel, created on first use.
pub async fn community(pool: &PgPool, business: BusinessId) -> StoreResult<ConversationId> {
    sqlx::query(
        "INSERT INTO conversations (business_id, type) VALUES ($1, 'COMMUNITY')
         ON CONFLICT (business_id) WHERE type = 'COMMUNITY' DO NOTHING",
    )
    .bind(business)
    .execute(pool)
    .await?;
    Ok(sqlx::query_scalar(
        "SELECT id FROM conversations WHERE business_id = $1 AND type = 'COMMUNITY'",
    )
    .bind(business)
    .fetch_one(pool)
    .await?)
}

pub async fn set_subscription(
    pool: &PgPool,
    business: BusinessId,
    user: UserId,
    on: bool,
) -> StoreResult<()> {
    let sql = if on {
        "INSERT INTO community_subscriptions (business_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM community_subscriptions WHERE business_id = $1 AND user_id = $2"
    };
    sqlx::query(sql)
        .bind(business)
        .bind(user)
        .execute(pool)
        .await?;
    Ok(())
}

/// (subscribed, subscriber count) for a business's community.
pub async fn subscription(
    pool: &PgPool,
    business: BusinessId,
    user: UserId,
) -> StoreResult<(bool, i64)> {
    Ok(sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM community_subscriptions WHERE business_id = $1 AND user_id = $2),
                (SELECT count(*) FROM community_subscriptions WHERE business_id = $1)",
    )
    .bind(business)
    .bind(user)
    .fetch_one(pool)
    .await?)
}

/// Records that a customer is "of" a business; true the first time.
pub async fn add_customer(pool: &PgPool, business: BusinessId, user: UserId) -> StoreResult<bool> {
    let res = sqlx::query(
        "INSERT INTO business_customers (business_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(business)
    .bind(user)
    .execute(pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// What a customer's live session listens to: the businesses it is "of" (their staff's
/// presence) and the communities it subscribes to.
pub async fn customer_businesses(
    pool: &PgPool,
    user: UserId,
) -> StoreResult<(Vec<BusinessId>, Vec<BusinessId>)> {
    let of: Vec<BusinessId> = sqlx::query_scalar(
        "SELECT business_id FROM business_customers WHERE user_id = $1 ORDER BY business_id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    let communities: Vec<BusinessId> = sqlx::query_scalar(
        "SELECT business_id FROM community_subscriptions WHERE user_id = $1 ORDER BY business_id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    Ok((of, communities))
}
