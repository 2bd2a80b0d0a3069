use super::super::request::{number_param, query_param, read_json, token};
use super::super::response::{empty, json, Items, Resp};
use super::super::AppState;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::Deserialize;
use servihub_actors::error::ApiResult;
use servihub_actors::protocol::{BusinessId, ConversationId, MessageId};
use servihub_actors::service::InboxQuery;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OpenBody {
    business_id: BusinessId,
}

pub async fn open(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let body: OpenBody = read_json(req.into_body()).await?;
    let (conv, created) = st.service.open_direct(&who, body.business_id).await?;
    Ok(json(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        &conv,
    ))
}

/// A customer's list is `{items}`; a staff member's is the desk inbox, `{items, nextCursor,
/// counts}`, filtered by `status` and `assignee` and paged by `cursor` and `limit`.
pub async fn list(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    if who.is_staff() {
        let (status, assignee, cursor) = (
            query_param(&req, "status"),
            query_param(&req, "assignee"),
            query_param(&req, "cursor"),
        );
        let limit = number_param(&req, "limit")?;
        let page = st
            .service
            .inbox(
                &who,
                InboxQuery {
                    status: status.as_deref(),
                    assignee: assignee.as_deref(),
                    cursor: cursor.as_deref(),
                    limit,
                },
            )
            .await?;
        return Ok(json(StatusCode::OK, &page));
    }
    let items = st.service.list_conversations(&who).await?;
    Ok(json(StatusCode::OK, &Items { items }))
}

pub async fn get(st: &AppState, req: Request<Incoming>, id: ConversationId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    Ok(json(
        StatusCode::OK,
        &st.service.get_conversation(&who, id).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadBody {
    message_id: MessageId,
}

pub async fn read(st: &AppState, req: Request<Incoming>, id: ConversationId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let body: ReadBody = read_json(req.into_body()).await?;
    st.service.mark_read(&who, id, body.message_id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypingBody {
    is_typing: bool,
}

pub async fn typing(st: &AppState, req: Request<Incoming>, id: ConversationId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let body: TypingBody = read_json(req.into_body()).await?;
    st.service.typing(&who, id, body.is_typing).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
