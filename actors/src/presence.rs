//! Presence: counts live sessions per user and turns the first open and the last close into
//! `presence` events. A user with two tabs goes offline only when both close. Customers' presence
//! goes to the staff of the businesses they talk with; staff presence goes to their colleagues and
//! to the customers of their business.
//!
//! In a cluster the counts that matter are cluster-wide: a node's first/last session of a user is
//! reported to Redis (`bridge::cluster`), which says whether that was a transition for the
//! cluster; only then is it announced, once, on the bridge's presence channel. Every node keeps
//! the cluster's online set (`PresenceView`), loaded from Redis after each (re)connect and kept
//! current by those announcements. A tick every TTL/4 refreshes this node's heartbeat and sweeps
//! the nodes whose heartbeat expired.

use crate::bridge::wire::PresenceNote;
use crate::bridge::Bridge;
use crate::hub::{Envelope, Hub, Topic};
use crate::protocol::{Id, PresenceStatus, ServerEvent};
use chrono::{DateTime, Utc};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Who a connecting user is, for routing its presence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PresenceKey {
    pub user_id: i64,
    /// The business a staff member works for; None for customers.
    pub staff_of: Option<i64>,
    /// Businesses a customer talks with.
    pub watches: Vec<i64>,
}

#[derive(Debug, Clone)]
struct Entry {
    sessions: usize,
    key: PresenceKey,
}

/// Remote users beyond this many are not tracked (counted), so a flood cannot grow memory.
pub const REMOTE_CAPACITY: usize = 1_000_000;

/// A read-only view of who is online, shared with the service (offline notifications) without a
/// round trip through the actor: this node's sessions, plus the rest of the cluster.
#[derive(Default)]
pub struct PresenceView {
    online: RwLock<HashMap<i64, Entry>>,
    /// Users online on other nodes (empty on a single node).
    remote: RwLock<HashMap<i64, PresenceKey>>,
}

impl PresenceView {
    pub fn is_online(&self, user: i64) -> bool {
        self.online
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&user)
            || self
                .remote
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(&user)
    }

    /// Presence events a new session should see at once: the online users relevant to it.
    pub fn snapshot_for(&self, key: &PresenceKey) -> Vec<ServerEvent> {
        let online = self.online.read().unwrap_or_else(|e| e.into_inner());
        let remote = self.remote.read().unwrap_or_else(|e| e.into_inner());
        let local = online.values().map(|e| &e.key);
        let others = remote.values().filter(|k| !online.contains_key(&k.user_id));
        local
            .chain(others)
            .filter(|k| k.user_id != key.user_id && relevant(k, key))
            .map(|k| ServerEvent::Presence {
                user_id: Id(k.user_id),
                status: PresenceStatus::Online,
                last_seen_at: None,
            })
            .collect()
    }

    /// A transition announced by another node.
    pub fn apply_remote(&self, note: &PresenceNote) {
        let mut remote = self.remote.write().unwrap_or_else(|e| e.into_inner());
        match note.status {
            PresenceStatus::Online if remote.len() < REMOTE_CAPACITY => {
                remote.insert(note.key.user_id, note.key.clone());
            }
            PresenceStatus::Online => {
                metrics::counter!("chat_presence_remote_overflow_total").increment(1);
            }
            PresenceStatus::Offline => {
                remote.remove(&note.key.user_id);
            }
        }
        metrics::gauge!("chat_presence_remote_users").set(remote.len() as f64);
    }

    fn replace_remote(&self, keys: Vec<PresenceKey>) {
        let mut remote = self.remote.write().unwrap_or_else(|e| e.into_inner());
        *remote = keys
            .into_iter()
            .take(REMOTE_CAPACITY)
            .map(|k| (k.user_id, k))
            .collect();
        metrics::gauge!("chat_presence_remote_users").set(remote.len() as f64);
    }

    fn local_keys(&self) -> Vec<PresenceKey> {
        let online = self.online.read().unwrap_or_else(|e| e.into_inner());
        online.values().map(|e| e.key.clone()).collect()
    }
}

