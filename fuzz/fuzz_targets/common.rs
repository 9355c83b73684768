//! What the fuzz targets share: a scratch folder to load files from, as the CLI does, and the
//! checks run on every load, whether it succeeds or fails.

#![allow(dead_code)]

use flopsheet_load::{Diagnostic, Failure, LoadOptions, Sources, WorkbookSource, Workspace};
use flopsheet_render::{Format, Style};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A temporary folder with an empty `plugins/` (so that no folder of the machine is searched),
/// kept for the whole run.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("flopsheet-fuzz-")
            .tempdir()
            .expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("plugins/hardware")).expect("plugins/");
        dir
    })
    .path()
}

/// Writes `bytes` to `relative` in the scratch folder.
pub fn write(relative: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(relative);
    std::fs::write(&path, bytes).expect("write a scratch file");
    path
}

/// Loads the workbook at `path` with the built-in packs and the scratch `plugins/` only.
pub fn load(path: PathBuf) -> Result<Workspace, Failure> {
    Workspace::load(WorkbookSource::File(path), LoadOptions::default())
}

/// Every label of every diagnostic lies inside its file, on character boundaries.
pub fn check_diagnostics(sources: &Sources, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(!d.message.is_empty(), "a diagnostic without a message");
        for label in &d.labels {
            let text = sources.text(label.file_id);
            let range = label.range.clone();
            assert!(
                range.start <= range.end && range.end <= text.len(),
                "label {range:?} outside {} ({} bytes): {}",
                sources.name(label.file_id),
                text.len(),
                d.message
            );
            assert!(
                text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
                "label {range:?} inside a character: {}",
                d.message
            );
        }
    }
    let rendered = sources.render(diagnostics, false);
    assert!(diagnostics.is_empty() || rendered.contains("error"), "{rendered}");
}

/// What the CLI does with a load: diagnostics rendered, every table printed in every format,
/// and a few cells explained.
pub fn exercise(result: Result<Workspace, Failure>) {
    match result {
        Err(failure) => {
            assert!(!failure.diagnostics.is_empty(), "a failure without a diagnostic");
            check_diagnostics(&failure.sources, &failure.diagnostics);
        }
        Ok(ws) => {
            check_diagnostics(&ws.sources, &ws.diagnostics);
            let tables = flopsheet_render::select(&ws, None).expect("every table");
            for format in [Format::Table, Format::Csv, Format::Json, Format::Markdown] {
                let style = Style {
                    width: Some(80),
                    ..Style::default()
                };
                let _ = flopsheet_render::render(&ws, &tables, format, &style);
            }
            let names: Vec<String> = ws.workbook.cells.keys().take(8).map(|k| k.to_string()).collect();
            for name in &names {
                let _ = flopsheet_render::explain(&ws, name);
            }
            let _ = flopsheet_render::values(&ws, &names, Format::Json);
        }
    }
}
