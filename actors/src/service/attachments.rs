use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::{Attachment, AttachmentId, ConversationId};
use crate::store::attachments::NewAttachment;
use crate::store::{self};

/// The largest upload, enforced by the HTTP edge while the body streams in.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The type of an upload, from its bytes: a client's `Content-Type` is never trusted.
pub fn sniff(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    if std::str::from_utf8(bytes).is_ok() {
        return "text/plain".into();
    }
    "application/octet-stream".into()
}

/// A stored file ready to send: its type and bytes.
pub struct Download {
    pub mime_type: String,
    pub data: Vec<u8>,
}

impl Service {
    /// Whether `who` may upload into a conversation, asked before the body is read so that a
    /// stranger's 10 MiB is refused without being received.
    pub async fn may_upload(&self, who: &Identity, conv: ConversationId) -> ApiResult<()> {
        self.writable(who, conv).await.map(|_| ())
    }

    pub async fn upload(
        &self,
        who: &Identity,
        conv: ConversationId,
        bytes: &[u8],
    ) -> ApiResult<Attachment> {
        self.writable(who, conv).await?;
        if bytes.is_empty() {
            return Err(ApiError::bad_request("empty upload"));
        }
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(ApiError::new(
                crate::protocol::ErrorCode::PayloadTooLarge,
                "upload over 10 MiB",
            ));
        }
        let mime = sniff(bytes);
        let (width, height) = if mime.starts_with("image/") {
            match imagesize::blob_size(bytes) {
                Ok(s) => (i32::try_from(s.width).ok(), i32::try_from(s.height).ok()),
                Err(_) => (None, None),
            }
        } else {
            (None, None)
        };
        let row = store::attachments::insert(
            &self.pool,
            NewAttachment {
                conversation: conv,
                uploader: who.user_id,
                mime_type: &mime,
                width,
                height,
                data: bytes,
            },
        )
        .await?;
        metrics::counter!("chat_uploads_total").increment(1);
        Ok(row.to_wire())
    }

    pub async fn download(&self, who: &Identity, id: AttachmentId) -> ApiResult<Download> {
        let row = store::attachments::get(&self.pool, id)
            .await?
            .ok_or_else(|| ApiError::not_found("attachment not found"))?;
        let conv = row
            .conversation_id
            .ok_or_else(|| ApiError::not_found("attachment not found"))?;
        self.readable(who, ConversationId(conv)).await?;
        let data = store::attachments::data(&self.pool, id)
            .await?
            .ok_or_else(|| ApiError::not_found("attachment not found"))?;
        Ok(Download {
            mime_type: row.mime_type,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn sniffs_from_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"hello"), "text/plain");
        assert_eq!(
            sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80]),
            "application/octet-stream"
        );
    }
}
