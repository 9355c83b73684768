//! Numbers formatted by unit, the way an analyst writes them: `$1.40M`, `3.15e23 FLOP`,
//! `3.5 TB`, `46.2%`, `275 TFLOP/s`.

use flopsheet_engine::{ErrorKind, Value};

/// A cell's value for display: the number by its unit, or the error code; a missing value
/// (`#N/A`, expected rather than a mistake) reads `n/a`, as in a published table. CSV, JSON
/// and `get` keep the code, as for every error value.
pub fn format_value(value: Value, unit: Option<&str>) -> String {
    match value {
        Value::Num(n) => format_number(n, unit),
        Value::Err(e) if e.kind == ErrorKind::NotAvailable => "n/a".to_string(),
        Value::Err(e) => e.kind.code().to_string(),
    }
}

/// Formats `n` for `unit`; see the module docs.
pub fn format_number(n: f64, unit: Option<&str>) -> String {
    format_number_to(n, unit, 3)
}

/// [`format_number`] with `digits` significant figures where it shows three (plain numbers get
/// one more): chart ticks close together (`$1.400M`, `$1.405M`) need more to stay distinct.
pub fn format_number_to(n: f64, unit: Option<&str>, digits: i32) -> String {
    let digits = digits.clamp(1, 17);
    let Some(unit) = unit.map(str::trim).filter(|u| !u.is_empty()) else {
        return general_to(n, digits + 1);
    };
    match unit {
        "USD" | "$" => money(n, "", digits),
        "%" => format!("{}%", trim(&sig(n * 100.0, digits))),
        "x" | "×" => format!("{}×", trim(&sig(n, digits))),
        "FLOP" => format!("{} FLOP", scientific_above(n, 1e6, digits)),
        "B" | "B/s" | "FLOP/s" | "W" | "Wh" | "J" | "FLOP/J" => si(n, unit, digits),
        "params" | "tokens" => format!("{} {unit}", short_scale(n, digits)),
        _ => match unit.strip_prefix("USD/") {
            Some(per) => money(n, &format!("/{per}"), digits),
            // Other counts: `14,050 words`, `2.12T searches`.
            None if n.abs() >= 1e9 => format!("{} {unit}", short_scale(n, digits)),
            None => format!("{} {unit}", general_to(n, digits + 1)),
        },
    }
}

/// A relative difference as a signed percentage with a true minus sign: `−13.7%`, `+2.0%`
/// (`estimate / reference − 1`, as [`flopsheet_load::Comparison`] computes it).
pub fn format_difference(difference: f64) -> String {
    let text = format!("{:+.1}%", difference * 100.0);
    // `-0.0%` is no difference at all.
    if text == "-0.0%" {
        return "+0.0%".into();
    }
    text.replacen('-', "\u{2212}", 1)
}

/// A tolerance as `±15%`.
pub fn format_tolerance(tolerance: f64) -> String {
    format!("±{}%", trim(&format!("{:.2}", tolerance * 100.0)))
}

/// Three significant figures, keeping trailing zeros: `1.40`, `0.00957`, `312`.
fn sig(n: f64, digits: i32) -> String {
    if n == 0.0 || !n.is_finite() {
        return format!("{n}");
    }
    let magnitude = n.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let rounded = format!("{n:.decimals$}");
    // Rounding can add a digit (9.996 → 10.00); take one decimal fewer then.
    if decimals > 0
        && rounded
            .trim_start_matches('-')
            .replace('.', "")
            .trim_start_matches('0')
            .len()
            > digits as usize
    {
        format!("{n:.0$}", decimals - 1)
    } else {
        rounded
    }
}

fn trim(s: &str) -> String {
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// Thousands, millions, billions and trillions, largest first.
const SHORT_SCALE: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];

