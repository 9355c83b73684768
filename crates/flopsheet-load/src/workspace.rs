//! The façade: a workbook loaded with its packs into a model, with its diagnostics.
//!
//! `Workspace::load` runs the whole pipeline — read files, parse RON, find packs, resolve
//! names, build the graph, evaluate — and `Workspace::reload` runs it again after an edit,
//! updating the model incrementally. Fatal problems (a file that does not parse, a missing
//! pack) come back as a [`Failure`]; problems inside formulas (an unknown name, a cycle) leave a
//! model whose affected cells hold error values, listed in [`Workspace::diagnostics`].

use crate::diagnose::build_diagnostics;
use crate::packs::{builtin_workbooks, is_valid_id, Candidate, PackLocation, SearchPath};
use crate::raw::{RawPack, RawWorkbook};
use crate::resolve::{resolve, LoadedPack, Resolved, Workbook};
use crate::source::{offset_of, primary, secondary, Diagnostic, FileId, Sources};
use crate::spans::SpanIndex;
use flopsheet_engine::suggest::closest;
use flopsheet_engine::{Model, UpdateReport, Value};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// Largest workbook or pack file read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Which workbook to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkbookSource {
    File(PathBuf),
    Builtin {
        path: &'static str,
        text: &'static str,
    },
    /// No workbook: these packs alone, found from the current folder, so that a pack's values
    /// can be read and evaluated (`flopsheet get h100_sxm.peak_flops_bf16`).
    Packs(Vec<String>),
}

#[derive(Debug, Error)]
pub enum FindError {
    #[error("no workbook `{arg}`: there is no such file, and no shipped workbook has that name")]
    NotFound {
        arg: String,
        shipped: Vec<String>,
        suggestions: Vec<String>,
    },
    #[error("{arg} is a folder, not a workbook file")]
    Folder { arg: String, help: String },
}

impl FindError {
    /// A folder given where a workbook file belongs (`flopsheet show models`), with the RON
    /// files in it, which are what the user most likely meant.
    fn folder(path: &Path) -> FindError {
        let mut files: Vec<String> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron") && p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        files.sort();
        let help = match files.len() {
            0 => "help: give the path of a workbook file (`.ron`); there is none in this folder".to_string(),
            n if n <= 8 => format!("help: give one of the files in it: {}", files.join(", ")),
            n => format!("help: give one of the {n} files in it, e.g. {}", files[..3].join(", ")),
        };
        FindError::Folder {
            arg: path.display().to_string(),
            help,
        }
    }

    /// What to do about it, one `help: ...` line each.
    pub fn help(&self) -> Vec<String> {
        match self {
            FindError::NotFound {
                shipped, suggestions, ..
            } => suggestions
                .first()
                .map(|s| format!("help: did you mean `{s}`?"))
                .into_iter()
                .chain([format!("help: the shipped workbooks are: {}", shipped.join(", "))])
                .collect(),
            FindError::Folder { help, .. } => vec![help.clone()],
        }
    }
}

impl WorkbookSource {
    /// The name of the workbook `flopsheet show` prints when given none.
    pub const OVERVIEW: &'static str = "overview";

    /// A path to a file, or the name of a shipped workbook (`search_cost`).
    pub fn find(arg: &str) -> Result<WorkbookSource, FindError> {
        let path = Path::new(arg);
        if path.exists() && !path.is_dir() {
            return Ok(WorkbookSource::File(path.to_path_buf()));
        }
        let name = arg.trim_start_matches("workbooks/").trim_end_matches(".ron");
        if let Some(&(path, text)) = builtin_workbooks().iter().find(|(p, _)| Self::shipped_name(p) == name) {
            return Ok(WorkbookSource::Builtin { path, text });
        }
        if path.is_dir() {
            return Err(FindError::folder(path));
        }
        let shipped: Vec<String> = builtin_workbooks()
            .iter()
            .map(|(p, _)| Self::shipped_name(p).to_string())
            .collect();
        let suggestions = closest(name, shipped.iter().map(|s| s.as_str()));
        Err(FindError::NotFound {
            arg: arg.to_string(),
            shipped,
            suggestions,
        })
    }

