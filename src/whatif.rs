//! What-if analysis over the incremental graph: `compare` (scenarios side by side), `sweep`
//! (data tables), `solve` (goal seek) and `sensitivity` (a tornado). Every one is a series of
//! trial overrides — override, recompute what depends on it, read, restore — and never an
//! edit of the user's files.

use crate::cli::{parse_number, OutputArgs, OutputFormat, PackArgs, SweepChartArgs};
use crate::commands::{format_of, load, Outcome, Run};
use flopsheet_engine::solve::{find_bracket, find_root};
use flopsheet_engine::{CellId, Value};
use flopsheet_load::{Trial, Workspace};
use flopsheet_render::grid::{Field, Grid};
use flopsheet_render::plot::{Bar, ImageFormat, PlotError, Quantity, Scale, Series, SweepChart, Tornado};
use std::io::IsTerminal;
use std::path::Path;

/// Sweeps with more points than this show a progress bar (on a terminal).
const PROGRESS_ABOVE: usize = 200;
/// Most points a sweep may have.
const MAX_POINTS: usize = 1_000_000;

fn unit_of<'a>(ws: &'a Workspace, name: &str) -> Option<&'a str> {
    ws.workbook.cells.get(name).and_then(|c| c.unit())
}

fn value_of(ws: &Workspace, name: &str) -> Value {
    ws.value(name).unwrap_or(Value::Num(f64::NAN))
}

/// Checks every name is a cell; the first that is not becomes the error.
fn check_names(ws: &Workspace, names: &[String]) -> Result<(), Outcome> {
    names
        .iter()
        .try_for_each(|n| ws.value(n).map(|_| ()).map_err(Outcome::usage))
}

/// `+23.2%` (or the absolute change when the base is zero).
fn change(base: Value, new: Value, unit: Option<&str>) -> Field {
    match (base, new) {
        (Value::Num(b), Value::Num(n)) if b != 0.0 => {
            let rel = (n - b) / b.abs();
            Field {
                text: format!("{:+.1}%", rel * 100.0),
                raw: serde_json::json!(rel),
            }
        }
        (Value::Num(b), Value::Num(n)) => Field {
            text: format!("+{}", flopsheet_render::format_number(n - b, unit)),
            raw: serde_json::json!(n - b),
        },
        _ => Field::label("—"),
    }
}

/// Draws a chart in the format its file name asks for and writes it atomically (a temporary
/// file beside it, synced, renamed); says where, or what went wrong and what to do.
fn write_plot(path: &Path, render: impl FnOnce(ImageFormat) -> Result<Vec<u8>, PlotError>) -> Result<String, Outcome> {
    let bytes = ImageFormat::for_path(path).and_then(render).map_err(|e| {
        let help = match &e {
            PlotError::NotPositive { axis, .. } => format!("\nhelp: drop --log-{axis}, or vary over values above zero"),
            _ => String::new(),
        };
        Outcome::fail(format!("{e}{help}"))
    })?;
    crate::files::write_atomic(path, &bytes)
        .map_err(|e| Outcome::fail(format!("cannot write {}: {e}", path.display())))?;
    Ok(format!("wrote {}\n", path.display()))
}

// ----- compare -----

/// The cells `compare` shows: those named with `--show`, or every cell of `--table` (or of
/// every table).
pub struct Shown<'a> {
    pub show: &'a [String],
    pub table: Option<&'a str>,
}

