use super::super::request::{multipart, read_body, token};
use super::super::response::{full, json, Resp};
use super::super::AppState;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::protocol::{AttachmentId, ConversationId};
use servihub_actors::service::attachments::MAX_UPLOAD_BYTES;

/// Room for multipart boundaries and part headers around a file of the maximum size.
const MULTIPART_OVERHEAD: usize = 16 * 1024;

/// Upload: the raw body is the file, or the first file part of a `multipart/form-data` body.
/// The declared type is ignored either way; the bytes decide.
pub async fn upload(
    st: &AppState,
    req: Request<Incoming>,
    conv: ConversationId,
) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    // Access first, so a stranger's 10 MiB is refused before it is read.
    st.service.may_upload(&who, conv).await?;
    let boundary = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary);
    let attachment = match boundary {
        None => {
            let bytes = read_body(req.into_body(), MAX_UPLOAD_BYTES).await?;
            st.service.upload(&who, conv, &bytes).await?
        }
        Some(boundary) => {
            let body = read_body(req.into_body(), MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD).await?;
            let file = multipart::first_file(&body, &boundary)
                .ok_or_else(|| ApiError::bad_request("multipart body without a file part"))?;
            st.service.upload(&who, conv, file).await?
        }
    };
    Ok(json(StatusCode::CREATED, &attachment))
}

pub async fn download(st: &AppState, req: Request<Incoming>, id: AttachmentId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let file = st.service.download(&who, id).await?;
    let inline = file.mime_type.starts_with("image/") && file.mime_type != "image/svg+xml";
    let mut r = Response::new(full(file.data));
    let h = r.headers_mut();
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
    h.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static(if inline { "inline" } else { "attachment" }),
    );
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(r)
}
