//! Raw files → engine definitions and the workbook's metadata.
//!
//! This is where names get their meaning: a pack's `peak_flops_bf16` becomes
//! `tpu_v4.peak_flops_bf16`, a table column's `row.params` becomes `gpt3.params` and a bare
//! column name becomes `training.gpt3.flops`. Everything that can be checked without
//! evaluating (names, shapes, formula syntax, duplicates, rows) is checked here, with a span.

use crate::cells::Cells;
use crate::raw::{Cell, FormulaText, Notes, PackKind, RawCell, RawFunction, RawPack, RawTable, RawWorkbook};
use crate::references::{take_reference, RefSpans, Reference};
use crate::source::{primary, secondary, Diagnostic, FileId, Sources};
use crate::spans::SpanIndex;
use crate::uncertain::take_uncertainty;
use flopsheet_engine::suggest::closest;
use flopsheet_engine::{formula, CellSource, ColumnDef, Expr, FunctionDef};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// Where a cell is written: byte ranges of one source file.
///
/// Every cell keeps one, so the offsets are stored as `u32`: files are at most
/// [`MAX_FILE_BYTES`](crate::workspace::MAX_FILE_BYTES) long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    file: u32,
    key: (u32, u32),
    /// [`NO_FORMULA`] for an input (an `Option` would take 4 bytes more).
    formula: (u32, u32),
}

const NO_FORMULA: (u32, u32) = (u32::MAX, u32::MAX);

impl Site {
    /// `key` is the name (map key) of the cell, or the column for table cells; `formula` the
    /// formula string, when the cell is a formula.
    pub fn new(file: FileId, key: Range<usize>, formula: Option<Range<usize>>) -> Site {
        let pack = |r: Range<usize>| (offset(r.start), offset(r.end));
        Site {
            file: offset(file),
            key: pack(key),
            formula: formula.map_or(NO_FORMULA, pack),
        }
    }

    pub fn file(&self) -> FileId {
        self.file as FileId
    }

    pub fn key(&self) -> Range<usize> {
        self.key.0 as usize..self.key.1 as usize
    }

    pub fn formula(&self) -> Option<Range<usize>> {
        let (start, end) = self.formula;
        (self.formula != NO_FORMULA).then_some(start as usize..end as usize)
    }

    /// The formula, or the key of an input: where to point at the cell.
    pub fn span(&self) -> Range<usize> {
        self.formula().unwrap_or_else(|| self.key())
    }
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX - 1)
}

/// What a cell is, for display: everything but its value.
///
/// One of these is kept for every cell as long as the workbook is loaded, so it holds no
/// allocation a plain cell does not need (32 bytes). Its name is kept by [`Cells`]. A
/// formula's text is read from the file at its site ([`Workbook::formula`]); the rest (where a
/// pack's or a table's cell comes from, unit, note, source, date, and a formula that the file
/// holds escaped) is boxed, and only when present.
#[derive(Debug, Clone)]
pub struct CellInfo {
    pub site: Site,
    /// Set when `--set` replaced the cell's definition for this run.
    pub overridden: bool,
    /// `None` for a plain cell of the workbook itself, the common case.
    extra: Option<Box<Extra>>,
}

#[derive(Debug, Clone, Default)]
struct Extra {
    origin: Origin,
    notes: Notes,
    /// The formula as written, when the file does not hold it verbatim at the site: a string
    /// with escapes, or a site that could not be found.
    formula: Option<Box<str>>,
    /// `notes.unit` was not written but inferred: from the name the formula reads, or from
    /// the units of what it computes with (see [`crate::units`]).
    unit_inferred: bool,
}

impl CellInfo {
    /// Where the cell comes from: the workbook, a pack, or a table.
    pub fn origin(&self) -> &Origin {
        self.extra.as_ref().map_or(&Origin::Workbook, |e| &e.origin)
    }

    /// The unit written in the file, or else inferred from the formula.
    pub fn unit(&self) -> Option<&str> {
        self.extra.as_ref()?.notes.unit.as_deref()
    }

    /// The unit is not written in the file but inferred from the formula.
    pub fn unit_is_inferred(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.unit_inferred)
    }

    /// The unit written in the file, if any.
    pub fn declared_unit(&self) -> Option<&str> {
        self.unit().filter(|_| !self.unit_is_inferred())
    }

    /// The unit the value is shown in: `display:` in the file, or `--unit NAME=UNIT`.
    pub fn display(&self) -> Option<&str> {
        self.extra.as_ref()?.notes.display.as_deref()
    }

    pub(crate) fn set_inferred_unit(&mut self, unit: String) {
        let extra = self.extra.get_or_insert_default();
        extra.notes.unit = Some(unit);
        extra.unit_inferred = true;
    }

    pub(crate) fn set_display(&mut self, unit: String) {
        self.extra.get_or_insert_default().notes.display = Some(unit);
    }

    pub fn note(&self) -> Option<&str> {
        self.extra.as_ref()?.notes.note.as_deref()
    }

    pub fn source(&self) -> Option<&str> {
        self.extra.as_ref()?.notes.source.as_deref()
    }

    pub fn date(&self) -> Option<&str> {
        self.extra.as_ref()?.notes.date.as_deref()
    }

    /// Why the value is missing, for an input declared `(missing: "...")`.
    pub fn missing(&self) -> Option<&str> {
        self.extra.as_ref()?.notes.missing.as_deref()
    }

    /// The formula as written, read from `texts` (every source file's text, by file id).
    fn formula<'a>(&'a self, texts: &'a [Arc<str>]) -> Option<&'a str> {
        if let Some(formula) = self.extra.as_ref().and_then(|e| e.formula.as_deref()) {
            return Some(formula);
        }
        let span = self.site.formula()?;
        texts
            .get(self.site.file())?
            .get(span.start + 1..span.end.saturating_sub(1))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origin {
    #[default]
    Workbook,
    Pack(String),
    Table(TableCell),
    /// The hidden cell holding the reference value of the cell named here (see
    /// [`crate::references`]).
    Reference(String),
}

/// Where a table's cell comes from: `TABLE.ROW.COLUMN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCell {
    pub table: String,
    pub row: String,
    pub column: String,
}

#[derive(Debug, Clone)]
pub struct PackSummary {
    pub id: String,
    pub name: String,
    pub kind: PackKind,
    pub file: FileId,
    /// Where it was found, e.g. `plugins/hardware/tpu_v4.ron (workspace)`.
    pub location: String,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub title: Option<String>,
    pub note: Option<String>,
    pub layout: Layout,
}

#[derive(Debug, Clone)]
pub enum Layout {
    /// One row per pack or cell group; cells are `TABLE.ROW.COLUMN`.
    Rows { rows: Vec<String>, columns: Vec<String> },
    /// A list of cells, one per line.
    Cells(Vec<Arc<str>>),
}

