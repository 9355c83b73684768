//! Charts (`sweep --plot`, `sensitivity --plot`) as a person reads them: ticks written by unit,
//! a title saying what was varied, a legend entry per series, log axes, PNG files, and a
//! refusal of formats not written. SVG text is read back from the file's `<text>` elements.
//!
//! Every chart made here is also rendered to PNG by `every_chart_renders_as_png`; set
//! `FLOPSHEET_CHARTS=DIR` to keep them in DIR and look at them.

use crate::util::{flopsheet, Sandbox};
use std::path::{Path, PathBuf};

const TRAINING: &str = "workbooks/training_cost.ron";
const ACCELERATORS: &str = "workbooks/accelerators.ron";

/// The charts of these tests, each without its `--plot FILE`.
const CHARTS: &[(&str, &[&str])] = &[
    (
        "sweep_one_cell",
        &[
            "sweep",
            TRAINING,
            "--vary",
            "mfu=0.2..0.6",
            "--show",
            "training.gpt3.cost_usd",
        ],
    ),
    (
        "sweep_two_cells",
        &[
            "sweep",
            TRAINING,
            "--vary",
            "mfu=0.3..0.6:7",
            "--show",
            "training.gpt3.cost_usd",
            "training.palm.cost_usd",
        ],
    ),
    (
        "sweep_by_slot",
        &[
            "sweep",
            ACCELERATORS,
            "--vary",
            "hardware=a100_80gb,h100_sxm,mi300x,tpu_v5p",
            "--vary",
            "mfu_serving=0.1..0.5:5",
            "--show",
            "serving.usd_per_1k_tokens",
        ],
    ),
    (
        "sweep_log",
        &[
            "sweep",
            TRAINING,
            "--vary",
            "mfu=0.001..1:13",
            "--show",
            "training.gpt3.cost_usd",
            "--log-x",
            "--log-y",
        ],
    ),
    (
        "tornado",
        &["sensitivity", ACCELERATORS, "training.cost_usd", "--by", "10%"],
    ),
    (
        "tornado_palm",
        &["sensitivity", TRAINING, "training.palm.cost_usd", "--by", "20%"],
    ),
];

fn chart(name: &str) -> &'static [&'static str] {
    CHARTS.iter().find(|(n, _)| *n == name).expect("a chart of CHARTS").1
}

/// Runs `args --plot FILE` (which must succeed) and returns FILE's bytes.
#[track_caller]
fn plot(args: &[&str], file: &Path) -> Vec<u8> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--plot", file.to_str().unwrap()]);
    flopsheet(&all).success().stderr_has("wrote");
    std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The text of every `<text>` element of the chart `name`, drawn as SVG.
#[track_caller]
fn svg_texts(args: &[&str]) -> Vec<String> {
    let sandbox = Sandbox::new();
    let svg = String::from_utf8(plot(args, &sandbox.path().join("chart.svg"))).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    svg.split("<text")
        .skip(1)
        .map(|element| {
            let body = &element[element.find('>').unwrap() + 1..];
            body[..body.find("</text>").unwrap()].trim().replace("&amp;", "&")
        })
        .collect()
}

/// A number written in e-notation as plotters writes it (`4.500e0`, `1.250e-1`).
fn e_notation(text: &str) -> bool {
    let bytes = text.as_bytes();
    (1..bytes.len().saturating_sub(1)).any(|i| {
        bytes[i] == b'e' && bytes[i - 1].is_ascii_digit() && (bytes[i + 1].is_ascii_digit() || bytes[i + 1] == b'-')
    })
}

#[test]
fn ticks_are_written_by_unit() {
    let texts = svg_texts(chart("sweep_one_cell"));
    let dollars: Vec<&String> = texts.iter().filter(|t| t.starts_with('$')).collect();
    let percents: Vec<&String> = texts.iter().filter(|t| t.ends_with('%')).collect();
    assert!(dollars.len() >= 3, "cost ticks in dollars: {texts:?}");
    assert!(percents.len() >= 3, "mfu ticks in percent: {texts:?}");
    assert!(percents.iter().any(|t| *t == "20%" || *t == "30%"), "{texts:?}");
    assert!(!texts.iter().any(|t| e_notation(t)), "no e-notation: {texts:?}");

    // A plain count is written without `.0`, and an axis title carries each unit.
    let sandbox = Sandbox::new();
    sandbox.write(
        "b.ron",
        r#"Workbook(title: "b", cells: { "batch": 8, "usd": (formula: "batch * 0.25", unit: "USD") })"#,
    );
    let file = sandbox.path().join("b.svg");
    sandbox
        .flopsheet()
        .args(["sweep", "b.ron", "--vary", "batch=10..60:6", "--show", "usd", "--plot"])
        .arg(&file)
        .run()
        .success();
    let svg = std::fs::read_to_string(&file).unwrap();
    for tick in [">\n20\n<", ">\n$0\n<", ">\n$7.5\n<", ">\nusd (USD)\n<", ">\nbatch\n<"] {
        assert!(svg.contains(tick), "{tick:?} in {svg}");
    }
    assert!(!svg.contains("20.0"), "{svg}");
}

#[test]
fn titles_say_what_was_varied() {
    let texts = svg_texts(chart("sweep_one_cell"));
    assert!(
        texts.iter().any(|t| t == "training.gpt3.cost_usd as mfu varies"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "mfu (%)"),
        "x axis title with its unit: {texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "training.gpt3.cost_usd (USD)"),
        "y axis title with its unit: {texts:?}"
    );
    let texts = svg_texts(chart("tornado"));
    assert!(
        texts
            .iter()
            .any(|t| t == "Sensitivity of training.cost_usd to ±10% in each input"),
        "{texts:?}"
    );
}

