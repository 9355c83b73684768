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
    after_help = "Exit codes: 0 success; 1 the workbook does not load, a value asked for is an error, `check` found problems or `check --references` failed (`show`/`get` with --strict: any error in the workbook); 2 bad usage."
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
    #[command(
        after_help = "Examples:\n  flopsheet show training_cost\n  flopsheet show workbooks/serving.ron --table batches --format markdown\n  flopsheet show inference_cost --set aws_a100.instance_usd_per_hour=12 --width 100"
    )]
    Show {
        #[command(flatten)]
        load: LoadArgs,
        /// Only this table.
        #[arg(long)]
        table: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
        /// Exit 1 if any cell of the workbook is an error (without it, error values are shown
        /// as values and their diagnostics printed as warnings).
        #[arg(long)]
        strict: bool,
    },
    /// Print raw values of cells at full precision.
    #[command(
        after_help = "Examples:\n  flopsheet get training_cost training.palm.cost_usd\n  flopsheet get accelerators model.params hardware.peak_flops_bf16 --format json\n  flopsheet get serving usd_per_1m_output_tokens --slot model=deepseek_v3 --set gpus=8"
    )]
    Get {
        /// A workbook file, or the name of a shipped workbook (or, without one, a pack value).
        workbook: String,
        /// Cell names (`training.palm.cost_usd`, `PACK.NAME`, `SLOT.NAME`). Without a workbook,
        /// pack values alone: `flopsheet get h100_sxm.peak_flops_bf16`.
        names: Vec<String>,
        #[command(flatten)]
        options: PackArgs,
        /// `plain`: the raw values; `json`: one object, name → number (or error code).
        #[arg(long, value_enum, default_value_t = GetFormat::Plain)]
        format: GetFormat,
        /// Exit 1 if any cell of the workbook is an error, not only a value asked for.
        #[arg(long)]
        strict: bool,
    },
    /// Show how a cell is computed: its formula, inputs, sources and precedents.
    #[command(
        after_help = "Examples:\n  flopsheet explain training_cost training.palm.cost_usd\n  flopsheet explain accelerators model.params"
    )]
    Explain {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
        workbook: String,
        /// A cell name: `training.palm.cost_usd`, `PACK.NAME` or `SLOT.NAME`.
        name: String,
        #[command(flatten)]
        options: PackArgs,
    },
    /// Validate a workbook and its packs; exit 1 if anything is wrong.
    #[command(
        after_help = "Examples:\n  flopsheet check my_model.ron\n  flopsheet check frontier_training --references"
    )]
    Check {
        #[command(flatten)]
        load: LoadArgs,
        /// `json`: the diagnostics as a JSON array (file, line, column, message, help, labels).
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Also compare every estimate with its reference: exit 1 if any is outside its
        /// tolerance (or cannot be compared).
        #[arg(long)]
        references: bool,
    },
    /// List the packs on the search path and where each comes from.
    #[command(after_help = "Examples:\n  flopsheet packs\n  flopsheet packs --values --plugins my_plugins")]
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
    #[command(
        after_help = "Examples:\n  flopsheet watch my_model.ron\n  flopsheet watch my_model.ron --table summary --clear"
    )]
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
    #[command(after_help = "Examples:\n  flopsheet workbooks\n  flopsheet new my_model.ron --from training_cost")]
    Workbooks,
    /// Monte Carlo: percentiles of cells over the uncertain inputs, and what drives the spread.
    #[command(
        after_help = "Examples:\n  flopsheet simulate training_cost training.gpt3.cost_usd training.palm.cost_usd --range mfu=0.35..0.55 --range tpu_v4.usd_per_hour_1yr=1.6..2.6\n  flopsheet simulate training_cost training --samples 1000000 --format json\n  flopsheet simulate serving usd_per_1m_output_tokens --dist mbu='pert(0.4, 0.6, 0.85)' --percentiles 1,50,99\n\nInputs are uncertain where the workbook gives them a `range:` or `dist:`, or with --range/--dist here.\nThe same seed gives the same numbers on every run."
    )]
    Simulate {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
        workbook: String,
        /// Cells to summarise (a table's name stands for all its cells).
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        sampling: SampleArgs,
        /// Write every sample (inputs and outputs) to this CSV file.
        #[arg(long, value_name = "FILE.csv")]
        samples_out: Option<PathBuf>,
        /// Draw a histogram of each cell, its percentiles marked, to this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<PathBuf>,
        /// Draw what drives each cell's spread (rank correlations, as bars) to this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        plot_drivers: Option<PathBuf>,
        #[command(flatten)]
        options: PackArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Start a workbook: a commented template, or a copy of a shipped workbook to edit.
    #[command(
        after_help = "Examples:\n  flopsheet new my_model.ron\n  flopsheet new my_training.ron --from training_cost\n\nThe file must not exist: flopsheet never overwrites a file."
    )]
    New {
        /// The workbook file to create (`my_model.ron`).
        file: PathBuf,
        /// Copy this shipped workbook (`flopsheet workbooks` lists them) instead of the template.
        #[arg(long, value_name = "SHIPPED")]
        from: Option<String>,
    },
    /// Print a shell completion script: `flopsheet completions bash > ~/.local/share/bash-completion/completions/flopsheet`.
    #[command(
        after_help = "Examples:\n  flopsheet completions bash > ~/.local/share/bash-completion/completions/flopsheet\n  flopsheet completions zsh > ~/.zfunc/_flopsheet\n  flopsheet completions fish > ~/.config/fish/completions/flopsheet.fish\n  flopsheet completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Compare scenarios side by side, each against the base (all scenarios if none named).
    #[command(
        after_help = "Examples:\n  flopsheet compare accelerators\n  flopsheet compare accelerators h100 tpu_v5p --show training.cost_usd"
    )]
    Compare {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
        workbook: String,
        /// Scenarios to compare (default: every scenario the workbook declares).
        scenarios: Vec<String>,
        /// Cells to compare (default: every cell of the tables).
        #[arg(long, num_args = 1..)]
        show: Vec<String>,
        /// Compare the cells of this table only.
        #[arg(long)]
        table: Option<String>,
        /// Compare percentiles: each scenario simulated over the uncertain inputs, same seed.
        #[arg(long)]
        simulate: bool,
        #[command(flatten)]
        sampling: SampleArgs,
        #[command(flatten)]
        options: PackArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// A data table: the shown cells as one or two inputs (or a pack slot) vary.
    #[command(
        after_help = "Examples:\n  flopsheet sweep training_cost --vary mfu=0.3..0.6:7 --show training.gpt3.cost_usd\n  flopsheet sweep accelerators --vary hardware=a100_80gb,h100_sxm,h200 --vary mfu_serving=0.1..0.5:5 --show serving.usd_per_1k_tokens"
    )]
    Sweep {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
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
    #[command(
        after_help = "Examples:\n  flopsheet solve accelerators --target search.margin_per_query=0 --by usd_per_hour\n  flopsheet solve accelerators --target training.cost_usd=1e6 --by mfu_training --within 0.05..0.9"
    )]
    Solve {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
        workbook: String,
        /// `NAME=VALUE`: the cell and the value it must reach (VALUE may name another cell, or
        /// be `reference`: NAME's own reference value).
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
    /// Export a workbook as a spreadsheet with live formulas (.xlsx), or as JSON (.json).
    #[command(
        after_help = "Examples:\n  flopsheet export training_cost training_cost.xlsx\n  flopsheet export accelerators h100.xlsx --scenario h100\n  flopsheet export workbooks/serving.ron serving.json"
    )]
    Export {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
        workbook: String,
        /// The file to write: `.xlsx` or `.json` (written atomically; never the workbook itself).
        file: PathBuf,
        /// Export with one of the workbook's scenarios applied.
        #[arg(long)]
        scenario: Option<String>,
        #[command(flatten)]
        options: PackArgs,
    },
    /// Rank the inputs upstream of a cell by how much a relative change moves it (a tornado).
    #[command(
        after_help = "Examples:\n  flopsheet sensitivity accelerators training.cost_usd\n  flopsheet sensitivity accelerators training.cost_usd --by 20% --plot tornado.svg"
    )]
    Sensitivity {
        /// A workbook file, or the name of a shipped workbook (`flopsheet workbooks` lists them).
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
    /// Show a cell in another unit of its dimension: `--unit usd_per_1k_tokens=USD/Mtoken`.
    #[arg(long = "unit", value_name = "NAME=UNIT", value_parser = parse_unit)]
    pub unit: Vec<(String, String)>,
}

