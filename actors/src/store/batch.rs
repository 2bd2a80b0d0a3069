//! The persistence actor's one write path: many messages from many conversations in one
//! transaction. Each conversation's row is locked (in id order, so batches never deadlock) before
//! its messages take their ids, so within a conversation ids become visible in commit order and
//! `after=<id>` can never skip a row committed later with a smaller id.

use super::messages::{hydrate, MessageRow, SELECT};
use super::StoreResult;
use crate::protocol::{ContentType, ConversationId, Message, MessageId, Role, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::{BTreeSet, HashMap};

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
    /// Offline customers to notify through the outbox, decided when the message was queued.
    pub notify: Vec<UserId>,
}

/// The stored row and whether this batch created it (false: the clientId was seen before).
#[derive(Debug, Clone)]
pub struct Stored {
    pub message: Message,
    pub created: bool,
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

/// Inserts the batch in one transaction and returns one result per item, in item order.
pub async fn insert_batch(pool: &PgPool, items: &[NewMessage]) -> StoreResult<Vec<Stored>> {
    let mut tx = pool.begin().await?;
    let convs: Vec<i64> = items
        .iter()
        .map(|i| i.conversation_id.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Locks (in id order) and touches each conversation in one statement.
    sqlx::query(
        "UPDATE conversations SET last_message_at = now() WHERE id IN
            (SELECT id FROM conversations WHERE id = ANY($1) ORDER BY id FOR UPDATE)",
    )
    .bind(&convs)
    .execute(&mut *tx)
    .await?;

    let inserted: Vec<(i64, i64, String, DateTime<Utc>)> = sqlx::query_as(
        "INSERT INTO messages (conversation_id, sender_id, sender_role, content_type, body, client_id)
         SELECT c, s, r::participant_role, t::message_content_type, b, k
         FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS x(c, s, r, t, b, k, n)
         ORDER BY n
         ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
         RETURNING id, sender_id, client_id, created_at",
    )
    .bind(items.iter().map(|i| i.conversation_id.0).collect::<Vec<_>>())
    .bind(items.iter().map(|i| i.sender_id.0).collect::<Vec<_>>())
    .bind(items.iter().map(|i| role_sql(i.sender_role)).collect::<Vec<_>>())
    .bind(items.iter().map(|i| content_type_sql(i.content_type)).collect::<Vec<_>>())
    .bind(items.iter().map(|i| i.body.as_str()).collect::<Vec<_>>())
    .bind(items.iter().map(|i| i.client_id.as_str()).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?;
    let mut new_rows: HashMap<(i64, String), (i64, DateTime<Utc>)> = inserted
        .into_iter()
        .map(|(id, s, k, at)| ((s, k), (id, at)))
        .collect();

    // Which item created which row; a repeated key in the same batch finds the first item's row.
    let mut created: Vec<Option<(i64, DateTime<Utc>)>> = Vec::with_capacity(items.len());
    for item in items {
        created.push(new_rows.remove(&(item.sender_id.0, item.client_id.clone())));
    }
    let created_by: Vec<Option<i64>> = created.iter().map(|c| c.map(|(id, _)| id)).collect();

    for (item, id) in items.iter().zip(&created_by) {
        if let (Some(id), false) = (id, item.attachment_ids.is_empty()) {
            attach(&mut tx, *id, item).await?;
        }
    }
    enqueue_notifications(&mut tx, items, &created_by).await?;
    tx.commit().await?;

    // A plain new row is known whole from the item; rows with files, and earlier rows found by a
    // repeated clientId, are read back (one query for all of them).
    let mut out: Vec<Option<Stored>> = items
        .iter()
        .zip(&created)
        .map(|(item, c)| match c {
            Some((id, at)) if item.attachment_ids.is_empty() => Some(Stored {
                message: fresh(item, *id, *at),
                created: true,
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
            });
        }
    }
    Ok(out.into_iter().flatten().collect())
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
    }
    .into_message(Vec::new(), Vec::new())
}

/// Links the sender's uploads to the new message; the type and first file describe the message.
async fn attach(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: i64,
    item: &NewMessage,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE attachments SET message_id = $1 WHERE id = ANY($2) AND uploader_id = $3
           AND conversation_id = $4 AND message_id IS NULL",
    )
    .bind(id)
    .bind(&item.attachment_ids)
    .bind(item.sender_id.0)
    .bind(item.conversation_id.0)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE messages m SET file_url = a.url, mime_type = a.mime_type
         FROM (SELECT url, mime_type FROM attachments WHERE message_id = $1 ORDER BY id LIMIT 1) a
         WHERE m.id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One pending outbox row per (recipient, conversation): a burst of messages becomes one webhook.
/// The first delivery waits a second so the burst has time to gather.
async fn enqueue_notifications(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    items: &[NewMessage],
    created_by: &[Option<i64>],
) -> StoreResult<()> {
    // Aggregate first: ON CONFLICT DO UPDATE may not touch one row twice in a statement.
    let mut pending: HashMap<(i64, i64), (i64, i32)> = HashMap::new();
    for (item, id) in items.iter().zip(created_by) {
        let Some(id) = id else { continue };
        for user in &item.notify {
            let e = pending
                .entry((user.0, item.conversation_id.0))
                .or_insert((*id, 0));
            e.0 = e.0.max(*id);
            e.1 += 1;
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    let (mut users, mut convs, mut msgs, mut counts) = (vec![], vec![], vec![], vec![]);
    for ((u, c), (m, n)) in pending {
        users.push(u);
        convs.push(c);
        msgs.push(m);
        counts.push(n);
    }
    sqlx::query(
        "INSERT INTO notification_outbox (user_id, conversation_id, last_message_id, message_count, next_attempt_at)
         SELECT u, c, m, n, now() + interval '1 second'
         FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::int[]) AS x(u, c, m, n)
         ON CONFLICT (user_id, conversation_id) WHERE delivered_at IS NULL DO UPDATE
           SET last_message_id = GREATEST(notification_outbox.last_message_id, EXCLUDED.last_message_id),
               message_count = notification_outbox.message_count + EXCLUDED.message_count",
    )
    .bind(users)
    .bind(convs)
    .bind(msgs)
    .bind(counts)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
