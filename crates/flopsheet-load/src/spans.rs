//! Where each value sits in a RON file, for diagnostics.
//!
//! serde tells us what a RON file means but not where anything is. After a file
//! deserializes, this small scanner walks its text once and records the byte span of every
//! value under its path (`cells/mfu/formula`, `tables/0/columns/flops`), the span of every map
//! key, and any key written twice in one map (which serde would silently collapse).

use std::collections::HashMap;
use std::ops::Range;

/// Spans of the values in one RON text, by path.
#[derive(Debug, Default)]
pub struct SpanIndex {
    values: HashMap<String, Range<usize>>,
    keys: HashMap<String, Range<usize>>,
    /// Keys written twice in one map: the path of the map's entry and both key spans.
    pub duplicates: Vec<Duplicate>,
}

#[derive(Debug, Clone)]
pub struct Duplicate {
    pub key: String,
    pub first: Range<usize>,
    pub second: Range<usize>,
}

const SEP: char = '\u{1f}';

fn join(path: &[&str]) -> String {
    path.join(&SEP.to_string())
}

impl SpanIndex {
    /// Indexes `text`. Text that is not well-formed RON yields a partial index, never a panic.
    pub fn new(text: &str) -> SpanIndex {
        let tokens = tokenize(text);
        let mut parser = Parser {
            tokens: &tokens,
            pos: 0,
            index: SpanIndex::default(),
            depth: 0,
        };
        parser.value(String::new());
        parser.index
    }

    /// The span of the value at `path`.
    pub fn value(&self, path: &[&str]) -> Option<Range<usize>> {
        self.values.get(&join(path)).cloned()
    }

    /// The span of the map key at `path` (its last component).
    pub fn key(&self, path: &[&str]) -> Option<Range<usize>> {
        self.keys.get(&join(path)).cloned()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Colon,
    Comma,
    Str(String),
    Word(String),
}

fn tokenize(text: &str) -> Vec<(Tok, Range<usize>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                out.push((Tok::Open(bytes[i] as char), i..i + 1));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push((Tok::Close(bytes[i] as char), i..i + 1));
                i += 1;
            }
            b':' => {
                out.push((Tok::Colon, i..i + 1));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, i..i + 1));
                i += 1;
            }
            b'"' => {
                let (content, end) = string(text, i + 1);
                i = end;
                out.push((Tok::Str(content), start..i));
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#')) => {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let body = open + 1;
                let end = text[body..].find(&close).map_or(text.len(), |p| body + p);
                out.push((
                    Tok::Str(text[body..end].to_string()),
                    start..(end + close.len()).min(text.len()),
                ));
                i = (end + close.len()).min(text.len());
            }
            b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                out.push((Tok::Word(text[start..i].to_string()), start..i));
            }
            _ => {
                while i < bytes.len() && !b" \t\n\r()[]{}:,\"/".contains(&bytes[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1; // a lone '/'
                }
                out.push((Tok::Word(text[start..i].to_string()), start..i));
            }
        }
    }
    out
}

/// Reads a string body starting after its opening quote; returns the decoded content and the
/// offset just past the closing quote.
fn string(text: &str, from: usize) -> (String, usize) {
    let mut content = String::new();
    let mut chars = text[from..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '"' => return (content, from + off + 1),
            '\\' => {
                if let Some((_, e)) = chars.next() {
                    content.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
            }
            c => content.push(c),
        }
    }
    (content, text.len())
}

