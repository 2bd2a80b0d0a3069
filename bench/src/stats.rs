//! Recording: HDR histograms of ack RTT and delivery latency, counters, and the report they make.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latencies in microseconds, 1 µs to 60 s at 3 significant digits (0.1 % error).
const HIGHEST_US: u64 = 60_000_000;

fn new_histogram() -> Histogram<u64> {
    // Bounds are constants within the crate's accepted range, so this cannot fail.
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("constant histogram bounds")
}

/// Shared by every socket task of a run. One histogram per kind behind a mutex rather than one per
/// socket: 10,000 sockets times two histograms of ~200 KB each would not fit the machine.
pub struct Recorder {
    /// Every timestamp in a client id is microseconds since this instant.
    pub epoch: Instant,
    /// Unique per run (wall-clock nanoseconds at start), part of every client id.
    pub run_id: u64,
    /// Samples whose send time is before this (µs since epoch) are warm-up and not recorded.
    pub measure_from_us: u64,
    ack: Mutex<Histogram<u64>>,
    delivery: Mutex<Histogram<u64>>,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub delivered: AtomicU64,
    pub reconnects: AtomicU64,
    pub connect_failures: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Recorder {
    pub fn new(epoch: Instant) -> Self {
        let run_id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            epoch,
            run_id,
            measure_from_us: 0,
            ack: Mutex::new(new_histogram()),
            delivery: Mutex::new(new_histogram()),
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            connect_failures: AtomicU64::new(0),
            errors: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    pub fn record_ack(&self, sent_us: u64) {
        self.acked.fetch_add(1, Ordering::Relaxed);
        record(&self.ack, sent_us, self.now_us(), self.measure_from_us);
    }

    pub fn record_delivery(&self, sent_us: u64) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
        record(&self.delivery, sent_us, self.now_us(), self.measure_from_us);
    }

    pub fn record_error(&self, code: &str) {
        if let Ok(mut map) = self.errors.lock() {
            *map.entry(code.to_string()).or_insert(0) += 1;
        }
    }

    pub fn ack_summary(&self) -> LatencySummary {
        summarize(&self.ack)
    }

    pub fn delivery_summary(&self) -> LatencySummary {
        summarize(&self.delivery)
    }

    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.errors.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

fn record(hist: &Mutex<Histogram<u64>>, sent_us: u64, now_us: u64, from_us: u64) {
    if sent_us < from_us {
        return;
    }
    let value = now_us.saturating_sub(sent_us).clamp(1, HIGHEST_US);
    if let Ok(mut h) = hist.lock() {
        // `value` is clamped into the histogram's range, so recording cannot fail.
        let _ = h.record(value);
    }
}

fn summarize(hist: &Mutex<Histogram<u64>>) -> LatencySummary {
    match hist.lock() {
        Ok(h) => LatencySummary::from_histogram(&h),
        Err(_) => LatencySummary::default(),
    }
}

/// Percentiles in milliseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl LatencySummary {
    pub fn from_histogram(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1000.0,
        }
    }
}

/// RSS and CPU of the server process(es) during a run (Linux `/proc`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ServerUsage {
    /// Before the run's sockets connected.
    pub rss_before_kb: u64,
    /// With every socket connected and nothing sent yet.
    pub rss_connected_kb: u64,
    pub rss_end_kb: u64,
    /// (connected − before) / sockets: what an idle socket costs the server.
    pub rss_per_socket_bytes: u64,
    /// Server CPU over the sending window, in % of one core.
    pub cpu_percent: f64,
    /// Server CPU seconds over the sending window and the drain.
    #[serde(default)]
    pub cpu_seconds: f64,
    /// Server CPU microseconds per acked (for the node and the peer: durable) message, over the
    /// same window; None when nothing was acked.
    #[serde(default)]
    pub cpu_us_per_msg: Option<f64>,
}

/// The node's own view (`chat_ack_latency_seconds`), over this run only, to cross-check the harness.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PromCheck {
    pub count: u64,
    /// Upper bound of the bucket holding the percentile (Prometheus buckets are coarse);
    /// None when it falls in the +Inf bucket.
    pub p50_le_ms: Option<f64>,
    pub p99_le_ms: Option<f64>,
    pub messages_in: u64,
}

/// Everything one run measured; serialised as JSON and CSV, printed as a table.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub scenario: String,
    pub target: String,
    pub parameters: String,
    pub servers: usize,
    pub sockets: usize,
    pub offered_msgs_per_s: f64,
    pub duration_s: f64,
    pub connect_s: f64,
    pub sent: u64,
    pub acked: u64,
    pub delivered: u64,
    pub ack_per_s: f64,
    pub delivered_per_s: f64,
    pub reconnects: u64,
    pub connect_failures: u64,
    pub errors: BTreeMap<String, u64>,
    pub ack: LatencySummary,
    pub delivery: LatencySummary,
    pub server: Option<ServerUsage>,
    pub prometheus: Option<PromCheck>,
    /// The machine's 1-minute load average at the end of the run: a busy neighbour shows here.
    #[serde(default)]
    pub load_1m: f64,
    /// The load generator's own CPU over the run, in % of one core: when it nears the machine's
    /// cores, the client, not the server, is what saturates.
    #[serde(default)]
    pub client_cpu_percent: f64,
}

impl Report {
    pub fn error_total(&self) -> u64 {
        self.errors.values().sum::<u64>() + self.connect_failures
    }
}
