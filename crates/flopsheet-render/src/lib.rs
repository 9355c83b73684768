//! Presenting a flopsheet workspace: numbers formatted by unit, tables as text, Markdown, CSV
//! or JSON, raw values for scripts, and `explain`'s tree of precedents. No file I/O: every
//! function returns a `String` for the caller to print.

pub mod explain;
pub mod grid;
pub mod distribution;
pub mod number;
pub mod plot;
pub mod tables;

pub use explain::explain;
pub use grid::{csv_line, Field, Grid};
pub use number::{format_difference, format_number, format_tolerance, format_value, group_thousands};
pub use tables::{raw, render, select, values, Format, Style};