    /// `search_cost` for `workbooks/search_cost.ron`.
    pub fn shipped_name(path: &str) -> &str {
        path.rsplit('/').next().unwrap_or(path).trim_end_matches(".ron")
    }

    pub fn display(&self) -> String {
        match self {
            WorkbookSource::File(p) => p.display().to_string(),
            WorkbookSource::Builtin { path, .. } => format!("<built-in>/{path}"),
            WorkbookSource::Packs(ids) => format!("<packs {}>", ids.join(", ")),
        }
    }

    /// The folder whose `plugins/` (or an ancestor's) is the workspace plugin folder.
    fn folder(&self) -> PathBuf {
        match self {
            WorkbookSource::File(p) => match p.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            },
            WorkbookSource::Builtin { .. } | WorkbookSource::Packs(_) => {
                std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
            }
        }
    }
}

/// How to find packs and what to override.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--plugins DIR`, highest precedence first.
    pub plugin_dirs: Vec<PathBuf>,
    /// The value of `FLOPSHEET_PLUGIN_PATH`.
    pub env_path: Option<OsString>,
    /// The user plugin folder.
    pub user_dir: Option<PathBuf>,
    /// `--set NAME=VALUE`: inputs (or formulas) replaced by values for this run.
    pub overrides: Vec<(String, f64)>,
    /// Pack slots given another pack for this run: `hardware` → `h100_sxm`.
    pub slots: Vec<(String, String)>,
    /// `--unit NAME=UNIT`: cells shown in another unit of the same dimension.
    pub display: Vec<(String, String)>,
}

impl LoadOptions {
    /// Options with the environment's plugin path and user folder.
    pub fn from_env(plugin_dirs: Vec<PathBuf>, overrides: Vec<(String, f64)>) -> LoadOptions {
        LoadOptions {
            plugin_dirs,
            env_path: std::env::var_os("FLOPSHEET_PLUGIN_PATH"),
            user_dir: SearchPath::user_folder(),
            overrides,
            slots: Vec::new(),
            display: Vec::new(),
        }
    }

    pub fn search_path(&self, source: &WorkbookSource) -> SearchPath {
        SearchPath::standard(
            &self.plugin_dirs,
            self.env_path.as_deref(),
            self.user_dir.clone(),
            &source.folder(),
        )
    }
}

/// A load that could not produce a model.
pub struct Failure {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// The files read before it failed (still worth watching).
    pub files: Vec<PathBuf>,
}

impl Failure {
    pub fn render(&self, color: bool) -> String {
        self.sources.render(&self.diagnostics, color)
    }
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// A loaded workbook: its files, its resolved definitions and the evaluated model.
pub struct Workspace {
    pub sources: Sources,
    pub workbook: Workbook,
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
    pub(crate) source: WorkbookSource,
    pub(crate) options: LoadOptions,
    files: Vec<PathBuf>,
    cache: FileCache,
    /// What the last good load read: enough to rebuild its definitions when a reload fails,
    /// without keeping every parsed formula in memory meanwhile.
    good: (HashMap<PathBuf, Arc<str>>, LoadOptions),
}

/// The text of every file read, so that a reload re-reads only the files that changed.
#[derive(Default)]
struct FileCache {
    texts: HashMap<PathBuf, Arc<str>>,
}

impl FileCache {
    /// Files are known by their absolute path, as a watcher reports them.
    fn key(path: &Path) -> PathBuf {
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    }

    /// The text of a file; a file that cannot be read is a diagnostic (and a file that is
    /// not UTF-8 is added to `sources`, so that the diagnostic can point into it).
    fn read(&mut self, path: &Path, sources: &mut Sources) -> Result<Arc<str>, Diagnostic> {
        let key = Self::key(path);
        if let Some(text) = self.texts.get(&key) {
            return Ok(text.clone());
        }
        let text = read_text(path, sources)?;
        self.texts.insert(key, text.clone());
        Ok(text)
    }

    fn forget(&mut self, path: &Path) {
        self.texts.remove(&Self::key(path));
        self.texts.remove(path);
    }
}

/// A workbook and its packs read, parsed and resolved, not yet built into a model: the first
/// of the two steps of [`Workspace::load`], split so that each step can be timed on its own.
pub struct Definitions {
    loaded: Loaded,
    source: WorkbookSource,
    options: LoadOptions,
    cache: FileCache,
}

impl Definitions {
    /// The number of cells defined (workbook, packs and tables).
    pub fn cell_count(&self) -> usize {
        self.loaded.resolved.workbook.cells.len()
    }

