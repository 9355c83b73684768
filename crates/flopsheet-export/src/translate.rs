//! A flopsheet [`Expr`] → the text of an Excel formula that computes the same value.
//!
//! Every operator and function has one translation (the table is in `docs/formats.md`);
//! parentheses are added wherever Excel's precedence differs from evalexpr's (Excel's unary
//! minus binds tighter than `^`). Pack and workbook functions
//! are expanded where they are called before translating (see [`crate::Export`]), so a call
//! left here is one with no spreadsheet equivalent. What cannot be translated faithfully is an
//! [`Unfaithful`] with the reason, never a formula that computes something else.

use flopsheet_engine::formula::{BinaryOp, UnaryOp};
use flopsheet_engine::Expr;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Excel's longest formula, in characters.
pub const MAX_FORMULA: usize = 8192;

/// Why an expression has no faithful spreadsheet formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfaithful(pub String);

/// A column of a row table as the spreadsheet holds it: consecutive cells of one column.
#[derive(Debug, Clone)]
pub struct Column {
    /// `'training'!$E$3:$E$9`.
    pub range: String,
    /// The Excel names of its cells, in row order.
    pub cells: Vec<String>,
    /// Whether any of its cells can be `#N/A` (something upstream is declared missing).
    pub may_be_na: bool,
}

/// What a translation looks names up in.
pub struct Context<'a> {
    /// flopsheet name → Excel defined name.
    pub names: &'a HashMap<String, String>,
    /// `TABLE.COLUMN` → the column.
    pub columns: &'a HashMap<String, Column>,
}

/// How tightly a piece of formula text binds, in Excel: an operand whose text binds less
/// tightly than its operator needs parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Compare,
    Add,
    Mul,
    Pow,
    /// A leading `-`.
    Neg,
    /// A number, a name, a call, or anything in parentheses.
    Atom,
}

/// The formula text (without the leading `=`) computing `expr`.
pub fn translate(expr: &Expr, cx: &Context) -> Result<String, Unfaithful> {
    let (text, _) = emit(expr, cx)?;
    if text.chars().count() + 1 > MAX_FORMULA {
        return Err(Unfaithful(format!(
            "the formula would be longer than Excel's {MAX_FORMULA} characters"
        )));
    }
    Ok(text)
}

fn emit(expr: &Expr, cx: &Context) -> Result<(String, Prec), Unfaithful> {
    Ok(match expr {
        Expr::Num(n) => number(*n)?,
        Expr::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_string(), Prec::Atom),
        Expr::Name(ident) => (name(&ident.target, cx)?, Prec::Atom),
        Expr::Unary(UnaryOp::Neg, a) => (format!("-{}", operand(a, Prec::Atom, cx)?), Prec::Neg),
        Expr::Unary(UnaryOp::Not, a) => (format!("NOT({})", emit(a, cx)?.0), Prec::Atom),
        Expr::Binary(op, a, b) => binary(*op, a, b, cx)?,
        Expr::Call(call) => {
            let name = call.name.strip_prefix("math::").unwrap_or(&call.name);
            function(name, &call.args, cx)?
        }
    })
}

/// `expr`'s text, in parentheses unless it binds at least as tightly as `min`.
fn operand(expr: &Expr, min: Prec, cx: &Context) -> Result<String, Unfaithful> {
    let (text, prec) = emit(expr, cx)?;
    Ok(if prec >= min { text } else { format!("({text})") })
}

fn binary(op: BinaryOp, a: &Expr, b: &Expr, cx: &Context) -> Result<(String, Prec), Unfaithful> {
    let (symbol, prec) = match op {
        BinaryOp::Add => ("+", Prec::Add),
        BinaryOp::Sub => ("-", Prec::Add),
        BinaryOp::Mul => ("*", Prec::Mul),
        BinaryOp::Div => ("/", Prec::Mul),
        // evalexpr's `^` binds tighter than its unary minus, Excel's looser (`-x^2` is
        // `(-x)^2` there): every operand of `^` that is not atomic gets parentheses.
        BinaryOp::Pow => {
            let text = format!("{}^{}", operand(a, Prec::Atom, cx)?, operand(b, Prec::Atom, cx)?);
            return Ok((text, Prec::Pow));
        }
        // `%` is the remainder of truncated division (Rust's `%`): the sign of the dividend.
        // Excel's MOD takes the sign of the divisor; on absolute values both agree.
        BinaryOp::Mod => {
            let (x, y) = (emit(a, cx)?.0, emit(b, cx)?.0);
            return Ok((format!("SIGN({x})*MOD(ABS({x}),ABS({y}))"), Prec::Mul));
        }
        BinaryOp::Eq => ("=", Prec::Compare),
        BinaryOp::Ne => ("<>", Prec::Compare),
        BinaryOp::Lt => ("<", Prec::Compare),
        BinaryOp::Le => ("<=", Prec::Compare),
        BinaryOp::Gt => (">", Prec::Compare),
        BinaryOp::Ge => (">=", Prec::Compare),
        BinaryOp::And | BinaryOp::Or => {
            let f = if op == BinaryOp::And { "AND" } else { "OR" };
            return Ok((format!("{f}({},{})", emit(a, cx)?.0, emit(b, cx)?.0), Prec::Atom));
        }
    };
    // Left to right in both: the left operand may bind as tightly as the operator, the right
    // one must bind more tightly (`a - (b - c)`).
    let left = operand(a, prec, cx)?;
    let right = operand(b, next(prec), cx)?;
    Ok((format!("{left}{symbol}{right}"), prec))
}

