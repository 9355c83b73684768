//! Units inferred over a formula, and the problems found on the way.
//!
//! Each sub-expression gets an [`Inferred`]: a unit from the names it reads, times the number
//! literals it multiplies by; a literal standing alone (`1` in `1 - mfu`); or unknown (a name
//! with no unit, a call of an unknown function, `ln`, `%`). What is checked:
//!
//! - `+ -`, `min max`, comparisons and the branches of `if` need the same dimension and
//!   scale. A literal alone takes the unit of the other side. A side that multiplies by
//!   literals is checked when its named operands already have the other side's dimension:
//!   its literals must then each be a plain number or exactly a conversion factor.
//! - A declared unit is compared with the formula's unit by the same rule
//!   ([`check_declared`]); when literals are needed to reach the declared dimension (`6` FLOP
//!   per parameter per token) the formula is not checked.
//! - Unknown propagates through products and quotients, never into an error.
//!
//! Pack and workbook functions are inferred per call, their parameters taking the units of
//! the arguments.

use crate::problem::Problem;
use crate::unit::{close, Unit};
use flopsheet_engine::formula::{BinaryOp, UnaryOp};
use flopsheet_engine::{Expr, FunctionDef};
use std::collections::HashMap;

/// What is known of a value's unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Inferred {
    /// Nothing: an input without a unit, an unknown function, a logarithm.
    Unknown,
    /// A condition.
    Bool,
    /// Only number literals, with their value: takes whatever unit it is used with.
    Free(f64),
    /// `unit`, times the number literals multiplied in (`/ 3600` is 1/3600), each of which may
    /// be a plain number or a conversion factor.
    Known(Unit, Vec<f64>),
}

impl Inferred {
    /// A unit with no literals in it.
    pub fn unit(unit: Unit) -> Inferred {
        Inferred::Known(unit, Vec::new())
    }

    /// The unit, when it is known without literals: what a formula cell without a declared
    /// unit shows.
    pub fn exact(&self) -> Option<&Unit> {
        match self {
            Inferred::Known(unit, literals) if literals.is_empty() => Some(unit),
            _ => None,
        }
    }
}

/// What the inference reads: the unit of each name, and the functions a formula may call.
pub trait Env {
    /// The unit of the cell `name` (the name as resolved: `gpt3.params`).
    fn name(&mut self, name: &str) -> Inferred;
    /// A pack or workbook function.
    fn function(&self, name: &str) -> Option<FunctionDef>;
}

/// Literals kept per value at most; beyond, a comparison is not checked (it tries every
/// subset of them).
const MAX_LITERALS: usize = 12;
/// Function calls nested deeper than this are not inferred (the engine refuses them anyway).
const MAX_CALL_DEPTH: usize = 32;

/// How a value with literals compares with a unit.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Same,
    /// Not the same: the literals (if any) are neither plain numbers nor the factor needed.
    Differs,
    /// The literals must carry a dimension: nothing can be said.
    Unknowable,
}

/// Compares `unit × literals` with `target`: see the module docs.
pub fn compare(unit: &Unit, literals: &[f64], target: &Unit) -> Verdict {
    if !unit.compatible(target) {
        return if literals.is_empty() {
            Verdict::Differs
        } else {
            Verdict::Unknowable
        };
    }
    if literals.len() > MAX_LITERALS || literals.iter().any(|l| !l.is_finite() || *l == 0.0) {
        return Verdict::Unknowable;
    }
    // Each literal is a plain number (a factor 1 in the units) or a conversion factor (the
    // units then need 1/literal): does some choice bring `unit` to `target`?
    let needed = target.scale() / unit.scale();
    let found = (0u32..1 << literals.len()).any(|mask| {
        let product = literals
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .fold(1.0, |p, (_, l)| p / l);
        close(product, needed)
    });
    if found {
        Verdict::Same
    } else {
        Verdict::Differs
    }
}

/// The problem, if the formula of `cell` (inferred as `found`) does not compute its declared
/// unit (`expected`, written `expected_text`).
pub fn check_declared(cell: &str, found: &Inferred, expected: &Unit, expected_text: &str) -> Option<Problem> {
    let Inferred::Known(unit, literals) = found else {
        return None;
    };
    match compare(unit, literals, expected) {
        Verdict::Differs => Some(Problem::declared(
            cell,
            expected,
            expected_text,
            unit,
            !literals.is_empty(),
        )),
        Verdict::Same | Verdict::Unknowable => None,
    }
}

/// Infers the unit of `expr`, with every problem found inside it.
pub fn infer(expr: &Expr, env: &mut dyn Env) -> (Inferred, Vec<Problem>) {
    let mut inference = Inference {
        env,
        problems: Vec::new(),
        scopes: Vec::new(),
        call: None,
    };
    let inferred = inference.expr(expr);
    (inferred, inference.problems)
}

