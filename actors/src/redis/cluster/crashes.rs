//! Publications a crashed node never made. A node acknowledges a message once it is committed
//! and publishes it just after; killed in between, the message is stored but other nodes'
//! sessions never hear of it. Whoever learns of the crash tells every node, as a resync on the
//! previous incarnation's behalf (`Body::ResyncSince`, origin `<node>#<how>`, so that no node,
//! this one included, takes it for its own echo), reaching back to when it may have died:
//! - the node itself, restarted under the same id before its `alive` key expired: its first
//!   heartbeat finds the key the previous incarnation left (a clean stop deletes it);
//! - any node whose sweep removes a node whose `alive` key expired.

use super::super::wire::{self, Body};
use super::{checked, RedisPresence};
use chrono::Utc;
use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, RedisResult};

/// How the crash came to light.
#[derive(Debug, Clone, Copy)]
pub(super) enum Incarnation {
    /// This node, restarted: the previous incarnation's key was still there.
    Previous,
    /// Another node's key expired and this node's sweep removed it.
    Reaped,
}

impl RedisPresence {
    /// On this incarnation's first heartbeat: whether a previous one left its key, i.e. died
    /// less than a TTL ago without leaving.
    pub(super) async fn check_previous(&self, c: &mut MultiplexedConnection) -> RedisResult<()> {
        let left: bool = checked(&self.link, c.exists(self.alive(&self.node_id)).await)?;
        if left {
            tracing::warn!(node = %self.node_id, "the previous run of this node did not stop cleanly; sessions resync");
            self.announce_crash(&self.node_id, Incarnation::Previous)
                .await;
        }
        Ok(())
    }

    /// Tells every node that `node`'s publications may have been lost since it may have died:
    /// within a TTL of now when its key was still there, within two when it expired (the last
    /// heartbeat was at least a TTL ago, the sweep runs every quarter TTL).
    pub(super) async fn announce_crash(&self, node: &str, how: Incarnation) {
        let (back, tag) = match how {
            Incarnation::Previous => (self.ttl, "previous"),
            Incarnation::Reaped => (self.ttl * 2, "reaped"),
        };
        let back = chrono::Duration::from_std(back).unwrap_or(chrono::Duration::seconds(60));
        let since = (Utc::now() - back).timestamp_millis();
        let origin = format!("{node}#{tag}");
        let Ok(bytes) = wire::encode(&origin, Body::ResyncSince(since)) else {
            return;
        };
        let Some(mut c) = self.link.get() else {
            return;
        };
        let channel = wire::cluster_channel(&self.prefix);
        match checked(&self.link, c.publish::<_, _, ()>(channel, bytes).await) {
            Ok(()) => metrics::counter!("chat_bridge_resyncs_total").increment(1),
            Err(e) => {
                tracing::warn!(error = %e, node, "could not announce a crashed node's resync")
            }
        }
    }
}
