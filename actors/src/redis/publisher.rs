//! The publisher: sends the bridge's queued frames to Redis, pipelining what has piled up, and
//! remembers from when publications were dropped so that other nodes can be told (`Resync`).

use super::cluster;
use super::link::Link;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Frames sent to Redis in one pipeline.
const PUBLISH_BATCH: usize = 128;

/// `lost_since` when nothing was dropped since the last announcement.
pub(super) const NOTHING_LOST: i64 = i64::MAX;
/// Records that an event publication was dropped now (the earliest such time is kept).
pub(super) fn mark_lost(lost_since: &AtomicI64) {
    lost_since.fetch_min(Utc::now().timestamp_millis(), Ordering::AcqRel);
}

/// The time a resync names, from Unix milliseconds.
pub(super) fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(Utc::now)
}

/// Sends queued frames, pipelining what has piled up. A failure drops the batch (counted) and
/// hands the connection back to the link for a reconnect.
pub(super) async fn publisher(
    link: Arc<Link>,
    mut rx: mpsc::Receiver<(String, Vec<u8>)>,
    lost_since: Arc<AtomicI64>,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while rx.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        metrics::gauge!("chat_bridge_outbox_depth").set(rx.len() as f64);
        let n = batch.len() as u64;
        let Some(mut conn) = link.get() else {
            metrics::counter!("chat_bridge_dropped_total", "reason" => "redis_away").increment(n);
            mark_lost(&lost_since);
            batch.clear();
            continue;
        };
        let mut pipe = redis::pipe();
        for (channel, bytes) in batch.drain(..) {
            pipe.publish(channel, bytes).ignore();
        }
        match cluster::checked(&link, pipe.query_async::<()>(&mut conn).await) {
            Ok(()) => metrics::counter!("chat_bridge_published_total").increment(n),
            Err(e) => {
                tracing::debug!(error = %e, "bridge publish failed");
                metrics::counter!("chat_bridge_dropped_total", "reason" => "publish_failed")
                    .increment(n);
                mark_lost(&lost_since);
            }
        }
    }
}
