//! The search benchmark: a generated history (`bench/search-history.sql`: by default 1,000,000
//! messages over 5,000 conversations of one business) behind a real node, and `GET /search`
//! timed from this process, sequentially, per kind of query and per role. Staff search the whole
//! business (the widest scope); each customer query runs as a random customer over its own
//! conversation.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use hdrhistogram::Histogram;
use hyper::Method;
use serde::Serialize;

use crate::auth::{mint, Role};
use crate::error::{BenchError, Result};
use crate::http::RestClient;
use crate::launch::{seed, start_node, NodeOptions};
use crate::stats::LatencySummary;

pub struct SearchOptions {
    pub messages: u64,
    pub conversations: u64,
    /// Queries per kind and role.
    pub queries: u64,
}

#[derive(Serialize)]
pub struct SearchReport {
    pub messages: u64,
    pub conversations: u64,
    pub load_seconds: f64,
    /// `<role> <kind>` → latency of the whole HTTP round trip.
    pub results: BTreeMap<String, LatencySummary>,
    /// Hits on the first page, averaged, per `<role> <kind>`.
    pub mean_hits: BTreeMap<String, f64>,
}

/// The kinds of query, as web-search text built from the generated vocabulary's ranks.
fn query(kind: &str, i: u64) -> String {
    let common = [
        "order", "delivery", "refund", "payment", "account", "shipping", "package",
    ];
    let c = |k: u64| common[(k % common.len() as u64) as usize];
    match kind {
        "common word" => c(i).to_string(),
        "mid word" => format!("term{}", 60 + i % 200),
        "rare word" => format!("term{}", 3000 + (i * 37) % 2000),
        "two words" => format!("{} term{}", c(i), 60 + i % 200),
        _ => format!("\"{} {}\"", c(i), c(i + 1)),
    }
}

const KINDS: [&str; 5] = [
    "common word",
    "mid word",
    "rare word",
    "two words",
    "phrase",
];

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn load(opts: &NodeOptions, s: &SearchOptions) -> Result<f64> {
    seed(opts).await?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("search-history.sql");
    let started = Instant::now();
    let out = tokio::process::Command::new("psql")
        .arg(&opts.database_url)
        .args(["-q", "-v", &format!("messages={}", s.messages)])
        .args(["-v", &format!("conversations={}", s.conversations)])
        .arg("-f")
        .arg(&script)
        .output()
        .await
        .map_err(|e| BenchError::Launch {
            what: "psql".into(),
            detail: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(BenchError::Launch {
            what: "psql search-history.sql".into(),
            detail: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(started.elapsed().as_secs_f64())
}

pub async fn run(opts: &NodeOptions, s: &SearchOptions) -> Result<SearchReport> {
    let load_seconds = load(opts, s).await?;
    let node = start_node(opts, "search").await?;
    let rest = RestClient::new(&node.url);
    let staff = mint(&opts.jwt_secret, 2001, Role::Agent, Some(1))?;
    let mut results = BTreeMap::new();
    let mut mean_hits = BTreeMap::new();
    for kind in KINDS {
        for role in ["staff", "customer"] {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
                .map_err(|e| BenchError::Config(e.to_string()))?;
            let mut hits = 0usize;
            for i in 0..s.queries {
                let token = match role {
                    "staff" => staff.clone(),
                    _ => mint(
                        &opts.jwt_secret,
                        100_001 + (i * 7_919) % s.conversations,
                        Role::Customer,
                        None,
                    )?,
                };
                let path = format!("/api/v1/search?q={}", encode(&query(kind, i)));
                let started = Instant::now();
                let reply = rest.call(Method::GET, &path, Some(&token), None).await?;
                let us = started.elapsed().as_micros() as u64;
                if reply.status != 200 {
                    return Err(BenchError::Config(format!("{path}: {}", reply.status)));
                }
                hits += reply.body["items"].as_array().map_or(0, Vec::len);
                h.record(us.max(1))
                    .map_err(|e| BenchError::Config(e.to_string()))?;
            }
            let key = format!("{role} {kind}");
            mean_hits.insert(key.clone(), hits as f64 / s.queries as f64);
            results.insert(key, LatencySummary::from_histogram(&h));
        }
    }
    Ok(SearchReport {
        messages: s.messages,
        conversations: s.conversations,
        load_seconds,
        results,
        mean_hits,
    })
}

/// The report as a Markdown table.
pub fn table(r: &SearchReport) -> String {
    let mut out = format!(
        "{} messages over {} conversations (loaded and indexed in {:.0} s)\n\n\
         | query | P50 ms | P99 ms | max ms | hits on page 1 |\n|---|---|---|---|---|\n",
        r.messages, r.conversations, r.load_seconds
    );
    for (k, v) in &r.results {
        out.push_str(&format!(
            "| {k} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
            v.p50_ms,
            v.p99_ms,
            v.max_ms,
            r.mean_hits.get(k).copied().unwrap_or(0.0)
        ));
    }
    out
}
