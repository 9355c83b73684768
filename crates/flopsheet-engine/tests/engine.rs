//! Engine behaviour: values, the recomputed set, early cutoff, structural updates, cycles and
//! errors, driven through the public API only.

use flopsheet_engine::{
    formula, Body, BuildError, CellDef, CellSource, ErrorKind, Expr, FunctionDef, Model, ModelSpec, Value,
};

mod common;
use common::{expect_error, expect_value, names, spec, Def::In, Def::F};

fn diamond() -> Model {
    Model::build(&spec(&[
        ("a", In(1.0)),
        ("b", F("a * 2")),
        ("c", F("a + 1")),
        ("d", F("b + c")),
        ("other", In(5.0)),
        ("e", F("other * 3")),
    ]))
}

#[test]
fn evaluates_in_f64() {
    let m = Model::build(&spec(&[
        ("half", F("1/2")),
        ("p", F("2^10")),
        ("m", F("7 % 4")),
        ("neg", F("-half")),
    ]));
    expect_value(&m, "half", 0.5);
    expect_value(&m, "p", 1024.0);
    expect_value(&m, "m", 3.0);
    expect_value(&m, "neg", -0.5);
}

#[test]
fn builtins_work() {
    let m = Model::build(&spec(&[
        ("x", In(43.75)),
        ("c", F("ceil(x)")),
        ("f", F("floor(x)")),
        ("mn", F("min(3, x, 10)")),
        ("mx", F("max(3, x)")),
        ("s", F("math::sqrt(16) + sqrt(9)")),
        ("l", F("ln(exp(2)) + log10(100) + log2(8) + log(27, 3)")),
        ("i", F("if(x > 40, 1, 0) + if(x < 40 || false, 10, 20)")),
        ("pw", F("pow(1.5, 2)")),
    ]));
    expect_value(&m, "c", 44.0);
    expect_value(&m, "f", 43.0);
    expect_value(&m, "mn", 3.0);
    expect_value(&m, "mx", 43.75);
    expect_value(&m, "s", 7.0);
    expect_value(&m, "l", 10.0);
    expect_value(&m, "i", 21.0);
    expect_value(&m, "pw", 2.25);
}

#[test]
fn an_edit_recomputes_exactly_its_dependents_in_order() {
    let mut m = diamond();
    let r = m.set("a", 2.0).unwrap();
    assert_eq!(names(&m, &r.recomputed), ["b", "c", "d"]);
    assert_eq!(names(&m, &r.changed), ["a", "b", "c", "d"]);
    expect_value(&m, "d", 7.0);
    let r = m.set("other", 1.0).unwrap();
    assert_eq!(names(&m, &r.recomputed), ["e"]);
    expect_value(&m, "e", 3.0);
}

#[test]
fn setting_the_same_value_recomputes_nothing() {
    let mut m = diamond();
    let r = m.set("a", 1.0).unwrap();
    assert!(r.recomputed.is_empty() && r.changed.is_empty());
}

#[test]
fn an_unchanged_value_stops_the_wave() {
    let mut m = Model::build(&spec(&[
        ("x", In(1.2)),
        ("rounded", F("round(x)")),
        ("after", F("rounded * 10")),
        ("direct", F("x + 1")),
    ]));
    let r = m.set("x", 1.3).unwrap();
    // `rounded` is recomputed but stays 1, so `after` is not.
    assert_eq!(names(&m, &r.recomputed), ["rounded", "direct"]);
    assert_eq!(names(&m, &r.changed), ["x", "direct"]);
    expect_value(&m, "after", 10.0);
}

