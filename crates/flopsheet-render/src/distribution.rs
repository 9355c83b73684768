//! Charts of a Monte Carlo run, as SVG text: a histogram of each output with its percentiles
//! marked (`simulate --plot`), and what drives each output's spread as bars of rank
//! correlation (`simulate --plot-drivers`). Built from data only; the caller writes the file.

use crate::format_number;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One output's samples and the percentiles to mark.
pub struct Histogram {
    pub name: String,
    pub unit: Option<String>,
    /// The samples that are numbers, in any order.
    pub values: Vec<f64>,
    /// `(percentile, value)`: each drawn as a line, labelled `p50 $1.48M`.
    pub percentiles: Vec<(f64, f64)>,
    pub mean: f64,
}

/// One output's drivers: each input's rank correlation with it, strongest first.
pub struct Drivers {
    pub output: String,
    pub inputs: Vec<(String, f64)>,
}

const WIDTH: u32 = 900;
const BINS: usize = 60;
/// Bars, then the percentile lines.
const BAR: RGBColor = RGBColor(31, 119, 180);
const LINE: RGBColor = RGBColor(214, 39, 40);
const NEGATIVE: RGBColor = RGBColor(214, 39, 40);
/// The tails drawn: from this percentile to its mirror (a lognormal's long right tail would
/// squash the body into a few bins).
const TAIL: f64 = 0.005;

fn plot_error(e: impl std::fmt::Display) -> String {
    format!("cannot draw the chart: {e}")
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).color(&BLACK)
}

/// Counts of `sorted` in `BINS` equal bins over `lo..hi`, as shares of `total`.
fn bins(sorted: &[f64], lo: f64, hi: f64, total: usize) -> Vec<(f64, f64, f64)> {
    let width = (hi - lo) / BINS as f64;
    let mut counts = vec![0usize; BINS];
    for &v in sorted {
        if v < lo || v > hi {
            continue;
        }
        let bin = (((v - lo) / width) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let from = lo + width * i as f64;
            (from, from + width, c as f64 / total.max(1) as f64)
        })
        .collect()
}

/// The value at fraction `q` of `sorted` (nearest rank).
fn at(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A histogram of each output, one panel under the other, the percentiles marked and labelled
/// with their value in the output's unit.
pub fn histograms(title: &str, outputs: &[Histogram]) -> Result<String, String> {
    crate::plot::font::ensure().map_err(|e| e.to_string())?;
    let panel = 340;
    let height = 50 + panel * outputs.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let root = root.titled(title, font(20)).map_err(plot_error)?;
        let panels = root.split_evenly((outputs.len().max(1), 1));
        for (area, output) in panels.iter().zip(outputs) {
            histogram(area, output)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

fn histogram(area: &DrawingArea<SVGBackend<'_>, Shift>, output: &Histogram) -> Result<(), String> {
    let mut sorted: Vec<f64> = output.values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return area
            .draw(&Text::new(
                format!("{}: no sample is a number", output.name),
                (20, 40),
                font(16),
            ))
            .map_err(plot_error);
    }
    sorted.sort_unstable_by(f64::total_cmp);
    let (mut lo, mut hi) = (at(&sorted, TAIL), at(&sorted, 1.0 - TAIL));
    if hi <= lo {
        let pad = lo.abs().max(1.0) * 0.05;
        (lo, hi) = (lo - pad, hi + pad);
    }
    let bars = bins(&sorted, lo, hi, sorted.len());
    let top = bars.iter().map(|b| b.2).fold(0.0, f64::max).max(1e-9);
    let unit = output.unit.as_deref();
    let caption = format!(
        "{}: mean {}, {} samples (tails beyond p0.5 and p99.5 not drawn)",
        output.name,
        format_number(output.mean, unit),
        crate::group_thousands(&sorted.len().to_string()),
    );
    let x_title = match unit {
        Some(u) => format!("{} ({u})", output.name),
        None => output.name.clone(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, font(15))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, 0.0..top * 1.3)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(7)
        .y_labels(5)
        .x_label_formatter(&|v| format_number(*v, unit))
        .y_label_formatter(&|v| format!("{:.1}%", v * 100.0))
        .x_desc(x_title)
        .y_desc("share of samples")
        .label_style(font(13))
        .axis_desc_style(font(14))
        .draw()
        .map_err(plot_error)?;
    chart
        .draw_series(
            bars.iter()
                .map(|&(from, to, share)| Rectangle::new([(from, 0.0), (to, share)], BAR.mix(0.75).filled())),
        )
        .map_err(plot_error)?;
    // Each percentile: a line, and its label above, staggered so that neighbours do not collide.
    let shown: Vec<&(f64, f64)> = output
        .percentiles
        .iter()
        .filter(|(_, v)| (lo..=hi).contains(v))
        .collect();
    for (i, &&(p, v)) in shown.iter().enumerate() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(v, 0.0), (v, top * 1.08)],
                LINE.stroke_width(2),
            )))
            .map_err(plot_error)?;
        let height = if i % 2 == 0 { top * 1.1 } else { top * 1.2 };
        let label = format!("p{} {}", trim_percentile(p), format_number(v, unit));
        let style = font(12).color(&LINE).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(std::iter::once(Text::new(label, (v, height), style)))
            .map_err(plot_error)?;
    }
    Ok(())
}

