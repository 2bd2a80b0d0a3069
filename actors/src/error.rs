//! The service's error: a protocol error code plus a message safe to show. Store and actor
//! failures become `internal` with the detail logged, never shown.

use crate::conversation::ConversationError;
use crate::persistence::PersistError;
use crate::protocol::{ErrorBody, ErrorCode};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub retry_after_ms: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, m)
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, m)
    }
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error")
    }
    pub fn rate_limited(retry_after_ms: u64) -> Self {
        ApiError {
            code: ErrorCode::RateLimited,
            message: "too many messages; slow down".into(),
            retry_after_ms: Some(retry_after_ms),
        }
    }

    /// The same error with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn body(&self, reference: Option<String>) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            reference,
            retry_after_ms: self.retry_after_ms,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

/// How long a client waits before retrying while the database is out of reach.
pub const UNREACHABLE_RETRY_MS: u64 = 1000;

impl ApiError {
    /// The database is out of reach: `overloaded`, retry after a second.
    pub fn unreachable() -> Self {
        ApiError {
            code: ErrorCode::Overloaded,
            message: "the database is unreachable; retry shortly".into(),
            retry_after_ms: Some(UNREACHABLE_RETRY_MS),
        }
    }
}

impl From<StoreError> for ApiError {
    /// The database out of reach (a cut link, a restart, an exhausted pool) is a condition to
    /// retry, answered `overloaded`; anything else is a fault, answered `internal`.
    fn from(e: StoreError) -> Self {
        if e.is_unreachable() {
            tracing::warn!(error = %e, "database unreachable");
            return ApiError::unreachable();
        }
        tracing::error!(error = %e, "store failure");
        ApiError::internal()
    }
}

impl From<ConversationError> for ApiError {
    fn from(e: ConversationError) -> Self {
        match e {
            ConversationError::NotFound => ApiError::not_found("conversation not found"),
            ConversationError::NoSuchMessage => {
                ApiError::not_found("message not found in this conversation")
            }
            ConversationError::Store(s) => s.into(),
            ConversationError::Unavailable => {
                ApiError::new(ErrorCode::Overloaded, "conversation busy; retry")
            }
        }
    }
}

impl From<PersistError> for ApiError {
    fn from(e: PersistError) -> Self {
        match e {
            PersistError::Overloaded => ApiError::new(ErrorCode::Overloaded, e.to_string()),
            PersistError::Unreachable => ApiError::unreachable(),
            PersistError::Failed => ApiError::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_a_retry_not_a_fault() {
        let cut = StoreError::Db(sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(ApiError::from(cut).code, ErrorCode::Overloaded);
        assert_eq!(
            ApiError::from(StoreError::Db(sqlx::Error::PoolTimedOut)).code,
            ErrorCode::Overloaded
        );
        assert_eq!(
            ApiError::from(StoreError::Db(sqlx::Error::RowNotFound)).code,
            ErrorCode::Internal
        );
        let cut = ApiError::from(PersistError::Unreachable);
        assert_eq!(cut.code, ErrorCode::Overloaded);
        assert_eq!(cut.retry_after_ms, Some(UNREACHABLE_RETRY_MS));
    }
}
