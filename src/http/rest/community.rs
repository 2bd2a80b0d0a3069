use super::super::request::token;
use super::super::response::{empty, json, Resp};
use super::super::AppState;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use servihub_actors::error::ApiResult;
use servihub_actors::protocol::BusinessId;

pub async fn get(st: &AppState, req: Request<Incoming>, business: BusinessId) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    Ok(json(
        StatusCode::OK,
        &st.service.community(&who, business).await?,
    ))
}

pub async fn subscription(
    st: &AppState,
    req: Request<Incoming>,
    business: BusinessId,
    on: bool,
) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    st.service.set_subscription(&who, business, on).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
