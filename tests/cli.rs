//! The command-line contract: `show`, `get`, `explain`, `check`, `workbooks`, `--set`, the output
//! formats, exit codes (0 ok, 1 workbook errors, 2 bad usage), and the diagnostics for broken
//! workbooks, each pointing at `file:line:col`.

use crate::util::*;

/// GPT-3's training cost on TPU v4 at `usd_per_hour` and `mfu` (reference §4).
fn gpt3_training_cost(usd_per_hour: f64, mfu: f64) -> f64 {
    6.0 * 175e9 * 300e9 * usd_per_hour / (275e12 * 3600.0 * mfu)
}

fn palm_training_cost(usd_per_hour: f64, mfu: f64) -> f64 {
    6.0 * 540e9 * 780e9 * usd_per_hour / (275e12 * 3600.0 * mfu)
}

/// Writes `text` as `model.ron` in a fresh sandbox.
fn model(text: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", text);
    sandbox
}

/// `flopsheet check model.ron` on `text`.
fn check(text: &str) -> Out {
    model(text).flopsheet().args(["check", "model.ron"]).run()
}

/// The table lines (box drawing) of a text table.
fn grid_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
}

// --- show ---------------------------------------------------------------------------------------

#[test]
fn show_without_a_workbook_prints_the_overview() {
    let out = flopsheet(&["show", "--width", "200"]).clean();
    assert!(
        out.stdout
            .starts_with("The Economics of Large Language Models — overview\n"),
        "{out:?}"
    );
    for table in [
        "[search]",
        "[inference]",
        "[training]",
        "[scaling]",
        "[hardware]",
        "[trends]",
        "[apps]",
    ] {
        assert!(out.stdout.contains(table), "no {table}:\n{out:?}");
    }
    let named = flopsheet(&["show", "overview", "--width", "200"]).clean();
    assert_eq!(out.stdout, named.stdout);
}

/// A shipped workbook is found by name from any folder: it is built into the binary.
#[test]
fn show_finds_a_shipped_workbook_by_name() {
    let elsewhere = Sandbox::new();
    let out = elsewhere
        .flopsheet()
        .args(["show", "search_cost", "--width", "200"])
        .run()
        .clean();
    assert!(
        out.stdout
            .starts_with("LLM-powered search: cost per query vs. Google's revenue per query\n"),
        "{out:?}"
    );
    out.stdout_has("[per_query]").stdout_has("two_stage");

    let csv = elsewhere
        .flopsheet()
        .args(["show", "search_cost", "--format", "csv"])
        .run()
        .clean();
    let from_repo = flopsheet(&["show", "workbooks/search_cost.ron", "--format", "csv"]).clean();
    assert_eq!(csv.stdout, from_repo.stdout);
}

#[test]
fn show_table_selects_one_table() {
    let out = flopsheet(&["show", "training_cost", "--table", "sensitivity", "--width", "200"])
        .clean()
        .stdout_has("[sensitivity]")
        .stdout_lacks("[training]")
        .stdout_has("training.palm.cost_on_demand_usd");
    assert!(out
        .stdout
        .starts_with("Training cost of large language models on GCP TPU v4\n"));

    let csv = flopsheet(&["show", "training_cost", "--table", "training", "--format", "csv"]).clean();
    let tables: Vec<&str> = csv
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(tables.len(), 7 * 6, "7 models × 6 columns:\n{csv:?}");
    assert!(tables.iter().all(|t| *t == "training"), "{csv:?}");
}

#[test]
fn show_an_unknown_table_lists_the_tables() {
    flopsheet(&["show", "training_cost", "--table", "trainig"])
        .usage_error()
        .stderr_has("no table `trainig`")
        .stderr_has("training, sensitivity");
}

/// A first workbook, before it has any tables: its own cells, read from a pack.
const NO_TABLES: &str = r#"Workbook(
    title: "GPT-3 on TPU v4",
    packs: ["tpu_v4", "gpt3"],
    cells: {
        "mfu": (value: 0.462, unit: "%"),
        "cost_usd": (formula: "6 * gpt3.params * gpt3.train_tokens / (tpu_v4.peak_flops_bf16 * 3600 * mfu) * tpu_v4.usd_per_hour_1yr", unit: "USD"),
    },
    scenarios: [Scenario(name: "half", set: {"mfu": 0.231})],
)"#;

/// `show` on a workbook that declares no tables prints its own cells, not nothing, and not
/// its packs' values; every command that shows "the tables" sees the same one.
#[test]
fn show_without_tables_prints_the_workbooks_own_cells() {
    let sandbox = model(NO_TABLES);
    let out = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--width", "100"])
        .run()
        .clean();
    let rows: Vec<&str> = grid_lines(&out.stdout).filter(|l| l.starts_with('│')).collect();
    assert_eq!(
        rows.len(),
        3,
        "a header and two cells:
{out:?}"
    );
    assert!(out.stdout.contains("Cells [cells]"), "{out:?}");
    assert!(rows[1].contains("mfu") && rows[1].contains("46.2%"), "{out:?}");
    assert!(rows[2].contains("cost_usd") && rows[2].contains("$1.40M"), "{out:?}");
    let csv = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--table", "cells", "--format", "csv"])
        .run()
        .clean();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{csv:?}");
    assert_eq!(lines[1], "cells,mfu,value,mfu,0.462,%");
    let cost: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(cost[..4], ["cells", "cost_usd", "value", "cost_usd"]);
    expect_exact(cost[4].parse().unwrap(), gpt3_training_cost(2.03, 0.462));
    // `compare` with no `--show` compares the same cells.
    let compare = sandbox
        .flopsheet()
        .args(["compare", "model.ron", "--format", "csv"])
        .run()
        .clean();
    let lines: Vec<&str> = compare.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{compare:?}");
    assert!(lines[1].starts_with("mfu,0.462,0.231,"), "{compare:?}");
    let half: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(half[0], "cost_usd");
    expect_exact(half[2].parse().unwrap(), gpt3_training_cost(2.03, 0.231));
}

