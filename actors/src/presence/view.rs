//! Who is online, readable without a round trip through the presence actor: this node's users
//! (with their session counts) and the rest of the cluster's.

use crate::ports::PresenceNote;
use crate::protocol::{BusinessId, PresenceStatus, ServerEvent, UserId};
use crate::routing::{hears_presence, PresenceKey};
use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Remote users beyond this many are not tracked (counted), so a flood cannot grow memory.
pub const REMOTE_CAPACITY: usize = 1_000_000;

#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) sessions: usize,
    pub(super) key: PresenceKey,
}

#[derive(Default)]
pub struct PresenceView {
    online: RwLock<HashMap<UserId, Entry>>,
    /// Users online on other nodes (empty on a single node).
    remote: RwLock<HashMap<UserId, PresenceKey>>,
}

fn online_event(user: UserId) -> ServerEvent {
    ServerEvent::Presence {
        user_id: user,
        status: PresenceStatus::Online,
        last_seen_at: None,
    }
}

impl PresenceView {
    pub(super) fn local(&self) -> RwLockWriteGuard<'_, HashMap<UserId, Entry>> {
        self.online.write().unwrap_or_else(|e| e.into_inner())
    }

    fn local_read(&self) -> RwLockReadGuard<'_, HashMap<UserId, Entry>> {
        self.online.read().unwrap_or_else(|e| e.into_inner())
    }

    fn remote_read(&self) -> RwLockReadGuard<'_, HashMap<UserId, PresenceKey>> {
        self.remote.read().unwrap_or_else(|e| e.into_inner())
    }

    fn remote_write(&self) -> RwLockWriteGuard<'_, HashMap<UserId, PresenceKey>> {
        self.remote.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.local_read().contains_key(&user) || self.remote_read().contains_key(&user)
    }

    /// The routing key of an online user, local or remote.
    pub fn key_of(&self, user: UserId) -> Option<PresenceKey> {
        if let Some(e) = self.local_read().get(&user) {
            return Some(e.key.clone());
        }
        self.remote_read().get(&user).cloned()
    }

    /// The online users `me` hears, as presence events (a new session's snapshot). Read in
    /// place, local first, each user once: no key is copied.
    pub fn snapshot_for(&self, me: &PresenceKey) -> Vec<ServerEvent> {
        let online = self.local_read();
        let remote = self.remote_read();
        let local = online.values().map(|e| &e.key);
        let others = remote.values().filter(|k| !online.contains_key(&k.user_id));
        local
            .chain(others)
            .filter(|k| hears_presence(me, k))
            .map(|k| online_event(k.user_id))
            .collect()
    }

    /// Staff of `business` who are online (what a customer new to the business sees at once).
    pub fn staff_online(&self, business: BusinessId) -> Vec<ServerEvent> {
        self.online_staff(business)
            .into_iter()
            .map(online_event)
            .collect()
    }

    /// The ids of the staff of `business` online anywhere in the cluster. A scan without
    /// copies: it runs for auto-assignment and for a customer's message when deciding on an
    /// away reply.
    pub fn online_staff(&self, business: BusinessId) -> Vec<UserId> {
        let staff = |k: &PresenceKey| k.staff_of == Some(business);
        let mut ids: Vec<UserId> = {
            let online = self.local_read();
            let remote = self.remote_read();
            online
                .values()
                .map(|e| &e.key)
                .chain(remote.values())
                .filter(|k| staff(k))
                .map(|k| k.user_id)
                .collect()
        };
        ids.sort();
        ids.dedup();
        ids
    }

    /// Adds a business to an online customer's key, wherever the user is online. Returns the
    /// updated key when it changed.
    pub fn add_watch(&self, user: UserId, business: BusinessId) -> Option<PresenceKey> {
        fn add(key: &mut PresenceKey, b: BusinessId) -> Option<PresenceKey> {
            if key.staff_of.is_some() || key.watches.contains(&b) {
                return None;
            }
            key.watches.push(b);
            Some(key.clone())
        }
        if let Some(e) = self.local().get_mut(&user) {
            return add(&mut e.key, business);
        }
        self.remote_write()
            .get_mut(&user)
            .and_then(|k| add(k, business))
    }

    /// A transition announced by another node.
    pub fn apply_remote(&self, note: &PresenceNote) {
        let mut remote = self.remote_write();
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

    pub(super) fn replace_remote(&self, keys: Vec<PresenceKey>) {
        let mut remote = self.remote_write();
        *remote = keys
            .into_iter()
            .take(REMOTE_CAPACITY)
            .map(|k| (k.user_id, k))
            .collect();
        metrics::gauge!("chat_presence_remote_users").set(remote.len() as f64);
    }

    pub(super) fn remote_key(&self, user: UserId) -> Option<PresenceKey> {
        self.remote_read().get(&user).cloned()
    }

    pub(super) fn local_keys(&self) -> Vec<PresenceKey> {
        self.local_read().values().map(|e| e.key.clone()).collect()
    }

    pub(super) fn local_count(&self) -> usize {
        self.local_read().len()
    }
}
