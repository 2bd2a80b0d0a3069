//! Conversation actors: one per active conversation on this node, started on demand and stopped
//! after `IDLE` without activity. Each one knows who may see its conversation (participants, the
//! business's staff, community subscribers), fans its events out in one order (persistence hands
//! it stored messages in id order), keeps per-participant unread counts, and expires typing.

mod registry;

pub use registry::Conversations;

use crate::hub::{Envelope, Hub, SessionId, Topic};
use crate::protocol::{ConversationType, Id, Message, Role, ServerEvent};
use crate::store::conversations::ConversationRow;
use crate::store::{PgPool, StoreError};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TYPING_TTL: Duration = Duration::from_secs(5);
const TICK: Duration = Duration::from_millis(500);
const IDLE: Duration = Duration::from_secs(300);

/// What the service needs to authorise a write without a database round trip.
#[derive(Debug, Clone)]
pub struct ConversationInfo {
    pub id: Id,
    pub business_id: i64,
    pub kind: ConversationType,
    pub customer_id: Option<i64>,
    pub participants: HashMap<i64, Role>,
}

pub enum ConversationMsg {
    Info(RpcReplyPort<ConversationInfo>),
    Stored(Box<Message>, Option<SessionId>),
    Changed(Arc<ServerEvent>),
    Typing {
        user: i64,
        name: Option<String>,
        is_typing: bool,
    },
    Read {
        user: i64,
        message_id: Id,
        unread: i64,
    },
    Joined(i64, Role),
    Tick,
}

#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error("conversation not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("conversation actor unavailable")]
    Unavailable,
}

struct Participant {
    role: Role,
    unread: i64,
}

pub struct ConversationState {
    row: ConversationRow,
    hub: Arc<Hub>,
    participants: HashMap<i64, Participant>,
    typing: HashMap<i64, (Option<String>, Instant)>,
    last_activity: Instant,
}

impl ConversationState {
    fn topics(&self) -> Vec<Topic> {
        let b = self.row.business_id;
        match self.row.kind {
            ConversationType::Community => vec![Topic::Community(b), Topic::Staff(b)],
            _ => {
                let mut t: Vec<Topic> = self.participants.keys().map(|u| Topic::User(*u)).collect();
                t.push(Topic::Staff(b));
                t
            }
        }
    }

    fn publish(
        &self,
        event: Arc<ServerEvent>,
        except_user: Option<i64>,
        except_session: Option<SessionId>,
    ) {
        self.hub.publish(Envelope {
            business: self.row.business_id,
            topics: self.topics(),
            except_session: except_session.map(|s| (self.hub.node_id.clone(), s)),
            except_user,
            event,
        });
    }

    fn to_user(&self, user: i64, event: ServerEvent) {
        self.hub.publish(Envelope {
            business: self.row.business_id,
            topics: vec![Topic::User(user)],
            except_session: None,
            except_user: None,
            event: Arc::new(event),
        });
    }

    fn info(&self) -> ConversationInfo {
        ConversationInfo {
            id: Id(self.row.id),
            business_id: self.row.business_id,
            kind: self.row.kind,
            customer_id: self.row.customer_id,
            participants: self
                .participants
                .iter()
                .map(|(u, p)| (*u, p.role))
                .collect(),
        }
    }
}

pub struct ConversationActor;

pub struct ConversationArgs {
    pub row: ConversationRow,
    pub pool: PgPool,
    pub hub: Arc<Hub>,
}

impl Actor for ConversationActor {
    type Msg = ConversationMsg;
    type State = ConversationState;
    type Arguments = ConversationArgs;

