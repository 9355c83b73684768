//! The unit grammar: `unit` strings → [`Unit`]s.
//!
//! ```text
//! unit   := term (("·" | "*" | "/") term)*      left to right: FLOP/param/token = FLOP/(param·token)
//! term   := power power*                       side by side binds tighter: USD/1k tokens = USD/(1000·token)
//! power  := atom ("^" "-"? digits)?             s^2, s^-1
//! atom   := number | word | "(" unit ")"        1000, 1k, 2.5e3; USD, kWh, tokens, GPUs
//! ```
//!
//! A word is a known unit (USD, FLOP, s, min, h, day, yr, B, token, param, J, W, Wh, %, x and
//! their spellings), a known unit with a prefix (SI `k M G T P E` on FLOP, B, token, param, J,
//! W, Wh; binary `Ki Mi Gi Ti Pi` on B), a unit the workbook or a pack defines (`units:`), or
//! else a count unit of its own (`GPUs`, `queries`). Plural and singular are one unit
//! (`tokens` = `token`, `queries` = `query`). A word that is close to a known unit but not one
//! (`hr`, `FLOPS`, `percent`, `usd`) is an error with "did you mean", never a count.

use crate::unit::{Dims, Unit};
use std::collections::HashMap;
use thiserror::Error;

/// Why a unit string is not a unit, or a definition not a definition.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    #[error("the unit is empty")]
    Empty,
    #[error("`{word}` is not a unit")]
    Near {
        word: String,
        /// What to write instead: `h`, `FLOP/s`.
        suggestion: String,
        /// Why, when the suggestion alone does not say it.
        why: Option<String>,
    },
    #[error("`{text}` does not parse as a unit: {problem}")]
    Syntax { text: String, problem: String },
    #[error("`{0}` is a built-in unit and cannot be defined again")]
    Builtin(String),
    #[error("`{0}` is not a word: a unit defined in `units:` is one word of letters, digits and `_`")]
    BadName(String),
}

impl UnitError {
    /// How to fix it, for a `help:` line.
    pub fn help(&self) -> String {
        match self {
            UnitError::Empty => "write a unit (`USD/h`), or leave `unit` out".into(),
            UnitError::Near { suggestion, why, .. } => match why {
                Some(why) => format!("did you mean `{suggestion}`? {why}"),
                None => format!("did you mean `{suggestion}`?"),
            },
            UnitError::Syntax { .. } => {
                "a unit is words and numbers joined by `·`, `*`, `/`, `^` and parentheses: `USD/h`, `FLOP/param/token`, `USD/1k tokens`".into()
            }
            UnitError::Builtin(_) => "give the unit another name, or use the built-in one as it is".into(),
            UnitError::BadName(_) => "name it with one word, e.g. `word` or `gpu_hour`".into(),
        }
    }
}

/// The units a workbook knows: the built-in ones, and those its packs and itself define.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// By singular name: `word` → 0.75 token.
    defined: HashMap<String, Unit>,
}

/// A built-in unit: its scale in base units, its dimension, and whether it takes prefixes.
struct Builtin {
    key: &'static str,
    scale: f64,
    dims: &'static [(&'static str, i32)],
    prefixes: Prefixes,
    marker: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Prefixes {
    None,
    Si,
    /// SI and binary (bytes).
    Both,
}

const HOUR: f64 = 3600.0;
/// A year is 365 days (no leap day): 31,536,000 s.
const YEAR: f64 = 365.0 * 86400.0;

fn builtin(word: &str) -> Option<Builtin> {
    let b = |key, scale, dims, prefixes| Builtin {
        key,
        scale,
        dims,
        prefixes,
        marker: false,
    };
    let marker = |key| Builtin {
        key,
        scale: 1.0,
        dims: &[],
        prefixes: Prefixes::None,
        marker: true,
    };
    use Prefixes::*;
    Some(match word {
        "USD" | "$" => b("USD", 1.0, &[("USD", 1)], None),
        "FLOP" => b("FLOP", 1.0, &[("FLOP", 1)], Si),
        "s" | "second" => b("s", 1.0, &[("s", 1)], None),
        "min" | "minute" => b("min", 60.0, &[("s", 1)], None),
        "h" | "hour" => b("h", HOUR, &[("s", 1)], None),
        "day" => b("day", 86400.0, &[("s", 1)], None),
        "yr" | "year" => b("yr", YEAR, &[("s", 1)], None),
        "B" | "byte" => b("B", 1.0, &[("B", 1)], Both),
        "token" => b("token", 1.0, &[("token", 1)], Si),
        "param" => b("param", 1.0, &[("param", 1)], Si),
        "J" => b("J", 1.0, &[("J", 1)], Si),
        "W" => b("W", 1.0, &[("J", 1), ("s", -1)], Si),
        "Wh" => b("Wh", HOUR, &[("J", 1)], Si),
        "%" => marker("%"),
        "x" | "×" => marker("x"),
        _ => return Option::None,
    })
}

