//! How a conversation's events look to others: the subscriber view of a community message,
//! and what another node's event tells this node's actor.

use super::Observation;
use crate::protocol::{ConversationId, Message, ServerEvent};
use crate::routing::Payload;

/// A community message as subscribers see it: reaction counts, and no one's ids (one encoding
/// serves every subscriber; a subscriber's own reactions come with its history and its acks).
pub(super) fn subscriber_view(event: &ServerEvent) -> ServerEvent {
    let strip = |m: &Message| {
        let mut m = m.clone();
        for r in &mut m.reactions {
            r.user_ids.clear();
        }
        m
    };
    match event {
        ServerEvent::MessageNew { message } => ServerEvent::MessageNew {
            message: strip(message),
        },
        ServerEvent::MessageUpdated { message } => ServerEvent::MessageUpdated {
            message: strip(message),
        },
        ServerEvent::MessageDeleted { message } => ServerEvent::MessageDeleted {
            message: strip(message),
        },
        other => other.clone(),
    }
}

/// The conversation a message event is about, for other nodes' observations.
pub(super) fn observation(payload: &Payload) -> Option<(ConversationId, Observation)> {
    match payload {
        Payload::Event(e) => match &**e {
            ServerEvent::MessageNew { message } => Some((
                message.conversation_id,
                Observation::Message {
                    sender: message.sender_id,
                    role: message.sender.role,
                    private: message.private,
                },
            )),
            ServerEvent::MessageDeleted { message } => {
                Some((message.conversation_id, Observation::Deleted))
            }
            _ => None,
        },
        Payload::Unread {
            conversation_id,
            counts,
            others: None,
        } => {
            // A read receipt's own-count payload: exactly one reader.
            let [(user, count)] = counts.as_slice() else {
                return None;
            };
            Some((
                *conversation_id,
                Observation::Read {
                    user: *user,
                    count: *count,
                },
            ))
        }
        Payload::Unread { .. } => None,
    }
}
