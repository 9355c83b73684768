//! The model: dense cell storage, the graph, and incremental evaluation.
//!
//! Cells live in parallel vectors indexed by [`CellId`]. A cell keeps its id for its whole
//! life, so a watcher can apply a thousand edits without the ids of untouched cells moving.
//! Removed cells become tombstones.

use crate::aggregate::{ColumnDef, Columns};
use crate::arena::{Arena, Packed};
use crate::batch::{compile_all, Compiled};
use crate::compile::{self, Op, Scope};
use crate::graph;
use crate::hash::{FxHashMap, FxHashSet};
use crate::names::Names;
use crate::pool::ConstPool;
use crate::value::{CellError, ErrorKind, Value, Values};
use crate::{Body, BuildError, CellDef, CellId, CellSource, EngineError, Expr, FunctionDef, ModelSpec};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Input,
    Formula,
    Removed,
}

/// No rank: the cell is not in the order (removed).
const NO_RANK: u32 = u32::MAX;

/// What one round of evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recomputed {
    /// Formula cells evaluated, in evaluation (topological) order.
    pub recomputed: Vec<CellId>,
    /// Cells whose value changed: inputs that were set and formulas whose result moved.
    pub changed: Vec<CellId>,
}

/// What [`Model::update`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// Inputs whose value changed.
    pub inputs_changed: Vec<CellId>,
    /// Cells added, or whose definition changed (formula text, or input ↔ formula).
    pub redefined: Vec<CellId>,
    /// Names that no longer exist.
    pub removed: Vec<String>,
    /// Whether the graph's edges changed (and so its order was rebuilt).
    pub structural: bool,
    pub evaluation: Recomputed,
}

/// A workbook's cells as a dependency graph with values.
pub struct Model {
    names: Names,
    kinds: Vec<Kind>,
    /// The fingerprint of each formula cell's definition, to tell whether it changed.
    fingerprints: Vec<u64>,
    code: Arena<Op>,
    /// The constants `code` reads. It only grows: a program compiled again leaves its old
    /// constants behind (and compacting `code` keeps them), which costs little, as a watch
    /// session adds only the distinct constants a user types.
    consts: ConstPool,
    deps: Arena<CellId>,
    /// The inverse of `deps`, rebuilt on every structural change (which orders the graph
    /// again anyway, at the same cost).
    dependents: Packed,
    values: Values,
    errors: FxHashMap<CellId, BuildError>,
    functions: FxHashMap<String, FunctionDef>,
    /// Names (and function names) that some cells read but that do not exist yet: when one
    /// appears, those cells are compiled again.
    unresolved: FxHashMap<String, Vec<CellId>>,
    /// Pack functions → the cells whose programs inline them.
    callers: FxHashMap<String, Vec<CellId>>,
    /// The columns of row tables that aggregates read.
    columns: Columns,
    order: Vec<CellId>,
    rank: Vec<u32>,
    cycles: Vec<Vec<CellId>>,
    in_cycle: Vec<bool>,
    /// Epoch marks, so that a wave never clears per-cell flags: O(affected), not O(cells).
    /// 16 bits are enough: clearing every mark once in 65,535 waves costs nothing per wave,
    /// and 2 bytes a cell less than a `u32`.
    epoch: u16,
    stale: Vec<u16>,
    /// The ranks of the stale cells of a small wave, smallest first (kept for its allocation).
    heap: BinaryHeap<Reverse<u32>>,
    stack: Vec<f64>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            names: Names::default(),
            kinds: Vec::new(),
            fingerprints: Vec::new(),
            code: Arena::new(),
            consts: ConstPool::default(),
            deps: Arena::new(),
            dependents: Packed::default(),
            values: Values::default(),
            errors: FxHashMap::default(),
            functions: FxHashMap::default(),
            unresolved: FxHashMap::default(),
            callers: FxHashMap::default(),
            columns: Columns::default(),
            order: Vec::new(),
            rank: Vec::new(),
            cycles: Vec::new(),
            in_cycle: Vec::new(),
            epoch: 0,
            stale: Vec::new(),
            heap: BinaryHeap::new(),
            stack: Vec::new(),
        }
    }
}

