//! `explain`: a cell's formula, its inputs with their sources, its reference (a published
//! figure) and the difference from it, and the tree of precedents down to the pack values.

use crate::number::{format_difference, format_tolerance, format_value};
use crate::tables::raw;
use flopsheet_engine::{formula, CellId, Value};
use flopsheet_load::{Origin, Verdict, Workspace};
use std::collections::HashSet;

/// Deepest level of the precedent tree printed.
const MAX_DEPTH: usize = 24;
/// Most inputs, and most precedents of one cell, listed: an aggregate over a table of a
/// hundred thousand rows reads as many cells, which no one reads one by one.
const MAX_LISTED: usize = 20;

pub fn explain(ws: &Workspace, name: &str) -> Result<String, String> {
    let id = ws.id(name).ok_or_else(|| ws.unknown(name).to_string())?;
    // `model.params` is shown as the pack value it is (`llama31_70b.params`).
    let name = ws.model.name(id);
    let info = &ws.workbook.cells[name];
    let value = ws.model.value(id);
    let mut out = format!("{name} = {}  ({})\n", shown(ws, info, value), raw(value));
    let site = ws.sources.location(info.site.file(), info.site.span().start);
    match (ws.workbook.formula(info), info.overridden) {
        (_, true) => out.push_str("  input, overridden by --set for this run\n"),
        (Some(f), false) => {
            out.push_str(&format!("  formula: {f}\n"));
            // What a call to a pack or workbook function computes, the call replaced by its body.
            let lookup = |name: &str| ws.model.function(name);
            if let Some(expanded) = formula::parse(f).ok().and_then(|e| e.expand_calls(&lookup)) {
                out.push_str(&format!("  expanded: {expanded}\n"));
            }
        }
        (None, false) if info.missing().is_some() => out.push_str("  input, missing (no value given)\n"),
        (None, false) => out.push_str("  input\n"),
    }
    if let Some(why) = info.missing() {
        out.push_str(&format!("  missing: {why}\n"));
    }
    out.push_str(&format!("  defined at {site}"));
    match info.origin() {
        Origin::Table(t) => out.push_str(&format!(
            " (table `{}`, row `{}`, column `{}`)\n",
            t.table, t.row, t.column
        )),
        Origin::Pack(p) => out.push_str(&format!(" (pack `{p}`)\n")),
        Origin::Workbook => out.push('\n'),
        Origin::Reference(estimate) => out.push_str(&format!(" (the reference of `{estimate}`)\n")),
    }
    describe(ws, id, "  ", &mut out);
    reference(ws, name, info.unit(), &mut out);

    let precedents = ws.model.precedents(id);
    if !precedents.is_empty() {
        // The assumptions a user can change, each with its value and where it comes from.
        out.push_str("\ninputs it depends on:\n");
        let inputs = ws.upstream_inputs(id);
        for &input in inputs.iter().take(MAX_LISTED) {
            out.push_str(&format!("  {}\n", line(ws, input)));
        }
        if inputs.len() > MAX_LISTED {
            out.push_str(&format!("  … and {} more\n", inputs.len() - MAX_LISTED));
        }
        out.push_str("\nprecedents, down to the inputs:\n");
        out.push_str(&format!("{}\n", line(ws, id)));
        let mut shown = HashSet::new();
        tree(ws, id, "", 0, &mut shown, &mut out);
    }
    Ok(out)
}

/// `name = value   ← formula` or `[input; source, date]`.
fn line(ws: &Workspace, id: CellId) -> String {
    let name = ws.model.name(id);
    let info = &ws.workbook.cells[name];
    let mut value = shown(ws, info, ws.model.value(id));
    if let Some(unit) = info.unit() {
        value.push_str(&format!("  ({unit})"));
    }
    match (ws.workbook.formula(info), info.overridden) {
        (Some(f), false) => format!("{name} = {value}   ← {f}"),
        _ => {
            let kind = if info.overridden {
                "input, overridden by --set"
            } else {
                "input"
            };
            let mut tags = vec![kind.to_string()];
            tags.extend(info.missing().map(|why| format!("missing: {why}")));
            tags.extend(info.source().map(str::to_string));
            tags.extend(info.date().map(str::to_string));
            format!("{name} = {value}   [{}]", tags.join("; "))
        }
    }
}