#[test]
fn incremental_equals_full_recomputation() {
    let cells = [
        ("a", In(3.0)),
        ("b", In(4.0)),
        ("h", F("sqrt(a^2 + b^2)")),
        ("r", F("h / a")),
        ("k", F("if(r > 1.5, r, 0) + b")),
    ];
    let mut incremental = Model::build(&spec(&cells));
    for (a, b) in [(5.0, 12.0), (1.0, 1.0), (8.0, 15.0), (8.0, 0.5)] {
        incremental
            .set_inputs(&[(incremental.id("a").unwrap(), a), (incremental.id("b").unwrap(), b)])
            .unwrap();
        let full = Model::build(&spec(&[
            ("a", In(a)),
            ("b", In(b)),
            ("h", F("sqrt(a^2 + b^2)")),
            ("r", F("h / a")),
            ("k", F("if(r > 1.5, r, 0) + b")),
        ]));
        for name in ["h", "r", "k"] {
            assert_eq!(
                incremental.value(incremental.id(name).unwrap()),
                full.value(full.id(name).unwrap())
            );
        }
    }
}

#[test]
fn setting_a_formula_is_refused() {
    let mut m = diamond();
    assert!(m.set("b", 1.0).is_err());
    assert!(m.set("nope", 1.0).is_err());
}

#[test]
fn dependency_sets_are_the_names_read() {
    let m = diamond();
    let d = m.id("d").unwrap();
    assert_eq!(names(&m, m.precedents(d)), ["b", "c"]);
    let a = m.id("a").unwrap();
    assert_eq!(names(&m, m.dependents(a)), ["b", "c"]);
}

#[test]
fn a_formula_change_rebuilds_only_its_part() {
    let mut m = diamond();
    let mut cells = vec![
        ("a", In(1.0)),
        ("b", F("a * 2")),
        ("c", F("other + 1")), // now reads `other`, not `a`
        ("d", F("b + c")),
        ("other", In(5.0)),
        ("e", F("other * 3")),
    ];
    let r = m.update(&spec(&cells));
    assert!(r.structural);
    assert_eq!(names(&m, &r.redefined), ["c"]);
    assert_eq!(names(&m, &r.evaluation.recomputed), ["c", "d"]);
    expect_value(&m, "d", 8.0);
    // An input edit through update is not structural.
    cells[4].1 = In(6.0);
    let r = m.update(&spec(&cells));
    assert!(!r.structural);
    assert_eq!(names(&m, &r.inputs_changed), ["other"]);
    let mut recomputed = names(&m, &r.evaluation.recomputed);
    assert_eq!(recomputed.last().unwrap(), "d", "d reads c, so it comes after it");
    recomputed.sort();
    assert_eq!(recomputed, ["c", "d", "e"]);
    expect_value(&m, "d", 9.0);
}

#[test]
fn removing_and_restoring_a_name() {
    let mut m = diamond();
    let without_c = [
        ("a", In(1.0)),
        ("b", F("a * 2")),
        ("d", F("b + c")),
        ("other", In(5.0)),
        ("e", F("other * 3")),
    ];
    let r = m.update(&spec(&without_c));
    assert_eq!(r.removed.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["c"]);
    expect_error(&m, "d", ErrorKind::Name);
    assert!(m.id("c").is_none());
    let r = m.update(&spec(&[
        ("a", In(1.0)),
        ("b", F("a * 2")),
        ("d", F("b + c")),
        ("other", In(5.0)),
        ("e", F("other * 3")),
        ("c", F("a + 1")),
    ]));
    assert_eq!(names(&m, &r.evaluation.recomputed), ["c", "d"]);
    expect_value(&m, "d", 4.0);
}

#[test]
fn cycles_are_reported_in_reading_order() {
    let m = Model::build(&spec(&[
        ("a", F("c + 1")),
        ("b", F("a * 2")),
        ("c", F("b - 3")),
        ("self", F("self + 1")),
        ("downstream", F("a + 1")),
        ("fine", In(2.0)),
    ]));
    let cycles: Vec<Vec<String>> = m.cycles().iter().map(|c| names(&m, c)).collect();
    assert_eq!(cycles, [vec!["a", "c", "b"], vec!["self"]]);
    expect_error(&m, "a", ErrorKind::Cycle);
    expect_error(&m, "self", ErrorKind::Cycle);
    // The error flows downstream and names where it started.
    let Value::Err(e) = m.value(m.id("downstream").unwrap()) else {
        panic!()
    };
    assert_eq!((e.kind, m.name(e.origin)), (ErrorKind::Cycle, "a"));
    expect_value(&m, "fine", 2.0);
}