fn parse_unit(arg: &str) -> Result<(String, String), String> {
    let (name, unit) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not NAME=UNIT (e.g. `serving.usd_per_1k_tokens=USD/Mtoken`)"))?;
    Ok((name.trim().to_string(), unit.trim().to_string()))
}

fn parse_slot(arg: &str) -> Result<(String, String), String> {
    let (slot, pack) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not SLOT=PACK (e.g. `hardware=h100_sxm`)"))?;
    Ok((slot.trim().to_string(), pack.trim().to_string()))
}

/// How `check` prints its diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// How to print a result.
/// How to sample, for `simulate` and `compare --simulate`.
#[derive(Debug, Args, Clone)]
pub struct SampleArgs {
    /// How many samples to draw.
    #[arg(long, default_value_t = 10_000)]
    pub samples: usize,
    /// The random seed: the same seed gives the same samples.
    #[arg(long, default_value_t = flopsheet_uncertainty::DEFAULT_SEED)]
    pub seed: u64,
    /// Percentiles to print, 0 to 100.
    #[arg(long, default_value = "5,25,50,75,95")]
    pub percentiles: String,
    /// An input's 90% interval, `NAME=LO..HI`: lognormal when both are positive, else normal (repeatable).
    #[arg(long, value_name = "NAME=LO..HI")]
    pub range: Vec<String>,
    /// An input's distribution, `NAME=normal(mu,sd)` (also lognormal, uniform, triangular, pert, beta, discrete; repeatable).
    #[arg(long, value_name = "NAME=DIST")]
    pub dist: Vec<String>,
}

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
    Table,
    Csv,
    Json,
    Markdown,
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