/// The largest of `scales` (largest first) that `a`, rounded to three significant figures,
/// reaches: 999,999.7 is shown as `1.00M`, not `1000K`.
fn scale_of<'s>(a: f64, scales: &'s [(f64, &'s str)], digits: i32) -> Option<(f64, &'s str)> {
    let rounded = if a > 0.0 && a.is_finite() {
        // A power of ten at the last significant figure shown: exact for every scale (10^1 and up).
        let step = 10f64.powi(a.log10().floor() as i32 - (digits - 1));
        (a / step).round() * step
    } else {
        a
    };
    scales.iter().copied().find(|&(scale, _)| rounded >= scale)
}

/// `$1.40M`, `$2.03/h`, `$0.00957`, `$4.44e-18/FLOP`.
fn money(n: f64, per: &str, digits: i32) -> String {
    let sign = if n < 0.0 { "-" } else { "" };
    let a = n.abs();
    let body = if a != 0.0 && a < 1e-4 {
        format!("{a:.0$e}", (digits - 1) as usize)
    } else {
        match scale_of(a, &SHORT_SCALE, digits) {
            Some((scale, suffix)) => format!("{}{suffix}", sig(a / scale, digits)),
            None => sig(a, digits),
        }
    };
    format!("{sign}${body}{per}")
}

/// SI prefixes on a base unit: `3.5 TB`, `275 TFLOP/s`, `1.29 GWh`.
fn si(n: f64, unit: &str, digits: i32) -> String {
    let a = n.abs();
    let prefixes = [
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
    ];
    match scale_of(a, &prefixes, digits) {
        Some((scale, p)) if a < 1e21 => format!("{} {p}{unit}", trim(&sig(n / scale, digits))),
        _ if a >= 1e21 => format!("{n:.0$e} {unit}", (digits - 1) as usize),
        _ => format!("{} {unit}", trim(&sig(n, digits))),
    }
}

/// Counts with K/M/B/T: `175B`, `1.4T`, `340M`.
fn short_scale(n: f64, digits: i32) -> String {
    let a = n.abs();
    match scale_of(a, &SHORT_SCALE, digits) {
        Some((scale, suffix)) if a < 1e15 => format!("{}{suffix}", trim(&sig(n / scale, digits))),
        _ => general_to(n, digits + 1),
    }
}

fn scientific_above(n: f64, above: f64, digits: i32) -> String {
    if n.abs() >= above {
        format!("{n:.0$e}", (digits - 1) as usize)
    } else {
        general_to(n, digits + 1)
    }
}

/// Plain numbers: up to four significant figures with thousands separators, scientific when
/// very large or very small.
pub fn general(n: f64) -> String {
    general_to(n, 4)
}

fn general_to(n: f64, digits: i32) -> String {
    let a = n.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e9).contains(&a) {
        return format!("{n:.0$e}", (digits - 1) as usize);
    }
    let s = trim(&sig(n, digits));
    group_thousands(&s)
}

/// `1234567.5` → `1,234,567.5`.
pub fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::format_number as f;
    use super::{format_difference, format_tolerance};

    #[test]
    fn differences_and_tolerances() {
        assert_eq!(format_difference(-0.137), "\u{2212}13.7%");
        assert_eq!(format_difference(0.02), "+2.0%");
        assert_eq!(format_difference(-1e-17), "+0.0%");
        assert_eq!(format_tolerance(0.15), "±15%");
        assert_eq!(format_tolerance(0.125), "±12.5%");
        assert_eq!(format_tolerance(0.0), "±0%");
    }

    #[test]
    fn formats_by_unit() {
        assert_eq!(f(1_398_072.05, Some("USD")), "$1.40M");
        assert_eq!(f(11_216_529.4, Some("USD")), "$11.2M");
        assert_eq!(f(0.0095667, Some("USD")), "$0.00957");
        assert_eq!(f(2.03, Some("USD/h")), "$2.03/h");
        assert_eq!(f(3.15e23, Some("FLOP")), "3.15e23 FLOP");
        assert_eq!(f(3.5e12, Some("B")), "3.5 TB");
        assert_eq!(f(0.462, Some("%")), "46.2%");
        assert_eq!(f(275e12, Some("FLOP/s")), "275 TFLOP/s");
        assert_eq!(f(175e9, Some("params")), "175B params");
        assert_eq!(f(2.169, Some("x")), "2.17×");
        assert_eq!(f(3_552_000.0, Some("h")), "3,552,000 h");
        assert_eq!(f(44.0, None), "44");
        assert_eq!(f(0.5, None), "0.5");
        assert_eq!(f(9.9996, Some("USD")), "$10.0");
        assert_eq!(f(4.4e-18, Some("USD/FLOP")), "$4.40e-18/FLOP");
    }

    /// A value just under a scale that rounds up to it is shown in that scale.
    #[test]
    fn rounding_up_moves_to_the_next_scale() {
        assert_eq!(f(999_999.999_9, Some("USD")), "$1.00M");
        assert_eq!(f(999_499.0, Some("USD")), "$999K");
        assert_eq!(f(999.7, Some("USD")), "$1.00K");
        assert_eq!(f(-999_999.7, Some("USD")), "-$1.00M");
        assert_eq!(f(999.96e9, Some("B")), "1 TB");
        assert_eq!(f(999.96e9, Some("params")), "1T params");
        assert_eq!(f(999.4e9, Some("params")), "999B params");
        assert_eq!(f(999.96, Some("W")), "1 kW");
    }

    /// More significant figures for chart ticks; three is `format_number`.
    #[test]
    fn more_digits_when_asked() {
        use super::format_number_to as g;
        assert_eq!(g(1_400_500.0, Some("USD"), 4), "$1.401M");
        assert_eq!(g(0.4125, Some("%"), 4), "41.25%");
        assert_eq!(g(3.1e23, Some("FLOP"), 4), "3.100e23 FLOP");
        assert_eq!(g(9_999_600.0, Some("USD"), 4), "$10.00M");
        assert_eq!(g(20.0, None, 3), "20");
        assert_eq!(g(1_398_072.05, Some("USD"), 3), "$1.40M");
    }
}
