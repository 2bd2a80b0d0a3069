//! The HTTP edge on raw hyper: one connection task per socket, a router, REST handlers, the
//! WebSocket upgrade and the SSE stream. Connections drain on shutdown through hyper-util's
//! `GracefulShutdown`.

pub mod cursor;
pub mod demo;
pub mod limits;
pub mod multipart;
pub mod request;
pub mod response;
pub mod rest;
pub mod router;
pub mod sse;
pub mod ws;

use crate::config::Config;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use limits::{refuse, AcceptBackoff, ConnectionLimits, HEADER_TIMEOUT};
use metrics_exporter_prometheus::PrometheusHandle;
use ractor::ActorCell;
use servihub_actors::service::Service;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub struct AppState {
    pub service: Arc<Service>,
    /// Mints demo tokens (the service verifies through the same authenticator).
    pub auth: Arc<crate::auth::Authenticator>,
    pub config: Arc<Config>,
    pub metrics: PrometheusHandle,
    /// Redis health for `/ready`, when the node runs in a cluster.
    pub redis_ready: Option<Box<dyn Fn() -> bool + Send + Sync>>,
    /// Parent of the session actors.
    pub sessions: ActorCell,
    /// Flips to true on shutdown: live sockets close with 1001 and streams end.
    pub shutdown: watch::Receiver<bool>,
}

/// Accepts connections until `shutdown` flips, then lets open ones finish (up to 10 s). Every
/// connection holds a slot of the node's and its address's cap while it is open, and must send
/// its request headers within `HEADER_TIMEOUT` (also the keep-alive idle limit).
pub async fn serve(listener: TcpListener, state: Arc<AppState>) {
    let mut shutdown = state.shutdown.clone();
    let limits = ConnectionLimits::new(
        state.config.max_connections as usize,
        state.config.max_connections_per_ip as usize,
    );
    let mut backoff = AcceptBackoff::default();
    // One clone per open connection: the count tells when all have finished.
    let open = Arc::new(());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(s) => s,
                    Err(e) => {
                        backoff.failed(&e).await;
                        continue;
                    }
                };
                backoff.succeeded();
                let slot = match limits.admit(peer.ip()) {
                    Ok(slot) => slot,
                    Err(why) => {
                        refuse(stream, why).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let st = state.clone();
                // Boxed: hyper keeps room for the service's future beside every connection, and
                // the router's is the largest of all its handlers; boxed, it exists only while a
                // request is being answered.
                let svc = service_fn(move |req| {
                    let st = st.clone();
                    Box::pin(async move {
                        Ok::<_, std::convert::Infallible>(router::route(st, req, peer).await)
                    })
                });
                let mut stop = state.shutdown.clone();
                let guard = open.clone();
                tokio::spawn(async move {
                    // hyper allocates its buffers as it takes a connection: one that has sent
                    // nothing yet costs only this task until its first bytes arrive (or the
                    // header timeout passes).
                    let mut first = [0u8; 1];
                    let first_bytes = tokio::select! {
                        r = tokio::time::timeout(HEADER_TIMEOUT, stream.peek(&mut first)) => matches!(r, Ok(Ok(1))),
                        _ = stop.changed() => false,
                    };
                    if !first_bytes {
                        drop(slot);
                        drop(guard);
                        return;
                    }
                    // Boxed: after an upgrade the socket's wakers may still point at this task
                    // until they are next replaced, which keeps its allocation; boxed, the
                    // connection's state is freed when it ends and only the small task stays.
                    let mut conn = Box::pin(
                        http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HEADER_TIMEOUT)
                            .max_buf_size(128 * 1024)
                            .serve_connection(TokioIo::new(stream), svc)
                            .with_upgrades(),
                    );
                    let result = tokio::select! {
                        r = conn.as_mut() => r,
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            conn.as_mut().await
                        }
                    };
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    drop(slot);
                    drop(guard);
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while Arc::strong_count(&open) > 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