    /// The expression of every cell, by position in the workbook's cells (`None` for an
    /// input or a missing value), its names resolved to the cells they read (`row.params` →
    /// `gpt3.params`, a bare column → `TABLE.ROW.COLUMN`, a pack's own names qualified) and
    /// slots bound: what the model compiles, for an exporter to translate. The workbook's own
    /// formulas are parsed for this (and again when the model is built).
    pub fn expressions(&self) -> Vec<Option<flopsheet_engine::Expr>> {
        self.loaded.resolved.expressions()
    }

    /// The second step of [`Workspace::load`]: builds the dependency graph, evaluates every
    /// cell and collects the diagnostics.
    pub fn build(self) -> Workspace {
        let Definitions {
            loaded,
            source,
            options,
            cache,
        } = self;
        let mut resolved = loaded.resolved;
        let units = crate::units::check(&mut resolved);
        let functions = std::mem::take(&mut resolved.functions);
        let model = Model::build_from(&mut resolved, &functions);
        let workbook = resolved.workbook;
        let mut diagnostics = build_diagnostics(&loaded.sources, &workbook, &model);
        diagnostics.extend(units);
        let good = (cache.texts.clone(), options.clone());
        Workspace {
            sources: loaded.sources,
            workbook,
            model,
            diagnostics,
            source,
            options,
            files: loaded.files,
            cache,
            good,
        }
    }
}

impl Workspace {
    /// Reads, resolves, builds and evaluates a workbook: [`Workspace::read`], then
    /// [`Definitions::build`].
    pub fn load(source: WorkbookSource, options: LoadOptions) -> Result<Workspace, Failure> {
        Ok(Workspace::read(source, options)?.build())
    }

    /// The first step of [`Workspace::load`]: reads and parses the workbook and its packs and
    /// resolves their names, without building the model.
    pub fn read(source: WorkbookSource, options: LoadOptions) -> Result<Definitions, Failure> {
        let mut cache = FileCache::default();
        let loaded = read_definitions(&source, &options, &mut cache)?;
        Ok(Definitions {
            loaded,
            source,
            options,
            cache,
        })
    }

    /// Reads every file again and brings the model up to date; see [`Workspace::reload_changed`].
    pub fn reload(&mut self) -> Result<UpdateReport, Failure> {
        self.cache.texts.clear();
        self.reload_changed(&[])
    }

    /// Re-reads the files in `changed` (other files come from the cache), diffs the new
    /// definitions against the model and recomputes incrementally. If the new definitions fail
    /// to load, or build with errors, the last good model stays in place and the failure is
    /// returned.
    pub fn reload_changed(&mut self, changed: &[PathBuf]) -> Result<UpdateReport, Failure> {
        for path in changed {
            self.cache.forget(path);
        }
        let mut loaded = read_definitions(&self.source, &self.options, &mut self.cache)?;
        self.files = loaded.files.clone();
        let units = crate::units::check(&mut loaded.resolved);
        let report = update(&mut self.model, &mut loaded.resolved);
        let mut diagnostics = build_diagnostics(&loaded.sources, &loaded.resolved.workbook, &self.model);
        diagnostics.extend(units);
        if diagnostics.iter().any(is_error) {
            self.revert();
            return Err(Failure {
                sources: loaded.sources,
                diagnostics,
                files: loaded.files,
            });
        }
        self.sources = loaded.sources;
        self.workbook = loaded.resolved.workbook;
        self.diagnostics = diagnostics;
        self.good = (self.cache.texts.clone(), self.options.clone());
        Ok(report)
    }

    /// Puts the model back to the last good load, whose texts and options were kept: they
    /// resolve again to the same definitions, and the update is incremental.
    fn revert(&mut self) {
        let (texts, options) = self.good.clone();
        let current = std::mem::replace(&mut self.cache.texts, texts);
        if let Ok(mut good) = read_definitions(&self.source, &options, &mut self.cache) {
            update(&mut self.model, &mut good.resolved);
        }
        // The files on disk are what they are now; the next reload starts from them.
        self.cache.texts = current;
    }