impl Model {
    /// Builds and fully evaluates a model. Cells that cannot be built hold error values; see
    /// [`Model::errors`] and [`Model::cycles`].
    pub fn build(spec: &ModelSpec) -> Model {
        let mut model = Model::default();
        model.update(spec);
        model
    }

    /// [`Model::build`] from cells read one at a time, their formulas parsed a chunk at a
    /// time as the model compiles them: a large workbook's definitions are then never held
    /// whole beside the model, nor its expression trees all at once.
    pub fn build_from(cells: &mut dyn CellSource, functions: &[FunctionDef]) -> Model {
        let mut model = Model::default();
        model.update_from(cells, functions);
        model
    }

    // ----- reading -----

    pub fn id(&self, name: &str) -> Option<CellId> {
        self.names.get(name)
    }

    pub fn name(&self, id: CellId) -> &str {
        self.names.name(id)
    }

    /// A pack or workbook function, by name.
    pub fn function(&self, name: &str) -> Option<&FunctionDef> {
        self.functions.get(name)
    }

    pub fn value(&self, id: CellId) -> Value {
        self.values.get(id)
    }

    pub fn is_input(&self, id: CellId) -> bool {
        self.kinds[id as usize] == Kind::Input
    }

    /// The cells `id` reads, each once, in the order its formula first reads them.
    pub fn precedents(&self, id: CellId) -> &[CellId] {
        self.deps.get(id)
    }

    /// The cells that read `id`.
    pub fn dependents(&self, id: CellId) -> &[CellId] {
        self.dependents.get(id)
    }

    /// One more than the largest id given so far (removed cells included): the length of a
    /// table indexed by id.
    pub(crate) fn id_bound(&self) -> usize {
        self.names.ids()
    }

