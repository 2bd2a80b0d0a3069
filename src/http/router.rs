//! Routing by method and path segments, request ids, CORS, and one JSON log line per request.

use super::response::{cors, empty, error, Resp};
use super::rest::{attachments, businesses, community, conversations, desk, id, messages, system};
use super::{demo, sse, ws, AppState};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ORIGIN};
use hyper::{Method, Request, StatusCode};
use servihub_actors::error::{ApiError, ApiResult};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn route(st: Arc<AppState>, req: Request<Incoming>, peer: SocketAddr) -> Resp {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let origin = req.headers().get(ORIGIN).cloned();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = if method == Method::OPTIONS {
        empty(StatusCode::NO_CONTENT)
    } else {
        match dispatch(&st, req).await {
            Ok(r) => r,
            Err(e) => error(&e),
        }
    };
    cors(&mut resp, st.config.cors_origin.as_deref(), origin.as_ref());
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    metrics::counter!("chat_http_requests_total", "status" => status.to_string()).increment(1);
    if status >= 500 {
        tracing::error!(request_id, %method, path, status, ms, %peer, "request");
    } else {
        tracing::info!(request_id, %method, path, status, ms, %peer, "request");
    }
    resp
}

async fn dispatch(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    let path = req.uri().path().to_string();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = req.method().clone();
    match (&m, segs.as_slice()) {
        (&Method::GET, ["health"]) => Ok(system::health()),
        (&Method::GET, ["ready"]) => Ok(system::ready(st).await),
        (&Method::GET, ["metrics"]) => Ok(system::metrics(st)),
        (&Method::GET, ["ws"]) => ws::upgrade(st, req).await,
        (_, ["demo", ..]) | (_, ["widget", ..]) => demo::route(st, req, &segs).await,
        (_, ["api", "v1", rest @ ..]) => api(st, req, &m, rest).await,
        _ => Err(ApiError::not_found(format!("no route for {m} {path}"))),
    }
}

async fn api(st: &AppState, req: Request<Incoming>, m: &Method, segs: &[&str]) -> ApiResult<Resp> {
    match (m, segs) {
        (&Method::GET, ["openapi.json"]) => Ok(system::openapi()),
        (&Method::GET, ["events"]) => sse::stream(st, req).await,
        (&Method::POST, ["conversations"]) => conversations::open(st, req).await,
        (&Method::GET, ["conversations"]) => conversations::list(st, req).await,
        (&Method::GET, ["conversations", c]) => conversations::get(st, req, id(c)?).await,
        (&Method::GET, ["conversations", c, "messages"]) => {
            messages::history(st, req, id(c)?).await
        }
        (&Method::POST, ["conversations", c, "messages"]) => messages::send(st, req, id(c)?).await,
        (&Method::POST, ["conversations", c, "read"]) => conversations::read(st, req, id(c)?).await,
        (&Method::POST, ["conversations", c, "typing"]) => {
            conversations::typing(st, req, id(c)?).await
        }
        (&Method::POST, ["conversations", c, "status"]) => desk::status(st, req, id(c)?).await,
        (&Method::POST, ["conversations", c, "assignee"]) => desk::assignee(st, req, id(c)?).await,
        (&Method::GET, ["search"]) => desk::search(st, req).await,
        (&Method::GET, ["businesses", b, "staff"]) => desk::staff(st, req, id(b)?).await,
        (&Method::GET, ["businesses", b, "settings"]) => desk::settings(st, req, id(b)?).await,
        (&Method::PUT, ["businesses", b, "settings"]) => desk::put_settings(st, req, id(b)?).await,
        (&Method::GET, ["businesses", b, "canned-replies"]) => {
            desk::canned_list(st, req, id(b)?).await
        }
        (&Method::POST, ["businesses", b, "canned-replies"]) => {
            desk::canned_create(st, req, id(b)?).await
        }
        (&Method::PUT, ["businesses", b, "canned-replies", r]) => {
            desk::canned_update(st, req, id(b)?, id(r)?).await
        }
        (&Method::DELETE, ["businesses", b, "canned-replies", r]) => {
            desk::canned_delete(st, req, id(b)?, id(r)?).await
        }
        (&Method::POST, ["conversations", c, "attachments"]) => {
            attachments::upload(st, req, id(c)?).await
        }
        (&Method::GET, ["attachments", a]) => attachments::download(st, req, id(a)?).await,
        (&Method::GET, ["attachments", a, "link"]) => attachments::link(st, req, id(a)?).await,
        (&Method::PATCH, ["messages", i]) => messages::edit(st, req, id(i)?).await,
        (&Method::DELETE, ["messages", i]) => messages::delete(st, req, id(i)?).await,
        (&Method::PUT, ["messages", i, "reactions", e]) => {
            messages::react(st, req, id(i)?, e, true).await
        }
        (&Method::DELETE, ["messages", i, "reactions", e]) => {
            messages::react(st, req, id(i)?, e, false).await
        }
        (&Method::GET, ["businesses"]) => businesses::list(st, req).await,
        (&Method::GET, ["businesses", b]) => businesses::get(st, req, id(b)?).await,
        (&Method::PUT, ["businesses", b]) => businesses::put(st, req, id(b)?).await,
        (&Method::GET, ["businesses", b, "community"]) => community::get(st, req, id(b)?).await,
        (&Method::PUT, ["businesses", b, "community", "subscription"]) => {
            community::subscription(st, req, id(b)?, true).await
        }
        (&Method::DELETE, ["businesses", b, "community", "subscription"]) => {
            community::subscription(st, req, id(b)?, false).await
        }
        _ => Err(ApiError::not_found("no such route")),
    }
}