/// Whether `other`'s presence matters to `me`.
fn relevant(other: &PresenceKey, me: &PresenceKey) -> bool {
    match (me.staff_of, other.staff_of) {
        (Some(b), Some(ob)) => b == ob,
        (Some(b), None) => other.watches.contains(&b),
        (None, Some(ob)) => me.watches.contains(&ob),
        (None, None) => false,
    }
}

/// The envelopes that carry one user's presence to the sessions that care about it.
pub fn envelopes(
    key: &PresenceKey,
    status: PresenceStatus,
    last_seen_at: Option<DateTime<Utc>>,
) -> Vec<Envelope> {
    let event = Arc::new(ServerEvent::Presence {
        user_id: Id(key.user_id),
        status,
        last_seen_at,
    });
    let routes: Vec<(i64, Vec<Topic>)> = match key.staff_of {
        Some(b) => vec![(b, vec![Topic::Staff(b), Topic::Watch(b)])],
        None => key
            .watches
            .iter()
            .map(|b| (*b, vec![Topic::Staff(*b)]))
            .collect(),
    };
    routes
        .into_iter()
        .map(|(business, topics)| Envelope {
            business,
            topics,
            except_session: None,
            except_user: Some(key.user_id),
            event: event.clone(),
        })
        .collect()
}

pub enum PresenceMsg {
    Connected(PresenceKey),
    Disconnected(i64),
    /// Heartbeat, sweep of crashed nodes, and resync after a Redis reconnect (cluster only).
    Tick,
    /// Shutdown: take this node's users out of the cluster's presence now rather than at TTL.
    Leave(RpcReplyPort<()>),
}

pub struct Presence;

pub struct PresenceArgs {
    pub hub: Arc<Hub>,
    pub view: Arc<PresenceView>,
    /// The cluster, when the node runs with Redis.
    pub bridge: Option<Arc<Bridge>>,
}

pub struct PresenceState {
    args: PresenceArgs,
    /// The bridge generation the cluster view was last loaded at.
    synced: u64,
    ticks: u64,
}

impl PresenceState {
    /// Announces a transition: to local sessions, and to the other nodes through the bridge.
    fn announce(&self, key: &PresenceKey, status: PresenceStatus) {
        let last_seen = (status == PresenceStatus::Offline).then(Utc::now);
        let hub = &self.args.hub;
        match &self.args.bridge {
            None => envelopes(key, status, last_seen)
                .into_iter()
                .for_each(|e| hub.publish(e)),
            Some(bridge) => {
                let note = PresenceNote {
                    key: key.clone(),
                    status,
                    last_seen_at: last_seen,
                };
                if status == PresenceStatus::Offline {
                    // The user may still be listed as elsewhere from before; the cluster says not.
                    self.args.view.apply_remote(&note);
                }
                for e in envelopes(key, status, last_seen) {
                    hub.deliver_local(&e);
                }
                bridge.publish_presence(note);
            }
        }
    }

    /// After a (re)connect: tell Redis who is here now (and who left meanwhile), announce what
    /// that changed, and load the cluster's online set.
    async fn resync(&mut self, bridge: &Bridge) -> redis::RedisResult<()> {
        let link = &bridge.link;
        let cp = &bridge.presence;
        cp.heartbeat(link).await?;
        let local = self.args.view.local_keys();
        for user in cp.listed_here(link).await? {
            if !local.iter().any(|k| k.user_id == user) && cp.down(link, user).await? {
                let key = self.remote_key(user);
                self.announce(&key, PresenceStatus::Offline);
            }
        }
        for key in &local {
            if cp.up(link, key).await? {
                self.announce(key, PresenceStatus::Online);
            }
        }
        self.args.view.replace_remote(cp.online_all(link).await?);
        Ok(())
    }

    fn remote_key(&self, user: i64) -> PresenceKey {
        let remote = self
            .args
            .view
            .remote
            .read()
            .unwrap_or_else(|e| e.into_inner());
        remote.get(&user).cloned().unwrap_or(PresenceKey {
            user_id: user,
            staff_of: None,
            watches: Vec::new(),
        })
    }

