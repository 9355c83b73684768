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
        #[command(flatten)]
        output: OutputArgs,
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
    /// Print the tables, then recompute and reprint on every save of the workbook or its packs.
    Watch {
        /// The workbook file to watch.
        workbook: String,
        #[command(flatten)]
        options: PackArgs,
        /// Only this table.
        #[arg(long)]
        table: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
        /// Clear the screen before each reprint.
        #[arg(long)]
        clear: bool,
    },
    /// List the workbooks built into flopsheet.
    Workbooks,
    /// Compare scenarios side by side, each against the base (all scenarios if none named).
    Compare {
        workbook: String,
        /// Scenarios to compare (default: every scenario the workbook declares).
        scenarios: Vec<String>,
        /// Cells to compare (default: every cell of the tables).
        #[arg(long, num_args = 1..)]
        show: Vec<String>,
        /// Compare the cells of this table only.
        #[arg(long)]
        table: Option<String>,
        #[command(flatten)]
        options: PackArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// A data table: the shown cells as one or two inputs (or a pack slot) vary.
    Sweep {
        workbook: String,
        /// `NAME=FROM..TO[:STEPS]` (11 steps by default), `NAME=a,b,c`, or `SLOT=pack,pack`; once or twice.
        #[arg(long, required = true)]
        vary: Vec<String>,
        /// The cells to show.
        #[arg(long, required = true, num_args = 1..)]
        show: Vec<String>,
        #[command(flatten)]
        chart: SweepChartArgs,
        #[command(flatten)]
        options: PackArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Goal seek: the value of an input that brings a cell to a target.
    Solve {
        workbook: String,
        /// `NAME=VALUE`: the cell and the value it must reach (VALUE may name another cell).
        #[arg(long)]
        target: String,
        /// The input to change.
        #[arg(long)]
        by: String,
        /// Search this range, `LO..HI` (default: widen outward from the input's value).
        #[arg(long)]
        within: Option<String>,
        #[command(flatten)]
        options: PackArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Rank the inputs upstream of a cell by how much a relative change moves it (a tornado).
    Sensitivity {
        workbook: String,
        /// The cell to study.
        name: String,
        /// The relative change applied to each input, down and up.
        #[arg(long, default_value = "10%")]
        by: String,
        /// Also draw a tornado chart to FILE.svg or FILE.png (by the extension), the widest
        /// swing at the top.
        #[arg(long, value_name = "FILE.svg|FILE.png", value_parser = parse_plot_file)]
        plot: Option<PathBuf>,
        #[command(flatten)]
        options: PackArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// `sweep`'s chart: where to draw it, and its axes.
#[derive(Debug, Args, Clone)]
pub struct SweepChartArgs {
    /// Also draw a line chart to FILE.svg or FILE.png (by the extension): the shown cells
    /// against the numeric --vary, one line per shown cell or per value of the other --vary.
    #[arg(long, value_name = "FILE.svg|FILE.png", value_parser = parse_plot_file)]
    pub plot: Option<PathBuf>,
    /// A logarithmic x axis. Without --log-x, --log-y or --linear, an axis is logarithmic
    /// when its values are all above zero and span 3 decades or more (max >= 1000 x min).
    #[arg(long, requires = "plot")]
    pub log_x: bool,
    /// A logarithmic y axis (every shown value must be above zero).
    #[arg(long, requires = "plot")]
    pub log_y: bool,
    /// Both axes linear, even when the values span 3 decades or more.
    #[arg(long, requires = "plot", conflicts_with_all = ["log_x", "log_y"])]
    pub linear: bool,
}

/// `--plot FILE`: a file name ending in `.svg` or `.png`; anything else is refused before
/// any work is done.
fn parse_plot_file(arg: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(arg);
    flopsheet_render::plot::ImageFormat::for_path(&path).map_err(|e| e.to_string())?;
    Ok(path)
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
    /// Override a cell for this run: `--set mfu=0.35` or `--set mfu=35%` (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub set: Vec<(String, f64)>,
    /// Put another pack in one of the workbook's slots for this run: `--slot hardware=h200`.
    #[arg(long = "slot", value_name = "SLOT=PACK", value_parser = parse_slot)]
    pub slot: Vec<(String, String)>,
}

fn parse_slot(arg: &str) -> Result<(String, String), String> {
    let (slot, pack) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not SLOT=PACK (e.g. `hardware=h100_sxm`)"))?;
    Ok((slot.trim().to_string(), pack.trim().to_string()))
}

/// How to print a result.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Table width in characters (default: the terminal's).
    #[arg(long)]
    pub width: Option<u16>,
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

/// A number typed on the command line: `0.35`, `3e9`, `1_000_000`, or a percentage, `35%`
/// (0.35), as the tables print a fraction.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim().replace('_', "");
    match text.strip_suffix('%') {
        Some(percent) => percent.trim_end().parse::<f64>().ok().map(|p| p / 100.0),
        None => text.parse().ok(),
    }
}

fn parse_override(arg: &str) -> Result<(String, f64), String> {
    let (name, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not NAME=VALUE (e.g. `mfu=0.35`)"))?;
    if name.trim().is_empty() {
        return Err(format!("`{arg}` has no name before `=` (e.g. `mfu=0.35`)"));
    }
    let number = parse_number(value).ok_or_else(|| format!("`{value}` is not a number (in `--set {arg}`)"))?;
    if !number.is_finite() {
        return Err(format!("`{value}` is not a finite number"));
    }
    Ok((name.trim().to_string(), number))
}
