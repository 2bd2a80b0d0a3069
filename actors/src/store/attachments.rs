use super::StoreResult;
use crate::protocol::{Attachment, AttachmentId, ConversationId, UserId};
use sqlx::PgPool;
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub url: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub conversation_id: Option<i64>,
    pub uploader_id: Option<i64>,
    pub message_id: Option<i64>,
    pub file_name: Option<String>,
}

impl AttachmentRow {
    pub fn to_wire(&self) -> Attachment {
        Attachment {
            id: AttachmentId(self.id),
            url: self.url.clone(),
            mime_type: self.mime_type.clone(),
            size_bytes: self.size_bytes,
            width: self.width,
            height: self.height,
            file_name: self.file_name.clone(),
        }
    }
}

const COLUMNS: &str =
    "id, url, mime_type, size_bytes, width, height, conversation_id, uploader_id, \
     message_id, file_name";

/// What an upload stores besides its bytes (known from its first chunk).
pub struct NewAttachment<'a> {
    pub conversation: ConversationId,
    pub uploader: UserId,
    pub mime_type: &'a str,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub file_name: Option<&'a str>,
}

/// An upload being stored: its row and its chunks go into one transaction, committed by
/// `finish` once the last chunk is in; dropped before that, nothing is kept.
pub struct ChunkWriter {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    id: i64,
    next_seq: i32,
}

impl ChunkWriter {
    pub async fn begin(pool: &PgPool, new: NewAttachment<'_>) -> StoreResult<ChunkWriter> {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "WITH next AS (SELECT nextval('attachments_id_seq') AS id)
             INSERT INTO attachments (id, url, mime_type, size_bytes, width, height, conversation_id, uploader_id, file_name)
             SELECT id, '/api/v1/attachments/' || id, $1, 0, $2, $3, $4, $5, $6 FROM next
             RETURNING id",
        )
        .bind(new.mime_type)
        .bind(new.width)
        .bind(new.height)
        .bind(new.conversation.0)
        .bind(new.uploader.0)
        .bind(new.file_name)
        .fetch_one(&mut *tx)
        .await?;
        Ok(ChunkWriter {
            tx,
            id,
            next_seq: 0,
        })
    }

    /// Stores the next chunk of the file.
    pub async fn push(&mut self, data: &[u8]) -> StoreResult<()> {
        sqlx::query("INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)")
            .bind(self.id)
            .bind(self.next_seq)
            .bind(data)
            .execute(&mut *self.tx)
            .await?;
        self.next_seq += 1;
        metrics::counter!("chat_upload_chunks_total").increment(1);
        Ok(())
    }

    /// Records the file's size and commits the row and every chunk.
    pub async fn finish(mut self, size_bytes: i64) -> StoreResult<AttachmentRow> {
        let row: AttachmentRow = sqlx::query_as(&format!(
            "UPDATE attachments SET size_bytes = $2 WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(self.id)
        .bind(size_bytes)
        .fetch_one(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(row)
    }
}

pub async fn get(pool: &PgPool, id: AttachmentId) -> StoreResult<Option<AttachmentRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?)
}

/// Where a file's bytes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// In `attachment_chunks`, in order from `seq` 0.
    Chunks,
    /// Whole in `attachment_blobs` (files stored before chunks), of this many bytes.
    Blob(i64),
}

pub async fn layout(pool: &PgPool, id: AttachmentId) -> StoreResult<Option<Layout>> {
    let row: Option<(bool, Option<i64>)> = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM attachment_chunks WHERE attachment_id = $1 AND seq = 0),
                (SELECT octet_length(data)::bigint FROM attachment_blobs WHERE attachment_id = $1)",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some((true, _)) => Some(Layout::Chunks),
        Some((false, Some(len))) => Some(Layout::Blob(len)),
        _ => None,
    })
}

/// One chunk of a chunked file; None past the last.
pub async fn chunk(pool: &PgPool, id: AttachmentId, seq: i32) -> StoreResult<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar(
        "SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2",
    )
    .bind(id.0)
    .bind(seq)
    .fetch_optional(pool)
    .await?)
}

/// `len` bytes of a whole-blob file from byte `offset` (0-based).
pub async fn blob_slice(
    pool: &PgPool,
    id: AttachmentId,
    offset: i64,
    len: i64,
) -> StoreResult<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar(
        "SELECT substring(data FROM ($2 + 1)::int FOR $3::int) FROM attachment_blobs WHERE attachment_id = $1",
    )
    .bind(id.0)
    .bind(offset)
    .bind(len)
    .fetch_optional(pool)
    .await?)
}

/// Attachments a sender may put on a new message: its own uploads to this conversation, not yet used.
pub async fn unattached(
    pool: &PgPool,
    ids: &[i64],
    uploader: UserId,
    conv: ConversationId,
) -> StoreResult<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE id = ANY($1) AND uploader_id = $2 AND conversation_id = $3
           AND message_id IS NULL AND deleted_at IS NULL ORDER BY id"
    ))
    .bind(ids)
    .bind(uploader.0)
    .bind(conv.0)
    .fetch_all(pool)
    .await?)
}

pub async fn for_messages(
    pool: &PgPool,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<Attachment>>> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE message_id = ANY($1) AND deleted_at IS NULL ORDER BY id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut map: HashMap<i64, Vec<Attachment>> = HashMap::new();
    for row in rows {
        if let Some(msg) = row.message_id {
            map.entry(msg).or_default().push(row.to_wire());
        }
    }
    Ok(map)
}

/// Bytes a user and a business have stored in the last 24 hours (live files only), for quotas.
pub async fn stored_today(
    pool: &PgPool,
    uploader: UserId,
    conv: ConversationId,
) -> StoreResult<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT
            COALESCE((SELECT sum(size_bytes) FROM attachments WHERE uploader_id = $1
                AND deleted_at IS NULL AND created_at > now() - interval '1 day'), 0)::bigint,
            COALESCE((SELECT sum(a.size_bytes) FROM attachments a JOIN conversations c ON c.id = a.conversation_id
                WHERE c.business_id = (SELECT business_id FROM conversations WHERE id = $2)
                AND a.deleted_at IS NULL AND a.created_at > now() - interval '1 day'), 0)::bigint",
    )
    .bind(uploader)
    .bind(conv)
    .fetch_one(pool)
    .await?)
}
