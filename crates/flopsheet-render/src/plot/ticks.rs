//! Where an axis puts its ticks, and how each tick is written: round numbers (1, 2, 2.5 or 5
//! times a power of ten) on a linear axis, powers of ten on a logarithmic one, each formatted
//! by the axis's unit as the tables format numbers (`$4.50`, `10%`, `20`, `3e23 FLOP`).

use crate::number::format_number_to;

/// Values spanning at least this ratio (three decades) get a logarithmic axis by default.
pub const LOG_RATIO: f64 = 1000.0;

/// Whether `values` (the finite ones) are all above zero and span three decades or more.
pub fn spans_decades(values: impl IntoIterator<Item = f64>) -> bool {
    match extent(values) {
        Some((lo, hi)) => lo > 0.0 && hi / lo >= LOG_RATIO,
        None => false,
    }
}

/// The smallest and largest finite value, if any.
pub fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// The step of about `count` round ticks over `lo..hi`: 1, 2, 2.5 or 5 times a power of ten.
fn round_step(lo: f64, hi: f64, count: usize) -> f64 {
    let raw = (hi - lo).abs() / count.max(1) as f64;
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// At most about `count` round ticks inside `lo..=hi`, each a whole multiple of one step (a
/// tick within rounding of zero is zero).
pub fn linear(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let step = round_step(lo, hi, count);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last.checked_sub(first).is_none_or(|n| !(0..=1000).contains(&n)) {
        return vec![lo];
    }
    (first..=last)
        .map(|k| {
            // k * step, not a running sum: no drift (0.30000000000000004).
            let v = k as f64 * step;
            let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
            // Round away binary noise at the step's last digit.
            let place = 10f64.powi(step.log10().floor() as i32 - 2);
            (v / place).round() * place
        })
        .collect()
}

/// Ticks and minor grid lines for a logarithmic axis over `lo..=hi` (both above zero): every
/// power of ten (every second or third when there are many), with 2 and 5 times each when the
/// axis spans under three decades, or round linear ticks when it spans under one.
pub fn logarithmic(lo: f64, hi: f64, count: usize) -> (Vec<f64>, Vec<f64>) {
    if !(lo > 0.0 && hi.is_finite() && lo <= hi) {
        return (Vec::new(), Vec::new());
    }
    // Powers of ten an f64 holds, whatever the range (a subnormal `lo` is below 1e-308).
    let power = |v: f64| v.log10().clamp(-308.0, 308.0);
    let (first, last) = (power(lo).ceil() as i32, power(hi).floor() as i32);
    let decades = (last - first).max(0) as usize + 1;
    let inside = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let light: Vec<f64> = if decades <= 8 {
        (first - 1..=last)
            .flat_map(|p| (2..10).map(move |m| f64::from(m) * 10f64.powi(p)))
            .filter(inside)
            .collect()
    } else {
        Vec::new()
    };
    if last < first || (decades < 3 && hi / lo < 30.0) {
        let with_halves: Vec<f64> = (first - 1..=last)
            .flat_map(|p| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(p)))
            .filter(inside)
            .collect();
        if with_halves.len() >= 3 {
            return (with_halves, light);
        }
        return (linear(lo, hi, count.min(5)), Vec::new());
    }
    let every = decades.div_ceil(count.max(1)).max(1);
    let ticks = (first..=last)
        .filter(|p| ((p - first) as usize).is_multiple_of(every))
        .map(|p| 10f64.powi(p))
        .collect();
    (ticks, light)
}

/// The place of the last significant digit of `step` (-1 for 0.5, -2 for 0.25, 6 for 1e6).
fn last_digit_place(step: f64) -> i32 {
    if !(step != 0.0 && step.is_finite()) {
        return 0;
    }
    let mut place = step.abs().log10().floor() as i32;
    for _ in 0..4 {
        let scaled = step / 10f64.powi(place);
        if (scaled - scaled.round()).abs() < 1e-6 {
            break;
        }
        place -= 1;
    }
    place
}

