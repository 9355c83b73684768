//! Monte Carlo from the command line: `simulate` and `compare --simulate` against closed forms
//! (a product and quotient of lognormals is lognormal; a uniform's mean and variance), the
//! rank correlation achieved, reproducibility by seed, uncertain pack and slot values, `--set`
//! and `--slot`, tables as outputs, error samples, charts, and refused distributions.
//!
//! Tolerances are stated where used, from the sampling error of the statistic at the sample
//! count: no test depends on a lucky seed, and none is timed.

use crate::util::{flopsheet, get, Num, Sandbox};
use flopsheet_uncertainty::dist::Z95;
use serde_json::Value;

/// `simulate ... --format json`, parsed.
#[track_caller]
fn simulate_json(out: crate::util::Out) -> serde_json::Map<String, Value> {
    match out.success().json() {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn stat(json: &serde_json::Map<String, Value>, cell: &str, stat: &str) -> f64 {
    json[cell][stat]
        .as_f64()
        .unwrap_or_else(|| panic!("no {stat} for {cell}: {json:?}"))
}

#[track_caller]
fn expect_relative(actual: f64, want: f64, tolerance: f64, what: &str) {
    let error = (actual / want - 1.0).abs();
    assert!(
        error <= tolerance,
        "{what}: {actual} vs {want} (relative error {error:.2e} > {tolerance:.0e})"
    );
}

/// The article's training cost of GPT-3 with `mfu` (0.35..0.55) and the chip-hour price
/// (1.6..2.6) as 90% ranges: cost = K · price / mfu, so ln cost is normal with mean
/// ln K + μ_price − μ_mfu and variance σ_price² + σ_mfu²; its percentiles are
/// exp(μ ± z σ).
///
/// Tolerance: 1,000,000 samples. σ ≈ 0.20, so the sample median's standard error in log
/// space is √(π/2)·σ/√n ≈ 2.5e-4, and the 5th/95th percentiles' √(p(1−p))/(n·f) ≈ 4.3e-4:
/// 0.3% is seven or more standard errors for each, and a bug (a wrong σ, a range read as
/// a standard deviation, a normal in place of a lognormal) moves them by several percent.
#[test]
fn training_cost_percentiles_match_the_lognormal_closed_form() {
    let out = flopsheet(&[
        "simulate",
        "training_cost",
        "training.gpt3.cost_usd",
        "training.palm.cost_usd",
        "--range",
        "mfu=0.35..0.55",
        "--range",
        "tpu_v4.usd_per_hour_1yr=1.6..2.6",
        "--samples",
        "1000000",
        "--percentiles",
        "5,50,95",
        "--format",
        "json",
    ]);
    let json = simulate_json(out);
    let v = get(
        "training_cost",
        &["training.gpt3.flops", "training.palm.flops", "tpu_v4.peak_flops_bf16"],
    );
    let log_sigma = |lo: f64, hi: f64| (hi / lo).ln() / (2.0 * Z95);
    let log_mu = |lo: f64, hi: f64| (lo * hi).sqrt().ln();
    let sigma = (log_sigma(0.35, 0.55).powi(2) + log_sigma(1.6, 2.6).powi(2)).sqrt();
    for model in ["gpt3", "palm"] {
        let k = v.num(&format!("training.{model}.flops")) / (v.num("tpu_v4.peak_flops_bf16") * 3600.0);
        let mu = k.ln() + log_mu(1.6, 2.6) - log_mu(0.35, 0.55);
        let cell = format!("training.{model}.cost_usd");
        for (p, z) in [("p5", -Z95), ("p50", 0.0), ("p95", Z95)] {
            let want = (mu + z * sigma).exp();
            expect_relative(stat(&json, &cell, p), want, 3e-3, &format!("{cell} {p}"));
        }
        assert_eq!(json[&cell]["samples"], 1_000_000);
    }
    // The closed form the integrator checked by hand: GPT-3's median $1.47914M.
    expect_relative(
        stat(&json, "training.gpt3.cost_usd", "p50"),
        1.47914e6,
        3e-3,
        "GPT-3 p50",
    );
}

/// A uniform(2, 5): mean 3.5, variance 9/12 = 0.75. With 100,000 samples the mean's standard
/// error is 0.866/√n ≈ 0.0027 (tolerance 0.015, over 5 of them) and the standard deviation's
/// about 0.0012 (tolerance 0.008).
#[test]
fn a_uniform_has_its_mean_and_variance() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "u.ron",
        r#"Workbook(title: "u", cells: {"x": (value: 3.5, dist: "uniform(2, 5)"), "y": "x * 1"})"#,
    );
    let out = sandbox
        .flopsheet()
        .args(["simulate", "u.ron", "y", "--samples", "100000", "--format", "json"])
        .run();
    let json = simulate_json(out);
    assert!((stat(&json, "y", "mean") - 3.5).abs() < 0.015, "{json:?}");
    assert!((stat(&json, "y", "sd") - 0.75f64.sqrt()).abs() < 0.008, "{json:?}");
    assert!((stat(&json, "y", "p50") - 3.5).abs() < 0.03, "{json:?}");
}

