//! One function per subcommand. Each returns what to print and the exit code; `main` does
//! the printing.

use crate::cli::{CheckFormat, Command, GetFormat, OutputArgs, OutputFormat, PackArgs};
use crate::whatif;
use flopsheet_load::raw::RawPack;
use flopsheet_load::{list_packs, LoadOptions, WorkbookSource, Workspace};
use flopsheet_render::{Format, Style};

/// A command's outcome; the error side is an outcome too (what to print, exit code 1), so
/// that `?` can end a command early.
pub type Run = Result<Outcome, Outcome>;

/// What a command produced.
#[derive(Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

impl Outcome {
    pub fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            ..Outcome::default()
        }
    }

    pub fn error(stderr: String) -> Outcome {
        Outcome {
            stderr,
            code: 1,
            ..Outcome::default()
        }
    }

    /// `error: MESSAGE` and exit code 1.
    pub fn fail(message: impl std::fmt::Display) -> Outcome {
        Outcome::error(format!("error: {message}\n"))
    }

    /// Bad usage: `error: MESSAGE` and exit code 2.
    pub fn usage(message: impl std::fmt::Display) -> Outcome {
        Outcome {
            stderr: format!("error: {message}\n"),
            code: 2,
            ..Outcome::default()
        }
    }
}

pub fn run(command: Command, color: bool) -> Outcome {
    dispatch(command, color).unwrap_or_else(|failed| failed)
}

fn dispatch(command: Command, color: bool) -> Run {
    match command {
        Command::Show {
            load,
            table,
            output,
            strict,
        } => show(
            load.workbook.as_deref(),
            &load.options,
            table.as_deref(),
            &output,
            Report { color, strict },
        ),
        Command::Get {
            workbook,
            names,
            options,
            format,
            strict,
        } => get(&workbook, &names, &options, format, Report { color, strict }),
        Command::Explain {
            workbook,
            name,
            options,
        } => explain(&workbook, &name, &options, color),
        Command::Check {
            load,
            format,
            references,
        } => match format {
            CheckFormat::Text => check(load.workbook.as_deref(), &load.options, references, color),
            CheckFormat::Json => check_json(load.workbook.as_deref(), &load.options),
        },
        Command::Packs { values, dir, options } => packs(values, dir, &options),
        Command::Workbooks => workbooks(),
        Command::New { file, from } => new(&file, from.as_deref()),
        Command::Simulate {
            workbook,
            names,
            sampling,
            samples_out,
            plot,
            plot_drivers,
            options,
            output,
        } => crate::simulate::run(
            &workbook,
            &crate::simulate::SimulateArgs {
                names: &names,
                sampling: &sampling,
                samples_out: samples_out.as_deref(),
                plot: plot.as_deref(),
                plot_drivers: plot_drivers.as_deref(),
            },
            &options,
            &output,
            color,
        ),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <crate::cli::Cli as clap::CommandFactory>::command(),
                "flopsheet",
                &mut script,
            );
            Ok(Outcome::ok(String::from_utf8_lossy(&script).into_owned()))
        }
        Command::Compare {
            workbook,
            scenarios,
            show,
            table,
            simulate,
            sampling,
            options,
            output,
        } => {
            let cells = whatif::Shown {
                show: &show,
                table: table.as_deref(),
            };
            if simulate {
                crate::simulate::compare(&workbook, &scenarios, &cells, &sampling, &options, &output, color)
            } else if !sampling.range.is_empty() || !sampling.dist.is_empty() {
                Err(Outcome::usage(
                    "--range and --dist need --simulate: `compare WORKBOOK --simulate --range NAME=LO..HI`",
                ))
            } else {
                whatif::compare(&workbook, &scenarios, &cells, &options, &output, color)
            }
        }
        Command::Sweep {
            workbook,
            vary,
            show,
            chart,
            options,
            output,
        } => whatif::sweep(&workbook, &vary, &show, &chart, &options, &output, color),
        Command::Solve {
            workbook,
            target,
            by,
            within,
            options,
            output,
        } => whatif::solve(&workbook, &target, &by, within.as_deref(), &options, &output, color),
        Command::Export {
            workbook,
            file,
            scenario,
            options,
        } => crate::export::export(&workbook, &file, scenario.as_deref(), &options, color),
        Command::Sensitivity {
            workbook,
            name,
            by,
            plot,
            options,
            output,
        } => whatif::sensitivity(&workbook, &name, &by, plot.as_deref(), &options, &output, color),
        Command::Watch {
            workbook,
            options,
            table,
            output,
            clear,
        } => crate::watch::watch(
            crate::watch::WatchArgs {
                workbook,
                options,
                table,
                output,
                clear,
            },
            color,
        ),
    }
}

