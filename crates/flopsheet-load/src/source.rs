//! The source map: every file read gets an id; diagnostics point into it by byte span.

use codespan_reporting::diagnostic::{Diagnostic as CodespanDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use std::ops::Range;
use std::sync::Arc;

pub type FileId = usize;

/// A problem found in the user's files, with spans into the [`Sources`].
pub type Diagnostic = CodespanDiagnostic<FileId>;

/// Every file read for a workspace: workbooks and packs, from disk or built in.
#[derive(Default)]
pub struct Sources {
    files: SimpleFiles<String, Arc<str>>,
}

impl Sources {
    pub fn add(&mut self, name: String, text: Arc<str>) -> FileId {
        self.files.add(name, text)
    }

    pub fn name(&self, file: FileId) -> &str {
        self.files.get(file).map(|f| f.name().as_str()).unwrap_or("?")
    }

    /// Every file's text, by file id.
    pub fn texts(&self) -> Vec<Arc<str>> {
        (0..)
            .map_while(|file| self.files.get(file).ok().map(|f| f.source().clone()))
            .collect()
    }

    pub fn text(&self, file: FileId) -> &str {
        self.files.get(file).map(|f| &**f.source()).unwrap_or("")
    }

    /// `file:line:column` (1-based, column in characters) of a byte offset.
    pub fn location(&self, file: FileId, offset: usize) -> String {
        let text = self.text(file);
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        format!("{}:{line}:{column}", self.name(file))
    }

    /// Renders diagnostics as text, with or without ANSI colours.
    pub fn render(&self, diagnostics: &[Diagnostic], color: bool) -> String {
        let mut buffer = if color {
            termcolor::Buffer::ansi()
        } else {
            termcolor::Buffer::no_color()
        };
        let config = term::Config::default();
        for d in diagnostics {
            // Rendering only fails on a span outside its file, which would be our bug; fall back
            // to the message alone rather than lose the diagnostic.
            if term::emit(&mut buffer, &config, &self.files, d).is_err() {
                buffer.clear();
                return diagnostics.iter().map(|d| format!("error: {}\n", d.message)).collect();
            }
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }
}

/// Byte offset of a 1-based line and character column, as RON reports positions.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

/// A primary label, the usual way to point at the offending text.
pub fn primary(file: FileId, span: Range<usize>, message: impl std::fmt::Display) -> Label<FileId> {
    Label::primary(file, span).with_message(message)
}

pub fn secondary(file: FileId, span: Range<usize>, message: impl std::fmt::Display) -> Label<FileId> {
    Label::secondary(file, span).with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "ab\n\u{e9}\u{e9}x\n";
        assert_eq!(offset_of(text, 2, 3), 3 + 4);
        let mut s = Sources::default();
        let f = s.add("f.ron".into(), text.into());
        assert_eq!(s.location(f, 7), "f.ron:2:3");
    }
}
