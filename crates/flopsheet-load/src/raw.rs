//! The files as written: serde structs that mirror workbook and pack RON exactly.
//!
//! Every struct denies unknown fields, so a typo is an error with a span rather than a value
//! that silently vanishes. Nothing here is validated beyond its shape; [`crate::resolve`] turns
//! these into engine definitions.

use flopsheet_engine::NameList;
use indexmap::IndexMap;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Workbook")]
pub struct RawWorkbook {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub packs: Vec<String>,
    #[serde(default)]
    pub cells: RawCells,
    #[serde(default)]
    pub tables: Vec<RawTable>,
    /// Swappable pack slots: `{"hardware": "a100_40gb"}` lets formulas read
    /// `hardware.peak_flops_bf16`, and scenarios or sweeps put another pack in the slot.
    #[serde(default)]
    pub slots: IndexMap<String, String>,
    #[serde(default)]
    pub scenarios: Vec<RawScenario>,
    /// Functions of the workbook's own, with the same rules as a pack's: `kv_bytes(layers, ...)`.
    #[serde(default)]
    pub functions: IndexMap<String, RawFunction>,
    /// Units of the workbook's own: `{"word": "0.75 token"}`, `{"gear": "count"}`.
    #[serde(default)]
    pub units: IndexMap<String, String>,
    /// Rank correlations between uncertain inputs, for `simulate`:
    /// `[("mfu", "tpu_v4.usd_per_hour_1yr", -0.5)]`.
    #[serde(default)]
    pub correlations: Vec<(String, String, f64)>,
}

/// A named what-if: input overrides and pack substitutions, never an edit of the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Scenario")]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Cells given a value in this scenario.
    #[serde(default)]
    pub set: IndexMap<String, f64>,
    /// Slots given another pack in this scenario.
    #[serde(default)]
    pub slots: IndexMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Pack")]
pub struct RawPack {
    pub id: String,
    pub kind: PackKind,
    pub name: String,
    /// Packs this one needs (their values or functions), loaded with it, transitively.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub info: IndexMap<String, String>,
    #[serde(default)]
    pub values: IndexMap<String, RawCell>,
    #[serde(default)]
    pub functions: IndexMap<String, RawFunction>,
    /// Units the pack defines, for itself and every workbook that loads it.
    #[serde(default)]
    pub units: IndexMap<String, String>,
}

/// What a pack describes. Written as a string (`kind: "hardware"`), as in the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum PackKind {
    Hardware,
    Model,
    Scaling,
    /// A hosted model's API prices (`plugins/api/`).
    Api,
    Other,
}

impl TryFrom<String> for PackKind {
    type Error = String;
    fn try_from(kind: String) -> Result<Self, String> {
        Ok(match kind.as_str() {
            "hardware" => PackKind::Hardware,
            "model" => PackKind::Model,
            "scaling" => PackKind::Scaling,
            "api" => PackKind::Api,
            "other" => PackKind::Other,
            _ => {
                return Err(format!(
                    "unknown pack kind `{kind}`: use \"hardware\", \"model\", \"scaling\", \"api\" or \"other\""
                ))
            }
        })
    }
}

impl fmt::Display for PackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PackKind::Hardware => "hardware",
            PackKind::Model => "model",
            PackKind::Scaling => "scaling",
            PackKind::Api => "api",
            PackKind::Other => "other",
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    pub params: Vec<String>,
    pub formula: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Table")]
pub struct RawTable {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub rows: Option<Vec<String>>,
    #[serde(default)]
    pub columns: Option<IndexMap<String, RawCell>>,
    #[serde(default)]
    pub cells: Option<Vec<String>>,
}

/// The workbook's cells, in the order written.
///
/// Vectors rather than a map, and the names back to back in one string: a generated workbook
/// has a hundred thousand cells, and a map's hashes and index, and an allocation for each name,
/// would cost some 50 bytes a cell more while it loads. A name written twice is reported from
/// the span index (`duplicate_keys`), before anything reads these.
///
/// The cells are kept in chunks of 4,096 (`RawCells::CHUNK`): ron does not say how many there are, and
/// one vector grown by doubling would copy itself at every step, each old copy left behind as
/// a resident hole in the heap (3 MB of a 100,000-cell workbook's 6).
#[derive(Debug, Clone, Default)]
pub struct RawCells {
    pub names: NameList,
    /// The cell named `names.get(i)` is the `i`th.
    chunks: Vec<Vec<WorkbookCell>>,
}