/// A workbook argument that names no workbook: the error and what to do about it.
pub fn not_found(e: flopsheet_load::FindError) -> Outcome {
    let mut message = format!("error: {e}\n");
    for help in e.help() {
        message.push_str(&help);
        message.push('\n');
    }
    Outcome::error(message)
}

/// Loads a workbook; on failure, the outcome to return.
pub fn load(workbook: Option<&str>, options: &PackArgs, color: bool) -> Result<Workspace, Outcome> {
    let source = WorkbookSource::find(workbook.unwrap_or(WorkbookSource::OVERVIEW)).map_err(not_found)?;
    load_source(source, options, color)
}

/// Loads a workbook, or packs alone; on failure, the outcome to return.
fn load_source(source: WorkbookSource, options: &PackArgs, color: bool) -> Result<Workspace, Outcome> {
    missing_plugin_folder(options)?;
    let mut load_options = LoadOptions::from_env(options.plugins.clone(), options.set.clone());
    load_options.slots = options.slot.clone();
    load_options.display = options.unit.clone();
    Workspace::load(source, load_options).map_err(|failure| {
        // `--set`, `--slot` or `--unit` naming what the workbook lacks is the command line's fault.
        let code = if failure.is_usage() { 2 } else { 1 };
        Outcome {
            code,
            ..Outcome::error(failure.render(color))
        }
    })
}

/// `--plugins DIR` names a folder on purpose: a typo there must not silently fall back to
/// the built-in packs.
fn missing_plugin_folder(options: &PackArgs) -> Result<(), Outcome> {
    match options.plugins.iter().find(|dir| !dir.is_dir()) {
        Some(dir) => Err(Outcome::usage(format!("--plugins {}: no such folder", dir.display()))),
        None => Ok(()),
    }
}

/// How `show` and `get` report a workbook that loaded with errors in it.
#[derive(Clone, Copy)]
pub struct Report {
    pub color: bool,
    /// Any error in the workbook fails the command (exit 1); otherwise error values are shown
    /// as values, as a spreadsheet does, and their diagnostics are printed as warnings.
    pub strict: bool,
}

fn show(workbook: Option<&str>, options: &PackArgs, table: Option<&str>, output: &OutputArgs, report: Report) -> Run {
    let ws = load(workbook, options, report.color)?;
    let tables = flopsheet_render::select(&ws, table).map_err(Outcome::usage)?;
    let style = Style {
        width: output.width,
        ..Style::default()
    };
    let stdout = flopsheet_render::render(&ws, &tables, format_of(output.format), &style);
    Ok(finish_lenient(&ws, stdout, report))
}

/// What a command that printed reports: with `--strict`, as [`finish`]; otherwise exit 0
/// and the workbook's diagnostics on stderr as warnings.
fn finish_lenient(ws: &Workspace, stdout: String, report: Report) -> Outcome {
    if report.strict {
        return finish(ws, stdout, report.color);
    }
    Outcome {
        stdout,
        stderr: ws.render_diagnostics_as_warnings(report.color),
        code: 0,
    }
}

/// Prints the workbook's diagnostics (if any) to stderr and sets the exit code from them.
fn finish(ws: &Workspace, stdout: String, color: bool) -> Outcome {
    let code = u8::from(ws.has_errors());
    Outcome {
        stdout,
        stderr: ws.render_diagnostics(color),
        code,
    }
}

