//! Engine errors → diagnostics with spans in the user's files.
//!
//! The engine knows cells by id and says what is wrong; the loader knows where each cell is
//! written. Here the two meet: an unknown name is underlined inside its formula, a cycle lists
//! every cell on it with its location, and a cell whose value is an error (`#DIV/0`) points at
//! the formula that produced it.

use crate::resolve::{ident_span, with_suggestions, CellInfo, Origin, Workbook};
use crate::source::{primary, secondary, Diagnostic, Sources};
use flopsheet_engine::suggest::closest;
use flopsheet_engine::{BuildError, CellId, ErrorKind, Model, Value};
use std::collections::HashSet;

/// Every problem the model has, deduplicated (a bad column formula fails once per row but is
/// reported once).
pub fn build_diagnostics(sources: &Sources, workbook: &Workbook, model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for cycle in model.cycles() {
        out.push(cycle_diagnostic(sources, workbook, model, cycle));
    }
    for (cell, error) in model.errors() {
        if matches!(error, BuildError::Cycle { .. }) {
            continue;
        }
        let Some(info) = workbook.cells.get(model.name(cell)) else {
            continue;
        };
        let d = build_error(workbook, info, error);
        let key = (
            d.message.clone(),
            d.labels.first().map(|l| (l.file_id, l.range.clone())),
        );
        if seen.insert(key) {
            out.push(d);
        }
    }
    for cell in model.cells() {
        if let Value::Err(e) = model.value(cell) {
            // Report an error where it arises, not in every cell it flows into.
            if e.origin == cell && matches!(e.kind, ErrorKind::DivZero | ErrorKind::Num) {
                let Some(info) = workbook.cells.get(model.name(cell)) else {
                    continue;
                };
                let d = value_error(info, e.kind);
                let key = (
                    d.message.clone(),
                    d.labels.first().map(|l| (l.file_id, l.range.clone())),
                );
                if seen.insert(key) {
                    out.push(d);
                }
            }
        }
    }
    out
}

fn formula_span(info: &CellInfo) -> std::ops::Range<usize> {
    info.site.formula.clone().unwrap_or_else(|| info.site.key.clone())
}

/// "in `training.gpt3.cost_usd`" for table cells, whose formula is shared by every row.
fn where_label(info: &CellInfo) -> String {
    match &info.origin {
        Origin::Table { row, .. } => format!("in `{}` (row `{row}`)", info.name),
        _ => format!("in `{}`", info.name),
    }
}

fn build_error(workbook: &Workbook, info: &CellInfo, error: &BuildError) -> Diagnostic {
    let span = formula_span(info);
    let (label_span, suggestions): (_, Vec<String>) = match error {
        BuildError::UnknownName { name, suggestions } => {
            let text = info.formula.as_deref().unwrap_or("");
            // `row.paramz` was rewritten to `gpt3.paramz`; suggest in the user's spelling.
            let shown = match name.written.strip_prefix("row.") {
                Some(_) => {
                    let prefix = name.target.strip_suffix(&name.written[4..]).unwrap_or("");
                    suggestions
                        .iter()
                        .filter_map(|s| s.strip_prefix(prefix).map(|rest| format!("row.{rest}")))
                        .collect()
                }
                // Inside a pack a bare name is one of the pack's own values: suggest those.
                None => match &info.origin {
                    Origin::Pack(id) if !name.written.contains('.') => {
                        let prefix = format!("{id}.");
                        let own = workbook.cells.keys().filter_map(|k| k.strip_prefix(prefix.as_str()));
                        let mut shown = closest(&name.written, own);
                        shown.extend(suggestions.iter().cloned());
                        shown
                    }
                    _ => suggestions.clone(),
                },
            };
            (ident_span(text, span.clone(), &name.written), shown)
        }
        BuildError::UnknownFunction { name, suggestions } => (
            ident_span(info.formula.as_deref().unwrap_or(""), span.clone(), name),
            suggestions.clone(),
        ),
        _ => (span, Vec::new()),
    };
    let mut d = Diagnostic::error()
        .with_message(error.to_string())
        .with_labels(vec![primary(info.site.file, label_span, where_label(info))]);
    let help = match error {
        BuildError::UnknownName { .. } if matches!(info.origin, Origin::Pack(_)) => Some(
            "inside a pack, a bare name is one of the pack's own values; another pack's value is written in full (`a100_40gb.power_w`)"
                .to_string(),
        ),
        BuildError::UnknownName { .. } if suggestions.is_empty() => Some(
            "every name must be a cell of the workbook, `PACK.VALUE` of a listed pack, or `TABLE.ROW.COLUMN`"
                .to_string(),
        ),
        BuildError::UnknownFunction { .. } if suggestions.is_empty() => Some(format!(
            "the functions are {} and those of the workbook's packs",
            flopsheet_engine::BUILTINS
                .iter()
                .filter(|b| !b.contains("::"))
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )),
        BuildError::Type { .. } => {
            Some("comparisons and `&&`/`||` give booleans, usable only as the condition of `if(cond, a, b)`".into())
        }
        BuildError::RecursiveFunction { .. } => {
            Some("a pack function cannot call itself, directly or through others".into())
        }
        _ => None,
    };
    if let Some(help) = help {
        d = d.with_notes(vec![format!("help: {help}")]);
    }
    with_suggestions(d, &suggestions)
}

fn cycle_diagnostic(sources: &Sources, workbook: &Workbook, model: &Model, cycle: &[CellId]) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|&c| model.name(c)).collect();
    let mut labels = Vec::new();
    let mut path = Vec::new();
    for (i, &cell) in cycle.iter().enumerate() {
        let next = names[(i + 1) % names.len()];
        let Some(info) = workbook.cells.get(names[i]) else {
            continue;
        };
        let span = formula_span(info);
        let message = format!("`{}` reads `{next}`", names[i]);
        labels.push(if i == 0 {
            primary(info.site.file, span.clone(), message)
        } else {
            secondary(info.site.file, span.clone(), message)
        });
        path.push(format!(
            "  {} at {}",
            names[i],
            sources.location(info.site.file, span.start)
        ));
        let _ = cell;
    }
    let mut chain = names.clone();
    chain.push(names[0]);
    let mut notes = vec![format!("the cells on the cycle, in order:\n{}", path.join("\n"))];
    notes.push(
        "help: a cell cannot depend on itself; make one of these an input, or change a formula to break the loop"
            .into(),
    );
    Diagnostic::error()
        .with_message(format!("dependency cycle: {}", chain.join(" → ")))
        .with_labels(labels)
        .with_notes(notes)
}

fn value_error(info: &CellInfo, kind: ErrorKind) -> Diagnostic {
    let help = match kind {
        ErrorKind::DivZero => "a divisor in this formula is zero; check the inputs it reads",
        _ => "the result overflowed or is undefined (e.g. the square root or log of a negative number)",
    };
    Diagnostic::error()
        .with_message(format!("{}: {} in `{}`", kind.code(), kind.describe(), info.name))
        .with_labels(vec![primary(info.site.file, formula_span(info), where_label(info))])
        .with_notes(vec![format!("help: {help}")])
}