/// A folder where a workbook file belongs names the workbooks in it.
#[test]
fn show_a_folder_names_the_workbooks_in_it() {
    let sandbox = model(NO_TABLES);
    sandbox.write("models/b.ron", NO_TABLES);
    sandbox.write("models/a.ron", NO_TABLES);
    sandbox.write("models/notes.txt", "not a workbook");
    sandbox
        .flopsheet()
        .args(["show", "models"])
        .run()
        .failure()
        .stderr_has("error: models is a folder, not a workbook file")
        .stderr_has("help: give one of the files in it: models/a.ron, models/b.ron\n");
    // `watch` says so at once, instead of waiting for the folder to become a file.
    sandbox
        .flopsheet()
        .args(["watch", "models"])
        .run()
        .failure()
        .stderr_has("error: models is a folder, not a workbook file");
    std::fs::create_dir(sandbox.path().join("empty")).unwrap();
    sandbox
        .flopsheet()
        .args(["check", "empty"])
        .run()
        .failure()
        .stderr_has("there is none in this folder");
}

#[test]
fn show_a_table_of_a_workbook_without_cells_or_tables() {
    model("Workbook(title: \"empty\", packs: [\"tpu_v4\"])")
        .flopsheet()
        .args(["show", "model.ron", "--table", "cells"])
        .run()
        .usage_error()
        .stderr_has("no table `cells`: this workbook has no tables and no cells of its own");
}

#[test]
fn show_csv() {
    let out = flopsheet(&["show", "training_cost", "--format", "csv"]).clean();
    let mut lines = out.stdout.lines();
    assert_eq!(lines.next(), Some("table,row,column,name,value,unit"));
    let gpt3 = lines
        .find(|l| l.starts_with("training,gpt3,cost_usd,"))
        .unwrap_or_else(|| panic!("no GPT-3 cost:\n{out:?}"));
    let fields: Vec<&str> = gpt3.split(',').collect();
    assert_eq!(fields[3], "training.gpt3.cost_usd");
    assert_eq!(fields[5], "USD");
    expect_exact(fields[4].parse().unwrap(), gpt3_training_cost(2.03, 0.462));
    // Raw values at full precision, not formatted.
    assert!(fields[4].len() > 12, "{gpt3}");
}

#[test]
fn show_json() {
    let out = flopsheet(&["show", "training_cost", "--format", "json"]).clean();
    let json = out.json();
    assert_eq!(json["title"], "Training cost of large language models on GCP TPU v4");
    let training = &json["tables"][0];
    assert_eq!(training["name"], "training");
    assert_eq!(training["layout"], "rows");
    let rows = training["rows"].as_array().unwrap();
    assert_eq!(rows[0]["units"]["cost_usd"], "USD");
    assert_eq!(rows[0]["units"]["flops"], "FLOP");
    let names: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["gpt3", "gopher", "mt_nlg", "palm", "chinchilla", "lamda", "jurassic1"]
    );
    expect_exact(
        rows[0]["values"]["cost_usd"].as_f64().unwrap(),
        gpt3_training_cost(2.03, 0.462),
    );
    expect_exact(
        rows[3]["values"]["cost_usd"].as_f64().unwrap(),
        palm_training_cost(2.03, 0.462),
    );
    assert_eq!(json["tables"][1]["name"], "sensitivity");
}

#[test]
fn show_markdown() {
    let out = flopsheet(&["show", "training_cost", "--format", "markdown"]).clean();
    assert!(
        out.stdout
            .starts_with("# Training cost of large language models on GCP TPU v4\n"),
        "{out:?}"
    );
    let out = out
        .stdout_has("\n## Training cost on TPU v4")
        .stdout_has("\n## Sensitivity to the TPU v4 price")
        .stdout_has("| gpt3 ")
        .stdout_has("$1.40M")
        .stdout_lacks("┌");
    assert!(out.stdout.lines().any(|l| l.starts_with("|--")), "{out:?}");
}

/// Text numbers are formatted by unit.
#[test]
fn show_formats_numbers_by_unit() {
    flopsheet(&["show", "training_cost", "--width", "200"])
        .clean()
        .stdout_has("$1.40M")
        .stdout_has("$11.2M")
        .stdout_has("3.15e23 FLOP")
        .stdout_has("2.53e24 FLOP")
        .stdout_has("175B params")
        .stdout_has("1.4T tokens");
    flopsheet(&["show", "hardware", "--table", "memory", "--width", "200"])
        .clean()
        .stdout_has("3.5 TB")
        .stdout_has("6.8 GB");
    flopsheet(&["show", "hardware", "--table", "utilization", "--width", "200"])
        .clean()
        .stdout_has("46.2%")
        .stdout_has("21.3%")
        .stdout_has("2.17×");
    flopsheet(&["show", "inference_cost", "--width", "200"])
        .clean()
        .stdout_has("$2.03/h")
        .stdout_has("17.6%");
}

