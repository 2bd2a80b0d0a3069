//! Cluster-wide presence in Redis. Per user, a hash of the nodes where it has sessions; per node,
//! the set of its users and an `alive` key with a TTL that the node refreshes every TTL/4. A
//! node whose `alive` key expired crashed: the next sweep of any node removes it from its users'
//! hashes and announces those left with no node offline. So a crashed node's users go offline
//! within TTL + TTL/4 (25 s with the default 20 s TTL).
//!
//! Keys (`P` is `REDIS_PREFIX`): `P:pres:<user>` hash node → 1; `P:node:<node>:users` set;
//! `P:node:<node>:alive`; `P:nodes` set of known nodes; `P:online` hash user → MessagePack
//! `PresenceKey` (what a node needs to route a user's presence, and to load the cluster's view).

use super::link::{is_connection_error, Link};
use crate::ports::{ClusterPresence, PortFuture, Unavailable};
use crate::protocol::UserId;
use crate::routing::PresenceKey;
use redis::{AsyncCommands, RedisResult, Script};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

use super::scripts::{DOWN, REAP, UP, UPDATE};

mod crashes;

pub struct RedisPresence {
    link: Arc<Link>,
    prefix: String,
    node_id: String,
    ttl: Duration,
    up: Script,
    down: Script,
    update: Script,
    reap: Script,
    /// Counts (re)subscriptions, so presence reloads the cluster's view after an outage.
    generation: AtomicU64,
    /// Wakes presence at once after a (re)subscription rather than at its next tick.
    resubscribed: Notify,
    /// Set by this incarnation's first heartbeat, which first looks for a previous one's key.
    beaten: AtomicBool,
}

/// Presence calls fail fast with this when Redis is away; the caller announces locally instead.
fn away() -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::Io, "redis is away"))
}

fn port<T>(r: RedisResult<T>) -> Result<T, Unavailable> {
    r.map_err(|e| Unavailable(e.to_string()))
}

impl RedisPresence {
    pub fn new(link: Arc<Link>, prefix: &str, node_id: &str, ttl: Duration) -> Self {
        RedisPresence {
            link,
            prefix: prefix.to_string(),
            node_id: node_id.to_string(),
            ttl,
            up: Script::new(UP),
            down: Script::new(DOWN),
            update: Script::new(UPDATE),
            reap: Script::new(REAP),
            generation: AtomicU64::new(0),
            resubscribed: Notify::new(),
            beaten: AtomicBool::new(false),
        }
    }

    /// The subscription is (again) in place: presence must resync.
    pub(super) fn resubscribed(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        self.resubscribed.notify_one();
    }

    fn user_key(&self, user: UserId) -> String {
        format!("{}:pres:{user}", self.prefix)
    }
    fn node_users(&self, node: &str) -> String {
        format!("{}:node:{node}:users", self.prefix)
    }
    fn alive(&self, node: &str) -> String {
        format!("{}:node:{node}:alive", self.prefix)
    }
    fn nodes(&self) -> String {
        format!("{}:nodes", self.prefix)
    }
    fn online(&self) -> String {
        format!("{}:online", self.prefix)
    }

    /// This node's first session of `key.user_id`; true when the user came online cluster-wide.
    async fn up_redis(&self, key: &PresenceKey) -> RedisResult<bool> {
        let link = &*self.link;
        let blob = rmp_serde::to_vec_named(key).map_err(|e| {
            redis::RedisError::from((redis::ErrorKind::Client, "encode", e.to_string()))
        })?;
        let mut c = link.get().ok_or_else(away)?;
        let n: i64 = checked(
            link,
            self.up
                .key(self.user_key(key.user_id))
                .key(self.node_users(&self.node_id))
                .key(self.online())
                .arg(&self.node_id)
                .arg(key.user_id.0)
                .arg(blob)
                .invoke_async(&mut c)
                .await,
        )?;
        Ok(n == 1)
    }

    /// This node's last session of `user` closed; true when the user is offline cluster-wide.
    async fn down_redis(&self, user: UserId) -> RedisResult<bool> {
        let link = &*self.link;
        let mut c = link.get().ok_or_else(away)?;
        let n: i64 = checked(
            link,
            self.down
                .key(self.user_key(user))
                .key(self.node_users(&self.node_id))
                .key(self.online())
                .arg(&self.node_id)
                .arg(user.0)
                .invoke_async(&mut c)
                .await,
        )?;
        Ok(n == 1)
    }