/// Spearman's rank correlation of two columns.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let ranks = |v: &[f64]| {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (rank, &i) in order.iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - mean) * (y - mean)).sum();
    let var: f64 = ra.iter().map(|x| (x - mean).powi(2)).sum();
    cov / var
}

/// A declared correlation of −0.6 between two inputs: the samples written with
/// `--samples-out` have that rank correlation. Iman–Conover hits the target up to the
/// sampling error of the scores' own correlation (≈ 1/√n = 0.01 at 10,000 samples):
/// tolerance 0.03. The inputs keep their own distributions (their medians checked).
#[test]
fn a_declared_correlation_is_achieved_in_the_samples() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "c.ron",
        r#"Workbook(
            title: "c",
            cells: {
                "mfu": (value: 0.45, range: (0.35, 0.55), unit: "%"),
                "price": (value: 2, dist: "normal(2, 0.3)", unit: "USD/h"),
                "cost": "price / mfu",
            },
            correlations: [("mfu", "price", -0.6)],
        )"#,
    );
    sandbox
        .flopsheet()
        .args(["simulate", "c.ron", "cost", "--samples-out", "s.csv"])
        .run()
        .success();
    let csv = std::fs::read_to_string(sandbox.path().join("s.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("sample,mfu,price,cost"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 10_000);
    let column = |i: usize| -> Vec<f64> { rows.iter().map(|r| r[i]).collect() };
    let rho = spearman(&column(1), &column(2));
    assert!((rho + 0.6).abs() < 0.03, "achieved {rho}");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!((median(column(1)) - (0.35f64 * 0.55).sqrt()).abs() < 0.005);
    assert!((median(column(2)) - 2.0).abs() < 0.02);
    // Each output sample is computed from that sample's inputs.
    for r in rows.iter().take(100) {
        assert!((r[3] - r[2] / r[1]).abs() <= 1e-12 * r[3].abs());
    }
}

/// The same seed gives the same bytes; another seed other numbers.
#[test]
fn the_same_seed_reproduces_the_output_byte_for_byte() {
    let run = |seed: &str| {
        flopsheet(&[
            "simulate",
            "training_cost",
            "training.gpt3.cost_usd",
            "--seed",
            seed,
            "--samples",
            "20000",
            "--format",
            "json",
        ])
        .success()
        .stdout
    };
    let first = run("7");
    assert_eq!(first, run("7"));
    assert_ne!(first, run("8"));
}

/// Uncertainty declared in the shipped files: training_cost's `mfu` and the tpu_v4 pack's
/// 1-year price. Without `--range` they are what is drawn, and the point values are unchanged.
#[test]
fn shipped_ranges_are_drawn_and_the_point_values_stay() {
    let json = simulate_json(flopsheet(&[
        "simulate",
        "training_cost",
        "training.gpt3.cost_usd",
        "--format",
        "json",
    ]));
    let drivers: Vec<&str> = json["training.gpt3.cost_usd"]["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["input"].as_str().unwrap())
        .collect();
    assert_eq!(drivers.len(), 2, "{drivers:?}");
    assert!(drivers.contains(&"mfu") && drivers.contains(&"tpu_v4.usd_per_hour_1yr"));
    let v = get("training_cost", &["mfu", "usd_per_chip_hour"]);
    assert_eq!(v.num("mfu"), 0.462);
    assert_eq!(v.num("usd_per_chip_hour"), 2.03);
}

/// A sandbox with a workbook whose `hw` slot holds one of two packs.
fn slotted() -> Sandbox {
    let sandbox = Sandbox::new();
    for (id, price) in [("gpu_a", 2.0), ("gpu_b", 3.0)] {
        sandbox.write(
            &format!("plugins/hardware/{id}.ron"),
            &format!(
                r#"Pack(id: "{id}", kind: "hardware", name: "{id}", values: {{"usd_per_hour": (value: {price}, unit: "USD/h")}})"#
            ),
        );
    }
    sandbox.write(
        "s.ron",
        r#"Workbook(
            title: "s",
            slots: {"hw": "gpu_a"},
            cells: {
                "hours": (value: 100, range: (50, 200), unit: "h"),
                "cost": (formula: "hours * hw.usd_per_hour", unit: "USD"),
            },
            scenarios: [Scenario(name: "on_b", slots: {"hw": "gpu_b"})],
        )"#,
    );
    sandbox
}

/// `--range` on a value read through a slot (and so on a pack value), with `--slot` and
/// `--set` combined: `--set hours=100` fixes the declared range of `hours`, `--slot` puts
/// gpu_b in the slot, and the price's median is the range's geometric middle, √(1·4) = 2,
/// so the cost's median is 100 · 2 = 200. Tolerance 2%: at 100,000 samples and a log-space
/// σ of at most 0.6, the median's standard error is 1.25·0.6/√n ≈ 0.24%.
#[test]
fn ranges_on_slot_and_pack_values_with_set_and_slot() {
    let sandbox = slotted();
    let json = simulate_json(
        sandbox
            .flopsheet()
            .args(["simulate", "s.ron", "cost", "--slot", "hw=gpu_b", "--set", "hours=100"])
            .args([
                "--range",
                "hw.usd_per_hour=1..4",
                "--samples",
                "100000",
                "--format",
                "json",
            ])
            .run(),
    );
    expect_relative(stat(&json, "cost", "p50"), 200.0, 0.02, "cost p50");
    let drivers = json["cost"]["drivers"].as_array().unwrap();
    assert_eq!(drivers.len(), 1, "hours is fixed by --set: {drivers:?}");
    assert_eq!(drivers[0]["input"], "gpu_b.usd_per_hour");
    // The pack value by its own name, and `hours` left to its declared range: the cost is
    // the product of two lognormals, its median √(50·200) · √(1·4) = 100 · 2 = 200.
    let json = simulate_json(
        sandbox
            .flopsheet()
            .args(["simulate", "s.ron", "cost", "--range", "gpu_a.usd_per_hour=1..4"])
            .args(["--samples", "100000", "--format", "json"])
            .run(),
    );
    expect_relative(stat(&json, "cost", "p50"), 200.0, 0.02, "cost p50");
    assert_eq!(json["cost"]["drivers"].as_array().unwrap().len(), 2);
}

/// `compare --simulate`: the base and each scenario simulated with the same seed. A
/// scenario that swaps gpu_a ($2/h) for gpu_b ($3/h) multiplies every sample, so every
/// percentile, by exactly 1.5.
#[test]
fn compare_simulate_gives_percentiles_per_scenario_with_the_same_draws() {
    let sandbox = slotted();
    let out = sandbox
        .flopsheet()
        .args(["compare", "s.ron", "--simulate", "--show", "cost", "--format", "json"])
        .run()
        .success();
    let json = out.json();
    let rows = json["rows"].as_array().unwrap_or_else(|| panic!("{json}"));
    assert_eq!(rows.len(), 2, "{json}");
    assert_eq!(rows[0]["scenario"], "base");
    assert_eq!(rows[1]["scenario"], "on_b");
    for p in ["mean", "p5", "p50", "p95"] {
        let (base, b) = (rows[0][p].as_f64().unwrap(), rows[1][p].as_f64().unwrap());
        expect_relative(b, base * 1.5, 1e-12, p);
    }
    // Without --simulate, a range is refused.
    sandbox
        .flopsheet()
        .args(["compare", "s.ron", "--range", "hours=1..2"])
        .run()
        .usage_error()
        .stderr_has("need --simulate");
}

/// A name that is a table stands for every cell of the table.
#[test]
fn a_table_name_expands_to_its_cells() {
    let json = simulate_json(flopsheet(&[
        "simulate",
        "training_cost",
        "training",
        "--samples",
        "1000",
        "--format",
        "json",
    ]));
    assert_eq!(json.len(), 7 * 6, "{:?}", json.keys().collect::<Vec<_>>());
    assert!(json.contains_key("training.chinchilla.cost_3yr_usd"));
}

/// A divisor whose range crosses zero: `round(x)` is 0 for x in (−0.5, 0.5), which for a
/// normal of 90% range −1..3 (mean 1, sd 4/3.29 = 1.216) happens with probability
/// Φ(−0.411) − Φ(−1.234) = 0.2318. Out of 100,000 samples the count's standard deviation
/// is √(n·p·(1−p)) = 133: tolerance 700. The error samples are counted, named and left out.
#[test]
fn error_samples_are_counted_and_reported() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "d.ron",
        r#"Workbook(title: "d", cells: {"x": (value: 1, range: (-1, 3)), "y": "1 / round(x)"})"#,
    );
    let out = sandbox
        .flopsheet()
        .args(["simulate", "d.ron", "y", "--samples", "100000", "--format", "json"])
        .run()
        .success();
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("samples of `y` gave #DIV/0 in `y`"))
        .unwrap_or_else(|| panic!("{out:?}"));
    let count: usize = line
        .trim_start_matches("warning: ")
        .split(" of ")
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(line.contains("of 100,000 samples"), "{line}");
    assert!(count.abs_diff(23_180) < 700, "{count}");
    let json = out.json();
    assert_eq!(json["y"]["errors"][0]["count"].as_u64(), Some(count as u64));
}

