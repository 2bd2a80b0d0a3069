use super::super::request::{read_body, token};
use super::super::response::{full, json, Resp};
use super::super::AppState;
use crate::error::ApiResult;
use crate::service::attachments::MAX_UPLOAD_BYTES;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use servihub_actors::protocol::Id;

/// Upload: the raw body is the file (its declared type is ignored; the bytes decide).
pub async fn upload(st: &AppState, req: Request<Incoming>, conv: Id) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    // Access first, so a stranger's 10 MiB is refused before it is read.
    st.service.writable(&who, conv).await?;
    let bytes = read_body(req.into_body(), MAX_UPLOAD_BYTES).await?;
    let attachment = st.service.upload(&who, conv, &bytes).await?;
    Ok(json(StatusCode::CREATED, &attachment))
}

pub async fn download(st: &AppState, req: Request<Incoming>, id: Id) -> ApiResult<Resp> {
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
