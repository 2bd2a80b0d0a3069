//! History checker: concurrent clients on three node processes send, edit and read while the
//! test injects faults (a node SIGKILLed and restarted, Redis restarted, the node↔Redis and
//! node↔Postgres links cut through a proxy, Postgres itself restarted, a node paused with
//! SIGSTOP). Every client keeps a log of what it sent, what was acked and what it received; the
//! checker then compares the logs with what Postgres holds:
//! - every acked message is stored exactly once (and under the id its ack named);
//! - per conversation, order never goes backwards: a sender's acks grow, live delivery of one
//!   sender's messages keeps their order, `resume` and REST pages come in id order;
//! - every client received every message of its conversations, or was closed (told to resume)
//!   and resumed: a message missing from a client that was never told is a silent stale session.
//!
//! Clients resume as docs/protocol.md asks: from the highest id they have, with `since` set to
//! the `since` of the last `resync` they were sent (a 1012 close) or else the `createdAt` of that
//! newest message, so that a message another node committed below it is replayed too.
//!
//! The fast variant runs in the normal test command (about 30 s). `scripts/faults.sh` runs the
//! long one (`HISTORY_ROUNDS`, `HISTORY_SCALE`, `HISTORY_CLIENTS`).

mod common;

use common::cluster::*;
use common::faults::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What every client task can see: the nodes that are up (their HTTP base), and the phase.
struct Shared {
    live: RwLock<Vec<Option<String>>>,
    sending: AtomicBool,
    stop: AtomicBool,
}

impl Shared {
    fn pick(&self, n: usize) -> Option<String> {
        let live = self.live.read().unwrap();
        let up: Vec<&String> = live.iter().flatten().collect();
        (!up.is_empty()).then(|| up[n % up.len()].clone())
    }
}

/// One client's history.
#[derive(Default, Debug)]
struct Log {
    user: i64,
    convs: Vec<i64>,
    /// (clientId, id, conversation), in ack order.
    acks: Vec<(String, i64, i64)>,
    sends: usize,
    resends: usize,
    /// Every message id received per conversation (ack, live, resume).
    seen: HashMap<i64, BTreeSet<i64>>,
    /// Highest id received per conversation: where `resume` starts.
    last: HashMap<i64, i64>,
    /// `createdAt` of that highest message: a resume's `since` when no resync names one.
    last_at: HashMap<i64, Time>,
    /// The `since` of a `resync` not yet followed by a complete resume.
    resync: Option<Time>,
    resyncs: usize,
    sender_order_violations: usize,
    resume_order_violations: usize,
    rest_reads: usize,
    rest_order_violations: usize,
    closes: BTreeMap<String, usize>,
    connects: usize,
    connect_failures: usize,
    resumes_sent: usize,
    resumes_done: usize,
    edits_sent: usize,
    edits_echoed: usize,
    /// message id -> (body of the last edit sent, whether its echo came back).
    last_edit: HashMap<i64, (String, bool)>,
    errors: BTreeMap<String, usize>,
    final_sync: bool,
}

/// State of one socket's life.
#[derive(Default)]
struct Segment {
    resuming: HashSet<i64>,
    last_from: HashMap<(i64, String), i64>,
    /// Where each conversation's resume started: a replay names an id above `afterId`, or a
    /// message created from `since` (less the node's margin) on.
    resumed_after: HashMap<i64, (i64, Option<Time>)>,
}

type Time = chrono::DateTime<chrono::Utc>;

fn time_of(v: &Value) -> Option<Time> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// The node's `RESUME_MARGIN_SECS`: a resume with `since` reaches this much further back.
const RESUME_MARGIN: chrono::Duration = chrono::Duration::seconds(30);

fn id_of(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| s.parse().ok())
}

impl Log {
    fn saw(&mut self, conv: i64, id: i64, at: Option<Time>) {
        self.seen.entry(conv).or_default().insert(id);
        let l = self.last.entry(conv).or_insert(0);
        if id >= *l {
            *l = id;
            if let Some(at) = at {
                self.last_at.insert(conv, at);
            }
        }
    }