/// Spellings that look like a unit but are not one: each is an error naming the unit meant.
fn near_miss(word: &str) -> Option<(&'static str, Option<&'static str>)> {
    let flops = Some("`FLOPS` reads as FLOP per second; write `FLOP/s` for a rate, `FLOP` for a count");
    Some(match word {
        "hr" | "hrs" | "Hr" | "Hrs" | "H" => ("h", None),
        "sec" | "secs" | "S" => ("s", None),
        "FLOPS" | "flops" | "Flops" | "FLOPs/s" => ("FLOP/s", flops),
        "percent" | "pct" | "percentage" => ("%", Some("`%` values are fractions: 0.462 prints 46.2%")),
        "usd" | "Usd" | "dollar" | "dollars" | "USD$" => ("USD", None),
        "b" => ("B", Some("`B` is a byte; flopsheet has no bit")),
        "KB" => ("kB", Some("`kB` is 1000 B, `KiB` 1024 B")),
        "kwh" | "KWh" | "kWH" => ("kWh", None),
        "X" => ("x", None),
        _ => return None,
    })
}

/// The singular of a plural: `tokens` → `token`, `queries` → `query`, `searches` → `search`.
pub fn singular(word: &str) -> &str {
    if word.chars().count() < 3 {
        return word;
    }
    // `ies` → `y` needs a new string; callers compare, so this returns the stem and the
    // caller tries `y` (see `singulars`).
    for suffix in ["ches", "shes", "sses", "xes"] {
        if word.ends_with(suffix) {
            return &word[..word.len() - 2];
        }
    }
    match word.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') => stem,
        _ => word,
    }
}

/// The forms to look a word up by: as written, then singular (`queries` → `query`).
fn singulars(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    if let Some(stem) = word.strip_suffix("ies").filter(|s| s.len() >= 2) {
        out.push(format!("{stem}y"));
    }
    let one = singular(word);
    if one != word {
        out.push(one.to_string());
    }
    out
}

/// The singular a count unit is known by.
fn count_key(word: &str) -> String {
    match word.strip_suffix("ies").filter(|s| s.len() >= 2) {
        Some(stem) => format!("{stem}y"),
        None => singular(word).to_string(),
    }
}

const SI: [(&str, f64); 6] = [
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];
const BINARY: [(&str, f64); 5] = [
    ("Ki", 1024.0),
    ("Mi", 1048576.0),
    ("Gi", 1073741824.0),
    ("Ti", 1099511627776.0),
    ("Pi", 1125899906842624.0),
];

