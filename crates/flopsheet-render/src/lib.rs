//! Presenting a flopsheet workspace: numbers formatted by unit, tables as text, Markdown, CSV
//! or JSON, raw values for scripts, `explain`'s tree of precedents, and charts of what-if
//! analyses as SVG or PNG. No file I/O: every function returns a `String` (a chart, its
//! file's bytes) for the caller to print or write.

pub mod distribution;
pub mod explain;
mod fit;
pub mod grid;
pub mod number;
pub mod plot;
pub mod tables;

pub use explain::explain;
pub use grid::{csv_line, Field, Grid};
pub use number::{format_difference, format_number, format_number_to, format_tolerance, format_value, group_thousands};
pub use tables::{raw, render, select, values, values_grid, Format, Style};