fn next(prec: Prec) -> Prec {
    match prec {
        Prec::Compare => Prec::Add,
        Prec::Add => Prec::Mul,
        Prec::Mul => Prec::Pow,
        Prec::Pow => Prec::Neg,
        Prec::Neg | Prec::Atom => Prec::Atom,
    }
}

fn function(name: &str, args: &[Expr], cx: &Context) -> Result<(String, Prec), Unfaithful> {
    let all = |cx: &Context| -> Result<Vec<String>, Unfaithful> { args.iter().map(|a| Ok(emit(a, cx)?.0)).collect() };
    let call = |f: &str, args: &[String]| (format!("{f}({})", args.join(",")), Prec::Atom);
    let one = |f: &str| -> Result<(String, Prec), Unfaithful> {
        match args {
            [x] => Ok(call(f, &[emit(x, cx)?.0])),
            _ => Err(arity(name)),
        }
    };
    Ok(match name {
        "abs" => one("ABS")?,
        "sqrt" => one("SQRT")?,
        "ln" => one("LN")?,
        "log10" => one("LOG10")?,
        "exp" => one("EXP")?,
        "round" => match args {
            // Both round half away from zero.
            [x] => call("ROUND", &[emit(x, cx)?.0, "0".into()]),
            _ => return Err(arity(name)),
        },
        // INT rounds down, as floor does, in every spreadsheet (FLOOR's sign rules vary).
        "floor" => one("INT")?,
        "ceil" => match args {
            [x] => (format!("-INT(-{})", operand(x, Prec::Atom, cx)?), Prec::Neg),
            _ => return Err(arity(name)),
        },
        "log2" => match args {
            [x] => call("LOG", &[emit(x, cx)?.0, "2".into()]),
            _ => return Err(arity(name)),
        },
        "log" => match args {
            [_, _] => call("LOG", &all(cx)?),
            _ => return Err(arity(name)),
        },
        "pow" => match args {
            [_, _] => call("POWER", &all(cx)?),
            _ => return Err(arity(name)),
        },
        "if" => match args {
            [_, _, _] => call("IF", &all(cx)?),
            _ => return Err(arity(name)),
        },
        // flopsheet's isna catches #N/A only: another error flows on, where Excel's ISNA
        // would say FALSE. `x*0<>0` is FALSE for any number and passes any error on.
        "isna" => match args {
            [x] => (format!("IFNA({}*0<>0,TRUE)", operand(x, Prec::Mul, cx)?), Prec::Atom),
            _ => return Err(arity(name)),
        },
        "ifna" => match args {
            [_, _] => call("IFNA", &all(cx)?),
            _ => return Err(arity(name)),
        },
        "min" | "max" | "sum" => {
            let f = name.to_ascii_uppercase();
            let parts: Vec<String> = args
                .iter()
                .map(|a| match column_of(a, cx) {
                    Some(column) if name == "sum" => Ok(column.range.clone()),
                    Some(column) => extreme(&f, column),
                    None => Ok(emit(a, cx)?.0),
                })
                .collect::<Result<_, _>>()?;
            match parts.as_slice() {
                // `min(t.a)` alone is its aggregate.
                [only] if name != "sum" && column_of(&args[0], cx).is_some() => (only.clone(), Prec::Atom),
                _ => call(&f, &parts),
            }
        }
        "mean" => {
            let column = single_column(name, args, cx)?;
            if column.may_be_na {
                // Skip #N/A rows: their sum over their count, each cell read once per term.
                let sum = column.cells.iter().map(|c| format!("IFNA({c},0)")).collect::<Vec<_>>();
                (format!("({})/({})", sum.join("+"), count_terms(column)), Prec::Mul)
            } else {
                call("AVERAGE", std::slice::from_ref(&column.range))
            }
        }
        "count" => {
            let column = single_column(name, args, cx)?;
            if column.may_be_na {
                (count_terms(column), Prec::Add)
            } else {
                // Every row counts; an error in any row flows on, as in flopsheet.
                (format!("ROWS({r})+0*SUM({r})", r = column.range), Prec::Add)
            }
        }
        "sumproduct" => match args {
            [a, b] => match (column_of(a, cx), column_of(b, cx)) {
                (Some(a), Some(b)) => call("SUMPRODUCT", &[a.range.clone(), b.range.clone()]),
                _ => return Err(Unfaithful("`sumproduct` takes two table columns".into())),
            },
            _ => return Err(arity(name)),
        },
        other => {
            return Err(Unfaithful(format!(
                "`{other}` has no spreadsheet equivalent (a function that could not be expanded)"
            )))
        }
    })
}