#[test]
fn show_width_limits_the_tables() {
    for width in [60usize, 80, 120] {
        let out = flopsheet(&["show", "training_cost", "--width", &width.to_string()]).clean();
        // Grids, or records where a table cannot fit side by side.
        let records = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("-[") || l.contains(" │ "))
            .count();
        assert!(grid_lines(&out.stdout).count() + records > 10, "{out:?}");
        for line in out.stdout.lines() {
            assert!(line.chars().count() <= width, "wider than {width}: {line}\n{out:?}");
        }
    }
}

// --- get ----------------------------------------------------------------------------------------

#[test]
fn get_prints_the_full_precision_number() {
    let out = flopsheet(&["get", "training_cost", "training.palm.cost_usd"]).clean();
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    let text = out.stdout.trim_end();
    let value: f64 = text.parse().unwrap_or_else(|_| panic!("not a number:\n{out:?}"));
    let want = palm_training_cost(2.03, 0.462);
    assert!(((value - want) / want).abs() < 1e-14, "{value} vs {want}");
    // Not rounded: the shortest text that reads back to the same f64.
    assert_eq!(value.to_string(), text);
    assert!(text.len() >= 17, "{text}");
}

#[test]
fn get_several_names_prints_one_line_each() {
    let out = flopsheet(&[
        "get",
        "training_cost",
        "training.gpt3.cost_usd",
        "training.palm.cost_usd",
    ])
    .clean();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    let gpt3 = lines[0]
        .strip_prefix("training.gpt3.cost_usd = ")
        .expect("name = value");
    let palm = lines[1]
        .strip_prefix("training.palm.cost_usd = ")
        .expect("name = value");
    expect_exact(gpt3.parse().unwrap(), gpt3_training_cost(2.03, 0.462));
    expect_exact(palm.parse().unwrap(), palm_training_cost(2.03, 0.462));
}

#[test]
fn get_json_is_one_object() {
    let out = flopsheet(&[
        "get",
        "training_cost",
        "training.gpt3.cost_usd",
        "training.palm.cost_usd",
        "mfu",
        "--format",
        "json",
    ])
    .clean();
    assert_eq!(out.stdout.lines().count(), 1, "one line:\n{out:?}");
    let json = out.json();
    let object = json.as_object().expect("an object");
    let keys: Vec<&str> = object.keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["training.gpt3.cost_usd", "training.palm.cost_usd", "mfu"]);
    expect_exact(object.num("training.gpt3.cost_usd"), gpt3_training_cost(2.03, 0.462));
    expect_exact(object.num("training.palm.cost_usd"), palm_training_cost(2.03, 0.462));
    expect_exact(object.num("mfu"), 0.462);
}

#[test]
fn get_an_unknown_cell_suggests_a_name() {
    flopsheet(&["get", "training_cost", "training.palm.cost_ud"])
        .usage_error()
        .stderr_has("no cell is named `training.palm.cost_ud`")
        .stderr_has("did you mean `training.palm.cost_usd`");
    flopsheet(&["get", "training_cost", "mfu", "usd_per_flp", "--format", "json"])
        .usage_error()
        .stderr_has("did you mean `usd_per_flop`");
}

#[test]
fn get_an_error_value_exits_1_with_its_code() {
    let sandbox = model(DIV_ZERO);
    let out = sandbox
        .flopsheet()
        .args(["get", "model.ron", "ratio", "zero", "--format", "json"])
        .run()
        .workbook_errors();
    let json = out.json();
    assert_eq!(json["ratio"], "#DIV/0");
    assert_eq!(json["zero"], 0.0);
    let out = sandbox
        .flopsheet()
        .args(["get", "model.ron", "after"])
        .run()
        .workbook_errors();
    assert_eq!(out.stdout, "#DIV/0\n");
}

// --- --set --------------------------------------------------------------------------------------

#[test]
fn set_the_tpu_price_gives_the_on_demand_cost() {
    let v = get_with(
        "training_cost",
        &["training.gpt3.cost_usd", "training.palm.cost_usd"],
        &["--set", "tpu_v4.usd_per_hour_1yr=3.22"],
    );
    expect_exact(v.num("training.gpt3.cost_usd"), gpt3_training_cost(3.22, 0.462));
    expect_rounds_to(v.num("training.gpt3.cost_usd") / 1e6, 2.22, 2);
    expect_exact(v.num("training.palm.cost_usd"), palm_training_cost(3.22, 0.462));
    // The same as the on-demand column of an unchanged run.
    let base = get(
        "training_cost",
        &["training.gpt3.cost_on_demand_usd", "training.palm.cost_on_demand_usd"],
    );
    expect_exact(
        v.num("training.gpt3.cost_usd"),
        base.num("training.gpt3.cost_on_demand_usd"),
    );
    expect_exact(
        v.num("training.palm.cost_usd"),
        base.num("training.palm.cost_on_demand_usd"),
    );
}

#[test]
fn set_mfu_overrides_a_formula_cell() {
    let v = get_with(
        "training_cost",
        &["mfu", "training.gpt3.cost_usd", "training.palm.cost_3yr_usd"],
        &["--set", "mfu=0.35"],
    );
    expect_exact(v.num("mfu"), 0.35);
    expect_exact(v.num("training.gpt3.cost_usd"), gpt3_training_cost(2.03, 0.35));
    expect_exact(v.num("training.palm.cost_3yr_usd"), palm_training_cost(1.45, 0.35));
}

