//! Engine benchmarks: the standard workloads of `shared/bench/WORKLOADS.md` (chain, fanout,
//! sparse) and the shipped article workbooks, all loaded through the CLI's path
//! (`Workspace::load` on a RON file).
//!
//! - `edit/WORKLOAD/N`: one edit (set the input, recompute what depends on it, read the
//!   probe), N = 10k, 100k, 1M;
//! - `load_build_eval/WORKLOAD/N`: read and parse the RON file, resolve, build the graph and
//!   evaluate every cell, N = 10k, 100k;
//! - `articles/load_all`: the same for every workbook in `workbooks/`;
//! - `articles/recompute_all`: every input of every shipped workbook changed, incrementally;
//! - `hostile/...`: inputs written to make the engine slow, which must fail fast instead: 20k
//!   formulas reading unknown names (loaded and diagnosed), pack functions that would inline
//!   2^30 times, and a row table of 2 million cells (refused before it is built). The tests
//!   hold what each gives (`tests/invalid.rs`, `crates/flopsheet-engine/tests/hostile.rs`);
//!   these hold how long.
//!
//! Run: `cargo bench --bench engine` (a few minutes; `-- edit/chain` for a subset). Under
//! `cargo test --benches` each benchmark runs once, on small workbooks only.

#[path = "../tests/hostile_inputs.rs"]
mod hostile_inputs;
#[path = "../src/bin/flopsheet-bench/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use flopsheet_engine::{formula, CellDef, CellId, FunctionDef, Model, ModelSpec, Value};
use flopsheet_load::{LoadOptions, WorkbookSource, Workspace};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use workload::Workload;

/// `cargo bench` passes `--bench`; `cargo test --benches` does not, and runs each benchmark
/// once in a debug build, where a million cells would take minutes.
fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1000 && n % 1000 == 0 => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

/// A workload's workbook written to a temporary file, removed when dropped.
struct WorkbookFile(PathBuf);

impl WorkbookFile {
    fn new(workload: Workload, n: usize) -> WorkbookFile {
        let path = std::env::temp_dir().join(format!(
            "flopsheet-criterion-{}-{}-{n}.ron",
            std::process::id(),
            workload.name()
        ));
        workload.write_file(n, &path).expect("write the workbook");
        WorkbookFile(path)
    }

    fn load(&self) -> Workspace {
        let ws = Workspace::load(WorkbookSource::File(self.0.clone()), LoadOptions::default())
            .unwrap_or_else(|failure| panic!("{}", failure.render(false)));
        assert!(!ws.has_errors(), "{}", ws.render_diagnostics(false));
        ws
    }
}

impl Drop for WorkbookFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn edits(c: &mut Criterion) {
    let sizes: &[usize] = if full_run() {
        &[10_000, 100_000, 1_000_000]
    } else {
        &[1000]
    };
    let mut group = c.benchmark_group("edit");
    group.sample_size(20).warm_up_time(Duration::from_millis(500));
    // The standard three, and an edit of one row under a `sum` and a `mean` of its column.
    for workload in Workload::ALL.into_iter().chain([Workload::Aggregate]) {
        for &n in sizes {
            let mut ws = WorkbookFile::new(workload, n).load();
            let (input, probe) = workload.input_and_probe(n);
            let id = |name: &str| -> CellId { ws.model.id(name).expect("the workload's cell") };
            let (input, probe) = (id(&input), id(&probe));
            let mut v = 1.0;
            group.measurement_time(Duration::from_secs(if n >= 1_000_000 { 6 } else { 2 }));
            group.bench_function(BenchmarkId::new(workload.name(), label(n)), |b| {
                b.iter(|| {
                    v += 1.0;
                    ws.model.set_inputs(&[(input, v)]).expect("an input");
                    black_box(ws.model.value(probe))
                })
            });
            if v == 1.0 {
                continue; // filtered out: no edit was made
            }
            let (want, tolerance) = workload.expected(n, v);
            match ws.model.value(probe) {
                Value::Num(got) => assert!(
                    (got - want).abs() <= tolerance.max(want.abs() * 1e-9),
                    "{} {n}: probe {got}, closed form {want}",
                    workload.name()
                ),
                err => panic!("{} {n}: probe {err:?}", workload.name()),
            }
        }
    }
    group.finish();
}

