//! The Redis side of the cluster: the bridge that carries events between nodes over pub/sub
//! (the core's `Relay` port), cluster-wide presence (`ClusterPresence`) and the shared rate
//! limit (`RateLimiter`). This is the only module that knows Redis.
//!
//! Each envelope the hub publishes goes out once (not once per recipient) on its business's
//! channel `P:biz:<id>`; a node subscribes only to the channels its local sessions need (the
//! hub's `watch`/`unwatch`) and hands what arrives to `Hub::deliver_local`. Presence transitions
//! and users' topic changes travel on one channel every node listens to, `P:cluster`: every node
//! keeps the cluster's online set (see `cluster`), and a user who opens a conversation through
//! node A must start hearing it on node B too. Frames are MessagePack and name their origin, so a
//! node drops its own echo.
//!
//! While Redis is away the node keeps serving its local users: publications are dropped and
//! counted (clients close any gap with `resume`), `/ready` says `redis: false`, and the link and
//! the subscription reconnect with backoff, resubscribing to every channel still needed.
//!
//! # Layout
//! - `link`: the command connection, reconnected with backoff.
//! - `publisher`: sends queued frames; remembers from when publications were dropped.
//! - `subscriber`: the pub/sub connection: subscriptions and incoming frames.
//! - `cluster`: cluster-wide presence keys and their Lua scripts.
//! - `limiter`: the cluster-wide sliding-window rate limit.
//! - `scripts`: the presence Lua scripts.
//! - `wire`: the frame format.

mod cluster;
mod limiter;
mod link;
mod publisher;
mod scripts;
mod subscriber;
mod wire;

pub use limiter::RedisLimiter;

use crate::conversation::Conversations;
use crate::hub::Hub;
use crate::ports::{Membership, PresenceNote, Relay};
use crate::presence::PresenceMsg;
use crate::protocol::BusinessId;
use crate::routing::{Envelope, Topic};
use chrono::Utc;
use cluster::RedisPresence;
use link::Link;
use publisher::{at, mark_lost, publisher, NOTHING_LOST};
use ractor::ActorRef;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use wire::Body;

/// Frames waiting for the publisher. Full (Redis slower than the node): frames are dropped and
/// counted; receivers recover messages through `resume`.
pub const OUTBOX_CAPACITY: usize = 10_000;

#[derive(Debug, Clone)]
pub struct BridgeConfig {
    pub url: String,
    /// Prefix of every key and channel, so several clusters (or tests) share one Redis.
    pub prefix: String,
    pub node_id: String,
    /// Lifetime of a node's heartbeat; its users go offline within `ttl * 5 / 4` of a crash.
    pub presence_ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("REDIS_URL is not usable: {0}")]
pub struct BridgeError(String);