/// A value as the tables print it: `35%` is 0.35; `_` separates digits.
#[test]
fn set_takes_percentages_and_digit_separators() {
    let v = get_with(
        "training_cost",
        &["mfu", "training.gpt3.cost_usd", "gpt3.params"],
        &["--set", "mfu=35%", "--set", "gpt3.params=175_000_000_000"],
    );
    assert_eq!(v.num("mfu"), 0.35);
    expect_exact(v.num("training.gpt3.cost_usd"), gpt3_training_cost(2.03, 0.35));
    assert_eq!(v.num("gpt3.params"), 175e9);
}

#[test]
fn set_is_repeatable() {
    let v = get_with(
        "training_cost",
        &["training.gpt3.cost_usd"],
        &["--set", "tpu_v4.usd_per_hour_1yr=3.22", "--set", "mfu=0.5"],
    );
    expect_exact(v.num("training.gpt3.cost_usd"), gpt3_training_cost(3.22, 0.5));
}

#[test]
fn set_works_with_show_explain_and_check() {
    let out = flopsheet(&[
        "show",
        "training_cost",
        "--format",
        "csv",
        "--set",
        "tpu_v4.usd_per_hour_1yr=3.22",
    ])
    .clean();
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("training,gpt3,cost_usd,"))
        .expect("the GPT-3 cost");
    expect_exact(
        line.split(',').nth(4).unwrap().parse().unwrap(),
        gpt3_training_cost(3.22, 0.462),
    );
    flopsheet(&[
        "show",
        "training_cost",
        "--width",
        "200",
        "--set",
        "tpu_v4.usd_per_hour_1yr=3.22",
    ])
    .clean()
    .stdout_has("$2.22M");

    flopsheet(&[
        "explain",
        "training_cost",
        "tpu_v4.usd_per_hour_1yr",
        "--set",
        "tpu_v4.usd_per_hour_1yr=3.22",
    ])
    .clean()
    .stdout_has("overridden by --set")
    .stdout_has("$3.22/h");
    flopsheet(&["check", "training_cost", "--set", "mfu=0.5"])
        .clean()
        .stdout_has(": ok (");
}

#[test]
fn set_never_touches_the_file() {
    let sandbox = model(GOOD);
    let before = std::fs::read(sandbox.path().join("model.ron")).unwrap();
    let out = sandbox
        .flopsheet()
        .args(["get", "model.ron", "cost", "--set", "hours=1000"])
        .run()
        .clean();
    expect_exact(out.stdout.trim().parse().unwrap(), 1000.0 * 2.5);
    let after = std::fs::read(sandbox.path().join("model.ron")).unwrap();
    assert_eq!(before, after);
    let out = sandbox.flopsheet().args(["get", "model.ron", "cost"]).run().clean();
    expect_exact(out.stdout.trim().parse().unwrap(), 10.0 * 2.5);
}

#[test]
fn set_an_unknown_name_suggests_one() {
    flopsheet(&[
        "get",
        "training_cost",
        "training.gpt3.cost_usd",
        "--set",
        "tpu_v4.usd_per_hour_1y=3.22",
    ])
    .usage_error()
    .stderr_has("tpu_v4.usd_per_hour_1y")
    .stderr_has("did you mean `tpu_v4.usd_per_hour_1yr`");
    flopsheet(&["show", "training_cost", "--set", "mfuu=0.5"])
        .usage_error()
        .stderr_has("did you mean `mfu`");
}

#[test]
fn set_malformed_is_bad_usage() {
    for bad in [
        "mfu", "mfu=", "mfu=abc", "mfu=inf", "mfu=NaN", "mfu=0.5x", "mfu=%", "mfu=5%%",
    ] {
        flopsheet(&["get", "training_cost", "mfu", "--set", bad])
            .usage_error()
            .stderr_has("--set");
    }
}

#[test]
fn set_without_a_name_is_bad_usage() {
    flopsheet(&["get", "training_cost", "mfu", "--set", "=1"]).usage_error();
}

// --- explain ------------------------------------------------------------------------------------

#[test]
fn explain_shows_the_formula_and_precedents_with_sources() {
    let out = flopsheet(&["explain", "training_cost", "training.palm.cost_usd"]).clean();
    let first = out.stdout.lines().next().unwrap().to_string();
    assert!(first.starts_with("training.palm.cost_usd = $11.2M"), "{out:?}");
    let out = out
        .stdout_has("formula: flops * usd_per_flop")
        .stdout_has("table `training`, row `palm`, column `cost_usd`")
        .stdout_has("usd_per_chip_hour / (tpu_v4.peak_flops_bf16 * 3600 * mfu)");
    // The tree goes down to the pack values, each with its source and date.
    let line = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.contains(&format!("{name} = ")) && l.contains("[input"))
            .unwrap_or_else(|| panic!("no input line for {name}:\n{out:?}"))
    };
    assert!(line("palm.params").contains("540B params"), "{out:?}");
    assert!(line("palm.params").contains("arXiv:2204.02311"), "{out:?}");
    assert!(line("palm.train_tokens").contains("780B tokens"), "{out:?}");
    let peak = line("tpu_v4.peak_flops_bf16");
    assert!(peak.contains("275 TFLOP/s"), "{peak}");
    assert!(peak.contains("https://cloud.google.com/tpu/docs/v4"), "{peak}");
    assert!(peak.contains("2023-01"), "{peak}");
    assert!(line("tpu_v4.usd_per_hour_1yr").contains("https://cloud.google.com/tpu/pricing"));
    assert!(line("mfu").contains("46.2%"));
    // The full-precision value is shown too.
    let value = palm_training_cost(2.03, 0.462);
    let shown = first
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .expect("the raw value in parentheses");
    expect_exact(shown.parse().unwrap(), value);
}