pub fn compare(
    workbook: &str,
    scenarios: &[String],
    shown: &Shown,
    options: &PackArgs,
    output: &OutputArgs,
    color: bool,
) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    let chosen = chosen_scenarios(&ws, scenarios)?;
    let cells = shown_cells(&ws, shown.show, shown.table)?;
    let base: Vec<Value> = cells.iter().map(|c| value_of(&ws, c)).collect();
    let mut columns = Vec::new();
    for scenario in &chosen {
        let trial = Trial {
            set: scenario.set.clone(),
            slots: scenario.slots.clone(),
        };
        match ws.with_trial(&trial, |ws| cells.iter().map(|c| value_of(ws, c)).collect::<Vec<_>>()) {
            Ok(values) => columns.push(values),
            Err(failure) => {
                return Err(Outcome::error(format!(
                    "error: scenario `{}` does not evaluate:\n{}",
                    scenario.name,
                    failure.render(color)
                )))
            }
        }
    }
    if output.format == OutputFormat::Json {
        let records: Vec<serde_json::Value> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let values: Vec<(&str, Value)> = chosen
                    .iter()
                    .zip(&columns)
                    .map(|(s, c)| (s.name.as_str(), c[i]))
                    .collect();
                crate::json::compare_record(cell, unit_of(&ws, cell), base[i], &values)
            })
            .collect();
        return Ok(Outcome::ok(crate::json::print(&serde_json::Value::Array(records))));
    }
    // People read each value with its change beside it; scripts get them in separate columns.
    let machine = matches!(output.format, OutputFormat::Csv | OutputFormat::Json);
    let mut grid = Grid {
        title: format!("{}: scenarios against the base", ws.workbook.title),
        ..Grid::default()
    };
    grid.headers = vec!["cell".into(), "base".into()];
    for s in &chosen {
        grid.headers.push(s.name.clone());
        if machine {
            grid.headers.push(format!("{}_vs_base", s.name));
        }
    }
    for (i, cell) in cells.iter().enumerate() {
        let unit = unit_of(&ws, cell);
        let mut row = vec![Field::label(cell.clone()), Field::value(base[i], unit)];
        for column in &columns {
            let delta = change(base[i], column[i], unit);
            if machine {
                row.push(Field::value(column[i], unit));
                row.push(delta);
            } else {
                row.push(Field::value_with(column[i], unit, &delta.text));
            }
        }
        grid.rows.push(row);
    }
    grid.note = Some(scenario_notes(&chosen));
    Ok(Outcome::ok(grid.render(format_of(output.format), output.width)))
}

/// One line per scenario under a comparison: its title, else its note, else what it sets.
pub(crate) fn scenario_notes(chosen: &[flopsheet_load::Scenario]) -> String {
    let notes: Vec<String> = chosen
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s.name,
                s.title.clone().or(s.note.clone()).unwrap_or_else(|| describe_trial(s))
            )
        })
        .collect();
    notes.join("\n")
}

/// The scenarios named (all the workbook declares when none is), or a failure naming them.
pub(crate) fn chosen_scenarios(ws: &Workspace, scenarios: &[String]) -> Result<Vec<flopsheet_load::Scenario>, Outcome> {
    let declared = &ws.workbook.scenarios;
    if declared.is_empty() {
        return Err(Outcome::usage(format!(
            "{} declares no scenarios\nhelp: add `scenarios: [Scenario(name: \"h100\", set: {{\"mfu\": 0.4}}, slots: {{\"hardware\": \"h100_sxm\"}})]`",
            ws.source().display()
        )));
    }
    Ok(if scenarios.is_empty() {
        declared.clone()
    } else {
        let mut chosen = Vec::new();
        for name in scenarios {
            match declared.iter().find(|s| &s.name == name) {
                Some(s) => chosen.push(s.clone()),
                None => {
                    let names: Vec<&str> = declared.iter().map(|s| s.name.as_str()).collect();
                    return Err(Outcome::usage(format!(
                        "no scenario `{name}`; the scenarios are: {}",
                        names.join(", ")
                    )));
                }
            }
        }
        chosen
    })
}

pub(crate) fn describe_trial(s: &flopsheet_load::Scenario) -> String {
    let sets = s.set.iter().map(|(k, v)| format!("{k} = {v}"));
    let slots = s.slots.iter().map(|(k, v)| format!("{k} = {v}"));
    sets.chain(slots).collect::<Vec<_>>().join(", ")
}

/// The cells to show: those named, or every cell of the selected tables.
pub(crate) fn shown_cells(ws: &Workspace, show: &[String], table: Option<&str>) -> Result<Vec<String>, Outcome> {
    if !show.is_empty() {
        check_names(ws, show)?;
        return Ok(show.to_vec());
    }
    let tables = flopsheet_render::select(ws, table).map_err(Outcome::usage)?;
    Ok(tables.iter().flat_map(|t| t.cell_names()).collect())
}

// ----- sweep -----

/// One `--vary`: an input over numbers, or a slot over packs.
pub(crate) enum Vary {
    Input { name: String, values: Vec<f64> },
    Slot { name: String, packs: Vec<String> },
}