impl Table {
    /// The name of the table shown for a workbook that declares none (see
    /// [`Workbook::default_table`]).
    pub const DEFAULT: &'static str = "cells";

    /// The name of the cell at a row and column of a row table.
    pub fn cell_name(&self, row: &str, column: &str) -> String {
        format!("{}.{row}.{column}", self.name)
    }

    /// The names of the cells this table shows, row by row.
    pub fn cell_names(&self) -> Vec<String> {
        match &self.layout {
            Layout::Rows { rows, columns } => rows
                .iter()
                .flat_map(|row| columns.iter().map(move |column| self.cell_name(row, column)))
                .collect(),
            Layout::Cells(cells) => cells.iter().map(|c| c.to_string()).collect(),
        }
    }
}

/// A workbook with its names resolved: what the renderer shows around the values.
#[derive(Debug, Clone)]
pub struct Workbook {
    pub title: String,
    pub description: Option<String>,
    pub file: FileId,
    pub packs: Vec<PackSummary>,
    pub tables: Vec<Table>,
    pub cells: Cells,
    /// Every source file's text, by file id: where formulas are read from.
    texts: Vec<Arc<str>>,
    /// Pack slots and the pack each holds in this load: `hardware` → `a100_40gb`.
    pub slots: IndexMap<String, String>,
    pub scenarios: Vec<Scenario>,
    /// The pack functions, by name: where each is written, for diagnostics.
    pub functions: IndexMap<String, FunctionInfo>,
    /// Inputs declared uncertain (`range:` or `dist:`), by cell name, for `simulate`.
    pub uncertain: Vec<(String, flopsheet_uncertainty::Uncertain)>,
    /// Rank correlations between uncertain inputs: `correlations: [("mfu", "usd_per_hour", -0.5)]`.
    pub correlations: Vec<(String, String, f64)>,
    /// The units known: built in, and defined by the packs and the workbook (`units:`).
    pub units: flopsheet_units::Registry,
    /// The unit each formula computes, where it is known (without literals that may carry
    /// a unit): what `explain` shows beside the declared one.
    pub inferred: HashMap<Box<str>, Box<str>>,
    /// The references written beside cells, by the name of the cell (the estimate).
    pub references: IndexMap<String, Reference>,
}

impl Workbook {
    /// What a workbook that declares no tables shows: one table of its own cells, in the order
    /// written (its packs' values are left to `flopsheet packs --values`), so that a first
    /// workbook of a few cells prints what it computes. `None` if the workbook declares a
    /// table, or has no cell of its own.
    pub fn default_table(&self) -> Option<Table> {
        if !self.tables.is_empty() {
            return None;
        }
        let own: Vec<Arc<str>> = (0..self.cells.len())
            .filter(|&at| *self.cells[at].origin() == Origin::Workbook)
            .map(|at| self.cells.name(at).into())
            .collect();
        (!own.is_empty()).then(|| Table {
            name: Table::DEFAULT.to_string(),
            title: Some("Cells".to_string()),
            note: None,
            layout: Layout::Cells(own),
        })
    }

    /// Every column of every row table (`training.cost_usd`, its cells row by row), which
    /// aggregates read.
    pub fn columns(&self) -> Vec<ColumnDef> {
        let mut out = Vec::new();
        for table in &self.tables {
            let Layout::Rows { rows, columns } = &table.layout else {
                continue;
            };
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(rows, &mut hasher);
            let fingerprint = std::hash::Hasher::finish(&hasher);
            for column in columns {
                out.push(ColumnDef {
                    name: format!("{}.{column}", table.name),
                    cells: rows.iter().map(|row| table.cell_name(row, column)).collect(),
                    rows: fingerprint,
                });
            }
        }
        out
    }

    /// The reference written beside the cell `name`, if any.
    pub fn reference(&self, name: &str) -> Option<&Reference> {
        self.references.get(name)
    }

    /// A formula cell's formula as written; `None` for an input.
    pub fn formula<'a>(&'a self, cell: &'a CellInfo) -> Option<&'a str> {
        cell.formula(&self.texts)
    }

    /// The expressions of the workbook formulas at `positions` (in `cells`, and in the
    /// [`Resolved`] they were resolved with, whose formulas are parsed here as the model is
    /// built), their names bound to the slots.
    pub fn parse(&self, positions: &[usize]) -> Vec<Expr> {
        let texts: Vec<&str> = positions
            .iter()
            .map(|&at| self.formula(&self.cells[at]).unwrap_or_default())
            .collect();
        formula::parse_many(&texts)
            .zip(&texts)
            .map(|(parsed, text)| {
                // Each was checked when the workbook was read, by the same parser.
                debug_assert!(parsed.is_ok(), "{text:?} was checked but does not parse");
                let mut expr = parsed.unwrap_or_else(|_| unparsed(text));
                bind_slots(&mut expr, &self.slots);
                expr
            })
            .collect()
    }
}

/// A function as written, in a pack or in the workbook.
#[derive(Debug, Clone)]
pub struct FunctionInfo {
    /// The pack that defines it; `None` for a function of the workbook.
    pub owner: Option<String>,
    pub params: Vec<String>,
    /// The body as written.
    pub formula: String,
    pub site: Site,
}

/// A named set of overrides declared in the workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub title: Option<String>,
    pub note: Option<String>,
    pub set: Vec<(String, f64)>,
    pub slots: Vec<(String, String)>,
}

/// A parsed pack file, ready to resolve.
pub struct LoadedPack {
    pub raw: RawPack,
    pub file: FileId,
    pub spans: SpanIndex,
    pub location: String,
}

/// The result of resolving: the display metadata and each cell's definition, which the model
/// is built or updated from ([`Resolved`] is its [`CellSource`]).
pub struct Resolved {
    pub workbook: Workbook,
    /// Each cell's definition, by position in `workbook.cells`.
    bodies: Vec<Pending>,
    pub functions: Vec<FunctionDef>,
}

/// A cell's definition, from resolving until the model is built.
///
/// 16 bytes: a large workbook holds one a cell beside its [`CellInfo`]s, its names and the
/// model being built, so its formulas are not parsed here (they are, a chunk at a time, as
/// the model compiles them) and it repeats no name.
#[derive(Debug, Clone)]
pub(crate) enum Pending {
    Input(f64),
    /// An input declared missing: `#N/A` until given a value.
    Missing,
    /// Parsed when resolved, slots bound: a pack's or a table's formula, or one that is just
    /// a name (its cell takes that name's unit).
    Parsed(Box<Expr>),
    /// A workbook formula, checked when resolved, parsed by [`Workbook::parse`].
    Later,
}