    async fn tick(&mut self, bridge: &Bridge) -> redis::RedisResult<()> {
        self.ticks += 1;
        let generation = bridge.generation();
        if generation != self.synced {
            self.resync(bridge).await?;
            self.synced = generation;
            tracing::info!("cluster presence in sync");
            return Ok(());
        }
        bridge.presence.heartbeat(&bridge.link).await?;
        for key in bridge.presence.reap_dead(&bridge.link).await? {
            self.announce(&key, PresenceStatus::Offline);
        }
        if self.ticks.is_multiple_of(12) {
            // A lost announcement (Redis blinked) must not leave a user online forever.
            let all = bridge.presence.online_all(&bridge.link).await?;
            self.args.view.replace_remote(all);
        }
        Ok(())
    }
}

impl Actor for Presence {
    type Msg = PresenceMsg;
    type State = PresenceState;
    type Arguments = PresenceArgs;

    async fn pre_start(
        &self,
        me: ActorRef<Self::Msg>,
        args: PresenceArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        if let Some(bridge) = &args.bridge {
            let every = bridge.presence.ttl / 4;
            let bridge = bridge.clone();
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    // A fresh subscription means Redis (maybe emptied) wants this node's users now.
                    tokio::select! {
                        _ = interval.tick() => {}
                        _ = bridge.resubscribed.notified() => {}
                    }
                    // A stopped actor ends the loop (and with it this task).
                    if me.cast(PresenceMsg::Tick).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(PresenceState {
            args,
            synced: 0,
            ticks: 0,
        })
    }

    async fn handle(
        &self,
        _me: ActorRef<Self::Msg>,
        msg: PresenceMsg,
        st: &mut PresenceState,
    ) -> Result<(), ActorProcessingErr> {
        let bridge = st.args.bridge.clone();
        match msg {
            PresenceMsg::Connected(key) => {
                let first = {
                    let mut online = st
                        .args
                        .view
                        .online
                        .write()
                        .unwrap_or_else(|e| e.into_inner());
                    let e = online.entry(key.user_id).or_insert(Entry {
                        sessions: 0,
                        key: key.clone(),
                    });
                    e.sessions += 1;
                    // A later session may know more businesses (a conversation opened meanwhile).
                    e.key = key.clone();
                    e.sessions == 1
                };
                let announce = match (&bridge, first) {
                    (_, false) => false,
                    (None, true) => true,
                    (Some(b), true) => b.presence.up(&b.link, &key).await.unwrap_or(true),
                };
                if announce {
                    st.announce(&key, PresenceStatus::Online);
                }
            }
            PresenceMsg::Disconnected(user) => {
                let gone = {
                    let mut online = st
                        .args
                        .view
                        .online
                        .write()
                        .unwrap_or_else(|e| e.into_inner());
                    match online.get_mut(&user) {
                        Some(e) if e.sessions > 1 => {
                            e.sessions -= 1;
                            None
                        }
                        Some(_) => online.remove(&user).map(|e| e.key),
                        None => None,
                    }
                };
                if let Some(key) = gone {
                    // Redis away: this node can only speak for itself (resync fixes the rest).
                    let offline = match &bridge {
                        None => true,
                        Some(b) => b.presence.down(&b.link, user).await.unwrap_or(true),
                    };
                    if offline {
                        st.announce(&key, PresenceStatus::Offline);
                    }
                }
            }
            PresenceMsg::Tick => {
                if let Some(b) = &bridge {
                    if let Err(e) = st.tick(b).await {
                        tracing::debug!(error = %e, "presence tick could not reach redis");
                    }
                }
            }
            PresenceMsg::Leave(reply) => {
                if let Some(b) = &bridge {
                    match b.presence.reap(&b.link, &b.node_id, true).await {
                        Ok(gone) => gone
                            .iter()
                            .for_each(|k| st.announce(k, PresenceStatus::Offline)),
                        Err(e) => tracing::warn!(error = %e, "could not leave cluster presence"),
                    }
                }
                let _ = reply.send(());
            }
        }
        metrics::gauge!("chat_presence_online_users").set(
            st.args
                .view
                .online
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .len() as f64,
        );
        Ok(())
    }
}
