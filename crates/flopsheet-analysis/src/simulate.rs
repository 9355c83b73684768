//! Monte Carlo over the compiled graph: draw every uncertain input (seeded, one stream per
//! input, correlated by rank where asked), evaluate only the cells between those inputs and
//! the outputs for each sample (`Model::evaluate_samples`, on every core), and summarise each
//! output: mean, standard deviation, percentiles, the samples that were error values (counted
//! and named, never averaged in), and the inputs that drive its spread (Spearman's rank
//! correlation of each input's samples with the output's).

use flopsheet_engine::{CellId, ErrorKind, Sampled};
use flopsheet_load::Workspace;
use flopsheet_uncertainty::stats::{pearson, ranks};
use flopsheet_uncertainty::{correlate, stream, Summary, Uncertain};
use std::sync::atomic::AtomicBool;
use thiserror::Error;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimulationSpec {
    /// Each uncertain input (a cell name, `PACK.NAME` or `SLOT.NAME`) and its distribution.
    pub inputs: Vec<(String, Uncertain)>,
    /// Rank correlations between two of the inputs, by name.
    pub correlations: Vec<(String, String, f64)>,
    /// The cells to summarise.
    pub outputs: Vec<String>,
    pub samples: usize,
    pub seed: u64,
    /// Percentiles to report, 0..=100.
    pub percentiles: Vec<f64>,
    /// Threads to evaluate on (at least one).
    pub threads: usize,
}

/// The result of a simulation.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub samples: usize,
    pub seed: u64,
    /// Each input's name (as the model names it) and its samples, in sample order.
    pub inputs: Vec<(String, Vec<f64>)>,
    pub outputs: Vec<Output>,
}

/// One output's samples and statistics.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    /// Statistics of the samples that were numbers; `None` when none was.
    pub summary: Option<Summary>,
    /// Samples that were error values: the kind, how many, and the cell each started in.
    pub errors: Vec<(ErrorKind, usize, String)>,
    /// Every sample, in sample order (an error sample as NaN; see `errors`).
    pub values: Vec<f64>,
    /// The inputs by how much they drive this output's spread, strongest first.
    pub drivers: Vec<Driver>,
}

/// How strongly an input moves an output.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub input: String,
    /// Spearman's rank correlation of the input's samples with the output's.
    pub rank_correlation: f64,
    /// Its square, as a share of the sum of squares over all inputs: a rough share of the
    /// output's (rank) variance, exact only for independent inputs and a monotone model.
    pub share: f64,
}

#[derive(Debug, Error)]
pub enum SimError {
    #[error("{0}")]
    Name(String),
    #[error("`{name}` cannot be simulated: {reason}")]
    Input { name: String, reason: String },
    #[error("the correlation of `{a}` and `{b}`: {reason}")]
    Correlation { a: String, b: String, reason: String },
    #[error("the correlations taken together: {0}")]
    Correlations(String),
    #[error("nothing to simulate: no input has a range or a distribution (declare `range:` or `dist:` on an input, or pass --range NAME=LO..HI)")]
    NoInputs,
    #[error("interrupted")]
    Interrupted,
}

/// Most samples the drivers of an output are computed from.
const DRIVER_SAMPLES: usize = 100_000;

/// Samples evaluated between two calls of `progress`.
const CHUNK: usize = 1 << 16;

