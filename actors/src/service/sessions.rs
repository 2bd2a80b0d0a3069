//! What a live session (WebSocket or SSE) listens to, and its presence.

use super::Service;
use crate::error::ApiResult;
use crate::hub::{Outbound, SessionHandle, SessionSpec};
use crate::identity::Identity;
use crate::presence::PresenceMsg;
use crate::protocol::codec::Codec;
use crate::protocol::{BusinessId, ConversationType, Message, ServerEvent};
use crate::routing::{session_topics, PresenceKey};
use crate::store;
use std::collections::BTreeSet;
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

/// A session just opened: keep `live` for as long as the transport runs, drain `outbound`, and
/// send `snapshot` (who is online) first.
pub struct Opened {
    pub live: LiveSession,
    pub outbound: Outbound,
    pub snapshot: Vec<ServerEvent>,
}

impl Service {
    /// Registers a session for `who`. A customer's widget names the business it is open at
    /// (`business`): from this moment the customer is one of that business's customers, so the
    /// staff see it online and it sees the staff, before any conversation exists.
    pub async fn open_session(
        self: &Arc<Self>,
        who: &Identity,
        transport: &'static str,
        codec: Codec,
        business: Option<BusinessId>,
    ) -> ApiResult<Opened> {
        let (key, communities) = match who.staff_of() {
            Some(b) => (
                PresenceKey {
                    user_id: who.user_id,
                    staff_of: Some(b),
                    watches: Vec::new(),
                },
                Vec::new(),
            ),
            None => {
                if let Some(b) = business {
                    self.business_exists(b).await?;
                    self.became_customer(who.user_id, b).await?;
                }
                let (of, communities) =
                    store::conversations::customer_businesses(&self.pool, who.user_id).await?;
                (
                    PresenceKey {
                        user_id: who.user_id,
                        staff_of: None,
                        watches: of,
                    },
                    communities,
                )
            }
        };
        let outbound = SessionHandle::open(SessionSpec {
            id: self.hub.next_session_id(),
            user_id: who.user_id,
            role: who.role,
            business_id: who.business_id,
            name: who.name.clone(),
            codec,
            transport,
            capacity: OUTBOUND_CAPACITY,
        });
        let topics = session_topics(&key, &communities);
        self.hub.register(outbound.handle.clone(), &topics);
        metrics::gauge!("chat_sessions", "transport" => transport).increment(1.0);
        let snapshot = self.presence_view.snapshot_for(&key);
        let _ = self.presence.cast(PresenceMsg::Connected(key));
        // From here on, dropping `live` (the client left while waiting) unregisters the session.
        let live = LiveSession {
            handle: outbound.handle.clone(),
            service: self.clone(),
        };
        // Events other nodes publish before this node subscribes to the session's channels would
        // never reach it, and its client could not know: start only once they can.
        self.hub.listening(&topics).await;
        Ok(Opened {
            live,
            outbound,
            snapshot,
        })
    }

    /// Messages `who` may see, created since `since`, in id order (the SSE replay). The store
    /// query states `routing::may_read` in bulk.
    pub async fn visible_since(
        &self,
        who: &Identity,
        since: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> ApiResult<Vec<Message>> {
        let mut missed =
            store::messages::visible_since(&self.pool, who.user_id, who.staff_of(), since, limit)
                .await?;
        if !who.is_staff() {
            // Communities: a subscriber's replay shows only its own reactions, like its history.
            let communities: Vec<_> = missed
                .iter()
                .map(|m| m.conversation_id)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            for conv in communities {
                let info = self.conversations.info(conv).await?;
                if info.room.kind == ConversationType::Community {
                    missed
                        .iter_mut()
                        .filter(|m| m.conversation_id == conv)
                        .for_each(|m| super::access::own_reactions_only(m, who));
                }
            }
        }
        Ok(missed)
    }
}
