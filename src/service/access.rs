//! Who may see and write a conversation (PROTOCOL.md "Access rules"), decided from the
//! conversation actor's cached state rather than a query per frame.

use super::Service;
use crate::auth::Identity;
use crate::error::{ApiError, ApiResult};
use servihub_actors::conversation::ConversationInfo;
use servihub_actors::protocol::{ConversationType, Id};
use servihub_actors::store;

impl Service {
    /// The conversation when `who` may read it.
    pub async fn readable(&self, who: &Identity, conv: Id) -> ApiResult<ConversationInfo> {
        let info = self.conversations.info(conv).await?;
        if who.is_staff() {
            if who.staffs(info.business_id) {
                return Ok(info);
            }
            return Err(ApiError::forbidden("conversation of another business"));
        }
        if info.participants.contains_key(&who.user_id.0) {
            return Ok(info);
        }
        if info.kind == ConversationType::Community {
            let (subscribed, _) =
                store::conversations::subscription(&self.pool, Id(info.business_id), who.user_id)
                    .await?;
            if subscribed {
                return Ok(info);
            }
        }
        Err(ApiError::forbidden(
            "not a participant of this conversation",
        ))
    }

    /// The conversation when `who` may post into it: staff only in a community.
    pub async fn writable(&self, who: &Identity, conv: Id) -> ApiResult<ConversationInfo> {
        let info = self.readable(who, conv).await?;
        if info.kind == ConversationType::Community && !who.is_staff() {
            return Err(ApiError::forbidden("only staff post into a community"));
        }
        Ok(info)
    }
}
