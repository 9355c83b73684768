//! The line chart of a sweep: the shown cells (or one cell at each value of a second varied
//! name) against the varied input.

use super::axis::ValueAxis;
use super::canvas::{self, Draw, Entry, Mark, AXIS_TITLE, PALETTE, TICK};
use super::{ticks, titled, ImageFormat, PlotError, Quantity, Scale};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line of a line chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// What the legend calls it: a cell's name, or `hardware = h100_sxm`.
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A sweep to draw: the shown cells against the varied input `x`, one line per series.
#[derive(Debug, Clone)]
pub struct SweepChart {
    /// The varied input on the x axis.
    pub x: Quantity,
    /// The cells shown (on the y axis).
    pub shown: Vec<Quantity>,
    /// The second varied name, whose values make one line each, if any.
    pub by: Option<String>,
    pub series: Vec<Series>,
    pub x_scale: Scale,
    pub y_scale: Scale,
}

const SIZE: (u32, u32) = (1200, 675);

impl SweepChart {
    /// `training.cost_usd as mfu varies`, `serving.usd_per_1k_tokens as mfu_serving and
    /// hardware vary`.
    pub fn title(&self) -> String {
        let shown = match self.shown.as_slice() {
            [one] => one.name.clone(),
            [a, b] => format!("{} and {}", a.name, b.name),
            [a, rest @ ..] => format!("{} and {} more cells", a.name, rest.len()),
            [] => "the shown cells".into(),
        };
        match &self.by {
            Some(by) => format!("{shown} as {} and {by} vary", self.x.name),
            None => format!("{shown} as {} varies", self.x.name),
        }
    }

    /// The unit every shown cell shares, if they share one.
    fn y_unit(&self) -> Option<&str> {
        let first = self.shown.first()?.unit.as_deref();
        self.shown.iter().all(|q| q.unit.as_deref() == first).then_some(first)?
    }

    /// The y axis title: the shown cell and its unit; for several, the last part of their
    /// names if they share it (`cost_usd`), else `value`, with the common unit.
    pub fn y_title(&self) -> String {
        if let [one] = self.shown.as_slice() {
            return one.title();
        }
        let last = |q: &Quantity| q.name.rsplit('.').next().unwrap_or("").to_string();
        let common = self
            .shown
            .first()
            .map(last)
            .filter(|l| self.shown.iter().all(|q| last(q) == *l));
        titled(common.as_deref().unwrap_or("value"), self.y_unit())
    }

    /// Whether each axis is logarithmic; a log axis asked for must have only values above
    /// zero.
    pub fn log_axes(&self) -> Result<(bool, bool), PlotError> {
        let points = || self.series.iter().flat_map(|s| s.points.iter().map(move |p| (s, *p)));
        let x = decide(self.x_scale, points().map(|(_, p)| p.0), || {
            points()
                .find(|(_, p)| p.0 <= 0.0)
                .map(|(_, p)| ("x", self.x.name.clone(), p.0))
        })?;
        let y = decide(self.y_scale, points().map(|(_, p)| p.1), || {
            points()
                .find(|(_, p)| p.1 <= 0.0)
                .map(|(s, p)| ("y", s.name.clone(), p.1))
        })?;
        Ok((x, y))
    }

    /// The chart as an SVG or PNG file's bytes.
    pub fn render(&self, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
        self.log_axes()?;
        canvas::render(self, format)
    }
}

