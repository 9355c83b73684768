//! Helpers for the export tests: export a workbook, open the bytes with IronCalc, compare.

#![allow(dead_code)]

use flopsheet_engine::Value;
use flopsheet_export::{excel_error, Export, ExportCell};
use flopsheet_load::{LoadOptions, WorkbookSource, Workspace};
use ironcalc::base::cell::CellValue;
use ironcalc::base::Model;

/// Load options that read no environment: the workspace and built-in packs only.
pub fn options(set: &[(&str, f64)], slots: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        overrides: set.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        slots: slots.iter().map(|(s, p)| (s.to_string(), p.to_string())).collect(),
        ..LoadOptions::default()
    }
}

/// Loads, exports and writes the xlsx bytes; panics on a workbook with errors.
#[track_caller]
pub fn export_source(source: WorkbookSource, options: LoadOptions) -> (Workspace, Export, Vec<u8>) {
    let definitions = Workspace::read(source, options).unwrap_or_else(|f| panic!("{}", f.render(false)));
    let expressions = definitions.expressions();
    let ws = definitions.build();
    // Error values (`#DIV/0`) are exported; cells that could not be built are not.
    assert!(ws.model.errors().next().is_none(), "{}", ws.render_diagnostics(false));
    let export = Export::new(&ws, &expressions);
    let bytes = flopsheet_export::xlsx::to_xlsx(&export).expect("xlsx");
    (ws, export, bytes)
}

/// A workbook written to a temporary folder, exported.
#[track_caller]
pub fn export_text(ron: &str, options: LoadOptions) -> (tempfile::TempDir, Workspace, Export, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.ron");
    std::fs::write(&path, ron).unwrap();
    let (ws, export, bytes) = export_source(WorkbookSource::File(path), options);
    (dir, ws, export, bytes)
}

/// An exported file opened by IronCalc.
pub struct Recalc {
    pub model: Model<'static>,
}

impl Recalc {
    #[track_caller]
    pub fn open(bytes: &[u8]) -> Recalc {
        let workbook = ironcalc::import::load_from_xlsx_bytes(bytes, "export", "en", "UTC").expect("IronCalc reads it");
        let model = Model::from_workbook(workbook, "en").expect("IronCalc opens it");
        Recalc { model }
    }

    pub fn evaluate(&mut self) {
        self.model.evaluate();
    }

    /// Types `value` into the cell's home, as a user would.
    #[track_caller]
    pub fn set(&mut self, cell: &ExportCell, value: f64) {
        let text = format!("{value:?}");
        self.model
            .set_user_input(cell.sheet as u32, cell.row as i32 + 1, cell.col as i32 + 1, text)
            .unwrap();
    }

    pub fn get(&self, cell: &ExportCell) -> CellValue {
        self.model
            .get_cell_value_by_index(cell.sheet as u32, cell.row as i32 + 1, cell.col as i32 + 1)
            .unwrap()
    }

    /// The formula IronCalc holds in the cell, if any.
    pub fn formula(&self, cell: &ExportCell) -> Option<String> {
        self.model
            .get_cell_formula(cell.sheet as u32, cell.row as i32 + 1, cell.col as i32 + 1)
            .unwrap()
    }
}

/// Whether a spreadsheet value is flopsheet's: the same number within 1e-9 relative, or the
/// same error.
pub fn same(got: &CellValue, want: Value) -> bool {
    match (got, want) {
        (CellValue::Number(a), Value::Num(b)) => a == &b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()),
        (CellValue::String(s), Value::Err(e)) => s == excel_error(e.kind),
        _ => false,
    }
}

/// Every exported cell's recalculated value is flopsheet's.
#[track_caller]
pub fn assert_recalculates(recalc: &Recalc, ws: &Workspace, export: &Export, what: &str) {
    assert_recalculates_allowing(recalc, ws, export, what, &[]);
}

/// Every exported cell's recalculated value is flopsheet's, or, where flopsheet's is an
/// error of a kind listed in `also` beside a spreadsheet code, that code.
#[track_caller]
pub fn assert_recalculates_allowing(
    recalc: &Recalc,
    ws: &Workspace,
    export: &Export,
    what: &str,
    also: &[(flopsheet_engine::ErrorKind, &str)],
) {
    let mut wrong = Vec::new();
    for cell in &export.cells {
        let want = ws.value(&cell.name).unwrap();
        assert_eq!(want, cell.value, "{what}: {}", cell.name);
        let got = recalc.get(cell);
        let allowed = match (&got, want) {
            (CellValue::String(code), Value::Err(e)) => also.iter().any(|(k, c)| *k == e.kind && c == code),
            _ => false,
        };
        if !same(&got, want) && !allowed {
            wrong.push(format!(
                "{} ({}!{}): spreadsheet {got:?}, flopsheet {want:?}, formula {:?}",
                cell.name,
                export.sheets[cell.sheet].name,
                cell.address(),
                recalc.formula(cell)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{what}: {} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