impl CellSource for Resolved {
    fn len(&self) -> usize {
        self.bodies.len()
    }

    fn name(&self, at: usize) -> &str {
        self.workbook.cells.name(at)
    }

    fn input(&self, at: usize) -> Option<f64> {
        match self.bodies[at] {
            Pending::Input(v) => Some(v),
            Pending::Missing | Pending::Parsed(_) | Pending::Later => None,
        }
    }

    fn missing(&self, at: usize) -> bool {
        matches!(self.bodies[at], Pending::Missing)
    }

    fn formulas(&mut self, positions: &[usize]) -> Vec<Expr> {
        let later: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|&at| matches!(self.bodies[at], Pending::Later))
            .collect();
        let mut parsed = self.workbook.parse(&later).into_iter();
        positions
            .iter()
            .map(|&at| match &self.bodies[at] {
                Pending::Parsed(expr) => (**expr).clone(),
                Pending::Later => parsed.next().unwrap_or_else(|| unparsed("")),
                Pending::Input(v) => Expr::Num(*v),
                Pending::Missing => Expr::Num(f64::NAN),
            })
            .collect()
    }

    /// The definitions go: the model holds them now.
    fn built(&mut self) {
        self.bodies = Vec::new();
    }

    /// Every column of every row table, `TABLE.COLUMN`: what `sum(training.cost_usd)` reads.
    fn columns(&self) -> Vec<ColumnDef> {
        self.workbook.columns()
    }
}

impl Resolved {
    /// The expression of every formula cell, by position (`None` for an input), its names
    /// resolved and slots bound: what the model will compile. The workbook's own formulas are
    /// parsed here, all at once.
    pub(crate) fn expressions(&self) -> Vec<Option<Expr>> {
        let later: Vec<usize> = (0..self.bodies.len())
            .filter(|&at| matches!(self.bodies[at], Pending::Later))
            .collect();
        let mut parsed = self.workbook.parse(&later).into_iter();
        self.bodies
            .iter()
            .map(|body| match body {
                Pending::Input(_) | Pending::Missing => None,
                Pending::Parsed(expr) => Some((**expr).clone()),
                Pending::Later => parsed.next(),
            })
            .collect()
    }
}

/// Stands for a formula that was checked but then failed to parse, which the tests show does
/// not happen: a call to a function that does not exist, so that the cell is reported with an
/// error rather than given a value.
fn unparsed(text: &str) -> Expr {
    Expr::Call(Box::new(formula::Call {
        name: format!("unparsable formula {text:?}"),
        args: Vec::new(),
    }))
}

/// Workbook formulas checked at a time by [`Resolver::check_later`].
const CHECK_BATCH: usize = 1 << 14;

/// `cells` and `bodies` grow together: a cell's info and its definition share an index.
pub(crate) struct Resolver {
    pub(crate) cells: Cells,
    bodies: Vec<Pending>,
    /// Every source file's text, by file id.
    texts: Vec<Arc<str>>,
    functions: IndexMap<String, (FunctionDef, FunctionInfo)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Every unit string is checked against these as its cell is added.
    units: flopsheet_units::Registry,
    pub(crate) references: IndexMap<String, Reference>,
    /// Inputs declared uncertain, by cell name (see [`crate::uncertain`]).
    pub(crate) uncertain: Vec<(String, flopsheet_uncertainty::Uncertain)>,
}

/// How [`Resolver::cell`] gets a formula cell's expression.
enum Parse {
    /// Parse the formula now.
    Now,
    /// Already parsed: a table column's formula is parsed once for every row.
    Done(Expr),
    /// Checked now with every other workbook formula, at once and on every core, once the
    /// raw cells are gone (see [`Resolver::check_later`]); parsed as the model is built, with
    /// slots bound then. For the workbook's own cells only: no other rewrite is applied.
    Later,
}

