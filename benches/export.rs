//! `flopsheet export` on a 100,000-cell workbook: 20,000 rows of inputs and a row table of
//! four columns over them (80,000 formulas, one an aggregate over a column), loaded once,
//! then laid out, translated, checked and written as .xlsx bytes (`export/xlsx/100k`) or
//! JSON (`export/json/100k`); `export/layout/100k` is the layout, translation and check alone. The target is under 2 s for the .xlsx.
//!
//! Run: `cargo bench --bench export`. Under `cargo test --benches` each benchmark runs once,
//! on 1,000 cells.

use criterion::{criterion_group, criterion_main, Criterion};
use flopsheet_export::Export;
use flopsheet_load::{LoadOptions, WorkbookSource, Workspace};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

/// `cargo bench` passes `--bench`; `cargo test --benches` does not.
fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A workbook of `rows` × 5 cells.
fn workbook(rows: usize) -> String {
    let mut text =
        String::from("Workbook(title: \"export benchmark\", cells: {\n  \"mfu\": (value: 0.4, unit: \"%\"),\n");
    for i in 0..rows {
        let _ = writeln!(text, "  \"r{i}.x\": {},", i as f64 * 1.5 + 1.0);
    }
    text.push_str(
        "  \"total\": (formula: \"sum(t.cost) / mfu\", unit: \"USD\"),\n}, tables: [Table(name: \"t\", rows: [",
    );
    for i in 0..rows {
        let _ = write!(text, "\"r{i}\",");
    }
    text.push_str(
        "], columns: {\"x\": \"row.x\", \"flops\": (formula: \"6 * x * 1e9\", unit: \"FLOP\"), \
         \"cost\": (formula: \"flops / 1e15 * 2.03 / mfu\", unit: \"USD\"), \
         \"share\": (formula: \"if(cost > 1, cost / (cost + 1), 0)\", unit: \"%\")})])\n",
    );
    text
}

fn export(c: &mut Criterion) {
    let rows = if full_run() { 20_000 } else { 200 };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ron");
    std::fs::write(&path, workbook(rows)).unwrap();
    let definitions = Workspace::read(WorkbookSource::File(path), LoadOptions::default()).unwrap();
    let expressions = definitions.expressions();
    let ws = definitions.build();
    let cells = ws.model.len();
    let label = format!("{}k", cells / 1000);
    let mut group = c.benchmark_group("export");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function(format!("layout/{label}"), |b| {
        b.iter(|| black_box(Export::new(&ws, &expressions).cells.len()))
    });
    group.bench_function(format!("xlsx/{label}"), |b| {
        b.iter(|| {
            let export = Export::new(&ws, &expressions);
            black_box(flopsheet_export::xlsx::to_xlsx(&export).unwrap().len())
        })
    });
    group.bench_function(format!("json/{label}"), |b| {
        b.iter(|| {
            let export = Export::new(&ws, &expressions);
            black_box(
                serde_json::to_string(&flopsheet_export::json::to_json(&export))
                    .unwrap()
                    .len(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
