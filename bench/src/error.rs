//! The harness's one error type: every failure says which step of a run it broke.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("could not start {what}: {detail}")]
    Launch { what: String, detail: String },
    #[error("HTTP {method} {path} failed: {detail}")]
    Http {
        method: &'static str,
        path: String,
        detail: String,
    },
    #[error("WebSocket: {0}")]
    Ws(String),
    #[error("token: {0}")]
    Token(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("timed out: {0}")]
    Timeout(String),
}

pub type Result<T> = std::result::Result<T, BenchError>;