struct Inference<'e> {
    env: &'e mut dyn Env,
    problems: Vec<Problem>,
    /// The parameters of the functions being inferred, innermost last.
    scopes: Vec<HashMap<String, Inferred>>,
    /// The outermost function call being inferred: inside its body, problems point at it.
    call: Option<String>,
}

impl Inference<'_> {
    fn expr(&mut self, expr: &Expr) -> Inferred {
        match expr {
            Expr::Num(n) => Inferred::Free(*n),
            Expr::Bool(_) => Inferred::Bool,
            Expr::Name(ident) => match self.scopes.last().and_then(|s| s.get(&ident.target)) {
                Some(inferred) => inferred.clone(),
                None if !self.scopes.is_empty() && !ident.target.contains('.') => Inferred::Unknown,
                None => self.env.name(&ident.target),
            },
            Expr::Unary(UnaryOp::Neg, a) => match self.expr(a) {
                Inferred::Free(v) => Inferred::Free(-v),
                Inferred::Known(u, l) => Inferred::Known(u, l.into_iter().map(|x| -x).collect()),
                other => other,
            },
            Expr::Unary(UnaryOp::Not, a) => {
                self.expr(a);
                Inferred::Bool
            }
            Expr::Binary(op, a, b) => self.binary(*op, a, b),
            Expr::Call(call) => self.call(&call.name, &call.args),
        }
    }

    fn binary(&mut self, op: BinaryOp, a: &Expr, b: &Expr) -> Inferred {
        let (x, y) = (self.expr(a), self.expr(b));
        use BinaryOp::*;
        match op {
            Add | Sub => {
                let sym = if op == Add { "+" } else { "-" };
                self.same(sym, (a, x), (b, y), |p, q| if op == Add { p + q } else { p - q })
            }
            Mul => product(x, y, false),
            Div => product(x, y, true),
            Pow => power(x, y),
            Mod => Inferred::Unknown,
            Eq | Ne | Lt | Le | Gt | Ge => {
                let sym = comparison(op);
                self.same(sym, (a, x), (b, y), |_, _| f64::NAN);
                Inferred::Bool
            }
            And | Or => Inferred::Bool,
        }
    }

    /// Two values that must have one unit: the result has it.
    fn same(
        &mut self,
        op: &str,
        left: (&Expr, Inferred),
        right: (&Expr, Inferred),
        free: impl Fn(f64, f64) -> f64,
    ) -> Inferred {
        let ((a, x), (b, y)) = (left, right);
        match (x, y) {
            (Inferred::Free(p), Inferred::Free(q)) => Inferred::Free(free(p, q)),
            (Inferred::Free(_), known @ Inferred::Known(..)) | (known @ Inferred::Known(..), Inferred::Free(_)) => {
                known
            }
            (Inferred::Known(u, l), Inferred::Known(v, m)) => match (l.is_empty(), m.is_empty()) {
                (true, true) => {
                    if !u.same(&v) {
                        self.mismatch(op, (a, &u), (b, &v), false);
                    }
                    Inferred::unit(u)
                }
                (false, true) => {
                    if compare(&u, &l, &v) == Verdict::Differs {
                        self.mismatch(op, (a, &u), (b, &v), true);
                    }
                    Inferred::unit(v)
                }
                (true, false) => {
                    if compare(&v, &m, &u) == Verdict::Differs {
                        self.mismatch(op, (a, &u), (b, &v), true);
                    }
                    Inferred::unit(u)
                }
                (false, false) => Inferred::Unknown,
            },
            // A value of known unit beside an unknown one: if the formula is right, the
            // result has the known unit.
            (known @ Inferred::Known(..), _) | (_, known @ Inferred::Known(..)) => match known.exact() {
                Some(_) => known,
                None => Inferred::Unknown,
            },
            _ => Inferred::Unknown,
        }
    }

    fn mismatch(&mut self, op: &str, left: (&Expr, &Unit), right: (&Expr, &Unit), literals: bool) {
        let lw = self.word(left.0);
        let rw = self.word(right.0);
        let mut problem = Problem::mismatch(op, (&lw, left.1), (&rw, right.1), literals);
        if let Some(call) = &self.call {
            problem.notes.push(format!(
                "note: inside the function `{call}`, its parameters taking the units of the arguments"
            ));
        }
        self.problems.push(problem);
    }

    /// The word of the formula to point at for an operand: its first name or call (inside a
    /// function body, the call of the function).
    fn word(&self, expr: &Expr) -> Option<String> {
        if let Some(call) = &self.call {
            return Some(call.clone());
        }
        let mut first = None;
        expr.for_each_name(&mut |ident| {
            first.get_or_insert_with(|| ident.written.clone());
        });
        first.or_else(|| match expr {
            Expr::Call(call) => Some(call.name.clone()),
            _ => None,
        })
    }

    fn call(&mut self, name: &str, args: &[Expr]) -> Inferred {
        let builtin = name.strip_prefix("math::").unwrap_or(name);
        match (builtin, args) {
            ("min" | "max", [first, rest @ ..]) => {
                let mut acc = self.expr(first);
                for arg in rest {
                    let next = self.expr(arg);
                    let f = if builtin == "min" { f64::min } else { f64::max };
                    acc = self.same(builtin, (first, acc), (arg, next), f);
                }
                acc
            }
            ("if", [condition, then, otherwise]) => {
                self.expr(condition);
                let (x, y) = (self.expr(then), self.expr(otherwise));
                self.same("if", (then, x), (otherwise, y), |_, _| f64::NAN)
            }
            ("floor" | "ceil" | "round" | "abs", [arg]) => match self.expr(arg) {
                Inferred::Free(v) => Inferred::Free(rounded(builtin, v)),
                other => other,
            },
            ("sqrt", [arg]) => match self.expr(arg) {
                Inferred::Free(v) => Inferred::Free(v.sqrt()),
                Inferred::Known(u, l) => match u.sqrt() {
                    Some(root) => Inferred::Known(root, l.into_iter().map(f64::sqrt).collect()),
                    None => Inferred::Unknown,
                },
                _ => Inferred::Unknown,
            },
            ("pow", [base, exponent]) => {
                let (x, y) = (self.expr(base), self.expr(exponent));
                power(x, y)
            }
            _ if flopsheet_engine::BUILTINS.contains(&name) => {
                // Logarithms and exponentials: not checked.
                for arg in args {
                    self.expr(arg);
                }
                Inferred::Unknown
            }
            _ => self.user_call(name, args),
        }
    }

    /// A pack or workbook function: its body inferred with the parameters given the units of
    /// the arguments. Unknown functions are unknown.
    fn user_call(&mut self, name: &str, args: &[Expr]) -> Inferred {
        let inferred: Vec<Inferred> = args.iter().map(|a| self.expr(a)).collect();
        let Some(def) = self.env.function(name) else {
            return Inferred::Unknown;
        };
        if def.params.len() != args.len() || self.scopes.len() >= MAX_CALL_DEPTH {
            return Inferred::Unknown;
        }
        let outermost = self.call.is_none();
        if outermost {
            self.call = Some(name.to_string());
        }
        self.scopes.push(def.params.iter().cloned().zip(inferred).collect());
        let result = self.expr(&def.body);
        self.scopes.pop();
        if outermost {
            self.call = None;
        }
        result
    }
}