fn load_build_eval(c: &mut Criterion) {
    let sizes: &[usize] = if full_run() { &[10_000, 100_000] } else { &[1000] };
    let mut group = c.benchmark_group("load_build_eval");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for workload in Workload::ALL {
        for &n in sizes {
            let file = WorkbookFile::new(workload, n);
            // One workspace at a time, dropped outside the timing: a batch of large workspaces
            // kept alive together would time page faults more than loading.
            group.bench_function(BenchmarkId::new(workload.name(), label(n)), |b| {
                b.iter_batched(|| (), |()| file.load(), BatchSize::PerIteration)
            });
        }
    }
    group.finish();
}

/// The shipped workbooks, `workbooks/*.ron`, as files (so that packs come from `plugins/`).
fn article_workbooks() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workbooks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("workbooks/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workbook in {}", dir.display());
    files
}

fn load_article(path: &Path) -> Workspace {
    Workspace::load(WorkbookSource::File(path.to_path_buf()), LoadOptions::default())
        .unwrap_or_else(|failure| panic!("{}", failure.render(false)))
}

fn articles(c: &mut Criterion) {
    let files = article_workbooks();
    let mut group = c.benchmark_group("articles");
    group.sample_size(20).measurement_time(Duration::from_secs(3));
    group.bench_function("load_all", |b| {
        b.iter_batched(
            || (),
            |()| files.iter().map(|f| load_article(f)).collect::<Vec<_>>(),
            BatchSize::PerIteration,
        )
    });

    // Every input of every workbook scaled by 1.01, then back: each round changes every input.
    let mut workspaces: Vec<(Workspace, Vec<(CellId, f64)>)> = files
        .iter()
        .map(|f| {
            let ws = load_article(f);
            let inputs = ws
                .model
                .cells()
                .filter(|&c| ws.model.is_input(c))
                .filter_map(|c| ws.model.value(c).as_num().map(|v| (c, v)))
                .collect();
            (ws, inputs)
        })
        .collect();
    let mut round = 0u64;
    let mut scaled = Vec::new();
    group.bench_function("recompute_all", |b| {
        b.iter(|| {
            round += 1;
            let factor = if round % 2 == 1 { 1.01 } else { 1.0 };
            let mut recomputed = 0;
            for (ws, inputs) in &mut workspaces {
                scaled.clear();
                scaled.extend(inputs.iter().map(|&(c, v)| (c, v * factor)));
                recomputed += ws.model.set_inputs(&scaled).expect("inputs").recomputed.len();
            }
            black_box(recomputed)
        })
    });
    group.finish();
}

/// Writes `text` as a workbook file in `dir`, once, outside the timed loop.
fn write_workbook(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the workbook");
    path
}

/// Loads a workbook file the way the CLI does, whatever it holds: the diagnostics are the
/// result.
fn load_file(path: &Path) -> Result<Workspace, flopsheet_load::Failure> {
    Workspace::load(WorkbookSource::File(path.to_path_buf()), LoadOptions::default())
}

fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    let dir = std::env::temp_dir().join(format!("flopsheet-criterion-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");

    let path = write_workbook(&dir, "unknown.ron", &hostile_inputs::unknown_names(20_000));
    group.bench_function("unknown_names/20k", |b| {
        b.iter(|| {
            let ws = load_file(&path).unwrap_or_else(|failure| panic!("{}", failure.render(false)));
            assert_eq!(ws.diagnostics.len(), 20_000);
            black_box(ws.render_diagnostics(false).len())
        })
    });

    // f0 calls f1 twice, f1 calls f2 twice, ...: 2^30 copies of f30's body once inlined.
    let function = |name: String, body: &str| FunctionDef {
        name,
        params: vec!["v".to_string()],
        body: formula::parse(body).expect("a formula"),
    };
    let mut functions: Vec<FunctionDef> = (0..30)
        .map(|i| function(format!("f{i}"), &format!("f{}(v) + f{}(v)", i + 1, i + 1)))
        .collect();
    functions.push(function("f30".into(), "v * 2"));
    let bomb = ModelSpec {
        cells: vec![CellDef {
            name: "out".into(),
            body: flopsheet_engine::Body::Formula(formula::parse("f0(1)").expect("a formula")),
        }],
        functions,
        columns: Vec::new(),
    };
    group.bench_function("function_bomb", |b| {
        b.iter(|| {
            let model = Model::build(&bomb);
            assert!(model.errors().next().is_some(), "the bomb is refused");
            black_box(model)
        })
    });

    let path = write_workbook(&dir, "grid.ron", &hostile_inputs::square_table(1415));
    group.bench_function("too_many_cells/2M", |b| {
        b.iter(|| black_box(load_file(&path).err().expect("refused")))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, edits, load_build_eval, articles, hostile);
criterion_main!(benches);
