//! One client frame, applied through the service. WebSocket sessions use this; SSE clients make
//! the same service calls through REST.

use crate::auth::Identity;
use crate::error::ApiError;
use crate::service::messages::{SendInput, MAX_PAGE};
use crate::service::Service;
use servihub_actors::hub::{Delivery, SessionHandle};
use servihub_actors::protocol::{ClientFrame, Id, ServerEvent};
use servihub_actors::session::{FrameHandler, HandlerFuture};
use std::sync::Arc;

pub struct Frames {
    pub service: Arc<Service>,
    pub who: Identity,
}

impl FrameHandler for Frames {
    fn handle<'a>(
        &'a self,
        session: &'a Arc<SessionHandle>,
        frame: ClientFrame,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let reference = frame.reference();
            if let Err(e) = self.apply(session, frame).await {
                session.reply(ServerEvent::Error(e.body(reference))).await;
            }
        })
    }
}

impl Frames {
    async fn apply(
        &self,
        session: &Arc<SessionHandle>,
        frame: ClientFrame,
    ) -> Result<(), ApiError> {
        let (svc, who) = (&self.service, &self.who);
        match frame {
            ClientFrame::MessageSend {
                conversation_id,
                client_id,
                body,
                content_type,
                attachment_ids,
            } => {
                let input = SendInput {
                    client_id: Some(client_id.clone()),
                    body,
                    content_type,
                    attachment_ids: attachment_ids.unwrap_or_default(),
                };
                let (message, _) = svc
                    .send(who, conversation_id, input, Some(session.id))
                    .await?;
                session
                    .reply(ServerEvent::MessageAck { client_id, message })
                    .await;
            }
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
            } => self.resume(session, conversation_id, after_id).await?,
            ClientFrame::Ping => {
                session.reply(ServerEvent::Pong).await;
            }
        }
        Ok(())
    }

    /// Replays every stored message after `after`, page by page, then `resume.done`. Pages wait
    /// for room in the session's queue, so a long gap is streamed, not dropped.
    async fn resume(
        &self,
        session: &Arc<SessionHandle>,
        conv: Id,
        mut after: Id,
    ) -> Result<(), ApiError> {
        loop {
            let page = self.service.resume_page(&self.who, conv, after).await?;
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
                last_id: after,
            })
            .await;
        Ok(())
    }
}