struct Parser<'t> {
    tokens: &'t [(Tok, Range<usize>)],
    pos: usize,
    index: SpanIndex,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + ahead).map(|(t, _)| t)
    }

    fn child(path: &str, component: &str) -> String {
        if path.is_empty() {
            component.to_string()
        } else {
            format!("{path}{SEP}{component}")
        }
    }

    /// Parses one value, records its span under `path`, returns its span.
    fn value(&mut self, path: String) -> Option<Range<usize>> {
        self.depth += 1;
        if self.depth > 256 {
            return None;
        }
        let start = self.tokens.get(self.pos)?.1.start;
        let mut end = start;
        match self.peek(0)?.clone() {
            Tok::Word(_) if self.peek(1) == Some(&Tok::Open('(')) => {
                self.pos += 1;
                end = self.group(&path, '(');
            }
            Tok::Open(c) => end = self.group(&path, c),
            Tok::Str(_) | Tok::Word(_) => {
                end = self.tokens[self.pos].1.end;
                self.pos += 1;
            }
            Tok::Close(_) | Tok::Colon | Tok::Comma => self.pos += 1,
        }
        self.depth -= 1;
        self.index.values.insert(path, start..end);
        Some(start..end)
    }

    /// Parses `( ... )`, `[ ... ]` or `{ ... }` starting at the opening token; returns the
    /// offset just past the closing token.
    fn group(&mut self, path: &str, open: char) -> usize {
        self.pos += 1; // the opening token
        let close = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        let is_struct = open == '(' && matches!(self.peek(0), Some(Tok::Word(_))) && self.peek(1) == Some(&Tok::Colon);
        let mut seen_keys: HashMap<String, Range<usize>> = HashMap::new();
        let mut element = 0;
        while let Some(tok) = self.peek(0).cloned() {
            match tok {
                Tok::Close(c) => {
                    self.pos += 1;
                    if c == close {
                        return self.tokens[self.pos - 1].1.end;
                    }
                }
                Tok::Comma => self.pos += 1,
                _ if is_struct || open == '{' => {
                    let key_span = self.tokens[self.pos].1.clone();
                    let key = match &self.tokens[self.pos].0 {
                        Tok::Str(s) | Tok::Word(s) => s.clone(),
                        _ => String::new(),
                    };
                    self.pos += 1;
                    if self.peek(0) == Some(&Tok::Colon) {
                        self.pos += 1;
                    }
                    let child = Self::child(path, &key);
                    if let Some(first) = seen_keys.insert(key.clone(), key_span.clone()) {
                        self.index.duplicates.push(Duplicate {
                            key,
                            first,
                            second: key_span.clone(),
                        });
                    }
                    self.index.keys.insert(child.clone(), key_span);
                    self.value(child);
                }
                _ => {
                    self.value(Self::child(path, &element.to_string()));
                    element += 1;
                }
            }
        }
        self.tokens.last().map_or(0, |t| t.1.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"Workbook(
    title: "t", // a comment with "quotes"
    cells: {
        "mfu": (value: 0.462, note: "x"),
        "f": "mfu * 2",
        /* block */ "f": 1,
    },
    tables: [Table(name: "a", columns: {"c": (formula: "row.x")})],
)"#;

    fn text_at(path: &[&str]) -> &'static str {
        let span = SpanIndex::new(TEXT).value(path).unwrap();
        &TEXT[span]
    }

    #[test]
    fn finds_values_by_path() {
        assert_eq!(text_at(&["title"]), "\"t\"");
        assert_eq!(text_at(&["cells", "mfu"]), "(value: 0.462, note: \"x\")");
        assert_eq!(text_at(&["cells", "mfu", "value"]), "0.462");
        assert_eq!(text_at(&["tables", "0", "columns", "c", "formula"]), "\"row.x\"");
        assert_eq!(&TEXT[SpanIndex::new(TEXT).key(&["cells", "mfu"]).unwrap()], "\"mfu\"");
    }

    #[test]
    fn reports_duplicate_keys() {
        let index = SpanIndex::new(TEXT);
        assert_eq!(index.duplicates.len(), 1);
        assert_eq!(index.duplicates[0].key, "f");
    }

    #[test]
    fn survives_garbage() {
        for text in ["", "(", "{{{", "\"unterminated", "a: b: c", "r#\"x", "/* open"] {
            let _ = SpanIndex::new(text);
        }
    }
}
