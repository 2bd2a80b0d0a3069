use super::access::actor;
use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::ports::{Limit, Membership};
use crate::presence::PresenceMsg;
use crate::protocol::{
    BusinessId, Conversation, ConversationId, ConversationType, MessageId, ServerEvent, UserId,
};
use crate::routing::{routes, Envelope, Happening, Payload, Topic};
use crate::store::conversations::ListedConversation;
use crate::store::{self};
use std::collections::HashMap;
use std::sync::Arc;

/// The longest list a caller gets; the inbox pages beyond it are out of scope for v1.
const LIST_LIMIT: i64 = 200;

impl Service {
    /// Assembles wire conversations: participants and last messages in two queries for the list.
    /// A customer looking at a community sees its staff, never other customers.
    pub(crate) async fn to_wire(
        &self,
        who: &Identity,
        listed: Vec<ListedConversation>,
    ) -> ApiResult<Vec<Conversation>> {
        let ids: Vec<ConversationId> = listed.iter().map(|l| l.row.id).collect();
        let mut participants = store::conversations::participants(&self.pool, &ids).await?;
        let last_ids: Vec<MessageId> = listed
            .iter()
            .filter_map(|l| l.last_message_id.map(MessageId))
            .collect();
        let mut last: HashMap<ConversationId, _> = store::messages::by_ids(&self.pool, &last_ids)
            .await?
            .into_iter()
            .map(|m| (m.conversation_id, m))
            .collect();
        Ok(listed
            .into_iter()
            .map(|l| {
                let mut people = participants.remove(&l.row.id).unwrap_or_default();
                let community = l.row.kind == ConversationType::Community;
                if community && !who.is_staff() {
                    people.retain(|p| p.role.is_staff());
                }
                let mut last_message = last.remove(&l.row.id);
                if let (true, false, Some(m)) = (community, who.is_staff(), last_message.as_mut()) {
                    super::access::own_reactions_only(m, who);
                }
                Conversation {
                    id: l.row.id,
                    business_id: l.row.business_id,
                    business_name: l.row.business_name,
                    kind: l.row.kind,
                    participants: people,
                    unread_count: l.unread_count,
                    last_message,
                    created_at: l.row.created_at,
                    updated_at: l.row.updated_at,
                    status: l.row.status,
                    snoozed_until: l.row.snoozed_until,
                    assignee_id: l.row.assignee_id,
                    assignee_name: l.row.assignee_name,
                }
            })
            .collect())
    }

    pub(crate) async fn conversation_for(
        &self,
        who: &Identity,
        conv: ConversationId,
    ) -> ApiResult<Conversation> {
        let listed = store::conversations::listed(&self.pool, conv, who.user_id, who.is_staff())
            .await?
            .ok_or_else(|| ApiError::not_found("conversation not found"))?;
        self.to_wire(who, vec![listed])
            .await?
            .pop()
            .ok_or_else(ApiError::internal)
    }

    pub(crate) async fn business_exists(&self, business: BusinessId) -> ApiResult<()> {
        match store::users::business_name(&self.pool, business).await? {
            Some(_) => Ok(()),
            None => Err(ApiError::not_found("business not found")),
        }
    }

    /// A customer is now "of" a business (widget opened, conversation, community): the first
    /// time, its staff hear it online and it hears them, on every node.
    pub(crate) async fn became_customer(
        &self,
        user: UserId,
        business: BusinessId,
    ) -> ApiResult<()> {
        if !store::conversations::add_customer(&self.pool, business, user).await? {
            return Ok(());
        }
        let change = Membership {
            user,
            topic: Topic::Watch(business),
            on: true,
        };
        self.hub.apply_membership(change);
        self.hub.relay_membership(change);
        let _ = self.presence.cast(PresenceMsg::Watched {
            user,
            business,
            local: true,
        });
        Ok(())
    }

    /// Load-or-create the caller's DIRECT conversation with a business. True when created.
    pub async fn open_direct(
        &self,
        who: &Identity,
        business: BusinessId,
    ) -> ApiResult<(Conversation, bool)> {
        if who.is_staff() {
            return Err(ApiError::forbidden(
                "only customers open conversations with a business",
            ));
        }
        self.business_exists(business).await?;
        let (id, created) =
            store::conversations::load_or_create_direct(&self.pool, business, who.user_id).await?;
        self.became_customer(who.user_id, business).await?;
        let conversation = self.conversation_for(who, id).await?;
        if created {
            // Every staff inbox (and the customer's other tabs) learns of it at once; each staff
            // member's badge starts at what they have not read (everything).
            let info = self.conversations.info(id).await?;
            let mut shown = conversation.clone();
            shown.unread_count = 0;
            let event = Arc::new(ServerEvent::ConversationNew {
                conversation: shown,
            });
            for r in routes(Happening::Opened, &info.room) {
                self.hub.publish(Envelope {
                    business,
                    topics: r.topics,
                    except_session: None,
                    except_user: r.except_user,
                    payload: Payload::Event(event.clone()),
                });
            }
            if let Some(row) = store::conversations::get(&self.pool, id).await? {
                if self.auto_assign(&row).await? {
                    // Assigned just now: the caller's copy names who answers.
                    return Ok((self.conversation_for(who, id).await?, created));
                }
            }
        }
        Ok((conversation, created))
    }

    /// The caller's conversations (staff: the business inbox), newest activity first.
    pub async fn list_conversations(&self, who: &Identity) -> ApiResult<Vec<Conversation>> {
        let listed = match who.staff_of() {
            Some(b) => {
                store::conversations::list_for_business(&self.pool, b, who.user_id, LIST_LIMIT)
                    .await?
            }
            None => {
                store::conversations::list_for_customer(&self.pool, who.user_id, LIST_LIMIT).await?
            }
        };
        self.to_wire(who, listed).await
    }

    pub async fn get_conversation(
        &self,
        who: &Identity,
        conv: ConversationId,
    ) -> ApiResult<Conversation> {
        self.readable(who, conv).await?;
        self.conversation_for(who, conv).await
    }

    /// Read receipt: moves the caller's own cursor (never membership), tells those who hear
    /// receipts, resets the caller's badge on all its tabs. Returns what is still unread.
    pub async fn mark_read(
        &self,
        who: &Identity,
        conv: ConversationId,
        message: MessageId,
    ) -> ApiResult<i64> {
        self.readable(who, conv).await?;
        self.limit(who, Limit::Signal).await?;
        Ok(self.conversations.read(conv, actor(who), message).await?)
    }

    pub async fn typing(
        &self,
        who: &Identity,
        conv: ConversationId,
        is_typing: bool,
    ) -> ApiResult<()> {
        self.writable(who, conv).await?;
        self.conversations
            .typing(conv, actor(who), who.name.clone(), is_typing)
            .await?;
        Ok(())
    }
}
