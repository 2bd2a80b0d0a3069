use super::Service;
use crate::auth::Identity;
use crate::error::{ApiError, ApiResult};
use servihub_actors::hub::Topic;
use servihub_actors::protocol::{Community, Id};
use servihub_actors::store::{self};

impl Service {
    /// A business's community channel as the caller sees it.
    pub async fn community(&self, who: &Identity, business: Id) -> ApiResult<Community> {
        if store::users::business_name(&self.pool, business)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found("business not found"));
        }
        if who.is_staff() && !who.staffs(business.0) {
            return Err(ApiError::forbidden("community of another business"));
        }
        let conv = store::conversations::community(&self.pool, business).await?;
        let conversation = self.conversation_for(who, conv).await?;
        let (subscribed, subscriber_count) =
            store::conversations::subscription(&self.pool, business, who.user_id).await?;
        Ok(Community {
            conversation,
            subscribed,
            subscriber_count,
        })
    }

    /// Opt in or out. Live sessions start or stop receiving announcements at once.
    pub async fn set_subscription(&self, who: &Identity, business: Id, on: bool) -> ApiResult<()> {
        if who.is_staff() {
            return Err(ApiError::bad_request(
                "staff see their community in the inbox; only customers subscribe",
            ));
        }
        if store::users::business_name(&self.pool, business)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found("business not found"));
        }
        store::conversations::community(&self.pool, business).await?;
        store::conversations::set_subscription(&self.pool, business, who.user_id, on).await?;
        self.hub
            .set_user_topic(who.user_id.0, Topic::Community(business.0), on);
        Ok(())
    }
}
