//! The persistence actor's one write path: many messages from many conversations in one call of
//! the `chat_store_batch` SQL function, one round trip in autocommit. Inside it each
//! conversation's row is locked (in id order, so concurrent batches never deadlock) before its
//! messages take their ids, so within a conversation ids become visible in commit order, however
//! many batches are in flight on however many nodes, and `after=<id>` can never skip a row
//! committed later with a smaller id.

use super::messages::{hydrate, MessageRow, SELECT};
use super::StoreResult;
use crate::protocol::{ContentType, ConversationId, Message, MessageId, Role, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

/// A message waiting for its batch.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub sender_role: Role,
    /// The sender's display name, so the stored message needs no read-back to be labelled.
    pub sender_name: Option<String>,
    pub content_type: ContentType,
    pub body: String,
    pub client_id: String,
    pub attachment_ids: Vec<i64>,
    /// A staff-only note.
    pub private: bool,
    /// Offline customers to notify through the outbox, decided when the message was queued.
    pub notify: Vec<UserId>,
}

/// The stored row and whether this batch created it (false: the clientId was seen before).
#[derive(Debug, Clone)]
pub struct Stored {
    pub message: Message,
    pub created: bool,
    /// This message reopened its conversation (a customer wrote to a pending, snoozed or
    /// resolved one).
    pub reopened: bool,
}

fn content_type_sql(t: ContentType) -> &'static str {
    match t {
        ContentType::Text => "TEXT",
        ContentType::File => "FILE",
        ContentType::Image => "IMAGE",
        ContentType::Video => "VIDEO",
        ContentType::Other => "OTHER",
    }
}

fn role_sql(r: Role) -> &'static str {
    match r {
        Role::Customer => "CUSTOMER",
        Role::Agent => "AGENT",
        Role::Owner => "OWNER",
    }
}

/// The one statement of a batch: `chat_store_batch_v2` (migration `20261202000001`) locks,
/// touches and (for a customer's message) reopens the conversations, inserts, links attachments
/// and writes the outbox in the implicit transaction of this call. sqlx prepares it once per
/// connection and reuses it.
const STORE_BATCH: &str = "SELECT out_item, out_id, out_at, out_reopened FROM chat_store_batch_v2(
    $1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::boolean[], $8::boolean[], $9::int[], $10::bigint[], $11::int[], $12::bigint[])";

/// One row of the function's answer: item, new id, its time, whether it reopened.
type BatchRow = (i32, Option<i64>, Option<DateTime<Utc>>, bool);

/// Stores the batch with one round trip and returns one result per item, in item order.
///
/// Autocommit is what makes the ack honest: sqlx ends the call at the server's ReadyForQuery,
/// which follows the implicit COMMIT (and its WAL flush), so a returned row is durable.
pub async fn insert_batch(pool: &PgPool, items: &[NewMessage]) -> StoreResult<Vec<Stored>> {
    // Attachments and recipients are few and optional: flattened as (1-based item, value).
    let (mut attach_item, mut attach_id) = (Vec::new(), Vec::new());
    let (mut notify_item, mut notify_user) = (Vec::new(), Vec::new());
    for (n, item) in (1i32..).zip(items) {
        for a in &item.attachment_ids {
            attach_item.push(n);
            attach_id.push(*a);
        }
        for u in &item.notify {
            notify_item.push(n);
            notify_user.push(u.0);
        }
    }
    let rows: Vec<BatchRow> = sqlx::query_as(STORE_BATCH)
        .bind(
            items
                .iter()
                .map(|i| i.conversation_id.0)
                .collect::<Vec<_>>(),
        )
        .bind(items.iter().map(|i| i.sender_id.0).collect::<Vec<_>>())
        .bind(
            items
                .iter()
                .map(|i| role_sql(i.sender_role))
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|i| content_type_sql(i.content_type))
                .collect::<Vec<_>>(),
        )
        .bind(items.iter().map(|i| i.body.as_str()).collect::<Vec<_>>())
        .bind(
            items
                .iter()
                .map(|i| i.client_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(items.iter().map(|i| i.private).collect::<Vec<_>>())
        // A customer's message reopens its conversation; notes and staff replies never do.
        .bind(
            items
                .iter()
                .map(|i| i.sender_role == Role::Customer && !i.private)
                .collect::<Vec<_>>(),
        )
        .bind(attach_item)
        .bind(attach_id)
        .bind(notify_item)
        .bind(notify_user)
        .fetch_all(pool)
        .await?;
    // One row per item, in item order (the function's ORDER BY); anything else is a bug upstream.
    if rows.len() != items.len() {
        return Err(sqlx::Error::RowNotFound.into());
    }
    let reopened: Vec<bool> = rows.iter().map(|r| r.3).collect();
    let created: Vec<Option<(i64, DateTime<Utc>)>> =
        rows.into_iter().map(|(_, id, at, _)| id.zip(at)).collect();

    // A plain new row is known whole from the item; rows with files, and earlier rows found by a
    // repeated clientId, are read back (one query for all of them, off the common path).
    let mut out: Vec<Option<Stored>> = items
        .iter()
        .zip(&created)
        .map(|(item, c)| match c {
            Some((id, at)) if item.attachment_ids.is_empty() => Some(Stored {
                message: fresh(item, *id, *at),
                created: true,
                reopened: false,
            }),
            _ => None,
        })
        .collect();
    let missing: Vec<usize> = (0..items.len()).filter(|i| out[*i].is_none()).collect();
    if !missing.is_empty() {
        let keys_s: Vec<i64> = missing.iter().map(|i| items[*i].sender_id.0).collect();
        let keys_k: Vec<&str> = missing
            .iter()
            .map(|i| items[*i].client_id.as_str())
            .collect();
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "{SELECT} JOIN UNNEST($1::bigint[], $2::text[]) AS k(s, c) ON m.sender_id = k.s AND m.client_id = k.c"
        ))
        .bind(&keys_s)
        .bind(&keys_k)
        .fetch_all(pool)
        .await?;
        let messages = hydrate(pool, rows).await?;
        let by_key: HashMap<(i64, &str), &Message> = messages
            .iter()
            .filter_map(|m| m.client_id.as_deref().map(|k| ((m.sender_id.0, k), m)))
            .collect();
        for i in missing {
            let item = &items[i];
            let message = by_key
                .get(&(item.sender_id.0, item.client_id.as_str()))
                .map(|m| (*m).clone())
                .ok_or(sqlx::Error::RowNotFound)?;
            out[i] = Some(Stored {
                message,
                created: created[i].is_some(),
                reopened: false,
            });
        }
    }
    Ok(out
        .into_iter()
        .flatten()
        .zip(reopened)
        .map(|(s, reopened)| Stored { reopened, ..s })
        .collect())
}

/// The wire form of a row this batch just inserted, built from what the batch already knows.
fn fresh(item: &NewMessage, id: i64, created_at: DateTime<Utc>) -> Message {
    MessageRow {
        id: MessageId(id),
        conversation_id: item.conversation_id,
        sender_id: item.sender_id,
        sender_role: item.sender_role,
        sender_name: item.sender_name.clone(),
        content_type: item.content_type,
        body: item.body.clone(),
        file_url: None,
        mime_type: None,
        client_id: Some(item.client_id.clone()),
        created_at,
        edited_at: None,
        deleted_at: None,
        private: item.private,
    }
    .into_message(Vec::new(), Vec::new())
}
