//! Connecting to Postgres: the database is created when missing, then migrations run.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is invalid: {0}")]
    Url(String),
    #[error("cannot reach Postgres: {0}")]
    Connect(String),
    #[error("migrations failed: {0}")]
    Migrate(String),
}

/// Creates the database named in `url` if it does not exist yet.
pub async fn ensure_database(url: &str) -> Result<(), DbError> {
    let opts = PgConnectOptions::from_str(url).map_err(|e| DbError::Url(e.to_string()))?;
    let name = opts.get_database().unwrap_or("postgres").to_string();
    let admin = opts
        .clone()
        .database("postgres")
        .disable_statement_logging();
    let mut conn = sqlx::PgConnection::connect_with(&admin)
        .await
        .map_err(|e| DbError::Connect(e.to_string()))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| DbError::Connect(e.to_string()))?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        if let Err(e) = sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut conn)
            .await
        {
            // Another node may have created it at the same moment.
            if !e.to_string().contains("already exists") {
                return Err(DbError::Connect(e.to_string()));
            }
        }
    }
    let _ = conn.close().await;
    Ok(())
}

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    ensure_database(url).await?;
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| DbError::Url(e.to_string()))?
        .disable_statement_logging();
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // A ping before every checkout costs a round trip per query; a broken connection fails
        // its query instead, which the caller reports, and the pool replaces it.
        .test_before_acquire(false)
        .connect_with(opts)
        .await
        .map_err(|e| DbError::Connect(e.to_string()))
}

pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| DbError::Migrate(e.to_string()))
}