    /// The search path this workspace finds packs on.
    pub fn search_path(&self) -> SearchPath {
        self.options.search_path(&self.source)
    }

    pub fn source(&self) -> &WorkbookSource {
        &self.source
    }

    /// The files on disk this workspace read: the workbook and its packs.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(is_error)
    }

    pub fn render_diagnostics(&self, color: bool) -> String {
        self.sources.render(&self.diagnostics, color)
    }

    /// The name a cell has in the model: `SLOT.NAME` (`model.params`) is the value of the pack
    /// in the slot (`llama31_70b.params`); any other name is itself.
    pub fn canonical<'n>(&self, name: &'n str) -> std::borrow::Cow<'n, str> {
        match crate::resolve::slot_target(name, &self.workbook.slots) {
            Some(target) => std::borrow::Cow::Owned(target),
            None => std::borrow::Cow::Borrowed(name),
        }
    }

    /// The cell a name asked for on the command line is: a cell's own name or `SLOT.NAME`.
    pub fn id(&self, name: &str) -> Option<flopsheet_engine::CellId> {
        self.model.id(&self.canonical(name))
    }

    /// The value of a cell by name (or `SLOT.NAME`); an unknown name gets "did you mean".
    pub fn value(&self, name: &str) -> Result<Value, UnknownCell> {
        self.id(name)
            .map(|id| self.model.value(id))
            .ok_or_else(|| self.unknown(name))
    }

    pub fn unknown(&self, name: &str) -> UnknownCell {
        let canonical = self.canonical(name);
        // A reference's hidden cell (`x@reference`) is no name to suggest.
        let names = self
            .workbook
            .cells
            .keys()
            .filter(|k| !k.ends_with(crate::references::SUFFIX));
        let mut suggestions = closest(&canonical, names);
        // `model.paramz` is told `model.params`, as the user wrote it, not `gpt3.params`.
        if let (Some((slot, _)), Some((pack, _))) = (name.split_once('.'), canonical.split_once('.')) {
            if slot != pack {
                for s in &mut suggestions {
                    if let Some(rest) = s.strip_prefix(pack).and_then(|r| r.strip_prefix('.')) {
                        *s = format!("{slot}.{rest}");
                    }
                }
            }
        }
        UnknownCell {
            name: name.to_string(),
            suggestions,
        }
    }
}

fn is_error(d: &Diagnostic) -> bool {
    d.severity >= codespan_reporting::diagnostic::Severity::Error
}

/// A name asked for on the command line that is not a cell.
#[derive(Debug, Clone, Error)]
#[error("no cell is named `{name}`{}", did_you_mean(suggestions))]
pub struct UnknownCell {
    pub name: String,
    pub suggestions: Vec<String>,
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
        format!("; did you mean {}?", list.join(" or "))
    }
}

/// Brings `model` to the definitions of `resolved`, formulas parsed a chunk at a time (see
/// [`Model::update_from`]); `resolved` keeps its workbook, not its definitions.
fn update(model: &mut Model, resolved: &mut Resolved) -> UpdateReport {
    let functions = std::mem::take(&mut resolved.functions);
    model.update_from(resolved, &functions)
}

struct Loaded {
    sources: Sources,
    resolved: Resolved,
    files: Vec<PathBuf>,
}

/// From this size on, a workbook's span index is built on a thread of its own.
const PARALLEL_SPANS_BYTES: usize = 256 * 1024;

