//! Each translated formula evaluated the way a spreadsheet evaluates it, against flopsheet's
//! value of the cell.
//!
//! flopsheet computes a formula in f64 and checks only its result: `1 / exp(1000)` is 0, and
//! `min(sqrt(-1), 2)` is 2. A spreadsheet stops at the first step that is not a finite
//! number (`EXP(1000)` is `#NUM!`), and has rules of its own (`0^0` is `#NUM!`, `LOG(x, 1)` is
//! `#DIV/0!`). This module evaluates a formula with those rules, at the values being exported:
//! where the spreadsheet would show another value than flopsheet, the cell is exported as its
//! value, with a comment saying why (see [`agree`]), so that the exported file never shows a
//! number that flopsheet does not.

use crate::translate::Unfaithful;
use flopsheet_engine::formula::{BinaryOp, UnaryOp};
use flopsheet_engine::{CellId, ErrorKind, Expr, Value};
use flopsheet_load::Workspace;
use std::collections::HashMap;

/// A spreadsheet value: a number, a boolean (as 0 or 1), or an error.
type Cell = Result<f64, ErrorKind>;

/// Whether a spreadsheet computing `expr` (functions expanded) gets `value`, flopsheet's:
/// the translation as it is when it does; an [`Unfaithful`] saying what it would show instead
/// when it does not; and a caveat when both are errors of different kinds.
pub fn agree(
    expr: &Expr,
    value: Value,
    text: String,
    columns: &HashMap<String, Vec<CellId>>,
    ws: &Workspace,
) -> (Result<String, Unfaithful>, Option<String>) {
    let sheet = Eval { ws, columns }.eval(expr);
    let show = |c: Cell| match c {
        Ok(n) => format!("{n}"),
        Err(kind) => crate::excel_error(kind).to_string(),
    };
    match (value, sheet) {
        (Value::Num(a), Ok(b)) if a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()) => (Ok(text), None),
        (Value::Err(a), Err(b)) if crate::excel_error(a.kind) == crate::excel_error(b) => (Ok(text), None),
        (Value::Err(a), Err(b)) => (
            Ok(text),
            Some(format!(
                "a spreadsheet shows {} here, where flopsheet shows {}",
                crate::excel_error(b),
                a.kind.code()
            )),
        ),
        (value, sheet) => {
            let ours = match value {
                Value::Num(n) => format!("{n}"),
                Value::Err(e) => e.kind.code().to_string(),
            };
            (
                Err(Unfaithful(format!(
                    "a spreadsheet would compute {} where flopsheet computes {ours} (it stops at the first step that is not a finite number, and 0^0 is an error there)",
                    show(sheet)
                ))),
                None,
            )
        }
    }
}

struct Eval<'a> {
    ws: &'a Workspace,
    columns: &'a HashMap<String, Vec<CellId>>,
}

fn finite(x: f64) -> Cell {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(ErrorKind::Num)
    }
}

fn truth(t: bool) -> Cell {
    Ok(if t { 1.0 } else { 0.0 })
}

