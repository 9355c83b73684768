//! RON errors as diagnostics a user can act on.
//!
//! RON reports where its parser stopped, which is often not where the mistake is: a missing
//! `}` shows up as "expected a string" at the next `)`, a missing comma at the start of the
//! next line. Here a small lexer (strings, raw strings, chars, nested comments) finds the
//! bracket that is really unbalanced and the place a comma belongs, and every message says
//! what was found, not only what was expected.

use crate::lex::{block_comment_end, line_comment_end, quoted_end, raw_string_end, raw_string_start};
use crate::source::{primary, secondary, Diagnostic, FileId};
use flopsheet_engine::suggest::closest;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Open(u8),
    Close(u8),
    /// A string, byte string, raw string or char literal.
    Str,
    /// Anything else that is not whitespace or a comment: a word, a number, `:`, `,`.
    Other,
}

/// The tokens of a RON text with their byte ranges; whitespace and comments are skipped.
/// Never fails: an unclosed string or comment runs to the end of the text.
fn tokens(text: &str) -> Vec<(Tok, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let word_before = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_comment_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
            b'(' | b'[' | b'{' => {
                out.push((Tok::Open(b), i..i + 1));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push((Tok::Close(b), i..i + 1));
                i += 1;
            }
            b'"' => {
                i = quoted_end(bytes, i + 1, b'"').1;
                out.push((Tok::Str, start..i));
            }
            b'\'' => {
                i = quoted_end(bytes, i + 1, b'\'').1;
                out.push((Tok::Str, start..i));
            }
            b'r' | b'b' if !word_before && raw_string_start(bytes, i).is_some() => {
                let (hashes, quote) = raw_string_start(bytes, i).unwrap_or((0, i + 1));
                i = raw_string_end(bytes, quote + 1, hashes).1;
                out.push((Tok::Str, start..i));
            }
            b'b' if !word_before && bytes.get(i + 1) == Some(&b'"') => {
                i = quoted_end(bytes, i + 2, b'"').1;
                out.push((Tok::Str, start..i));
            }
            _ => {
                // A run of word characters is one token; any other character is one on its own.
                let is_word = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'+' | b'-') || c >= 0x80;
                i += 1;
                if is_word(b) {
                    while i < bytes.len() && is_word(bytes[i]) {
                        i += 1;
                    }
                }
                while !text.is_char_boundary(i) {
                    i += 1;
                }
                out.push((Tok::Other, start..i));
            }
        }
    }
    out
}

/// The first bracket that does not balance.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unbalanced {
    /// A closing bracket of the wrong kind, and the bracket it should have closed.
    Mismatch { close: usize, open: usize },
    /// A closing bracket with nothing open.
    Extra { close: usize },
    /// An opening bracket still open at the end of the text.
    Unclosed { open: usize },
}

impl Unbalanced {
    fn at(&self) -> usize {
        match self {
            Unbalanced::Mismatch { close, .. } | Unbalanced::Extra { close } => *close,
            Unbalanced::Unclosed { .. } => usize::MAX,
        }
    }
}

fn unbalanced(tokens: &[(Tok, Range<usize>)]) -> Option<Unbalanced> {
    let mut stack: Vec<(u8, usize)> = Vec::new();
    for (tok, range) in tokens {
        match *tok {
            Tok::Open(b) => stack.push((b, range.start)),
            Tok::Close(b) => match stack.pop() {
                Some((open, _)) if closer(open) == b => {}
                Some((_, open)) => {
                    return Some(Unbalanced::Mismatch {
                        close: range.start,
                        open,
                    })
                }
                None => return Some(Unbalanced::Extra { close: range.start }),
            },
            _ => {}
        }
    }
    stack.last().map(|&(_, open)| Unbalanced::Unclosed { open })
}

fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn char_at(text: &str, at: usize) -> char {
    text[at..].chars().next().unwrap_or(' ')
}

/// The diagnostic of an unbalanced bracket.
fn bracket_diagnostic(text: &str, file: FileId, problem: &Unbalanced) -> Diagnostic {
    match *problem {
        Unbalanced::Mismatch { close, open } => {
            let (o, c) = (char_at(text, open), char_at(text, close));
            let want = closer(o as u8) as char;
            Diagnostic::error()
                .with_message(format!("this `{c}` does not close the `{o}` that is open"))
                .with_labels(vec![
                    primary(file, close..close + 1, format!("expected `{want}` before this")),
                    secondary(file, open..open + 1, format!("this `{o}` is not closed")),
                ])
                .with_notes(vec![format!("help: close the `{o}` with `{want}` where it ends")])
        }
        Unbalanced::Extra { close } => {
            let c = char_at(text, close);
            Diagnostic::error()
                .with_message(format!("this `{c}` closes nothing"))
                .with_labels(vec![primary(file, close..close + 1, "nothing to close")])
                .with_notes(vec!["help: remove it, or add the bracket it closes".to_string()])
        }
        Unbalanced::Unclosed { open } => {
            let o = char_at(text, open);
            let want = closer(o as u8) as char;
            Diagnostic::error()
                .with_message(format!("the file ends before this `{o}` is closed"))
                .with_labels(vec![primary(file, open..open + 1, "opened here")])
                .with_notes(vec![format!(
                    "help: add the `{want}` that closes it; if the file was cut short, save it again"
                )])
        }
    }
}

