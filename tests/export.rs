//! `flopsheet export`: the command-line contract (files written, refused, formats, scenarios,
//! warnings). What the spreadsheets compute is tested against IronCalc and LibreOffice in
//! `crates/flopsheet-export/tests/`.

use crate::util::*;
use serde_json::Value;

fn exported_json(sandbox: &Sandbox, args: &[&str]) -> Value {
    let out = sandbox.flopsheet().args(args).run().success();
    assert!(out.stdout.starts_with("wrote "), "{out:?}");
    let file = args[2];
    serde_json::from_str(&std::fs::read_to_string(sandbox.path().join(file)).unwrap()).unwrap()
}

fn cell<'j>(json: &'j Value, name: &str) -> &'j Value {
    json["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no cell `{name}`"))
}

#[test]
fn exports_a_shipped_workbook_as_xlsx() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .flopsheet()
        .args(["export", "training_cost", "training_cost.xlsx"])
        .run()
        .clean();
    assert!(out.stdout.contains("wrote training_cost.xlsx"), "{out:?}");
    assert!(out.stdout.contains("formulas"), "{out:?}");
    let bytes = std::fs::read(sandbox.path().join("training_cost.xlsx")).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip archive");
    // Written atomically: no temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(sandbox.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("flopsheet-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn json_holds_every_cell_with_its_formula_value_and_graph() {
    let sandbox = Sandbox::new();
    let json = exported_json(&sandbox, &["export", "training_cost", "model.json"]);
    assert_eq!(json["format"], "flopsheet-export/1");
    let palm = cell(&json, "training.palm.cost_usd");
    assert_eq!(palm["kind"], "formula");
    assert_eq!(palm["formula"], "flops * usd_per_flop");
    assert_eq!(palm["unit"], "USD");
    assert_eq!(palm["excel"]["name"], "training_palm_cost_usd");
    assert_eq!(palm["excel"]["formula"], "=training_palm_flops*usd_per_flop");
    assert_eq!(palm["excel"]["sheet"], "training");
    assert_eq!(
        palm["precedents"],
        serde_json::json!(["training.palm.flops", "usd_per_flop"])
    );
    let want = get("training_cost", &["training.palm.cost_usd"])["training.palm.cost_usd"]
        .as_f64()
        .unwrap();
    expect_exact(palm["value"].as_f64().unwrap(), want);
    let price = cell(&json, "tpu_v4.usd_per_hour_1yr");
    assert_eq!(price["kind"], "input");
    assert_eq!(price["dependents"], serde_json::json!(["usd_per_chip_hour"]));
    let pack = cell(&json, "tpu_v4.peak_flops_bf16");
    assert!(pack["source"].as_str().unwrap().starts_with("https://"));
    assert_eq!(pack["excel"]["sheet"], "packs");
}

#[test]
fn set_slot_and_scenario_are_exported_as_get_computes_them() {
    let sandbox = Sandbox::new();
    let name = "training.cost_usd";
    let json = exported_json(&sandbox, &["export", "accelerators", "h100.json", "--scenario", "h100"]);
    let want = get_with(
        "accelerators",
        &[name],
        &["--slot", "hardware=h100_sxm", "--set", "usd_per_hour=3.29"],
    );
    expect_exact(
        cell(&json, name)["value"].as_f64().unwrap(),
        want[name].as_f64().unwrap(),
    );
    assert_eq!(cell(&json, "usd_per_hour")["overridden"], true);
    // `--set` on top of a scenario wins.
    let json = exported_json(
        &sandbox,
        &[
            "export",
            "accelerators",
            "h100_set.json",
            "--scenario",
            "h100",
            "--set",
            "usd_per_hour=5",
        ],
    );
    let want = get_with(
        "accelerators",
        &[name],
        &["--slot", "hardware=h100_sxm", "--set", "usd_per_hour=5"],
    );
    expect_exact(
        cell(&json, name)["value"].as_f64().unwrap(),
        want[name].as_f64().unwrap(),
    );
    let json = exported_json(
        &sandbox,
        &["export", "accelerators", "h200.json", "--slot", "hardware=h200"],
    );
    let want = get_with("accelerators", &[name], &["--slot", "hardware=h200"]);
    expect_exact(
        cell(&json, name)["value"].as_f64().unwrap(),
        want[name].as_f64().unwrap(),
    );
    sandbox
        .flopsheet()
        .args(["export", "accelerators", "x.xlsx", "--scenario", "nope"])
        .run()
        .failure()
        .stderr_has("no scenario `nope`; the scenarios are: a100, h100");
}

#[test]
fn never_writes_over_the_workbook_and_refuses_other_extensions() {
    let sandbox = Sandbox::new();
    let text = "Workbook(title: \"t\", cells: {\"a\": 2, \"b\": \"a * 3\"})";
    let path = sandbox.write("model.ron", text);
    sandbox
        .flopsheet()
        .args(["export", "model.ron", "model.ron"])
        .run()
        .usage_error()
        .stderr_has(".xlsx");
    // A workbook whose name ends in .xlsx, exported onto itself.
    let odd = sandbox.write("odd.xlsx", text);
    sandbox
        .flopsheet()
        .args(["export", "odd.xlsx", "./odd.xlsx"])
        .run()
        .failure()
        .stderr_has("is the workbook itself");
    assert_eq!(std::fs::read_to_string(&odd).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    sandbox
        .flopsheet()
        .args(["export", "model.ron", "no/such/folder/model.xlsx"])
        .run()
        .failure()
        .stderr_has("cannot write");
}

#[test]
fn formulas_without_a_faithful_equivalent_are_values_with_a_warning() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "model.ron",
        "Workbook(title: \"t\", cells: {\"x\": 1000, \"tiny\": \"1 / exp(x)\", \"y\": \"tiny + 1\"})",
    );
    let out = sandbox
        .flopsheet()
        .args(["export", "model.ron", "model.json"])
        .run()
        .success()
        .stdout_has("1 exported as values")
        .stderr_has("warning: `tiny` is exported as its value");
    assert!(out.stderr.contains("#NUM!"), "{out:?}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path().join("model.json")).unwrap()).unwrap();
    assert_eq!(cell(&json, "tiny")["excel"]["formula"], Value::Null);
    assert!(cell(&json, "tiny")["excel"]["exported_as_value"]
        .as_str()
        .unwrap()
        .contains("#NUM!"));
    assert_eq!(cell(&json, "y")["excel"]["formula"], "=tiny+1");
}

#[test]
fn a_workbook_whose_cells_cannot_be_built_is_not_exported() {
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", "Workbook(title: \"t\", cells: {\"a\": \"b * 2\"})");
    sandbox
        .flopsheet()
        .args(["export", "model.ron", "model.xlsx"])
        .run()
        .workbook_errors()
        .stderr_has("unknown name `b`");
    assert!(!sandbox.path().join("model.xlsx").exists());
}
