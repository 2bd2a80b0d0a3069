//! A session's outbound queue. Bounded, because a reader that stops reading must cost the node a
//! fixed amount of memory, and never awaited by publishers, because one slow reader must not stall
//! a conversation. Policy when it fills: past half full, typing and presence are dropped; full, the
//! session is closed with 1013 (the client reconnects and `resume`s, so no message is lost).

use crate::protocol::codec::{encode, Codec};
use crate::protocol::{BusinessId, ConversationId, MessageId, Role, ServerEvent, UserId};
use crate::routing::SessionId;
use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicI64, AtomicU16, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Notify};

/// An event encoded for one codec. Shared by every session of that codec that receives it, so
/// a fan-out to thousands serialises once.
#[derive(Debug)]
pub struct Outgoing {
    /// The event's type (SSE's `event:` line).
    pub name: &'static str,
    /// For `message.new`: where it sits, so SSE can advance its resume cursor.
    pub position: Option<(ConversationId, MessageId)>,
    /// Typing and presence: a slow client may lose them without losing data.
    pub droppable: bool,
    pub bytes: Bytes,
}

impl Outgoing {
    pub fn encode(codec: Codec, event: &ServerEvent) -> Option<Arc<Outgoing>> {
        let position = match event {
            ServerEvent::MessageNew { message } => Some((message.conversation_id, message.id)),
            _ => None,
        };
        Some(Arc::new(Outgoing {
            name: event.name(),
            position,
            droppable: event.is_droppable(),
            bytes: encode(codec, event)?,
        }))
    }
}

pub type OutboundItem = Arc<Outgoing>;

/// What happened to one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    Dropped,
    Closed,
}

/// Close code 1013 "try again later": the client was too slow.
pub const CLOSE_SLOW: u16 = 1013;

/// Close code 1012 ("service restart"): events from other nodes may have been lost; the
/// transport says from when (`resync`) before it closes, and the client resumes from there.
pub const CLOSE_RESUME: u16 = 1012;

/// `resync_since_ms` when no resync was asked for.
const NO_RESYNC: i64 = i64::MAX;

pub struct SessionHandle {
    pub id: SessionId,
    pub user_id: UserId,
    pub role: Role,
    pub business_id: Option<BusinessId>,
    pub name: Option<String>,
    /// How this session's events are encoded.
    pub codec: Codec,
    /// `ws` or `sse`, for metrics.
    pub transport: &'static str,
    tx: mpsc::Sender<OutboundItem>,
    capacity: usize,
    /// Counted on every delivery: resolved once here rather than looked up per event.
    events_out: metrics::Counter,
    /// Non-zero once the session must close; the writer reads it after `closed` fires.
    close_code: AtomicU16,
    closed: Notify,
    /// The earliest time (Unix ms) from which this session may have lost events, told to the
    /// client as `resync` before the 1012 close so that its resume reaches below its highest id.
    resync_since_ms: AtomicI64,
}

/// The receiving side, owned by the transport's writer task.
pub struct Outbound {
    pub rx: mpsc::Receiver<OutboundItem>,
    pub handle: Arc<SessionHandle>,
}

impl Outbound {
    /// Waits until the session must close and returns the close code.
    pub async fn closed(&self) -> u16 {
        self.handle.wait_closed().await
    }
}

pub struct SessionSpec {
    pub id: SessionId,
    pub user_id: UserId,
    pub role: Role,
    pub business_id: Option<BusinessId>,
    pub name: Option<String>,
    pub codec: Codec,
    pub transport: &'static str,
    pub capacity: usize,
}

impl SessionHandle {
    pub fn open(spec: SessionSpec) -> Outbound {
        let (tx, rx) = mpsc::channel(spec.capacity.max(2));
        let handle = Arc::new(SessionHandle {
            id: spec.id,
            user_id: spec.user_id,
            role: spec.role,
            business_id: spec.business_id,
            name: spec.name,
            codec: spec.codec,
            transport: spec.transport,
            tx,
            capacity: spec.capacity.max(2),
            events_out: metrics::counter!("chat_events_out_total", "transport" => spec.transport),
            close_code: AtomicU16::new(0),
            closed: Notify::new(),
            resync_since_ms: AtomicI64::new(NO_RESYNC),
        });
        Outbound { rx, handle }
    }

