//! The standard engine workloads of `shared/bench/WORKLOADS.md`, as RON workbooks, and
//! flopsheet's own `aggregate` (a `sum` over a row table's column).
//!
//! Shared by `flopsheet-bench` and the criterion benchmarks (`benches/engine.rs`), so that both
//! measure exactly the same workbooks.

#![allow(dead_code)] // each user takes what it needs

use std::io::{BufWriter, Write};
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Workload {
    Chain,
    Fanout,
    Sparse,
    /// Not one of the standard three: R = (N - 2) / 2 inputs `r{i}.x = i`, a row table `t` of
    /// R rows whose column `x` reads them (`row.x`), `total = sum(t.x)` and `mean =
    /// mean(t.x)` (and an input `pad` when N is odd, so that there are N cells). The edit sets
    /// `r{R/2}.x`, which recomputes one table cell and both aggregates, each rescanning R rows.
    Aggregate,
}

impl Workload {
    pub fn parse(s: &str) -> Option<Workload> {
        Some(match s {
            "chain" => Workload::Chain,
            "fanout" => Workload::Fanout,
            "sparse" => Workload::Sparse,
            "aggregate" => Workload::Aggregate,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Workload::Chain => "chain",
            Workload::Fanout => "fanout",
            Workload::Sparse => "sparse",
            Workload::Aggregate => "aggregate",
        }
    }

    /// The input each edit sets, and the cell read after it.
    pub fn input_and_probe(self, n: usize) -> (String, String) {
        match self {
            Workload::Chain => ("c0".into(), format!("c{}", n - 1)),
            Workload::Fanout => ("x".into(), format!("c{}", n - 1)),
            Workload::Sparse => (format!("a{}", n / 4), format!("b{}", n / 4)),
            Workload::Aggregate => (format!("r{}.x", aggregate_rows(n) / 2), "total".into()),
        }
    }

    /// The probe's value once the input is `v`, from the closed forms of WORKLOADS.md, and the
    /// tolerance a correct f64 evaluation stays within.
    pub fn expected(self, n: usize, v: f64) -> (f64, f64) {
        match self {
            Workload::Chain => {
                let grown = (v + 1e6) * 1.000001f64.powi(n as i32 - 1);
                (grown - 1e6, grown * 1e-9)
            }
            Workload::Fanout => {
                let want = (n - 1) as f64 * (v + 1.0);
                (want, want.abs() * 1e-12)
            }
            Workload::Sparse => (2.0 * v + 1.0, 0.0),
            Workload::Aggregate => {
                let r = aggregate_rows(n) as f64;
                // 0 + 1 + ... + (R - 1), with the edited row's value replaced by v: exact in
                // f64 (integers far below 2^53), whatever order they are added in.
                (r * (r - 1.0) / 2.0 - (aggregate_rows(n) / 2) as f64 + v, 0.0)
            }
        }
    }

    /// Writes the workbook as RON: inputs as numbers, formulas as strings.
    pub fn write(self, n: usize, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(out, "Workbook(")?;
        writeln!(out, "    title: \"{} workload, {n} cells\",", self.name())?;
        writeln!(out, "    cells: {{")?;
        match self {
            Workload::Chain => {
                writeln!(out, "        \"c0\": 1,")?;
                for i in 1..n {
                    writeln!(out, "        \"c{i}\": \"c{} * 1.000001 + 1\",", i - 1)?;
                }
            }
            Workload::Fanout => {
                writeln!(out, "        \"x\": 1,")?;
                for i in 1..n {
                    writeln!(out, "        \"c{i}\": \"x * {i} + {i}\",")?;
                }
            }
            Workload::Sparse => {
                for i in 0..n / 2 {
                    writeln!(out, "        \"a{i}\": {i},")?;
                }
                for i in 0..n - n / 2 {
                    writeln!(out, "        \"b{i}\": \"a{i} * 2 + 1\",")?;
                }
            }
            Workload::Aggregate => return write_aggregate(n, out),
        }
        writeln!(out, "    }},")?;
        writeln!(out, ")")
    }
}

/// The rows of the `aggregate` workload of N cells.
fn aggregate_rows(n: usize) -> usize {
    (n - 2) / 2
}

fn write_aggregate(n: usize, out: &mut impl Write) -> std::io::Result<()> {
    let rows = aggregate_rows(n);
    for i in 0..rows {
        writeln!(out, "        \"r{i}.x\": {i},")?;
    }
    writeln!(out, "        \"total\": \"sum(t.x)\",")?;
    writeln!(out, "        \"mean\": \"mean(t.x)\",")?;
    if n % 2 == 1 {
        writeln!(out, "        \"pad\": 0,")?;
    }
    writeln!(out, "    }},")?;
    write!(out, "    tables: [Table(name: \"t\", rows: [")?;
    for i in 0..rows {
        write!(out, "\"r{i}\", ")?;
    }
    writeln!(out, "], columns: {{\"x\": \"row.x\"}})],")?;
    writeln!(out, ")")
}

impl Workload {
    /// The standard three.
    pub const ALL: [Workload; 3] = [Workload::Chain, Workload::Fanout, Workload::Sparse];

    /// The workbook as RON text.
    pub fn text(self, n: usize) -> String {
        let mut out = Vec::with_capacity(n * 40);
        self.write(n, &mut out).expect("writing to memory cannot fail");
        String::from_utf8(out).expect("the workbook is ASCII")
    }

    /// Writes the workbook to a file.
    pub fn write_file(self, n: usize, path: &Path) -> std::io::Result<()> {
        let mut out = BufWriter::new(std::fs::File::create(path)?);
        self.write(n, &mut out)?;
        out.flush()
    }
}
