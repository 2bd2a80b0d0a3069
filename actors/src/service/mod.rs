//! The service layer: every business rule of the product, once. REST handlers, WebSocket session
//! actors and SSE streams all call these methods; none of them checks access or writes on its
//! own. Who hears the result is `routing`'s to say; the service only names the event.
//!
//! - `access`: who may see and write which conversation (the rule is `routing::may_read`).
//! - `conversations`: load-or-create, lists with unread counts, read receipts, typing.
//! - `messages`: history, send (through the persistence actor), edit, delete, reactions, resume.
//! - `attachments`: uploads kept in Postgres, downloads to participants only.
//! - `chunks`: files cut into chunks as they stream in, and read back a chunk at a time.
//! - `community`: a business's broadcast channel and customers' opt-in.
//! - `businesses`: provisioning by the platform; staff tokens must name a provisioned business.
//! - `sessions`: what a live session listens to, and presence.
//! - `limiter`: rate limits behind the `RateLimiter` port.
//! - `text`: plain-text sanitising of message bodies.
//! - `desk`, `inbox`, `canned`, `search`: the support desk (status, assignment, away reply,
//!   settings; the filtered inbox; canned replies; full-text search).

mod access;
pub mod attachments;
pub mod businesses;
mod canned;
mod chunks;
mod community;
mod conversations;
mod desk;
mod inbox;
mod limiter;
pub mod messages;
mod search;
mod sessions;
pub mod text;

pub use inbox::{InboxCounts, InboxPage, InboxQuery};
pub use limiter::{Limits, LocalLimiter, Window};
pub use sessions::{LiveSession, Opened, OUTBOUND_CAPACITY};

use crate::conversation::Conversations;
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::identity::Identity;
use crate::persistence::PersistenceHandle;
use crate::ports::{Limit, RateLimiter, TokenVerifier};
use crate::presence::{PresenceMsg, PresenceView};
use crate::protocol::{BusinessId, Role, UserId};
use crate::store::{self, PgPool};
use ractor::ActorRef;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Users (with their display name) already upserted are remembered up to this many, then the
/// set is cleared, which bounds it.
const KNOWN_USERS_CAP: usize = 100_000;

/// A user id, its display name, and the business a staff member's token names.
type KnownUser = (UserId, Option<String>, Option<(BusinessId, Role)>);

/// What the service is built from (the node's wiring).
pub struct ServiceParts {
    pub pool: PgPool,
    pub verifier: Arc<dyn TokenVerifier>,
    pub hub: Arc<Hub>,
    pub conversations: Arc<Conversations>,
    pub persistence: PersistenceHandle,
    pub presence: ActorRef<PresenceMsg>,
    pub presence_view: Arc<PresenceView>,
    pub limiter: Arc<dyn RateLimiter>,
}

pub struct Service {
    pool: PgPool,
    verifier: Arc<dyn TokenVerifier>,
    /// Local sessions and their topics; every publication goes through it.
    hub: Arc<Hub>,
    /// The conversation actors: access facts, read cursors, joins, fan-out.
    conversations: Arc<Conversations>,
    /// Bounded intake of message writes; answers after COMMIT.
    persistence: PersistenceHandle,
    presence: ActorRef<PresenceMsg>,
    /// Who is online, for offline notifications and presence snapshots.
    presence_view: Arc<PresenceView>,
    limiter: Arc<dyn RateLimiter>,
    /// Uploads in flight, capped per user and per node.
    uploads: Arc<attachments::Uploads>,
    /// Users (with their display name, and for staff their business, found to exist) already
    /// upserted, so a token costs a write only once.
    known_users: Mutex<HashSet<KnownUser>>,
    /// Desk settings and away replies already sent, so most messages cost no desk query.
    desk: desk::DeskCache,
}

impl Service {
    pub fn new(parts: ServiceParts) -> Arc<Self> {
        Arc::new(Service {
            pool: parts.pool,
            verifier: parts.verifier,
            hub: parts.hub,
            conversations: parts.conversations,
            persistence: parts.persistence,
            presence: parts.presence,
            presence_view: parts.presence_view,
            limiter: parts.limiter,
            uploads: Arc::default(),
            known_users: Mutex::new(HashSet::new()),
            desk: desk::DeskCache::default(),
        })
    }

    /// This node's id (session ids and `/ready` name it).
    pub fn node_id(&self) -> &str {
        &self.hub.node_id
    }

    /// Whether Postgres answers.
    pub async fn database_ready(&self) -> bool {
        store::ping(&self.pool).await
    }

    /// Conversation actors running on this node.
    pub fn active_conversations(&self) -> usize {
        self.conversations.active()
    }

    /// Verifies a token and makes sure its user exists.
    pub async fn authenticate(&self, token: Option<&str>) -> ApiResult<Identity> {
        let token = token.ok_or_else(|| ApiError::unauthorized("missing token"))?;
        let who = self
            .verifier
            .verify(token)
            .map_err(ApiError::unauthorized)?;
        let key = (
            who.user_id,
            who.name.clone(),
            who.staff_of().map(|b| (b, who.role)),
        );
        let known = self
            .known_users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&key);
        if !known {
            if let Some(business) = who.staff_of() {
                businesses::require(&self.pool, business).await?;
            }
            store::users::upsert(&self.pool, who.user_id, who.name.as_deref()).await?;
            if let Some(business) = who.staff_of() {
                // Staff who signed in are whom the business's conversations may be assigned to.
                store::desk::upsert_staff(&self.pool, business, who.user_id, who.role).await?;
            }
            let mut set = self.known_users.lock().unwrap_or_else(|e| e.into_inner());
            if set.len() >= KNOWN_USERS_CAP {
                set.clear();
            }
            set.insert(key);
            metrics::gauge!("chat_known_users_cached").set(set.len() as f64);
        }
        Ok(who)
    }

    /// Counts one operation against the caller's limit of that kind.
    async fn limit(&self, who: &Identity, limit: Limit) -> ApiResult<()> {
        self.limiter
            .check(who.user_id, limit)
            .await
            .map_err(|wait| {
                metrics::counter!("chat_rate_limited_total", "kind" => limit.label()).increment(1);
                ApiError::rate_limited(wait)
            })
    }
}