#[test]
fn explain_a_pack_value_shows_its_source() {
    flopsheet(&["explain", "training_cost", "tpu_v4.peak_flops_bf16"])
        .clean()
        .stdout_has("(pack `tpu_v4`)")
        .stdout_has("source: https://cloud.google.com/tpu/docs/v4");
}

#[test]
fn explain_points_at_the_definition() {
    let sandbox = model(GOOD);
    sandbox
        .flopsheet()
        .args(["explain", "model.ron", "cost"])
        .run()
        .clean()
        .stdout_has(&format!(
            "defined at {}",
            location("model.ron", GOOD, "\"hours * rate\"")
        ))
        .stdout_has("hours = 10 h");
}

/// Formulas are shown as written: read back from the file at their site, or, when the file
/// holds them with escapes, from the parsed string (a tab here, and an escaped quote in the
/// second workbook, which breaks the formula).
#[test]
fn explain_and_errors_show_formulas_as_written_escapes_included() {
    let sandbox = model(
        r##"Workbook(title: "t", cells: {"hours": 10, "rate": 2, "plain": "hours * rate", "tabbed": "hours\t* rate",
            "raw": r"hours + rate", "long": (formula: r#"rate * 3"#, unit: "h")})"##,
    );
    let explain = |cell: &str| sandbox.flopsheet().args(["explain", "model.ron", cell]).run().clean();
    explain("raw")
        .stdout_has("formula: hours + rate\n")
        .stdout_has("raw = 12 ");
    explain("long")
        .stdout_has("formula: rate * 3\n")
        .stdout_has("long = 6 h");
    explain("plain")
        .stdout_has("formula: hours * rate\n")
        .stdout_has("plain = 20 ");
    explain("tabbed")
        .stdout_has("formula: hours\t* rate\n")
        .stdout_has("tabbed = 20 ");
    let sandbox = model(r#"Workbook(title: "t", cells: {"rate": 2, "cost": "rate * hourz\u{2a}2"})"#);
    sandbox
        .flopsheet()
        .args(["check", "model.ron"])
        .run()
        .workbook_errors()
        .stderr_has("unknown name `hourz`");
}

#[test]
fn explain_an_unknown_cell_suggests_a_name() {
    flopsheet(&["explain", "training_cost", "training.palm.cost_sd"])
        .usage_error()
        .stderr_has("did you mean `training.palm.cost_usd`");
}

// --- check, workbooks, lookup, usage --------------------------------------------------------------

#[test]
fn check_a_good_workbook() {
    let sandbox = model(GOOD);
    let out = sandbox.flopsheet().args(["check", "model.ron"]).run().clean();
    assert!(out.stdout.starts_with("model.ron: ok ("), "{out:?}");
    flopsheet(&["check"]).clean().stdout_has("overview.ron: ok (");
}

#[test]
fn workbooks_lists_the_shipped_workbooks() {
    let out = flopsheet(&["workbooks"]).clean();
    for (name, title) in [
        ("search_cost", "LLM-powered search"),
        ("inference_cost", "Inference cost per 1000 tokens"),
        ("training_cost", "Training cost of large language models"),
        ("overview", "The Economics of Large Language Models"),
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name} ")) && l.contains(title)),
            "no {name}:\n{out:?}"
        );
    }
}

#[test]
fn an_unknown_workbook_suggests_a_shipped_one() {
    for command in ["show", "check"] {
        flopsheet(&[command, "trainig_cost"])
            .failure()
            .stderr_has("no workbook `trainig_cost`")
            .stderr_has("did you mean `training_cost`")
            .stderr_has("search_cost");
    }
    flopsheet(&["get", "serch_cost", "revenue_per_query"])
        .failure()
        .stderr_has("did you mean `search_cost`");
    flopsheet(&["explain", "overveiw", "revenue_per_query"])
        .failure()
        .stderr_has("did you mean `overview`");
}

#[test]
fn bad_usage_exits_2() {
    flopsheet::<&str>(&[]).usage_error();
    flopsheet(&["frobnicate"]).usage_error();
    flopsheet(&["show", "--format", "xml"])
        .usage_error()
        .stderr_has("table, csv, json, markdown");
    flopsheet(&["get", "training_cost"]).usage_error();
    flopsheet(&["show", "--width", "wide"]).usage_error();
    flopsheet(&["get", "training_cost", "mfu", "--format", "xml"]).usage_error();
}

// --- diagnostics on broken workbooks -------------------------------------------------------------

const GOOD: &str = r#"Workbook(
    title: "A good model",
    packs: ["gpt3"],
    cells: {
        "hours": (value: 10, unit: "h"),
        "rate": (value: 2.5, unit: "USD/h"),
        "cost": (formula: "hours * rate", unit: "USD"),
        "params": "gpt3.params",
    },
    tables: [Table(name: "t", cells: ["hours", "rate", "cost", "params"])],
)
"#;

