//! A workbook's tables as text (comfy-table), Markdown, CSV or JSON.
//!
//! Text and Markdown format each number by its unit; CSV and JSON carry the raw f64 at full
//! precision with the unit beside it, for scripts.
//!
//! A cell with a reference (a published figure, see `flopsheet_load::references`) shows it
//! and the difference beside its value: extra columns `reference` and `difference` in a
//! table of cells, a `COLUMN ref` and `COLUMN Δ` pair after each such column of a row table.
//! A table without references prints exactly as it did before references existed.

use crate::grid::{csv_line, json_value, Field, Grid};
use crate::number::{format_difference, format_value};
use flopsheet_engine::Value;
use flopsheet_load::{Comparison, Layout, Table, Workspace};
use serde_json::{json, Map, Value as Json};
use std::borrow::Cow;
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
    reference: Option<Comparison<'a>>,
}

impl Entry<'_> {
    fn text(&self, style: &Style) -> String {
        let new = format_value(self.value, self.unit);
        match style.changed.get(&self.name) {
            Some(&old) => format!("{} → {new}", format_value(old, self.unit)),
            None => new,
        }
    }

    /// The reference and the difference, formatted as the cell is; empty without a reference.
    fn reference_fields(&self) -> [Field; 2] {
        let Some(c) = &self.reference else {
            return [Field::label(""), Field::label("")];
        };
        let difference = match c.difference {
            Some(d) => Field {
                text: format_difference(d),
                raw: json!(d),
            },
            None => Field::label("—"),
        };
        [
            Field {
                text: format_value(c.value, self.unit),
                raw: json_value(c.value),
            },
            difference,
        ]
    }
}

/// The note under a table: its own, and why a difference is missing where one is.
fn table_note(table: &Table, entries: &[&Entry<'_>]) -> Option<String> {
    let why: Vec<String> = entries
        .iter()
        .filter_map(|e| {
            let c = e.reference.as_ref().filter(|c| !c.is_missing())?;
            Some(format!("{}: no difference, {}", e.name, c.no_difference()?))
        })
        .collect();
    match (&table.note, why.is_empty()) {
        (note, true) => note.clone(),
        (None, false) => Some(why.join("\n")),
        (Some(note), false) => Some(format!("{note}\n{}", why.join("\n"))),
    }
}

/// A comparison for JSON: the reference, the difference (`null` when undefined), what the
/// reference says of itself, and its verdict.
fn reference_json(c: &Comparison<'_>) -> Json {
    let r = c.reference;
    json!({
        "reference": json_value(c.value),
        "difference": c.difference,
        "tolerance": r.tolerance,
        "source": r.source,
        "date": r.date,
        "status": c.verdict.label(),
    })
}

/// A value at full precision (shortest text that reads back to the same f64).
/// Very large and very small numbers use an exponent (`3.15e23`, `4.438322620140801e-18`),
/// still the shortest text that reads back exactly.
pub fn raw(v: Value) -> String {
    match v {
        Value::Num(n) if n != 0.0 && !(1e-5..1e16).contains(&n.abs()) => format!("{n:e}"),
        Value::Num(n) => n.to_string(),
        Value::Err(e) => e.kind.code().to_string(),
    }
}

fn entry<'a>(ws: &'a Workspace, name: &str) -> Entry<'a> {
    let info = ws.workbook.cells.get(name);
    let (unit, factor) = info.map_or((None, 1.0), |i| ws.workbook.shown(i));
    let value = match ws.value(name).unwrap_or(Value::Num(f64::NAN)) {
        Value::Num(n) => Value::Num(n * factor),
        error => error,
    };
    Entry {
        name: name.to_string(),
        value,
        unit,
        reference: ws.reference_comparison(name),
    }
}

/// The tables to show: all, or the one named. A workbook that declares no tables shows its
/// own cells ([`Workbook::default_table`](flopsheet_load::Workbook::default_table)).
pub fn select<'a>(ws: &'a Workspace, only: Option<&str>) -> Result<Vec<Cow<'a, Table>>, String> {
    let mut all: Vec<Cow<'a, Table>> = match ws.workbook.default_table() {
        Some(table) => vec![Cow::Owned(table)],
        None => ws.workbook.tables.iter().map(Cow::Borrowed).collect(),
    };
    let Some(name) = only else { return Ok(all) };
    match all.iter().position(|t| t.name == name) {
        Some(at) => Ok(vec![all.swap_remove(at)]),
        None if all.is_empty() => Err(format!(
            "no table `{name}`: this workbook has no tables and no cells of its own"
        )),
        None => {
            let names: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
            Err(format!(
                "no table `{name}` in this workbook; its tables are: {}",
                names.join(", ")
            ))
        }
    }
}