impl Vary {
    fn name(&self) -> &str {
        match self {
            Vary::Input { name, .. } | Vary::Slot { name, .. } => name,
        }
    }

    fn len(&self) -> usize {
        match self {
            Vary::Input { values, .. } => values.len(),
            Vary::Slot { packs, .. } => packs.len(),
        }
    }

    fn label(&self, i: usize, ws: &Workspace) -> Field {
        match self {
            Vary::Input { name, values } => Field::value(Value::Num(values[i]), unit_of(ws, name)),
            Vary::Slot { packs, .. } => Field::label(packs[i].clone()),
        }
    }
}

/// `NAME=FROM..TO[:STEPS]`, `NAME=a,b,c` (numbers), or `SLOT=pack,pack` for a slot.
fn parse_vary(arg: &str, ws: &mut Workspace) -> Result<Vary, Outcome> {
    // Every mistake here is in the command line, except a formula cell that cannot be pinned.
    parse_vary_spec(arg, ws)
        .map_err(Outcome::usage)
        .and_then(|vary| match &vary {
            Vary::Input { name, .. } => match ws.pin(name) {
                Ok(_) => Ok(vary),
                Err(e @ flopsheet_load::InputError::Unknown(_)) => Err(Outcome::usage(e)),
                Err(e) => Err(Outcome::fail(e)),
            },
            Vary::Slot { .. } => Ok(vary),
        })
}

fn parse_vary_spec(arg: &str, ws: &Workspace) -> Result<Vary, String> {
    let (name, spec) = arg
        .split_once('=')
        .ok_or_else(|| format!("`--vary {arg}` is not NAME=FROM..TO[:STEPS] or NAME=a,b,c"))?;
    let name = name.trim().to_string();
    if ws.workbook.slots.contains_key(&name) {
        let packs: Vec<String> = spec
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if packs.is_empty() {
            return Err(format!(
                "`--vary {arg}`: list the packs to put in the slot, e.g. `{name}=a100_80gb,h100_sxm`"
            ));
        }
        return Ok(Vary::Slot { name, packs });
    }
    let number = |s: &str| parse_number(s).ok_or_else(|| format!("`{s}` is not a number (in `--vary {arg}`)"));
    let values = if let Some((from, rest)) = spec.split_once("..") {
        let (to, steps) = match rest.split_once(':') {
            Some((to, steps)) => (
                to,
                steps
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| format!("`{steps}` is not a count of steps"))?,
            ),
            None => (rest, 11),
        };
        let (from, to) = (number(from)?, number(to)?);
        if steps < 2 {
            return Err(format!("`--vary {arg}`: a range needs at least 2 steps"));
        }
        (0..steps)
            .map(|i| from + (to - from) * i as f64 / (steps - 1) as f64)
            .collect()
    } else {
        spec.split(',').map(number).collect::<Result<Vec<_>, _>>()?
    };
    if values.iter().any(|v| !v.is_finite()) {
        return Err(format!("`--vary {arg}`: values must be finite numbers"));
    }
    Ok(Vary::Input { name, values })
}

pub fn sweep(
    workbook: &str,
    vary: &[String],
    show: &[String],
    chart: &SweepChartArgs,
    options: &PackArgs,
    output: &OutputArgs,
    color: bool,
) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    check_names(&ws, show)?;
    if vary.is_empty() || vary.len() > 2 {
        return Err(Outcome::usage(
            "a sweep varies one or two names: `--vary NAME=FROM..TO[:STEPS]` (repeat for a second)",
        ));
    }
    let varies = vary
        .iter()
        .map(|v| parse_vary(v, &mut ws))
        .collect::<Result<Vec<Vary>, _>>()?;
    if varies.iter().all(|v| matches!(v, Vary::Slot { .. })) && (varies.len() > 1 || chart.plot.is_some()) {
        return Err(Outcome::usage(if varies.len() > 1 {
            "only one of the varied names can be a pack slot"
        } else {
            "a plot needs a numeric --vary (a pack slot alone has no axis)"
        }));
    }
    let points: usize = varies.iter().map(Vary::len).product();
    if points > MAX_POINTS {
        return Err(Outcome::usage(format!(
            "{points} points is more than the {MAX_POINTS} a sweep may have; use fewer steps"
        )));
    }
    // Pack slots change the graph's structure, so they go outside; inputs vary inside.
    let mut order: Vec<&Vary> = varies.iter().collect();
    order.sort_by_key(|v| matches!(v, Vary::Input { .. }));
    let progress = (points > PROGRESS_ABOVE && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(points as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} points, {eta} left")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    // results[i][j]: the shown cells at the i-th value of the outer and j-th of the inner vary.
    let results = run_sweep(&mut ws, &order, show, progress.as_ref()).map_err(Outcome::fail)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let stdout = if output.format == OutputFormat::Json {
        crate::json::print(&sweep_records(&order, show, &results))
    } else {
        sweep_grid(&ws, &order, show, &results).render(format_of(output.format), output.width)
    };
    let mut outcome = Outcome {
        stdout,
        ..Outcome::default()
    };
    if let Some(path) = &chart.plot {
        let plot = sweep_plot(&ws, &order, show, &results, chart).map_err(Outcome::fail)?;
        outcome.stderr = write_plot(path, |format| plot.render(format))?;
    }
    Ok(outcome)
}

