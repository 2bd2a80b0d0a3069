//! Presence: counts live sessions per user and turns the first open and the last close into
//! `presence` events. A user with two tabs goes offline only when both close. Customers' presence
//! goes to the staff of the businesses they talk with; staff presence goes to their colleagues and
//! to the customers of their business.

use crate::hub::{Envelope, Hub, Topic};
use crate::protocol::{Id, PresenceStatus, ServerEvent};
use chrono::{DateTime, Utc};
use ractor::{Actor, ActorProcessingErr, ActorRef};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Who a connecting user is, for routing its presence.
#[derive(Debug, Clone)]
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

/// A read-only view of who is online on this node, shared with the service (offline
/// notifications) without a round trip through the actor.
#[derive(Default)]
pub struct PresenceView {
    online: RwLock<HashMap<i64, Entry>>,
}

impl PresenceView {
    pub fn is_online(&self, user: i64) -> bool {
        self.online
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&user)
    }

    /// Presence events a new session should see at once: the online users relevant to it.
    pub fn snapshot_for(&self, key: &PresenceKey) -> Vec<ServerEvent> {
        let online = self.online.read().unwrap_or_else(|e| e.into_inner());
        online
            .values()
            .filter(|e| e.key.user_id != key.user_id && relevant(&e.key, key))
            .map(|e| ServerEvent::Presence {
                user_id: Id(e.key.user_id),
                status: PresenceStatus::Online,
                last_seen_at: None,
            })
            .collect()
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

pub enum PresenceMsg {
    Connected(PresenceKey),
    Disconnected(i64),
}

pub struct Presence;

pub struct PresenceArgs {
    pub hub: Arc<Hub>,
    pub view: Arc<PresenceView>,
}

impl Presence {
    fn announce(
        hub: &Hub,
        key: &PresenceKey,
        status: PresenceStatus,
        last_seen: Option<DateTime<Utc>>,
    ) {
        let event = Arc::new(ServerEvent::Presence {
            user_id: Id(key.user_id),
            status,
            last_seen_at: last_seen,
        });
        let routes: Vec<(i64, Vec<Topic>)> = match key.staff_of {
            Some(b) => vec![(b, vec![Topic::Staff(b), Topic::Watch(b)])],
            None => key
                .watches
                .iter()
                .map(|b| (*b, vec![Topic::Staff(*b)]))
                .collect(),
        };
        for (business, topics) in routes {
            hub.publish(Envelope {
                business,
                topics,
                except_session: None,
                except_user: Some(key.user_id),
                event: event.clone(),
            });
        }
    }
}

impl Actor for Presence {
    type Msg = PresenceMsg;
    type State = PresenceArgs;
    type Arguments = PresenceArgs;

    async fn pre_start(
        &self,
        _me: ActorRef<Self::Msg>,
        args: PresenceArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _me: ActorRef<Self::Msg>,
        msg: PresenceMsg,
        st: &mut PresenceArgs,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PresenceMsg::Connected(key) => {
                let first = {
                    let mut online = st.view.online.write().unwrap_or_else(|e| e.into_inner());
                    let e = online.entry(key.user_id).or_insert(Entry {
                        sessions: 0,
                        key: key.clone(),
                    });
                    e.sessions += 1;
                    // A later session may know more businesses (a conversation opened meanwhile).
                    e.key = key.clone();
                    e.sessions == 1
                };
                if first {
                    Self::announce(&st.hub, &key, PresenceStatus::Online, None);
                }
            }
            PresenceMsg::Disconnected(user) => {
                let gone = {
                    let mut online = st.view.online.write().unwrap_or_else(|e| e.into_inner());
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
                    let now = Utc::now();
                    Self::announce(&st.hub, &key, PresenceStatus::Offline, Some(now));
                }
            }
        }
        metrics::gauge!("chat_presence_online_users").set(
            st.view
                .online
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .len() as f64,
        );
        Ok(())
    }
}
