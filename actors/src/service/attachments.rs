pub use super::chunks::{Chunker, FileChunks, UploadBody, CHUNK_BYTES};
use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::{
    Attachment, AttachmentId, AttachmentLink, ConversationId, ErrorCode, UserId,
};
use crate::store::attachments::{ChunkWriter, NewAttachment};
use crate::store::{self};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The largest upload, enforced by the HTTP edge while the body streams in.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The type of an upload, from its first bytes (its first chunk; `whole` when that is the whole
/// file): a client's `Content-Type` is never trusted.
pub fn sniff(bytes: &[u8], whole: bool) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => return "text/plain".into(),
        // A chunk may end inside a character: that is still text.
        Err(e) if !whole && e.error_len().is_none() => return "text/plain".into(),
        Err(_) => {}
    }
    "application/octet-stream".into()
}

/// How long a signed file link opens the file: long enough to render a thread and click a
/// link, short enough that a link copied into a log or a chat is dead soon after.
pub const LINK_TTL_SECS: i64 = 15 * 60;

/// The file name to keep: its last path segment, without control characters, at most 200
/// characters; None when nothing readable is left.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let name: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_string();
    (!name.is_empty() && name != "." && name != "..").then_some(name)
}

/// A stored file ready to send: its type, size and bytes, read a chunk at a time.
pub struct Download {
    pub mime_type: String,
    pub file_name: Option<String>,
    pub size_bytes: i64,
    pub chunks: FileChunks,
}

/// Uploads one user may have in flight at once.
pub const UPLOADS_PER_USER: usize = 2;
/// Uploads in flight on one node at once: each holds a chunk in memory and, while its body
/// streams in, a database connection (its transaction); also at most half the pool.
pub const UPLOADS_PER_NODE: usize = 16;
/// Bytes one user may store per day.
pub const USER_DAILY_QUOTA: i64 = 200 * 1024 * 1024;
/// Bytes one business's conversations may store per day.
pub const BUSINESS_DAILY_QUOTA: i64 = 5 * 1024 * 1024 * 1024;

/// Uploads in flight, per node and per user.
#[derive(Default)]
pub struct Uploads {
    per_user: Mutex<HashMap<UserId, usize>>,
    node: AtomicUsize,
}

/// Held while an upload's body is read and stored; frees its places when dropped.
pub struct UploadSlot {
    uploads: Arc<Uploads>,
    user: UserId,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut m = self
            .uploads
            .per_user
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.user);
            }
        }
        let left = self.uploads.node.fetch_sub(1, Ordering::AcqRel) - 1;
        metrics::gauge!("chat_uploads_in_flight").set(left as f64);
    }
}

impl Uploads {
    fn take(self: &Arc<Self>, user: UserId, node_cap: usize) -> ApiResult<UploadSlot> {
        let mut m = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        let mine = m.entry(user).or_insert(0);
        if *mine >= UPLOADS_PER_USER {
            metrics::counter!("chat_uploads_refused_total", "reason" => "user").increment(1);
            return Err(ApiError::rate_limited(1000)
                .with_message(format!("at most {UPLOADS_PER_USER} uploads at once")));
        }
        if self.node.fetch_add(1, Ordering::AcqRel) >= node_cap {
            self.node.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("chat_uploads_refused_total", "reason" => "node").increment(1);
            return Err(ApiError::new(
                ErrorCode::Overloaded,
                "too many uploads on this node; retry shortly",
            ));
        }
        *mine += 1;
        metrics::gauge!("chat_uploads_in_flight").set(self.node.load(Ordering::Acquire) as f64);
        Ok(UploadSlot {
            uploads: self.clone(),
            user,
        })
    }
}

