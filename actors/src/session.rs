//! Session actors: one per WebSocket or SSE stream. The transport decodes frames and casts them
//! here; the actor applies them one at a time (so a client's sends keep their order) through a
//! [`FrameHandler`] that the node's service layer implements. Replies go to the session's bounded
//! outbound queue. A failing session is logged by its supervisor and its socket closed with 1011;
//! the node and every other session keep going.

use crate::hub::SessionHandle;
use crate::protocol::ClientFrame;
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

/// Close code 1011: the server hit an unexpected condition.
pub const CLOSE_INTERNAL: u16 = 1011;

pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Applies one client frame for one session (implemented by the service layer).
pub trait FrameHandler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        session: &'a Arc<SessionHandle>,
        frame: ClientFrame,
    ) -> HandlerFuture<'a>;
}

/// Frames a session may have decoded but not yet applied. The reader takes a permit per frame
/// and the actor returns it when done, so a client that floods frames is slowed down by TCP
/// instead of growing the actor's (unbounded) mailbox.
pub const MAX_PENDING_FRAMES: usize = 32;

pub enum SessionMsg {
    Frame(ClientFrame, OwnedSemaphorePermit),
}

pub struct SessionArgs {
    pub handle: Arc<SessionHandle>,
    pub handler: Arc<dyn FrameHandler>,
}

pub struct SessionActor;

impl Actor for SessionActor {
    type Msg = SessionMsg;
    type State = SessionArgs;
    type Arguments = SessionArgs;

    async fn pre_start(
        &self,
        _me: ActorRef<Self::Msg>,
        args: SessionArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _me: ActorRef<Self::Msg>,
        msg: SessionMsg,
        st: &mut SessionArgs,
    ) -> Result<(), ActorProcessingErr> {
        let SessionMsg::Frame(frame, permit) = msg;
        st.handler.handle(&st.handle, frame).await;
        drop(permit);
        Ok(())
    }
}

/// Starts a session actor under the sessions supervisor. A panic inside it closes only its own
/// socket: the transport sees the actor gone and closes with 1011.
pub async fn spawn_session(
    supervisor: &ActorCell,
    handle: Arc<SessionHandle>,
    handler: Arc<dyn FrameHandler>,
) -> Result<ActorRef<SessionMsg>, ractor::SpawnErr> {
    let (actor, join) = Actor::spawn_linked(
        None,
        SessionActor,
        SessionArgs {
            handle: handle.clone(),
            handler,
        },
        supervisor.clone(),
    )
    .await?;
    tokio::spawn(async move {
        // The transport stops the actor when the socket ends, so this close is a no-op then;
        // when the actor died first, it ends the socket that nothing serves any more.
        let _ = join.await;
        handle.close(CLOSE_INTERNAL);
    });
    Ok(actor)
}
