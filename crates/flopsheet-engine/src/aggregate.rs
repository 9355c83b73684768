//! Aggregates over the columns of row tables: `sum(training.cost_usd)`, `mean`, `min`, `max`,
//! `count` and `sumproduct(t.a, t.b)`.
//!
//! A column is a list of cells, which the loader (it knows the tables) gives the model as a
//! [`ColumnDef`]. The model keeps each list once, by column name ([`Columns`]); a program that
//! aggregates a column holds one op with the list's index, however many rows it has, and every
//! cell of the list as a precedent: the graph orders, invalidates and finds cycles through an
//! aggregate as through any other reference. A recompute rescans the whole list, so the result
//! is exactly what a full recompute gives (no running total to drift), in O(rows).
//!
//! Which errors an aggregate passes on: `sum` and `sumproduct` propagate every error value,
//! `#N/A` included (a total with a row missing is not known); `mean`, `min`, `max` and
//! `count` skip `#N/A` and propagate the others. `mean` of no values is `#DIV/0`; `min` and
//! `max` of no values are `#N/A` (there is no value to give).

use crate::formula::Expr;
use crate::hash::FxHashMap;
use crate::names::Names;
use crate::value::{CellError, ErrorKind, Slot};
use crate::CellId;

/// A column of a row table, for aggregates: `training.cost_usd`, the cells
/// `training.gpt3.cost_usd`, `training.palm.cost_usd`, ... in row order.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub cells: Vec<String>,
    /// Which rows the column has (a fingerprint of the row names, in order): `sumproduct`
    /// takes two columns only when they have the same rows.
    pub rows: u64,
}

/// The functions that take a column.
pub const AGGREGATES: &[&str] = &["sum", "mean", "min", "max", "count", "sumproduct"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agg {
    Sum,
    Mean,
    Min,
    Max,
    Count,
}

/// A column as the model holds it: the index of its list of cells, and its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    pub list: u32,
    pub rows: u64,
}

/// Every column of the model, each list of cells stored once.
#[derive(Default)]
pub(crate) struct Columns {
    by_name: FxHashMap<String, Column>,
    /// By [`Column::list`]. A column keeps its index for as long as it exists; a removed
    /// column's list is emptied, its index not reused.
    lists: Vec<Box<[CellId]>>,
    /// The cells whose formulas give a name to an aggregate function: compiled again when
    /// the column of that name appears, changes or goes.
    readers: FxHashMap<String, Vec<CellId>>,
}

impl Columns {
    pub fn get(&self, name: &str) -> Option<Column> {
        self.by_name.get(name).copied()
    }

    pub fn lists(&self) -> &[Box<[CellId]>] {
        &self.lists
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The column whose list holds `cell`, for "did you mean" (scans every list: for errors).
    pub fn column_of(&self, cell: CellId) -> Option<&str> {
        let mut found: Vec<&str> = self
            .by_name
            .iter()
            .filter(|(_, col)| self.lists[col.list as usize].contains(&cell))
            .map(|(name, _)| name.as_str())
            .collect();
        found.sort_unstable();
        found.first().copied()
    }

    /// Brings the columns to `defs`, their cells found by name in `names` (a name that is no
    /// cell is left out); returns the cells to compile again: those reading a column that
    /// appeared, changed or went.
    pub fn update(&mut self, defs: &[ColumnDef], names: &Names) -> Vec<CellId> {
        let mut touched = Vec::new();
        let mut seen: crate::hash::FxHashSet<&str> = Default::default();
        for def in defs {
            if !seen.insert(def.name.as_str()) {
                continue;
            }
            let cells: Box<[CellId]> = def.cells.iter().filter_map(|c| names.get(c)).collect();
            match self.by_name.get_mut(&def.name) {
                Some(col) => {
                    if col.rows == def.rows && self.lists[col.list as usize] == cells {
                        continue;
                    }
                    col.rows = def.rows;
                    self.lists[col.list as usize] = cells;
                }
                None => {
                    let list = self.lists.len() as u32;
                    self.lists.push(cells);
                    self.by_name.insert(def.name.clone(), Column { list, rows: def.rows });
                }
            }
            touched.extend(self.readers.remove(&def.name).unwrap_or_default());
        }
        let gone: Vec<String> = self
            .by_name
            .keys()
            .filter(|name| !seen.contains(name.as_str()))
            .cloned()
            .collect();
        for name in gone {
            if let Some(col) = self.by_name.remove(&name) {
                self.lists[col.list as usize] = Box::new([]);
            }
            touched.extend(self.readers.remove(&name).unwrap_or_default());
        }
        touched
    }

    /// Records that `cell`'s formula `expr` gives these names to aggregate functions.
    pub fn note_readers(&mut self, cell: CellId, expr: &Expr) {
        aggregated_names(expr, &mut |name| {
            let readers = self.readers.entry(name.to_string()).or_default();
            if readers.last() != Some(&cell) {
                readers.push(cell);
            }
        });
    }
}

/// Calls `f` on the target of every name given as an argument to an aggregate function
/// (whether it is a column or not).
pub fn aggregated_names<'e>(expr: &'e Expr, f: &mut impl FnMut(&'e str)) {
    match expr {
        Expr::Num(_) | Expr::Bool(_) | Expr::Name(_) => {}
        Expr::Unary(_, a) => aggregated_names(a, f),
        Expr::Binary(_, a, b) => {
            aggregated_names(a, f);
            aggregated_names(b, f);
        }
        Expr::Call(call) => {
            let aggregate = AGGREGATES.contains(&call.name.as_str());
            for a in &call.args {
                match a {
                    Expr::Name(ident) if aggregate => f(&ident.target),
                    _ => aggregated_names(a, f),
                }
            }
        }
    }
}

/// One aggregate over the cells of `list`, for the cell `me`.
pub(crate) fn aggregate(agg: Agg, list: &[CellId], values: &[Slot], me: CellId) -> Result<f64, CellError> {
    let mut count = 0usize;
    let mut acc = match agg {
        Agg::Min => f64::INFINITY,
        Agg::Max => f64::NEG_INFINITY,
        _ => 0.0,
    };
    for &c in list {
        let x = match values[c as usize].load() {
            Ok(x) => x,
            // Skipped by all but `sum`: a missing row is left out of a mean or a count.
            Err(e) if e.kind == ErrorKind::NotAvailable && agg != Agg::Sum => continue,
            Err(e) => return Err(e),
        };
        count += 1;
        acc = match agg {
            Agg::Sum | Agg::Mean => acc + x,
            Agg::Min => acc.min(x),
            Agg::Max => acc.max(x),
            Agg::Count => acc,
        };
    }
    let none = |kind| Err(CellError { kind, origin: me });
    match agg {
        Agg::Sum => Ok(acc),
        Agg::Count => Ok(count as f64),
        Agg::Mean if count == 0 => none(ErrorKind::DivZero),
        Agg::Mean => Ok(acc / count as f64),
        Agg::Min | Agg::Max if count == 0 => none(ErrorKind::NotAvailable),
        Agg::Min | Agg::Max => Ok(acc),
    }
}

/// `sumproduct(a, b)`: the sum of `a[i] * b[i]`, row by row; every error propagates.
pub(crate) fn sumproduct(a: &[CellId], b: &[CellId], values: &[Slot]) -> Result<f64, CellError> {
    let mut acc = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        acc += values[x as usize].load()? * values[y as usize].load()?;
    }
    Ok(acc)
}