/// Significant figures to write `v` to the place `place`: at least one.
fn digits_to(v: f64, place: i32) -> i32 {
    if v == 0.0 || !v.is_finite() {
        return 1;
    }
    (v.abs().log10().floor() as i32)
        .saturating_sub(place)
        .saturating_add(1)
        .clamp(1, 17)
}

/// The tick labels, by `unit`: every tick written to the same place (`$0.50`, `$1.00`,
/// `$1.50`) on a linear axis, each to its own digits on a logarithmic one (`$1M`, `$10M`);
/// more digits if two labels would read alike.
pub fn labels(ticks: &[f64], unit: Option<&str>, log: bool) -> Vec<String> {
    let place = |v: f64| -> i32 {
        if log || ticks.len() < 2 {
            last_digit_place(v)
        } else {
            let step = ticks
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(f64::INFINITY, f64::min);
            last_digit_place(step)
        }
    };
    for extra in 0..6 {
        let written: Vec<String> = ticks
            .iter()
            .map(|&v| format_number_to(v, unit, digits_to(v, place(v)) + extra))
            .collect();
        let mut sorted = written.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() == written.len() {
            return written;
        }
    }
    ticks.iter().map(|&v| format_number_to(v, unit, 9)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(linear(0.2, 0.6, 5), [0.2, 0.3, 0.4, 0.5, 0.6]);
        assert_eq!(linear(1.0, 64.0, 7), [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
        assert_eq!(linear(1.0, 64.0, 6), [20.0, 40.0, 60.0]);
        assert_eq!(linear(-1.0, 1.0, 4), [-1.0, -0.5, 0.0, 0.5, 1.0]);
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        let (ticks, light) = logarithmic(0.5, 2e6, 8);
        assert_eq!(ticks, [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]);
        assert!(light.contains(&2e5) && light.contains(&0.5));
        let (ticks, _) = logarithmic(1.0, 1e20, 6);
        assert_eq!(ticks, [1.0, 1e4, 1e8, 1e12, 1e16, 1e20], "every fourth decade");
        let (ticks, _) = logarithmic(3.0, 40.0, 8);
        assert_eq!(ticks, [5.0, 10.0, 20.0]);
    }

    #[test]
    fn labels_are_by_unit_without_e_notation() {
        assert_eq!(labels(&[0.1, 0.2, 0.3], Some("%"), false), ["10%", "20%", "30%"]);
        assert_eq!(labels(&[10.0, 20.0, 30.0], None, false), ["10", "20", "30"]);
        assert_eq!(labels(&[4.0, 4.5, 5.0], Some("USD"), false), ["$4.0", "$4.5", "$5.0"]);
        assert_eq!(
            labels(&[0.5, 0.75, 1.0], Some("USD"), false),
            ["$0.50", "$0.75", "$1.00"]
        );
        assert_eq!(labels(&[1e6, 1e7, 1e8], Some("USD"), true), ["$1M", "$10M", "$100M"]);
        assert_eq!(labels(&[1e23, 2e23], Some("FLOP"), false), ["1e23 FLOP", "2e23 FLOP"]);
        assert_eq!(
            labels(&[1_400_000.0, 1_402_500.0, 1_405_000.0], Some("USD"), false),
            ["$1.4000M", "$1.4025M", "$1.4050M"]
        );
    }

    /// Extreme ranges give few ticks, never a panic.
    #[test]
    fn extreme_ranges() {
        for (lo, hi) in [
            (-f64::MAX, f64::MAX),
            (1e-320, 1e300),
            (0.0, f64::MAX),
            (f64::NEG_INFINITY, 1.0),
            (1.0, 1.0),
            (5e-324, 5e-324),
        ] {
            for log in [false, true] {
                let axis = super::super::axis::ValueAxis::new(lo, hi, log, Some("USD"), 8);
                assert!(axis.labels().len() <= 400, "{lo}..{hi}");
            }
        }
        assert_eq!(labels(&[f64::MAX, 1.0], None, false).len(), 2);
    }

    #[test]
    fn three_decades_make_a_log_axis() {
        assert!(spans_decades([1.0, 999.0, 1000.0]));
        assert!(!spans_decades([1.0, 999.0]));
        assert!(!spans_decades([0.0, 1e6]));
        assert!(!spans_decades([f64::NAN]));
    }
}