fn trim_percentile(p: f64) -> String {
    let text = format!("{p}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// What drives each output: a bar per input, its rank correlation with the output (−1 to 1),
/// one panel per output under the other.
pub fn drivers(title: &str, outputs: &[Drivers]) -> Result<String, String> {
    crate::plot::font::ensure().map_err(|e| e.to_string())?;
    let row = 34;
    let heights: Vec<u32> = outputs
        .iter()
        .map(|o| 110 + row * o.inputs.len().max(1) as u32)
        .collect();
    let height = 50 + heights.iter().sum::<u32>().max(150);
    let longest = outputs
        .iter()
        .flat_map(|o| o.inputs.iter().map(|(n, _)| n.chars().count()))
        .max()
        .unwrap_or(8);
    let label_area = (longest as u32 * 8 + 20).clamp(100, 420);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut rest = root.titled(title, font(20)).map_err(plot_error)?;
        for (output, &h) in outputs.iter().zip(&heights) {
            let (area, below) = rest.split_vertically(h);
            rest = below;
            driver_panel(&area, output, label_area)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

fn driver_panel(area: &DrawingArea<SVGBackend<'_>, Shift>, output: &Drivers, label_area: u32) -> Result<(), String> {
    let n = output.inputs.len().max(1) as i32;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: Spearman's rank correlation of each input with it", output.output),
            font(15),
        )
        .margin(12)
        .margin_right(40)
        .x_label_area_size(44)
        .y_label_area_size(label_area)
        .build_cartesian_2d(-1.0..1.0, (0..n).into_segmented())
        .map_err(plot_error)?;
    let names: Vec<String> = output.inputs.iter().map(|(name, _)| name.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(names.len() + 1)
        .x_labels(9)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get((n - 1 - *i) as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|v| format!("{v:.2}"))
        .x_desc("rank correlation (negative: the output falls as the input rises)")
        .label_style(font(13))
        .axis_desc_style(font(13))
        .draw()
        .map_err(plot_error)?;
    for (i, (_, rho)) in output.inputs.iter().enumerate() {
        let row = n - 1 - i as i32;
        let color = if *rho < 0.0 { NEGATIVE } else { BAR };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, SegmentValue::Exact(row)), (*rho, SegmentValue::Exact(row + 1))],
                color.mix(0.8).filled(),
            )))
            .map_err(plot_error)?;
        // The value just outside the bar's end.
        let (x, anchor) = if *rho < 0.0 {
            (rho - 0.02, HPos::Right)
        } else {
            (rho + 0.02, HPos::Left)
        };
        let style = font(12).pos(Pos::new(anchor, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{rho:+.2}"),
                (x, SegmentValue::CenterOf(row)),
                style,
            )))
            .map_err(plot_error)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))],
            BLACK.stroke_width(1),
        )))
        .map_err(plot_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_count_every_sample_in_range_once() {
        let values: Vec<f64> = (0..1000).map(|i| i as f64 / 999.0).collect();
        let b = bins(&values, 0.0, 1.0, values.len());
        assert_eq!(b.len(), BINS);
        let total: f64 = b.iter().map(|x| x.2).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
    }

    #[test]
    fn charts_name_the_outputs_and_label_the_percentiles_in_their_unit() {
        let values: Vec<f64> = (1..=10_000).map(|i| 1e6 + i as f64 * 100.0).collect();
        let svg = histograms(
            "t",
            &[Histogram {
                name: "cost".into(),
                unit: Some("USD".into()),
                values,
                percentiles: vec![(5.0, 1.05e6), (50.0, 1.5e6), (95.0, 1.95e6)],
                mean: 1.5e6,
            }],
        )
        .unwrap();
        assert!(svg.contains("p50 $1.50M"), "{svg}");
        assert!(svg.contains("cost (USD)"));
        let svg = drivers(
            "t",
            &[Drivers {
                output: "cost".into(),
                inputs: vec![("mfu".into(), -0.8), ("price".into(), 0.55)],
            }],
        )
        .unwrap();
        assert!(
            svg.contains("mfu") && svg.contains("-0.80") && svg.contains("+0.55"),
            "{svg}"
        );
    }
}
