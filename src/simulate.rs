//! `flopsheet simulate`: Monte Carlo over the workbook's uncertain inputs. Parses the
//! arguments, runs `flopsheet_analysis::simulate`, prints the percentiles, the error samples
//! and what drives the spread. The work is in the library crates.

use crate::cli::{OutputArgs, OutputFormat, PackArgs};
use crate::commands::{format_of, load, Outcome, Run};
use flopsheet_analysis::{simulate, Simulation, SimulationSpec};
use flopsheet_engine::Value;
use flopsheet_load::Workspace;
use flopsheet_render::{Field, Grid};
use flopsheet_uncertainty::{Dist, Uncertain};
use serde_json::{json, Map, Value as Json};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What `simulate` was asked, past the workbook and pack options.
pub struct SimulateArgs<'a> {
    pub names: &'a [String],
    pub samples: usize,
    pub seed: u64,
    pub percentiles: &'a str,
    pub ranges: &'a [String],
    pub dists: &'a [String],
    pub samples_out: Option<&'a Path>,
}

/// From this many samples on, a progress bar shows on a terminal.
const PROGRESS_FROM: usize = 1_000_000;

pub fn run(workbook: &str, args: &SimulateArgs, options: &PackArgs, output: &OutputArgs, color: bool) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    let percentiles = parse_percentiles(args.percentiles).map_err(Outcome::usage)?;
    let mut inputs: Vec<(String, Uncertain)> = ws
        .workbook
        .uncertain
        .iter()
        .map(|(name, u)| (name.clone(), u.clone()))
        .collect();
    // The command line's ranges and distributions replace the workbook's for the same input.
    for arg in args.ranges.iter().chain(args.dists) {
        let (name, uncertain) = parse_input(arg, args.ranges.contains(arg)).map_err(Outcome::usage)?;
        let canonical = ws.canonical(&name).into_owned();
        inputs.retain(|(n, _)| ws.canonical(n) != canonical);
        inputs.push((name, uncertain));
    }
    let outputs = expand_tables(&ws, args.names);
    if args.samples == 0 {
        return Err(Outcome::usage("--samples must be at least 1"));
    }
    let spec = SimulationSpec {
        inputs,
        correlations: ws.workbook.correlations.clone(),
        outputs,
        samples: args.samples,
        seed: args.seed,
        percentiles: percentiles.clone(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // Ctrl-C ends the run cleanly: the threads stop between blocks of samples.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    let bar = (args.samples >= PROGRESS_FROM && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(args.samples as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} samples, {eta} left")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |done: usize, _total: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let result = simulate(&mut ws, &spec, &mut progress, &stop);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let sim = result.map_err(Outcome::fail)?;
    if let Some(path) = args.samples_out {
        crate::files::write_atomic(path, samples_csv(&sim).as_bytes())
            .map_err(|e| Outcome::fail(format!("cannot write {}: {e}", path.display())))?;
    }
    let stdout = match output.format {
        OutputFormat::Json => serde_json::to_string_pretty(&json_of(&sim)).unwrap_or_default() + "\n",
        format => {
            let mut out = summary_grid(&ws, &sim, &percentiles).render(format_of(format), output.width);
            out.push('\n');
            out.push_str(&drivers_grid(&sim).render(format_of(format), output.width));
            out
        }
    };
    Ok(Outcome {
        stdout,
        stderr: error_report(&sim),
        code: 0,
    })
}

/// `NAME=LO..HI` (a 90% interval) or `NAME=DIST` (`normal(0.45, 0.05)`).
fn parse_input(arg: &str, range: bool) -> Result<(String, Uncertain), String> {
    let flag = if range { "--range" } else { "--dist" };
    let (name, text) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{flag} {arg}` is not NAME={}", if range { "LO..HI" } else { "DIST" }))?;
    let dist = if range {
        let (lo, hi) = text
            .split_once("..")
            .ok_or_else(|| format!("`{flag} {arg}`: write the 90% interval as LO..HI, e.g. `mfu=0.35..0.55`"))?;
        let number =
            |s: &str| crate::cli::parse_number(s).ok_or_else(|| format!("`{s}` is not a number (in `{flag} {arg}`)"));
        Dist::from_range(number(lo)?, number(hi)?)
    } else {
        Dist::parse(text)
    }
    .map_err(|e| format!("`{flag} {arg}`: {e}"))?;
    Ok((name.trim().to_string(), Uncertain { dist, clip: None }))
}

fn parse_percentiles(text: &str) -> Result<Vec<f64>, String> {
    text.split(',')
        .map(|p| {
            p.trim()
                .trim_start_matches('p')
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
                .ok_or_else(|| format!("`{p}` is not a percentile (0 to 100), in `--percentiles {text}`"))
        })
        .collect()
}

/// A name that is a table stands for all its cells.
fn expand_tables(ws: &Workspace, names: &[String]) -> Vec<String> {
    names
        .iter()
        .flat_map(|n| match ws.workbook.tables.iter().find(|t| &t.name == n) {
            Some(table) if ws.id(n).is_none() => table.cell_names(),
            _ => vec![n.clone()],
        })
        .collect()
}

fn percentile_label(p: f64) -> String {
    format!("p{p}")
}

fn summary_grid(ws: &Workspace, sim: &Simulation, percentiles: &[f64]) -> Grid {
    let mut grid = Grid {
        title: format!("{} samples (seed {})", thousands(sim.samples), sim.seed),
        ..Grid::default()
    };
    grid.headers = ["cell", "mean", "sd"].iter().map(|s| s.to_string()).collect();
    grid.headers.extend(percentiles.iter().map(|&p| percentile_label(p)));
    for out in &sim.outputs {
        let unit = ws.workbook.cells.get(&out.name).and_then(|c| c.unit());
        let mut row = vec![Field::label(out.name.clone())];
        match &out.summary {
            Some(s) => {
                row.push(Field::value(Value::Num(s.mean), unit));
                row.push(Field::value(Value::Num(s.sd), unit));
                row.extend(s.percentiles.iter().map(|(_, v)| Field::value(Value::Num(*v), unit)));
            }
            None => row.extend((0..2 + percentiles.len()).map(|_| Field::label("n/a"))),
        }
        grid.rows.push(row);
    }
    grid
}

fn drivers_grid(sim: &Simulation) -> Grid {
    let mut grid = Grid {
        title: "What drives the spread (Spearman's rank correlation of each input with the output)".into(),
        ..Grid::default()
    };
    grid.headers = ["cell", "input", "rank correlation", "share"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for out in &sim.outputs {
        for d in &out.drivers {
            grid.rows.push(vec![
                Field::label(out.name.clone()),
                Field::label(d.input.clone()),
                Field::value(Value::Num(d.rank_correlation), None),
                Field::value(Value::Num(d.share), Some("%")),
            ]);
        }
    }
    grid.note =
        Some("share: the input's squared rank correlation over the sum of them, a rough share of the spread".into());
    grid
}

/// `12 of 100,000 samples gave #DIV/0 in `x``, one line per kind and origin.
fn error_report(sim: &Simulation) -> String {
    let mut out = String::new();
    for o in &sim.outputs {
        for (kind, count, origin) in &o.errors {
            out.push_str(&format!(
                "warning: {} of {} samples of `{}` gave {} in `{origin}` ({}); they are left out of its statistics\n",
                thousands(*count),
                thousands(sim.samples),
                o.name,
                kind.code(),
                kind.describe()
            ));
        }
    }
    out
}

fn json_of(sim: &Simulation) -> Json {
    let mut all = Map::new();
    for o in &sim.outputs {
        let mut entry = Map::new();
        if let Some(s) = &o.summary {
            entry.insert("mean".into(), json!(s.mean));
            entry.insert("sd".into(), json!(s.sd));
            for (p, v) in &s.percentiles {
                entry.insert(percentile_label(*p), json!(v));
            }
        }
        entry.insert("samples".into(), json!(sim.samples));
        entry.insert(
            "errors".into(),
            Json::Array(
                o.errors
                    .iter()
                    .map(|(kind, count, origin)| json!({"value": kind.code(), "count": count, "origin": origin}))
                    .collect(),
            ),
        );
        entry.insert(
            "drivers".into(),
            Json::Array(
                o.drivers
                    .iter()
                    .map(|d| json!({"input": d.input, "rank_correlation": d.rank_correlation, "share": d.share}))
                    .collect(),
            ),
        );
        all.insert(o.name.clone(), Json::Object(entry));
    }
    Json::Object(all)
}

/// Every sample: one column per input, then per output (an error sample is empty).
fn samples_csv(sim: &Simulation) -> String {
    let mut headers: Vec<&str> = vec!["sample"];
    headers.extend(sim.inputs.iter().map(|(n, _)| n.as_str()));
    headers.extend(sim.outputs.iter().map(|o| o.name.as_str()));
    let mut out = flopsheet_render::csv_line(headers.into_iter());
    for s in 0..sim.samples {
        let mut fields = vec![s.to_string()];
        fields.extend(sim.inputs.iter().map(|(_, c)| format!("{:?}", c[s])));
        fields.extend(sim.outputs.iter().map(|o| {
            let v = o.values[s];
            if v.is_nan() {
                String::new()
            } else {
                format!("{v:?}")
            }
        }));
        out.push_str(&flopsheet_render::csv_line(fields.iter().map(String::as_str)));
    }
    out
}

fn thousands(n: usize) -> String {
    flopsheet_render::group_thousands(&n.to_string())
}
