//! An arbitrary string as a formula: parsed (or refused with an error that locates itself
//! inside the text; checked and parsed by shape alike), then compiled and evaluated in a small model where every name it reads
//! is an input and a few pack functions exist, and every name given to an aggregate
//! (`sum(t.x)`) is also a column of those inputs, the first of them missing (`#N/A`); then
//! every input is changed, incrementally, and the values compared with a model built from
//! scratch.

#![no_main]

use flopsheet_engine::{aggregated_names, formula, Body, CellDef, ColumnDef, FunctionDef, Model, ModelSpec, Value};
use libfuzzer_sys::fuzz_target;

fn functions() -> Vec<FunctionDef> {
    let f = |name: &str, params: &[&str], body: &str| FunctionDef {
        name: name.into(),
        params: params.iter().map(|p| p.to_string()).collect(),
        body: formula::parse(body).expect("the harness's functions parse"),
    };
    vec![
        f("f", &["x", "y"], "x * y + 1"),
        f("g", &["v"], "f(v, v) / 2"),
        f("h", &["n"], "if(n > 0, g(n), -n)"),
    ]
}

fn same(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.to_bits() == y.to_bits(),
        (Value::Err(x), Value::Err(y)) => x.kind == y.kind,
        _ => false,
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    // Checking a formula without building it (how a workbook is read) refuses exactly what
    // parsing it refuses, with the same error; and parsing by shape builds what parsing does.
    let parsed = formula::parse(text);
    let checked = formula::check_many(&[text]).pop().map(|(_, err)| err);
    assert_eq!(checked.as_ref(), parsed.as_ref().err(), "{text:?}");
    let by_shape = formula::parse_many(&[text]).next().expect("one result");
    assert_eq!(format!("{by_shape:?}"), format!("{parsed:?}"), "{text:?}");
    let expr = match parsed {
        Ok(expr) => expr,
        Err(err) => {
            let _ = err.to_string();
            let _ = err.help();
            if let Some(range) = err.locate(text) {
                assert!(
                    text.get(range.clone()).is_some(),
                    "{err:?} located at {range:?} in {text:?}"
                );
            }
            return;
        }
    };
    // Every name the formula reads is an input.
    let mut names: Vec<String> = Vec::new();
    expr.for_each_name(&mut |ident| {
        if !names.contains(&ident.target) && ident.target != "out" {
            names.push(ident.target.clone());
        }
    });
    let mut cells: Vec<CellDef> = names
        .iter()
        .enumerate()
        .map(|(i, name)| CellDef {
            name: name.as_str().into(),
            body: if i == 0 {
                Body::Missing
            } else {
                Body::Input(i as f64 - 1.5)
            },
        })
        .collect();
    let mut columns: Vec<ColumnDef> = Vec::new();
    aggregated_names(&expr, &mut |name| {
        if !columns.iter().any(|c| c.name == name) {
            columns.push(ColumnDef {
                name: name.to_string(),
                cells: names.clone(),
                rows: 0,
            });
        }
    });
    cells.push(CellDef {
        name: "out".into(),
        body: Body::Formula(expr),
    });
    let spec = ModelSpec {
        cells,
        functions: functions(),
        columns,
    };
    let mut model = Model::build(&spec);
    let out = model.id("out").expect("the formula's cell");
    if let Value::Num(n) = model.value(out) {
        assert!(n.is_finite(), "a value that is not finite: {n}");
    }
    // Change every input incrementally; the result is the one of a fresh build.
    let mut spec = spec;
    for (i, def) in spec.cells.iter_mut().enumerate() {
        if matches!(def.body, Body::Input(_) | Body::Missing) {
            let v = (i as f64) * 2.5 + 0.25;
            def.body = Body::Input(v);
            let id = model.id(&def.name).expect("an input");
            model.set_inputs(&[(id, v)]).expect("an input");
        }
    }
    let full = Model::build(&spec);
    let (a, b) = (model.value(out), full.value(full.id("out").unwrap()));
    assert!(same(a, b), "incremental {a:?}, full {b:?} for {text:?}");
});