impl Eval<'_> {
    fn value(&self, id: CellId) -> Cell {
        match self.ws.model.value(id) {
            Value::Num(n) => Ok(n),
            Value::Err(e) => Err(e.kind),
        }
    }

    fn name(&self, target: &str) -> Cell {
        match self.ws.model.id(target) {
            Some(id) => self.value(id),
            None => Err(ErrorKind::Name),
        }
    }

    fn column(&self, arg: &Expr) -> Option<&[CellId]> {
        match arg {
            Expr::Name(ident) => self.columns.get(&ident.target).map(Vec::as_slice),
            _ => None,
        }
    }

    fn eval(&self, expr: &Expr) -> Cell {
        match expr {
            Expr::Num(n) => finite(*n),
            Expr::Bool(b) => truth(*b),
            Expr::Name(ident) => self.name(&ident.target),
            Expr::Unary(UnaryOp::Neg, a) => Ok(-self.eval(a)?),
            Expr::Unary(UnaryOp::Not, a) => truth(self.eval(a)? == 0.0),
            Expr::Binary(op, a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                binary(*op, x, y)
            }
            Expr::Call(call) => {
                let name = call.name.strip_prefix("math::").unwrap_or(&call.name);
                self.call(name, &call.args)
            }
        }
    }

    fn call(&self, name: &str, args: &[Expr]) -> Cell {
        let arg = |i: usize| args.get(i).map_or(Err(ErrorKind::Value), |a| self.eval(a));
        let positive = |x: f64, f: fn(f64) -> f64| if x > 0.0 { finite(f(x)) } else { Err(ErrorKind::Num) };
        match name {
            "abs" => Ok(arg(0)?.abs()),
            "sqrt" => {
                let x = arg(0)?;
                if x < 0.0 {
                    Err(ErrorKind::Num)
                } else {
                    Ok(x.sqrt())
                }
            }
            "ln" => positive(arg(0)?, f64::ln),
            "log10" => positive(arg(0)?, f64::log10),
            "log2" => positive(arg(0)?, f64::log2),
            "exp" => finite(arg(0)?.exp()),
            "floor" => Ok(arg(0)?.floor()),
            "ceil" => Ok(arg(0)?.ceil()),
            "round" => Ok(arg(0)?.round()),
            "log" => {
                let (x, base) = (arg(0)?, arg(1)?);
                if x <= 0.0 || base <= 0.0 {
                    Err(ErrorKind::Num)
                } else if base == 1.0 {
                    Err(ErrorKind::DivZero)
                } else {
                    finite(x.log(base))
                }
            }
            "pow" => binary(BinaryOp::Pow, arg(0)?, arg(1)?),
            "if" => {
                if arg(0)? != 0.0 {
                    arg(1)
                } else {
                    arg(2)
                }
            }
            "isna" => match arg(0) {
                Err(ErrorKind::NotAvailable) => truth(true),
                Err(e) => Err(e),
                Ok(_) => truth(false),
            },
            "ifna" => match arg(0) {
                Err(ErrorKind::NotAvailable) => arg(1),
                other => other,
            },
            "min" | "max" | "sum" => {
                let mut parts = Vec::with_capacity(args.len());
                for (i, a) in args.iter().enumerate() {
                    parts.push(match self.column(a) {
                        Some(cells) if name == "sum" => self.sum(cells)?,
                        Some(cells) => self.extreme(name == "min", cells)?,
                        None => arg(i)?,
                    });
                }
                let mut it = parts.into_iter();
                let first = it.next().ok_or(ErrorKind::Value)?;
                finite(it.fold(first, |acc, x| match name {
                    "min" => acc.min(x),
                    "max" => acc.max(x),
                    _ => acc + x,
                }))
            }
            "mean" | "count" => {
                let cells = args.first().and_then(|a| self.column(a)).ok_or(ErrorKind::Value)?;
                let (mut sum, mut count) = (0.0, 0.0);
                for &c in cells {
                    match self.value(c) {
                        Err(ErrorKind::NotAvailable) => {}
                        Err(e) => return Err(e),
                        Ok(x) => {
                            sum = finite(sum + x)?;
                            count += 1.0;
                        }
                    }
                }
                match name {
                    "count" => Ok(count),
                    _ if count == 0.0 => Err(ErrorKind::DivZero),
                    _ => Ok(sum / count),
                }
            }
            "sumproduct" => {
                let (a, b) = match (
                    args.first().and_then(|a| self.column(a)),
                    args.get(1).and_then(|b| self.column(b)),
                ) {
                    (Some(a), Some(b)) => (a, b),
                    _ => return Err(ErrorKind::Value),
                };
                let mut acc = 0.0;
                for (&x, &y) in a.iter().zip(b) {
                    acc = finite(acc + finite(self.value(x)? * self.value(y)?)?)?;
                }
                Ok(acc)
            }
            _ => Err(ErrorKind::Name),
        }
    }

    fn sum(&self, cells: &[CellId]) -> Cell {
        let mut acc = 0.0;
        for &c in cells {
            acc = finite(acc + self.value(c)?)?;
        }
        Ok(acc)
    }

    /// `min` or `max` of a column, `#N/A` rows skipped; `#N/A` when none is left.
    fn extreme(&self, min: bool, cells: &[CellId]) -> Cell {
        let mut acc: Option<f64> = None;
        for &c in cells {
            match self.value(c) {
                Err(ErrorKind::NotAvailable) => {}
                Err(e) => return Err(e),
                Ok(x) => {
                    acc = Some(acc.map_or(x, |a| if min { a.min(x) } else { a.max(x) }));
                }
            }
        }
        acc.ok_or(ErrorKind::NotAvailable)
    }
}

fn binary(op: BinaryOp, x: f64, y: f64) -> Cell {
    match op {
        BinaryOp::Add => finite(x + y),
        BinaryOp::Sub => finite(x - y),
        BinaryOp::Mul => finite(x * y),
        BinaryOp::Div | BinaryOp::Mod if y == 0.0 => Err(ErrorKind::DivZero),
        BinaryOp::Div => finite(x / y),
        BinaryOp::Mod => finite(x % y),
        BinaryOp::Pow => {
            if x == 0.0 && y == 0.0 {
                return Err(ErrorKind::Num);
            }
            if x == 0.0 && y < 0.0 {
                return Err(ErrorKind::DivZero);
            }
            finite(x.powf(y))
        }
        BinaryOp::Eq => truth(x == y),
        BinaryOp::Ne => truth(x != y),
        BinaryOp::Lt => truth(x < y),
        BinaryOp::Le => truth(x <= y),
        BinaryOp::Gt => truth(x > y),
        BinaryOp::Ge => truth(x >= y),
        BinaryOp::And => truth(x != 0.0 && y != 0.0),
        BinaryOp::Or => truth(x != 0.0 || y != 0.0),
    }
}
