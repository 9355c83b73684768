//! Formula text → [`Expr`]: evalexpr parses, this module validates and converts.
//!
//! evalexpr is the parser (its syntax and precedence are the formula language), but its tree
//! accepts things a spreadsheet formula must not: `"1 +"` builds and fails only when evaluated,
//! `"gpu hours"` parses as a call `gpu(hours)`, integer literals divide as integers. We walk the
//! tree once, reject those shapes with a message a user understands, and keep a small name-based
//! [`Expr`] with every number as f64. Names are resolved later, by the compiler.

use evalexpr::{Node, Operator, Value as EvalValue};
use std::hash::{Hash, Hasher};
use thiserror::Error;

/// Longest formula accepted, in bytes: a guard against pasted garbage, far above any real one.
pub const MAX_FORMULA_LEN: usize = 16 * 1024;
/// Deepest parenthesis nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Deepest expression tree accepted (a long `a + b + c + ...` is a deep tree).
const MAX_TREE_DEPTH: usize = 1024;

/// A parsed formula: numbers, names, operators and calls, nothing else.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Bool(bool),
    Name(Ident),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// A name as the user wrote it and the global name it reads. The loader rewrites `target`
/// (`row.params` reads `gpt3.params`); diagnostics show `written`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub written: String,
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// Why a formula's text is not a formula.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormulaError {
    #[error("the formula is empty")]
    Empty,
    #[error("the formula is {len} bytes long; the limit is {MAX_FORMULA_LEN}")]
    TooLong { len: usize },
    #[error("the formula nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the formula does not parse: {0}")]
    Syntax(String),
    #[error("`{op}` is missing an operand")]
    MissingOperand { op: &'static str },
    #[error("`{first} {second}` is not a name: names cannot contain spaces")]
    SpaceInName { first: String, second: String },
    #[error("a string (\"{0}\") where a number belongs")]
    StringLiteral(String),
    #[error("{0} is not allowed in a formula: a formula is one expression")]
    NotAnExpression(&'static str),
    #[error("an empty pair of parentheses where a number belongs")]
    EmptyParens,
}

impl FormulaError {
    /// How to fix it, where there is something useful to say.
    pub fn help(&self) -> Option<String> {
        match self {
            FormulaError::SpaceInName { first, second } => Some(format!(
                "write `{first}_{second}` if it is one name, or put an operator between them (`{first} * {second}`)"
            )),
            FormulaError::MissingOperand { .. } => Some("complete the expression, e.g. `a + b`".to_string()),
            FormulaError::StringLiteral(_) => {
                Some("formulas compute numbers; put text in the cell's `note`".to_string())
            }
            FormulaError::Empty => Some("write an expression such as `a * b`, or use `value:` for a number".into()),
            _ => None,
        }
    }
}

/// Parses and validates one formula.
pub fn parse(text: &str) -> Result<Expr, FormulaError> {
    if text.len() > MAX_FORMULA_LEN {
        return Err(FormulaError::TooLong { len: text.len() });
    }
    if text.trim().is_empty() {
        return Err(FormulaError::Empty);
    }
    // evalexpr's tree builder recurses per nesting level; refuse absurd nesting before it does.
    if paren_depth(text) > MAX_DEPTH {
        return Err(FormulaError::TooDeep);
    }
    let node = evalexpr::build_operator_tree(text).map_err(|e| FormulaError::Syntax(e.to_string()))?;
    convert(&node, 0)
}

/// Below this many formulas, [`parse_many`] parses on the calling thread: starting threads
/// costs more than it saves.
const PARALLEL_MIN: usize = 2048;

/// Parses many formulas, on every core when there are many: the same results, in the same
/// order, as calling [`parse`] on each. evalexpr's tree builder costs a few microseconds a
/// formula, which is most of the time it takes to load a large workbook.
pub fn parse_many<S: AsRef<str> + Sync>(texts: &[S]) -> Vec<Result<Expr, FormulaError>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(16);
    parse_many_on(texts, threads)
}