type SweepResults = Vec<Vec<Vec<Value>>>;

fn run_sweep(
    ws: &mut Workspace,
    order: &[&Vary],
    show: &[String],
    progress: Option<&indicatif::ProgressBar>,
) -> Result<SweepResults, String> {
    let outer = order[0];
    let inner = order.get(1).copied();
    let read = |ws: &mut Workspace| -> Result<Vec<Vec<Value>>, String> {
        match inner {
            None => Ok(vec![show.iter().map(|c| value_of(ws, c)).collect()]),
            Some(Vary::Input { name, values }) => {
                let id = ws.pin(name).map_err(|e| e.to_string())?;
                Ok(values
                    .iter()
                    .map(|&v| {
                        progress.inspect(|b| b.inc(1));
                        ws.with_inputs(&[(id, v)], |ws| show.iter().map(|c| value_of(ws, c)).collect())
                    })
                    .collect())
            }
            Some(Vary::Slot { .. }) => Err("only one of the varied names can be a pack slot".into()),
        }
    };
    let mut results = Vec::new();
    match outer {
        Vary::Slot { name, packs } => {
            for pack in packs {
                let trial = Trial {
                    set: Vec::new(),
                    slots: vec![(name.clone(), pack.clone())],
                };
                let row = ws.with_trial(&trial, read).map_err(|f| {
                    format!(
                        "with `{name}` = `{pack}`, the workbook does not evaluate:\n{}",
                        f.render(false)
                    )
                })??;
                results.push(row);
            }
        }
        Vary::Input { name, values } => {
            let id = ws.pin(name).map_err(|e| e.to_string())?;
            for &v in values {
                progress.inspect(|b| b.inc(if inner.is_none() { 1 } else { 0 }));
                results.push(ws.with_inputs(&[(id, v)], read)?);
            }
        }
    }
    Ok(results)
}

/// `sweep --format json`: one record per point, the varied names (a number, or the pack id
/// in a slot) and then the shown cells as keys.
fn sweep_records(order: &[&Vary], show: &[String], results: &SweepResults) -> serde_json::Value {
    let at = |vary: &Vary, i: usize| match vary {
        Vary::Input { values, .. } => serde_json::json!(values[i]),
        Vary::Slot { packs, .. } => serde_json::json!(packs[i]),
    };
    let mut records = Vec::new();
    for (i, row) in results.iter().enumerate() {
        for (j, values) in row.iter().enumerate() {
            let mut record = serde_json::Map::new();
            record.insert(order[0].name().to_string(), at(order[0], i));
            if let Some(inner) = order.get(1) {
                record.insert(inner.name().to_string(), at(inner, j));
            }
            for (cell, value) in show.iter().zip(values) {
                record.insert(cell.clone(), flopsheet_render::grid::json_value(*value));
            }
            records.push(serde_json::Value::Object(record));
        }
    }
    serde_json::Value::Array(records)
}

