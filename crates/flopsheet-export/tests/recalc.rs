//! Exported spreadsheets recalculated by an independent engine (IronCalc): every value it
//! computes from the exported formulas must equal flopsheet's, within 1e-9 relative, as
//! exported and after an input is changed in the spreadsheet (against flopsheet with `--set`
//! on the same input).

mod util;

use flopsheet_export::Kind;
use flopsheet_load::packs::builtin_workbooks;
use flopsheet_load::WorkbookSource;
use util::{assert_recalculates, export_source, options, Recalc};

fn shipped(path: &'static str, text: &'static str) -> WorkbookSource {
    WorkbookSource::Builtin { path, text }
}

#[test]
fn every_shipped_workbook_recalculates_to_flopsheets_values() {
    assert!(builtin_workbooks().len() >= 10);
    for &(path, text) in builtin_workbooks() {
        let (ws, export, bytes) = export_source(shipped(path, text), options(&[], &[]));
        assert!(export.warnings().is_empty(), "{path}: {:?}", export.warnings());
        let formulas = export
            .cells
            .iter()
            .filter(|c| matches!(c.kind, Kind::Formula { excel: Ok(_), .. }))
            .count();
        assert!(formulas > 5, "{path}: only {formulas} formulas");
        let mut recalc = Recalc::open(&bytes);
        recalc.evaluate();
        assert_recalculates(&recalc, &ws, &export, path);
    }
}

/// Each shipped workbook, one of its inputs changed in the spreadsheet: every value follows,
/// as flopsheet's do with `--set` on that input.
#[test]
fn changing_an_input_in_the_spreadsheet_recomputes_as_flopsheet_does() {
    for &(path, text) in builtin_workbooks() {
        let (_, export, bytes) = export_source(shipped(path, text), options(&[], &[]));
        // The input with the most dependents downstream, so that the change reaches far.
        let input = export
            .cells
            .iter()
            .filter(|c| matches!(c.kind, Kind::Input) && c.value.as_num().is_some_and(|v| v != 0.0))
            .max_by_key(|c| c.dependents.len())
            .expect("an input");
        let new = input.value.as_num().unwrap() * 1.37;
        let mut recalc = Recalc::open(&bytes);
        recalc.set(input, new);
        recalc.evaluate();
        let (ws, changed, _) = export_source(shipped(path, text), options(&[(input.name.as_str(), new)], &[]));
        assert_eq!(ws.value(&input.name).unwrap().as_num(), Some(new));
        assert_recalculates(&recalc, &ws, &changed, &format!("{path} with {} = {new}", input.name));
        // Something did change.
        let moved = changed
            .cells
            .iter()
            .zip(&export.cells)
            .filter(|(a, b)| a.value != b.value)
            .count();
        assert!(moved > 1, "{path}: changing {} moved {moved} cells", input.name);
    }
}
