//! Monte Carlo evaluation (`Model::evaluate_samples`): each sample's outputs are what setting
//! its inputs would give, whatever the number of threads; only the cells between the inputs
//! and the outputs are in the plan; error values come back as values.

use flopsheet_engine::{formula, Body, CellDef, ErrorKind, Model, ModelSpec, Value};
use std::sync::atomic::AtomicBool;

fn model(cells: &[(&str, &str)]) -> Model {
    Model::build(&spec(cells))
}

/// Inputs are the texts that parse as numbers; the rest are formulas.
fn spec(cells: &[(&str, &str)]) -> ModelSpec {
    ModelSpec {
        cells: cells
            .iter()
            .map(|(name, text)| CellDef {
                name: (*name).into(),
                body: match text.parse::<f64>() {
                    Ok(v) => Body::Input(v),
                    Err(_) => Body::Formula(formula::parse(text).unwrap()),
                },
            })
            .collect(),
        ..ModelSpec::default()
    }
}

const CELLS: &[(&str, &str)] = &[
    ("mfu", "0.4"),
    ("price", "2"),
    ("flops", "3.15e23"),
    ("unrelated", "7"),
    ("hours", "flops / (275e12 * 3600 * mfu)"),
    ("cost", "hours * price"),
    ("per_mfu_point", "cost / (mfu - 0.3)"),
    ("other", "unrelated * 2"),
];

#[test]
fn samples_equal_setting_the_inputs() {
    let mut m = model(CELLS);
    let ids = |names: &[&str]| names.iter().map(|n| m.id(n).unwrap()).collect::<Vec<_>>();
    let inputs = ids(&["mfu", "price"]);
    let outputs = ids(&["cost", "per_mfu_point", "other"]);
    let plan = m.sample_plan(&inputs, &outputs).unwrap();
    // `other` does not depend on the inputs: not in the plan.
    let planned: Vec<&str> = plan.cells().iter().map(|&c| m.name(c)).collect();
    assert_eq!(planned, ["hours", "cost", "per_mfu_point"]);
    let mut mfu: Vec<f64> = (0..1000).map(|i| 0.2 + 0.0005 * i as f64).collect();
    mfu[200] = 0.3;
    let price: Vec<f64> = (0..1000).map(|i| 1.5 + 0.001 * i as f64).collect();
    let stop = AtomicBool::new(false);
    let one = m.evaluate_samples(&plan, &[&mfu, &price], 1, &stop).unwrap();
    let two = m.evaluate_samples(&plan, &[&mfu, &price], 2, &stop).unwrap();
    let seven = m.evaluate_samples(&plan, &[&mfu, &price], 7, &stop).unwrap();
    // Bit for bit (an error sample's NaN is not equal to itself).
    let bits = |outputs: &[flopsheet_engine::Sampled]| -> Vec<(Vec<u64>, usize)> {
        outputs
            .iter()
            .map(|o| (o.values.iter().map(|v| v.to_bits()).collect(), o.errors.len()))
            .collect()
    };
    assert!(bits(&one) == bits(&two), "one thread and two differ");
    assert!(bits(&one) == bits(&seven), "one thread and seven differ");
    // A sample's value, as a Value: its number, or the error listed for it.
    let value = |k: usize, s: usize| match one[k].errors.iter().find(|(at, _)| *at == s) {
        Some((_, e)) => Value::Err(*e),
        None => Value::Num(one[k].values[s]),
    };
    for s in [0, 200, 999] {
        m.set_inputs(&[(inputs[0], mfu[s]), (inputs[1], price[s])]).unwrap();
        for (k, &o) in outputs.iter().enumerate() {
            assert_eq!(value(k, s), m.value(o), "sample {s}, output {}", m.name(o));
        }
    }
    // mfu = 0.3 exactly: a division by zero in that sample only, its value NaN.
    let errors: Vec<(usize, ErrorKind)> = one[1].errors.iter().map(|(s, e)| (*s, e.kind)).collect();
    assert_eq!(errors, [(200, ErrorKind::DivZero)]);
    assert_eq!(one[1].values.iter().filter(|v| v.is_nan()).count(), 1);
    assert!(one[1].values[200].is_nan());
    assert!(one[2].values.iter().all(|&v| v == 14.0));
}

#[test]
fn a_stop_request_ends_the_run() {
    let m = model(CELLS);
    let plan = m
        .sample_plan(&[m.id("mfu").unwrap()], &[m.id("cost").unwrap()])
        .unwrap();
    let column = vec![0.5; 10_000];
    assert!(m
        .evaluate_samples(&plan, &[&column], 2, &AtomicBool::new(true))
        .is_none());
}

#[test]
fn only_inputs_can_be_sampled() {
    let m = model(CELLS);
    let err = m
        .sample_plan(&[m.id("hours").unwrap()], &[m.id("cost").unwrap()])
        .unwrap_err();
    assert_eq!(err.to_string(), "`hours` is a formula, not an input");
}

/// After an update that removes a cell and adds another (a slot given another pack), ids run
/// past the count of live cells: a plan over the new cell is built and evaluated.
#[test]
fn a_plan_after_cells_were_removed_and_added() {
    let mut m = model(&[("a.price", "2"), ("hours", "10"), ("cost", "hours * a.price")]);
    m.update(&spec(&[("b.price", "3"), ("hours", "10"), ("cost", "hours * b.price")]));
    let price = m.id("b.price").unwrap();
    let cost = m.id("cost").unwrap();
    assert!(price as usize >= m.len(), "the new cell's id is past the live count");
    let plan = m.sample_plan(&[price], &[cost]).unwrap();
    let stop = AtomicBool::new(false);
    let out = m.evaluate_samples(&plan, &[&[1.0, 4.0]], 1, &stop).unwrap();
    assert_eq!(out[0].values, [10.0, 40.0]);
}
