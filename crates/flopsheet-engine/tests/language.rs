//! The modeling language beyond arithmetic: missing values (`#N/A`), `isna` / `ifna`, and
//! aggregates over the columns of row tables (`sum(t.x)`),
//! driven through the public API only.

use flopsheet_engine::{formula, Body, CellDef, ColumnDef, ErrorKind, Model, ModelSpec, Value};

mod common;
use common::{expect_error_from as expect_error, expect_value, names, spec, Def::In, Def::Missing, Def::F};

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

// --- aggregates -----------------------------------------------------------------------------

/// A row table `t` as the loader makes it: the cells `t.ROW.COLUMN` given, and each column
/// `t.COLUMN` listing them row by row.
fn with_table(mut spec: ModelSpec, table: &str, rows: &[&str], columns: &[&str]) -> ModelSpec {
    let fingerprint = rows.iter().map(|r| r.len() as u64).sum::<u64>() * 31 + rows.len() as u64;
    for column in columns {
        spec.columns.push(ColumnDef {
            name: format!("{table}.{column}"),
            cells: rows.iter().map(|row| format!("{table}.{row}.{column}")).collect(),
            rows: fingerprint,
        });
    }
    spec
}

fn table_model() -> ModelSpec {
    with_table(
        spec(&[
            ("t.a.x", In(1.0)),
            ("t.b.x", In(3.0)),
            ("t.c.x", In(5.0)),
            ("t.a.w", In(2.0)),
            ("t.b.w", Missing),
            ("t.c.w", In(4.0)),
            ("t.a.share", F("t.a.x / sum(t.x)")),
            ("t.b.share", F("t.b.x / sum(t.x)")),
            ("t.c.share", F("t.c.x / sum(t.x)")),
            ("total", F("sum(t.x)")),
            ("mean_x", F("mean(t.x)")),
            ("mean_w", F("mean(t.w)")),
            ("count_w", F("count(t.w)")),
            ("min_w", F("min(t.w)")),
            ("max_w", F("max(t.w)")),
            ("sum_w", F("sum(t.w)")),
            ("sp", F("sumproduct(t.x, t.share)")),
            ("mixed", F("sum(t.x, 100, t.x)")),
            ("min_mixed", F("min(t.x, 0.5)")),
            ("max_mixed", F("max(2, t.x) * 2")),
            ("guarded", F("ifna(sum(t.w), -1)")),
        ]),
        "t",
        &["a", "b", "c"],
        &["x", "w", "share"],
    )
}

#[test]
fn aggregates_read_every_row() {
    let m = Model::build(&table_model());
    assert_eq!(m.errors().count(), 0, "{:?}", m.errors().collect::<Vec<_>>());
    expect_value(&m, "total", 9.0);
    expect_value(&m, "t.b.share", 3.0 / 9.0);
    expect_value(&m, "mean_x", 3.0);
    // A missing row is left out of a mean, a count, a min and a max...
    expect_value(&m, "mean_w", 3.0);
    expect_value(&m, "count_w", 2.0);
    expect_value(&m, "min_w", 2.0);
    expect_value(&m, "max_w", 4.0);
    // ... but not out of a sum: the total is not known.
    expect_error(&m, "sum_w", ErrorKind::NotAvailable, "t.b.w");
    expect_value(&m, "guarded", -1.0);
    expect_value(&m, "sp", (1.0 + 9.0 + 25.0) / 9.0);
    expect_value(&m, "mixed", 118.0);
    expect_value(&m, "min_mixed", 0.5);
    expect_value(&m, "max_mixed", 10.0);
}

#[test]
fn aggregates_of_no_values() {
    let mut s = with_table(
        spec(&[
            ("t.a.w", Missing),
            ("t.b.w", Missing),
            ("mean_w", F("mean(t.w)")),
            ("count_w", F("count(t.w)")),
            ("min_w", F("min(t.w)")),
            ("max_w", F("max(t.w)")),
        ]),
        "t",
        &["a", "b"],
        &["w"],
    );
    let m = Model::build(&s);
    expect_error(&m, "mean_w", ErrorKind::DivZero, "mean_w");
    expect_value(&m, "count_w", 0.0);
    expect_error(&m, "min_w", ErrorKind::NotAvailable, "min_w");
    expect_error(&m, "max_w", ErrorKind::NotAvailable, "max_w");
    // A table with no rows.
    s.columns[0].cells.clear();
    let m = Model::build(&s);
    expect_value(&m, "count_w", 0.0);
    expect_error(&m, "mean_w", ErrorKind::DivZero, "mean_w");
}

