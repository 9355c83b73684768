//! The flopsheet engine: named cells, formulas compiled once, a dependency graph, and
//! incremental evaluation. No I/O: this is the crate a GUI or a server would embed.
//!
//! The pipeline inside the engine:
//!
//! 1. [`formula::parse`] turns formula text into an [`Expr`] (evalexpr parses; we validate).
//! 2. [`Model::update`] takes a [`ModelSpec`] — every cell and function of a workbook and its
//!    packs — diffs it against the current model, compiles new or changed formulas into
//!    index-addressed programs, and updates the graph and its cached topological order only
//!    if the structure changed.
//! 3. Evaluation recomputes only the cells downstream of what changed, in topological order,
//!    and stops where a recomputed value equals the old one (early cutoff). Every change
//!    returns a [`Recomputed`] report saying exactly which cells were recomputed.
//!
//! Glossary: a *cell* is a named number; an *input* is a cell with a value, a *formula* cell
//! computes one; *precedents* are the cells a formula reads, *dependents* the cells that read
//! it; a *structural* change alters the graph's edges; *early cutoff* stops propagation at a
//! cell whose recomputed value did not change.

mod aggregate;
mod arena;
mod batch;
mod compile;
mod display;
pub mod formula;
mod graph;
mod hash;
mod model;
mod names;
mod pool;
mod sample;
pub mod solve;
pub mod suggest;
mod value;

pub use aggregate::{aggregated_names, ColumnDef, AGGREGATES};
pub use compile::{BUILTINS, MAX_NESTING, MAX_PROGRAM};
pub use formula::{Call, Expr, FormulaError, Ident};
pub use model::{Model, Recomputed, UpdateReport};
pub use names::NameList;
pub use sample::{SamplePlan, Sampled};
pub use value::{CellError, ErrorKind, Value};

use std::sync::Arc;
use thiserror::Error;

/// A cell's index in the model's dense storage. Stable for the cell's lifetime.
pub type CellId = u32;

/// Everything the engine is given: cells and pack functions, already parsed, and the columns
/// of row tables that aggregates (`sum(training.cost_usd)`) read.
#[derive(Debug, Clone, Default)]
pub struct ModelSpec {
    pub cells: Vec<CellDef>,
    pub functions: Vec<FunctionDef>,
    pub columns: Vec<ColumnDef>,
}

/// A workbook's cells, read one at a time by [`Model::build_from`] and [`Model::update_from`]:
/// what a loader hands the engine instead of a [`ModelSpec`], so that a large workbook's
/// definitions are not held a second time beside what the loader keeps, and its formulas are
/// parsed only a chunk at a time, as the model needs them.
pub trait CellSource {
    /// The number of cells.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of the cell at `at` (in `0..len()`).
    fn name(&self, at: usize) -> &str;

    /// The value of the cell at `at`, if it is an input; `None` for a formula (and for a
    /// missing value, see [`CellSource::missing`]).
    fn input(&self, at: usize) -> Option<f64>;

    /// Whether the cell at `at` is an input declared missing: it holds `#N/A` until it is
    /// given a value. Asked before [`CellSource::input`].
    fn missing(&self, _at: usize) -> bool {
        false
    }

    /// The expressions of the formula cells at `positions`, in that order. An update asks for
    /// every formula once (to tell which changed), then again for those it compiles.
    fn formulas(&mut self, positions: &[usize]) -> Vec<Expr>;

    /// Called once the model has read every cell and compiled every formula, before it
    /// orders and evaluates them: what the source kept for the build can be freed then.
    fn built(&mut self) {}

    /// The columns of row tables, for aggregates; asked once per build or update, after the
    /// cells' names.
    fn columns(&self) -> Vec<ColumnDef> {
        Vec::new()
    }
}

/// A spec is a source whose formulas are parsed already: each is cloned when asked for.
impl CellSource for ModelSpec {
    fn len(&self) -> usize {
        self.cells.len()
    }

    fn name(&self, at: usize) -> &str {
        &self.cells[at].name
    }

    fn input(&self, at: usize) -> Option<f64> {
        match self.cells[at].body {
            Body::Input(v) => Some(v),
            Body::Missing | Body::Formula(_) => None,
        }
    }

    fn missing(&self, at: usize) -> bool {
        matches!(self.cells[at].body, Body::Missing)
    }

    fn formulas(&mut self, positions: &[usize]) -> Vec<Expr> {
        let expr = |at: usize| match &self.cells[at].body {
            Body::Formula(expr) => expr.clone(),
            Body::Input(v) => Expr::Num(*v),
            Body::Missing => Expr::Num(f64::NAN),
        };
        positions.iter().map(|&at| expr(at)).collect()
    }

    fn columns(&self) -> Vec<ColumnDef> {
        self.columns.clone()
    }
}

