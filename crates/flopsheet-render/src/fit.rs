//! Fitting a text table to a width without breaking a value: numbers are never split, names
//! wrap only after a `.` or `_`, prose (notes) wraps at spaces; a table that cannot fit that
//! way is printed vertically, one record per block (as `psql \x` does).
//!
//! comfy-table's dynamic arrangement fits any table to a width by cutting words wherever the
//! column ends (`$1` / `.4` / `0M`). Here the widths are chosen first, each cell wrapped at
//! the places a reader expects, and comfy-table only draws lines that already fit.

use crate::grid::Field;

/// How a table is printed at a width.
pub(crate) enum Fit {
    /// As it is: it fits.
    AsIs,
    /// Each column at most this wide, its cells wrapped to it.
    Columns(Vec<usize>),
    /// One record per block.
    Vertical,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Name,
    Prose,
}

fn width_of(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

fn kind(column: usize, rows: &[Vec<Field>]) -> Kind {
    let cells: Vec<&Field> = rows.iter().filter_map(|r| r.get(column)).collect();
    if !cells.is_empty() && cells.iter().all(|f| f.is_numeric()) {
        Kind::Number
    } else if cells.iter().any(|f| !f.is_numeric() && f.text.contains(' ')) {
        Kind::Prose
    } else {
        Kind::Name
    }
}

/// The pieces a name may break into: each ends after a `.` or `_`.
fn name_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '.' || c == '_' {
            pieces.push(&text[start..i + 1]);
            start = i + 1;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// The narrowest a cell can be: its longest unbreakable piece.
fn least(text: &str, kind: Kind) -> usize {
    match kind {
        Kind::Number => width_of(text),
        Kind::Name => name_pieces(text).iter().map(|p| p.chars().count()).max().unwrap_or(0),
        Kind::Prose => text
            .split_whitespace()
            .flat_map(name_pieces)
            .map(|p| p.chars().count())
            .max()
            .unwrap_or(0),
    }
}

/// Chooses how to print `headers` and `rows` within `width` characters.
pub(crate) fn plan(headers: &[String], rows: &[Vec<Field>], width: usize) -> Fit {
    let columns = headers.len();
    // Each column: a border and a space either side.
    let frame = 3 * columns + 1;
    let kinds: Vec<Kind> = (0..columns).map(|c| kind(c, rows)).collect();
    let mut natural = Vec::with_capacity(columns);
    let mut narrowest = Vec::with_capacity(columns);
    for (c, header) in headers.iter().enumerate() {
        let cells = rows.iter().filter_map(|r| r.get(c));
        natural.push(
            cells
                .clone()
                .map(|f| width_of(&f.text))
                .chain([width_of(header)])
                .max()
                .unwrap_or(0),
        );
        narrowest.push(
            cells
                .map(|f| least(&f.text, kinds[c]))
                .chain([least(header, Kind::Name)])
                .max()
                .unwrap_or(0),
        );
    }
    if natural.iter().sum::<usize>() + frame <= width {
        return Fit::AsIs;
    }
    let available = width.saturating_sub(frame);
    if narrowest.iter().sum::<usize>() > available {
        return Fit::Vertical;
    }
    // Narrow the widest column that can still be narrowed, one character at a time.
    let mut widths = natural;
    while widths.iter().sum::<usize>() > available {
        let Some(c) = (0..columns)
            .filter(|&c| widths[c] > narrowest[c])
            .max_by_key(|&c| widths[c])
        else {
            return Fit::Vertical;
        };
        widths[c] -= 1;
    }
    Fit::Columns(widths.into_iter().zip(kinds).map(|(w, _)| w).collect())
}

/// `text` wrapped to `width`: a name after `.` or `_`, prose at spaces (and a word longer than
/// the width as a name), a number never.
pub(crate) fn wrap(text: &str, width: usize, number: bool) -> String {
    if number || width_of(text) <= width {
        return text.to_string();
    }
    if text.contains(' ') {
        wrap_prose(text, width)
    } else {
        wrap_pieces(&name_pieces(text), width, "")
    }
}

fn wrap_pieces(pieces: &[&str], width: usize, joiner: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        let sep = if line.is_empty() { "" } else { joiner };
        if !line.is_empty() && line.chars().count() + sep.chars().count() + piece.chars().count() > width {
            lines.push(std::mem::take(&mut line));
            line.push_str(piece);
        } else {
            line.push_str(sep);
            line.push_str(piece);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

/// Prose wrapped at spaces; a word wider than `width` is wrapped as a name.
pub(crate) fn wrap_prose(text: &str, width: usize) -> String {
    text.lines()
        .map(|paragraph| {
            let words: Vec<String> = paragraph
                .split_whitespace()
                .map(|w| {
                    if w.chars().count() > width {
                        wrap_pieces(&name_pieces(w), width, "")
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            // A word already wrapped brings its own line breaks: lay out its lines as words.
            let mut lines: Vec<String> = Vec::new();
            let mut line = String::new();
            for word in &words {
                for (i, part) in word.split('\n').enumerate() {
                    let fits = line.chars().count() + 1 + part.chars().count() <= width;
                    if line.is_empty() {
                        line.push_str(part);
                    } else if i == 0 && fits {
                        line.push(' ');
                        line.push_str(part);
                    } else {
                        lines.push(std::mem::take(&mut line));
                        line.push_str(part);
                    }
                }
            }
            if !line.is_empty() {
                lines.push(line);
            }
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The table as records, one block each: `-[ label ]---` then `column │ value` lines.
pub(crate) fn vertical(headers: &[String], rows: &[Vec<Field>], width: usize) -> String {
    let key_width = headers
        .iter()
        .skip(1)
        .map(|h| h.chars().count())
        .max()
        .unwrap_or(0)
        .min(width / 2);
    let value_width = width.saturating_sub(key_width + 3).max(8);
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        let label = row.first().map(|f| f.text.as_str()).filter(|t| !t.is_empty());
        let head = match label {
            Some(label) => format!("-[ {label} ]"),
            None => format!("-[ RECORD {} ]", r + 1),
        };
        let dashes = width.saturating_sub(head.chars().count());
        out.push_str(&head);
        out.push_str(&"-".repeat(dashes));
        out.push('\n');
        for (c, field) in row.iter().enumerate().skip(1) {
            let key = wrap(&headers[c], key_width, false);
            let value = wrap(&field.text, value_width, field.is_numeric());
            let keys: Vec<&str> = key.lines().collect();
            let values: Vec<&str> = value.lines().collect();
            for i in 0..keys.len().max(values.len()).max(1) {
                let k = keys.get(i).copied().unwrap_or("");
                let v = values.get(i).copied().unwrap_or("");
                out.push_str(format!("{k:<key_width$} │ {v}").trim_end());
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_break_only_after_a_separator() {
        assert_eq!(
            wrap("aws_a100.share_of_api_price", 12, false),
            "aws_a100.\nshare_of_\napi_price"
        );
        assert_eq!(wrap("$1.40M", 3, true), "$1.40M");
        assert_eq!(wrap_prose("the quick brown fox", 9), "the quick\nbrown fox");
    }
}
