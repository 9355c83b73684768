//! The modeling language beyond arithmetic: missing values (`#N/A`) and `isna` / `ifna`,
//! driven through the public API only.

use flopsheet_engine::{formula, Body, CellDef, ErrorKind, Model, ModelSpec, Value};

/// A cell as in a workbook: a number is an input, a string a formula, `Missing` a value
/// declared missing.
enum Def {
    In(f64),
    F(&'static str),
    Missing,
}
use Def::{In, Missing, F};

fn spec(cells: &[(&str, Def)]) -> ModelSpec {
    ModelSpec {
        cells: cells
            .iter()
            .map(|(name, def)| CellDef {
                name: (*name).into(),
                body: match def {
                    In(v) => Body::Input(*v),
                    F(text) => Body::Formula(formula::parse(text).expect("test formulas parse")),
                    Missing => Body::Missing,
                },
            })
            .collect(),
        ..ModelSpec::default()
    }
}

#[track_caller]
fn expect_value(model: &Model, name: &str, want: f64) {
    let id = model.id(name).unwrap_or_else(|| panic!("no cell {name}"));
    match model.value(id) {
        Value::Num(got) => assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{name} = {got}, want {want}"
        ),
        other => panic!("{name} = {other:?}, want {want}"),
    }
}

/// `name` holds the error `kind`, which started in the cell `origin`.
#[track_caller]
fn expect_error(model: &Model, name: &str, kind: ErrorKind, origin: &str) {
    let id = model.id(name).unwrap();
    match model.value(id) {
        Value::Err(e) => {
            assert_eq!(e.kind, kind, "{name}");
            assert_eq!(model.name(e.origin), origin, "origin of {name}'s error");
        }
        other => panic!("{name} = {other:?}, want {kind}"),
    }
}

fn names(model: &Model, ids: &[u32]) -> Vec<String> {
    ids.iter().map(|&c| model.name(c).to_string()).collect()
}

#[test]
fn a_missing_value_is_na_and_flows_into_its_dependents() {
    let m = Model::build(&spec(&[
        ("reported", Missing),
        ("double", F("reported * 2")),
        ("after", F("double + 1")),
        ("other", F("3 * 2")),
    ]));
    expect_error(&m, "reported", ErrorKind::NotAvailable, "reported");
    expect_error(&m, "double", ErrorKind::NotAvailable, "reported");
    expect_error(&m, "after", ErrorKind::NotAvailable, "reported");
    expect_value(&m, "other", 6.0);
    assert_eq!(ErrorKind::NotAvailable.code(), "#N/A");
    // A missing value is an input, not an error of the model.
    assert!(m.is_input(m.id("reported").unwrap()));
    assert_eq!(m.errors().count(), 0);
}

#[test]
fn a_missing_value_given_a_number_computes_and_can_be_put_back() {
    let mut m = Model::build(&spec(&[("reported", Missing), ("double", F("reported * 2"))]));
    let id = m.id("reported").unwrap();
    let na = m.value(id);
    let r = m.set("reported", 0.25).unwrap();
    assert_eq!(names(&m, &r.recomputed), ["double"]);
    expect_value(&m, "double", 0.5);
    // What a what-if trial does when it is done: the `#N/A` comes back, exactly.
    let r = m.set_input_values(&[(id, na)]).unwrap();
    assert_eq!(names(&m, &r.changed), ["reported", "double"]);
    expect_error(&m, "double", ErrorKind::NotAvailable, "reported");
}

#[test]
fn a_missing_value_redefined_as_a_number_and_back() {
    let mut m = Model::build(&spec(&[("reported", Missing), ("double", F("reported * 2"))]));
    let r = m.update(&spec(&[("reported", In(4.0)), ("double", F("reported * 2"))]));
    assert_eq!(names(&m, &r.inputs_changed), ["reported"]);
    expect_value(&m, "double", 8.0);
    m.update(&spec(&[("reported", Missing), ("double", F("reported * 2"))]));
    expect_error(&m, "double", ErrorKind::NotAvailable, "reported");
}

#[test]
fn isna_is_true_only_for_na() {
    let m = Model::build(&spec(&[
        ("reported", Missing),
        ("zero", In(0.0)),
        ("x", In(3.0)),
        ("na", F("if(isna(reported), 1, 2)")),
        ("there", F("if(isna(x), 1, 2)")),
        ("computed", F("if(isna(reported * 2 + x), 10, 20)")),
        ("negated", F("if(!isna(reported), 1, 2)")),
        // Other errors are not "not available": they still flow.
        ("div", F("if(isna(x / zero), 1, 2)")),
        ("beside", F("x + if(isna(reported), 100, reported)")),
    ]));
    expect_value(&m, "na", 1.0);
    expect_value(&m, "there", 2.0);
    expect_value(&m, "computed", 10.0);
    expect_value(&m, "negated", 2.0);
    expect_error(&m, "div", ErrorKind::DivZero, "div");
    expect_value(&m, "beside", 103.0);
}

#[test]
fn ifna_gives_the_fallback_only_for_na() {
    let m = Model::build(&spec(&[
        ("reported", Missing),
        ("assumed", In(0.4)),
        ("zero", In(0.0)),
        ("mfu", F("ifna(reported, assumed)")),
        ("there", F("ifna(assumed * 2, 9)")),
        ("inside", F("1 + ifna(reported * 3, assumed) * 10")),
        ("div", F("ifna(assumed / zero, 1)")),
        // The fallback's own errors flow: it is not protected.
        ("fallback_div", F("ifna(reported, 1 / zero)")),
        ("fallback_na", F("ifna(reported, reported) + 1")),
        ("nested", F("ifna(ifna(reported, reported), 5)")),
        ("in_min", F("min(2, ifna(reported, 7), 3)")),
    ]));
    expect_value(&m, "mfu", 0.4);
    expect_value(&m, "there", 0.8);
    expect_value(&m, "inside", 5.0);
    expect_error(&m, "div", ErrorKind::DivZero, "div");
    expect_error(&m, "fallback_div", ErrorKind::DivZero, "fallback_div");
    expect_error(&m, "fallback_na", ErrorKind::NotAvailable, "reported");
    expect_value(&m, "nested", 5.0);
    expect_value(&m, "in_min", 2.0);
}

#[test]
fn ifna_recomputes_when_the_missing_value_is_given() {
    let mut m = Model::build(&spec(&[
        ("reported", Missing),
        ("assumed", In(0.4)),
        ("mfu", F("ifna(reported, assumed)")),
        ("cost", F("100 / mfu")),
    ]));
    expect_value(&m, "cost", 250.0);
    let r = m.set("reported", 0.5).unwrap();
    assert_eq!(names(&m, &r.recomputed), ["mfu", "cost"]);
    expect_value(&m, "cost", 200.0);
}

#[test]
fn isna_and_ifna_check_their_arguments() {
    let m = Model::build(&spec(&[
        ("x", In(1.0)),
        ("bool_result", F("isna(x)")),
        ("two", F("isna(x, x)")),
        ("one", F("ifna(x)")),
        ("bool_arg", F("ifna(x > 1, 2)")),
    ]));
    let errors: Vec<String> = m.errors().map(|(c, e)| format!("{}: {e}", m.name(c))).collect();
    assert_eq!(
        errors,
        [
            "bool_result: the formula's result must be a number, but it is a boolean (true/false)",
            "two: `isna` takes 1 argument, but 2 were given",
            "one: `ifna` takes 2 arguments, but 1 was given",
            "bool_arg: argument 1 of `ifna` must be a number, but it is a boolean (true/false)",
        ]
    );
}