/// Whether an axis over `values` is logarithmic under `scale`; `non_positive` finds a value a
/// log axis cannot show.
fn decide(
    scale: Scale,
    values: impl Iterator<Item = f64>,
    non_positive: impl Fn() -> Option<(&'static str, String, f64)>,
) -> Result<bool, PlotError> {
    match scale {
        Scale::Linear => Ok(false),
        Scale::Auto => Ok(ticks::spans_decades(values)),
        Scale::Log => match non_positive() {
            Some((axis, name, value)) => Err(PlotError::NotPositive { axis, name, value }),
            None => Ok(true),
        },
    }
}

impl Draw for SweepChart {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (log_x, log_y) = self.log_axes()?;
        root.fill(&WHITE).map_err(PlotError::draw)?;
        let below = canvas::title(root, &self.title())?;
        let entries: Vec<Entry> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| Entry {
                mark: Mark::Line(PALETTE[i % PALETTE.len()]),
                text: s.name.clone(),
            })
            .collect();
        let (w, h) = below.dim_in_pixel();
        let (plot_area, legend) = if entries.len() > 1 {
            let width = canvas::column_width(&below, &entries).min(w * 2 / 5);
            let (plot_area, legend) = below.split_horizontally(w - width);
            (plot_area, Some(legend))
        } else {
            (below.clone(), None)
        };
        if let Some(legend) = &legend {
            canvas::legend_column(legend, &entries, 30)?;
        }

        let xs = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
        let x_range = ticks::extent(xs).unwrap_or((0.0, 1.0));
        let (mut y_lo, y_hi) = ticks::extent(ys).unwrap_or((0.0, 1.0));
        // Costs from zero, as a reader expects, unless that squeezes the lines together.
        if !log_y && y_lo > 0.0 && y_lo < y_hi / 2.0 {
            y_lo = 0.0;
        }
        let plot_w = plot_area.dim_in_pixel().0;
        let x_unit = self.x.unit.as_deref();
        let x_axis = canvas::x_axis(root, x_range, log_x, x_unit, plot_w.saturating_sub(200));
        let y_axis = ValueAxis::new(y_lo, y_hi, log_y, self.y_unit(), (h / 70).max(3) as usize);
        let widest_y = canvas::widest(root, y_axis.labels(), TICK);
        let last_x = x_axis.labels().last().map_or(0, |l| canvas::measure(root, l, TICK).0);
        let right = if x_axis.last_tick_at_end() && legend.is_none() {
            last_x / 2 + 12
        } else {
            24
        };
        let y_title = canvas::fit(root, &self.y_title(), AXIS_TITLE, h.saturating_sub(120));
        let x_title = canvas::fit(root, &self.x.title(), AXIS_TITLE, plot_w.saturating_sub(200));
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_top(10)
            .margin_left(16)
            .margin_bottom(12)
            .margin_right(right)
            .x_label_area_size(TICK + AXIS_TITLE + 32)
            .y_label_area_size(widest_y + AXIS_TITLE + 34)
            .build_cartesian_2d(x_axis.clone(), y_axis.clone())
            .map_err(PlotError::draw)?;
        chart
            .configure_mesh()
            .x_desc(x_title)
            .y_desc(y_title)
            .axis_desc_style(canvas::style(AXIS_TITLE))
            .label_style(canvas::style(TICK))
            .x_label_formatter(&|v| x_axis.label(*v))
            .y_label_formatter(&|v| y_axis.label(*v))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.035))
            .axis_style(BLACK.mix(0.6))
            .draw()
            .map_err(PlotError::draw)?;
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let shown: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(shown.iter().copied(), color.stroke_width(3)))
                .map_err(PlotError::draw)?;
            if shown.len() <= 40 {
                chart
                    .draw_series(shown.iter().map(|&p| Circle::new(p, 4, color.filled())))
                    .map_err(PlotError::draw)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(shown: &[(&str, Option<&str>)], by: Option<&str>) -> SweepChart {
        SweepChart {
            x: Quantity::new("mfu", Some("%")),
            shown: shown.iter().map(|(n, u)| Quantity::new(*n, *u)).collect(),
            by: by.map(str::to_string),
            series: vec![Series {
                name: "s".into(),
                points: vec![(0.2, 1.0), (0.4, 2000.0)],
            }],
            x_scale: Scale::Auto,
            y_scale: Scale::Auto,
        }
    }

    #[test]
    fn titles_say_what_varied() {
        let one = chart(&[("training.cost_usd", Some("USD"))], None);
        assert_eq!(one.title(), "training.cost_usd as mfu varies");
        assert_eq!(one.y_title(), "training.cost_usd (USD)");
        let two = chart(
            &[("t.gpt3.cost_usd", Some("USD")), ("t.palm.cost_usd", Some("USD"))],
            Some("hardware"),
        );
        assert_eq!(
            two.title(),
            "t.gpt3.cost_usd and t.palm.cost_usd as mfu and hardware vary"
        );
        assert_eq!(two.y_title(), "cost_usd (USD)");
        let mixed = chart(&[("a", Some("USD")), ("b", Some("%"))], None);
        assert_eq!(mixed.y_title(), "value");
    }

    #[test]
    fn log_axes_when_asked_or_spanning_decades() {
        let mut c = chart(&[("y", None)], None);
        assert_eq!(c.log_axes().unwrap(), (false, true));
        c.y_scale = Scale::Linear;
        c.x_scale = Scale::Log;
        assert_eq!(c.log_axes().unwrap(), (true, false));
        c.series[0].points.push((0.5, -1.0));
        c.y_scale = Scale::Log;
        let e = c.log_axes().unwrap_err().to_string();
        assert!(e.contains("logarithmic y axis") && e.contains("-1"), "{e}");
    }
}