/// Resolves a workbook and its packs; fatal problems come back as diagnostics.
pub fn resolve(
    raw: &mut RawWorkbook,
    sources: &Sources,
    file: FileId,
    spans: &SpanIndex,
    packs: &[LoadedPack],
    slots: &IndexMap<String, String>,
    options: &crate::workspace::LoadOptions,
) -> Result<Resolved, Vec<Diagnostic>> {
    let (overrides, displays) = (&options.overrides, &options.display);
    // Sized up front: growing a map of a hundred thousand cells step by step copies it all
    // over again at every doubling.
    let count = raw.cells.len() + packs.iter().map(|p| p.raw.values.len()).sum::<usize>();
    let name_bytes = raw.cells.names.iter().map(str::len).sum::<usize>()
        + packs
            .iter()
            .flat_map(|p| p.raw.values.keys().map(|k| p.raw.id.len() + 1 + k.len()))
            .sum::<usize>();
    let mut r = Resolver {
        cells: Cells::with_capacity(count, name_bytes),
        bodies: Vec::with_capacity(count),
        texts: sources.texts(),
        functions: IndexMap::new(),
        diagnostics: Vec::new(),
        units: flopsheet_units::Registry::new(),
        references: IndexMap::new(),
        uncertain: Vec::new(),
    };
    r.units = crate::units::registry(raw, file, spans, packs, &mut r.diagnostics);
    for pack in packs {
        r.pack(pack);
    }
    // A workbook function's bare names are its parameters or the workbook's own names.
    for (name, function) in &raw.functions {
        r.function(name, function, file, spans, None, |_| {});
    }
    // The cells' spans, walked in the order written (the order of `raw.cells`), so that
    // finding each costs no lookup; a key out of step is looked up by path.
    let mut entries = spans.entry(&["cells"]).into_iter().flat_map(|e| e.children());
    // Taken, not borrowed: the raw cells are gone before the formulas are checked.
    let (names, cells) = std::mem::take(&mut raw.cells).into_parts();
    for (at, mut cell) in cells.enumerate() {
        let name = names.get(at);
        let entry = match entries.next() {
            Some(e) if e.name() == name => Some(e),
            _ => spans.entry(&["cells", name]),
        };
        let key = entry.map_or(0..0, |e| e.key());
        let formula_span = entry.and_then(|e| {
            e.get(&["formula"])
                .map(|f| f.value())
                .or_else(|| cell.formula.as_ref().map(|_| e.value()))
        });
        let site = Site::new(file, key.clone(), formula_span);
        if !is_valid_name(name) {
            r.diagnostics.push(invalid_name(name, file, key));
            continue;
        }
        if let Some(notes) = &cell.notes {
            let field = |f: &str| entry.and_then(|e| e.get(&[f])).map(|f| f.value());
            crate::units::validate(&r.units, notes, file, field, &mut r.diagnostics);
        }
        let missing = cell.notes.as_ref().is_some_and(|n| n.missing.is_some());
        let mut reference = take_reference(&mut cell.notes);
        let spans = RefSpans::of(entry.and_then(|e| e.get(&["reference"])));
        r.refuse_reference_on_missing(name, &mut reference, missing, file, &spans);
        if let Some(uncertainty) = take_uncertainty(&mut cell.notes) {
            let field = |f: &str| entry.and_then(|e| e.get(&[f])).map(|f| f.value());
            let formula = cell.formula.is_some();
            r.uncertainty(&[name.to_string()], &uncertainty, formula, file, key.clone(), &field);
        }
        r.cell(name, cell, site, Origin::Workbook, Parse::Later, |_| {});
        if let Some(reference) = reference {
            r.reference(name, &reference, file, &spans, |_| {});
        }
    }
    drop(names);
    r.check_later();
    let pack_ids: Vec<&str> = packs
        .iter()
        .map(|p| p.raw.id.as_str())
        .chain(slots.keys().map(|k| k.as_str()))
        .collect();
    let tables: Vec<Table> = raw
        .tables
        .iter()
        .enumerate()
        .filter_map(|(i, t)| r.table(i, t, file, spans, &pack_ids))
        .collect();
    r.check_listed_cells(&tables, file, spans);
    r.apply_overrides(overrides, slots);
    let correlations = r.correlations(&raw.correlations, slots, file, spans);
    crate::units::apply_displays(&r.units, &mut r.cells, displays, slots, &mut r.diagnostics);
    if !r.diagnostics.is_empty() {
        return Err(dedup(r.diagnostics));
    }
    if !slots.is_empty() {
        for body in &mut r.bodies {
            if let Pending::Parsed(expr) = body {
                bind_slots(expr, slots);
            }
        }
        for (def, info) in r.functions.values_mut() {
            if info.owner.is_none() {
                bind_slots(&mut def.body, slots);
            }
        }
    }
    inherit_units(&mut r.cells, &r.bodies);
    crate::references::inherit_sources(&mut r.references, &r.cells, &r.bodies);
    let functions = std::mem::take(&mut r.functions);
    let workbook = Workbook {
        title: raw.title.clone(),
        description: raw.description.clone(),
        file,
        packs: packs
            .iter()
            .map(|p| PackSummary {
                id: p.raw.id.clone(),
                name: p.raw.name.clone(),
                kind: p.raw.kind,
                file: p.file,
                location: p.location.clone(),
            })
            .collect(),
        tables,
        cells: r.cells,
        texts: r.texts,
        slots: slots.clone(),
        scenarios: raw
            .scenarios
            .iter()
            .map(|s| Scenario {
                name: s.name.clone(),
                title: s.title.clone(),
                note: s.note.clone(),
                set: s.set.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                slots: s.slots.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            })
            .collect(),
        functions: functions
            .iter()
            .map(|(name, (_, info))| (name.clone(), info.clone()))
            .collect(),
        uncertain: std::mem::take(&mut r.uncertain),
        correlations,
        units: r.units,
        inferred: HashMap::new(),
        references: std::mem::take(&mut r.references),
    };
    Ok(Resolved {
        workbook,
        bodies: r.bodies,
        functions: functions.into_values().map(|(f, _)| f).collect(),
    })
}

impl Resolver {
    fn pack(&mut self, pack: &LoadedPack) {
        let id = &pack.raw.id;
        // Inside a pack a bare name is one of the pack's own values, never a cell of the
        // workbook that happens to load the pack: `mfu` reads `ID.mfu`, which may not exist.
        let qualify = |ident: &mut formula::Ident| {
            if !ident.target.contains('.') {
                ident.target = format!("{id}.{}", ident.target);
            }
        };
        for (key, cell) in &pack.raw.values {
            let key_span = pack.spans.key(&["values", key]).unwrap_or(0..0);
            if !is_simple_name(key) {
                self.diagnostics.push(invalid_name(key, pack.file, key_span));
                continue;
            }
            let formula = pack
                .spans
                .value(&["values", key, "formula"])
                .or_else(|| pack.spans.value(&["values", key]));
            let site = Site::new(pack.file, key_span, cell.formula.as_ref().and(formula));
            if let Some(notes) = &cell.notes {
                let field = |f: &str| pack.spans.value(&["values", key, f]);
                crate::units::validate(&self.units, notes, pack.file, field, &mut self.diagnostics);
            }
            if let Some(text) = cell.formula.as_deref() {
                if self.aggregate_in_pack(text, pack.file, site.span()) {
                    continue;
                }
            }
            let mut cell = cell.clone();
            let missing = cell.notes.as_ref().is_some_and(|n| n.missing.is_some());
            let mut reference = take_reference(&mut cell.notes);
            let name = format!("{id}.{key}");
            let spans = RefSpans::of(pack.spans.entry(&["values", key, "reference"]));
            self.refuse_reference_on_missing(&name, &mut reference, missing, pack.file, &spans);
            if let Some(uncertainty) = take_uncertainty(&mut cell.notes) {
                let field = |f: &str| pack.spans.value(&["values", key, f]);
                let formula = cell.formula.is_some();
                let names = [name.clone()];
                self.uncertainty(&names, &uncertainty, formula, pack.file, site.key(), &field);
            }
            self.cell(&name, cell, site, Origin::Pack(id.clone()), Parse::Now, qualify);
            if let Some(reference) = reference {
                self.reference(&name, &reference, pack.file, &spans, qualify);
            }
        }
        for (name, function) in &pack.raw.functions {
            self.function(name, function, pack.file, &pack.spans, Some(id), qualify);
        }
    }