    /// Users Redis lists on this node (to drop those who left while Redis was away).
    async fn listed_here_redis(&self) -> RedisResult<Vec<i64>> {
        let link = &*self.link;
        let mut c = link.get().ok_or_else(away)?;
        checked(link, c.smembers(self.node_users(&self.node_id)).await)
    }

    /// Refreshes this node's `alive` key.
    async fn heartbeat_redis(&self) -> RedisResult<()> {
        let link = &*self.link;
        let ttl_ms = self.ttl.as_millis() as u64;
        let mut c = link.get().ok_or_else(away)?;
        if !self.beaten.swap(true, Ordering::AcqRel) {
            self.check_previous(&mut c).await?;
        }
        checked(
            link,
            redis::pipe()
                .cmd("SET")
                .arg(self.alive(&self.node_id))
                .arg(1)
                .arg("PX")
                .arg(ttl_ms)
                .ignore()
                .sadd(self.nodes(), &self.node_id)
                .ignore()
                .query_async::<()>(&mut c)
                .await,
        )
    }

    /// Removes `node` from the cluster (unless it is alive and `force` is false); returns the users
    /// it left offline everywhere.
    async fn reap(&self, node: &str, force: bool) -> RedisResult<Vec<PresenceKey>> {
        let link = &*self.link;
        let mut c = link.get().ok_or_else(away)?;
        let (removed, blobs): (i64, Vec<Vec<u8>>) = checked(
            link,
            self.reap
                .key(self.node_users(node))
                .key(self.online())
                .key(self.nodes())
                .key(self.alive(node))
                .arg(node)
                .arg(&self.prefix)
                .arg(if force { "1" } else { "0" })
                .invoke_async(&mut c)
                .await,
        )?;
        if force {
            let _ = checked(link, c.del::<_, ()>(self.alive(node)).await);
        } else if removed == 1 {
            // It died without leaving: what it committed last may never have been published.
            self.announce_crash(node, crashes::Incarnation::Reaped)
                .await;
        }
        Ok(blobs.iter().filter_map(|b| decode_key(b)).collect())
    }

    /// Sweeps every node whose heartbeat expired; returns the users that went offline.
    async fn reap_dead_redis(&self) -> RedisResult<Vec<PresenceKey>> {
        let link = &*self.link;
        let mut c = link.get().ok_or_else(away)?;
        let nodes: Vec<String> = checked(link, c.smembers(self.nodes()).await)?;
        let mut gone = Vec::new();
        for node in nodes.iter().filter(|n| **n != self.node_id) {
            let reaped = self.reap(node, false).await?;
            if !reaped.is_empty() {
                tracing::info!(node = %node, users = reaped.len(), "node heartbeat expired: its users are offline");
                metrics::counter!("chat_presence_reaped_total").increment(reaped.len() as u64);
            }
            gone.extend(reaped);
        }
        Ok(gone)
    }

    /// Every user online anywhere in the cluster.
    async fn online_all_redis(&self) -> RedisResult<Vec<PresenceKey>> {
        let link = &*self.link;
        let mut c = link.get().ok_or_else(away)?;
        let all: Vec<(i64, Vec<u8>)> = checked(link, c.hgetall(self.online()).await)?;
        Ok(all.iter().filter_map(|(_, b)| decode_key(b)).collect())
    }

    async fn update_redis(&self, key: &PresenceKey) -> RedisResult<()> {
        let link = &*self.link;
        let blob = rmp_serde::to_vec_named(key).map_err(|e| {
            redis::RedisError::from((redis::ErrorKind::Client, "encode", e.to_string()))
        })?;
        let mut c = link.get().ok_or_else(away)?;
        checked(
            link,
            self.update
                .key(self.online())
                .arg(key.user_id.0)
                .arg(blob)
                .invoke_async::<()>(&mut c)
                .await,
        )
    }
}

impl ClusterPresence for RedisPresence {
    fn ttl(&self) -> Duration {
        self.ttl
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    fn reconnected(&self) -> PortFuture<'_, ()> {
        Box::pin(self.resubscribed.notified())
    }

    fn up<'a>(&'a self, key: &'a PresenceKey) -> PortFuture<'a, Result<bool, Unavailable>> {
        Box::pin(async move { port(self.up_redis(key).await) })
    }

