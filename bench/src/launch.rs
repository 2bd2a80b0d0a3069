//! Starts the servers a run measures as child processes on free loopback ports, waits until they
//! answer, and stops them when dropped, so a run never leaves a server behind.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::error::{BenchError, Result};
use crate::http::RestClient;

/// A server that is not ready within this is reported as failed to start.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// High enough that the node's per-user limit never shapes a benchmark's load.
const BENCH_RATE_LIMIT: &str = "100000000";

/// A running server; dropping it stops it.
pub struct Server {
    pub url: String,
    pub pid: Option<u32>,
    /// Held so the process dies with the handle (`kill_on_drop`).
    _child: Option<Child>,
    /// An in-process relay, aborted on drop.
    task: Option<JoinHandle<Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// How to start the node.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    pub bin: PathBuf,
    pub database_url: String,
    pub redis_url: Option<String>,
    pub jwt_secret: String,
    pub businesses: u64,
    /// Where each node's log goes (one file per node id).
    pub log_dir: PathBuf,
}

/// The node binary next to the running executable (same profile), unless `SERVIHUB_NODE_BIN` says otherwise.
pub fn default_node_bin() -> PathBuf {
    if let Ok(path) = std::env::var("SERVIHUB_NODE_BIN") {
        return PathBuf::from(path);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("servihub-chat")))
        .unwrap_or_else(|| PathBuf::from("target/release/servihub-chat"))
}

/// A port nobody listens on right now (the OS picks it; the tiny race is acceptable on loopback).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

fn log_file(dir: &Path, name: &str) -> Result<Stdio> {
    std::fs::create_dir_all(dir)?;
    Ok(Stdio::from(std::fs::File::create(dir.join(name))?))
}

/// `servihub-chat seed --businesses N`: one business per pair keeps inboxes separate.
pub async fn seed(opts: &NodeOptions) -> Result<()> {
    let mut cmd = Command::new(&opts.bin);
    cmd.args(["seed", "--businesses", &opts.businesses.to_string()])
        .env("DATABASE_URL", &opts.database_url)
        .env("JWT_SECRET", &opts.jwt_secret)
        .stdout(log_file(&opts.log_dir, "seed.log")?)
        .stderr(log_file(&opts.log_dir, "seed.err.log")?)
        .kill_on_drop(true);
    let launch_err = |detail: String| BenchError::Launch {
        what: format!("{} seed", opts.bin.display()),
        detail,
    };
    let mut child = cmd.spawn().map_err(|e| launch_err(e.to_string()))?;
    let status = tokio::time::timeout(READY_TIMEOUT, child.wait())
        .await
        .map_err(|_| launch_err("timed out".into()))?
        .map_err(|e| launch_err(e.to_string()))?;
    if !status.success() {
        return Err(launch_err(format!(
            "exited with {status}; see seed.err.log"
        )));
    }
    Ok(())
}

/// Starts one node (`node_id` names it in logs and in the cluster).
pub async fn start_node(opts: &NodeOptions, node_id: &str) -> Result<Server> {
    let port = free_port()?;
    let mut cmd = Command::new(&opts.bin);
    cmd.arg("serve")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &opts.database_url)
        .env("JWT_SECRET", &opts.jwt_secret)
        .env("RATE_LIMIT_MESSAGES", BENCH_RATE_LIMIT)
        .env("RATE_LIMIT_WINDOW_MS", "1000")
        // Every socket of the load comes from loopback, as it would through a proxy: the cap per
        // address is off (as DEPLOY.md says behind nginx) and the node's cap is above the
        // largest preset.
        .env("MAX_CONNECTIONS_PER_IP", "0")
        .env("MAX_CONNECTIONS", "50000")
        .env("LOG_FORMAT", "json")
        .env(
            "RUST_LOG",
            std::env::var("BENCH_NODE_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env("NODE_ID", node_id)
        .stdout(log_file(&opts.log_dir, &format!("{node_id}.log"))?)
        .stderr(log_file(&opts.log_dir, &format!("{node_id}.err.log"))?)
        .kill_on_drop(true);
    match &opts.redis_url {
        Some(redis) => cmd.env("REDIS_URL", redis),
        None => cmd.env_remove("REDIS_URL"),
    };
    let child = cmd.spawn().map_err(|e| BenchError::Launch {
        what: opts.bin.display().to_string(),
        detail: e.to_string(),
    })?;
    let url = format!("http://127.0.0.1:{port}");
    let server = Server {
        url,
        pid: child.id(),
        _child: Some(child),
        task: None,
    };
    wait_ready(&server.url, "/ready", node_id).await?;
    Ok(server)
}

/// The floor relay: a child process running `exe relay` when the bench binary is known (so it has
/// its own process and its CPU is measured apart), else a task in this process.
pub async fn start_relay(exe: Option<&Path>) -> Result<Server> {
    let Some(exe) = exe else {
        let (url, task) = crate::relay::spawn_local(0).await?;
        return Ok(Server {
            url,
            pid: None,
            _child: None,
            task: Some(task),
        });
    };
    let port = free_port()?;
    let child = Command::new(exe)
        .args(["relay", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BenchError::Launch {
            what: "relay".into(),
            detail: e.to_string(),
        })?;
    let server = Server {
        url: format!("http://127.0.0.1:{port}"),
        pid: child.id(),
        _child: Some(child),
        task: None,
    };
    wait_listening(port, "relay").await?;
    Ok(server)
}

/// The Socket.IO peer (`node server.js` in `peer_dir`, after `npm ci` there).
pub async fn start_peer(
    peer_dir: &Path,
    database_url: &str,
    redis_url: &str,
    log_dir: &Path,
) -> Result<Server> {
    if !peer_dir.join("node_modules").exists() {
        return Err(BenchError::Launch {
            what: "peer".into(),
            detail: format!("run `npm ci --prefix {}` first", peer_dir.display()),
        });
    }
    let port = free_port()?;
    let child = Command::new("node")
        .arg(peer_dir.join("server.js"))
        .env("PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .env("REDIS_URL", redis_url)
        .stdout(log_file(log_dir, "peer.log")?)
        .stderr(log_file(log_dir, "peer.err.log")?)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BenchError::Launch {
            what: "peer (node server.js)".into(),
            detail: e.to_string(),
        })?;
    let server = Server {
        url: format!("http://127.0.0.1:{port}"),
        pid: child.id(),
        _child: Some(child),
        task: None,
    };
    wait_ready(&server.url, "/health", "peer").await?;
    Ok(server)
}

async fn wait_ready(url: &str, path: &str, what: &str) -> Result<()> {
    let client = RestClient::new(url);
    let deadline = Instant::now() + READY_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok((200, _)) = client.get_text(path).await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(BenchError::Timeout(format!("{what} at {url}{path}")))
}

async fn wait_listening(port: u16, what: &str) -> Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(BenchError::Timeout(format!("{what} on port {port}")))
}
