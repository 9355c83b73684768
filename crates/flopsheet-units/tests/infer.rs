//! Inference over formulas: the errors it must find, the formulas it must accept, and (as a
//! property) that sums of one unit are never refused.

use flopsheet_engine::{formula, FunctionDef};
use flopsheet_units::infer::{check_declared, infer, Env, Inferred};
use flopsheet_units::{Kind, Problem, Registry, Unit};
use proptest::prelude::*;
use std::collections::HashMap;

/// Cells with units, by name, and functions.
struct Cells {
    units: HashMap<String, Unit>,
    functions: Vec<FunctionDef>,
}

impl Env for Cells {
    fn name(&mut self, name: &str) -> Inferred {
        self.units.get(name).cloned().map_or(Inferred::Unknown, Inferred::unit)
    }
    fn function(&self, name: &str) -> Option<FunctionDef> {
        self.functions.iter().find(|f| f.name == name).cloned()
    }
}

fn cells(units: &[(&str, &str)]) -> Cells {
    let registry = Registry::new();
    Cells {
        units: units
            .iter()
            .map(|(n, u)| (n.to_string(), registry.parse(u).unwrap()))
            .collect(),
        functions: Vec::new(),
    }
}

const CELLS: &[(&str, &str)] = &[
    ("usd_per_hour", "USD/h"),
    ("usd_per_second", "USD/s"),
    ("peak_flops", "FLOP/s"),
    ("mfu", "%"),
    ("flops", "FLOP"),
    ("usd", "USD"),
    ("params", "params"),
    ("tokens", "tokens"),
    ("watts", "W"),
    ("hours", "h"),
    ("energy_wh", "Wh"),
    ("bytes", "B"),
];

/// The problems of `text`, and the declared check against `declared` if given.
fn check(text: &str, declared: Option<&str>) -> Vec<Problem> {
    let mut env = cells(CELLS);
    let expr = formula::parse(text).unwrap();
    let (inferred, mut problems) = infer(&expr, &mut env);
    if let Some(declared) = declared {
        let unit = Registry::new().parse(declared).unwrap();
        problems.extend(check_declared("cell", &inferred, &unit, declared));
    }
    problems
}

#[track_caller]
fn accepts(text: &str, declared: &str) {
    let problems = check(text, Some(declared));
    assert!(problems.is_empty(), "{text} as {declared}: {problems:#?}");
}

#[track_caller]
fn refuses(text: &str, declared: Option<&str>, kind: Kind, label: &str) {
    let problems = check(text, declared);
    assert_eq!(problems.len(), 1, "{text}: {problems:#?}");
    assert_eq!(problems[0].kind, kind, "{text}");
    let labels: Vec<&str> = problems[0].labels.iter().map(|l| l.text.as_str()).collect();
    assert!(
        labels.iter().any(|l| l.contains(label)),
        "{text}: {labels:?} lacks {label}"
    );
}

#[test]
fn sums_of_different_units_are_refused_with_the_factor() {
    refuses("usd + flops", None, Kind::Mismatch, "FLOP");
    let problems = check("usd_per_hour + usd_per_second", None);
    assert_eq!(
        problems[0].message,
        "incompatible units in `+`: USD/h and USD/s differ by a factor of 3600"
    );
    assert_eq!(
        problems[0].notes[0],
        "help: the factor 3600 (s/h) is missing: multiply the right operand (`usd_per_second`) by 3600 to have it in USD/h"
    );
    refuses("max(hours, usd)", None, Kind::Mismatch, "USD");
    refuses("if(usd > flops, 1, 2)", None, Kind::Mismatch, "FLOP");
    refuses("if(mfu > 0.5, usd, flops)", None, Kind::Mismatch, "FLOP");
}

