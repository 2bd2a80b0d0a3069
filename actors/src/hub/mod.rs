//! The hub: which live sessions on this node listen to which topics, and the bounded outbound
//! queue of each. Conversations publish an [`Envelope`] naming topics; the hub resolves it to
//! sessions (each session once, however many topics match) and hands the bridge a copy for the
//! other nodes. Delivery never blocks the publisher: a full queue is the session's problem.

mod outbound;

pub use outbound::{Delivery, Outbound, OutboundItem, SessionHandle, SessionSpec, CLOSE_SLOW};

use crate::protocol::ServerEvent;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub type SessionId = u64;

/// A routing key. Every event is addressed to topics, never to sessions, so the same envelope
/// can be resolved on any node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Topic {
    /// Every session of one user.
    User(i64),
    /// Every staff session of a business (its whole inbox).
    Staff(i64),
    /// Customer sessions that talk with a business (they see its staff's presence).
    Watch(i64),
    /// Customer sessions opted in to a business's community channel.
    Community(i64),
}

/// One event on its way to sessions. `business` names the cross-node channel it travels on.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Envelope {
    pub business: i64,
    pub topics: Vec<Topic>,
    /// Skip this session (the sender's own socket gets an ack instead).
    pub except_session: Option<(String, SessionId)>,
    /// Skip every session of this user ("to the others").
    pub except_user: Option<i64>,
    pub event: Arc<ServerEvent>,
}

/// Where envelopes go besides local sessions: the Redis bridge in a cluster.
pub trait Relay: Send + Sync + 'static {
    fn relay(&self, envelope: &Envelope);
    fn watch(&self, business: i64);
    fn unwatch(&self, business: i64);
    /// A user's sessions gained or lost a topic (a conversation opened, a community opt-in):
    /// tells the nodes where that user has sessions, as the change happened on one node only.
    fn user_topic(&self, _user: i64, _topic: Topic, _on: bool) {}
}

#[derive(Default)]
struct Routes {
    sessions: HashMap<SessionId, Arc<SessionHandle>>,
    topics: HashMap<Topic, HashSet<SessionId>>,
    /// Local listeners per business channel: the bridge subscribes while this is above zero.
    businesses: HashMap<i64, usize>,
}

pub struct Hub {
    pub node_id: String,
    routes: RwLock<Routes>,
    next_id: AtomicU64,
    relay: RwLock<Option<Arc<dyn Relay>>>,
}

fn business_of(topic: &Topic) -> i64 {
    match *topic {
        Topic::User(_) => 0,
        Topic::Staff(b) | Topic::Watch(b) | Topic::Community(b) => b,
    }
}

impl Hub {
    pub fn new(node_id: impl Into<String>) -> Arc<Self> {
        Arc::new(Hub {
            node_id: node_id.into(),
            routes: RwLock::new(Routes::default()),
            next_id: AtomicU64::new(1),
            relay: RwLock::new(None),
        })
    }

    pub fn set_relay(&self, relay: Arc<dyn Relay>) {
        let businesses: Vec<i64> = self.read().businesses.keys().copied().collect();
        for b in businesses {
            relay.watch(b);
        }
        *self.relay.write().unwrap_or_else(|e| e.into_inner()) = Some(relay);
    }

