//! Persistence: collects message inserts from every conversation on this node and commits them in
//! batches, one multi-row statement per flush. A flush is queued behind the messages already in
//! the mailbox, so a batch is everything that arrived while the previous one was committing (up to
//! `max_batch` rows): no timer adds latency when the node is idle, and batches grow by themselves
//! under load. `linger` can add a wait to trade latency for bigger batches. Each sender is
//! answered only after COMMIT, so an ack means durable.
//!
//! Intake is bounded: `PersistenceHandle::store` counts what is queued or in flight and refuses
//! with `Overloaded` past `max_pending`, so a slow database turns into prompt errors for senders
//! instead of a growing mailbox.

use crate::conversation::Conversations;
use crate::routing::SessionId;
use crate::store::batch::{insert_batch, NewMessage, Stored};
use crate::store::PgPool;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PersistError {
    #[error("the store is overloaded; try again shortly")]
    Overloaded,
    #[error("the message could not be stored")]
    Failed,
}

pub struct Job {
    pub message: NewMessage,
    /// The sender's socket, which gets an ack rather than `message.new`.
    pub origin: Option<SessionId>,
    reply: oneshot::Sender<Result<Stored, PersistError>>,
}

pub enum PersistenceMsg {
    Store(Job),
    Flush,
    /// Waits until everything queued before it is committed (graceful shutdown).
    Drain(RpcReplyPort<()>),
}

#[derive(Clone)]
pub struct PersistenceConfig {
    /// Extra wait before a flush; zero flushes as soon as the mailbox ahead of it is drained.
    pub linger: Duration,
    pub max_batch: usize,
    pub max_pending: usize,
}

impl Default for PersistenceConfig {
    fn default() -> Self {
        PersistenceConfig {
            linger: Duration::ZERO,
            max_batch: 500,
            max_pending: 10_000,
        }
    }
}

/// The sender's side: bounded intake in front of the actor's unbounded mailbox.
#[derive(Clone)]
pub struct PersistenceHandle {
    actor: ActorRef<PersistenceMsg>,
    pending: Arc<AtomicUsize>,
    max_pending: usize,
}

impl PersistenceHandle {
    /// Queues a message and waits for its commit.
    pub async fn store(
        &self,
        message: NewMessage,
        origin: Option<SessionId>,
    ) -> Result<Stored, PersistError> {
        let queued = self.pending.fetch_add(1, Ordering::AcqRel);
        if queued >= self.max_pending {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("chat_persistence_rejected_total").increment(1);
            return Err(PersistError::Overloaded);
        }
        metrics::gauge!("chat_persistence_queue_depth").set((queued + 1) as f64);
        let (tx, rx) = oneshot::channel();
        let job = Job {
            message,
            origin,
            reply: tx,
        };
        if self.actor.cast(PersistenceMsg::Store(job)).is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            return Err(PersistError::Failed);
        }
        rx.await.unwrap_or(Err(PersistError::Failed))
    }

    pub async fn drain(&self) {
        let _ = self
            .actor
            .call(PersistenceMsg::Drain, Some(Duration::from_secs(10)))
            .await;
    }

    pub fn actor(&self) -> &ActorRef<PersistenceMsg> {
        &self.actor
    }
}

pub struct Persistence;

pub struct PersistenceArgs {
    pub pool: PgPool,
    pub config: PersistenceConfig,
    pub conversations: Arc<Conversations>,
    pub pending: Arc<AtomicUsize>,
}

pub struct PersistenceState {
    args: PersistenceArgs,
    buffer: Vec<Job>,
    flush_scheduled: bool,
}

impl Persistence {
    /// Starts the actor under `supervisor` and returns the senders' handle.
    pub async fn start(
        pool: PgPool,
        config: PersistenceConfig,
        conversations: Arc<Conversations>,
        supervisor: ractor::ActorCell,
    ) -> Result<PersistenceHandle, ractor::SpawnErr> {
        let pending = Arc::new(AtomicUsize::new(0));
        let max_pending = config.max_pending;
        let args = PersistenceArgs {
            pool,
            config,
            conversations,
            pending: pending.clone(),
        };
        let (actor, _) =
            Actor::spawn_linked(Some("persistence".into()), Persistence, args, supervisor).await?;
        Ok(PersistenceHandle {
            actor,
            pending,
            max_pending,
        })
    }

    async fn flush(st: &mut PersistenceState) {
        st.flush_scheduled = false;
        if st.buffer.is_empty() {
            return;
        }
        let jobs = std::mem::take(&mut st.buffer);
        let started = Instant::now();
        let items: Vec<NewMessage> = jobs.iter().map(|j| j.message.clone()).collect();
        let results = match insert_batch(&st.args.pool, &items).await {
            Ok(stored) => stored.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) if items.len() > 1 => {
                // One bad row must not fail its neighbours: retry each on its own.
                tracing::warn!(error = %e, size = items.len(), "batch insert failed; retrying row by row");
                let mut out = Vec::with_capacity(items.len());
                for item in &items {
                    out.push(
                        insert_batch(&st.args.pool, std::slice::from_ref(item))
                            .await
                            .map(|mut v| v.remove(0)),
                    );
                }
                out
            }
            Err(e) => vec![Err(e)],
        };
        metrics::histogram!("chat_persistence_flush_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("chat_persistence_batch_size").record(jobs.len() as f64);
        for (job, result) in jobs.into_iter().zip(results) {
            let reply = match result {
                Ok(stored) => {
                    if stored.created {
                        st.args
                            .conversations
                            .stored(stored.message.clone(), job.origin)
                            .await;
                    }
                    Ok(stored)
                }
                Err(e) => {
                    tracing::error!(error = %e, conversation_id = job.message.conversation_id.0, "message not stored");
                    Err(PersistError::Failed)
                }
            };
            st.args.pending.fetch_sub(1, Ordering::AcqRel);
            let _ = job.reply.send(reply);
        }
        metrics::gauge!("chat_persistence_queue_depth")
            .set(st.args.pending.load(Ordering::Acquire) as f64);
    }
}

impl Actor for Persistence {
    type Msg = PersistenceMsg;
    type State = PersistenceState;
    type Arguments = PersistenceArgs;

    async fn pre_start(
        &self,
        _me: ActorRef<Self::Msg>,
        args: PersistenceArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let cap = args.config.max_batch;
        Ok(PersistenceState {
            args,
            buffer: Vec::with_capacity(cap),
            flush_scheduled: false,
        })
    }

    async fn handle(
        &self,
        me: ActorRef<Self::Msg>,
        msg: PersistenceMsg,
        st: &mut PersistenceState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PersistenceMsg::Store(job) => {
                st.buffer.push(job);
                if st.buffer.len() >= st.args.config.max_batch {
                    Self::flush(st).await;
                } else if !st.flush_scheduled {
                    st.flush_scheduled = true;
                    if st.args.config.linger.is_zero() {
                        // Lands behind every Store already queued: they join this batch.
                        let _ = me.cast(PersistenceMsg::Flush);
                    } else {
                        me.send_after(st.args.config.linger, || PersistenceMsg::Flush);
                    }
                }
            }
            PersistenceMsg::Flush => Self::flush(st).await,
            PersistenceMsg::Drain(reply) => {
                Self::flush(st).await;
                let _ = reply.send(());
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _me: ActorRef<Self::Msg>,
        st: &mut PersistenceState,
    ) -> Result<(), ActorProcessingErr> {
        // Whatever is still buffered is committed before the actor goes (shutdown or restart).
        Self::flush(st).await;
        Ok(())
    }
}