    /// Adds one function, of a pack (`owner` is its id) or of the workbook: checks its name and
    /// parameters, parses its body and rewrites the body's names with `qualify` (a parameter is
    /// left as it is). Function names are global, so a name defined twice is an error.
    fn function(
        &mut self,
        name: &str,
        function: &RawFunction,
        file: FileId,
        spans: &SpanIndex,
        owner: Option<&str>,
        qualify: impl Fn(&mut formula::Ident),
    ) {
        let key = spans.key(&["functions", name]).unwrap_or(0..0);
        let formula_span = spans.value(&["functions", name, "formula"]).unwrap_or(key.clone());
        if !is_simple_name(name) {
            self.diagnostics.push(invalid_name(name, file, key));
            return;
        }
        if flopsheet_engine::BUILTINS.contains(&name) {
            self.diagnostics.push(
                Diagnostic::error()
                    .with_message(format!("`{name}` is a built-in function"))
                    .with_labels(vec![primary(file, key, "defined again here")])
                    .with_notes(vec![format!(
                        "help: give the function another name (`my_{name}`); a built-in cannot be redefined"
                    )]),
            );
            return;
        }
        if let Some(bad) = function.params.iter().find(|p| !is_simple_name(p)) {
            let span = spans.value(&["functions", name, "params"]).unwrap_or(formula_span);
            self.diagnostics.push(invalid_name(bad, file, span));
            return;
        }
        let Some(mut body) = self.parse(&function.formula, file, formula_span.clone()) else {
            return;
        };
        body.rewrite_names(&mut |ident| {
            if !function.params.contains(&ident.target) {
                qualify(ident)
            }
        });
        if let Some((_, other)) = self.functions.get(name) {
            let message = match (&other.owner, owner) {
                (Some(_), Some(_)) => format!("two packs define the function `{name}`"),
                _ => format!("the function `{name}` is defined twice"),
            };
            self.diagnostics.push(
                Diagnostic::error()
                    .with_message(message)
                    .with_labels(vec![
                        primary(file, key, "defined here"),
                        secondary(other.site.file(), other.site.key(), "and here"),
                    ])
                    .with_notes(vec!["help: rename one of them; function names are global".into()]),
            );
            return;
        }
        let def = FunctionDef {
            name: name.to_string(),
            params: function.params.clone(),
            body,
        };
        let info = FunctionInfo {
            owner: owner.map(str::to_string),
            params: function.params.clone(),
            formula: function.formula.clone(),
            site: Site::new(file, key, Some(formula_span)),
        };
        self.functions.insert(name.to_string(), (def, info));
    }

    /// Refuses a pack formula that aggregates (`sum(t.x)`): aggregates read the columns of a
    /// workbook's tables, which a pack does not know (`min` and `max` of numbers are fine).
    fn aggregate_in_pack(&mut self, text: &str, file: FileId, span: Range<usize>) -> bool {
        let Ok(expr) = formula::parse(text) else { return false };
        let mut found = None;
        expr.for_each_call(&mut |name| {
            if found.is_none() && matches!(name, "sum" | "mean" | "count" | "sumproduct") {
                found = Some(name.to_string());
            }
        });
        let Some(name) = found else { return false };
        self.diagnostics.push(
            Diagnostic::error()
                .with_message(format!("a pack cannot call `{name}`: aggregates read the columns of a workbook's tables"))
                .with_labels(vec![primary(file, ident_span(text, span, &name), "in a pack")])
                .with_notes(vec![format!(
                    "help: aggregate in the workbook (`\"total\": \"{name}(TABLE.COLUMN)\"`), or write the pack's values out: `a + b + c`"
                )]),
        );
        true
    }

    /// Adds one cell: checks it has exactly one of value/formula, parses the formula, rewrites
    /// its names, and refuses a name that already exists.
    fn cell<F: FormulaText>(
        &mut self,
        name: &str,
        cell: Cell<F>,
        site: Site,
        origin: Origin,
        parse: Parse,
        mut rewrite: impl FnMut(&mut formula::Ident),
    ) {
        let source = self.source(site.file());
        let text = cell.formula.as_ref().map(|f| f.text(&source));
        let body = match (cell.value, text, cell.missing()) {
            (Some(v), None, None) => Pending::Input(v),
            (None, None, Some(_)) => Pending::Missing,
            (None, Some(text), None) => {
                let mut expr = match parse {
                    Parse::Now => match self.parse(text, site.file(), site.span()) {
                        Some(expr) => expr,
                        None => return,
                    },
                    Parse::Done(expr) => expr,
                    Parse::Later => return self.add(name, cell.notes, Some(text), site, origin, Pending::Later),
                };
                expr.rewrite_names(&mut rewrite);
                Pending::Parsed(Box::new(expr))
            }
            _ => {
                self.diagnostics.extend(shape_error(name, &cell, &site));
                return;
            }
        };
        self.add(name, cell.notes, text, site, origin, body);
    }

    /// The text of the file `file`.
    fn source(&self, file: FileId) -> Arc<str> {
        self.texts.get(file).cloned().unwrap_or_else(|| "".into())
    }

