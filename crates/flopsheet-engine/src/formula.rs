//! Formula text → [`Expr`]: evalexpr parses, this module validates and converts.
//!
//! evalexpr is the parser (its syntax and precedence are the formula language), but its tree
//! accepts things a spreadsheet formula must not: `"1 +"` builds and fails only when evaluated,
//! `"gpu hours"` parses as a call `gpu(hours)`, integer literals divide as integers. We walk the
//! tree once, reject those shapes with a message a user understands, and keep a small name-based
//! [`Expr`] with every number as f64. Names are resolved later, by the compiler.

use evalexpr::{Node, Operator, Value as EvalValue};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use thiserror::Error;

/// Longest formula accepted, in bytes: a guard against pasted garbage, far above any real one.
pub const MAX_FORMULA_LEN: usize = 16 * 1024;
/// Deepest parenthesis nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Deepest expression tree accepted (a long `a + b + c + ...` is a deep tree). Formulas are
/// walked recursively, on threads with small stacks too, so this is kept well below what a
/// 2 MiB stack holds in a debug build.
pub const MAX_TREE_DEPTH: usize = 256;
/// Most prefix operators (`-x`, `!c`) in one formula: evalexpr's tree builder recurses on
/// each, so a long run of them must be refused before it is given to evalexpr.
const MAX_PREFIX_OPERATORS: usize = 64;

/// A parsed formula: numbers, names, operators and calls, nothing else.
///
/// Names and calls are boxed, so that a node is 24 bytes rather than 56: every cell
/// definition holds one, and a large workbook's build holds a chunk of trees at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Bool(bool),
    Name(Box<Ident>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Call(Box<Call>),
}

/// A function call: `max(a, b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
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
    #[error("the formula chains more than {MAX_TREE_DEPTH} operations")]
    TooManyOperations,
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
    #[error("this `(` is never closed")]
    UnclosedParen { at: usize },
    #[error("this `)` closes nothing")]
    UnopenedParen { at: usize },
    #[error("two values side by side, with no operator between them")]
    MissingOperator,
    #[error("an operator is missing before a `(` or after a `)`")]
    MissingOperatorAtParen,
    #[error("`{0}` is not an operator")]
    PartialOperator(String),
    #[error("a string (text in double quotes) is never closed")]
    UnclosedString,
}

impl FormulaError {
    /// How to fix it, where there is something useful to say.
    pub fn help(&self) -> Option<String> {
        match self {
            FormulaError::SpaceInName { first, second } => Some(format!(
                "write `{first}_{second}` if it is one name, or put an operator between them (`{first} * {second}`)"
            )),
            FormulaError::MissingOperand { .. } => Some("complete the expression, e.g. `a + b`".to_string()),
            FormulaError::Empty => Some("write an expression such as `a * b`, or use `value:` for a number".into()),
            FormulaError::UnclosedParen { .. } => Some("add the `)` that closes it, or remove it".into()),
            FormulaError::UnopenedParen { .. } => Some("remove it, or add the `(` it closes".into()),
            FormulaError::MissingOperator => Some("put an operator between them, e.g. `a * b`".into()),
            FormulaError::MissingOperatorAtParen => {
                Some("write `2 * (a + b)`, not `2 (a + b)`; a function call is `name(arguments)`".into())
            }
            FormulaError::PartialOperator(_) => {
                Some("the operators `&&`, `||`, `==`, `!=`, `<=` and `>=` are written with two characters".into())
            }
            FormulaError::UnclosedString | FormulaError::StringLiteral(_) => {
                Some("formulas compute numbers; put text in the cell's `note`".into())
            }
            FormulaError::TooDeep => Some(format!(
                "split the formula into cells of its own; at most {MAX_DEPTH} parentheses may be open at once"
            )),
            FormulaError::TooLong { .. } => Some("split the formula into cells of its own".into()),
            FormulaError::TooManyOperations => Some(
                "split the formula into cells of its own, e.g. add a long sum in groups, one cell per group".into(),
            ),
            FormulaError::NotAnExpression(_) => {
                Some("a formula is one expression that computes a number; compare with `==` inside `if(...)`".into())
            }
            _ => None,
        }
    }

