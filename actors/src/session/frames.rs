//! One client frame, applied through the service. SSE clients make the same service calls
//! through REST.
//!
//! A send is checked and queued in frame order, and its commit is awaited off the actor: the
//! next frame is applied while earlier sends commit, so a socket's rate is not capped at one
//! message per commit. Acks still leave in the order of the sends (`InOrder`), and the frame's
//! permit is held until its ack is queued, so at most `MAX_PENDING_FRAMES` sends are in flight.

use crate::error::ApiError;
use crate::hub::{Delivery, SessionHandle};
use crate::identity::Identity;
use crate::protocol::{ClientFrame, ConversationId, MessageId, ServerEvent};
use crate::service::messages::{SendInput, MAX_PAGE};
use crate::service::Service;
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::{oneshot, OwnedSemaphorePermit};

/// Answers that must leave in the order of their frames although they are awaited apart: each
/// waits for the one before it to be queued.
#[derive(Default)]
pub(super) struct InOrder {
    last: Option<oneshot::Receiver<()>>,
}

impl InOrder {
    /// Awaits `answer` on its own task and queues what it yields after every earlier answer.
    fn answer(
        &mut self,
        session: Arc<SessionHandle>,
        permit: OwnedSemaphorePermit,
        answer: impl Future<Output = ServerEvent> + Send + 'static,
    ) {
        let before = self.last.take();
        let (done, next) = oneshot::channel();
        self.last = Some(next);
        tokio::spawn(async move {
            let Ok(event) = AssertUnwindSafe(answer).catch_unwind().await else {
                // As a panic in the actor does: this socket closes, no other.
                session.close(super::CLOSE_INTERNAL);
                return;
            };
            if let Some(before) = before {
                // An error means the earlier task ended without queuing: nothing to wait for.
                let _ = before.await;
            }
            session.reply(event).await;
            drop(permit);
            let _ = done.send(());
        });
    }
}

pub(super) async fn handle(
    service: &Arc<Service>,
    who: &Identity,
    session: &Arc<SessionHandle>,
    frame: ClientFrame,
    permit: OwnedSemaphorePermit,
    in_order: &mut InOrder,
) {
    let reference = frame.reference();
    if let ClientFrame::MessageSend {
        conversation_id,
        client_id,
        body,
        content_type,
        attachment_ids,
        private,
    } = frame
    {
        let input = SendInput {
            client_id: Some(client_id.clone()),
            body,
            content_type,
            attachment_ids: attachment_ids.unwrap_or_default(),
            private: private.unwrap_or(false),
        };
        match service
            .submit(who, conversation_id, input, Some(session.id))
            .await
        {
            Ok(submitted) => {
                let service = service.clone();
                in_order.answer(session.clone(), permit, async move {
                    match service.settle(submitted).await {
                        Ok((message, _)) => ServerEvent::MessageAck { client_id, message },
                        Err(e) => ServerEvent::Error(e.body(reference)),
                    }
                });
            }
            Err(e) => {
                let event = ServerEvent::Error(e.body(reference));
                in_order.answer(session.clone(), permit, std::future::ready(event));
            }
        }
        return;
    }
    if let Err(e) = apply(service, who, session, frame).await {
        session.reply(ServerEvent::Error(e.body(reference))).await;
    }
    drop(permit);
}

async fn apply(
    svc: &Service,
    who: &Identity,
    session: &SessionHandle,
    frame: ClientFrame,
) -> Result<(), ApiError> {
    match frame {
        // Handled before: its answer is awaited apart.
        ClientFrame::MessageSend { .. } => {}
        ClientFrame::MessageEdit {
            message_id, body, ..
        } => {
            svc.edit(who, message_id, &body).await?;
        }
        ClientFrame::MessageDelete { message_id, .. } => {
            svc.delete(who, message_id).await?;
        }
        ClientFrame::Typing {
            conversation_id,
            is_typing,
        } => svc.typing(who, conversation_id, is_typing).await?,
        ClientFrame::Read {
            conversation_id,
            message_id,
        } => {
            svc.mark_read(who, conversation_id, message_id).await?;
        }
        ClientFrame::Resume {
            conversation_id,
            after_id,
            since,
        } => resume(svc, who, session, conversation_id, after_id, since).await?,
        ClientFrame::Ping => {
            session.reply(ServerEvent::Pong).await;
        }
    }
    Ok(())
}

/// Replays every stored message after `after`, page by page, then `resume.done`. Pages wait for
/// room in the session's queue, so a long gap is streamed, not dropped.
async fn resume(
    svc: &Service,
    who: &Identity,
    session: &SessionHandle,
    conv: ConversationId,
    after_id: MessageId,
    mut since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), ApiError> {
    let mut after = after_id;
    loop {
        let page = svc.resume_page(who, conv, after, since.take()).await?;
        let full = page.len() as i64 == MAX_PAGE;
        for message in page {
            after = message.id;
            if session.reply(ServerEvent::MessageNew { message }).await == Delivery::Closed {
                return Ok(());
            }
        }
        if !full {
            break;
        }
    }
    session
        .reply(ServerEvent::ResumeDone {
            conversation_id: conv,
            last_id: after.max(after_id),
        })
        .await;
    Ok(())
}
