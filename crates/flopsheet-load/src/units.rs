//! Units at load: every `unit` string parsed, every formula's unit inferred and checked, with
//! spans (the rules are [`flopsheet_units`]'s; this module knows where things are written).
//!
//! In [`crate::resolve`]: the `units:` definitions of the packs and the workbook, every
//! `unit` and `display` string, and `--unit NAME=UNIT` (an error here is fatal, like any
//! other malformed field). After resolving, [`check`]: the formulas' units (an error here
//! leaves the model evaluated, with the error listed, like an unknown name).

use crate::cells::Cells;
use crate::raw::{Notes, RawWorkbook};
use crate::resolve::{ident_span, slot_target, with_suggestions, CellInfo, LoadedPack, Origin, Resolved};
use crate::source::{primary, secondary, Diagnostic, FileId};
use crate::spans::SpanIndex;
use flopsheet_engine::{Expr, FunctionDef};
use flopsheet_units::infer::{check_declared, infer, Env, Inferred};
use flopsheet_units::{Problem, Registry, Unit, UnitError};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The units the packs (in load order) and then the workbook define. A name defined twice,
/// or a definition that is not a unit, is an error at the definition.
pub fn registry(
    raw: &RawWorkbook,
    file: FileId,
    spans: &SpanIndex,
    packs: &[LoadedPack],
    diagnostics: &mut Vec<Diagnostic>,
) -> Registry {
    let mut registry = Registry::new();
    let mut defined: HashMap<String, (FileId, Range<usize>, String)> = HashMap::new();
    let all = packs
        .iter()
        .map(|p| (&p.raw.units, p.file, &p.spans))
        .chain([(&raw.units, file, spans)]);
    for (units, file, spans) in all {
        for (name, definition) in units {
            let span = spans.value(&["units", name]).unwrap_or(0..0);
            if let Some((other_file, other_span, other)) = defined.get(name) {
                if other != definition {
                    diagnostics.push(
                        Diagnostic::error()
                            .with_message(format!("the unit `{name}` is defined twice, differently"))
                            .with_labels(vec![
                                primary(file, span, format!("`{name}` is {definition} here")),
                                secondary(*other_file, other_span.clone(), format!("and {other} here")),
                            ])
                            .with_notes(vec!["help: units are shared by every pack and the workbook: define it once, or give one another name".into()]),
                    );
                }
                continue;
            }
            match registry.define(name, definition) {
                Ok(()) => {
                    defined.insert(name.clone(), (file, span, definition.clone()));
                }
                Err(e) => diagnostics.push(unit_error(&e, file, span, "in this definition")),
            }
        }
    }
    registry
}

/// A unit string that is not a unit.
fn unit_error(error: &UnitError, file: FileId, span: Range<usize>, label: &str) -> Diagnostic {
    let mut d = Diagnostic::error()
        .with_message(format!("invalid unit: {error}"))
        .with_labels(vec![primary(file, span, label)]);
    match error {
        UnitError::Near { suggestion, why, .. } => {
            d = with_suggestions(d, std::slice::from_ref(suggestion));
            if let Some(why) = why {
                d.notes.push(format!("note: {why}"));
            }
            d
        }
        _ => d.with_notes(vec![format!("help: {}", error.help())]),
    }
}

