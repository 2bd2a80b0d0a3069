//! Bounds at the edge, applied as a connection is accepted: a cap on open connections per node
//! and per client address, each answered at once with a 503 rather than left waiting, and a
//! back-off when `accept` itself fails (out of file descriptors) instead of a hot loop.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a client has to send a request's headers, and how long an idle keep-alive
/// connection stays open between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a JSON body may take to arrive in full.
pub const JSON_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an upload (up to 10 MiB) may take to arrive in full: 40 KiB/s at the least.
pub const UPLOAD_BODY_TIMEOUT: Duration = Duration::from_secs(240);

const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Open connections per client address.
type ByAddress = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Open connections: at most `max` per node and `per_ip` per client address (0: no per-address
/// cap, for nodes behind a load balancer that caps per client itself).
pub struct ConnectionLimits {
    node: Arc<Semaphore>,
    per_ip: usize,
    by_ip: ByAddress,
}

/// Held for as long as a connection is open; gives its slots back when dropped.
pub struct Slot {
    _node: OwnedSemaphorePermit,
    ip: Option<(IpAddr, ByAddress)>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((ip, map)) = self.ip.take() {
            let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = m.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&ip);
                }
            }
        }
        metrics::gauge!("chat_connections_open").decrement(1.0);
    }
}

/// Why a connection was refused (the label of `chat_connections_refused_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Node,
    Address,
}

impl ConnectionLimits {
    pub fn new(max: usize, per_ip: usize) -> Self {
        ConnectionLimits {
            node: Arc::new(Semaphore::new(max)),
            per_ip,
            by_ip: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for a new connection from `ip`, or why there is none.
    pub fn admit(&self, ip: IpAddr) -> Result<Slot, Refused> {
        let node = self
            .node
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::Node)?;
        let ip = if self.per_ip == 0 {
            None
        } else {
            let mut m = self.by_ip.lock().unwrap_or_else(|e| e.into_inner());
            let n = m.entry(ip).or_insert(0);
            if *n >= self.per_ip {
                return Err(Refused::Address);
            }
            *n += 1;
            metrics::gauge!("chat_connection_addresses").set(m.len() as f64);
            Some((ip, self.by_ip.clone()))
        };
        metrics::gauge!("chat_connections_open").increment(1.0);
        Ok(Slot { _node: node, ip })
    }
}

/// Answers a refused connection with a short 503 and closes it, without waiting on the client:
/// a fresh socket's send buffer is empty, so the write either fits at once or is dropped.
pub async fn refuse(mut stream: TcpStream, why: Refused) {
    let (label, message) = match why {
        Refused::Node => (
            "node",
            "this node is at its connection limit; retry shortly",
        ),
        Refused::Address => ("address", "too many connections from this address"),
    };
    metrics::counter!("chat_connections_refused_total", "reason" => label).increment(1);
    let body = format!(
        "{{\"type\":\"error\",\"code\":\"overloaded\",\"message\":\"{message}\",\"ref\":null}}"
    );
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.try_write(format!("{head}{body}").as_bytes());
    let _ = tokio::time::timeout(Duration::from_millis(50), stream.shutdown()).await;
}

/// Back-off between failed accepts: doubling from 5 ms to 1 s, reset by a success.
pub struct AcceptBackoff {
    next: Duration,
    warned_at: Option<tokio::time::Instant>,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        AcceptBackoff {
            next: ACCEPT_BACKOFF_MIN,
            warned_at: None,
        }
    }
}

impl AcceptBackoff {
    /// After a failed accept: logs at most once a second, then waits.
    pub async fn failed(&mut self, e: &std::io::Error) {
        metrics::counter!("chat_accept_errors_total").increment(1);
        let now = tokio::time::Instant::now();
        if self
            .warned_at
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            tracing::warn!(error = %e, wait_ms = self.next.as_millis() as u64, "accept failed; backing off");
            self.warned_at = Some(now);
        }
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(ACCEPT_BACKOFF_MAX);
    }

    pub fn succeeded(&mut self) {
        self.next = ACCEPT_BACKOFF_MIN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_node_and_per_address_and_gives_slots_back() {
        let limits = ConnectionLimits::new(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let s1 = limits.admit(a).unwrap();
        let _s2 = limits.admit(a).unwrap();
        assert_eq!(limits.admit(a).err(), Some(Refused::Address));
        let _s3 = limits.admit(b).unwrap();
        assert_eq!(limits.admit(b).err(), Some(Refused::Node));
        drop(s1);
        assert!(
            limits.admit(a).is_ok(),
            "a closed connection frees both slots"
        );
    }
}
