//! An [`Export`] → the bytes of an `.xlsx` file (rust_xlsxwriter).
//!
//! Each exported cell is written at its home: an input as a number, a missing value as
//! `=NA()`, a formula as its Excel formula with flopsheet's value cached (viewers that do not
//! recalculate show it; Excel recalculates on load). Every cell gets a defined name, so
//! formulas read like the workbook (`=training_gpt3_flops*usd_per_flop`). Numbers are
//! formatted by unit, notes and explanations are cell comments, sources are hyperlinks,
//! titles and headers are styled and columns are as wide as what they show.

use crate::{excel_error, Export, ExportCell, Field, Kind, FIRST_ROW};
use flopsheet_engine::Value;
use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Formula, Note, Url, Workbook, Worksheet, XlsxError};
use std::collections::HashMap;

/// Widest a column is made, in characters.
const MAX_WIDTH: usize = 60;

/// The `.xlsx` file's bytes.
pub fn to_xlsx(export: &Export) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&DocProperties::new().set_title(&export.title).set_author("flopsheet"));
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    let label = Format::new().set_bold();
    let mut formats = Formats::default();
    for (s, sheet) in export.sheets.iter().enumerate() {
        let mut ws = Worksheet::new();
        ws.set_name(&sheet.name)?;
        let mut widths: Vec<usize> = vec![0; sheet.headers.len().max(1)];
        let mut widen = |col: u16, len: usize| {
            let col = col as usize;
            if widths.len() <= col {
                widths.resize(col + 1, 0);
            }
            widths[col] = widths[col].max(len);
        };
        ws.write_string_with_format(0, 0, &sheet.title, &title)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(FIRST_ROW - 1, c as u16, h, &header)?;
            widen(c as u16, h.chars().count());
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = FIRST_ROW + r as u32;
            for (c, field) in row.iter().enumerate() {
                let c = c as u16;
                match field {
                    Field::Empty => {}
                    Field::Text(text) if text.is_empty() => {}
                    Field::Text(text) => {
                        if c == 0 {
                            ws.write_string_with_format(r, c, text, &label)?;
                        } else {
                            ws.write_string(r, c, text)?;
                        }
                        widen(c, text.chars().count());
                    }
                    Field::Source(source) => {
                        if source.starts_with("https://") || source.starts_with("http://") {
                            ws.write_url(r, c, Url::new(source.as_str()))?;
                        } else {
                            ws.write_string(r, c, source)?;
                        }
                        widen(c, source.chars().count().min(40));
                    }
                    Field::Cell(at) => {
                        let cell = &export.cells[*at];
                        debug_assert_eq!((cell.sheet, cell.row, cell.col), (s, r, c));
                        let format = formats.get(cell);
                        write_cell(&mut ws, cell, &format)?;
                        widen(c, shown_width(cell));
                    }
                    Field::Ref(at) => {
                        let cell = &export.cells[*at];
                        let formula = Formula::new(format!("={}", cell.excel_name)).set_result(result(cell.value));
                        ws.write_formula_with_format(r, c, formula, &formats.get(cell))?;
                        widen(c, shown_width(cell));
                    }
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            let width = (*w + 2).clamp(8, MAX_WIDTH);
            ws.set_column_width(c as u16, width as f64)?;
        }
        ws.set_freeze_panes(FIRST_ROW, 1)?;
        workbook.push_worksheet(ws);
    }
    for cell in &export.cells {
        let sheet = &export.sheets[cell.sheet].name;
        workbook.define_name(&cell.excel_name, &format!("='{sheet}'!{}", cell.address()))?;
    }
    workbook.save_to_buffer()
}

/// The cached result of a formula, as the file stores it.
fn result(value: Value) -> String {
    match value {
        Value::Num(n) => format!("{n}"),
        Value::Err(e) => excel_error(e.kind).to_string(),
    }
}

