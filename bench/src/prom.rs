//! Reads the node's `/metrics` before and after a run and turns the difference of its
//! `chat_ack_latency_seconds` histogram into percentiles, to cross-check the harness.

use std::collections::BTreeMap;

use crate::stats::PromCheck;

const ACK_HISTOGRAM: &str = "chat_ack_latency_seconds";
const MESSAGES_IN: &str = "chat_messages_in_total";

/// Cumulative bucket counts by upper bound (µs; +Inf as u64::MAX), summed over label sets.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    buckets: BTreeMap<u64, f64>,
    count: f64,
    messages_in: f64,
}

impl Snapshot {
    /// Adds another node's counters (a cluster run reads every node).
    pub fn merge(&mut self, other: &Snapshot) {
        for (le, v) in &other.buckets {
            *self.buckets.entry(*le).or_insert(0.0) += v;
        }
        self.count += other.count;
        self.messages_in += other.messages_in;
    }
}

pub fn parse(text: &str) -> Snapshot {
    let mut snap = Snapshot::default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((name_labels, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.trim().parse::<f64>() else {
            continue;
        };
        let name = name_labels.split('{').next().unwrap_or(name_labels);
        if name == format!("{ACK_HISTOGRAM}_bucket") {
            if let Some(le) = label(name_labels, "le") {
                let bound = if le == "+Inf" {
                    u64::MAX
                } else {
                    le.parse::<f64>()
                        .map_or(u64::MAX, |s| (s * 1e6).round() as u64)
                };
                *snap.buckets.entry(bound).or_insert(0.0) += value;
            }
        } else if name == format!("{ACK_HISTOGRAM}_count") {
            snap.count += value;
        } else if name == MESSAGES_IN {
            snap.messages_in += value;
        }
    }
    snap
}

fn label<'a>(name_labels: &'a str, key: &str) -> Option<&'a str> {
    let labels = name_labels.split_once('{')?.1.trim_end_matches('}');
    labels.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"'))
    })
}

/// Percentiles of what happened between `before` and `after` (None when the node has no histogram).
pub fn check(before: &Snapshot, after: &Snapshot) -> Option<PromCheck> {
    if after.buckets.is_empty() {
        return None;
    }
    let count = (after.count - before.count).max(0.0);
    let diff: Vec<(u64, f64)> = after
        .buckets
        .iter()
        .map(|(le, v)| (*le, v - before.buckets.get(le).copied().unwrap_or(0.0)))
        .collect();
    let total = diff.last().map_or(count, |(_, v)| *v);
    let at = |q: f64| -> Option<f64> {
        let want = q * total;
        diff.iter()
            .find(|(_, cum)| *cum >= want && *cum > 0.0)
            .and_then(|(le, _)| (*le != u64::MAX).then(|| *le as f64 / 1000.0))
    };
    Some(PromCheck {
        count: total as u64,
        p50_le_ms: at(0.50),
        p99_le_ms: at(0.99),
        messages_in: (after.messages_in - before.messages_in).max(0.0) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_give_percentile_buckets() {
        let before = parse("chat_ack_latency_seconds_bucket{le=\"0.001\"} 0\nchat_ack_latency_seconds_bucket{le=\"0.005\"} 0\nchat_ack_latency_seconds_bucket{le=\"+Inf\"} 0\n");
        let after = parse("# HELP x\nchat_ack_latency_seconds_bucket{le=\"0.001\"} 50\nchat_ack_latency_seconds_bucket{le=\"0.005\"} 99\nchat_ack_latency_seconds_bucket{le=\"+Inf\"} 100\nchat_ack_latency_seconds_count 100\nchat_messages_in_total 100\n");
        let c = check(&before, &after).unwrap();
        assert_eq!(c.count, 100);
        assert_eq!(c.p50_le_ms, Some(1.0));
        assert_eq!(c.p99_le_ms, Some(5.0));
        assert_eq!(c.messages_in, 100);
    }
}
