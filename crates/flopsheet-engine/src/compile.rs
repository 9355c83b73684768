//! [`Expr`] → [`Program`]: names resolved to cell indices, pack functions inlined, types checked.
//!
//! A program is a short postfix sequence of [`Op`]s evaluated on a reused stack against the
//! dense value array, so evaluating a cell does no name lookup and no allocation. Compiling
//! is where a formula meets the model: unknown names, unknown functions, wrong argument counts,
//! a boolean where a number belongs and recursive functions are all reported here.

use crate::formula::{BinaryOp, Expr, Ident, UnaryOp};
use crate::suggest::closest;
use crate::value::{CellError, ErrorKind, Value};
use crate::{BuildError, CellId, FunctionDef};
use std::collections::HashMap;

/// Deepest chain of pack functions calling pack functions.
const MAX_INLINE_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Const(f64),
    Load(CellId),
    Neg,
    Not,
    Bin(BinaryOp),
    Math(Math),
    Min(u32),
    Max(u32),
    /// Pops a condition; if false, skips the next `n` ops.
    JumpIfFalse(u32),
    /// Skips the next `n` ops.
    Jump(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Math {
    Floor,
    Ceil,
    Round,
    Abs,
    Sqrt,
    Ln,
    Log10,
    Log2,
    Exp,
    /// Two arguments: `log(x, base)`.
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Num,
    Bool,
}

impl Type {
    fn describe(self) -> &'static str {
        match self {
            Type::Num => "a number",
            Type::Bool => "a boolean (true/false)",
        }
    }
}

/// A compiled formula and the cells it reads (each once, in the order first read).
#[derive(Debug, Clone, Default)]
pub(crate) struct Program {
    pub ops: Vec<Op>,
    pub deps: Vec<CellId>,
}

/// The built-in functions, by every name they answer to.
pub const BUILTINS: &[&str] = &[
    "min",
    "max",
    "if",
    "floor",
    "ceil",
    "round",
    "abs",
    "sqrt",
    "ln",
    "log",
    "log10",
    "log2",
    "exp",
    "pow",
    "math::abs",
    "math::sqrt",
    "math::ln",
    "math::log",
    "math::log10",
    "math::log2",
    "math::exp",
    "math::pow",
];

enum Builtin {
    Math1(Math),
    Log,
    Pow,
    Min,
    Max,
    If,
}

fn builtin(name: &str) -> Option<Builtin> {
    let name = name.strip_prefix("math::").unwrap_or(name);
    Some(match name {
        "floor" => Builtin::Math1(Math::Floor),
        "ceil" => Builtin::Math1(Math::Ceil),
        "round" => Builtin::Math1(Math::Round),
        "abs" => Builtin::Math1(Math::Abs),
        "sqrt" => Builtin::Math1(Math::Sqrt),
        "ln" => Builtin::Math1(Math::Ln),
        "log10" => Builtin::Math1(Math::Log10),
        "log2" => Builtin::Math1(Math::Log2),
        "exp" => Builtin::Math1(Math::Exp),
        "log" => Builtin::Log,
        "pow" => Builtin::Pow,
        "min" => Builtin::Min,
        "max" => Builtin::Max,
        "if" => Builtin::If,
        _ => return None,
    })
}

/// What the compiler needs to know about the model.
pub(crate) struct Scope<'a> {
    pub names: &'a HashMap<std::sync::Arc<str>, CellId>,
    pub functions: &'a HashMap<String, FunctionDef>,
}

/// One pack function being inlined: its parameters bound to the caller's compiled arguments.
struct Frame<'e> {
    function: &'e str,
    params: &'e [String],
    args: Vec<(Vec<Op>, Type)>,
}

struct Compiler<'a> {
    scope: &'a Scope<'a>,
    program: Program,
    frames: Vec<Frame<'a>>,
}

/// Compiles one formula against the model's names and functions.
pub(crate) fn compile<'a>(expr: &'a Expr, scope: &'a Scope<'a>) -> Result<Program, BuildError> {
    let mut c = Compiler {
        scope,
        program: Program::default(),
        frames: Vec::new(),
    };
    let mut ops = Vec::new();
    let ty = c.expr(expr, &mut ops)?;
    if ty != Type::Num {
        return Err(BuildError::Type {
            context: "the formula's result".into(),
            expected: Type::Num.describe(),
            found: ty.describe(),
        });
    }
    c.program.ops = ops;
    Ok(c.program)
}