/// [`parse_many`] on at most `threads` threads (the calling one included).
pub fn parse_many_on<S: AsRef<str> + Sync>(texts: &[S], threads: usize) -> Vec<Result<Expr, FormulaError>> {
    let serial = |texts: &[S]| texts.iter().map(|t| parse(t.as_ref())).collect::<Vec<_>>();
    if threads <= 1 || texts.len() < PARALLEL_MIN {
        return serial(texts);
    }
    let chunk = texts.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut chunks = texts.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|c| scope.spawn(move || serial(c))).collect();
        let mut all = serial(first);
        all.reserve(texts.len() - all.len());
        for handle in others {
            match handle.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    })
}

fn paren_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn convert(node: &Node, depth: usize) -> Result<Expr, FormulaError> {
    if depth > MAX_TREE_DEPTH {
        return Err(FormulaError::TooDeep);
    }
    let children = node.children();
    let d = depth + 1;
    let binary = |op: BinaryOp, sym: &'static str| -> Result<Expr, FormulaError> {
        match children {
            [a, b] => Ok(Expr::Binary(op, Box::new(convert(a, d)?), Box::new(convert(b, d)?))),
            _ => Err(FormulaError::MissingOperand { op: sym }),
        }
    };
    let unary = |op: UnaryOp, sym: &'static str| -> Result<Expr, FormulaError> {
        match children {
            [a] => Ok(Expr::Unary(op, Box::new(convert(a, d)?))),
            _ => Err(FormulaError::MissingOperand { op: sym }),
        }
    };
    match node.operator() {
        Operator::RootNode => match children {
            [] if depth == 0 => Err(FormulaError::Empty),
            [] => Err(FormulaError::EmptyParens),
            [only] => convert(only, d),
            _ => Err(FormulaError::Syntax("unexpected shape of expression".into())),
        },
        Operator::Add => binary(BinaryOp::Add, "+"),
        Operator::Sub => binary(BinaryOp::Sub, "-"),
        Operator::Mul => binary(BinaryOp::Mul, "*"),
        Operator::Div => binary(BinaryOp::Div, "/"),
        Operator::Mod => binary(BinaryOp::Mod, "%"),
        Operator::Exp => binary(BinaryOp::Pow, "^"),
        Operator::Eq => binary(BinaryOp::Eq, "=="),
        Operator::Neq => binary(BinaryOp::Ne, "!="),
        Operator::Lt => binary(BinaryOp::Lt, "<"),
        Operator::Leq => binary(BinaryOp::Le, "<="),
        Operator::Gt => binary(BinaryOp::Gt, ">"),
        Operator::Geq => binary(BinaryOp::Ge, ">="),
        Operator::And => binary(BinaryOp::And, "&&"),
        Operator::Or => binary(BinaryOp::Or, "||"),
        Operator::Neg => unary(UnaryOp::Neg, "-"),
        Operator::Not => unary(UnaryOp::Not, "!"),
        Operator::Const { value } => match value {
            EvalValue::Float(f) => Ok(Expr::Num(*f)),
            // Integer literals become floats so that `1/2` is 0.5.
            EvalValue::Int(i) => Ok(Expr::Num(*i as f64)),
            EvalValue::Boolean(b) => Ok(Expr::Bool(*b)),
            EvalValue::String(s) => Err(FormulaError::StringLiteral(s.clone())),
            EvalValue::Tuple(_) | EvalValue::Empty => Err(FormulaError::Syntax("unexpected constant".into())),
        },
        Operator::VariableIdentifierRead { identifier } => Ok(Expr::Name(Ident {
            written: identifier.clone(),
            target: identifier.clone(),
        })),
        Operator::FunctionIdentifier { identifier } => {
            let [arg] = children else {
                return Err(FormulaError::Syntax(format!("`{identifier}` has no arguments")));
            };
            // A call is always `name(...)`, whose argument is a RootNode. Anything else means
            // the user wrote two words side by side: `gpu hours`.
            if !matches!(arg.operator(), Operator::RootNode) {
                let second = match arg.operator() {
                    Operator::VariableIdentifierRead { identifier } => identifier.clone(),
                    Operator::FunctionIdentifier { identifier } => identifier.clone(),
                    other => other.to_string(),
                };
                return Err(FormulaError::SpaceInName {
                    first: identifier.clone(),
                    second,
                });
            }
            Ok(Expr::Call(identifier.clone(), call_args(arg, d)?))
        }
        Operator::Tuple => Err(FormulaError::NotAnExpression("a list `a, b`")),
        Operator::Chain => Err(FormulaError::NotAnExpression("a chain `a; b`")),
        Operator::VariableIdentifierWrite { .. }
        | Operator::Assign
        | Operator::AddAssign
        | Operator::SubAssign
        | Operator::MulAssign
        | Operator::DivAssign
        | Operator::ModAssign
        | Operator::ExpAssign
        | Operator::AndAssign
        | Operator::OrAssign => Err(FormulaError::NotAnExpression("an assignment")),
    }
}