impl Service {
    /// Whether `who` may upload into a conversation now, asked before the body is read so that
    /// a stranger's 10 MiB is refused without being received: access, the uploads in flight
    /// (per user and node) and the daily quotas. Keep the slot until the upload is stored.
    pub async fn may_upload(&self, who: &Identity, conv: ConversationId) -> ApiResult<UploadSlot> {
        self.writable(who, conv).await?;
        // Each upload holds a connection while it streams: leave the other half to the rest.
        let pool_half = (self.pool.options().get_max_connections() as usize / 2).max(1);
        let slot = self
            .uploads
            .take(who.user_id, UPLOADS_PER_NODE.min(pool_half))?;
        let (mine, business) =
            store::attachments::stored_today(&self.pool, who.user_id, conv).await?;
        if mine + MAX_UPLOAD_BYTES as i64 > USER_DAILY_QUOTA
            || business + MAX_UPLOAD_BYTES as i64 > BUSINESS_DAILY_QUOTA
        {
            metrics::counter!("chat_uploads_refused_total", "reason" => "quota").increment(1);
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                "daily upload quota reached; try again tomorrow",
            ));
        }
        Ok(slot)
    }

    /// Stores an upload as it arrives: the type and image size from its first chunk, then every
    /// chunk in the upload's transaction, committed once the body has ended within the limit.
    pub async fn upload(
        &self,
        who: &Identity,
        conv: ConversationId,
        body: &mut dyn UploadBody,
    ) -> ApiResult<Attachment> {
        self.writable(who, conv).await?;
        let too_large = || ApiError::new(ErrorCode::PayloadTooLarge, "upload over 10 MiB");
        let mut chunks = Chunker::new(body);
        let first = chunks
            .next()
            .await?
            .ok_or_else(|| ApiError::bad_request("empty upload"))?;
        let mime = sniff(&first, chunks.ended());
        let (width, height) = if mime.starts_with("image/") {
            match imagesize::blob_size(&first) {
                Ok(s) => (i32::try_from(s.width).ok(), i32::try_from(s.height).ok()),
                Err(_) => (None, None),
            }
        } else {
            (None, None)
        };
        let file_name = chunks.file_name().as_deref().and_then(clean_file_name);
        let mut writer = ChunkWriter::begin(
            &self.pool,
            NewAttachment {
                conversation: conv,
                uploader: who.user_id,
                mime_type: &mime,
                width,
                height,
                file_name: file_name.as_deref(),
            },
        )
        .await?;
        let mut total = first.len();
        writer.push(&first).await?;
        drop(first);
        while let Some(chunk) = chunks.next().await? {
            total += chunk.len();
            if total > MAX_UPLOAD_BYTES {
                return Err(too_large());
            }
            writer.push(&chunk).await?;
        }
        let row = writer.finish(total as i64).await?;
        metrics::counter!("chat_uploads_total").increment(1);
        Ok(row.to_wire())
    }

    pub async fn download(&self, who: &Identity, id: AttachmentId) -> ApiResult<Download> {
        let row = self.attachment_row(id).await?;
        let conv = row
            .conversation_id
            .ok_or_else(|| ApiError::not_found("attachment not found"))?;
        self.readable(who, ConversationId(conv)).await?;
        self.file(row).await
    }

    /// A link to the file that works without a token until it expires, for readers only.
    pub async fn attachment_link(
        &self,
        who: &Identity,
        id: AttachmentId,
    ) -> ApiResult<AttachmentLink> {
        let row = self.attachment_row(id).await?;
        let conv = row
            .conversation_id
            .ok_or_else(|| ApiError::not_found("attachment not found"))?;
        self.readable(who, ConversationId(conv)).await?;
        let expires = chrono::Utc::now().timestamp() + LINK_TTL_SECS;
        let sig = self
            .verifier
            .sign(&link_payload(id, expires))
            .ok_or_else(|| {
                tracing::error!(attachment = id.0, "link signing failed");
                ApiError::internal()
            })?;
        Ok(AttachmentLink {
            url: format!("{}?exp={expires}&sig={sig}", row.url),
            expires_at: chrono::DateTime::from_timestamp(expires, 0).unwrap_or_default(),
        })
    }

    /// The file behind a signed link: the signature stands for the access check made when the
    /// link was issued.
    pub async fn download_signed(
        &self,
        id: AttachmentId,
        expires: i64,
        sig: &str,
    ) -> ApiResult<Download> {
        if expires < chrono::Utc::now().timestamp() {
            return Err(ApiError::unauthorized("link expired"));
        }
        if !self
            .verifier
            .verify_signature(&link_payload(id, expires), sig)
        {
            return Err(ApiError::forbidden("invalid link signature"));
        }
        let row = self.attachment_row(id).await?;
        self.file(row).await
    }

    async fn attachment_row(
        &self,
        id: AttachmentId,
    ) -> ApiResult<store::attachments::AttachmentRow> {
        store::attachments::get(&self.pool, id)
            .await?
            .ok_or_else(|| ApiError::not_found("attachment not found"))
    }

    async fn file(&self, row: store::attachments::AttachmentRow) -> ApiResult<Download> {
        let chunks = FileChunks::open(&self.pool, AttachmentId(row.id)).await?;
        Ok(Download {
            mime_type: row.mime_type,
            file_name: row.file_name,
            size_bytes: row.size_bytes,
            chunks,
        })
    }
}

fn link_payload(id: AttachmentId, expires: i64) -> String {
    format!("attachment:{}:{expires}", id.0)
}

#[cfg(test)]
mod tests {
    use super::{clean_file_name, sniff};

    #[test]
    fn keeps_only_the_base_name() {
        assert_eq!(
            clean_file_name("C:\\docs\\quote.pdf").as_deref(),
            Some("quote.pdf")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name(" a\u{0}b.txt ").as_deref(), Some("ab.txt"));
        assert_eq!(clean_file_name("dir/"), None);
        assert_eq!(clean_file_name(".."), None);
    }

    #[test]
    fn sniffs_from_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", true), "image/png");
        assert_eq!(sniff(b"hello", true), "text/plain");
        assert_eq!(
            sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80], true),
            "application/octet-stream"
        );
        // A first chunk that ends inside a character is text; a whole file that does is not.
        let cut = &"héllo".as_bytes()[..2];
        assert_eq!(sniff(cut, false), "text/plain");
        assert_eq!(sniff(cut, true), "application/octet-stream");
    }
}
