use super::super::request::{number_param, percent_decode, query_param, read_json, token};
use super::super::response::{json, Resp};
use super::super::AppState;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::{Deserialize, Serialize};
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::protocol::{AttachmentId, ContentType, ConversationId, Message, MessageId};
use servihub_actors::service::messages::SendInput;
use servihub_actors::store::messages::Page;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryPage {
    items: Vec<Message>,
    /// True when a full page came back: there may be more in the direction asked.
    has_more: bool,
}

fn id_param(req: &Request<Incoming>, name: &str) -> ApiResult<Option<MessageId>> {
    match query_param(req, name) {
        None => Ok(None),
        Some(v) => v
            .parse::<MessageId>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("{name} must be a message id"))),
    }
}

pub async fn history(
    st: &AppState,
    req: Request<Incoming>,
    conv: ConversationId,
) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let since = match query_param(&req, "since") {
        None => None,
        Some(v) => Some(
            chrono::DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| ApiError::bad_request("since must be an RFC 3339 time"))?,
        ),
    };
    let page = match (id_param(&req, "before")?, id_param(&req, "after")?, since) {
        (Some(_), Some(_), _) => {
            return Err(ApiError::bad_request("use before or after, not both"))
        }
        (_, None, Some(_)) => return Err(ApiError::bad_request("since goes with after")),
        (Some(b), None, None) => Page::Before(b),
        (None, Some(after), Some(since)) => Page::Since { after, since },
        (None, Some(a), None) => Page::After(a),
        (None, None, None) => Page::Latest,
    };
    let limit = number_param(&req, "limit")?;
    let items = st.service.history(&who, conv, page, limit).await?;
    let full = limit.unwrap_or(servihub_actors::service::messages::DEFAULT_PAGE) as usize;
    Ok(json(
        StatusCode::OK,
        &HistoryPage {
            has_more: items.len() == full,
            items,
        },
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    client_id: Option<String>,
    #[serde(default)]
    body: String,
    content_type: Option<ContentType>,
    #[serde(default)]
    attachment_ids: Vec<AttachmentId>,
    /// A staff-only note.
    #[serde(default)]
    private: bool,
}

pub async fn send(st: &AppState, req: Request<Incoming>, conv: ConversationId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let b: SendBody = read_json(req.into_body()).await?;
    let input = SendInput {
        client_id: b.client_id,
        body: b.body,
        content_type: b.content_type,
        attachment_ids: b.attachment_ids,
        private: b.private,
    };
    let (message, created) = st.service.send(&who, conv, input, None).await?;
    Ok(json(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        &message,
    ))
}

#[derive(Deserialize)]
struct EditBody {
    body: String,
}

pub async fn edit(st: &AppState, req: Request<Incoming>, id: MessageId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let b: EditBody = read_json(req.into_body()).await?;
    Ok(json(
        StatusCode::OK,
        &st.service.edit(&who, id, &b.body).await?,
    ))
}

pub async fn delete(st: &AppState, req: Request<Incoming>, id: MessageId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    Ok(json(StatusCode::OK, &st.service.delete(&who, id).await?))
}

pub async fn react(
    st: &AppState,
    req: Request<Incoming>,
    id: MessageId,
    emoji: &str,
    on: bool,
) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let emoji = percent_decode(emoji);
    Ok(json(
        StatusCode::OK,
        &st.service.react(&who, id, &emoji, on).await?,
    ))
}
