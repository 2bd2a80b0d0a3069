//! REST handlers under `/api/v1`, one file per route group. Each parses its input, calls the
//! service, and shapes the answer; none holds a business rule.

pub mod attachments;
pub mod businesses;
pub mod community;
pub mod conversations;
pub mod desk;
pub mod messages;
pub mod system;

use servihub_actors::error::{ApiError, ApiResult};
/// A path segment that must be an id (of the kind the route names).
pub fn id<T: std::str::FromStr>(segment: &str) -> ApiResult<T> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .and_then(|_| segment.parse::<T>().ok())
        .ok_or_else(|| ApiError::bad_request(format!("{segment:?} is not an id")))
}
