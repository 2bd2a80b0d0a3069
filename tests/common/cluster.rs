//! Process nodes for cluster tests: each node is the built binary in its own process, so a
//! test can SIGKILL or SIGTERM it; a `Cluster` is a few of them on one fresh database and Redis.

use super::{admin_url, next_event, next_of, ws_connect, ws_send, TestNode, Ws, SECRET};
use futures_util::future::join_all;
use serde_json::{json, Value};
use servihub_chat::auth::Authenticator;
use servihub_chat::config::JwtConfig;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A free loopback port (bound, read, released: good enough for a test on one machine).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh, migrated and seeded database shared by the nodes of one cluster test.
pub async fn cluster_database() -> (String, sqlx::PgPool) {
    let url = format!("{}/shc_test_{}", admin_url(), uuid::Uuid::new_v4().simple());
    let pool = servihub_chat::db::connect(&url, 4).await.expect("database");
    servihub_chat::db::migrate(&pool).await.expect("migrate");
    servihub_chat::seed::seed(&pool, 3).await.expect("seed");
    (url, pool)
}

/// A node running as its own process (the built binary), for cluster tests: it can be killed.
/// `api` offers the usual REST/WS helpers against it (its `node` is None).
pub struct ProcNode {
    pub api: TestNode,
    pub child: Option<std::process::Child>,
    pub node_id: String,
    pub log: std::path::PathBuf,
}

impl ProcNode {
    /// Starts `servihub-chat serve` and waits until `/health` answers.
    pub async fn spawn(node_id: &str, database_url: &str, env: &[(&str, &str)]) -> ProcNode {
        let port = free_port();
        let log =
            std::env::temp_dir().join(format!("shc-{}-{node_id}-{port}.log", std::process::id()));
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_servihub-chat"));
        cmd.arg("serve")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("NODE_ID", node_id)
            .env("DATABASE_URL", database_url)
            // Three nodes per test, tests in parallel: stay well inside Postgres's 100 clients.
            .env("DATABASE_POOL_SIZE", "4")
            .env("JWT_SECRET", SECRET)
            .env("LOG_FORMAT", "pretty")
            .env("RUST_LOG", "info,sqlx=warn,ractor=warn")
            .env_remove("REDIS_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("node binary starts");
        let base = format!("http://127.0.0.1:{port}");
        let api = TestNode {
            node: None,
            ws: format!("ws://127.0.0.1:{port}/ws"),
            base,
            database_url: database_url.into(),
            auth: Authenticator::new(&JwtConfig {
                secret: SECRET.into(),
                issuer: None,
                audience: None,
            }),
            http: reqwest::Client::new(),
        };
        let node = ProcNode {
            api,
            child: Some(child),
            node_id: node_id.into(),
            log,
        };
        node.wait_for("/health", 200, Duration::from_secs(30)).await;
        node
    }

    /// Polls `path` until it answers `status`; panics with the node's log otherwise.
    pub async fn wait_for(&self, path: &str, status: u16, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Ok(r) = self.api.http.get(self.api.url(path)).send().await {
                if r.status().as_u16() == status {
                    return;
                }
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "{} never answered {status} on {path}; log:\n{}",
                    self.node_id,
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The node's `/metrics` lines that start with `name`.
    pub async fn metric_lines(&self, name: &str) -> String {
        let r = self.api.http.get(self.api.url("/metrics")).send().await;
        let text = r.unwrap().text().await.unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(name)).collect();
        lines.join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGKILL: the node dies with no chance to clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then waits for the exit (None if it did not exit within `limit`).
    pub async fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.pid().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    self.child = None;
                    return Some(status);
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for ProcNode {
    fn drop(&mut self) {
        self.kill();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        } else {
            eprintln!("log of {} kept at {}", self.node_id, self.log.display());
        }
    }
}

/// Connects a WebSocket to a process node.
pub async fn ws_connect_to(node: &ProcNode, token: &str) -> Ws {
    ws_connect(&node.api, token).await
}

/// Waits for the next event of `kind` for which `pick` holds, skipping the rest.
pub async fn next_matching(ws: &mut Ws, kind: &str, pick: impl Fn(&Value) -> bool) -> Value {
    loop {
        let e = next_of(ws, kind).await;
        if pick(&e) {
            return e;
        }
    }
}

pub const REDIS: &str = "redis://127.0.0.1:6379";

pub struct Cluster {
    pub nodes: Vec<ProcNode>,
    pub pool: sqlx::PgPool,
    pub prefix: String,
}

impl Cluster {
    pub async fn start(n: usize, redis_url: &str, extra: &[(&str, &str)]) -> Cluster {
        let (db, pool) = cluster_database().await;
        let prefix = format!("shct{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let mut env = vec![("REDIS_URL", redis_url), ("REDIS_PREFIX", prefix.as_str())];
        env.extend_from_slice(extra);
        let ids = ["a", "b", "c"];
        let nodes = join_all(ids[..n].iter().map(|id| ProcNode::spawn(id, &db, &env))).await;
        Cluster {
            nodes,
            pool,
            prefix,
        }
    }

    pub async fn ready(&self) {
        for n in &self.nodes {
            n.wait_for("/ready", 200, Duration::from_secs(20)).await;
        }
    }

    pub async fn messages_in(&self, conv: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE conversation_id = $1")
            .bind(conv.parse::<i64>().unwrap())
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn outbox_rows(&self, user: i64) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE user_id = $1")
            .bind(user)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Removes the test's keys from the shared Redis.
    pub async fn cleanup(&self) {
        if let Ok(mut c) = redis_conn(REDIS).await {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}:*", self.prefix))
                .query_async(&mut c)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut c).await;
            }
        }
    }
}

pub async fn redis_conn(url: &str) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
    redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await
}

/// Publishes raw payloads on a channel of the shared Redis (what a foreign writer could do).
pub async fn publish(channel: &str, payloads: &[&[u8]]) {
    let mut r = redis_conn(REDIS).await.unwrap();
    for p in payloads {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(*p)
            .query_async(&mut r)
            .await
            .unwrap();
    }
}

/// Sends into `conv` through several nodes in turn, every few ms, until finished.
pub struct Load {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<Vec<i64>>,
}

impl Load {
    pub fn start(bases: Vec<String>, token: String, conv: String) -> Load {
        let (stop, acked) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        );
        let (halt, count) = (stop.clone(), acked.clone());
        let task = tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut ids = Vec::new();
            let mut i = 0;
            while !halt.load(Ordering::SeqCst) {
                let base = &bases[i % bases.len()];
                let url = format!("{base}/api/v1/conversations/{conv}/messages");
                let body = json!({"clientId": format!("load{i}"), "body": format!("load {i}")});
                let r = http.post(url).bearer_auth(&token).json(&body).send().await;
                if let Ok(r) = r.and_then(|r| r.error_for_status()) {
                    let v: Value = r.json().await.unwrap();
                    ids.push(v["id"].as_str().unwrap().parse().unwrap());
                    count.fetch_add(1, Ordering::SeqCst);
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            ids
        });
        Load { stop, acked, task }
    }