/// Checks a cell's `unit` and `display`: each parses, and the display unit converts from the
/// unit. `span` gives the span of a field (`"unit"`, `"display"`).
pub fn validate(
    registry: &Registry,
    notes: &Notes,
    file: FileId,
    span: impl Fn(&str) -> Option<Range<usize>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let unit = notes.unit.as_deref().and_then(|text| match registry.parse(text) {
        Ok(unit) => Some(unit),
        Err(e) => {
            diagnostics.push(unit_error(&e, file, span("unit").unwrap_or(0..0), "this unit"));
            None
        }
    });
    let Some(display) = notes.display.as_deref() else {
        return;
    };
    let display_span = span("display").unwrap_or(0..0);
    match (registry.parse(display), &unit, notes.unit.as_deref()) {
        (Err(e), _, _) => diagnostics.push(unit_error(&e, file, display_span, "this display unit")),
        (Ok(_), None, None) => diagnostics.push(
            Diagnostic::error()
                .with_message("a display unit needs the cell's own `unit`")
                .with_labels(vec![primary(
                    file,
                    display_span,
                    "shown in this unit, converted from what?",
                )])
                .with_notes(vec![
                    "help: add `unit: \"...\"`: the unit the value is written or computed in".into(),
                ]),
        ),
        (Ok(shown), Some(unit), Some(text)) if !unit.compatible(&shown) => diagnostics.push(
            incompatible_display(text, unit, display, &shown).with_labels(vec![primary(
                file,
                display_span,
                format!("{display} is not a unit of {}", unit.dims()),
            )]),
        ),
        _ => {}
    }
}

fn incompatible_display(unit_text: &str, unit: &Unit, display: &str, shown: &Unit) -> Diagnostic {
    Diagnostic::error()
        .with_message(format!(
            "cannot show a value in {unit_text} as {display}: {} is not {}",
            unit.dims(),
            shown.dims()
        ))
        .with_notes(vec![format!(
            "help: a display unit has the dimension of the value's unit ({unit_text}: e.g. {})",
            example_of(unit, unit_text)
        )])
}

/// Another unit of the same dimension, for a help line.
fn example_of(unit: &Unit, text: &str) -> String {
    let dims = unit.dims().to_string();
    match dims.as_str() {
        "B" => "GiB or TB".into(),
        "FLOP/s" => "TFLOP/s".into(),
        "USD/token" => "USD/Mtoken".into(),
        "s" => "h or day".into(),
        "J" => "kWh".into(),
        _ => text.to_string(),
    }
}

/// `--unit NAME=UNIT`: the cell named is shown in UNIT, which must convert from its unit.
pub fn apply_displays(
    registry: &Registry,
    cells: &mut Cells,
    displays: &[(String, String)],
    slots: &IndexMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (written, display) in displays {
        let target = slot_target(written, slots);
        let name = target.as_deref().unwrap_or(written);
        let Some(info) = cells.get_mut(name) else {
            let suggestions = flopsheet_engine::suggest::closest(name, cells.keys());
            diagnostics.push(with_suggestions(
                Diagnostic::error().with_message(format!("--unit {written}={display}: no cell is named `{name}`")),
                &suggestions,
            ));
            continue;
        };
        let shown = match registry.parse(display) {
            Ok(shown) => shown,
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("--unit {written}={display}: {e}"))
                        .with_notes(vec![format!("help: {}", e.help())]),
                );
                continue;
            }
        };
        let unit = info.unit().map(|text| (text.to_string(), registry.parse(text)));
        match unit {
            Some((text, Ok(unit))) if unit.compatible(&shown) => {
                let _ = text;
                info.set_display(display.clone());
            }
            Some((text, Ok(unit))) => {
                let mut d = incompatible_display(&text, &unit, display, &shown);
                d.message = format!("--unit {written}={display}: {}", d.message);
                diagnostics.push(d);
            }
            _ => diagnostics.push(
                Diagnostic::error()
                    .with_message(format!(
                        "--unit {written}={display}: `{name}` has no unit to convert from"
                    ))
                    .with_notes(vec![format!("help: give `{name}` a `unit` in its file")]),
            ),
        }
    }
}

