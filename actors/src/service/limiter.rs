//! Rate limits: one sliding window per user and kind of operation (sends; changes that fan out:
//! edits, deletions, reactions; signals: read receipts and typing). This is the in-process
//! limiter; the cluster's Redis limiter implements the same port with the same windows.

use crate::ports::{Limit, PortFuture, RateLimiter};
use crate::protocol::UserId;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `count` operations in any `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: u32,
    pub per: Duration,
}

/// The window of each kind of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub send: Window,
    pub change: Window,
    pub signal: Window,
}

impl Limits {
    /// PROTOCOL.md's send limit, and the documented defaults for the rest (docs/protocol.md).
    pub fn with_send(count: u32, per: Duration) -> Limits {
        Limits {
            send: Window { count, per },
            change: Window {
                count: 30,
                per: Duration::from_secs(10),
            },
            signal: Window {
                count: 120,
                per: Duration::from_secs(10),
            },
        }
    }

    pub fn window(&self, limit: Limit) -> Window {
        match limit {
            Limit::Send => self.send,
            Limit::Change => self.change,
            Limit::Signal => self.signal,
        }
    }
}

/// A sliding-window log per user and kind: exact, and bounded by the window's count per
/// active user.
pub struct LocalLimiter {
    limits: Limits,
    users: Mutex<HashMap<(UserId, Limit), VecDeque<Instant>>>,
}

/// Above this many tracked windows, idle ones are swept so the map cannot grow without bound.
const SWEEP_AT: usize = 50_000;

impl LocalLimiter {
    pub fn new(limits: Limits) -> Self {
        LocalLimiter {
            limits,
            users: Mutex::new(HashMap::new()),
        }
    }

    pub fn check_at(&self, user: UserId, limit: Limit, now: Instant) -> Result<(), u64> {
        let window = self.limits.window(limit);
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() >= SWEEP_AT {
            let longest = [self.limits.send, self.limits.change, self.limits.signal]
                .iter()
                .map(|w| w.per)
                .max()
                .unwrap_or(window.per);
            users.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < longest));
        }
        metrics::gauge!("chat_rate_limiter_users").set(users.len() as f64);
        let q = users.entry((user, limit)).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window.per)
        {
            q.pop_front();
        }
        if q.len() >= window.count as usize {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = window.per.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_millis().max(1) as u64);
        }
        q.push_back(now);
        Ok(())
    }
}

impl RateLimiter for LocalLimiter {
    fn check(&self, user: UserId, limit: Limit) -> PortFuture<'_, Result<(), u64>> {
        let r = self.check_at(user, limit, Instant::now());
        Box::pin(async move { r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_per_window_then_refuses_with_a_wait() {
        let l = LocalLimiter::new(Limits::with_send(20, Duration::from_secs(5)));
        let t0 = Instant::now();
        let u = UserId(1);
        for i in 0..20 {
            assert!(l
                .check_at(u, Limit::Send, t0 + Duration::from_millis(i * 10))
                .is_ok());
        }
        let wait = l
            .check_at(u, Limit::Send, t0 + Duration::from_millis(300))
            .unwrap_err();
        assert!(wait > 4000 && wait <= 5000, "{wait}");
        assert!(
            l.check_at(UserId(2), Limit::Send, t0).is_ok(),
            "users are counted apart"
        );
        assert!(
            l.check_at(u, Limit::Change, t0).is_ok(),
            "kinds are counted apart"
        );
        assert!(
            l.check_at(u, Limit::Send, t0 + Duration::from_millis(5001))
                .is_ok(),
            "the window slides"
        );
    }
}