    /// Where in the formula's text the problem is, as a byte range, when it can be pinned
    /// down more precisely than the whole formula.
    pub fn locate(&self, text: &str) -> Option<std::ops::Range<usize>> {
        match self {
            FormulaError::UnclosedParen { at } | FormulaError::UnopenedParen { at } => Some(*at..*at + 1),
            FormulaError::TooDeep => {
                let mut depth = 0usize;
                for (i, b) in text.bytes().enumerate() {
                    match b {
                        b'(' => {
                            depth += 1;
                            if depth > MAX_DEPTH {
                                return Some(i..i + 1);
                            }
                        }
                        b')' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                prefix_operators(text).1.map(|at| at..at + 1)
            }
            // An operator written once: that is the one missing an operand.
            FormulaError::MissingOperand { op } => {
                let mut found = text.match_indices(op);
                match (found.next(), found.next()) {
                    (Some((at, _)), None) => Some(at..at + op.len()),
                    _ => None,
                }
            }
            FormulaError::SpaceInName { first, second } => words(text)
                .windows(2)
                .find(|w| w[0].1 == first.as_str() && w[1].1 == second.as_str())
                .map(|w| w[0].0..w[1].0 + w[1].1.len()),
            FormulaError::StringLiteral(_) | FormulaError::UnclosedString => {
                let at = text.find('"')?;
                let end = text[at + 1..].find('"').map_or(text.len(), |e| at + e + 2);
                Some(at..end)
            }
            _ => None,
        }
    }
}

/// The identifier-like words of a formula with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == ':';
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (start, is_word(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The first unbalanced parenthesis outside string literals, as an error.
fn check_parens(text: &str) -> Result<(), FormulaError> {
    let mut open = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'(' => open.push(i),
            b')' if open.pop().is_none() => return Err(FormulaError::UnopenedParen { at: i }),
            _ => {}
        }
    }
    match open.last() {
        Some(&at) => Err(FormulaError::UnclosedParen { at }),
        None => Ok(()),
    }
}

/// evalexpr's parse errors, in words a user understands where we know better ones.
fn syntax_error(error: evalexpr::EvalexprError) -> FormulaError {
    use evalexpr::EvalexprError as E;
    match error {
        E::AppendedToLeafNode => FormulaError::MissingOperator,
        E::MissingOperatorOutsideOfBrace => FormulaError::MissingOperatorAtParen,
        E::UnmatchedDoubleQuote => FormulaError::UnclosedString,
        E::UnmatchedPartialToken { first, .. } => FormulaError::PartialOperator(first.to_string()),
        other => FormulaError::Syntax(other.to_string()),
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
    if paren_depth(text) > MAX_DEPTH || prefix_operators(text).0 > MAX_PREFIX_OPERATORS {
        return Err(FormulaError::TooDeep);
    }
    check_parens(text)?;
    let node = evalexpr::build_operator_tree(text).map_err(syntax_error)?;
    convert(&node, 0)
}

/// Below this many formulas, [`parse_many`] parses on the calling thread: starting threads
/// costs more than it saves.
const PARALLEL_MIN: usize = 2048;

/// Parses many formulas, on every core when there are many: the same results, in the same
/// order, as calling [`parse`] on each. evalexpr's tree builder costs a few microseconds a
/// formula, which is most of the time it takes to load a large workbook.
pub fn parse_many<S: AsRef<str> + Sync>(texts: &[S]) -> ParsedAll {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(16);
    parse_many_on(texts, threads)
}

/// [`parse_many`] on at most `threads` threads (the calling one included).
pub fn parse_many_on<S: AsRef<str> + Sync>(texts: &[S], threads: usize) -> ParsedAll {
    each_on(texts, threads, Shapes::parse)
}

/// Checks many formulas, on every core when there are many: the error of each formula that
/// [`parse`] refuses, by its index in `texts`. Nothing is built for the formulas that parse,
/// so checking a large workbook holds no expression trees; [`parse_many`] builds them when
/// they are needed.
pub fn check_many<S: AsRef<str> + Sync>(texts: &[S]) -> Vec<(usize, FormulaError)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(16);
    each_on(texts, threads, Shapes::check)
        .enumerate()
        .filter_map(|(i, result)| result.err().map(|e| (i, e)))
        .collect()
}

/// `work` on every text, on at most `threads` threads (the calling one included).
fn each_on<S: AsRef<str> + Sync, T: Send>(
    texts: &[S],
    threads: usize,
    work: fn(&mut Shapes, &str) -> T,
) -> InChunks<T> {
    if threads <= 1 || texts.len() < PARALLEL_MIN {
        let mut shapes = Shapes::default();
        return vec![texts.iter().map(|t| work(&mut shapes, t.as_ref())).collect()]
            .into_iter()
            .flatten();
    }
    let queue = ParseQueue::with(texts, work);
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| queue.work());
        }
        queue.work();
    });
    queue.finish()
}

