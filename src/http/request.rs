//! Reading requests: the token, query parameters, and bodies with a size limit enforced while
//! the bytes stream in (an oversized body is refused before it is all received).

use super::limits::JSON_BODY_TIMEOUT;
pub use super::multipart;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::Request;
use serde::de::DeserializeOwned;
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::protocol::{BusinessId, ErrorCode};
use std::time::Duration;

/// Bodies of JSON routes are small; uploads have their own limit.
pub const MAX_JSON_BODY: usize = 64 * 1024;

pub fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| percent_decode(v))
    })
}

/// A numeric query parameter: absent, or a number (anything else is `400` naming it).
pub fn number_param(req: &Request<Incoming>, name: &str) -> ApiResult<Option<i64>> {
    match query_param(req, name) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("{name} must be a number"))),
    }
}

/// The business a customer's widget is open at (`?businessId=`, on `/ws` and `/api/v1/events`).
pub fn business_param(req: &Request<Incoming>) -> ApiResult<Option<BusinessId>> {
    match query_param(req, "businessId") {
        None => Ok(None),
        Some(v) => v
            .parse::<BusinessId>()
            .ok()
            .filter(|b| b.0 > 0)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("businessId must be a business id")),
    }
}

/// Bearer header first, then `access_token` (browsers cannot set headers on WS or EventSource).
pub fn token(req: &Request<Incoming>) -> Option<String> {
    if let Some(h) = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = h
            .strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
        {
            return Some(t.trim().to_string());
        }
    }
    query_param(req, "access_token")
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Collects a body up to `limit` bytes; over it is `payload_too_large`.
/// Reads a whole body of at most `limit` bytes that must arrive within `within`: a client that
/// trickles its body holds a connection for that long at most.
pub async fn read_body(body: Incoming, limit: usize, within: Duration) -> ApiResult<Bytes> {
    let collected = tokio::time::timeout(within, Limited::new(body, limit).collect())
        .await
        .map_err(|_| {
            metrics::counter!("chat_body_timeouts_total").increment(1);
            ApiError::bad_request(format!(
                "the request body did not arrive within {} s",
                within.as_secs()
            ))
        })?;
    match collected {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("body over the limit of {limit} bytes"),
        )),
        Err(_) => Err(ApiError::bad_request("request body could not be read")),
    }
}

pub async fn read_json<T: DeserializeOwned>(body: Incoming) -> ApiResult<T> {
    let bytes = read_body(body, MAX_JSON_BODY, JSON_BODY_TIMEOUT).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("%F0%9F%91%8D"), "👍");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a+b%20c"), "a b c");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