fn sweep_grid(ws: &Workspace, order: &[&Vary], show: &[String], results: &SweepResults) -> Grid {
    let title = format!(
        "{}: {}",
        ws.workbook.title,
        order
            .iter()
            .map(|v| format!("varying {}", v.name()))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let mut grid = Grid {
        title,
        ..Grid::default()
    };
    // The classic two-variable data table: one shown cell, the outer vary down, the inner across.
    if let ([outer, inner], [cell]) = (order, show) {
        grid.headers = std::iter::once(format!("{} \\ {}", outer.name(), inner.name()))
            .chain((0..inner.len()).map(|j| inner.label(j, ws).text))
            .collect();
        for (i, row) in results.iter().enumerate() {
            let mut fields = vec![outer.label(i, ws)];
            fields.extend(row.iter().map(|values| Field::value(values[0], unit_of(ws, cell))));
            grid.rows.push(fields);
        }
        grid.note = Some(format!("values of {cell}"));
        return grid;
    }
    grid.headers = order
        .iter()
        .map(|v| v.name().to_string())
        .chain(show.iter().cloned())
        .collect();
    for (i, row) in results.iter().enumerate() {
        for (j, values) in row.iter().enumerate() {
            let mut fields = vec![order[0].label(i, ws)];
            if let Some(inner) = order.get(1) {
                fields.push(inner.label(j, ws));
            }
            fields.extend(show.iter().zip(values).map(|(c, v)| Field::value(*v, unit_of(ws, c))));
            grid.rows.push(fields);
        }
    }
    grid
}

/// The chart of a sweep: the x axis is the numeric vary; lines are the shown cells, or the
/// other vary's values (times the shown cells, when several).
fn sweep_plot(
    ws: &Workspace,
    order: &[&Vary],
    show: &[String],
    results: &SweepResults,
    args: &SweepChartArgs,
) -> Result<SweepChart, String> {
    let num = |v: &Value| v.as_num().unwrap_or(f64::NAN);
    let (x_name, series, by) = match order {
        [Vary::Input { name, values }] => {
            let series = show
                .iter()
                .enumerate()
                .map(|(k, cell)| Series {
                    name: cell.clone(),
                    points: values
                        .iter()
                        .zip(results)
                        .map(|(&x, row)| (x, num(&row[0][k])))
                        .collect(),
                })
                .collect();
            (name, series, None)
        }
        [outer, Vary::Input { name, values }] => {
            let mut series = Vec::new();
            for (i, row) in results.iter().enumerate() {
                let value = format!("{} = {}", outer.name(), outer.label(i, ws).text);
                for (k, cell) in show.iter().enumerate() {
                    series.push(Series {
                        name: if show.len() > 1 {
                            format!("{cell}, {value}")
                        } else {
                            value.clone()
                        },
                        points: values.iter().zip(row).map(|(&x, vals)| (x, num(&vals[k]))).collect(),
                    });
                }
            }
            (name, series, Some(outer.name().to_string()))
        }
        _ => return Err("a plot needs a numeric --vary (a pack slot alone has no axis)".into()),
    };
    let scale = |log: bool| match (log, args.linear) {
        (true, _) => Scale::Log,
        (false, true) => Scale::Linear,
        (false, false) => Scale::Auto,
    };
    Ok(SweepChart {
        x: Quantity::new(x_name.clone(), unit_of(ws, x_name)),
        shown: show.iter().map(|c| Quantity::new(c.clone(), unit_of(ws, c))).collect(),
        by,
        series,
        x_scale: scale(args.log_x),
        y_scale: scale(args.log_y),
    })
}

// ----- solve -----

pub fn solve(
    workbook: &str,
    target: &str,
    by: &str,
    within: Option<&str>,
    options: &PackArgs,
    output: &OutputArgs,
    color: bool,
) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    let Some((target_name, goal)) = target.split_once('=') else {
        return Err(Outcome::usage(format!("`--target {target}` is not NAME=VALUE")));
    };
    let target_name = target_name.trim().to_string();
    check_names(&ws, std::slice::from_ref(&target_name))?;
    // The goal is a number, the target's own reference, or the name of a cell whose value
    // it takes (a cell named `reference` still can be, for a target without a reference).
    let goal = match parse_number(goal) {
        Some(g) => g,
        None if goal.trim() == "reference" => crate::references::goal(&ws, &target_name)?,
        None => match ws.value(goal.trim()) {
            Ok(Value::Num(g)) => g,
            Ok(Value::Err(e)) => {
                return Err(Outcome::fail(format!(
                    "the goal `{goal}` is an error value ({})",
                    e.kind.code()
                )))
            }
            Err(e) => return Err(Outcome::usage(format!("`{goal}` is neither a number nor a cell: {e}"))),
        },
    };
    let id = ws.pin(by).map_err(|e| match e {
        flopsheet_load::InputError::Unknown(_) => Outcome::usage(e),
        _ => Outcome::fail(e),
    })?;
    let start = ws.model.value(id).as_num().unwrap_or(0.0);
    let mut gap = |x: f64| ws.with_inputs(&[(id, x)], |ws| value_of(ws, &target_name).as_num().map(|v| v - goal));
    let range = match within {
        Some(r) => match parse_range(r) {
            Ok(r) => r,
            Err(e) => return Err(Outcome::usage(format!("--within {e}"))),
        },
        None => match find_bracket(&mut gap, start) {
            Some(r) => r,
            None => {
                return Err(Outcome::fail(format!(
                    "no value of `{by}` found that brings `{target_name}` to {goal}, searching outward from {start}\nhelp: give a range to search with `--within LO..HI`"
                )))
            }
        },
    };
    let tolerance = (goal.abs() * 1e-12).max(1e-300);
    let root = match find_root(&mut gap, range.0, range.1, tolerance, 1e-15) {
        Ok(root) => root,
        Err(e) => {
            return Err(Outcome::fail(format!(
                "{e}\nhelp: widen or move the range with `--within LO..HI`"
            )))
        }
    };
    let achieved = ws.with_inputs(&[(id, root.x)], |ws| value_of(ws, &target_name));
    if output.format == OutputFormat::Json {
        return Ok(Outcome::ok(crate::json::solve(&crate::json::Solved {
            target: &target_name,
            goal,
            by,
            value: root.x,
            was: start,
            achieved,
            evaluations: root.evaluations,
        })));
    }
    let mut grid = Grid {
        title: format!("Goal seek: {target_name} = {goal} by changing {by}"),
        ..Grid::default()
    };
    grid.headers = vec!["".into(), "value".into()];
    grid.rows = vec![
        vec![Field::label(by), Field::value(Value::Num(root.x), unit_of(&ws, by))],
        vec![
            Field::label(target_name.clone()),
            Field::value(achieved, unit_of(&ws, &target_name)),
        ],
        vec![
            Field::label(format!("{by} (was)")),
            Field::value(Value::Num(start), unit_of(&ws, by)),
        ],
        vec![
            Field::label("evaluations"),
            Field {
                text: root.evaluations.to_string(),
                raw: serde_json::json!(root.evaluations),
            },
        ],
    ];
    grid.note = Some(format!(
        "{by} = {} (full precision); the workbook file is unchanged",
        root.x
    ));
    Ok(Outcome::ok(grid.render(format_of(output.format), output.width)))
}

