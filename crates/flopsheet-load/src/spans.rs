//! Where each value sits in a RON file, for diagnostics.
//!
//! serde tells us what a RON file means but not where anything is. After a file
//! deserializes, this small scanner walks its text once and records the byte span of every
//! value under its path (`cells/mfu/formula`, `tables/0/columns/flops`), the span of every map
//! key, and any key written twice in one map (which serde would silently collapse).
//!
//! It runs on every load, over workbooks of a hundred thousand cells, so it is built to be
//! cheap: the text is scanned in one pass with no token list, each value is one fixed-size
//! node (its parent, its key and value spans), keys are copied once into a shared buffer, and
//! a path is looked up one component at a time in an open-addressing table of node ids keyed
//! by (parent, key). No string is allocated per value.

use crate::lex::{block_comment_end, line_comment_end, quoted_end, raw_string_end, raw_string_start};
use std::ops::Range;

/// Spans of the values in one RON text, by path.
#[derive(Debug, Default)]
pub struct SpanIndex {
    nodes: Vec<Node>,
    /// Every key, decoded (`"a\"b"` is `a"b`), one after the other; nodes point into it.
    names: String,
    /// Open addressing: node ids hashed by (parent, key); `EMPTY` marks a free slot.
    table: Vec<u32>,
    /// Keys written twice in one map: the path of the map's entry and both key spans.
    pub duplicates: Vec<Duplicate>,
}

#[derive(Debug, Clone)]
pub struct Duplicate {
    pub key: String,
    pub first: Range<usize>,
    pub second: Range<usize>,
}

const EMPTY: u32 = u32::MAX;
/// Deepest nesting indexed; deeper values are left out (the file fails to parse anyway).
const MAX_DEPTH: usize = 256;

/// One value: where it is, and under which key of which parent.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: u32,
    /// The key in `names`.
    name: (u32, u32),
    /// The span of the key (a map key or struct field); empty for the root and list elements.
    key: (u32, u32),
    value: (u32, u32),
    /// The first child and the next sibling, in the order written (`EMPTY` for none).
    first_child: u32,
    next_sibling: u32,
}

impl Node {
    fn key_span(&self) -> Range<usize> {
        self.key.0 as usize..self.key.1 as usize
    }

    fn value_span(&self) -> Range<usize> {
        self.value.0 as usize..self.value.1 as usize
    }
}

impl SpanIndex {
    /// Indexes `text`. Text that is not well-formed RON yields a partial index, never a panic.
    pub fn new(text: &str) -> SpanIndex {
        let mut parser = Parser {
            lexer: Lexer { text, pos: 0 },
            ahead: [None, None],
            index: SpanIndex::default(),
            depth: 0,
            last_end: 0,
        };
        parser.fill();
        if parser.peek(0).is_some() {
            parser.value(None, "", (0, 0));
        }
        parser.index
    }

    /// The span of the value at `path`.
    pub fn value(&self, path: &[&str]) -> Option<Range<usize>> {
        self.find(path).map(|n| self.nodes[n as usize].value_span())
    }

    /// The span of the map key at `path` (its last component).
    pub fn key(&self, path: &[&str]) -> Option<Range<usize>> {
        match path {
            [] => None,
            _ => self.find(path).map(|n| self.nodes[n as usize].key_span()),
        }
    }

