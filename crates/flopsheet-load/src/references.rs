//! References: published or measured figures written beside estimates, and how far each
//! estimate is from its reference.
//!
//! A cell, a pack value or a table column may carry `reference: (value: 30.84e6, source:
//! "...", tolerance: 0.15)`, or a formula (`reference: "row.reported_gpu_hours"`, evaluated per
//! row like any column formula). Each reference becomes a hidden cell of the graph, named
//! `CELL@reference` (a name no formula can write, so nothing reads it), so that its value
//! follows `--set`, slots, scenarios and `watch` like every other cell, through the same
//! incremental engine.
//!
//! Resolving (the [`Resolver`] methods here) checks a reference and adds its hidden cell;
//! comparing ([`Workspace::reference_comparisons`]) returns data — the estimate, the
//! reference, the relative difference `estimate / reference − 1`, and a [`Verdict`] against
//! the tolerance — that `show`, `explain` and `check --references` print, and an editor
//! server could show the same way.

use crate::cells::Cells;
use crate::raw::{Notes, RawReference};
use crate::resolve::{Origin, Pending, Resolver, Site};
use crate::source::{primary, Diagnostic, FileId};
use crate::spans::Entry;
use crate::workspace::Workspace;
use flopsheet_engine::{formula, ErrorKind, Expr, Value};
use indexmap::IndexMap;
use std::ops::Range;

/// The suffix of a reference's hidden cell: `gpu_hours@reference`. `@` cannot be written in
/// a formula, so no cell can read it by mistake.
pub const SUFFIX: &str = "@reference";

/// Relative differences this close to the tolerance count as within it: a reference met by
/// `solve` is off by rounding, never by more.
const SLACK: f64 = 1e-12;

/// A reference, resolved: where it is written and what it says besides its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The cell it is the reference of (the estimate).
    pub cell: String,
    /// The hidden cell holding its value.
    pub hidden: String,
    /// The formula as written, when it is one (`row.reported_gpu_hours`).
    pub formula: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub note: Option<String>,
    /// A relative fraction (0.15 is ±15%); `None`: shown, not checked.
    pub tolerance: Option<f64>,
    pub file: FileId,
    /// The `reference` field: from its key to the end of its value.
    pub span: Range<usize>,
}

impl Reference {
    /// The name of the hidden cell holding the reference of `cell`.
    pub fn hidden_name(cell: &str) -> String {
        format!("{cell}{SUFFIX}")
    }
}

/// Where the parts of a `reference` field are written.
#[derive(Debug, Clone, Default)]
pub(crate) struct RefSpans {
    field: Range<usize>,
    formula: Option<Range<usize>>,
    tolerance: Option<Range<usize>>,
}

impl RefSpans {
    /// The spans of the `reference` field at `entry` (`None`: not found, spans left empty).
    pub(crate) fn of(entry: Option<Entry<'_>>) -> RefSpans {
        let Some(entry) = entry else {
            return RefSpans::default();
        };
        let value = entry.value();
        RefSpans {
            field: entry.key().start.min(value.start)..value.end,
            // The long form's `formula`, or the shorthand string itself.
            formula: Some(entry.get(&["formula"]).map_or(value, |f| f.value())),
            tolerance: entry.get(&["tolerance"]).map(|t| t.value()),
        }
    }
}

/// A reference's definition, checked: a number, or a parsed formula (names not yet rewritten).
#[derive(Debug, Clone)]
pub(crate) enum RefBody {
    Value(f64),
    Formula(Expr),
}

/// Takes the reference out of a cell's notes (it becomes a cell of its own); notes left with
/// nothing in them are dropped, so that the cell stays plain.
pub(crate) fn take_reference(notes: &mut Option<Box<Notes>>) -> Option<RawReference> {
    let reference = notes.as_mut()?.reference.take();
    if notes.as_deref().is_some_and(|n| *n == Notes::default()) {
        *notes = None;
    }
    reference
}

