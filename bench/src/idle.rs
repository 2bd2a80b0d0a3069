//! What an idle socket costs a fresh server, stage by stage: N accepted TCP connections that have
//! sent nothing (what a connection costs before any upgrade), then N WebSocket sessions on new
//! connections beside them (TCP + upgrade + authenticated, greeted session), then one message
//! sent and acked on each session (buffers and caches touched once). Each stage is the RSS growth
//! over the previous one, divided by N, split into anonymous memory (heap and stacks) and
//! file-backed pages, with the server's thread count beside it. An idle WebSocket costs the last
//! two stages; the first says how much of that is the bare connection.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::driver::{drive, Schedule};
use crate::error::Result;
use crate::procstat::{load_1m, rss_kb, rss_split_kb, threads};
use crate::run::connect_all;
use crate::scenarios::{bring_up, Environment, Preset};
use crate::setup::plan;
use crate::stats::Recorder;
use crate::Target;

/// How long the server gets to accept and settle before a stage is read.
const SETTLE: Duration = Duration::from_millis(1500);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IdleStage {
    pub stage: String,
    pub rss_kb: u64,
    pub anon_kb: u64,
    pub file_kb: u64,
    pub threads: u64,
    /// RSS growth over the previous stage, per socket.
    pub per_socket_bytes: u64,
    pub anon_per_socket_bytes: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IdleReport {
    pub target: String,
    pub sockets: usize,
    pub stages: Vec<IdleStage>,
    /// RSS growth of the WebSocket stages (session, then one message), per socket.
    pub total_per_socket_bytes: u64,
    pub load_1m: f64,
}

struct Meter {
    pids: Vec<u32>,
    sockets: u64,
    stages: Vec<IdleStage>,
}

impl Meter {
    async fn read(&mut self, stage: &str) {
        tokio::time::sleep(SETTLE).await;
        let (anon, file) = rss_split_kb(&self.pids);
        let rss = rss_kb(&self.pids);
        let per = |now: u64, before: u64| now.saturating_sub(before) * 1024 / self.sockets.max(1);
        let (prev_rss, prev_anon) = self
            .stages
            .last()
            .map_or((rss, anon), |s| (s.rss_kb, s.anon_kb));
        self.stages.push(IdleStage {
            stage: stage.into(),
            rss_kb: rss,
            anon_kb: anon,
            file_kb: file,
            threads: threads(&self.pids),
            per_socket_bytes: per(rss, prev_rss),
            anon_per_socket_bytes: per(anon, prev_anon),
        });
    }
}

/// Runs the stages on a fresh server of each target.
pub async fn idle(env: &Environment, targets: &[Target]) -> Result<Vec<IdleReport>> {
    let mut out = Vec::new();
    for target in targets {
        let servers = bring_up(env, *target, 1).await?;
        let mut cfg = env.config(Preset::Scale, *target, servers.urls.clone());
        cfg.sockets = env.sockets.unwrap_or(if env.quick { 100 } else { 2_000 });
        cfg.businesses = (cfg.sockets as u64 / 2).max(1);
        cfg.name = "idle".into();
        let plans = plan(&cfg).await?;
        let mut meter = Meter {
            pids: servers.pids.clone(),
            sockets: cfg.sockets as u64,
            stages: Vec::new(),
        };
        meter.read("fresh server").await;

        let addr = servers.urls[0].trim_start_matches("http://").to_string();
        let mut raw = Vec::with_capacity(cfg.sockets);
        for _ in 0..cfg.sockets {
            raw.push(TcpStream::connect(addr.as_str()).await?);
        }
        meter.read("N accepted TCP connections, nothing sent").await;

        let sockets = connect_all(&cfg, &plans).await?;
        meter
            .read("+ N WebSocket sessions on new connections (upgraded, greeted)")
            .await;

        // One message per sending socket, then reading until after the stage is taken.
        let start = Instant::now() + Duration::from_millis(200);
        let recorder = Arc::new(Recorder::new(start));
        let schedule = Schedule {
            start,
            stop: start + Duration::from_secs(1),
            close_at: start + SETTLE + Duration::from_secs(3),
            period: Duration::from_secs(1),
            phase: Duration::ZERO,
            max_messages: Some(1),
        };
        let body: Arc<str> = Arc::from("x".repeat(cfg.body_bytes));
        let mut tasks = JoinSet::new();
        for (p, ws) in plans.into_iter().zip(sockets) {
            tasks.spawn(drive(
                cfg.target,
                p,
                ws,
                schedule,
                recorder.clone(),
                body.clone(),
            ));
        }
        tokio::time::sleep_until((start + Duration::from_secs(1)).into()).await;
        meter
            .read("+ one message sent and acked on each session")
            .await;
        while tasks.join_next().await.is_some() {}
        drop(raw);

        // The raw connections are extra sockets, not part of a session: counted from after them.
        let first = meter.stages.get(1).map_or(0, |s| s.rss_kb);
        let last = meter.stages.last().map_or(0, |s| s.rss_kb);
        out.push(IdleReport {
            target: target.label().into(),
            sockets: cfg.sockets,
            total_per_socket_bytes: last.saturating_sub(first) * 1024 / cfg.sockets.max(1) as u64,
            stages: meter.stages,
            load_1m: load_1m(),
        });
    }
    Ok(out)
}

/// The breakdown as a markdown table, one block of rows per target.
pub fn table(reports: &[IdleReport]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| target | sockets | stage | RSS MB | anon MB | file MB | threads | Δ RSS / socket KB | Δ anon / socket KB |"
    );
    let _ = writeln!(s, "|---|---:|---|---:|---:|---:|---:|---:|---:|");
    let kb = |b: u64| format!("{:.1}", b as f64 / 1024.0);
    let mb = |k: u64| format!("{:.1}", k as f64 / 1024.0);
    for r in reports {
        for (i, st) in r.stages.iter().enumerate() {
            let (d, da) = if i == 0 {
                ("-".to_string(), "-".to_string())
            } else {
                (kb(st.per_socket_bytes), kb(st.anon_per_socket_bytes))
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {d} | {da} |",
                r.target,
                r.sockets,
                st.stage,
                mb(st.rss_kb),
                mb(st.anon_kb),
                mb(st.file_kb),
                st.threads
            );
        }
        let _ = writeln!(
            s,
            "| {} | {} | **an idle WebSocket (the last two stages)** | | | | | **{}** | |",
            r.target,
            r.sockets,
            kb(r.total_per_socket_bytes)
        );
    }
    let loads: Vec<String> = reports
        .iter()
        .map(|r| format!("{:.1}", r.load_1m))
        .collect();
    let _ = writeln!(
        s,
        "\nload 1m at the end of each target: {}",
        loads.join(", ")
    );
    s
}