#[test]
fn other_errors_in_a_column_propagate_through_every_aggregate() {
    let m = Model::build(&with_table(
        spec(&[
            ("zero", In(0.0)),
            ("t.a.x", In(1.0)),
            ("t.b.x", F("1 / zero")),
            ("t.a.y", In(2.0)),
            ("t.b.y", In(3.0)),
            ("s", F("sum(t.x)")),
            ("m", F("mean(t.x)")),
            ("c", F("count(t.x)")),
            ("lo", F("min(t.x)")),
            ("sp", F("sumproduct(t.y, t.x)")),
            ("caught", F("ifna(max(t.x), 0)")),
        ]),
        "t",
        &["a", "b"],
        &["x", "y"],
    ));
    for name in ["s", "m", "c", "lo", "sp", "caught"] {
        expect_error(&m, name, ErrorKind::DivZero, "t.b.x");
    }
}

#[test]
fn editing_one_row_recomputes_its_aggregates() {
    let mut m = Model::build(&table_model());
    let r = m.set("t.b.x", 6.0).unwrap();
    let mut recomputed = names(&m, &r.recomputed);
    recomputed.sort();
    assert_eq!(
        recomputed,
        [
            "max_mixed",
            "mean_x",
            "min_mixed",
            "mixed",
            "sp",
            "t.a.share",
            "t.b.share",
            "t.c.share",
            "total"
        ]
    );
    expect_value(&m, "total", 12.0);
    expect_value(&m, "t.b.share", 0.5);
    expect_value(&m, "sp", (1.0 + 36.0 + 25.0) / 12.0);
    // Giving the missing row a value: the sum is known now.
    let r = m.set("t.b.w", 6.0).unwrap();
    let mut recomputed = names(&m, &r.recomputed);
    recomputed.sort();
    assert_eq!(recomputed, ["count_w", "guarded", "max_w", "mean_w", "min_w", "sum_w"]);
    expect_value(&m, "sum_w", 12.0);
    expect_value(&m, "count_w", 3.0);
    expect_value(&m, "max_w", 6.0);
    // Aggregates whose value does not move are recomputed but do not change: `min` stays 2,
    // `max` 6, `count` 3.
    let r = m.set("t.c.w", 5.0).unwrap();
    let mut changed = names(&m, &r.changed);
    changed.sort();
    assert_eq!(changed, ["guarded", "mean_w", "sum_w", "t.c.w"]);
}

#[test]
fn a_row_added_to_a_table_is_aggregated() {
    let mut m = Model::build(&table_model());
    let mut grown = table_model();
    grown.cells.push(CellDef {
        name: "t.d.x".into(),
        body: Body::Input(11.0),
    });
    grown.columns[0].cells.push("t.d.x".into());
    grown.columns[0].rows += 1;
    let r = m.update(&grown);
    assert!(r.structural);
    expect_value(&m, "total", 20.0);
    expect_value(&m, "mean_x", 5.0);
    // And removed again.
    m.update(&table_model());
    expect_value(&m, "total", 9.0);
    // A column that goes: its readers fail, and come back with it.
    let mut gone = table_model();
    gone.columns.retain(|c| c.name != "t.w");
    m.update(&gone);
    let error = m
        .errors()
        .find(|(c, _)| m.name(*c) == "mean_w")
        .map(|(_, e)| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("no table has a column `t.w`: `mean` takes a table column (`TABLE.COLUMN`)")
    );
    m.update(&table_model());
    expect_value(&m, "mean_w", 3.0);
}

#[test]
fn a_column_aggregating_itself_is_a_cycle() {
    let m = Model::build(&with_table(
        spec(&[
            ("t.a.y", F("sum(t.y)")),
            ("t.b.y", F("sum(t.y) + 1")),
            ("after", F("sum(t.y)")),
        ]),
        "t",
        &["a", "b"],
        &["y"],
    ));
    expect_error(&m, "t.a.y", ErrorKind::Cycle, "t.a.y");
    expect_error(&m, "t.b.y", ErrorKind::Cycle, "t.b.y");
    assert!(!m.cycles().is_empty());
    // Downstream of the cycle: the error flows.
    assert!(matches!(m.value(m.id("after").unwrap()), Value::Err(_)));
}

