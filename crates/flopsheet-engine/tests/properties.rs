//! Properties of the engine over random models (proptest, shrunk to a minimal case on failure):
//!
//! - after any sequence of edits (inputs set, formulas redefined, cells added and removed,
//!   names that come back), every value is the one a full rebuild of the final spec gives,
//!   error values included, and `set_inputs` recomputes only dependents of what it set;
//! - a cell's precedents are exactly the existing names its formula reads (through the pack
//!   functions it calls too).
//!
//! The random models hold missing inputs (`#N/A`), `isna` / `ifna`, and aggregates over two
//! columns of the inputs (`in.all`, every input in order; `in.even`, every other one), which
//! follow the inputs as they are set, redefined, added and removed.

use flopsheet_engine::{formula, Body, BuildError, CellDef, CellId, ColumnDef, FunctionDef, Model, ModelSpec, Value};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashSet};

/// A formula as a tree over cells named by index (among those it may read).
#[derive(Debug, Clone)]
enum T {
    Cell(usize),
    Num(f64),
    Bin(&'static str, Box<T>, Box<T>),
    Min(Vec<T>),
    Max(Vec<T>),
    /// `if(a > b, c, d)`
    If(Box<[T; 4]>),
    /// `f(x, y)`, the pack function `f(x, y) = x * y + k`.
    Call(Box<T>, Box<T>),
    /// `ifna(a, b)`
    IfNa(Box<T>, Box<T>),
    /// `if(isna(a), b, c)`
    IfIsNa(Box<[T; 3]>),
    /// An aggregate (`AGGREGATES[n % 6]`) of the column `in.all`, or `in.even` if `true`.
    Agg(u8, bool),
}

const AGGREGATES: [&str; 6] = ["sum", "mean", "min", "max", "count", "sumproduct"];

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(-3.0),
        Just(2.5),
        Just(1e300),
        (-1000i32..1000).prop_map(|n| f64::from(n) / 8.0),
    ]
}

fn tree() -> impl Strategy<Value = T> {
    let leaf = prop_oneof![
        6 => (0usize..64).prop_map(T::Cell),
        2 => number().prop_map(T::Num),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(n, even)| T::Agg(n, even)),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            4 => (prop::sample::select(vec!["+", "-", "*", "/"]), inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| T::Bin(op, Box::new(a), Box::new(b))),
            1 => prop::collection::vec(inner.clone(), 1..4).prop_map(T::Min),
            1 => prop::collection::vec(inner.clone(), 1..4).prop_map(T::Max),
            1 => (inner.clone(), inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c, d)| T::If(Box::new([a, b, c, d]))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| T::Call(Box::new(a), Box::new(b))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| T::IfNa(Box::new(a), Box::new(b))),
            1 => (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c)| T::IfIsNa(Box::new([a, b, c]))),
        ]
    })
}

