//! The node's command connection to Redis (publish, presence scripts, the rate limit), held open
//! by one task that reconnects with backoff. Callers never wait for a reconnect: while Redis is
//! away they get `None` at once and fall back to serving locally.

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// Longest a Redis call may take before the caller treats Redis as away: a hung Redis must not
/// stall a send for longer than this.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(1500);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);

pub struct Link {
    pub(crate) client: Client,
    /// The live connection; `None` while Redis is away (cloning a multiplexed connection is cheap).
    conn: Mutex<Option<MultiplexedConnection>>,
    up: AtomicBool,
    /// Wakes the connector when a caller found the connection broken.
    broken: Notify,
}

impl Link {
    pub fn new(client: Client) -> Link {
        Link {
            client,
            conn: Mutex::new(None),
            up: AtomicBool::new(false),
            broken: Notify::new(),
        }
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// The connection, or `None` at once while Redis is away.
    pub fn get(&self) -> Option<MultiplexedConnection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A call failed: drop the connection and let the connector dial again.
    pub fn mark_broken(&self) {
        let had = self
            .conn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        if had {
            self.up.store(false, Ordering::Relaxed);
            metrics::gauge!("chat_redis_up").set(0.0);
            tracing::warn!("redis connection lost; serving local users only until it returns");
        }
        self.broken.notify_one();
    }

    /// Runs the connect/reconnect loop for the node's lifetime.
    pub async fn run(&self) {
        let mut backoff = BACKOFF_MIN;
        let mut warned = false;
        loop {
            if self.get().is_some() {
                self.broken.notified().await;
                continue;
            }
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(CONNECT_TIMEOUT))
                .set_response_timeout(Some(RESPONSE_TIMEOUT));
            match self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
            {
                Ok(conn) => {
                    *self.conn.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn);
                    self.up.store(true, Ordering::Relaxed);
                    metrics::gauge!("chat_redis_up").set(1.0);
                    tracing::info!("redis connected");
                    backoff = BACKOFF_MIN;
                    warned = false;
                }
                Err(e) => {
                    if !warned {
                        tracing::warn!(error = %e, "redis unreachable; serving local users only, retrying with backoff");
                        warned = true;
                    }
                    metrics::counter!("chat_redis_connect_failures_total").increment(1);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }
}

/// Whether an error means the connection itself is gone (as opposed to a script error).
pub fn is_connection_error(e: &redis::RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
}
