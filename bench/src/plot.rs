//! The picture: P99 ack RTT against connected sockets (scale) and against offered message rate
//! (throughput), one line per target, as an SVG that needs no fonts to build.

use std::path::Path;

use plotters::prelude::*;

use crate::error::{BenchError, Result};
use crate::stats::Report;

const SIZE: (u32, u32) = (1200, 480);

fn colour(target: &str) -> RGBColor {
    match target {
        "node" => RGBColor(0x1f, 0x77, 0xb4),
        "floor" => RGBColor(0x2c, 0xa0, 0x2c),
        _ => RGBColor(0xd6, 0x27, 0x28),
    }
}

/// Points (x, P99 ms) of one target's runs of one scenario, sorted by x.
fn series(
    reports: &[Report],
    scenario: &str,
    target: &str,
    x: fn(&Report) -> f64,
) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = reports
        .iter()
        .filter(|r| r.scenario == scenario && r.target == target && r.ack.count > 0)
        .map(|r| (x(r), r.ack.p99_ms.max(0.01)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    reports: &[Report],
    scenario: &str,
    caption: &str,
    x_label: &str,
    x: fn(&Report) -> f64,
) -> Result<()> {
    let draw_err = |e: String| BenchError::Config(format!("plot: {e}"));
    let targets = ["node", "floor", "peer"];
    let all: Vec<(f64, f64)> = targets
        .iter()
        .flat_map(|t| series(reports, scenario, t, x))
        .collect();
    let x_max = all.iter().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    let y_max = all.iter().map(|p| p.1).fold(1.0, f64::max) * 2.0;
    let y_min = all
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .min(1.0)
        / 2.0;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, (y_min..y_max).log_scale())
        .map_err(|e| draw_err(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc("P99 ack RTT (ms, log)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v}"))
        .y_labels(8)
        .light_line_style(WHITE)
        .draw()
        .map_err(|e| draw_err(e.to_string()))?;
    for target in targets {
        let points = series(reports, scenario, target, x);
        if points.is_empty() {
            continue;
        }
        let c = colour(target);
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
            .map_err(|e| draw_err(e.to_string()))?
            .label(target)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart
            .draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))
            .map_err(|e| draw_err(e.to_string()))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(|e| draw_err(e.to_string()))?;
    Ok(())
}

/// Writes the two-panel SVG to `path`.
pub fn write_svg(path: &Path, reports: &[Report]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)
        .map_err(|e| BenchError::Config(format!("plot: {e}")))?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    panel(
        &left,
        reports,
        "scale",
        "P99 against connected sockets (1 msg / 10 s each)",
        "connected sockets",
        |r| r.sockets as f64,
    )?;
    panel(
        &right,
        reports,
        "throughput",
        "P99 against offered rate (200 sockets)",
        "offered durable msg/s",
        |r| r.offered_msgs_per_s,
    )?;
    root.present()
        .map_err(|e| BenchError::Config(format!("plot: {e}")))?;
    Ok(())
}