fn write_cell(ws: &mut Worksheet, cell: &ExportCell, format: &Format) -> Result<(), XlsxError> {
    let (r, c) = (cell.row, cell.col);
    let mut comment: Vec<String> = Vec::new();
    match &cell.kind {
        Kind::Input => match cell.value {
            Value::Num(n) => {
                ws.write_number_with_format(r, c, n, format)?;
            }
            Value::Err(e) => {
                ws.write_formula_with_format(r, c, error_formula(e.kind), format)?;
            }
        },
        Kind::Missing(reason) => {
            ws.write_formula_with_format(r, c, Formula::new("=NA()").set_result("#N/A"), format)?;
            comment.push(format!("missing: {reason}"));
        }
        Kind::Formula {
            written,
            excel,
            expanded,
            caveat,
        } => {
            match excel {
                Ok(text) => {
                    let formula = Formula::new(format!("={text}")).set_result(result(cell.value));
                    ws.write_formula_with_format(r, c, formula, format)?;
                }
                Err(why) => {
                    match cell.value {
                        Value::Num(n) => ws.write_number_with_format(r, c, n, format)?,
                        Value::Err(e) => ws.write_formula_with_format(r, c, error_formula(e.kind), format)?,
                    };
                    comment.push(format!("flopsheet: exported as its value, not a formula: {}", why.0));
                    comment.push(format!("formula: {written}"));
                }
            }
            if !expanded.is_empty() {
                comment.push(format!("formula: {written} ({} expanded)", expanded.join(", ")));
            }
            if let Some(caveat) = caveat {
                comment.push(format!("flopsheet: {caveat}"));
            }
        }
    }
    if cell.overridden {
        comment.push("set for this export (--set or a scenario)".into());
    }
    if let Some(note) = &cell.note {
        comment.insert(0, note.clone());
    }
    if !comment.is_empty() {
        ws.insert_note(r, c, &Note::new(comment.join("\n")).set_author("flopsheet"))?;
    }
    Ok(())
}

/// A formula whose value is the error `kind`, for a value that is an error but has no
/// faithful formula.
fn error_formula(kind: flopsheet_engine::ErrorKind) -> Formula {
    use flopsheet_engine::ErrorKind;
    let text = match kind {
        ErrorKind::DivZero => "=1/0",
        ErrorKind::NotAvailable => "=NA()",
        _ => "=SQRT(-1)",
    };
    Formula::new(text).set_result(excel_error(kind))
}

/// About how many characters the value shows.
fn shown_width(cell: &ExportCell) -> usize {
    match cell.value {
        Value::Num(n) => {
            let a = n.abs();
            if a >= 1e9 || (a != 0.0 && a < 1e-3) {
                10
            } else {
                format!("{a:.2}").len() + 4
            }
        }
        Value::Err(_) => 8,
    }
}

/// One format per number format, made once.
#[derive(Default)]
struct Formats {
    made: HashMap<String, Format>,
}

impl Formats {
    fn get(&mut self, cell: &ExportCell) -> Format {
        let n = cell.value.as_num().unwrap_or(0.0);
        let code = number_format(cell.unit.as_deref(), n);
        self.made
            .entry(code.clone())
            .or_insert_with(|| Format::new().set_num_format(&code))
            .clone()
    }
}

/// The number format for a value of `unit`: `$#,##0` for dollars, `0.0%` for fractions,
/// scientific for FLOP and other large SI quantities.
pub fn number_format(unit: Option<&str>, n: f64) -> String {
    let a = n.abs();
    let unit = unit.map(str::trim).unwrap_or("");
    let money = |per: &str| {
        let suffix = if per.is_empty() {
            String::new()
        } else {
            format!("\"/{}\"", per.replace('"', "'"))
        };
        let body = if a >= 1000.0 {
            "$#,##0"
        } else if a >= 0.01 || a == 0.0 {
            "$#,##0.00"
        } else {
            "$0.00E+00"
        };
        format!("{body}{suffix}")
    };
    match unit {
        "USD" | "$" => money(""),
        "%" => "0.0%".into(),
        "x" | "×" => "0.00\"×\"".into(),
        _ if unit.starts_with("USD/") => money(&unit[4..]),
        "FLOP" | "FLOP/s" | "B" | "B/s" | "W" | "Wh" | "J" | "FLOP/J" | "params" | "tokens" if a >= 1e6 => {
            "0.00E+00".into()
        }
        _ if a >= 1e12 || (a != 0.0 && a < 1e-4) => "0.00E+00".into(),
        _ if a >= 1000.0 && n.fract() == 0.0 => "#,##0".into(),
        _ => "General".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::number_format as f;

    #[test]
    fn number_formats_follow_units() {
        assert_eq!(f(Some("USD"), 11_216_528.9), "$#,##0");
        assert_eq!(f(Some("USD"), 2.5), "$#,##0.00");
        assert_eq!(f(Some("USD/h"), 2.03), "$#,##0.00\"/h\"");
        assert_eq!(f(Some("USD/FLOP"), 4.4e-18), "$0.00E+00\"/FLOP\"");
        assert_eq!(f(Some("%"), 0.462), "0.0%");
        assert_eq!(f(Some("FLOP"), 3.15e23), "0.00E+00");
        assert_eq!(f(Some("x"), 2.2), "0.00\"×\"");
        assert_eq!(f(Some("h"), 3_552_000.0), "#,##0");
        assert_eq!(f(None, 0.5), "General");
    }
}
