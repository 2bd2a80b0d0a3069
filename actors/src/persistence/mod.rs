//! Persistence: collects message inserts from every conversation on this node and commits them in
//! batches, each batch one call of the store's batch function (one Postgres round trip).
//!
//! Work is split into `lanes` by conversation id. Each lane is an actor with at most one batch in
//! flight, on its own pooled connection, so a conversation's batches commit, ack and fan out one
//! after another in id order, while batches of conversations in other lanes commit at the same
//! time. Batch size and the number of batches in flight follow the load without a timer: a quiet
//! lane flushes each message on its own as soon as it arrives; a busy lane gathers whatever
//! arrived while its previous batch was committing (up to `max_batch` rows), and the more lanes
//! have work, the more batches are in flight, up to `lanes`. `linger` can add a wait to trade
//! latency for bigger batches. Each sender is answered only after COMMIT, so an ack means durable.
//!
//! Intake is bounded: `PersistenceHandle::store` counts what is queued or in flight over all lanes
//! and refuses with `Overloaded` past `max_pending`, so a slow database turns into prompt errors
//! for senders instead of growing mailboxes (`chat_persistence_queue_depth`,
//! `chat_persistence_rejected_total`).

mod lane;

use crate::conversation::Conversations;
use crate::routing::SessionId;
use crate::store::batch::{NewMessage, Stored};
use crate::store::PgPool;
use futures_util::future::join_all;
use lane::{Job, Lane, LaneArgs, LaneMsg};
use ractor::{Actor, ActorRef};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PersistError {
    #[error("the store is overloaded; try again shortly")]
    Overloaded,
    /// The database was out of reach while the message's batch committed: nothing stored,
    /// retry (with the same clientId).
    #[error("the database is unreachable; retry shortly")]
    Unreachable,
    #[error("the message could not be stored")]
    Failed,
}

#[derive(Clone)]
pub struct PersistenceConfig {
    /// Extra wait before a flush; zero flushes as soon as the lane's mailbox ahead is drained.
    pub linger: Duration,
    pub max_batch: usize,
    pub max_pending: usize,
    /// Batches that may be in flight at once (one per lane); each holds a pool connection while
    /// it commits, so this stays below the pool size.
    pub lanes: usize,
}

impl Default for PersistenceConfig {
    fn default() -> Self {
        PersistenceConfig {
            linger: Duration::ZERO,
            max_batch: 500,
            max_pending: 10_000,
            lanes: 4,
        }
    }
}

/// What the lanes share: the intake count, how many batches are committing right now, and the
/// most that ever did at once (`chat_persistence_in_flight_max`, to see the lanes overlap).
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) pending: AtomicUsize,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) peak: AtomicUsize,
}

/// A queued message: resolves once its batch committed (or failed). Dropping it does not
/// withdraw the message; it is stored and fanned out all the same.
pub struct PendingStore(oneshot::Receiver<Result<Stored, PersistError>>);

impl PendingStore {
    pub async fn committed(self) -> Result<Stored, PersistError> {
        self.0.await.unwrap_or(Err(PersistError::Failed))
    }
}

/// The sender's side: bounded intake in front of the lanes' unbounded mailboxes.
#[derive(Clone)]
pub struct PersistenceHandle {
    lanes: Arc<[ActorRef<LaneMsg>]>,
    counters: Arc<Counters>,
    max_pending: usize,
}

impl PersistenceHandle {
    /// Queues a message on its conversation's lane and waits for its commit.
    pub async fn store(
        &self,
        message: NewMessage,
        origin: Option<SessionId>,
    ) -> Result<Stored, PersistError> {
        self.enqueue(message, origin)?.committed().await
    }

    /// Queues a message on its conversation's lane without waiting: messages queued one after
    /// another into a conversation get increasing ids, and the caller awaits the commit when it
    /// wants (a session applies its next frame meanwhile).
    pub fn enqueue(
        &self,
        message: NewMessage,
        origin: Option<SessionId>,
    ) -> Result<PendingStore, PersistError> {
        let queued = self.counters.pending.fetch_add(1, Ordering::AcqRel);
        if queued >= self.max_pending {
            self.counters.pending.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("chat_persistence_rejected_total").increment(1);
            return Err(PersistError::Overloaded);
        }
        metrics::gauge!("chat_persistence_queue_depth").set((queued + 1) as f64);
        let lane = &self.lanes[lane_of(message.conversation_id.0, self.lanes.len())];
        let (tx, rx) = oneshot::channel();
        let job = Job {
            message,
            origin,
            reply: tx,
        };
        if lane.cast(LaneMsg::Store(job)).is_err() {
            self.counters.pending.fetch_sub(1, Ordering::AcqRel);
            return Err(PersistError::Failed);
        }
        Ok(PendingStore(rx))
    }

    /// Waits until everything queued before it, on every lane, is committed (graceful shutdown).
    pub async fn drain(&self) {
        join_all(self.lanes.iter().map(|lane| async move {
            let _ = lane
                .call(LaneMsg::Drain, Some(Duration::from_secs(10)))
                .await;
        }))
        .await;
    }

    /// Batches committing at this moment (0..=lanes).
    pub fn in_flight(&self) -> usize {
        self.counters.in_flight.load(Ordering::Acquire)
    }
}

/// A conversation always maps to the same lane: that is what keeps its order.
fn lane_of(conversation_id: i64, lanes: usize) -> usize {
    (conversation_id.unsigned_abs() % lanes.max(1) as u64) as usize
}

pub struct Persistence;

impl Persistence {
    /// Starts the lanes under `supervisor` and returns the senders' handle.
    pub async fn start(
        pool: PgPool,
        config: PersistenceConfig,
        conversations: Arc<Conversations>,
        supervisor: ractor::ActorCell,
    ) -> Result<PersistenceHandle, ractor::SpawnErr> {
        let counters = Arc::new(Counters::default());
        let mut lanes = Vec::with_capacity(config.lanes.max(1));
        for i in 0..config.lanes.max(1) {
            let args = LaneArgs {
                pool: pool.clone(),
                config: config.clone(),
                conversations: conversations.clone(),
                counters: counters.clone(),
            };
            let name = format!("persistence-{i}");
            let (lane, _) = Actor::spawn_linked(Some(name), Lane, args, supervisor.clone()).await?;
            lanes.push(lane);
        }
        Ok(PersistenceHandle {
            lanes: lanes.into(),
            counters,
            max_pending: config.max_pending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::lane_of;

    #[test]
    fn a_conversation_keeps_its_lane_and_lanes_share_the_conversations() {
        assert_eq!(lane_of(7, 4), lane_of(7, 4));
        let used: std::collections::BTreeSet<usize> = (1..=8).map(|c| lane_of(c, 4)).collect();
        assert_eq!(used.len(), 4);
        assert_eq!(lane_of(-3, 4), 3);
        assert_eq!(lane_of(5, 0), 0, "zero lanes is one lane");
    }
}
