//! Aggregates over the columns of row tables from the command line: `sum`, `mean`, `min`,
//! `max`, `count` and `sumproduct` in workbook cells and in other columns, edited with `--set`,
//! explained without listing every row.

use crate::util::*;

/// Training cost of three models; one model's token count is not published.
const MODEL: &str = r#"Workbook(
    title: "Aggregates",
    cells: {
        "usd_per_flop": 2e-18,
        "a.params": 1e9, "a.tokens": 20e9,
        "b.params": 7e9, "b.tokens": 140e9,
        "c.params": 70e9, "c.tokens": (missing: "not published"),
        "total_cost": (formula: "sum(runs.cost)", unit: "USD"),
        "known_cost": (formula: "sum(runs.known_cost)", unit: "USD"),
        "mean_cost": (formula: "mean(runs.cost)", unit: "USD"),
        "runs_known": "count(runs.cost)",
        "cheapest": (formula: "min(runs.cost)", unit: "USD"),
        "dearest": (formula: "max(runs.cost)", unit: "USD"),
        "total_flops": (formula: "sumproduct(runs.params, runs.tokens) * 6", unit: "FLOP"),
    },
    tables: [
        Table(name: "runs", rows: ["a", "b", "c"], columns: {
            "params": "row.params",
            "tokens": "row.tokens",
            "cost": (formula: "6 * params * tokens * usd_per_flop", unit: "USD"),
            "known_cost": (formula: "ifna(cost, 0)", unit: "USD"),
            "share": (formula: "known_cost / sum(runs.known_cost)", unit: "%"),
        }),
        Table(name: "summary", cells: ["total_cost", "known_cost", "mean_cost", "runs_known", "cheapest", "dearest", "total_flops"]),
    ],
)
"#;

const COST_A: f64 = 6.0 * 1e9 * 20e9 * 2e-18;
const COST_B: f64 = 6.0 * 7e9 * 140e9 * 2e-18;

fn model() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", MODEL);
    sandbox
}

/// `get --format json` of `names` in the sandbox's model; each must be a number or `#N/A`.
fn values(sandbox: &Sandbox, names: &[&str], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["get", "model.ron"];
    args.extend(names);
    args.extend(["--format", "json"]);
    args.extend(extra);
    sandbox.flopsheet().args(&args).run().json()
}

#[test]
fn aggregates_compute_over_every_row() {
    let sandbox = model();
    let v = values(
        &sandbox,
        &[
            "known_cost",
            "mean_cost",
            "runs_known",
            "cheapest",
            "dearest",
            "runs.b.share",
        ],
        &[],
    );
    let num = |name: &str| v[name].as_f64().unwrap_or_else(|| panic!("{name}: {v}"));
    expect_exact(num("known_cost"), COST_A + COST_B);
    expect_exact(num("mean_cost"), (COST_A + COST_B) / 2.0);
    expect_exact(num("runs_known"), 2.0);
    expect_exact(num("cheapest"), COST_A);
    expect_exact(num("dearest"), COST_B);
    expect_exact(num("runs.b.share"), COST_B / (COST_A + COST_B));
    // A sum with a row missing is not known; the table shows it as n/a.
    let v = values(&sandbox, &["total_cost", "total_flops"], &[]);
    assert_eq!(v["total_cost"], "#N/A");
    assert_eq!(v["total_flops"], "#N/A");
    let out = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--table", "summary"])
        .run()
        .clean();
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("│ total_cost "))
        .unwrap_or_default();
    assert!(row.contains("n/a"), "{out:?}");
}

#[test]
fn set_one_row_and_the_aggregates_follow() {
    let sandbox = model();
    let v = values(
        &sandbox,
        &["total_cost", "dearest", "runs.c.share", "total_flops"],
        &["--set", "c.tokens=1.4e12"],
    );
    let cost_c = 6.0 * 70e9 * 1.4e12 * 2e-18;
    let num = |name: &str| v[name].as_f64().unwrap_or_else(|| panic!("{name}: {v}"));
    expect_exact(num("total_cost"), COST_A + COST_B + cost_c);
    expect_exact(num("dearest"), cost_c);
    expect_exact(num("runs.c.share"), cost_c / (COST_A + COST_B + cost_c));
    expect_exact(num("total_flops"), 6.0 * (1e9 * 20e9 + 7e9 * 140e9 + 70e9 * 1.4e12));
    // A sweep of one row's input moves the total.
    let sweep = sandbox
        .flopsheet()
        .args([
            "sweep",
            "model.ron",
            "--vary",
            "a.params=1e9,2e9",
            "--show",
            "known_cost",
            "--format",
            "json",
        ])
        .run()
        .clean()
        .json();
    let rows = sweep["rows"].as_array().expect("rows");
    expect_exact(rows[0]["known_cost"].as_f64().unwrap(), COST_A + COST_B);
    expect_exact(rows[1]["known_cost"].as_f64().unwrap(), 2.0 * COST_A + COST_B);
}

#[test]
fn explain_an_aggregate_over_many_rows_lists_a_few() {
    let rows: Vec<String> = (0..50).map(|i| format!("\"r{i}\"")).collect();
    let cells: String = (0..50).map(|i| format!("\"r{i}.x\": {i}, ")).collect();
    let text = format!(
        r#"Workbook(title: "t", cells: {{ {cells} "total": "sum(t.x)" }},
        tables: [Table(name: "t", rows: [{}], columns: {{"x": "row.x"}})])"#,
        rows.join(", ")
    );
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", &text);
    let out = sandbox
        .flopsheet()
        .args(["explain", "model.ron", "total"])
        .run()
        .clean();
    assert!(
        out.stdout.starts_with("total = 1,225  (1225)\n  formula: sum(t.x)\n"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("  r19.x = 19   [input]\n  … and 30 more\n"),
        "{out:?}"
    );
    assert!(out.stdout.contains("├─ t.r19.x = 19   ← row.x\n"), "{out:?}");
    assert!(out.stdout.contains("└─ … and 30 more\n"), "{out:?}");
    assert!(!out.stdout.contains("r20.x"), "{out:?}");
}

#[test]
fn a_mean_of_no_values_is_div0_and_says_why() {
    let text = r#"Workbook(
    title: "t",
    cells: {
        "a.x": (missing: "not measured"),
        "m": "mean(t.x)",
        "n": "count(t.x)",
        "top": "ifna(max(t.x), -1)",
    },
    tables: [Table(name: "t", rows: ["a"], columns: {"x": "row.x"})],
)
"#;
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", text);
    let out = sandbox
        .flopsheet()
        .args(["get", "model.ron", "m", "n", "top", "--format", "json"])
        .run()
        .workbook_errors()
        .stderr_has("#DIV/0: division by zero in `m`")
        .stderr_has(&location("model.ron", text, "\"mean(t.x)\""))
        .stderr_has("a `mean` has no value to average");
    let json = out.json();
    assert_eq!(json["m"], "#DIV/0");
    assert_eq!(json["n"], 0.0);
    assert_eq!(json["top"], -1.0);
}
