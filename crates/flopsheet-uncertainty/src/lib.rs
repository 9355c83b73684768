//! Uncertainty: distributions on inputs, seeded sampling with rank correlation between inputs,
//! and the statistics of Monte Carlo outputs. No I/O and no model: a front end parses the
//! workbook's `range:`/`dist:` fields into [`Dist`]s, draws columns of samples here, evaluates
//! the model over them (`flopsheet_engine::Model::evaluate_samples`) and summarises the
//! outputs here.
//!
//! - [`dist`]: the distributions, their text form (`normal(0.45, 0.05)`) and their errors;
//! - [`correlate`]: Iman–Conover reordering to induce a rank correlation between inputs;
//! - [`stats`]: mean, standard deviation, percentiles, rank correlation (what drives the spread).

pub mod correlate;
pub mod dist;
pub mod stats;

pub use correlate::{correlate, CorrelationError};
pub use dist::{Dist, DistError, Uncertain};
pub use stats::{percentile, spearman, Summary};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random stream of input number `index` under `seed`: each input has its own stream, so
/// that adding an uncertain input, or changing the number of threads, leaves the samples of
/// the others as they were.
pub fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// The seed used when none is given: fixed, so that a simulation is reproducible by default.
pub const DEFAULT_SEED: u64 = 20_231_101;