impl RawCells {
    const CHUNK: usize = 4096;

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn push(&mut self, name: &str, cell: WorkbookCell) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < Self::CHUNK => chunk.push(cell),
            _ => {
                let mut chunk = Vec::with_capacity(Self::CHUNK);
                chunk.push(cell);
                self.chunks.push(chunk);
            }
        }
        self.names.push(name);
    }

    /// The names, and the cells in the same order.
    pub fn into_parts(self) -> (NameList, impl Iterator<Item = WorkbookCell>) {
        (self.names, self.chunks.into_iter().flatten())
    }

    /// The cells in the order written.
    pub fn cells(&self) -> impl Iterator<Item = &WorkbookCell> {
        self.chunks.iter().flatten()
    }
}

impl<'de> Deserialize<'de> for RawCells {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CellsVisitor;
        impl<'de> Visitor<'de> for CellsVisitor {
            type Value = RawCells;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of cells: `{\"name\": 1.5, \"other\": \"name * 2\"}`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCells, A::Error> {
                let mut raw = RawCells::default();
                while let Some(name) = map.next_key::<Key>()? {
                    let cell = map.next_value()?;
                    raw.push(&name.0, cell);
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_map(CellsVisitor)
    }
}

/// A map key, borrowed from the text when it is written without escapes (as ron hands it):
/// copied only into [`RawCells::names`].
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a cell name in quotes")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(v.to_string().into()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A formula as read.
///
/// ron hands a string written without escapes as a slice of the text it reads: such a formula
/// is not copied (a hundred thousand of them would be as many allocations while a large
/// workbook loads), only where the slice is, and [`RawFormula::text`] reads it back from the
/// same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawFormula {
    /// The address and length of the slice of the text ron read.
    InText { address: usize, len: usize },
    /// Written with escapes, or read from something other than a file's text.
    Owned(Box<str>),
}

impl RawFormula {
    /// The formula, given the text it was read from; `None` if it is not in that text.
    pub fn text<'a>(&'a self, read_from: &'a str) -> Option<&'a str> {
        match self {
            RawFormula::Owned(text) => Some(text),
            RawFormula::InText { address, len } => {
                let start = address.checked_sub(read_from.as_ptr() as usize)?;
                read_from.get(start..start.checked_add(*len)?)
            }
        }
    }
}

/// A cell: `1.5`, `"a * b"`, or `(value: 1.5, unit: ..)` / `(formula: "a * b", unit: ..)`;
/// its formula held as `F`: a [`RawCell`]'s owns its text, a [`WorkbookCell`]'s may only
/// say where it is.
///
/// Kept small (40 and 48 bytes, and no allocation for a plain cell): a generated workbook
/// holds a hundred thousand of these at once while it loads, and most have no unit, note or
/// source.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<F> {
    pub value: Option<f64>,
    pub formula: Option<F>,
    /// The cell's unit, note, source and date, when it has any.
    pub notes: Option<Box<Notes>>,
}

/// A cell of a pack or of a table: its formula's text is its own.
pub type RawCell = Cell<Box<str>>;

/// A cell of the workbook's `cells`, a formula not copied out of the file (see [`RawFormula`]).
pub type WorkbookCell = Cell<RawFormula>;

impl<F> Default for Cell<F> {
    fn default() -> Self {
        Cell {
            value: None,
            formula: None,
            notes: None,
        }
    }
}

/// What a cell says about itself besides its value or formula: shown, and its reference
/// compared with it, never read by other formulas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notes {
    pub unit: Option<String>,
    /// The unit the value is shown in (`display: "USD/Mtoken"`), converted from `unit`.
    pub display: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    /// Why the value is missing (`missing: "not published"`): the cell has no value, and
    /// holds `#N/A` until one is given (`--set`).
    pub missing: Option<String>,
    /// A published or measured figure to compare the cell with. Kept here, in the box a
    /// plain cell does not allocate, so that a cell without one costs nothing more.
    pub reference: Option<RawReference>,
    /// The input's distribution for `simulate` (`range:`, `dist:`, `clip:`), boxed: few cells
    /// have one, and [`crate::resolve`] takes it out of the notes a cell keeps.
    pub uncertainty: Option<Box<RawUncertainty>>,
}