/// The formulas' units: sums and comparisons of one unit, declared units that match what the
/// formula computes, table columns with one unit in every row. Cells without a unit of their
/// own are given the one their formula computes, where it is known. A workbook whose cells
/// have no unit at all is not looked at (a generated workbook of a hundred thousand cells).
pub fn check(resolved: &mut Resolved) -> Vec<Diagnostic> {
    let cells = &resolved.workbook.cells;
    if !(0..cells.len()).any(|at| cells[at].unit().is_some()) {
        return Vec::new();
    }
    let exprs = resolved.expressions();
    let functions: HashMap<String, FunctionDef> =
        resolved.functions.iter().map(|f| (f.name.clone(), f.clone())).collect();
    let workbook = &resolved.workbook;
    let mut env = Units {
        cells: &workbook.cells,
        registry: &workbook.units,
        exprs: &exprs,
        functions: &functions,
        memo: vec![None; exprs.len()],
        visiting: vec![false; exprs.len()],
        problems: vec![Vec::new(); exprs.len()],
        declared: HashMap::new(),
        depth: 0,
    };
    for at in 0..exprs.len() {
        env.ensure(at);
    }
    let mut found: Vec<(usize, Problem)> = Vec::new();
    for at in 0..exprs.len() {
        found.extend(std::mem::take(&mut env.problems[at]).into_iter().map(|p| (at, p)));
    }
    let split = column_problems(&env, workbook, &exprs);
    let mut skip: HashSet<usize> = HashSet::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for (cells_of_column, d) in split {
        skip.extend(cells_of_column);
        diagnostics.push(d);
    }
    // What reads such a column computes from it: not checked either (one error, not a cascade).
    let mut grew = !skip.is_empty();
    while grew {
        grew = false;
        for (at, expr) in exprs.iter().enumerate() {
            let Some(expr) = expr.as_ref().filter(|_| !skip.contains(&at)) else {
                continue;
            };
            let mut reads = false;
            expr.for_each_name(&mut |i| {
                reads |= workbook.cells.position(&i.target).is_some_and(|p| skip.contains(&p));
            });
            if reads {
                grew |= skip.insert(at);
            }
        }
    }
    for at in 0..exprs.len() {
        let info = &workbook.cells[at];
        let (Some(inferred), Some(text)) = (&env.memo[at], info.declared_unit()) else {
            continue;
        };
        if skip.contains(&at) {
            continue;
        }
        if let Ok(unit) = workbook.units.parse(text) {
            let name = workbook.cells.name(at);
            found.extend(check_declared(name, inferred, &unit, text).map(|p| (at, p)));
        }
    }
    let mut seen = HashSet::new();
    for (at, problem) in found {
        let d = diagnostic(workbook, at, &problem);
        let key = (
            d.message.clone(),
            d.labels.first().map(|l| (l.file_id, l.range.clone())),
        );
        if seen.insert(key) {
            diagnostics.push(d);
        }
    }
    // What each formula computes: shown for cells without a unit, and by `explain`.
    let shown: Vec<(usize, String)> = (0..exprs.len())
        .filter_map(|at| {
            let unit = env.memo[at].as_ref()?.exact()?;
            (!unit.factors().is_empty()).then(|| (at, unit.to_string()))
        })
        .collect();
    drop(env);
    for (at, unit) in shown {
        let name: Box<str> = resolved.workbook.cells.name(at).into();
        if let Some(info) = resolved.workbook.cells.get_mut(&name).filter(|i| i.unit().is_none()) {
            info.set_inferred_unit(unit.clone());
        }
        resolved.workbook.inferred.insert(name, unit.into());
    }
    diagnostics
}

/// The environment of the inference: each cell's unit, declared or inferred (once).
struct Units<'a> {
    cells: &'a Cells,
    registry: &'a Registry,
    exprs: &'a [Option<Expr>],
    functions: &'a HashMap<String, FunctionDef>,
    memo: Vec<Option<Inferred>>,
    visiting: Vec<bool>,
    /// The problems inside each formula, found when it was inferred.
    problems: Vec<Vec<Problem>>,
    /// Unit strings parsed so far.
    declared: HashMap<String, Result<Unit, UnitError>>,
    /// Cells being inferred from inside a name lookup (a function body reading a pack value).
    depth: usize,
}

/// Names looked up through function bodies before their cell was inferred recurse this deep
/// at most; the formulas of the workbook are inferred in an order that needs no recursion.
const MAX_DEPTH: usize = 64;

