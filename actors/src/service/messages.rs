use super::access::{actor, own_reactions_only};
use super::text::{is_emoji, plain_text, MAX_BODY_CHARS};
use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::persistence::PendingStore;
use crate::ports::Limit;
use crate::protocol::{
    AttachmentId, BusinessId, ContentType, ConversationId, ConversationType, Message, MessageId,
    Role,
};
use crate::routing::SessionId;
use crate::store::batch::NewMessage;
use crate::store::messages::Page;
use crate::store::{self};
use chrono::{DateTime, Utc};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;
const MAX_CLIENT_ID: usize = 100;
const MAX_ATTACHMENTS: usize = 10;
/// A resume's `since` reaches this much further back: a transaction in flight at that moment
/// commits a row whose `createdAt` (its start) is a little earlier.
pub const RESUME_MARGIN_SECS: i64 = 30;
/// How far back a resume's `since` may reach; a client away longer reloads its history.
pub const RESUME_WINDOW_HOURS: i64 = 24;

/// The earliest creation time a resume with `since` replays: `since` less the margin, within the
/// window (so no time, however far off, reaches the database out of its range).
pub fn resume_floor(since: DateTime<Utc>) -> DateTime<Utc> {
    let now = Utc::now();
    let since = since
        .min(now)
        .max(now - chrono::Duration::hours(RESUME_WINDOW_HOURS));
    since - chrono::Duration::seconds(RESUME_MARGIN_SECS)
}

/// A checked send (`Service::submit`), settled with `Service::settle`.
pub enum Submitted {
    /// The clientId was stored before: its first message is the answer.
    Stored(Box<Message>),
    Queued {
        pending: PendingStore,
        started: std::time::Instant,
        /// A customer's direct message: the business whose desk follows it up once stored.
        desk: Option<BusinessId>,
    },
}

/// A send as every transport hands it over.
#[derive(Debug, Clone, Default)]
pub struct SendInput {
    pub client_id: Option<String>,
    pub body: String,
    pub content_type: Option<ContentType>,
    pub attachment_ids: Vec<AttachmentId>,
    /// A staff-only note.
    pub private: bool,
}

fn content_type_of(mime: &str) -> ContentType {
    if mime.starts_with("image/") {
        ContentType::Image
    } else if mime.starts_with("video/") {
        ContentType::Video
    } else {
        ContentType::File
    }
}

fn clean_body(body: &str) -> ApiResult<String> {
    let body = plain_text(body);
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::bad_request(format!(
            "body is longer than {MAX_BODY_CHARS} characters"
        )));
    }
    Ok(body)
}