/// What the text at `at` is, in words: "a string", "the word `true`", "`}`".
fn found_at(text: &str, at: usize) -> String {
    let rest = &text[at.min(text.len())..];
    let Some(c) = rest.chars().next() else {
        return "the end of the file".into();
    };
    match c {
        '"' => "a string".into(),
        '[' => "a list `[...]`".into(),
        '{' => "a map `{...}`".into(),
        '(' => "`(`".into(),
        c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => "a number".into(),
        c if c.is_alphanumeric() || c == '_' => {
            let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            format!("`{word}`")
        }
        c => format!("`{c}`"),
    }
}

/// A RON error in `text` (RON's span converted to bytes) as a diagnostic. `expected` is what
/// the file should hold: `Workbook` or `Pack`.
pub(crate) fn ron_error(text: &str, file: FileId, code: &ron::Error, span: Range<usize>, expected: &str) -> Diagnostic {
    use ron::Error as E;
    let tokens = tokens(text);
    if tokens.is_empty() {
        let what = if text.trim().is_empty() {
            "the file is empty"
        } else {
            "the file holds only comments"
        };
        return Diagnostic::error()
            .with_message(what)
            .with_labels(vec![primary(file, 0..0, what)])
            .with_notes(vec![format!(
                "help: a {} file starts with `{expected}(`; see docs/formats.md",
                expected.to_lowercase()
            )]);
    }
    // A bracket that does not balance, at or before where RON stopped, is the real problem.
    if let Some(problem) = unbalanced(&tokens) {
        let syntax_error = matches!(
            code,
            E::Eof
                | E::ExpectedComma
                | E::ExpectedString
                | E::ExpectedStringEnd
                | E::ExpectedMapColon
                | E::ExpectedMapEnd
                | E::ExpectedArrayEnd
                | E::ExpectedStructLikeEnd
                | E::ExpectedIdentifier
                | E::TrailingCharacters
                | E::UnexpectedChar(_)
                | E::ExpectedFloat
                | E::ExpectedInteger
        );
        let explains = match problem {
            Unbalanced::Unclosed { .. } => matches!(code, E::Eof),
            _ => problem.at() <= span.start || matches!(code, E::Eof),
        };
        if syntax_error && explains {
            return bracket_diagnostic(text, file, &problem);
        }
    }
    // RON may point at the whitespace before the offending value: point at the value.
    let span = match tokens.iter().find(|(_, r)| r.end > span.start) {
        Some((_, r)) if text[span.clone()].trim().is_empty() => r.clone(),
        _ => span,
    };
    if let Some(diagnostic) = percentage(text, file, &tokens, span.start) {
        return diagnostic;
    }
    let found = found_at(text, span.start);
    if matches!(code, E::ExpectedComma) {
        if let Some(diagnostic) = unclosed_string(text, file, &tokens, span.start) {
            return diagnostic;
        }
    }
    let (message, label, help): (String, String, Option<String>) = match code {
        E::ExpectedComma => {
            // The comma belongs right after the previous value, not where RON noticed.
            let after = tokens
                .iter()
                .take_while(|(_, r)| r.start < span.start)
                .last()
                .map_or(span.start, |(_, r)| r.end);
            let mut labels = vec![
                primary(file, after..after, "expected `,` here"),
                secondary(file, span.clone(), format!("before {found}")),
            ];
            let mut notes = vec!["help: separate the entries of a map, list or `(...)` with commas".to_string()];
            // Or the value before it was never closed.
            if let Some(Unbalanced::Mismatch { open, .. } | Unbalanced::Unclosed { open }) = unbalanced(&tokens) {
                if open < span.start {
                    let o = char_at(text, open);
                    labels.push(secondary(file, open..open + 1, format!("or is this `{o}` not closed?")));
                    notes.push(format!(
                        "help: if the `{o}` is not closed, add `{}` where its value ends",
                        closer(o as u8) as char
                    ));
                }
            }
            return Diagnostic::error()
                .with_message("a comma is missing")
                .with_labels(labels)
                .with_notes(notes);
        }
        E::NoSuchStructField {
            expected: fields,
            found,
            ..
        } => {
            let suggestions = closest(found, fields.iter().copied());
            let hint = match suggestions.first() {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            (
                format!("unknown field `{found}`"),
                format!("unknown field `{found}`"),
                Some(format!("{hint}the fields here are: {}", fields.join(", "))),
            )
        }
        E::MissingStructField { field, outer } => {
            let message = format!(
                "missing field `{field}`{}",
                outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default()
            );
            // RON stops at the closing `)`: point at the struct's name and `(` instead.
            if let Some(opened) = opener_of(&tokens, span.start) {
                return Diagnostic::error()
                    .with_message(message)
                    .with_labels(vec![
                        primary(file, opened, format!("this has no `{field}`")),
                        secondary(file, span, "closed here"),
                    ])
                    .with_notes(vec![format!("help: add `{field}: ...`")]);
            }
            (message.clone(), message, Some(format!("add `{field}: ...`")))
        }
        E::DuplicateStructField { field, .. } => (
            format!("the field `{field}` is written twice"),
            "written again here".into(),
            Some("keep one of them".into()),
        ),
        E::Eof => (
            "unexpected end of file".into(),
            "the file ends here".into(),
            Some("the file stops in the middle of a value: is it complete?".into()),
        ),
        E::ExpectedDifferentStructName { expected: want, found } => (
            format!("expected `{want}(...)`, found `{found}(...)`"),
            format!("expected `{want}(...)`, found `{found}(...)`"),
            Some(format!("this command reads a {} file", want.to_lowercase())),
        ),
        E::ExpectedNamedStructLike(_) | E::ExpectedStructLike => (
            format!("expected `{expected}(`, found {found}"),
            format!("expected `{expected}(`"),
            Some(format!(
                "a {} file is one `{expected}(...)`; see docs/formats.md",
                expected.to_lowercase()
            )),
        ),
        E::ExpectedFloat | E::ExpectedInteger => {
            let unquoted = text[span.start..]
                .strip_prefix('"')
                .and_then(|s| s.split('"').next())
                .filter(|s| s.trim().parse::<f64>().is_ok());
            (
                format!("expected a number, found {found}"),
                "expected a number".into(),
                unquoted.map(|n| format!("write the number without quotes: `{}`", n.trim())),
            )
        }
        E::ExpectedStringEnd => (
            "a string is not closed".into(),
            "this string has no closing `\"`".into(),
            Some("add the `\"` that ends it; if the file was cut short, save it again".into()),
        ),
        E::ExpectedString => (
            format!("expected a string in double quotes, found {found}"),
            "expected a string".into(),
            None,
        ),
        E::ExpectedMapColon => (
            format!("expected `:` after the key, found {found}"),
            "expected `:`".into(),
            Some("a map entry is written `\"key\": value`".into()),
        ),
        E::InvalidValueForType { expected: want, found } => (
            format!("expected {want}, found {found}"),
            format!("found {found}"),
            want.starts_with("a number, a formula").then(|| {
                "a cell is a number (`0.5`), a formula in quotes (`\"a * b\"`), or `(value: ...)` / `(formula: \"...\")`"
                    .into()
            }),
        ),
        E::ExceededRecursionLimit => (
            "the file nests too deeply".into(),
            "too deep".into(),
            Some("workbooks and packs nest only a few levels: is this the right file?".into()),
        ),
        E::UnexpectedChar(c) => (format!("unexpected `{c}`"), format!("unexpected `{c}`"), None),
        E::Message(m) => (m.clone(), m.clone(), None),
        other => {
            let message = lowercase_first(&other.to_string());
            (message.clone(), message, None)
        }
    };
    let mut d = Diagnostic::error()
        .with_message(message)
        .with_labels(vec![primary(file, span, label)]);
    if let Some(help) = help {
        d = d.with_notes(vec![format!("help: {help}")]);
    }
    d
}

/// The span from the name before the bracket that the closing bracket at `close` closes, to
/// that bracket: `Workbook(`.
/// `"mfu": 40%`: the command line and the tables write fractions as percentages, RON does
/// not. If RON stopped at a `%` right after a number, say so rather than "a comma is missing".
fn percentage(text: &str, file: FileId, tokens: &[(Tok, Range<usize>)], at: usize) -> Option<Diagnostic> {
    if !text[at..].starts_with('%') {
        return None;
    }
    let (_, number) = tokens.iter().take_while(|(_, r)| r.end <= at).last()?;
    let written = &text[number.clone()];
    let value: f64 = written.parse().ok().filter(|_| number.end == at)?;
    // `33.3%` is `0.333`, not `0.33299999999999996`: two more decimals than written.
    let fraction = match written.split_once('.') {
        _ if written.contains(['e', 'E']) => (value / 100.0).to_string(),
        Some((_, decimals)) => trim_zeros(format!("{:.*}", decimals.len() + 2, value / 100.0)),
        None => trim_zeros(format!("{:.2}", value / 100.0)),
    };
    let percent = number.start..at + 1;
    Some(
        Diagnostic::error()
            .with_message(format!("`{written}%` is not a number in RON"))
            .with_labels(vec![primary(file, percent, "a percentage")])
            .with_notes(vec![format!(
                "help: write the fraction, `{fraction}`; with `unit: \"%\"` the cell prints as `{written}%`"
            )]),
    )
}

/// `"a": "2 * 3, "b": 4`: a formula's closing quote is missing, so the string ran on to the
/// next key's opening quote, and RON stopped at the word right after it (`b`) wanting a comma.
/// A comma that is really missing sits between two complete values (`1 "b"`), never inside a
/// word that touches a quote; say what happened instead.
fn unclosed_string(text: &str, file: FileId, tokens: &[(Tok, Range<usize>)], at: usize) -> Option<Diagnostic> {
    let starts_word = text[at..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
    let (_, string) = tokens.iter().take_while(|(_, r)| r.end <= at).last()?;
    let quoted = string.end == at && text[string.clone()].starts_with('"') && string.len() >= 2;
    if !starts_word || !quoted {
        return None;
    }
    let opening = string.start..string.start + 1;
    let early = string.end - 1..string.end;
    Some(
        Diagnostic::error()
            .with_message("a string is not closed where it should be")
            .with_labels(vec![
                primary(file, early, "this quote closes the string that starts here"),
                secondary(file, opening, "the string starts here"),
            ])
            .with_notes(vec![
                "help: a closing `\"` is missing earlier: the string ran on to the next key's opening quote; add the `\"` where the value ends".into(),
            ]),
    )
}

fn trim_zeros(decimal: String) -> String {
    decimal.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn opener_of(tokens: &[(Tok, Range<usize>)], close: usize) -> Option<Range<usize>> {
    let mut stack: Vec<usize> = Vec::new();
    for (i, (tok, range)) in tokens.iter().enumerate() {
        match tok {
            Tok::Open(_) => stack.push(i),
            Tok::Close(_) => {
                let open = stack.pop()?;
                if range.start == close {
                    let start = match open.checked_sub(1).map(|p| &tokens[p]) {
                        Some((Tok::Other, name)) if name.end == tokens[open].1.start => name.start,
                        _ => tokens[open].1.start,
                    };
                    return Some(start..tokens[open].1.end);
                }
            }
            _ => {}
        }
    }
    None
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tok, &str)> {
        tokens(text).into_iter().map(|(t, r)| (t, &text[r])).collect()
    }

    #[test]
    fn strings_and_comments_hide_their_brackets() {
        let text = r##"( "a)" /* ( /* nested ) */ ] */ r#"raw ") "# 'c' '\'' // ]
  x: 1 )"##;
        assert_eq!(
            kinds(text),
            vec![
                (Tok::Open(b'('), "("),
                (Tok::Str, "\"a)\""),
                (Tok::Str, "r#\"raw \") \"#"),
                (Tok::Str, "'c'"),
                (Tok::Str, "'\\''"),
                (Tok::Other, "x"),
                (Tok::Other, ":"),
                (Tok::Other, "1"),
                (Tok::Close(b')'), ")"),
            ]
        );
        assert_eq!(unbalanced(&tokens(text)), None);
    }

    #[test]
    fn finds_the_bracket_that_does_not_balance() {
        let check = |text: &str| unbalanced(&tokens(text));
        assert_eq!(check("( { ) }"), Some(Unbalanced::Mismatch { close: 4, open: 2 }));
        assert_eq!(check("( ) )"), Some(Unbalanced::Extra { close: 4 }));
        assert_eq!(check("( [ ]"), Some(Unbalanced::Unclosed { open: 0 }));
        assert_eq!(check("\"unclosed ( string"), None);
    }

    #[test]
    fn describes_what_was_found() {
        assert_eq!(found_at("\"x\"", 0), "a string");
        assert_eq!(found_at("true,", 0), "`true`");
        assert_eq!(found_at("-1", 0), "a number");
        assert_eq!(found_at("", 0), "the end of the file");
        assert_eq!(found_at("}", 0), "`}`");
    }
}