impl Resolver {
    /// A reference on a value declared missing: refused, since there is no estimate to hold
    /// against it. The reference is dropped (the cell stays missing), so that one mistake is
    /// one diagnostic.
    pub(crate) fn refuse_reference_on_missing(
        &mut self,
        cell: &str,
        reference: &mut Option<RawReference>,
        missing: bool,
        file: FileId,
        spans: &RefSpans,
    ) {
        if !missing || reference.is_none() {
            return;
        }
        *reference = None;
        self.diagnostics.push(
            Diagnostic::error()
                .with_message(format!("`{cell}` is declared missing, so it has no estimate to compare with a reference"))
                .with_labels(vec![primary(file, spans.field.clone(), "a reference on a missing value")])
                .with_notes(vec![
                    "help: a reference sits beside an estimate: write the formula that estimates this value in place of `missing`, or put the published figure itself as the `value`".into(),
                ]),
        );
    }

    /// Checks a reference of `cell` and adds its hidden cell, its names rewritten as the
    /// cell's own formula's are (`qualify` in a pack, `row.X` in a table).
    pub(crate) fn reference(
        &mut self,
        cell: &str,
        raw: &RawReference,
        file: FileId,
        spans: &RefSpans,
        rewrite: impl FnMut(&mut formula::Ident),
    ) {
        if let Some(body) = self.reference_body(cell, raw, file, spans) {
            self.add_reference(cell, raw, body, file, spans, rewrite);
        }
    }

    /// Checks a reference: exactly one of `value` and `formula`, a finite value, a formula
    /// that parses, a tolerance that is a fraction ≥ 0. `None` with a diagnostic otherwise.
    /// `of` names the cell (or the table column) in messages.
    pub(crate) fn reference_body(
        &mut self,
        of: &str,
        raw: &RawReference,
        file: FileId,
        spans: &RefSpans,
    ) -> Option<RefBody> {
        let mut ok = true;
        if let Some(tolerance) = raw.tolerance {
            if !(tolerance.is_finite() && tolerance >= 0.0) {
                let span = spans.tolerance.clone().unwrap_or(spans.field.clone());
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!(
                            "the tolerance of the reference of `{of}` is {tolerance}, not a fraction of 0 or more"
                        ))
                        .with_labels(vec![primary(file, span, "this tolerance")])
                        .with_notes(vec![
                            "help: a tolerance is relative: `tolerance: 0.15` accepts an estimate within ±15% of the reference; leave it out to show the reference without checking it".into(),
                        ]),
                );
                ok = false;
            }
        }
        let body = match (raw.value, &raw.formula) {
            (Some(value), None) if value.is_finite() => Some(RefBody::Value(value)),
            (Some(_), None) => {
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("the reference of `{of}` is not a finite number"))
                        .with_labels(vec![primary(file, spans.field.clone(), "this reference")])
                        .with_notes(vec![
                            "help: a reference is a finite number, e.g. `value: 30.84e6`".into()
                        ]),
                );
                None
            }
            (None, Some(text)) => {
                let span = spans.formula.clone().unwrap_or(spans.field.clone());
                self.parse(text, file, span).map(RefBody::Formula)
            }
            (value, _) => {
                let what = if value.is_some() {
                    "both a `value` and a `formula`"
                } else {
                    "neither a `value` nor a `formula`"
                };
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("the reference of `{of}` has {what}"))
                        .with_labels(vec![primary(file, spans.field.clone(), "this reference")])
                        .with_notes(vec![
                            "help: give exactly one: `value: 30.84e6` for a published figure, `formula: \"row.reported_gpu_hours\"` to compute it".into(),
                        ]),
                );
                None
            }
        };
        body.filter(|_| ok)
    }

    /// Adds the hidden cell holding the reference of `cell`, and the reference itself.
    pub(crate) fn add_reference(
        &mut self,
        cell: &str,
        raw: &RawReference,
        body: RefBody,
        file: FileId,
        spans: &RefSpans,
        mut rewrite: impl FnMut(&mut formula::Ident),
    ) {
        let hidden = Reference::hidden_name(cell);
        let (pending, formula_span) = match body {
            RefBody::Value(v) => (Pending::Input(v), None),
            RefBody::Formula(mut expr) => {
                expr.rewrite_names(&mut rewrite);
                (Pending::Parsed(Box::new(expr)), spans.formula.clone())
            }
        };
        let site = Site::new(file, spans.field.clone(), formula_span);
        let origin = Origin::Reference(cell.to_string());
        self.add(&hidden, None, raw.formula.as_deref(), site, origin, pending);
        self.references.insert(
            cell.to_string(),
            Reference {
                cell: cell.to_string(),
                hidden,
                formula: raw.formula.clone(),
                source: raw.source.clone(),
                date: raw.date.clone(),
                note: raw.note.clone(),
                tolerance: raw.tolerance,
                file,
                span: spans.field.clone(),
            },
        );
    }
}

