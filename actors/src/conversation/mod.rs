//! Conversation actors: one per active conversation on this node, started on demand and stopped
//! after `IDLE` without activity. Each owns its conversation's live state and the writes to it:
//! participants (staff join by replying), read cursors and unread counts, typing. It fans its
//! events out in one order (persistence hands it stored messages in id order), each to the
//! audience `routing` gives, and it follows what other nodes did to the same conversation
//! (`Observed`) so its counts stay right in a cluster.

mod counters;
mod registry;
mod views;

pub use registry::{ConversationInfo, Conversations};

use crate::hub::Hub;
use crate::protocol::{ConversationType, Message, MessageId, Role, ServerEvent, UserId};
use crate::routing::{routes, Actor as Who, Envelope, Happening, Payload, Room, SessionId, View};
use crate::store::conversations::ConversationRow;
use crate::store::{self, PgPool, StoreError};
use counters::Unread;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use views::subscriber_view;

const TYPING_TTL: Duration = Duration::from_secs(5);
/// Typing renewals closer together than this are absorbed, not announced again.
const TYPING_RENEW_QUIET: Duration = Duration::from_secs(2);
const TICK: Duration = Duration::from_millis(500);
const IDLE: Duration = Duration::from_secs(300);

pub enum ConversationMsg {
    /// Stored by this node's persistence, after COMMIT, in id order.
    Stored(Box<Message>, Option<SessionId>),
    /// A message was edited, deleted or reacted to: reload and announce it.
    Changed {
        message: Box<Message>,
        deleted: bool,
    },
    Typing {
        who: Who,
        name: Option<String>,
        is_typing: bool,
    },
    /// A read receipt: the actor moves the reader's cursor and answers with what is unread.
    Read {
        who: Who,
        message: MessageId,
        reply: RpcReplyPort<Result<i64, ConversationError>>,
    },
    /// Staff join by replying: the actor records it before the reply is stored.
    Join {
        who: Who,
        reply: RpcReplyPort<Result<(), ConversationError>>,
    },
    /// Something another node did to this conversation, for the counts.
    Observed(Observation),
    /// An event about the conversation from the service (its desk state), published in the
    /// actor's order: after every message stored before it was sent.
    Announce(Happening, Box<ServerEvent>),
    Tick,
}

/// What a node learns from another node's events about a conversation it also serves.
#[derive(Debug, Clone)]
pub enum Observation {
    Message {
        sender: UserId,
        role: Role,
        private: bool,
    },
    Read {
        user: UserId,
        count: i64,
    },
    Deleted,
}

#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error("conversation not found")]
    NotFound,
    #[error("message not found in this conversation")]
    NoSuchMessage,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("conversation actor unavailable")]
    Unavailable,
}

pub struct ConversationState {
    room: Room,
    pool: PgPool,
    hub: Arc<Hub>,
    /// Shared with the registry, so access checks read it without a round trip.
    info: Arc<RwLock<Arc<ConversationInfo>>>,
    participants: HashMap<UserId, Role>,
    unread: Unread,
    typing: HashMap<UserId, (Option<String>, Instant)>,
    last_activity: Instant,
}

impl ConversationState {
    fn publish(&self, happening: Happening, event: ServerEvent, except_session: Option<SessionId>) {
        let full = Arc::new(event);
        for r in routes(happening, &self.room) {
            let event = match r.view {
                View::Full => full.clone(),
                View::Subscriber => Arc::new(subscriber_view(&full)),
            };
            self.hub.publish(Envelope {
                business: self.room.business,
                topics: r.topics,
                except_session: except_session.map(|s| (self.hub.node_id.clone(), s)),
                except_user: r.except_user,
                payload: Payload::Event(event),
            });
        }
    }

    /// Every counter's current count, to everyone who owns one (each session reads its own).
    fn publish_unread(&self) {
        let (counts, others) = self.unread.all();
        for r in routes(Happening::Unread, &self.room) {
            self.hub.publish(Envelope {
                business: self.room.business,
                topics: r.topics,
                except_session: None,
                except_user: r.except_user,
                payload: Payload::Unread {
                    conversation_id: self.room.id,
                    counts: counts.clone(),
                    others: Some(others),
                },
            });
        }
    }

    fn publish_own_unread(&self, user: UserId, count: i64) {
        self.hub.publish(Envelope {
            business: self.room.business,
            topics: vec![crate::routing::Topic::User(user)],
            except_session: None,
            except_user: None,
            payload: Payload::Unread {
                conversation_id: self.room.id,
                counts: vec![(user, count)],
                others: None,
            },
        });
    }

    fn joined(&mut self, user: UserId, role: Role) {
        if self.participants.insert(user, role).is_none() {
            let snapshot = ConversationInfo::new(self.room, &self.participants);
            *self.info.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
        }
    }

    async fn recount(&mut self) -> Result<(), StoreError> {
        let c = store::conversations::counters(&self.pool, self.room.id).await?;
        let (unread, _) = Unread::load(&c, self.room.customer);
        self.unread = unread;
        Ok(())
    }

