//! Who may see and write a conversation: `routing::may_read` / `may_write`, applied to the
//! conversation actor's shared facts (no query per frame, except a customer's community
//! subscription, which lives in the database so that it holds on every node).

use super::Service;
use crate::conversation::ConversationInfo;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::{ConversationId, ConversationType, Message};
use crate::routing::{may_read, may_write, Actor, Refusal, Room, Viewer};
use crate::store;
use std::sync::Arc;

impl Service {
    async fn subscribed(&self, who: &Identity, info: &ConversationInfo) -> ApiResult<bool> {
        if who.is_staff() || info.room.kind != ConversationType::Community {
            return Ok(false);
        }
        let (subscribed, _) =
            store::conversations::subscription(&self.pool, info.room.business, who.user_id).await?;
        Ok(subscribed)
    }

    /// The conversation when `who` may read it.
    pub(crate) async fn readable(
        &self,
        who: &Identity,
        conv: ConversationId,
    ) -> ApiResult<Arc<ConversationInfo>> {
        self.allowed(who, conv, may_read).await
    }

    /// The conversation when `who` may post into it: staff only in a community.
    pub(crate) async fn writable(
        &self,
        who: &Identity,
        conv: ConversationId,
    ) -> ApiResult<Arc<ConversationInfo>> {
        self.allowed(who, conv, may_write).await
    }

    async fn allowed(
        &self,
        who: &Identity,
        conv: ConversationId,
        rule: fn(&Room, &Viewer, bool) -> Result<(), Refusal>,
    ) -> ApiResult<Arc<ConversationInfo>> {
        let info = self.conversations.info(conv).await?;
        let subscribed = self.subscribed(who, &info).await?;
        rule(&info.room, &who.viewer(), subscribed).map_err(refused)?;
        Ok(info)
    }
}

fn refused(r: Refusal) -> ApiError {
    ApiError::forbidden(r.message())
}

/// The caller as routing sees an actor.
pub(crate) fn actor(who: &Identity) -> Actor {
    Actor {
        user: who.user_id,
        role: who.role,
    }
}

/// A community message as one customer sees it: who reacted is private, except the customer's
/// own reactions; the counts stay.
pub(crate) fn own_reactions_only(m: &mut Message, who: &Identity) {
    for r in &mut m.reactions {
        r.user_ids.retain(|u| *u == who.user_id);
    }
}
