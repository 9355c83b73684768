//! Printing references: `check --references` and the goal of `solve --target NAME=reference`.
//! The comparisons themselves (differences, tolerances, verdicts) come from the loader
//! (`flopsheet_load::references`); this module only words them.

use crate::commands::Outcome;
use flopsheet_engine::Value;
use flopsheet_load::{Comparison, Summary, Verdict, Workspace};
use flopsheet_render::{format_difference, format_tolerance, format_value};

/// `check --references`: every estimate against its reference. Any outside its tolerance,
/// or that cannot be compared, is listed on stderr with where its reference is written, and
/// the check fails; otherwise a summary line is added to the check's report.
pub fn check(ws: &Workspace, outcome: &mut Outcome) {
    let comparisons = ws.reference_comparisons();
    let summary = Summary::of(&comparisons);
    if summary.failed == 0 {
        outcome.stdout.push_str(&summary_line(&summary));
        return;
    }
    let mut err = format!(
        "error: {} of {} reference{} {} outside {} tolerance or cannot be compared\n",
        summary.failed,
        comparisons.len(),
        plural(comparisons.len()),
        if summary.failed == 1 { "is" } else { "are" },
        if summary.failed == 1 { "its" } else { "their" }
    );
    for c in comparisons.iter().filter(|c| c.verdict.fails()) {
        err.push_str(&failure_line(ws, c));
    }
    err.push_str(&summary_line(&summary));
    outcome.stdout.clear();
    outcome.stderr.push_str(&err);
    outcome.code = 1;
}

/// `model.ron:7:40: `gpu_hours` is outside its tolerance: estimate 35.6M h, reference 30.8M h
/// (Llama 3.1 model card, 2024-07), difference +15.6%, tolerance ±15%`.
fn failure_line(ws: &Workspace, c: &Comparison<'_>) -> String {
    let r = c.reference;
    let unit = ws.workbook.cells.get(&r.cell).and_then(|i| i.unit());
    let location = ws.sources.location(r.file, r.span.start);
    let problem = c.problem().unwrap_or_default();
    let cited: Vec<&str> = r.source.iter().chain(&r.date).map(String::as_str).collect();
    let cited = if cited.is_empty() {
        String::new()
    } else {
        format!(" ({})", cited.join(", "))
    };
    let mut parts = vec![
        format!("estimate {}", format_value(c.estimate, unit)),
        format!("reference {}{cited}", format_value(c.value, unit)),
    ];
    parts.extend(c.difference.map(|d| format!("difference {}", format_difference(d))));
    parts.extend(r.tolerance.map(|t| format!("tolerance {}", format_tolerance(t))));
    let separator = if c.verdict == Verdict::Outside { " is " } else { ": " };
    format!("  {location}: `{}`{separator}{problem}: {}\n", r.cell, parts.join(", "))
}

/// `2 references within tolerance, 1 not checked`.
fn summary_line(summary: &Summary) -> String {
    let total = summary.within + summary.failed + summary.not_checked;
    if total == 0 {
        return "no references to check\n".into();
    }
    let mut line = format!(
        "{} reference{} within tolerance",
        summary.within,
        plural(summary.within)
    );
    if summary.failed > 0 {
        line.push_str(&format!(", {} failed", summary.failed));
    }
    line.push_str(&format!(", {} not checked\n", summary.not_checked));
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The goal of `solve --target NAME=reference`: the value of NAME's reference.
pub fn goal(ws: &Workspace, target: &str) -> Result<f64, Outcome> {
    match ws.reference_value(target) {
        Some(Value::Num(v)) => Ok(v),
        Some(Value::Err(e)) => Err(Outcome::fail(format!(
            "the reference of `{target}` is an error value ({}: {}), so it cannot be a goal",
            e.kind.code(),
            e.kind.describe()
        ))),
        // A cell named `reference` is a goal like any other cell, for a target without one.
        None => match ws.value("reference") {
            Ok(Value::Num(v)) => Ok(v),
            _ => Err(Outcome::fail(format!(
                "`{target}` has no reference to solve to\nhelp: write one beside it, e.g. `reference: (value: 30.84e6, source: \"...\")`, or give the goal as a number: `--target {target}=VALUE`"
            ))),
        },
    }
}
