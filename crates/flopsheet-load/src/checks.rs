//! Checks of a whole workbook that belong to no single stage: the limit on its size, before
//! anything is built, and the scenarios, once every cell has a name.
//!
//! Files are untrusted: a small workbook can ask for a huge model (a table of a thousand rows
//! by a thousand columns is a million cells), so the number of cells is checked against
//! [`MAX_CELLS`] before a single one is made.

use crate::raw::RawWorkbook;
use crate::resolve::{with_suggestions, LoadedPack, Workbook};
use crate::source::{primary, Diagnostic, FileId};
use crate::spans::SpanIndex;
use flopsheet_engine::suggest::closest;

/// The most cells a workbook may define, its packs and the cells of its tables included:
/// twice the largest benchmark workbook, and far beyond what a file of [`MAX_FILE_BYTES`]
/// can hold by writing each cell out.
///
/// [`MAX_FILE_BYTES`]: crate::workspace::MAX_FILE_BYTES
pub const MAX_CELLS: usize = 2_000_000;

/// Refuses a workbook that would define more than [`MAX_CELLS`] cells, with the table (or
/// the cells) that makes it so large.
pub(crate) fn cell_count(
    raw: &RawWorkbook,
    packs: &[LoadedPack],
    spans: &SpanIndex,
    file: FileId,
) -> Option<Diagnostic> {
    let pack_cells: usize = packs.iter().map(|p| p.raw.values.len()).sum();
    let table_cells = |i: usize| {
        let t = &raw.tables[i];
        let rows = t.rows.as_ref().map_or(0, Vec::len);
        let columns = t.columns.as_ref().map_or(0, |c| c.len());
        (rows, columns, rows.saturating_mul(columns))
    };
    let total = (0..raw.tables.len())
        .map(|i| table_cells(i).2)
        .fold(raw.cells.len().saturating_add(pack_cells), usize::saturating_add);
    if total <= MAX_CELLS {
        return None;
    }
    let largest = (0..raw.tables.len()).max_by_key(|&i| table_cells(i).2);
    let label = match largest {
        Some(i) if table_cells(i).2 > raw.cells.len() => {
            let (rows, columns, cells) = table_cells(i);
            let at = spans.value(&["tables", &i.to_string(), "name"]).unwrap_or(0..0);
            primary(file, at, format!("{rows} rows × {columns} columns make {cells} cells"))
        }
        _ => primary(
            file,
            spans.key(&["cells"]).unwrap_or(0..0),
            format!("{} cells", raw.cells.len()),
        ),
    };
    Some(
        Diagnostic::error()
            .with_message(format!(
                "the workbook defines {} cells (with its packs and tables); the limit is {MAX_CELLS}",
                if total == usize::MAX {
                    "too many".to_string()
                } else {
                    total.to_string()
                }
            ))
            .with_labels(vec![label])
            .with_notes(vec![
                "help: split the model into several workbooks, or make the tables smaller".into(),
            ]),
    )
}

/// Most "did you mean" suggestions computed for one check (each scans every cell).
const MAX_SUGGESTED: usize = 16;

/// Every scenario sets cells that exist and fills slots the workbook declares.
pub(crate) fn scenarios(raw: &RawWorkbook, workbook: &Workbook, spans: &SpanIndex, file: FileId) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, scenario) in raw.scenarios.iter().enumerate() {
        let i = i.to_string();
        for name in scenario.set.keys() {
            if workbook.cells.contains_key(name.as_str()) {
                continue;
            }
            let at = spans.key(&["scenarios", &i, "set", name]).unwrap_or(0..0);
            let suggestions = if out.len() < MAX_SUGGESTED {
                closest(name, workbook.cells.keys())
            } else {
                Vec::new()
            };
            out.push(with_suggestions(
                Diagnostic::error()
                    .with_message(format!(
                        "the scenario `{}` sets `{name}`, which is not a cell",
                        scenario.name
                    ))
                    .with_labels(vec![primary(file, at, "no cell by this name")]),
                &suggestions,
            ));
        }
        for slot in scenario.slots.keys() {
            if raw.slots.contains_key(slot) {
                continue;
            }
            let at = spans.key(&["scenarios", &i, "slots", slot]).unwrap_or(0..0);
            let known: Vec<&str> = raw.slots.keys().map(String::as_str).collect();
            let note = if known.is_empty() {
                "help: declare the slot in the workbook's `slots: {\"NAME\": \"pack_id\"}`".to_string()
            } else {
                format!("help: the workbook's slots are: {}", known.join(", "))
            };
            out.push(with_suggestions(
                Diagnostic::error()
                    .with_message(format!(
                        "the scenario `{}` fills the slot `{slot}`, which the workbook does not declare",
                        scenario.name
                    ))
                    .with_labels(vec![primary(file, at, "no slot by this name")])
                    .with_notes(vec![note]),
                &closest(slot, known.into_iter()),
            ));
        }
    }
    out
}
