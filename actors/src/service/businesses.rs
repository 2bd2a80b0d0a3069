//! Business provisioning: the platform creates, renames and lists the businesses whose staff
//! use the chat, under the platform's own ids (the `businessId` its staff tokens carry). The REST
//! routes (`/api/v1/businesses`, PLATFORM tokens) and the `business` command both come here.

use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::protocol::BusinessId;
use crate::store::businesses::{self, BusinessRow, PutOutcome};
use crate::store::PgPool;
use serde::Serialize;

pub const MAX_NAME_CHARS: usize = 200;
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Business {
    pub id: BusinessId,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<BusinessRow> for Business {
    fn from(r: BusinessRow) -> Self {
        Business {
            id: BusinessId(r.id),
            name: r.name,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A page of businesses; `nextAfter` is the cursor of the next page, absent on the last.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessPage {
    pub items: Vec<Business>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<BusinessId>,
}

/// The error a staff token naming a business that was never provisioned gets.
pub fn unknown_business(id: BusinessId) -> ApiError {
    ApiError::not_found(format!(
        "business {id} does not exist here: the platform provisions it with \
         PUT /api/v1/businesses/{id} (a PLATFORM token) or `servihub-chat business add --id {id} --name NAME`"
    ))
}

/// Staff tokens must name a provisioned business.
pub async fn require(pool: &PgPool, id: BusinessId) -> ApiResult<()> {
    match businesses::get(pool, id).await? {
        Some(_) => Ok(()),
        None => Err(unknown_business(id)),
    }
}

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("name must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "name must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

/// Creates business `id` or renames it; repeating the call changes nothing. True when created.
pub async fn put(pool: &PgPool, id: BusinessId, name: &str) -> ApiResult<(Business, bool)> {
    if id.0 <= 0 {
        return Err(ApiError::bad_request("a business id is a positive number"));
    }
    let name = valid_name(name)?;
    let (row, outcome) = businesses::put(pool, id, &name).await?;
    if outcome != PutOutcome::Unchanged {
        tracing::info!(business = id.0, name = %row.name, ?outcome, "business provisioned");
    }
    Ok((row.into(), outcome == PutOutcome::Created))
}

pub async fn get(pool: &PgPool, id: BusinessId) -> ApiResult<Business> {
    businesses::get(pool, id)
        .await?
        .map(Business::from)
        .ok_or_else(|| ApiError::not_found(format!("business {id} does not exist")))
}

pub async fn list(
    pool: &PgPool,
    after: Option<BusinessId>,
    limit: Option<i64>,
) -> ApiResult<BusinessPage> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let mut rows = businesses::list(pool, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_after = if more {
        rows.last().map(|r| BusinessId(r.id))
    } else {
        None
    };
    Ok(BusinessPage {
        items: rows.into_iter().map(Business::from).collect(),
        next_after,
    })
}

impl Service {
    /// Creates or renames a business (the platform's provisioning). True when created.
    pub async fn put_business(&self, id: BusinessId, name: &str) -> ApiResult<(Business, bool)> {
        put(&self.pool, id, name).await
    }

    pub async fn get_business(&self, id: BusinessId) -> ApiResult<Business> {
        get(&self.pool, id).await
    }

    pub async fn list_businesses(
        &self,
        after: Option<BusinessId>,
        limit: Option<i64>,
    ) -> ApiResult<BusinessPage> {
        list(&self.pool, after, limit).await
    }
}