const DIV_ZERO: &str = r#"Workbook(
    title: "Division by zero",
    packs: [],
    cells: {
        "zero": 0,
        "ratio": "1 / zero",
        "after": "ratio + 1",
        "fine": 3,
    },
    tables: [Table(name: "t", cells: ["zero", "ratio", "after", "fine"])],
)
"#;

#[test]
fn an_unknown_name_in_a_formula_points_at_it() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3"],
    cells: {
        "mfu": 0.5,
        "flops": "6 * gpt3.parms * gpt3.train_tokens / mfu",
    },
    tables: [Table(name: "t", cells: ["mfu", "flops"])],
)
"#;
    let sandbox = model(TEXT);
    sandbox
        .flopsheet()
        .args(["check", "model.ron"])
        .run()
        .failure()
        .stderr_has("unknown name `gpt3.parms`")
        .stderr_has(&location("model.ron", TEXT, "gpt3.parms"))
        .stderr_has("did you mean `gpt3.params`");
    // `show` still prints the table, with the error in the cell.
    sandbox
        .flopsheet()
        .args(["show", "model.ron", "--format", "csv"])
        .run()
        .shown_with_warnings()
        .stdout_has("t,flops,value,flops,#NAME,")
        .stdout_has("t,mfu,value,mfu,0.5,")
        .stderr_has(&location("model.ron", TEXT, "gpt3.parms"));
}

/// Columns count characters, not bytes.
#[test]
fn a_location_counts_characters() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3"],
    cells: {
        "x": (note: "coût € — é", formula: "gpt3.parms * 2"),
    },
    tables: [],
)
"#;
    let (line, column) = locate(TEXT, "gpt3.parms");
    assert_eq!((line, column), (5, 45));
    check(TEXT).failure().stderr_has("model.ron:5:45");
}

#[test]
fn a_cycle_names_every_cell_in_order() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "a": "b + 1",
        "b": "a * 2",
        "c": 4,
    },
    tables: [Table(name: "t", cells: ["a", "b", "c"])],
)
"#;
    let sandbox = model(TEXT);
    let out = sandbox
        .flopsheet()
        .args(["check", "model.ron"])
        .run()
        .failure()
        .stderr_has("dependency cycle: a → b → a");
    let a = format!("a at {}", location("model.ron", TEXT, "\"b + 1\""));
    let b = format!("b at {}", location("model.ron", TEXT, "\"a * 2\""));
    let at_a = out.stderr.find(&a).unwrap_or_else(|| panic!("no `{a}`:\n{out:?}"));
    let at_b = out.stderr.find(&b).unwrap_or_else(|| panic!("no `{b}`:\n{out:?}"));
    assert!(at_a < at_b, "the cells in order:\n{out:?}");
    sandbox
        .flopsheet()
        .args(["show", "model.ron", "--format", "csv"])
        .run()
        .shown_with_warnings()
        .stdout_has("t,a,value,a,#CYCLE,")
        .stdout_has("t,b,value,b,#CYCLE,")
        .stdout_has("t,c,value,c,4,");
}

#[test]
fn a_cell_reading_itself_is_a_cycle() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "a": "a + 1",
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("dependency cycle: a → a")
        .stderr_has(&format!("a at {}", location("model.ron", TEXT, "\"a + 1\"")));
}

#[test]
fn a_division_by_zero_shows_div0_and_exits_1_only_where_strict() {
    let sandbox = model(DIV_ZERO);
    let out = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--width", "100"])
        .run()
        .shown_with_warnings()
        .stderr_has("#DIV/0")
        .stderr_has(&location("model.ron", DIV_ZERO, "\"1 / zero\""));
    // The error flows into the dependents; the other cells are fine.
    let row = |name: &str| {
        grid_lines(&out.stdout)
            .find(|l| l.starts_with(&format!("│ {name} ")))
            .unwrap_or_else(|| panic!("no row {name}:\n{out:?}"))
    };
    assert!(row("ratio").contains("#DIV/0"), "{out:?}");
    assert!(row("after").contains("#DIV/0"), "{out:?}");
    assert!(row("fine").contains(" 3 "), "{out:?}");
    let json = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--format", "json"])
        .run()
        .shown_with_warnings()
        .json();
    assert_eq!(json["tables"][0]["rows"][1]["values"]["value"], "#DIV/0");
    // `--strict` fails on any error; `check` always does.
    sandbox
        .flopsheet()
        .args(["show", "model.ron", "--strict"])
        .run()
        .workbook_errors()
        .stdout_has("#DIV/0");
    sandbox.flopsheet().args(["check", "model.ron"]).run().failure();
}

#[test]
fn a_non_finite_result_is_num() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "neg": -1,
        "root": "sqrt(neg)",
        "huge": "1e308 * 10",
    },
    tables: [Table(name: "t", cells: ["root", "huge"])],
)
"#;
    model(TEXT)
        .flopsheet()
        .args(["show", "model.ron", "--format", "csv"])
        .run()
        .shown_with_warnings()
        .stdout_has("t,root,value,root,#NUM,")
        .stdout_has("t,huge,value,huge,#NUM,")
        .stderr_has(&location("model.ron", TEXT, "\"sqrt(neg)\""));
}

#[test]
fn a_misspelled_field_suggests_the_right_one() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "a": (valu: 1.0, unit: "USD"),
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("unknown field `valu`")
        .stderr_has("did you mean `value`")
        .stderr_has(&location("model.ron", TEXT, "valu:"));
}