pub struct Bridge {
    node_id: String,
    prefix: String,
    link: Arc<Link>,
    presence: Arc<RedisPresence>,
    outbox: mpsc::Sender<(String, Vec<u8>)>,
    /// Business channels local sessions need; the subscriber converges on this set.
    wanted: Mutex<HashSet<BusinessId>>,
    wanted_changed: Notify,
    /// Whether the pub/sub connection is subscribed (half of `/ready`'s Redis answer).
    subscribed: AtomicBool,
    /// Weak: the hub holds the bridge as its relay.
    hub: Weak<Hub>,
    /// Local conversation actors follow other nodes' events for their counts.
    conversations: Arc<Conversations>,
    /// When (Unix ms) the first publication since the last announcement was dropped
    /// (`NOTHING_LOST`: none): other nodes' sessions missed this node's events from then on and
    /// are told to resume from there once Redis is back (`Body::ResyncSince`).
    lost_since: Arc<AtomicI64>,
    /// Business channels the pub/sub connection is subscribed to now, for `Relay::listening`.
    listening: Mutex<HashSet<String>>,
    listening_changed: Notify,
    /// Where other nodes' presence transitions and memberships go (set once presence runs).
    presence_actor: OnceLock<ActorRef<PresenceMsg>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Bridge {
    /// Starts the link, the publisher and the subscriber, and plugs the bridge into the hub.
    /// Redis need not be up: the node serves locally until it is.
    pub fn start(
        config: BridgeConfig,
        hub: &Arc<Hub>,
        conversations: Arc<Conversations>,
    ) -> Result<Arc<Bridge>, BridgeError> {
        let client =
            redis::Client::open(config.url.as_str()).map_err(|e| BridgeError(e.to_string()))?;
        let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
        let link = Arc::new(Link::new(client));
        let bridge = Arc::new(Bridge {
            node_id: config.node_id.clone(),
            prefix: config.prefix.clone(),
            presence: Arc::new(RedisPresence::new(
                link.clone(),
                &config.prefix,
                &config.node_id,
                config.presence_ttl,
            )),
            link,
            outbox: tx,
            wanted: Mutex::new(HashSet::new()),
            wanted_changed: Notify::new(),
            subscribed: AtomicBool::new(false),
            hub: Arc::downgrade(hub),
            conversations,
            lost_since: Arc::new(AtomicI64::new(NOTHING_LOST)),
            listening: Mutex::new(HashSet::new()),
            listening_changed: Notify::new(),
            presence_actor: OnceLock::new(),
            tasks: Mutex::new(Vec::new()),
        });
        let link = bridge.link.clone();
        let tasks = vec![
            tokio::spawn(async move { link.run().await }),
            tokio::spawn(publisher(
                bridge.link.clone(),
                rx,
                bridge.lost_since.clone(),
            )),
            tokio::spawn(subscriber::run(bridge.clone())),
        ];
        *bridge.tasks.lock().unwrap_or_else(|e| e.into_inner()) = tasks;
        hub.set_relay(bridge.clone());
        Ok(bridge)
    }

    /// Cluster-wide presence on this bridge's Redis.
    pub fn presence(&self) -> Arc<dyn crate::ports::ClusterPresence> {
        self.presence.clone()
    }

    /// The cluster-wide rate limit on this bridge's Redis.
    pub fn limiter(&self, limits: crate::service::Limits) -> RedisLimiter {
        RedisLimiter::new(self.link.clone(), &self.prefix, limits)
    }

    /// Hands other nodes' presence news to the presence actor from now on.
    pub fn attach_presence(&self, actor: ActorRef<PresenceMsg>) {
        let _ = self.presence_actor.set(actor);
    }

    /// Stops the bridge's tasks (node shutdown).
    pub fn stop(&self) {
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.abort();
        }
        self.subscribed.store(false, Ordering::Relaxed);
    }

