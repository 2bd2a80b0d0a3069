use super::super::response::{full, json, Resp};
use super::super::AppState;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::json as j;

pub fn health() -> Resp {
    json(StatusCode::OK, &j!({"status": "ok"}))
}

/// Ready when Postgres (and Redis, when configured) answer.
pub async fn ready(st: &AppState) -> Resp {
    let db = st.service.database_ready().await;
    let redis = st.redis_ready.as_ref().map(|check| check());
    let ok = db && redis.unwrap_or(true);
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(
        status,
        &j!({"status": if ok {"ready"} else {"unavailable"}, "postgres": db, "redis": redis, "node": st.service.node_id()}),
    )
}

pub fn metrics(st: &AppState) -> Resp {
    metrics::gauge!("chat_conversations_active").set(st.service.active_conversations() as f64);
    let mut r = Response::new(full(st.metrics.render()));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

pub fn openapi() -> Resp {
    let mut r = Response::new(full(include_str!("../../../docs/openapi.json")));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}
