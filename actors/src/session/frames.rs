//! One client frame, applied through the service. SSE clients make the same service calls
//! through REST.

use crate::error::ApiError;
use crate::hub::{Delivery, SessionHandle};
use crate::identity::Identity;
use crate::protocol::{ClientFrame, ConversationId, MessageId, ServerEvent};
use crate::service::messages::{SendInput, MAX_PAGE};
use crate::service::Service;

pub(super) async fn handle(
    service: &Service,
    who: &Identity,
    session: &SessionHandle,
    frame: ClientFrame,
) {
    let reference = frame.reference();
    if let Err(e) = apply(service, who, session, frame).await {
        session.reply(ServerEvent::Error(e.body(reference))).await;
    }
}

async fn apply(
    svc: &Service,
    who: &Identity,
    session: &SessionHandle,
    frame: ClientFrame,
) -> Result<(), ApiError> {
    match frame {
        ClientFrame::MessageSend {
            conversation_id,
            client_id,
            body,
            content_type,
            attachment_ids,
            private,
        } => {
            let input = SendInput {
                client_id: Some(client_id.clone()),
                body,
                content_type,
                attachment_ids: attachment_ids.unwrap_or_default(),
                private: private.unwrap_or(false),
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