#[test]
fn aggregates_take_a_column() {
    let mut s = table_model();
    s.cells.extend(
        [
            ("s_cell", "sum(total)"),
            ("s_row", "sum(t.a.x) * 2"),
            ("s_unknown", "mean(t.xx)"),
            ("s_expr", "count(t.x * 2)"),
            ("s_two", "mean(t.x, t.w)"),
            ("s_rows", "sumproduct(t.x, u.x)"),
            ("scalar_min", "min(total)"),
        ]
        .map(|(name, text)| CellDef {
            name: name.into(),
            body: Body::Formula(formula::parse(text).unwrap()),
        }),
    );
    s.cells.push(CellDef {
        name: "u.a.x".into(),
        body: Body::Input(1.0),
    });
    s.columns.push(ColumnDef {
        name: "u.x".into(),
        cells: vec!["u.a.x".into()],
        rows: 1,
    });
    let m = Model::build(&s);
    let errors: Vec<(String, String, Vec<String>, ErrorKind)> = m
        .errors()
        .map(|(c, e)| (m.name(c).to_string(), e.to_string(), e.suggestions().to_vec(), e.kind()))
        .collect();
    let want = [
        (
            "s_cell",
            "`sum` takes a table column (`TABLE.COLUMN`), but `total` is a cell",
            vec![],
            ErrorKind::Value,
        ),
        (
            "s_row",
            "`sum` takes a table column (`TABLE.COLUMN`), but `t.a.x` is a cell",
            vec!["t.x"],
            ErrorKind::Value,
        ),
        (
            "s_unknown",
            "no table has a column `t.xx`: `mean` takes a table column (`TABLE.COLUMN`)",
            vec!["t.x"],
            ErrorKind::Name,
        ),
        (
            "s_expr",
            "`count` takes a table column (`TABLE.COLUMN`), not an expression",
            vec![],
            ErrorKind::Value,
        ),
        (
            "s_two",
            "`mean` takes 1 argument, but 2 were given",
            vec![],
            ErrorKind::Value,
        ),
        (
            "s_rows",
            "`sumproduct` takes two columns with the same rows, but `t.x` and `u.x` have different rows",
            vec![],
            ErrorKind::Value,
        ),
    ];
    let want: Vec<(String, String, Vec<String>, ErrorKind)> = want
        .into_iter()
        .map(|(a, b, c, d)| (a.into(), b.into(), c.into_iter().map(String::from).collect(), d))
        .collect();
    assert_eq!(errors, want);
    expect_value(&m, "scalar_min", 9.0);
}

/// An aggregate over a large column is one op, not one load per row: it compiles within the
/// budget of a formula, and editing a row recomputes it exactly.
#[test]
fn an_aggregate_over_many_rows_is_one_op_and_exact() {
    const ROWS: usize = 3 * flopsheet_engine::MAX_PROGRAM;
    let rows: Vec<String> = (0..ROWS).map(|i| format!("r{i}")).collect();
    let mut s = ModelSpec::default();
    for (i, row) in rows.iter().enumerate() {
        s.cells.push(CellDef {
            name: format!("t.{row}.x").into(),
            body: Body::Input(i as f64 * 0.1),
        });
    }
    for (name, text) in [("total", "sum(t.x)"), ("n", "count(t.x)"), ("top", "max(t.x)")] {
        s.cells.push(CellDef {
            name: name.into(),
            body: Body::Formula(formula::parse(text).unwrap()),
        });
    }
    let row_refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let s = with_table(s, "t", &row_refs, &["x"]);
    let mut m = Model::build(&s);
    assert_eq!(m.errors().count(), 0);
    let sum_of = |values: &dyn Fn(usize) -> f64| (0..ROWS).fold(0.0, |acc, i| acc + values(i));
    let total = m.id("total").unwrap();
    assert_eq!(m.precedents(total).len(), ROWS);
    assert_eq!(m.value(total), Value::Num(sum_of(&|i| i as f64 * 0.1)));
    expect_value(&m, "n", ROWS as f64);
    let r = m.set("t.r7.x", 1e6).unwrap();
    assert_eq!(names(&m, &r.recomputed), ["total", "n", "top"]);
    // Exactly what summing from scratch gives: no running total.
    let edited = |i: usize| if i == 7 { 1e6 } else { i as f64 * 0.1 };
    assert_eq!(m.value(total), Value::Num(sum_of(&edited)));
    expect_value(&m, "top", 1e6);
}

/// Found by the properties: a cell that failed on its aggregate (`sumproduct` of columns with
/// different rows) read a name before it; when that name went, the cell was not compiled
/// again and kept the aggregate's error, where a fresh build reports the unknown name.
#[test]
fn a_cell_that_failed_is_compiled_again_when_a_name_it_reads_goes() {
    let cells = |with_x: bool| {
        let mut cells = vec![("t.a.x", In(1.0)), ("u.a.x", In(2.0))];
        if with_x {
            cells.push(("x", In(1.0)));
        }
        cells.push(("c", F("x + sumproduct(t.x, u.x)")));
        with_table(spec(&cells), "t", &["a"], &["x"])
    };
    // `u.x` has other rows than `t.x`.
    let with_u = |with_x: bool| {
        let mut s = cells(with_x);
        s.columns.push(ColumnDef {
            name: "u.x".into(),
            cells: vec!["u.a.x".into()],
            rows: 99,
        });
        s
    };
    let mut m = Model::build(&with_u(true));
    let kind = |m: &Model| m.errors().map(|(_, e)| e.kind()).collect::<Vec<_>>();
    assert_eq!(kind(&m), [ErrorKind::Value]);
    m.update(&with_u(false));
    assert_eq!(kind(&m), [ErrorKind::Name]);
    assert_eq!(kind(&Model::build(&with_u(false))), [ErrorKind::Name]);
}
