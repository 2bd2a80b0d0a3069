use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::ports::Membership;
use crate::protocol::{BusinessId, Community};
use crate::routing::Topic;
use crate::store::{self};

impl Service {
    /// A business's community channel as the caller sees it.
    pub async fn community(&self, who: &Identity, business: BusinessId) -> ApiResult<Community> {
        self.business_exists(business).await?;
        if who.is_staff() && !who.staffs(business) {
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

    /// Opt in or out. Live sessions, on every node, start or stop receiving announcements at
    /// once; a subscriber is also a customer of the business (presence both ways).
    pub async fn set_subscription(
        &self,
        who: &Identity,
        business: BusinessId,
        on: bool,
    ) -> ApiResult<()> {
        if who.is_staff() {
            return Err(ApiError::bad_request(
                "staff see their community in the inbox; only customers subscribe",
            ));
        }
        self.business_exists(business).await?;
        store::conversations::community(&self.pool, business).await?;
        store::conversations::set_subscription(&self.pool, business, who.user_id, on).await?;
        let change = Membership {
            user: who.user_id,
            topic: Topic::Community(business),
            on,
        };
        self.hub.apply_membership(change);
        self.hub.relay_membership(change);
        if on {
            self.became_customer(who.user_id, business).await?;
        }
        Ok(())
    }
}
