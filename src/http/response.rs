//! Response builders shared by every route: JSON bodies, the protocol's error body, CORS.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Response, StatusCode};
use serde::Serialize;
use servihub_actors::error::ApiError;
use servihub_actors::protocol::ServerEvent;
use std::convert::Infallible;

pub type Body = BoxBody<Bytes, Infallible>;
pub type Resp = Response<Body>;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

pub fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = status;
    r
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Resp {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut r = Response::new(full(bytes));
            *r.status_mut() = status;
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "response did not serialise");
            error(&ApiError::internal())
        }
    }
}

/// `{"items": [...]}` with optional cursors beside it.
#[derive(Serialize)]
pub struct Items<T: Serialize> {
    pub items: Vec<T>,
}

/// The protocol's error body with its HTTP status (and `Retry-After` for `rate_limited`).
pub fn error(e: &ApiError) -> Resp {
    let status =
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = json(status, &ServerEvent::Error(e.body(None)));
    if let Some(ms) = e.retry_after_ms {
        let secs = ms.div_ceil(1000).max(1);
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(RETRY_AFTER, v);
        }
    }
    r
}

/// Adds CORS headers for the configured origin (or none when unset).
pub fn cors(r: &mut Resp, origin: Option<&str>, request_origin: Option<&HeaderValue>) {
    let Some(allowed) = origin else { return };
    let allow = if allowed == "*" {
        HeaderValue::from_static("*")
    } else {
        match request_origin {
            Some(o) if o.as_bytes() == allowed.as_bytes() => o.clone(),
            _ => return,
        }
    };
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", allow);
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(
            "authorization, content-type, last-event-id, x-request-id, x-file-name",
        ),
    );
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    h.insert("vary", HeaderValue::from_static("origin"));
}