/// Long names of built-in units, for "did you mean" on a misspelling (`tokn`).
const LONG_NAMES: [&str; 7] = ["token", "param", "second", "minute", "FLOP", "hour", "year"];

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Defines `name` (one word) as `definition` (a unit, or `count` for a count unit of its
    /// own); the definition may use units defined before it.
    pub fn define(&mut self, name: &str, definition: &str) -> Result<(), UnitError> {
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(UnitError::BadName(name.to_string()));
        }
        if singulars(name).iter().any(|w| builtin(w).is_some()) {
            return Err(UnitError::Builtin(name.to_string()));
        }
        let key = count_key(name);
        let unit = if definition.trim() == "count" {
            Unit::factor(&key, name, 1.0, Dims::base(&key), false)
        } else {
            self.parse(definition)?
        };
        self.defined.insert(key, unit);
        Ok(())
    }

    /// The definition of a unit defined with [`Registry::define`], by any of its spellings.
    pub fn defined(&self, name: &str) -> Option<&Unit> {
        singulars(name).iter().find_map(|w| self.defined.get(w))
    }

    /// Parses a unit string.
    pub fn parse(&self, text: &str) -> Result<Unit, UnitError> {
        let tokens = lex(text)?;
        if tokens.is_empty() {
            return Err(UnitError::Empty);
        }
        let mut p = Parser {
            registry: self,
            tokens,
            at: 0,
            text,
        };
        let unit = p.unit(0)?;
        match p.tokens.get(p.at) {
            None => Ok(unit),
            Some(t) => Err(p.syntax(&format!("unexpected `{}`", t.show()))),
        }
    }

    /// One word as a unit.
    fn word(&self, word: &str) -> Result<Unit, UnitError> {
        if let Some(unit) = self.defined(word) {
            // A defined word prints as written, compares as what it is defined to be.
            let key = count_key(word);
            return Ok(Unit::factor(&key, word, unit.scale(), unit.dims(), false));
        }
        if let Some(b) = builtin(word) {
            return Ok(from_builtin(&b, word, "", 1.0));
        }
        if let Some((suggestion, why)) = near_miss(word) {
            return Err(near(word, suggestion, why));
        }
        for form in singulars(word).iter().skip(1) {
            if let Some(b) = builtin(form) {
                return Ok(from_builtin(&b, word, "", 1.0));
            }
        }
        if let Some(unit) = prefixed(word) {
            return Ok(unit);
        }
        if let Some(suggestion) = misspelled(word) {
            return Err(near(word, &suggestion, None));
        }
        let key = count_key(word);
        Ok(Unit::factor(&key, word, 1.0, Dims::base(&key), false))
    }
}

fn near(word: &str, suggestion: &str, why: Option<&str>) -> UnitError {
    UnitError::Near {
        word: word.to_string(),
        suggestion: suggestion.to_string(),
        why: why.map(str::to_string),
    }
}

fn from_builtin(b: &Builtin, written: &str, prefix: &str, factor: f64) -> Unit {
    let dims = Dims::from_pairs(b.dims);
    let key = format!("{prefix}{}", b.key);
    Unit::factor(&key, written, b.scale * factor, dims, b.marker)
}

/// `kWh`, `TFLOP`, `Mtokens`, `GiB`: a prefix on a unit that takes one.
fn prefixed(word: &str) -> Option<Unit> {
    let binary = BINARY.iter().map(|p| (p.0, p.1, true));
    for (prefix, factor, is_binary) in binary.chain(SI.iter().map(|p| (p.0, p.1, false))) {
        let Some(rest) = word.strip_prefix(prefix) else {
            continue;
        };
        for form in singulars(rest) {
            let Some(b) = builtin(&form) else { continue };
            let fits = match b.prefixes {
                Prefixes::None => false,
                Prefixes::Si => !is_binary,
                Prefixes::Both => true,
            };
            // `$` and aliases take no prefix: only the unit's own symbol.
            if fits && form == b.key {
                return Some(from_builtin(&b, word, prefix, factor));
            }
        }
    }
    None
}

/// A built-in unit this word is a misspelling of: another case (`flop`, `Token`), or one edit
/// away from a long name (`tokn`, `parms`).
fn misspelled(word: &str) -> Option<String> {
    let forms = singulars(word);
    let lower: Vec<String> = forms.iter().map(|w| w.to_lowercase()).collect();
    for symbol in ["USD", "FLOP", "token", "param", "Wh", "min", "day", "yr", "byte"] {
        if lower.contains(&symbol.to_lowercase()) {
            return Some(symbol.to_string());
        }
    }
    let stem = forms.last()?;
    if stem.chars().count() < 4 {
        return None;
    }
    LONG_NAMES
        .iter()
        .find(|name| name.len() >= 4 && strsim::damerau_levenshtein(stem, name) == 1)
        .map(|name| name.to_string())
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Word(String),
    Mul,
    Div,
    Pow(i32),
    Open,
    Close,
}