    /// The value at `path`, to read its spans, its children in order, or paths below it.
    pub fn entry(&self, path: &[&str]) -> Option<Entry<'_>> {
        self.find(path).map(|node| Entry { index: self, node })
    }

    fn find(&self, path: &[&str]) -> Option<u32> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut node = 0;
        for component in path {
            node = self.child(node, component)?;
        }
        Some(node)
    }

    fn name(&self, node: &Node) -> &str {
        &self.names[node.name.0 as usize..node.name.1 as usize]
    }

    /// The child of `parent` under `key`: the last one written, if the key is written twice.
    fn child(&self, parent: u32, key: &str) -> Option<u32> {
        if self.table.is_empty() || self.nodes[parent as usize].first_child == EMPTY {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut slot = hash(parent, key) as usize & mask;
        loop {
            let id = self.table[slot];
            if id == EMPTY {
                return None;
            }
            let node = &self.nodes[id as usize];
            if node.parent == parent && self.name(node) == key {
                return Some(id);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Adds a node and indexes it under (parent, name); returns the node it replaces in the
    /// table (an earlier value under the same key), if any.
    fn push(&mut self, parent: Option<u32>, name: &str, key: (u32, u32)) -> (u32, Option<u32>) {
        let id = self.nodes.len() as u32;
        let start = self.names.len() as u32;
        self.names.push_str(name);
        self.nodes.push(Node {
            parent: parent.unwrap_or(EMPTY),
            name: (start, self.names.len() as u32),
            key,
            value: (key.0, key.0),
            first_child: EMPTY,
            next_sibling: EMPTY,
        });
        let Some(parent) = parent else {
            return (id, None);
        };
        if self.nodes[parent as usize].first_child == EMPTY {
            self.nodes[parent as usize].first_child = id;
        }
        if (self.nodes.len()) * 2 > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut slot = hash(parent, name) as usize & mask;
        loop {
            let existing = self.table[slot];
            if existing == EMPTY {
                self.table[slot] = id;
                return (id, None);
            }
            let node = &self.nodes[existing as usize];
            if node.parent == parent && self.name(node) == name {
                self.table[slot] = id;
                return (id, Some(existing));
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(64);
        let mut table = vec![EMPTY; size];
        let mask = size - 1;
        for &id in self.table.iter().filter(|&&id| id != EMPTY) {
            let node = &self.nodes[id as usize];
            let mut slot = hash(node.parent, self.name(node)) as usize & mask;
            while table[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            table[slot] = id;
        }
        self.table = table;
    }
}

/// One value of a [`SpanIndex`].
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    index: &'a SpanIndex,
    node: u32,
}

impl<'a> Entry<'a> {
    fn node(&self) -> &'a Node {
        &self.index.nodes[self.node as usize]
    }

    /// The key it is written under (a list element's is its index).
    pub fn name(&self) -> &'a str {
        self.index.name(self.node())
    }

    /// The span of its key.
    pub fn key(&self) -> Range<usize> {
        self.node().key_span()
    }

    /// The span of the value.
    pub fn value(&self) -> Range<usize> {
        self.node().value_span()
    }

    /// The value at `path` below this one.
    pub fn get(&self, path: &[&str]) -> Option<Entry<'a>> {
        let mut node = self.node;
        for component in path {
            node = self.index.child(node, component)?;
        }
        Some(Entry {
            index: self.index,
            node,
        })
    }

    /// The values directly inside this one, in the order written (both, for a key written
    /// twice).
    pub fn children(&self) -> impl Iterator<Item = Entry<'a>> + 'a {
        let index = self.index;
        let first = self.node().first_child;
        std::iter::successors((first != EMPTY).then_some(first), move |&n| {
            let next = index.nodes[n as usize].next_sibling;
            (next != EMPTY).then_some(next)
        })
        .map(move |node| Entry { index, node })
    }
}

/// FxHash of (parent, key): a multiply and a rotate per 8 bytes.
fn hash(parent: u32, key: &str) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = (parent as u64).wrapping_mul(SEED);
    let mut chunks = key.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last) ^ key.len() as u64).wrapping_mul(SEED);
    // The high bits are the well-mixed ones; fold them into the low bits the table uses.
    h ^ (h >> 32)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Open(u8),
    Close(u8),
    Colon,
    Comma,
    /// A string; `content` is the text between its quotes, still escaped.
    Str {
        content: (u32, u32),
    },
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    tok: Tok,
    start: u32,
    end: u32,
}

/// The tokens of RON text, one at a time: brackets, `:`, `,`, strings and everything else as
/// words. Comments and whitespace are skipped.
struct Lexer<'t> {
    text: &'t str,
    pos: usize,
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<Token> {
        let text = self.text;
        let bytes = text.as_bytes();
        loop {
            let mut i = self.pos;
            if i >= bytes.len() {
                return None;
            }
            let start = i;
            let tok = match bytes[i] {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    self.pos += 1;
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    self.pos = line_comment_end(bytes, i);
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    self.pos = block_comment_end(bytes, i);
                    continue;
                }
                b @ (b'(' | b'[' | b'{') => {
                    i += 1;
                    Tok::Open(b)
                }
                b @ (b')' | b']' | b'}') => {
                    i += 1;
                    Tok::Close(b)
                }
                b':' => {
                    i += 1;
                    Tok::Colon
                }
                b',' => {
                    i += 1;
                    Tok::Comma
                }
                b'"' => {
                    let body = i + 1;
                    let (close, end) = quoted_end(bytes, body, b'"');
                    i = end;
                    Tok::Str {
                        content: (body as u32, close as u32),
                    }
                }
                b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#')) => {
                    let Some((hashes, quote)) = raw_string_start(bytes, i) else {
                        // `r#` and no quote: not a string, and not a word worth a span.
                        self.pos = i + 1;
                        continue;
                    };
                    let body = quote + 1;
                    let (close, end) = raw_string_end(bytes, body, hashes);
                    i = end;
                    Tok::Str {
                        content: (body as u32, close as u32),
                    }
                }
                b'\'' => {
                    i = quoted_end(bytes, i + 1, b'\'').1;
                    Tok::Word
                }
                _ => {
                    while i < bytes.len() && !b" \t\n\r()[]{}:,\"/".contains(&bytes[i]) {
                        i += 1;
                    }
                    if i == start {
                        i += 1; // a lone '/'
                    }
                    Tok::Word
                }
            };
            // A multi-byte character at a word's edge: move to its boundary.
            while i < text.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            self.pos = i;
            return Some(Token {
                tok,
                start: start as u32,
                end: i.min(text.len()) as u32,
            });
        }
    }
}

