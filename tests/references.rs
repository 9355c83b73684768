//! References beside estimates: a published figure on a cell, a pack value or a table
//! column, shown with the difference, checked against its tolerance by `check --references`,
//! and met by `solve --target NAME=reference`; every figure here is computed by hand.

use crate::util::{expect_exact, location, Out, Sandbox};
use flopsheet_load::{LoadOptions, Trial, Verdict, WorkbookSource, Workspace};

/// Llama 3.1 405B: parameters and training tokens, and the GPU-hours its model card reports.
const PARAMS: f64 = 405e9;
const TOKENS: f64 = 15.6e12;
const H100_BF16: f64 = 989e12;
const REPORTED: f64 = 30.84e6;

const LLAMA_405B: &str = r#"Pack(
    id: "llama3_405b",
    kind: "model",
    name: "Llama 3.1 405B",
    values: {
        "params": (value: 405e9, unit: "params"),
        "train_tokens": (value: 15.6e12, unit: "tokens"),
        "reported_gpu_hours": (value: 30.84e6, unit: "h", source: "Llama 3.1 model card", date: "2024-07"),
    },
)"#;

/// A second row, whose estimate is far from what it reports.
const LLAMA_70B: &str = r#"Pack(
    id: "llama3_70b",
    kind: "model",
    name: "Llama 3.1 70B",
    values: {
        "params": (value: 70e9, unit: "params"),
        "train_tokens": (value: 15e12, unit: "tokens"),
        "reported_gpu_hours": (value: 7.0e6, unit: "h", source: "Llama 3.1 model card", date: "2024-07"),
    },
)"#;

/// GPU-hours of the 405B model at `mfu` on H100s.
fn gpu_hours(params: f64, tokens: f64, mfu: f64) -> f64 {
    6.0 * params * tokens / (H100_BF16 * mfu) / 3600.0
}

/// A workbook whose `gpu_hours` has a reference with `tolerance`.
fn workbook(tolerance: &str) -> String {
    format!(
        r#"Workbook(
    title: "Llama GPU-hours",
    packs: ["llama3_405b"],
    cells: {{
        "mfu": (value: 0.4, unit: "%"),
        "peak": (value: 989e12, unit: "FLOP/s"),
        "gpu_hours": (formula: "6 * llama3_405b.params * llama3_405b.train_tokens / (peak * mfu) / 3600", unit: "h",
            reference: (value: 30.84e6, source: "Llama 3.1 model card", date: "2024-07"{tolerance})),
        "mfu_guess": (value: 0.38, unit: "%", reference: 0.4),
    }},
    tables: [Table(name: "summary", cells: ["mfu", "gpu_hours", "mfu_guess"])],
)"#
    )
}

fn sandbox(workbook_text: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("plugins/models/llama3_405b.ron", LLAMA_405B);
    sandbox.write("plugins/models/llama3_70b.ron", LLAMA_70B);
    sandbox.write("model.ron", workbook_text);
    sandbox
}

/// `flopsheet ARGS` run in the sandbox.
#[track_caller]
fn run(s: &Sandbox, args: &[&str]) -> Out {
    s.flopsheet().args(args).run()
}

#[test]
fn check_passes_within_the_tolerance_and_counts_the_unchecked() {
    let s = sandbox(&workbook(", tolerance: 0.15"));
    let out = run(&s, &["check", "model.ron", "--references"]).clean();
    assert_eq!(
        out.stdout,
        "model.ron: ok (7 cells, 1 packs, 1 tables)\n1 reference within tolerance, 1 not checked\n"
    );
    // Without the flag, references are not compared.
    let plain = run(&s, &["check", "model.ron"]).clean();
    assert_eq!(plain.stdout, "model.ron: ok (7 cells, 1 packs, 1 tables)\n");
}

