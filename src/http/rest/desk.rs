//! The support desk's routes: a conversation's status and assignee, a business's staff, desk
//! settings and canned replies, and search.

use super::super::request::{number_param, query_param, read_json, token};
use super::super::response::{empty, json, Items, Resp};
use super::super::AppState;
use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::{Deserialize, Serialize};
use servihub_actors::error::ApiResult;
use servihub_actors::identity::Identity;
use servihub_actors::protocol::{
    BusinessId, CannedReplyId, ConversationId, ConversationStatus, DeskSettings, SearchHit, UserId,
};

async fn caller(st: &AppState, req: &Request<Incoming>) -> ApiResult<Identity> {
    st.service.authenticate(token(req).as_deref()).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusBody {
    status: ConversationStatus,
    #[serde(default)]
    snoozed_until: Option<DateTime<Utc>>,
}

pub async fn status(st: &AppState, req: Request<Incoming>, id: ConversationId) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let b: StatusBody = read_json(req.into_body()).await?;
    let conv = st
        .service
        .set_status(&who, id, b.status, b.snoozed_until)
        .await?;
    Ok(json(StatusCode::OK, &conv))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssigneeBody {
    user_id: Option<UserId>,
}

pub async fn assignee(
    st: &AppState,
    req: Request<Incoming>,
    id: ConversationId,
) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let b: AssigneeBody = read_json(req.into_body()).await?;
    Ok(json(
        StatusCode::OK,
        &st.service.assign(&who, id, b.user_id).await?,
    ))
}

pub async fn staff(st: &AppState, req: Request<Incoming>, b: BusinessId) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let items = st.service.staff(&who, b).await?;
    Ok(json(StatusCode::OK, &Items { items }))
}

pub async fn settings(st: &AppState, req: Request<Incoming>, b: BusinessId) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    Ok(json(StatusCode::OK, &st.service.settings(&who, b).await?))
}

pub async fn put_settings(st: &AppState, req: Request<Incoming>, b: BusinessId) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let body: DeskSettings = read_json(req.into_body()).await?;
    Ok(json(
        StatusCode::OK,
        &st.service.put_settings(&who, b, body).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CannedBody {
    shortcut: String,
    body: String,
}

pub async fn canned_list(st: &AppState, req: Request<Incoming>, b: BusinessId) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let items = st.service.canned_replies(&who, b).await?;
    Ok(json(StatusCode::OK, &Items { items }))
}

pub async fn canned_create(
    st: &AppState,
    req: Request<Incoming>,
    b: BusinessId,
) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let body: CannedBody = read_json(req.into_body()).await?;
    let reply = st
        .service
        .create_canned(&who, b, &body.shortcut, &body.body)
        .await?;
    Ok(json(StatusCode::CREATED, &reply))
}

pub async fn canned_update(
    st: &AppState,
    req: Request<Incoming>,
    b: BusinessId,
    id: CannedReplyId,
) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let body: CannedBody = read_json(req.into_body()).await?;
    let reply = st
        .service
        .update_canned(&who, b, id, &body.shortcut, &body.body)
        .await?;
    Ok(json(StatusCode::OK, &reply))
}

pub async fn canned_delete(
    st: &AppState,
    req: Request<Incoming>,
    b: BusinessId,
    id: CannedReplyId,
) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    st.service.delete_canned(&who, b, id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchPage {
    items: Vec<SearchHit>,
    has_more: bool,
}

pub async fn search(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    let who = caller(st, &req).await?;
    let q = query_param(&req, "q").unwrap_or_default();
    let (limit, offset) = (number_param(&req, "limit")?, number_param(&req, "offset")?);
    let (items, has_more) = st.service.search(&who, &q, limit, offset).await?;
    Ok(json(StatusCode::OK, &SearchPage { items, has_more }))
}
