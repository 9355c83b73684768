//! The source map: every file read gets an id; diagnostics point into it by byte span.

use codespan_reporting::diagnostic::{Diagnostic as CodespanDiagnostic, Label};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, termcolor};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

pub type FileId = usize;

/// A problem found in the user's files, with spans into the [`Sources`].
pub type Diagnostic = CodespanDiagnostic<FileId>;

/// Every file read for a workspace: workbooks and packs, from disk or built in.
#[derive(Default)]
pub struct Sources {
    files: Vec<File>,
}

struct File {
    name: String,
    text: Arc<str>,
    /// Where each line starts, found the first time a diagnostic points into the file:
    /// most loads report nothing, and a large workbook has a hundred thousand lines.
    lines: OnceLock<Vec<u32>>,
}

impl File {
    fn lines(&self) -> &[u32] {
        // Files are at most `MAX_FILE_BYTES` (64 MiB): every offset fits in a `u32`.
        self.lines
            .get_or_init(|| files::line_starts(&self.text).map(|at| at as u32).collect())
    }

    /// Where line `line` (from 0) starts; the end of the text for the line after the last.
    fn line_start(&self, line: usize) -> Result<usize, files::Error> {
        let lines = self.lines();
        match lines.get(line) {
            Some(&at) => Ok(at as usize),
            None if line == lines.len() => Ok(self.text.len()),
            None => Err(files::Error::LineTooLarge {
                given: line,
                max: lines.len() - 1,
            }),
        }
    }
}

impl Sources {
    pub fn add(&mut self, name: String, text: Arc<str>) -> FileId {
        self.files.push(File {
            name,
            text,
            lines: OnceLock::new(),
        });
        self.files.len() - 1
    }

    pub fn name(&self, file: FileId) -> &str {
        self.files.get(file).map_or("?", |f| f.name.as_str())
    }

    /// Every file's text, by file id.
    pub fn texts(&self) -> Vec<Arc<str>> {
        self.files.iter().map(|f| f.text.clone()).collect()
    }

    pub fn text(&self, file: FileId) -> &str {
        self.files.get(file).map_or("", |f| &*f.text)
    }

    fn file(&self, file: FileId) -> Result<&File, files::Error> {
        self.files.get(file).ok_or(files::Error::FileMissing)
    }

    /// `file:line:column` (1-based, column in characters) of a byte offset.
    pub fn location(&self, file: FileId, offset: usize) -> String {
        let (line, column) = self.position(file, offset);
        format!("{}:{line}:{column}", self.name(file))
    }

    /// The line and column (1-based, column in characters) of a byte offset.
    pub fn position(&self, file: FileId, offset: usize) -> (usize, usize) {
        let text = self.text(file);
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, column)
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
            if term::emit(&mut buffer, &config, self, d).is_err() {
                buffer.clear();
                return diagnostics.iter().map(|d| format!("error: {}\n", d.message)).collect();
            }
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }
}

/// What codespan needs to show a diagnostic in context.
impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, file: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.file(file)?.name)
    }

    fn source(&'a self, file: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.file(file)?.text)
    }

    fn line_index(&'a self, file: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let lines = self.file(file)?.lines();
        let at = u32::try_from(byte_index).unwrap_or(u32::MAX);
        Ok(lines.binary_search(&at).unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'a self, file: FileId, line: usize) -> Result<Range<usize>, files::Error> {
        let file = self.file(file)?;
        Ok(file.line_start(line)?..file.line_start(line + 1)?)
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

    /// Lines found lazily, as `u32`s, are the lines codespan's own file finds.
    #[test]
    fn lines_are_those_codespan_finds() {
        use codespan_reporting::files::SimpleFile;
        for text in ["", "a", "a\n", "\n\n", "ab\ncd\n\u{e9}f", "x\r\ny\r\n"] {
            let mut sources = Sources::default();
            let id = sources.add("f.ron".into(), text.into());
            let simple = SimpleFile::new("f.ron", text);
            for at in 0..=text.len() + 1 {
                assert_eq!(
                    sources.line_index(id, at).ok(),
                    simple.line_index((), at).ok(),
                    "{text:?} {at}"
                );
            }
            for line in 0..text.len() + 3 {
                assert_eq!(
                    sources.line_range(id, line).ok(),
                    simple.line_range((), line).ok(),
                    "{text:?} {line}"
                );
            }
        }
        assert!(Sources::default().line_index(0, 0).is_err());
    }

    #[test]
    fn columns_count_characters() {
        let text = "ab\n\u{e9}\u{e9}x\n";
        assert_eq!(offset_of(text, 2, 3), 3 + 4);
        let mut s = Sources::default();
        let f = s.add("f.ron".into(), text.into());
        assert_eq!(s.location(f, 7), "f.ron:2:3");
    }
}
