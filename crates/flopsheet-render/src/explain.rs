//! `explain`: a cell's formula, its inputs with their sources, and the tree of precedents down
//! to the pack values.

use crate::number::format_value;
use crate::tables::raw;
use flopsheet_engine::{formula, CellId};
use flopsheet_load::{Origin, Workspace};
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
    let mut out = format!("{name} = {}  ({})\n", format_value(value, info.unit()), raw(value));
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
    }
    describe(ws, id, "  ", &mut out);

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
    let value = format_value(ws.model.value(id), info.unit());
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

fn describe(ws: &Workspace, id: CellId, indent: &str, out: &mut String) {
    let info = &ws.workbook.cells[ws.model.name(id)];
    if let Some(unit) = info.unit() {
        out.push_str(&format!("{indent}unit: {unit}\n"));
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
