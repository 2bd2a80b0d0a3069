//! One measured run: plan, connect every socket, send on schedule, drain, and report.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::config::{ScenarioConfig, Target, Workload};
use crate::driver::{drive, open, Schedule, Ws};
use crate::error::{BenchError, Result};
use crate::http::RestClient;
use crate::procstat::{load_1m, rss_kb, CpuMeter};
use crate::prom;
use crate::setup::plan;
use crate::stats::{Recorder, Report, ServerUsage};

/// Time between the last socket being ready and the first send, so connection bursts settle.
const SETTLE: Duration = Duration::from_millis(300);

/// Runs one scenario against servers that are already up (see [`crate::launch`] to start them).
pub async fn run_scenario(cfg: ScenarioConfig) -> Result<Report> {
    if cfg.sockets < 2 || cfg.rate_per_socket <= 0.0 {
        return Err(BenchError::Config(
            "need at least 2 sockets and a positive rate".into(),
        ));
    }
    let plans = plan(&cfg).await?;
    let rss_before = rss_kb(&cfg.server_pids);
    let metrics_before = scrape(&cfg).await;

    let connect_started = Instant::now();
    let sockets = connect_all(&cfg, &plans).await?;
    let connect_s = connect_started.elapsed().as_secs_f64();
    let rss_connected = rss_kb(&cfg.server_pids);

    let start = Instant::now() + SETTLE;
    let mut recorder = Recorder::new(start);
    recorder.measure_from_us = cfg.warmup.as_micros() as u64;
    let recorder = Arc::new(recorder);
    let stop = start + cfg.duration;
    let period = Duration::from_secs_f64(1.0 / cfg.rate_per_socket);
    let senders = plans.iter().filter(|p| p.sends).count().max(1);
    let max_messages = match cfg.workload {
        Workload::Fanout { announcements } => Some(u64::from(announcements)),
        Workload::Pairs => None,
    };
    let body: Arc<str> = Arc::from("x".repeat(cfg.body_bytes));
    let cpu = CpuMeter::start(&cfg.server_pids);
    let client_cpu = CpuMeter::start(&[std::process::id()]);

    let mut tasks = JoinSet::new();
    let mut sender_rank = 0u32;
    for (plan, ws) in plans.into_iter().zip(sockets) {
        let phase = if plan.sends {
            sender_rank += 1;
            period.mul_f64(f64::from(sender_rank - 1) / senders as f64)
        } else {
            Duration::ZERO
        };
        let schedule = Schedule {
            start,
            stop,
            close_at: stop + cfg.drain,
            period,
            phase,
            max_messages,
        };
        tasks.spawn(drive(
            cfg.target,
            plan,
            ws,
            schedule,
            recorder.clone(),
            body.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
    let cpu_percent = cpu.percent();
    let cpu_seconds = cpu.seconds();
    let client_cpu_percent = client_cpu.percent();
    let rss_end = rss_kb(&cfg.server_pids);
    let metrics_after = scrape(&cfg).await;

    let measured_s = cfg
        .duration
        .saturating_sub(cfg.warmup)
        .as_secs_f64()
        .max(1e-3);
    let ack = recorder.ack_summary();
    let delivery = recorder.delivery_summary();
    let server = (!cfg.server_pids.is_empty()).then(|| ServerUsage {
        rss_before_kb: rss_before,
        rss_connected_kb: rss_connected,
        rss_end_kb: rss_end,
        rss_per_socket_bytes: rss_connected.saturating_sub(rss_before) * 1024
            / cfg.sockets.max(1) as u64,
        cpu_percent,
        cpu_seconds,
        cpu_us_per_msg: per_message_us(cpu_seconds, recorder.acked.load(Ordering::Relaxed)),
    });
    let prometheus = match (metrics_before, metrics_after) {
        (Some(b), Some(a)) => prom::check(&b, &a),
        _ => None,
    };
    Ok(Report {
        scenario: cfg.name.clone(),
        target: cfg.target.label().to_string(),
        parameters: cfg.describe(),
        servers: cfg.urls.len(),
        sockets: cfg.sockets,
        offered_msgs_per_s: cfg.offered_rate(),
        duration_s: cfg.duration.as_secs_f64(),
        connect_s,
        sent: recorder.sent.load(Ordering::Relaxed),
        acked: recorder.acked.load(Ordering::Relaxed),
        delivered: recorder.delivered.load(Ordering::Relaxed),
        ack_per_s: ack.count as f64 / measured_s,
        delivered_per_s: delivery.count as f64 / measured_s,
        reconnects: recorder.reconnects.load(Ordering::Relaxed),
        connect_failures: recorder.connect_failures.load(Ordering::Relaxed),
        errors: recorder.errors(),
        ack,
        delivery,
        server,
        prometheus,
        load_1m: load_1m(),
        client_cpu_percent,
    })
}

/// CPU microseconds per message: every ack of the run (warm-up included) against the CPU of the
/// same window, so both sides count the same messages.
pub fn per_message_us(cpu_seconds: f64, acked: u64) -> Option<f64> {
    (acked > 0).then(|| cpu_seconds * 1e6 / acked as f64)
}

/// Opens every planned socket, at most `connect_concurrency` at a time, in plan order.
pub async fn connect_all(
    cfg: &ScenarioConfig,
    plans: &[crate::driver::SocketPlan],
) -> Result<Vec<Ws>> {
    let gate = Arc::new(Semaphore::new(cfg.connect_concurrency.max(1)));
    let mut set = JoinSet::new();
    for (i, plan) in plans.iter().cloned().enumerate() {
        let gate = gate.clone();
        let target = cfg.target;
        set.spawn(async move {
            let _permit = gate.acquire_owned().await;
            (i, open(target, &plan).await)
        });
    }
    let mut out: Vec<Option<Ws>> = (0..plans.len()).map(|_| None).collect();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, Ok(ws))) => out[i] = Some(ws),
            Ok((_, Err(e))) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(BenchError::Ws(e.to_string()));
            }
        }
    }
    if let Some(e) = first_error {
        // A run with missing sockets would measure a different scenario than it prints.
        return Err(e);
    }
    Ok(out.into_iter().flatten().collect())
}

/// The node's metrics, when the target is a node that serves them.
async fn scrape(cfg: &ScenarioConfig) -> Option<prom::Snapshot> {
    if cfg.target != Target::Node {
        return None;
    }
    let mut total = prom::Snapshot::default();
    let mut any = false;
    for url in &cfg.urls {
        if let Ok((200, text)) = RestClient::new(url).get_text("/metrics").await {
            total.merge(&prom::parse(&text));
            any = true;
        }
    }
    any.then_some(total)
}