/// Runs `spec` on `ws`. Formula cells given a distribution are pinned as inputs for the run
/// (as `--set` would). `progress(done, total)` is called after each chunk of samples; `stop`
/// ends the run early with [`SimError::Interrupted`].
pub fn simulate(
    ws: &mut Workspace,
    spec: &SimulationSpec,
    progress: &mut dyn FnMut(usize, usize),
    stop: &AtomicBool,
) -> Result<Simulation, SimError> {
    if spec.inputs.is_empty() {
        return Err(SimError::NoInputs);
    }
    let mut input_ids: Vec<CellId> = Vec::new();
    let mut input_names: Vec<String> = Vec::new();
    for (name, _) in &spec.inputs {
        let id = ws.pin(name).map_err(|e| SimError::Input {
            name: name.clone(),
            reason: e.to_string(),
        })?;
        if input_ids.contains(&id) {
            return Err(SimError::Input {
                name: name.clone(),
                reason: "it is given two distributions".into(),
            });
        }
        input_ids.push(id);
        input_names.push(ws.model.name(id).to_string());
    }
    let output_ids: Vec<CellId> = spec
        .outputs
        .iter()
        .map(|n| ws.id(n).ok_or_else(|| SimError::Name(ws.unknown(n).to_string())))
        .collect::<Result<_, _>>()?;

    // Draw each input from its own stream, then pair them by rank where correlated.
    // Each input on a thread: its stream is its own, so the samples do not depend on the
    // threads.
    let mut columns: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = spec
            .inputs
            .iter()
            .enumerate()
            .map(|(i, (_, u))| scope.spawn(move || u.sample(&mut stream(spec.seed, i as u64), spec.samples)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    if !spec.correlations.is_empty() {
        let index = |name: &str| -> Option<usize> {
            let id = ws.id(name)?;
            input_ids.iter().position(|&i| i == id)
        };
        let mut pairs = Vec::new();
        for (a, b, r) in &spec.correlations {
            let (Some(i), Some(j)) = (index(a), index(b)) else {
                return Err(SimError::Correlation {
                    a: a.clone(),
                    b: b.clone(),
                    reason: "both must be uncertain inputs (give each a range or a distribution)".into(),
                });
            };
            // Each pair alone first, so that an error names it.
            flopsheet_uncertainty::correlate::matrix(columns.len(), &[(i, j, *r)]).map_err(|e| {
                SimError::Correlation {
                    a: a.clone(),
                    b: b.clone(),
                    reason: e.to_string(),
                }
            })?;
            pairs.push((i, j, *r));
        }
        let together = |e: flopsheet_uncertainty::CorrelationError| SimError::Correlations(e.to_string());
        let matrix = flopsheet_uncertainty::correlate::matrix(columns.len(), &pairs).map_err(together)?;
        correlate(&mut columns, &matrix, &mut stream(spec.seed, u64::MAX)).map_err(together)?;
    }

    let plan = ws
        .model
        .sample_plan(&input_ids, &output_ids)
        .map_err(|e| SimError::Name(e.to_string()))?;
    let mut results: Vec<Sampled> = output_ids
        .iter()
        .map(|_| Sampled {
            values: Vec::with_capacity(spec.samples),
            errors: Vec::new(),
        })
        .collect();
    let mut done = 0;
    while done < spec.samples {
        let end = (done + CHUNK).min(spec.samples);
        let chunk: Vec<&[f64]> = columns.iter().map(|c| &c[done..end]).collect();
        let values = ws
            .model
            .evaluate_samples(&plan, &chunk, spec.threads, stop)
            .ok_or(SimError::Interrupted)?;
        for (all, part) in results.iter_mut().zip(values) {
            all.values.extend(part.values);
            all.errors.extend(part.errors.into_iter().map(|(s, e)| (s + done, e)));
        }
        done = end;
        progress(done, spec.samples);
    }

    let inputs: Vec<(String, Vec<f64>)> = input_names.into_iter().zip(columns).collect();
    // Each output summarised on a thread of its own, up to `threads` at a time.
    let ws: &Workspace = ws;
    let mut outputs = Vec::with_capacity(output_ids.len());
    let mut pending = output_ids.iter().zip(results).peekable();
    while pending.peek().is_some() {
        let batch: Vec<_> = pending.by_ref().take(spec.threads.max(1)).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|(&id, sampled)| {
                    let inputs = &inputs;
                    scope.spawn(move || summarise(ws, id, sampled, inputs, &spec.percentiles))
                })
                .collect();
            outputs.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
            );
        });
    }
    Ok(Simulation {
        samples: spec.samples,
        seed: spec.seed,
        inputs,
        outputs,
    })
}

fn summarise(
    ws: &Workspace,
    id: CellId,
    sampled: &Sampled,
    inputs: &[(String, Vec<f64>)],
    percentiles: &[f64],
) -> Output {
    let mut errors: Vec<(ErrorKind, usize, String)> = Vec::new();
    for (_, e) in &sampled.errors {
        let origin = ws.model.name(e.origin);
        match errors.iter_mut().find(|(k, _, o)| *k == e.kind && o == origin) {
            Some((_, count, _)) => *count += 1,
            None => errors.push((e.kind, 1, origin.to_string())),
        }
    }
    let flat = &sampled.values;
    let mut numbers: Vec<f64> = if sampled.errors.is_empty() {
        flat.clone()
    } else {
        flat.iter().copied().filter(|v| !v.is_nan()).collect()
    };
    // What drives the spread: over the samples where the output is a number, evenly thinned
    // to at most DRIVER_SAMPLES (ranking is n log n; a rank correlation from 100,000 samples
    // is within ±0.01 of the one from all).
    let stride = flat.len().div_ceil(DRIVER_SAMPLES).max(1);
    let ok: Vec<usize> = (0..flat.len()).step_by(stride).filter(|&s| !flat[s].is_nan()).collect();
    let output: Vec<f64> = ok.iter().map(|&s| flat[s]).collect();
    let output_ranks = ranks(&output);
    let mut drivers: Vec<Driver> = inputs
        .iter()
        .map(|(name, column)| {
            let input: Vec<f64> = ok.iter().map(|&s| column[s]).collect();
            let rho = pearson(&ranks(&input), &output_ranks);
            Driver {
                input: name.clone(),
                rank_correlation: if rho.is_nan() { 0.0 } else { rho },
                share: 0.0,
            }
        })
        .collect();
    let total: f64 = drivers.iter().map(|d| d.rank_correlation.powi(2)).sum();
    for d in &mut drivers {
        d.share = if total > 0.0 {
            d.rank_correlation.powi(2) / total
        } else {
            0.0
        };
    }
    drivers.sort_by(|a, b| b.rank_correlation.abs().total_cmp(&a.rank_correlation.abs()));
    let summary = (!numbers.is_empty()).then(|| Summary::of(&mut numbers, percentiles));
    Output {
        name: ws.model.name(id).to_string(),
        summary,
        errors,
        values: sampled.values.clone(),
        drivers,
    }
}
