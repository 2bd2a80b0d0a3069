//! The support desk's part of the wire contract (docs/protocol.md, "Support desk").

use super::{ConversationId, Message, Role, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a conversation stands on the desk.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, sqlx::Type, Default,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "conversation_status", rename_all = "lowercase")]
#[ts(export)]
pub enum ConversationStatus {
    #[default]
    Open,
    /// Waiting on the customer.
    Pending,
    /// Out of the way until `snoozedUntil`.
    Snoozed,
    Resolved,
}

impl ConversationStatus {
    pub const ALL: [ConversationStatus; 4] = [
        ConversationStatus::Open,
        ConversationStatus::Pending,
        ConversationStatus::Snoozed,
        ConversationStatus::Resolved,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Pending => "pending",
            ConversationStatus::Snoozed => "snoozed",
            ConversationStatus::Resolved => "resolved",
        }
    }
}

/// The body of `conversation.updated`: a conversation's desk state after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeskState {
    pub conversation_id: ConversationId,
    pub status: ConversationStatus,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    /// Who changed it; null when the node did (a snooze ending, auto-assignment).
    pub changed_by: Option<UserId>,
}

/// A business's desk settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct DeskSettings {
    pub auto_assign: bool,
    pub max_open_per_agent: i32,
    pub away_message: Option<String>,
    pub expected_reply_minutes: Option<i32>,
}

impl Default for DeskSettings {
    fn default() -> Self {
        DeskSettings {
            auto_assign: false,
            max_open_per_agent: 10,
            away_message: None,
            expected_reply_minutes: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CannedReply {
    pub id: super::id::CannedReplyId,
    pub shortcut: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StaffMember {
    pub user_id: UserId,
    pub name: Option<String>,
    pub role: Role,
    pub online: bool,
}

/// One search result: the message, and a plain-text snippet with the matches' offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SearchHit {
    pub conversation_id: ConversationId,
    pub message: Message,
    pub snippet: String,
    /// `[start, end)` offsets in characters (Unicode scalar values) into `snippet`.
    pub highlights: Vec<(u32, u32)>,
    pub rank: f32,
}