pub fn format_of(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Table => Format::Table,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Json => Format::Json,
        OutputFormat::Markdown => Format::Markdown,
    }
}

/// `flopsheet get h100_sxm.peak_flops_bf16 [h200.memory_bytes ...]`, no workbook: when the
/// first argument is no workbook but reads `PACK.NAME`, every argument is a pack value, and
/// the packs they name are loaded alone.
fn pack_values(first: &str, names: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    if WorkbookSource::find(first).is_ok() {
        return None;
    }
    let all: Vec<String> = std::iter::once(first.to_string())
        .chain(names.iter().cloned())
        .collect();
    let mut ids: Vec<String> = Vec::new();
    for name in &all {
        let (id, _) = name.split_once('.')?;
        if !flopsheet_load::packs::is_valid_id(id) {
            return None;
        }
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    Some((ids, all))
}

fn get(workbook: &str, names: &[String], options: &PackArgs, format: GetFormat, report: Report) -> Run {
    let color = report.color;
    let (ws, names) = match pack_values(workbook, names) {
        Some((ids, all)) => (load_source(WorkbookSource::Packs(ids), options, color)?, all),
        None if names.is_empty() => {
            return Err(Outcome {
                stderr: format!(
                    "error: name the cells to get: `flopsheet get {workbook} NAME...`\nhelp: `flopsheet show {workbook}` prints them all; a pack's value reads `flopsheet get PACK.NAME` without a workbook\n"
                ),
                code: 2,
                ..Outcome::default()
            })
        }
        None => (load(Some(workbook), options, color)?, names.to_vec()),
    };
    let names = &names[..];
    let stdout = match format {
        GetFormat::Plain => flopsheet_render::values(&ws, names, Format::Table),
        GetFormat::Json => flopsheet_render::values(&ws, names, Format::Json),
        GetFormat::Table => flopsheet_render::values_grid(&ws, names, Format::Table),
        GetFormat::Csv => flopsheet_render::values_grid(&ws, names, Format::Csv),
        GetFormat::Markdown => flopsheet_render::values_grid(&ws, names, Format::Markdown),
    }
    // A name that is no cell is the command line's mistake.
    .map_err(Outcome::usage)?;
    // A value asked for that is an error fails the command, whatever else is fine; errors in
    // other cells are warnings (unless `--strict`).
    let asked_error = names
        .iter()
        .any(|n| matches!(ws.value(n), Ok(flopsheet_engine::Value::Err(_))));
    let mut outcome = finish_lenient(
        &ws,
        stdout,
        Report {
            strict: report.strict || asked_error,
            ..report
        },
    );
    if asked_error {
        outcome.code = 1;
    }
    Ok(outcome)
}

fn explain(workbook: &str, name: &str, options: &PackArgs, color: bool) -> Run {
    let ws = load(Some(workbook), options, color)?;
    let text = flopsheet_render::explain(&ws, name).map_err(Outcome::usage)?;
    let report = Report { color, strict: false };
    Ok(finish_lenient(&ws, text, report))
}

fn check(workbook: Option<&str>, options: &PackArgs, references: bool, color: bool) -> Run {
    let ws = load(workbook, options, color)?;
    let mut outcome = finish(&ws, String::new(), color);
    if outcome.code == 0 {
        outcome.stdout = format!(
            "{}: ok ({} cells, {} packs, {} tables)\n",
            ws.source().display(),
            // A reference's hidden cell is not one the user wrote.
            ws.model.len() - ws.workbook.references.len(),
            ws.workbook.packs.len(),
            ws.workbook.tables.len()
        );
    }
    // Compared even when the workbook has errors: an estimate that is an error value is
    // a failed reference too, and says so.
    if references {
        crate::references::check(&ws, &mut outcome);
    }
    Ok(outcome)
}

/// `check --format json`: every diagnostic as an object, on stdout; exit 1 if any is an error.
fn check_json(workbook: Option<&str>, options: &PackArgs) -> Run {
    let source = WorkbookSource::find(workbook.unwrap_or(WorkbookSource::OVERVIEW)).map_err(not_found)?;
    missing_plugin_folder(options)?;
    let mut load_options = LoadOptions::from_env(options.plugins.clone(), options.set.clone());
    load_options.slots = options.slot.clone();
    load_options.display = options.unit.clone();
    let (json, failed) = match Workspace::load(source, load_options) {
        Ok(ws) => (diagnostics_json(&ws.sources, &ws.diagnostics), ws.has_errors()),
        Err(failure) => (diagnostics_json(&failure.sources, &failure.diagnostics), true),
    };
    Ok(Outcome {
        stdout: format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default()),
        stderr: String::new(),
        code: u8::from(failed),
    })
}

