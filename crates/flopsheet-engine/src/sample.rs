//! The model evaluated many times over, once per sample of its uncertain inputs (Monte Carlo).
//!
//! A [`SamplePlan`] is the part of the graph that a simulation must recompute: the formula
//! cells downstream of the varied inputs and upstream of the asked-for outputs, in dependency
//! order. Every other cell keeps its value, so a sample costs only the programs in the plan,
//! whatever the size of the workbook. Samples are split into contiguous blocks, one per
//! thread; each thread keeps its own copy of the values and runs the compiled programs of the
//! plan for each sample of its block, exactly as [`Model::set_inputs`] would (same programs,
//! same error values), so a sample's outputs equal what `--set` of its inputs would print.
//! The result is in sample order whatever the number of threads.

use crate::compile;
use crate::model::Model;
use crate::value::Slot;
use crate::{CellError, CellId, EngineError, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// One output over every sample: 8 bytes a sample, an error sample as NaN (a formula never
/// holds a NaN as a number: it would be `#NUM`), its error listed apart (errors are rare).
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    pub values: Vec<f64>,
    /// `(sample, error)` for each sample whose value is an error, in sample order.
    pub errors: Vec<(usize, CellError)>,
}

/// What one simulation recomputes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamplePlan {
    inputs: Vec<CellId>,
    /// Formula cells to recompute per sample, in dependency order.
    cells: Vec<CellId>,
    outputs: Vec<CellId>,
}

impl SamplePlan {
    /// The formula cells recomputed per sample.
    pub fn cells(&self) -> &[CellId] {
        &self.cells
    }
}

impl Model {
    /// The plan to simulate `outputs` over samples of `inputs` (each must be an input cell).
    pub fn sample_plan(&self, inputs: &[CellId], outputs: &[CellId]) -> Result<SamplePlan, EngineError> {
        if let Some(&id) = inputs.iter().find(|&&id| !self.is_input(id)) {
            return Err(EngineError::NotAnInput(self.name(id).to_string()));
        }
        // Every id given so far: after a reload that removed cells (a slot given another
        // pack), ids run past the count of live cells.
        let n = self.id_bound();
        // Downstream of the inputs ...
        let mut down = vec![false; n];
        let mut stack: Vec<CellId> = inputs.to_vec();
        while let Some(c) = stack.pop() {
            for &d in self.dependents(c) {
                if !down[d as usize] {
                    down[d as usize] = true;
                    stack.push(d);
                }
            }
        }
        // ... and upstream of the outputs.
        let mut up = vec![false; n];
        stack.extend(outputs.iter().copied().filter(|&o| down[o as usize]));
        for &o in &stack {
            up[o as usize] = true;
        }
        while let Some(c) = stack.pop() {
            for &p in self.precedents(c) {
                if down[p as usize] && !up[p as usize] {
                    up[p as usize] = true;
                    stack.push(p);
                }
            }
        }
        let cells = self
            .order()
            .iter()
            .copied()
            .filter(|&c| up[c as usize] && self.is_compiled(c))
            .collect();
        Ok(SamplePlan {
            inputs: inputs.to_vec(),
            cells,
            outputs: outputs.to_vec(),
        })
    }

    /// Evaluates `plan` once per sample: `columns[i][s]` is the value of the plan's input `i`
    /// in sample `s` (every column as long as the first). Returns, for each output, its value
    /// in each sample. Runs on `threads` threads (at least one); stops early, returning `None`,
    /// once `stop` is set (checked between blocks of samples).
    pub fn evaluate_samples(
        &self,
        plan: &SamplePlan,
        columns: &[&[f64]],
        threads: usize,
        stop: &AtomicBool,
    ) -> Option<Vec<Sampled>> {
        assert_eq!(columns.len(), plan.inputs.len(), "one column per input of the plan");
        let samples = columns.first().map_or(0, |c| c.len());
        let threads = threads.clamp(1, samples.max(1));
        let per_thread = samples.div_ceil(threads);
        let blocks: Vec<Option<Vec<Sampled>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * per_thread).min(samples)..((t + 1) * per_thread).min(samples);
                    scope.spawn(move || self.evaluate_block(plan, columns, range, stop))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        let mut outputs: Vec<Sampled> = plan
            .outputs
            .iter()
            .map(|_| Sampled {
                values: Vec::with_capacity(samples),
                errors: Vec::new(),
            })
            .collect();
        for block in blocks {
            for (all, part) in outputs.iter_mut().zip(block?) {
                let offset = all.values.len();
                all.values.extend(part.values);
                all.errors.extend(part.errors.into_iter().map(|(s, e)| (s + offset, e)));
            }
        }
        Some(outputs)
    }

    fn evaluate_block(
        &self,
        plan: &SamplePlan,
        columns: &[&[f64]],
        range: std::ops::Range<usize>,
        stop: &AtomicBool,
    ) -> Option<Vec<Sampled>> {
        /// Samples between two looks at `stop`.
        const CHECK_EVERY: usize = 4096;
        let mut slots: Vec<Slot> = self.slots().to_vec();
        let mut stack = Vec::new();
        let consts = self.const_values();
        let lists = self.column_lists();
        let mut outputs: Vec<Sampled> = plan
            .outputs
            .iter()
            .map(|_| Sampled {
                values: Vec::with_capacity(range.len()),
                errors: Vec::new(),
            })
            .collect();
        let start = range.start;
        for s in range {
            if s % CHECK_EVERY == 0 && stop.load(Ordering::Relaxed) {
                return None;
            }
            for (&input, column) in plan.inputs.iter().zip(columns) {
                slots[input as usize] = Slot::new(Value::Num(column[s]));
            }
            for &c in &plan.cells {
                let value = compile::eval(self.program(c), c, &slots, consts, lists, &mut stack);
                slots[c as usize] = Slot::new(value);
            }
            for (out, &o) in outputs.iter_mut().zip(&plan.outputs) {
                match slots[o as usize].load() {
                    Ok(n) => out.values.push(n),
                    Err(e) => {
                        out.errors.push((s - start, e));
                        out.values.push(f64::NAN);
                    }
                }
            }
        }
        Some(outputs)
    }
}