    /// Adds a cell defined by `body` (with `formula`, as written, if it is a formula), unless
    /// its name is taken or it is an input that is not a finite number.
    pub(crate) fn add(
        &mut self,
        name: &str,
        notes: Option<Box<Notes>>,
        formula: Option<&str>,
        site: Site,
        origin: Origin,
        body: Pending,
    ) {
        if let Some(existing) = self.cells.get(name) {
            let help = match (existing.origin(), &origin) {
                (Origin::Pack(id), _) => format!(
                    "help: a workbook cannot redefine a value of the pack `{id}`: give your cell another name, or try another value with `--set {name}=VALUE` or a scenario's `set:`"
                ),
                (_, Origin::Table(t)) => format!(
                    "help: the table `{table}` makes a cell `{table}.ROW.COLUMN` for each row and column; rename the cell or the table",
                    table = t.table
                ),
                _ => "help: rename one of them".into(),
            };
            self.diagnostics.push(
                Diagnostic::error()
                    .with_message(format!("the name `{name}` is defined twice"))
                    .with_labels(vec![
                        primary(site.file(), site.key(), "defined here"),
                        secondary(existing.site.file(), existing.site.key(), "first defined here"),
                    ])
                    .with_notes(vec![help]),
            );
            return;
        }
        if let Pending::Input(v) = &body {
            if !v.is_finite() {
                // RON reads a literal beyond f64's range (`1e400`) as infinity: say it overflows,
                // unless `inf` is what is written.
                let source = self.source(site.file());
                let written = source.get(site.key().end..).unwrap_or("");
                let written = &written[..written.find([',', '}']).unwrap_or(written.len())];
                let (message, help) = if v.is_infinite() && !written.contains("inf") {
                    (
                        format!("the input `{name}` overflows: it is larger than any f64 (about 1.8e308)"),
                        "help: a number must be at most 1.7976931348623157e308 in size; check the exponent (a unit of 1e3 too many?)",
                    )
                } else {
                    (
                        format!("the input `{name}` is not a finite number"),
                        "help: an input is a finite number; `inf` and `NaN` cannot be computed with",
                    )
                };
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(message)
                        .with_labels(vec![primary(site.file(), site.key(), "this cell")])
                        .with_notes(vec![help.into()]),
                );
                return;
            }
        }
        let mut info = CellInfo {
            site,
            overridden: false,
            extra: None,
        };
        // The formula is read back from the file at its site, unless the file holds it
        // otherwise (escaped): then it is kept here.
        let formula = formula
            .filter(|&text| info.formula(&self.texts) != Some(text))
            .map(Box::from);
        let notes = notes.map(|notes| *notes).unwrap_or_default();
        if formula.is_some() || notes != Notes::default() || origin != Origin::Workbook {
            info.extra = Some(Box::new(Extra {
                origin,
                notes,
                formula,
                unit_inferred: false,
            }));
        }
        self.cells.insert(name, info);
        self.bodies.push(body);
    }

    /// The expression of a formula, or `None` with a diagnostic.
    pub(crate) fn parse(&mut self, text: &str, file: FileId, span: Range<usize>) -> Option<Expr> {
        match formula::parse(text) {
            Ok(expr) => Some(expr),
            Err(err) => {
                self.diagnostics.push(formula_error(text, &err, file, span));
                None
            }
        }
    }

    /// Checks the workbook's formulas on every core, a large batch at a time, without building
    /// their expressions: those are built a chunk at a time as the model is built. A formula
    /// that is just a name (`row.params`) is parsed now, since its cell shows that name's unit.
    fn check_later(&mut self) {
        let later: Vec<u32> = (0..self.bodies.len())
            .filter(|&at| matches!(self.bodies[at], Pending::Later))
            .map(|at| at as u32)
            .collect();
        // A batch's list of texts is 16 bytes a formula: a hundred thousand at once would add
        // 1.6 MB to the load's peak, for no more parallelism than this many.
        for batch in later.chunks(CHECK_BATCH) {
            let texts: Vec<&str> = batch
                .iter()
                .map(|&at| self.cells[at as usize].formula(&self.texts).unwrap_or_default())
                .collect();
            let refused = formula::check_many(&texts);
            let aliases: Vec<(usize, Option<Expr>)> = texts
                .iter()
                .enumerate()
                .filter(|(_, text)| is_valid_name(text.trim()))
                .map(|(i, text)| (batch[i] as usize, formula::parse(text).ok()))
                .collect();
            for (i, err) in refused {
                let info = &self.cells[batch[i] as usize];
                let text = texts[i];
                let diagnostic = formula_error(text, &err, info.site.file(), info.site.span());
                self.diagnostics.push(diagnostic);
            }
            for (at, expr) in aliases {
                if let Some(expr) = expr {
                    self.bodies[at] = Pending::Parsed(Box::new(expr));
                }
            }
        }
    }

    fn table(
        &mut self,
        index: usize,
        table: &RawTable,
        file: FileId,
        spans: &SpanIndex,
        packs: &[&str],
    ) -> Option<Table> {
        let i = index.to_string();
        let at = |path: &[&str]| {
            let mut full = vec!["tables", i.as_str()];
            full.extend_from_slice(path);
            spans.value(&full).unwrap_or(0..0)
        };
        if !is_simple_name(&table.name) {
            self.diagnostics.push(invalid_name(&table.name, file, at(&["name"])));
            return None;
        }
        let layout = match (&table.rows, &table.columns, &table.cells) {
            (Some(rows), Some(columns), None) => {
                let reference_at =
                    |column: &str| RefSpans::of(spans.entry(&["tables", i.as_str(), "columns", column, "reference"]));
                let spans = TableSpans {
                    at: &at,
                    reference: &reference_at,
                };
                self.row_table(table, rows, columns, file, &spans, packs);
                Layout::Rows {
                    rows: rows.clone(),
                    columns: columns.keys().cloned().collect(),
                }
            }
            (None, None, Some(cells)) => Layout::Cells(cells.iter().map(|c| c.as_str().into()).collect()),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("the table `{}` needs either `rows` and `columns`, or `cells`", table.name))
                        .with_labels(vec![primary(file, at(&[]), "this table")])
                        .with_notes(vec![
                            "help: `rows: [\"gpt3\"], columns: {\"cost\": \"row.params * 2\"}` for one row per pack, or `cells: [\"a\", \"b\"]` for a list".into(),
                        ]),
                );
                return None;
            }
        };
        Some(Table {
            name: table.name.clone(),
            title: table.title.clone(),
            note: table.note.clone(),
            layout,
        })
    }

    fn row_table(
        &mut self,
        table: &RawTable,
        rows: &[String],
        columns: &IndexMap<String, RawCell>,
        file: FileId,
        spans: &TableSpans<'_>,
        packs: &[&str],
    ) {
        let at = spans.at;
        // Every group of cells (`two_stage` of `two_stage.words`), once: a table may have
        // thousands of rows, and the workbook thousands of cells.
        let known: std::collections::HashSet<&str> = self
            .cells
            .keys()
            .flat_map(|k| k.match_indices('.').map(move |(i, _)| &k[..i]))
            .chain(packs.iter().copied())
            .collect();
        let unknown: Vec<(usize, &String)> = rows
            .iter()
            .enumerate()
            .filter(|(_, row)| !known.contains(row.as_str()))
            .collect();
        drop(known);
        let candidates: Vec<String> = if unknown.is_empty() {
            Vec::new()
        } else {
            packs.iter().copied().map(str::to_string).chain(self.groups()).collect()
        };
        for (n, (r, row)) in unknown.into_iter().enumerate() {
            // "Did you mean" for the first few only: each scans every candidate.
            let suggestions = if n < 16 {
                closest(row, candidates.iter().map(|s| s.as_str()))
            } else {
                Vec::new()
            };
            self.diagnostics.push(with_suggestions(
                Diagnostic::error()
                    .with_message(format!("the table row `{row}` names no pack of this workbook and no group of cells"))
                    .with_labels(vec![primary(file, at(&["rows", &r.to_string()]), "no pack or group by this name")])
                    .with_notes(vec![format!(
                        "help: a row is a pack listed in `packs:` (its values read as `row.NAME`) or the prefix of cells named `{row}.NAME`"
                    )]),
                &suggestions,
            ));
        }
        for (column, cell) in columns {
            let key = at(&["columns", column]);
            if !is_simple_name(column) {
                self.diagnostics.push(invalid_name(column, file, key));
                continue;
            }
            let formula_span = cell.formula.as_ref().map(|_| {
                let long = at(&["columns", column, "formula"]);
                if long == (0..0) {
                    key.clone()
                } else {
                    long
                }
            });
            let site = Site::new(file, key.clone(), formula_span.clone());
            if let Some(error) = shape_error(column, cell, &site) {
                self.diagnostics.push(error);
                continue;
            }
            if let Some(notes) = &cell.notes {
                let field = |f: &str| Some(at(&["columns", column, f])).filter(|s| *s != (0..0));
                crate::units::validate(&self.units, notes, file, field, &mut self.diagnostics);
            }
            // Parse each column's formula once; every row gets a rewritten copy.
            let source = self.source(file);
            let parsed = match &cell.formula {
                Some(formula) if cell.value.is_none() => {
                    match self.parse(formula.text(&source), file, formula_span.unwrap_or(key.clone())) {
                        Some(expr) => Some(expr),
                        None => continue,
                    }
                }
                _ => None,
            };
            // A column's reference is checked and parsed once, like its formula.
            let mut cell = cell.clone();
            let missing = cell.notes.as_ref().is_some_and(|n| n.missing.is_some());
            let mut reference = take_reference(&mut cell.notes);
            if missing && reference.is_some() {
                let qualified = format!("{}.{column}", table.name);
                self.refuse_reference_on_missing(&qualified, &mut reference, missing, file, &(spans.reference)(column));
            }
            if let Some(uncertainty) = take_uncertainty(&mut cell.notes) {
                let field = |f: &str| Some(at(&["columns", column, f])).filter(|s| *s != (0..0));
                let names: Vec<String> = rows
                    .iter()
                    .map(|row| table_cell_name(&table.name, row, column))
                    .collect();
                self.uncertainty(&names, &uncertainty, cell.formula.is_some(), file, key.clone(), &field);
            }
            let reference_spans = reference.as_ref().map(|_| (spans.reference)(column));
            let reference_body = match (&reference, &reference_spans) {
                (Some(raw), Some(spans)) => match self.reference_body(column, raw, file, spans) {
                    Some(body) => Some(body),
                    None => continue,
                },
                _ => None,
            };
            for row in rows {
                let name = table_cell_name(&table.name, row, column);
                let origin = Origin::Table(TableCell {
                    table: table.name.clone(),
                    row: row.clone(),
                    column: column.clone(),
                });
                let rewrite = |ident: &mut formula::Ident| {
                    if let Some(rest) = ident.target.strip_prefix("row.") {
                        ident.target = format!("{row}.{rest}");
                    } else if let Some((other, rest)) = ident
                        .target
                        .split_once(".row.")
                        .filter(|(other, _)| is_simple_name(other))
                    {
                        // `compute.row.tok_s`: the same row of another table.
                        ident.target = table_cell_name(other, row, rest);
                    } else if columns.contains_key(&ident.target) {
                        ident.target = table_cell_name(&table.name, row, &ident.target);
                    }
                };
                self.cell(
                    &name,
                    cell.clone(),
                    site.clone(),
                    origin,
                    parsed.clone().map_or(Parse::Now, Parse::Done),
                    rewrite,
                );
                if let (Some(raw), Some(spans), Some(body)) = (&reference, &reference_spans, &reference_body) {
                    self.add_reference(&name, raw, body.clone(), file, spans, rewrite);
                }
            }
        }
    }

    fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self
            .cells
            .keys()
            .filter_map(|k| k.rsplit_once('.').map(|(g, _)| g.to_string()))
            .collect();
        groups.dedup();
        groups
    }

    fn check_listed_cells(&mut self, tables: &[Table], file: FileId, spans: &SpanIndex) {
        for (t, table) in tables.iter().enumerate() {
            let Layout::Cells(cells) = &table.layout else { continue };
            for (i, name) in cells.iter().enumerate() {
                if self.cells.contains_key(name) {
                    continue;
                }
                let span = spans
                    .value(&["tables", &t.to_string(), "cells", &i.to_string()])
                    .unwrap_or(0..0);
                // "Did you mean" for the first few only: each scans every cell.
                let suggestions = if self.diagnostics.len() < 16 {
                    closest(name, self.cells.keys())
                } else {
                    Vec::new()
                };
                self.diagnostics.push(with_suggestions(
                    Diagnostic::error()
                        .with_message(format!(
                            "the table `{}` lists `{name}`, which is not a cell",
                            table.name
                        ))
                        .with_labels(vec![primary(file, span, "unknown cell")]),
                    &suggestions,
                ));
            }
        }
    }

    fn apply_overrides(&mut self, overrides: &[(String, f64)], slots: &IndexMap<String, String>) {
        for (written, value) in overrides {
            // `--set model.params=...` sets the value of whatever pack is in the slot.
            let target = slot_target(written, slots);
            let name = target.as_ref().unwrap_or(written);
            match self.cells.get_mut(name.as_str()) {
                Some(info) => {
                    info.overridden = true;
                    if let Some(at) = self.cells.position(name) {
                        self.bodies[at] = Pending::Input(*value);
                    }
                }
                None => {
                    // A reference's hidden cell is no name to suggest.
                    let visible = self.cells.keys().filter(|k| !k.ends_with(crate::references::SUFFIX));
                    let suggestions = closest(name, visible);
                    self.diagnostics.push(crate::source::usage(with_suggestions(
                        Diagnostic::error().with_message(format!("--set {written}=...: no cell is named `{name}`")),
                        &suggestions,
                    )));
                }
            }
        }
    }
}

