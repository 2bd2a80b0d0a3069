//! Presence: counts live sessions per user and turns the first open and the last close into
//! `presence` events, routed by `routing::presence_routes`. A user with two tabs goes offline only
//! when both close. When a customer becomes "of" a business while online (a conversation opened,
//! the widget opened there, a community joined), the business's staff hear at once that the
//! customer is online and the customer's sessions get the staff who are.
//!
//! In a cluster the counts that matter are cluster-wide (the `ClusterPresence` port): a node's
//! first/last session of a user is a transition only when the cluster says so, and only then is
//! it announced, once, to the other nodes. Every node keeps the cluster's online set
//! (`PresenceView`), reloaded after each reconnect. A tick every TTL/4 refreshes this node's
//! heartbeat and sweeps the nodes whose heartbeat expired.

mod view;

pub use view::{PresenceView, REMOTE_CAPACITY};

use crate::hub::Hub;
use crate::ports::{ClusterPresence, PresenceNote, Relay};
use crate::protocol::{BusinessId, PresenceStatus, ServerEvent, UserId};
use crate::routing::{presence_routes, Envelope, Payload, PresenceKey, Topic};
use chrono::{DateTime, Utc};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::sync::Arc;

/// The envelopes that carry one user's presence to the sessions that hear it.
pub fn envelopes(
    key: &PresenceKey,
    status: PresenceStatus,
    last_seen_at: Option<DateTime<Utc>>,
) -> Vec<Envelope> {
    let event = Arc::new(ServerEvent::Presence {
        user_id: key.user_id,
        status,
        last_seen_at,
    });
    presence_routes(key)
        .into_iter()
        .map(|(business, topics)| Envelope {
            business,
            topics,
            except_session: None,
            except_user: Some(key.user_id),
            payload: Payload::Event(event.clone()),
        })
        .collect()
}

pub enum PresenceMsg {
    Connected(PresenceKey),
    Disconnected(UserId),
    /// A customer became "of" a business (on this node, or announced by another).
    Watched {
        user: UserId,
        business: BusinessId,
        local: bool,
    },
    /// A transition another node announced.
    Remote(PresenceNote),
    /// Heartbeat, sweep of crashed nodes, and resync after a reconnect (cluster only).
    Tick,
    /// A node crashed: its publications from `since` on may be lost. The cluster's online set is
    /// reloaded first (the sweep that found the crash already took the node's users out of it),
    /// then every session is told to resync: the snapshot a reconnecting session gets is then
    /// already without the crashed node's users, whatever order their offline notes arrive in.
    CrashResync(DateTime<Utc>),
    /// Shutdown: take this node's users out of the cluster's presence now rather than at TTL.
    Leave(RpcReplyPort<()>),
}

/// The cluster's side of presence, when the node runs in one.
#[derive(Clone)]
pub struct PresenceCluster {
    pub presence: Arc<dyn ClusterPresence>,
    pub relay: Arc<dyn Relay>,
}

pub struct PresenceArgs {
    pub hub: Arc<Hub>,
    pub view: Arc<PresenceView>,
    pub cluster: Option<PresenceCluster>,
}

pub struct Presence;

pub struct PresenceState {
    args: PresenceArgs,
    /// The cluster generation the view was last loaded at.
    synced: u64,
    ticks: u64,
}

impl PresenceState {
    /// Announces a transition: to local sessions, and to the other nodes.
    fn announce(&self, key: &PresenceKey, status: PresenceStatus) {
        let last_seen = (status == PresenceStatus::Offline).then(Utc::now);
        for e in envelopes(key, status, last_seen) {
            self.args.hub.deliver_local(&e);
        }
        if let Some(c) = &self.args.cluster {
            let note = PresenceNote {
                key: key.clone(),
                status,
                last_seen_at: last_seen,
            };
            if status == PresenceStatus::Offline {
                // The user may still be listed as elsewhere from before; the cluster says not.
                self.args.view.apply_remote(&note);
            }
            c.relay.presence(note);
        }
    }

    /// After a (re)connect: tell the cluster who is here now (and who left meanwhile), announce
    /// what that changed, and load the cluster's online set.
    async fn resync(&mut self, cp: &dyn ClusterPresence) -> Result<(), crate::ports::Unavailable> {
        cp.heartbeat().await?;
        let local = self.args.view.local_keys();
        for user in cp.listed_here().await? {
            if !local.iter().any(|k| k.user_id == user) && cp.down(user).await? {
                let key = self.args.view.remote_key(user).unwrap_or(PresenceKey {
                    user_id: user,
                    staff_of: None,
                    watches: Vec::new(),
                });
                self.announce(&key, PresenceStatus::Offline);
            }
        }
        for key in &local {
            if cp.up(key).await? {
                self.announce(key, PresenceStatus::Online);
            }
        }
        self.args.view.replace_remote(cp.online_all().await?);
        Ok(())
    }