#[test]
fn check_fails_outside_the_tolerance_naming_where_the_reference_is() {
    let text = workbook(", tolerance: 0.1");
    let s = sandbox(&text);
    let out = run(&s, &["--color", "never", "check", "model.ron", "--references"]).failure();
    let at = location("model.ron", &text, "reference: (value: 30.84e6");
    assert_eq!(
        out.stderr,
        format!(
            "error: 1 of 2 references is outside its tolerance or cannot be compared\n  {at}: `gpu_hours` is outside its tolerance: estimate 26,617,796 h, reference 30,840,000 h (Llama 3.1 model card, 2024-07), difference \u{2212}13.7%, tolerance ±10%\n0 references within tolerance, 1 failed, 1 not checked\n"
        )
    );
    // A higher MFU brings the estimate within 10% (−1.4% at 35%), and the check passes.
    let difference = gpu_hours(PARAMS, TOKENS, 0.35) / REPORTED - 1.0;
    assert!(difference.abs() < 0.1, "{difference}");
    run(&s, &["check", "model.ron", "--references", "--set", "mfu=35%"])
        .clean()
        .stdout_has("1 reference within tolerance, 1 not checked");
}

#[test]
fn show_prints_the_reference_and_the_difference_beside_the_value() {
    let s = sandbox(&workbook(", tolerance: 0.15"));
    run(&s, &["show", "model.ron", "--width", "120"])
        .clean()
        .stdout_has("│ cell      ┆ value        ┆ reference    ┆ difference ┆ note │")
        .stdout_has("│ gpu_hours ┆ 26,617,796 h ┆ 30,840,000 h ┆     \u{2212}13.7% ┆      │")
        .stdout_has("│ mfu_guess ┆          38% ┆          40% ┆      \u{2212}5.0% ┆      │");
    // Markdown carries them too.
    run(&s, &["show", "model.ron", "--format", "markdown"])
        .clean()
        .stdout_has("| cell      | value        | reference    | difference | note |");
}

#[test]
fn json_and_csv_carry_the_reference_the_difference_and_what_it_cites() {
    let s = sandbox(&workbook(", tolerance: 0.15"));
    let json = run(&s, &["show", "model.ron", "--format", "json"]).clean().json();
    let rows = json["tables"][0]["rows"].as_array().unwrap();
    assert!(rows[0].get("references").is_none(), "mfu has no reference: {}", rows[0]);
    let gpu = &rows[1]["references"]["value"];
    let estimate = gpu_hours(PARAMS, TOKENS, 0.4);
    expect_exact(rows[1]["value"].as_f64().unwrap(), estimate);
    assert_eq!(gpu["reference"].as_f64(), Some(REPORTED));
    expect_exact(gpu["difference"].as_f64().unwrap(), estimate / REPORTED - 1.0);
    assert_eq!(gpu["tolerance"].as_f64(), Some(0.15));
    assert_eq!(gpu["source"], "Llama 3.1 model card");
    assert_eq!(gpu["date"], "2024-07");
    assert_eq!(gpu["status"], "within");
    let guess = &rows[2]["references"]["value"];
    assert_eq!(guess["tolerance"], serde_json::Value::Null);
    assert_eq!(guess["status"], "not checked");
    expect_exact(guess["difference"].as_f64().unwrap(), 0.38 / 0.4 - 1.0);

    let csv = run(&s, &["show", "model.ron", "--format", "csv"]).clean().stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "table,row,column,name,value,unit,reference,difference,tolerance,source,date"
    );
    assert_eq!(lines[1], "summary,mfu,value,mfu,0.4,%,,,,,");
    assert_eq!(
        lines[2],
        format!(
            "summary,gpu_hours,value,gpu_hours,{estimate},h,30840000,{},0.15,Llama 3.1 model card,2024-07",
            estimate / REPORTED - 1.0
        )
    );
}

#[test]
fn set_moves_the_difference_and_the_reference_follows_the_cells_it_reads() {
    let s = sandbox(&workbook(", tolerance: 0.15"));
    let json = run(&s, &["show", "model.ron", "--format", "json", "--set", "mfu=0.5"])
        .clean()
        .json();
    let gpu = &json["tables"][0]["rows"][1]["references"]["value"];
    let difference = gpu_hours(PARAMS, TOKENS, 0.5) / REPORTED - 1.0;
    expect_exact(gpu["difference"].as_f64().unwrap(), difference);
    assert_eq!(gpu["status"], "outside", "{difference}");
}