impl Token {
    fn show(&self) -> String {
        match self {
            Token::Num(n) => crate::unit::number(*n),
            Token::Word(w) => w.clone(),
            Token::Mul => "·".into(),
            Token::Div => "/".into(),
            Token::Pow(n) => format!("^{n}"),
            Token::Open => "(".into(),
            Token::Close => ")".into(),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || c == '%' || c == '×'
}

fn lex(text: &str) -> Result<Vec<Token>, UnitError> {
    let syntax = |problem: String| UnitError::Syntax {
        text: text.to_string(),
        problem,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            _ if c.is_whitespace() => i += 1,
            '·' | '*' | '⋅' => {
                out.push(Token::Mul);
                i += 1;
            }
            '/' => {
                out.push(Token::Div);
                i += 1;
            }
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '^' => {
                let start = i + 1;
                let mut end = start;
                if chars.get(end) == Some(&'-') {
                    end += 1;
                }
                while chars.get(end).is_some_and(|c| c.is_ascii_digit()) {
                    end += 1;
                }
                let digits: String = chars[start..end].iter().collect();
                let n: i32 = digits
                    .parse()
                    .ok()
                    .filter(|n: &i32| n.abs() <= 16)
                    .ok_or_else(|| syntax("`^` takes a whole number from -16 to 16 (`s^2`, `s^-1`)".into()))?;
                out.push(Token::Pow(n));
                i = end;
            }
            _ if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while chars.get(i).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                    i += 1;
                }
                // An exponent only when digits follow: `1e6`, not the `e` of a word.
                if matches!(chars.get(i), Some('e' | 'E')) {
                    let mut j = i + 1;
                    if matches!(chars.get(j), Some('+' | '-')) {
                        j += 1;
                    }
                    if chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
                        while chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
                            j += 1;
                        }
                        i = j;
                    }
                }
                let literal: String = chars[start..i].iter().collect();
                let mut n: f64 = literal
                    .parse()
                    .map_err(|_| syntax(format!("`{literal}` is not a number")))?;
                // `1k`, `1M`: an SI suffix standing alone after the number.
                if let Some(&s) = chars.get(i) {
                    let alone = !chars.get(i + 1).is_some_and(|c| is_word_char(*c));
                    if let Some((_, f)) = SI.iter().find(|p| p.0.starts_with(s)).filter(|_| alone) {
                        n *= f;
                        i += 1;
                    }
                }
                out.push(Token::Num(n));
            }
            _ if is_word_char(c) => {
                let start = i;
                while chars.get(i).is_some_and(|c| is_word_char(*c)) {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(syntax(format!("`{other}` is not part of a unit"))),
        }
    }
    Ok(out)
}

struct Parser<'r> {
    registry: &'r Registry,
    tokens: Vec<Token>,
    at: usize,
    text: &'r str,
}

/// Parentheses nested deeper than this are refused (the parser recurses on them).
const MAX_NESTING: usize = 16;