    /// Queues an event without waiting, applying the slow-consumer policy.
    pub fn deliver(&self, event: OutboundItem) -> Delivery {
        if self.close_code.load(Ordering::Acquire) != 0 {
            return Delivery::Closed;
        }
        let free = self.tx.capacity();
        if event.droppable && free * 2 < self.capacity {
            metrics::counter!("chat_events_dropped_total", "transport" => self.transport)
                .increment(1);
            return Delivery::Dropped;
        }
        match self.tx.try_send(event) {
            Ok(()) => {
                self.events_out.increment(1);
                Delivery::Queued
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("chat_slow_consumer_disconnects_total", "transport" => self.transport)
                    .increment(1);
                tracing::warn!(
                    session_id = self.id,
                    user_id = self.user_id.0,
                    "outbound queue full; closing 1013"
                );
                self.close(CLOSE_SLOW);
                Delivery::Closed
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Delivery::Closed,
        }
    }

    /// Queues the session's own reply (ack, error, resume page), waiting for room: these come
    /// from the session actor, never from a conversation, so waiting stalls only this client.
    pub async fn reply(&self, event: ServerEvent) -> Delivery {
        if self.close_code.load(Ordering::Acquire) != 0 {
            return Delivery::Closed;
        }
        let Some(item) = Outgoing::encode(self.codec, &event) else {
            return Delivery::Dropped;
        };
        match self.tx.send(item).await {
            Ok(()) => Delivery::Queued,
            Err(_) => Delivery::Closed,
        }
    }

    /// The close code requested so far (0: none).
    pub fn close_requested(&self) -> u16 {
        self.close_code.load(Ordering::Acquire)
    }

    /// Waits until the session must close and returns the close code.
    pub async fn wait_closed(&self) -> u16 {
        loop {
            let notified = self.closed.notified();
            let code = self.close_code.load(Ordering::Acquire);
            if code != 0 {
                return code;
            }
            notified.await;
        }
    }

    /// Asks the transport to close the session with `code` (first request wins).
    pub fn close(&self, code: u16) {
        if self
            .close_code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.closed.notify_waiters();
            self.closed.notify_one();
        }
    }

    /// Closes the session with 1012 because events from `since` on may not have reached it.
    pub fn close_to_resync(&self, since: DateTime<Utc>) {
        self.resync_since_ms
            .fetch_min(since.timestamp_millis(), Ordering::AcqRel);
        self.close(CLOSE_RESUME);
    }

    /// When the session was closed to resync: the time from which it may have lost events.
    pub fn resync_since(&self) -> Option<DateTime<Utc>> {
        match self.resync_since_ms.load(Ordering::Acquire) {
            NO_RESYNC => None,
            ms => Utc.timestamp_millis_opt(ms).single(),
        }
    }

    /// Events queued and not yet written, for the queue-depth metric.
    pub fn depth(&self) -> usize {
        self.capacity - self.tx.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(capacity: usize) -> SessionSpec {
        SessionSpec {
            id: 1,
            user_id: UserId(7),
            role: Role::Customer,
            business_id: None,
            name: None,
            codec: Codec::Json,
            transport: "ws",
            capacity,
        }
    }

    fn typing() -> OutboundItem {
        let e = ServerEvent::Typing {
            conversation_id: ConversationId(1),
            user_id: UserId(2),
            name: None,
            is_typing: true,
        };
        Outgoing::encode(Codec::Json, &e).unwrap()
    }

    fn pong() -> OutboundItem {
        Outgoing::encode(Codec::Json, &ServerEvent::Pong).unwrap()
    }

    #[tokio::test]
    async fn drops_typing_first_then_closes_with_1013() {
        let out = SessionHandle::open(spec(4));
        let h = out.handle.clone();
        assert_eq!(h.deliver(pong()), Delivery::Queued);
        assert_eq!(h.deliver(pong()), Delivery::Queued);
        assert_eq!(h.deliver(pong()), Delivery::Queued);
        assert_eq!(h.deliver(typing()), Delivery::Dropped);
        assert_eq!(h.deliver(pong()), Delivery::Queued);
        assert_eq!(h.depth(), 4);
        assert_eq!(h.deliver(pong()), Delivery::Closed);
        assert_eq!(out.closed().await, CLOSE_SLOW);
        assert_eq!(h.deliver(pong()), Delivery::Closed);
    }
}