/// A reference that only reads another cell (`row.reported_gpu_hours`) and cites nothing
/// itself cites what that cell cites: its source and date.
pub(crate) fn inherit_sources(references: &mut IndexMap<String, Reference>, cells: &Cells, bodies: &[Pending]) {
    for reference in references.values_mut() {
        if reference.source.is_some() || reference.date.is_some() {
            continue;
        }
        let Some(Pending::Parsed(expr)) = cells.position(&reference.hidden).map(|at| &bodies[at]) else {
            continue;
        };
        let Expr::Name(ident) = &**expr else { continue };
        if let Some(read) = cells.get(&ident.target) {
            reference.source = read.source().map(str::to_string);
            reference.date = read.date().map(str::to_string);
        }
    }
}

/// A cell beside its reference, as evaluated now.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<'a> {
    pub reference: &'a Reference,
    pub estimate: Value,
    /// The reference's value.
    pub value: Value,
    /// `estimate / reference − 1`; `None` when either is an error or the reference is 0
    /// ([`Comparison::no_difference`] says why).
    pub difference: Option<f64>,
    pub verdict: Verdict,
}

/// How an estimate stands against its reference's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The difference is within the tolerance.
    Within,
    /// The difference exceeds the tolerance.
    Outside,
    /// The reference has no tolerance: shown, not checked.
    NotChecked,
    /// The two cannot be compared: a failure, whether or not there is a tolerance.
    Failed(Problem),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The estimate is an error value.
    Estimate(ErrorKind),
    /// The reference is an error value.
    Reference(ErrorKind),
    /// The reference is 0, the estimate is not, and a relative tolerance cannot be met.
    ZeroReference,
}

impl Verdict {
    /// A short word for scripts: `within`, `outside`, `not checked`, `failed`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Within => "within",
            Verdict::Outside => "outside",
            Verdict::NotChecked => "not checked",
            Verdict::Failed(_) => "failed",
        }
    }

    /// Whether `check --references` fails on it.
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Outside | Verdict::Failed(_))
    }
}

impl Comparison<'_> {
    /// Whether a side is missing (`#N/A`): then there is nothing to compare, and nothing to
    /// explain beyond the `n/a` shown.
    pub fn is_missing(&self) -> bool {
        [self.estimate, self.value]
            .iter()
            .any(|v| matches!(v, Value::Err(e) if e.kind == ErrorKind::NotAvailable))
    }

    /// Why there is no difference, when there is none.
    pub fn no_difference(&self) -> Option<String> {
        if self.difference.is_some() {
            return None;
        }
        Some(match (self.estimate, self.value) {
            (Value::Err(x), _) | (_, Value::Err(x)) if x.kind == ErrorKind::NotAvailable => {
                "one side is missing (n/a): nothing to compare".to_string()
            }
            (Value::Err(e), _) => format!("the estimate is an error value ({})", e.kind.code()),
            (_, Value::Err(e)) => format!("the reference is an error value ({})", e.kind.code()),
            _ => "the reference is 0, and a difference relative to 0 is undefined".to_string(),
        })
    }

    /// What is wrong, for a comparison that [`Verdict::fails`].
    pub fn problem(&self) -> Option<String> {
        match self.verdict {
            Verdict::Within | Verdict::NotChecked => None,
            Verdict::Outside => Some("outside its tolerance".into()),
            Verdict::Failed(Problem::Estimate(kind)) => Some(format!(
                "the estimate is {} ({}), so it cannot be compared with its reference",
                kind.code(),
                kind.describe()
            )),
            Verdict::Failed(Problem::Reference(kind)) => Some(format!(
                "the reference is {} ({}), so the estimate cannot be compared with it",
                kind.code(),
                kind.describe()
            )),
            Verdict::Failed(Problem::ZeroReference) => {
                Some("the reference is 0 and the estimate is not: a relative tolerance cannot be met".into())
            }
        }
    }
}

/// How many references of a workbook pass, fail, and go unchecked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub within: usize,
    /// Outside their tolerance, or not comparable.
    pub failed: usize,
    pub not_checked: usize,
}