impl Units<'_> {
    fn declared_unit(&mut self, text: &str) -> Option<Result<Unit, UnitError>> {
        if !self.declared.contains_key(text) {
            self.declared.insert(text.to_string(), self.registry.parse(text));
        }
        self.declared.get(text).cloned()
    }

    /// Infers the formula at `at` after the formulas it reads, without recursion: a workbook
    /// can be a chain of a hundred thousand cells.
    fn ensure(&mut self, start: usize) {
        let mut stack = vec![(start, false)];
        while let Some((at, ready)) = stack.pop() {
            if self.memo[at].is_some() {
                continue;
            }
            let Some(expr) = &self.exprs[at] else { continue };
            if ready {
                let (inferred, problems) = infer(expr, self);
                self.memo[at] = Some(inferred);
                self.problems[at] = problems;
                self.visiting[at] = false;
                continue;
            }
            if self.visiting[at] {
                continue;
            }
            self.visiting[at] = true;
            stack.push((at, true));
            expr.for_each_name(&mut |ident| {
                if let Some(p) = self.cells.position(&ident.target) {
                    let waits = self.exprs[p].is_some() && self.memo[p].is_none() && !self.visiting[p];
                    if waits && self.cells[p].declared_unit().is_none() {
                        stack.push((p, false));
                    }
                }
            });
        }
    }
}

impl Env for Units<'_> {
    fn name(&mut self, name: &str) -> Inferred {
        let Some(at) = self.cells.position(name) else {
            return Inferred::Unknown;
        };
        if let Some(text) = self.cells[at].declared_unit() {
            return match self.declared_unit(text) {
                Some(Ok(unit)) => Inferred::unit(unit),
                _ => Inferred::Unknown,
            };
        }
        if let Some(inferred) = &self.memo[at] {
            return inferred.clone();
        }
        let Some(expr) = &self.exprs[at] else {
            return Inferred::Unknown;
        };
        // Not inferred yet (read from a function body) or on a cycle (reported elsewhere).
        if self.visiting[at] || self.depth >= MAX_DEPTH {
            return Inferred::Unknown;
        }
        self.visiting[at] = true;
        self.depth += 1;
        let (inferred, problems) = infer(expr, self);
        self.depth -= 1;
        self.visiting[at] = false;
        self.memo[at] = Some(inferred.clone());
        self.problems[at] = problems;
        inferred
    }

    fn function(&self, name: &str) -> Option<FunctionDef> {
        self.functions.get(name).cloned()
    }
}

/// A problem of the formula at `at` as a diagnostic pointing into the formula.
fn diagnostic(workbook: &crate::resolve::Workbook, at: usize, problem: &Problem) -> Diagnostic {
    let name = workbook.cells.name(at);
    let info = &workbook.cells[at];
    let span = info.site.span();
    let text = workbook.formula(info).unwrap_or("");
    let file = info.site.file();
    let labels = problem
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let range = match &label.word {
                Some(word) => ident_span(text, span.clone(), word),
                None => span.clone(),
            };
            let text = if i == 0 {
                format!("{} (in `{name}`)", label.text)
            } else {
                label.text.clone()
            };
            if i == 0 {
                primary(file, range, text)
            } else {
                secondary(file, range, text)
            }
        })
        .collect();
    Diagnostic::error()
        .with_message(problem.message.clone())
        .with_labels(labels)
        .with_notes(problem.notes.clone())
}

/// Row-table columns whose rows compute different units (their rows read packs that give one
/// value name different units): one error per column naming both packs, and the cells of the
/// column, which are then not checked against the declared unit one by one.
fn column_problems(
    env: &Units<'_>,
    workbook: &crate::resolve::Workbook,
    exprs: &[Option<Expr>],
) -> Vec<(Vec<usize>, Diagnostic)> {
    let mut columns: IndexMap<(String, String), Vec<usize>> = IndexMap::new();
    for at in 0..exprs.len() {
        if let Origin::Table(t) = workbook.cells[at].origin() {
            columns.entry((t.table.clone(), t.column.clone())).or_default().push(at);
        }
    }
    let mut out = Vec::new();
    for ((table, column), rows) in columns {
        let units: Vec<(usize, &Unit)> = rows
            .iter()
            .filter_map(|&at| Some((at, env.memo[at].as_ref()?.exact()?)))
            .collect();
        let Some(&(first, first_unit)) = units.first() else {
            continue;
        };
        let Some(&(other, other_unit)) = units.iter().find(|(_, u)| !u.same(first_unit)) else {
            continue;
        };
        out.push((
            rows,
            column_diagnostic(
                env,
                workbook,
                exprs,
                (&table, &column),
                (first, first_unit),
                (other, other_unit),
            ),
        ));
    }
    out
}

