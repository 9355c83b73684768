//! Cell values: a number, or an error that says what went wrong and where it started.
//!
//! As in a spreadsheet, a failing cell does not stop the workbook: it holds an error value
//! (`#DIV/0`, `#CYCLE`, ...) that flows into the cells that read it, and everything else
//! still evaluates.
//!
//! The model stores values in 8 bytes each ([`Values`]), not as the 16-byte [`Value`].

use crate::hash::FxHashMap;
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
    /// A value declared missing (`missing: "not published"`), or an aggregate with no value
    /// to give (`min` of a column whose every value is missing). Unlike the others it is
    /// expected, not a mistake: `isna` and `ifna` test for it.
    NotAvailable,
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
            ErrorKind::NotAvailable => "#N/A",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::DivZero => "division by zero",
            ErrorKind::Num => "the result is not a finite number (overflow, NaN or infinity)",
            ErrorKind::Name => "the formula reads an unknown name",
            ErrorKind::Value => "the formula is not valid",
            ErrorKind::Cycle => "the cell is part of a dependency cycle",
            ErrorKind::NotAvailable => "a value is missing (not available)",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A [`Value`] in 8 bytes: a number as itself, an error as a NaN with the top 16 bits all
/// set (which hardware never makes), its kind and origin in the payload. A formula stores only
/// finite numbers (anything else is `#NUM`), so only an input can hold a number that looks
/// like that; it is kept aside, exactly, and its slot marked [`EXOTIC`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slot(u64);

/// The top 16 bits of a boxed slot.
const BOXED: u64 = 0xffff;
/// A boxed slot with no error kind: an input whose exact bits are in [`Values::exotic`].
const EXOTIC: Slot = Slot(BOXED << 48);

impl Slot {
    pub(crate) fn new(value: Value) -> Slot {
        match value {
            Value::Num(n) => Slot(n.to_bits()),
            Value::Err(CellError { kind, origin }) => {
                let code = match kind {
                    ErrorKind::DivZero => 1,
                    ErrorKind::Num => 2,
                    ErrorKind::Name => 3,
                    ErrorKind::Value => 4,
                    ErrorKind::Cycle => 5,
                    ErrorKind::NotAvailable => 6,
                };
                Slot(BOXED << 48 | code << 32 | origin as u64)
            }
        }
    }

    #[inline]
    fn is_boxed(self) -> bool {
        self.0 >> 48 == BOXED
    }

    /// The error a boxed slot holds; `None` for [`EXOTIC`].
    fn error(self) -> Option<CellError> {
        let kind = match (self.0 >> 32) & 0xffff {
            1 => ErrorKind::DivZero,
            2 => ErrorKind::Num,
            3 => ErrorKind::Name,
            4 => ErrorKind::Value,
            5 => ErrorKind::Cycle,
            6 => ErrorKind::NotAvailable,
            _ => return None,
        };
        Some(CellError {
            kind,
            origin: self.0 as u32,
        })
    }

    /// The number to compute with, or the error to pass on. An exotic NaN is computed with as
    /// any NaN: no finite result depends on which NaN it is, and others are errors.
    #[inline]
    pub fn load(self) -> Result<f64, CellError> {
        if !self.is_boxed() {
            return Ok(f64::from_bits(self.0));
        }
        self.error().map_or(Ok(f64::NAN), Err)
    }
}

/// Every cell's value, 8 bytes a cell.
#[derive(Default)]
pub(crate) struct Values {
    slots: Vec<Slot>,
    /// Inputs whose number is a NaN that looks like a boxed error, with their exact bits.
    exotic: FxHashMap<CellId, f64>,
}

impl Values {
    pub fn push(&mut self, value: Value) {
        self.slots.push(Slot::new(Value::Num(0.0)));
        self.replace(self.slots.len() as CellId - 1, value);
    }

    pub fn reserve(&mut self, more: usize) {
        self.slots.reserve(more);
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    #[inline]
    pub fn get(&self, id: CellId) -> Value {
        let slot = self.slots[id as usize];
        if !slot.is_boxed() {
            return Value::Num(f64::from_bits(slot.0));
        }
        match slot.error() {
            Some(e) => Value::Err(e),
            None => Value::Num(self.exotic.get(&id).copied().unwrap_or(f64::NAN)),
        }
    }

    /// Stores a value; says whether it differs from the old one.
    #[inline]
    pub fn replace(&mut self, id: CellId, value: Value) -> bool {
        // The common case, a number over a number, touches nothing else.
        let slot = &mut self.slots[id as usize];
        if let Value::Num(n) = value {
            let bits = n.to_bits();
            if !slot.is_boxed() && bits >> 48 != BOXED {
                let changed = slot.0 != bits;
                slot.0 = bits;
                return changed;
            }
        }
        self.replace_boxed(id, value)
    }

    /// [`Values::replace`] where the old or the new value is boxed.
    fn replace_boxed(&mut self, id: CellId, value: Value) -> bool {
        let changed = !self.get(id).same_as(value);
        let mut slot = Slot::new(value);
        if self.slots[id as usize] == EXOTIC {
            self.exotic.remove(&id);
        }
        if let (Value::Num(n), true) = (value, slot.is_boxed()) {
            slot = EXOTIC;
            self.exotic.insert(id, n);
        }
        self.slots[id as usize] = slot;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_comes_back_exactly() {
        let exotic = f64::from_bits(0xffff_0003_0000_0007);
        let mut numbers = vec![
            0.0,
            -0.0,
            1.5,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        numbers.extend([f64::NAN, -f64::NAN, f64::from_bits(0xfff8_0000_0000_0001), exotic]);
        let mut values: Vec<Value> = numbers.into_iter().map(Value::Num).collect();
        for kind in [
            ErrorKind::DivZero,
            ErrorKind::Num,
            ErrorKind::Name,
            ErrorKind::Value,
            ErrorKind::Cycle,
            ErrorKind::NotAvailable,
        ] {
            for origin in [0, 7, u32::MAX] {
                values.push(Value::Err(CellError { kind, origin }));
            }
        }
        let mut store = Values::default();
        for &v in &values {
            store.push(v);
        }
        for (id, &v) in values.iter().enumerate() {
            assert!(store.get(id as CellId).same_as(v), "{v:?}");
            let loaded = store.slots()[id].load();
            match v {
                Value::Num(n) if n.is_nan() => assert!(loaded.unwrap().is_nan()),
                Value::Num(n) => assert_eq!(loaded, Ok(n)),
                Value::Err(e) => assert_eq!(loaded, Err(e)),
            }
        }
        // Replacing keeps the aside table exact.
        let last_num = 10;
        assert!(store.replace(last_num, Value::Num(2.0)));
        assert!(!store.replace(last_num, Value::Num(2.0)));
        assert!(store.exotic.is_empty());
        assert!(store.replace(0, Value::Num(exotic)));
        assert!(!store.replace(0, Value::Num(exotic)));
        assert_eq!(store.get(0).as_num().map(f64::to_bits), Some(exotic.to_bits()));
        assert_eq!(std::mem::size_of::<Slot>(), 8);
    }
}
