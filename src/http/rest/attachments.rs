use super::super::limits::UPLOAD_BODY_TIMEOUT;
use super::super::multipart::{self, FileStream};
use super::super::request::{percent_decode, query_param, token};
use super::super::response::{json, Resp};
use super::super::AppState;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use hyper::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE,
};
use hyper::{Request, Response, StatusCode};
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::ports::PortFuture;
use servihub_actors::protocol::{AttachmentId, ConversationId, ErrorCode};
use servihub_actors::service::attachments::{UploadBody, MAX_UPLOAD_BYTES};
use std::convert::Infallible;

/// Room for multipart boundaries and part headers around a file of the maximum size.
const MULTIPART_OVERHEAD: usize = 16 * 1024;

/// A request body read as it arrives, at most `limit` bytes.
struct Received {
    body: Incoming,
    read: usize,
    limit: usize,
}

impl Received {
    async fn next(&mut self) -> ApiResult<Option<Bytes>> {
        loop {
            let Some(frame) = self.body.frame().await else {
                return Ok(None);
            };
            let frame =
                frame.map_err(|_| ApiError::bad_request("request body could not be read"))?;
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            self.read += data.len();
            if self.read > self.limit {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("body over the limit of {} bytes", self.limit),
                ));
            }
            return Ok(Some(data));
        }
    }
}

/// A raw upload: the body is the file.
struct RawFile {
    body: Received,
    name: Option<String>,
}

impl UploadBody for RawFile {
    fn next(&mut self) -> PortFuture<'_, ApiResult<Option<Bytes>>> {
        Box::pin(self.body.next())
    }
    fn file_name(&self) -> Option<String> {
        self.name.clone()
    }
}

/// A form upload: the file part, taken out of the body as it streams in.
struct FormFile {
    body: Received,
    form: FileStream,
    ended: bool,
}

impl FormFile {
    async fn next_piece(&mut self) -> ApiResult<Option<Bytes>> {
        let form_error = |e: multipart::FormError| ApiError::bad_request(e.to_string());
        while !self.ended {
            let piece = match self.body.next().await? {
                Some(data) => self.form.push(&data).map_err(form_error)?,
                None => {
                    self.ended = true;
                    self.form.finish().map_err(form_error)?
                }
            };
            if !piece.is_empty() {
                return Ok(Some(Bytes::from(piece)));
            }
        }
        Ok(None)
    }
}

impl UploadBody for FormFile {
    fn next(&mut self) -> PortFuture<'_, ApiResult<Option<Bytes>>> {
        Box::pin(self.next_piece())
    }
    fn file_name(&self) -> Option<String> {
        self.form.file_name().map(str::to_string)
    }
}

/// Upload: the raw body is the file, or the first file part of a `multipart/form-data` body.
/// The declared type is ignored either way; the bytes decide. The file name comes from the
/// part's `filename`, or for a raw body from `X-File-Name` (percent-encoded) or `?name=`. The
/// body is stored in chunks as it arrives, never held whole.
pub async fn upload(
    st: &AppState,
    req: Request<Incoming>,
    conv: ConversationId,
) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    // Access first, so a stranger's 10 MiB is refused before it is read.
    let _slot = st.service.may_upload(&who, conv).await?;
    let boundary = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary);
    let mut body: Box<dyn UploadBody> = match boundary {
        None => {
            let name = req
                .headers()
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(percent_decode)
                .or_else(|| query_param(&req, "name"));
            Box::new(RawFile {
                body: Received {
                    body: req.into_body(),
                    read: 0,
                    limit: MAX_UPLOAD_BYTES,
                },
                name,
            })
        }
        Some(boundary) => Box::new(FormFile {
            body: Received {
                body: req.into_body(),
                read: 0,
                limit: MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD,
            },
            form: FileStream::new(&boundary),
            ended: false,
        }),
    };
    // A client that trickles its body holds a connection (and the upload's transaction) this
    // long at most; past it the upload is dropped and nothing is kept.
    let stored = tokio::time::timeout(
        UPLOAD_BODY_TIMEOUT,
        st.service.upload(&who, conv, body.as_mut()),
    )
    .await
    .map_err(|_| {
        metrics::counter!("chat_body_timeouts_total").increment(1);
        ApiError::bad_request(format!(
            "the request body did not arrive within {} s",
            UPLOAD_BODY_TIMEOUT.as_secs()
        ))
    })??;
    Ok(json(StatusCode::CREATED, &stored))
}

/// A signed link to the file, for elements that cannot send the token in a header.
pub async fn link(st: &AppState, req: Request<Incoming>, id: AttachmentId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let link = st.service.attachment_link(&who, id).await?;
    let mut r = json(StatusCode::OK, &link);
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}

/// The file, to a reader's token or to a signed link (`?exp=&sig=`).
pub async fn download(st: &AppState, req: Request<Incoming>, id: AttachmentId) -> ApiResult<Resp> {
    let signed = query_param(&req, "sig").zip(query_param(&req, "exp"));
    let file = match signed {
        Some((sig, exp)) => {
            let exp = exp
                .parse::<i64>()
                .map_err(|_| ApiError::bad_request("exp is not a time"))?;
            st.service.download_signed(id, exp, &sig).await?
        }
        None => {
            let who = st.service.authenticate(token(&req).as_deref()).await?;
            st.service.download(&who, id).await?
        }
    };
    let inline = file.mime_type.starts_with("image/") && file.mime_type != "image/svg+xml";
    // Read a chunk at a time as the client takes them (one waits in the channel); a store
    // failure midway ends the body short of its length, which the client sees as a broken
    // download.
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
    let mut chunks = file.chunks;
    tokio::spawn(async move {
        loop {
            match chunks.next().await {
                Ok(Some(piece)) => {
                    if tx.send(piece).await.is_err() {
                        return; // the client went away
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "download ended early");
                    return;
                }
            }
        }
    });
    let mut r = Response::new(BodyExt::boxed(Chunks(rx)));
    let h = r.headers_mut();
    h.insert(
        CONTENT_LENGTH,
        HeaderValue::from(file.size_bytes.max(0) as u64),
    );
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&file.mime_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    let disposition = if inline { "inline" } else { "attachment" };
    let disposition = match &file.file_name {
        Some(name) => format!("{disposition}; filename*=UTF-8''{}", encode_rfc5987(name)),
        None => disposition.to_string(),
    };
    h.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(r)
}

/// A download's body: the chunks its reader task sends.
struct Chunks(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|piece| piece.map(|p| Ok(Frame::data(p))))
    }
}

/// Percent-encodes all but RFC 5987's attr-chars, so any file name fits a header value.
fn encode_rfc5987(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_file_names_for_headers() {
        assert_eq!(super::encode_rfc5987("a b€.pdf"), "a%20b%E2%82%AC.pdf");
    }
}
