//! The pub/sub connection: keeps the subscribed channels equal to what local sessions need,
//! hands incoming frames to the bridge, and after a lost connection dials again with backoff and
//! resubscribes to every channel still needed.

use super::link::{BACKOFF_MAX, BACKOFF_MIN};
use super::Bridge;
use futures_util::StreamExt;
use redis::aio::PubSubSink;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A subscribe or unsubscribe that takes longer means the connection is stuck: start over.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Close code 1012 ("service restart"): events may have been missed; reconnect and resume.
pub const CLOSE_RESUME: u16 = 1012;

pub(super) async fn run(bridge: Arc<Bridge>) {
    let mut backoff = BACKOFF_MIN;
    let mut subscribed_before = false;
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
        bridge.subscribed.store(true, Ordering::Relaxed);
        bridge.presence.resubscribed();
        if subscribed_before {
            // Whatever other nodes published while the subscription was down never reached this
            // node's sessions: tell them, by closing, so that each reconnects and resumes.
            if let Some(hub) = bridge.hub.upgrade() {
                tracing::warn!("redis subscription back after a loss; sessions close to resume");
                hub.close_all(CLOSE_RESUME);
            }
        }
        subscribed_before = true;
        let announcer = bridge.clone();
        tokio::spawn(async move { announcer.announce_losses().await });
        tracing::info!(channels = current.len(), "redis subscriptions in place");
        backoff = BACKOFF_MIN;
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(m) => bridge.receive(m.get_channel_name(), m.get_payload_bytes()),
                    None => break,
                },
                _ = bridge.wanted_changed.notified() => {
                    if sync(&bridge, &mut sink, &mut current).await.is_err() {
                        break;
                    }
                }
            }
        }
        bridge.subscribed.store(false, Ordering::Relaxed);
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
    Ok(())
}