/// An input's distribution as written: `range: (0.35, 0.55)` (a 90% interval) or
/// `dist: "normal(0.45, 0.05)"`, and `clip: (0, 1)`. Checked by [`crate::resolve`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawUncertainty {
    pub range: Option<(f64, f64)>,
    pub dist: Option<String>,
    pub clip: Option<(f64, f64)>,
}

/// A published or measured figure beside an estimate, as written:
/// `reference: 30.84e6`, `reference: "row.reported_gpu_hours"` (a formula, per row in a
/// table), or the long form `(value: 30.84e6, source: "...", date: "2024-07", tolerance: 0.15)`
/// / `(formula: "row.reported_gpu_hours", tolerance: 0.2)`. Checked by [`crate::references`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawReference {
    pub value: Option<f64>,
    pub formula: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub note: Option<String>,
    /// A relative fraction: 0.15 is ±15%.
    pub tolerance: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongReference {
    value: Option<f64>,
    formula: Option<String>,
    source: Option<String>,
    date: Option<String>,
    note: Option<String>,
    tolerance: Option<f64>,
}

struct ReferenceVisitor;

impl<'de> Visitor<'de> for ReferenceVisitor {
    type Value = RawReference;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a formula string, or `(value: ..., source: \"...\", tolerance: 0.15)`")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawReference, E> {
        Ok(RawReference {
            value: Some(v),
            ..RawReference::default()
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawReference, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawReference, E> {
        self.visit_f64(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawReference, E> {
        Ok(RawReference {
            formula: Some(v.to_string()),
            ..RawReference::default()
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawReference, A::Error> {
        let long = LongReference::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(RawReference {
            value: long.value,
            formula: long.formula,
            source: long.source,
            date: long.date,
            note: long.note,
            tolerance: long.tolerance,
        })
    }
}

impl<'de> Deserialize<'de> for RawReference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ReferenceVisitor)
    }
}

impl Notes {
    /// `None` when there is nothing to say, so that a plain cell holds no allocation.
    pub fn boxed(self) -> Option<Box<Notes>> {
        (self != Notes::default()).then(|| Box::new(self))
    }
}

/// How a cell holds its formula's text: made from a string ron lends out of the text it reads
/// (written without escapes) or from one it had to build.
pub trait FormulaText: Sized {
    fn lent(text: &str) -> Self;
    fn built(text: String) -> Self;
    /// The formula, given the text of the file it was read from.
    fn text<'a>(&'a self, read_from: &'a str) -> &'a str;
}

impl FormulaText for Box<str> {
    fn lent(text: &str) -> Self {
        text.into()
    }
    fn built(text: String) -> Self {
        text.into_boxed_str()
    }
    fn text<'a>(&'a self, _: &'a str) -> &'a str {
        self
    }
}

impl FormulaText for RawFormula {
    fn lent(text: &str) -> Self {
        RawFormula::InText {
            address: text.as_ptr() as usize,
            len: text.len(),
        }
    }
    fn built(text: String) -> Self {
        RawFormula::Owned(text.into_boxed_str())
    }
    fn text<'a>(&'a self, read_from: &'a str) -> &'a str {
        // Empty only if given another text than the one read, which a load never mixes up:
        // the empty formula is then reported as invalid, not taken as anything.
        RawFormula::text(self, read_from).unwrap_or_default()
    }
}

/// Deserializes a string into an `F`, borrowing what ron lends.
struct Text<F>(F);

impl<'de, F: FormulaText> Deserialize<'de> for Text<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<F>(std::marker::PhantomData<F>);
        impl<'de, F: FormulaText> Visitor<'de> for TextVisitor<F> {
            type Value = Text<F>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a formula in quotes")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<F>, E> {
                Ok(Text(F::lent(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<F>, E> {
                Ok(Text(F::built(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<F>, E> {
                Ok(Text(F::built(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound = "F: FormulaText")]
struct LongCell<F> {
    value: Option<f64>,
    formula: Option<Text<F>>,
    unit: Option<String>,
    display: Option<String>,
    note: Option<String>,
    source: Option<String>,
    date: Option<String>,
    missing: Option<String>,
    reference: Option<RawReference>,
    range: Option<(f64, f64)>,
    dist: Option<String>,
    clip: Option<(f64, f64)>,
}

impl<F> Cell<F> {
    fn formula(formula: F) -> Cell<F> {
        Cell {
            formula: Some(formula),
            ..Cell::default()
        }
    }

    /// Why the value is missing, for a cell declared `(missing: "...")`.
    pub fn missing(&self) -> Option<&str> {
        self.notes.as_ref()?.missing.as_deref()
    }
}

struct CellVisitor<F>(std::marker::PhantomData<F>);

impl<'de, F: FormulaText> Visitor<'de> for CellVisitor<F> {
    type Value = Cell<F>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a formula string, or `(value: ...)` / `(formula: \"...\")` / `(missing: \"why\")`")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell<F>, E> {
        Ok(Cell {
            value: Some(v),
            ..Cell::default()
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell<F>, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell<F>, E> {
        self.visit_f64(v as f64)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cell<F>, E> {
        Ok(Cell::formula(F::lent(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell<F>, E> {
        Ok(Cell::formula(F::built(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cell<F>, E> {
        Ok(Cell::formula(F::built(v)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell<F>, A::Error> {
        let long = LongCell::<F>::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let notes = Notes {
            unit: long.unit,
            display: long.display,
            note: long.note,
            source: long.source,
            date: long.date,
            missing: long.missing,
            reference: long.reference,
            uncertainty: (long.range.is_some() || long.dist.is_some() || long.clip.is_some()).then(|| {
                Box::new(RawUncertainty {
                    range: long.range,
                    dist: long.dist,
                    clip: long.clip,
                })
            }),
        };
        Ok(Cell {
            value: long.value,
            formula: long.formula.map(|text| text.0),
            notes: notes.boxed(),
        })
    }
}

impl<'de, F: FormulaText> Deserialize<'de> for Cell<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the loader reads RON.
    fn read<T: serde::de::DeserializeOwned>(text: &str) -> ron::error::SpannedResult<T> {
        let extensions = ron::extensions::Extensions::IMPLICIT_SOME;
        ron::Options::default()
            .with_default_extension(extensions)
            .from_str(text)
    }

    /// A formula written without escapes is not copied: it is read back from the text it was
    /// read from, and only from that text; one with escapes is kept.
    #[test]
    fn workbook_formulas_are_read_back_from_their_text() {
        let text = r#"{"plain": "a * 2", "escaped": "a\t* 2", "raw": r"a + 1", "long": (formula: "b / 2", unit: "h"), "input": 4}"#;
        let cells: RawCells = read(text).unwrap();
        let names: Vec<&str> = cells.names.iter().collect();
        assert_eq!(names, ["plain", "escaped", "raw", "long", "input"]);
        let cells: Vec<&WorkbookCell> = cells.cells().collect();
        let formulas: Vec<Option<&str>> = cells
            .iter()
            .map(|c| c.formula.as_ref().and_then(|f| f.text(text)))
            .collect();
        assert_eq!(
            formulas,
            [Some("a * 2"), Some("a\t* 2"), Some("a + 1"), Some("b / 2"), None]
        );
        assert!(matches!(cells[0].formula, Some(RawFormula::InText { .. })));
        assert!(matches!(cells[1].formula, Some(RawFormula::Owned(_))));
        assert_eq!(cells[4].value, Some(4.0));
        assert_eq!(cells[3].notes.as_ref().and_then(|n| n.unit.as_deref()), Some("h"));
        // The same characters elsewhere are not the text it was read from.
        let copy = text.to_string();
        assert_eq!(cells[0].formula.as_ref().unwrap().text(&copy), None);
        assert_eq!(cells[1].formula.as_ref().unwrap().text(&copy), Some("a\t* 2"));
        // A pack's or a table's cell owns its formula.
        let raw: RawCell = read(r#"(formula: "x + 1")"#).unwrap();
        assert_eq!(raw.formula.as_deref(), Some("x + 1"));
        let wrong = read::<RawCell>("(formula: 3)");
        let wrong = wrong.unwrap_err().to_string();
        assert!(wrong.contains("Expected string"), "{wrong}");
    }

    /// A large workbook holds a hundred thousand of these while it loads.
    #[test]
    fn raw_cells_stay_small() {
        assert_eq!(std::mem::size_of::<RawCell>(), 40);
        assert_eq!(std::mem::size_of::<WorkbookCell>(), 48);
    }
}
