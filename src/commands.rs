//! One function per subcommand. Each returns what to print and the exit code; `main` does
//! the printing.

use crate::cli::{Command, GetFormat, OutputArgs, OutputFormat, PackArgs};
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
}

pub fn run(command: Command, color: bool) -> Outcome {
    dispatch(command, color).unwrap_or_else(|failed| failed)
}

fn dispatch(command: Command, color: bool) -> Run {
    match command {
        Command::Show { load, table, output } => show(
            load.workbook.as_deref(),
            &load.options,
            table.as_deref(),
            &output,
            color,
        ),
        Command::Get {
            workbook,
            names,
            options,
            format,
        } => get(&workbook, &names, &options, format, color),
        Command::Explain {
            workbook,
            name,
            options,
        } => explain(&workbook, &name, &options, color),
        Command::Check { load } => check(load.workbook.as_deref(), &load.options, color),
        Command::Packs { values, dir, options } => packs(values, dir, &options),
        Command::Workbooks => workbooks(),
        Command::Compare {
            workbook,
            scenarios,
            show,
            table,
            options,
            output,
        } => whatif::compare(&workbook, &scenarios, &show, table.as_deref(), &options, &output, color),
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
    missing_plugin_folder(options)?;
    let mut load_options = LoadOptions::from_env(options.plugins.clone(), options.set.clone());
    load_options.slots = options.slot.clone();
    Workspace::load(source, load_options).map_err(|failure| Outcome::error(failure.render(color)))
}

/// `--plugins DIR` names a folder on purpose: a typo there must not silently fall back to
/// the built-in packs.
fn missing_plugin_folder(options: &PackArgs) -> Result<(), Outcome> {
    match options.plugins.iter().find(|dir| !dir.is_dir()) {
        Some(dir) => Err(Outcome::fail(format!("--plugins {}: no such folder", dir.display()))),
        None => Ok(()),
    }
}

fn show(workbook: Option<&str>, options: &PackArgs, table: Option<&str>, output: &OutputArgs, color: bool) -> Run {
    let ws = load(workbook, options, color)?;
    let tables = flopsheet_render::select(&ws, table).map_err(Outcome::fail)?;
    let style = Style {
        width: output.width,
        ..Style::default()
    };
    let stdout = flopsheet_render::render(&ws, &tables, format_of(output.format), &style);
    Ok(finish(&ws, stdout, color))
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

fn get(workbook: &str, names: &[String], options: &PackArgs, format: GetFormat, color: bool) -> Run {
    let ws = load(Some(workbook), options, color)?;
    let format = if format == GetFormat::Json {
        Format::Json
    } else {
        Format::Table
    };
    let stdout = flopsheet_render::values(&ws, names, format).map_err(Outcome::fail)?;
    let mut outcome = finish(&ws, stdout, color);
    // A value asked for that is an error fails the command, whatever else is fine.
    if names
        .iter()
        .any(|n| matches!(ws.value(n), Ok(flopsheet_engine::Value::Err(_))))
    {
        outcome.code = 1;
    }
    Ok(outcome)
}

fn explain(workbook: &str, name: &str, options: &PackArgs, color: bool) -> Run {
    let ws = load(Some(workbook), options, color)?;
    let text = flopsheet_render::explain(&ws, name).map_err(Outcome::fail)?;
    Ok(finish(&ws, text, color))
}

fn check(workbook: Option<&str>, options: &PackArgs, color: bool) -> Run {
    let ws = load(workbook, options, color)?;
    let mut outcome = finish(&ws, String::new(), color);
    if outcome.code == 0 {
        outcome.stdout = format!(
            "{}: ok ({} cells, {} packs, {} tables)\n",
            ws.source().display(),
            ws.model.len(),
            ws.workbook.packs.len(),
            ws.workbook.tables.len()
        );
    }
    Ok(outcome)
}

fn packs(show_values: bool, dir: Option<std::path::PathBuf>, options: &PackArgs) -> Run {
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
                    for (name, cell) in &pack.values {
                        let shown = match (&cell.value, &cell.formula) {
                            (Some(v), _) => {
                                flopsheet_render::format_number(*v, cell.notes.as_ref().and_then(|n| n.unit.as_deref()))
                            }
                            (None, Some(f)) => format!("= {f}"),
                            _ => String::new(),
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