/// Reads the workbook and its packs and resolves them.
fn read_definitions(source: &WorkbookSource, options: &LoadOptions, cache: &mut FileCache) -> Result<Loaded, Failure> {
    let mut sources = Sources::default();
    let mut files = Vec::new();
    let fail = |sources, diagnostics, files| {
        Err(Failure {
            sources,
            diagnostics,
            files,
        })
    };
    let text: Arc<str> = match source {
        WorkbookSource::File(path) => {
            files.push(path.clone());
            match cache.read(path, &mut sources) {
                Ok(text) => text,
                Err(d) => return fail(sources, vec![d], files),
            }
        }
        WorkbookSource::Builtin { text, .. } => Arc::from(*text),
        WorkbookSource::Packs(ids) => {
            let listed: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
            Arc::from(format!("Workbook(title: \"packs\", packs: [{}])", listed.join(", ")))
        }
    };
    let file = sources.add(source.display(), text.clone());
    // The span index needs only the text: on a large workbook, build it on another core while
    // serde reads the RON.
    let (raw, spans) = if text.len() >= PARALLEL_SPANS_BYTES {
        std::thread::scope(|scope| {
            let spans = scope.spawn(|| SpanIndex::new(&text));
            let raw = parse_ron::<RawWorkbook>(&sources, file, "Workbook");
            let spans = spans.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (raw, spans)
        })
    } else {
        (parse_ron(&sources, file, "Workbook"), SpanIndex::new(&text))
    };
    let mut raw: RawWorkbook = match raw {
        Ok(raw) => raw,
        Err(d) => return fail(sources, vec![d], files),
    };
    let mut diagnostics = duplicate_keys(&spans, file);

    let slots = bind_slots(&raw, &spans, file, options, &mut diagnostics);
    // The packs listed, then those only named by a slot; then, as each is loaded, the packs it
    // requires (transitively, each once).
    let mut wanted: Vec<Wanted> = raw
        .packs
        .iter()
        .enumerate()
        .map(|(i, id)| Wanted::listed(id, file, spans.value(&["packs", &i.to_string()])))
        .collect();
    for (slot, id) in &slots {
        if !wanted.iter().any(|w| &w.id == id) {
            wanted.push(Wanted::listed(id, file, spans.value(&["slots", slot])));
        }
    }

    let search = options.search_path(source);
    let candidates = search.candidates();
    let mut packs: Vec<LoadedPack> = Vec::new();
    let mut next = 0;
    while let Some(want) = wanted.get(next).cloned() {
        next += 1;
        let loaded = packs.iter().any(|p| p.raw.id == want.id);
        if loaded && want.required_by.is_some() {
            continue;
        }
        match find_pack(&want.id, &candidates, &search, want.file, want.span.clone()) {
            Err(d) => diagnostics.push(match &want.required_by {
                Some(by) => d.with_notes(vec![format!("note: required by the pack `{by}`")]),
                None => d,
            }),
            Ok(candidate) => {
                if loaded {
                    let first = wanted.iter().find(|w| w.id == want.id).map_or(0..0, |w| w.span.clone());
                    diagnostics.push(
                        Diagnostic::error()
                            .with_message(format!("the pack `{}` is listed twice", want.id))
                            .with_labels(vec![
                                primary(file, want.span.clone(), "listed again here"),
                                secondary(file, first, "first listed here"),
                            ])
                            .with_notes(vec!["help: remove one of them".into()]),
                    );
                    continue;
                }
                match load_pack(&mut sources, candidate, &mut files, cache) {
                    Ok(pack) => {
                        wanted.extend(pack.raw.requires.iter().enumerate().map(|(i, id)| Wanted {
                            id: id.clone(),
                            file: pack.file,
                            span: pack.spans.value(&["requires", &i.to_string()]).unwrap_or(0..0),
                            required_by: Some(pack.raw.id.clone()),
                        }));
                        packs.push(pack);
                    }
                    Err(mut d) => diagnostics.append(&mut d),
                }
            }
        }
    }
    diagnostics.extend(circular_requirements(&packs));
    diagnostics.extend(crate::checks::cell_count(&raw, &packs, &spans, file));
    if !diagnostics.is_empty() {
        return fail(sources, diagnostics, files);
    }
    match resolve(&mut raw, &sources, file, &spans, &packs, &slots, options) {
        Ok(resolved) => {
            let diagnostics = crate::checks::scenarios(&raw, &resolved.workbook, &spans, file);
            if !diagnostics.is_empty() {
                return fail(sources, diagnostics, files);
            }
            Ok(Loaded {
                sources,
                resolved,
                files,
            })
        }
        Err(diagnostics) => fail(sources, diagnostics, files),
    }
}

/// A pack to load: listed by the workbook, named by a slot, or required by another pack.
#[derive(Clone)]
struct Wanted {
    id: String,
    /// Where it is asked for: the workbook's `packs:` or `slots:` entry, or a pack's `requires:`.
    file: FileId,
    span: std::ops::Range<usize>,
    required_by: Option<String>,
}