impl<'a> Compiler<'a> {
    fn expr(&mut self, expr: &'a Expr, out: &mut Vec<Op>) -> Result<Type, BuildError> {
        match expr {
            Expr::Num(n) => {
                out.push(Op::Const(*n));
                Ok(Type::Num)
            }
            Expr::Bool(b) => {
                out.push(Op::Const(if *b { 1.0 } else { 0.0 }));
                Ok(Type::Bool)
            }
            Expr::Name(ident) => self.name(ident, out),
            Expr::Unary(UnaryOp::Neg, a) => {
                self.expect(a, Type::Num, "the operand of `-`", out)?;
                out.push(Op::Neg);
                Ok(Type::Num)
            }
            Expr::Unary(UnaryOp::Not, a) => {
                self.expect(a, Type::Bool, "the operand of `!`", out)?;
                out.push(Op::Not);
                Ok(Type::Bool)
            }
            Expr::Binary(op, a, b) => {
                let (operand, result) = match op {
                    BinaryOp::And | BinaryOp::Or => (Type::Bool, Type::Bool),
                    BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                        (Type::Num, Type::Bool)
                    }
                    _ => (Type::Num, Type::Num),
                };
                let context = format!("an operand of `{}`", symbol(*op));
                self.expect(a, operand, &context, out)?;
                self.expect(b, operand, &context, out)?;
                out.push(Op::Bin(*op));
                Ok(result)
            }
            Expr::Call(name, args) => self.call(name, args, out),
        }
    }

    fn expect(&mut self, expr: &'a Expr, want: Type, context: &str, out: &mut Vec<Op>) -> Result<(), BuildError> {
        let found = self.expr(expr, out)?;
        if found == want {
            Ok(())
        } else {
            Err(BuildError::Type {
                context: context.to_string(),
                expected: want.describe(),
                found: found.describe(),
            })
        }
    }

    fn name(&mut self, ident: &Ident, out: &mut Vec<Op>) -> Result<Type, BuildError> {
        if let Some(frame) = self.frames.last() {
            if let Some(i) = frame.params.iter().position(|p| *p == ident.target) {
                let (code, ty) = &frame.args[i];
                out.extend_from_slice(code);
                return Ok(*ty);
            }
        }
        match self.scope.names.get(ident.target.as_str()) {
            Some(&id) => {
                if !self.program.deps.contains(&id) {
                    self.program.deps.push(id);
                }
                out.push(Op::Load(id));
                Ok(Type::Num)
            }
            None => Err(BuildError::UnknownName {
                name: ident.clone(),
                suggestions: closest(&ident.target, self.scope.names.keys().map(|k| &**k)),
            }),
        }
    }

    fn call(&mut self, name: &str, args: &'a [Expr], out: &mut Vec<Op>) -> Result<Type, BuildError> {
        if let Some(f) = self.scope.functions.get(name) {
            return self.inline(f, args, out);
        }
        let Some(builtin) = builtin(name) else {
            let known = BUILTINS
                .iter()
                .copied()
                .chain(self.scope.functions.keys().map(|k| k.as_str()));
            return Err(BuildError::UnknownFunction {
                name: name.to_string(),
                suggestions: closest(name, known),
            });
        };
        let arity = |expected: &str, ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(BuildError::ArgCount {
                    function: name.to_string(),
                    expected: expected.to_string(),
                    found: args.len(),
                })
            }
        };
        let argument = |i: usize| format!("argument {} of `{name}`", i + 1);
        match builtin {
            Builtin::Math1(m) => {
                arity("1", args.len() == 1)?;
                self.expect(&args[0], Type::Num, &argument(0), out)?;
                out.push(Op::Math(m));
            }
            Builtin::Log | Builtin::Pow => {
                arity("2", args.len() == 2)?;
                self.expect(&args[0], Type::Num, &argument(0), out)?;
                self.expect(&args[1], Type::Num, &argument(1), out)?;
                out.push(if matches!(builtin, Builtin::Log) {
                    Op::Math(Math::Log)
                } else {
                    Op::Bin(BinaryOp::Pow)
                });
            }
            Builtin::Min | Builtin::Max => {
                arity("at least 1", !args.is_empty())?;
                for (i, a) in args.iter().enumerate() {
                    self.expect(a, Type::Num, &argument(i), out)?;
                }
                let n = args.len() as u32;
                out.push(if matches!(builtin, Builtin::Min) {
                    Op::Min(n)
                } else {
                    Op::Max(n)
                });
            }
            Builtin::If => {
                arity("3 (condition, then, else)", args.len() == 3)?;
                self.expect(&args[0], Type::Bool, "the condition of `if`", out)?;
                let mut then = Vec::new();
                let t = self.expr(&args[1], &mut then)?;
                let mut otherwise = Vec::new();
                let e = self.expr(&args[2], &mut otherwise)?;
                if t != e {
                    return Err(BuildError::Type {
                        context: "the else branch of `if`".into(),
                        expected: t.describe(),
                        found: e.describe(),
                    });
                }
                out.push(Op::JumpIfFalse(then.len() as u32 + 1));
                out.extend(then);
                out.push(Op::Jump(otherwise.len() as u32));
                out.extend(otherwise);
                return Ok(t);
            }
        }
        Ok(Type::Num)
    }

    fn inline(&mut self, f: &'a FunctionDef, args: &'a [Expr], out: &mut Vec<Op>) -> Result<Type, BuildError> {
        if self.frames.iter().any(|fr| fr.function == f.name) || self.frames.len() >= MAX_INLINE_DEPTH {
            let mut chain: Vec<String> = self.frames.iter().map(|fr| fr.function.to_string()).collect();
            chain.push(f.name.clone());
            return Err(BuildError::RecursiveFunction { chain });
        }
        if args.len() != f.params.len() {
            return Err(BuildError::ArgCount {
                function: f.name.clone(),
                expected: f.params.len().to_string(),
                found: args.len(),
            });
        }
        let mut compiled = Vec::with_capacity(args.len());
        for a in args {
            let mut code = Vec::new();
            let ty = self.expr(a, &mut code)?;
            compiled.push((code, ty));
        }
        self.frames.push(Frame {
            function: &f.name,
            params: &f.params,
            args: compiled,
        });
        let ty = self.expr(&f.body, out);
        self.frames.pop();
        ty
    }
}