/// Diagnostics as JSON: where each is (its first label), what is wrong, how to fix it.
fn diagnostics_json(
    sources: &flopsheet_load::Sources,
    diagnostics: &[flopsheet_load::Diagnostic],
) -> serde_json::Value {
    use serde_json::json;
    let place = |file: usize, offset: usize| {
        let (line, column) = sources.position(file, offset);
        (sources.name(file).to_string(), line, column)
    };
    let all: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let labels: Vec<serde_json::Value> = d
                .labels
                .iter()
                .map(|l| {
                    let (file, line, column) = place(l.file_id, l.range.start);
                    json!({ "file": file, "line": line, "column": column, "message": l.message })
                })
                .collect();
            let (file, line, column) = match d.labels.first() {
                Some(l) => {
                    let (f, line, column) = place(l.file_id, l.range.start);
                    (Some(f), Some(line), Some(column))
                }
                None => (None, None, None),
            };
            let help: Vec<&str> = d.notes.iter().map(|n| n.strip_prefix("help: ").unwrap_or(n)).collect();
            let severity = format!("{:?}", d.severity).to_lowercase();
            json!({
                "severity": severity,
                "file": file,
                "line": line,
                "column": column,
                "message": d.message,
                "help": help,
                "labels": labels,
            })
        })
        .collect();
    serde_json::Value::Array(all)
}

fn packs(show_values: bool, dir: Option<std::path::PathBuf>, options: &PackArgs) -> Run {
    if !options.set.is_empty() || !options.slot.is_empty() || !options.unit.is_empty() {
        return Err(Outcome::usage(
            "packs takes no --set/--slot/--unit: they change a workbook's cells, and packs lists packs\nhelp: `flopsheet get WORKBOOK NAME --set ...` or `flopsheet show WORKBOOK --slot ...`",
        ));
    }
    missing_plugin_folder(options)?;
    let load_options = LoadOptions::from_env(options.plugins.clone(), Vec::new());
    let dir = dir.unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| ".".into()));
    let source = WorkbookSource::File(dir.join("_"));
    let search = load_options.search_path(&source);
    let mut out = String::from("search path (highest precedence first):\n");
    for (level, folder) in search.folders() {
        out.push_str(&format!("  {:<22} {}\n", level.describe(), folder.display()));
    }
    out.push_str(&format!(
        "  {:<22} {}\n\n",
        "built in", "(packs shipped with flopsheet)"
    ));
    let mut stderr = String::new();
    let listings = list_packs(&search);
    // Columns as wide as their longest entry: a plugin's id or name can be any length.
    let width = |column: fn(&RawPack) -> usize| {
        listings
            .iter()
            .filter_map(|l| l.pack.as_ref().ok())
            .map(column)
            .max()
            .unwrap_or(0)
    };
    let id_width = listings.iter().map(|l| l.id.chars().count()).max().unwrap_or(0);
    let kind_width = width(|p| p.kind.to_string().len());
    let name_width = width(|p| p.name.chars().count());
    for listing in &listings {
        let winner = &listing.candidates[0];
        match &listing.pack {
            Ok(pack) => {
                out.push_str(&format!(
                    "{:<id_width$}  {:<kind_width$}  {:<name_width$}  {} ({})\n",
                    listing.id,
                    pack.kind.to_string(),
                    pack.name,
                    winner.location.display(),
                    winner.level.describe()
                ));
                if !pack.requires.is_empty() {
                    out.push_str(&format!("{:<id_width$}  requires {}\n", "", pack.requires.join(", ")));
                }
                if show_values {
                    // Derived values are evaluated: the pack loaded alone (with what it requires).
                    let evaluated = pack.values.values().any(|c| c.formula.is_some()).then(|| {
                        let source = WorkbookSource::Packs(vec![listing.id.clone()]);
                        let mut options = load_options.clone();
                        options.overrides.clear();
                        Workspace::load(source, options).ok()
                    });
                    for (name, cell) in &pack.values {
                        let unit = cell.notes.as_ref().and_then(|n| n.unit.as_deref());
                        let shown = match (&cell.value, &cell.formula) {
                            (Some(v), _) => flopsheet_render::format_number(*v, unit),
                            (None, Some(f)) => match evaluated.as_ref().and_then(|ws| ws.as_ref()) {
                                Some(ws) => match ws.value(&format!("{}.{name}", listing.id)) {
                                    Ok(value) => format!("{}   = {f}", flopsheet_render::format_value(value, unit)),
                                    Err(_) => format!("= {f}"),
                                },
                                None => format!("= {f}"),
                            },
                            _ => match cell.notes.as_ref().and_then(|n| n.missing.as_deref()) {
                                Some(why) => format!("n/a   missing: {why}"),
                                None => String::new(),
                            },
                        };
                        out.push_str(&format!("    {}.{name:<34} {shown}\n", listing.id));
                    }
                }
            }
            Err(rendered) => stderr.push_str(rendered),
        }
        for shadowed in &listing.candidates[1..] {
            out.push_str(&format!(
                "{:<id_width$}  shadows {} ({})\n",
                "",
                shadowed.location.display(),
                shadowed.level.describe()
            ));
        }
    }
    let code = u8::from(!stderr.is_empty());
    Ok(Outcome {
        stdout: out,
        stderr,
        code,
    })
}

