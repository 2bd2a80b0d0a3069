//! The wire contract (PROTOCOL.md), defined once. REST bodies, WebSocket frames (JSON and
//! MessagePack) and SSE events all serialise these types; the widget's TypeScript types are
//! generated from them with ts-rs (`cargo test` writes `widget/src/protocol/generated/`).

pub mod codec;
mod desk;
mod events;
mod id;

pub use desk::{CannedReply, ConversationStatus, DeskSettings, DeskState, SearchHit, StaffMember};
pub use events::{ClientFrame, ErrorBody, ErrorCode, Hello, PresenceStatus, ServerEvent};
pub use id::{AttachmentId, BusinessId, CannedReplyId, ConversationId, MessageId, UserId};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who a user is to a business: its customer, or one of its staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sqlx(type_name = "participant_role", rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum Role {
    Customer,
    Agent,
    Owner,
}

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Owner)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sqlx(
    type_name = "message_content_type",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[ts(export)]
pub enum ContentType {
    #[default]
    Text,
    File,
    Image,
    Video,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sqlx(type_name = "conversation_type", rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum ConversationType {
    Direct,
    SupportRoom,
    Community,
}

/// The author of a message as clients label it ("Business • Alice" for staff).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sender {
    pub id: UserId,
    pub name: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Attachment {
    pub id: AttachmentId,
    pub url: String,
    pub mime_type: String,
    #[ts(type = "number")]
    pub size_bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// The uploader's file name, so readers see what they are opening; null when none was given.
    #[serde(default)]
    pub file_name: Option<String>,
}

/// A link that opens an attachment without a token until `expiresAt` (an extension of the
/// protocol: `GET /attachments/{id}/link`), so no token is ever put in a URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AttachmentLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// One emoji on a message with who put it there; an extension of the protocol's Message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReactionSummary {
    pub emoji: String,
    /// Who reacted. In a community, customers see only their own id here, never other
    /// subscribers'; `count` always tells how many reacted.
    pub user_ids: Vec<UserId>,
    #[serde(default)]
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub sender: Sender,
    pub content_type: ContentType,
    pub body: String,
    pub file_url: Option<String>,
    pub mime_type: Option<String>,
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub reactions: Vec<ReactionSummary>,
    pub client_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// A staff-only note; customers never receive one.
    #[serde(default)]
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Participant {
    pub user_id: UserId,
    pub name: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Conversation {
    pub id: ConversationId,
    pub business_id: BusinessId,
    pub business_name: String,
    #[serde(rename = "type")]
    pub kind: ConversationType,
    pub participants: Vec<Participant>,
    #[ts(type = "number")]
    pub unread_count: i64,
    pub last_message: Option<Message>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub status: ConversationStatus,
    #[serde(default)]
    pub snoozed_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub assignee_name: Option<String>,
}

/// The community channel of a business: the conversation itself, plus whether the caller is
/// subscribed and how many are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Community {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub subscribed: bool,
    #[ts(type = "number")]
    pub subscriber_count: i64,
}