impl Parser<'_> {
    fn syntax(&self, problem: &str) -> UnitError {
        UnitError::Syntax {
            text: self.text.to_string(),
            problem: problem.to_string(),
        }
    }

    fn unit(&mut self, depth: usize) -> Result<Unit, UnitError> {
        let mut unit = self.term(depth)?;
        loop {
            match self.tokens.get(self.at) {
                Some(Token::Mul) => {
                    self.at += 1;
                    unit = unit.mul(&self.term(depth)?);
                }
                Some(Token::Div) => {
                    self.at += 1;
                    unit = unit.div(&self.term(depth)?);
                }
                _ => return Ok(unit),
            }
        }
    }

    fn term(&mut self, depth: usize) -> Result<Unit, UnitError> {
        let mut unit = self.power(depth)?;
        while matches!(
            self.tokens.get(self.at),
            Some(Token::Num(_) | Token::Word(_) | Token::Open)
        ) {
            unit = unit.mul(&self.power(depth)?);
        }
        Ok(unit)
    }

    fn power(&mut self, depth: usize) -> Result<Unit, UnitError> {
        let unit = self.atom(depth)?;
        match self.tokens.get(self.at) {
            Some(Token::Pow(n)) => {
                let n = *n;
                self.at += 1;
                Ok(unit.powi(n))
            }
            _ => Ok(unit),
        }
    }

    fn atom(&mut self, depth: usize) -> Result<Unit, UnitError> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        match token {
            Some(Token::Num(n)) => Ok(Unit::number(n)),
            Some(Token::Word(w)) => self.registry.word(&w),
            Some(Token::Open) if depth < MAX_NESTING => {
                let unit = self.unit(depth + 1)?;
                match self.tokens.get(self.at) {
                    Some(Token::Close) => {
                        self.at += 1;
                        Ok(unit)
                    }
                    _ => Err(self.syntax("a `(` is never closed")),
                }
            }
            Some(Token::Open) => Err(self.syntax("parentheses nest too deep")),
            Some(other) => Err(self.syntax(&format!("a unit is missing before `{}`", other.show()))),
            None => Err(self.syntax("a unit is missing at the end")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Unit {
        Registry::new().parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn suggestion(text: &str) -> String {
        match Registry::new().parse(text) {
            Err(UnitError::Near { suggestion, .. }) => suggestion,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn the_shipped_units_parse_to_their_dimension_and_scale() {
        let cases = [
            ("USD/h", "USD/s", 1.0 / 3600.0),
            ("FLOP/s", "FLOP/s", 1.0),
            ("USD/FLOP", "USD/FLOP", 1.0),
            ("B/s", "B/s", 1.0),
            ("FLOP/param/token", "FLOP/(param·token)", 1.0),
            ("tokens/s", "token/s", 1.0),
            ("USD/1k tokens", "USD/token", 1e-3),
            ("USD/kWh", "USD/J", 1.0 / 3.6e6),
            ("W", "J/s", 1.0),
            ("Wh", "J", 3600.0),
            ("GiB", "B", 1073741824.0),
            ("USD/Mtoken", "USD/token", 1e-6),
            ("TFLOP/s", "FLOP/s", 1e12),
            ("days", "s", 86400.0),
            ("yr", "s", 365.0 * 86400.0),
            ("%", "1", 1.0),
            ("x", "1", 1.0),
            ("GPUs", "GPU", 1.0),
            ("queries", "query", 1.0),
            ("nats/token", "nat/token", 1.0),
            ("USD·s/(h·FLOP)", "USD/FLOP", 1.0 / 3600.0),
            ("s^-1", "1/s", 1.0),
            ("B^2", "B^2", 1.0),
        ];
        for (text, dims, scale) in cases {
            let unit = parse(text);
            assert_eq!(unit.dims().to_string(), dims, "{text}");
            assert!(crate::unit::close(unit.scale(), scale), "{text}: {}", unit.scale());
        }
    }

    #[test]
    fn plural_and_singular_are_one_unit() {
        for (a, b) in [
            ("tokens", "token"),
            ("params", "param"),
            ("queries", "query"),
            ("searches", "search"),
            ("days", "day"),
            ("FLOPs", "FLOP"),
            ("Mtokens", "Mtoken"),
        ] {
            assert!(parse(a).same(&parse(b)), "{a} {b}");
        }
        assert!(!parse("GPUs").same(&parse("words")));
    }

    #[test]
    fn near_misses_are_errors_with_a_suggestion() {
        assert_eq!(suggestion("hr"), "h");
        assert_eq!(suggestion("USD/hr"), "h");
        assert_eq!(suggestion("FLOPS"), "FLOP/s");
        assert_eq!(suggestion("percent"), "%");
        assert_eq!(suggestion("tokn"), "token");
        assert_eq!(suggestion("flop"), "FLOP");
        assert_eq!(suggestion("Tokens"), "token");
    }

    #[test]
    fn what_prints_parses_back() {
        for text in [
            "USD·s/(h·FLOP)",
            "USD/(1000·token)",
            "1/s",
            "FLOP/(param·token)",
            "B^2/s",
        ] {
            assert_eq!(parse(text).to_string(), text);
        }
    }

    #[test]
    fn bad_units_say_why() {
        let registry = Registry::new();
        assert_eq!(registry.parse("  "), Err(UnitError::Empty));
        for bad in ["USD/", "(USD", "s^x", "USD//h", "a#b", ")"] {
            assert!(matches!(registry.parse(bad), Err(UnitError::Syntax { .. })), "{bad}");
        }
    }

    #[test]
    fn definitions_say_what_a_word_is() {
        let mut registry = Registry::new();
        registry.define("word", "0.75 token").unwrap();
        let words = registry.parse("words").unwrap();
        assert_eq!(words.dims().to_string(), "token");
        assert!(crate::unit::close(words.scale(), 0.75));
        assert_eq!(words.to_string(), "words");
        assert_eq!(registry.define("h", "60 min"), Err(UnitError::Builtin("h".into())));
        registry.define("gear", "count").unwrap();
        assert_eq!(registry.parse("gears").unwrap().dims().to_string(), "gear");
    }
}
