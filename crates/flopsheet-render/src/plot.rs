//! Charts as SVG text: a line chart for sweeps, a tornado chart for sensitivity.
//!
//! plotters' SVG backend writes labels as SVG `<text>`, so no font files are needed; the
//! chart is returned as a string for the caller to write.

use plotters::prelude::*;

/// One line of a line chart.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

const SIZE: (u32, u32) = (800, 500);
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    (lo - pad)..(hi + pad)
}

fn plot_error(e: impl std::fmt::Display) -> String {
    format!("cannot draw the chart: {e}")
}

/// A line chart of `series` against `x_label`.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let xs = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let ys = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(xs, ys)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .y_label_formatter(&|v| format!("{v:.3e}"))
            .draw()
            .map_err(plot_error)?;
        for (i, s) in series.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied().filter(|p| p.1.is_finite()),
                    color.stroke_width(2),
                ))
                .map_err(plot_error)?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// One bar of a tornado chart: the target's value with the input lowered and raised.
pub struct Bar {
    pub name: String,
    pub low: f64,
    pub high: f64,
}

/// A tornado chart around `base`: one horizontal bar per input, widest at the top.
pub fn tornado(title: &str, base: f64, bars: &[Bar]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, 120 + 40 * bars.len() as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let xs = range(bars.iter().flat_map(|b| [b.low, b.high]).chain([base]));
        let n = bars.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(220)
            .build_cartesian_2d(xs, (0..n).into_segmented())
            .map_err(plot_error)?;
        let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(bars.len() + 1)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get((n - 1 - *i) as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|v| format!("{v:.3e}"))
            .draw()
            .map_err(plot_error)?;
        for (i, bar) in bars.iter().enumerate() {
            let row = n - 1 - i as i32;
            let (lo, hi) = (bar.low.min(bar.high), bar.low.max(bar.high));
            let rect = |from: f64, to: f64, color: RGBColor| {
                Rectangle::new(
                    [(from, SegmentValue::Exact(row)), (to, SegmentValue::Exact(row + 1))],
                    color.filled(),
                )
            };
            chart
                .draw_series([
                    rect(lo, base.max(lo).min(hi), COLORS[0]),
                    rect(base.max(lo).min(hi), hi, COLORS[1]),
                ])
                .map_err(plot_error)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(base, SegmentValue::Exact(0)), (base, SegmentValue::Exact(n))],
                BLACK.stroke_width(2),
            )))
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}
