//! The command line: flags and subcommands, parsed by clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "flopsheet",
    version,
    about = "A spreadsheet-style workspace for the economics of large language models"
)]
#[command(
    after_help = "Exit codes: 0 success; 1 the workbook has errors (or a value asked for is an error); 2 bad usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a workbook's tables (the article overview when no workbook is given).
    Show {
        #[command(flatten)]
        load: LoadArgs,
        /// Only this table.
        #[arg(long)]
        table: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Table width in characters (default: the terminal's).
        #[arg(long)]
        width: Option<u16>,
    },
    /// Print raw values of cells at full precision.
    Get {
        /// A workbook file, or the name of a shipped workbook.
        workbook: String,
        /// Cell names (`training.palm.cost_usd`).
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        options: PackArgs,
        #[arg(long, value_enum, default_value_t = GetFormat::Plain)]
        format: GetFormat,
    },
    /// Show how a cell is computed: its formula, inputs, sources and precedents.
    Explain {
        workbook: String,
        name: String,
        #[command(flatten)]
        options: PackArgs,
    },
    /// Validate a workbook and its packs; exit 1 if anything is wrong.
    Check {
        #[command(flatten)]
        load: LoadArgs,
    },
    /// List the packs on the search path and where each comes from.
    Packs {
        /// Also list each pack's values.
        #[arg(long)]
        values: bool,
        /// Resolve the workspace plugin folder from this folder (default: the current one).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[command(flatten)]
        options: PackArgs,
    },
    /// List the workbooks built into flopsheet.
    Workbooks,
}

/// A workbook (optional: defaults to the overview) and pack options.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// A workbook file, or the name of a shipped workbook (`search_cost`).
    pub workbook: Option<String>,
    #[command(flatten)]
    pub options: PackArgs,
}

#[derive(Debug, Args, Clone)]
pub struct PackArgs {
    /// A plugin folder searched before all others (repeatable).
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
    /// Override a cell for this run: `--set mfu=0.35` (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub set: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GetFormat {
    Plain,
    Json,
}

fn parse_override(arg: &str) -> Result<(String, f64), String> {
    let (name, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not NAME=VALUE (e.g. `mfu=0.35`)"))?;
    let number: f64 = value
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{value}` is not a number (in `--set {arg}`)"))?;
    if !number.is_finite() {
        return Err(format!("`{value}` is not a finite number"));
    }
    Ok((name.trim().to_string(), number))
}