fn parse_range(arg: &str) -> Result<(f64, f64), String> {
    let (lo, hi) = arg
        .split_once("..")
        .ok_or_else(|| format!("`{arg}` is not a range LO..HI"))?;
    let n = |s: &str| parse_number(s).ok_or_else(|| format!("`{s}` is not a number (in `{arg}`)"));
    let (lo, hi) = (n(lo)?, n(hi)?);
    if !lo.is_finite() || !hi.is_finite() || lo >= hi {
        return Err(format!("`{arg}`: LO must be below HI"));
    }
    Ok((lo, hi))
}

// ----- sensitivity -----

pub fn sensitivity(
    workbook: &str,
    name: &str,
    by: &str,
    plot_to: Option<&Path>,
    options: &PackArgs,
    output: &OutputArgs,
    color: bool,
) -> Run {
    let mut ws = load(Some(workbook), options, color)?;
    let delta = parse_fraction(by).map_err(|e| Outcome::usage(format!("--by {e}")))?;
    let Some(target) = ws.id(name) else {
        return Err(Outcome::usage(ws.unknown(name)));
    };
    let Value::Num(base) = ws.model.value(target) else {
        return Err(Outcome::fail(format!(
            "`{name}` is an error value; fix it before measuring its sensitivity"
        )));
    };
    let mut rows: Vec<(CellId, f64, f64, f64)> = Vec::new();
    let mut skipped = Vec::new();
    let mut missing = Vec::new();
    for input in ws.upstream_inputs(target) {
        let Some(v) = ws.model.value(input).as_num() else {
            // A missing value (`#N/A`) the target does not need (it is a number): nothing to vary.
            missing.push(ws.model.name(input).to_string());
            continue;
        };
        if v == 0.0 {
            skipped.push(ws.model.name(input).to_string());
            continue;
        }
        let at = |ws: &mut Workspace, x: f64| {
            ws.with_inputs(&[(input, x)], |ws| ws.model.value(target).as_num().unwrap_or(f64::NAN))
        };
        let low = at(&mut ws, v * (1.0 - delta));
        let high = at(&mut ws, v * (1.0 + delta));
        rows.push((input, v, low, high));
    }
    let swing = |r: &(CellId, f64, f64, f64)| (r.3 - r.2).abs();
    rows.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
    let unit = unit_of(&ws, name);
    let pct = format!("{:.0}%", delta * 100.0);
    let json = (output.format == OutputFormat::Json).then(|| {
        let inputs: Vec<crate::json::Sensitive> = rows
            .iter()
            .map(|r| {
                let input = ws.model.name(r.0).to_string();
                crate::json::Sensitive {
                    unit: unit_of(&ws, &input).map(str::to_string),
                    input,
                    value: r.1,
                    low: r.2,
                    high: r.3,
                    swing: swing(r) / base.abs(),
                    elasticity: (r.3 - r.2) / base / (2.0 * delta),
                }
            })
            .collect();
        crate::json::sensitivity(name, unit, base, delta, &inputs, &skipped, &missing)
    });
    let mut grid = Grid {
        title: format!(
            "Sensitivity of {name} ({}) to ±{pct} in each input",
            flopsheet_render::format_value(Value::Num(base), unit)
        ),
        headers: vec![
            "input".into(),
            "value".into(),
            format!("{name} at -{pct}"),
            format!("{name} at +{pct}"),
            "swing".into(),
            "elasticity".into(),
        ],
        ..Grid::default()
    };
    for r in &rows {
        let input = ws.model.name(r.0).to_string();
        let elasticity = (r.3 - r.2) / base / (2.0 * delta);
        grid.rows.push(vec![
            Field::label(input.clone()),
            Field::value(Value::Num(r.1), unit_of(&ws, &input)),
            Field::value(Value::Num(r.2), unit),
            Field::value(Value::Num(r.3), unit),
            Field {
                text: format!("{:.1}%", swing(r) / base.abs() * 100.0),
                raw: serde_json::json!(swing(r) / base.abs()),
            },
            Field {
                text: format!("{elasticity:+.2}"),
                raw: serde_json::json!(elasticity),
            },
        ]);
    }
    let mut note = "swing: the target's range as a share of its value; elasticity: % change of the target per % change of the input".to_string();
    if !skipped.is_empty() {
        note.push_str(&format!(
            "\nskipped (zero, so a relative change is meaningless): {}",
            skipped.join(", ")
        ));
    }
    if !missing.is_empty() {
        note.push_str(&format!(
            "\nskipped (missing, no value to vary): {}",
            missing.join(", ")
        ));
    }
    grid.note = Some(note);
    let mut outcome = Outcome {
        stdout: json.unwrap_or_else(|| grid.render(format_of(output.format), output.width)),
        ..Outcome::default()
    };
    if let Some(path) = plot_to {
        let tornado = Tornado {
            target: Quantity::new(name, unit),
            base,
            delta,
            bars: rows
                .iter()
                .map(|r| Bar {
                    name: ws.model.name(r.0).to_string(),
                    low: r.2,
                    high: r.3,
                })
                .collect(),
        };
        outcome.stderr = write_plot(path, |format| tornado.render(format))?;
    }
    Ok(outcome)
}

/// `10%`, `±10%`, or `0.1`.
fn parse_fraction(arg: &str) -> Result<f64, String> {
    let s = arg.trim().trim_start_matches('±').trim_start_matches("+-");
    let value = parse_number(s).ok_or_else(|| format!("`{arg}` is not a relative change such as `10%`"))?;
    if !(value > 0.0 && value < 1.0) {
        return Err(format!("`{arg}`: the change must be between 0% and 100%"));
    }
    Ok(value)
}
