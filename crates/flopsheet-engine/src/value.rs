//! Cell values: a number, or an error that says what went wrong and where it started.
//!
//! As in a spreadsheet, a failing cell does not stop the workbook: it holds an error value
//! (`#DIV/0`, `#CYCLE`, ...) that flows into the cells that read it, and everything else
//! still evaluates.

use crate::CellId;
use std::fmt;

/// What a cell holds after evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Num(f64),
    Err(CellError),
}

impl Value {
    pub fn as_num(self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(n),
            Value::Err(_) => None,
        }
    }

    /// Equality for early cutoff: a recomputed value equal to the old one stops the wave.
    pub(crate) fn same_as(self, other: Value) -> bool {
        match (self, other) {
            (Value::Num(a), Value::Num(b)) => a.to_bits() == b.to_bits(),
            (Value::Err(a), Value::Err(b)) => a == b,
            _ => false,
        }
    }
}

/// An error value and the cell it started in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellError {
    pub kind: ErrorKind,
    /// The cell where the error arose; dependents carry it unchanged.
    pub origin: CellId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Division (or `%`) by zero.
    DivZero,
    /// A result that is not a finite number: overflow, NaN, the log of a negative number.
    Num,
    /// The formula reads a name or calls a function that does not exist.
    Name,
    /// The formula is malformed: wrong argument count, a boolean where a number belongs.
    Value,
    /// The cell is part of a dependency cycle.
    Cycle,
}

impl ErrorKind {
    /// The spreadsheet-style code shown in a table.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::DivZero => "#DIV/0",
            ErrorKind::Num => "#NUM",
            ErrorKind::Name => "#NAME",
            ErrorKind::Value => "#VALUE",
            ErrorKind::Cycle => "#CYCLE",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::DivZero => "division by zero",
            ErrorKind::Num => "the result is not a finite number (overflow, NaN or infinity)",
            ErrorKind::Name => "the formula reads an unknown name",
            ErrorKind::Value => "the formula is not valid",
            ErrorKind::Cycle => "the cell is part of a dependency cycle",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