    /// Waits (up to `limit`) until the queued frames are sent, e.g. the last offline announcements
    /// before the node exits.
    pub async fn flush(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.outbox.capacity() < OUTBOX_CAPACITY && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Redis answers and the subscriptions are in place.
    pub fn healthy(&self) -> bool {
        self.link.is_up() && self.subscribed.load(Ordering::Relaxed)
    }

    fn business_channel(&self, business: BusinessId) -> String {
        format!("{}:biz:{business}", self.prefix)
    }

    /// The channel every node listens to: presence transitions and users' topic changes.
    fn cluster_channel(&self) -> String {
        wire::cluster_channel(&self.prefix)
    }

    fn enqueue(&self, channel: String, body: Body) {
        // Only a lost event costs another node's session a message; presence heals by itself.
        let event = matches!(body, Body::Event(_));
        if !self.link.is_up() {
            metrics::counter!("chat_bridge_dropped_total", "reason" => "redis_away").increment(1);
            if event {
                mark_lost(&self.lost_since);
            }
            return;
        }
        let bytes = match wire::encode(&self.node_id, body) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a bridge frame");
                metrics::counter!("chat_bridge_dropped_total", "reason" => "encode").increment(1);
                return;
            }
        };
        match self.outbox.try_send((channel, bytes)) {
            Ok(()) => {}
            Err(_) => {
                metrics::counter!("chat_bridge_dropped_total", "reason" => "full").increment(1);
                if event {
                    mark_lost(&self.lost_since);
                }
            }
        }
        metrics::gauge!("chat_bridge_outbox_depth")
            .set((OUTBOX_CAPACITY - self.outbox.capacity()) as f64);
    }

    /// Once Redis answers again, tells every node that this one dropped publications, so that
    /// their sessions close and resume rather than stay silently stale.
    pub(super) async fn announce_losses(&self) {
        for _ in 0..200 {
            if self.link.is_up() {
                let since = self.lost_since.swap(NOTHING_LOST, Ordering::AcqRel);
                if since != NOTHING_LOST {
                    metrics::counter!("chat_bridge_resyncs_total").increment(1);
                    self.enqueue(self.cluster_channel(), Body::ResyncSince(since));
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn wanted_channels(&self) -> HashSet<String> {
        let mut set: HashSet<String> = self
            .wanted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|b| self.business_channel(*b))
            .collect();
        set.insert(self.cluster_channel());
        set
    }

    /// Applies a frame from another node. Anything unexpected is counted and ignored.
    fn receive(&self, channel: &str, payload: &[u8]) {
        metrics::counter!("chat_bridge_received_total").increment(1);
        let frame = match wire::decode(payload) {
            Ok(f) => f,
            Err(r) => {
                tracing::debug!(channel, reason = r.label(), "ignored a bridge payload");
                metrics::counter!("chat_bridge_rejected_total", "reason" => r.label()).increment(1);
                return;
            }
        };
        if frame.origin == self.node_id {
            return;
        }
        let Some(hub) = self.hub.upgrade() else {
            return;
        };
        let presence = self.presence_actor.get();
        match frame.body {
            Body::Event(env) if channel == self.business_channel(env.business) => {
                hub.deliver_local(&env);
                self.conversations.observe(&env.payload);
            }
            Body::Presence(note) if channel == self.cluster_channel() => {
                if let Some(p) = presence {
                    let _ = p.cast(PresenceMsg::Remote(note));
                }
            }
            Body::Resync if channel == self.cluster_channel() => {
                tracing::warn!(node = %frame.origin, "another node lost publications; sessions close to resume");
                hub.resync_all(Utc::now() - chrono::Duration::seconds(LEGACY_RESYNC_SECS));
            }
            Body::ResyncSince(ms) if channel == self.cluster_channel() => {
                let since = at(ms);
                tracing::warn!(node = %frame.origin, %since, "another node lost publications; sessions close to resume");
                match presence {
                    // On a crashed node's behalf (`<node>#<how>`): presence first.
                    Some(p) if frame.origin.contains('#') => {
                        if p.cast(PresenceMsg::CrashResync(since)).is_err() {
                            hub.resync_all(since);
                        }
                    }
                    _ => hub.resync_all(since),
                }
            }
            Body::Membership(change) if channel == self.cluster_channel() => {
                hub.apply_membership(change);
                if let (Topic::Watch(business), true, Some(p)) = (change.topic, change.on, presence)
                {
                    let _ = p.cast(PresenceMsg::Watched {
                        user: change.user,
                        business,
                        local: false,
                    });
                }
            }
            _ => {
                metrics::counter!("chat_bridge_rejected_total", "reason" => "wrong_channel")
                    .increment(1);
            }
        }
    }
}

impl Relay for Bridge {
    fn relay(&self, envelope: &Envelope) {
        self.enqueue(
            self.business_channel(envelope.business),
            Body::Event(envelope.clone()),
        );
    }

    fn watch(&self, business: BusinessId) {
        let n = {
            let mut w = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
            w.insert(business);
            w.len()
        };
        metrics::gauge!("chat_bridge_wanted_channels").set(n as f64);
        self.wanted_changed.notify_one();
    }

    fn unwatch(&self, business: BusinessId) {
        let n = {
            let mut w = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
            w.remove(&business);
            w.len()
        };
        metrics::gauge!("chat_bridge_wanted_channels").set(n as f64);
        self.wanted_changed.notify_one();
    }

    fn membership(&self, change: Membership) {
        self.enqueue(self.cluster_channel(), Body::Membership(change));
    }

    fn presence(&self, note: PresenceNote) {
        self.enqueue(self.cluster_channel(), Body::Presence(note));
    }

    fn listening<'a>(&'a self, businesses: &'a [BusinessId]) -> crate::ports::PortFuture<'a, ()> {
        Box::pin(async move {
            let wanted: Vec<String> = businesses
                .iter()
                .map(|b| self.business_channel(*b))
                .collect();
            loop {
                let changed = self.listening_changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                if !self.subscribed.load(Ordering::Acquire) {
                    return;
                }
                {
                    let now = self.listening.lock().unwrap_or_else(|e| e.into_inner());
                    if wanted.iter().all(|c| now.contains(c)) {
                        return;
                    }
                }
                changed.await;
            }
        })
    }
}

/// How far back a `Resync` without a time (from a node of the previous version) reaches.
const LEGACY_RESYNC_SECS: i64 = 60;
