//! Pack functions written to exhaust the engine: recursion, deep chains and exponential
//! expansion all end in an error value in the calling cell, never in a hang or a crash.
//! How long they take is held by the `hostile` group of `benches/engine.rs`.

use flopsheet_engine::{formula, Body, BuildError, CellDef, ErrorKind, FunctionDef, Model, ModelSpec, Value};

fn function(name: &str, params: &[&str], body: &str) -> FunctionDef {
    FunctionDef {
        name: name.into(),
        params: params.iter().map(|p| p.to_string()).collect(),
        body: formula::parse(body).expect("test formulas parse"),
    }
}

/// A model with one cell `out` computing `formula` with `functions`; returns it and the
/// error its cell was built with, if any.
fn build(formula_text: &str, functions: Vec<FunctionDef>) -> (Model, Option<BuildError>) {
    let spec = ModelSpec {
        cells: vec![
            CellDef {
                name: "x".into(),
                body: Body::Input(1.5),
            },
            CellDef {
                name: "out".into(),
                body: Body::Formula(formula::parse(formula_text).expect("test formulas parse")),
            },
        ],
        functions,
        columns: Vec::new(),
    };
    let model = Model::build(&spec);
    let out = model.id("out").unwrap();
    let error = model.errors().find(|(c, _)| *c == out).map(|(_, e)| e.clone());
    (model, error)
}

#[track_caller]
fn expect_out_error(model: &Model, kind: ErrorKind) {
    match model.value(model.id("out").unwrap()) {
        Value::Err(e) => assert_eq!(e.kind, kind),
        other => panic!("out = {other:?}, want {kind}"),
    }
}

#[test]
fn functions_that_double_at_every_level_are_too_large() {
    // f0 calls f1 twice, f1 calls f2 twice, ...: 2^30 copies of f30's body once inlined.
    let mut functions: Vec<FunctionDef> = (0..30)
        .map(|i| function(&format!("f{i}"), &["v"], &format!("f{}(v) + f{}(v)", i + 1, i + 1)))
        .collect();
    functions.push(function("f30", &["v"], "v * 2"));
    let (model, error) = build("f0(x)", functions);
    assert_eq!(error, Some(BuildError::TooLarge));
    expect_out_error(&model, ErrorKind::Value);
}

#[test]
fn an_argument_used_many_times_in_nested_calls_is_too_large() {
    // Each call copies its argument's code four times: 4^20 ops for 20 nested calls.
    let nested = format!("{}x{}", "q(".repeat(20), ")".repeat(20));
    let (model, error) = build(&nested, vec![function("q", &["v"], "v * v + v * v")]);
    assert_eq!(error, Some(BuildError::TooLarge));
    expect_out_error(&model, ErrorKind::Value);
    // The same, a few levels deep, is fine: 4^3 copies of `x`.
    let (model, error) = build("q(q(q(x)))", vec![function("q", &["v"], "v * v + v * v")]);
    assert_eq!(error, None);
    let q = |v: f64| v * v + v * v;
    assert_eq!(model.value(model.id("out").unwrap()), Value::Num(q(q(q(1.5)))));
}

#[test]
fn a_chain_of_distinct_functions_deeper_than_the_limit_is_refused() {
    let mut functions: Vec<FunctionDef> = (0..40)
        .map(|i| function(&format!("g{i}"), &["v"], &format!("g{}(v) + 1", i + 1)))
        .collect();
    functions.push(function("g40", &["v"], "v"));
    let (model, error) = build("g0(x)", functions);
    match error {
        Some(BuildError::TooDeep { chain, limit }) => {
            assert_eq!(limit, 32);
            assert_eq!(chain.first().map(String::as_str), Some("g0"));
            assert_eq!(chain.len(), 33);
        }
        other => panic!("{other:?}"),
    }
    expect_out_error(&model, ErrorKind::Value);
}

#[test]
fn recursion_names_the_function_that_calls_itself() {
    // `a` is not recursive; `b` calls `c`, which calls `b` back.
    let functions = vec![
        function("a", &["v"], "b(v) + 1"),
        function("b", &["v"], "c(v) * 2"),
        function("c", &["v"], "if(v > 0, b(v - 1), 0)"),
    ];
    let (model, error) = build("a(x)", functions);
    assert_eq!(
        error,
        Some(BuildError::RecursiveFunction {
            chain: vec!["b".into(), "c".into(), "b".into()]
        })
    );
    assert_eq!(error.unwrap().to_string(), "the function `b` calls itself: b → c → b");
    expect_out_error(&model, ErrorKind::Cycle);
}