#[test]
fn a_missing_conversion_is_found_and_named() {
    let problems = check("usd_per_hour / peak_flops", Some("USD/FLOP"));
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].labels[0].text,
        "expected USD/FLOP, found USD·s/(h·FLOP): the factor 3600 (s/h) is missing"
    );
    assert_eq!(
        problems[0].notes[0],
        "help: divide the formula by 3600 to have USD/FLOP, or declare the unit it computes"
    );
    // With the conversion factor, and with it and a plain number, it is right.
    accepts("usd_per_hour / (peak_flops * 3600 * mfu)", "USD/FLOP");
    accepts("usd_per_hour / 8 / 3600", "USD/s");
    accepts("energy_wh / 1000", "kWh");
    accepts("usd / (energy_wh / 1000)", "USD/kWh");
    accepts("hours * 60", "min");
    // A number that is neither a plain number nor the factor needed.
    refuses("usd_per_hour / 60", Some("USD/s"), Kind::Declared, "factor 3600 (s/h)");
    refuses("usd", Some("FLOP"), Kind::Declared, "expected FLOP, found USD");
}

#[test]
fn literals_that_must_carry_a_unit_are_not_checked() {
    // 6 FLOP per parameter per token; 2 bytes per parameter.
    accepts("6 * params * tokens", "FLOP");
    accepts("2 * params", "B");
    accepts(
        "1000 / (peak_flops * mfu / flops) * usd_per_hour / 3600",
        "USD/1k tokens",
    );
    // A lone literal takes the unit of what it is added to.
    accepts("1 - mfu", "%");
    accepts("(50 + 10 * (1000 + 400)) / 0.75", "tokens");
}

#[test]
fn unknown_names_and_functions_are_never_errors() {
    accepts("nothing + usd", "USD");
    accepts("usd * nothing", "FLOP");
    accepts("sum(usd, flops) + usd", "USD");
    accepts("ln(usd) + flops", "FLOP");
    accepts("usd % 3 + flops", "FLOP");
}

#[test]
fn products_powers_and_roots() {
    accepts("hours * watts", "Wh");
    accepts("peak_flops * hours * 3600", "FLOP");
    accepts("sqrt(bytes * bytes)", "B");
    accepts("bytes ^ 2 / bytes", "B");
    accepts("1.5 ^ mfu * 2", "x");
    refuses("hours * watts", Some("J"), Kind::Declared, "factor 3600");
}

#[test]
fn functions_are_checked_per_call() {
    let mut env = cells(CELLS);
    env.functions.push(FunctionDef {
        name: "add".into(),
        params: vec!["a".into(), "b".into()],
        body: formula::parse("a + b").unwrap(),
    });
    let (inferred, problems) = infer(&formula::parse("add(usd, usd)").unwrap(), &mut env);
    assert!(problems.is_empty());
    assert_eq!(inferred.exact().map(|u| u.to_string()), Some("USD".to_string()));
    let (_, problems) = infer(&formula::parse("add(usd, flops)").unwrap(), &mut env);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].labels[0].word.as_deref(), Some("add"));
}

/// Units every generated formula may draw its inputs' unit from.
const UNITS: &[&str] = &[
    "USD/h",
    "FLOP/s",
    "%",
    "tokens",
    "USD/1k tokens",
    "GiB",
    "B/s",
    "kWh",
    "FLOP/param/token",
    "GPUs",
    "1/s",
    "yr",
];

fn sum_formula() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0usize..4).prop_map(|i| format!("v{i}")),
        (0u32..1000).prop_map(|n| n.to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("min({a}, {b})")),
            (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| format!("max({a}, {b}, {c})")),
        ]
    })
}

proptest! {
    /// A formula of `+ - min max` over inputs that share one unit is never refused, and it
    /// computes that unit (or is a number alone).
    #[test]
    fn sums_of_one_unit_are_never_refused(text in sum_formula(), unit in prop::sample::select(UNITS)) {
        let registry = Registry::new();
        let parsed = registry.parse(unit).unwrap();
        let mut env = Cells {
            units: (0..4).map(|i| (format!("v{i}"), parsed.clone())).collect(),
            functions: Vec::new(),
        };
        let expr = formula::parse(&text).unwrap();
        let (inferred, problems) = infer(&expr, &mut env);
        prop_assert!(problems.is_empty(), "{}: {:?}", text, problems);
        prop_assert!(check_declared("c", &inferred, &parsed, unit).is_none());
        if let Some(found) = inferred.exact() {
            prop_assert!(found.same(&parsed));
        }
    }
}