/// Where the parts of a table are written: a value by its path below the table, and the
/// `reference` field of a column.
struct TableSpans<'a> {
    at: &'a dyn Fn(&[&str]) -> Range<usize>,
    reference: &'a dyn Fn(&str) -> RefSpans,
}

/// Names read through a slot (`hardware.peak_flops_bf16`) read the pack in the slot.
fn bind_slots(expr: &mut Expr, slots: &IndexMap<String, String>) {
    if slots.is_empty() {
        return;
    }
    expr.rewrite_names(&mut |ident| {
        if let Some(target) = slot_target(&ident.target, slots) {
            ident.target = target;
        }
    });
}

/// What a name read through a slot reads: `hardware.peak_flops_bf16` → `h100_sxm.peak_flops_bf16`
/// when `hardware` holds `h100_sxm`; `None` for a name that does not start with a slot.
pub fn slot_target(name: &str, slots: &IndexMap<String, String>) -> Option<String> {
    let (prefix, rest) = name.split_once('.')?;
    slots.get(prefix).map(|pack| format!("{pack}.{rest}"))
}

/// "invalid formula", pointing into the formula where the error can be located.
fn formula_error(text: &str, err: &formula::FormulaError, file: FileId, span: Range<usize>) -> Diagnostic {
    let mut notes = Vec::new();
    if let Some(help) = err.help() {
        notes.push(format!("help: {help}"));
    }
    let label_span = match err.locate(text) {
        Some(inner) => text_span(text, span, inner),
        None => span,
    };
    Diagnostic::error()
        .with_message(format!("invalid formula: {err}"))
        .with_labels(vec![primary(file, label_span, err.to_string())])
        .with_notes(notes)
}