#[test]
fn wrong_argument_counts_say_how_to_call() {
    let (_, error) = build("if(x > 1, x)", vec![]);
    let error = error.unwrap();
    assert_eq!(error.to_string(), "`if` takes 3 arguments, but 2 were given");
    assert!(matches!(&error, BuildError::ArgCount { usage, .. } if usage == "if(condition, then, else)"));
    let (_, error) = build("min()", vec![]);
    assert_eq!(
        error.unwrap().to_string(),
        "`min` takes at least 1 argument, but 0 were given"
    );
    let (_, error) = build("law(x)", vec![function("law", &["n", "d"], "n / d")]);
    let error = error.unwrap();
    assert_eq!(error.to_string(), "`law` takes 2 arguments, but 1 was given");
    assert!(matches!(&error, BuildError::ArgCount { usage, .. } if usage == "law(n, d)"));
}

#[test]
fn thousands_of_unknown_names_get_suggestions_only_for_the_first() {
    // Every formula reads a misspelled name: suggesting for each would scan every name once
    // per error, quadratic in the size of the workbook.
    let mut cells: Vec<CellDef> = (0..5000)
        .map(|i| CellDef {
            name: format!("n{i}").into(),
            body: Body::Input(i as f64),
        })
        .collect();
    cells.extend((0..5000).map(|i| CellDef {
        name: format!("f{i}").into(),
        body: Body::Formula(formula::parse(&format!("nn{i} + 1")).unwrap()),
    }));
    let model = Model::build(&ModelSpec {
        cells,
        functions: vec![],
        columns: Vec::new(),
    });
    let errors: Vec<_> = model.errors().collect();
    assert_eq!(errors.len(), 5000);
    let suggested = errors.iter().filter(|(_, e)| !e.suggestions().is_empty()).count();
    assert_eq!(suggested, 64);
    // In cell order: the first errors are the ones explained.
    assert_eq!(errors[0].1.suggestions()[0], "n0");
    assert!(errors[4999].1.suggestions().is_empty());
}

/// Functions whose bodies are each as deep as a formula may be, calling one another at the
/// bottom: compiling recurses through all of them, so it stops at a depth that a thread with a
/// 2 MiB stack (the default for spawned threads, on which large models are compiled) holds.
#[test]
fn deep_bodies_calling_each_other_stop_before_the_stack_does() {
    let depth = flopsheet_engine::formula::MAX_TREE_DEPTH - 6;
    let mut functions: Vec<FunctionDef> = (0..31)
        .map(|i| {
            function(
                &format!("d{i}"),
                &["v"],
                &format!("d{}(v){}", i + 1, " + 1".repeat(depth)),
            )
        })
        .collect();
    functions.push(function("d31", &["v"], "v"));
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (model, error) = build("d0(x)", functions.clone());
            expect_out_error(&model, ErrorKind::Value);
            let one_level = build("d30(x)", functions).0;
            (error, one_level.value(one_level.id("out").unwrap()))
        })
        .unwrap();
    let (error, one_level) = handle.join().expect("no stack overflow");
    assert_eq!(error, Some(BuildError::TooLarge));
    assert_eq!(one_level, Value::Num(1.5 + depth as f64));
}

/// A cycle through a hundred thousand cells is found without recursion (a stack overflow) and
/// without a copy of the cycle per cell (memory quadratic in its length).
#[test]
fn a_cycle_through_a_hundred_thousand_cells() {
    let n = 100_000;
    let cells: Vec<CellDef> = (0..n)
        .map(|i| CellDef {
            name: format!("c{i}").into(),
            body: Body::Formula(formula::parse(&format!("c{} + 1", (i + n - 1) % n)).unwrap()),
        })
        .collect();
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let model = Model::build(&ModelSpec {
                cells,
                functions: vec![],
                columns: Vec::new(),
            });
            let cycles: Vec<usize> = model.cycles().iter().map(Vec::len).collect();
            (cycles, model.value(model.id("c500").unwrap()))
        })
        .unwrap();
    let (cycles, value) = handle.join().expect("no stack overflow");
    assert_eq!(cycles, [n]);
    assert!(matches!(value, Value::Err(e) if e.kind == ErrorKind::Cycle));
}