/// `MIN`/`MAX` of a column. Rows that are `#N/A` are skipped: each is replaced by a value
/// that cannot win (the sum of every absolute value, or its negative), and a column with
/// no value left is `#N/A`.
fn extreme(f: &str, column: &Column) -> Result<String, Unfaithful> {
    if column.cells.is_empty() {
        return Err(Unfaithful("an aggregate of a column with no rows".into()));
    }
    if !column.may_be_na {
        return Ok(format!("{f}({})", column.range));
    }
    let bound = column
        .cells
        .iter()
        .map(|c| format!("IFNA(ABS({c}),0)"))
        .collect::<Vec<_>>()
        .join(",");
    let sign = if f == "MIN" { "" } else { "-" };
    let terms: Vec<String> = column
        .cells
        .iter()
        .map(|c| format!("IFNA({c},{sign}SUM({bound}))"))
        .collect();
    Ok(format!("IF({}=0,NA(),{f}({}))", count_terms(column), terms.join(",")))
}

/// The number of rows that are not `#N/A`, any other error passed on.
fn count_terms(column: &Column) -> String {
    let terms: Vec<String> = column.cells.iter().map(|c| format!("IFNA({c}*0+1,0)")).collect();
    if terms.is_empty() {
        "0".into()
    } else {
        terms.join("+")
    }
}

fn column_of<'c>(arg: &Expr, cx: &'c Context) -> Option<&'c Column> {
    match arg {
        Expr::Name(ident) => cx.columns.get(&ident.target),
        _ => None,
    }
}

fn single_column<'c>(name: &str, args: &[Expr], cx: &'c Context) -> Result<&'c Column, Unfaithful> {
    match args {
        [a] => column_of(a, cx).ok_or_else(|| Unfaithful(format!("`{name}` takes a table column"))),
        _ => Err(arity(name)),
    }
}

fn arity(name: &str) -> Unfaithful {
    Unfaithful(format!("`{name}` is called with the wrong number of arguments"))
}

fn name(target: &str, cx: &Context) -> Result<String, Unfaithful> {
    cx.names
        .get(target)
        .cloned()
        .ok_or_else(|| Unfaithful(format!("`{target}` is not in the spreadsheet")))
}

