//! RSS and CPU time of server processes from Linux `/proc`, so the report says what a socket costs.

use std::time::Instant;

/// Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel config.
const TICKS_PER_SECOND: f64 = 100.0;

/// Resident set size of all `pids` together, in KiB (0 where a process is gone).
pub fn rss_kb(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|p| one_rss_kb(*p)).sum()
}

fn one_rss_kb(pid: u32) -> Option<u64> {
    status_kb(pid, "VmRSS:")
}

/// One `kB` field of `/proc/<pid>/status`.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// RSS split as the kernel counts it, in KiB over all `pids`: anonymous memory (heap, stacks:
/// what sockets cost) and file-backed pages (the binary and libraries, shared and fixed).
pub fn rss_split_kb(pids: &[u32]) -> (u64, u64) {
    let sum = |f: &str| pids.iter().filter_map(|p| status_kb(*p, f)).sum();
    (sum("RssAnon:"), sum("RssFile:"))
}

/// Threads of all `pids` together (each costs a stack).
pub fn threads(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| status_plain(*p, "Threads:"))
        .sum()
}

fn status_plain(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The 1-minute load average (`/proc/loadavg`), 0 where unavailable.
pub fn load_1m() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|p| one_cpu_ticks(*p)).sum()
}

fn one_cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; the fields after its closing parenthesis do not.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// CPU use between `start` and `stop`, in percent of one core.
pub struct CpuMeter {
    pids: Vec<u32>,
    ticks: u64,
    at: Instant,
}

impl CpuMeter {
    pub fn start(pids: &[u32]) -> Self {
        Self {
            pids: pids.to_vec(),
            ticks: cpu_ticks(pids),
            at: Instant::now(),
        }
    }

    /// CPU seconds used since `start` (user + system, all threads).
    pub fn seconds(&self) -> f64 {
        cpu_ticks(&self.pids).saturating_sub(self.ticks) as f64 / TICKS_PER_SECOND
    }

    pub fn percent(&self) -> f64 {
        let used = self.seconds();
        let wall = self.at.elapsed().as_secs_f64();
        if wall > 0.0 {
            100.0 * used / wall
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_process() {
        let me = std::process::id();
        assert!(rss_kb(&[me]) > 0);
        let meter = CpuMeter::start(&[me]);
        assert!(meter.percent() >= 0.0);
        assert!(meter.seconds() >= 0.0);
        let (anon, _) = rss_split_kb(&[me]);
        assert!(anon > 0);
        assert!(threads(&[me]) >= 1);
    }
}
