//! A workbook's tables as text (comfy-table), Markdown, CSV or JSON.
//!
//! Text and Markdown format each number by its unit; CSV and JSON carry the raw f64 at full
//! precision with the unit beside it, for scripts.

use crate::number::format_value;
use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Grid};
use flopsheet_engine::Value;
use flopsheet_load::{Layout, Table, Workspace};
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

/// How to draw text tables.
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// Fixed width (for tests and pipes); `None` lets comfy-table use the terminal's.
    pub width: Option<u16>,
    /// Old values of cells that just changed, shown as `old → new` (watch mode).
    pub changed: HashMap<String, Value>,
}

/// One displayed cell: its address, its value, and how to show it.
struct Entry<'a> {
    name: String,
    value: Value,
    unit: Option<&'a str>,
}

impl Entry<'_> {
    fn text(&self, style: &Style) -> String {
        let new = format_value(self.value, self.unit);
        match style.changed.get(&self.name) {
            Some(&old) => format!("{} → {new}", format_value(old, self.unit)),
            None => new,
        }
    }
}

/// A value for JSON: the number, or the error code as a string.
fn json_value(v: Value) -> Json {
    match v {
        Value::Num(n) => json!(n),
        Value::Err(e) => json!(e.kind.code()),
    }
}

/// A value at full precision (shortest text that reads back to the same f64).
pub fn raw(v: Value) -> String {
    match v {
        Value::Num(n) => n.to_string(),
        Value::Err(e) => e.kind.code().to_string(),
    }
}

fn entry<'a>(ws: &'a Workspace, name: &str) -> Entry<'a> {
    let info = ws.workbook.cells.get(name);
    Entry {
        name: name.to_string(),
        value: ws.value(name).unwrap_or(Value::Num(f64::NAN)),
        unit: info.and_then(|i| i.unit.as_deref()),
    }
}

/// The tables to show: all, or the one named.
pub fn select<'a>(ws: &'a Workspace, only: Option<&str>) -> Result<Vec<&'a Table>, String> {
    match only {
        None => Ok(ws.workbook.tables.iter().collect()),
        Some(name) => match ws.workbook.tables.iter().find(|t| t.name == name) {
            Some(t) => Ok(vec![t]),
            None => {
                let names: Vec<&str> = ws.workbook.tables.iter().map(|t| t.name.as_str()).collect();
                Err(format!(
                    "no table `{name}` in this workbook; its tables are: {}",
                    names.join(", ")
                ))
            }
        },
    }
}

/// Renders the selected tables in `format`.
pub fn render(ws: &Workspace, tables: &[&Table], format: Format, style: &Style) -> String {
    match format {
        Format::Table | Format::Markdown => {
            let mut out = String::new();
            if format == Format::Table {
                out.push_str(&format!("{}\n", ws.workbook.title));
            } else {
                out.push_str(&format!("# {}\n", ws.workbook.title));
            }
            for table in tables {
                out.push('\n');
                out.push_str(&text_table(ws, table, format, style));
            }
            out
        }
        Format::Csv => csv(ws, tables),
        Format::Json => serde_json::to_string_pretty(&json_tables(ws, tables)).unwrap_or_default() + "\n",
    }
}

/// A row table's cells, row by row.
fn rows<'a>(ws: &'a Workspace, table: &Table) -> Vec<(String, Vec<Entry<'a>>)> {
    match &table.layout {
        Layout::Rows { rows, columns } => rows
            .iter()
            .map(|row| {
                (
                    row.clone(),
                    columns.iter().map(|c| entry(ws, &table.cell_name(row, c))).collect(),
                )
            })
            .collect(),
        Layout::Cells(cells) => cells.iter().map(|c| (c.to_string(), vec![entry(ws, c)])).collect(),
    }
}

