//! `flopsheet simulate`: Monte Carlo over the workbook's uncertain inputs. Parses the
//! arguments, runs `flopsheet_analysis::simulate`, prints the percentiles, the error samples
//! and what drives the spread. The work is in the library crates.

use crate::cli::{OutputArgs, OutputFormat, PackArgs, SampleArgs};
use crate::commands::{format_of, load, Outcome, Run};
use crate::whatif::{chosen_scenarios, scenario_notes, shown_cells, Shown};
use flopsheet_analysis::{simulate, SimError, Simulation, SimulationSpec};
use flopsheet_engine::Value;
use flopsheet_load::Trial;
use flopsheet_load::Workspace;
use flopsheet_render::distribution::{Drivers, Histogram};
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
    pub sampling: &'a SampleArgs,
    pub samples_out: Option<&'a Path>,
    pub plot: Option<&'a Path>,
    pub plot_drivers: Option<&'a Path>,
}

/// From this many samples on, a progress bar shows on a terminal.
const PROGRESS_FROM: usize = 1_000_000;

pub fn run(workbook: &str, args: &SimulateArgs, options: &PackArgs, output: &OutputArgs, color: bool) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    let sampling = args.sampling;
    let percentiles = parse_percentiles(&sampling.percentiles).map_err(Outcome::usage)?;
    let cli = cli_inputs(sampling).map_err(Outcome::usage)?;
    if sampling.samples == 0 {
        return Err(Outcome::usage("--samples must be at least 1"));
    }
    let outputs = expand_tables(&ws, args.names);
    let spec = spec_for(&ws, &cli, &[], outputs, sampling, &percentiles);
    let stop = stop_on_ctrl_c();
    let sim = run_with_progress(&mut ws, &spec, &stop).map_err(Outcome::fail)?;
    if let Some(path) = args.samples_out {
        crate::files::write_atomic(path, samples_csv(&sim).as_bytes())
            .map_err(|e| Outcome::fail(format!("cannot write {}: {e}", path.display())))?;
    }
    if let Some(path) = args.plot {
        let title = format!(
            "{}: {} samples (seed {})",
            ws.workbook.title,
            thousands(sim.samples),
            sim.seed
        );
        let charts: Vec<Histogram> = sim
            .outputs
            .iter()
            .map(|o| Histogram {
                name: o.name.clone(),
                unit: unit_of(&ws, &o.name).map(str::to_string),
                values: o.values.iter().copied().filter(|v| !v.is_nan()).collect(),
                percentiles: o.summary.as_ref().map(|s| s.percentiles.clone()).unwrap_or_default(),
                mean: o.summary.as_ref().map_or(f64::NAN, |s| s.mean),
            })
            .collect();
        let svg = flopsheet_render::distribution::histograms(&title, &charts).map_err(Outcome::fail)?;
        write_chart(path, &svg)?;
    }
    if let Some(path) = args.plot_drivers {
        let title = format!("{}: what drives the spread", ws.workbook.title);
        let charts: Vec<Drivers> = sim
            .outputs
            .iter()
            .map(|o| Drivers {
                output: o.name.clone(),
                inputs: o
                    .drivers
                    .iter()
                    .map(|d| (d.input.clone(), d.rank_correlation))
                    .collect(),
            })
            .collect();
        let svg = flopsheet_render::distribution::drivers(&title, &charts).map_err(Outcome::fail)?;
        write_chart(path, &svg)?;
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
        stderr: error_report(&sim, None),
        code: 0,
    })
}

/// `compare --simulate`: each scenario's overrides applied, then simulated with the same seed;
/// the percentiles of every shown cell under every scenario, in one table.
pub fn compare(
    workbook: &str,
    scenarios: &[String],
    shown: &Shown,
    sampling: &SampleArgs,
    options: &PackArgs,
    output: &OutputArgs,
    color: bool,
) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    let percentiles = parse_percentiles(&sampling.percentiles).map_err(Outcome::usage)?;
    let cli = cli_inputs(sampling).map_err(Outcome::usage)?;
    if sampling.samples == 0 {
        return Err(Outcome::usage("--samples must be at least 1"));
    }
    let chosen = chosen_scenarios(&ws, scenarios)?;
    let cells = shown_cells(&ws, shown.show, shown.table)?;
    // Formula cells given a distribution here are pinned once, on the base, so that a
    // scenario's overrides (set on the model as it is) are not undone by a reload.
    for (name, _) in &cli {
        ws.pin(name).map_err(Outcome::fail)?;
    }
    let stop = stop_on_ctrl_c();
    let base = spec_for(&ws, &cli, &[], cells.clone(), sampling, &percentiles);
    let mut runs = vec![(
        "base".to_string(),
        run_with_progress(&mut ws, &base, &stop).map_err(Outcome::fail)?,
    )];
    for scenario in &chosen {
        let trial = Trial {
            set: scenario.set.clone(),
            slots: scenario.slots.clone(),
        };
        // An input the scenario sets is fixed in it: its distribution is not drawn.
        let fixed: Vec<String> = scenario.set.iter().map(|(name, _)| name.clone()).collect();
        let sim = ws
            .with_trial(&trial, |ws| {
                let spec = spec_for(ws, &cli, &fixed, cells.clone(), sampling, &percentiles);
                run_with_progress(ws, &spec, &stop)
            })
            .map_err(|failure| {
                Outcome::error(format!(
                    "error: scenario `{}` does not evaluate:\n{}",
                    scenario.name,
                    failure.render(color)
                ))
            })?
            .map_err(|e| Outcome::fail(format!("scenario `{}`: {e}", scenario.name)))?;
        runs.push((scenario.name.clone(), sim));
    }
    let mut grid = Grid {
        title: format!(
            "{}: scenarios simulated, {} samples each (seed {})",
            ws.workbook.title,
            thousands(sampling.samples),
            sampling.seed
        ),
        ..Grid::default()
    };
    grid.headers = ["cell", "scenario", "mean"].iter().map(|s| s.to_string()).collect();
    grid.headers.extend(percentiles.iter().map(|&p| percentile_label(p)));
    for cell in &cells {
        let unit = unit_of(&ws, cell);
        for (scenario, sim) in &runs {
            let canonical = ws.canonical(cell);
            let found = sim.outputs.iter().find(|o| o.name == canonical || &o.name == cell);
            let mut row = vec![Field::label(cell.clone()), Field::label(scenario.clone())];
            match found.and_then(|o| o.summary.as_ref()) {
                Some(s) => {
                    row.push(Field::value(Value::Num(s.mean), unit));
                    row.extend(s.percentiles.iter().map(|(_, v)| Field::value(Value::Num(*v), unit)));
                }
                None => row.extend((0..1 + percentiles.len()).map(|_| Field::label("n/a"))),
            }
            grid.rows.push(row);
        }
    }
    grid.note = Some(scenario_notes(&chosen));
    let stderr: String = runs.iter().map(|(name, sim)| error_report(sim, Some(name))).collect();
    Ok(Outcome {
        stdout: grid.render(format_of(output.format), output.width),
        stderr,
        code: 0,
    })
}

