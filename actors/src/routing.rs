//! Who hears what, decided once. Every publisher (conversation actors, presence, the service,
//! and the bridge for events from other nodes) asks these functions for an event's audience;
//! the hub resolves the audience to local sessions and the bridge carries it to the other nodes.
//! Access to history and REST reads states the same rule (`may_read`, `may_write`).
//!
//! The rule (PROTOCOL.md "Who receives what"):
//! - A DIRECT conversation is heard by its customer and every staff member of its business.
//! - A COMMUNITY is heard by the business's staff, and by current subscribers for what staff post
//!   and for their own counters only: never another subscriber's read, typing or identity (their
//!   view of reactions carries counts, not who).
//! - Presence: a customer's goes to the staff of every business the customer is "of" (opened the
//!   widget there, has a conversation, or subscribed); a staff member's goes to colleagues and to
//!   the customers of the business.
//! - Reading never creates membership; `unread` goes only to the sessions of the counter's owner.
//! - A private note (the support desk) is staff's only, in every kind of conversation; a
//!   conversation's status and assignee go where its messages go.

use crate::protocol::{BusinessId, ConversationId, ConversationType, Role, ServerEvent, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A live session on some node; unique within that node.
pub type SessionId = u64;

/// A routing key. Events are addressed to topics, never to sessions, so the same envelope
/// resolves on any node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    /// Every session of one user.
    User(UserId),
    /// Every staff session of a business (its whole inbox).
    Staff(BusinessId),
    /// Customer sessions of a business's customers (they see its staff's presence).
    Watch(BusinessId),
    /// Customer sessions subscribed to a business's community.
    Community(BusinessId),
}

/// What an envelope carries to each session it reaches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Payload {
    /// The same event for everyone: serialised once per codec, the bytes shared.
    Event(Arc<ServerEvent>),
    /// Unread counts are personal: each session gets its own user's count, or `others` for a
    /// user without a read cursor (staff who never opened the conversation), or nothing.
    Unread {
        conversation_id: ConversationId,
        counts: Vec<(UserId, i64)>,
        others: Option<i64>,
    },
}

impl Payload {
    /// The event one user receives, if any.
    pub fn for_user(&self, user: UserId) -> Option<Arc<ServerEvent>> {
        match self {
            Payload::Event(e) => Some(e.clone()),
            Payload::Unread {
                conversation_id,
                counts,
                others,
            } => counts
                .iter()
                .find(|(u, _)| *u == user)
                .map(|(_, n)| *n)
                .or(*others)
                .map(|count| {
                    Arc::new(ServerEvent::Unread {
                        conversation_id: *conversation_id,
                        count,
                    })
                }),
        }
    }
}

/// One event on its way to sessions. `business` names the cross-node channel it travels on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub business: BusinessId,
    pub topics: Vec<Topic>,
    /// Skip this session (the sender's own socket gets an ack instead).
    pub except_session: Option<(String, SessionId)>,
    /// Skip every session of this user ("to the others").
    pub except_user: Option<UserId>,
    pub payload: Payload,
}

/// The routing facts of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub id: ConversationId,
    pub business: BusinessId,
    pub kind: ConversationType,
    /// The customer of a DIRECT conversation.
    pub customer: Option<UserId>,
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
}

/// The kinds of conversation events, as routing sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    /// `message.new`, `message.updated` (edits and reactions), `message.deleted`.
    Message,
    Typing(Actor),
    Read(Actor),
    /// Counters moved: new message, read receipt, deletion.
    Unread,
    /// `conversation.new`.
    Opened,
    /// `conversation.updated`: status or assignee changed.
    Desk,
    /// A private note's `message.new`, `message.updated`, `message.deleted`: staff only.
    Note,
}

/// How a message is shown to an audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// As stored.
    Full,
    /// For community subscribers: reactions without other people's ids.
    Subscriber,
}

/// One audience of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub topics: Vec<Topic>,
    pub except_user: Option<UserId>,
    pub view: View,
}

fn route(topics: Vec<Topic>, except_user: Option<UserId>) -> Route {
    Route {
        topics,
        except_user,
        view: View::Full,
    }
}

/// The audiences of an event in a conversation.
pub fn routes(happening: Happening, room: &Room) -> Vec<Route> {
    let staff = Topic::Staff(room.business);
    match room.kind {
        ConversationType::Community => match happening {
            Happening::Message => vec![
                route(vec![staff], None),
                Route {
                    topics: vec![Topic::Community(room.business)],
                    except_user: None,
                    view: View::Subscriber,
                },
            ],
            Happening::Typing(by) => vec![route(vec![staff], Some(by.user))],
            Happening::Read(by) if by.role.is_staff() => vec![route(vec![staff], Some(by.user))],
            Happening::Read(_) => Vec::new(),
            Happening::Unread | Happening::Opened | Happening::Desk | Happening::Note => {
                vec![route(vec![staff], None)]
            }
        },
        ConversationType::Direct | ConversationType::SupportRoom
            if happening == Happening::Note =>
        {
            vec![route(vec![staff], None)]
        }
        ConversationType::Direct | ConversationType::SupportRoom => {
            let mut topics = vec![staff];
            topics.extend(room.customer.map(Topic::User));
            match happening {
                Happening::Typing(by) | Happening::Read(by) => vec![route(topics, Some(by.user))],
                Happening::Message
                | Happening::Unread
                | Happening::Opened
                | Happening::Desk
                | Happening::Note => vec![route(topics, None)],
            }
        }
    }
}

