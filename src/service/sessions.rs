//! What a live session (WebSocket or SSE) listens to, and its presence.

use super::Service;
use crate::auth::Identity;
use crate::error::ApiResult;
use servihub_actors::hub::{Outbound, SessionHandle, SessionSpec, Topic};
use servihub_actors::presence::{PresenceKey, PresenceMsg};
use servihub_actors::protocol::ServerEvent;
use servihub_actors::store;
use std::sync::Arc;

/// Events queued for one session before the slow-consumer policy applies.
pub const OUTBOUND_CAPACITY: usize = 256;

/// A registered live session; dropping it unregisters the session and updates presence.
pub struct LiveSession {
    handle: Arc<SessionHandle>,
    service: Arc<Service>,
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        let h = &self.handle;
        self.service.hub.unregister(h.id);
        let _ = self
            .service
            .presence
            .cast(PresenceMsg::Disconnected(h.user_id));
        metrics::gauge!("chat_sessions", "transport" => h.transport).decrement(1.0);
    }
}

impl Service {
    /// Registers a session for `who` and returns it with the presence snapshot to send first.
    pub async fn open_session(
        self: &Arc<Self>,
        who: &Identity,
        transport: &'static str,
    ) -> ApiResult<(LiveSession, Outbound, Vec<ServerEvent>)> {
        let mut topics = vec![Topic::User(who.user_id.0)];
        let key = match who.business_id {
            Some(b) if who.is_staff() => {
                topics.push(Topic::Staff(b.0));
                PresenceKey {
                    user_id: who.user_id.0,
                    staff_of: Some(b.0),
                    watches: Vec::new(),
                }
            }
            _ => {
                let (talks, communities) =
                    store::conversations::customer_businesses(&self.pool, who.user_id).await?;
                topics.extend(talks.iter().map(|b| Topic::Watch(*b)));
                topics.extend(communities.iter().map(|b| Topic::Community(*b)));
                PresenceKey {
                    user_id: who.user_id.0,
                    staff_of: None,
                    watches: talks,
                }
            }
        };
        let outbound = SessionHandle::open(SessionSpec {
            id: self.hub.next_session_id(),
            user_id: who.user_id.0,
            role: who.role,
            business_id: who.business_id,
            name: who.name.clone(),
            transport,
            capacity: OUTBOUND_CAPACITY,
        });
        self.hub.register(outbound.handle.clone(), &topics);
        metrics::gauge!("chat_sessions", "transport" => transport).increment(1.0);
        let snapshot = self.presence_view.snapshot_for(&key);
        let _ = self.presence.cast(PresenceMsg::Connected(key));
        let live = LiveSession {
            handle: outbound.handle.clone(),
            service: self.clone(),
        };
        Ok((live, outbound, snapshot))
    }
}

impl Service {
    /// Messages `who` may see, created since `since`, in id order (the SSE replay). The store
    /// query states the same access rule as `readable`, in bulk: a customer's conversations and
    /// subscribed communities, or a staff member's whole business.
    pub async fn visible_since(
        &self,
        who: &Identity,
        since: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> ApiResult<Vec<servihub_actors::protocol::Message>> {
        let staff_of = who.business_id.filter(|_| who.is_staff());
        Ok(store::messages::visible_since(&self.pool, who.user_id, staff_of, since, limit).await?)
    }
}