fn rounded(function: &str, v: f64) -> f64 {
    match function {
        "floor" => v.floor(),
        "ceil" => v.ceil(),
        "round" => v.round(),
        _ => v.abs(),
    }
}

fn product(x: Inferred, y: Inferred, divide: bool) -> Inferred {
    let invert = |l: Vec<f64>| -> Vec<f64> { l.into_iter().map(|v| 1.0 / v).collect() };
    match (x, y) {
        (Inferred::Free(p), Inferred::Free(q)) => Inferred::Free(if divide { p / q } else { p * q }),
        (Inferred::Known(u, mut l), Inferred::Free(q)) => {
            push_literal(&mut l, if divide { 1.0 / q } else { q });
            Inferred::Known(u, l)
        }
        (Inferred::Free(p), Inferred::Known(u, l)) => {
            let (unit, mut literals) = if divide { (u.powi(-1), invert(l)) } else { (u, l) };
            push_literal(&mut literals, p);
            Inferred::Known(unit, literals)
        }
        (Inferred::Known(u, mut l), Inferred::Known(v, m)) => {
            let (unit, more) = if divide { (u.div(&v), invert(m)) } else { (u.mul(&v), m) };
            for x in more {
                push_literal(&mut l, x);
            }
            Inferred::Known(unit, l)
        }
        _ => Inferred::Unknown,
    }
}

/// A literal 1 changes nothing, plain number or factor.
fn push_literal(literals: &mut Vec<f64>, value: f64) {
    if value != 1.0 {
        literals.push(value);
    }
}

fn power(base: Inferred, exponent: Inferred) -> Inferred {
    let whole = match exponent {
        Inferred::Free(n) if n.fract() == 0.0 && n.abs() <= 16.0 => Some(n as i32),
        _ => None,
    };
    match (base, whole) {
        (Inferred::Free(b), _) => match exponent {
            Inferred::Free(n) => Inferred::Free(b.powf(n)),
            _ => Inferred::Unknown,
        },
        (Inferred::Known(u, l), Some(n)) => Inferred::Known(u.powi(n), l.into_iter().map(|x| x.powi(n)).collect()),
        // A dimensionless base keeps no unit whatever the exponent (`1.5 ^ generations`).
        (Inferred::Known(u, l), None) if l.is_empty() && u.is_dimensionless() && close(u.scale(), 1.0) => {
            Inferred::unit(Unit::one())
        }
        _ => Inferred::Unknown,
    }
}

fn comparison(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        _ => ">=",
    }
}
