//! The registry of running conversation actors, and the supervisor that forgets failed ones.

use super::views::observation;
use super::{room_of, ConversationActor, ConversationArgs, ConversationError, ConversationMsg};
use crate::hub::Hub;
use crate::protocol::{ConversationId, Message, MessageId, Role, ServerEvent, UserId};
use crate::routing::{Actor as Who, Payload, Room, SessionId};
use crate::store::{self, PgPool};
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use std::collections::HashMap;
use std::sync::Mutex as StdMutex;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What access checks need of a conversation, read without a round trip to its actor.
#[derive(Debug, Clone)]
pub struct ConversationInfo {
    pub room: Room,
    /// Its customer, and the staff who replied.
    pub participants: HashMap<UserId, Role>,
}

impl ConversationInfo {
    pub(super) fn new(room: Room, participants: &HashMap<UserId, Role>) -> Self {
        ConversationInfo {
            room,
            participants: participants.clone(),
        }
    }
}

type SharedInfo = Arc<RwLock<Arc<ConversationInfo>>>;

struct Running {
    actor: ActorRef<ConversationMsg>,
    info: SharedInfo,
}

/// How long a call into a conversation actor may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Finds or starts conversation actors; a small supervisor forgets the ones that stop or fail.
pub struct Conversations {
    pool: PgPool,
    hub: Arc<Hub>,
    /// Held only for map reads and writes, never across an await, so the persistence actor can
    /// hand over stored messages without waiting behind a start.
    actors: StdMutex<HashMap<ConversationId, Running>>,
    supervisor: ActorCell,
}