#[test]
fn breaking_a_cycle_recovers() {
    let mut m = Model::build(&spec(&[("a", F("b + 1")), ("b", F("a + 1"))]));
    expect_error(&m, "a", ErrorKind::Cycle);
    m.update(&spec(&[("a", F("b + 1")), ("b", In(1.0))]));
    assert!(m.cycles().is_empty());
    expect_value(&m, "a", 2.0);
}

#[test]
fn runtime_errors_are_values() {
    let mut m = Model::build(&spec(&[
        ("zero", In(0.0)),
        ("div", F("1 / zero")),
        ("after", F("div + 1")),
        ("literal", F("2 / 0")),
        ("remainder", F("zero % 0")),
        ("nan", F("sqrt(-1)")),
        ("big", F("10 ^ 400")),
        ("ok", F("zero + 1")),
    ]));
    expect_error(&m, "div", ErrorKind::DivZero);
    expect_error(&m, "after", ErrorKind::DivZero);
    expect_error(&m, "literal", ErrorKind::DivZero);
    expect_error(&m, "remainder", ErrorKind::DivZero);
    expect_error(&m, "nan", ErrorKind::Num);
    expect_error(&m, "big", ErrorKind::Num);
    expect_value(&m, "ok", 1.0);
    m.set("zero", 4.0).unwrap();
    expect_value(&m, "after", 1.25);
}

#[test]
fn build_errors_name_the_problem() {
    let m = Model::build(&spec(&[
        ("mfu", In(0.4)),
        ("typo", F("mfuu * 2")),
        ("fun", F("sqrtt(4)")),
        ("args", F("pow(2)")),
        ("boolean", F("1 > 2")),
        ("cond", F("if(1, 2, 3)")),
    ]));
    let errors: Vec<(String, BuildError)> = m.errors().map(|(c, e)| (m.name(c).to_string(), e.clone())).collect();
    assert_eq!(errors.len(), 5);
    assert_eq!(errors[0].0, "typo");
    assert_eq!(errors[0].1.suggestions(), ["mfu"]);
    assert!(matches!(&errors[1].1, BuildError::UnknownFunction { suggestions, .. } if suggestions[0] == "sqrt"));
    assert!(matches!(&errors[2].1, BuildError::ArgCount { found: 1, .. }));
    assert!(matches!(&errors[3].1, BuildError::Type { .. }));
    assert!(matches!(&errors[4].1, BuildError::Type { .. }));
    expect_error(&m, "typo", ErrorKind::Name);
    expect_error(&m, "args", ErrorKind::Value);
}

#[test]
fn a_name_defined_later_resolves() {
    let mut m = Model::build(&spec(&[("x", F("later * 2"))]));
    expect_error(&m, "x", ErrorKind::Name);
    m.update(&spec(&[("x", F("later * 2")), ("later", In(21.0))]));
    expect_value(&m, "x", 42.0);
}

fn chinchilla(body: &str) -> FunctionDef {
    FunctionDef {
        name: "loss".into(),
        params: vec!["n".into(), "d".into()],
        body: formula::parse(body).unwrap(),
    }
}

#[test]
fn functions_are_inlined_and_their_reads_are_dependencies() {
    let mut s = spec(&[
        ("law.e", In(1.69)),
        ("law.a", In(406.4)),
        ("law.b", In(410.7)),
        ("law.alpha", In(0.34)),
        ("law.beta", In(0.28)),
        ("l", F("loss(70e9, 1.4e12)")),
    ]);
    let mut body = formula::parse("e + a / n^alpha + b / d^beta").unwrap();
    body.rewrite_names(&mut |i| {
        if i.target != "n" && i.target != "d" {
            i.target = format!("law.{}", i.target)
        }
    });
    s.functions.push(FunctionDef {
        body,
        ..chinchilla("0")
    });
    let mut m = Model::build(&s);
    let want = 1.69 + 406.4 / 70e9f64.powf(0.34) + 410.7 / 1.4e12f64.powf(0.28);
    expect_value(&m, "l", want);
    let r = m.set("law.e", 1.0).unwrap();
    assert_eq!(names(&m, &r.recomputed), ["l"]);
}

