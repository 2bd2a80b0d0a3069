//! The named presets, each a fixed set of parameters printed with its results, and the servers
//! they need: started here (a node, three nodes on Redis, the relay, the peer) or given by URL.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ScenarioConfig, Target, Workload};
use crate::error::{BenchError, Result};
use crate::launch::{seed, start_node, start_peer, start_relay, NodeOptions, Server};
use crate::run::run_scenario;
use crate::stats::Report;

/// The brief's bar for a sustained rate: P99 ack RTT at or under this.
pub const THROUGHPUT_P99_LIMIT_MS: f64 = 150.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Rtt100,
    Scale,
    Throughput,
    Fanout,
    Cluster,
    /// rtt100's load (1,000 msg/s) from 10 sockets at 100 msg/s each: a light client, so that
    /// the load generator's own cost is not mistaken for the server's.
    Light,
    /// CPU per durable message at 1,000 and 10,000 msg/s, from 20 sockets (light client).
    Cost,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Rtt100,
        Preset::Light,
        Preset::Cost,
        Preset::Scale,
        Preset::Throughput,
        Preset::Fanout,
        Preset::Cluster,
    ];

    pub fn parse(name: &str) -> Option<Preset> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Rtt100 => "rtt100",
            Preset::Scale => "scale",
            Preset::Throughput => "throughput",
            Preset::Fanout => "fanout",
            Preset::Cluster => "cluster",
            Preset::Light => "light",
            Preset::Cost => "cost",
        }
    }

    /// User id ranges per preset, so presets sharing one database never share users.
    fn user_base(self) -> u64 {
        match self {
            Preset::Rtt100 => 10_000_000,
            Preset::Scale => 20_000_000,
            Preset::Throughput => 30_000_000,
            Preset::Fanout => 40_000_000,
            Preset::Cluster => 50_000_000,
            Preset::Light => 60_000_000,
            Preset::Cost => 70_000_000,
        }
    }
}

/// Where the servers come from and how long runs last.
#[derive(Clone, Debug)]
pub struct Environment {
    pub node: NodeOptions,
    /// An already running node: no node is started and `node.bin` is unused.
    pub node_url: Option<String>,
    pub node_pids: Vec<u32>,
    /// The bench binary, to run the relay as its own process.
    pub bench_exe: Option<PathBuf>,
    pub peer_dir: PathBuf,
    pub peer_database_url: String,
    pub redis_url: String,
    /// Short runs with few sockets: for checking the harness, not for numbers.
    pub quick: bool,
    /// Rounds of interleaved targets in a comparison.
    pub rounds: u32,
    /// Overrides of the preset's sockets / duration (seconds) / per-socket rate.
    pub sockets: Option<usize>,
    pub duration_s: Option<f64>,
    pub rate: Option<f64>,
    /// Record a `perf` profile of the node during each of its runs into this directory.
    pub profile_dir: Option<PathBuf>,
}

/// Businesses seeded before any node run: one per pair of the largest preset.
pub const SEED_BUSINESSES: u64 = 5_000;

impl Environment {
    fn secs(&self, full: u64, quick: u64) -> Duration {
        match self.duration_s {
            Some(s) => Duration::from_secs_f64(s),
            None => Duration::from_secs(if self.quick { quick } else { full }),
        }
    }

