//! `flopsheet watch`: print the tables, then recompute and reprint on every save of the
//! workbook or a pack it uses.
//!
//! Editors save in different ways: vim, Helix and JetBrains write a temporary file and rename
//! it over the original (a new inode), VS Code truncates and rewrites, some save twice in a
//! row. So we watch the *folders* (the workbook's folder and every plugin folder), filter
//! events by path, and debounce, so that one save is one recompute and a file deleted and
//! re-created is picked up again. A save that does not load keeps the last good model on
//! screen; the watcher never exits on bad input, only on Ctrl-C (with status 0).

use crate::cli::{OutputArgs, PackArgs};
use crate::commands::{format_of, Outcome, Run};
use flopsheet_engine::{UpdateReport, Value};
use flopsheet_load::{Failure, LoadOptions, WorkbookSource, Workspace};
use flopsheet_render::Style;
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Events closer together than this are one save. Short enough that a save shows in well under
/// 100 ms, long enough to merge an editor's write-then-rename or double save.
const DEBOUNCE: Duration = Duration::from_millis(40);

pub struct WatchArgs {
    pub workbook: String,
    pub options: PackArgs,
    pub table: Option<String>,
    pub output: OutputArgs,
    pub clear: bool,
}

enum Message {
    Files(DebounceEventResult),
    Stop,
}

/// What is on screen and what produced it.
struct Session {
    args: WatchArgs,
    source: WorkbookSource,
    options: LoadOptions,
    color: bool,
    workspace: Option<Workspace>,
    /// The workbook's path, absolute, to match event paths against.
    workbook_path: Option<PathBuf>,
    /// Plugin folders, absolute.
    plugin_folders: Vec<PathBuf>,
    watched: BTreeSet<PathBuf>,
    last_good: String,
}

pub fn watch(args: WatchArgs, color: bool) -> Run {
    let source = WorkbookSource::find(&args.workbook).map_err(crate::commands::not_found)?;
    let WorkbookSource::File(path) = &source else {
        return Err(Outcome::fail(format!(
            "`{}` is a shipped workbook built into flopsheet; watch needs a file you edit\nhelp: copy it to a file first: `flopsheet new my_{}.ron --from {}`, then `flopsheet watch my_{}.ron`",
            args.workbook, args.workbook, args.workbook, args.workbook
        )));
    };
    let workbook_path = absolute(path);
    let mut options = LoadOptions::from_env(args.options.plugins.clone(), args.options.set.clone());
    options.slots = args.options.slot.clone();
    options.display = args.options.unit.clone();

    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Message::Stop);
    })
    .map_err(|e| Outcome::fail(format!("cannot handle Ctrl-C: {e}")))?;
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result| {
        let _ = tx.send(Message::Files(result));
    })
    .map_err(|e| Outcome::fail(format!("cannot watch files: {e}")))?;

    let plugin_folders = options
        .search_path(&source)
        .folders()
        .iter()
        .map(|(_, p)| absolute(p))
        .collect();
    let mut session = Session {
        args,
        source,
        options,
        color,
        workspace: None,
        workbook_path: Some(workbook_path),
        plugin_folders,
        watched: BTreeSet::new(),
        last_good: String::new(),
    };
    // Watch before loading, so that a save made while we load is not missed; then watch the
    // folders of the packs the workbook turned out to use.
    for root in session.roots() {
        session.watch_root(&mut debouncer, root);
    }
    session.initial_load();
    for root in session.roots() {
        session.watch_root(&mut debouncer, root);
    }
    session.announce();

    while let Ok(message) = rx.recv() {
        match message {
            Message::Stop => break,
            Message::Files(Err(errors)) => {
                for e in errors {
                    eprint!("{}", watch_error(Path::new("."), &e));
                }
            }
            Message::Files(Ok(events)) => {
                let changed = session.relevant(&events);
                if changed.is_empty() {
                    continue;
                }
                session.on_change(&changed);
                // A new pack or plugin folder may have become relevant.
                for root in session.roots() {
                    session.watch_root(&mut debouncer, root);
                }
            }
        }
    }
    Ok(Outcome::ok("stopped watching\n".into()))
}

/// An absolute, symlink-free path, also for a file that does not exist (yet).
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (parent.canonicalize(), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf()),
    }
}

