//! The files as written: serde structs that mirror workbook and pack RON exactly.
//!
//! Every struct denies unknown fields, so a typo is an error with a span rather than a value
//! that silently vanishes. Nothing here is validated beyond its shape; [`crate::resolve`] turns
//! these into engine definitions.

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
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub info: IndexMap<String, String>,
    #[serde(default)]
    pub values: IndexMap<String, RawCell>,
    #[serde(default)]
    pub functions: IndexMap<String, RawFunction>,
}

/// What a pack describes. Written as a string (`kind: "hardware"`), as in the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum PackKind {
    Hardware,
    Model,
    Scaling,
    Other,
}

impl TryFrom<String> for PackKind {
    type Error = String;
    fn try_from(kind: String) -> Result<Self, String> {
        Ok(match kind.as_str() {
            "hardware" => PackKind::Hardware,
            "model" => PackKind::Model,
            "scaling" => PackKind::Scaling,
            "other" => PackKind::Other,
            _ => {
                return Err(format!(
                    "unknown pack kind `{kind}`: use \"hardware\", \"model\", \"scaling\" or \"other\""
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
/// A vector rather than a map: a generated workbook has a hundred thousand cells, and a map's
/// hashes and index would cost some 20 bytes a cell more while it loads. A name written twice
/// is reported from the span index (`duplicate_keys`), before anything reads these.
#[derive(Debug, Clone, Default)]
pub struct RawCells(pub Vec<(Box<str>, RawCell)>);

impl RawCells {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
                let mut cells = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1 << 16));
                while let Some((name, cell)) = map.next_entry::<String, RawCell>()? {
                    cells.push((name.into_boxed_str(), cell));
                }
                Ok(RawCells(cells))
            }
        }
        deserializer.deserialize_map(CellsVisitor)
    }
}

/// A cell: `1.5`, `"a * b"`, or `(value: 1.5, unit: ..)` / `(formula: "a * b", unit: ..)`.
///
/// Kept small (40 bytes): a generated workbook holds a hundred thousand of these at once while
/// it loads, and most have no unit, note or source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawCell {
    pub value: Option<f64>,
    pub formula: Option<Box<str>>,
    /// The cell's unit, note, source and date, when it has any.
    pub notes: Option<Box<Notes>>,
}

/// What a cell says about itself besides its value or formula: shown, never computed with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    pub unit: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
}

impl Notes {
    /// `None` when there is nothing to say, so that a plain cell holds no allocation.
    pub fn boxed(self) -> Option<Box<Notes>> {
        (self != Notes::default()).then(|| Box::new(self))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongCell {
    value: Option<f64>,
    formula: Option<String>,
    unit: Option<String>,
    note: Option<String>,
    source: Option<String>,
    date: Option<String>,
}

impl<'de> Deserialize<'de> for RawCell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CellVisitor;
        impl<'de> Visitor<'de> for CellVisitor {
            type Value = RawCell;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a formula string, or `(value: ...)` / `(formula: \"...\")`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawCell, E> {
                Ok(RawCell {
                    value: Some(v),
                    ..RawCell::default()
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawCell, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawCell, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCell, E> {
                Ok(RawCell {
                    formula: Some(v.into()),
                    ..RawCell::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCell, A::Error> {
                let long = LongCell::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let notes = Notes {
                    unit: long.unit,
                    note: long.note,
                    source: long.source,
                    date: long.date,
                };
                Ok(RawCell {
                    value: long.value,
                    formula: long.formula.map(String::into_boxed_str),
                    notes: notes.boxed(),
                })
            }
        }
        deserializer.deserialize_any(CellVisitor)
    }
}
