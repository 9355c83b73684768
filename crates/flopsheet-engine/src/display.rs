//! Formulas back to text: [`Expr`] printed in the formula language, and function calls
//! expanded, for `explain` to show what a call to a pack or workbook function computes.

use crate::compile::symbol;
use crate::formula::{BinaryOp, Expr, UnaryOp};
use crate::FunctionDef;
use std::fmt;

/// How tightly an operator binds, as evalexpr parses: a higher level binds tighter.
fn level(expr: &Expr) -> u8 {
    match expr {
        Expr::Binary(op, ..) => match op {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 5,
            BinaryOp::Pow => 7,
        },
        Expr::Unary(..) => 6,
        Expr::Num(n) if *n < 0.0 => 6,
        _ => 8,
    }
}

/// A number as a formula would write it: `70e9`, not `70000000000`.
fn number(n: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let a = n.abs();
    if a != 0.0 && !(1e-4..1e6).contains(&a) {
        write!(f, "{n:e}")
    } else {
        write!(f, "{n}")
    }
}

impl fmt::Display for Expr {
    /// Names print as what they read (`row.params` as `training.gpt3.params`); parentheses
    /// only where precedence needs them (and around any operand of `^`, whose associativity
    /// readers do not agree on).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operand = |e: &Expr, f: &mut fmt::Formatter<'_>, wrap: bool| {
            if wrap {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match self {
            Expr::Num(n) => number(*n, f),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Name(ident) => f.write_str(&ident.target),
            Expr::Unary(op, a) => {
                f.write_str(if *op == UnaryOp::Neg { "-" } else { "!" })?;
                operand(a, f, level(a) < 6)
            }
            Expr::Binary(op, a, b) => {
                let me = level(self);
                let pow = *op == BinaryOp::Pow;
                operand(a, f, level(a) < me || (pow && level(a) < 8))?;
                write!(f, " {} ", symbol(*op))?;
                operand(b, f, level(b) <= me || (pow && level(b) < 8))
            }
            Expr::Call(call) => {
                write!(f, "{}(", call.name)?;
                for (i, a) in call.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Most nested calls expanded: beyond, a call is left as written. Recursion is an error the
/// model reports on its own; this only keeps the expansion finite.
const MAX_EXPANSION_DEPTH: usize = 32;
/// Largest expansion shown, in nodes: functions that each call another twice double at every
/// level, and an expansion too long to read explains nothing.
const MAX_EXPANSION_NODES: usize = 2_000;

impl Expr {
    /// The expression with every call to a function that `function` knows replaced by the
    /// function's body, its parameters bound to the call's arguments; `None` if it calls none.
    /// `None` too when the expansion would be longer than [`MAX_EXPANSION_NODES`].
    pub fn expand_calls<'f>(&self, function: &dyn Fn(&str) -> Option<&'f FunctionDef>) -> Option<Expr> {
        let mut budget = Budget {
            nodes: MAX_EXPANSION_NODES,
            expanded: false,
        };
        let expanded = expand(self, function, &[], 0, &mut budget)?;
        budget.expanded.then_some(expanded)
    }
}

/// What is left of [`MAX_EXPANSION_NODES`], and whether a call was expanded.
struct Budget {
    nodes: usize,
    expanded: bool,
}

fn expand<'f>(
    expr: &Expr,
    function: &dyn Fn(&str) -> Option<&'f FunctionDef>,
    bound: &[(&str, Expr)],
    depth: usize,
    budget: &mut Budget,
) -> Option<Expr> {
    budget.nodes = budget.nodes.checked_sub(1)?;
    let mut again = |e: &Expr| expand(e, function, bound, depth, budget).map(Box::new);
    Some(match expr {
        Expr::Name(ident) => match bound.iter().find(|(p, _)| *p == ident.target) {
            Some((_, arg)) => {
                // Each use of a parameter is a copy of its argument: count it.
                budget.nodes = budget.nodes.checked_sub(size(arg))?;
                arg.clone()
            }
            None => expr.clone(),
        },
        Expr::Num(_) | Expr::Bool(_) => expr.clone(),
        Expr::Unary(op, a) => Expr::Unary(*op, again(a)?),
        Expr::Binary(op, a, b) => Expr::Binary(*op, again(a)?, again(b)?),
        Expr::Call(call) => {
            let args = call
                .args
                .iter()
                .map(|a| again(a).map(|a| *a))
                .collect::<Option<Vec<Expr>>>()?;
            match function(&call.name) {
                Some(def) if def.params.len() == args.len() && depth < MAX_EXPANSION_DEPTH => {
                    budget.expanded = true;
                    let bound: Vec<(&str, Expr)> = def.params.iter().map(String::as_str).zip(args).collect();
                    expand(&def.body, function, &bound, depth + 1, budget)?
                }
                _ => {
                    let mut call = call.clone();
                    call.args = args;
                    Expr::Call(call)
                }
            }
        }
    })
}

fn size(expr: &Expr) -> usize {
    match expr {
        Expr::Num(_) | Expr::Bool(_) | Expr::Name(_) => 1,
        Expr::Unary(_, a) => 1 + size(a),
        Expr::Binary(_, a, b) => 1 + size(a) + size(b),
        Expr::Call(call) => 1 + call.args.iter().map(size).sum::<usize>(),
    }
}

#[cfg(test)]
mod tests {
    use crate::formula::parse;
    use crate::FunctionDef;

    fn shown(text: &str) -> String {
        parse(text).unwrap().to_string()
    }

    /// Printing keeps the meaning: parsing the printed text gives the same tree.
    #[test]
    fn printing_round_trips() {
        for text in [
            "a + b * c",
            "(a + b) * c",
            "a - (b - c)",
            "a / (b * c)",
            "-(a + b)",
            "-a ^ 2",
            "(a ^ b) ^ c",
            "if(a > b && !(c == d), min(a, b), 2.5e-7)",
            "70e9 * 1.4e12 / 0.5",
        ] {
            let once = shown(text);
            assert_eq!(
                parse(&once).unwrap().fingerprint(),
                parse(text).unwrap().fingerprint(),
                "{text} → {once}"
            );
        }
        assert_eq!(shown("(a + b) * c"), "(a + b) * c");
        assert_eq!(shown("a + b * c"), "a + b * c");
        assert_eq!(shown("70e9 * x"), "7e10 * x");
    }

    #[test]
    fn calls_expand_into_their_bodies() {
        let kv = FunctionDef {
            name: "kv".into(),
            params: vec!["l".into(), "h".into()],
            body: parse("2 * l * h").unwrap(),
        };
        let gb = FunctionDef {
            name: "gb".into(),
            params: vec!["x".into()],
            body: parse("kv(x, 8) / 1e9").unwrap(),
        };
        let lookup = |name: &str| [&kv, &gb].into_iter().find(|f| f.name == name);
        let expanded = parse("gb(layers + 1) + max(a, b)")
            .unwrap()
            .expand_calls(&lookup)
            .unwrap();
        assert_eq!(expanded.to_string(), "2 * (layers + 1) * 8 / 1e9 + max(a, b)");
        assert!(parse("max(a, b)").unwrap().expand_calls(&lookup).is_none());
    }
}