#[test]
fn a_cell_with_both_a_value_and_a_formula() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "a": (value: 1.0, formula: "2 * 3"),
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("both a `value` and a `formula`")
        .stderr_has(&location("model.ron", TEXT, "\"a\""));
}

#[test]
fn an_incomplete_formula() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "a": 1,
        "b": "1 +",
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("invalid formula")
        .stderr_has("`+` is missing an operand")
        // The operator without its operand, not the whole formula.
        .stderr_has(&location("model.ron", TEXT, "+\""));
}

#[test]
fn a_name_with_a_space() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "gpu_hours": 10,
        "cost": "gpu hours * 2",
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("names cannot contain spaces")
        .stderr_has("`gpu_hours`")
        .stderr_has(&location("model.ron", TEXT, "gpu hours"));
}

#[test]
fn an_unknown_function() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "f": "frobnicate(2)",
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("unknown function `frobnicate`")
        .stderr_has(&location("model.ron", TEXT, "frobnicate"));
}

#[test]
fn a_key_written_twice() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: [],
    cells: {
        "a": 1,
        "b": 2,
        "a": 3,
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("`a` is written twice")
        .stderr_has(&location("model.ron", TEXT, "\"a\": 3"));
}

#[test]
fn a_missing_pack_is_named() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3", "rtx_9090"],
    cells: {
        "a": 1,
    },
    tables: [],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("no pack `rtx_9090`")
        .stderr_has("rtx_9090.ron")
        .stderr_has(&location("model.ron", TEXT, "\"rtx_9090\""));
}

#[test]
fn a_table_row_naming_no_pack() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3"],
    cells: {
        "a": 1,
    },
    tables: [
        Table(name: "t", rows: ["gpt3", "gpt4"], columns: { "p": "row.params" }),
    ],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("the table row `gpt4`")
        .stderr_has("did you mean `gpt3`")
        .stderr_has(&location("model.ron", TEXT, "\"gpt4\""));
}

#[test]
fn a_table_row_naming_no_pack_says_its_help_once() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3"],
    cells: {},
    tables: [Table(name: "t", rows: ["gpt4"], columns: { "p": "row.params" })],
)
"#;
    let out = model(TEXT).flopsheet().args(["check", "model.ron"]).run().failure();
    assert_eq!(
        out.stderr.matches("a row is a pack listed in `packs:`").count(),
        1,
        "{out:?}"
    );
}

#[test]
fn a_row_reading_a_value_its_pack_lacks() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3"],
    cells: {},
    tables: [Table(name: "t", rows: ["gpt3"], columns: { "p": "row.paramz" })],
)
"#;
    check(TEXT)
        .failure()
        .stderr_has("row.paramz")
        .stderr_has("did you mean `row.params`")
        .stderr_has(&location("model.ron", TEXT, "row.paramz"));
}

#[test]
fn a_path_is_not_a_pack_id() {
    for bad in ["../../etc/passwd", "/etc/passwd", "hardware/h100_sxm", "h100_sxm.ron"] {
        let text = format!(
            "Workbook(\n    title: \"t\",\n    packs: [\"{bad}\"],\n    cells: {{ \"a\": 1 }},\n    tables: [],\n)\n"
        );
        model(&text)
            .flopsheet()
            .args(["check", "model.ron"])
            .run()
            .failure()
            .stderr_has(&format!("`{bad}` is not a pack id"))
            .stderr_has(&location("model.ron", &text, &format!("\"{bad}\"")))
            .stderr_lacks("root:");
    }
}

/// A percentage written in the workbook as the tables print it: RON has no `%`, and the
/// error says what to write instead of "a comma is missing".
#[test]
fn a_percentage_in_the_workbook_says_to_write_the_fraction() {
    let cases = [
        ("\"mfu\": 40%", "40%", "0.4"),
        ("\"mfu\": (value: -12.25%, unit: \"%\")", "-12.25%", "-0.1225"),
    ];
    for (cell, written, fraction) in cases {
        let text = format!("Workbook(title: \"t\", cells: {{ {cell} }})\n");
        check(&text)
            .failure()
            .stderr_has(&format!("error: `{written}` is not a number in RON"))
            .stderr_has(&location("model.ron", &text, written))
            .stderr_has(&format!("help: write the fraction, `{fraction}`"))
            .stderr_lacks("comma");
    }
}

#[test]
fn a_file_that_is_not_a_workbook() {
    let sandbox = Sandbox::new();
    sandbox.write("pack.ron", r#"Pack(id: "pack", kind: "other", name: "p", values: {})"#);
    sandbox
        .flopsheet()
        .args(["check", "pack.ron"])
        .run()
        .failure()
        .stderr_has("expected `Workbook(...)`, found `Pack(...)`");
    sandbox
        .flopsheet()
        .args(["check", "."])
        .run()
        .failure()
        .stderr_has("error: . is a folder, not a workbook file")
        .stderr_has("help: give one of the files in it: ./pack.ron");
}

#[test]
fn an_empty_workbook_file_says_so() {
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", "");
    sandbox
        .flopsheet()
        .args(["check", "model.ron"])
        .run()
        .failure()
        .stderr_has("the file is empty");
}

#[test]
fn a_column_may_read_a_later_column() {
    const TEXT: &str = r#"Workbook(
    title: "t",
    packs: ["gpt3"],
    cells: {},
    tables: [Table(name: "t", rows: ["gpt3"], columns: { "x": "y * 2", "y": "row.params" })],
)
"#;
    let out = model(TEXT)
        .flopsheet()
        .args(["get", "model.ron", "t.gpt3.x", "--format", "json"])
        .run()
        .clean();
    expect_exact(out.json()["t.gpt3.x"].as_f64().unwrap(), 2.0 * 175e9);
}