    /// Applies one event; returns the clientId it acknowledged, if any.
    fn on_event(&mut self, e: &Value, seg: &mut Segment) -> Option<String> {
        let kind = e["type"].as_str().unwrap_or("");
        match kind {
            "message.ack" => {
                let m = &e["message"];
                let (id, conv) = (id_of(&m["id"])?, id_of(&m["conversationId"])?);
                let cid = e["clientId"].as_str()?.to_string();
                if !self.acks.iter().any(|(c, _, _)| *c == cid) {
                    self.acks.push((cid.clone(), id, conv));
                }
                self.saw(conv, id, time_of(&m["createdAt"]));
                Some(cid)
            }
            "message.new" => {
                let m = &e["message"];
                let (id, conv) = (id_of(&m["id"])?, id_of(&m["conversationId"])?);
                let at = time_of(&m["createdAt"]);
                if seg.resuming.contains(&conv) {
                    // Live events interleave with the replay's pages; the replay itself starts
                    // after `afterId` (or at `since` less the margin), and its completeness is
                    // what the final check measures.
                    let (after, since) = seg.resumed_after.get(&conv).copied().unwrap_or((0, None));
                    let reached = match (since, at) {
                        (Some(since), Some(at)) => at >= since - RESUME_MARGIN,
                        _ => false,
                    };
                    if id <= after && !reached {
                        self.resume_order_violations += 1;
                    }
                } else {
                    let sender = m["senderId"].as_str().unwrap_or("").to_string();
                    let prev = seg.last_from.entry((conv, sender)).or_insert(0);
                    if id <= *prev {
                        self.sender_order_violations += 1;
                    }
                    *prev = id.max(*prev);
                }
                self.saw(conv, id, at);
                None
            }
            "resume.done" => {
                if let Some(conv) = id_of(&e["conversationId"]) {
                    seg.resuming.remove(&conv);
                    self.resumes_done += 1;
                    if seg.resuming.is_empty() {
                        // Every conversation resumed from the resync's time: it is served.
                        self.resync = None;
                    }
                }
                None
            }
            "resync" => {
                self.resyncs += 1;
                if let Some(since) = time_of(&e["since"]) {
                    self.resync = Some(self.resync.map_or(since, |r| r.min(since)));
                }
                None
            }
            "message.updated" => {
                let m = &e["message"];
                if let Some(id) = id_of(&m["id"]) {
                    if let Some((body, echoed)) = self.last_edit.get_mut(&id) {
                        if m["body"].as_str() == Some(body.as_str()) && !*echoed {
                            *echoed = true;
                            self.edits_echoed += 1;
                        }
                    }
                }
                None
            }
            "error" => {
                let code = e["code"].as_str().unwrap_or("?").to_string();
                *self.errors.entry(code).or_default() += 1;
                None
            }
            _ => None,
        }
    }
}

enum Read {
    Event(Value),
    Closed(String),
    Idle,
}

async fn read(ws: &mut Ws, limit: Duration) -> Read {
    match tokio::time::timeout(limit, ws.next()).await {
        Err(_) => Read::Idle,
        Ok(Some(Ok(WsMessage::Text(t)))) => match serde_json::from_str(t.as_str()) {
            Ok(v) => Read::Event(v),
            Err(_) => Read::Idle,
        },
        Ok(Some(Ok(WsMessage::Close(f)))) => Read::Closed(
            f.map(|f| u16::from(f.code).to_string())
                .unwrap_or_else(|| "close".into()),
        ),
        Ok(Some(Ok(_))) => Read::Idle,
        Ok(Some(Err(_))) | Ok(None) => Read::Closed("eof".into()),
    }
}

type Ws = common::Ws;

struct ClientSpec {
    n: usize,
    token: String,
    user: i64,
    /// Conversations this client may see (resumed on reconnect, checked at the end).
    convs: Vec<i64>,
    /// Where it writes (customers: their own; staff: every conversation in turn).
    writes: Vec<i64>,
    edits: bool,
    period: Duration,
}