fn watch_error(root: &Path, e: &notify::Error) -> String {
    let help = match e.kind {
        notify::ErrorKind::MaxFilesWatch => {
            "\nhelp: the system's limit on watched files is reached; raise it with `sudo sysctl fs.inotify.max_user_watches=524288`"
        }
        _ => "",
    };
    format!("warning: cannot watch {}: {e}{help}\n", root.display())
}

impl Session {
    fn watch_root<W: notify::Watcher, C: notify_debouncer_full::FileIdCache>(
        &mut self,
        debouncer: &mut notify_debouncer_full::Debouncer<W, C>,
        root: PathBuf,
    ) {
        if self.watched.contains(&root) {
            return;
        }
        // Plugin folders hold packs in subfolders; other folders matter only for their files.
        let mode = if self.plugin_folders.contains(&root) {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        match debouncer.watch(&root, mode) {
            Ok(()) => {
                self.watched.insert(root);
            }
            Err(e) => eprint!("{}", watch_error(&root, &e)),
        }
    }

    /// Loads the workbook and prints its tables (or why it cannot be loaded yet).
    fn initial_load(&mut self) {
        match Workspace::load(self.source.clone(), self.options.clone()) {
            Ok(ws) => {
                let tables = self.render(&ws, &HashMap::new());
                self.print(&tables, &ws.render_diagnostics(self.color), "");
                self.last_good = tables;
                self.workspace = Some(ws);
            }
            Err(failure) => self.print_failure(&failure, "cannot load it yet; fix the file and save again"),
        }
    }

    /// The status line saying the watch is in place.
    fn announce(&self) {
        let packs = self
            .workspace
            .as_ref()
            .map_or(0, |ws| ws.files().len().saturating_sub(1));
        println!(
            "watching {} and {packs} pack file(s); Ctrl-C to stop",
            self.file_label(&[])
        );
    }

    /// The folders to watch: the workbook's folder, every plugin folder, and the folder of
    /// every pack file read (for packs outside the plugin folders, such as `--plugins` ones).
    fn roots(&self) -> BTreeSet<PathBuf> {
        let mut roots = BTreeSet::new();
        if let Some(dir) = self.workbook_path.as_ref().and_then(|p| p.parent()) {
            roots.insert(dir.to_path_buf());
        }
        for folder in &self.plugin_folders {
            if folder.is_dir() {
                roots.insert(folder.clone());
            }
        }
        if let Some(ws) = &self.workspace {
            for file in ws.files() {
                let file = absolute(file);
                let covered = self.plugin_folders.iter().any(|p| file.starts_with(p));
                if let (false, Some(dir)) = (covered, file.parent()) {
                    roots.insert(dir.to_path_buf());
                }
            }
        }
        roots
    }

    /// The changed files that matter: the workbook, and `.ron` files in plugin folders or
    /// among the files read.
    fn relevant(&self, events: &[notify_debouncer_full::DebouncedEvent]) -> Vec<PathBuf> {
        let read: Vec<PathBuf> = self
            .workspace
            .iter()
            .flat_map(|ws| ws.files().iter().map(|f| absolute(f)))
            .collect();
        let mut changed = BTreeSet::new();
        for event in events {
            if matches!(
                event.kind,
                EventKind::Access(_) | EventKind::Modify(notify::event::ModifyKind::Metadata(_))
            ) {
                continue;
            }
            for path in &event.paths {
                let is_ron = path.extension().is_some_and(|e| e == "ron");
                let matters = Some(path) == self.workbook_path.as_ref()
                    || read.contains(path)
                    || (is_ron && self.plugin_folders.iter().any(|p| path.starts_with(p)));
                if matters {
                    changed.insert(path.clone());
                }
            }
        }
        changed.into_iter().collect()
    }

    fn on_change(&mut self, changed: &[PathBuf]) {
        let started = Instant::now();
        let label = self.file_label(changed);
        let Some(ws) = self.workspace.as_mut() else {
            // Nothing loaded yet: try from scratch.
            self.initial_load();
            if self.workspace.is_some() {
                println!("{label}: loaded in {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
            }
            return;
        };
        let before = displayed_values(ws, self.args.table.as_deref());
        match ws.reload_changed(changed) {
            Ok(report) => {
                let ws = self.workspace.as_ref().expect("just reloaded");
                let after = displayed_values(ws, self.args.table.as_deref());
                let moved: HashMap<String, Value> = before
                    .into_iter()
                    .filter(|(name, old)| after.get(name).is_some_and(|new| new != old))
                    .collect();
                let tables = self.render(ws, &moved);
                let elapsed = started.elapsed();
                let status = format!("{label}: {}", describe(ws, &report, moved.len(), elapsed));
                self.print(&tables, &ws.render_diagnostics(self.color), &status);
                // The good version, without change marks, is what a later bad save falls back to.
                self.last_good = self.render(ws, &HashMap::new());
            }
            Err(failure) => self.print_failure(&failure, &format!("{label}: error; showing the last good model")),
        }
    }

    fn render(&self, ws: &Workspace, changed: &HashMap<String, Value>) -> String {
        let tables = match flopsheet_render::select(ws, self.args.table.as_deref()) {
            Ok(t) => t,
            Err(e) => return format!("error: {e}\n"),
        };
        let style = Style {
            width: self.args.output.width,
            changed: changed.clone(),
        };
        flopsheet_render::render(ws, &tables, format_of(self.args.output.format), &style)
    }

    fn print(&self, tables: &str, diagnostics: &str, status: &str) {
        let mut out = std::io::stdout().lock();
        if self.args.clear {
            let _ = out.write_all(b"\x1b[2J\x1b[H");
        }
        let _ = writeln!(out, "{tables}");
        if !status.is_empty() {
            let _ = writeln!(out, "{status}");
        }
        let _ = out.flush();
        if !diagnostics.is_empty() {
            eprint!("{diagnostics}");
        }
    }

    fn print_failure(&self, failure: &Failure, status: &str) {
        let last = self.last_good.clone();
        self.print(&last, &failure.render(self.color), status);
    }

    /// `training_cost.ron`, or `training_cost.ron, h100_sxm.ron`.
    fn file_label(&self, changed: &[PathBuf]) -> String {
        let paths: Vec<&Path> = if changed.is_empty() {
            self.workbook_path.iter().map(|p| p.as_path()).collect()
        } else {
            changed.iter().map(|p| p.as_path()).collect()
        };
        let names: Vec<String> = paths
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.join(", ")
    }
}

/// The values of every cell the selected tables show.
fn displayed_values(ws: &Workspace, table: Option<&str>) -> HashMap<String, Value> {
    let mut values = HashMap::new();
    for t in flopsheet_render::select(ws, table).unwrap_or_default() {
        for name in t.cell_names() {
            if let Ok(v) = ws.value(&name) {
                values.insert(name, v);
            }
        }
    }
    values
}

/// `1 input changed (tpu_v4.usd_per_hour_1yr), 12 cells recomputed in 0.4 ms`: the changed
/// cells are named, whether or not a table shows them.
fn describe(ws: &Workspace, report: &UpdateReport, shown_changed: usize, elapsed: Duration) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let named = |ids: &[flopsheet_engine::CellId]| {
        let mut names: Vec<&str> = ids.iter().take(3).map(|&id| ws.model.name(id)).collect();
        let more = ids.len().saturating_sub(names.len());
        let more = (more > 0).then(|| format!("and {more} more"));
        names.extend(more.as_deref());
        format!(" ({})", names.join(", "))
    };
    let mut what = Vec::new();
    if !report.inputs_changed.is_empty() {
        what.push(
            plural(report.inputs_changed.len(), "input changed", "inputs changed") + &named(&report.inputs_changed),
        );
    }
    if !report.redefined.is_empty() {
        what.push(
            plural(report.redefined.len(), "definition changed", "definitions changed") + &named(&report.redefined),
        );
    }
    if !report.removed.is_empty() {
        what.push(plural(report.removed.len(), "cell removed", "cells removed"));
    }
    if what.is_empty() {
        what.push("no change".into());
    }
    format!(
        "{}, {} recomputed, {} in the tables changed, in {:.1} ms",
        what.join(", "),
        plural(report.evaluation.recomputed.len(), "cell", "cells"),
        plural(shown_changed, "value", "values"),
        elapsed.as_secs_f64() * 1e3
    )
}