#[test]
fn several_series_get_a_legend_entry_each() {
    let texts = svg_texts(chart("sweep_two_cells"));
    for cell in ["training.gpt3.cost_usd", "training.palm.cost_usd"] {
        assert_eq!(texts.iter().filter(|t| *t == cell).count(), 1, "{cell} in {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t == "cost_usd (USD)"),
        "a short y title, not every name: {texts:?}"
    );
    let texts = svg_texts(chart("sweep_by_slot"));
    for pack in ["a100_80gb", "h100_sxm", "mi300x", "tpu_v5p"] {
        let entry = format!("hardware = {pack}");
        assert_eq!(texts.iter().filter(|t| **t == entry).count(), 1, "{entry} in {texts:?}");
    }
    assert!(
        texts
            .iter()
            .any(|t| t == "serving.usd_per_1k_tokens as mfu_serving and hardware vary"),
        "{texts:?}"
    );
}

#[test]
fn the_tornado_has_a_legend_and_one_band_per_input() {
    let args = chart("tornado_palm");
    let texts = svg_texts(args);
    assert!(texts.iter().any(|t| t == "input −20%"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "input +20%"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("base $")), "{texts:?}");
    // One label per input, nothing else on the category axis.
    let json = flopsheet(&[args, &["--format", "json"][..]].concat()).success().json();
    let inputs: Vec<String> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["input"].as_str().unwrap().to_string())
        .collect();
    for input in &inputs {
        assert_eq!(texts.iter().filter(|t| *t == input).count(), 1, "{input} in {texts:?}");
    }
    assert!(!texts.iter().any(|t| e_notation(t)), "no e-notation: {texts:?}");
    assert!(texts.iter().filter(|t| t.starts_with('$')).count() >= 3, "{texts:?}");
}

/// Width and height from a PNG's IHDR chunk, after checking its signature.
#[track_caller]
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "too short for a PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[test]
fn a_png_is_written_when_asked() {
    let sandbox = Sandbox::new();
    let sweep = plot(chart("sweep_one_cell"), &sandbox.path().join("sweep.png"));
    assert_eq!(png_size(&sweep), (1200, 675));
    let tornado = plot(chart("tornado"), &sandbox.path().join("tornado.PNG"));
    let (w, h) = png_size(&tornado);
    assert!(w == 1200 && h > 300, "{w}x{h}");
    // Nothing left beside them.
    let left: Vec<_> = std::fs::read_dir(sandbox.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 3, "plugins/, sweep.png, tornado.PNG: {left:?}");
}

#[test]
fn other_formats_are_refused() {
    let sandbox = Sandbox::new();
    for name in ["chart.jpg", "chart", "chart.svg.txt"] {
        let file = sandbox.path().join(name);
        let out = flopsheet(&[chart("sweep_one_cell"), &["--plot", file.to_str().unwrap()][..]].concat())
            .usage_error()
            .stderr_has("FILE.svg or FILE.png");
        assert!(!file.exists(), "{out:?}");
        flopsheet(&[chart("tornado"), &["--plot", file.to_str().unwrap()][..]].concat())
            .usage_error()
            .stderr_has("FILE.svg or FILE.png");
    }
}

#[test]
fn log_axes_when_asked_or_when_values_span_decades() {
    let log = svg_texts(chart("sweep_log"));
    for tick in ["0.1%", "1%", "10%", "100%", "$1M", "$10M", "$100M"] {
        assert!(log.iter().any(|t| t == tick), "{tick} in {log:?}");
    }
    // Three decades or more: logarithmic without asking; --linear refuses it.
    let no_flags: Vec<&str> = chart("sweep_log")
        .iter()
        .copied()
        .filter(|a| !a.starts_with("--log"))
        .collect();
    assert_eq!(svg_texts(&no_flags), log);
    let linear = svg_texts(&[&no_flags[..], &["--linear"]].concat());
    assert!(
        linear.iter().any(|t| t == "20%") && !linear.iter().any(|t| t == "1%"),
        "{linear:?}"
    );
    // A log axis cannot show zero: said, with what to do.
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("z.svg");
    flopsheet(&[
        "sweep",
        TRAINING,
        "--vary",
        "mfu=0..0.5:3",
        "--show",
        "mfu",
        "--log-x",
        "--plot",
        file.to_str().unwrap(),
    ])
    .failure()
    .stderr_has("logarithmic x axis")
    .stderr_has("--log-x");
    assert!(!file.exists());
    // The axis flags need a chart.
    flopsheet(&["sweep", TRAINING, "--vary", "mfu=0.2..0.4", "--show", "mfu", "--log-y"]).usage_error();
}

/// Every chart above, drawn as PNG: kept in `$FLOPSHEET_CHARTS` when set (to look at).
#[test]
fn every_chart_renders_as_png() {
    let sandbox = Sandbox::new();
    let dir: PathBuf = std::env::var_os("FLOPSHEET_CHARTS").map_or_else(|| sandbox.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, args) in CHARTS {
        let bytes = plot(args, &dir.join(format!("{name}.png")));
        let (w, h) = png_size(&bytes);
        assert!(w >= 800 && h >= 300, "{name}: {w}x{h}");
    }
}
