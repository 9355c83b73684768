//! What-if trials: override some inputs (or put another pack in a slot), recompute, read,
//! restore. Nothing is written to the user's files.
//!
//! Overriding inputs is the fast path: the engine recomputes only the cells downstream of
//! them, then recomputes them back. Overriding a formula cell or a slot changes the model's
//! structure, so it goes through the loader's incremental reload (from cached file texts) and
//! back.

use crate::workspace::{Failure, UnknownCell, Workspace};
use flopsheet_engine::{CellId, Value};
use std::collections::HashSet;
use thiserror::Error;

/// Overrides for one trial.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trial {
    pub set: Vec<(String, f64)>,
    pub slots: Vec<(String, String)>,
}

#[derive(Debug, Error)]
pub enum InputError {
    #[error(transparent)]
    Unknown(#[from] UnknownCell),
    #[error("`{name}` cannot be made an input:\n{rendered}")]
    Load { name: String, rendered: String },
}

impl Workspace {
    /// The id of `name` as an input that trials can vary. A formula cell is pinned to its
    /// current value for the rest of this session (as `--set` would), so that "what if the
    /// MFU were 35%" works whether the MFU is typed in or read from a pack.
    pub fn pin(&mut self, name: &str) -> Result<CellId, InputError> {
        let id = self.id(name).ok_or_else(|| self.unknown(name))?;
        if self.model.is_input(id) {
            return Ok(id);
        }
        let current = self.model.value(id).as_num().unwrap_or(0.0);
        let name = self.canonical(name).into_owned();
        let name = name.as_str();
        self.options.overrides.push((name.to_string(), current));
        if let Err(failure) = self.reload_changed(&[]) {
            self.options.overrides.pop();
            return Err(InputError::Load {
                name: name.to_string(),
                rendered: failure.render(false),
            });
        }
        self.model
            .id(name)
            .ok_or_else(|| InputError::Unknown(self.unknown(name)))
    }

    /// Every input `id` depends on, directly or not, in the model's order.
    pub fn upstream_inputs(&self, id: CellId) -> Vec<CellId> {
        let mut seen = HashSet::new();
        let mut stack = vec![id];
        let mut inputs = Vec::new();
        while let Some(c) = stack.pop() {
            for &p in self.model.precedents(c) {
                if seen.insert(p) {
                    if self.model.is_input(p) {
                        inputs.push(p);
                    }
                    stack.push(p);
                }
            }
        }
        inputs.sort_unstable();
        inputs
    }

    /// Sets inputs, recomputes their dependents, calls `read`, and puts the old values back.
    pub fn with_inputs<T>(&mut self, inputs: &[(CellId, f64)], read: impl FnOnce(&mut Workspace) -> T) -> T {
        // Values, not numbers: a missing input's `#N/A` is put back as it was.
        let old: Vec<(CellId, Value)> = inputs.iter().map(|&(id, _)| (id, self.model.value(id))).collect();
        // Only inputs reach here (see `input`), so setting them cannot fail.
        let _ = self.model.set_inputs(inputs);
        let result = read(self);
        let _ = self.model.set_input_values(&old);
        result
    }

    /// Runs `read` on the model with `trial`'s overrides applied, then restores the model.
    pub fn with_trial<T>(&mut self, trial: &Trial, read: impl FnOnce(&mut Workspace) -> T) -> Result<T, Failure> {
        let inputs: Option<Vec<(CellId, f64)>> = trial
            .set
            .iter()
            .map(|(name, v)| {
                self.model
                    .id(name)
                    .filter(|&id| self.model.is_input(id))
                    .map(|id| (id, *v))
            })
            .collect();
        if let (Some(inputs), true) = (&inputs, trial.slots.is_empty()) {
            return Ok(self.with_inputs(inputs, read));
        }
        let saved = self.options.clone();
        self.options.overrides.extend(trial.set.iter().cloned());
        self.options.slots.extend(trial.slots.iter().cloned());
        let outcome = self.reload_changed(&[]).map(|_| read(self));
        self.options = saved;
        // The base definitions loaded before, from the same cached texts, so they load again.
        let _ = self.reload_changed(&[]);
        outcome
    }
}