    async fn tick(&mut self, cp: &dyn ClusterPresence) -> Result<(), crate::ports::Unavailable> {
        self.ticks += 1;
        let generation = cp.generation();
        if generation != self.synced {
            self.resync(cp).await?;
            self.synced = generation;
            tracing::info!("cluster presence in sync");
            return Ok(());
        }
        cp.heartbeat().await?;
        for key in cp.reap_dead().await? {
            self.announce(&key, PresenceStatus::Offline);
        }
        if self.ticks.is_multiple_of(12) {
            // A lost announcement (the link blinked) must not leave a user online forever.
            self.args.view.replace_remote(cp.online_all().await?);
        }
        Ok(())
    }

    async fn connected(&mut self, key: PresenceKey) {
        let first = {
            let mut online = self.args.view.local();
            let e = online.entry(key.user_id).or_insert(view::Entry {
                sessions: 0,
                key: key.clone(),
            });
            e.sessions += 1;
            // A later session may know more businesses (a conversation opened meanwhile).
            for b in &key.watches {
                if !e.key.watches.contains(b) {
                    e.key.watches.push(*b);
                }
            }
            (e.sessions == 1).then(|| e.key.clone())
        };
        let Some(key) = first else { return };
        let announce = match &self.args.cluster {
            None => true,
            // The cluster away: this node can only speak for itself (resync fixes the rest).
            Some(c) => c.presence.up(&key).await.unwrap_or(true),
        };
        if announce {
            self.announce(&key, PresenceStatus::Online);
        }
    }

    async fn disconnected(&mut self, user: UserId) {
        let gone = {
            let mut online = self.args.view.local();
            match online.get_mut(&user) {
                Some(e) if e.sessions > 1 => {
                    e.sessions -= 1;
                    None
                }
                Some(_) => online.remove(&user).map(|e| e.key),
                None => None,
            }
        };
        let Some(key) = gone else { return };
        let offline = match &self.args.cluster {
            None => true,
            Some(c) => c.presence.down(user).await.unwrap_or(true),
        };
        if offline {
            self.announce(&key, PresenceStatus::Offline);
        }
    }

    /// A customer became "of" a business: its staff hear it online, it hears them.
    async fn watched(&mut self, user: UserId, business: BusinessId, local: bool) {
        let hub = &self.args.hub;
        hub.deliver_to_user(user, self.args.view.staff_online(business));
        let Some(key) = self.args.view.add_watch(user, business) else {
            return;
        };
        let event = Arc::new(ServerEvent::Presence {
            user_id: user,
            status: PresenceStatus::Online,
            last_seen_at: None,
        });
        hub.deliver_local(&Envelope {
            business,
            topics: vec![Topic::Staff(business)],
            except_session: None,
            except_user: Some(user),
            payload: Payload::Event(event),
        });
        if let (true, Some(c)) = (local, &self.args.cluster) {
            if let Err(e) = c.presence.update(&key).await {
                tracing::debug!(error = %e, "presence key not updated in the cluster; the next resync will");
            }
        }
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
        if let Some(c) = &args.cluster {
            let every = c.presence.ttl() / 4;
            let cp = c.presence.clone();
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    // A fresh link means the cluster (maybe emptied) wants this node's users now.
                    tokio::select! {
                        _ = interval.tick() => {}
                        _ = cp.reconnected() => {}
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
        match msg {
            PresenceMsg::Connected(key) => st.connected(key).await,
            PresenceMsg::Disconnected(user) => st.disconnected(user).await,
            PresenceMsg::Watched {
                user,
                business,
                local,
            } => st.watched(user, business, local).await,
            PresenceMsg::Remote(note) => {
                st.args.view.apply_remote(&note);
                for env in envelopes(&note.key, note.status, note.last_seen_at) {
                    st.args.hub.deliver_local(&env);
                }
            }
            PresenceMsg::CrashResync(since) => {
                if let Some(c) = st.args.cluster.clone() {
                    match c.presence.online_all().await {
                        Ok(keys) => st.args.view.replace_remote(keys),
                        Err(e) => {
                            tracing::debug!(error = %e, "online set not reloaded before a resync")
                        }
                    }
                }
                st.args.hub.resync_all(since);
            }
            PresenceMsg::Tick => {
                if let Some(c) = st.args.cluster.clone() {
                    if let Err(e) = st.tick(c.presence.as_ref()).await {
                        tracing::debug!(error = %e, "presence tick could not reach the cluster");
                    }
                }
            }
            PresenceMsg::Leave(reply) => {
                if let Some(c) = st.args.cluster.clone() {
                    match c.presence.leave().await {
                        Ok(gone) => gone
                            .iter()
                            .for_each(|k| st.announce(k, PresenceStatus::Offline)),
                        Err(e) => tracing::warn!(error = %e, "could not leave cluster presence"),
                    }
                }
                let _ = reply.send(());
            }
        }
        metrics::gauge!("chat_presence_online_users").set(st.args.view.local_count() as f64);
        Ok(())
    }
}
