//! The cluster-wide send limit: one sliding window per user in Redis, so 20 messages / 5 s hold
//! however a user spreads its sends over nodes. The window is a sorted set of send times, trimmed
//! and counted atomically in a Lua script that reads Redis's clock (nodes' clocks may disagree).
//! While Redis is away the node falls back to its own in-process window, with a log line.

use super::cluster::checked;
use super::link::Link;
use crate::ports::{Limit, PortFuture, RateLimiter};
use crate::protocol::UserId;
use crate::service::{Limits, LocalLimiter};
use redis::Script;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Returns 0 when the send is counted, else the milliseconds until the oldest send leaves the
/// window. KEYS[1]: the user's window. ARGV: window ms, limit, a unique member (two sends
/// in the same microsecond must both count).
const SLIDING_WINDOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZADD', KEYS[1], now, t[1] .. t[2] .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0";

pub struct RedisLimiter {
    link: Arc<Link>,
    prefix: String,
    limits: Limits,
    script: Script,
    /// Used while Redis is away, so a Redis outage never lifts the limit entirely.
    fallback: LocalLimiter,
    /// Makes the fallback log once per outage rather than once per send.
    degraded: AtomicBool,
}

impl RedisLimiter {
    pub(super) fn new(link: Arc<Link>, prefix: &str, limits: Limits) -> Self {
        RedisLimiter {
            link,
            prefix: prefix.to_string(),
            limits,
            script: Script::new(SLIDING_WINDOW),
            fallback: LocalLimiter::new(limits),
            degraded: AtomicBool::new(false),
        }
    }

    async fn check_redis(&self, user: UserId, limit: Limit) -> Result<Result<(), u64>, ()> {
        let mut conn = self.link.get().ok_or(())?;
        let member: u64 = rand::random();
        let window = self.limits.window(limit);
        let key = match limit {
            // The send window keeps the key earlier versions used, so a rolling upgrade counts on.
            Limit::Send => format!("{}:rl:{user}", self.prefix),
            other => format!("{}:rl:{}:{user}", self.prefix, other.label()),
        };
        let wait: Result<u64, _> = checked(
            &self.link,
            self.script
                .key(key)
                .arg(window.per.as_millis() as u64)
                .arg(window.count)
                .arg(member)
                .invoke_async(&mut conn)
                .await,
        );
        match wait {
            Ok(0) => Ok(Ok(())),
            Ok(ms) => Ok(Err(ms)),
            Err(e) => {
                tracing::debug!(error = %e, "rate limit script failed");
                Err(())
            }
        }
    }
}

impl RateLimiter for RedisLimiter {
    fn check(&self, user: UserId, limit: Limit) -> PortFuture<'_, Result<(), u64>> {
        Box::pin(async move {
            match self.check_redis(user, limit).await {
                Ok(r) => {
                    if self.degraded.swap(false, Ordering::Relaxed) {
                        tracing::info!("rate limit counted in redis again");
                    }
                    r
                }
                Err(()) => {
                    if !self.degraded.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            "redis unreachable: rate limit falls back to this node's own count"
                        );
                    }
                    metrics::counter!("chat_rate_limit_fallback_total").increment(1);
                    self.fallback
                        .check_at(user, limit, std::time::Instant::now())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn counts_in_redis_and_falls_back_when_it_is_away() {
        let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
        let link = Arc::new(Link::new(client));
        let prefix = format!("shcu{}", rand::random::<u64>());
        let limits = Limits::with_send(20, Duration::from_secs(5));
        // Two nodes' limiters on one Redis share the window.
        let (a, b) = (
            RedisLimiter::new(link.clone(), &prefix, limits),
            RedisLimiter::new(link.clone(), &prefix, limits),
        );
        // Not connected yet: the local window applies (and logs once).
        assert!(a.check(UserId(1), Limit::Send).await.is_ok());
        let runner = link.clone();
        tokio::spawn(async move { runner.run().await });
        for _ in 0..100 {
            if link.is_up() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for i in 0..20 {
            let l = if i % 2 == 0 { &a } else { &b };
            assert!(l.check(UserId(5), Limit::Send).await.is_ok(), "send {i}");
        }
        let wait = a.check(UserId(5), Limit::Send).await.unwrap_err();
        assert!(wait > 0 && wait <= 5000, "{wait}");
        assert!(b.check(UserId(5), Limit::Send).await.is_err());
        assert!(
            a.check(UserId(6), Limit::Send).await.is_ok(),
            "users are counted apart"
        );
        assert!(
            a.check(UserId(5), Limit::Change).await.is_ok(),
            "each kind has its own window"
        );
    }
}
