//! A plain grid of labelled values — the shape of every what-if result (a comparison, a
//! sweep, a tornado) — printed as text, Markdown, CSV or JSON.
//!
//! Text and Markdown show each field's formatted text; CSV and JSON carry its raw value (a
//! full-precision number where there is one).

use crate::fit::{self, Fit};
use crate::number::format_value;
use crate::tables::Format;
use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Comfy};
use flopsheet_engine::Value;
use serde_json::{json, Map, Value as Json};

/// One field: what a person reads, and what a script reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub text: String,
    pub raw: Json,
}

impl Field {
    pub fn label(text: impl Into<String>) -> Field {
        let text = text.into();
        Field { raw: json!(text), text }
    }

    /// A value formatted by its unit.
    pub fn value(value: Value, unit: Option<&str>) -> Field {
        Field {
            text: format_value(value, unit),
            raw: json_value(value),
        }
    }

    /// A value with a note after it, e.g. the change against a base: `$1.72M (+23.2%)`.
    pub fn value_with(value: Value, unit: Option<&str>, suffix: &str) -> Field {
        let mut f = Field::value(value, unit);
        if !suffix.is_empty() {
            f.text = format!("{} ({suffix})", f.text);
        }
        f
    }

    pub(crate) fn is_numeric(&self) -> bool {
        self.raw.is_number()
    }
}

/// Prose wrapped to `width` where there is one (titles, notes); as it is otherwise.
pub(crate) fn fit_prose(text: &str, width: Option<usize>) -> String {
    match width {
        Some(w) => fit::wrap_prose(text, w),
        None => text.to_string(),
    }
}

/// A value for JSON: the number, or the error code as a string.
pub fn json_value(v: Value) -> Json {
    match v {
        Value::Num(n) => json!(n),
        Value::Err(e) => json!(e.kind.code()),
    }
}

#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Field>>,
    pub note: Option<String>,
}

impl Grid {
    pub fn render(&self, format: Format, width: Option<u16>) -> String {
        match format {
            Format::Table | Format::Markdown => self.text(format, width),
            Format::Csv => self.csv(),
            Format::Json => serde_json::to_string_pretty(&self.json()).unwrap_or_default() + "\n",
        }
    }

    /// The grid as a comfy-table, with its title above and note below.
    pub fn text(&self, format: Format, width: Option<u16>) -> String {
        let mut table = Comfy::new();
        table.load_style(if format == Format::Markdown {
            ASCII_MARKDOWN
        } else {
            UTF8_FULL_CONDENSED
        });
        table.set_content_arrangement(ContentArrangement::Dynamic);
        if let Some(width) = width {
            table.force_no_tty().set_width(width);
        }
        // The width to fit: asked for, or the terminal's. Markdown is never wrapped.
        let fit_to = (format == Format::Table)
            .then(|| table.width())
            .flatten()
            .map(usize::from);
        let plan = fit_to.map_or(Fit::AsIs, |w| fit::plan(&self.headers, &self.rows, w));
        let widths = match &plan {
            Fit::Columns(widths) => Some(widths.as_slice()),
            _ => None,
        };
        let shaped = |text: &str, c: usize, number: bool| match widths {
            Some(w) => fit::wrap(text, w[c], number),
            None => text.to_string(),
        };
        table.set_header(
            self.headers
                .iter()
                .enumerate()
                .map(|(c, h)| Cell::new(shaped(h, c, false))),
        );
        for row in &self.rows {
            table.add_row(row.iter().enumerate().map(|(c, f)| {
                let cell = Cell::new(shaped(&f.text, c, f.is_numeric()));
                if f.is_numeric() {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            }));
        }
        let heading = match (format, self.title.is_empty()) {
            (_, true) => String::new(),
            (Format::Markdown, false) => format!("## {}\n\n", self.title),
            _ => format!("{}\n", fit_prose(&self.title, fit_to)),
        };
        let note = match &self.note {
            Some(n) => format!("\n{}\n", fit_prose(n, fit_to)),
            None => String::new(),
        };
        let mut body = match (&plan, fit_to) {
            (Fit::Vertical, Some(w)) => fit::vertical(&self.headers, &self.rows, w).trim_end().to_string(),
            _ => table.to_string(),
        };
        if format == Format::Markdown {
            body = self.align_markdown(&body);
        }
        format!("{heading}{body}\n{note}")
    }

    /// Markdown numbers right-aligned, as the text tables have them: `---:` under each column
    /// whose every value is a number (comfy-table's Markdown style writes `---` for all).
    fn align_markdown(&self, table: &str) -> String {
        let numeric: Vec<bool> = (0..self.headers.len())
            .map(|c| !self.rows.is_empty() && self.rows.iter().all(|r| r.get(c).is_some_and(Field::is_numeric)))
            .collect();
        let mut lines: Vec<String> = table.lines().map(str::to_string).collect();
        if let Some(separator) = lines.get_mut(1) {
            let parts: Vec<String> = separator
                .split('|')
                .enumerate()
                .map(|(i, part)| {
                    // Part 0 is before the first `|`; part i is column i - 1.
                    let right = i > 0 && numeric.get(i - 1).copied().unwrap_or(false);
                    if right && part.len() > 1 && part.chars().all(|c| c == '-') {
                        format!("{}:", &part[..part.len() - 1])
                    } else {
                        part.to_string()
                    }
                })
                .collect();
            *separator = parts.join("|");
        }
        lines.join("\n")
    }

    fn csv(&self) -> String {
        let mut out = csv_line(self.headers.iter().map(String::as_str));
        for row in &self.rows {
            let fields: Vec<String> = row
                .iter()
                .map(|f| match &f.raw {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            out.push_str(&csv_line(fields.iter().map(String::as_str)));
        }
        out
    }

    fn json(&self) -> Json {
        let rows: Vec<Json> = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Json> = self
                    .headers
                    .iter()
                    .cloned()
                    .zip(row.iter().map(|f| f.raw.clone()))
                    .collect();
                Json::Object(object)
            })
            .collect();
        json!({ "title": self.title, "columns": self.headers, "rows": rows, "note": self.note })
    }
}

/// One CSV line, quoting fields that need it.
pub fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = fields
        .map(|s| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        })
        .collect();
    quoted.join(",") + "\n"
}
