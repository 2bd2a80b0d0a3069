//! The registry of running conversation actors, and the supervisor that forgets failed ones.

use super::{
    ConversationActor, ConversationArgs, ConversationError, ConversationInfo, ConversationMsg,
};
use crate::hub::{Hub, SessionId};
use crate::protocol::{Id, Message};
use crate::store::{self, PgPool};
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, SupervisionEvent};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex as StdMutex;
use std::time::Duration;

/// Finds or starts conversation actors; a small supervisor forgets the ones that stop or fail.
pub struct Conversations {
    pool: PgPool,
    hub: Arc<Hub>,
    /// Held only for map reads and writes, never across an await, so the persistence actor can
    /// hand over stored messages without waiting behind a start.
    actors: StdMutex<HashMap<i64, ActorRef<ConversationMsg>>>,
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

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<i64, ActorRef<ConversationMsg>>> {
        self.actors.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self, id: Id) -> Option<ActorRef<ConversationMsg>> {
        self.map()
            .get(&id.0)
            .filter(|a| a.get_status() == ractor::ActorStatus::Running)
            .cloned()
    }

    /// The actor of a conversation, started (and its state loaded) when none runs.
    pub async fn get(&self, id: Id) -> Result<ActorRef<ConversationMsg>, ConversationError> {
        if let Some(a) = self.running(id) {
            return Ok(a);
        }
        let row = store::conversations::get(&self.pool, id)
            .await?
            .ok_or(ConversationError::NotFound)?;
        let args = ConversationArgs {
            row,
            pool: self.pool.clone(),
            hub: self.hub.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, ConversationActor, args, self.supervisor.clone())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, conversation_id = id.0, "conversation actor failed to start");
                ConversationError::Unavailable
            })?;
        let mut map = self.map();
        if let Some(existing) = map
            .get(&id.0)
            .filter(|a| a.get_status() == ractor::ActorStatus::Running)
        {
            // Another caller started it first: one actor per conversation, so ours goes.
            actor.stop(None);
            return Ok(existing.clone());
        }
        map.insert(id.0, actor.clone());
        Ok(actor)
    }

    pub async fn info(&self, id: Id) -> Result<ConversationInfo, ConversationError> {
        for _ in 0..2 {
            let actor = self.get(id).await?;
            if let Ok(ractor::rpc::CallResult::Success(info)) = actor
                .call(ConversationMsg::Info, Some(Duration::from_secs(5)))
                .await
            {
                return Ok(info);
            }
        }
        Err(ConversationError::Unavailable)
    }

    /// Sends to a conversation's actor, starting it when none runs.
    pub async fn tell(&self, id: Id, msg: ConversationMsg) -> Result<(), ConversationError> {
        let actor = self.get(id).await?;
        actor.cast(msg).map_err(|_| ConversationError::Unavailable)
    }

    /// Called by persistence after COMMIT, in id order, so fan-out keeps that order.
    pub async fn stored(&self, message: Message, origin: Option<SessionId>) {
        let conv = message.conversation_id;
        if let Err(e) = self
            .tell(conv, ConversationMsg::Stored(Box::new(message), origin))
            .await
        {
            tracing::error!(error = %e, conversation_id = conv.0, "stored message not fanned out; clients recover it by resume");
        }
    }

    fn forget(&self, cell: &ActorCell) {
        self.map().retain(|_, a| a.get_id() != cell.get_id());
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
