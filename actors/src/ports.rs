//! Ports: what the core needs from outside it, as traits. The Redis side (`crate::redis`)
//! implements the cross-node ones; the edge implements token verification. The core calls only
//! these traits, so nothing in it depends on Redis or on HTTP.

use crate::identity::Identity;
use crate::protocol::{BusinessId, PresenceStatus, UserId};
use crate::routing::{Envelope, PresenceKey, Topic};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, so the ports can be used as trait objects.
pub type PortFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A cross-node call that failed (the other side is away); callers fall back to local rules.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cluster unavailable: {0}")]
pub struct Unavailable(pub String);

/// A cluster-wide presence transition, as announced to the other nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceNote {
    pub key: PresenceKey,
    pub status: PresenceStatus,
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// A user's sessions gain or lose a topic (a conversation opened, a community joined): every
/// node applies it to its own sessions of that user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub user: UserId,
    pub topic: Topic,
    pub on: bool,
}

/// Where envelopes go besides local sessions: the other nodes of the cluster.
pub trait Relay: Send + Sync + 'static {
    /// Carries an envelope to the nodes that listen to its business.
    fn relay(&self, envelope: &Envelope);
    /// Local sessions now listen to (or no longer listen to) a business's channel.
    fn watch(&self, business: BusinessId);
    fn unwatch(&self, business: BusinessId);
    /// Tells every node of a membership change.
    fn membership(&self, change: Membership);
    /// Tells every node of a presence transition.
    fn presence(&self, note: PresenceNote);
    /// Resolves once events of these businesses from other nodes reach this node (their
    /// channels are subscribed), or at once while the relay is down (it resyncs sessions when
    /// it is back). A session says `hello` only after this, so it never starts deaf.
    fn listening<'a>(&'a self, businesses: &'a [BusinessId]) -> PortFuture<'a, ()> {
        let _ = businesses;
        Box::pin(async {})
    }
}

/// Presence counted across the cluster: a user is online while any node has a session of it,
/// and a node that stops heartbeating takes its users offline with it.
pub trait ClusterPresence: Send + Sync + 'static {
    /// How long a node's heartbeat lives; ticks come every quarter of it.
    fn ttl(&self) -> Duration;
    /// Changes after every (re)connection, so presence knows to resync.
    fn generation(&self) -> u64;
    /// Resolves when the cluster link was (re)established.
    fn reconnected(&self) -> PortFuture<'_, ()>;
    /// This node's first session of the user: true when the user came online cluster-wide.
    fn up<'a>(&'a self, key: &'a PresenceKey) -> PortFuture<'a, Result<bool, Unavailable>>;
    /// This node's last session closed: true when the user is offline cluster-wide.
    fn down(&self, user: UserId) -> PortFuture<'_, Result<bool, Unavailable>>;
    /// Replaces the routing key of a user who is online (a membership changed).
    fn update<'a>(&'a self, key: &'a PresenceKey) -> PortFuture<'a, Result<(), Unavailable>>;
    /// Users the cluster lists on this node.
    fn listed_here(&self) -> PortFuture<'_, Result<Vec<UserId>, Unavailable>>;
    fn heartbeat(&self) -> PortFuture<'_, Result<(), Unavailable>>;
    /// Takes this node out (shutdown); returns the users that left with it.
    fn leave(&self) -> PortFuture<'_, Result<Vec<PresenceKey>, Unavailable>>;
    /// Sweeps nodes whose heartbeat expired; returns the users that went offline.
    fn reap_dead(&self) -> PortFuture<'_, Result<Vec<PresenceKey>, Unavailable>>;
    /// Everyone online anywhere.
    fn online_all(&self) -> PortFuture<'_, Result<Vec<PresenceKey>, Unavailable>>;
}

/// What a rate limit counts. Each kind has its own window, so typing never uses up sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Messages sent.
    Send,
    /// Edits, deletions and reactions: each one fans out to the whole audience.
    Change,
    /// Read receipts and typing beyond the throttle.
    Signal,
}

impl Limit {
    pub fn label(self) -> &'static str {
        match self {
            Limit::Send => "send",
            Limit::Change => "change",
            Limit::Signal => "signal",
        }
    }
}

/// Counts one operation of `user`; `Err(ms)` when over the limit, with how long until a slot
/// frees. The local limiter and the cluster's Redis limiter implement it.
pub trait RateLimiter: Send + Sync + 'static {
    fn check(&self, user: UserId, limit: Limit) -> PortFuture<'_, Result<(), u64>>;
}

/// Turns a bearer token into an identity (the edge implements it with the platform's JWT rules),
/// and signs short-lived links with the same secret, so a file link works without a token and a
/// token never rides in a URL.
pub trait TokenVerifier: Send + Sync + 'static {
    fn verify(&self, token: &str) -> Result<Identity, String>;
    /// A signature of `payload`; None only when the key is unusable.
    fn sign(&self, payload: &str) -> Option<String>;
    /// Whether `signature` is `sign(payload)`, compared in constant time.
    fn verify_signature(&self, payload: &str, signature: &str) -> bool;
}