/// One client: connects to a live node, sends one message at a time (resending the same
/// clientId until it is acked), edits now and then, reads history over REST, and on any close
/// or stall reconnects elsewhere and resumes every conversation from the last id it has.
async fn client(sh: Arc<Shared>, spec: ClientSpec) -> Log {
    let mut log = Log {
        user: spec.user,
        convs: spec.convs.clone(),
        ..Log::default()
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut pending: Option<(String, i64, String, Instant)> = None;
    let mut seq = 0usize;
    let mut attempt = spec.n;
    let mut finishing = 0;
    let hard_stop = Instant::now() + Duration::from_secs(env_num("HISTORY_HARD_STOP_S", 600));
    'outer: while Instant::now() < hard_stop {
        if sh.stop.load(Ordering::SeqCst) {
            finishing += 1;
            if finishing > 3 {
                break;
            }
        }
        attempt += 1;
        let Some(base) = sh.pick(attempt) else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let url = format!(
            "{}/ws?access_token={}",
            base.replace("http", "ws"),
            spec.token
        );
        let conn = tokio::time::timeout(
            Duration::from_secs(3),
            tokio_tungstenite::connect_async(url),
        )
        .await;
        let Ok(Ok((mut ws, _))) = conn else {
            log.connect_failures += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        match read(&mut ws, Duration::from_secs(3)).await {
            Read::Event(h) if h["type"] == "hello" => {}
            _ => {
                log.connect_failures += 1;
                continue;
            }
        }
        let mut seg = Segment::default();
        if log.connects > 0 {
            for &conv in &spec.convs {
                let after = log.last.get(&conv).copied().unwrap_or(0);
                let since = match (log.resync, log.last_at.get(&conv).copied()) {
                    (Some(r), Some(l)) => Some(r.min(l)),
                    (r, l) => r.or(l),
                };
                let mut frame = json!({"type": "resume", "conversationId": conv.to_string(), "afterId": after.to_string()});
                if let Some(since) = since {
                    frame["since"] = json!(since.to_rfc3339());
                }
                if ws
                    .send(WsMessage::Text(frame.to_string().into()))
                    .await
                    .is_err()
                {
                    continue 'outer;
                }
                seg.resuming.insert(conv);
                seg.resumed_after.insert(conv, (after, since));
                log.resumes_sent += 1;
            }
        }
        log.connects += 1;
        if let Some((cid, conv, body, _)) = &pending {
            let frame = json!({"type": "message.send", "conversationId": conv.to_string(), "clientId": cid, "body": body});
            log.resends += 1;
            if ws
                .send(WsMessage::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                continue 'outer;
            }
            pending.as_mut().unwrap().3 = Instant::now();
        }
        let mut next_send = Instant::now();
        loop {
            let stopping = sh.stop.load(Ordering::SeqCst);
            if stopping && seg.resuming.is_empty() {
                // Final sync: everything the node queued before the pong has arrived.
                let _ = ws
                    .send(WsMessage::Text(json!({"type": "ping"}).to_string().into()))
                    .await;
                let deadline = Instant::now() + Duration::from_secs(5);
                while Instant::now() < deadline {
                    match read(&mut ws, Duration::from_secs(5)).await {
                        Read::Event(e) if e["type"] == "pong" => {
                            log.final_sync = true;
                            let _ = ws.close(None).await;
                            return log;
                        }
                        Read::Event(e) => {
                            if log.on_event(&e, &mut seg).is_some() {
                                pending = None;
                            }
                        }
                        Read::Closed(code) => {
                            *log.closes.entry(code).or_default() += 1;
                            continue 'outer;
                        }
                        Read::Idle => break,
                    }
                }
                *log.closes.entry("final-stall".into()).or_default() += 1;
                continue 'outer;
            }
            let sending = sh.sending.load(Ordering::SeqCst);
            if pending.is_none() && sending && Instant::now() >= next_send {
                seq += 1;
                let conv = spec.writes[seq % spec.writes.len()];
                if spec.edits && seq.is_multiple_of(5) && !log.acks.is_empty() {
                    let (_, id, _) = log.acks[(seq / 5) % log.acks.len()];
                    let body = format!("edit {seq} by {}", spec.user);
                    let frame =
                        json!({"type": "message.edit", "messageId": id.to_string(), "body": body});
                    log.edits_sent += 1;
                    log.last_edit.insert(id, (body, false));
                    if ws
                        .send(WsMessage::Text(frame.to_string().into()))
                        .await
                        .is_err()
                    {
                        *log.closes.entry("send-failed".into()).or_default() += 1;
                        continue 'outer;
                    }
                } else if seq.is_multiple_of(7) {
                    // A read: the latest page over REST, which must come in id order.
                    let url = format!("{base}/api/v1/conversations/{conv}/messages?limit=50");
                    if let Ok(r) = http.get(url).bearer_auth(&spec.token).send().await {
                        if let Ok(v) = r.json::<Value>().await {
                            let ids: Vec<i64> = v["items"]
                                .as_array()
                                .map(|a| a.iter().filter_map(|m| id_of(&m["id"])).collect())
                                .unwrap_or_default();
                            log.rest_reads += 1;
                            if ids.windows(2).any(|w| w[0] >= w[1]) {
                                log.rest_order_violations += 1;
                            }
                        }
                    }
                } else {
                    let cid = format!("h{}-{seq}", spec.user);
                    let body = format!("m {seq} from {}", spec.user);
                    let frame = json!({"type": "message.send", "conversationId": conv.to_string(), "clientId": cid, "body": body});
                    log.sends += 1;
                    pending = Some((cid, conv, body, Instant::now()));
                    if ws
                        .send(WsMessage::Text(frame.to_string().into()))
                        .await
                        .is_err()
                    {
                        *log.closes.entry("send-failed".into()).or_default() += 1;
                        continue 'outer;
                    }
                }
                next_send = Instant::now() + spec.period;
            }
            // A send unanswered for 4 s: the node is stalled (paused, or cut off); go elsewhere.
            if let Some((_, _, _, since)) = &pending {
                if since.elapsed() > Duration::from_secs(4) {
                    *log.closes.entry("stalled".into()).or_default() += 1;
                    continue 'outer;
                }
            }
            match read(&mut ws, Duration::from_millis(50)).await {
                Read::Event(e) => {
                    if e["type"] == "error" {
                        // A failed send (overloaded, internal while Postgres is away...): the
                        // same clientId goes again shortly.
                        if let Some((cid, conv, body, since)) = &mut pending {
                            if e["ref"].as_str() == Some(cid.as_str()) {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                let frame = json!({"type": "message.send", "conversationId": conv.to_string(), "clientId": cid, "body": body});
                                log.resends += 1;
                                *since = Instant::now();
                                if ws
                                    .send(WsMessage::Text(frame.to_string().into()))
                                    .await
                                    .is_err()
                                {
                                    continue 'outer;
                                }
                            }
                        }
                    }
                    if let Some(cid) = log.on_event(&e, &mut seg) {
                        if pending.as_ref().map(|p| &p.0) == Some(&cid) {
                            pending = None;
                        }
                    }
                }
                Read::Closed(code) => {
                    *log.closes.entry(code).or_default() += 1;
                    continue 'outer;
                }
                Read::Idle => {}
            }
        }
    }
    log
}

struct Rig {
    pg: Option<PgProc>,
    pg_addr: std::net::SocketAddr,
    redis_port: u16,
    redis: Option<RedisProc>,
    redis_proxies: Vec<TcpProxy>,
    pg_proxies: Vec<TcpProxy>,
    nodes: Vec<Option<ProcNode>>,
    db: String,
    env: Vec<(String, String)>,
}

impl Rig {
    fn node_db_url(&self, i: usize) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.pg_proxies[i].port(),
            self.db
        )
    }

    async fn spawn(&self, i: usize) -> ProcNode {
        let redis = format!("redis://127.0.0.1:{}", self.redis_proxies[i].port());
        let mut env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.push(("REDIS_URL", &redis));
        let id = ["a", "b", "c"][i];
        ProcNode::spawn(id, &self.node_db_url(i), &env).await
    }

    async fn publish(&self, sh: &Shared) {
        let mut live = sh.live.write().unwrap();
        for (i, n) in self.nodes.iter().enumerate() {
            live[i] = n.as_ref().map(|n| n.api.base.clone());
        }
    }
}

