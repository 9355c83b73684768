//! The lexical pieces of RON that both of our scanners need: where a comment, a string or a raw
//! string ends.
//!
//! Two scanners read RON text besides `ron` itself: the span index ([`crate::spans`]), which
//! finds where each value sits, and the syntax diagnostics (`syntax`), which find the bracket
//! that really does not balance. They want different tokens, but they must agree on what is a
//! comment and what is a string, or a `}` inside a string would count for one and not the
//! other. So the rules live here, once.
//!
//! Every function takes the text as bytes and an offset, and never fails: a comment or string
//! that is never closed runs to the end of the text.

/// The offset of the newline that ends the `//` comment at `at` (or the end of the text).
pub(crate) fn line_comment_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| at + n)
}

/// The offset just past the `*/` that closes the `/*` comment at `at`. Block comments nest in RON.
pub(crate) fn block_comment_end(bytes: &[u8], mut at: usize) -> usize {
    let mut depth = 0usize;
    while at < bytes.len() {
        if bytes[at..].starts_with(b"/*") {
            depth += 1;
            at += 2;
        } else if bytes[at..].starts_with(b"*/") {
            depth -= 1;
            at += 2;
            if depth == 0 {
                return at;
            }
        } else {
            at += 1;
        }
    }
    bytes.len()
}

/// A string or char literal whose body starts at `from` (just after its opening `quote`): the
/// offset of the closing quote and the offset just past it (both the end of the text if it is
/// never closed). A backslash escapes the byte after it.
pub(crate) fn quoted_end(bytes: &[u8], mut from: usize, quote: u8) -> (usize, usize) {
    while from < bytes.len() {
        match bytes[from] {
            b'\\' => from += 2,
            c if c == quote => return (from, from + 1),
            _ => from += 1,
        }
    }
    (bytes.len(), bytes.len())
}

/// A raw string at `at` (`r"`, `r#"`, `br##"`, ...): the number of `#`s and the offset of its
/// opening quote; `None` if `at` does not start one.
pub(crate) fn raw_string_start(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut i = at;
    if bytes.get(i) == Some(&b'b') {
        i += 1;
    }
    if bytes.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = bytes[i..].iter().take_while(|&&c| c == b'#').count();
    (bytes.get(i + hashes) == Some(&b'"')).then_some((hashes, i + hashes))
}

/// A raw string with `hashes` `#`s whose body starts at `from`: the offset of its closing quote
/// and the offset just past the `#`s that follow it (both the end of the text if it is never
/// closed). Escapes mean nothing in a raw string.
pub(crate) fn raw_string_end(bytes: &[u8], mut from: usize, hashes: usize) -> (usize, usize) {
    while let Some(p) = bytes[from..].iter().position(|&b| b == b'"') {
        let quote = from + p;
        if bytes[quote + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
            return (quote, quote + 1 + hashes);
        }
        from = quote + 1;
    }
    (bytes.len(), bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_end_where_ron_ends_them() {
        let text = b"// one\nx /* a /* nested */ still */ y";
        assert_eq!(line_comment_end(text, 0), 6);
        assert_eq!(&text[block_comment_end(text, 9)..], b" y");
        assert_eq!(block_comment_end(b"/* open /* */", 0), 13);
        assert_eq!(line_comment_end(b"// to the end", 0), 13);
    }

    #[test]
    fn strings_end_at_their_unescaped_quote() {
        let text = br#""a \" b" c"#;
        assert_eq!(quoted_end(text, 1, b'"'), (7, 8));
        assert_eq!(quoted_end(b"'\\''", 1, b'\''), (3, 4));
        assert_eq!(quoted_end(b"\"open \\", 1, b'"'), (7, 7));
    }

    #[test]
    fn raw_strings_end_at_a_quote_with_as_many_hashes() {
        let text = br###"r##"a "# b"## c"###;
        assert_eq!(raw_string_start(text, 0), Some((2, 3)));
        assert_eq!(raw_string_end(text, 4, 2), (10, 13));
        assert_eq!(raw_string_start(b"br\"x\"", 0), Some((0, 2)));
        assert_eq!(raw_string_start(b"r#x", 0), None);
        assert_eq!(raw_string_start(b"rx", 0), None);
        assert_eq!(raw_string_end(b"r#\"x\"", 3, 1), (5, 5));
    }
}