#[derive(Debug, Clone)]
pub struct CellDef {
    pub name: Arc<str>,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Input(f64),
    /// An input whose value is not known (`missing: "not published"`): it holds `#N/A`, which
    /// flows into its dependents, until it is set.
    Missing,
    Formula(Expr),
}

/// A named, parameterised formula (`chinchilla_loss(n, d)`), inlined where it is called.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub name: String,
    pub params: Vec<String>,
    pub body: Expr,
}

/// Why a cell could not be built into the graph. The cell holds an error value meanwhile.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BuildError {
    #[error("unknown name `{}`{}", name.written, reads(name))]
    UnknownName { name: Ident, suggestions: Vec<String> },
    #[error("unknown function `{name}`")]
    UnknownFunction { name: String, suggestions: Vec<String> },
    #[error("`{function}` takes {expected} {}, but {found} {} given", plural(expected, "argument", "arguments"), if *found == 1 { "was" } else { "were" })]
    ArgCount {
        function: String,
        expected: String,
        found: usize,
        /// How to call it: `pow(x, y)`.
        usage: String,
    },
    #[error("{context} must be {expected}, but it is {found}")]
    Type {
        context: String,
        expected: &'static str,
        found: &'static str,
    },
    /// An aggregate given something other than a table column: an expression, a cell, or a
    /// name that is no column.
    #[error("{}", not_a_column(function, arg.as_ref(), *cell))]
    NotAColumn {
        function: String,
        /// The argument, when it is a name.
        arg: Option<Ident>,
        /// Whether that name is a cell.
        cell: bool,
        suggestions: Vec<String>,
    },
    /// `sumproduct` of two columns whose rows differ.
    #[error("`{function}` takes two columns with the same rows, but `{a}` and `{b}` have different rows")]
    ColumnRows { function: String, a: String, b: String },
    #[error("the function `{}` calls itself: {}", chain[0], chain.join(" → "))]
    RecursiveFunction { chain: Vec<String> },
    #[error("a dependency cycle")]
    Cycle { cells: Arc<[CellId]> },
    /// Pack functions expanded into a formula too large to evaluate (they are inlined where
    /// called, so functions that each call another twice double at every level), or nested
    /// too deep to compile.
    #[error(
        "the formula is too large once its pack functions are expanded (over {} steps, or {} levels deep)",
        compile::MAX_PROGRAM,
        compile::MAX_NESTING
    )]
    TooLarge,
    #[error(
        "pack functions call each other more than {limit} levels deep: {}",
        short_chain(chain)
    )]
    TooDeep { chain: Vec<String>, limit: usize },
}

fn not_a_column(function: &str, arg: Option<&Ident>, cell: bool) -> String {
    let takes = format!("`{function}` takes a table column (`TABLE.COLUMN`)");
    match arg {
        None => format!("{takes}, not an expression"),
        Some(name) if cell => format!("{takes}, but `{}` is a cell{}", name.written, reads(name)),
        Some(name) => format!("no table has a column `{}`{}: {takes}", name.written, reads(name)),
    }
}

/// `f0 → f1 → f2 → … → f32` for a long chain of functions.
fn short_chain(chain: &[String]) -> String {
    if chain.len() <= 6 {
        return chain.join(" → ");
    }
    format!("{} → … → {}", chain[..3].join(" → "), chain[chain.len() - 1])
}

fn plural(count: &str, one: &'static str, many: &'static str) -> &'static str {
    if count == "1" || count.ends_with(" 1") {
        one
    } else {
        many
    }
}

fn reads(name: &Ident) -> String {
    if name.written == name.target {
        String::new()
    } else {
        format!(" (reads `{}`)", name.target)
    }
}

impl BuildError {
    /// The error value a cell with this error holds.
    pub fn kind(&self) -> ErrorKind {
        match self {
            BuildError::UnknownName { .. } | BuildError::UnknownFunction { .. } => ErrorKind::Name,
            BuildError::NotAColumn {
                arg: Some(_),
                cell: false,
                ..
            } => ErrorKind::Name,
            BuildError::NotAColumn { .. } | BuildError::ColumnRows { .. } => ErrorKind::Value,
            BuildError::ArgCount { .. }
            | BuildError::Type { .. }
            | BuildError::TooLarge
            | BuildError::TooDeep { .. } => ErrorKind::Value,
            BuildError::RecursiveFunction { .. } | BuildError::Cycle { .. } => ErrorKind::Cycle,
        }
    }

    /// Names to suggest, for "did you mean".
    pub fn suggestions(&self) -> &[String] {
        match self {
            BuildError::UnknownName { suggestions, .. }
            | BuildError::UnknownFunction { suggestions, .. }
            | BuildError::NotAColumn { suggestions, .. } => suggestions,
            _ => &[],
        }
    }
}

/// Misuse of the engine's API.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    #[error("`{0}` is a formula, not an input")]
    NotAnInput(String),
    #[error("no cell is named `{0}`")]
    NoSuchCell(String),
}
