use super::Service;
use crate::auth::Identity;
use crate::error::{ApiError, ApiResult};
use servihub_actors::conversation::ConversationMsg;
use servihub_actors::hub::{Envelope, Topic};
use servihub_actors::protocol::{Conversation, Id, ServerEvent};
use servihub_actors::store::conversations::ListedConversation;
use servihub_actors::store::{self};
use std::collections::HashMap;
use std::sync::Arc;

/// The longest list a caller gets; the inbox pages beyond it are out of scope for v1.
const LIST_LIMIT: i64 = 200;

impl Service {
    /// Assembles wire conversations: participants and last messages in two queries for the list.
    pub(crate) async fn to_wire(
        &self,
        listed: Vec<ListedConversation>,
    ) -> ApiResult<Vec<Conversation>> {
        let ids: Vec<i64> = listed.iter().map(|l| l.row.id).collect();
        let mut participants = store::conversations::participants(&self.pool, &ids).await?;
        let last_ids: Vec<i64> = listed.iter().filter_map(|l| l.last_message_id).collect();
        let mut last: HashMap<i64, _> = store::messages::by_ids(&self.pool, &last_ids)
            .await?
            .into_iter()
            .map(|m| (m.conversation_id.0, m))
            .collect();
        Ok(listed
            .into_iter()
            .map(|l| Conversation {
                id: Id(l.row.id),
                business_id: Id(l.row.business_id),
                business_name: l.row.business_name,
                kind: l.row.kind,
                participants: participants.remove(&l.row.id).unwrap_or_default(),
                unread_count: l.unread_count,
                last_message: last.remove(&l.row.id),
                created_at: l.row.created_at,
                updated_at: l.row.updated_at,
            })
            .collect())
    }

    pub(crate) async fn conversation_for(
        &self,
        who: &Identity,
        conv: Id,
    ) -> ApiResult<Conversation> {
        let listed = store::conversations::listed(&self.pool, conv, who.user_id)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation not found"))?;
        self.to_wire(vec![listed])
            .await?
            .pop()
            .ok_or_else(ApiError::internal)
    }

    /// Load-or-create the caller's DIRECT conversation with a business. True when created.
    pub async fn open_direct(
        &self,
        who: &Identity,
        business: Id,
    ) -> ApiResult<(Conversation, bool)> {
        if who.is_staff() {
            return Err(ApiError::forbidden(
                "only customers open conversations with a business",
            ));
        }
        if store::users::business_name(&self.pool, business)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found("business not found"));
        }
        let (id, created) =
            store::conversations::load_or_create_direct(&self.pool, business, who.user_id).await?;
        let conversation = self.conversation_for(who, id).await?;
        if created {
            // The customer's live sessions now talk with this business: they see its staff's
            // presence, and its staff learn of the new conversation at once.
            self.hub
                .set_user_topic(who.user_id.0, Topic::Watch(business.0), true);
            let mut for_staff = conversation.clone();
            for_staff.unread_count = 0;
            self.hub.publish(Envelope {
                business: business.0,
                topics: vec![Topic::Staff(business.0)],
                except_session: None,
                except_user: None,
                event: Arc::new(ServerEvent::ConversationNew {
                    conversation: for_staff,
                }),
            });
        }
        Ok((conversation, created))
    }

    /// The caller's conversations (staff: the business inbox), newest activity first.
    pub async fn list_conversations(&self, who: &Identity) -> ApiResult<Vec<Conversation>> {
        let listed = match who.business_id {
            Some(b) if who.is_staff() => {
                store::conversations::list_for_business(&self.pool, b, who.user_id, LIST_LIMIT)
                    .await?
            }
            _ => {
                store::conversations::list_for_customer(&self.pool, who.user_id, LIST_LIMIT).await?
            }
        };
        self.to_wire(listed).await
    }

    pub async fn get_conversation(&self, who: &Identity, conv: Id) -> ApiResult<Conversation> {
        self.readable(who, conv).await?;
        self.conversation_for(who, conv).await
    }

    /// Read receipt: moves the caller's cursor, tells the others, resets the caller's badge.
    pub async fn mark_read(&self, who: &Identity, conv: Id, message: Id) -> ApiResult<i64> {
        self.readable(who, conv).await?;
        match store::messages::get(&self.pool, message).await? {
            Some(m) if m.conversation_id == conv => {}
            _ => {
                return Err(ApiError::not_found(
                    "message not found in this conversation",
                ))
            }
        }
        let unread =
            store::conversations::mark_read(&self.pool, conv, who.user_id, who.role, message)
                .await?;
        self.conversations
            .tell(
                conv,
                ConversationMsg::Read {
                    user: who.user_id.0,
                    message_id: message,
                    unread,
                },
            )
            .await?;
        Ok(unread)
    }

    pub async fn typing(&self, who: &Identity, conv: Id, is_typing: bool) -> ApiResult<()> {
        self.writable(who, conv).await?;
        self.conversations
            .tell(
                conv,
                ConversationMsg::Typing {
                    user: who.user_id.0,
                    name: who.name.clone(),
                    is_typing,
                },
            )
            .await?;
        Ok(())
    }
}
