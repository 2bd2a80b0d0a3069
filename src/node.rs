//! Starting and stopping a node: the actor tree, the service, the listener.

use crate::auth::Authenticator;
use crate::config::Config;
use crate::http::{self, AppState};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use ractor::{Actor, ActorRef};
use servihub_actors::conversation::Conversations;
use servihub_actors::hub::Hub;
use servihub_actors::notifier::{Notifier, NotifierConfig};
use servihub_actors::persistence::{Persistence, PersistenceConfig, PersistenceHandle};
use servihub_actors::ports::{RateLimiter, Relay};
use servihub_actors::presence::{
    Presence, PresenceArgs, PresenceCluster, PresenceMsg, PresenceView,
};
use servihub_actors::redis::{Bridge, BridgeConfig};
use servihub_actors::service::{Limits, LocalLimiter, Service, ServiceParts};
use servihub_actors::store::{db, PgPool};
use servihub_actors::supervision::Contain;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {0}: {1}")]
    Listen(String, std::io::Error),
    #[error("actor system failed to start: {0}")]
    Actors(String),
    #[error(transparent)]
    Redis(#[from] servihub_actors::redis::BridgeError),
}

/// The process-wide metrics recorder (installed once; every node in a test process shares it).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            let builder = PrometheusBuilder::new();
            let builder = builder
                .set_buckets(&buckets)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub struct RunningNode {
    pub addr: SocketAddr,
    pub service: Arc<Service>,
    /// The node's database pool (for tools and tests that inspect what was stored).
    pool: PgPool,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    persistence: PersistenceHandle,
    presence: ActorRef<PresenceMsg>,
    /// The Redis bridge, in a cluster.
    bridge: Option<Arc<Bridge>>,
    root: ActorRef<()>,
    /// Reopens snoozed conversations when their time comes.
    sweeper: tokio::task::JoinHandle<()>,
}

impl RunningNode {
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Stops accepting, closes sockets with 1001, commits the persistence batch, takes this
    /// node's users out of the cluster's presence, stops actors.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        self.sweeper.abort();
        let _ = self.server.await;
        self.persistence.drain().await;
        if let Some(bridge) = &self.bridge {
            // Queued behind the sockets' disconnects, so it sees the node empty.
            let left = self
                .presence
                .call(PresenceMsg::Leave, Some(std::time::Duration::from_secs(3)))
                .await;
            if left.is_err() {
                tracing::warn!("presence did not leave the cluster in time; the TTL will");
            }
            bridge.flush(std::time::Duration::from_secs(1)).await;
            bridge.stop();
        }
        self.root.stop(None);
    }
}

/// Each lane holds a connection while its batch commits: at most half the pool, so REST reads and
/// conversation loads never wait behind a busy write path.
fn persist_lanes(config: &Config) -> usize {
    let cap = (config.database_pool_size / 2).max(1);
    config.persist_lanes.clamp(1, cap) as usize
}

