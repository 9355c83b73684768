//! Uncertainty declared in the files, for `simulate`: an input's distribution beside its point
//! value (`range: (0.35, 0.55)`, a 90% interval, or `dist: "normal(0.45, 0.05)"`, and an
//! optional `clip: (lo, hi)`), and the workbook's `correlations: [("a", "b", -0.5)]`.
//!
//! The point value stays what every other command computes with; the distribution is only
//! drawn by `simulate` (and `compare --simulate`). Everything that can be checked at load is
//! checked here, with a span at the field: the parameters (through [`Dist`]'s own checks), a
//! distribution on a formula, `range` and `dist` both given, and each correlation's names,
//! coefficient and the matrix they make together. A correlation through a slot
//! (`hardware.usd_per_hour`) names whatever pack the slot holds in a run, so whether it has a
//! distribution is checked when simulating.

use crate::raw::{Notes, RawUncertainty};
use crate::resolve::{slot_target, with_suggestions, Resolver};
use crate::source::{primary, Diagnostic, FileId};
use crate::spans::SpanIndex;
use flopsheet_engine::suggest::closest;
use flopsheet_uncertainty::dist::check_clip;
use flopsheet_uncertainty::{Dist, DistError, Uncertain};
use indexmap::IndexMap;
use std::ops::Range;

/// Takes the distribution out of a cell's notes (it is kept in [`crate::Workbook::uncertain`],
/// not with the cell); notes left with nothing in them are dropped, so that the cell stays plain.
pub(crate) fn take_uncertainty(notes: &mut Option<Box<Notes>>) -> Option<Box<RawUncertainty>> {
    let uncertainty = notes.as_mut()?.uncertainty.take();
    if notes.as_deref().is_some_and(|n| *n == Notes::default()) {
        *notes = None;
    }
    uncertainty
}

/// The forms a `dist:` may take, for every error about one.
const FORMS: &str = "normal(mean, sd), lognormal(mu, sigma), lognormal(lo to hi), uniform(lo, hi), triangular(lo, mode, hi), pert(lo, mode, hi), beta(a, b), discrete(v1, v2, ...), discrete(v1: w1, v2: w2, ...), or \"lo to hi\" (a 90% interval)";

/// How to fix a distribution refused for `error`.
fn help(error: &DistError, field: &str) -> String {
    match error {
        DistError::Order { .. } if field == "clip" => {
            "help: write the bounds low first, `clip: (0, 1)`: samples below 0 become 0, above 1 become 1".into()
        }
        DistError::Order { .. } if field == "range" => {
            "help: write the 90% interval low end first, `range: (0.35, 0.55)`: the 5th and 95th percentiles".into()
        }
        DistError::Order { .. } => "help: the low end goes first, and below the high end: `uniform(0.35, 0.55)`".into(),
        DistError::NotPositive { .. } => {
            "help: a lognormal takes positive values only: for a range reaching zero or below, write `normal(mean, sd)` or `range: (lo, hi)` (a normal when lo ≤ 0)".into()
        }
        DistError::NotPositiveParameter { .. } => {
            "help: a spread is above zero: `normal(0.45, 0.05)`; a fixed value needs no distribution".into()
        }
        DistError::Mode { .. } => "help: the mode lies between the ends: `triangular(lo, mode, hi)` with lo ≤ mode ≤ hi".into(),
        DistError::Weights => "help: weights are zero or more, one above zero: `discrete(1: 0.25, 2: 0.75)`".into(),
        DistError::Arity { .. } | DistError::NotANumber(_) | DistError::Unknown(_) | DistError::Syntax(_) => {
            format!("help: a `dist` is one of {FORMS}")
        }
    }
}

impl Resolver {
    /// Checks the distribution written on the cell `name` and, if it is sound, records it.
    /// `formula`: the cell is a formula (refused: only an input may carry one). `field` gives
    /// the span of a field of the cell (`range`, `dist`, `clip`); `key` that of its name.
    pub(crate) fn uncertainty(
        &mut self,
        names: &[String],
        raw: &RawUncertainty,
        formula: bool,
        file: FileId,
        key: Range<usize>,
        field: &dyn Fn(&str) -> Option<Range<usize>>,
    ) {
        let Some(uncertain) = self.check_uncertainty(names.first().map_or("", |n| n), raw, formula, file, key, field)
        else {
            return;
        };
        for name in names {
            self.uncertain.push((name.clone(), uncertain.clone()));
        }
    }