/// The arguments of a call: `f()` has none, `f(a)` one, `f(a, b)` a tuple.
fn call_args(root: &Node, depth: usize) -> Result<Vec<Expr>, FormulaError> {
    match root.children() {
        [] => Ok(Vec::new()),
        [inner] if matches!(inner.operator(), Operator::Tuple) => {
            inner.children().iter().map(|c| convert(c, depth + 1)).collect()
        }
        [_] => Ok(vec![convert(root, depth)?]),
        _ => Err(FormulaError::Syntax("unexpected shape of call".into())),
    }
}

impl Expr {
    /// Calls `f` on every name the expression reads, in order.
    pub fn for_each_name<'a>(&'a self, f: &mut impl FnMut(&'a Ident)) {
        match self {
            Expr::Name(ident) => f(ident),
            Expr::Num(_) | Expr::Bool(_) => {}
            Expr::Unary(_, a) => a.for_each_name(f),
            Expr::Binary(_, a, b) => {
                a.for_each_name(f);
                b.for_each_name(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.for_each_name(f)),
        }
    }

    /// Rewrites the target of every name.
    pub fn rewrite_names(&mut self, f: &mut impl FnMut(&mut Ident)) {
        match self {
            Expr::Name(ident) => f(ident),
            Expr::Num(_) | Expr::Bool(_) => {}
            Expr::Unary(_, a) => a.rewrite_names(f),
            Expr::Binary(_, a, b) => {
                a.rewrite_names(f);
                b.rewrite_names(f);
            }
            Expr::Call(_, args) => args.iter_mut().for_each(|a| a.rewrite_names(f)),
        }
    }

    /// Calls `f` on the name of every function the expression calls.
    pub fn for_each_call<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        match self {
            Expr::Name(_) | Expr::Num(_) | Expr::Bool(_) => {}
            Expr::Unary(_, a) => a.for_each_call(f),
            Expr::Binary(_, a, b) => {
                a.for_each_call(f);
                b.for_each_call(f);
            }
            Expr::Call(name, args) => {
                f(name);
                args.iter().for_each(|a| a.for_each_call(f));
            }
        }
    }