/// A row table's column takes its reference from each row's pack; it cites what the pack
/// value cites.
const ROWS: &str = r#"Workbook(
    title: "Llama GPU-hours by model",
    packs: ["llama3_405b", "llama3_70b"],
    cells: {
        "mfu": (value: 0.4, unit: "%"),
        "peak": (value: 989e12, unit: "FLOP/s"),
    },
    tables: [
        Table(name: "runs", rows: ["llama3_405b", "llama3_70b"], columns: {
            "flops": (formula: "6 * row.params * row.train_tokens", unit: "FLOP"),
            "gpu_hours": (formula: "flops / (peak * mfu) / 3600", unit: "h",
                reference: (formula: "row.reported_gpu_hours", tolerance: 0.2)),
        }),
    ],
)"#;

#[test]
fn a_row_table_reads_each_rows_reference_from_its_pack() {
    let s = sandbox(ROWS);
    run(&s, &["show", "model.ron", "--width", "120"])
        .clean()
        .stdout_has("│             ┆ flops        ┆ gpu_hours    ┆ gpu_hours ref ┆ gpu_hours Δ │")
        .stdout_has("│ llama3_70b  ┆ 6.30e24 FLOP ┆  4,423,660 h ┆   7,000,000 h ┆      \u{2212}36.8% │");
    let json = run(&s, &["show", "model.ron", "--format", "json"]).clean().json();
    let rows = json["tables"][0]["rows"].as_array().unwrap();
    for (row, params, tokens, reported, status) in [
        (&rows[0], PARAMS, TOKENS, REPORTED, "within"),
        (&rows[1], 70e9, 15e12, 7.0e6, "outside"),
    ] {
        let r = &row["references"]["gpu_hours"];
        assert_eq!(r["reference"].as_f64(), Some(reported));
        expect_exact(
            r["difference"].as_f64().unwrap(),
            gpu_hours(params, tokens, 0.4) / reported - 1.0,
        );
        assert_eq!(r["status"], status);
        assert_eq!(r["source"], "Llama 3.1 model card");
        assert!(row["references"].get("flops").is_none());
    }
    let out = run(&s, &["--color", "never", "check", "model.ron", "--references"]).failure();
    let at = location("model.ron", ROWS, "reference: (formula");
    out.stderr_has(&format!("  {at}: `runs.llama3_70b.gpu_hours` is outside its tolerance: estimate 4,423,660 h, reference 7,000,000 h (Llama 3.1 model card, 2024-07), difference \u{2212}36.8%, tolerance ±20%\n"))
        .stderr_has("1 reference within tolerance, 1 failed, 0 not checked\n")
        .stderr_lacks("llama3_405b.gpu_hours`");
}

#[test]
fn solve_calibrates_an_input_to_meet_the_reference() {
    let s = sandbox(&workbook(", tolerance: 0.15"));
    let json = run(
        &s,
        &[
            "solve",
            "model.ron",
            "--target",
            "gpu_hours=reference",
            "--by",
            "mfu",
            "--format",
            "json",
        ],
    )
    .clean()
    .json();
    // 6 N D / (peak · mfu · 3600) = reported  ⇒  mfu = 6 N D / (peak · 3600 · reported).
    let want = 6.0 * PARAMS * TOKENS / (H100_BF16 * 3600.0 * REPORTED);
    expect_exact(json["rows"][0]["value"].as_f64().unwrap(), want);
    expect_exact(json["rows"][1]["value"].as_f64().unwrap(), REPORTED);
    // A cell without a reference says so.
    let out = run(&s, &["solve", "model.ron", "--target", "mfu=reference", "--by", "peak"]).failure();
    out.stderr_has("error: `mfu` has no reference to solve to\nhelp: ");
}

#[test]
fn explain_shows_the_reference_its_source_tolerance_and_difference() {
    let text = workbook(", tolerance: 0.15");
    let s = sandbox(&text);
    let out = run(&s, &["explain", "model.ron", "gpu_hours"]).clean();
    let at = location("model.ron", &text, "reference: (value: 30.84e6");
    out.stdout_has(&format!(
        "  reference: 30,840,000 h  (30840000)\n    source: Llama 3.1 model card (2024-07)\n    tolerance: ±15%\n    difference: \u{2212}13.7% (within tolerance)\n    written at {at}\n"
    ));
    run(&s, &["explain", "model.ron", "mfu_guess"])
        .clean()
        .stdout_has("    tolerance: none (shown, not checked by `check --references`)\n    difference: \u{2212}5.0%\n");
}

