//! Exported spreadsheets recalculated by LibreOffice, where it is installed: every shipped
//! workbook and the every-operator workbook, as exported and with an input changed in the
//! file (its formulas' cached values left stale), converted by
//!
//! ```sh
//! soffice -env:UserInstallation=file:///tmp/profile --headless --calc --convert-to xlsx --outdir out FILE.xlsx
//! ```
//!
//! with a profile that recalculates every formula on load (LibreOffice's default is to trust
//! the cached values of an .xlsx). The values LibreOffice saves are read back (by IronCalc's
//! reader, without evaluating) and compared with flopsheet's within 1e-9 relative; the one
//! difference allowed is LibreOffice's `#VALUE!` for `SQRT`/`LN` of a number out of range,
//! where Excel, IronCalc and flopsheet say `#NUM!`.
//!
//! Where `soffice` is not on the PATH the test says that it was skipped and passes; CI
//! installs LibreOffice (`.ci/run`), so there it always runs.

mod util;

use flopsheet_engine::{ErrorKind, Value};
use flopsheet_export::{Export, Kind};
use flopsheet_load::packs::builtin_workbooks;
use flopsheet_load::{WorkbookSource, Workspace};
use std::path::{Path, PathBuf};
use std::process::Command;
use util::{assert_recalculates_allowing, export_source, options, Recalc};

/// Recalculates on load, whatever the file says.
const PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("soffice"))
        .find(|p| p.is_file())
}

/// One file to recalculate: what flopsheet says each of its cells is.
struct Case {
    label: String,
    file: PathBuf,
    ws: Workspace,
    export: Export,
}

/// The export of `source`, and the same file with its most-read input changed (×1.37) and
/// every formula's cached value left as it was, with flopsheet's values for that change.
fn cases(dir: &Path, label: &str, source: WorkbookSource) -> Vec<Case> {
    let (ws, export, bytes) = export_source(source.clone(), options(&[], &[]));
    let file = dir.join(format!("{label}.xlsx"));
    std::fs::write(&file, &bytes).unwrap();
    let input = export
        .cells
        .iter()
        .position(|c| {
            matches!(c.kind, Kind::Input) && c.value.as_num().is_some_and(|v| v != 0.0) && !c.dependents.is_empty()
        })
        .expect("an input that is read");
    let name = export.cells[input].name.clone();
    let new = export.cells[input].value.as_num().unwrap() * 1.37;
    let mut stale = export.clone();
    stale.cells[input].value = Value::Num(new);
    let stale_file = dir.join(format!("{label}_changed.xlsx"));
    std::fs::write(&stale_file, flopsheet_export::xlsx::to_xlsx(&stale).unwrap()).unwrap();
    let (ws2, changed, _) = export_source(source, options(&[(name.as_str(), new)], &[]));
    vec![
        Case {
            label: label.to_string(),
            file,
            ws,
            export,
        },
        Case {
            label: format!("{label} with {name} = {new}"),
            file: stale_file,
            ws: ws2,
            export: changed,
        },
    ]
}

#[test]
fn libreoffice_recalculates_exports_to_flopsheets_values() {
    let Some(soffice) = soffice() else {
        eprintln!(
            "SKIPPED libreoffice_recalculates_exports_to_flopsheets_values: LibreOffice (soffice) is not installed; \
             `apt-get install -y --no-install-recommends libreoffice-calc` to run it"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(profile.join("user/registrymodifications.xcu"), PROFILE).unwrap();
    let input = dir.path().join("in");
    let output = dir.path().join("out");
    std::fs::create_dir_all(&input).unwrap();
    let mut all = Vec::new();
    for &(path, text) in builtin_workbooks() {
        let label = WorkbookSource::shipped_name(path);
        all.extend(cases(&input, label, WorkbookSource::Builtin { path, text }));
    }
    let fixture = input.join("every_operator.ron");
    std::fs::write(&fixture, include_str!("fixtures/every_operator.ron")).unwrap();
    all.extend(cases(&input, "every_operator", WorkbookSource::File(fixture)));

    let status = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--calc", "--convert-to", "xlsx", "--outdir"])
        .arg(&output)
        .args(all.iter().map(|c| &c.file))
        .output()
        .expect("soffice runs");
    assert!(status.status.success(), "soffice failed: {status:?}");
    for case in &all {
        let converted = output.join(case.file.file_name().unwrap());
        let bytes = std::fs::read(&converted).unwrap_or_else(|e| panic!("{}: {e}\n{status:?}", converted.display()));
        // The values LibreOffice computed and saved, read without evaluating them again.
        let saved = Recalc::open(&bytes);
        // LibreOffice's "invalid argument" (the square root or log of a number out of range) is
        // saved as #VALUE!, where Excel and IronCalc say #NUM!, as flopsheet does.
        let also = [(ErrorKind::Num, "#VALUE!")];
        assert_recalculates_allowing(
            &saved,
            &case.ws,
            &case.export,
            &format!("LibreOffice, {}", case.label),
            &also,
        );
    }
}