    fn check_uncertainty(
        &mut self,
        name: &str,
        raw: &RawUncertainty,
        formula: bool,
        file: FileId,
        key: Range<usize>,
        field: &dyn Fn(&str) -> Option<Range<usize>>,
    ) -> Option<Uncertain> {
        let span = |f: &str| field(f).unwrap_or_else(|| key.clone());
        let written = if raw.range.is_some() {
            "range"
        } else if raw.dist.is_some() {
            "dist"
        } else {
            "clip"
        };
        if formula {
            self.diagnostics.push(
                Diagnostic::error()
                    .with_message(format!("`{name}` is a formula, so it cannot carry a distribution"))
                    .with_labels(vec![primary(file, span(written), "only an input may carry one")])
                    .with_notes(vec![
                        "help: put the distribution on the input the formula reads, or make this cell an input: `(value: 0.45, range: (0.35, 0.55))` (the value is what `show` and `get` use); for one run, `simulate --range NAME=LO..HI` also varies a formula cell".into(),
                    ]),
            );
            return None;
        }
        let dist = match (&raw.range, &raw.dist) {
            (Some(_), Some(_)) => {
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("`{name}` has both a `range` and a `dist`"))
                        .with_labels(vec![primary(file, span("dist"), "a second distribution")])
                        .with_notes(vec![
                            "help: keep one: `range: (lo, hi)` is a 90% interval, the same as `dist: \"lo to hi\"`"
                                .into(),
                        ]),
                );
                return None;
            }
            (None, None) => {
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("`{name}` has a `clip` but no distribution to clip"))
                        .with_labels(vec![primary(file, span("clip"), "clips nothing")])
                        .with_notes(vec![
                            "help: add `range: (lo, hi)` or `dist: \"normal(mean, sd)\"` beside the clip, or remove it"
                                .into(),
                        ]),
                );
                return None;
            }
            (Some((lo, hi)), None) => Dist::from_range(*lo, *hi).map_err(|e| (e, "range")),
            (None, Some(text)) => Dist::parse(text).map_err(|e| (e, "dist")),
        };
        let clip = raw
            .clip
            .map(|(lo, hi)| check_clip(lo, hi).map(|()| (lo, hi)).map_err(|e| (e, "clip")))
            .transpose();
        match (dist, clip) {
            (Ok(dist), Ok(clip)) => Some(Uncertain { dist, clip }),
            (Err((error, f)), _) | (_, Err((error, f))) => {
                // An unknown name's error lists every form, which the help says again.
                let short = match &error {
                    DistError::Unknown(unknown) => format!("`{unknown}` is not a distribution"),
                    other => other.to_string(),
                };
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("the {} of `{name}` cannot be used: {short}", describe(f)))
                        .with_labels(vec![primary(file, span(f), short)])
                        .with_notes(vec![help(&error, f)]),
                );
                None
            }
        }
    }

    /// Checks the workbook's `correlations` against the uncertain inputs found, and records
    /// them as written (a `SLOT.NAME` is resolved when simulating, where a scenario may have put
    /// another pack in the slot).
    pub(crate) fn correlations(
        &mut self,
        correlations: &[(String, String, f64)],
        slots: &IndexMap<String, String>,
        file: FileId,
        spans: &SpanIndex,
    ) -> Vec<(String, String, f64)> {
        let index: IndexMap<&str, usize> = self
            .uncertain
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i))
            .collect();
        let mut pairs = Vec::new();
        let mut sound = true;
        for (i, (a, b, r)) in correlations.iter().enumerate() {
            let at = |part: usize| {
                spans
                    .value(&["correlations", &i.to_string(), &part.to_string()])
                    .or_else(|| spans.value(&["correlations", &i.to_string()]))
                    .unwrap_or(0..0)
            };
            let mut ends = Vec::new();
            for (part, name) in [(0, a), (1, b)] {
                let through_slot = slot_target(name, slots);
                let cell = through_slot.as_deref().unwrap_or(name);
                if self.cells.get(cell).is_none() {
                    let suggestions = closest(cell, self.uncertain.iter().map(|(n, _)| n.as_str()));
                    self.diagnostics.push(with_suggestions(
                        Diagnostic::error()
                            .with_message(format!("the correlation names `{name}`, which is not a cell"))
                            .with_labels(vec![primary(file, at(part), "unknown cell")])
                            .with_notes(vec![
                                "help: a correlation names two inputs that carry a `range` or a `dist`: a cell, `PACK.NAME` or `SLOT.NAME`".into(),
                            ]),
                        &suggestions,
                    ));
                    sound = false;
                } else if let Some(&at) = index.get(cell) {
                    ends.push(at);
                } else if through_slot.is_none() {
                    self.diagnostics.push(
                        Diagnostic::error()
                            .with_message(format!("the correlation names `{name}`, which has no distribution"))
                            .with_labels(vec![primary(file, at(part), "not uncertain")])
                            .with_notes(vec![format!(
                                "help: give `{name}` a `range: (lo, hi)` or a `dist:` where it is defined, or remove this correlation"
                            )]),
                    );
                    sound = false;
                }
            }
            let problem = if !(-1.0..=1.0).contains(r) {
                Some((format!("a correlation must be between -1 and 1, not {r}"), at(2)))
            } else if slot_target(a, slots).as_deref().unwrap_or(a) == slot_target(b, slots).as_deref().unwrap_or(b) {
                Some((format!("`{a}` is correlated with itself"), at(0)))
            } else {
                None
            };
            if let Some((message, span)) = problem {
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("the correlation of `{a}` and `{b}` cannot be used: {message}"))
                        .with_labels(vec![primary(file, span, message)])
                        .with_notes(vec![
                            "help: write `(\"a\", \"b\", r)` with two different inputs and a rank correlation r from -1 to 1".into(),
                        ]),
                );
                sound = false;
            } else if let [i, j] = ends[..] {
                pairs.push((i, j, *r));
            }
        }
        if sound && pairs.len() > 1 {
            if let Err(e) = flopsheet_uncertainty::correlate::matrix(self.uncertain.len(), &pairs) {
                self.diagnostics.push(
                    Diagnostic::error()
                        .with_message(format!("the correlations cannot be used together: {e}"))
                        .with_labels(vec![primary(
                            file,
                            spans.value(&["correlations"]).unwrap_or(0..0),
                            "these correlations",
                        )])
                        .with_notes(vec![
                            "help: three inputs cannot all be strongly correlated in contradicting directions (a with b and b with c at 0.9, a with c at -0.9): weaken or remove one".into(),
                        ]),
                );
            }
        }
        correlations.to_vec()
    }
}

fn describe(field: &str) -> &'static str {
    match field {
        "range" => "range (a 90% interval)",
        "clip" => "clip",
        _ => "distribution",
    }
}
