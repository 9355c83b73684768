//! Missing values on the command line: a cell declared `(missing: "why")` shows `n/a`, keeps
//! `#N/A` in CSV and JSON, explains why it is missing, and takes a value from `--set`, a
//! sweep or a goal seek; `isna` and `ifna` read it.

use crate::util::*;

const MODEL: &str = r#"Workbook(
    title: "Missing values",
    cells: {
        "mfu_reported": (missing: "not published", unit: "%", source: "https://example.com/paper", date: "2024-01"),
        "mfu_assumed": (value: 0.4, unit: "%"),
        "mfu": (formula: "ifna(mfu_reported, mfu_assumed)", unit: "%"),
        "cost": (formula: "1000 / mfu", unit: "USD"),
        "reported_cost": (formula: "1000 / mfu_reported", unit: "USD"),
        "is_reported": "if(isna(mfu_reported), 0, 1)",
    },
)
"#;

fn model() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", MODEL);
    sandbox
}

fn run(sandbox: &Sandbox, args: &[&str]) -> Out {
    sandbox.flopsheet().args(args).run()
}

/// The value cell of `name`'s row in a text table.
fn row<'a>(out: &'a Out, name: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| l.starts_with(&format!("│ {name} ")))
        .unwrap_or_else(|| panic!("no row {name}:\n{out:?}"))
}

#[test]
fn a_missing_value_shows_na_and_the_workbook_is_fine() {
    let sandbox = model();
    let out = run(&sandbox, &["show", "model.ron"]).clean();
    assert!(row(&out, "mfu_reported").contains("n/a"), "{out:?}");
    assert!(row(&out, "reported_cost").contains("n/a"), "{out:?}");
    assert!(row(&out, "mfu").contains("40%"), "{out:?}");
    assert!(row(&out, "cost").contains("$2.50K"), "{out:?}");
    let md = run(&sandbox, &["show", "model.ron", "--format", "markdown"]).clean();
    assert!(md.stdout.contains("| mfu_reported  | n/a "), "{md:?}");
    run(&sandbox, &["check", "model.ron"]).clean();
}

#[test]
fn csv_and_json_keep_the_error_code() {
    let sandbox = model();
    let csv = run(&sandbox, &["show", "model.ron", "--format", "csv"]).clean();
    assert!(
        csv.stdout.contains("cells,mfu_reported,value,mfu_reported,#N/A,%\n"),
        "{csv:?}"
    );
    assert!(
        csv.stdout
            .contains("cells,reported_cost,value,reported_cost,#N/A,USD\n"),
        "{csv:?}"
    );
    let json = run(&sandbox, &["show", "model.ron", "--format", "json"]).clean().json();
    assert_eq!(json["tables"][0]["rows"][0]["value"], "#N/A");
    // Asking for a value that is not there is an error, as for any error value.
    let get = run(
        &sandbox,
        &["get", "model.ron", "reported_cost", "cost", "--format", "json"],
    );
    assert_eq!(get.code, Some(1), "{get:?}");
    assert_eq!(get.json()["reported_cost"], "#N/A");
    assert_eq!(get.json()["cost"], 2500.0);
    let is = get_in(&sandbox, &["is_reported"], &[]);
    assert_eq!(is.num("is_reported"), 0.0);
}

/// `get --format json` in the sandbox, which must succeed.
fn get_in(sandbox: &Sandbox, names: &[&str], extra: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let mut args = vec!["get", "model.ron"];
    args.extend(names);
    args.extend(["--format", "json"]);
    args.extend(extra);
    match run(sandbox, &args).clean().json() {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn explain_says_why_it_is_missing() {
    let sandbox = model();
    let out = run(&sandbox, &["explain", "model.ron", "mfu_reported"]).clean();
    assert!(out.stdout.starts_with("mfu_reported = n/a  (#N/A)\n"), "{out:?}");
    assert!(out.stdout.contains("  missing: not published\n"), "{out:?}");
    assert!(
        out.stdout.contains("source: https://example.com/paper (2024-01)"),
        "{out:?}"
    );
    let out = run(&sandbox, &["explain", "model.ron", "reported_cost"]).clean();
    assert!(
        out.stdout
            .contains("mfu_reported = n/a  (%)   [input; missing: not published; https://example.com/paper; 2024-01]"),
        "{out:?}"
    );
}

#[test]
fn set_gives_a_missing_value_its_number() {
    let sandbox = model();
    let values = get_in(
        &sandbox,
        &["reported_cost", "cost", "is_reported"],
        &["--set", "mfu_reported=50%"],
    );
    expect_exact(values.num("reported_cost"), 2000.0);
    expect_exact(values.num("cost"), 2000.0);
    expect_exact(values.num("is_reported"), 1.0);
    let out = run(
        &sandbox,
        &["explain", "model.ron", "mfu_reported", "--set", "mfu_reported=0.5"],
    )
    .clean();
    assert!(out.stdout.starts_with("mfu_reported = 50%  (0.5)\n"), "{out:?}");
}

#[test]
fn sweep_and_solve_vary_a_missing_value() {
    let sandbox = model();
    let sweep = run(
        &sandbox,
        &[
            "sweep",
            "model.ron",
            "--vary",
            "mfu_reported=0.25..0.5:2",
            "--show",
            "reported_cost",
            "--format",
            "json",
        ],
    )
    .clean()
    .json();
    let rows = sweep["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{sweep}");
    assert_eq!(rows[0]["reported_cost"], 4000.0, "{sweep}");
    assert_eq!(rows[1]["reported_cost"], 2000.0, "{sweep}");
    let out = run(
        &sandbox,
        &[
            "solve",
            "model.ron",
            "--target",
            "reported_cost=1250",
            "--by",
            "mfu_reported",
            "--within",
            "0.1..1",
        ],
    )
    .clean();
    let answer = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("mfu_reported = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no answer:\n{out:?}"));
    expect_exact(answer, 0.8);
    // Nothing varied stays set: the file's missing value is missing again.
    let after = run(&sandbox, &["get", "model.ron", "mfu_reported"]);
    assert_eq!(after.stdout, "#N/A\n", "{after:?}");
}

#[test]
fn a_cell_with_a_value_and_missing_is_refused() {
    let sandbox = Sandbox::new();
    let text = r#"Workbook(
    title: "t",
    cells: {
        "x": (value: 1, missing: "not published"),
    },
)
"#;
    sandbox.write("model.ron", text);
    run(&sandbox, &["check", "model.ron"])
        .failure()
        .stderr_has("the cell `x` has both a `value` and `missing`")
        .stderr_has(&location("model.ron", text, "\"x\""))
        .stderr_has("`missing: \"why\"` for a value not known");
}