impl Wanted {
    fn listed(id: &str, file: FileId, span: Option<std::ops::Range<usize>>) -> Wanted {
        Wanted {
            id: id.to_string(),
            file,
            span: span.unwrap_or(0..0),
            required_by: None,
        }
    }
}

/// Packs that require each other in a circle (`a` requires `b` requires `a`, or a pack that
/// requires itself): an error at the `requires` entry that closes each circle. Loading would
/// terminate anyway (each pack is loaded once), but a circle means the packs' dependencies
/// were not thought through: one of them is not standalone and both should say so in one pack.
fn circular_requirements(packs: &[LoadedPack]) -> Vec<Diagnostic> {
    let index = |id: &str| packs.iter().position(|p| p.raw.id == id);
    // 0 = not visited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; packs.len()];
    let mut diagnostics = Vec::new();
    fn visit(
        at: usize,
        packs: &[LoadedPack],
        index: &dyn Fn(&str) -> Option<usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        state[at] = 1;
        path.push(at);
        let pack = &packs[at];
        for (i, id) in pack.raw.requires.iter().enumerate() {
            let Some(to) = index(id) else { continue };
            if state[to] == 1 {
                let from = path.iter().position(|&p| p == to).unwrap_or(0);
                let mut chain: Vec<&str> = path[from..].iter().map(|&p| packs[p].raw.id.as_str()).collect();
                chain.push(id);
                let span = pack.spans.value(&["requires", &i.to_string()]).unwrap_or(0..0);
                diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("packs require each other in a circle: {}", chain.join(" → ")))
                        .with_labels(vec![primary(pack.file, span, "closes the circle")])
                        .with_notes(vec![
                            "help: a pack may require only packs that do not require it back; move what both need into one of them, or into a third pack that both require".into(),
                        ]),
                );
            } else if state[to] == 0 {
                visit(to, packs, index, state, path, diagnostics);
            }
        }
        path.pop();
        state[at] = 2;
    }
    for at in 0..packs.len() {
        if state[at] == 0 {
            visit(at, packs, &index, &mut state, &mut Vec::new(), &mut diagnostics);
        }
    }
    diagnostics
}

/// The pack each slot holds: the workbook's binding, unless this load (a scenario, a sweep)
/// puts another pack in it.
fn bind_slots(
    raw: &RawWorkbook,
    spans: &SpanIndex,
    file: FileId,
    options: &LoadOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> indexmap::IndexMap<String, String> {
    let mut slots = raw.slots.clone();
    for (slot, _) in &raw.slots {
        if !crate::resolve::is_simple_name(slot) || raw.packs.contains(slot) {
            let span = spans.key(&["slots", slot]).unwrap_or(0..0);
            diagnostics.push(
                Diagnostic::error()
                    .with_message(format!("`{slot}` cannot be a slot name"))
                    .with_labels(vec![primary(file, span, "slot")])
                    .with_notes(vec!["help: a slot is a plain name (letters, digits, `_`) that is not also a pack id, e.g. `hardware`".into()]),
            );
        }
    }
    for (slot, pack) in &options.slots {
        match slots.get_mut(slot) {
            Some(bound) => *bound = pack.clone(),
            None => {
                let known: Vec<&str> = raw.slots.keys().map(|k| k.as_str()).collect();
                let message = if known.is_empty() {
                    format!("the workbook has no slot `{slot}` (it declares no `slots:`)")
                } else {
                    format!("the workbook has no slot `{slot}`; its slots are: {}", known.join(", "))
                };
                diagnostics.push(Diagnostic::error().with_message(message));
            }
        }
    }
    slots
}

fn read_text(path: &Path, sources: &mut Sources) -> Result<Arc<str>, Diagnostic> {
    let io_error = |e: std::io::Error| Diagnostic::error().with_message(format!("cannot read {}: {e}", path.display()));
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    // A file can become a folder between two saves that `watch` follows.
    if metadata.is_dir() {
        let folder = FindError::folder(path);
        return Err(Diagnostic::error()
            .with_message(folder.to_string())
            .with_notes(folder.help()));
    }
    let size = metadata.len();
    if size > MAX_FILE_BYTES {
        return Err(Diagnostic::error()
            .with_message(format!(
                "{} is {size} bytes; the limit is {MAX_FILE_BYTES} ({} MiB)",
                path.display(),
                MAX_FILE_BYTES >> 20
            ))
            .with_notes(vec![
                "help: is this really a workbook or pack? Split a generated model into several files.".into(),
            ]));
    }
    let mut bytes = Vec::new();
    // Read at most one byte past the limit: the file may have grown since it was measured.
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(io_error)?, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(
            Diagnostic::error().with_message(format!("{} is over {MAX_FILE_BYTES} bytes, the limit", path.display()))
        );
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text.into()),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bad = e.utf8_error().error_len().unwrap_or(1);
            // Shown with the bad bytes replaced: everything before them is unchanged, so the
            // replacement character sits exactly at the first bad byte.
            let text: Arc<str> = String::from_utf8_lossy(e.as_bytes()).into();
            let file = sources.add(path.display().to_string(), text);
            let shown = '\u{fffd}'.len_utf8();
            Err(Diagnostic::error()
                .with_message(format!("the file is not valid UTF-8 text (byte {valid})"))
                .with_labels(vec![primary(
                    file,
                    valid..valid + shown,
                    format!(
                        "{bad} byte{} that UTF-8 does not allow",
                        if bad == 1 { "" } else { "s" }
                    ),
                )])
                .with_notes(vec![
                    "help: save the file as UTF-8 (the encoding of this one may be Latin-1 or Windows-1252)".into(),
                ]))
        }
    }
}

