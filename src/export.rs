//! `export`: a workbook as an `.xlsx` spreadsheet with live formulas, or as JSON. The layout,
//! the translation and the bytes come from `flopsheet-export`; this parses, loads, writes the
//! file atomically and reports.

use crate::cli::PackArgs;
use crate::commands::{not_found, Outcome, Run};
use flopsheet_export::Export;
use flopsheet_load::{LoadOptions, WorkbookSource, Workspace};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Xlsx,
    Json,
}

pub fn export(workbook: &str, file: &Path, scenario: Option<&str>, options: &PackArgs, color: bool) -> Run {
    let target = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => Target::Xlsx,
        Some("json") => Target::Json,
        _ => {
            return Err(Outcome {
                stderr: format!(
                    "error: {}: the file to export to must end in .xlsx (a spreadsheet) or .json\n",
                    file.display()
                ),
                code: 2,
                ..Outcome::default()
            })
        }
    };
    let source = WorkbookSource::find(workbook).map_err(not_found)?;
    if let WorkbookSource::File(path) = &source {
        if same_file(path, file) {
            return Err(Outcome::fail(format!(
                "{} is the workbook itself; export writes a new file (e.g. `{}`)",
                file.display(),
                path.with_extension(if target == Target::Xlsx { "xlsx" } else { "json" })
                    .display()
            )));
        }
    }
    if let Some(dir) = options.plugins.iter().find(|dir| !dir.is_dir()) {
        return Err(Outcome::fail(format!("--plugins {}: no such folder", dir.display())));
    }
    let mut load_options = LoadOptions::from_env(options.plugins.clone(), options.set.clone());
    load_options.slots = options.slot.clone();
    if let Some(name) = scenario {
        // The scenario's overrides first; `--set` and `--slot` given too apply on top of it.
        let ws = Workspace::load(source.clone(), load_options.clone())
            .map_err(|failure| Outcome::error(failure.render(color)))?;
        let Some(chosen) = ws.workbook.scenarios.iter().find(|s| s.name == name) else {
            let names: Vec<&str> = ws.workbook.scenarios.iter().map(|s| s.name.as_str()).collect();
            return Err(Outcome::fail(if names.is_empty() {
                format!("no scenario `{name}`: {} declares no scenarios", ws.source().display())
            } else {
                format!("no scenario `{name}`; the scenarios are: {}", names.join(", "))
            }));
        };
        load_options.overrides = chosen.set.iter().cloned().chain(options.set.iter().cloned()).collect();
        load_options.slots = chosen
            .slots
            .iter()
            .cloned()
            .chain(options.slot.iter().cloned())
            .collect();
    }
    let definitions = Workspace::read(source, load_options).map_err(|failure| Outcome::error(failure.render(color)))?;
    let expressions = definitions.expressions();
    let ws = definitions.build();
    // Error values (`#DIV/0`) are values like any other, exported as such; a cell that could
    // not be built (an unknown name, a cycle) has no formula to export.
    if ws.model.errors().next().is_some() {
        return Err(Outcome::error(format!(
            "{}error: the workbook has cells that cannot be computed; nothing was exported\n",
            ws.render_diagnostics(color)
        )));
    }
    if let Some(read) = ws.files().iter().find(|f| same_file(f, file)) {
        return Err(Outcome::fail(format!(
            "{} is a file the workbook reads ({}); export writes a new file",
            file.display(),
            read.display()
        )));
    }
    let export = Export::new(&ws, &expressions);
    let bytes = match target {
        Target::Xlsx => flopsheet_export::xlsx::to_xlsx(&export)
            .map_err(|e| Outcome::fail(format!("cannot make the spreadsheet: {e}")))?,
        Target::Json => {
            let mut text = serde_json::to_string_pretty(&flopsheet_export::json::to_json(&export)).unwrap_or_default();
            text.push('\n');
            text.into_bytes()
        }
    };
    crate::files::write_atomic(file, &bytes)
        .map_err(|e| Outcome::fail(format!("cannot write {}: {e}", file.display())))?;
    let formulas = export
        .cells
        .iter()
        .filter(|c| matches!(c.kind, flopsheet_export::Kind::Formula { excel: Ok(_), .. }))
        .count();
    let warnings = export.warnings();
    let mut stderr = ws.render_diagnostics(color);
    for w in &warnings {
        stderr.push_str(&format!("warning: {w}\n"));
    }
    Ok(Outcome {
        stdout: format!(
            "wrote {}: {} cells on {} sheets, {formulas} of them formulas{}\n",
            file.display(),
            export.cells.len(),
            export.sheets.len(),
            if warnings.is_empty() {
                String::new()
            } else {
                format!(", {} exported as values (see the warnings)", warnings.len())
            }
        ),
        stderr,
        code: 0,
    })
}

/// Whether two paths name one file: the same path, or (when both exist) the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        // `b` does not exist yet: compare its folder, canonical, and its name.
        (Ok(a), Err(_)) => {
            let folder = b
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            folder
                .canonicalize()
                .ok()
                .zip(b.file_name())
                .is_some_and(|(f, n)| f.join(n) == a)
        }
        _ => false,
    }
}