/// The charts are written, name each output, and mark the percentiles in its unit.
#[test]
fn plots_are_written() {
    let sandbox = Sandbox::new();
    flopsheet(&[
        "simulate",
        "training_cost",
        "training.gpt3.cost_usd",
        "--samples",
        "5000",
        "--plot",
        sandbox.path().join("h.svg").to_str().unwrap(),
        "--plot-drivers",
        sandbox.path().join("d.svg").to_str().unwrap(),
    ])
    .success();
    let hist = std::fs::read_to_string(sandbox.path().join("h.svg")).unwrap();
    assert!(hist.starts_with("<svg") && hist.contains("training.gpt3.cost_usd (USD)"));
    assert!(hist.contains("p50 $") && hist.contains("p95 $"), "{hist}");
    let drivers = std::fs::read_to_string(sandbox.path().join("d.svg")).unwrap();
    assert!(drivers.contains("tpu_v4.usd_per_hour_1yr") && drivers.contains("mfu"));
}

/// A distribution that cannot be used is a usage error (exit 2) that says why.
#[test]
fn a_bad_dist_is_a_usage_error_with_the_reason() {
    flopsheet(&[
        "simulate",
        "training_cost",
        "training.gpt3.cost_usd",
        "--dist",
        "mfu=gauss(1, 2)",
    ])
    .usage_error()
    .stderr_has("unknown distribution `gauss`");
    flopsheet(&[
        "simulate",
        "training_cost",
        "training.gpt3.cost_usd",
        "--dist",
        "mfu=normal(0.4, -1)",
    ])
    .usage_error()
    .stderr_has("the standard deviation must be positive, not -1");
    flopsheet(&[
        "simulate",
        "training_cost",
        "training.gpt3.cost_usd",
        "--range",
        "mfu=0.5..0.3",
    ])
    .usage_error()
    .stderr_has("the low end 0.5 is not below the high end 0.3");
}
