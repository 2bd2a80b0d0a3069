//! Files in chunks: an upload's bytes are cut into `CHUNK_BYTES` pieces as they arrive (each
//! stored before the next is read), and a download reads them back one piece at a time. So a
//! node holds at most about one chunk per upload or download, whatever the file's size.

use crate::error::{ApiError, ApiResult};
use crate::ports::PortFuture;
use crate::protocol::AttachmentId;
use crate::store::attachments::{self, Layout};
use crate::store::PgPool;
use bytes::Bytes;

/// The size of a stored piece of a file (the last one is shorter).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// An upload's bytes as the transport receives them.
pub trait UploadBody: Send {
    /// The next bytes of the file, in any size; None at its end.
    fn next(&mut self) -> PortFuture<'_, ApiResult<Option<Bytes>>>;
    /// The name the file was sent with; known once its first bytes have arrived (a form names
    /// its file before the content).
    fn file_name(&self) -> Option<String>;
}

/// Cuts an upload into chunks of `CHUNK_BYTES`, holding one chunk and at most one received
/// piece at a time.
pub struct Chunker<'a> {
    body: &'a mut dyn UploadBody,
    /// What was received beyond the last chunk handed out.
    carry: Bytes,
    ended: bool,
}

impl<'a> Chunker<'a> {
    pub fn new(body: &'a mut dyn UploadBody) -> Self {
        Chunker {
            body,
            carry: Bytes::new(),
            ended: false,
        }
    }

    /// Whether the body has ended (the last chunk handed out was the file's last).
    pub fn ended(&self) -> bool {
        self.ended && self.carry.is_empty()
    }

    pub fn file_name(&self) -> Option<String> {
        self.body.file_name()
    }

    /// The next chunk: `CHUNK_BYTES` long, or shorter at the file's end; None after it.
    pub async fn next(&mut self) -> ApiResult<Option<Vec<u8>>> {
        let mut chunk = Vec::with_capacity(CHUNK_BYTES);
        loop {
            let room = CHUNK_BYTES - chunk.len();
            if !self.carry.is_empty() {
                let take = room.min(self.carry.len());
                chunk.extend_from_slice(&self.carry.split_to(take));
            }
            if chunk.len() == CHUNK_BYTES || self.ended {
                break;
            }
            match self.body.next().await? {
                Some(piece) => self.carry = piece,
                None => self.ended = true,
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

/// A stored file read back one chunk at a time.
pub struct FileChunks {
    pool: PgPool,
    id: AttachmentId,
    layout: Layout,
    /// The next chunk's `seq`, or for a whole blob the next chunk's index.
    next: i32,
}

impl FileChunks {
    pub(super) async fn open(pool: &PgPool, id: AttachmentId) -> ApiResult<FileChunks> {
        let layout = attachments::layout(pool, id)
            .await?
            .ok_or_else(|| ApiError::not_found("attachment not found"))?;
        Ok(FileChunks {
            pool: pool.clone(),
            id,
            layout,
            next: 0,
        })
    }

    /// The next piece of the file; None after the last.
    pub async fn next(&mut self) -> ApiResult<Option<Bytes>> {
        let piece = match self.layout {
            Layout::Chunks => attachments::chunk(&self.pool, self.id, self.next).await?,
            Layout::Blob(len) => {
                let offset = i64::from(self.next) * CHUNK_BYTES as i64;
                if offset >= len {
                    return Ok(None);
                }
                attachments::blob_slice(&self.pool, self.id, offset, CHUNK_BYTES as i64).await?
            }
        };
        self.next += 1;
        Ok(piece.filter(|p| !p.is_empty()).map(Bytes::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body that hands out the given pieces.
    struct Pieces(Vec<Bytes>);

    impl UploadBody for Pieces {
        fn next(&mut self) -> PortFuture<'_, ApiResult<Option<Bytes>>> {
            let piece = (!self.0.is_empty()).then(|| self.0.remove(0));
            Box::pin(async move { Ok(piece) })
        }
        fn file_name(&self) -> Option<String> {
            None
        }
    }

    #[tokio::test]
    async fn cuts_any_pieces_into_full_chunks_and_a_short_last_one() {
        let sizes = [
            1,
            CHUNK_BYTES - 1,
            70_000,
            3 * CHUNK_BYTES + 5,
            16_384,
            0,
            9,
        ];
        let mut n = 0u8;
        let pieces: Vec<Bytes> = sizes
            .iter()
            .map(|s| {
                Bytes::from(
                    (0..*s)
                        .map(|_| {
                            n = n.wrapping_add(1);
                            n
                        })
                        .collect::<Vec<u8>>(),
                )
            })
            .collect();
        let whole: Vec<u8> = pieces.iter().flat_map(|p| p.to_vec()).collect();
        let mut body = Pieces(pieces);
        let mut chunker = Chunker::new(&mut body);
        let mut out = Vec::new();
        while let Some(chunk) = chunker.next().await.unwrap() {
            assert!(chunk.capacity() <= CHUNK_BYTES, "never more than a chunk");
            out.push(chunk);
        }
        assert!(chunker.ended());
        let (last, full) = out.split_last().unwrap();
        assert!(full.iter().all(|c| c.len() == CHUNK_BYTES));
        assert!(!last.is_empty() && last.len() <= CHUNK_BYTES);
        assert_eq!(out.concat(), whole);
        let mut empty = Pieces(Vec::new());
        assert!(Chunker::new(&mut empty).next().await.unwrap().is_none());
    }
}