/// Starts a node on `config.host:config.port` (port 0 picks a free one).
pub async fn start(config: Config) -> Result<RunningNode, StartError> {
    let pool = db::connect(&config.database_url, config.database_pool_size).await?;
    db::migrate(&pool).await?;
    if config.demo {
        servihub_actors::store::seed::seed(&pool, 2)
            .await
            .map_err(|e| StartError::Actors(e.to_string()))?;
    }
    let actors = |e: ractor::SpawnErr| StartError::Actors(e.to_string());
    let (root, _) = Actor::spawn(None, Contain("core"), ())
        .await
        .map_err(actors)?;
    let hub = Hub::new(config.node_id.clone());
    let conversations = Conversations::start(pool.clone(), hub.clone(), root.get_cell())
        .await
        .map_err(actors)?;
    let persistence = Persistence::start(
        pool.clone(),
        PersistenceConfig {
            max_pending: config.persist_max_pending as usize,
            lanes: persist_lanes(&config),
            ..PersistenceConfig::default()
        },
        conversations.clone(),
        root.get_cell(),
    )
    .await
    .map_err(actors)?;
    let view = Arc::new(PresenceView::default());
    let bridge = match &config.redis_url {
        Some(url) => {
            tracing::info!(prefix = %config.redis_prefix, "cluster mode: events, presence and rate limits go through redis");
            Some(Bridge::start(
                BridgeConfig {
                    url: url.clone(),
                    prefix: config.redis_prefix.clone(),
                    node_id: config.node_id.clone(),
                    presence_ttl: config.presence_ttl,
                },
                &hub,
                conversations.clone(),
            )?)
        }
        None => None,
    };
    let (presence, _) = Actor::spawn_linked(
        Some(format!("presence-{}", config.node_id)),
        Presence,
        PresenceArgs {
            hub: hub.clone(),
            view: view.clone(),
            cluster: bridge.as_ref().map(|b| PresenceCluster {
                presence: b.presence(),
                relay: b.clone() as Arc<dyn Relay>,
            }),
        },
        root.get_cell(),
    )
    .await
    .map_err(actors)?;
    if let Some(b) = &bridge {
        b.attach_presence(presence.clone());
    }
    if let Some(url) = &config.notify_webhook_url {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| StartError::Actors("NOTIFY_WEBHOOK_URL is not a valid URL".into()))?;
        if config.notify_webhook_secret.is_none() {
            tracing::warn!("NOTIFY_WEBHOOK_SECRET is unset: webhook calls go unsigned");
        }
        let mut nc = NotifierConfig::new(uri, config.notify_webhook_secret.clone());
        let backoff = u64::from(config.notify_backoff_ms);
        nc.base_backoff = std::time::Duration::from_millis(backoff);
        nc.poll = std::time::Duration::from_millis(backoff.clamp(20, 500));
        Actor::spawn_linked(
            Some(format!("notifier-{}", config.node_id)),
            Notifier,
            (pool.clone(), nc),
            root.get_cell(),
        )
        .await
        .map_err(actors)?;
    }
    let (sessions, _) = Actor::spawn_linked(None, Contain("session"), (), root.get_cell())
        .await
        .map_err(actors)?;
    let limits = Limits::with_send(config.rate_limit_messages, config.rate_limit_window);
    let limiter: Arc<dyn RateLimiter> = match &bridge {
        Some(b) => Arc::new(b.limiter(limits)),
        None => Arc::new(LocalLimiter::new(limits)),
    };
    let auth = Arc::new(Authenticator::new(&config.jwt));
    let service = Service::new(ServiceParts {
        pool: pool.clone(),
        verifier: auth.clone(),
        hub,
        conversations,
        persistence: persistence.clone(),
        presence: presence.clone(),
        presence_view: view,
        limiter,
    });
    let bind = format!("{}:{}", config.host, config.port);
    let listener = TcpListener::bind(&bind)
        .await
        .map_err(|e| StartError::Listen(bind.clone(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(bind, e))?;
    let (tx, rx) = watch::channel(false);
    let state = Arc::new(AppState {
        service: service.clone(),
        auth,
        config: Arc::new(config),
        metrics: metrics_handle(),
        redis_ready: bridge
            .clone()
            .map(|b| Box::new(move || b.healthy()) as Box<dyn Fn() -> bool + Send + Sync>),
        sessions: sessions.get_cell(),
        shutdown: rx,
    });
    let server = tokio::spawn(http::serve(listener, state));
    let sweeper = tokio::spawn(service.clone().sweep_snoozed(SNOOZE_SWEEP));
    tracing::info!(%addr, "node listening");
    Ok(RunningNode {
        addr,
        service,
        pool,
        shutdown: tx,
        server,
        persistence,
        presence,
        bridge,
        root,
        sweeper,
    })
}

/// How often a node looks for snoozed conversations whose time has come: a snooze ends at most
/// this late.
const SNOOZE_SWEEP: std::time::Duration = std::time::Duration::from_secs(2);