/// Formulas to parse, shared by threads that take them a chunk at a time: a thread that
/// arrives late, or runs slower, simply parses fewer chunks, so all finish together. Any
/// number of threads may call [`ParseQueue::work`], at any time; [`ParseQueue::finish`]
/// parses whatever is left and returns every result in the order of the texts.
pub struct ParseQueue<'t, S, T = Result<Expr, FormulaError>> {
    texts: &'t [S],
    /// What is done with each text: parsing it, or only checking it.
    each: fn(&mut Shapes, &str) -> T,
    next: std::sync::atomic::AtomicUsize,
    /// The results of each chunk done so far, by chunk number.
    done: std::sync::Mutex<Vec<(usize, Vec<T>)>>,
}

/// Results chunk after chunk, in the order of the texts, each chunk freed once taken: the
/// results are never copied into one vector of their own.
pub type InChunks<T> = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

/// Every result of [`parse_many`], in the order of the texts.
pub type ParsedAll = InChunks<Result<Expr, FormulaError>>;

/// Formulas per chunk taken from a [`ParseQueue`]: large enough to make taking one cheap,
/// small enough that threads finish within a chunk of each other.
const CHUNK: usize = 512;

impl<'t, S: AsRef<str> + Sync> ParseQueue<'t, S> {
    pub fn new(texts: &'t [S]) -> Self {
        ParseQueue::with(texts, Shapes::parse)
    }
}

impl<'t, S: AsRef<str> + Sync, T: Send> ParseQueue<'t, S, T> {
    fn with(texts: &'t [S], each: fn(&mut Shapes, &str) -> T) -> Self {
        ParseQueue {
            texts,
            each,
            next: std::sync::atomic::AtomicUsize::new(0),
            done: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Parses chunks until none is left.
    pub fn work(&self) {
        let mut mine = Vec::new();
        let mut shapes = Shapes::default();
        loop {
            let chunk = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let from = chunk.saturating_mul(CHUNK);
            if from >= self.texts.len() {
                break;
            }
            let to = (from + CHUNK).min(self.texts.len());
            mine.push((
                chunk,
                self.texts[from..to]
                    .iter()
                    .map(|t| (self.each)(&mut shapes, t.as_ref()))
                    .collect(),
            ));
        }
        self.done
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(mine);
    }

    /// Every result, in the order of the texts.
    pub fn finish(self) -> InChunks<T> {
        self.work();
        let mut done = self.done.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        done.sort_unstable_by_key(|(chunk, _)| *chunk);
        let parts: Vec<Vec<T>> = done.into_iter().map(|(_, part)| part).collect();
        parts.into_iter().flatten()
    }
}

/// Formulas that differ only in the names they read and the numbers they hold have the same
/// shape, and evalexpr builds the same tree for them: its tokenizer cuts the text at a fixed
/// set of characters, and the tree depends only on the kind of each token (a name, a number,
/// an operator), never on a name's letters or a number's value. A generated workbook is mostly
/// such formulas (`c2 = c1 * 1.000001 + 1`, `c3 = c2 * 1.000001 + 1`, ...), so [`parse_many`]
/// parses each shape once — evalexpr parses `_0 * 0 + 1` — and fills in each formula's own
/// names and numbers. A shape that fails to parse, or a formula this does not apply to (one
/// with a string or a comment), is parsed as written, so errors are exactly [`parse`]'s.
///
/// This relies on [`convert`] accepting or refusing a tree for its structure alone, never for
/// a name's letters or a number's value; the tests compare both ways on random formulas.
#[derive(Default)]
struct Shapes {
    parsed: std::collections::HashMap<String, Result<Expr, FormulaError>>,
    /// Reused from one formula to the next.
    shape: Shape,
    parts: Vec<(usize, usize, bool)>,
}

/// Distinct shapes remembered; past this, new shapes are parsed as written.
const SHAPES_MAX: usize = 4096;

/// A formula cut as evalexpr cuts it: its shape (names replaced by `_0`, `_1`, ..., numbers by
/// `0`, `1`, ...), and the names (as byte ranges of the formula) and numbers taken out, in order.
#[derive(Default)]
struct Shape {
    key: String,
    names: Vec<(usize, usize)>,
    numbers: Vec<f64>,
}

impl Shapes {
    fn parse(&mut self, text: &str) -> Result<Expr, FormulaError> {
        if !self.cut(text) {
            return parse(text);
        }
        let shape = &self.parsed[&self.shape.key];
        shape
            .as_ref()
            .ok()
            .and_then(|shape| self.shape.fill(text, shape))
            .map_or_else(|| parse(text), Ok)
    }

    /// What [`Shapes::parse`] returns, without building the expression.
    fn check(&mut self, text: &str) -> Result<(), FormulaError> {
        if !self.cut(text) {
            return parse(text).map(drop);
        }
        match &self.parsed[&self.shape.key] {
            Ok(shape) if self.shape.fits(shape) => Ok(()),
            _ => parse(text).map(drop),
        }
    }

    /// Cuts `text` into `self.shape` and parses the shape if it is new. `false` if `text` is
    /// to be parsed as written.
    fn cut(&mut self, text: &str) -> bool {
        if text.len() > MAX_FORMULA_LEN || !self.shape.cut(text, &mut self.parts) {
            return false;
        }
        let key = self.shape.key.as_str();
        if !self.parsed.contains_key(key) {
            if self.parsed.len() >= SHAPES_MAX {
                return false;
            }
            let parsed = parse(key);
            self.parsed.insert(key.to_string(), parsed);
        }
        true
    }
}

/// The characters at which evalexpr's tokenizer ends a literal (besides whitespace).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '+' | '-' | '*' | '/' | '%' | '^' | '(' | ')' | ',' | ';' | '=' | '!' | '>' | '<' | '&' | '|'
    ) || c.is_whitespace()
}

