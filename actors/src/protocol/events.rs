use super::{
    AttachmentId, BusinessId, ContentType, Conversation, ConversationId, DeskState, Message,
    MessageId, Role, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The protocol's error codes; each maps to one HTTP status at the REST edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest,
    PayloadTooLarge,
    RateLimited,
    Overloaded,
    Internal,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::BadRequest => 400,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Overloaded => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// The body of an `error`: the REST error body and the WS/SSE `error` event are the same object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub retry_after_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum PresenceStatus {
    Online,
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Hello {
    pub user_id: UserId,
    pub role: Role,
    pub business_id: Option<BusinessId>,
    pub session_id: String,
    #[ts(type = "number")]
    pub heartbeat_ms: u64,
}

/// Everything the server sends over WebSocket or SSE, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
#[ts(export)]
pub enum ServerEvent {
    #[serde(rename = "hello")]
    Hello(Hello),
    #[serde(rename = "message.ack", rename_all = "camelCase")]
    MessageAck { client_id: String, message: Message },
    #[serde(rename = "message.new")]
    MessageNew { message: Message },
    #[serde(rename = "message.updated")]
    MessageUpdated { message: Message },
    #[serde(rename = "message.deleted")]
    MessageDeleted { message: Message },
    #[serde(rename = "typing", rename_all = "camelCase")]
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
        name: Option<String>,
        is_typing: bool,
    },
    #[serde(rename = "read", rename_all = "camelCase")]
    Read {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    #[serde(rename = "unread", rename_all = "camelCase")]
    Unread {
        conversation_id: ConversationId,
        #[ts(type = "number")]
        count: i64,
    },
    #[serde(rename = "presence", rename_all = "camelCase")]
    Presence {
        user_id: UserId,
        status: PresenceStatus,
        last_seen_at: Option<DateTime<Utc>>,
    },
    #[serde(rename = "resume.done", rename_all = "camelCase")]
    ResumeDone {
        conversation_id: ConversationId,
        last_id: MessageId,
    },
    #[serde(rename = "conversation.new")]
    ConversationNew { conversation: Conversation },
    /// Status or assignee changed (the support desk).
    #[serde(rename = "conversation.updated")]
    ConversationUpdated(DeskState),
    /// Sent just before a close with 1012: events from other nodes may have been lost from
    /// `since` on, also below the ids this session has seen; `resume` with `since` reaches them.
    #[serde(rename = "resync")]
    Resync { since: DateTime<Utc> },
    #[serde(rename = "pong")]
    Pong,
    #[serde(rename = "error")]
    Error(ErrorBody),
}

impl ServerEvent {
    /// Events a slow client may lose without losing data: they are re-sent or go stale anyway.
    pub fn is_droppable(&self) -> bool {
        matches!(
            self,
            ServerEvent::Typing { .. } | ServerEvent::Presence { .. }
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            ServerEvent::Hello(_) => "hello",
            ServerEvent::MessageAck { .. } => "message.ack",
            ServerEvent::MessageNew { .. } => "message.new",
            ServerEvent::MessageUpdated { .. } => "message.updated",
            ServerEvent::MessageDeleted { .. } => "message.deleted",
            ServerEvent::Typing { .. } => "typing",
            ServerEvent::Read { .. } => "read",
            ServerEvent::Unread { .. } => "unread",
            ServerEvent::Presence { .. } => "presence",
            ServerEvent::ResumeDone { .. } => "resume.done",
            ServerEvent::ConversationNew { .. } => "conversation.new",
            ServerEvent::ConversationUpdated(_) => "conversation.updated",
            ServerEvent::Resync { .. } => "resync",
            ServerEvent::Pong => "pong",
            ServerEvent::Error(_) => "error",
        }
    }

    pub fn error(code: ErrorCode, message: impl Into<String>, reference: Option<String>) -> Self {
        ServerEvent::Error(ErrorBody {
            code,
            message: message.into(),
            reference,
            retry_after_ms: None,
        })
    }
}

/// Everything a WebSocket client may send, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type")]
#[ts(export)]
pub enum ClientFrame {
    #[serde(rename = "message.send", rename_all = "camelCase")]
    MessageSend {
        conversation_id: ConversationId,
        client_id: String,
        #[serde(default)]
        body: String,
        #[serde(default)]
        #[ts(optional)]
        content_type: Option<ContentType>,
        #[serde(default)]
        #[ts(optional)]
        attachment_ids: Option<Vec<AttachmentId>>,
        /// A staff-only note.
        #[serde(default)]
        #[ts(optional)]
        private: Option<bool>,
    },
    #[serde(rename = "message.edit", rename_all = "camelCase")]
    MessageEdit {
        message_id: MessageId,
        body: String,
        #[serde(default)]
        #[ts(optional)]
        client_id: Option<String>,
    },
    #[serde(rename = "message.delete", rename_all = "camelCase")]
    MessageDelete {
        message_id: MessageId,
        #[serde(default)]
        #[ts(optional)]
        client_id: Option<String>,
    },
    #[serde(rename = "typing", rename_all = "camelCase")]
    Typing {
        conversation_id: ConversationId,
        is_typing: bool,
    },
    #[serde(rename = "read", rename_all = "camelCase")]
    Read {
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    #[serde(rename = "resume", rename_all = "camelCase")]
    Resume {
        conversation_id: ConversationId,
        after_id: MessageId,
        /// Also replay what was created from this time on (less a margin), whatever its id: the
        /// `since` of a `resync`, or the `createdAt` of the newest message the client has.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        since: Option<DateTime<Utc>>,
    },
    #[serde(rename = "ping")]
    Ping,
}

impl ClientFrame {
    /// The client's correlation id, echoed as `ref` on an error about this frame.
    pub fn reference(&self) -> Option<String> {
        match self {
            ClientFrame::MessageSend { client_id, .. } => Some(client_id.clone()),
            ClientFrame::MessageEdit { client_id, .. }
            | ClientFrame::MessageDelete { client_id, .. } => client_id.clone(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_use_the_protocol_names() {
        let f: ClientFrame = serde_json::from_str(
            r#"{"type":"message.send","conversationId":"7","clientId":"c1","body":"hi"}"#,
        )
        .unwrap();
        assert_eq!(f.reference().as_deref(), Some("c1"));
        let e = ServerEvent::error(ErrorCode::RateLimited, "slow down", Some("c1".into()));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["code"], "rate_limited");
        assert_eq!(v["ref"], "c1");
        let r = ServerEvent::ResumeDone {
            conversation_id: ConversationId(1),
            last_id: MessageId(9),
        };
        assert_eq!(serde_json::to_value(&r).unwrap()["lastId"], "9");
        assert_eq!(r.name(), "resume.done");
    }

    #[test]
    fn msgpack_round_trips_with_named_fields() {
        let f = ClientFrame::Read {
            conversation_id: ConversationId(3),
            message_id: MessageId(4),
        };
        let bytes = rmp_serde::to_vec_named(&f).unwrap();
        assert_eq!(rmp_serde::from_slice::<ClientFrame>(&bytes).unwrap(), f);
    }
}
