//! The store: every SQL statement of the product, grouped by table family (`db` creates the
//! database and runs the migrations; `seed` writes the demo data). The service layer reads
//! and writes through it; the persistence actor batches message inserts through `batch::insert_batch`.

pub mod attachments;
pub mod batch;
pub mod businesses;
pub mod canned;
pub mod conversations;
pub mod db;
pub mod desk;
pub mod inbox;
pub mod messages;
pub mod outbox;
pub mod search;
pub mod seed;
pub mod users;

pub use sqlx::PgPool;

/// A store failure. Callers map `Db` to the protocol's `internal` and log the detail.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether the database answers (readiness).
pub async fn ping(pool: &PgPool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}
