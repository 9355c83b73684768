//! Units of flopsheet values: what a `unit` string means, and whether formulas agree with it.
//!
//! Every value of a workbook carries a `unit` string (`"USD/h"`, `"FLOP/s"`, `"tokens"`). This
//! crate gives it a meaning — a product of named factors, each with a dimension vector over
//! the base dimensions (`USD`, `FLOP`, `s`, `B`, `token`, `param`, `J`, and one count dimension
//! per other word) and a scale — and checks formulas against it:
//!
//! - [`parse`]: the unit grammar (`USD/1k tokens`, `kWh`, `FLOP/param/token`, `GiB`), plural
//!   and singular alike, near-misses of known units refused with "did you mean";
//! - [`unit`]: the algebra (products, quotients, integer powers) and how a unit prints;
//! - [`infer`]: units inferred over a formula ([`flopsheet_engine::Expr`]), with the problems
//!   found on the way (sums of different units, a declared unit the formula does not compute);
//! - [`problem`]: those problems as data, with the words of the formula to point at.
//!
//! No I/O: the loader calls this once names are resolved; the renderer converts for display.

pub mod infer;
pub mod parse;
pub mod problem;
pub mod unit;

pub use infer::{infer, Env, Inferred};
pub use parse::{Registry, UnitError};
pub use problem::{Kind, Problem};
pub use unit::{Dims, Unit};