#[test]
fn a_recursive_function_is_a_cycle() {
    let mut s = spec(&[("x", F("loss(1, 2)"))]);
    s.functions.push(chinchilla("loss(n, d) + 1"));
    let m = Model::build(&s);
    assert!(matches!(
        m.errors().next(),
        Some((_, BuildError::RecursiveFunction { .. }))
    ));
    expect_error(&m, "x", ErrorKind::Cycle);
}

#[test]
fn changing_a_function_recompiles_its_callers() {
    let mut s = spec(&[("x", F("loss(1, 2)")), ("y", F("x * 2")), ("z", In(1.0))]);
    s.functions.push(chinchilla("n + d"));
    let mut m = Model::build(&s);
    expect_value(&m, "y", 6.0);
    s.functions[0] = chinchilla("n * d");
    let r = m.update(&s);
    assert_eq!(names(&m, &r.evaluation.recomputed), ["x", "y"]);
    expect_value(&m, "y", 4.0);
}

#[test]
fn a_wide_fanout_and_a_deep_chain() {
    let mut cells = vec![CellDef {
        name: "x".into(),
        body: Body::Input(1.0),
    }];
    for i in 1..5000 {
        cells.push(CellDef {
            name: format!("c{i}").into(),
            body: Body::Formula(formula::parse(&format!("x * {i} + {i}")).unwrap()),
        });
    }
    let mut m = Model::build(&ModelSpec {
        cells,
        functions: vec![],
        columns: Vec::new(),
    });
    let r = m.set("x", 3.0).unwrap();
    assert_eq!(r.recomputed.len(), 4999);
    expect_value(&m, "c4999", 4999.0 * 4.0);

    let mut cells = vec![CellDef {
        name: "c0".into(),
        body: Body::Input(1.0),
    }];
    for i in 1..5000 {
        cells.push(CellDef {
            name: format!("c{i}").into(),
            body: Body::Formula(formula::parse(&format!("c{} * 1.000001 + 1", i - 1)).unwrap()),
        });
    }
    let mut m = Model::build(&ModelSpec {
        cells,
        functions: vec![],
        columns: Vec::new(),
    });
    let r = m.set("c0", 2.0).unwrap();
    assert_eq!(r.recomputed.len(), 4999);
    let mut want = 2.0f64;
    for _ in 1..5000 {
        want = want * 1.000001 + 1.0;
    }
    expect_value(&m, "c4999", want);
}

/// A small deterministic generator (no dependency): xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A random workbook: `inputs` inputs, then formulas reading earlier cells (sometimes through
/// the pack function `f`, sometimes with a division that can fail), and a cycle off to the side
/// that some formulas read.
fn random_spec(rng: &mut Rng, inputs: &[f64], formulas: usize, f_body: &str) -> ModelSpec {
    let mut cells: Vec<CellDef> = inputs
        .iter()
        .enumerate()
        .map(|(i, &v)| CellDef {
            name: format!("i{i}").into(),
            body: Body::Input(v),
        })
        .collect();
    let formula = |text: String| Body::Formula(formula::parse(&text).expect("generated formulas parse"));
    cells.push(CellDef {
        name: "loop_a".into(),
        body: formula("loop_b + 1".into()),
    });
    cells.push(CellDef {
        name: "loop_b".into(),
        body: formula("loop_a * 2".into()),
    });
    for k in 0..formulas {
        let earlier = |rng: &mut Rng| {
            let i = rng.below(inputs.len() + k);
            if i < inputs.len() {
                format!("i{i}")
            } else {
                format!("c{}", i - inputs.len())
            }
        };
        let (a, b) = (earlier(rng), earlier(rng));
        let text = match rng.below(12) {
            0 => format!("f({a}, {b})"),
            1 => format!("{a} / ({b} - 1)"),
            2 => format!("round({a} / 10) + {b}"),
            3 if k % 97 == 0 => format!("{a} + loop_a"),
            4 => format!("if({a} > {b}, {a}, {b} * 0.5)"),
            5 => format!("min({a}, {b}, 3) + max({a}, 1)"),
            _ => format!("{a} * 0.5 + {b} * 0.25 + 1"),
        };
        cells.push(CellDef {
            name: format!("c{k}").into(),
            body: formula(text),
        });
    }
    ModelSpec {
        cells,
        functions: vec![FunctionDef {
            name: "f".into(),
            params: vec!["x".into(), "y".into()],
            body: formula::parse(f_body).unwrap(),
        }],
        columns: Vec::new(),
    }
}

