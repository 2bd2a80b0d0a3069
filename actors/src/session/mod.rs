//! Session actors: one per WebSocket stream, beside the service they call. The edge decodes a
//! frame and hands it over with one call (`SessionRef::frame`); the actor applies frames one at
//! a time (so a client's sends keep their order) through the service, without waiting for a
//! send's commit before the next frame (its ack comes in send order), and everything it answers
//! goes to the session's bounded outbound queue, which the edge writes out. A failing session
//! is logged by its supervisor and its socket closed with 1011; every other session keeps going.

mod frames;

use crate::hub::SessionHandle;
use crate::identity::Identity;
use crate::protocol::ClientFrame;
use crate::service::Service;
use futures_util::FutureExt;
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// Close code 1011: the server hit an unexpected condition.
pub const CLOSE_INTERNAL: u16 = 1011;

/// Frames a session may have decoded but not yet applied. The reader waits for a permit per
/// frame and the actor returns it when done, so a client that floods frames is slowed down by
/// TCP instead of growing the actor's (unbounded) mailbox.
pub const MAX_PENDING_FRAMES: usize = 32;

pub enum SessionMsg {
    Frame(ClientFrame, OwnedSemaphorePermit),
}

struct SessionState {
    service: Arc<Service>,
    who: Identity,
    handle: Arc<SessionHandle>,
    in_order: frames::InOrder,
}

struct SessionActor;

impl Actor for SessionActor {
    type Msg = SessionMsg;
    type State = SessionState;
    type Arguments = SessionState;

    async fn pre_start(
        &self,
        _me: ActorRef<Self::Msg>,
        args: SessionState,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _me: ActorRef<Self::Msg>,
        msg: SessionMsg,
        st: &mut SessionState,
    ) -> Result<(), ActorProcessingErr> {
        let SessionMsg::Frame(frame, permit) = msg;
        // Boxed: an idle actor's task keeps only a pointer, not the largest state of a frame.
        let applied = Box::pin(frames::handle(
            &st.service,
            &st.who,
            &st.handle,
            frame,
            permit,
            &mut st.in_order,
        ));
        if AssertUnwindSafe(applied).catch_unwind().await.is_err() {
            // The actor fails (its supervisor logs it) and only this socket closes.
            st.handle.close(CLOSE_INTERNAL);
            return Err("a frame's handler panicked".into());
        }
        Ok(())
    }
}

/// The session actor, as the edge holds it. The actor is started by the socket's first frame:
/// a socket that only listens (most of them, most of the time) costs no actor, no mailbox and
/// no task beyond its reader and writer.
pub struct SessionRef {
    supervisor: ActorCell,
    state: std::sync::Mutex<Option<SessionState>>,
    actor: OnceCell<ActorRef<SessionMsg>>,
    pending: Arc<Semaphore>,
}

/// The session actor is gone (the socket should close).
#[derive(Debug, thiserror::Error)]
#[error("session closed")]
pub struct SessionClosed;

impl SessionRef {
    /// A session whose actor will run under `supervisor`. A panic inside it closes only its own
    /// socket, with 1011.
    pub fn new(
        supervisor: &ActorCell,
        service: Arc<Service>,
        who: Identity,
        handle: Arc<SessionHandle>,
    ) -> SessionRef {
        let state = SessionState {
            service,
            who,
            handle,
            in_order: frames::InOrder::default(),
        };
        SessionRef {
            supervisor: supervisor.clone(),
            state: std::sync::Mutex::new(Some(state)),
            actor: OnceCell::new(),
            pending: Arc::new(Semaphore::new(MAX_PENDING_FRAMES)),
        }
    }

    async fn actor(&self) -> Result<&ActorRef<SessionMsg>, SessionClosed> {
        self.actor
            .get_or_try_init(|| async {
                let state = self
                    .state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .ok_or(SessionClosed)?;
                // Boxed: the reader's task would otherwise keep room for the spawn's state.
                let spawn = Box::pin(Actor::spawn_linked(
                    None,
                    SessionActor,
                    state,
                    self.supervisor.clone(),
                ));
                let (actor, _) = spawn.await.map_err(|_| SessionClosed)?;
                Ok(actor)
            })
            .await
    }

    /// Hands one decoded frame to the session, waiting while `MAX_PENDING_FRAMES` are pending.
    pub async fn frame(&self, frame: ClientFrame) -> Result<(), SessionClosed> {
        let permit = self
            .pending
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SessionClosed)?;
        self.actor()
            .await?
            .cast(SessionMsg::Frame(frame, permit))
            .map_err(|_| SessionClosed)
    }

    pub fn stop(&self) {
        if let Some(actor) = self.actor.get() {
            actor.stop(None);
        }
    }
}
