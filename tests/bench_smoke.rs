//! A smoke run of the load-test harness (a few sockets, two seconds) against a real node, so the
//! harness cannot rot: every message acked and delivered, and the node's own ack histogram agrees.

mod common;

use std::time::Duration;

use servihub_bench::{run_scenario, ScenarioConfig, Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_smoke_against_a_node() {
    let node = common::TestNode::start_with(|cfg| {
        // The harness sends 5 msg/s per socket; the default per-user limit would shape the load.
        cfg.rate_limit_messages = 100_000;
        cfg.rate_limit_window = Duration::from_secs(1);
    })
    .await;
    let mut cfg = ScenarioConfig::pairs(
        "smoke",
        Target::Node,
        &node.base,
        common::SECRET,
        4,
        5.0,
        Duration::from_secs(2),
    );
    cfg.warmup = Duration::ZERO;
    cfg.drain = Duration::from_secs(1);
    cfg.businesses = 2;
    let report = run_scenario(cfg).await.expect("smoke run");
    node.stop().await;

    assert!(report.sent >= 30, "sent {}", report.sent);
    assert_eq!(report.error_total(), 0, "errors: {:?}", report.errors);
    assert_eq!(report.acked, report.sent, "every message acked");
    assert_eq!(report.delivered, report.sent, "every message delivered");
    assert!(report.ack.p99_ms > 0.0 && report.ack.p99_ms < 1_000.0);
    if let Some(prom) = report.prometheus {
        assert!(
            prom.count >= report.acked,
            "node histogram saw {}",
            prom.count
        );
    }
}