/// A value as shown: in its display unit if it has one, else by its unit.
fn shown(ws: &Workspace, info: &flopsheet_load::CellInfo, value: Value) -> String {
    let (unit, factor) = ws.workbook.shown(info);
    match value {
        Value::Num(n) => format_value(Value::Num(n * factor), unit),
        error => format_value(error, unit),
    }
}

fn describe(ws: &Workspace, id: CellId, indent: &str, out: &mut String) {
    let info = &ws.workbook.cells[ws.model.name(id)];
    let name = ws.model.name(id);
    let computes = ws.workbook.inferred_unit(name);
    match (info.unit(), computes) {
        (Some(unit), _) if info.unit_is_inferred() => {
            out.push_str(&format!("{indent}unit: {unit} (inferred: not written in the file)\n"))
        }
        (Some(unit), Some(computed)) => {
            out.push_str(&format!("{indent}unit: {unit} (the formula computes {computed})\n"))
        }
        (Some(unit), None) => out.push_str(&format!("{indent}unit: {unit}\n")),
        (None, _) => {}
    }
    if let Some(display) = info.display() {
        out.push_str(&format!("{indent}shown in: {display}\n"));
    }
    if let Some(note) = info.note() {
        out.push_str(&format!("{indent}note: {note}\n"));
    }
    if let Some(source) = info.source() {
        out.push_str(&format!(
            "{indent}source: {source}{}\n",
            info.date().map(|d| format!(" ({d})")).unwrap_or_default()
        ));
    }
}

/// The reference of `name`, what it says of itself, and the difference from it.
fn reference(ws: &Workspace, name: &str, unit: Option<&str>, out: &mut String) {
    let Some(c) = ws.reference_comparison(name) else { return };
    let r = c.reference;
    out.push_str(&format!(
        "  reference: {}  ({})\n",
        format_value(c.value, unit),
        raw(c.value)
    ));
    if let Some(formula) = &r.formula {
        out.push_str(&format!("    formula: {formula}\n"));
    }
    if let Some(source) = &r.source {
        let date = r.date.as_ref().map(|d| format!(" ({d})")).unwrap_or_default();
        out.push_str(&format!("    source: {source}{date}\n"));
    } else if let Some(date) = &r.date {
        out.push_str(&format!("    date: {date}\n"));
    }
    if let Some(note) = &r.note {
        out.push_str(&format!("    note: {note}\n"));
    }
    match r.tolerance {
        Some(t) => out.push_str(&format!("    tolerance: {}\n", format_tolerance(t))),
        None => out.push_str("    tolerance: none (shown, not checked by `check --references`)\n"),
    }
    let verdict = match c.verdict {
        Verdict::Within => " (within tolerance)".to_string(),
        Verdict::Outside => " (OUTSIDE the tolerance)".to_string(),
        Verdict::NotChecked | Verdict::Failed(_) => String::new(),
    };
    match (c.difference, c.problem()) {
        (Some(d), _) => out.push_str(&format!("    difference: {}{verdict}\n", format_difference(d))),
        (None, Some(problem)) => out.push_str(&format!("    difference: none: {problem}\n")),
        (None, None) => out.push_str(&format!(
            "    difference: none: {}\n",
            c.no_difference().unwrap_or_default()
        )),
    }
    out.push_str(&format!(
        "    written at {}\n",
        ws.sources.location(r.file, r.span.start)
    ));
}

fn tree(ws: &Workspace, id: CellId, prefix: &str, depth: usize, shown: &mut HashSet<CellId>, out: &mut String) {
    let all = ws.model.precedents(id);
    let precedents = &all[..all.len().min(MAX_LISTED)];
    let more = all.len() - precedents.len();
    for (i, &p) in precedents.iter().enumerate() {
        let last = i + 1 == precedents.len() && more == 0;
        let (branch, next) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
        let repeated = !ws.model.precedents(p).is_empty() && !shown.insert(p);
        let suffix = if repeated { "   (expanded above)" } else { "" };
        out.push_str(&format!("{prefix}{branch}{}{suffix}\n", line(ws, p)));
        if !repeated && depth < MAX_DEPTH {
            tree(ws, p, &format!("{prefix}{next}"), depth + 1, shown, out);
        }
    }
    if more > 0 {
        out.push_str(&format!("{prefix}└─ … and {more} more\n"));
    }
}