fn column_diagnostic(
    env: &Units<'_>,
    workbook: &crate::resolve::Workbook,
    exprs: &[Option<Expr>],
    (table, column): (&str, &str),
    (a, a_unit): (usize, &Unit),
    (b, b_unit): (usize, &Unit),
) -> Diagnostic {
    let row = |at: usize| match workbook.cells[at].origin() {
        Origin::Table(t) => t.row.clone(),
        _ => String::new(),
    };
    let info = &workbook.cells[a];
    let mut labels = vec![primary(
        info.site.file(),
        info.site.span(),
        format!("{a_unit} in row `{}`, {b_unit} in row `{}`", row(a), row(b)),
    )];
    // The values read that differ: the same name of the formula, in each row.
    let names = |at: usize| {
        let mut names = Vec::new();
        if let Some(expr) = &exprs[at] {
            expr.for_each_name(&mut |i| names.push(i.target.clone()));
        }
        names
    };
    let mut packs = Vec::new();
    for (x, y) in names(a).into_iter().zip(names(b)) {
        let unit_of = |n: &str| workbook.cells.get(n).and_then(CellInfo::unit).map(str::to_string);
        let (ux, uy) = (unit_of(&x), unit_of(&y));
        let differ = match (&ux, &uy) {
            (Some(p), Some(q)) => {
                !matches!((env.registry.parse(p), env.registry.parse(q)), (Ok(p), Ok(q)) if p.same(&q))
            }
            _ => false,
        };
        if differ && x != y {
            for (n, u) in [(&x, &ux), (&y, &uy)] {
                if let Some(info) = workbook.cells.get(n) {
                    let owner = match info.origin() {
                        Origin::Pack(id) => format!("the pack `{id}`"),
                        _ => format!("`{n}`"),
                    };
                    packs.push(owner.clone());
                    labels.push(secondary(
                        info.site.file(),
                        info.site.key(),
                        format!("{} in {owner}", u.as_deref().unwrap_or("?")),
                    ));
                }
            }
            break;
        }
    }
    let message = match packs.as_slice() {
        [p, q] => format!(
            "the column `{column}` of the table `{table}` has different units in different rows: {a_unit} from {p}, {b_unit} from {q}"
        ),
        _ => format!("the column `{column}` of the table `{table}` has different units in different rows: {a_unit} and {b_unit}"),
    };
    Diagnostic::error().with_message(message).with_labels(labels).with_notes(vec![
        "help: a column has one unit: write the value in the same unit in every pack (convert it), or give the rows columns of their own".into(),
    ])
}

impl crate::resolve::Workbook {
    /// How a cell's value is shown: in its display unit (`display:` or `--unit`), converted
    /// from its unit, or else in its unit. The factor multiplies the value.
    pub fn shown<'a>(&self, info: &'a CellInfo) -> (Option<&'a str>, f64) {
        let (Some(unit), Some(display)) = (info.unit(), info.display()) else {
            return (info.unit(), 1.0);
        };
        // Both were checked when the workbook was read; a failure here shows the unit as is.
        match (self.units.parse(unit), self.units.parse(display)) {
            (Ok(from), Ok(to)) => match from.factor_to(&to) {
                Some(factor) => (Some(display), factor),
                None => (Some(unit), 1.0),
            },
            _ => (Some(unit), 1.0),
        }
    }

    /// The unit the formula of `name` computes, where it is known.
    pub fn inferred_unit(&self, name: &str) -> Option<&str> {
        self.inferred.get(name).map(|u| &**u)
    }
}