/// What evalexpr makes of a literal (a run of other characters): an integer (decimal or
/// `0x` hexadecimal), a float, a boolean, or a name. (Its fourth case, `1e-3` written as the
/// literal `1e`, a sign and a literal, is handled by the caller.)
fn literal_number(literal: &str) -> Option<f64> {
    let int = match literal.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16),
        None => literal.parse::<i64>(),
    };
    match int {
        Ok(i) => Some(i as f64),
        Err(_) => literal.parse::<f64>().ok(),
    }
}

impl Shape {
    /// Cuts `text` into this shape (`parts` is scratch space); false if it does not apply.
    fn cut(&mut self, text: &str, parts: &mut Vec<(usize, usize, bool)>) -> bool {
        // Strings and comments are tokenized differently; leave them to evalexpr.
        if text.contains('"') || text.contains("//") || text.contains("/*") {
            return false;
        }
        // Evalexpr's partial tokens: a run of literal characters, or one separator.
        parts.clear();
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            match parts.last_mut() {
                Some((_, last_end, true)) if !is_separator(c) && *last_end == i => *last_end = end,
                _ => parts.push((i, end, !is_separator(c))),
            }
        }
        let shape = self;
        shape.key.clear();
        shape.names.clear();
        shape.numbers.clear();
        let mut copied = 0;
        let mut j = 0;
        while j < parts.len() {
            let (start, end, literal) = parts[j];
            if !literal {
                j += 1;
                continue;
            }
            let word = &text[start..end];
            let (number, used) = match literal_number(word) {
                Some(n) => (Some(n), 1),
                None if word.parse::<bool>().is_ok() => {
                    j += 1; // a boolean stays as written
                    continue;
                }
                None => match (parts.get(j + 1), parts.get(j + 2)) {
                    // `1e-3`: evalexpr joins a literal, a sign and the next token into a float.
                    (Some(&(s, e, false)), Some(&(s3, e3, _))) if matches!(&text[s..e], "+" | "-") => {
                        match format!("{word}{}{}", &text[s..e], &text[s3..e3]).parse::<f64>() {
                            Ok(n) => (Some(n), 3),
                            Err(_) => (None, 1),
                        }
                    }
                    _ => (None, 1),
                },
            };
            let to = parts[j + used - 1].1;
            shape.key.push_str(&text[copied..start]);
            match number {
                Some(n) => {
                    let _ = write!(shape.key, "{}", shape.numbers.len());
                    shape.numbers.push(n);
                }
                None => {
                    let _ = write!(shape.key, "_{}", shape.names.len());
                    shape.names.push((start, end));
                }
            }
            copied = to;
            j += used;
        }
        shape.key.push_str(&text[copied..]);
        true
    }

    /// The shape's expression with the names and numbers of `text`, the formula last cut.
    fn fill(&self, text: &str, shape: &Expr) -> Option<Expr> {
        let mut expr = shape.clone();
        self.fill_in(text, &mut expr)?;
        Some(expr)
    }

    /// Whether [`Shape::fill`] succeeds, without building anything.
    fn fits(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Num(n) => n.fract() == 0.0 && *n >= 0.0 && (*n as usize) < self.numbers.len(),
            Expr::Bool(_) => true,
            Expr::Name(ident) => self.placeholder(&ident.written).is_some(),
            Expr::Unary(_, a) => self.fits(a),
            Expr::Binary(_, a, b) => self.fits(a) && self.fits(b),
            Expr::Call(call) => self.placeholder(&call.name).is_some() && call.args.iter().all(|a| self.fits(a)),
        }
    }

    /// The range of the name a placeholder (`_0`) stands for.
    fn placeholder(&self, placeholder: &str) -> Option<(usize, usize)> {
        let i: usize = placeholder.strip_prefix('_')?.parse().ok()?;
        self.names.get(i).copied()
    }

    fn name<'t>(&self, text: &'t str, placeholder: &str) -> Option<&'t str> {
        let (start, end) = self.placeholder(placeholder)?;
        text.get(start..end)
    }

    fn fill_in(&self, text: &str, expr: &mut Expr) -> Option<()> {
        match expr {
            Expr::Num(n) => {
                // Every number of a shape is a placeholder: its index, a whole number.
                if n.fract() != 0.0 || *n < 0.0 {
                    return None;
                }
                *n = *self.numbers.get(*n as usize)?
            }
            Expr::Bool(_) => {}
            Expr::Name(ident) => {
                let name = self.name(text, &ident.written)?;
                ident.written = name.to_string();
                ident.target = name.to_string();
            }
            Expr::Unary(_, a) => self.fill_in(text, a)?,
            Expr::Binary(_, a, b) => {
                self.fill_in(text, a)?;
                self.fill_in(text, b)?;
            }
            Expr::Call(call) => {
                call.name = self.name(text, &call.name)?.to_string();
                for a in &mut call.args {
                    self.fill_in(text, a)?;
                }
            }
        }
        Some(())
    }
}

