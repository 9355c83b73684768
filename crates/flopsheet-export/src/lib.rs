//! Exporting a loaded workbook: as an `.xlsx` spreadsheet whose cells hold live formulas
//! (with their values cached), or as JSON for scripts and notebooks.
//!
//! The stages, one module each:
//!
//! - [`names`]: flopsheet names → Excel defined names (the rule is in its docs);
//! - `layout` (this file): which cells are exported and where each one lives — a sheet per
//!   table (row tables as rows × columns), a `cells` sheet for the workbook's own cells, a
//!   `packs` sheet for every pack value the workbook uses;
//! - [`translate`]: each formula → Excel formula text, or the reason it has no faithful one;
//! - [`check`]: each translated formula evaluated the way a spreadsheet does, against
//!   flopsheet's value, so that a formula Excel would compute differently is exported as its
//!   value instead (with a comment saying why), never silently;
//! - [`xlsx`] and [`json`]: the bytes to write. Writing them (atomically) is the caller's job.

pub mod check;
pub mod json;
pub mod names;
pub mod translate;
pub mod xlsx;

use flopsheet_engine::{CellId, ErrorKind, Expr, Value};
use flopsheet_load::{Layout, Origin, Table, Workspace};
use std::collections::HashMap;
use translate::{Column, Context, Unfaithful};

/// A workbook laid out as a spreadsheet.
#[derive(Debug, Clone)]
pub struct Export {
    pub title: String,
    pub sheets: Vec<Sheet>,
    /// Every exported cell, each in one place (its home), in the order of the sheets.
    pub cells: Vec<ExportCell>,
}

/// One worksheet: a title line, a header line, then rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Field>>,
}

/// Sheet rows before the data: the title and the headers.
pub const FIRST_ROW: u32 = 2;

/// What one spreadsheet cell of a sheet holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Empty,
    Text(String),
    /// A source: a hyperlink when it is a URL.
    Source(String),
    /// The home of an exported cell (an index in [`Export::cells`]).
    Cell(usize),
    /// A reference to a cell whose home is elsewhere (`=training_palm_cost_usd`), as a table
    /// of cells lists it.
    Ref(usize),
}

/// A cell of the workbook as exported.
#[derive(Debug, Clone)]
pub struct ExportCell {
    pub name: String,
    /// Its Excel defined name (see [`names`]).
    pub excel_name: String,
    pub sheet: usize,
    /// Zero-based row and column in its sheet.
    pub row: u32,
    pub col: u16,
    pub kind: Kind,
    pub value: Value,
    pub unit: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    /// Set by `--set` (or a scenario) for this export.
    pub overridden: bool,
    pub precedents: Vec<String>,
    pub dependents: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Input,
    /// Declared missing, with the reason: `=NA()` in the spreadsheet.
    Missing(String),
    Formula {
        /// As written in the workbook or pack.
        written: String,
        /// The Excel formula (without `=`), or why it is exported as its value.
        excel: Result<String, Unfaithful>,
        /// Pack or workbook functions expanded into it (`chinchilla_loss(n, d)`).
        expanded: Vec<String>,
        /// Where Excel's error differs from flopsheet's (`#DIV/0!` for `#NUM`), said in a
        /// comment on the cell.
        caveat: Option<String>,
    },
}

impl ExportCell {
    /// `$B$3`-style address, without the sheet.
    pub fn address(&self) -> String {
        format!("${}${}", column_letters(self.col), self.row + 1)
    }

    /// Why the formula is exported as its value, if it is.
    pub fn unfaithful(&self) -> Option<&str> {
        match &self.kind {
            Kind::Formula { excel: Err(e), .. } => Some(&e.0),
            _ => None,
        }
    }
}

/// `A`, `Z`, `AA`, ... for a zero-based column.
pub fn column_letters(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// The spreadsheet spelling of an error value.
pub fn excel_error(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::DivZero => "#DIV/0!",
        ErrorKind::Num => "#NUM!",
        ErrorKind::Name => "#NAME?",
        ErrorKind::Value | ErrorKind::Cycle => "#VALUE!",
        ErrorKind::NotAvailable => "#N/A",
    }
}

impl Export {
    /// Lays out `ws` as a spreadsheet. `expressions` are the cells' resolved expressions, by
    /// position in the workbook's cells ([`flopsheet_load::Definitions::expressions`], read
    /// before the workspace was built from the same definitions).
    pub fn new(ws: &Workspace, expressions: &[Option<Expr>]) -> Export {
        let mut builder = Builder::new(ws);
        builder.lay_out();
        builder.translate(expressions);
        builder.finish()
    }

