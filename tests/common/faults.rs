//! Fault injection for the history checker: a TCP proxy the test can cut and restore (node to
//! Redis, node to Postgres), a private Postgres on its own port that the test may restart, and
//! SIGSTOP / SIGCONT of a node process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A loopback TCP proxy in front of one upstream. `cut` closes every live connection and
/// refuses new ones (accepted, then closed at once) until `restore`.
pub struct TcpProxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    down: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
    /// Connections relayed so far (a sanity count for the report).
    pub relayed: Arc<AtomicU64>,
}

impl TcpProxy {
    pub async fn start(upstream: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let relayed = Arc::new(AtomicU64::new(0));
        let (d, l, r) = (down.clone(), live.clone(), relayed.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                if d.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                r.fetch_add(1, Ordering::Relaxed);
                let task = tokio::spawn(async move {
                    let connect = TcpStream::connect(upstream);
                    let Ok(Ok(mut out)) =
                        tokio::time::timeout(Duration::from_secs(2), connect).await
                    else {
                        return;
                    };
                    let _ = inbound.set_nodelay(true);
                    let _ = out.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                });
                let mut live = l.lock().unwrap();
                live.retain(|h| !h.is_finished());
                live.push(task.abort_handle());
            }
        })
        .abort_handle();
        TcpProxy {
            addr,
            upstream,
            down,
            live,
            accept,
            relayed,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Drops every relayed connection and refuses new ones.
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for h in self.live.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for h in self.live.lock().unwrap().drain(..) {
            h.abort();
        }
    }
}

/// Where Debian keeps the Postgres server binaries (the newest major installed), if any.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// A private Postgres cluster (initdb into a temporary directory, its own loopback port), run as
/// the `postgres` user when the test runs as root. Stopped and removed when dropped.
pub struct PgProc {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    as_root: bool,
}

impl PgProc {
    /// None when no Postgres server binaries are installed here.
    pub fn start() -> Option<PgProc> {
        let bin = postgres_bin_dir()?;
        let port = super::cluster::free_port();
        let dir = std::env::temp_dir().join(format!(
            "shc-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).ok()?;
        // SAFETY: geteuid has no preconditions.
        let as_root = unsafe { libc_geteuid() } == 0;
        if as_root {
            let ok = std::process::Command::new("chown")
                .args(["postgres", dir.to_str()?])
                .status()
                .ok()?
                .success();
            if !ok {
                return None;
            }
        }
        let pg = PgProc {
            port,
            dir,
            bin,
            as_root,
        };
        let data = pg.dir.join("data");
        let ok = pg
            .run(
                "initdb",
                &["-D", data.to_str()?, "-A", "trust", "-U", "postgres"],
            )
            .arg("--no-sync")
            .args(["-E", "UTF8"])
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        pg.ctl(&["start", "-w"]).then_some(pg)
    }

    fn run(&self, tool: &str, args: &[&str]) -> std::process::Command {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            std::process::Command::new(exe)
        };
        cmd.args(args);
        cmd
    }

    fn ctl(&self, action: &[&str]) -> bool {
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap()],
        )
        .args(["-o", &opts])
        .args(action)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Stops at once (no checkpoint: a crash as far as clients can tell) and starts again.
    pub fn restart(&self) -> bool {
        self.ctl(&["stop", "-m", "immediate", "-w"]) && self.ctl(&["start", "-w"])
    }
}

impl Drop for PgProc {
    fn drop(&mut self) {
        self.ctl(&["stop", "-m", "immediate", "-w"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// Sends a signal to a process by pid (`STOP`, `CONT`, `KILL`).
pub fn signal(pid: u32, sig: &str) -> bool {
    std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}
