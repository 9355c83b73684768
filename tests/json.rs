//! `--format json`: one documented shape per command (`docs/json.md`), each held here by
//! parsing the output and checking its field names and values.

use crate::util::{expect_exact, flopsheet, get_with, run_json, Num, Sandbox};
use serde_json::Value;

const ACCELERATORS: &str = "workbooks/accelerators.ron";
const TRAINING: &str = "workbooks/training_cost.ron";

/// The keys of a JSON object, in order.
#[track_caller]
fn keys(json: &Value) -> Vec<&str> {
    json.as_object()
        .unwrap_or_else(|| panic!("not an object: {json}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn solve_names_its_fields() {
    let json = run_json(&[
        "solve",
        ACCELERATORS,
        "--target",
        "search.margin_per_query=0",
        "--by",
        "usd_per_hour",
        "--format",
        "json",
    ]);
    assert_eq!(
        keys(&json),
        ["target", "goal", "by", "value", "was", "achieved", "evaluations"]
    );
    assert_eq!(json["target"], "search.margin_per_query");
    assert_eq!(json["goal"], 0.0);
    assert_eq!(json["by"], "usd_per_hour");
    assert_eq!(json["was"], 1.79);
    let value = json["value"].as_f64().unwrap();
    let at = get_with(
        ACCELERATORS,
        &["search.margin_per_query"],
        &["--set", &format!("usd_per_hour={value}")],
    );
    assert!(at.num("search.margin_per_query").abs() < 1e-12);
    assert!(json["achieved"].as_f64().unwrap().abs() < 1e-12, "{json}");
    assert!(json["evaluations"].as_u64().unwrap() > 0, "{json}");
}

#[test]
fn a_two_way_sweep_is_one_record_per_point() {
    let json = run_json(&[
        "sweep",
        TRAINING,
        "--vary",
        "mfu=0.3,0.5",
        "--vary",
        "tpu_v4.usd_per_hour_1yr=1,2,3",
        "--show",
        "training.gpt3.cost_usd",
        "--format",
        "json",
    ]);
    let points = json.as_array().expect("an array of records");
    assert_eq!(points.len(), 6);
    for point in points {
        // The varied names and the shown cell as keys; never a header such as `mfu \ ...`.
        assert_eq!(
            keys(point),
            ["mfu", "tpu_v4.usd_per_hour_1yr", "training.gpt3.cost_usd"]
        );
        let set = [
            "--set".to_string(),
            format!("mfu={}", point["mfu"]),
            "--set".to_string(),
            format!("tpu_v4.usd_per_hour_1yr={}", point["tpu_v4.usd_per_hour_1yr"]),
        ];
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        let alone = get_with(TRAINING, &["training.gpt3.cost_usd"], &set);
        expect_exact(
            point["training.gpt3.cost_usd"].as_f64().unwrap(),
            alone.num("training.gpt3.cost_usd"),
        );
    }
    let varied: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                p["mfu"].as_f64().unwrap(),
                p["tpu_v4.usd_per_hour_1yr"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        varied,
        [(0.3, 1.0), (0.3, 2.0), (0.3, 3.0), (0.5, 1.0), (0.5, 2.0), (0.5, 3.0)]
    );
}

#[test]
fn a_slot_swept_is_its_pack_id() {
    let json = run_json(&[
        "sweep",
        ACCELERATORS,
        "--vary",
        "hardware=a100_80gb,h100_sxm",
        "--show",
        "serving.usd_per_1k_tokens",
        "--format",
        "json",
    ]);
    let points = json.as_array().unwrap();
    let packs: Vec<&str> = points.iter().map(|p| p["hardware"].as_str().unwrap()).collect();
    assert_eq!(packs, ["a100_80gb", "h100_sxm"]);
    assert_eq!(keys(&points[0]), ["hardware", "serving.usd_per_1k_tokens"]);
}

#[test]
fn sensitivity_names_its_fields() {
    let sandbox = Sandbox::new();
    // y = a^2 * b: elasticities 2 and 1.
    sandbox.write(
        "s.ron",
        r#"Workbook(title: "s", cells: { "a": (value: 3, unit: "h"), "b": 5, "zero": 0, "y": (formula: "a^2 * b + zero", unit: "h") })"#,
    );
    let json = sandbox
        .flopsheet()
        .args(["sensitivity", "s.ron", "y", "--by", "10%", "--format", "json"])
        .run()
        .clean()
        .json();
    assert_eq!(
        keys(&json),
        [
            "cell",
            "unit",
            "base",
            "change",
            "inputs",
            "skipped_zero",
            "skipped_missing"
        ]
    );
    assert_eq!(json["cell"], "y");
    assert_eq!(json["unit"], "h");
    assert_eq!(json["base"], 45.0);
    assert_eq!(json["change"], 0.1);
    assert_eq!(json["skipped_zero"], serde_json::json!(["zero"]));
    assert_eq!(json["skipped_missing"], serde_json::json!([]));
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(
        keys(&inputs[0]),
        ["input", "unit", "value", "low", "high", "swing", "elasticity"]
    );
    assert_eq!(inputs[0]["input"], "a");
    assert_eq!(inputs[0]["unit"], "h");
    assert_eq!(inputs[0]["value"], 3.0);
    expect_exact(inputs[0]["low"].as_f64().unwrap(), 2.7f64.powi(2) * 5.0);
    expect_exact(inputs[0]["high"].as_f64().unwrap(), 3.3f64.powi(2) * 5.0);
    expect_exact(
        inputs[0]["swing"].as_f64().unwrap(),
        (3.3f64.powi(2) - 2.7f64.powi(2)) / 9.0,
    );
    expect_exact(inputs[0]["elasticity"].as_f64().unwrap(), 2.0);
    assert_eq!(inputs[1]["input"], "b");
    expect_exact(inputs[1]["elasticity"].as_f64().unwrap(), 1.0);
}

#[test]
fn compare_is_one_record_per_cell() {
    let json = run_json(&[
        "compare",
        ACCELERATORS,
        "h100",
        "tpu_v5p",
        "--show",
        "training.cost_usd",
        "model.params",
        "--format",
        "json",
    ]);
    let records = json.as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(keys(&records[0]), ["cell", "unit", "base", "scenarios"]);
    assert_eq!(records[0]["cell"], "training.cost_usd");
    assert_eq!(records[0]["unit"], "USD");
    assert_eq!(keys(&records[0]["scenarios"]), ["h100", "tpu_v5p"]);
    let base = records[0]["base"].as_f64().unwrap();
    let h100 = &records[0]["scenarios"]["h100"];
    assert_eq!(keys(h100), ["value", "change", "difference"]);
    let by_hand = get_with(
        ACCELERATORS,
        &["training.cost_usd"],
        &["--slot", "hardware=h100_sxm", "--set", "usd_per_hour=3.29"],
    )
    .num("training.cost_usd");
    expect_exact(h100["value"].as_f64().unwrap(), by_hand);
    expect_exact(h100["change"].as_f64().unwrap(), (by_hand - base) / base);
    expect_exact(h100["difference"].as_f64().unwrap(), by_hand - base);
    // The model is the same in every scenario: no change.
    assert_eq!(records[1]["scenarios"]["h100"]["change"], 0.0);
}

/// A column named `row` or `label` cannot clash with the row's label: values sit in their own
/// object. A table of cells carries each cell's unit and note.
#[test]
fn show_keeps_the_label_apart_and_carries_notes_and_units() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "m.ron",
        r#"Workbook(
    title: "Clashes",
    packs: ["gpt3"],
    cells: {
        "mfu": (value: 0.4, unit: "%", note: "assumed"),
        "hours": (value: 10, unit: "h"),
    },
    tables: [
        Table(name: "runs", rows: ["gpt3"], columns: {
            "row": "row.params",
            "label": (formula: "row * 2", unit: "params"),
        }),
        Table(name: "inputs", title: "Inputs", cells: ["mfu", "hours"], note: "below"),
    ],
)"#,
    );
    let json = sandbox
        .flopsheet()
        .args(["show", "m.ron", "--format", "json"])
        .run()
        .clean()
        .json();
    assert_eq!(keys(&json), ["title", "tables"]);
    let runs = &json["tables"][0];
    assert_eq!(keys(runs), ["name", "title", "layout", "columns", "rows", "note"]);
    assert_eq!(runs["layout"], "rows");
    assert_eq!(runs["columns"], serde_json::json!(["row", "label"]));
    let row = &runs["rows"][0];
    assert_eq!(keys(row), ["label", "values", "units"]);
    assert_eq!(row["label"], "gpt3");
    assert_eq!(row["values"]["row"], 175e9);
    assert_eq!(row["values"]["label"], 350e9);
    assert_eq!(row["units"]["label"], "params");

    let inputs = &json["tables"][1];
    assert_eq!(inputs["layout"], "cells");
    assert_eq!(inputs["title"], "Inputs");
    assert_eq!(inputs["note"], "below");
    let mfu = &inputs["rows"][0];
    assert_eq!(keys(mfu), ["label", "values", "units", "note"]);
    assert_eq!(mfu["label"], "mfu");
    assert_eq!(mfu["values"]["value"], 0.4);
    assert_eq!(mfu["units"]["value"], "%");
    assert_eq!(mfu["note"], "assumed");
    assert_eq!(inputs["rows"][1]["note"], Value::Null);
}

#[test]
fn get_json_is_unchanged_and_get_takes_every_format() {
    let json = run_json(&["get", TRAINING, "mfu", "training.gpt3.cost_usd", "--format", "json"]);
    assert_eq!(keys(&json), ["mfu", "training.gpt3.cost_usd"]);
    assert_eq!(json["mfu"], 0.462);
    let csv = flopsheet(&["get", TRAINING, "mfu", "training.gpt3.cost_usd", "--format", "csv"]).clean();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "name,value,unit");
    assert_eq!(lines[1], "mfu,0.462,%");
    let cost: Vec<&str> = lines[2].split(',').collect();
    assert_eq!((cost[0], cost[2]), ("training.gpt3.cost_usd", "USD"));
    expect_exact(
        cost[1].parse().unwrap(),
        json["training.gpt3.cost_usd"].as_f64().unwrap(),
    );
    flopsheet(&["get", TRAINING, "mfu", "--format", "markdown"])
        .clean()
        .stdout_has("| name | value | unit |")
        .stdout_has("| mfu  | 46.2% | %    |");
    flopsheet(&["get", TRAINING, "mfu", "--format", "table"])
        .clean()
        .stdout_has("46.2%");
}
