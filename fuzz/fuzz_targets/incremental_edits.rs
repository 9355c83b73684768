//! Arbitrary sequences of edits (inputs set, formulas redefined, cells added and removed,
//! names that come back, cycles made and broken) applied to a model incrementally: after each,
//! every value, build error and cycle is the one a full rebuild gives. Every other update reads
//! the sheet as a source (`Model::update_from`) rather than a spec. Inputs may be missing
//! (`#N/A`), formulas use `isna` / `ifna` and aggregate two columns of the inputs (`in.all`,
//! `in.even`), which follow the inputs as they are set, redefined, added and removed.

#![no_main]

use arbitrary::Arbitrary;
use flopsheet_engine::{formula, Body, CellDef, ColumnDef, FunctionDef, Model, ModelSpec, Value};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

#[derive(Arbitrary, Debug)]
enum Node {
    Cell(u8),
    Num(u8),
    Bin(u8, Box<Node>, Box<Node>),
    Min(Vec<Node>),
    If(Box<Node>, Box<Node>, Box<Node>, Box<Node>),
    Call(Box<Node>, Box<Node>),
    Unary(Box<Node>),
    IfNa(Box<Node>, Box<Node>),
    IsNa(Box<Node>, Box<Node>, Box<Node>),
    /// An aggregate of `in.all` or `in.even`.
    Agg(u8),
}

#[derive(Arbitrary, Debug)]
enum Def {
    Input(u8),
    Missing,
    Formula(Node),
}

#[derive(Arbitrary, Debug)]
enum Edit {
    /// Set the n-th input, through `set_inputs`.
    Set(u8, u8),
    /// Redefine the n-th cell.
    Redefine(u8, Def),
    /// Add a cell named `n{k % 16}` if that name is free.
    Add(u8, Def),
    Remove(u8),
    /// Change the pack functions `f` and `g` (`f` may call `g`; either may fail).
    Function(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    cells: Vec<Def>,
    edits: Vec<Edit>,
}

fn number(n: u8) -> f64 {
    match n % 8 {
        0 => 0.0,
        1 => 1.0,
        2 => -2.5,
        3 => 1e300,
        4 => 0.1,
        _ => f64::from(n) - 100.0,
    }
}

/// The formula's text over the names of the cells before it (any name, once in a while, so
/// that cycles and unknown names happen too).
fn render(node: &Node, names: &[String], depth: usize) -> String {
    let name = |i: u8| -> String {
        match names.len() {
            0 => "1".into(),
            n => names[usize::from(i) % n].clone(),
        }
    };
    if depth > 6 {
        return match node {
            Node::Cell(i) => name(*i),
            _ => "2".into(),
        };
    }
    let r = |n: &Node| render(n, names, depth + 1);
    match node {
        Node::Cell(i) => name(*i),
        Node::Num(n) => format!("{:?}", number(*n)),
        Node::Bin(op, a, b) => {
            let op = ["+", "-", "*", "/", "%", "^"][usize::from(*op) % 6];
            format!("({} {op} {})", r(a), r(b))
        }
        Node::Min(args) if args.is_empty() => "min(3)".into(),
        Node::Min(args) => format!("min({})", args.iter().take(4).map(r).collect::<Vec<_>>().join(", ")),
        Node::If(a, b, c, d) => format!("if({} >= {}, {}, {})", r(a), r(b), r(c), r(d)),
        Node::Call(a, b) => format!("f({}, {})", r(a), r(b)),
        Node::Unary(a) => format!("-({})", r(a)),
        Node::IfNa(a, b) => format!("ifna({}, {})", r(a), r(b)),
        Node::IsNa(a, b, c) => format!("if(isna({}), {}, {})", r(a), r(b), r(c)),
        Node::Agg(n) => {
            let column = ["in.all", "in.even"][usize::from(n / 8 % 2)];
            match n % 8 {
                0 => format!("sum({column})"),
                1 => format!("mean({column})"),
                2 => format!("min({column})"),
                3 => format!("max({column}, 1)"),
                4 => format!("count({column})"),
                5 => format!("sumproduct(in.all, {column})"),
                6 => format!("sum({column}, {column})"),
                _ => "sum(ghost)".into(),
            }
        }
    }
}

struct Sheet {
    cells: Vec<(String, Body)>,
    function: u8,
}

impl Sheet {
    /// A body for a cell at `at`: a formula reads the cells before it, or, for a formula
    /// whose first node says so, any cell (a cycle, or a name that is not there).
    fn body(&self, at: usize, def: &Def, any_name: bool) -> Body {
        match def {
            Def::Input(v) => Body::Input(number(*v)),
            Def::Missing => Body::Missing,
            Def::Formula(node) => {
                let mut names: Vec<String> = self.cells.iter().map(|(n, _)| n.clone()).collect();
                if !any_name {
                    names.truncate(at);
                }
                names.push("ghost".into());
                let text = render(node, &names, 0);
                match formula::parse(&text) {
                    Ok(expr) => Body::Formula(expr),
                    Err(_) => Body::Input(0.0),
                }
            }
        }
    }