/// Who a user is to presence routing: staff of one business, or a customer of some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceKey {
    pub user_id: UserId,
    /// The business a staff member works for; None for customers.
    pub staff_of: Option<BusinessId>,
    /// Businesses a customer is "of" (see the module doc).
    pub watches: Vec<BusinessId>,
}

/// The one presence rule: each (business channel, topic) a user's presence goes to. Staff are
/// heard by their colleagues and by the business's customers; a customer by the staff of each
/// business it is "of" (see the module doc).
fn presence_targets(key: &PresenceKey) -> impl Iterator<Item = (BusinessId, Topic)> + '_ {
    let staff = key
        .staff_of
        .into_iter()
        .flat_map(|b| [(b, Topic::Staff(b)), (b, Topic::Watch(b))]);
    let customer = key
        .watches
        .iter()
        .filter(|_| key.staff_of.is_none())
        .map(|b| (*b, Topic::Staff(*b)));
    staff.chain(customer)
}

/// Where one user's presence goes: per business channel, the topics that hear it.
pub fn presence_routes(key: &PresenceKey) -> Vec<(BusinessId, Vec<Topic>)> {
    let mut routes: Vec<(BusinessId, Vec<Topic>)> = Vec::new();
    for (b, topic) in presence_targets(key) {
        match routes.last_mut() {
            Some((last, topics)) if *last == b => topics.push(topic),
            _ => routes.push((b, vec![topic])),
        }
    }
    routes
}

/// Whether `other`'s presence matters to `me` (the snapshot a new session gets), the same rule
/// as `presence_routes` seen from the receiving side. Allocates nothing: a new session's
/// snapshot asks it of every online user.
pub fn hears_presence(me: &PresenceKey, other: &PresenceKey) -> bool {
    if me.user_id == other.user_id {
        return false;
    }
    presence_targets(other).any(|(_, t)| match t {
        Topic::Staff(b) => me.staff_of == Some(b),
        Topic::Watch(b) => me.staff_of.is_none() && me.watches.contains(&b),
        Topic::User(u) => u == me.user_id,
        Topic::Community(_) => false,
    })
}

/// The topics a session listens to, from what its user is.
pub fn session_topics(key: &PresenceKey, communities: &[BusinessId]) -> Vec<Topic> {
    let mut topics = vec![Topic::User(key.user_id)];
    match key.staff_of {
        Some(b) => topics.push(Topic::Staff(b)),
        None => {
            topics.extend(key.watches.iter().map(|b| Topic::Watch(*b)));
            topics.extend(communities.iter().map(|b| Topic::Community(*b)));
        }
    }
    topics
}

/// The caller, as access rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user: UserId,
    pub role: Role,
    pub business: Option<BusinessId>,
}

/// Why a read or write is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    OtherBusiness,
    NotParticipant,
    NotSubscribed,
    StaffOnly,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::OtherBusiness => "conversation of another business",
            Refusal::NotParticipant => "not a participant of this conversation",
            Refusal::NotSubscribed => "not subscribed to this community",
            Refusal::StaffOnly => "only staff post into a community",
        }
    }
}

/// Whether `who` may read a conversation. `subscribed`: the viewer's community subscription
/// (asked only for a customer in a community).
pub fn may_read(room: &Room, who: &Viewer, subscribed: bool) -> Result<(), Refusal> {
    if who.role.is_staff() {
        return if who.business == Some(room.business) {
            Ok(())
        } else {
            Err(Refusal::OtherBusiness)
        };
    }
    match room.kind {
        ConversationType::Community if subscribed => Ok(()),
        ConversationType::Community => Err(Refusal::NotSubscribed),
        _ if room.customer == Some(who.user) => Ok(()),
        _ => Err(Refusal::NotParticipant),
    }
}

/// Whether `who` may post into a conversation: readers, but only staff in a community.
/// Reacting is reading plus a mark, so it follows `may_read`.
pub fn may_write(room: &Room, who: &Viewer, subscribed: bool) -> Result<(), Refusal> {
    may_read(room, who, subscribed)?;
    if room.kind == ConversationType::Community && !who.role.is_staff() {
        return Err(Refusal::StaffOnly);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