    /// Live cells, in the order they were first defined.
    pub fn cells(&self) -> impl Iterator<Item = CellId> + '_ {
        (0..self.names.ids() as CellId).filter(|&c| self.kinds[c as usize] != Kind::Removed)
    }

    pub fn len(&self) -> usize {
        self.names.live()
    }

    pub fn is_empty(&self) -> bool {
        self.names.live() == 0
    }

    /// Cells that could not be built, with why.
    pub fn errors(&self) -> impl Iterator<Item = (CellId, &BuildError)> {
        let mut errors: Vec<_> = self.errors.iter().map(|(&c, e)| (c, e)).collect();
        errors.sort_by_key(|(c, _)| *c);
        errors.into_iter()
    }

    /// Every dependency cycle, as a path in reading order: each cell reads the next, the last
    /// reads the first.
    pub fn cycles(&self) -> &[Vec<CellId>] {
        &self.cycles
    }

    /// The cached topological order of the live cells.
    pub fn order(&self) -> &[CellId] {
        &self.order
    }

    // ----- changing -----

    /// Sets inputs and recomputes what depends on them.
    pub fn set_inputs(&mut self, inputs: &[(CellId, f64)]) -> Result<Recomputed, EngineError> {
        let values: Vec<(CellId, Value)> = inputs.iter().map(|&(id, v)| (id, Value::Num(v))).collect();
        self.set_input_values(&values)
    }

    /// [`Model::set_inputs`] with values that may be errors: how a trial puts back an input
    /// that held `#N/A` (a missing value) before it was given a number.
    pub fn set_input_values(&mut self, inputs: &[(CellId, Value)]) -> Result<Recomputed, EngineError> {
        if let Some(&(id, _)) = inputs.iter().find(|&&(id, _)| !self.is_input(id)) {
            return Err(EngineError::NotAnInput(self.name(id).to_string()));
        }
        let mut changed = Vec::new();
        for &(id, v) in inputs {
            if self.replace_value(id, v) {
                changed.push(id);
            }
        }
        Ok(self.propagate(changed, &[]))
    }

    /// Sets one input by name.
    pub fn set(&mut self, name: &str, value: f64) -> Result<Recomputed, EngineError> {
        let id = self.id(name).ok_or_else(|| EngineError::NoSuchCell(name.to_string()))?;
        self.set_inputs(&[(id, value)])
    }

    /// Brings the model to `spec`: diffs definitions by name, recompiles only what changed (and
    /// the cells whose names now resolve differently), rebuilds the order only on a structural
    /// change, and recomputes only downstream of the changes.
    pub fn update(&mut self, spec: &ModelSpec) -> UpdateReport {
        self.apply(Defs::Spec(&spec.cells), &spec.functions, &spec.columns)
    }

    /// [`Model::update`] from cells read one at a time: each formula is parsed a chunk at a
    /// time to take its fingerprint, and again only if it must be compiled, so that a reload
    /// of a large workbook never holds every expression tree at once.
    pub fn update_from(&mut self, cells: &mut dyn CellSource, functions: &[FunctionDef]) -> UpdateReport {
        let columns = cells.columns();
        self.apply(Defs::Source(cells), functions, &columns)
    }

    /// [`Model::update`] to the cells of `defs` and these functions and columns.
    fn apply(&mut self, mut defs: Defs<'_>, functions: &[FunctionDef], columns: &[ColumnDef]) -> UpdateReport {
        let mut report = UpdateReport::default();
        let mut recompile: FxHashSet<CellId> = self.update_functions(functions);
        let count = defs.len();
        // What each formula of a source is, to tell whether it changed (a first build compiles
        // them all, and takes their fingerprints then).
        let fingerprints = match &mut defs {
            Defs::Source(source) if self.names.ids() > 0 => fingerprints_of(&mut **source),
            _ => Vec::new(),
        };
        // The position in `defs` of each formula cell's definition (the last, if twice).
        let mut formula_at: Vec<u32> = vec![NOT_A_FORMULA; self.names.ids() + count];
        let mut seen = vec![false; self.names.ids()];
        // New cells, which cells waiting for their name must know of: none wait on a first
        // build, which then lists nothing.
        let waiting = !self.unresolved.is_empty();
        let mut added: Vec<CellId> = Vec::new();
        let mut fresh: Vec<CellId> = Vec::new();
        let mut name_bytes = 0;
        if self.names.ids() == 0 {
            // A first build lists every cell: room for all of them at once, so that these lists
            // do not leave the copies they outgrow behind as holes in the heap.
            report.redefined.reserve_exact(count);
            fresh.reserve_exact(count);
            name_bytes = (0..count).map(|at| defs.name(at).len()).sum();
        }
        // Room for the cells that must be new (more than there are now): exactly the spec's
        // cells on a first build, and nothing more than needed on a reload, where each vector
        // would otherwise grow to twice the model.
        self.reserve(count.saturating_sub(self.len()), name_bytes);

        for at in 0..count {
            let id = match self.names.get_or_add(defs.name(at)) {
                (id, false) => {
                    // A name given twice in one spec is new the first time: not in `seen`.
                    if let Some(seen) = seen.get_mut(id as usize) {
                        *seen = true;
                    }
                    id
                }
                (id, true) => {
                    self.push_storage();
                    if waiting {
                        added.push(id);
                    }
                    report.redefined.push(id);
                    id
                }
            };
            let old = self.kinds[id as usize];
            match defs.body(at) {
                def @ (Def::Input(_) | Def::Missing) => {
                    let v = match def {
                        Def::Input(v) => Value::Num(v),
                        _ => Value::Err(CellError {
                            kind: ErrorKind::NotAvailable,
                            origin: id,
                        }),
                    };
                    if old != Kind::Input {
                        self.kinds[id as usize] = Kind::Input;
                        self.clear_program(id);
                        self.errors.remove(&id);
                        if old != Kind::Removed && !report.redefined.contains(&id) {
                            report.redefined.push(id);
                        }
                        report.structural = true;
                    }
                    if self.replace_value(id, v) {
                        report.inputs_changed.push(id);
                    }
                }
                Def::Formula(expr) => {
                    formula_at[id as usize] = at as u32;
                    // A cell that was not a formula is compiled whatever its fingerprint; the
                    // fingerprint is taken then (on a first build, walking each expression
                    // once instead of twice).
                    let fingerprint = match expr {
                        Some(expr) => (old == Kind::Formula).then(|| expr.fingerprint()),
                        None => fingerprints.get(at).copied(),
                    };
                    if old != Kind::Formula || fingerprint != Some(self.fingerprints[id as usize]) {
                        if matches!(old, Kind::Input | Kind::Formula) {
                            report.redefined.push(id);
                        }
                        self.kinds[id as usize] = Kind::Formula;
                        // Most of a first build: kept out of the hash set, which costs more.
                        fresh.push(id);
                    }
                }
            }
        }

        // Names that disappeared: their readers must be compiled again (and will fail).
        for (i, &was_seen) in seen.iter().enumerate() {
            let id = i as CellId;
            if was_seen || self.kinds[i] == Kind::Removed {
                continue;
            }
            let name = self.names.name(id).to_string();
            self.names.remove(id);
            self.kinds[i] = Kind::Removed;
            self.clear_program(id);
            self.errors.remove(&id);
            // The dependents are still those of the last update: every cell that read it.
            recompile.extend(self.dependents.get(id).iter().copied());
            self.replace_value(
                id,
                Value::Err(CellError {
                    kind: ErrorKind::Name,
                    origin: id,
                }),
            );
            report.removed.push(name);
            report.structural = true;
        }
        // A cell that failed to compile has no precedents, so it is no dependent of a name that
        // went; but it may read it before what made it fail (`x + sum(a_cell)`), and must then
        // fail on it, as a fresh build would. Failed cells are few: compile them all again.
        if !report.removed.is_empty() {
            let failed = self
                .errors
                .iter()
                .filter(|(_, e)| !matches!(e, BuildError::Cycle { .. }));
            recompile.extend(failed.map(|(&c, _)| c));
        }
        // Names that appeared: cells that read them while they did not exist.
        if waiting {
            for &id in &added {
                if let Some(readers) = self.unresolved.remove(self.names.name(id)) {
                    recompile.extend(readers);
                }
            }
        }

        // Columns that appeared, changed or went: the cells aggregating them, whose programs
        // hold their lists and precedents.
        recompile.extend(self.columns.update(columns, &self.names));

        // `fresh` grows into the whole list (on a first build, it is the whole list): one
        // vector of every formula cell rather than two.
        let mut recompile = {
            let mut all = fresh;
            all.extend(recompile);
            all.retain(|&c| self.kinds[c as usize] == Kind::Formula);
            all
        };
        recompile.sort_unstable();
        recompile.dedup();
        if !recompile.is_empty() {
            report.structural = true;
            self.recompile(&recompile, &formula_at, &mut defs);
        }
        // Every program is compiled: the definitions and their positions are not needed by
        // ordering and evaluating, which allocate lists of their own.
        drop(formula_at);
        if let Defs::Source(source) = defs {
            source.built();
        }

        let mut forced = recompile;
        if report.structural {
            forced.extend(self.rebuild_order());
        }
        let inputs_changed = report.inputs_changed.clone();
        report.evaluation = self.propagate(inputs_changed, &forced);
        report
    }

    /// Appends the storage of the cell just given an id by [`Names::get_or_add`].
    fn push_storage(&mut self) {
        self.kinds.push(Kind::Removed);
        self.fingerprints.push(0);
        self.values.push(Value::Num(0.0));
        self.stale.push(0);
        self.in_cycle.push(false);
        self.rank.push(NO_RANK);
    }

    /// Room for `more` cells in every per-cell vector, so that a large build grows each once
    /// (and, on a first build, to exactly its size).
    fn reserve(&mut self, more: usize, name_bytes: usize) {
        let ids = self.names.ids() + more;
        self.code.reserve_ids(ids);
        self.deps.reserve_ids(ids);
        self.names.reserve(more, name_bytes);
        self.kinds.reserve(more);
        self.fingerprints.reserve(more);
        self.values.reserve(more);
        self.stale.reserve(more);
        self.in_cycle.reserve(more);
        self.rank.reserve(more);
    }

    /// Replaces the function table; returns the cells to compile again because a function they
    /// inline (or one they called while it did not exist) changed.
    fn update_functions(&mut self, functions: &[FunctionDef]) -> FxHashSet<CellId> {
        let new: FxHashMap<String, FunctionDef> = functions.iter().map(|f| (f.name.clone(), f.clone())).collect();
        let mut touched = FxHashSet::default();
        let names: FxHashSet<&String> = new.keys().chain(self.functions.keys()).collect();
        for name in names {
            if new.get(name) != self.functions.get(name) {
                touched.extend(self.callers.remove(name).unwrap_or_default());
                touched.extend(self.unresolved.remove(name.as_str()).unwrap_or_default());
            }
        }
        self.functions = new;
        touched
    }

    fn clear_program(&mut self, id: CellId) {
        self.code.set(id, &[]);
        self.deps.set(id, &[]);
    }

    /// Compiles `cells`, whose definitions are at `formula_at` in `defs`, in chunks; a
    /// chunk's expressions parsed for it are freed once it is compiled.
    fn recompile(&mut self, cells: &[CellId], formula_at: &[u32], defs: &mut Defs<'_>) {
        let first_build = self.code.is_empty();
        let mut suggested = 0;
        for (i, chunk) in cells.chunks(COMPILE_CHUNK).enumerate() {
            let positions: Vec<usize> = chunk.iter().map(|&c| formula_at[c as usize] as usize).collect();
            let parsed = defs.parse(&positions);
            let exprs: Vec<&Expr> = match &parsed {
                Some(parsed) => parsed.iter().collect(),
                None => positions.iter().map(|&at| defs.expr(at)).collect(),
            };
            self.compile_chunk(chunk, &exprs, &mut suggested);
            if first_build && i == 0 && chunk.len() < cells.len() {
                // Room for every program at once, guessed from the first chunk's: grown by
                // doubling, the arena would copy itself at every step and leave each old copy
                // as a hole in the heap, resident (2.4 MB of 4.8 at 100,000 cells). Pages
                // reserved but never written cost no memory, and the guess is trimmed below.
                let more = |compiled: usize| compiled * (cells.len() - chunk.len()) / chunk.len() * 9 / 8;
                self.code.reserve(more(self.code.len()));
                self.deps.reserve(more(self.deps.len()));
            }
        }
        if first_build {
            // Give back what the guess (or the last growth) overshot.
            self.code.shrink_to_fit();
            self.consts.shrink_to_fit();
            self.deps.shrink_to_fit();
        }
    }

    /// Compiles the formulas `exprs` of the cells `chunk`.
    fn compile_chunk(&mut self, chunk: &[CellId], exprs: &[&Expr], suggested: &mut usize) {
        let scope = Scope {
            names: &self.names,
            functions: &self.functions,
            columns: &self.columns,
        };
        let batches = compile_all(exprs, &scope);
        let mut readers = Vec::new();
        self.code.reserve(batches.iter().map(|b| b.ops.len()).sum());
        self.deps.reserve(batches.iter().map(|b| b.deps.len()).sum());
        let mut formulas = chunk.iter().copied().zip(exprs.iter().copied());
        for mut batch in batches {
            // Batches in order, so the pool is the same however many threads compiled.
            self.consts.absorb(&batch.consts, &mut batch.ops);
            for Compiled {
                fingerprint,
                result,
                calls,
            } in batch.results
            {
                let (c, expr) = formulas.next().expect("one result per formula");
                self.fingerprints[c as usize] = fingerprint;
                // Every pack function the program inlines, through other functions too, and
                // whether it compiled or not: a change to any must compile the cell again.
                if calls {
                    for f in compile::inlined_functions(expr, &self.functions) {
                        self.callers.entry(f.to_string()).or_default().push(c);
                    }
                    readers.push((c, expr));
                }
                match result {
                    Ok((ops, deps)) => {
                        self.errors.remove(&c);
                        self.code.set(c, &batch.ops[ops]);
                        self.deps.set(c, &batch.deps[deps]);
                    }
                    Err(mut err) => {
                        compile::suggest(&mut err, &scope, suggested);
                        match &err {
                            BuildError::UnknownName { name, .. } => {
                                self.unresolved.entry(name.target.clone()).or_default().push(c)
                            }
                            BuildError::UnknownFunction { name, .. } => {
                                self.unresolved.entry(name.clone()).or_default().push(c)
                            }
                            _ => {}
                        }
                        self.code.set(c, &[]);
                        self.deps.set(c, &[]);
                        self.errors.insert(c, err);
                    }
                }
            }
        }
        for (c, expr) in readers {
            self.columns.note_readers(c, expr);
        }
    }

    /// Rebuilds the dependents from the precedents, recomputes the topological order and
    /// cycles; returns the cells whose membership of a cycle changed, which must be evaluated
    /// again.
    fn rebuild_order(&mut self) -> Vec<CellId> {
        let n = self.names.ids();
        let kinds = &self.kinds;
        let deps = &self.deps;
        self.dependents.invert(n, |c| deps.get(c));
        let dependents = &self.dependents;
        let order = graph::order(
            n,
            |c| kinds[c as usize] != Kind::Removed,
            |c| deps.get(c),
            |c| dependents.get(c),
        );
        let flipped = (0..self.names.ids())
            .filter(|&i| order.in_cycle[i] != self.in_cycle[i])
            .map(|i| i as CellId)
            .collect();
        self.order = order.order;
        self.rank = order.rank;
        self.in_cycle = order.in_cycle;
        self.errors.retain(|_, e| !matches!(e, BuildError::Cycle { .. }));
        for cycle in &order.cycles {
            // One copy of the cycle shared by its cells: a copy each would be quadratic.
            let cells: Arc<[CellId]> = cycle.as_slice().into();
            for &c in cycle {
                self.errors.insert(c, BuildError::Cycle { cells: cells.clone() });
            }
        }
        self.cycles = order.cycles;
        flipped
    }

    /// Stores a value; says whether it differs from the old one.
    fn replace_value(&mut self, id: CellId, value: Value) -> bool {
        self.values.replace(id, value)
    }

    /// Recomputes, in topological order, every cell downstream of `changed` (cells whose value
    /// already changed) and `forced` (cells to evaluate regardless), skipping any cell none of
    /// whose precedents changed in this wave.
    ///
    /// A cell becomes *stale* when a precedent's value changes; stale cells are evaluated in
    /// rank order (their position in the cached topological order), and a cell whose value
    /// does not change marks nothing (early cutoff). A small wave keeps its stale cells in a
    /// heap by rank, so it costs O(k log k) for k cells recomputed, whatever the model's size;
    /// once the wave holds a large part of the model it sweeps the cached order instead,
    /// which is cheaper per cell than the heap.
    fn propagate(&mut self, changed: Vec<CellId>, forced: &[CellId]) -> Recomputed {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stale.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        let mut wave = Wave {
            epoch: self.epoch,
            heap: std::mem::take(&mut self.heap),
            pending: 0,
            sweep: None,
            limit: self.order.len() / 32 + 16,
        };
        wave.heap.clear();
        // Forced cells are evaluated, and most change: room for them at once (see `apply`).
        let mut report = Recomputed {
            recomputed: Vec::with_capacity(forced.len()),
            changed,
        };
        report.changed.reserve(forced.len());
        for &c in &report.changed {
            for &d in self.dependents.get(c) {
                wave.mark(d, &mut self.stale, &self.rank, &self.in_cycle);
            }
        }
        for &c in forced {
            if self.kinds[c as usize] != Kind::Removed {
                // Forced cells are evaluated even on a cycle (to take or drop the cycle error).
                wave.mark(c, &mut self.stale, &self.rank, &[]);
            }
        }
        while wave.pending > 0 {
            let c = match wave.sweep.as_mut() {
                Some(next) => {
                    let Some(c) = self.order[*next as usize..]
                        .iter()
                        .position(|&c| self.stale[c as usize] == wave.epoch)
                        .map(|i| {
                            *next += i as u32 + 1;
                            self.order[*next as usize - 1]
                        })
                    else {
                        break;
                    };
                    c
                }
                None => match wave.heap.pop() {
                    Some(Reverse(rank)) => self.order[rank as usize],
                    None => break,
                },
            };
            wave.pending -= 1;
            let new = self.evaluate(c);
            report.recomputed.push(c);
            if self.replace_value(c, new) {
                report.changed.push(c);
                for &d in self.dependents.get(c) {
                    wave.mark(d, &mut self.stale, &self.rank, &self.in_cycle);
                }
            }
        }
        self.heap = wave.heap;
        report
    }

    /// Whether `c` is a formula that evaluates its compiled program (not an input, not a cell
    /// with a build error or on a cycle, whose value is fixed).
    pub(crate) fn is_compiled(&self, c: CellId) -> bool {
        !self.code.get(c).is_empty() && !self.in_cycle[c as usize] && self.kinds[c as usize] == Kind::Formula
    }

    /// The cell lists of the columns that aggregates read.
    pub(crate) fn column_lists(&self) -> &[Box<[CellId]>] {
        self.columns.lists()
    }

    pub(crate) fn program(&self, c: CellId) -> &[Op] {
        self.code.get(c)
    }

    pub(crate) fn slots(&self) -> &[crate::value::Slot] {
        self.values.slots()
    }

    pub(crate) fn const_values(&self) -> &[f64] {
        self.consts.values()
    }

    #[inline]
    fn evaluate(&mut self, c: CellId) -> Value {
        // The common case first: a compiled formula (error cells and inputs have no code).
        if self.is_compiled(c) {
            let code = self.code.get(c);
            let lists = self.columns.lists();
            return compile::eval(
                code,
                c,
                self.values.slots(),
                self.consts.values(),
                lists,
                &mut self.stack,
            );
        }
        match self.kinds[c as usize] {
            Kind::Input => self.values.get(c),
            Kind::Removed => Value::Err(CellError {
                kind: ErrorKind::Name,
                origin: c,
            }),
            Kind::Formula => {
                if self.in_cycle[c as usize] {
                    return Value::Err(CellError {
                        kind: ErrorKind::Cycle,
                        origin: c,
                    });
                }
                if let Some(err) = self.errors.get(&c) {
                    return Value::Err(CellError {
                        kind: err.kind(),
                        origin: c,
                    });
                }
                let consts = self.consts.values();
                let lists = self.columns.lists();
                compile::eval(self.code.get(c), c, self.values.slots(), consts, lists, &mut self.stack)
            }
        }
    }
}

