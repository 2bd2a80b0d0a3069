//! Send rate limits behind one interface: an in-process sliding window here; the cluster's
//! Redis-backed limiter implements the same trait.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub type LimitFuture<'a> = Pin<Box<dyn Future<Output = Result<(), u64>> + Send + 'a>>;

/// Counts one send for `user`; `Err(ms)` when over the limit, with how long until a slot frees.
pub trait RateLimiter: Send + Sync + 'static {
    fn check(&self, user: i64) -> LimitFuture<'_>;
}

/// A sliding-window log per user: exact, and bounded by `limit` timestamps per active user.
pub struct LocalLimiter {
    limit: usize,
    window: Duration,
    users: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

/// Above this many tracked users, idle entries are swept so the map cannot grow without bound.
const SWEEP_AT: usize = 50_000;

impl LocalLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        LocalLimiter {
            limit: limit as usize,
            window,
            users: Mutex::new(HashMap::new()),
        }
    }

    pub fn check_at(&self, user: i64, now: Instant) -> Result<(), u64> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() >= SWEEP_AT {
            let window = self.window;
            users.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
            metrics::gauge!("chat_rate_limiter_users").set(users.len() as f64);
        }
        let q = users.entry(user).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.limit {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_millis().max(1) as u64);
        }
        q.push_back(now);
        Ok(())
    }
}

impl RateLimiter for LocalLimiter {
    fn check(&self, user: i64) -> LimitFuture<'_> {
        let r = self.check_at(user, Instant::now());
        Box::pin(async move { r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_per_window_then_refuses_with_a_wait() {
        let l = LocalLimiter::new(20, Duration::from_secs(5));
        let t0 = Instant::now();
        for i in 0..20 {
            assert!(l.check_at(1, t0 + Duration::from_millis(i * 10)).is_ok());
        }
        let wait = l.check_at(1, t0 + Duration::from_millis(300)).unwrap_err();
        assert!(wait > 4000 && wait <= 5000, "{wait}");
        assert!(l.check_at(2, t0).is_ok(), "users are counted apart");
        assert!(
            l.check_at(1, t0 + Duration::from_millis(5001)).is_ok(),
            "the window slides"
        );
    }
}