/// Renders the selected tables in `format`.
pub fn render(ws: &Workspace, tables: &[Cow<'_, Table>], format: Format, style: &Style) -> String {
    match format {
        Format::Table | Format::Markdown => {
            let mut out = String::new();
            if format == Format::Table {
                let width = style.width.map(usize::from);
                out.push_str(&format!("{}\n", crate::grid::fit_prose(&ws.workbook.title, width)));
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

/// A table's rows: each row's label and its cells.
type Rows<'a> = Vec<(String, Vec<Entry<'a>>)>;

/// A row table's cells, row by row.
fn rows<'a>(ws: &'a Workspace, table: &Table) -> Rows<'a> {
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
    let mut grid = Grid::default();
    let rows = rows(ws, table);
    match &table.layout {
        Layout::Rows { columns, .. } => {
            // Which columns have a reference in some row: each gets a `ref` and a `Δ` column.
            let referenced: Vec<bool> = (0..columns.len())
                .map(|c| rows.iter().any(|(_, entries)| entries[c].reference.is_some()))
                .collect();
            grid.headers = vec![String::new()];
            for (column, &has) in columns.iter().zip(&referenced) {
                grid.headers.push(column.clone());
                if has {
                    grid.headers.extend([format!("{column} ref"), format!("{column} Δ")]);
                }
            }
            for (row, entries) in &rows {
                let mut fields = vec![Field::label(row.clone())];
                for (e, &has) in entries.iter().zip(&referenced) {
                    fields.push(Field {
                        text: e.text(style),
                        raw: json_value(e.value),
                    });
                    if has {
                        fields.extend(e.reference_fields());
                    }
                }
                grid.rows.push(fields);
            }
        }
        Layout::Cells(cells) => {
            let referenced = rows.iter().any(|(_, entries)| entries[0].reference.is_some());
            grid.headers = vec!["cell".into(), "value".into()];
            if referenced {
                grid.headers.extend(["reference".into(), "difference".into()]);
            }
            grid.headers.push("note".into());
            for (name, (_, entries)) in cells.iter().zip(&rows) {
                let e = &entries[0];
                let note = ws
                    .workbook
                    .cells
                    .get(name)
                    .and_then(|i| i.note().map(str::to_string))
                    .unwrap_or_default();
                let mut fields = vec![
                    Field::label(name.to_string()),
                    Field {
                        text: e.text(style),
                        raw: json_value(e.value),
                    },
                ];
                if referenced {
                    fields.extend(e.reference_fields());
                }
                fields.push(Field::label(note));
                grid.rows.push(fields);
            }
        }
    }
    let all: Vec<&Entry<'_>> = rows.iter().flat_map(|(_, entries)| entries).collect();
    grid.note = table_note(table, &all);
    let title = table.title.as_deref().unwrap_or(&table.name);
    let heading = if format == Format::Markdown {
        format!("## {title}\n\n")
    } else {
        let heading = format!("{title} [{}]", table.name);
        format!("{}\n", crate::grid::fit_prose(&heading, style.width.map(usize::from)))
    };
    format!("{heading}{}", grid.text(format, style.width))
}

/// One line per displayed cell: `table,row,column,name,value,unit`, and when some shown cell
/// has a reference, `reference,difference,tolerance,source,date` after them (empty for a
/// cell without one; the difference empty where it is undefined).
fn csv(ws: &Workspace, tables: &[Cow<'_, Table>]) -> String {
    let all: Vec<(&Table, Rows<'_>)> = tables.iter().map(|t| (&**t, rows(ws, t))).collect();
    let referenced = all
        .iter()
        .flat_map(|(_, rows)| rows.iter().flat_map(|(_, entries)| entries))
        .any(|e| e.reference.is_some());
    let mut out = String::from("table,row,column,name,value,unit");
    out.push_str(if referenced {
        ",reference,difference,tolerance,source,date\n"
    } else {
        "\n"
    });
    for (table, rows) in all {
        let columns: Vec<String> = match &table.layout {
            Layout::Rows { columns, .. } => columns.clone(),
            Layout::Cells(_) => vec!["value".into()],
        };
        for (row, entries) in rows {
            for (column, e) in columns.iter().zip(&entries) {
                let value = raw(e.value);
                let mut fields: Vec<String> =
                    [table.name.as_str(), &row, column, &e.name, &value, e.unit.unwrap_or("")]
                        .map(str::to_string)
                        .into();
                if referenced {
                    fields.extend(csv_reference(e.reference.as_ref()));
                }
                out.push_str(&csv_line(fields.iter().map(String::as_str)));
            }
        }
    }
    out
}

/// `reference,difference,tolerance,source,date` of a cell, at full precision.
fn csv_reference(c: Option<&Comparison<'_>>) -> [String; 5] {
    let Some(c) = c else { return Default::default() };
    let r = c.reference;
    [
        raw(c.value),
        c.difference.map(|d| d.to_string()).unwrap_or_default(),
        r.tolerance.map(|t| t.to_string()).unwrap_or_default(),
        r.source.clone().unwrap_or_default(),
        r.date.clone().unwrap_or_default(),
    ]
}

/// `show --format json` (documented in `docs/json.md`): the workbook's title and its tables;
/// each row is `{"label", "values": {COLUMN: VALUE}, "units": {COLUMN: UNIT}}`, with
/// `"references"` when a cell of the row has one and `"note"` in a table of cells. The label
/// sits beside the values, never among them, so no column name can clash with it.
fn json_tables(ws: &Workspace, tables: &[Cow<'_, Table>]) -> Json {
    let tables: Vec<Json> = tables
        .iter()
        .map(|table| {
            let (layout, columns): (&str, Vec<String>) = match &table.layout {
                Layout::Rows { columns, .. } => ("rows", columns.clone()),
                Layout::Cells(_) => ("cells", vec!["value".into()]),
            };
            let rows: Vec<Json> = rows(ws, table)
                .into_iter()
                .map(|(label, entries)| {
                    let mut values = Map::new();
                    let mut units = Map::new();
                    let mut references = Map::new();
                    for (column, e) in columns.iter().zip(&entries) {
                        values.insert(column.clone(), json_value(e.value));
                        if let Some(unit) = e.unit {
                            units.insert(column.clone(), json!(unit));
                        }
                        if let Some(c) = &e.reference {
                            references.insert(column.clone(), reference_json(c));
                        }
                    }
                    let mut object = Map::new();
                    object.insert("label".into(), json!(label));
                    object.insert("values".into(), Json::Object(values));
                    object.insert("units".into(), Json::Object(units));
                    if !references.is_empty() {
                        object.insert("references".into(), Json::Object(references));
                    }
                    if let Layout::Cells(_) = table.layout {
                        let note = ws.workbook.cells.get(&label).and_then(|i| i.note());
                        object.insert("note".into(), json!(note));
                    }
                    Json::Object(object)
                })
                .collect();
            json!({
                "name": table.name,
                "title": table.title,
                "layout": layout,
                "columns": columns,
                "rows": rows,
                "note": table.note,
            })
        })
        .collect();
    json!({ "title": ws.workbook.title, "tables": tables })
}

/// `get --format table|csv|markdown`: one row per name asked, `name,value,unit` (CSV carries
/// the raw value at full precision, the others the value formatted by its unit).
pub fn values_grid(ws: &Workspace, names: &[String], format: Format) -> Result<String, String> {
    let mut grid = Grid {
        headers: vec!["name".into(), "value".into(), "unit".into()],
        ..Grid::default()
    };
    for name in names {
        let value = ws.value(name).map_err(|e| e.to_string())?;
        let unit = ws.workbook.cells.get(&ws.canonical(name)).and_then(|i| i.unit());
        let shown = match format {
            Format::Csv => Field {
                text: raw(value),
                raw: json!(raw(value)),
            },
            _ => Field::value(value, unit),
        };
        grid.rows.push(vec![
            Field::label(name.clone()),
            shown,
            Field::label(unit.unwrap_or("")),
        ]);
    }
    Ok(grid.render(format, None))
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