#[test]
fn json_gives_each_cell_of_a_cells_table_its_unit() {
    let csv = flopsheet(&["show", "overview", "--table", "search", "--format", "csv"]).clean();
    let json = flopsheet(&["show", "overview", "--table", "search", "--format", "json"])
        .clean()
        .json();
    let table = &json["tables"][0];
    for line in csv.stdout.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (name, unit) = (fields[3], fields[5]);
        let row = table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == name)
            .unwrap();
        assert_eq!(row["units"]["value"].as_str(), Some(unit), "unit of {name}: {json}");
    }
}

// --- units ----------------------------------------------------------------------------------------

/// A cell shown in another unit of its dimension: `--unit` converts, and refuses another dimension.
#[test]
fn unit_shows_a_cell_in_another_unit_of_its_dimension() {
    // $0.0107 per 1000 tokens is $10.7 per million; 3.5e12 B is 3.183 TiB.
    flopsheet(&["show", "inference_cost", "--table", "inference", "--width", "160"])
        .clean()
        .stdout_has("$0.00351/1k tokens");
    flopsheet(&[
        "show",
        "inference_cost",
        "--table",
        "inference",
        "--width",
        "160",
        "--unit",
        "aws_a100.usd_per_1k_tokens=USD/Mtoken",
    ])
    .clean()
    .stdout_has("$3.51/Mtoken");
    flopsheet(&[
        "show",
        "hardware",
        "--table",
        "memory",
        "--unit",
        "gpt3_training_bytes=TiB",
    ])
    .clean()
    .stdout_has("3.183 TiB");
    flopsheet(&["show", "hardware", "--unit", "gpt3_training_bytes=USD"])
        .usage_error()
        .stderr_has("--unit gpt3_training_bytes=USD: cannot show a value in B as USD: B is not USD");
    flopsheet(&["show", "hardware", "--unit", "gpt3_training_bytes=hr"])
        .usage_error()
        .stderr_has("`hr` is not a unit");
}

/// `check --format json`: each diagnostic with its file, line, column, message, help and labels.
#[test]
fn check_in_json_carries_unit_errors_with_their_place_and_fix() {
    let text = r#"Workbook(title: "t", cells: {
    "usd_per_hour": (value: 2.03, unit: "USD/h"),
    "peak_flops": (value: 275e12, unit: "FLOP/s"),
    "usd_per_flop": (formula: "usd_per_hour / peak_flops", unit: "USD/FLOP"),
})
"#;
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", text);
    let out = sandbox
        .flopsheet()
        .args(["check", "model.ron", "--format", "json"])
        .run();
    assert_eq!(out.code, Some(1), "{out:?}");
    let json = out.json();
    let all = json.as_array().expect("an array");
    assert_eq!(all.len(), 1, "{json}");
    let d = &all[0];
    let (line, column) = locate(text, "\"usd_per_hour / peak_flops\"");
    assert_eq!(d["file"], "model.ron");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
    assert_eq!(
        d["message"],
        "the formula of `usd_per_flop` computes USD·s/(h·FLOP), not its declared unit USD/FLOP"
    );
    assert_eq!(
        d["help"][0],
        "divide the formula by 3600 to have USD/FLOP, or declare the unit it computes"
    );
    assert!(d["labels"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("expected USD/FLOP, found USD·s/(h·FLOP): the factor 3600 (s/h) is missing"));
    // A good workbook: an empty array, exit 0.
    let out = flopsheet(&["check", "training_cost", "--format", "json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json(), serde_json::json!([]));
}

/// A formula cell without a unit shows the one it computes; `explain` shows every precedent's.
#[test]
fn an_undeclared_formula_shows_the_unit_it_computes() {
    let text = r#"Workbook(title: "t", cells: {
    "hours": (value: 10, unit: "h"),
    "watts": (value: 400, unit: "W"),
    "energy": "hours * watts",
    "flops": "6 * hours",
})
"#;
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", text);
    sandbox
        .flopsheet()
        .args(["show", "model.ron"])
        .run()
        .clean()
        .stdout_has("4,000 h·W")
        // A literal that may carry a unit: not known, printed bare.
        .stdout_has("60 ");
    sandbox
        .flopsheet()
        .args(["explain", "model.ron", "energy"])
        .run()
        .clean()
        .stdout_has("unit: h·W (inferred: not written in the file)")
        .stdout_has("hours = 10 h  (h)")
        .stdout_has("watts = 400 W  (W)");
}

/// Every shipped pack loads with no unit error, all of them in one workbook.
#[test]
fn every_shipped_pack_has_units_that_parse_and_agree() {
    let ids: Vec<String> = std::fs::read_dir(root().join("plugins"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(ids.len() >= 20, "{ids:?}");
    let list: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
    let sandbox = Sandbox::new();
    sandbox.write(
        "all.ron",
        &format!("Workbook(title: \"all\", packs: [{}], cells: {{}})\n", list.join(", ")),
    );
    sandbox
        .flopsheet()
        .args(["check", "all.ron", "--format", "json"])
        .run()
        .success()
        .stdout_has("[]");
}