/// The content of a string, escapes decoded (`\n`, `\t`, and `\x` as `x` otherwise).
fn unescape(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('\\') {
        return raw.into();
    }
    let mut content = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(e) = chars.next() {
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
    content.into()
}

struct Parser<'t> {
    lexer: Lexer<'t>,
    /// The next two tokens.
    ahead: [Option<Token>; 2],
    index: SpanIndex,
    depth: usize,
    /// The end of the last token consumed.
    last_end: u32,
}

impl<'t> Parser<'t> {
    fn fill(&mut self) {
        self.ahead = [self.lexer.next(), None];
        self.ahead[1] = self.lexer.next();
    }

    fn peek(&self, ahead: usize) -> Option<Tok> {
        self.ahead[ahead].map(|t| t.tok)
    }

    fn bump(&mut self) -> Option<Token> {
        let current = self.ahead[0];
        if let Some(t) = current {
            self.last_end = t.end;
        }
        self.ahead[0] = self.ahead[1];
        self.ahead[1] = if self.ahead[0].is_some() {
            self.lexer.next()
        } else {
            None
        };
        current
    }

    /// Links `child` (if a node was made for it) after `previous`, its elder sibling.
    fn link(&mut self, previous: &mut Option<u32>, child: u32) {
        if child as usize >= self.index.nodes.len() {
            return;
        }
        if let Some(p) = *previous {
            self.index.nodes[p as usize].next_sibling = child;
        }
        *previous = Some(child);
    }

    /// Parses one value under (`parent`, `name`), whose key is at `key`.
    fn value(&mut self, parent: Option<u32>, name: &str, key: (u32, u32)) {
        let Some(first) = self.ahead[0] else {
            return;
        };
        if self.depth >= MAX_DEPTH {
            // Too deep to index: skip the token, so that the scan always moves on.
            self.bump();
            return;
        }
        self.depth += 1;
        let (id, replaced) = self.index.push(parent, name, key);
        if let Some(old) = replaced {
            let first_key = self.index.nodes[old as usize].key_span();
            self.index.duplicates.push(Duplicate {
                key: name.to_string(),
                first: first_key,
                second: key.0 as usize..key.1 as usize,
            });
        }
        let start = first.start;
        let mut end = start;
        match first.tok {
            Tok::Word if self.peek(1) == Some(Tok::Open(b'(')) => {
                self.bump();
                end = self.group(id, b'(');
            }
            Tok::Open(c) => end = self.group(id, c),
            Tok::Str { .. } | Tok::Word => {
                end = first.end;
                self.bump();
            }
            Tok::Close(_) | Tok::Colon | Tok::Comma => {
                self.bump();
            }
        }
        self.depth -= 1;
        self.index.nodes[id as usize].value = (start, end);
    }