    fn down(&self, user: UserId) -> PortFuture<'_, Result<bool, Unavailable>> {
        Box::pin(async move { port(self.down_redis(user).await) })
    }

    fn update<'a>(&'a self, key: &'a PresenceKey) -> PortFuture<'a, Result<(), Unavailable>> {
        Box::pin(async move { port(self.update_redis(key).await) })
    }

    fn listed_here(&self) -> PortFuture<'_, Result<Vec<UserId>, Unavailable>> {
        Box::pin(async move {
            port(self.listed_here_redis().await).map(|v| v.into_iter().map(UserId).collect())
        })
    }

    fn heartbeat(&self) -> PortFuture<'_, Result<(), Unavailable>> {
        Box::pin(async move { port(self.heartbeat_redis().await) })
    }

    fn leave(&self) -> PortFuture<'_, Result<Vec<PresenceKey>, Unavailable>> {
        Box::pin(async move { port(self.reap(&self.node_id, true).await) })
    }

    fn reap_dead(&self) -> PortFuture<'_, Result<Vec<PresenceKey>, Unavailable>> {
        Box::pin(async move { port(self.reap_dead_redis().await) })
    }

    fn online_all(&self) -> PortFuture<'_, Result<Vec<PresenceKey>, Unavailable>> {
        Box::pin(async move { port(self.online_all_redis().await) })
    }
}

/// Passes a result through, dropping the connection when the error says it is gone.
pub fn checked<T>(link: &Link, r: RedisResult<T>) -> RedisResult<T> {
    if let Err(e) = &r {
        if is_connection_error(e) {
            link.mark_broken();
        }
    }
    r
}

fn decode_key(blob: &[u8]) -> Option<PresenceKey> {
    match rmp_serde::from_slice(blob) {
        Ok(k) => Some(k),
        Err(_) => {
            metrics::counter!("chat_bridge_rejected_total", "reason" => "presence_key")
                .increment(1);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::BusinessId;

    /// A link to the local Redis (the test machine's), connected.
    async fn link() -> Arc<Link> {
        let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
        let link = Arc::new(Link::new(client));
        let runner = link.clone();
        tokio::spawn(async move { runner.run().await });
        for _ in 0..100 {
            if link.is_up() {
                return link;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("redis on 127.0.0.1:6379 is not reachable");
    }

    fn key(user: i64) -> PresenceKey {
        PresenceKey {
            user_id: UserId(user),
            staff_of: None,
            watches: vec![BusinessId(1)],
        }
    }

    #[tokio::test]
    async fn a_user_is_offline_when_its_last_node_lets_go_or_dies() {
        let link = link().await;
        let prefix = format!("shcu{}", rand::random::<u32>());
        let ttl = Duration::from_secs(20);
        let (a, b) = (
            RedisPresence::new(link.clone(), &prefix, "a", ttl),
            RedisPresence::new(link.clone(), &prefix, "b", ttl),
        );
        assert!(a.up(&key(7)).await.unwrap(), "first node: online");
        assert!(!b.up(&key(7)).await.unwrap(), "second node: no news");
        let mut wider = key(7);
        wider.watches.push(BusinessId(2));
        a.update(&wider).await.unwrap();
        assert_eq!(
            a.online_all().await.unwrap(),
            vec![wider],
            "the key follows memberships"
        );
        assert!(!a.down(UserId(7)).await.unwrap(), "still on b");
        assert!(b.down(UserId(7)).await.unwrap(), "gone everywhere");
        assert!(a.online_all().await.unwrap().is_empty());
        a.update(&key(7)).await.unwrap();
        assert!(
            a.online_all().await.unwrap().is_empty(),
            "no update revives a user"
        );

        // Node b dies holding user 8 (also on a) and user 9 (only on b): a sweep of a finds b's
        // heartbeat gone and takes 9 offline, not 8.
        a.heartbeat().await.unwrap();
        b.heartbeat().await.unwrap();
        a.up(&key(8)).await.unwrap();
        b.up(&key(8)).await.unwrap();
        b.up(&key(9)).await.unwrap();
        assert!(a.reap_dead().await.unwrap().is_empty(), "b is alive");
        let mut c = link.get().unwrap();
        let _: () = c.del(b.alive("b")).await.unwrap();
        let gone = a.reap_dead().await.unwrap();
        assert_eq!(gone, vec![key(9)]);
        assert!(a.reap_dead().await.unwrap().is_empty(), "announced once");
        let online: Vec<UserId> = a
            .online_all()
            .await
            .unwrap()
            .iter()
            .map(|k| k.user_id)
            .collect();
        assert_eq!(online, vec![UserId(8)]);
        assert_eq!(a.leave().await.unwrap(), vec![key(8)]);
    }
}