/// Formulas compiled at a time: enough to keep every core busy, few enough that the compiled
/// chunk waiting to be copied into the model, and (on [`Model::build_from`]) the chunk's
/// expressions, stay small next to the model: at 4096, about 1 MB (16384 measured 4.7 MB more
/// at the peak of a 100k-cell build, for no gain in time).
const COMPILE_CHUNK: usize = 1 << 12;

/// In [`Model::apply`]'s `formula_at`: the cell is not a formula of the spec.
const NOT_A_FORMULA: u32 = u32::MAX;

/// The fingerprint of each formula of `source` by position (0 for an input), parsed a chunk at
/// a time.
fn fingerprints_of(source: &mut dyn CellSource) -> Vec<u64> {
    let mut fingerprints = vec![0; source.len()];
    let formulas: Vec<usize> = (0..source.len())
        .filter(|&at| !source.missing(at) && source.input(at).is_none())
        .collect();
    for chunk in formulas.chunks(COMPILE_CHUNK) {
        for (&at, expr) in chunk.iter().zip(source.formulas(chunk)) {
            fingerprints[at] = expr.fingerprint();
        }
    }
    fingerprints
}

/// The definitions an update brings the model to.
enum Defs<'s> {
    /// A spec's, every formula parsed.
    Spec(&'s [CellDef]),
    /// Read from a source, formulas parsed only as they are compiled.
    Source(&'s mut dyn CellSource),
}

/// One definition, as [`Model::apply`] reads it.
enum Def<'a> {
    Input(f64),
    /// An input declared missing: it holds `#N/A`.
    Missing,
    /// `None`: not parsed yet.
    Formula(Option<&'a Expr>),
}

impl Defs<'_> {
    fn len(&self) -> usize {
        match self {
            Defs::Spec(cells) => cells.len(),
            Defs::Source(source) => source.len(),
        }
    }

    fn name(&self, at: usize) -> &str {
        match self {
            Defs::Spec(cells) => &cells[at].name,
            Defs::Source(source) => source.name(at),
        }
    }

    fn body(&self, at: usize) -> Def<'_> {
        match self {
            Defs::Spec(cells) => match &cells[at].body {
                Body::Input(v) => Def::Input(*v),
                Body::Missing => Def::Missing,
                Body::Formula(expr) => Def::Formula(Some(expr)),
            },
            Defs::Source(source) if source.missing(at) => Def::Missing,
            Defs::Source(source) => source.input(at).map_or(Def::Formula(None), Def::Input),
        }
    }

    /// The expressions of the formulas at `positions`, if they must be parsed (`None`: read
    /// each with [`Defs::expr`]).
    fn parse(&mut self, positions: &[usize]) -> Option<Vec<Expr>> {
        let Defs::Source(source) = self else {
            return None;
        };
        let exprs = source.formulas(positions);
        debug_assert_eq!(exprs.len(), positions.len(), "one expression for each position");
        Some(exprs)
    }

    /// The expression of a spec's formula at `at`.
    fn expr(&self, at: usize) -> &Expr {
        match self {
            Defs::Spec(cells) => match &cells[at].body {
                Body::Formula(expr) => expr,
                Body::Input(_) | Body::Missing => unreachable!("every recompiled cell is a formula of the spec"),
            },
            Defs::Source(_) => unreachable!("a source's formulas are parsed for each chunk"),
        }
    }
}

