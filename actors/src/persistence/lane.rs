//! One persistence lane: an actor that owns the conversations hashed to it and commits their
//! messages one batch at a time. A flush is queued behind the messages already in the mailbox,
//! so a batch is everything that arrived while the previous one was committing: one message when
//! the lane is quiet, up to `max_batch` when it is busy.

use super::{Counters, PersistError, PersistenceConfig};
use crate::conversation::Conversations;
use crate::routing::SessionId;
use crate::store::batch::{insert_batch, NewMessage, Stored};
use crate::store::{PgPool, StoreError};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::oneshot;

pub(crate) struct Job {
    pub(crate) message: NewMessage,
    /// The sender's socket, which gets an ack rather than `message.new`.
    pub(crate) origin: Option<SessionId>,
    pub(crate) reply: oneshot::Sender<Result<Stored, PersistError>>,
}

pub(crate) enum LaneMsg {
    Store(Job),
    Flush,
    /// Waits until everything queued before it is committed.
    Drain(RpcReplyPort<()>),
}

pub(crate) struct Lane;

pub(crate) struct LaneArgs {
    pub(crate) pool: PgPool,
    pub(crate) config: PersistenceConfig,
    pub(crate) conversations: Arc<Conversations>,
    pub(crate) counters: Arc<Counters>,
}

pub(crate) struct LaneState {
    args: LaneArgs,
    buffer: Vec<Job>,
    flush_scheduled: bool,
}

impl Lane {
    async fn flush(st: &mut LaneState) {
        st.flush_scheduled = false;
        if st.buffer.is_empty() {
            return;
        }
        let jobs = std::mem::take(&mut st.buffer);
        let counters = &st.args.counters;
        let busy = counters.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        metrics::gauge!("chat_persistence_in_flight").set(busy as f64);
        let peak = counters.peak.fetch_max(busy, Ordering::AcqRel).max(busy);
        metrics::gauge!("chat_persistence_in_flight_max").set(peak as f64);
        let started = Instant::now();
        let items: Vec<NewMessage> = jobs.iter().map(|j| j.message.clone()).collect();
        let results = match insert_batch(&st.args.pool, &items).await {
            Ok(stored) => stored.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) if e.is_unreachable() => {
                // No row can be at fault: every one of them fails alike, and fast.
                tracing::warn!(error = %e, size = items.len(), "database unreachable; batch not stored");
                items
                    .iter()
                    .map(|_| Err(PersistError::Unreachable))
                    .collect()
            }
            Err(e) if items.len() > 1 => {
                // One bad row must not fail its neighbours: retry each on its own.
                tracing::warn!(error = %e, size = items.len(), "batch insert failed; retrying row by row");
                let mut out = Vec::with_capacity(items.len());
                for item in &items {
                    out.push(
                        insert_batch(&st.args.pool, std::slice::from_ref(item))
                            .await
                            .map_err(|e| failure(&e, item))
                            .and_then(|mut v| v.pop().ok_or(PersistError::Failed)),
                    );
                }
                out
            }
            Err(e) => vec![Err(failure(&e, &items[0]))],
        };
        let busy = counters.in_flight.fetch_sub(1, Ordering::AcqRel) - 1;
        metrics::gauge!("chat_persistence_in_flight").set(busy as f64);
        metrics::histogram!("chat_persistence_flush_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("chat_persistence_batch_size").record(jobs.len() as f64);
        // Fan-out and acks in item order, which is id order within each conversation; the next
        // batch of this lane is not taken before they are handed on.
        for (job, result) in jobs.into_iter().zip(results) {
            if let Ok(stored) = &result {
                if stored.created {
                    st.args
                        .conversations
                        .stored(stored.message.clone(), job.origin)
                        .await;
                }
            }
            let reply = result;
            counters.pending.fetch_sub(1, Ordering::AcqRel);
            let _ = job.reply.send(reply);
        }
        metrics::gauge!("chat_persistence_queue_depth")
            .set(counters.pending.load(Ordering::Acquire) as f64);
    }
}

/// What a sender is told when its row did not commit: retry while the database is out of
/// reach, a fault otherwise (logged here, never shown).
fn failure(e: &StoreError, item: &NewMessage) -> PersistError {
    if e.is_unreachable() {
        tracing::warn!(error = %e, conversation_id = item.conversation_id.0, "database unreachable; message not stored");
        PersistError::Unreachable
    } else {
        tracing::error!(error = %e, conversation_id = item.conversation_id.0, "message not stored");
        PersistError::Failed
    }
}

impl Actor for Lane {
    type Msg = LaneMsg;
    type State = LaneState;
    type Arguments = LaneArgs;

    async fn pre_start(
        &self,
        _me: ActorRef<Self::Msg>,
        args: LaneArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let cap = args.config.max_batch;
        Ok(LaneState {
            args,
            buffer: Vec::with_capacity(cap),
            flush_scheduled: false,
        })
    }

    async fn handle(
        &self,
        me: ActorRef<Self::Msg>,
        msg: LaneMsg,
        st: &mut LaneState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            LaneMsg::Store(job) => {
                st.buffer.push(job);
                if st.buffer.len() >= st.args.config.max_batch {
                    Self::flush(st).await;
                } else if !st.flush_scheduled {
                    st.flush_scheduled = true;
                    if st.args.config.linger.is_zero() {
                        // Lands behind every Store already queued: they join this batch.
                        let _ = me.cast(LaneMsg::Flush);
                    } else {
                        me.send_after(st.args.config.linger, || LaneMsg::Flush);
                    }
                }
            }
            LaneMsg::Flush => Self::flush(st).await,
            LaneMsg::Drain(reply) => {
                Self::flush(st).await;
                let _ = reply.send(());
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _me: ActorRef<Self::Msg>,
        st: &mut LaneState,
    ) -> Result<(), ActorProcessingErr> {
        // Whatever is still buffered is committed before the lane goes (shutdown or restart).
        Self::flush(st).await;
        Ok(())
    }
}