/// Deserializes a RON file, turning RON's error into a diagnostic with a span.
fn parse_ron<T: DeserializeOwned>(sources: &Sources, file: FileId, expected: &str) -> Result<T, Diagnostic> {
    let text = sources.text(file);
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options.from_str(text).map_err(|e| {
        let start = offset_of(text, e.span.start.line, e.span.start.col);
        let mut end = offset_of(text, e.span.end.line, e.span.end.col);
        if end <= start {
            end = text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        }
        crate::syntax::ron_error(text, file, &e.code, start..end, expected)
    })
}

/// Keys written twice in one map are an error: serde would silently keep only the last.
fn duplicate_keys(spans: &SpanIndex, file: FileId) -> Vec<Diagnostic> {
    spans
        .duplicates
        .iter()
        .map(|d| {
            Diagnostic::error()
                .with_message(format!("`{}` is written twice", d.key))
                .with_labels(vec![
                    primary(file, d.second.clone(), "written again here"),
                    secondary(file, d.first.clone(), "first here"),
                ])
                .with_notes(vec![
                    "help: keep one; the second would silently replace the first".into()
                ])
        })
        .collect()
}

fn find_pack<'c>(
    id: &str,
    candidates: &'c [Candidate],
    search: &SearchPath,
    file: FileId,
    span: std::ops::Range<usize>,
) -> Result<&'c Candidate, Diagnostic> {
    if !is_valid_id(id) {
        return Err(Diagnostic::error()
            .with_message(format!("`{id}` is not a pack id"))
            .with_labels(vec![primary(file, span, "not a pack id")])
            .with_notes(vec![
                "help: a pack id is a plain name like `h100_sxm` (letters, digits, `_`), never a path".into(),
            ]));
    }
    let matching: Vec<&Candidate> = candidates.iter().filter(|c| c.id == id).collect();
    let Some(first) = matching.first() else {
        let ids: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
        let folders: Vec<String> = search
            .folders()
            .iter()
            .map(|(l, p)| format!("{} ({})", p.display(), l.describe()))
            .collect();
        let mut notes = vec![format!(
            "help: add `{id}.ron` to a plugin folder; searched: {}{}built-in packs",
            folders.join(", "),
            if folders.is_empty() { "" } else { ", " }
        )];
        let suggestions = closest(id, ids.into_iter());
        if !suggestions.is_empty() {
            notes.insert(
                0,
                format!(
                    "help: did you mean {}?",
                    suggestions
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            );
        }
        // A file that says it is this pack, under another file name: packs are found by file name.
        if let Some(file) = candidates.iter().find(|c| declared_id(c).as_deref() == Some(id)) {
            notes.insert(
                0,
                format!(
                    "help: {} has `id: \"{id}\"`, but a pack is found by its file name: rename the file to `{id}.ron`",
                    file.location.display()
                ),
            );
        }
        return Err(Diagnostic::error()
            .with_message(format!("no pack `{id}` on the search path"))
            .with_labels(vec![primary(file, span, "unknown pack")])
            .with_notes(notes));
    };
    // Within one folder two files with one id are ambiguous; across folders the first wins.
    let same_folder: Vec<String> = matching
        .iter()
        .filter(|c| c.folder == first.folder)
        .map(|c| c.location.display())
        .collect();
    if same_folder.len() > 1 {
        return Err(Diagnostic::error()
            .with_message(format!("two packs have the id `{id}`: {}", same_folder.join(" and ")))
            .with_labels(vec![primary(file, span, "ambiguous pack")])
            .with_notes(vec![
                "help: remove or rename one of the files; a pack's id is its file name".into(),
            ]));
    }
    Ok(first)
}