/// The formula's text, reading `names` (a cell index wraps around them; with no names, a
/// cell is the number 1), and the names it reads, `k` for each call of `f`.
fn render(t: &T, names: &[String], reads: &mut BTreeSet<String>) -> String {
    let list = |ts: &[T], reads: &mut BTreeSet<String>| {
        ts.iter()
            .map(|t| render(t, names, reads))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match t {
        T::Cell(_) if names.is_empty() => "1".into(),
        T::Cell(i) => {
            let name = &names[i % names.len()];
            reads.insert(name.clone());
            name.clone()
        }
        T::Num(n) => format!("{n:?}"),
        T::Bin(op, a, b) => format!("({} {op} {})", render(a, names, reads), render(b, names, reads)),
        T::Min(ts) => format!("min({})", list(ts, reads)),
        T::Max(ts) => format!("max({})", list(ts, reads)),
        T::If(abcd) => {
            let [a, b, c, d] = &**abcd;
            let cond = format!("{} > {}", render(a, names, reads), render(b, names, reads));
            format!("if({cond}, {}, {})", render(c, names, reads), render(d, names, reads))
        }
        T::Call(a, b) => {
            reads.insert("k".into());
            format!("f({}, {})", render(a, names, reads), render(b, names, reads))
        }
        T::IfNa(a, b) => format!("ifna({}, {})", render(a, names, reads), render(b, names, reads)),
        T::IfIsNa(abc) => {
            let [a, b, c] = &**abc;
            let (a, b, c) = (
                render(a, names, reads),
                render(b, names, reads),
                render(c, names, reads),
            );
            format!("if(isna({a}), {b}, {c})")
        }
        // The column's name stands for the cells it reads (in `precedents_are_the_names_a_
        // formula_reads`, which defines no column, it is a name that does not exist).
        T::Agg(n, even) => {
            let column = if *even { "in.even" } else { "in.all" };
            reads.insert(column.into());
            match AGGREGATES[usize::from(n % 6)] {
                "sumproduct" => format!("sumproduct(in.all, {column})"),
                f => format!("{f}({column})"),
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Def {
    Input(f64),
    Missing,
    Formula(T),
}

fn def() -> impl Strategy<Value = Def> {
    prop_oneof![
        4 => number().prop_map(Def::Input),
        1 => Just(Def::Missing),
        8 => tree().prop_map(Def::Formula),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    /// Set the n-th input (through `set_inputs`, the fast path).
    Set(usize, f64),
    /// Redefine the n-th cell: reading only the cells before it.
    Redefine(usize, Def),
    /// Add a cell named from a small pool (a removed name may come back).
    Add(usize, Def),
    Remove(usize),
    /// Change the pack functions `f` and `g` (`f` may call `g`, or read a missing name).
    Functions(u8, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), number()).prop_map(|(i, v)| Edit::Set(i, v)),
        2 => (any::<usize>(), def()).prop_map(|(i, d)| Edit::Redefine(i, d)),
        2 => (0usize..12, def()).prop_map(|(i, d)| Edit::Add(i, d)),
        1 => any::<usize>().prop_map(Edit::Remove),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(f, g)| Edit::Functions(f, g)),
    ]
}

/// A model as written: cells in order, each with its body as text.
#[derive(Debug, Clone)]
struct Sheet {
    cells: Vec<(String, Body)>,
    /// Which bodies the pack functions `f` and `g` have.
    functions: (u8, u8),
}

impl Sheet {
    fn body(&self, at: usize, def: &Def) -> Body {
        match def {
            Def::Input(v) => Body::Input(*v),
            Def::Missing => Body::Missing,
            Def::Formula(t) => {
                let names: Vec<String> = self.cells[..at].iter().map(|(n, _)| n.clone()).collect();
                let text = render(t, &names, &mut BTreeSet::new());
                Body::Formula(formula::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}")))
            }
        }
    }

    fn spec(&self) -> ModelSpec {
        ModelSpec {
            cells: self
                .cells
                .iter()
                .map(|(name, body)| CellDef {
                    name: name.as_str().into(),
                    body: body.clone(),
                })
                .collect(),
            functions: functions(self.functions),
            columns: self.columns(),
        }
    }

    /// `in.all`: every input (missing ones too), in order; `in.even`: every other one.
    fn columns(&self) -> Vec<ColumnDef> {
        let inputs: Vec<String> = self
            .cells
            .iter()
            .filter(|(_, body)| matches!(body, Body::Input(_) | Body::Missing))
            .map(|(name, _)| name.clone())
            .collect();
        let even: Vec<String> = inputs.iter().step_by(2).cloned().collect();
        let rows = |cells: &[String]| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            cells.hash(&mut h);
            h.finish()
        };
        vec![
            ColumnDef {
                name: "in.all".into(),
                rows: rows(&inputs),
                cells: inputs,
            },
            ColumnDef {
                name: "in.even".into(),
                rows: rows(&even),
                cells: even,
            },
        ]
    }
}

/// `f(x, y)` and `g(v)`: `f` reads `k` (its callers then read it), calls `g`, or fails.
fn functions((f, g): (u8, u8)) -> Vec<FunctionDef> {
    let f_body = ["x * y + k", "x - y", "g(x) + y", "missing_name + x"][usize::from(f % 4)];
    let g_body = ["v * 3", "v / 2 + k", "missing_too"][usize::from(g % 3)];
    let function = |name: &str, params: &[&str], body: &str| FunctionDef {
        name: name.into(),
        params: params.iter().map(|p| p.to_string()).collect(),
        body: formula::parse(body).unwrap(),
    };
    vec![function("f", &["x", "y"], f_body), function("g", &["v"], g_body)]
}

fn initial(inputs: Vec<Option<f64>>, formulas: Vec<T>) -> Sheet {
    let mut sheet = Sheet {
        cells: vec![("k".into(), Body::Input(0.5))],
        functions: (0, 0),
    };
    for (i, v) in inputs.into_iter().enumerate() {
        sheet
            .cells
            .push((format!("i{i}"), v.map_or(Body::Missing, Body::Input)));
    }
    for (i, t) in formulas.into_iter().enumerate() {
        let body = sheet.body(sheet.cells.len(), &Def::Formula(t));
        sheet.cells.push((format!("c{i}"), body));
    }
    sheet
}

/// Every cell of `full` has the same value in `incremental` (bit for bit; for an error value,
/// the same kind from the same cell) and the same build error, if any.
fn same_model(incremental: &Model, full: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(incremental.len(), full.len());
    for c in full.cells() {
        let name = full.name(c);
        let id = incremental.id(name);
        prop_assert!(id.is_some(), "`{}` is missing from the incremental model", name);
        let id = id.unwrap();
        let (got, want) = (incremental.value(id), full.value(c));
        let same = match (got, want) {
            (Value::Num(a), Value::Num(b)) => a.to_bits() == b.to_bits(),
            (Value::Err(a), Value::Err(b)) => a.kind == b.kind && incremental.name(a.origin) == full.name(b.origin),
            _ => false,
        };
        prop_assert!(same, "`{}`: incremental {:?}, full {:?}", name, got, want);
    }
    // The same cells fail to build, for the same kind of reason. (A formula reading two
    // missing names may name either: the one missing first stays reported.)
    let errors = |m: &Model| -> BTreeSet<(String, &'static str)> {
        m.errors()
            .map(|(c, e)| (m.name(c).to_string(), e.kind().code()))
            .collect()
    };
    prop_assert_eq!(errors(incremental), errors(full));
    for (c, e) in incremental.errors() {
        if let BuildError::UnknownName { name, .. } = e {
            prop_assert!(
                incremental.id(&name.target).is_none(),
                "`{}` says `{}` is unknown, but it exists",
                incremental.name(c),
                name.target
            );
        }
    }
    let cycles = |m: &Model| -> BTreeSet<Vec<String>> {
        m.cycles()
            .iter()
            .map(|cycle| cycle.iter().map(|&c| m.name(c).to_string()).collect())
            .collect()
    };
    prop_assert_eq!(cycles(incremental), cycles(full));
    Ok(())
}

/// Every cell that reads `from`, directly or not.
fn transitive_dependents(model: &Model, from: CellId) -> HashSet<CellId> {
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(c) = stack.pop() {
        for &d in model.dependents(c) {
            if seen.insert(d) {
                stack.push(d);
            }
        }
    }
    seen
}

fn apply(sheet: &mut Sheet, model: &mut Model, edit: &Edit) -> Result<(), TestCaseError> {
    match edit {
        Edit::Set(i, v) => {
            let inputs: Vec<usize> = (0..sheet.cells.len())
                .filter(|&c| matches!(sheet.cells[c].1, Body::Input(_) | Body::Missing))
                .collect();
            if inputs.is_empty() {
                return Ok(());
            }
            let at = inputs[i % inputs.len()];
            sheet.cells[at].1 = Body::Input(*v);
            let id = model.id(&sheet.cells[at].0).expect("the input exists");
            let report = model.set_inputs(&[(id, *v)]).expect("an input");
            let dependents = transitive_dependents(model, id);
            for c in &report.recomputed {
                prop_assert!(
                    dependents.contains(c),
                    "setting `{}` recomputed `{}`, which does not depend on it",
                    sheet.cells[at].0,
                    model.name(*c)
                );
            }
            return Ok(());
        }
        Edit::Redefine(i, def) => {
            let at = i % sheet.cells.len();
            sheet.cells[at].1 = sheet.body(at, def);
        }
        Edit::Add(n, def) => {
            let name = format!("n{n}");
            if sheet.cells.iter().any(|(c, _)| *c == name) {
                return Ok(());
            }
            let body = sheet.body(sheet.cells.len(), def);
            sheet.cells.push((name, body));
        }
        Edit::Remove(i) => {
            if sheet.cells.len() > 1 {
                sheet.cells.remove(i % sheet.cells.len());
            }
        }
        Edit::Functions(f, g) => sheet.functions = (*f, *g),
    }
    model.update(&sheet.spec());
    Ok(())
}

/// Found by the `incremental_edits` fuzz target: a cell whose pack function failed to compile
/// (it read a missing name) was not compiled again when the function was fixed, and kept its
/// `#NAME` error; in watch mode, a bad save of a pack broke the last good model for good.
#[test]
fn a_cell_is_compiled_again_when_a_function_that_failed_is_fixed() {
    let mut sheet = Sheet {
        cells: vec![
            ("k".into(), Body::Input(0.5)),
            ("c".into(), Body::Formula(formula::parse("f(-86, 0.1)").unwrap())),
        ],
        functions: (3, 0),
    };
    let mut model = Model::build(&sheet.spec());
    assert!(matches!(model.value(1), Value::Err(_)));
    sheet.functions = (0, 0);
    model.update(&sheet.spec());
    assert_eq!(model.value(1), Value::Num(-86.0 * 0.1 + 0.5));
}

/// A cell calling `f`, which calls `g`: editing `g` compiles the cell again.
#[test]
fn a_cell_is_compiled_again_when_a_function_it_calls_indirectly_changes() {
    let mut sheet = Sheet {
        cells: vec![
            ("k".into(), Body::Input(0.5)),
            ("c".into(), Body::Formula(formula::parse("f(4, 1)").unwrap())),
        ],
        functions: (2, 0),
    };
    let mut model = Model::build(&sheet.spec());
    assert_eq!(model.value(1), Value::Num(4.0 * 3.0 + 1.0));
    sheet.functions = (2, 1);
    model.update(&sheet.spec());
    assert_eq!(model.value(1), Value::Num(4.0 / 2.0 + 0.5 + 1.0));
    // `c` now reads `k` through `g`: setting it recomputes `c`.
    let r = model.set_inputs(&[(0, 1.5)]).unwrap();
    assert_eq!(r.recomputed, [1]);
    assert_eq!(model.value(1), Value::Num(4.0 / 2.0 + 1.5 + 1.0));
}

/// 256 cases each (well under a second in a debug build), or `PROPTEST_CASES` for a longer
/// run. Failures are not persisted: a case found is turned into a test of its own.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Incremental evaluation after any edit sequence equals a full evaluation.
    #[test]
    fn incremental_equals_full_after_any_edits(
        inputs in prop::collection::vec(prop::option::weighted(0.8, number()), 1..6),
        formulas in prop::collection::vec(tree(), 0..12),
        edits in prop::collection::vec(edit(), 1..16),
    ) {
        let mut sheet = initial(inputs, formulas);
        let mut model = Model::build(&sheet.spec());
        same_model(&model, &Model::build(&sheet.spec()))?;
        let mut spec = sheet.spec();
        let functions = spec.functions.clone();
        same_model(&Model::build_from(&mut spec, &functions), &model)?;
        for edit in &edits {
            apply(&mut sheet, &mut model, edit)?;
            same_model(&model, &Model::build(&sheet.spec()))?;
        }
    }

    /// A cell's precedents are exactly the existing names its formula reads (with `k` for a
    /// call of `f`, whose body reads it); a cell reading a name that does not exist has none.
    #[test]
    fn precedents_are_the_names_a_formula_reads(
        inputs in prop::collection::vec(number(), 0..5),
        formulas in prop::collection::vec(tree(), 1..10),
        missing in prop::collection::vec(any::<bool>(), 10),
    ) {
        // Formulas read inputs, earlier formulas, and sometimes names that do not exist.
        let mut names: Vec<String> = vec!["k".into()];
        names.extend((0..inputs.len()).map(|i| format!("i{i}")));
        let mut cells = vec![CellDef { name: "k".into(), body: Body::Input(2.0) }];
        cells.extend(inputs.iter().enumerate().map(|(i, &v)| CellDef {
            name: format!("i{i}").into(),
            body: Body::Input(v),
        }));
        let mut reads = Vec::new();
        for (i, t) in formulas.iter().enumerate() {
            let mut visible = names.clone();
            if missing[i] {
                visible.push(format!("ghost{i}"));
            }
            let mut read = BTreeSet::new();
            let text = render(t, &visible, &mut read);
            cells.push(CellDef {
                name: format!("c{i}").into(),
                body: Body::Formula(formula::parse(&text).unwrap()),
            });
            names.push(format!("c{i}"));
            reads.push((format!("c{i}"), text, read));
        }
        let model = Model::build(&ModelSpec {
            cells,
            functions: vec![FunctionDef {
                name: "f".into(),
                params: vec!["x".into(), "y".into()],
                body: formula::parse("x * y + k").unwrap(),
            }],
            columns: Vec::new(),
        });
        for (cell, text, read) in reads {
            let id = model.id(&cell).unwrap();
            let precedents: BTreeSet<String> =
                model.precedents(id).iter().map(|&p| model.name(p).to_string()).collect();
            prop_assert_eq!(precedents.len(), model.precedents(id).len(), "a precedent listed twice");
            let exists = |n: &String| model.id(n).is_some();
            if read.iter().all(exists) {
                prop_assert_eq!(&precedents, &read, "`{}` = {}", cell, text);
                for &p in model.precedents(id) {
                    prop_assert!(model.dependents(p).contains(&id), "`{}` is not a dependent of `{}`", cell, model.name(p));
                }
            } else {
                prop_assert!(precedents.is_empty(), "`{}` = {} reads a missing name", cell, text);
                prop_assert!(matches!(model.value(id), Value::Err(_)));
            }
        }
    }
}