    fn relay(&self) -> Option<Arc<dyn Relay>> {
        self.relay.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Routes> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that matters
        // for routing, so a poisoned lock is used as is rather than taking the node down.
        self.routes.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Routes> {
        self.routes.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn next_session_id(&self) -> SessionId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds a live session listening to `topics`.
    pub fn register(&self, handle: Arc<SessionHandle>, topics: &[Topic]) {
        let id = handle.id;
        self.write().sessions.insert(id, handle);
        for t in topics {
            self.subscribe(id, *t);
        }
        metrics::gauge!("chat_hub_sessions").set(self.read().sessions.len() as f64);
    }

    pub fn unregister(&self, id: SessionId) {
        let mut unwatched = Vec::new();
        {
            let mut r = self.write();
            if r.sessions.remove(&id).is_none() {
                return;
            }
            let mut emptied = Vec::new();
            for (topic, set) in r.topics.iter_mut() {
                if set.remove(&id) {
                    if set.is_empty() {
                        emptied.push(*topic);
                    }
                    let b = business_of(topic);
                    if b != 0 {
                        unwatched.push(b);
                    }
                }
            }
            for t in emptied {
                r.topics.remove(&t);
            }
            unwatched.retain(|b| decrement(&mut r.businesses, *b));
            metrics::gauge!("chat_hub_sessions").set(r.sessions.len() as f64);
        }
        if let Some(relay) = self.relay() {
            for b in unwatched {
                relay.unwatch(b);
            }
        }
    }

    /// Adds a topic to a live session (e.g. a customer who just opted in to a community).
    pub fn subscribe(&self, id: SessionId, topic: Topic) {
        let newly_watched = {
            let mut r = self.write();
            if !r.sessions.contains_key(&id) || !r.topics.entry(topic).or_default().insert(id) {
                return;
            }
            let b = business_of(&topic);
            if b == 0 {
                false
            } else {
                let n = r.businesses.entry(b).or_insert(0);
                *n += 1;
                *n == 1
            }
        };
        if newly_watched {
            if let Some(relay) = self.relay() {
                relay.watch(business_of(&topic));
            }
        }
    }

    pub fn unsubscribe(&self, id: SessionId, topic: Topic) {
        let unwatched = {
            let mut r = self.write();
            let removed = match r.topics.get_mut(&topic) {
                Some(set) => set.remove(&id),
                None => false,
            };
            if r.topics.get(&topic).is_some_and(|s| s.is_empty()) {
                r.topics.remove(&topic);
            }
            let b = business_of(&topic);
            removed && b != 0 && decrement(&mut r.businesses, b)
        };
        if unwatched {
            if let Some(relay) = self.relay() {
                relay.unwatch(business_of(&topic));
            }
        }
    }

    /// Adds (or removes) `topic` for every session of `user`, on this node and the others.
    pub fn set_user_topic(&self, user: i64, topic: Topic, on: bool) {
        self.apply_user_topic(user, topic, on);
        if let Some(relay) = self.relay() {
            relay.user_topic(user, topic, on);
        }
    }

    /// The local half of `set_user_topic` (the bridge applies other nodes' changes with it).
    pub fn apply_user_topic(&self, user: i64, topic: Topic, on: bool) {
        for sid in self.sessions_of(Topic::User(user)) {
            if on {
                self.subscribe(sid, topic);
            } else {
                self.unsubscribe(sid, topic);
            }
        }
    }

    /// Sessions of a user on this node, for unsubscribing them all.
    pub fn sessions_of(&self, topic: Topic) -> Vec<SessionId> {
        self.read()
            .topics
            .get(&topic)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    pub fn session(&self, id: SessionId) -> Option<Arc<SessionHandle>> {
        self.read().sessions.get(&id).cloned()
    }

    /// Delivers here and relays to the other nodes.
    pub fn publish(&self, envelope: Envelope) {
        self.deliver_local(&envelope);
        if let Some(relay) = self.relay() {
            relay.relay(&envelope);
        }
    }

    /// Delivers to this node's sessions only (the bridge calls this for remote envelopes).
    pub fn deliver_local(&self, env: &Envelope) {
        let targets: Vec<Arc<SessionHandle>> = {
            let r = self.read();
            let mut seen: HashSet<SessionId> = HashSet::new();
            let mut out = Vec::new();
            for topic in &env.topics {
                let Some(set) = r.topics.get(topic) else {
                    continue;
                };
                for id in set {
                    if !seen.insert(*id) {
                        continue;
                    }
                    if let Some((node, sid)) = &env.except_session {
                        if *sid == *id && *node == self.node_id {
                            continue;
                        }
                    }
                    if let Some(h) = r.sessions.get(id) {
                        if env.except_user != Some(h.user_id) {
                            out.push(h.clone());
                        }
                    }
                }
            }
            out
        };
        for h in targets {
            h.deliver(env.event.clone());
        }
    }

    pub fn session_count(&self) -> usize {
        self.read().sessions.len()
    }
}

/// Decrements a listener count; true when it reached zero (the channel is no longer needed).
fn decrement(map: &mut HashMap<i64, usize>, b: i64) -> bool {
    match map.get_mut(&b) {
        Some(n) if *n > 1 => {
            *n -= 1;
            false
        }
        Some(_) => {
            map.remove(&b);
            true
        }
        None => false,
    }
}
