//! Loading then printing a workbook is stable (proptest over generated workbooks):
//!
//! - loading the same file twice, or reloading it, prints the same tables;
//! - the layout of the file (short or long cells, comments, raw strings, spacing) changes
//!   nothing printed;
//! - printed values are exact: the full-precision text of every value reads back to the same
//!   f64, and a workbook whose inputs are the printed values prints the same again
//!   (load → print → load).

use flopsheet_engine::Value;
use flopsheet_load::{LoadOptions, WorkbookSource, Workspace};
use flopsheet_render::{Format, Style};
use proptest::prelude::*;
use std::path::Path;

/// A generated workbook: inputs, formulas over earlier cells, groups of cells for a row table.
#[derive(Debug, Clone)]
struct Book {
    /// `(name, value, unit)`
    inputs: Vec<(String, f64, Option<&'static str>)>,
    /// `(name, formula, unit)`
    formulas: Vec<(String, String, Option<&'static str>)>,
    /// `grp{g}.v{j}`: groups × values per group.
    groups: Vec<Vec<f64>>,
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i64..1000).prop_map(|n| n as f64),
        (-1e6f64..1e6),
        prop::num::f64::NORMAL.prop_filter("not too large to compute with", |v| v.abs() < 1e200 && v.abs() > 1e-200),
        Just(0.1),
        Just(1.0 / 3.0),
        Just(0.0),
    ]
}

fn unit() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        "USD", "USD/h", "h", "%", "FLOP", "B", "x", "tokens", "W",
    ]))
}

/// A formula over `names`: a few operators and functions, every name from the list.
fn formula(names: Vec<String>) -> impl Strategy<Value = String> {
    let name = prop::sample::select(names);
    let leaf = prop_oneof![3 => name.clone(), 1 => value().prop_map(|v| format!("{v:?}"))];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|args| format!("max({})", args.join(", "))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("if({a} > {b}, {b}, {c})")),
            // The workbook's own functions (see `FUNCTIONS`).
            (inner.clone(), inner).prop_map(|(a, b)| format!("mix({a}, {b})")),
        ]
    })
}

