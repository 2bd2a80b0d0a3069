use super::super::limits::UPLOAD_BODY_TIMEOUT;
use super::super::request::{multipart, percent_decode, query_param, read_body, token};
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
/// The declared type is ignored either way; the bytes decide. The file name comes from the
/// part's `filename`, or for a raw body from `X-File-Name` (percent-encoded) or `?name=`.
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
    let attachment = match boundary {
        None => {
            let name = req
                .headers()
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(percent_decode)
                .or_else(|| query_param(&req, "name"));
            let bytes = read_body(req.into_body(), MAX_UPLOAD_BYTES, UPLOAD_BODY_TIMEOUT).await?;
            st.service
                .upload(&who, conv, &bytes, name.as_deref())
                .await?
        }
        Some(boundary) => {
            let body = read_body(
                req.into_body(),
                MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD,
                UPLOAD_BODY_TIMEOUT,
            )
            .await?;
            let file = multipart::first_file(&body, &boundary)
                .ok_or_else(|| ApiError::bad_request("multipart body without a file part"))?;
            st.service
                .upload(&who, conv, file.data, file.name.as_deref())
                .await?
        }
    };
    Ok(json(StatusCode::CREATED, &attachment))
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
