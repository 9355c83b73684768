//! [`Expr`] → [`Program`]: names resolved to cell indices, pack functions inlined, types checked.
//!
//! A program is a short postfix sequence of [`Op`]s evaluated on a reused stack against the
//! dense value array, so evaluating a cell does no name lookup and no allocation. Constants
//! live in a [`ConstPool`], each once, and ops hold their index: every op is 8 bytes. Compiling
//! is where a formula meets the model: unknown names, unknown functions, wrong argument counts,
//! a boolean where a number belongs and recursive functions are all reported here.

use crate::aggregate::{self, Agg, Column, Columns};
use crate::formula::{BinaryOp, Expr, Ident, UnaryOp};
use crate::hash::FxHashMap;
use crate::names::Names;
use crate::pool::ConstPool;
use crate::suggest::closest;
use crate::value::{CellError, ErrorKind, Slot, Value};
use crate::{BuildError, CellId, FunctionDef};

/// Deepest chain of pack functions calling pack functions.
const MAX_INLINE_DEPTH: usize = 32;
/// Most work compiling one formula may take: expression nodes visited (each pack function's
/// body once per call) plus argument code copied. Pack functions are inlined, so a hostile
/// pack could otherwise make a formula exponentially large.
pub const MAX_PROGRAM: usize = 1 << 16;
/// Deepest nesting of a formula with its pack functions expanded: compiling recurses once per
/// level, on threads with small stacks too.
pub const MAX_NESTING: usize = 384;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    /// A constant: its index in the pool.
    Const(u32),
    Load(CellId),
    Neg,
    Not,
    Bin(BinaryOp),
    /// `Bin` whose right operand is a constant (its index in the pool): `x * 1.000001`.
    BinConst(BinaryOp, u32),
    /// `Bin` whose right operand is a cell: `x * mfu`.
    BinLoad(BinaryOp, CellId),
    Math(Math),
    Min(u32),
    Max(u32),
    /// Pops a condition; if false, skips the next `n` ops.
    JumpIfFalse(u32),
    /// Skips the next `n` ops.
    Jump(u32),
    /// Protects the code that follows, up to the matching [`Op::Uncatch`]: a `#N/A` read in it
    /// puts the stack back as it was here and jumps over the next `n` ops, to the handler
    /// (`isna`'s `true`, `ifna`'s fallback). Other errors still end the evaluation.
    Catch(u32),
    /// Ends the innermost [`Op::Catch`]: the protected code gave a number. With `true`, that
    /// number is replaced by `false` (`isna` of a value that is there).
    Uncatch(bool),
    /// An aggregate over the cells of a column: the index of its list (see `aggregate`).
    Agg(Agg, u32),
    /// `sumproduct`: the first column's list; the second is the [`Op::List`] that follows.
    SumProduct(u32),
    /// An operand of the op before it, never run by itself.
    List(u32),
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
    "isna",
    "ifna",
    "sum",
    "mean",
    "count",
    "sumproduct",
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
    IsNa,
    IfNa,
    Sum,
    Mean,
    Count,
    SumProduct,
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
        "isna" => Builtin::IsNa,
        "ifna" => Builtin::IfNa,
        "sum" => Builtin::Sum,
        "mean" => Builtin::Mean,
        "count" => Builtin::Count,
        "sumproduct" => Builtin::SumProduct,
        _ => return None,
    })
}

/// What the compiler needs to know about the model.
pub(crate) struct Scope<'a> {
    pub names: &'a Names,
    pub functions: &'a FxHashMap<String, FunctionDef>,
    pub columns: &'a Columns,
}

/// One pack function being inlined: its parameters bound to the caller's compiled arguments.
struct Frame<'e> {
    function: &'e str,
    params: &'e [String],
    args: Vec<(Vec<Op>, Type)>,
}

struct Compiler<'a, 'p> {
    scope: &'a Scope<'a>,
    deps: &'p mut Vec<CellId>,
    consts: &'p mut ConstPool,
    frames: Vec<Frame<'a>>,
    /// What is left of [`MAX_PROGRAM`].
    budget: usize,
    /// How deep [`Compiler::expr`] is.
    depth: usize,
}