    /// Waits until `n` more sends have been acked (so the load really spans a phase).
    pub async fn more(&self, n: usize) {
        let target = self.acked.load(Ordering::SeqCst) + n;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while self.acked.load(Ordering::SeqCst) < target {
            assert!(tokio::time::Instant::now() < deadline, "the load stalled");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops and returns the ids acked, in the order they were acked.
    pub async fn finish(self) -> Vec<i64> {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap()
    }
}

/// Lets the nodes' subscriptions follow sessions that just connected.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

pub fn send(conv: &str, client_id: &str, body: &str) -> Value {
    json!({"type": "message.send", "conversationId": conv, "clientId": client_id, "body": body})
}

pub fn presence_of(user: &'static str, status: &'static str) -> impl Fn(&Value) -> bool {
    move |e: &Value| e["userId"] == user && e["status"] == status
}

/// Asserts that no event of `kind` matching `pick` arrives before the answer to a ping.
pub async fn none_before_pong(ws: &mut Ws, kind: &str, pick: impl Fn(&Value) -> bool) {
    ws_send(ws, json!({"type": "ping"})).await;
    loop {
        let e = next_event(ws).await;
        assert!(!(e["type"] == kind && pick(&e)), "unexpected {e}");
        if e["type"] == "pong" {
            return;
        }
    }
}

/// A redis-server of the test's own, killed when dropped (also when the test fails).
pub struct RedisProc(pub std::process::Child);

impl RedisProc {
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for RedisProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn redis_server(port: u16) -> RedisProc {
    let child = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server starts");
    RedisProc(child)
}

/// Reads and discards what has arrived so far (up to the answer to a ping).
pub async fn drain(ws: &mut Ws) {
    ws_send(ws, json!({"type": "ping"})).await;
    while next_event(ws).await["type"] != "pong" {}
}

/// Sends `resume` and returns the messages of `conv` it replays, up to `resume.done`.
pub async fn resume(ws: &mut Ws, conv: &str, after: &Value) -> Vec<Value> {
    ws_send(
        ws,
        json!({"type": "resume", "conversationId": conv, "afterId": after}),
    )
    .await;
    let mut out = Vec::new();
    loop {
        let e = next_event(ws).await;
        if e["type"] == "message.new" && e["message"]["conversationId"] == conv {
            out.push(e["message"].clone());
        }
        if e["type"] == "resume.done" {
            return out;
        }
    }
}