    /// Parses `( ... )`, `[ ... ]` or `{ ... }` starting at the opening token; returns the
    /// offset just past the closing token.
    fn group(&mut self, id: u32, open: u8) -> u32 {
        self.bump(); // the opening token
        let close = match open {
            b'(' => b')',
            b'[' => b']',
            _ => b'}',
        };
        let is_struct = open == b'(' && self.peek(0) == Some(Tok::Word) && self.peek(1) == Some(Tok::Colon);
        let keyed = is_struct || open == b'{';
        let mut element = 0usize;
        let mut previous: Option<u32> = None;
        let mut number = String::new();
        while let Some(token) = self.ahead[0] {
            match token.tok {
                Tok::Close(c) => {
                    self.bump();
                    if c == close {
                        return token.end;
                    }
                }
                Tok::Comma => {
                    self.bump();
                }
                _ if keyed => {
                    let text = self.lexer.text;
                    let key_text = match token.tok {
                        Tok::Str { content } => unescape(&text[content.0 as usize..content.1 as usize]),
                        Tok::Word => text[token.start as usize..token.end as usize].into(),
                        _ => "".into(),
                    };
                    self.bump();
                    if self.peek(0) == Some(Tok::Colon) {
                        self.bump();
                    }
                    let child = self.index.nodes.len() as u32;
                    self.value(Some(id), &key_text, (token.start, token.end));
                    self.link(&mut previous, child);
                }
                _ => {
                    number.clear();
                    number.push_str(itoa(element, &mut [0u8; 20]));
                    let at = token.start;
                    let child = self.index.nodes.len() as u32;
                    self.value(Some(id), &number, (at, at));
                    self.link(&mut previous, child);
                    element += 1;
                }
            }
        }
        // Unclosed: the group runs to the end of the text's last token.
        self.last_end
    }
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).expect("digits are ASCII")
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
    fn walks_entries_in_order() {
        let index = SpanIndex::new(TEXT);
        let cells = index.entry(&["cells"]).unwrap();
        let names: Vec<&str> = cells.children().map(|e| e.name()).collect();
        assert_eq!(names, ["mfu", "f", "f"]);
        let mfu = cells.children().next().unwrap();
        assert_eq!(&TEXT[mfu.key()], "\"mfu\"");
        assert_eq!(&TEXT[mfu.get(&["value"]).unwrap().value()], "0.462");
        assert!(mfu.get(&["formula"]).is_none());
        let last = cells.children().last().unwrap();
        assert_eq!(&TEXT[last.value()], "1");
        assert_eq!(
            index.entry(&["tables", "0", "name"]).map(|e| &TEXT[e.value()]),
            Some("\"a\"")
        );
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

    /// The straightforward index this module used to build (a token list, a `String` path per
    /// value), kept as the reference the fast one must agree with.
    mod reference {
        use crate::lex::{block_comment_end, line_comment_end};
        use std::collections::HashMap;
        use std::ops::Range;

        /// Spans of the values in one RON text, by path.
        #[derive(Debug, Default)]
        pub struct SpanIndex {
            pub values: HashMap<String, Range<usize>>,
            pub keys: HashMap<String, Range<usize>>,
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
            #[allow(dead_code)]
            pub fn value(&self, path: &[&str]) -> Option<Range<usize>> {
                self.values.get(&join(path)).cloned()
            }

            /// The span of the map key at `path` (its last component).
            #[allow(dead_code)]
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
                    // Comments are the one rule shared with the index under test: it is not
                    // what this reference is for.
                    b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_comment_end(bytes, i),
                    b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
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
                let is_struct =
                    open == '(' && matches!(self.peek(0), Some(Tok::Word(_))) && self.peek(1) == Some(&Tok::Colon);
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
    }

    /// Every path of the reference index gives the same value and key span in the fast one,
    /// and both report the same duplicates.
    fn agrees_with_reference(text: &str) {
        let fast = SpanIndex::new(text);
        let slow = reference::SpanIndex::new(text);
        for (path, span) in &slow.values {
            let parts: Vec<&str> = if path.is_empty() {
                vec![]
            } else {
                path.split('\u{1f}').collect()
            };
            assert_eq!(fast.value(&parts), Some(span.clone()), "value at {parts:?} in {text:?}");
        }
        for (path, span) in &slow.keys {
            let parts: Vec<&str> = path.split('\u{1f}').collect();
            assert_eq!(fast.key(&parts), Some(span.clone()), "key at {parts:?} in {text:?}");
        }
        let dups = |d: &[Duplicate]| {
            d.iter()
                .map(|d| (d.key.clone(), d.first.clone(), d.second.clone()))
                .collect::<Vec<_>>()
        };
        let slow_dups: Vec<_> = slow
            .duplicates
            .iter()
            .map(|d| (d.key.clone(), d.first.clone(), d.second.clone()))
            .collect();
        assert_eq!(dups(&fast.duplicates), slow_dups, "duplicates in {text:?}");
    }

    #[test]
    fn agrees_with_the_reference_on_every_shipped_file() {
        let mut texts: Vec<&str> = crate::packs::builtin_workbooks().iter().map(|(_, t)| *t).collect();
        for c in crate::packs::SearchPath::builtin_only().candidates() {
            if let crate::packs::PackLocation::Builtin { text, .. } = c.location {
                texts.push(text);
            }
        }
        assert!(texts.len() > 10);
        for text in texts {
            agrees_with_reference(text);
        }
    }

    #[test]
    fn agrees_with_the_reference_on_odd_text() {
        for text in [
            TEXT,
            "",
            "Workbook()",
            r##"Workbook(cells: {"a\"b": 1, "a\"b": r#"x " y"#, "é": "ü * 2", 'c': [1, [2, 3], {"k": (x: 1)}]})"##,
            "{\"a\": 1, \"a\": 2, \"a\": 3} // trailing",
            "( x: /* a /* nested */ comment */ 1, y: \"unterminated",
            "[1, 2, , 3,]",
            "{ (1): 2, 3: 4 }",
            "r#\"x",
            "'\\'' x",
        ] {
            agrees_with_reference(text);
        }
    }
}
