//! Starts a real node in-process on 127.0.0.1:0 against a fresh Postgres database.
#![allow(dead_code)]

pub mod cluster;
pub mod desk;
pub mod faults;
pub mod flows;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use servihub_actors::protocol::{BusinessId, Role, UserId};
use servihub_chat::auth::{Authenticator, Identity};
use servihub_chat::config::{Config, JwtConfig};
use servihub_chat::RunningNode;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub const SECRET: &str = "test-secret-0123456789abcdef0123456789";

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub struct TestNode {
    pub node: Option<RunningNode>,
    pub base: String,
    pub ws: String,
    pub database_url: String,
    pub auth: Authenticator,
    pub http: reqwest::Client,
}

pub fn config(database_url: &str) -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        database_url: database_url.into(),
        database_pool_size: 20,
        redis_url: None,
        redis_prefix: "shc".into(),
        presence_ttl: Duration::from_secs(20),
        jwt: JwtConfig {
            secret: SECRET.into(),
            issuer: None,
            audience: None,
        },
        cors_origin: Some("http://shop.example".into()),
        log_json: true,
        node_id: "test".into(),
        demo: false,
        notify_webhook_url: None,
        notify_webhook_secret: None,
        notify_backoff_ms: 1000,
        persist_max_pending: 10_000,
        persist_lanes: 4,
        rate_limit_messages: 20,
        rate_limit_window: Duration::from_secs(5),
        widget_dir: "widget".into(),
        max_connections: 10_000,
        max_connections_per_ip: 0,
    }
}

impl TestNode {
    pub async fn start() -> TestNode {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestNode {
        let db = format!("shc_test_{}", uuid::Uuid::new_v4().simple());
        Self::start_on(&format!("{}/{}", admin_url(), db), tweak).await
    }

    /// Starts a node on an existing database (a restart).
    pub async fn start_on(database_url: &str, tweak: impl FnOnce(&mut Config)) -> TestNode {
        let database_url = database_url.to_string();
        let mut cfg = config(&database_url);
        tweak(&mut cfg);
        let node = servihub_chat::start(cfg.clone())
            .await
            .expect("node starts");
        servihub_chat::seed::seed(node.pool(), 3)
            .await
            .expect("seed");
        let base = format!("http://{}", node.addr);
        let ws = format!("ws://{}/ws", node.addr);
        TestNode {
            node: Some(node),
            base,
            ws,
            database_url,
            auth: Authenticator::new(&cfg.jwt),
            http: reqwest::Client::new(),
        }
    }

    pub fn token(&self, user: i64, role: Role, business: Option<i64>, name: &str) -> String {
        let who = Identity {
            user_id: UserId(user),
            role,
            business_id: business.map(BusinessId),
            name: Some(name.into()),
            expires_at: None,
        };
        self.auth.mint(&who, 3600).unwrap()
    }
    pub fn customer(&self, user: i64) -> String {
        self.token(user, Role::Customer, None, &format!("Customer {user}"))
    }
    pub fn agent(&self, user: i64, business: i64) -> String {
        self.token(user, Role::Agent, Some(business), "Alice")
    }
    pub fn owner(&self, user: i64, business: i64) -> String {
        self.token(user, Role::Owner, Some(business), "Olivia")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Opens (or loads) a customer's conversation with a business, returning its id.
    pub async fn open(&self, token: &str, business: i64) -> String {
        let (s, v) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/conversations",
                Some(token),
                Some(json!({"businessId": business.to_string()})),
            )
            .await;
        assert!(s == 200 || s == 201, "{s} {v}");
        v["id"].as_str().unwrap().to_string()
    }

    pub async fn send(&self, token: &str, conv: &str, client_id: &str, body: &str) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(token),
            Some(json!({"clientId": client_id, "body": body})),
        )
        .await
    }

    /// The latest page of a conversation's history as `token` sees it (asserts 200).
    pub async fn history(&self, token: &str, conv: &str) -> Vec<Value> {
        let (s, page) = self
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/conversations/{conv}/messages"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(s, 200, "{page}");
        page["items"].as_array().cloned().unwrap_or_default()
    }

    pub async fn count_messages(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(self.node.as_ref().unwrap().pool())
            .await
            .unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(n) = self.node.take() {
            n.shutdown().await;
        }
    }
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn ws_connect(node: &TestNode, token: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("{}?access_token={token}", node.ws))
        .await
        .expect("ws connects");
    let mut ws = ws;
    let hello = next_event(&mut ws).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    ws
}