    /// A fingerprint of the expression (names by target), to tell whether a definition changed.
    pub fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash_into(&mut h);
        h.finish()
    }

    fn hash_into(&self, h: &mut impl Hasher) {
        std::mem::discriminant(self).hash(h);
        match self {
            Expr::Num(n) => n.to_bits().hash(h),
            Expr::Bool(b) => b.hash(h),
            Expr::Name(ident) => ident.target.hash(h),
            Expr::Unary(op, a) => {
                op.hash(h);
                a.hash_into(h);
            }
            Expr::Binary(op, a, b) => {
                op.hash(h);
                a.hash_into(h);
                b.hash_into(h);
            }
            Expr::Call(name, args) => {
                name.hash(h);
                args.len().hash(h);
                args.iter().for_each(|a| a.hash_into(h));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Expr {
        Expr::Name(Ident {
            written: s.into(),
            target: s.into(),
        })
    }

    #[test]
    fn integers_become_floats() {
        assert_eq!(
            parse("1/2").unwrap(),
            Expr::Binary(BinaryOp::Div, Box::new(Expr::Num(1.0)), Box::new(Expr::Num(2.0)))
        );
    }

    #[test]
    fn dotted_names_are_one_name() {
        assert_eq!(
            parse("tpu_v4.peak_flops_bf16 * 2").unwrap(),
            Expr::Binary(
                BinaryOp::Mul,
                Box::new(name("tpu_v4.peak_flops_bf16")),
                Box::new(Expr::Num(2.0))
            )
        );
    }

    #[test]
    fn calls_take_zero_one_or_many_arguments() {
        assert_eq!(parse("f()").unwrap(), Expr::Call("f".into(), vec![]));
        assert_eq!(parse("f(a)").unwrap(), Expr::Call("f".into(), vec![name("a")]));
        assert_eq!(
            parse("f(a, 2)").unwrap(),
            Expr::Call("f".into(), vec![name("a"), Expr::Num(2.0)])
        );
    }

    #[test]
    fn incomplete_formulas_are_rejected() {
        assert_eq!(parse("1 +"), Err(FormulaError::MissingOperand { op: "+" }));
        assert_eq!(parse("a + * b"), Err(FormulaError::MissingOperand { op: "*" }));
        assert!(matches!(parse("(1"), Err(FormulaError::Syntax(_))));
        assert_eq!(parse("  "), Err(FormulaError::Empty));
        assert_eq!(parse("()"), Err(FormulaError::EmptyParens));
    }

    #[test]
    fn a_space_inside_a_name_is_explained() {
        assert_eq!(
            parse("gpu hours * 2"),
            Err(FormulaError::SpaceInName {
                first: "gpu".into(),
                second: "hours".into()
            })
        );
    }

    #[test]
    fn strings_and_assignments_are_not_formulas() {
        assert!(matches!(parse("\"x\""), Err(FormulaError::StringLiteral(_))));
        assert!(matches!(parse("a = 1"), Err(FormulaError::NotAnExpression(_))));
        assert!(matches!(parse("a; b"), Err(FormulaError::NotAnExpression(_))));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(parse(&text), Err(FormulaError::TooDeep));
    }

    #[test]
    fn parsing_in_parallel_gives_what_parsing_one_by_one_gives() {
        let mut texts: Vec<String> = (0..5000)
            .map(|i| match i % 5 {
                0 => format!("c{i} * 1.000001 + 1"),
                1 => format!("min(a{i}, 2) / {i}"),
                2 => "1 +".to_string(),
                3 => format!("if(x > {i}, gpu hours, 0)"),
                _ => format!("tpu_v4.peak_flops_bf16 ^ {i}.5 % 3"),
            })
            .collect();
        texts.push(String::new());
        let serial: Vec<_> = texts.iter().map(|t| parse(t)).collect();
        for threads in [1, 2, 3, 7] {
            assert_eq!(parse_many_on(&texts, threads), serial, "{threads} threads");
        }
        assert_eq!(parse_many(&texts), serial);
        assert_eq!(parse_many(&texts[..3]), serial[..3]);
        assert!(parse_many::<&str>(&[]).is_empty());
    }

    #[test]
    fn fingerprint_follows_targets() {
        let mut a = parse("x + 1").unwrap();
        let b = parse("x + 1").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        a.rewrite_names(&mut |i| i.target = "y".into());
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