fn symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Pow => "^",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::And => "&&",
        BinaryOp::Or => "||",
    }
}

/// Evaluates a program for cell `me` against the current values. `stack` is reused across
/// calls so evaluation allocates nothing once it has grown.
pub(crate) fn eval(ops: &[Op], me: CellId, values: &[Value], stack: &mut Vec<f64>) -> Value {
    stack.clear();
    let fail = |kind| Value::Err(CellError { kind, origin: me });
    let mut pc = 0;
    while pc < ops.len() {
        match ops[pc] {
            Op::Const(n) => stack.push(n),
            Op::Load(id) => match values[id as usize] {
                Value::Num(n) => stack.push(n),
                err @ Value::Err(_) => return err,
            },
            Op::Neg => {
                let a = stack.pop().unwrap_or(f64::NAN);
                stack.push(-a);
            }
            Op::Not => {
                let a = stack.pop().unwrap_or(f64::NAN);
                stack.push(if a == 0.0 { 1.0 } else { 0.0 });
            }
            Op::Bin(op) => {
                let b = stack.pop().unwrap_or(f64::NAN);
                let a = stack.pop().unwrap_or(f64::NAN);
                if matches!(op, BinaryOp::Div | BinaryOp::Mod) && b == 0.0 {
                    return fail(ErrorKind::DivZero);
                }
                stack.push(binary(op, a, b));
            }
            Op::Math(m) => {
                let v = if m == Math::Log {
                    let base = stack.pop().unwrap_or(f64::NAN);
                    let x = stack.pop().unwrap_or(f64::NAN);
                    x.log(base)
                } else {
                    let x = stack.pop().unwrap_or(f64::NAN);
                    math1(m, x)
                };
                stack.push(v);
            }
            Op::Min(n) | Op::Max(n) => {
                let from = stack.len() - n as usize;
                let pick = if matches!(ops[pc], Op::Min(_)) {
                    f64::min
                } else {
                    f64::max
                };
                let v = stack[from..].iter().copied().reduce(pick).unwrap_or(f64::NAN);
                stack.truncate(from);
                stack.push(v);
            }
            Op::JumpIfFalse(n) => {
                if stack.pop().unwrap_or(0.0) == 0.0 {
                    pc += n as usize;
                }
            }
            Op::Jump(n) => pc += n as usize,
        }
        pc += 1;
    }
    match stack.pop() {
        Some(v) if v.is_finite() => Value::Num(v),
        _ => fail(ErrorKind::Num),
    }
}

#[inline]
fn binary(op: BinaryOp, a: f64, b: f64) -> f64 {
    let truth = |t: bool| if t { 1.0 } else { 0.0 };
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Mod => a % b,
        BinaryOp::Pow => a.powf(b),
        BinaryOp::Eq => truth(a == b),
        BinaryOp::Ne => truth(a != b),
        BinaryOp::Lt => truth(a < b),
        BinaryOp::Le => truth(a <= b),
        BinaryOp::Gt => truth(a > b),
        BinaryOp::Ge => truth(a >= b),
        BinaryOp::And => truth(a != 0.0 && b != 0.0),
        BinaryOp::Or => truth(a != 0.0 || b != 0.0),
    }
}

fn math1(m: Math, x: f64) -> f64 {
    match m {
        Math::Floor => x.floor(),
        Math::Ceil => x.ceil(),
        Math::Round => x.round(),
        Math::Abs => x.abs(),
        Math::Sqrt => x.sqrt(),
        Math::Ln => x.ln(),
        Math::Log10 => x.log10(),
        Math::Log2 => x.log2(),
        Math::Exp => x.exp(),
        Math::Log => f64::NAN,
    }
}