fn unit_of<'a>(ws: &'a Workspace, name: &str) -> Option<&'a str> {
    ws.workbook.cells.get(&ws.canonical(name)).and_then(|c| c.unit())
}

fn write_chart(path: &Path, svg: &str) -> Result<(), Outcome> {
    crate::files::write_atomic(path, svg.as_bytes())
        .map_err(|e| Outcome::fail(format!("cannot write {}: {e}", path.display())))
}

/// Ctrl-C ends the run cleanly: the threads stop between blocks of samples.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}

/// The command line's `--range` and `--dist`, in the order given.
fn cli_inputs(sampling: &SampleArgs) -> Result<Vec<(String, Uncertain)>, String> {
    let ranges = sampling.range.iter().map(|a| parse_input(a, true));
    let dists = sampling.dist.iter().map(|a| parse_input(a, false));
    ranges.chain(dists).collect()
}

/// What to simulate on `ws` as loaded (or as a trial left it): the workbook's uncertain
/// inputs, less those fixed (by `--set`, or named in `fixed`: a scenario's `set`), each
/// replaced by the command line's distribution for the same input; and the workbook's
/// correlations between the inputs left.
fn spec_for(
    ws: &Workspace,
    cli: &[(String, Uncertain)],
    fixed: &[String],
    outputs: Vec<String>,
    sampling: &SampleArgs,
    percentiles: &[f64],
) -> SimulationSpec {
    let fixed: Vec<String> = fixed.iter().map(|n| ws.canonical(n).into_owned()).collect();
    let is_fixed = |name: &str| {
        let canonical = ws.canonical(name);
        fixed.iter().any(|f| *f == canonical) || ws.workbook.cells.get(&canonical).is_some_and(|c| c.overridden)
    };
    let mut inputs: Vec<(String, Uncertain)> = ws
        .workbook
        .uncertain
        .iter()
        .filter(|(name, _)| !is_fixed(name))
        .map(|(name, u)| (name.clone(), u.clone()))
        .collect();
    for (name, uncertain) in cli {
        let canonical = ws.canonical(name).into_owned();
        inputs.retain(|(n, _)| ws.canonical(n) != canonical);
        inputs.push((name.clone(), uncertain.clone()));
    }
    let correlations = ws
        .workbook
        .correlations
        .iter()
        .filter(|(a, b, _)| !is_fixed(a) && !is_fixed(b))
        .cloned()
        .collect();
    SimulationSpec {
        inputs,
        correlations,
        outputs,
        samples: sampling.samples,
        seed: sampling.seed,
        percentiles: percentiles.to_vec(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// Runs `spec`, with a progress bar on a terminal from [`PROGRESS_FROM`] samples.
fn run_with_progress(ws: &mut Workspace, spec: &SimulationSpec, stop: &AtomicBool) -> Result<Simulation, SimError> {
    let bar = (spec.samples >= PROGRESS_FROM && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(spec.samples as u64);
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
    let result = simulate(ws, spec, &mut progress, stop);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    result
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

/// `12 of 100,000 samples gave #DIV/0 in `x``, one line per kind and origin (and scenario).
fn error_report(sim: &Simulation, scenario: Option<&str>) -> String {
    let mut out = String::new();
    let within = scenario.map(|s| format!(" in scenario `{s}`")).unwrap_or_default();
    for o in &sim.outputs {
        for (kind, count, origin) in &o.errors {
            out.push_str(&format!(
                "warning: {} of {} samples of `{}`{within} gave {} in `{origin}` ({}); they are left out of its statistics\n",
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