impl Summary {
    pub fn of(comparisons: &[Comparison<'_>]) -> Summary {
        let mut summary = Summary::default();
        for c in comparisons {
            match c.verdict {
                Verdict::Within => summary.within += 1,
                Verdict::NotChecked => summary.not_checked += 1,
                Verdict::Outside | Verdict::Failed(_) => summary.failed += 1,
            }
        }
        summary
    }
}

/// Compares `estimate` with `value` under `tolerance`.
fn compare(estimate: Value, value: Value, tolerance: Option<f64>) -> (Option<f64>, Verdict) {
    let (e, r) = match (estimate, value) {
        // A figure declared missing (`#N/A`) on either side is nothing to compare: a row whose
        // team published no such figure, or an estimate that needs an unpublished input. Not a
        // failure, and said so; every other error value is one.
        (Value::Err(x), _) | (_, Value::Err(x)) if x.kind == ErrorKind::NotAvailable => {
            return (None, Verdict::NotChecked)
        }
        (Value::Err(e), _) => return (None, Verdict::Failed(Problem::Estimate(e.kind))),
        (_, Value::Err(e)) => return (None, Verdict::Failed(Problem::Reference(e.kind))),
        (Value::Num(e), Value::Num(r)) => (e, r),
    };
    if r == 0.0 {
        let verdict = match tolerance {
            None => Verdict::NotChecked,
            Some(_) if e == 0.0 => Verdict::Within,
            Some(_) => Verdict::Failed(Problem::ZeroReference),
        };
        return (None, verdict);
    }
    let difference = e / r - 1.0;
    let verdict = match tolerance {
        None => Verdict::NotChecked,
        Some(t) if difference.abs() <= t + SLACK => Verdict::Within,
        Some(_) => Verdict::Outside,
    };
    (Some(difference), verdict)
}

impl Workspace {
    /// The cell `name` beside its reference; `None` if it has none.
    pub fn reference_comparison(&self, name: &str) -> Option<Comparison<'_>> {
        let reference = self.workbook.reference(name)?;
        let value_of = |n: &str| self.value(n).unwrap_or(Value::Num(f64::NAN));
        let estimate = value_of(&reference.cell);
        let value = value_of(&reference.hidden);
        let (difference, verdict) = compare(estimate, value, reference.tolerance);
        Some(Comparison {
            reference,
            estimate,
            value,
            difference,
            verdict,
        })
    }

    /// Every reference of the workbook beside its estimate, in the order written.
    pub fn reference_comparisons(&self) -> Vec<Comparison<'_>> {
        self.workbook
            .references
            .keys()
            .filter_map(|name| self.reference_comparison(name))
            .collect()
    }

    /// The value of the reference of `name`, for goal seeking an estimate to its reference.
    pub fn reference_value(&self, name: &str) -> Option<Value> {
        self.reference_comparison(name).map(|c| c.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_and_verdicts() {
        let n = Value::Num;
        let (d, v) = compare(n(0.863), n(1.0), Some(0.15));
        assert!((d.unwrap() + 0.137).abs() < 1e-12);
        assert_eq!(v, Verdict::Within);
        assert_eq!(compare(n(1.2), n(1.0), Some(0.15)).1, Verdict::Outside);
        assert_eq!(compare(n(1.2), n(1.0), None).1, Verdict::NotChecked);
        // Exactly on the tolerance, up to rounding, is within it.
        assert_eq!(compare(n(1.15), n(1.0), Some(0.15)).1, Verdict::Within);
        assert_eq!(compare(n(3.0), n(0.0), None), (None, Verdict::NotChecked));
        assert_eq!(compare(n(0.0), n(0.0), Some(0.1)), (None, Verdict::Within));
        assert_eq!(
            compare(n(3.0), n(0.0), Some(0.1)),
            (None, Verdict::Failed(Problem::ZeroReference))
        );
        let err = Value::Err(flopsheet_engine::CellError {
            kind: ErrorKind::DivZero,
            origin: 0,
        });
        assert_eq!(
            compare(err, n(1.0), None),
            (None, Verdict::Failed(Problem::Estimate(ErrorKind::DivZero)))
        );
        assert_eq!(
            compare(n(1.0), err, Some(0.1)),
            (None, Verdict::Failed(Problem::Reference(ErrorKind::DivZero)))
        );
    }
}
