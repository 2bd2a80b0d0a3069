use super::StoreResult;
use crate::protocol::{
    Attachment, BusinessId, ContentType, ConversationId, Message, MessageId, ReactionSummary, Role,
    Sender, UserId,
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub sender_role: Role,
    pub sender_name: Option<String>,
    pub content_type: ContentType,
    pub body: String,
    pub file_url: Option<String>,
    pub mime_type: Option<String>,
    pub client_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub private: bool,
}

impl MessageRow {
    /// The wire form. A soft-deleted message keeps its id and `deletedAt` and nothing else.
    pub fn into_message(
        self,
        attachments: Vec<Attachment>,
        reactions: Vec<ReactionSummary>,
    ) -> Message {
        let deleted = self.deleted_at.is_some();
        Message {
            id: self.id,
            conversation_id: self.conversation_id,
            sender_id: self.sender_id,
            sender: Sender {
                id: self.sender_id,
                name: self.sender_name,
                role: self.sender_role,
            },
            content_type: self.content_type,
            body: if deleted { String::new() } else { self.body },
            file_url: if deleted { None } else { self.file_url },
            mime_type: self.mime_type,
            attachments: if deleted { Vec::new() } else { attachments },
            reactions: if deleted { Vec::new() } else { reactions },
            client_id: self.client_id,
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted_at: self.deleted_at,
            private: self.private,
        }
    }
}

pub(crate) const SELECT: &str = "SELECT m.id, m.conversation_id, m.sender_id, m.sender_role,
        u.display_name AS sender_name, m.content_type, m.body, m.file_url, m.mime_type, m.client_id,
        m.created_at, m.edited_at, m.deleted_at, m.private
    FROM messages m JOIN users u ON u.id = m.sender_id";

/// Attaches attachments and reactions to rows with two queries for the whole page.
pub async fn hydrate(pool: &PgPool, rows: Vec<MessageRow>) -> StoreResult<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id.0).collect();
    let mut attachments = super::attachments::for_messages(pool, &ids).await?;
    let mut reactions = reactions_for(pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = attachments.remove(&r.id.0).unwrap_or_default();
            let re = reactions.remove(&r.id.0).unwrap_or_default();
            r.into_message(a, re)
        })
        .collect())
}

async fn reactions_for(
    pool: &PgPool,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<ReactionSummary>>> {
    let rows: Vec<(i64, String, Vec<UserId>)> = sqlx::query_as(
        "SELECT message_id, emoji, array_agg(user_id ORDER BY created_at) FROM reactions
         WHERE message_id = ANY($1) GROUP BY message_id, emoji ORDER BY message_id, min(created_at)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut map: HashMap<i64, Vec<ReactionSummary>> = HashMap::new();
    for (msg, emoji, users) in rows {
        map.entry(msg).or_default().push(ReactionSummary {
            emoji,
            count: users.len() as i64,
            user_ids: users,
        });
    }
    Ok(map)
}

pub async fn by_ids(pool: &PgPool, ids: &[MessageId]) -> StoreResult<Vec<Message>> {
    let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<MessageRow> =
        sqlx::query_as(&format!("{SELECT} WHERE m.id = ANY($1) ORDER BY m.id"))
            .bind(ids)
            .fetch_all(pool)
            .await?;
    hydrate(pool, rows).await
}

pub async fn get(pool: &PgPool, id: MessageId) -> StoreResult<Option<Message>> {
    Ok(by_ids(pool, &[id]).await?.pop())
}

/// Which way a history page goes.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// The newest messages (first open).
    Latest,
    /// Older than this id (infinite scroll upwards).
    Before(MessageId),
    /// Newer than this id, in id order (resume).
    After(MessageId),
    /// Newer than `after`, or created at `since` or later whatever the id (resume after a
    /// resync: ids grow within a conversation in commit order, so another node's message may sit
    /// below one this client has already seen). Paged on with `After(last id)`.
    Since {
        after: MessageId,
        since: DateTime<Utc>,
    },
}

/// A page of history, always returned in ascending id order. Private notes only with `notes`
/// (staff readers).
pub async fn history(
    pool: &PgPool,
    conv: ConversationId,
    page: Page,
    limit: i64,
    notes: bool,
) -> StoreResult<Vec<Message>> {
    let (filter, order, cursor, since) = match page {
        Page::Latest => ("TRUE", "DESC", 0, None),
        Page::Before(id) => ("m.id < $3", "DESC", id.0, None),
        Page::After(id) => ("m.id > $3", "ASC", id.0, None),
        Page::Since { after, since } => (
            "(m.id > $3 OR m.created_at >= $4)",
            "ASC",
            after.0,
            Some(since),
        ),
    };
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE m.conversation_id = $1 AND {filter} AND (NOT m.private OR $5)
         ORDER BY m.id {order} LIMIT $2"
    ))
    .bind(conv)
    .bind(limit)
    .bind(cursor)
    .bind(since)
    .bind(notes)
    .fetch_all(pool)
    .await?;
    if order == "DESC" {
        rows.reverse();
    }
    hydrate(pool, rows).await
}

pub async fn by_client_id(
    pool: &PgPool,
    sender: UserId,
    client_id: &str,
) -> StoreResult<Option<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE m.sender_id = $1 AND m.client_id = $2"
    ))
    .bind(sender)
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    Ok(hydrate(pool, rows).await?.pop())
}

pub async fn edit(pool: &PgPool, id: MessageId, body: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE messages SET body = $2, edited_at = now() WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(body)
    .execute(pool)
    .await?;
    Ok(())
}

/// Soft delete: the row stays (ids and order hold) but its content and files go.
pub async fn soft_delete(pool: &PgPool, id: MessageId) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE messages SET deleted_at = now(), body = '', file_url = NULL WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM attachment_blobs WHERE attachment_id IN (SELECT id FROM attachments WHERE message_id = $1)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE attachments SET deleted_at = now() WHERE message_id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM reactions WHERE message_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_reaction(
    pool: &PgPool,
    msg: MessageId,
    user: UserId,
    emoji: &str,
    on: bool,
) -> StoreResult<()> {
    let sql = if on {
        "INSERT INTO reactions (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3"
    };
    sqlx::query(sql)
        .bind(msg)
        .bind(user)
        .bind(emoji)
        .execute(pool)
        .await?;
    Ok(())
}

/// Messages a user may see created since `since`, in id order (the SSE replay). The same rule
/// as `routing::may_read`, in bulk: a staff member's whole business; a customer's DIRECT
/// conversations and the communities it subscribes to now, never a private note.
pub async fn visible_since(
    pool: &PgPool,
    user: UserId,
    staff_of: Option<BusinessId>,
    since: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{SELECT} JOIN conversations c ON c.id = m.conversation_id
         WHERE m.created_at >= $1 AND (NOT m.private OR $2 IS NOT NULL) AND (
            c.business_id = $2
            OR ($2 IS NULL AND (
                (c.type <> 'COMMUNITY' AND c.customer_id = $3)
                OR (c.type = 'COMMUNITY' AND EXISTS (SELECT 1 FROM community_subscriptions s
                        WHERE s.business_id = c.business_id AND s.user_id = $3)))))
         ORDER BY m.id LIMIT $4"
    ))
    .bind(since)
    .bind(staff_of)
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    hydrate(pool, rows).await
}
