//! One value axis as plotters sees it: a linear or logarithmic map from values to pixels, with
//! ticks chosen and written by [`super::ticks`] instead of plotters' own (which write `0.1`
//! for 10% and `4.500e0` for $4.50, and find no tick on a log axis under one decade).

use super::ticks;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// An axis over `lo..hi` with its ticks, grid lines and tick labels.
#[derive(Clone)]
pub struct ValueAxis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    light: Vec<f64>,
    labels: Vec<String>,
}

impl ValueAxis {
    /// An axis showing `lo..=hi` (a little wider, so that nothing sits on the frame), with
    /// about `count` ticks written in `unit`. `log` needs `lo > 0`.
    pub fn new(lo: f64, hi: f64, log: bool, unit: Option<&str>, count: usize) -> ValueAxis {
        let (lo, hi) = if log { pad_log(lo, hi) } else { pad_linear(lo, hi) };
        let (ticks, light) = if log {
            ticks::logarithmic(lo, hi, count)
        } else {
            (ticks::linear(lo, hi, count), Vec::new())
        };
        let labels = ticks::labels(&ticks, unit, log);
        ValueAxis {
            lo,
            hi,
            log,
            ticks,
            light,
            labels,
        }
    }

    /// Categories `0..n`, each a band one unit high; ticks at the bands' centres, labelled
    /// with `names` (the first at the top).
    pub fn categories(names: &[String]) -> ValueAxis {
        let n = names.len().max(1);
        ValueAxis {
            lo: 0.0,
            hi: n as f64,
            log: false,
            ticks: (0..names.len()).map(|i| i as f64 + 0.5).collect(),
            light: Vec::new(),
            labels: names.iter().rev().cloned().collect(),
        }
    }

    /// The label of the tick at `value`.
    pub fn label(&self, value: f64) -> String {
        self.ticks
            .iter()
            .position(|&t| t == value)
            .map(|i| self.labels[i].clone())
            .unwrap_or_default()
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Whether the last tick sits at the top of the range (its label then reaches past it).
    pub fn last_tick_at_end(&self) -> bool {
        self.ticks.last().is_some_and(|&t| self.fraction(t) > 0.9)
    }

    /// Where `value` falls between the two ends, 0 to 1.
    fn fraction(&self, value: f64) -> f64 {
        if self.log {
            (value.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (value - self.lo) / (self.hi - self.lo)
        }
    }
}

/// 4% of the span on each side (5% of the value for a single value); an f64 still holds
/// both ends.
fn pad_linear(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (lo.max(-f64::MAX), hi.min(f64::MAX));
    let pad = if hi > lo {
        (hi / 2.0 - lo / 2.0) * 0.08
    } else {
        lo.abs().max(1.0) * 0.05
    };
    ((lo - pad).max(-f64::MAX), (hi + pad).min(f64::MAX))
}

/// 3% of the span on each side, in log space; an f64 still holds both ends.
fn pad_log(lo: f64, hi: f64) -> (f64, f64) {
    let pad = if hi > lo { (hi.ln() - lo.ln()) * 0.03 } else { 0.2 };
    let lo = (lo.ln() - pad).exp().max(f64::MIN_POSITIVE);
    let hi = (hi.ln() + pad).exp().min(f64::MAX);
    (lo, hi.max(lo * 2.0))
}

impl Ranged for ValueAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let at = f64::from(limit.0) + f64::from(limit.1 - limit.0) * self.fraction(*value);
        if at.is_finite() {
            at.round().clamp(-1e6, 1e6) as i32
        } else {
            limit.0
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}
