//! The hub: which live sessions on this node listen to which topics, and the bounded outbound
//! queue of each. Conversations publish an [`Envelope`] naming topics; the hub resolves it to
//! sessions (each session once, however many topics match) and hands the bridge a copy for the
//! other nodes. Delivery never blocks the publisher: a full queue is the session's problem.

mod outbound;

pub use outbound::{
    Delivery, Outbound, OutboundItem, Outgoing, SessionHandle, SessionSpec, CLOSE_RESUME,
    CLOSE_SLOW,
};

use crate::ports::{Membership, Relay};
use crate::protocol::codec::Codec;
use crate::protocol::{BusinessId, UserId};
use crate::routing::{Envelope, Payload, SessionId, Topic};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Longest a new session waits for its channels to be subscribed before it starts anyway.
const LISTEN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Default)]
struct Routes {
    sessions: HashMap<SessionId, Arc<SessionHandle>>,
    topics: HashMap<Topic, HashSet<SessionId>>,
    /// Each session's topics, so that a session leaving touches only its own (a mass
    /// disconnect would otherwise walk every topic once per session).
    by_session: HashMap<SessionId, Vec<Topic>>,
    /// Local listeners per business channel: the bridge subscribes while this is above zero.
    businesses: HashMap<BusinessId, usize>,
}

pub struct Hub {
    pub node_id: String,
    routes: RwLock<Routes>,
    next_id: AtomicU64,
    relay: RwLock<Option<Arc<dyn Relay>>>,
}

/// The business channel a topic needs; a user's own topic rides on its businesses' channels.
fn business_of(topic: &Topic) -> Option<BusinessId> {
    match *topic {
        Topic::User(_) => None,
        Topic::Staff(b) | Topic::Watch(b) | Topic::Community(b) => Some(b),
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
        let businesses: Vec<BusinessId> = self.read().businesses.keys().copied().collect();
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
            for topic in r.by_session.remove(&id).unwrap_or_default() {
                let Some(set) = r.topics.get_mut(&topic) else {
                    continue;
                };
                if set.remove(&id) {
                    if set.is_empty() {
                        r.topics.remove(&topic);
                    }
                    unwatched.extend(business_of(&topic));
                }
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
            r.by_session.entry(id).or_default().push(topic);
            match business_of(&topic) {
                None => None,
                Some(b) => {
                    let n = r.businesses.entry(b).or_insert(0);
                    *n += 1;
                    (*n == 1).then_some(b)
                }
            }
        };
        if let (Some(b), Some(relay)) = (newly_watched, self.relay()) {
            relay.watch(b);
        }
    }

    pub fn unsubscribe(&self, id: SessionId, topic: Topic) {
        let unwatched = {
            let mut r = self.write();
            let removed = match r.topics.get_mut(&topic) {
                Some(set) => set.remove(&id),
                None => false,
            };
            if removed {
                if let Some(own) = r.by_session.get_mut(&id) {
                    own.retain(|t| *t != topic);
                }
            }
            if r.topics.get(&topic).is_some_and(|s| s.is_empty()) {
                r.topics.remove(&topic);
            }
            business_of(&topic).filter(|b| removed && decrement(&mut r.businesses, *b))
        };
        if let (Some(b), Some(relay)) = (unwatched, self.relay()) {
            relay.unwatch(b);
        }
    }

    /// Tells the other nodes of a membership change (each applies it with `apply_membership`).
    pub fn relay_membership(&self, change: Membership) {
        if let Some(relay) = self.relay() {
            relay.membership(change);
        }
    }

    /// Adds (or removes) a topic for every session of a user on this node.
    pub fn apply_membership(&self, change: Membership) {
        for sid in self.sessions_of(Topic::User(change.user)) {
            if change.on {
                self.subscribe(sid, change.topic);
            } else {
                self.unsubscribe(sid, change.topic);
            }
        }
    }

    /// The sessions listening to a topic on this node.
    pub fn sessions_of(&self, topic: Topic) -> Vec<SessionId> {
        self.read()
            .topics
            .get(&topic)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Delivers here and relays to the other nodes.
    pub fn publish(&self, envelope: Envelope) {
        self.deliver_local(&envelope);
        if let Some(relay) = self.relay() {
            relay.relay(&envelope);
        }
    }

    /// Delivers to this node's sessions only (the bridge calls this for remote envelopes).
    /// Each session once, however many of the envelope's topics it listens to; a shared event
    /// is encoded once per codec and the bytes handed to every session.
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
        let mut shared: [Option<OutboundItem>; 2] = [None, None];
        for h in targets {
            let item = match &env.payload {
                Payload::Event(event) => {
                    let slot = &mut shared[codec_slot(h.codec)];
                    if slot.is_none() {
                        *slot = Outgoing::encode(h.codec, event);
                    }
                    slot.clone()
                }
                personal => personal
                    .for_user(h.user_id)
                    .and_then(|e| Outgoing::encode(h.codec, &e)),
            };
            if let Some(item) = item {
                h.deliver(item);
            }
        }
    }

    /// Delivers events to the local sessions of one user (a presence snapshot after a change).
    pub fn deliver_to_user(&self, user: UserId, events: Vec<crate::protocol::ServerEvent>) {
        let sessions: Vec<Arc<SessionHandle>> = {
            let r = self.read();
            r.topics
                .get(&Topic::User(user))
                .map(|set| {
                    set.iter()
                        .filter_map(|id| r.sessions.get(id).cloned())
                        .collect()
                })
                .unwrap_or_default()
        };
        for h in sessions {
            for e in &events {
                if let Some(item) = Outgoing::encode(h.codec, e) {
                    h.deliver(item);
                }
            }
        }
    }

    /// Closes every local session with 1012, telling each client that events from `since` on
    /// may have been lost (events from other nodes did not arrive): each reconnects and resumes
    /// from there.
    pub fn resync_all(&self, since: chrono::DateTime<chrono::Utc>) {
        let sessions: Vec<Arc<SessionHandle>> = self.read().sessions.values().cloned().collect();
        metrics::counter!("chat_sessions_closed_for_resume_total").increment(sessions.len() as u64);
        for h in sessions {
            h.close_to_resync(since);
        }
    }

    /// Waits (at most `LISTEN_WAIT`) until events on `topics` from other nodes reach this node.
    pub async fn listening(&self, topics: &[Topic]) {
        let Some(relay) = self.relay() else {
            return;
        };
        let businesses: Vec<BusinessId> = topics.iter().filter_map(business_of).collect();
        if tokio::time::timeout(LISTEN_WAIT, relay.listening(&businesses))
            .await
            .is_err()
        {
            metrics::counter!("chat_hub_listen_timeouts_total").increment(1);
        }
    }

    pub fn session_count(&self) -> usize {
        self.read().sessions.len()
    }
}

/// Decrements a listener count; true when it reached zero (the channel is no longer needed).
fn decrement(map: &mut HashMap<BusinessId, usize>, b: BusinessId) -> bool {
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

fn codec_slot(codec: Codec) -> usize {
    match codec {
        Codec::Json => 0,
        Codec::MsgPack => 1,
    }
}