/// A cell must be exactly one of an input, a formula and a missing value.
fn shape_error<F>(name: &str, cell: &Cell<F>, site: &Site) -> Option<Diagnostic> {
    let what = match (cell.value.is_some(), cell.formula.is_some(), cell.missing().is_some()) {
        (true, true, false) => "both a `value` and a `formula`",
        (true, false, true) => "both a `value` and `missing`",
        (false, true, true) => "both a `formula` and `missing`",
        (true, true, true) => "a `value`, a `formula` and `missing`",
        (false, false, false) => "neither a `value` nor a `formula`",
        _ => return None,
    };
    Some(
        Diagnostic::error()
            .with_message(format!("the cell `{name}` has {what}"))
            .with_labels(vec![primary(site.file(), site.key(), "this cell")])
            .with_notes(vec![
                "help: give exactly one: `value: 0.5` for an input, `formula: \"a * b\"` for a computed cell, `missing: \"why\"` for a value not known".into(),
            ]),
    )
}

/// A bad column formula is reported once, not once per row.
fn dedup(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| {
        let first = d.labels.first().map(|l| (l.file_id, l.range.clone()));
        seen.insert((d.message.clone(), first))
    });
    diagnostics
}

fn table_cell_name(table: &str, row: &str, column: &str) -> String {
    format!("{table}.{row}.{column}")
}

/// Cells whose formula is just another name (`row.params`), without a unit of their own,
/// show that name's unit.
fn inherit_units(cells: &mut Cells, bodies: &[Pending]) {
    let alias_of: HashMap<&str, &str> = bodies
        .iter()
        .enumerate()
        .filter_map(|(at, body)| match body {
            Pending::Parsed(expr) => match &**expr {
                Expr::Name(ident) => Some((cells.name(at), ident.target.as_str())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut units = Vec::new();
    for (&name, _) in alias_of.iter() {
        if cells.get(name).is_none_or(|c| c.unit().is_some()) {
            continue;
        }
        // Follow a short chain of aliases (a column reading a column reading a pack value).
        let mut at = name;
        for _ in 0..8 {
            let Some(&next) = alias_of.get(at) else { break };
            if let Some(target) = cells.get(next).filter(|c| c.unit().is_some()) {
                let display = target.display().map(str::to_string);
                units.push((name.to_string(), target.unit().unwrap_or_default().to_string(), display));
                break;
            }
            at = next;
        }
    }
    for (name, unit, display) in units {
        if let Some(cell) = cells.get_mut(&name) {
            cell.set_inferred_unit(unit);
            // An alias is shown as what it reads is shown (`--unit` on a table's source cell).
            if let Some(display) = display.filter(|_| cell.display().is_none()) {
                cell.set_display(display);
            }
        }
    }
}

/// A name is identifier segments joined by dots: `mfu`, `two_stage.words`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.split('.').all(is_simple_name)
}

/// An identifier: letters, digits and `_`, not starting with a digit.
pub fn is_simple_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn invalid_name(name: &str, file: FileId, span: Range<usize>) -> Diagnostic {
    Diagnostic::error()
        .with_message(format!("`{name}` is not a valid name"))
        .with_labels(vec![primary(file, span, "invalid name")])
        .with_notes(vec![format!("help: {NAME_RULE}: write `{}`", valid_spelling(name))])
}

/// What a name may hold, for every error about a name.
pub const NAME_RULE: &str =
    "a name holds letters, digits and `_` (groups joined by `.`), and does not start with a digit";

/// A valid name close to `name`: other characters become `_` (`gpu-hours` → `gpu_hours`), and
/// words that start with a digit move to the end (`6nd_flops` → `flops_6nd`), as `70b` must
/// follow a word (`params_70b`).
pub fn valid_spelling(name: &str) -> String {
    let segment = |seg: &str| {
        let cleaned: String = seg.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect();
        let words: Vec<&str> = cleaned.split('_').filter(|w| !w.is_empty()).collect();
        let (digits, rest): (Vec<&str>, Vec<&str>) =
            words.iter().partition(|w| w.starts_with(|c: char| c.is_ascii_digit()));
        let mut out = rest.join("_");
        if out.is_empty() {
            // Only digit-led words (`70b`): the digits go after the letters (`b70`), or `n_` leads.
            let word = digits.join("_");
            let split = word
                .find(|c: char| !c.is_ascii_digit() && c != '_')
                .unwrap_or(word.len());
            let (lead, tail) = word.split_at(split);
            return if tail.is_empty() {
                format!("n_{lead}")
            } else {
                format!("{tail}{lead}")
            };
        }
        for d in digits {
            out.push('_');
            out.push_str(d);
        }
        out
    };
    let segments: Vec<String> = name.split('.').filter(|s| !s.is_empty()).map(segment).collect();
    if segments.is_empty() {
        "name".to_string()
    } else {
        segments.join(".")
    }
}

/// Adds "did you mean" to a diagnostic.
pub fn with_suggestions(diagnostic: Diagnostic, suggestions: &[String]) -> Diagnostic {
    if suggestions.is_empty() {
        return diagnostic;
    }
    let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
    let mut diagnostic = diagnostic;
    // `with_notes` appends; the suggestion goes first.
    diagnostic
        .notes
        .insert(0, format!("help: did you mean {}?", list.join(" or ")));
    diagnostic
}

/// The span of `word` inside the formula string at `span` of the file; the whole string if not found.
/// `formula` is the formula's text (the string's content).
pub fn ident_span(formula: &str, span: Range<usize>, word: &str) -> Range<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == ':';
    let mut from = 0;
    while let Some(pos) = formula[from..].find(word).map(|p| p + from) {
        let before = formula[..pos].chars().next_back();
        let after = formula[pos + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return text_span(formula, span, pos..pos + word.len());
        }
        from = pos + word.len();
    }
    span
}

/// The span in the file of `inner`, a byte range of the formula's text, when the formula is
/// written as a plain string (`"a * b"`, no escapes) at `span`; the whole `span` otherwise.
pub fn text_span(formula: &str, span: Range<usize>, inner: Range<usize>) -> Range<usize> {
    if span.len() != formula.len() + 2 || inner.end > formula.len() {
        return span;
    }
    (span.start + 1 + inner.start)..(span.start + 1 + inner.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell keeps a `CellInfo` for the life of the workspace: a generated workbook of a
    /// hundred thousand cells holds this many bytes a cell (and nothing on the heap for a plain
    /// cell). Growing it is a choice to make on purpose.
    #[test]
    fn cell_info_stays_small() {
        assert_eq!(std::mem::size_of::<Site>(), 20);
        assert_eq!(std::mem::size_of::<CellInfo>(), 32);
        assert_eq!(std::mem::size_of::<Pending>(), 16);
    }

    #[test]
    fn a_site_keeps_its_spans() {
        let site = Site::new(3, 10..14, Some(16..40));
        assert_eq!(
            (site.file(), site.key(), site.formula(), site.span()),
            (3, 10..14, Some(16..40), 16..40)
        );
        let input = Site::new(0, 5..9, None);
        assert_eq!((input.formula(), input.span()), (None, 5..9));
    }
}
