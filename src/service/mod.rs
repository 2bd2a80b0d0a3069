//! The service layer: every business rule of the product, once. REST handlers, WebSocket sessions
//! and SSE streams all call these methods; none of them checks access or writes on its own.
//!
//! - `access`: who may see and write which conversation (PROTOCOL.md "Access rules").
//! - `conversations`: load-or-create, lists with unread counts, read receipts, typing.
//! - `messages`: history, send (through the persistence actor), edit, delete, reactions, resume.
//! - `attachments`: uploads kept in Postgres, downloads to participants only.
//! - `community`: a business's broadcast channel and customers' opt-in.
//! - `businesses`: provisioning by the platform; staff tokens must name a provisioned business.
//! - `sessions`: what a live session listens to, and presence.
//! - `limiter`: the send rate limit behind one interface.
//! - `redis_limiter`: the same limit counted cluster-wide in Redis.
//! - `text`: plain-text sanitising of message bodies.

pub mod access;
pub mod attachments;
pub mod businesses;
pub mod community;
pub mod conversations;
pub mod limiter;
pub mod messages;
pub mod redis_limiter;
pub mod sessions;
pub mod text;

use crate::auth::{AuthError, Authenticator, Identity};
use crate::error::{ApiError, ApiResult};
use ractor::ActorRef;
use servihub_actors::conversation::Conversations;
use servihub_actors::hub::Hub;
use servihub_actors::persistence::PersistenceHandle;
use servihub_actors::presence::{PresenceMsg, PresenceView};
use servihub_actors::store::{self, PgPool};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub use limiter::RateLimiter;

pub struct Service {
    parts: ServiceParts,
    /// Users (with their display name, and for staff their business, found to exist) already
    /// upserted, so a token costs a write only once. Cleared when it reaches `KNOWN_USERS_CAP`,
    /// which bounds it.
    known_users: Mutex<HashSet<KnownUser>>,
}

/// A user id, its display name, and the business a staff member's token names.
type KnownUser = (i64, Option<String>, Option<i64>);

/// The service reads its collaborators as its own fields.
impl std::ops::Deref for Service {
    type Target = ServiceParts;
    fn deref(&self) -> &ServiceParts {
        &self.parts
    }
}

const KNOWN_USERS_CAP: usize = 100_000;

pub struct ServiceParts {
    pub pool: PgPool,
    pub auth: Authenticator,
    pub hub: Arc<Hub>,
    pub conversations: Arc<Conversations>,
    pub persistence: PersistenceHandle,
    pub presence: ActorRef<PresenceMsg>,
    pub presence_view: Arc<PresenceView>,
    pub limiter: Arc<dyn RateLimiter>,
}

impl Service {
    pub fn new(parts: ServiceParts) -> Arc<Self> {
        Arc::new(Service {
            parts,
            known_users: Mutex::new(HashSet::new()),
        })
    }

    /// Verifies a token and makes sure its user exists.
    pub async fn authenticate(&self, token: Option<&str>) -> ApiResult<Identity> {
        let token = token.ok_or_else(|| ApiError::unauthorized(AuthError::Missing.to_string()))?;
        let who = self.auth.verify(token).map_err(|e| {
            if self.auth.is_platform(token) {
                ApiError::unauthorized("a PLATFORM token is only accepted by /api/v1/businesses")
            } else {
                ApiError::unauthorized(e.to_string())
            }
        })?;
        let key = (
            who.user_id.0,
            who.name.clone(),
            who.business_id.map(|b| b.0),
        );
        let known = self
            .known_users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&key);
        if !known {
            if let Some(business) = who.business_id {
                businesses::require(&self.pool, business).await?;
            }
            store::users::upsert(&self.pool, who.user_id, who.name.as_deref()).await?;
            let mut set = self.known_users.lock().unwrap_or_else(|e| e.into_inner());
            if set.len() >= KNOWN_USERS_CAP {
                set.clear();
            }
            set.insert(key);
            metrics::gauge!("chat_known_users_cached").set(set.len() as f64);
        }
        Ok(who)
    }
}
