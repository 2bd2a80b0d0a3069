//! `/api/v1/businesses`: the platform provisions businesses with a PLATFORM token.
//! `PUT /businesses/{id}` creates (201) or renames (200) and is idempotent; `GET /businesses`
//! lists in id order (`after=`, `limit=`); `GET /businesses/{id}` reads one.

use super::super::request::{number_param, query_param, read_json, token};
use super::super::response::{json, Resp};
use super::super::AppState;
use crate::auth::platform::{Platform, PlatformAuthError};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::Deserialize;
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::protocol::BusinessId;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PutBody {
    name: String,
}

fn platform(st: &AppState, req: &Request<Incoming>) -> ApiResult<Platform> {
    let t = token(req).ok_or_else(|| ApiError::unauthorized("missing token"))?;
    st.auth.verify_platform(&t).map_err(|e| match e {
        PlatformAuthError::Auth(a) => ApiError::unauthorized(a.to_string()),
        not => ApiError::forbidden(not.to_string()),
    })
}

pub async fn put(st: &AppState, req: Request<Incoming>, id: BusinessId) -> ApiResult<Resp> {
    let caller = platform(st, &req)?;
    let body: PutBody = read_json(req.into_body()).await?;
    let (business, created) = st.service.put_business(id, &body.name).await?;
    if created {
        tracing::info!(business = id.0, by = caller.name, "business created");
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &business))
}

pub async fn get(st: &AppState, req: Request<Incoming>, id: BusinessId) -> ApiResult<Resp> {
    platform(st, &req)?;
    Ok(json(StatusCode::OK, &st.service.get_business(id).await?))
}

pub async fn list(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    platform(st, &req)?;
    let after = match query_param(&req, "after") {
        Some(a) => Some(super::id(&a)?),
        None => None,
    };
    let limit = number_param(&req, "limit")?;
    Ok(json(
        StatusCode::OK,
        &st.service.list_businesses(after, limit).await?,
    ))
}