fn book() -> impl Strategy<Value = Book> {
    (
        prop::collection::vec((value(), unit()), 1..6),
        prop::collection::vec(prop::collection::vec(value(), 2), 0..3),
        1usize..8,
    )
        .prop_flat_map(|(inputs, groups, formulas)| {
            let inputs: Vec<(String, f64, Option<&'static str>)> = inputs
                .into_iter()
                .enumerate()
                .map(|(i, (v, u))| (format!("in{i}"), v, u))
                .collect();
            let mut names: Vec<String> = inputs.iter().map(|(n, _, _)| n.clone()).collect();
            names.push("gpt3.params".into());
            // Each formula reads the inputs and the formulas before it.
            let strategies: Vec<_> = (0..formulas)
                .map(|i| {
                    let mut visible = names.clone();
                    visible.extend((0..i).map(|j| format!("f{j}")));
                    (formula(visible), unit())
                })
                .collect();
            (Just(inputs), Just(groups), strategies)
        })
        .prop_map(|(inputs, groups, formulas)| Book {
            inputs,
            formulas: formulas
                .into_iter()
                .enumerate()
                .map(|(i, (f, u))| (format!("f{i}"), f, u))
                .collect(),
            groups,
        })
}

/// Every generated workbook defines these; formulas may call `mix`, which calls `half` and
/// reads the cell `in0`.
const FUNCTIONS: &str = r#"functions: { "half": (params: ["x"], formula: "x / 2"), "mix": (params: ["a", "b"], formula: "half(a) + b * in0") }"#;

/// A cell in the short form when it can be, else `(value: ..)`.
fn short(value: &str, unit: Option<&str>) -> String {
    match unit {
        None => value.to_string(),
        Some(u) if value.starts_with('"') => format!("(formula: {value}, unit: {u:?})"),
        Some(u) => format!("(value: {value}, unit: {u:?})"),
    }
}

/// The workbook as RON. `long`: every cell in the long form, with comments, raw strings and
/// another spacing; the same workbook either way. `inputs` replaces the inputs' values.
fn write(book: &Book, long: bool, inputs: Option<&[String]>) -> String {
    let value_text = |i: usize| match inputs {
        Some(texts) => texts[i].clone(),
        None => format!("{:?}", book.inputs[i].1),
    };
    let mut cells = Vec::new();
    for (i, (name, _, unit)) in book.inputs.iter().enumerate() {
        cells.push(if long {
            let unit = unit.map(|u| format!(", unit: \"{u}\"")).unwrap_or_default();
            format!(
                "        // input {i}\n        \"{name}\" : ( value : {}{unit} , note: \"n\" )",
                value_text(i)
            )
        } else {
            format!("\"{name}\": {}", short(&value_text(i), *unit))
        });
    }
    for (g, values) in book.groups.iter().enumerate() {
        for (j, v) in values.iter().enumerate() {
            cells.push(if long {
                format!("        \"grp{g}.v{j}\": (value: {v:?}) /* group {g} */")
            } else {
                format!("\"grp{g}.v{j}\": {v:?}")
            });
        }
    }
    for (name, text, unit) in &book.formulas {
        cells.push(if long {
            let unit = unit
                .map(|u| format!(",\n            unit: \"{u}\""))
                .unwrap_or_default();
            format!("        \"{name}\": (\n            formula: r#\"{text}\"#{unit},\n        )")
        } else {
            format!("\"{name}\": {}", short(&format!("{text:?}"), *unit))
        });
    }
    let mut summary: Vec<String> = book.inputs.iter().map(|(n, _, _)| format!("{n:?}")).collect();
    summary.extend(book.formulas.iter().map(|(n, _, _)| format!("{n:?}")));
    let mut tables = vec![format!("Table(name: \"summary\", cells: [{}])", summary.join(", "))];
    if !book.groups.is_empty() {
        let rows: Vec<String> = (0..book.groups.len()).map(|g| format!("\"grp{g}\"")).collect();
        tables.push(format!(
            "Table(name: \"rows\", rows: [{}], columns: {{ \"a\": \"row.v0 * 2\", \"b\": (formula: \"a + row.v1 / 3\", unit: \"USD\") }})",
            rows.join(", ")
        ));
    }
    if long {
        format!(
            "// A generated workbook, written long.\nWorkbook(\n    title: \"Generated\",\n    packs: [\n        \"gpt3\",\n    ],\n    {FUNCTIONS},\n    cells: {{\n{},\n    }},\n    tables: [\n        {},\n    ],\n)\n",
            cells.join(",\n\n"),
            tables.join(",\n        ")
        )
    } else {
        format!(
            "Workbook(title: \"Generated\", packs: [\"gpt3\"], {FUNCTIONS}, cells: {{{}}}, tables: [{}])",
            cells.join(", "),
            tables.join(", ")
        )
    }
}

fn load(path: &Path) -> Workspace {
    Workspace::load(WorkbookSource::File(path.to_path_buf()), LoadOptions::default())
        .unwrap_or_else(|failure| panic!("{}\n{}", std::fs::read_to_string(path).unwrap(), failure.render(false)))
}

/// What flopsheet prints of a workspace: every table as JSON, and every cell's raw value.
fn print(ws: &Workspace) -> String {
    let tables = flopsheet_render::select(ws, None).expect("every table");
    let names: Vec<String> = ws.workbook.cells.keys().map(|k| k.to_string()).collect();
    let json = flopsheet_render::render(ws, &tables, Format::Json, &Style::default());
    // The long layout gives each input a note, which a table of cells carries: not a value.
    let mut json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    for table in json["tables"].as_array_mut().into_iter().flatten() {
        for row in table["rows"].as_array_mut().into_iter().flatten() {
            row.as_object_mut().map(|r| r.remove("note"));
        }
    }
    json.to_string() + "\n" + &flopsheet_render::values(ws, &names, Format::Table).unwrap()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn loading_then_printing_is_stable(book in book()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("plugins")).unwrap();
        let short_path = dir.path().join("short.ron");
        let long_path = dir.path().join("long.ron");
        std::fs::write(&short_path, write(&book, false, None)).unwrap();
        std::fs::write(&long_path, write(&book, true, None)).unwrap();

        let mut ws = load(&short_path);
        let printed = print(&ws);
        prop_assert_eq!(&print(&load(&short_path)), &printed, "loading twice");
        // A workbook with error values reloads as a failure, keeping the model as it was.
        prop_assert_eq!(ws.reload().is_ok(), !ws.has_errors());
        prop_assert_eq!(&print(&ws), &printed, "reloading");
        prop_assert_eq!(&print(&load(&long_path)), &printed, "another layout");

        // Printed values read back exactly.
        for name in ws.workbook.cells.keys() {
            if let Value::Num(v) = ws.value(name).unwrap() {
                let text = flopsheet_render::raw(Value::Num(v));
                prop_assert_eq!(text.parse::<f64>().map(f64::to_bits), Ok(v.to_bits()), "`{}` printed as {}", name, text);
            }
        }
        // load → print → load: the inputs written as printed give the same workbook.
        let printed_inputs: Vec<String> = book
            .inputs
            .iter()
            .map(|(name, _, _)| flopsheet_render::raw(ws.value(name).unwrap()))
            .collect();
        let again = dir.path().join("again.ron");
        std::fs::write(&again, write(&book, false, Some(&printed_inputs))).unwrap();
        prop_assert_eq!(&print(&load(&again)), &printed, "the printed inputs, loaded again");
    }
}