#[track_caller]
fn same_values(incremental: &Model, full: &Model) {
    assert_eq!(incremental.len(), full.len());
    for c in full.cells() {
        let name = full.name(c);
        let id = incremental.id(name).unwrap();
        let (got, want) = (incremental.value(id), full.value(c));
        let same = match (got, want) {
            (Value::Num(a), Value::Num(b)) => a.to_bits() == b.to_bits(),
            (Value::Err(a), Value::Err(b)) => a.kind == b.kind && incremental.name(a.origin) == full.name(b.origin),
            _ => false,
        };
        assert!(same, "{name}: incremental {got:?}, full {want:?}");
    }
}

/// Waves small enough for the heap, and large enough to switch to sweeping the order, give
/// exactly what building the model from scratch gives, and evaluate each cell once, after its
/// precedents.
#[test]
fn random_edits_match_a_full_rebuild() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut inputs: Vec<f64> = (0..40).map(|i| i as f64).collect();
    let mut f_body = "x * y + 1";
    let mut m = Model::build(&random_spec(&mut Rng(7), &inputs, 2000, f_body));
    assert_eq!(m.cycles().len(), 1);
    for round in 0..40 {
        // One input, a few, or many at once.
        let count = [1, 1, 3, 40][round % 4];
        let mut edits = Vec::new();
        for _ in 0..count {
            let i = rng.below(inputs.len());
            inputs[i] = (rng.below(2000) as f64 - 1000.0) / 8.0;
            edits.push((m.id(&format!("i{i}")).unwrap(), inputs[i]));
        }
        let r = if round % 10 == 9 {
            // A structural change too: the function every `f(..)` cell inlines.
            f_body = if f_body == "x * y + 1" { "x - y" } else { "x * y + 1" };
            let spec = random_spec(&mut Rng(7), &inputs, 2000, f_body);
            m.update(&spec).evaluation
        } else {
            m.set_inputs(&edits).unwrap()
        };
        let full = Model::build(&random_spec(&mut Rng(7), &inputs, 2000, f_body));
        same_values(&m, &full);

        let position: std::collections::HashMap<u32, usize> =
            r.recomputed.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        assert_eq!(position.len(), r.recomputed.len(), "a cell was evaluated twice");
        for &c in &r.recomputed {
            for p in m.precedents(c) {
                if let Some(&before) = position.get(p) {
                    assert!(
                        before < position[&c],
                        "{} before its precedent {}",
                        m.name(c),
                        m.name(*p)
                    );
                }
            }
        }
    }
}

/// Records which formulas a build asked for, in which order.
struct Asked<'a> {
    spec: &'a mut ModelSpec,
    asked: Vec<usize>,
    /// How many formulas had been asked for when the build said it was done with them.
    built: Vec<usize>,
}