/// Compiles one formula against the model's names and functions into `program`, whose
/// buffers are cleared first and reused, so that compiling a large model does not allocate
/// per cell. Its constants are added to `consts` (also those of a formula that fails).
pub(crate) fn compile<'a>(
    expr: &'a Expr,
    scope: &'a Scope<'a>,
    program: &mut Program,
    consts: &mut ConstPool,
) -> Result<(), BuildError> {
    program.ops.clear();
    program.deps.clear();
    let mut c = Compiler {
        scope,
        deps: &mut program.deps,
        consts,
        frames: Vec::new(),
        budget: MAX_PROGRAM,
        depth: 0,
    };
    let ty = c.expr(expr, &mut program.ops)?;
    dedup_in_order(&mut program.deps);
    if ty != Type::Num {
        return Err(BuildError::Type {
            context: "the formula's result".into(),
            expected: Type::Num.describe(),
            found: ty.describe(),
        });
    }
    Ok(())
}

impl<'a> Compiler<'a, '_> {
    fn spend(&mut self, steps: usize) -> Result<(), BuildError> {
        match self.budget.checked_sub(steps) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(BuildError::TooLarge),
        }
    }

    fn expr(&mut self, expr: &'a Expr, out: &mut Vec<Op>) -> Result<Type, BuildError> {
        self.spend(1)?;
        if self.depth >= MAX_NESTING {
            return Err(BuildError::TooLarge);
        }
        self.depth += 1;
        let ty = self.node(expr, out);
        self.depth -= 1;
        ty
    }

    fn node(&mut self, expr: &'a Expr, out: &mut Vec<Op>) -> Result<Type, BuildError> {
        match expr {
            Expr::Num(n) => {
                out.push(Op::Const(self.consts.add(*n)));
                Ok(Type::Num)
            }
            Expr::Bool(b) => {
                out.push(Op::Const(self.consts.add(if *b { 1.0 } else { 0.0 })));
                Ok(Type::Bool)
            }
            Expr::Name(ident) => self.name(ident, out),
            Expr::Unary(UnaryOp::Neg, a) => {
                self.expect(a, Type::Num, Context::Operand("-"), out)?;
                out.push(Op::Neg);
                Ok(Type::Num)
            }
            Expr::Unary(UnaryOp::Not, a) => {
                self.expect(a, Type::Bool, Context::Operand("!"), out)?;
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
                let context = Context::OperandOf(*op);
                self.expect(a, operand, context, out)?;
                let right = out.len();
                self.expect(b, operand, context, out)?;
                // A right operand that is one constant or one cell is fused into the operator:
                // one dispatch instead of two. (`right` is where b's own code starts, so a single
                // op there is all of b, never the tail of a branch.) A constant zero divisor is
                // not fused: `BinConst` never checks for one, `Bin` reports it.
                let fused = match out[right..] {
                    [Op::Const(k)] if !divides_by_zero(*op, self.consts.values()[k as usize]) => Op::BinConst(*op, k),
                    [Op::Load(id)] => Op::BinLoad(*op, id),
                    _ => Op::Bin(*op),
                };
                if !matches!(fused, Op::Bin(_)) {
                    out.truncate(right);
                }
                out.push(fused);
                Ok(result)
            }
            Expr::Call(call) => self.call(&call.name, &call.args, out),
        }
    }

    fn expect(&mut self, expr: &'a Expr, want: Type, context: Context, out: &mut Vec<Op>) -> Result<(), BuildError> {
        let found = self.expr(expr, out)?;
        if found == want {
            Ok(())
        } else {
            Err(BuildError::Type {
                context: context.describe(),
                expected: want.describe(),
                found: found.describe(),
            })
        }
    }

    fn name(&mut self, ident: &Ident, out: &mut Vec<Op>) -> Result<Type, BuildError> {
        if let Some(frame) = self.frames.last() {
            if let Some(i) = frame.params.iter().position(|p| *p == ident.target) {
                let (code, ty) = &frame.args[i];
                let (len, ty) = (code.len(), *ty);
                out.extend_from_slice(code);
                self.spend(len)?;
                return Ok(ty);
            }
        }
        match self.scope.names.get(ident.target.as_str()) {
            Some(id) => {
                // Made unique once compiled (`dedup_in_order`): an aggregate adds a column's
                // every cell, and a search of them per name read would be quadratic.
                self.deps.push(id);
                out.push(Op::Load(id));
                Ok(Type::Num)
            }
            // Suggestions are added by [`suggest`], for the first few errors only.
            None => Err(BuildError::UnknownName {
                name: ident.clone(),
                suggestions: Vec::new(),
            }),
        }
    }

    fn call(&mut self, name: &str, args: &'a [Expr], out: &mut Vec<Op>) -> Result<Type, BuildError> {
        if let Some(f) = self.scope.functions.get(name) {
            return self.inline(f, args, out);
        }
        let Some(builtin) = builtin(name) else {
            return Err(BuildError::UnknownFunction {
                name: name.to_string(),
                suggestions: Vec::new(),
            });
        };
        let arity = |expected: &str, ok: bool| {
            if ok {
                Ok(())
            } else {
                let usage = match builtin {
                    Builtin::Math1(_) => "x",
                    Builtin::Log => "x, base",
                    Builtin::Pow => "x, y",
                    Builtin::Min | Builtin::Max => "a, b, ...",
                    Builtin::If => "condition, then, else",
                    Builtin::IsNa => "x",
                    Builtin::IfNa => "x, fallback",
                    Builtin::Sum => "TABLE.COLUMN, ...",
                    Builtin::Mean | Builtin::Count => "TABLE.COLUMN",
                    Builtin::SumProduct => "TABLE.A, TABLE.B",
                };
                Err(BuildError::ArgCount {
                    function: name.to_string(),
                    expected: expected.to_string(),
                    found: args.len(),
                    usage: format!("{name}({usage})"),
                })
            }
        };
        let argument = |i: usize| Context::Argument(i, name);
        match builtin {
            Builtin::Math1(m) => {
                arity("1", args.len() == 1)?;
                self.expect(&args[0], Type::Num, argument(0), out)?;
                out.push(Op::Math(m));
            }
            Builtin::Log | Builtin::Pow => {
                arity("2", args.len() == 2)?;
                self.expect(&args[0], Type::Num, argument(0), out)?;
                self.expect(&args[1], Type::Num, argument(1), out)?;
                out.push(if matches!(builtin, Builtin::Log) {
                    Op::Math(Math::Log)
                } else {
                    Op::Bin(BinaryOp::Pow)
                });
            }
            Builtin::Min | Builtin::Max | Builtin::Sum => {
                arity("at least 1", !args.is_empty())?;
                // A column argument is aggregated first (`min(t.a, x)` is `min(min(t.a), x)`);
                // `sum` takes at least one column, `min` and `max` also numbers alone.
                let agg = match builtin {
                    Builtin::Min => Agg::Min,
                    Builtin::Max => Agg::Max,
                    _ => Agg::Sum,
                };
                if agg == Agg::Sum && !args.iter().any(|a| self.column(a).is_some()) {
                    return Err(self.not_a_column(name, &args[0]));
                }
                for (i, a) in args.iter().enumerate() {
                    match self.column(a) {
                        Some(column) => self.aggregate(Op::Agg(agg, column.list), column, out)?,
                        None => self.expect(a, Type::Num, argument(i), out)?,
                    }
                }
                let n = args.len() as u32;
                match agg {
                    Agg::Sum => out.extend((1..n).map(|_| Op::Bin(BinaryOp::Add))),
                    _ if n == 1 => {}
                    Agg::Min => out.push(Op::Min(n)),
                    _ => out.push(Op::Max(n)),
                }
            }
            Builtin::Mean | Builtin::Count => {
                arity("1", args.len() == 1)?;
                let column = self.column(&args[0]).ok_or_else(|| self.not_a_column(name, &args[0]))?;
                let agg = if matches!(builtin, Builtin::Mean) {
                    Agg::Mean
                } else {
                    Agg::Count
                };
                self.aggregate(Op::Agg(agg, column.list), column, out)?;
            }
            Builtin::SumProduct => {
                arity("2", args.len() == 2)?;
                let a = self.column(&args[0]).ok_or_else(|| self.not_a_column(name, &args[0]))?;
                let b = self.column(&args[1]).ok_or_else(|| self.not_a_column(name, &args[1]))?;
                if a.rows != b.rows {
                    let written = |e: &Expr| match e {
                        Expr::Name(ident) => ident.written.clone(),
                        _ => String::new(),
                    };
                    return Err(BuildError::ColumnRows {
                        function: name.to_string(),
                        a: written(&args[0]),
                        b: written(&args[1]),
                    });
                }
                self.aggregate(Op::SumProduct(a.list), a, out)?;
                self.aggregate(Op::List(b.list), b, out)?;
            }
            Builtin::If => {
                arity("3", args.len() == 3)?;
                self.expect(&args[0], Type::Bool, Context::Condition, out)?;
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
            Builtin::IsNa => {
                arity("1", args.len() == 1)?;
                // Catch, x, Uncatch(false), Jump over the handler, the handler's `true`.
                let mut protected = Vec::new();
                self.expect(&args[0], Type::Num, argument(0), &mut protected)?;
                out.push(Op::Catch(protected.len() as u32 + 2));
                out.extend(protected);
                out.push(Op::Uncatch(true));
                out.push(Op::Jump(1));
                out.push(Op::Const(self.consts.add(1.0)));
                return Ok(Type::Bool);
            }
            Builtin::IfNa => {
                arity("2", args.len() == 2)?;
                // Catch, x, Uncatch, Jump over the handler, the handler: the fallback.
                let mut protected = Vec::new();
                self.expect(&args[0], Type::Num, argument(0), &mut protected)?;
                let mut fallback = Vec::new();
                self.expect(&args[1], Type::Num, argument(1), &mut fallback)?;
                out.push(Op::Catch(protected.len() as u32 + 2));
                out.extend(protected);
                out.push(Op::Uncatch(false));
                out.push(Op::Jump(fallback.len() as u32));
                out.extend(fallback);
            }
        }
        Ok(Type::Num)
    }

    /// The column `arg` names, if it is a name of a column (not a parameter of a function
    /// being inlined).
    fn column(&self, arg: &Expr) -> Option<Column> {
        let Expr::Name(ident) = arg else { return None };
        if self.frames.last().is_some_and(|f| f.params.contains(&ident.target)) {
            return None;
        }
        self.scope.columns.get(&ident.target)
    }

    /// An aggregate's op, and the column's every cell as a precedent: one op and one step of
    /// the budget, however many rows.
    fn aggregate(&mut self, op: Op, column: Column, out: &mut Vec<Op>) -> Result<(), BuildError> {
        self.spend(1)?;
        self.deps
            .extend_from_slice(&self.scope.columns.lists()[column.list as usize]);
        out.push(op);
        Ok(())
    }

    /// Why `arg` cannot be given to the aggregate `function`.
    fn not_a_column(&self, function: &str, arg: &Expr) -> BuildError {
        let arg = match arg {
            Expr::Name(ident) => Some((**ident).clone()),
            _ => None,
        };
        BuildError::NotAColumn {
            function: function.to_string(),
            cell: arg.as_ref().is_some_and(|a| self.scope.names.get(&a.target).is_some()),
            arg,
            // Added by [`suggest`].
            suggestions: Vec::new(),
        }
    }

    fn inline(&mut self, f: &'a FunctionDef, args: &'a [Expr], out: &mut Vec<Op>) -> Result<Type, BuildError> {
        let recursive = self.frames.iter().position(|fr| fr.function == f.name);
        if recursive.is_some() || self.frames.len() >= MAX_INLINE_DEPTH {
            // The chain from the first call of the function that calls itself.
            let from = recursive.unwrap_or(0);
            let mut chain: Vec<String> = self.frames[from..].iter().map(|fr| fr.function.to_string()).collect();
            chain.push(f.name.clone());
            return Err(match recursive {
                Some(_) => BuildError::RecursiveFunction { chain },
                None => BuildError::TooDeep {
                    chain,
                    limit: MAX_INLINE_DEPTH,
                },
            });
        }
        if args.len() != f.params.len() {
            return Err(BuildError::ArgCount {
                function: f.name.clone(),
                expected: f.params.len().to_string(),
                found: args.len(),
                usage: format!("{}({})", f.name, f.params.join(", ")),
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

/// The pack functions that compiling `expr` inlines: those it calls, those they call, and so
/// on, each once.
pub(crate) fn inlined_functions<'e>(expr: &'e Expr, functions: &'e FxHashMap<String, FunctionDef>) -> Vec<&'e str> {
    let mut found: Vec<&str> = Vec::new();
    let mut seen: crate::hash::FxHashSet<&str> = Default::default();
    let mut pending: Vec<&Expr> = vec![expr];
    while let Some(e) = pending.pop() {
        e.for_each_call(&mut |name| {
            if let Some((name, f)) = functions.get_key_value(name) {
                if seen.insert(name.as_str()) {
                    found.push(name);
                    pending.push(&f.body);
                }
            }
        });
    }
    found
}

/// Errors of one update given "did you mean" suggestions; the rest get none. Finding the
/// closest names scans every name of the model, so suggesting for every error of a workbook
/// with thousands of unknown names would take minutes.
pub(crate) const MAX_SUGGESTED: usize = 64;

/// Adds "did you mean" to an unknown name or function, while `count` (errors given
/// suggestions so far in this update) is below [`MAX_SUGGESTED`].
pub(crate) fn suggest(error: &mut BuildError, scope: &Scope<'_>, count: &mut usize) {
    let Scope {
        names,
        functions,
        columns,
    } = *scope;
    if *count >= MAX_SUGGESTED {
        return;
    }
    match error {
        BuildError::UnknownName { name, suggestions } => {
            *suggestions = closest(&name.target, names.live_names());
        }
        BuildError::UnknownFunction { name, suggestions } => {
            let known = BUILTINS.iter().copied().chain(functions.keys().map(|k| k.as_str()));
            *suggestions = crate::suggest::closest_function(name, known);
        }
        // A table's cell (`training.palm.cost`): its column (`training.cost`); another name:
        // the columns spelled like it.
        BuildError::NotAColumn {
            arg: Some(arg),
            suggestions,
            ..
        } => {
            let column = names.get(&arg.target).and_then(|id| columns.column_of(id));
            *suggestions = match column {
                Some(column) => vec![column.to_string()],
                None => closest(&arg.target, columns.names()),
            };
        }
        _ => return,
    }
    *count += 1;
}

/// Where a typed operand sits, for the message of a type error. Built only on an error, so
/// that compiling allocates nothing for it.
#[derive(Clone, Copy)]
enum Context<'n> {
    Operand(&'static str),
    OperandOf(BinaryOp),
    Argument(usize, &'n str),
    Condition,
}

impl Context<'_> {
    fn describe(self) -> String {
        match self {
            Context::Operand(sym) => format!("the operand of `{sym}`"),
            Context::OperandOf(op) => format!("an operand of `{}`", symbol(op)),
            Context::Argument(i, name) => format!("argument {} of `{name}`", i + 1),
            Context::Condition => "the condition of `if`".to_string(),
        }
    }
}

pub(crate) fn symbol(op: BinaryOp) -> &'static str {
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

/// Makes `deps` unique, each kept where it is first read.
fn dedup_in_order(deps: &mut Vec<CellId>) {
    if deps.len() <= 16 {
        let mut i = 0;
        while i < deps.len() {
            if deps[..i].contains(&deps[i]) {
                deps.remove(i);
            } else {
                i += 1;
            }
        }
    } else {
        let mut seen = crate::hash::FxHashSet::default();
        deps.retain(|&d| seen.insert(d));
    }
}

/// Evaluates a program for cell `me` against the current values and the constants it was
/// compiled against. The top of the stack lives in a register (`top`), the rest in `stack`,
/// which is reused across calls so evaluation allocates nothing once it has grown.
#[inline]
pub(crate) fn eval(
    ops: &[Op],
    me: CellId,
    values: &[Slot],
    consts: &[f64],
    lists: &[Box<[CellId]>],
    stack: &mut Vec<f64>,
) -> Value {
    let fail = |kind| Value::Err(CellError { kind, origin: me });
    if ops.is_empty() {
        return fail(ErrorKind::Num);
    }
    stack.clear();
    let mut top = f64::NAN;
    let mut pc = 0;
    // The innermost `Catch`, as the position in `stack` of its record (see `Op::Catch` below).
    let mut handler = NO_HANDLER;
    // A `#N/A` inside a `Catch` goes to its handler; anything else ends the evaluation.
    macro_rules! raise {
        ($e:expr) => {{
            let e: CellError = $e;
            if e.kind != ErrorKind::NotAvailable || handler == NO_HANDLER {
                return Value::Err(e);
            }
            let h = handler;
            pc = stack[h + 1] as usize;
            handler = stack[h] as usize;
            top = stack[h - 1];
            stack.truncate(h - 1);
            continue;
        }};
    }
    while pc < ops.len() {
        match ops[pc] {
            Op::Const(k) => {
                stack.push(top);
                top = consts[k as usize];
            }
            Op::Load(id) => match values[id as usize].load() {
                Ok(n) => {
                    stack.push(top);
                    top = n;
                }
                Err(e) => raise!(e),
            },
            Op::Neg => top = -top,
            Op::Not => top = if top == 0.0 { 1.0 } else { 0.0 },
            Op::Bin(op) => {
                let a = stack.pop().unwrap_or(f64::NAN);
                if divides_by_zero(op, top) {
                    return fail(ErrorKind::DivZero);
                }
                top = binary(op, a, top);
            }
            // Never a zero divisor: the compiler leaves those to `Bin`.
            Op::BinConst(op, k) => top = binary(op, top, consts[k as usize]),
            Op::BinLoad(op, id) => match values[id as usize].load() {
                Ok(b) => {
                    if divides_by_zero(op, b) {
                        return fail(ErrorKind::DivZero);
                    }
                    top = binary(op, top, b);
                }
                Err(e) => raise!(e),
            },
            Op::Math(m) => {
                top = if m == Math::Log {
                    let x = stack.pop().unwrap_or(f64::NAN);
                    x.log(top)
                } else {
                    math1(m, top)
                };
            }
            Op::Min(n) | Op::Max(n) => {
                // The n arguments are the n - 1 topmost of `stack` and `top`.
                let from = stack.len() + 1 - n as usize;
                let pick = if matches!(ops[pc], Op::Min(_)) {
                    f64::min
                } else {
                    f64::max
                };
                // In argument order, as `min(a, b, c)` reads: ((a min b) min c).
                top = match stack[from..].split_first() {
                    Some((&first, rest)) => pick(rest.iter().copied().fold(first, pick), top),
                    None => top,
                };
                stack.truncate(from);
            }
            Op::JumpIfFalse(n) => {
                let condition = top;
                top = stack.pop().unwrap_or(f64::NAN);
                if condition == 0.0 {
                    pc += n as usize;
                }
            }
            Op::Jump(n) => pc += n as usize,
            // The handler's record lives on the value stack, so that evaluating allocates
            // nothing more: the `top` to put back, the enclosing handler, and where to go, as
            // f64s (exact for any index below 2^53). `handler` points at the middle one.
            Op::Catch(n) => {
                stack.push(top);
                stack.push(handler as f64);
                stack.push((pc + 1 + n as usize) as f64);
                handler = stack.len() - 2;
            }
            Op::Uncatch(to_false) => {
                // The protected code pushed one value over the record: drop the record (and
                // what the first push saved, the record's own last slot), keep the value.
                let h = handler;
                handler = stack[h] as usize;
                stack.truncate(h);
                if to_false {
                    top = 0.0;
                }
            }
            Op::Agg(agg, list) => match aggregate::aggregate(agg, &lists[list as usize], values, me) {
                Ok(n) => {
                    stack.push(top);
                    top = n;
                }
                Err(e) => raise!(e),
            },
            Op::SumProduct(a) => {
                let Some(&Op::List(b)) = ops.get(pc + 1) else {
                    return fail(ErrorKind::Value);
                };
                pc += 1;
                match aggregate::sumproduct(&lists[a as usize], &lists[b as usize], values) {
                    Ok(n) => {
                        stack.push(top);
                        top = n;
                    }
                    Err(e) => raise!(e),
                }
            }
            Op::List(_) => return fail(ErrorKind::Value),
        }
        pc += 1;
    }
    if top.is_finite() {
        Value::Num(top)
    } else {
        fail(ErrorKind::Num)
    }
}

/// No `Catch` is active.
const NO_HANDLER: usize = usize::MAX;

#[inline]
fn divides_by_zero(op: BinaryOp, divisor: f64) -> bool {
    matches!(op, BinaryOp::Div | BinaryOp::Mod) && divisor == 0.0
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Constants are in the pool: an op is a tag, an operator and a 32-bit operand.
    #[test]
    fn an_op_is_8_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 8);
    }
}
