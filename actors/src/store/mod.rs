//! The store: every SQL statement of the product, grouped by table family. The service layer reads
//! and writes through it; the persistence actor batches message inserts through `messages::insert_batch`.

pub mod attachments;
pub mod batch;
pub mod businesses;
pub mod conversations;
pub mod messages;
pub mod outbox;
pub mod users;

pub use sqlx::PgPool;

/// A store failure. Callers map `Db` to the protocol's `internal` and log the detail.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;