/// The `id:` a pack file declares, read without parsing the whole file (only when a pack is
/// not found, to say which file meant to be it).
fn declared_id(candidate: &Candidate) -> Option<String> {
    let text = match &candidate.location {
        PackLocation::File(path) => std::fs::read_to_string(path).ok()?,
        PackLocation::Builtin { text, .. } => text.to_string(),
    };
    let after = &text[text.find("id:")? + 3..];
    let quoted = after.trim_start().strip_prefix('"')?;
    Some(quoted[..quoted.find('"')?].to_string())
}

fn load_pack(
    sources: &mut Sources,
    candidate: &Candidate,
    files: &mut Vec<PathBuf>,
    cache: &mut FileCache,
) -> Result<LoadedPack, Vec<Diagnostic>> {
    let text: Arc<str> = match &candidate.location {
        PackLocation::File(path) => {
            files.push(path.clone());
            cache.read(path, sources).map_err(|d| vec![d])?
        }
        PackLocation::Builtin { text, .. } => Arc::from(*text),
    };
    let file = sources.add(candidate.location.display(), text.clone());
    let raw: RawPack = parse_ron(sources, file, "Pack").map_err(|d| vec![d])?;
    let spans = SpanIndex::new(&text);
    let mut diagnostics = duplicate_keys(&spans, file);
    if raw.id != candidate.id {
        diagnostics.push(
            Diagnostic::error()
                .with_message(format!("the pack in `{}.ron` has the id `{}`", candidate.id, raw.id))
                .with_labels(vec![primary(
                    file,
                    spans.value(&["id"]).unwrap_or(0..0),
                    "does not match the file name",
                )])
                .with_notes(vec![format!(
                    "help: a pack's id is its file name: rename the file to `{}.ron` or set `id: \"{}\"`",
                    raw.id, candidate.id
                )]),
        );
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let location = format!("{} ({})", candidate.location.display(), candidate.level.describe());
    Ok(LoadedPack {
        raw,
        file,
        spans,
        location,
    })
}

/// Every pack on the search path, parsed, for `flopsheet packs`: id → (candidates in
/// precedence order, the parsed winner or its diagnostics).
pub fn list_packs(search: &SearchPath) -> Vec<PackListing> {
    let mut by_id: HashMap<String, Vec<Candidate>> = HashMap::new();
    let mut order = Vec::new();
    for c in search.candidates() {
        if !by_id.contains_key(&c.id) {
            order.push(c.id.clone());
        }
        by_id.entry(c.id.clone()).or_default().push(c);
    }
    order.sort();
    order
        .into_iter()
        .map(|id| {
            let candidates = by_id.remove(&id).unwrap_or_default();
            let mut sources = Sources::default();
            let mut files = Vec::new();
            let loaded = load_pack(&mut sources, &candidates[0], &mut files, &mut FileCache::default())
                .map(|p| p.raw)
                .map_err(|d| sources.render(&d, false));
            PackListing {
                id,
                candidates,
                pack: loaded,
            }
        })
        .collect()
}

/// One id on the search path.
pub struct PackListing {
    pub id: String,
    /// Every file with this id, the one in use first.
    pub candidates: Vec<Candidate>,
    pub pack: Result<RawPack, String>,
}
