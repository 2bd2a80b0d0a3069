//! REST handlers under `/api/v1`, one file per route group. Each parses its input, calls the
//! service, and shapes the answer; none holds a business rule.

pub mod attachments;
pub mod businesses;
pub mod community;
pub mod conversations;
pub mod messages;
pub mod system;

use crate::error::{ApiError, ApiResult};
use servihub_actors::protocol::Id;

/// A path segment that must be an id.
pub fn id(segment: &str) -> ApiResult<Id> {
    segment
        .parse::<Id>()
        .ok()
        .filter(|i| i.0 > 0)
        .ok_or_else(|| ApiError::bad_request(format!("{segment:?} is not an id")))
}
