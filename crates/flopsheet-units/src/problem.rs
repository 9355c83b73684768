//! Unit problems as data: what is wrong, the words of the formula to point at, how to fix it.
//!
//! The loader turns a [`Problem`] into a diagnostic with spans (it knows where the formula
//! is written); this crate only says which words (`usd_per_hour`, a call `f`) each label
//! belongs to. The texts follow numbat's: both units, then the factor or dimension that
//! separates them, then what to write.

use crate::unit::{number, Unit};

/// Which check found the problem: one snapshot of the invalid corpus per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `+ - min max`, a comparison or the branches of `if` over different units.
    Mismatch,
    /// The formula computes another unit than the one declared.
    Declared,
    /// A unit string that does not parse, or a near miss of a known unit.
    UnknownUnit,
    /// A display unit of another dimension than the value's.
    Display,
    /// A table column whose rows compute different units.
    ColumnRows,
}

/// One label: the word of the formula it underlines (`None`: the whole formula), and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub word: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: Kind,
    pub message: String,
    pub labels: Vec<Label>,
    /// `help: ...` and `note: ...` lines.
    pub notes: Vec<String>,
}

/// How two units of one dimension differ: the factor, the unit it is a conversion into
/// (`3600` and `s/h`: 3600 s/h is 1), and whether a value in the first is multiplied or
/// divided by it to be in the second.
pub struct Conversion {
    pub factor: f64,
    pub unit: Option<String>,
    pub multiply: bool,
}

impl Conversion {
    /// How `from` converts to `to`; `None` if their dimensions differ.
    pub fn between(from: &Unit, to: &Unit) -> Option<Conversion> {
        let k = from.factor_to(to)?;
        let ratio = from.div(to);
        let shown = if k < 1.0 { ratio } else { ratio.powi(-1) };
        let unit = (!shown.factors().is_empty()).then(|| shown.to_string());
        Some(Conversion {
            factor: if k < 1.0 { 1.0 / k } else { k },
            unit,
            multiply: k >= 1.0,
        })
    }

    /// `3600 (s/h)`.
    pub fn describe(&self) -> String {
        match &self.unit {
            Some(unit) => format!("{} ({unit})", number(self.factor)),
            None => number(self.factor),
        }
    }

    fn verb(&self) -> &'static str {
        if self.multiply {
            "multiply"
        } else {
            "divide"
        }
    }
}

/// Describes what an operator does, for messages: `+`, `min`, the branches of `if`.
fn what(op: &str) -> String {
    match op {
        "if" => "the branches of `if`".to_string(),
        "min" | "max" => format!("the arguments of `{op}`"),
        _ => format!("`{op}`"),
    }
}

fn operand(word: &Option<String>, side: &str) -> String {
    match word {
        Some(w) => format!("the {side} operand (`{w}`)"),
        None => format!("the {side} operand"),
    }
}

impl Problem {
    /// `left op right` over units that are not the same.
    pub fn mismatch(
        op: &str,
        left: (&Option<String>, &Unit),
        right: (&Option<String>, &Unit),
        literals: bool,
    ) -> Problem {
        let (lw, lu) = left;
        let (rw, ru) = right;
        let labels = vec![
            Label {
                word: lw.clone(),
                text: lu.to_string(),
            },
            Label {
                word: rw.clone(),
                text: ru.to_string(),
            },
        ];
        let (message, mut notes) = match Conversion::between(ru, lu) {
            Some(c) => (
                format!("incompatible units in {}: {lu} and {ru} differ by a factor of {}", what(op), number(c.factor)),
                vec![format!(
                    "help: the factor {} is missing: {} {} by {} to have it in {lu}",
                    c.describe(),
                    c.verb(),
                    operand(rw, "right"),
                    number(c.factor)
                )],
            ),
            None => (
                format!("incompatible units in {}: {lu} and {ru}", what(op)),
                vec![format!(
                    "help: {} {} only values of one dimension; {} is not {}: check the formula, or the units of its inputs",
                    what(op),
                    if matches!(op, "<" | ">" | "<=" | ">=" | "==" | "!=") { "compares" } else { "takes" },
                    lu.dims(),
                    ru.dims()
                )],
            ),
        };
        if literals {
            notes.push(LITERALS.to_string());
        }
        Problem {
            kind: Kind::Mismatch,
            message,
            labels,
            notes,
        }
    }

    /// A formula of `cell` that computes `found` where `expected` is declared.
    pub fn declared(cell: &str, expected: &Unit, expected_text: &str, found: &Unit, literals: bool) -> Problem {
        let (label, mut notes) = match Conversion::between(found, expected) {
            Some(c) => (
                format!("expected {expected_text}, found {found}: the factor {} is missing", c.describe()),
                vec![format!(
                    "help: {} the formula by {} to have {expected_text}, or declare the unit it computes",
                    c.verb(),
                    number(c.factor)
                )],
            ),
            None => (
                format!("expected {expected_text}, found {found}"),
                vec![format!(
                    "help: declare `unit: \"{found}\"` if that is what `{cell}` is, or fix the formula (or the units of its inputs)"
                )],
            ),
        };
        if literals {
            notes.push(LITERALS.to_string());
        }
        Problem {
            kind: Kind::Declared,
            message: format!("the formula of `{cell}` computes {found}, not its declared unit {expected_text}"),
            labels: vec![Label {
                word: None,
                text: label,
            }],
            notes,
        }
    }
}

/// Said when numbers in the formula were part of the check.
pub const LITERALS: &str = "note: a number in a formula is taken either as a plain number (`/ 8`) or as exactly the conversion factor the units need (`* 3600` for s/h); the numbers here make neither";