    fn spec(&self) -> ModelSpec {
        let body = match self.function % 4 {
            0 => "x * y + k",
            1 => "x - y",
            2 => "g(x) + y",
            _ => "missing_name + x",
        };
        // `f` may call `g`: a change to `g` must reach the cells that call `f`.
        let g_body = ["v * 3", "v / 2 + k", "missing_too"][usize::from(self.function / 4 % 3)];
        let f = |name: &str, params: &[&str], body: &str| FunctionDef {
            name: name.into(),
            params: params.iter().map(|p| p.to_string()).collect(),
            body: formula::parse(body).unwrap(),
        };
        ModelSpec {
            cells: self
                .cells
                .iter()
                .map(|(name, body)| CellDef {
                    name: name.as_str().into(),
                    body: body.clone(),
                })
                .collect(),
            functions: vec![f("f", &["x", "y"], body), f("g", &["v"], g_body)],
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

fn same_model(incremental: &Model, full: &Model) {
    assert_eq!(incremental.len(), full.len());
    for c in full.cells() {
        let name = full.name(c);
        let id = incremental.id(name).unwrap_or_else(|| panic!("`{name}` missing"));
        let (got, want) = (incremental.value(id), full.value(c));
        let same = match (got, want) {
            (Value::Num(a), Value::Num(b)) => a.to_bits() == b.to_bits(),
            (Value::Err(a), Value::Err(b)) => a.kind == b.kind && incremental.name(a.origin) == full.name(b.origin),
            _ => false,
        };
        assert!(same, "`{name}`: incremental {got:?}, full {want:?}");
    }
    let errors = |m: &Model| -> BTreeSet<(String, &'static str)> {
        m.errors()
            .map(|(c, e)| (m.name(c).to_string(), e.kind().code()))
            .collect()
    };
    assert_eq!(errors(incremental), errors(full));
    let cycles = |m: &Model| -> BTreeSet<Vec<String>> {
        m.cycles()
            .iter()
            .map(|cycle| cycle.iter().map(|&c| m.name(c).to_string()).collect())
            .collect()
    };
    assert_eq!(cycles(incremental), cycles(full));
}

/// Brings `model` to `sheet`: from its spec, or read as a source (`Model::update_from`).
fn update(model: &mut Model, sheet: &Sheet, from_source: bool) {
    let mut spec = sheet.spec();
    if from_source {
        let functions = spec.functions.clone();
        model.update_from(&mut spec, &functions);
    } else {
        model.update(&spec);
    }
}

fuzz_target!(|input: Input| {
    let mut sheet = Sheet {
        cells: vec![("k".into(), Body::Input(0.5))],
        function: 0,
    };
    for (i, def) in input.cells.iter().take(24).enumerate() {
        let body = sheet.body(sheet.cells.len(), def, false);
        sheet.cells.push((format!("c{i}"), body));
    }
    let mut model = Model::build(&sheet.spec());
    same_model(&model, &Model::build(&sheet.spec()));
    for (n, edit) in input.edits.iter().take(32).enumerate() {
        // Every other update reads the sheet as a source.
        let from_source = n % 2 == 1;
        match edit {
            Edit::Set(i, v) => {
                let inputs: Vec<usize> = (0..sheet.cells.len())
                    .filter(|&c| matches!(sheet.cells[c].1, Body::Input(_) | Body::Missing))
                    .collect();
                if inputs.is_empty() {
                    continue;
                }
                let at = inputs[usize::from(*i) % inputs.len()];
                sheet.cells[at].1 = Body::Input(number(*v));
                let id = model.id(&sheet.cells[at].0).unwrap();
                model.set_inputs(&[(id, number(*v))]).unwrap();
            }
            Edit::Redefine(i, def) => {
                let at = usize::from(*i) % sheet.cells.len();
                sheet.cells[at].1 = sheet.body(at, def, i % 5 == 0);
                update(&mut model, &sheet, from_source);
            }
            Edit::Add(n, def) => {
                let name = format!("n{}", n % 16);
                if sheet.cells.iter().any(|(c, _)| *c == name) {
                    continue;
                }
                let body = sheet.body(sheet.cells.len(), def, n % 7 == 0);
                sheet.cells.push((name, body));
                update(&mut model, &sheet, from_source);
            }
            Edit::Remove(i) => {
                if sheet.cells.len() > 1 {
                    sheet.cells.remove(usize::from(*i) % sheet.cells.len());
                    update(&mut model, &sheet, from_source);
                }
            }
            Edit::Function(f) => {
                sheet.function = *f;
                update(&mut model, &sheet, from_source);
            }
        }
        same_model(&model, &Model::build(&sheet.spec()));
    }
});