/// The number of `-` and `!` that are prefix operators (after the start, `(`, `,` or another
/// operator), and the offset of the one past [`MAX_PREFIX_OPERATORS`].
fn prefix_operators(text: &str) -> (usize, Option<usize>) {
    let (mut count, mut beyond) = (0, None);
    let mut after_operand = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'-' | b'!' if !after_operand => {
                count += 1;
                if count == MAX_PREFIX_OPERATORS + 1 {
                    beyond = Some(i);
                }
            }
            b'(' | b',' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'<' | b'>' | b'=' | b'&' | b'|' | b'!' | b';' => {
                after_operand = false
            }
            _ => after_operand = true,
        }
    }
    (count, beyond)
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
        return Err(FormulaError::TooManyOperations);
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
        Operator::VariableIdentifierRead { identifier } => Ok(Expr::Name(Box::new(Ident {
            written: identifier.clone(),
            target: identifier.clone(),
        }))),
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
            Ok(Expr::Call(Box::new(Call {
                name: identifier.clone(),
                args: call_args(arg, d)?,
            })))
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
            Expr::Call(call) => call.args.iter().for_each(|a| a.for_each_name(f)),
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
            Expr::Call(call) => call.args.iter_mut().for_each(|a| a.rewrite_names(f)),
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
            Expr::Call(call) => {
                f(&call.name);
                call.args.iter().for_each(|a| a.for_each_call(f));
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
            Expr::Call(call) => {
                call.name.hash(h);
                call.args.len().hash(h);
                call.args.iter().for_each(|a| a.hash_into(h));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Expr {
        Expr::Name(Box::new(Ident {
            written: s.into(),
            target: s.into(),
        }))
    }

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call(Box::new(Call {
            name: name.into(),
            args,
        }))
    }

    #[test]
    fn a_node_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Expr>(), 24);
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
        assert_eq!(parse("f()").unwrap(), call("f", vec![]));
        assert_eq!(parse("f(a)").unwrap(), call("f", vec![name("a")]));
        assert_eq!(parse("f(a, 2)").unwrap(), call("f", vec![name("a"), Expr::Num(2.0)]));
    }

    #[test]
    fn incomplete_formulas_are_rejected() {
        assert_eq!(parse("1 +"), Err(FormulaError::MissingOperand { op: "+" }));
        assert_eq!(parse("a + * b"), Err(FormulaError::MissingOperand { op: "*" }));
        assert_eq!(parse("(1"), Err(FormulaError::UnclosedParen { at: 0 }));
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
    fn unbalanced_parentheses_point_at_the_culprit() {
        assert_eq!(parse("(a + b * 2"), Err(FormulaError::UnclosedParen { at: 0 }));
        assert_eq!(parse("(a + b)) * 2"), Err(FormulaError::UnopenedParen { at: 7 }));
        assert_eq!(parse("f((a), (b)"), Err(FormulaError::UnclosedParen { at: 1 }));
        // Parentheses inside a string do not count (the string is refused for itself).
        assert!(matches!(parse("\"(\" + 1"), Err(FormulaError::StringLiteral(_))));
        assert_eq!(FormulaError::UnopenedParen { at: 7 }.locate("(a + b)) * 2"), Some(7..8));
    }

    #[test]
    fn evalexpr_errors_are_put_in_words() {
        assert_eq!(parse("2 3"), Err(FormulaError::MissingOperator));
        assert_eq!(parse("2 (a + b)"), Err(FormulaError::MissingOperatorAtParen));
        assert_eq!(parse("a & b"), Err(FormulaError::PartialOperator("&".into())));
        assert_eq!(parse("\"abc"), Err(FormulaError::UnclosedString));
    }

    #[test]
    fn errors_locate_their_text() {
        fn locate(text: &str) -> Option<&str> {
            let err = parse(text).unwrap_err();
            err.locate(text).map(|r| &text[r])
        }
        assert_eq!(locate("a + * b"), Some("*"));
        assert_eq!(locate("1 +"), Some("+"));
        // Written twice: which one is meant is not known.
        assert_eq!(locate("a - b - "), None);
        assert_eq!(locate("x * gpu  hours"), Some("gpu  hours"));
        assert_eq!(locate("hours * \"2.5\""), Some("\"2.5\""));
        let deep = format!("x + {}1{}", "(".repeat(70), ")".repeat(70));
        assert_eq!(FormulaError::TooDeep.locate(&deep), Some(68..69));
    }

    #[test]
    fn long_chains_of_operators_are_refused() {
        let sum = vec!["x"; MAX_TREE_DEPTH + 2].join(" + ");
        assert_eq!(parse(&sum), Err(FormulaError::TooManyOperations));
        assert!(parse(&vec!["x"; MAX_TREE_DEPTH / 2].join(" + ")).is_ok());
        let negations = format!("{}x", "- ".repeat(MAX_PREFIX_OPERATORS + 1));
        assert_eq!(parse(&negations), Err(FormulaError::TooDeep));
        assert_eq!(FormulaError::TooDeep.locate(&negations), Some(128..129));
        assert!(parse(&format!("{}x", "-".repeat(MAX_PREFIX_OPERATORS))).is_ok());
        // Binary minus is not a prefix operator.
        assert!(parse(&vec!["x"; 200].join(" - ")).is_ok());
    }

    /// Every formula accepted can be parsed on a thread with a small stack: [`parse_many`]
    /// parses on such threads, and so does anything that embeds the engine.
    #[test]
    fn the_worst_accepted_formulas_parse_on_a_small_stack() {
        let worst = [
            vec!["x"; MAX_TREE_DEPTH - 2].join("+"),
            vec!["x"; MAX_TREE_DEPTH - 2].join("^"),
            format!("{}x{}", "(-".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH)),
            format!("{}x{}", "f(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH)),
            format!("{}x", "!".repeat(MAX_PREFIX_OPERATORS)),
            format!("{}x", "- ".repeat(10_000)),
            vec!["x"; 8000].join("+"),
        ];
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || worst.iter().map(|text| parse(text).is_ok()).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(handle.join().unwrap(), [true, true, true, true, true, false, false]);
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
            assert_eq!(
                parse_many_on(&texts, threads).collect::<Vec<_>>(),
                serial,
                "{threads} threads"
            );
        }
        assert_eq!(parse_many(&texts).collect::<Vec<_>>(), serial);
        // A queue worked by a thread that starts late, and finished by the caller.
        let queue = ParseQueue::new(&texts);
        std::thread::scope(|scope| {
            scope.spawn(|| queue.work());
            queue.work();
        });
        assert_eq!(queue.finish().collect::<Vec<_>>(), serial);
        assert_eq!(ParseQueue::new(&texts).finish().collect::<Vec<_>>(), serial);
        assert_eq!(parse_many(&texts[..3]).collect::<Vec<_>>(), serial[..3]);
        assert!(parse_many::<&str>(&[]).next().is_none());
    }

    #[test]
    fn fingerprint_follows_targets() {
        let mut a = parse("x + 1").unwrap();
        let b = parse("x + 1").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        a.rewrite_names(&mut |i| i.target = "y".into());
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    /// Parsing by shape gives exactly what parsing each formula as written gives: the same
    /// expression, or the same error. Random formulas of names, numbers in every notation
    /// evalexpr reads (`0x1F`, `1e-3` written as `1e`, `-`, `3`), booleans, operators,
    /// parentheses and whitespace, many of them malformed.
    #[test]
    fn parsing_by_shape_is_parsing_as_written() {
        const WORDS: &[&str] = &[
            "a",
            "x1",
            "c12",
            "tpu_v4.peak_flops_bf16",
            "math::sqrt",
            "sqrt",
            "min",
            "max",
            "if",
            "e",
            "E",
            "inf",
            "NaN",
            "nan",
            "infinity",
            "true",
            "false",
            "_0",
            "_1",
            "0",
            "1",
            "12",
            "007",
            "3.25",
            ".5",
            "5.",
            "0x1F",
            "0x",
            "0xZZ",
            "1e",
            "1E",
            "2e",
            "1.5e",
            "1e5",
            "9223372036854775808",
            "é",
            "x_é",
            "a.b.c",
        ];
        const GLUE: &[&str] = &[
            " ", "", "+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "=", "+=", ",",
            ";", "(", ")", " (", ") ", "\t", "\u{a0}", " - ", "-(", "&", "|",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut texts: Vec<String> = vec![
            "c1 * 1.000001 + 1".into(),
            "x * 5 + 5".into(),
            "1e-3 * a".into(),
            "1e - 3 * a".into(),
            "2e+x".into(),
            "1e-x".into(),
            "min(a, 1e-3, 0x1F)".into(),
            "gpu hours * 2".into(),
            "if(a > 1e+2, true, false)".into(),
            "math::sqrt(x) + sqrt(-x)".into(),
            "a = 1".into(),
            "\"s\" + 1".into(),
            "a // comment".into(),
            "f()".into(),
            "()".into(),
            "-inf + NaN".into(),
        ];
        for _ in 0..20_000 {
            let mut t = String::new();
            for _ in 0..1 + next(10) {
                t.push_str(WORDS[next(WORDS.len())]);
                t.push_str(GLUE[next(GLUE.len())]);
            }
            texts.push(t);
        }
        // Well-formed ones too: operands joined by binary operators, some in calls.
        const OPS: &[&str] = &[" + ", "-", " * ", "/", "^", " % ", " == ", "<", " && ", "- -"];
        for _ in 0..10_000 {
            let mut t = String::new();
            for k in 0..1 + next(6) {
                if k > 0 {
                    t.push_str(OPS[next(OPS.len())]);
                }
                let word = WORDS[next(WORDS.len())];
                match next(4) {
                    0 => t.push_str(&format!("{}({word}, {})", WORDS[next(9)], WORDS[next(WORDS.len())])),
                    1 => t.push_str(&format!("({word})")),
                    _ => t.push_str(word),
                }
            }
            texts.push(t);
        }
        // Each text twice, so that most are parsed from a shape seen before.
        let twice: Vec<&String> = texts.iter().chain(texts.iter()).collect();
        let by_shape = parse_many_on(&twice, 1);
        // Checking (on every core) refuses exactly the formulas that parsing refuses.
        let mut refused = check_many(&twice).into_iter().peekable();
        let mut ok = 0;
        for (i, (text, got)) in twice.iter().zip(by_shape).enumerate() {
            let want = parse(text);
            // Compared as printed: NaN is not equal to itself.
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{text:?}");
            let checked = refused.next_if(|(at, _)| *at == i).map(|(_, e)| e);
            assert_eq!(checked, want.as_ref().err().cloned(), "{text:?}");
            ok += want.is_ok() as usize;
        }
        assert!(refused.next().is_none());
        assert!(ok > 5000, "only {ok} formulas parsed: the test exercises too little");
    }
}
