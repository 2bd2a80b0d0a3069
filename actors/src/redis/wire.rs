//! What travels between nodes on Redis: one MessagePack frame per event, with named fields so a
//! node of the next version can still read it, and the origin node so a node drops its own echo.

use crate::ports::{Membership, PresenceNote};
use crate::routing::Envelope;
use serde::{Deserialize, Serialize};

/// Bumped on an incompatible change; a frame of another version is counted and ignored.
pub const VERSION: u8 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Frame {
    pub v: u8,
    /// The publishing node: every node also receives its own publications, and drops them.
    pub origin: String,
    pub body: Body,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Body {
    /// An event for the sessions of one business channel.
    Event(Envelope),
    /// A cluster-wide presence transition (first session anywhere, or last one gone).
    Presence(PresenceNote),
    /// A user's sessions gained or lost a topic on another node.
    Membership(Membership),
    /// The origin dropped publications while Redis was away: every node's sessions close with
    /// 1012 and resume. Sent by nodes before `ResyncSince`; still understood.
    Resync,
    /// The origin dropped publications from this time (Unix ms) on: every node's sessions are
    /// told so (`resync`) and close with 1012, then resume from there.
    ResyncSince(i64),
}

/// The channel every node listens to: presence transitions, users' topic changes, resyncs.
pub fn cluster_channel(prefix: &str) -> String {
    format!("{prefix}:cluster")
}

/// Why an incoming payload was not delivered (the label of `chat_bridge_rejected_total`).
#[derive(Debug, PartialEq, Eq)]
pub enum Reject {
    Malformed,
    Version,
}

impl Reject {
    pub fn label(&self) -> &'static str {
        match self {
            Reject::Malformed => "malformed",
            Reject::Version => "version",
        }
    }
}

pub fn encode(origin: &str, body: Body) -> Result<Vec<u8>, rmp_serde::encode::Error> {
    rmp_serde::to_vec_named(&Frame {
        v: VERSION,
        origin: origin.to_string(),
        body,
    })
}

pub fn decode(bytes: &[u8]) -> Result<Frame, Reject> {
    let frame: Frame = rmp_serde::from_slice(bytes).map_err(|_| Reject::Malformed)?;
    if frame.v != VERSION {
        return Err(Reject::Version);
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BusinessId, ConversationId, PresenceStatus, ServerEvent, UserId};
    use crate::routing::{Payload, PresenceKey, Topic};
    use std::sync::Arc;

    #[test]
    fn an_envelope_survives_the_trip() {
        let env = Envelope {
            business: BusinessId(7),
            topics: vec![Topic::User(UserId(3)), Topic::Staff(BusinessId(7))],
            except_session: Some(("a".into(), 9)),
            except_user: Some(UserId(3)),
            payload: Payload::Event(Arc::new(ServerEvent::Typing {
                conversation_id: ConversationId(5),
                user_id: UserId(3),
                name: Some("Bo".into()),
                is_typing: true,
            })),
        };
        let bytes = encode("node-a", Body::Event(env)).unwrap();
        let f = decode(&bytes).unwrap();
        assert_eq!(f.origin, "node-a");
        match f.body {
            Body::Event(e) => {
                assert_eq!(
                    e.topics,
                    vec![Topic::User(UserId(3)), Topic::Staff(BusinessId(7))]
                );
                assert_eq!(e.except_session, Some(("a".into(), 9)));
                let Payload::Event(ev) = e.payload else {
                    panic!("a shared event")
                };
                assert!(matches!(
                    *ev,
                    ServerEvent::Typing {
                        is_typing: true,
                        ..
                    }
                ));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_and_other_versions_are_rejected() {
        assert_eq!(decode(b"hello").unwrap_err(), Reject::Malformed);
        assert_eq!(decode(&[]).unwrap_err(), Reject::Malformed);
        let mut f = Frame {
            v: VERSION,
            origin: "x".into(),
            body: Body::Presence(PresenceNote {
                key: PresenceKey {
                    user_id: UserId(1),
                    staff_of: None,
                    watches: vec![BusinessId(2)],
                },
                status: PresenceStatus::Online,
                last_seen_at: None,
            }),
        };
        f.v = 99;
        let bytes = rmp_serde::to_vec_named(&f).unwrap();
        assert_eq!(decode(&bytes).unwrap_err(), Reject::Version);
    }
}
