//! The cluster-wide send limit: one sliding window per user in Redis, so 20 messages / 5 s hold
//! however a user spreads its sends over nodes. The window is a sorted set of send times, trimmed
//! and counted atomically in a Lua script that reads Redis's clock (nodes' clocks may disagree).
//! While Redis is away the node falls back to its own in-process window, with a log line.

use super::limiter::{LimitFuture, LocalLimiter, RateLimiter};
use servihub_actors::bridge::cluster::checked;
use servihub_actors::bridge::link::Link;
use servihub_actors::bridge::redis::Script;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    limit: u32,
    window: Duration,
    script: Script,
    /// Used while Redis is away, so a Redis outage never lifts the limit entirely.
    fallback: LocalLimiter,
    /// Makes the fallback log once per outage rather than once per send.
    degraded: AtomicBool,
}

impl RedisLimiter {
    pub fn new(link: Arc<Link>, prefix: &str, limit: u32, window: Duration) -> Self {
        RedisLimiter {
            link,
            prefix: prefix.to_string(),
            limit,
            window,
            script: Script::new(SLIDING_WINDOW),
            fallback: LocalLimiter::new(limit, window),
            degraded: AtomicBool::new(false),
        }
    }

    async fn check_redis(&self, user: i64) -> Result<Result<(), u64>, ()> {
        let mut conn = self.link.get().ok_or(())?;
        let member = uuid::Uuid::new_v4().simple().to_string();
        let wait: Result<u64, _> = checked(
            &self.link,
            self.script
                .key(format!("{}:rl:{user}", self.prefix))
                .arg(self.window.as_millis() as u64)
                .arg(self.limit)
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
    fn check(&self, user: i64) -> LimitFuture<'_> {
        Box::pin(async move {
            match self.check_redis(user).await {
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
                    self.fallback.check_at(user, std::time::Instant::now())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use servihub_actors::bridge::redis;

    #[tokio::test]
    async fn counts_in_redis_and_falls_back_when_it_is_away() {
        let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
        let link = Arc::new(Link::new(client));
        let prefix = format!("shcu{}", uuid::Uuid::new_v4().simple());
        // Two nodes' limiters on one Redis share the window.
        let (a, b) = (
            RedisLimiter::new(link.clone(), &prefix, 20, Duration::from_secs(5)),
            RedisLimiter::new(link.clone(), &prefix, 20, Duration::from_secs(5)),
        );
        // Not connected yet: the local window applies (and logs once).
        assert!(a.check(1).await.is_ok());
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
            assert!(l.check(5).await.is_ok(), "send {i}");
        }
        let wait = a.check(5).await.unwrap_err();
        assert!(wait > 0 && wait <= 5000, "{wait}");
        assert!(b.check(5).await.is_err());
        assert!(a.check(6).await.is_ok(), "users are counted apart");
    }
}