    fn count(&self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// The preset's one configuration for `target` at `url` (scale and throughput vary it per step).
    pub fn config(&self, preset: Preset, target: Target, urls: Vec<String>) -> ScenarioConfig {
        let (sockets, rate, duration) = match preset {
            Preset::Rtt100 | Preset::Cluster => (100, 10.0, self.secs(30, 5)),
            Preset::Scale => (self.count(10_000, 200), 0.1, self.secs(30, 5)),
            Preset::Throughput => (200, 50.0, self.secs(10, 3)),
            Preset::Fanout => (self.count(5_001, 101), 1.0, self.secs(5, 3)),
            Preset::Light => (10, 100.0, self.secs(30, 5)),
            Preset::Cost => (COST_SOCKETS, 50.0, self.secs(15, 3)),
        };
        let sockets = self.sockets.unwrap_or(sockets);
        let rate = self.rate.unwrap_or(rate);
        let mut cfg = ScenarioConfig::pairs(
            preset.name(),
            target,
            &urls[0],
            &self.node.jwt_secret,
            sockets,
            rate,
            duration,
        );
        cfg.urls = urls;
        cfg.user_base = preset.user_base();
        cfg.businesses = (sockets as u64 / 2).clamp(1, SEED_BUSINESSES);
        if preset == Preset::Fanout {
            cfg.workload = Workload::Fanout {
                announcements: (duration.as_secs_f64() * rate).round().max(1.0) as u32,
            };
            cfg.warmup = Duration::ZERO;
        }
        cfg
    }
}

/// The servers of one target, kept up across the rounds of a comparison.
pub struct Servers {
    pub target: Target,
    pub urls: Vec<String>,
    pub pids: Vec<u32>,
    _held: Vec<Server>,
}

/// Starts (or points at) the servers `target` needs; `nodes` > 1 makes a cluster on Redis.
pub async fn bring_up(env: &Environment, target: Target, nodes: usize) -> Result<Servers> {
    let held = match target {
        Target::Node => {
            if let Some(url) = &env.node_url {
                return Ok(Servers {
                    target,
                    urls: vec![url.clone()],
                    pids: env.node_pids.clone(),
                    _held: Vec::new(),
                });
            }
            let mut opts = env.node.clone();
            seed(&opts).await?;
            opts.redis_url = (nodes > 1).then(|| env.redis_url.clone());
            let mut held = Vec::new();
            for i in 0..nodes {
                held.push(start_node(&opts, &format!("bench-node-{}", i + 1)).await?);
            }
            held
        }
        Target::Floor => vec![start_relay(env.bench_exe.as_deref()).await?],
        Target::Peer => {
            let mut held = Vec::new();
            for _ in 0..nodes {
                held.push(
                    start_peer(
                        &env.peer_dir,
                        &env.peer_database_url,
                        &env.redis_url,
                        &env.node.log_dir,
                    )
                    .await?,
                );
            }
            held
        }
    };
    Ok(Servers {
        target,
        urls: held.iter().map(|s| s.url.clone()).collect(),
        pids: held.iter().filter_map(|s| s.pid).collect(),
        _held: held,
    })
}

async fn measure(env: &Environment, preset: Preset, servers: &Servers) -> Result<Report> {
    let mut cfg = env.config(preset, servers.target, servers.urls.clone());
    cfg.server_pids = servers.pids.clone();
    announce(&cfg);
    let recording = match (&env.profile_dir, servers.target) {
        (Some(dir), Target::Node) if !servers.pids.is_empty() => {
            let name = format!(
                "{}-{}sockets-{:.0}msgs",
                preset.name(),
                cfg.sockets,
                cfg.offered_rate()
            );
            Some(crate::profile::start(&servers.pids, dir, &name)?)
        }
        _ => None,
    };
    let report = run_scenario(cfg).await;
    if let Some(recording) = recording {
        let path = recording.finish().await?;
        eprintln!("profile: {}", path.display());
    }
    report
}

fn announce(cfg: &ScenarioConfig) {
    eprintln!("» {}", cfg.describe());
}

/// rtt100 (or cluster, on three servers each) for every target, interleaved round by round so
/// drift on the machine hits every target alike.
pub async fn compare(env: &Environment, preset: Preset, targets: &[Target]) -> Result<Vec<Report>> {
    let nodes = if preset == Preset::Cluster { 3 } else { 1 };
    let mut up = Vec::new();
    for target in targets {
        // The floor relay is one process by design; a cluster of it would not be a floor.
        let n = if *target == Target::Floor { 1 } else { nodes };
        up.push(bring_up(env, *target, n).await?);
    }
    let mut reports = Vec::new();
    for _ in 0..env.rounds.max(1) {
        for servers in &up {
            reports.push(measure(env, preset, servers).await?);
        }
    }
    Ok(reports)
}

/// Sockets of the `cost` preset: few, so the client stays light at 10,000 msg/s.
pub const COST_SOCKETS: usize = 20;

/// cost: the server's CPU per durable message at 1,000 and 10,000 msg/s (node first, then any
/// other target asked for), each rate on fresh sockets of the same servers.
pub async fn cost(env: &Environment, targets: &[Target]) -> Result<Vec<Report>> {
    let totals: &[f64] = if env.quick {
        &[200.0, 1_000.0]
    } else {
        &[1_000.0, 10_000.0]
    };
    let mut up = Vec::new();
    for target in targets {
        up.push(bring_up(env, *target, 1).await?);
    }
    let mut reports = Vec::new();
    // Interleaved by rate: each target measures 1k, then each 10k, so drift hits them alike.
    for total in totals {
        for servers in &up {
            let mut step_env = env.clone();
            let sockets = env.sockets.unwrap_or(COST_SOCKETS);
            step_env.sockets = Some(sockets);
            step_env.rate = Some(total / sockets as f64);
            reports.push(measure(&step_env, Preset::Cost, servers).await?);
        }
    }
    Ok(reports)
}

/// scale: 1k → 10k sockets (quick: 50 → 200) at 1 message per 10 s each, fresh sockets per step.
pub async fn scale(env: &Environment, targets: &[Target]) -> Result<Vec<Report>> {
    let top = env.sockets.unwrap_or(env.count(10_000, 200));
    let steps: Vec<usize> = [0.1, 0.25, 0.5, 1.0]
        .iter()
        .map(|f| ((top as f64 * f) as usize / 2 * 2).max(2))
        .collect();
    let mut reports = Vec::new();
    for target in targets {
        let servers = bring_up(env, *target, 1).await?;
        for sockets in &steps {
            let mut step_env = env.clone();
            step_env.sockets = Some(*sockets);
            reports.push(measure(&step_env, Preset::Scale, &servers).await?);
        }
    }
    Ok(reports)
}

/// throughput: the total rate rises step by step until P99 ack RTT passes the limit (or acks fall
/// behind what is offered); the report marks the highest rate sustained below it.
pub async fn throughput(env: &Environment, targets: &[Target]) -> Result<Vec<Report>> {
    let totals: &[f64] = if env.quick {
        &[500.0, 1_000.0]
    } else {
        &[
            1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0, 7_500.0, 10_000.0, 15_000.0, 20_000.0,
            25_000.0, 30_000.0, 40_000.0, 50_000.0, 60_000.0, 80_000.0,
        ]
    };
    let mut reports = Vec::new();
    for target in targets {
        let servers = bring_up(env, *target, 1).await?;
        for total in totals {
            let mut step_env = env.clone();
            let sockets = env.sockets.unwrap_or(200);
            step_env.rate = Some(total / sockets as f64);
            let report = measure(&step_env, Preset::Throughput, &servers).await?;
            let over = !sustained(&report);
            reports.push(report);
            if over {
                break;
            }
        }
    }
    Ok(reports)
}

/// Whether a throughput step held: P99 within the limit and nearly all offered messages acked.
pub fn sustained(report: &Report) -> bool {
    report.ack.count > 0
        && report.ack.p99_ms <= THROUGHPUT_P99_LIMIT_MS
        && report.ack_per_s >= 0.95 * report.offered_msgs_per_s
}

/// fanout: one staff socket posts announcements to every opted-in subscriber.
pub async fn fanout(env: &Environment, targets: &[Target]) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for target in targets {
        let servers = bring_up(env, *target, 1).await?;
        reports.push(measure(env, Preset::Fanout, &servers).await?);
    }
    Ok(reports)
}

/// Dispatches a preset by name.
pub async fn run_preset(
    env: &Environment,
    preset: Preset,
    targets: &[Target],
) -> Result<Vec<Report>> {
    if targets.is_empty() {
        return Err(BenchError::Config("no target".into()));
    }
    match preset {
        Preset::Rtt100 | Preset::Cluster | Preset::Light => compare(env, preset, targets).await,
        Preset::Cost => cost(env, targets).await,
        Preset::Scale => scale(env, targets).await,
        Preset::Throughput => throughput(env, targets).await,
        Preset::Fanout => fanout(env, targets).await,
    }
}