    async fn read(&mut self, who: Who, message: MessageId) -> Result<i64, ConversationError> {
        match store::messages::get(&self.pool, message).await? {
            Some(m) if m.conversation_id == self.room.id => {}
            _ => return Err(ConversationError::NoSuchMessage),
        }
        let count = store::conversations::mark_read(
            &self.pool,
            self.room.id,
            who.user,
            message,
            who.role.is_staff(),
        )
        .await?;
        // A community's subscribers keep their counts in the database only: the actor's counters
        // (broadcast to staff on every announcement) stay as small as its staff.
        if self.room.kind != ConversationType::Community || who.role.is_staff() {
            self.unread.read(who.user, message, count);
        }
        let event = ServerEvent::Read {
            conversation_id: self.room.id,
            user_id: who.user,
            message_id: message,
        };
        self.publish(Happening::Read(who), event, None);
        self.publish_own_unread(who.user, count);
        Ok(count)
    }

    fn typing(&mut self, who: Who, name: Option<String>, is_typing: bool) {
        let now = Instant::now();
        if is_typing {
            let renewal = self
                .typing
                .get(&who.user)
                .is_some_and(|(_, deadline)| *deadline > now + TYPING_TTL - TYPING_RENEW_QUIET);
            self.typing
                .insert(who.user, (name.clone(), now + TYPING_TTL));
            if renewal {
                // A renewal within the quiet period only extends the indicator: well-behaved
                // clients renew every few seconds and cost nothing; a flood fans out nothing.
                return;
            }
        } else if self.typing.remove(&who.user).is_none() {
            return;
        }
        let event = ServerEvent::Typing {
            conversation_id: self.room.id,
            user_id: who.user,
            name,
            is_typing,
        };
        self.publish(Happening::Typing(who), event, None);
    }

    fn expire_typing(&mut self) {
        let now = Instant::now();
        let expired: Vec<(UserId, Option<String>)> = self
            .typing
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now)
            .map(|(u, (n, _))| (*u, n.clone()))
            .collect();
        for (user, name) in expired {
            let role = self.participants.get(&user).copied().unwrap_or(Role::Agent);
            self.typing(Who { user, role }, name, false);
        }
    }
}

pub struct ConversationActor;

/// A message's events are heard by its conversation's audience, a private note's by staff only.
fn happening_of(message: &Message) -> Happening {
    if message.private {
        Happening::Note
    } else {
        Happening::Message
    }
}

pub struct ConversationArgs {
    pub row: ConversationRow,
    pub pool: PgPool,
    pub hub: Arc<Hub>,
    pub info: Arc<RwLock<Arc<ConversationInfo>>>,
}

pub fn room_of(row: &ConversationRow) -> Room {
    Room {
        id: row.id,
        business: row.business_id,
        kind: row.kind,
        customer: row.customer_id,
    }
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
        let counters = store::conversations::counters(&args.pool, args.row.id).await?;
        let room = room_of(&args.row);
        let (unread, participants) = Unread::load(&counters, room.customer);
        *args.info.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(ConversationInfo::new(room, &participants));
        me.send_interval(TICK, || ConversationMsg::Tick);
        metrics::gauge!("chat_conversation_actors").increment(1.0);
        Ok(ConversationState {
            room,
            pool: args.pool,
            hub: args.hub,
            info: args.info,
            participants,
            unread,
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
            ConversationMsg::Stored(message, origin) => {
                st.last_activity = Instant::now();
                let (sender, role, private) =
                    (message.sender_id, message.sender.role, message.private);
                st.typing.remove(&sender);
                st.joined(sender, role);
                st.unread.message(sender, private);
                st.publish(
                    happening_of(&message),
                    ServerEvent::MessageNew { message: *message },
                    origin,
                );
                st.publish_unread();
            }
            ConversationMsg::Changed { message, deleted } => {
                st.last_activity = Instant::now();
                let happening = happening_of(&message);
                let event = if deleted {
                    ServerEvent::MessageDeleted { message: *message }
                } else {
                    ServerEvent::MessageUpdated { message: *message }
                };
                st.publish(happening, event, None);
                if deleted {
                    if let Err(e) = st.recount().await {
                        tracing::warn!(error = %e, "unread counts not reloaded after a deletion");
                    }
                    st.publish_unread();
                }
            }
            ConversationMsg::Typing {
                who,
                name,
                is_typing,
            } => {
                st.last_activity = Instant::now();
                st.typing(who, name, is_typing);
            }
            ConversationMsg::Read {
                who,
                message,
                reply,
            } => {
                st.last_activity = Instant::now();
                let _ = reply.send(st.read(who, message).await);
            }
            ConversationMsg::Join { who, reply } => {
                let r = if st.participants.contains_key(&who.user) {
                    Ok(())
                } else {
                    store::conversations::ensure_participant(
                        &st.pool, st.room.id, who.user, who.role,
                    )
                    .await
                    .map(|_| st.joined(who.user, who.role))
                    .map_err(ConversationError::from)
                };
                let _ = reply.send(r);
            }
            ConversationMsg::Observed(o) => match o {
                Observation::Message {
                    sender,
                    role,
                    private,
                } => {
                    st.joined(sender, role);
                    st.unread.message(sender, private);
                }
                Observation::Read { user, count } => {
                    // In a community only staff counters live here (see `read`).
                    if st.room.kind != ConversationType::Community || st.unread.tracks(user) {
                        st.unread.set(user, count);
                    }
                }
                Observation::Deleted => {
                    if let Err(e) = st.recount().await {
                        tracing::warn!(error = %e, "unread counts not reloaded after a deletion");
                    }
                }
            },
            ConversationMsg::Announce(happening, event) => st.publish(happening, *event, None),
            ConversationMsg::Tick => {
                st.expire_typing();
                if st.typing.is_empty() && st.last_activity.elapsed() > IDLE {
                    me.stop(Some("idle".into()));
                }
            }
        }
        Ok(())
    }
}
