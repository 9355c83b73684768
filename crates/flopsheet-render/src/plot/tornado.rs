//! The tornado chart of a sensitivity analysis: one horizontal bar per input, from the
//! target's base value to its value with the input lowered (one colour) and raised (the
//! other), the widest swing at the top.

use super::axis::ValueAxis;
use super::canvas::{self, Draw, Entry, Mark, AXIS_TITLE, PALETTE, TICK};
use super::{ticks, ImageFormat, PlotError, Quantity};
use crate::number::format_number;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One bar: the target's value with the input lowered and raised.
#[derive(Debug, Clone)]
pub struct Bar {
    pub name: String,
    pub low: f64,
    pub high: f64,
}

/// A sensitivity to draw: `target` at `base`, each input moved by ±`delta` (a fraction).
#[derive(Debug, Clone)]
pub struct Tornado {
    pub target: Quantity,
    pub base: f64,
    pub delta: f64,
    /// In any order: the chart puts the widest swing at the top.
    pub bars: Vec<Bar>,
}

const WIDTH: u32 = 1200;
const ROW: u32 = 46;
const LOWERED: RGBColor = PALETTE[0];
const RAISED: RGBColor = PALETTE[1];

impl Tornado {
    /// `±10%`.
    fn by(&self) -> String {
        format!("±{}", format_number(self.delta, Some("%")))
    }

    /// `Sensitivity of training.cost_usd to ±10% in each input`.
    pub fn title(&self) -> String {
        format!("Sensitivity of {} to {} in each input", self.target.name, self.by())
    }

    /// The legend: a colour for each direction, and the base line.
    pub fn legend(&self) -> [String; 3] {
        let pct = format_number(self.delta, Some("%"));
        [
            format!("input −{pct}"),
            format!("input +{pct}"),
            format!("base {}", format_number(self.base, self.target.unit.as_deref())),
        ]
    }

    /// The bars, widest swing first.
    fn sorted(&self) -> Vec<&Bar> {
        let swing = |b: &Bar| {
            let s = (b.high - b.low).abs();
            if s.is_finite() {
                s
            } else {
                -1.0
            }
        };
        let mut bars: Vec<&Bar> = self.bars.iter().collect();
        bars.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
        bars
    }

    /// The chart as an SVG or PNG file's bytes.
    pub fn render(&self, format: ImageFormat) -> Result<Vec<u8>, PlotError> {
        canvas::render(self, format)
    }
}

impl Draw for Tornado {
    fn size(&self) -> (u32, u32) {
        (WIDTH, 200 + ROW * self.bars.len().max(2) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE).map_err(PlotError::draw)?;
        let below = canvas::title(root, &self.title())?;
        let [minus, plus, base] = self.legend();
        let entries = [
            Entry {
                mark: Mark::Swatch(LOWERED),
                text: minus,
            },
            Entry {
                mark: Mark::Swatch(RAISED),
                text: plus,
            },
            Entry {
                mark: Mark::Line(BLACK),
                text: base,
            },
        ];
        let (legend, plot_area) = below.split_vertically(LEGEND_ROW);
        canvas::legend_row(&legend, &entries, LEGEND_ROW as i32 / 2 - 4)?;

        let bars = self.sorted();
        let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
        let values = bars.iter().flat_map(|b| [b.low, b.high]).chain([self.base]);
        let range = ticks::extent(values).unwrap_or((0.0, 1.0));
        let unit = self.target.unit.as_deref();
        let (plot_w, _) = plot_area.dim_in_pixel();
        let name_room = canvas::widest(root, &names, TICK).min(plot_w / 3);
        let x_axis = canvas::x_axis(root, range, false, unit, plot_w.saturating_sub(name_room + 80));
        let shown_names: Vec<String> = names.iter().map(|n| canvas::fit(root, n, TICK, name_room)).collect();
        let y_axis = ValueAxis::categories(&shown_names);
        let last_x = x_axis.labels().last().map_or(0, |l| canvas::measure(root, l, TICK).0);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_top(4)
            .margin_left(16)
            .margin_bottom(12)
            .margin_right(last_x / 2 + 16)
            .x_label_area_size(TICK + AXIS_TITLE + 32)
            .y_label_area_size(name_room + 20)
            .build_cartesian_2d(x_axis.clone(), y_axis.clone())
            .map_err(PlotError::draw)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(canvas::fit(
                root,
                &self.target.title(),
                AXIS_TITLE,
                plot_w.saturating_sub(name_room + 80),
            ))
            .axis_desc_style(canvas::style(AXIS_TITLE))
            .label_style(canvas::style(TICK))
            .x_label_formatter(&|v| x_axis.label(*v))
            .y_label_formatter(&|v| y_axis.label(*v))
            .bold_line_style(BLACK.mix(0.12))
            .axis_style(BLACK.mix(0.6))
            .draw()
            .map_err(PlotError::draw)?;
        let n = bars.len();
        for (i, bar) in bars.iter().enumerate() {
            // The widest at the top: the first bar in the highest band, with a gap around it.
            let band = (n - 1 - i) as f64;
            let (bottom, top) = (band + 0.18, band + 0.82);
            for (value, color) in [(bar.low, LOWERED), (bar.high, RAISED)] {
                if value.is_finite() {
                    chart
                        .draw_series([Rectangle::new([(self.base, top), (value, bottom)], color.filled())])
                        .map_err(PlotError::draw)?;
                }
            }
        }
        chart
            .draw_series([PathElement::new(
                vec![(self.base, 0.0), (self.base, n.max(1) as f64)],
                BLACK.stroke_width(2),
            )])
            .map_err(PlotError::draw)?;
        Ok(())
    }
}

/// Height of the legend line under the title.
const LEGEND_ROW: u32 = 36;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_legend_say_what_moved() {
        let t = Tornado {
            target: Quantity::new("training.cost_usd", Some("USD")),
            base: 1.4e6,
            delta: 0.1,
            bars: vec![
                Bar {
                    name: "small".into(),
                    low: 1.3e6,
                    high: 1.5e6,
                },
                Bar {
                    name: "big".into(),
                    low: 1e6,
                    high: 2e6,
                },
            ],
        };
        assert_eq!(t.title(), "Sensitivity of training.cost_usd to ±10% in each input");
        assert_eq!(t.legend(), ["input −10%", "input +10%", "base $1.40M"]);
        let order: Vec<&str> = t.sorted().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(order, ["big", "small"]);
    }
}