/// The stale cells of one round of propagation, in rank order.
struct Wave {
    epoch: u16,
    heap: BinaryHeap<Reverse<u32>>,
    /// Cells marked stale and not evaluated yet.
    pending: usize,
    /// Sweep mode: the rank from which to scan the cached order for stale cells.
    sweep: Option<u32>,
    /// Heap size beyond which the wave switches to sweeping.
    limit: usize,
}

impl Wave {
    /// Marks `c` stale (once per wave). Cells on a cycle hold `#CYCLE` whatever they read, so
    /// a changed precedent does not make them stale; they are given as `in_cycle`.
    #[inline]
    fn mark(&mut self, c: CellId, stale: &mut [u16], rank: &[u32], in_cycle: &[bool]) {
        let slot = &mut stale[c as usize];
        let r = rank[c as usize];
        if *slot == self.epoch || r == NO_RANK || in_cycle.get(c as usize) == Some(&true) {
            return;
        }
        *slot = self.epoch;
        self.pending += 1;
        match &mut self.sweep {
            // A mark made while evaluating is always ahead of the sweep; only a seed can be behind.
            Some(next) => *next = (*next).min(r),
            None => {
                self.heap.push(Reverse(r));
                if self.heap.len() > self.limit {
                    let from = self.heap.peek().map_or(0, |Reverse(r)| *r);
                    self.sweep = Some(from);
                    self.heap.clear();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formula::parse;

    /// The epoch wraps every 65,535 waves: the marks of old waves must not look fresh after.
    #[test]
    fn waves_stay_exact_across_the_epoch_wrapping() {
        let cell = |name: &str, body: Body| crate::CellDef {
            name: name.into(),
            body,
        };
        let formula = |text: &str| Body::Formula(parse(text).unwrap());
        let mut m = Model::build(&ModelSpec {
            cells: vec![
                cell("x", Body::Input(1.0)),
                cell("y", Body::Input(1.0)),
                cell("a", formula("x * 2")),
                cell("b", formula("y * 3")),
            ],
            functions: vec![],
            columns: Vec::new(),
        });
        m.epoch = u16::MAX - 2;
        for v in 2..8 {
            let (input, reader) = if v % 2 == 0 { (0, 2) } else { (1, 3) };
            let r = m.set_inputs(&[(input, v as f64)]).unwrap();
            assert_eq!(r.recomputed, [reader], "wave {v}");
        }
        assert_eq!((m.value(2), m.value(3)), (Value::Num(12.0), Value::Num(21.0)));
    }
}