/// The template of `flopsheet new`.
const TEMPLATE: &str = include_str!("templates/new.ron");

/// `flopsheet new FILE [--from SHIPPED]`: the template, or a shipped workbook's text, written
/// to a file that must not exist yet.
fn new(file: &std::path::Path, from: Option<&str>) -> Run {
    let text = match from {
        None => TEMPLATE,
        Some(name) => {
            let shipped = flopsheet_load::packs::builtin_workbooks()
                .iter()
                .find(|(path, _)| WorkbookSource::shipped_name(path) == name);
            match shipped {
                Some((_, text)) => text,
                None => {
                    let names: Vec<&str> = flopsheet_load::packs::builtin_workbooks()
                        .iter()
                        .map(|(path, _)| WorkbookSource::shipped_name(path))
                        .collect();
                    return Err(Outcome::fail(format!(
                        "no shipped workbook is named `{name}`\nhelp: the shipped workbooks are {}",
                        names.join(", ")
                    )));
                }
            }
        }
    };
    if file.extension().is_none_or(|e| e != "ron") {
        return Err(Outcome::fail(format!(
            "`{}` does not end in .ron\nhelp: a workbook is a RON file: `flopsheet new {}.ron`",
            file.display(),
            file.display()
        )));
    }
    match crate::files::write_new(file, text.as_bytes()) {
        Ok(()) => Ok(Outcome::ok(format!(
            "wrote {}\nnext: `flopsheet show {}`, or `flopsheet watch {}` while you edit it\n",
            file.display(),
            file.display(),
            file.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Outcome::fail(format!(
            "{} already exists; flopsheet never overwrites a file\nhelp: choose another name, or remove the file first",
            file.display()
        ))),
        Err(e) => Err(Outcome::fail(format!("cannot write {}: {e}", file.display()))),
    }
}

fn workbooks() -> Run {
    let mut out = String::new();
    for (path, text) in flopsheet_load::packs::builtin_workbooks() {
        let title = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("title:"))
            .unwrap_or("")
            .trim()
            .trim_end_matches(',');
        out.push_str(&format!(
            "{:<16} {}\n",
            WorkbookSource::shipped_name(path),
            title.trim_matches('"')
        ));
    }
    Ok(Outcome::ok(out))
}