async fn wait_redis(port: u16) {
    let url = format!("redis://127.0.0.1:{port}");
    for _ in 0..100 {
        if redis_conn(&url).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis-server on {port} never answered");
}

async fn pause(d: Duration) {
    tokio::time::sleep(d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn history_under_faults_loses_nothing_acked_and_no_session_goes_silently_stale() {
    let rounds = env_num("HISTORY_ROUNDS", 1);
    let scale = env_num("HISTORY_SCALE", 10) as f64 / 10.0;
    let customers = env_num("HISTORY_CLIENTS", 6) as i64;
    let step = |ms: u64| Duration::from_millis((ms as f64 * scale) as u64);
    let started = Instant::now();

    // Postgres of the test's own when the server binaries are here, else the shared one.
    let pg = PgProc::start();
    let (pg_addr, admin) = match &pg {
        Some(p) => (p.addr(), p.admin_url()),
        None => {
            eprintln!("no private Postgres could be started: Postgres restarts are skipped");
            ("127.0.0.1:5432".parse().unwrap(), common::admin_url())
        }
    };
    let db = format!(
        "shc_hist_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let pool = servihub_chat::db::connect(&format!("{admin}/{db}"), 4)
        .await
        .expect("database");
    servihub_chat::db::migrate(&pool).await.expect("migrate");
    servihub_chat::seed::seed(&pool, 2).await.expect("seed");

    let redis_port = free_port();
    let redis = redis_server(redis_port);
    wait_redis(redis_port).await;
    let redis_addr: std::net::SocketAddr = format!("127.0.0.1:{redis_port}").parse().unwrap();
    let mut redis_proxies = Vec::new();
    let mut pg_proxies = Vec::new();
    for _ in 0..3 {
        redis_proxies.push(TcpProxy::start(redis_addr).await);
        pg_proxies.push(TcpProxy::start(pg_addr).await);
    }
    let prefix = format!("shch{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let env = vec![
        ("REDIS_PREFIX".to_string(), prefix),
        ("RATE_LIMIT_MESSAGES".into(), "1000000".into()),
        ("PRESENCE_TTL_MS".into(), "2000".into()),
    ];
    let mut rig = Rig {
        pg,
        pg_addr,
        redis_port,
        redis: Some(redis),
        redis_proxies,
        pg_proxies,
        nodes: vec![None, None, None],
        db: db.clone(),
        env,
    };
    let spawned = futures_util::future::join_all((0..3).map(|i| rig.spawn(i))).await;
    for (i, n) in spawned.into_iter().enumerate() {
        rig.nodes[i] = Some(n);
    }
    for n in rig.nodes.iter().flatten() {
        n.wait_for("/ready", 200, Duration::from_secs(20)).await;
    }
    let api = &rig.nodes[0].as_ref().unwrap().api;

    // Customers 100.. each open a conversation with business 1; two agents of business 1.
    let mut convs = Vec::new();
    let mut specs = Vec::new();
    for c in 0..customers {
        let user = 100 + c;
        let token = api.customer(user);
        let conv: i64 = api.open(&token, 1).await.parse().unwrap();
        convs.push(conv);
        specs.push(ClientSpec {
            n: c as usize,
            token,
            user,
            convs: vec![conv],
            writes: vec![conv],
            edits: true,
            period: Duration::from_millis(60),
        });
    }
    for (k, user) in [2001i64, 2002].into_iter().enumerate() {
        specs.push(ClientSpec {
            n: k + 1,
            token: api.agent(user, 1),
            user,
            convs: convs.clone(),
            writes: convs.clone(),
            edits: false,
            period: Duration::from_millis(150),
        });
    }
    let sh = Arc::new(Shared {
        live: RwLock::new(vec![None, None, None]),
        sending: AtomicBool::new(true),
        stop: AtomicBool::new(false),
    });
    rig.publish(&sh).await;
    let tasks: Vec<_> = specs
        .into_iter()
        .map(|s| tokio::spawn(client(sh.clone(), s)))
        .collect();

    // The fault schedule, each fault followed by a steady spell.
    let mut faults: Vec<String> = Vec::new();
    let mut fault_times: Vec<(chrono::DateTime<chrono::Utc>, String)> = Vec::new();
    pause(step(2000)).await;
    for round in 0..rounds {
        let mut at = |what: &str| {
            fault_times.push((chrono::Utc::now(), format!("r{round} {what}")));
            format!("r{round} {:>5.1}s {what}", started.elapsed().as_secs_f64())
        };

        faults.push(at("cut node a <-> redis"));
        rig.redis_proxies[0].cut();
        pause(step(2000)).await;
        rig.redis_proxies[0].restore();
        pause(step(1500)).await;

        faults.push(at("restart redis"));
        if let Some(r) = rig.redis.take() {
            r.kill();
        }
        pause(step(1000)).await;
        rig.redis = Some(redis_server(rig.redis_port));
        wait_redis(rig.redis_port).await;
        pause(step(1500)).await;

        faults.push(at("cut node b <-> postgres"));
        rig.pg_proxies[1].cut();
        pause(step(2000)).await;
        rig.pg_proxies[1].restore();
        pause(step(1500)).await;

        faults.push(at("SIGSTOP node c"));
        let pid = rig.nodes[2].as_ref().unwrap().pid();
        assert!(signal(pid, "STOP"));
        pause(step(2000)).await;
        assert!(signal(pid, "CONT"));
        pause(step(1500)).await;

        if let Some(pg) = &rig.pg {
            faults.push(at("restart postgres (immediate stop)"));
            assert!(pg.restart(), "postgres restarted");
            pause(step(1500)).await;
        }

        faults.push(at("SIGKILL node a, then start it again"));
        rig.nodes[0].as_mut().unwrap().kill();
        rig.nodes[0] = None;
        rig.publish(&sh).await;
        pause(step(1000)).await;
        let a = rig.spawn(0).await;
        rig.nodes[0] = Some(a);
        rig.publish(&sh).await;
        pause(step(1500)).await;
    }
    // Heal: every node ready again, a steady spell, then no new sends and a settling spell.
    for n in rig.nodes.iter().flatten() {
        n.wait_for("/ready", 200, Duration::from_secs(30)).await;
    }
    pause(step(2000)).await;
    sh.sending.store(false, Ordering::SeqCst);
    pause(Duration::from_secs(3)).await;
    sh.stop.store(true, Ordering::SeqCst);
    let mut logs = Vec::new();
    for t in tasks {
        logs.push(
            tokio::time::timeout(Duration::from_secs(60), t)
                .await
                .expect("client finished")
                .expect("client task"),
        );
    }

    // What Postgres holds (read directly, not through a proxy).
    // The pool's connections died with the Postgres restart: the first queries may fail.
    type Row = (
        i64,
        i64,
        i64,
        Option<String>,
        String,
        chrono::DateTime<chrono::Utc>,
    );
    let mut rows: Vec<Row> = Vec::new();
    for tries in 0.. {
        let got = sqlx::query_as(
            "SELECT id, conversation_id, sender_id, client_id, body, created_at FROM messages \
             WHERE conversation_id = ANY($1) ORDER BY id",
        )
        .bind(&convs)
        .fetch_all(&pool)
        .await;
        match got {
            Ok(r) => {
                rows = r;
                break;
            }
            Err(e) if tries < 10 => {
                eprintln!("reading the stored history: {e}; again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("reading the stored history: {e}"),
        }
    }
    let mut by_key: HashMap<(i64, String), Vec<i64>> = HashMap::new();
    let mut stored: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    let mut body_of: HashMap<i64, String> = HashMap::new();
    let mut created: HashMap<i64, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for (id, conv, sender, cid, body, at) in &rows {
        created.insert(*id, *at);
        stored.entry(*conv).or_default().insert(*id);
        body_of.insert(*id, body.clone());
        if let Some(cid) = cid {
            by_key.entry((*sender, cid.clone())).or_default().push(*id);
        }
    }
    let duplicates = by_key.values().filter(|v| v.len() > 1).count();

    let mut report = Vec::new();
    let (mut acked, mut lost, mut wrong_id, mut ack_order, mut stale_clients, mut missing) =
        (0, 0, 0, 0, 0, 0);
    let (mut sender_order, mut resume_order, mut rest_order) = (0, 0, 0);
    let (mut edits_checked, mut edits_wrong) = (0, 0);
    let mut acked_keys = HashSet::new();
    let mut missed_by_window: BTreeMap<String, usize> = BTreeMap::new();
    for log in &logs {
        acked += log.acks.len();
        for (cid, id, _) in &log.acks {
            acked_keys.insert((log.user, cid.clone()));
            match by_key.get(&(log.user, cid.clone())) {
                None => lost += 1,
                Some(ids) if ids != &vec![*id] => wrong_id += 1,
                _ => {}
            }
        }
        // One sender, one message at a time: its acks' ids grow.
        ack_order += log.acks.windows(2).filter(|w| w[0].1 >= w[1].1).count();
        sender_order += log.sender_order_violations;
        resume_order += log.resume_order_violations;
        rest_order += log.rest_order_violations;
        let mut mine_missing = 0;
        for conv in &log.convs {
            let empty = BTreeSet::new();
            let seen = log.seen.get(conv).unwrap_or(&empty);
            let all = stored.get(conv).unwrap_or(&empty);
            for id in all.difference(seen) {
                mine_missing += 1;
                // Which fault's window the missed message was stored in.
                let t = created[id];
                let window = fault_times
                    .iter()
                    .rev()
                    .find(|(ft, _)| *ft <= t)
                    .map(|(_, w)| w.clone())
                    .unwrap_or_else(|| "before any fault".into());
                *missed_by_window.entry(window).or_insert(0usize) += 1;
            }
        }
        if mine_missing > 0 {
            stale_clients += 1;
            missing += mine_missing;
        }
        for (id, (body, echoed)) in &log.last_edit {
            if *echoed {
                edits_checked += 1;
                if body_of.get(id) != Some(body) {
                    edits_wrong += 1;
                }
            }
        }
        report.push(format!(
            "user {:>4}: sends {:>4} acks {:>4} resends {:>3} edits {:>3}/{:<3} rest reads {:>3} \
             connects {:>2} (failed {}) resumes {}/{} resyncs {} missing {} final sync {} closes {:?} errors {:?}",
            log.user,
            log.sends,
            log.acks.len(),
            log.resends,
            log.edits_echoed,
            log.edits_sent,
            log.rest_reads,
            log.connects,
            log.connect_failures,
            log.resumes_done,
            log.resumes_sent,
            log.resyncs,
            mine_missing,
            log.final_sync,
            log.closes,
            log.errors,
        ));
    }
    let unacked_stored = by_key.keys().filter(|k| !acked_keys.contains(*k)).count();
    eprintln!("faults injected:\n  {}", faults.join("\n  "));
    eprintln!("clients:\n  {}", report.join("\n  "));
    eprintln!(
        "messages never received, by the fault window they were stored in: {missed_by_window:?}"
    );
    eprintln!(
        "history: {} stored, {acked} acked, {lost} acked-but-lost, {duplicates} duplicated, \
         {wrong_id} acked under another id, {unacked_stored} stored without an ack (sends cut off \
         before their ack: allowed), ack-order violations {ack_order}, live per-sender order \
         violations {sender_order}, resume order violations {resume_order}, REST order \
         violations {rest_order}, edits checked {edits_checked} (wrong {edits_wrong}), clients \
         silently stale {stale_clients} ({missing} messages never received), {:.1}s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if let Ok(path) = std::env::var("HISTORY_REPORT") {
        let line = format!(
            "{{\"stored\":{},\"acked\":{acked},\"lost\":{lost},\"duplicates\":{duplicates},\
             \"wrongId\":{wrong_id},\"unackedStored\":{unacked_stored},\"ackOrder\":{ack_order},\
             \"senderOrder\":{sender_order},\"resumeOrder\":{resume_order},\"restOrder\":{rest_order},\
             \"editsChecked\":{edits_checked},\"editsWrong\":{edits_wrong},\"staleClients\":{stale_clients},\
             \"missing\":{missing},\"faults\":{},\"seconds\":{:.1}}}\n",
            rows.len(),
            faults.len(),
            started.elapsed().as_secs_f64()
        );
        let _ = std::fs::write(path, line);
    }
    let _ = &rig.pg_addr;
    assert!(acked > 0, "the clients got acks");
    assert_eq!(lost, 0, "acked messages lost");
    assert_eq!(duplicates, 0, "messages stored twice");
    assert_eq!(wrong_id, 0, "acks that name another row");
    assert_eq!(ack_order, 0, "a sender's acks went backwards");
    assert_eq!(
        sender_order, 0,
        "live delivery reordered one sender's messages"
    );
    assert_eq!(resume_order, 0, "resume out of id order");
    assert_eq!(rest_order, 0, "REST history out of id order");
    assert_eq!(edits_wrong, 0, "an echoed edit is not what is stored");
    assert!(
        logs.iter().all(|l| l.final_sync),
        "every client synced at the end"
    );
    if std::env::var("HISTORY_ALLOW_STALE").is_err() {
        assert_eq!(
            stale_clients, 0,
            "sessions missed messages without being told to resume"
        );
    }
    pool.close().await;
}
