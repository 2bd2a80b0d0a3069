//! Results on disk: each preset's JSON and CSV, and a summary (markdown tables + the plot) built
//! from whatever presets have been run into the results directory.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;
use crate::idle::{self, IdleReport};
use crate::plot::write_svg;
use crate::report::{ratio_table, ratios, table, write_files};
use crate::scenarios::{sustained, Preset, THROUGHPUT_P99_LIMIT_MS};
use crate::stats::Report;

/// Prints a preset's tables and writes `<out>/<name>.json` and `.csv`.
pub fn write_preset(out: &Path, name: &str, reports: &[Report]) -> Result<()> {
    println!("{}", section(name, reports));
    write_files(out, name, reports)
}

/// Prints the idle-socket breakdown and writes `<out>/idle.json`.
pub fn write_idle(out: &Path, reports: &[IdleReport]) -> Result<()> {
    println!("### idle\n\n{}", idle::table(reports));
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("idle.json"),
        serde_json::to_string_pretty(reports)?,
    )?;
    Ok(())
}

fn section(name: &str, reports: &[Report]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### {name}\n");
    let mut seen = Vec::new();
    for r in reports {
        if !seen.contains(&r.parameters) {
            let _ = writeln!(s, "- {}", r.parameters);
            seen.push(r.parameters.clone());
        }
    }
    let _ = writeln!(s, "\n{}", table(reports));
    let targets: Vec<&str> = reports.iter().map(|r| r.target.as_str()).collect();
    let comparable = matches!(name, "rtt100" | "cluster" | "light")
        && targets.contains(&"node")
        && (targets.contains(&"floor") || targets.contains(&"peer"));
    if comparable {
        let _ = writeln!(s, "{}", ratio_table(&ratios(reports)));
    }
    if name == "throughput" {
        for target in ["node", "floor", "peer"] {
            for limit in [THROUGHPUT_P99_LIMIT_MS, 50.0] {
                let best = reports
                    .iter()
                    .filter(|r| r.target == target && sustained(r) && r.ack.p99_ms <= limit)
                    .map(|r| r.ack_per_s)
                    .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v))));
                if let Some(best) = best {
                    let _ = writeln!(
                        s,
                        "- {target}: highest sustained rate with P99 ack ≤ {limit:.0} ms: {best:.0} msg/s"
                    );
                }
            }
        }
    }
    if matches!(name, "throughput" | "cost" | "rtt100" | "light") {
        for r in reports.iter().filter(|r| r.target != "floor") {
            if let Some(us) = r.server.as_ref().and_then(|s| s.cpu_us_per_msg) {
                let _ = writeln!(
                    s,
                    "- {} at {:.0} msg/s offered ({} sockets): {us:.0} CPU µs per acked message",
                    r.target, r.offered_msgs_per_s, r.sockets
                );
            }
        }
    }
    s
}

/// Rebuilds `<out>/summary.md` and `<out>/p99.svg` from every preset's JSON present in `out`.
pub fn publish(out: &Path) -> Result<()> {
    let mut all = Vec::new();
    let mut md = String::from("## Measured results\n\n");
    for preset in Preset::ALL {
        let path = out.join(format!("{}.json", preset.name()));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let reports: Vec<Report> = serde_json::from_str(&text)?;
        let _ = writeln!(md, "{}", section(preset.name(), &reports));
        all.extend(reports);
    }
    if let Ok(text) = std::fs::read_to_string(out.join("idle.json")) {
        let reports: Vec<IdleReport> = serde_json::from_str(&text)?;
        let _ = writeln!(md, "### idle\n\n{}", idle::table(&reports));
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("summary.md"), md)?;
    write_svg(&out.join("p99.svg"), &all)?;
    eprintln!("wrote {}", out.join("summary.md").display());
    Ok(())
}
