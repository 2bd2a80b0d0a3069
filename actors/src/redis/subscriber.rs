//! The pub/sub connection: keeps the subscribed channels equal to what local sessions need,
//! hands incoming frames to the bridge, and after a lost connection dials again with backoff and
//! resubscribes to every channel still needed.

use super::link::{BACKOFF_MAX, BACKOFF_MIN};
use super::Bridge;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use redis::aio::PubSubSink;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A subscribe or unsubscribe that takes longer means the connection is stuck: start over.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// A quiet subscription is assumed to have worked until this long before its loss was seen;
/// the resync's own margin (`RESUME_MARGIN_SECS`) reaches further back still.
const QUIET_SECS: i64 = 60;

pub(super) async fn run(bridge: Arc<Bridge>) {
    let mut backoff = BACKOFF_MIN;
    // Since when this node may have missed other nodes' events: from its start until the first
    // subscription (sessions may open before Redis answers), and from a loss until it is back.
    let mut deaf_since: Option<DateTime<Utc>> = Some(Utc::now());
    loop {
        let pubsub =
            tokio::time::timeout(CALL_TIMEOUT, bridge.link.client.get_async_pubsub()).await;
        let Ok(Ok(pubsub)) = pubsub else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
            continue;
        };
        let (mut sink, mut stream) = pubsub.split();
        let mut current = HashSet::new();
        if sync(&bridge, &mut sink, &mut current).await.is_err() {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
            continue;
        }
        bridge.subscribed.store(true, Ordering::Release);
        bridge.listening_changed.notify_waiters();
        bridge.presence.resubscribed();
        if let (Some(since), Some(hub)) = (deaf_since.take(), bridge.hub.upgrade()) {
            // Whatever other nodes published while the subscription was down never reached this
            // node's sessions: tell them from when, and close, so that each resumes from there.
            if hub.session_count() > 0 {
                tracing::warn!(%since, "redis subscription back after a loss; sessions close to resume");
                hub.resync_all(since);
            }
        }
        let mut heard = Utc::now();
        let announcer = bridge.clone();
        tokio::spawn(async move { announcer.announce_losses().await });
        tracing::info!(channels = current.len(), "redis subscriptions in place");
        backoff = BACKOFF_MIN;
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(m) => {
                        heard = Utc::now();
                        bridge.receive(m.get_channel_name(), m.get_payload_bytes());
                    }
                    None => break,
                },
                _ = bridge.wanted_changed.notified() => {
                    if sync(&bridge, &mut sink, &mut current).await.is_err() {
                        break;
                    }
                }
            }
        }
        bridge.subscribed.store(false, Ordering::Release);
        set_listening(&bridge, &HashSet::new());
        deaf_since = Some(heard.max(Utc::now() - chrono::Duration::seconds(QUIET_SECS)));
        // The command connection most likely died with this one: redial it now rather than at
        // its next failed call.
        bridge.link.mark_broken();
        metrics::counter!("chat_bridge_resubscribes_total").increment(1);
        tracing::warn!("redis subscription lost; events from other nodes pause until it returns");
        tokio::time::sleep(backoff).await;
    }
}

/// Subscribes to the channels now needed and leaves those no longer needed.
async fn sync(
    bridge: &Bridge,
    sink: &mut PubSubSink,
    current: &mut HashSet<String>,
) -> Result<(), ()> {
    let wanted = bridge.wanted_channels();
    let add: Vec<String> = wanted.difference(current).cloned().collect();
    let drop: Vec<String> = current.difference(&wanted).cloned().collect();
    if !add.is_empty() {
        match tokio::time::timeout(CALL_TIMEOUT, sink.subscribe(&add)).await {
            Ok(Ok(())) => current.extend(add),
            _ => return Err(()),
        }
    }
    if !drop.is_empty() {
        match tokio::time::timeout(CALL_TIMEOUT, sink.unsubscribe(&drop)).await {
            Ok(Ok(())) => {
                for c in &drop {
                    current.remove(c);
                }
            }
            _ => return Err(()),
        }
    }
    metrics::gauge!("chat_bridge_channels").set(current.len() as f64);
    set_listening(bridge, current);
    Ok(())
}

/// Publishes the subscribed set to sessions waiting to start (`Relay::listening`).
fn set_listening(bridge: &Bridge, current: &HashSet<String>) {
    current.clone_into(&mut bridge.listening.lock().unwrap_or_else(|e| e.into_inner()));
    bridge.listening_changed.notify_waiters();
}