fn text_table(ws: &Workspace, table: &Table, format: Format, style: &Style) -> String {
    let mut grid = Grid::new();
    grid.load_style(if format == Format::Markdown {
        ASCII_MARKDOWN
    } else {
        UTF8_FULL_CONDENSED
    });
    grid.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = style.width {
        grid.force_no_tty().set_width(width);
    }
    match &table.layout {
        Layout::Rows { columns, .. } => {
            let mut header = vec![Cell::new("")];
            header.extend(columns.iter().map(Cell::new));
            grid.set_header(header);
            for (row, entries) in rows(ws, table) {
                let mut cells = vec![Cell::new(row)];
                cells.extend(
                    entries
                        .iter()
                        .map(|e| Cell::new(e.text(style)).set_alignment(CellAlignment::Right)),
                );
                grid.add_row(cells);
            }
        }
        Layout::Cells(cells) => {
            grid.set_header(vec!["cell", "value", "note"]);
            for name in cells {
                let e = entry(ws, name);
                let note = ws
                    .workbook
                    .cells
                    .get(&**name)
                    .and_then(|i| i.note.clone())
                    .unwrap_or_default();
                grid.add_row(vec![
                    Cell::new(name),
                    Cell::new(e.text(style)).set_alignment(CellAlignment::Right),
                    Cell::new(note),
                ]);
            }
        }
    }
    let title = table.title.as_deref().unwrap_or(&table.name);
    let heading = if format == Format::Markdown {
        format!("## {title}\n\n")
    } else {
        format!("{title} [{}]\n", table.name)
    };
    let note = table.note.as_ref().map(|n| format!("\n{n}\n")).unwrap_or_default();
    format!("{heading}{grid}\n{note}")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One line per displayed cell: `table,row,column,name,value,unit`.
fn csv(ws: &Workspace, tables: &[&Table]) -> String {
    let mut out = String::from("table,row,column,name,value,unit\n");
    for table in tables {
        let columns: Vec<String> = match &table.layout {
            Layout::Rows { columns, .. } => columns.clone(),
            Layout::Cells(_) => vec!["value".into()],
        };
        for (row, entries) in rows(ws, table) {
            for (column, e) in columns.iter().zip(&entries) {
                let fields = [&table.name, &row, column, &e.name, &raw(e.value), e.unit.unwrap_or("")];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
        }
    }
    out
}

fn json_tables(ws: &Workspace, tables: &[&Table]) -> Json {
    let tables: Vec<Json> = tables
        .iter()
        .map(|table| {
            let mut units = Map::new();
            let rows: Vec<Json> = rows(ws, table)
                .into_iter()
                .map(|(row, entries)| {
                    let mut object = Map::new();
                    object.insert("row".into(), json!(row));
                    let columns: Vec<String> = match &table.layout {
                        Layout::Rows { columns, .. } => columns.clone(),
                        Layout::Cells(_) => vec!["value".into()],
                    };
                    for (column, e) in columns.iter().zip(&entries) {
                        object.insert(column.clone(), json_value(e.value));
                        if let Some(unit) = e.unit {
                            units.insert(column.clone(), json!(unit));
                        }
                    }
                    Json::Object(object)
                })
                .collect();
            json!({ "name": table.name, "title": table.title, "units": units, "rows": rows })
        })
        .collect();
    json!({ "title": ws.workbook.title, "tables": tables })
}

/// `get`: the values of named cells, at full precision.
pub fn values(ws: &Workspace, names: &[String], format: Format) -> Result<String, String> {
    let mut found = Vec::new();
    for name in names {
        let value = ws.value(name).map_err(|e| e.to_string())?;
        found.push((name, value));
    }
    Ok(match format {
        Format::Json => {
            let object: Map<String, Json> = found.iter().map(|(n, v)| ((*n).clone(), json_value(*v))).collect();
            serde_json::to_string(&Json::Object(object)).unwrap_or_default() + "\n"
        }
        _ if found.len() == 1 => raw(found[0].1) + "\n",
        _ => found.iter().map(|(n, v)| format!("{n} = {}\n", raw(*v))).collect(),
    })
}