#[test]
fn an_error_value_or_a_zero_reference_is_explained() {
    let text = r#"Workbook(
    title: "Errors and zeros",
    cells: {
        "zero": 0,
        "broken": (formula: "1 / zero", reference: (value: 2, tolerance: 0.1)),
        "small": (value: 3, reference: 0),
    },
)"#;
    let s = sandbox(text);
    let out = run(&s, &["--color", "never", "check", "model.ron", "--references"]).workbook_errors();
    let at = location("model.ron", text, "reference: (value: 2");
    out.stderr_has(&format!(
        "  {at}: `broken`: the estimate is #DIV/0 (division by zero), so it cannot be compared with its reference: estimate #DIV/0, reference 2, tolerance ±10%\n"
    ));
    // A reference of 0 has no relative difference: shown as `—`, with why under the table.
    let shown = run(&s, &["show", "model.ron"]).workbook_errors();
    shown.stdout_has("small: no difference, the reference is 0, and a difference relative to 0 is undefined");
}

/// The reference's hidden cell is evaluated by the same incremental engine: it follows a
/// scenario's trial and a reload after the file is edited.
#[test]
fn a_reference_is_live_through_trials_and_reloads() {
    let s = sandbox(ROWS);
    let source = WorkbookSource::File(s.path().join("model.ron"));
    let options = LoadOptions {
        plugin_dirs: vec![s.path().join("plugins")],
        ..LoadOptions::default()
    };
    let mut ws = Workspace::load(source, options).unwrap();
    let name = "runs.llama3_70b.gpu_hours";
    let first = ws.reference_comparison(name).unwrap();
    assert_eq!(first.verdict, Verdict::Outside);
    let trial = Trial {
        set: vec![("llama3_70b.reported_gpu_hours".into(), 4.5e6)],
        slots: Vec::new(),
    };
    let during = ws
        .with_trial(&trial, |ws| {
            ws.reference_comparison(name).map(|c| (c.difference, c.verdict))
        })
        .unwrap()
        .unwrap();
    expect_exact(during.0.unwrap(), gpu_hours(70e9, 15e12, 0.4) / 4.5e6 - 1.0);
    assert_eq!(during.1, Verdict::Within);
    // Restored after the trial.
    assert_eq!(ws.reference_comparison(name).unwrap().verdict, Verdict::Outside);

    // Edited in the pack: the reload brings the new reference.
    s.write("plugins/models/llama3_70b.ron", &LLAMA_70B.replace("7.0e6", "4.4e6"));
    ws.reload().unwrap();
    let after = ws.reference_comparison(name).unwrap();
    assert_eq!(after.value.as_num(), Some(4.4e6));
    assert_eq!(after.verdict, Verdict::Within);
}

/// A reference read through a slot reads the pack in the slot, `--slot` included.
#[test]
fn a_reference_follows_the_pack_in_a_slot() {
    let s = sandbox(
        r#"Workbook(
    title: "GPU-hours of the model in the slot",
    packs: [],
    slots: {"model": "llama3_405b"},
    cells: {
        "mfu": (value: 0.4, unit: "%"),
        "gpu_hours": (formula: "6 * model.params * model.train_tokens / (989e12 * mfu) / 3600", unit: "h",
            reference: "model.reported_gpu_hours"),
    },
)"#,
    );
    let json = run(
        &s,
        &["show", "model.ron", "--format", "json", "--slot", "model=llama3_70b"],
    )
    .clean()
    .json();
    let r = &json["tables"][0]["rows"][1]["references"]["value"];
    assert_eq!(r["reference"].as_f64(), Some(7.0e6));
    expect_exact(
        r["difference"].as_f64().unwrap(),
        gpu_hours(70e9, 15e12, 0.4) / 7.0e6 - 1.0,
    );
    assert_eq!(r["source"], "Llama 3.1 model card");
}