impl Service {
    pub async fn history(
        &self,
        who: &Identity,
        conv: ConversationId,
        page: Page,
        limit: Option<i64>,
    ) -> ApiResult<Vec<Message>> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_PAGE}"
            )));
        }
        let info = self.readable(who, conv).await?;
        let page = match page {
            Page::Since { after, since } => Page::Since {
                after,
                since: resume_floor(since),
            },
            other => other,
        };
        let mut page =
            store::messages::history(&self.pool, conv, page, limit, who.is_staff()).await?;
        if info.room.kind == ConversationType::Community && !who.is_staff() {
            page.iter_mut().for_each(|m| own_reactions_only(m, who));
        }
        Ok(page)
    }

    /// Stores a message and fans it out. Returns the message and whether this call created it
    /// (false: the clientId was used before and the first message comes back).
    pub async fn send(
        &self,
        who: &Identity,
        conv: ConversationId,
        input: SendInput,
        origin: Option<SessionId>,
    ) -> ApiResult<(Message, bool)> {
        let submitted = self.submit(who, conv, input, origin).await?;
        self.settle(submitted).await
    }

    /// Checks a send and queues it for its commit without waiting for it: sends submitted one
    /// after another into a conversation get increasing ids, whoever settles them and when.
    /// Every refusal (access, input, rate, overload) is answered here, before anything is queued.
    pub async fn submit(
        &self,
        who: &Identity,
        conv: ConversationId,
        input: SendInput,
        origin: Option<SessionId>,
    ) -> ApiResult<Submitted> {
        let info = self.writable(who, conv).await?;
        if input.private && !who.is_staff() {
            return Err(ApiError::forbidden("only staff write private notes"));
        }
        let client_id = match input.client_id {
            Some(c)
                if c.is_empty()
                    || c.chars().count() > MAX_CLIENT_ID
                    || c.chars().any(char::is_control) =>
            {
                return Err(ApiError::bad_request(format!(
                    "clientId must be 1 to {MAX_CLIENT_ID} characters, none of them a control character"
                )))
            }
            Some(c) => c,
            None => uuid::Uuid::new_v4().to_string(),
        };
        let body = clean_body(&input.body)?;
        let mut content_type = input.content_type.unwrap_or_default();
        let attachment_ids: Vec<i64> = input.attachment_ids.iter().map(|i| i.0).collect();
        if attachment_ids.len() > MAX_ATTACHMENTS {
            return Err(ApiError::bad_request(format!(
                "at most {MAX_ATTACHMENTS} attachments"
            )));
        }
        if !attachment_ids.is_empty() {
            let found =
                store::attachments::unattached(&self.pool, &attachment_ids, who.user_id, conv)
                    .await?;
            if found.len() != attachment_ids.len() {
                return Err(ApiError::bad_request(
                    "attachmentIds must be your unused uploads to this conversation",
                ));
            }
            if input.content_type.is_none() {
                content_type = content_type_of(&found[0].mime_type);
            }
        } else if body.is_empty() {
            return Err(ApiError::bad_request("body is empty"));
        }
        // Counted only for a send that passed every check: a refused one uses no slot.
        if let Err(wait) = self.limiter.check(who.user_id, Limit::Send).await {
            // A retry of a stored send is answered with the first message, never refused. Only
            // refused sends pay for this lookup; the batch's unique index covers the rest.
            if let Some(first) =
                store::messages::by_client_id(&self.pool, who.user_id, &client_id).await?
            {
                return Ok(Submitted::Stored(Box::new(first)));
            }
            metrics::counter!("chat_rate_limited_total", "kind" => "send").increment(1);
            return Err(ApiError::rate_limited(wait));
        }
        if who.is_staff() && !info.participants.contains_key(&who.user_id) {
            // Staff join by replying: the customer sees who answered.
            self.conversations.join(conv, actor(who)).await?;
        }
        let notify = if info.room.kind == ConversationType::Community || input.private {
            // A note is never notified: it is not for the customer.
            Vec::new()
        } else {
            info.participants
                .iter()
                .filter(|(u, role)| {
                    **role == Role::Customer
                        && **u != who.user_id
                        && !self.presence_view.is_online(**u)
                })
                .map(|(u, _)| *u)
                .collect()
        };
        let new = NewMessage {
            conversation_id: conv,
            sender_id: who.user_id,
            sender_role: who.role,
            sender_name: who.name.clone(),
            content_type,
            body,
            client_id,
            attachment_ids,
            private: input.private,
            notify,
        };
        let customer = who.role == Role::Customer && info.room.kind != ConversationType::Community;
        Ok(Submitted::Queued {
            pending: self.persistence.enqueue(new, origin)?,
            started: std::time::Instant::now(),
            desk: customer.then_some(info.room.business),
        })
    }

    /// Waits for a submitted send's commit: the message, and whether this send created it.
    pub async fn settle(&self, submitted: Submitted) -> ApiResult<(Message, bool)> {
        let (pending, started, desk) = match submitted {
            Submitted::Stored(first) => return Ok((*first, false)),
            Submitted::Queued {
                pending,
                started,
                desk,
            } => (pending, started, desk),
        };
        let stored = pending.committed().await?;
        metrics::histogram!("chat_ack_latency_seconds").record(started.elapsed().as_secs_f64());
        metrics::counter!("chat_messages_in_total").increment(1);
        if let (true, Some(business)) = (stored.created, desk) {
            let conv = stored.message.conversation_id;
            // The message is stored: the desk's follow-up failing must not turn its ack into an
            // error the client would retry.
            // Boxed: the follow-up's state is large and most sends need it only for a moment.
            let follow_up = Box::pin(self.after_customer_message(conv, business, stored.reopened));
            if let Err(e) = follow_up.await {
                tracing::warn!(error = %e, conversation_id = conv.0, "desk follow-up failed");
            }
        }
        Ok((stored.message, stored.created))
    }

    /// A message the node writes itself (the away reply): stored and fanned out like any other,
    /// without rate limit, join or notification.
    pub(crate) async fn store_automatic(
        &self,
        sender: &Identity,
        conv: ConversationId,
        body: String,
    ) -> ApiResult<Message> {
        let new = NewMessage {
            conversation_id: conv,
            sender_id: sender.user_id,
            sender_role: sender.role,
            sender_name: sender.name.clone(),
            content_type: ContentType::Text,
            body,
            client_id: format!("away-{conv}"),
            attachment_ids: Vec::new(),
            private: false,
            notify: Vec::new(),
        };
        Ok(self.persistence.store(new, None).await?.message)
    }

    async fn own_message(&self, who: &Identity, id: MessageId) -> ApiResult<Message> {
        let m = store::messages::get(&self.pool, id)
            .await?
            .ok_or_else(|| ApiError::not_found("message not found"))?;
        self.readable(who, m.conversation_id).await?;
        if m.private && !who.is_staff() {
            // A note does not exist for a customer, even by id.
            return Err(ApiError::not_found("message not found"));
        }
        if m.deleted_at.is_some() {
            return Err(ApiError::not_found("message was deleted"));
        }
        Ok(m)
    }

    /// Reloads a changed message and tells everyone who sees the conversation.
    async fn announce(&self, who: &Identity, id: MessageId, deleted: bool) -> ApiResult<Message> {
        let mut message = store::messages::get(&self.pool, id)
            .await?
            .ok_or_else(ApiError::internal)?;
        self.conversations.changed(message.clone(), deleted).await?;
        let info = self.conversations.info(message.conversation_id).await?;
        if info.room.kind == ConversationType::Community && !who.is_staff() {
            own_reactions_only(&mut message, who);
        }
        Ok(message)
    }

    pub async fn edit(&self, who: &Identity, id: MessageId, body: &str) -> ApiResult<Message> {
        let m = self.own_message(who, id).await?;
        if m.sender_id != who.user_id {
            return Err(ApiError::forbidden("only the sender edits a message"));
        }
        let body = clean_body(body)?;
        if body.is_empty() && m.attachments.is_empty() {
            return Err(ApiError::bad_request("body is empty"));
        }
        self.limit(who, Limit::Change).await?;
        store::messages::edit(&self.pool, id, &body).await?;
        self.announce(who, id, false).await
    }

    pub async fn delete(&self, who: &Identity, id: MessageId) -> ApiResult<Message> {
        let m = self.own_message(who, id).await?;
        let info = self.conversations.info(m.conversation_id).await?;
        let owner = who.role == Role::Owner && who.staffs(info.room.business);
        if m.sender_id != who.user_id && !owner {
            return Err(ApiError::forbidden(
                "only the sender (or the business owner) deletes a message",
            ));
        }
        self.limit(who, Limit::Change).await?;
        store::messages::soft_delete(&self.pool, id).await?;
        self.announce(who, id, true).await
    }

    pub async fn react(
        &self,
        who: &Identity,
        id: MessageId,
        emoji: &str,
        on: bool,
    ) -> ApiResult<Message> {
        let emoji = emoji.trim();
        if !is_emoji(emoji) {
            return Err(ApiError::bad_request("emoji must be one emoji"));
        }
        self.own_message(who, id).await?;
        self.limit(who, Limit::Change).await?;
        store::messages::set_reaction(&self.pool, id, who.user_id, emoji, on).await?;
        self.announce(who, id, false).await
    }

    /// Everything after `after` (and, with `since`, everything created from `since` on less the
    /// margin), in id order, in pages; the caller streams each page and pages on without `since`.
    pub async fn resume_page(
        &self,
        who: &Identity,
        conv: ConversationId,
        after: MessageId,
        since: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<Message>> {
        let page = match since {
            Some(since) => Page::Since { after, since },
            None => Page::After(after),
        };
        self.history(who, conv, page, Some(MAX_PAGE)).await
    }
}
