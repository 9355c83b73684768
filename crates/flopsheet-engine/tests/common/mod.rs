//! What the engine's test files share: cells written as in a workbook, and checks of values.

#![allow(dead_code)] // each test file uses its own part of it

use flopsheet_engine::{formula, Body, CellDef, ErrorKind, Model, ModelSpec, Value};

/// A cell as in a workbook: a number is an input, a string a formula, `Missing` a value
/// declared missing.
pub enum Def {
    In(f64),
    F(&'static str),
    Missing,
}

pub fn spec(cells: &[(&str, Def)]) -> ModelSpec {
    ModelSpec {
        cells: cells
            .iter()
            .map(|(name, def)| CellDef {
                name: (*name).into(),
                body: match def {
                    Def::In(v) => Body::Input(*v),
                    Def::F(text) => Body::Formula(formula::parse(text).expect("test formulas parse")),
                    Def::Missing => Body::Missing,
                },
            })
            .collect(),
        ..ModelSpec::default()
    }
}

#[track_caller]
pub fn expect_value(model: &Model, name: &str, want: f64) {
    let id = model.id(name).unwrap_or_else(|| panic!("no cell {name}"));
    match model.value(id) {
        Value::Num(got) => assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{name} = {got}, want {want}"
        ),
        other => panic!("{name} = {other:?}, want {want}"),
    }
}

/// `name` holds the error `kind`.
#[track_caller]
pub fn expect_error(model: &Model, name: &str, kind: ErrorKind) {
    let id = model.id(name).unwrap();
    match model.value(id) {
        Value::Err(e) => assert_eq!(e.kind, kind, "{name}"),
        other => panic!("{name} = {other:?}, want {kind}"),
    }
}

/// `name` holds the error `kind`, which started in the cell `origin`.
#[track_caller]
pub fn expect_error_from(model: &Model, name: &str, kind: ErrorKind, origin: &str) {
    expect_error(model, name, kind);
    let Value::Err(e) = model.value(model.id(name).unwrap()) else {
        unreachable!()
    };
    assert_eq!(model.name(e.origin), origin, "origin of {name}'s error");
}

pub fn names(model: &Model, ids: &[u32]) -> Vec<String> {
    ids.iter().map(|&c| model.name(c).to_string()).collect()
}
