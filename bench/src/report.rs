//! Renders reports: a table for people, JSON and CSV for machines, and the node/floor and
//! peer/node ratios of a comparison.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::stats::{LatencySummary, Report};

fn ms(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "-".into()
    }
}

/// One row per run: latency percentiles, throughput, errors and server cost.
pub fn table(reports: &[Report]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | target | sockets | offered msg/s | acked msg/s | ack P50 / P99 / max ms | delivery P50 / P99 / max ms | errors | reconnects | server CPU % | server CPU µs/msg | server RSS MB | RSS/socket KB | prom ack P99 ≤ ms | client CPU % | load 1m |"
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in reports {
        let lat =
            |s: &LatencySummary| format!("{} / {} / {}", ms(s.p50_ms), ms(s.p99_ms), ms(s.max_ms));
        let (cpu, us, rss, per_socket) = match &r.server {
            Some(s) => (
                format!("{:.0}", s.cpu_percent),
                s.cpu_us_per_msg.map_or("-".into(), |v| format!("{v:.0}")),
                format!("{:.1}", s.rss_end_kb as f64 / 1024.0),
                format!("{:.1}", s.rss_per_socket_bytes as f64 / 1024.0),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let prom = r
            .prometheus
            .as_ref()
            .and_then(|p| p.p99_le_ms)
            .map_or("-".into(), ms);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {cpu} | {us} | {rss} | {per_socket} | {prom} | {:.0} | {:.1} |",
            r.scenario,
            r.target,
            r.sockets,
            r.offered_msgs_per_s,
            r.ack_per_s,
            lat(&r.ack),
            lat(&r.delivery),
            r.error_total(),
            r.reconnects,
            r.client_cpu_percent,
            r.load_1m,
        );
    }
    out
}

/// Ratios between targets of one scenario, from the median of their rounds' values.
#[derive(Clone, Debug, Serialize)]
pub struct Ratios {
    pub scenario: String,
    pub metric: String,
    pub node_ms: f64,
    pub floor_ms: f64,
    pub peer_ms: f64,
    /// How close the node is to what the machine allows (lower is better, 1 is the floor).
    pub node_over_floor: f64,
    /// How much better than the usual stack (higher is better).
    pub peer_over_node: f64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn ratios(reports: &[Report]) -> Vec<Ratios> {
    let Some(scenario) = reports.first().map(|r| r.scenario.clone()) else {
        return Vec::new();
    };
    type Pick = fn(&Report) -> f64;
    let metrics: [(&str, Pick); 6] = [
        ("ack P50", |r| r.ack.p50_ms),
        ("ack P99", |r| r.ack.p99_ms),
        ("ack max", |r| r.ack.max_ms),
        ("delivery P50", |r| r.delivery.p50_ms),
        ("delivery P99", |r| r.delivery.p99_ms),
        ("delivery max", |r| r.delivery.max_ms),
    ];
    let of = |target: &str, pick: Pick| {
        median(
            reports
                .iter()
                .filter(|r| r.target == target && r.ack.count > 0)
                .map(pick)
                .collect(),
        )
    };
    metrics
        .iter()
        .map(|(name, pick)| {
            let (node, floor, peer) = (of("node", *pick), of("floor", *pick), of("peer", *pick));
            Ratios {
                scenario: scenario.clone(),
                metric: name.to_string(),
                node_ms: node,
                floor_ms: floor,
                peer_ms: peer,
                node_over_floor: node / floor,
                peer_over_node: peer / node,
            }
        })
        .collect()
}

pub fn ratio_table(ratios: &[Ratios]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | metric | node ms | floor ms | peer ms | node / floor | peer / node |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    let x = |v: f64| {
        if v.is_finite() {
            format!("{v:.2}×")
        } else {
            "-".into()
        }
    };
    for r in ratios {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.metric,
            ms(r.node_ms),
            ms(r.floor_ms),
            ms(r.peer_ms),
            x(r.node_over_floor),
            x(r.peer_over_node)
        );
    }
    out
}

const CSV_HEADER: &str = "scenario,target,servers,sockets,offered_msgs_per_s,duration_s,sent,acked,delivered,ack_per_s,delivered_per_s,ack_p50_ms,ack_p90_ms,ack_p99_ms,ack_p999_ms,ack_max_ms,delivery_p50_ms,delivery_p90_ms,delivery_p99_ms,delivery_p999_ms,delivery_max_ms,errors,reconnects,connect_failures,connect_s,server_cpu_percent,server_rss_before_kb,server_rss_connected_kb,server_rss_end_kb,rss_per_socket_bytes,prom_ack_count,prom_ack_p50_le_ms,prom_ack_p99_le_ms,load_1m,server_cpu_seconds,server_cpu_us_per_msg,client_cpu_percent";

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

pub fn csv(reports: &[Report]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for r in reports {
        let s = r.server.clone().unwrap_or_default();
        let p = r.prometheus.clone().unwrap_or_default();
        let (a, d) = (&r.ack, &r.delivery);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{:.1},{:.1},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3},{:.1},{},{},{},{},{},{},{},{:.2},{:.2},{},{:.1}",
            r.scenario, r.target, r.servers, r.sockets, r.offered_msgs_per_s, r.duration_s,
            r.sent, r.acked, r.delivered, r.ack_per_s, r.delivered_per_s,
            a.p50_ms, a.p90_ms, a.p99_ms, a.p999_ms, a.max_ms,
            d.p50_ms, d.p90_ms, d.p99_ms, d.p999_ms, d.max_ms,
            r.error_total(), r.reconnects, r.connect_failures, r.connect_s,
            s.cpu_percent, s.rss_before_kb, s.rss_connected_kb, s.rss_end_kb, s.rss_per_socket_bytes,
            p.count, opt(p.p50_le_ms), opt(p.p99_le_ms), r.load_1m,
            s.cpu_seconds, opt(s.cpu_us_per_msg), r.client_cpu_percent,
        );
    }
    out
}

/// Writes `<stem>.json` and `<stem>.csv` into `dir`.
pub fn write_files(dir: &Path, stem: &str, reports: &[Report]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(format!("{stem}.json")),
        serde_json::to_string_pretty(reports)?,
    )?;
    std::fs::write(dir.join(format!("{stem}.csv")), csv(reports))?;
    Ok(())
}
