//! Units from the fuzzer's bytes: a unit string parsed (or refused with a message and a help
//! line), what it prints parsed back to the same unit; then a formula inferred over names whose
//! units are built from the same bytes (words, prefixes, powers, quotients), never panicking,
//! and a sum of one unit never refused.

#![no_main]

use flopsheet_engine::{formula, FunctionDef};
use flopsheet_units::infer::{check_declared, infer, Env, Inferred};
use flopsheet_units::{Registry, Unit};
use libfuzzer_sys::fuzz_target;

/// Pieces units are generated from: known units, prefixed ones, counts, near misses.
const WORDS: &[&str] = &[
    "USD", "FLOP", "s", "min", "h", "day", "yr", "B", "token", "tokens", "param", "J", "W", "Wh", "kWh", "%", "x",
    "GiB", "TFLOP", "Mtoken", "GPUs", "queries", "hr", "FLOPS", "percent", "1k", "1000", "word",
];
const JOINS: &[&str] = &["/", "·", "*", " ", "^2", "^-1", "(", ")"];

/// A unit string made from the bytes: each byte picks a word or a join.
fn generated(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, b) in bytes.iter().take(12).enumerate() {
        if i % 2 == 0 {
            out.push_str(WORDS[*b as usize % WORDS.len()]);
        } else {
            out.push_str(JOINS[*b as usize % JOINS.len()]);
        }
    }
    out
}

struct Names {
    units: Vec<(String, Unit)>,
}

impl Env for Names {
    fn name(&mut self, name: &str) -> Inferred {
        self.units
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Inferred::Unknown, |(_, u)| Inferred::unit(u.clone()))
    }
    fn function(&self, name: &str) -> Option<FunctionDef> {
        (name == "twice").then(|| FunctionDef {
            name: "twice".into(),
            params: vec!["v".into()],
            body: formula::parse("v + v").expect("the harness's function parses"),
        })
    }
}

fuzz_target!(|bytes: &[u8]| {
    let mut registry = Registry::new();
    let _ = registry.define("word", "0.75 token");
    let (head, rest) = bytes.split_at(bytes.len().min(12));
    for text in [String::from_utf8_lossy(head).into_owned(), generated(head)] {
        match registry.parse(&text) {
            Ok(unit) => {
                let printed = unit.to_string();
                let again = registry
                    .parse(&printed)
                    .unwrap_or_else(|e| panic!("{text:?} prints {printed:?}: {e}"));
                assert!(again.same(&unit) || !unit.scale().is_finite(), "{text:?} → {printed:?}");
            }
            Err(e) => {
                assert!(!e.to_string().is_empty() && !e.help().is_empty(), "{text:?}");
            }
        }
    }
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Ok(expr) = formula::parse(text) else { return };
    let mut names = Vec::new();
    expr.for_each_name(&mut |ident| names.push(ident.target.clone()));
    let units = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let slice = &head[i.min(head.len())..];
            registry.parse(&generated(slice)).ok().map(|u| (n.clone(), u))
        })
        .collect();
    let mut env = Names { units };
    let (inferred, problems) = infer(&expr, &mut env);
    for p in &problems {
        assert!(!p.message.is_empty());
    }
    if let Some(unit) = inferred.exact() {
        let _ = check_declared("c", &inferred, unit, &unit.to_string());
    }
    // Every input of one unit, and only `+ - min max`: never refused.
    if let Ok(one) = registry.parse(&generated(head)) {
        let mut same = Names {
            units: names.iter().map(|n| (n.clone(), one.clone())).collect(),
        };
        let sums_only = !text.contains(['*', '/', '^', '%', '<', '>', '=', '!', '&', '|']) && !text.contains("if");
        let (_, problems) = infer(&expr, &mut same);
        let mut only_sums = true;
        expr.for_each_call(&mut |c| only_sums &= matches!(c, "min" | "max" | "twice"));
        if sums_only && only_sums {
            assert!(problems.is_empty(), "{text:?} over {one}: {problems:?}");
        }
    }
});
