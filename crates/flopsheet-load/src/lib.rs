//! Loading flopsheet workbooks and packs: files → resolved definitions → an evaluated model.
//!
//! The stages, one module each:
//!
//! - [`raw`]: serde structs mirroring the RON files, unknown fields denied;
//! - [`spans`]: where each value sits in a file, for diagnostics (and duplicate keys), with
//!   `syntax` sharing its rules for comments and strings (`lex`);
//! - [`packs`]: the plugin search path, its precedence, and the built-in packs and workbooks;
//! - [`resolve`]: names given their meaning (pack values, table cells), formulas parsed;
//! - [`units`]: every `unit` parsed, every formula's unit inferred and checked;
//! - [`references`]: published figures beside estimates, as hidden cells, and the comparison;
//! - `uncertain`: distributions on inputs (`range:`, `dist:`, `clip:`) and `correlations:`;
//! - `diagnose`: engine errors turned into diagnostics with spans (and `syntax`: RON's errors);
//! - [`workspace`]: the façade that runs them all, and reloads after an edit.
//!
//! All file I/O of flopsheet happens here; the engine never touches a file.

mod cells;
mod checks;
mod diagnose;
mod lex;
pub mod memory;
pub mod packs;
pub mod raw;
pub mod references;
pub mod resolve;
pub mod source;
pub mod spans;
mod syntax;
pub mod trial;
mod uncertain;
pub mod units;
pub mod workspace;

pub use cells::Cells;
pub use checks::MAX_CELLS;
pub use packs::{Level, SearchPath};
pub use raw::Notes;
pub use references::{Comparison, Problem, Reference, Summary, Verdict};
pub use resolve::{CellInfo, Layout, Origin, Scenario, Table, TableCell, Workbook};
pub use source::{Diagnostic, Sources};
pub use trial::{InputError, Trial};
pub use workspace::{list_packs, Definitions, Failure, FindError, LoadOptions, UnknownCell, WorkbookSource, Workspace};