impl Conversations {
    pub async fn start(
        pool: PgPool,
        hub: Arc<Hub>,
        parent: ActorCell,
    ) -> Result<Arc<Self>, ractor::SpawnErr> {
        let (sup, _) = Actor::spawn_linked(
            Some("conversations".into()),
            ConversationSupervisor,
            (),
            parent,
        )
        .await?;
        let me = Arc::new(Conversations {
            pool,
            hub,
            actors: StdMutex::new(HashMap::new()),
            supervisor: sup.get_cell(),
        });
        let _ = sup.cast(SupervisorMsg::Attach(Arc::downgrade(&me)));
        Ok(me)
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, Running>> {
        self.actors.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self, id: ConversationId) -> Option<(ActorRef<ConversationMsg>, SharedInfo)> {
        self.map()
            .get(&id)
            .filter(|r| r.actor.get_status() == ractor::ActorStatus::Running)
            .map(|r| (r.actor.clone(), r.info.clone()))
    }

    /// The actor of a conversation, started (and its state loaded) when none runs.
    async fn get(
        &self,
        id: ConversationId,
    ) -> Result<(ActorRef<ConversationMsg>, SharedInfo), ConversationError> {
        if let Some(r) = self.running(id) {
            return Ok(r);
        }
        let row = store::conversations::get(&self.pool, id)
            .await?
            .ok_or(ConversationError::NotFound)?;
        let info: SharedInfo = Arc::new(RwLock::new(Arc::new(ConversationInfo::new(
            room_of(&row),
            &HashMap::new(),
        ))));
        let args = ConversationArgs {
            row,
            pool: self.pool.clone(),
            hub: self.hub.clone(),
            info: info.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, ConversationActor, args, self.supervisor.clone())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, conversation_id = id.0, "conversation actor failed to start");
                ConversationError::Unavailable
            })?;
        let mut map = self.map();
        if let Some(existing) = map
            .get(&id)
            .filter(|r| r.actor.get_status() == ractor::ActorStatus::Running)
        {
            // Another caller started it first: one actor per conversation, so ours goes.
            actor.stop(None);
            return Ok((existing.actor.clone(), existing.info.clone()));
        }
        map.insert(
            id,
            Running {
                actor: actor.clone(),
                info: info.clone(),
            },
        );
        metrics::gauge!("chat_conversation_registry").set(map.len() as f64);
        Ok((actor, info))
    }

    /// What access checks need, from the running actor's shared state.
    pub async fn info(
        &self,
        id: ConversationId,
    ) -> Result<Arc<ConversationInfo>, ConversationError> {
        let (_, info) = self.get(id).await?;
        let snapshot = info.read().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(snapshot)
    }

    /// Casts to a conversation's actor. An actor that stopped (idle) between the lookup and the
    /// cast is replaced and the message sent again, so nothing is dropped silently.
    async fn tell(
        &self,
        id: ConversationId,
        mut make: impl FnMut() -> ConversationMsg,
    ) -> Result<(), ConversationError> {
        for _ in 0..2 {
            let (actor, _) = self.get(id).await?;
            if actor.cast(make()).is_ok() {
                return Ok(());
            }
            self.forget_actor(&actor);
        }
        metrics::counter!("chat_conversation_casts_failed_total").increment(1);
        Err(ConversationError::Unavailable)
    }

    async fn call<T: Send + 'static>(
        &self,
        id: ConversationId,
        make: impl Fn(RpcReplyPort<Result<T, ConversationError>>) -> ConversationMsg + Clone,
    ) -> Result<T, ConversationError> {
        for _ in 0..2 {
            let (actor, _) = self.get(id).await?;
            match actor.call(make.clone(), Some(CALL_TIMEOUT)).await {
                Ok(ractor::rpc::CallResult::Success(r)) => return r,
                Ok(_) => return Err(ConversationError::Unavailable),
                Err(_) => self.forget_actor(&actor),
            }
        }
        Err(ConversationError::Unavailable)
    }

    /// Called by persistence after COMMIT, in id order, so fan-out keeps that order.
    pub async fn stored(&self, message: Message, origin: Option<SessionId>) {
        let conv = message.conversation_id;
        let boxed = Box::new(message);
        if let Err(e) = self
            .tell(conv, || ConversationMsg::Stored(boxed.clone(), origin))
            .await
        {
            tracing::error!(error = %e, conversation_id = conv.0, "stored message not fanned out; clients recover it by resume");
        }
    }

    /// Publishes `event` after everything the conversation's actor was handed before (a
    /// customer's reopening message comes before the reopening it caused).
    pub async fn announce(
        &self,
        conv: ConversationId,
        happening: crate::routing::Happening,
        event: ServerEvent,
    ) -> Result<(), ConversationError> {
        let boxed = Box::new(event);
        self.tell(conv, || ConversationMsg::Announce(happening, boxed.clone()))
            .await
    }

    /// Announces an edited, reacted-to or deleted message.
    pub async fn changed(&self, message: Message, deleted: bool) -> Result<(), ConversationError> {
        let conv = message.conversation_id;
        let boxed = Box::new(message);
        self.tell(conv, || ConversationMsg::Changed {
            message: boxed.clone(),
            deleted,
        })
        .await
    }

    pub async fn typing(
        &self,
        conv: ConversationId,
        who: Who,
        name: Option<String>,
        is_typing: bool,
    ) -> Result<(), ConversationError> {
        self.tell(conv, || ConversationMsg::Typing {
            who,
            name: name.clone(),
            is_typing,
        })
        .await
    }

    /// Moves the reader's cursor; returns what is still unread.
    pub async fn read(
        &self,
        conv: ConversationId,
        who: Who,
        message: MessageId,
    ) -> Result<i64, ConversationError> {
        self.call(conv, move |reply| ConversationMsg::Read {
            who,
            message,
            reply,
        })
        .await
    }

    /// Makes a staff member a participant (before its first reply is stored).
    pub async fn join(&self, conv: ConversationId, who: Who) -> Result<(), ConversationError> {
        self.call(conv, move |reply| ConversationMsg::Join { who, reply })
            .await
    }

    /// Lets the local actor of a conversation follow what another node did to it. No actor
    /// running: nothing to do, the next one loads the counts from the database.
    pub fn observe(&self, payload: &Payload) {
        let Some((conv, o)) = observation(payload) else {
            return;
        };
        if let Some((actor, _)) = self.running(conv) {
            let _ = actor.cast(ConversationMsg::Observed(o));
        }
    }

    fn forget_actor(&self, actor: &ActorRef<ConversationMsg>) {
        let id = actor.get_id();
        self.map().retain(|_, r| r.actor.get_id() != id);
    }

    fn forget(&self, cell: &ActorCell) {
        let mut map = self.map();
        map.retain(|_, r| r.actor.get_id() != cell.get_id());
        metrics::gauge!("chat_conversation_registry").set(map.len() as f64);
    }

    pub fn active(&self) -> usize {
        self.map().len()
    }
}

enum SupervisorMsg {
    Attach(std::sync::Weak<Conversations>),
}

struct ConversationSupervisor;

impl Actor for ConversationSupervisor {
    type Msg = SupervisorMsg;
    type State = Option<std::sync::Weak<Conversations>>;
    type Arguments = ();

    async fn pre_start(
        &self,
        _me: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(None)
    }

    async fn handle(
        &self,
        _me: ActorRef<Self::Msg>,
        msg: SupervisorMsg,
        st: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let SupervisorMsg::Attach(w) = msg;
        *st = Some(w);
        Ok(())
    }

    /// A failed conversation actor is logged and forgotten; the next event starts a fresh one
    /// from the database. The default would stop this supervisor, and with it every conversation.
    async fn handle_supervisor_evt(
        &self,
        _me: ActorRef<Self::Msg>,
        evt: SupervisionEvent,
        st: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let cell = match evt {
            SupervisionEvent::ActorFailed(cell, err) => {
                tracing::error!(actor = %cell.get_id(), error = %err, "conversation actor failed");
                metrics::counter!("chat_actor_failures_total", "actor" => "conversation")
                    .increment(1);
                cell
            }
            SupervisionEvent::ActorTerminated(cell, _, _) => cell,
            _ => return Ok(()),
        };
        if let Some(convs) = st.as_ref().and_then(|w| w.upgrade()) {
            convs.forget(&cell);
        }
        Ok(())
    }
}