    async fn pre_start(
        &self,
        me: ActorRef<Self::Msg>,
        args: ConversationArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let rows: Vec<(i64, Role, i64)> = sqlx::query_as(
            "SELECT p.user_id, p.role, (SELECT count(*) FROM messages m WHERE m.conversation_id = p.conversation_id
                 AND m.id > p.last_read_message_id AND m.sender_id <> p.user_id AND m.deleted_at IS NULL)
             FROM participants p WHERE p.conversation_id = $1 AND p.deleted_at IS NULL",
        )
        .bind(args.row.id)
        .fetch_all(&args.pool)
        .await?;
        me.send_interval(TICK, || ConversationMsg::Tick);
        metrics::gauge!("chat_conversation_actors").increment(1.0);
        Ok(ConversationState {
            participants: rows
                .into_iter()
                .map(|(u, role, unread)| (u, Participant { role, unread }))
                .collect(),
            row: args.row,
            hub: args.hub,
            typing: HashMap::new(),
            last_activity: Instant::now(),
        })
    }

    async fn post_stop(
        &self,
        _me: ActorRef<Self::Msg>,
        _st: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        metrics::gauge!("chat_conversation_actors").decrement(1.0);
        Ok(())
    }

    async fn handle(
        &self,
        me: ActorRef<Self::Msg>,
        msg: ConversationMsg,
        st: &mut ConversationState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ConversationMsg::Info(reply) => {
                let _ = reply.send(st.info());
            }
            ConversationMsg::Stored(message, origin) => {
                let message = *message;
                st.last_activity = Instant::now();
                let sender = message.sender_id.0;
                st.typing.remove(&sender);
                st.participants.entry(sender).or_insert(Participant {
                    role: message.sender.role,
                    unread: 0,
                });
                st.publish(Arc::new(ServerEvent::MessageNew { message }), None, origin);
                if st.row.kind != ConversationType::Community {
                    let conv = Id(st.row.id);
                    let bumped: Vec<(i64, i64)> = st
                        .participants
                        .iter_mut()
                        .filter(|(u, _)| **u != sender)
                        .map(|(u, p)| {
                            p.unread += 1;
                            (*u, p.unread)
                        })
                        .collect();
                    for (user, count) in bumped {
                        st.to_user(
                            user,
                            ServerEvent::Unread {
                                conversation_id: conv,
                                count,
                            },
                        );
                    }
                }
            }
            ConversationMsg::Changed(event) => {
                st.last_activity = Instant::now();
                st.publish(event, None, None);
            }
            ConversationMsg::Typing {
                user,
                name,
                is_typing,
            } => {
                st.last_activity = Instant::now();
                if is_typing {
                    st.typing
                        .insert(user, (name.clone(), Instant::now() + TYPING_TTL));
                } else if st.typing.remove(&user).is_none() {
                    return Ok(());
                }
                let event = ServerEvent::Typing {
                    conversation_id: Id(st.row.id),
                    user_id: Id(user),
                    name,
                    is_typing,
                };
                st.publish(Arc::new(event), Some(user), None);
            }
            ConversationMsg::Read {
                user,
                message_id,
                unread,
            } => {
                if let Some(p) = st.participants.get_mut(&user) {
                    p.unread = unread;
                }
                let conv = Id(st.row.id);
                let read = ServerEvent::Read {
                    conversation_id: conv,
                    user_id: Id(user),
                    message_id,
                };
                st.publish(Arc::new(read), Some(user), None);
                st.to_user(
                    user,
                    ServerEvent::Unread {
                        conversation_id: conv,
                        count: unread,
                    },
                );
            }
            ConversationMsg::Joined(user, role) => {
                st.participants
                    .entry(user)
                    .or_insert(Participant { role, unread: 0 });
            }
            ConversationMsg::Tick => {
                let now = Instant::now();
                let expired: Vec<(i64, Option<String>)> = st
                    .typing
                    .iter()
                    .filter(|(_, (_, deadline))| *deadline <= now)
                    .map(|(u, (n, _))| (*u, n.clone()))
                    .collect();
                for (user, name) in expired {
                    st.typing.remove(&user);
                    let event = ServerEvent::Typing {
                        conversation_id: Id(st.row.id),
                        user_id: Id(user),
                        name,
                        is_typing: false,
                    };
                    st.publish(Arc::new(event), Some(user), None);
                }
                if st.typing.is_empty() && now.duration_since(st.last_activity) > IDLE {
                    me.stop(Some("idle".into()));
                }
            }
        }
        Ok(())
    }
}