impl CellSource for Asked<'_> {
    fn len(&self) -> usize {
        self.spec.len()
    }

    fn name(&self, at: usize) -> &str {
        self.spec.name(at)
    }

    fn input(&self, at: usize) -> Option<f64> {
        self.spec.input(at)
    }

    fn formulas(&mut self, positions: &[usize]) -> Vec<Expr> {
        self.asked.extend_from_slice(positions);
        self.spec.formulas(positions)
    }

    fn built(&mut self) {
        self.built.push(self.asked.len());
    }
}

/// Building from a source, whose formulas are parsed as they are compiled, builds the same
/// model as building from a spec; large enough to compile in several chunks, with errors and
/// a cycle among them.
#[test]
fn a_build_from_a_source_equals_one_from_a_spec() {
    let inputs: Vec<f64> = (0..40).map(|i| i as f64).collect();
    let mut spec = random_spec(&mut Rng(11), &inputs, 40_000, "x * y + 1");
    for (name, text) in [("ghost_reader", "ghost + 1"), ("bad_call", "nope(c1)")] {
        spec.cells.push(CellDef {
            name: name.into(),
            body: Body::Formula(formula::parse(text).unwrap()),
        });
    }
    let borrowed = Model::build(&spec);
    let formulas: Vec<usize> = (0..spec.cells.len())
        .filter(|&at| matches!(spec.cells[at].body, Body::Formula(_)))
        .collect();
    let functions = spec.functions.clone();
    let mut source = Asked {
        spec: &mut spec,
        asked: Vec::new(),
        built: Vec::new(),
    };
    let mut sourced = Model::build_from(&mut source, &functions);
    // Each formula asked for once, a chunk at a time, in the order of the cells; then the
    // source is told, once, that the build is done with it.
    assert_eq!(source.asked, formulas);
    assert_eq!(source.built, [formulas.len()]);
    same_values(&sourced, &borrowed);
    assert_eq!(sourced.order(), borrowed.order());
    assert_eq!(sourced.cycles(), borrowed.cycles());
    assert!(sourced.errors().eq(borrowed.errors()));
    assert_eq!(sourced.errors().count(), 2 + 2);
    for c in borrowed.cells() {
        assert_eq!(sourced.precedents(c), borrowed.precedents(c));
        assert_eq!(sourced.dependents(c), borrowed.dependents(c));
    }
    // And it goes on as a model built the usual way: its fingerprints were kept, so the same
    // spec again changes nothing but the input set meanwhile.
    let mut borrowed = borrowed;
    for model in [&mut sourced, &mut borrowed] {
        model.set("i3", 7.5).unwrap();
    }
    same_values(&sourced, &borrowed);
    let (a, b) = (sourced.update(&spec), borrowed.update(&spec));
    assert!(a == b, "the updates differ");
    assert!(!a.structural && a.redefined.is_empty() && a.inputs_changed.len() == 1);
    same_values(&sourced, &borrowed);
}

/// Updating from a source (formulas parsed a chunk at a time, once to tell which changed and
/// again for those compiled) does what updating from a spec does: the same report, the same
/// model, and only the changed formulas asked for a second time.
#[test]
fn an_update_from_a_source_equals_one_from_a_spec() {
    let inputs: Vec<f64> = (0..40).map(|i| i as f64).collect();
    let spec = random_spec(&mut Rng(5), &inputs, 9_000, "x * y + 1");
    let (mut from_spec, mut from_source) = (Model::build(&spec), Model::build(&spec));
    let mut next = spec.clone();
    // Changed formulas, one removed cell (formulas read it), a new one, an input moved. The
    // formulas compiled again: the changed, the new, and the readers of the removed.
    let mut compiled: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for at in [45, 300, 4_500, 8_000] {
        next.cells[at].body = Body::Formula(formula::parse("i1 + 0.5").unwrap());
        compiled.insert(next.cells[at].name.to_string());
    }
    let removed = next.cells.remove(50).name;
    let readers = from_spec.dependents(from_spec.id(&removed).unwrap());
    assert!(!readers.is_empty(), "some formula reads the removed cell");
    compiled.extend(readers.iter().map(|&c| from_spec.name(c).to_string()));
    compiled.insert("fresh".into());
    next.cells.push(CellDef {
        name: "fresh".into(),
        body: Body::Formula(formula::parse("c10 * 3").unwrap()),
    });
    next.cells[3].body = Body::Input(-7.0);
    let functions = next.functions.clone();
    let mut source = Asked {
        spec: &mut next.clone(),
        asked: Vec::new(),
        built: Vec::new(),
    };
    let (a, b) = (
        from_spec.update(&next),
        from_source.update_from(&mut source, &functions),
    );
    assert!(a == b, "the reports differ");
    assert_eq!(a.removed, [removed.to_string()]);
    assert!(a.inputs_changed.len() == 1 && a.structural);
    same_values(&from_source, &from_spec);
    assert_eq!(from_source.order(), from_spec.order());
    assert!(from_source.errors().eq(from_spec.errors()));
    let formulas = (0..next.cells.len()).filter(|&at| matches!(next.cells[at].body, Body::Formula(_)));
    assert_eq!(source.asked.len(), formulas.count() + compiled.len());
    assert_eq!(source.built.len(), 1);
}

