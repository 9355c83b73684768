//! `--format json` of the what-if commands: one stable shape per command, with plain field
//! names, documented in `docs/json.md` (each shape held by a test in `tests/json.rs`).
//!
//! The text, Markdown and CSV formats are grids for people and spreadsheets; JSON is for
//! scripts, so it names fields by what they are (`value`, `was`, `swing`), never by a column
//! header built from the arguments (`mfu \ batch`, `cost at -10%`).

use flopsheet_engine::Value;
use flopsheet_render::grid::json_value;
use serde_json::{json, Map, Value as Json};

/// Pretty JSON and a newline.
pub fn print(json: &Json) -> String {
    serde_json::to_string_pretty(json).unwrap_or_default() + "\n"
}

/// `solve`: what was solved, and the answer.
pub struct Solved<'a> {
    pub target: &'a str,
    pub goal: f64,
    pub by: &'a str,
    pub value: f64,
    pub was: f64,
    pub achieved: Value,
    pub evaluations: usize,
}

/// `{"target", "goal", "by", "value", "was", "achieved", "evaluations"}`.
pub fn solve(s: &Solved<'_>) -> String {
    print(&json!({
        "target": s.target,
        "goal": s.goal,
        "by": s.by,
        "value": s.value,
        "was": s.was,
        "achieved": json_value(s.achieved),
        "evaluations": s.evaluations,
    }))
}

/// One compared cell: `{"cell", "unit", "base", "scenarios": {NAME: {"value", "change",
/// "difference"}}}`; `change` is relative (`null` when the base is zero or not a number),
/// `difference` absolute (`null` when either is not a number).
pub fn compare_record(cell: &str, unit: Option<&str>, base: Value, scenarios: &[(&str, Value)]) -> Json {
    let mut by_name = Map::new();
    for (name, value) in scenarios {
        let (change, difference) = match (base, *value) {
            (Value::Num(b), Value::Num(n)) => ((b != 0.0).then(|| (n - b) / b.abs()), Some(n - b)),
            _ => (None, None),
        };
        by_name.insert(
            (*name).to_string(),
            json!({ "value": json_value(*value), "change": change, "difference": difference }),
        );
    }
    json!({ "cell": cell, "unit": unit, "base": json_value(base), "scenarios": by_name })
}

/// One input of a sensitivity: its value, the target at the low and high value, the swing
/// (the target's range as a share of its value) and the elasticity.
pub struct Sensitive {
    pub input: String,
    pub unit: Option<String>,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub swing: f64,
    pub elasticity: f64,
}

/// `sensitivity`: `{"cell", "unit", "base", "change", "inputs": [...], "skipped_zero": [...],
/// "skipped_missing": [...]}`.
pub fn sensitivity(
    cell: &str,
    unit: Option<&str>,
    base: f64,
    change: f64,
    inputs: &[Sensitive],
    skipped_zero: &[String],
    skipped_missing: &[String],
) -> String {
    let inputs: Vec<Json> = inputs
        .iter()
        .map(|i| {
            json!({
                "input": i.input,
                "unit": i.unit,
                "value": i.value,
                "low": number(i.low),
                "high": number(i.high),
                "swing": number(i.swing),
                "elasticity": number(i.elasticity),
            })
        })
        .collect();
    print(&json!({
        "cell": cell,
        "unit": unit,
        "base": base,
        "change": change,
        "inputs": inputs,
        "skipped_zero": skipped_zero,
        "skipped_missing": skipped_missing,
    }))
}

/// A number, or `null` where it is not finite (JSON has no NaN).
fn number(x: f64) -> Json {
    if x.is_finite() {
        json!(x)
    } else {
        Json::Null
    }
}