pub async fn ws_send(ws: &mut Ws, v: Value) {
    ws.send(WsMessage::Text(v.to_string().into()))
        .await
        .unwrap();
}

/// The next JSON event (skipping pings), failing after 10 s.
pub async fn next_event(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an event within 10 s");
        match msg {
            Some(Ok(WsMessage::Text(t))) => return serde_json::from_str(t.as_str()).unwrap(),
            Some(Ok(WsMessage::Binary(b))) => return rmp_serde::from_slice(&b).unwrap(),
            Some(Ok(WsMessage::Close(f))) => {
                return json!({"type": "closed", "code": f.map(|f| u16::from(f.code))})
            }
            Some(Ok(_)) => continue,
            other => panic!("socket ended: {other:?}"),
        }
    }
}

/// The next event of `kind`, skipping others (presence snapshots, unread, ...).
pub async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let e = next_event(ws).await;
        if e["type"] == kind {
            return e;
        }
    }
}

/// A live session over either transport, read as JSON events.
pub enum Events {
    Ws(Box<Ws>),
    Sse(Sse),
}

/// Which transport a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Ws,
    Sse,
}

/// An SSE stream parsed into the same JSON events a WebSocket gets.
pub struct Sse {
    resp: reqwest::Response,
    buf: String,
    pub last_id: Option<String>,
}

impl Sse {
    pub async fn next_event(&mut self) -> Value {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut data = None;
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id: ") {
                        self.last_id = Some(id.to_string());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = Some(d.to_string());
                    }
                }
                match data {
                    Some(d) => return serde_json::from_str(&d).unwrap(),
                    None => continue,
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("an SSE event within 10 s")
                .expect("stream readable")
                .expect("stream still open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// Opens a session for `token`: `business` is what a customer's widget names (`?businessId=`),
/// `last_event_id` an SSE resume cursor.
pub async fn listen(
    base: &str,
    token: &str,
    business: Option<i64>,
    transport: Transport,
    last_event_id: Option<&str>,
) -> Events {
    let at = business
        .map(|b| format!("&businessId={b}"))
        .unwrap_or_default();
    match transport {
        Transport::Ws => {
            let url = format!("{}/ws?access_token={token}{at}", base.replace("http", "ws"));
            let (mut ws, _) = tokio_tungstenite::connect_async(url)
                .await
                .expect("ws connects");
            let hello = next_event(&mut ws).await;
            assert_eq!(hello["type"], "hello", "{hello}");
            Events::Ws(Box::new(ws))
        }
        Transport::Sse => {
            let mut rb = reqwest::Client::new()
                .get(format!("{base}/api/v1/events?access_token={token}{at}"));
            if let Some(id) = last_event_id {
                rb = rb.header("last-event-id", id);
            }
            let resp = rb.send().await.expect("sse connects");
            assert_eq!(resp.status(), 200);
            Events::Sse(Sse {
                resp,
                buf: String::new(),
                last_id: None,
            })
        }
    }
}

impl Events {
    pub async fn next_event(&mut self) -> Value {
        match self {
            Events::Ws(ws) => next_event(ws).await,
            Events::Sse(s) => s.next_event().await,
        }
    }

    /// The next event of `kind` for which `pick` holds, within `limit`.
    pub async fn expect(
        &mut self,
        kind: &str,
        limit: Duration,
        pick: impl Fn(&Value) -> bool,
    ) -> Value {
        let found = tokio::time::timeout(limit, async {
            loop {
                let e = self.next_event().await;
                if e["type"] == kind && pick(&e) {
                    return e;
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {kind} event as expected within {limit:?}"))
    }

    /// Asserts that no event of `kind` matching `pick` arrives within `window`.
    pub async fn quiet(&mut self, kind: &str, window: Duration, pick: impl Fn(&Value) -> bool) {
        let _ = tokio::time::timeout(window, async {
            loop {
                let e = self.next_event().await;
                assert!(!(e["type"] == kind && pick(&e)), "unexpected {e}");
            }
        })
        .await;
    }
}