    /// The formulas exported as values, each with the reason: what `export` says on stderr.
    pub fn warnings(&self) -> Vec<String> {
        self.cells
            .iter()
            .filter_map(|c| {
                c.unfaithful()
                    .map(|why| format!("`{}` is exported as its value: {why}", c.name))
            })
            .collect()
    }
}

/// Where an exported cell's data sits while the sheets are built.
struct Builder<'w> {
    ws: &'w Workspace,
    sheets: Vec<Sheet>,
    cells: Vec<ExportCell>,
    /// flopsheet name → index in `cells`.
    index: HashMap<String, usize>,
    /// Sheet names taken, upper-cased (Excel's are not case-sensitive).
    sheet_names: Vec<String>,
    excel_names: names::NameMap,
}

impl<'w> Builder<'w> {
    fn new(ws: &'w Workspace) -> Builder<'w> {
        Builder {
            ws,
            sheets: Vec::new(),
            cells: Vec::new(),
            index: HashMap::new(),
            sheet_names: Vec::new(),
            excel_names: names::NameMap::default(),
        }
    }

    /// A sheet named `name`, or `name_2`, ... if taken; at most Excel's 31 characters.
    fn sheet(&mut self, name: &str, title: String, headers: Vec<&str>) -> usize {
        let base: String = name.chars().take(28).collect();
        let mut candidate = base.clone();
        let mut n = 2;
        while self.sheet_names.contains(&candidate.to_uppercase()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.sheet_names.push(candidate.to_uppercase());
        self.sheets.push(Sheet {
            name: candidate,
            title,
            headers: headers.into_iter().map(str::to_string).collect(),
            rows: Vec::new(),
        });
        self.sheets.len() - 1
    }

    /// Gives the cell `name` its home at the next free position of row `row` of `sheet`.
    fn home(&mut self, name: &str, sheet: usize, row: usize) -> Field {
        let ws = self.ws;
        let info = &ws.workbook.cells[name];
        let id = ws.model.id(name);
        let value = id.map_or(Value::Num(f64::NAN), |id| ws.model.value(id));
        let names_of = |ids: &[CellId]| -> Vec<String> {
            ids.iter()
                .map(|&i| ws.model.name(i).to_string())
                .filter(|n| !n.contains('@'))
                .collect()
        };
        let kind = match (info.missing(), info.overridden) {
            (Some(reason), false) => Kind::Missing(reason.to_string()),
            _ => Kind::Input,
        };
        let at = self.cells.len();
        self.cells.push(ExportCell {
            name: name.to_string(),
            excel_name: self.excel_names.assign(name),
            sheet,
            row: FIRST_ROW + row as u32,
            col: self.sheets[sheet].rows[row].len() as u16,
            kind,
            value,
            unit: info.unit().map(str::to_string),
            note: info.note().map(str::to_string),
            source: info.source().map(str::to_string),
            date: info.date().map(str::to_string),
            overridden: info.overridden,
            precedents: id.map(|id| names_of(ws.model.precedents(id))).unwrap_or_default(),
            dependents: id.map(|id| names_of(ws.model.dependents(id))).unwrap_or_default(),
        });
        self.index.insert(name.to_string(), at);
        Field::Cell(at)
    }

    fn lay_out(&mut self) {
        let ws = self.ws;
        let wb = &ws.workbook;
        // Tables first, as `show` prints them; a workbook with no tables is shown as its own
        // cells, which the `cells` sheet is.
        let tables: Vec<&Table> = wb.tables.iter().collect();
        let mut listed: Vec<Vec<String>> = Vec::new();
        for table in &tables {
            let title = table.title.clone().unwrap_or_else(|| table.name.clone());
            match &table.layout {
                Layout::Rows { rows, columns } => {
                    let mut headers = vec![String::new()];
                    headers.extend(columns.iter().map(|c| self.column_header(table, rows, c)));
                    let sheet = self.sheet(&table.name, title, Vec::new());
                    self.sheets[sheet].headers = headers;
                    for row in rows {
                        let r = self.sheets[sheet].rows.len();
                        self.sheets[sheet].rows.push(vec![Field::Text(row.clone())]);
                        for column in columns {
                            let name = table.cell_name(row, column);
                            let field = if wb.cells.contains_key(&name) {
                                self.home(&name, sheet, r)
                            } else {
                                Field::Empty
                            };
                            self.sheets[sheet].rows[r].push(field);
                        }
                    }
                    listed.push(Vec::new());
                }
                Layout::Cells(cells) => {
                    self.sheet(&table.name, title, vec!["cell", "value", "unit", "note"]);
                    listed.push(cells.iter().map(|c| c.to_string()).collect());
                }
            }
        }
        // The workbook's own cells.
        let own: Vec<String> = (0..wb.cells.len())
            .filter(|&at| *wb.cells[at].origin() == Origin::Workbook)
            .map(|at| wb.cells.name(at).to_string())
            .filter(|n| !n.contains('@'))
            .collect();
        if !own.is_empty() {
            let sheet = self.sheet(
                "cells",
                format!("{}: the workbook's cells", wb.title),
                vec!["cell", "value", "unit", "formula", "note", "source", "date"],
            );
            for name in &own {
                self.detail_row(sheet, name);
            }
        }
        // Every pack value that an exported cell (or a listed one) reads, directly or not.
        let used = self.used_pack_values(&listed);
        if !used.is_empty() {
            let sheet = self.sheet(
                "packs",
                format!("{}: the pack values it uses", wb.title),
                vec!["cell", "value", "unit", "formula", "note", "source", "date"],
            );
            for name in &used {
                self.detail_row(sheet, name);
            }
        }
        // Tables of cells show each listed cell where it lives.
        for (t, names) in listed.iter().enumerate() {
            for name in names {
                let info = wb.cells.get(name);
                let field = match self.index.get(name) {
                    Some(&at) => Field::Ref(at),
                    None => Field::Empty,
                };
                self.sheets[t].rows.push(vec![
                    Field::Text(name.clone()),
                    field,
                    Field::Text(info.and_then(|i| i.unit()).unwrap_or_default().to_string()),
                    Field::Text(info.and_then(|i| i.note()).unwrap_or_default().to_string()),
                ]);
            }
        }
    }

    /// `cost_usd (USD)`: a row table's column with the unit its cells share.
    fn column_header(&self, table: &Table, rows: &[String], column: &str) -> String {
        let unit = rows
            .iter()
            .find_map(|row| self.ws.workbook.cells.get(&table.cell_name(row, column)))
            .and_then(|i| i.unit());
        match unit {
            Some(unit) => format!("{column} ({unit})"),
            None => column.to_string(),
        }
    }

    /// A line of the `cells` or `packs` sheet: name, value, unit, formula, note, source, date.
    fn detail_row(&mut self, sheet: usize, name: &str) {
        let r = self.sheets[sheet].rows.len();
        self.sheets[sheet].rows.push(vec![Field::Text(name.to_string())]);
        let home = self.home(name, sheet, r);
        let info = &self.ws.workbook.cells[name];
        let formula = match (self.ws.workbook.formula(info), info.overridden) {
            (Some(f), false) => f.to_string(),
            (_, true) => "set for this export".to_string(),
            (None, false) => String::new(),
        };
        let text = |s: Option<&str>| Field::Text(s.unwrap_or_default().to_string());
        let row = &mut self.sheets[sheet].rows[r];
        row.push(home);
        row.push(text(info.unit()));
        row.push(Field::Text(formula));
        row.push(text(info.note()));
        row.push(info.source().map_or(Field::Empty, |s| Field::Source(s.to_string())));
        row.push(text(info.date()));
    }

    /// The pack values read by the cells placed so far or listed by a table, in the order
    /// the workbook defines them.
    fn used_pack_values(&self, listed: &[Vec<String>]) -> Vec<String> {
        let model = &self.ws.model;
        let mut seen = vec![false; model.len()];
        let mut stack: Vec<CellId> = self
            .cells
            .iter()
            .map(|c| c.name.as_str())
            .chain(listed.iter().flatten().map(String::as_str))
            .filter_map(|n| model.id(n))
            .collect();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id as usize], true) {
                continue;
            }
            stack.extend(model.precedents(id).iter().copied().filter(|&p| !seen[p as usize]));
        }
        let cells = &self.ws.workbook.cells;
        (0..cells.len())
            .filter(|&at| matches!(cells[at].origin(), Origin::Pack(_)))
            .map(|at| cells.name(at))
            .filter(|n| !self.index.contains_key(*n) && !n.contains('@'))
            .filter(|n| model.id(n).is_some_and(|id| seen[id as usize]))
            .map(str::to_string)
            .collect()
    }

    /// Translates every exported formula.
    fn translate(&mut self, expressions: &[Option<Expr>]) {
        let ws = self.ws;
        let may_be_na = self.may_be_na();
        let names: HashMap<String, String> = self
            .cells
            .iter()
            .map(|c| (c.name.clone(), c.excel_name.clone()))
            .collect();
        let mut columns = HashMap::new();
        let mut column_ids: HashMap<String, Vec<CellId>> = HashMap::new();
        for def in ws.workbook.columns() {
            column_ids.insert(
                def.name.clone(),
                def.cells.iter().filter_map(|c| ws.model.id(c)).collect(),
            );
            let at: Option<Vec<usize>> = def.cells.iter().map(|c| self.index.get(c).copied()).collect();
            let Some(at) = at else { continue };
            let (Some(&first), Some(&last)) = (at.first(), at.last()) else {
                continue;
            };
            let (a, b) = (&self.cells[first], &self.cells[last]);
            let sheet = &self.sheets[a.sheet].name;
            columns.insert(
                def.name.clone(),
                Column {
                    range: format!("'{sheet}'!{}:{}", a.address(), b.address()),
                    cells: at.iter().map(|&i| self.cells[i].excel_name.clone()).collect(),
                    may_be_na: def
                        .cells
                        .iter()
                        .any(|c| ws.model.id(c).is_some_and(|id| may_be_na[id as usize])),
                },
            );
        }
        let cx = Context {
            names: &names,
            columns: &columns,
        };
        let lookup = |name: &str| ws.model.function(name);
        for cell in &mut self.cells {
            let Some(position) = ws.workbook.cells.position(&cell.name) else {
                continue;
            };
            let Some(Some(expr)) = expressions.get(position) else {
                continue;
            };
            let info = &ws.workbook.cells[position];
            let written = ws.workbook.formula(info).unwrap_or_default().to_string();
            let mut expanded = Vec::new();
            expr.for_each_call(&mut |f| {
                if ws.model.function(f).is_some() && !expanded.iter().any(|e| e == f) {
                    expanded.push(f.to_string());
                }
            });
            let full = if expanded.is_empty() {
                Some(expr.clone())
            } else {
                expr.expand_calls(&lookup)
            };
            let excel = match &full {
                Some(full) => translate::translate(full, &cx),
                None => Err(Unfaithful(format!(
                    "its functions ({}) expand into too large a formula",
                    expanded.join(", ")
                ))),
            };
            let (excel, caveat) = match (excel, &full) {
                (Ok(text), Some(full)) => check::agree(full, cell.value, text, &column_ids, ws),
                (other, _) => (other, None),
            };
            cell.kind = Kind::Formula {
                written,
                excel,
                expanded,
                caveat,
            };
        }
    }

    /// Which cells can be `#N/A`: those declared missing, and those that read one, directly
    /// or not.
    fn may_be_na(&self) -> Vec<bool> {
        let ws = self.ws;
        let model = &ws.model;
        // 0: not known yet, 1: being visited, 2: no, 3: yes.
        let mut state = vec![0u8; model.len()];
        for start in model.cells() {
            let mut stack = vec![(start, 0usize)];
            while let Some(&mut (id, ref mut next)) = stack.last_mut() {
                if state[id as usize] >= 2 {
                    stack.pop();
                    continue;
                }
                state[id as usize] = 1;
                let precedents = model.precedents(id);
                if let Some(&p) = precedents.get(*next) {
                    *next += 1;
                    if state[p as usize] == 0 {
                        stack.push((p, 0));
                    }
                    continue;
                }
                let missing = ws
                    .workbook
                    .cells
                    .get(model.name(id))
                    .is_some_and(|i| i.missing().is_some() && !i.overridden);
                let na = missing || precedents.iter().any(|&p| state[p as usize] == 3);
                state[id as usize] = if na { 3 } else { 2 };
                stack.pop();
            }
        }
        state.into_iter().map(|s| s == 3).collect()
    }

    fn finish(self) -> Export {
        Export {
            title: self.ws.workbook.title.clone(),
            sheets: self.sheets,
            cells: self.cells,
        }
    }
}
