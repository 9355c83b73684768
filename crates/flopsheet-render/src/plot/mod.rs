//! Charts of what-if analyses, as SVG or PNG: a line chart for sweeps ([`SweepChart`]) and a
//! tornado for sensitivity ([`Tornado`]).
//!
//! The caller gives the data (names, units, points); this module lays the chart out — ticks
//! formatted by unit as the tables format numbers, axis titles with units, a legend when there
//! are several series, a title saying what was varied, logarithmic axes when asked or when the
//! values span three decades or more — and returns the file's bytes. Text is measured (and, in
//! a PNG, drawn) with a bundled font ([`font`]), so no system font is needed and a chart looks
//! the same on every machine. No file I/O: the caller writes the bytes.

mod axis;
mod canvas;
pub(crate) mod font;
mod line;
mod raster;
pub mod ticks;
mod tornado;

pub use line::{Series, SweepChart};
pub use tornado::{Bar, Tornado};

use std::path::Path;

/// The file formats a chart can be written in, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    /// The extensions understood, as the help text names them.
    pub const SUPPORTED: &'static str = ".svg or .png";

    /// The format for `path`'s extension (`.svg`, `.png`, in any case), or an error naming
    /// the supported ones.
    pub fn for_path(path: &Path) -> Result<ImageFormat, PlotError> {
        let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(PlotError::Extension {
                path: path.display().to_string(),
            }),
        }
    }
}

/// A name on an axis, with its unit (`USD`, `%`, `FLOP`) when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub name: String,
    pub unit: Option<String>,
}

impl Quantity {
    pub fn new(name: impl Into<String>, unit: Option<&str>) -> Quantity {
        Quantity {
            name: name.into(),
            unit: unit.map(str::trim).filter(|u| !u.is_empty()).map(str::to_string),
        }
    }

    /// `mfu (%)`, `training.cost_usd (USD)`, or the bare name.
    pub fn title(&self) -> String {
        titled(&self.name, self.unit.as_deref())
    }
}

fn titled(name: &str, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("{name} ({unit})"),
        None => name.to_string(),
    }
}

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Logarithmic when every value is above zero and they span three decades or more
    /// (the largest at least 1000 times the smallest); linear otherwise.
    #[default]
    Auto,
    Linear,
    Log,
}

/// Why a chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("`{path}`: a chart is written as SVG or PNG, so name the file FILE.svg or FILE.png")]
    Extension { path: String },
    #[error("a logarithmic {axis} axis cannot show {name} = {value}: only values above zero have a logarithm")]
    NotPositive {
        /// `x` or `y`.
        axis: &'static str,
        name: String,
        value: f64,
    },
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
}

impl PlotError {
    fn draw(e: impl std::fmt::Display) -> PlotError {
        PlotError::Draw(e.to_string())
    }
}
