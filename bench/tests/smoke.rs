//! Smoke runs of the harness (a few sockets, a few seconds) so it cannot rot: against the floor
//! relay in-process, and against a real node started from the workspace's debug build.

use std::path::PathBuf;
use std::time::Duration;

use servihub_bench::config::Workload;
use servihub_bench::launch::{seed, start_node, NodeOptions};
use servihub_bench::relay::spawn_local;
use servihub_bench::{run_scenario, ScenarioConfig, Target};

const SECRET: &str = "servihub-bench-smoke-secret-0123456789abcdef";

fn smoke_config(target: Target, url: &str) -> ScenarioConfig {
    let mut cfg =
        ScenarioConfig::pairs("smoke", target, url, SECRET, 4, 5.0, Duration::from_secs(2));
    cfg.warmup = Duration::ZERO;
    cfg.drain = Duration::from_secs(1);
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floor_relay_round_trip() {
    let (url, server) = spawn_local(0).await.unwrap();
    let report = run_scenario(smoke_config(Target::Floor, &url))
        .await
        .unwrap();
    server.abort();
    assert!(report.sent >= 30, "sent {}", report.sent);
    assert_eq!(report.acked, report.sent);
    assert_eq!(report.delivered, report.sent);
    assert_eq!(report.error_total(), 0);
    assert!(report.ack.p99_ms > 0.0 && report.ack.p99_ms < 1_000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floor_fanout_reaches_every_subscriber() {
    let (url, server) = spawn_local(0).await.unwrap();
    let mut cfg = smoke_config(Target::Floor, &url);
    cfg.sockets = 6;
    cfg.rate_per_socket = 2.0;
    cfg.workload = Workload::Fanout { announcements: 3 };
    let report = run_scenario(cfg).await.unwrap();
    server.abort();
    assert_eq!(report.sent, 3);
    assert_eq!(report.acked, 3);
    assert_eq!(report.delivered, 15);
}

/// The node binary of this workspace's debug build (`SERVIHUB_NODE_BIN` overrides).
fn node_bin() -> PathBuf {
    if let Ok(path) = std::env::var("SERVIHUB_NODE_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug").join("servihub-chat")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_smoke() {
    let bin = node_bin();
    if !bin.exists() {
        // `cargo test -p servihub-bench` alone does not build the root package's binary.
        assert!(
            std::env::var("BENCH_SMOKE_REQUIRE_NODE").is_err(),
            "node binary {} missing: run `cargo build --bin servihub-chat` first",
            bin.display()
        );
        eprintln!("skipped: {} not built", bin.display());
        return;
    }
    // A database of its own per run: one left by an older build must not decide this one.
    let database_url = std::env::var("BENCH_SMOKE_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "postgres://postgres@127.0.0.1:5432/servihub_bench_smoke_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        )
    });
    let opts = NodeOptions {
        bin,
        database_url,
        redis_url: None,
        jwt_secret: SECRET.into(),
        businesses: 2,
        log_dir: std::env::temp_dir().join("servihub-bench-smoke"),
    };
    seed(&opts).await.unwrap();
    let node = start_node(&opts, "bench-smoke").await.unwrap();
    let mut cfg = smoke_config(Target::Node, &node.url);
    cfg.server_pids = node.pid.into_iter().collect();
    let report = run_scenario(cfg).await.unwrap();
    assert!(report.sent >= 30, "sent {}", report.sent);
    assert_eq!(report.error_total(), 0, "errors: {:?}", report.errors);
    assert_eq!(report.acked, report.sent, "every message acked");
    assert_eq!(report.delivered, report.sent, "every message delivered");
    let server = report.server.expect("node RSS measured");
    assert!(server.rss_end_kb > 0);
    if let Some(prom) = report.prometheus {
        assert!(
            prom.count >= report.acked,
            "node histogram saw {}",
            prom.count
        );
    }
}
