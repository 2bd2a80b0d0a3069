//! Optional `perf` profile of the servers during a run (`--profile`): where the node's CPU goes
//! on the hot path, written as a flat report beside the results.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::error::{BenchError, Result};

/// Sampling rate: enough samples in a 30 s run without perturbing a 2-core machine much.
const FREQUENCY: &str = "499";
/// How many symbols the text report keeps.
const TOP_LINES: usize = 60;

/// A `perf record` attached to running processes; [`Recording::finish`] stops it and reports.
pub struct Recording {
    child: Child,
    data: PathBuf,
    report: PathBuf,
}

pub fn start(pids: &[u32], out: &Path, name: &str) -> Result<Recording> {
    std::fs::create_dir_all(out)?;
    let data = out.join(format!("perf-{name}.data"));
    let list = pids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let child = Command::new("perf")
        .args(["record", "-F", FREQUENCY, "-g", "-o"])
        .arg(&data)
        .args(["-p", &list])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BenchError::Launch {
            what: "perf record".into(),
            detail: e.to_string(),
        })?;
    Ok(Recording {
        child,
        data,
        report: out.join(format!("perf-{name}.txt")),
    })
}

impl Recording {
    /// Stops the recording (SIGINT lets perf write its file) and writes the flat report.
    pub async fn finish(mut self) -> Result<PathBuf> {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status()
                .await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        let output = Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "--sort",
                "dso,symbol",
                "-g",
                "none",
                "-i",
            ])
            .arg(&self.data)
            .output()
            .await?;
        let text = String::from_utf8_lossy(&output.stdout);
        let top: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::trim_end)
            .take(TOP_LINES)
            .collect();
        std::fs::write(&self.report, top.join("\n") + "\n")?;
        Ok(self.report)
    }
}