/// A wave that outgrows the heap and switches to sweeping the order still stops at cells
/// whose value did not change.
#[test]
fn a_large_wave_keeps_early_cutoff() {
    let mut cells = vec![
        CellDef {
            name: "x".into(),
            body: Body::Input(1.2),
        },
        CellDef {
            name: "gate".into(),
            body: Body::Formula(formula::parse("round(x)").unwrap()),
        },
    ];
    for i in 0..3000 {
        cells.push(CellDef {
            name: format!("wide{i}").into(),
            body: Body::Formula(formula::parse(&format!("x * {i}")).unwrap()),
        });
        cells.push(CellDef {
            name: format!("gated{i}").into(),
            body: Body::Formula(formula::parse(&format!("gate + {i}")).unwrap()),
        });
    }
    let mut m = Model::build(&ModelSpec {
        cells,
        functions: vec![],
        columns: Vec::new(),
    });
    let r = m.set("x", 1.3).unwrap();
    // `gate` stays 1: none of the 3000 cells reading it is recomputed.
    assert_eq!(r.recomputed.len(), 3001);
    assert!(r.recomputed.iter().all(|&c| !m.name(c).starts_with("gated")));
    expect_value(&m, "wide2999", 1.3 * 2999.0);
    let r = m.set("x", 2.0).unwrap();
    assert_eq!(r.recomputed.len(), 6001);
    expect_value(&m, "gated2999", 2.0 + 2999.0);
}

/// A spec that names a cell twice (the loader never does; another caller might) takes the
/// last definition, whether the name is new or not, and does not panic.
#[test]
fn a_name_given_twice_takes_its_last_definition() {
    let def = |name: &str, body: Body| CellDef {
        name: name.into(),
        body,
    };
    let spec = ModelSpec {
        cells: vec![
            def("a", Body::Input(1.0)),
            def("b", Body::Formula(formula::parse("a * 10").unwrap())),
            def("a", Body::Input(2.0)),
            def("c", Body::Formula(formula::parse("a + 1").unwrap())),
            def("c", Body::Formula(formula::parse("a + 2").unwrap())),
        ],
        functions: Vec::new(),
        columns: Vec::new(),
    };
    let mut model = Model::build(&spec);
    let value = |m: &Model, name: &str| m.value(m.id(name).unwrap());
    assert_eq!(value(&model, "b"), Value::Num(20.0));
    assert_eq!(value(&model, "c"), Value::Num(4.0));
    assert_eq!(model.len(), 3);
    // And again on an update, where the names are no longer new.
    model.update(&spec);
    assert_eq!(value(&model, "c"), Value::Num(4.0));
    let functions = spec.functions.clone();
    let sourced = Model::build_from(&mut spec.clone(), &functions);
    assert_eq!(value(&sourced, "b"), Value::Num(20.0));
    assert_eq!(value(&sourced, "c"), Value::Num(4.0));
}