/// A number as Excel reads it back to the same f64: the shortest decimal that does, with an
/// exponent (`2.75E+14`) when very large or very small.
fn number(n: f64) -> Result<(String, Prec), Unfaithful> {
    if !n.is_finite() {
        return Err(Unfaithful(format!("the constant {n} is not a finite number")));
    }
    let a = n.abs();
    let mut text = String::new();
    if a != 0.0 && !(1e-5..1e15).contains(&a) {
        let s = format!("{n:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = exponent.strip_prefix('-').map_or(("+", exponent), |d| ("-", d));
        let _ = write!(text, "{mantissa}E{sign}{digits}");
    } else {
        let _ = write!(text, "{n}");
    }
    let prec = if n < 0.0 { Prec::Neg } else { Prec::Atom };
    Ok((text, prec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flopsheet_engine::formula::parse;

    fn cx_names() -> HashMap<String, String> {
        ["a", "b", "z", "x", "y", "mfu", "t.r1.v", "t.r2.v"]
            .iter()
            .map(|n| (n.to_string(), crate::names::excel_name(n)))
            .collect()
    }

    fn tr(formula: &str) -> String {
        let names = cx_names();
        let mut columns = HashMap::new();
        let cells = vec!["t_r1_v".to_string(), "t_r2_v".to_string()];
        columns.insert(
            "t.v".to_string(),
            Column {
                range: "'t'!$B$3:$B$4".into(),
                cells: cells.clone(),
                may_be_na: false,
            },
        );
        columns.insert(
            "t.na".to_string(),
            Column {
                range: "'t'!$C$3:$C$4".into(),
                cells,
                may_be_na: true,
            },
        );
        let cx = Context {
            names: &names,
            columns: &columns,
        };
        translate(&parse(formula).unwrap(), &cx).unwrap()
    }

    #[test]
    fn operators_keep_evalexprs_precedence() {
        assert_eq!(tr("a + b * z"), "a+b*z");
        assert_eq!(tr("(a + b) * z"), "(a+b)*z");
        assert_eq!(tr("a - (b - z)"), "a-(b-z)");
        assert_eq!(tr("a - b - z"), "a-b-z");
        assert_eq!(tr("a / (b * z)"), "a/(b*z)");
        // Unary minus binds looser than ^ in evalexpr, tighter in Excel.
        assert_eq!(tr("-x^2"), "-(x^2)");
        assert_eq!(tr("(-x)^2"), "(-x)^2");
        // Both group ^ left to right; parentheses are kept either way.
        assert_eq!(tr("a^b^z"), "(a^b)^z");
        assert_eq!(tr("a^(b^z)"), "a^(b^z)");
        assert_eq!(tr("(a^b)^z"), "(a^b)^z");
        assert_eq!(tr("2^-x"), "2^(-x)");
        assert_eq!(tr("a * -b"), "a*-b");
        assert_eq!(tr("-(a + b)"), "-(a+b)");
        assert_eq!(tr("a % b"), "SIGN(a)*MOD(ABS(a),ABS(b))");
        assert_eq!(tr("z / (a % b)"), "z/(SIGN(a)*MOD(ABS(a),ABS(b)))");
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(tr("if(a == b, 1, 2)"), "IF(a=b,1,2)");
        assert_eq!(
            tr("if(a != b && !(a < z) || x >= y, 1, 2)"),
            "IF(OR(AND(a<>b,NOT(a<z)),x>=y),1,2)"
        );
        assert_eq!(tr("if(a + 1 <= b * 2, a, b)"), "IF(a+1<=b*2,a,b)");
        assert_eq!(tr("if(true, a, b)"), "IF(TRUE,a,b)");
    }

    #[test]
    fn functions() {
        assert_eq!(tr("floor(a) + ceil(b)"), "INT(a)+-INT(-b)");
        assert_eq!(tr("ceil(a + b)"), "-INT(-(a+b))");
        assert_eq!(tr("ceil(a)^2"), "(-INT(-a))^2");
        assert_eq!(tr("round(a)"), "ROUND(a,0)");
        assert_eq!(
            tr("log2(a) + log(a, 3) + ln(a) + log10(a)"),
            "LOG(a,2)+LOG(a,3)+LN(a)+LOG10(a)"
        );
        assert_eq!(
            tr("math::sqrt(pow(a, b)) * exp(abs(z))"),
            "SQRT(POWER(a,b))*EXP(ABS(z))"
        );
        assert_eq!(tr("min(a, b, 3) - max(x)"), "MIN(a,b,3)-MAX(x)");
        assert_eq!(tr("ifna(a, 0)"), "IFNA(a,0)");
        assert_eq!(tr("if(isna(a + b), 0, 1)"), "IF(IFNA((a+b)*0<>0,TRUE),0,1)");
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(tr("t.r1.v * mfu"), "t_r1_v*mfu");
        assert_eq!(tr("2.75e15 * 1e-18 + 0.462 + 3600"), "2.75E+15*1E-18+0.462+3600");
        assert_eq!(tr("123456789012345678"), "1.2345678901234568E+17");
    }

    #[test]
    fn aggregates() {
        assert_eq!(tr("sum(t.v)"), "SUM('t'!$B$3:$B$4)");
        assert_eq!(tr("sum(t.v, a)"), "SUM('t'!$B$3:$B$4,a)");
        assert_eq!(tr("mean(t.v)"), "AVERAGE('t'!$B$3:$B$4)");
        assert_eq!(tr("min(t.v)"), "MIN('t'!$B$3:$B$4)");
        assert_eq!(tr("max(t.v, a)"), "MAX(MAX('t'!$B$3:$B$4),a)");
        assert_eq!(tr("count(t.v)"), "ROWS('t'!$B$3:$B$4)+0*SUM('t'!$B$3:$B$4)");
        assert_eq!(tr("sumproduct(t.v, t.na)"), "SUMPRODUCT('t'!$B$3:$B$4,'t'!$C$3:$C$4)");
        assert_eq!(tr("2 * count(t.na)"), "2*(IFNA(t_r1_v*0+1,0)+IFNA(t_r2_v*0+1,0))");
        assert_eq!(
            tr("mean(t.na)"),
            "(IFNA(t_r1_v,0)+IFNA(t_r2_v,0))/(IFNA(t_r1_v*0+1,0)+IFNA(t_r2_v*0+1,0))"
        );
        assert_eq!(
            tr("min(t.na)"),
            "IF(IFNA(t_r1_v*0+1,0)+IFNA(t_r2_v*0+1,0)=0,NA(),MIN(IFNA(t_r1_v,SUM(IFNA(ABS(t_r1_v),0),IFNA(ABS(t_r2_v),0))),IFNA(t_r2_v,SUM(IFNA(ABS(t_r1_v),0),IFNA(ABS(t_r2_v),0)))))"
        );
    }
}
