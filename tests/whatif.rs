//! What-if commands checked against independent runs: a sweep's cells equal separate
//! `get --set` runs, goal seek's answer plugged back in hits the target, sensitivity ranks a
//! hand-made workbook correctly, and scenarios equal the same overrides given by hand.

use crate::util::{expect_exact, flopsheet, get_with, run_json, Num, Sandbox};

const ACCELERATORS: &str = "workbooks/accelerators.ron";
const TRAINING: &str = "workbooks/training_cost.ron";

/// One value by `get`, with extra arguments.
#[track_caller]
fn get(workbook: &str, name: &str, extra: &[&str]) -> f64 {
    get_with(workbook, &[name], extra).num(name)
}

#[test]
fn a_sweep_equals_separate_runs() {
    let json = run_json(&[
        "sweep",
        TRAINING,
        "--vary",
        "mfu=0.3..0.5:5",
        "--show",
        "training.gpt3.cost_usd",
        "training.palm.cost_usd",
        "--format",
        "json",
    ]);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for row in rows {
        let mfu = row["mfu"].as_f64().unwrap();
        let set = format!("mfu={mfu}");
        for cell in ["training.gpt3.cost_usd", "training.palm.cost_usd"] {
            expect_exact(row[cell].as_f64().unwrap(), get(TRAINING, cell, &["--set", &set]));
        }
    }
    // The same range written in percent, as the tables print `mfu`.
    let percent = run_json(&[
        "sweep",
        TRAINING,
        "--vary",
        "mfu=30%..50%:5",
        "--show",
        "training.gpt3.cost_usd",
        "training.palm.cost_usd",
        "--format",
        "json",
    ]);
    assert_eq!(percent, json);
}

#[test]
fn a_two_way_sweep_over_a_pack_slot_equals_separate_runs() {
    let json = run_json(&[
        "sweep",
        ACCELERATORS,
        "--vary",
        "hardware=a100_80gb,h100_sxm,tpu_v5p",
        "--vary",
        "mfu_serving=0.2,0.4",
        "--show",
        "serving.usd_per_1k_tokens",
        "serving.devices_for_weights",
        "--format",
        "json",
    ]);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for row in rows {
        let slot = format!("hardware={}", row["hardware"].as_str().unwrap());
        let set = format!("mfu_serving={}", row["mfu_serving"].as_f64().unwrap());
        for cell in ["serving.usd_per_1k_tokens", "serving.devices_for_weights"] {
            let alone = get(ACCELERATORS, cell, &["--slot", &slot, "--set", &set]);
            expect_exact(row[cell].as_f64().unwrap(), alone);
        }
    }
}

#[test]
fn goal_seek_plugged_back_in_hits_the_target() {
    // The GPU price at which serving the 2-stage search costs what a query earns.
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
    let price = json["value"].as_f64().unwrap();
    // Closed form: cost per query = tokens/1000 * 1000 * price / 3600 / (peak * mfu / 2N).
    let tokens = (50.0 + 10.0 * 1400.0) / 0.75;
    let tokens_per_s = 312e12 * 0.213 / (2.0 * 175e9);
    let want = (100e9 / 2.1e12) * 3600.0 * tokens_per_s / tokens;
    assert!((price - want).abs() <= 1e-9 * want, "{price} vs {want}");
    let margin = get(
        ACCELERATORS,
        "search.margin_per_query",
        &["--set", &format!("usd_per_hour={price}")],
    );
    assert!(margin.abs() < 1e-12, "margin at the solution: {margin}");

    // The MFU at which training GPT-3 on H100s at $3.29/h costs $1M.
    let json = run_json(&[
        "solve",
        ACCELERATORS,
        "--slot",
        "hardware=h100_sxm",
        "--set",
        "usd_per_hour=3.29",
        "--target",
        "training.cost_usd=1e6",
        "--by",
        "mfu_training",
        "--within",
        "0.05..1",
        "--format",
        "json",
    ]);
    let mfu = json["value"].as_f64().unwrap();
    expect_exact(mfu, 6.0 * 175e9 * 300e9 * 3.29 / (989e12 * 3600.0 * 1e6));
}

#[test]
fn goal_seek_says_when_no_root_is_in_range() {
    flopsheet(&[
        "solve",
        TRAINING,
        "--target",
        "training.gpt3.cost_usd=1",
        "--by",
        "mfu",
        "--within",
        "0.1..0.9",
    ])
    .failure()
    .stderr_has("no solution between 0.1 and 0.9")
    .stderr_has("--within");
}

#[test]
fn sensitivity_ranks_a_hand_made_workbook() {
    let sandbox = Sandbox::new();
    // y = a^3 * b^2 * c + 0 * d: elasticities 3, 2, 1 and 0.
    sandbox.write(
        "s.ron",
        r#"Workbook(title: "s", cells: { "a": 2, "b": 3, "c": 5, "d": 7, "zero": 0, "y": "a^3 * b^2 * c + 0 * d + zero" })"#,
    );
    let json = sandbox
        .flopsheet()
        .args(["sensitivity", "s.ron", "y", "--by", "1%", "--format", "json"])
        .run()
        .clean()
        .json();
    let rows = json["inputs"].as_array().unwrap();
    let order: Vec<&str> = rows.iter().map(|r| r["input"].as_str().unwrap()).collect();
    assert_eq!(order, ["a", "b", "c", "d"]);
    let elasticity: Vec<f64> = rows.iter().map(|r| r["elasticity"].as_f64().unwrap()).collect();
    assert!(
        (elasticity[0] - 3.0).abs() < 1e-3 && (elasticity[1] - 2.0).abs() < 1e-3,
        "{elasticity:?}"
    );
    assert!(
        (elasticity[2] - 1.0).abs() < 1e-9 && elasticity[3] == 0.0,
        "{elasticity:?}"
    );
    assert_eq!(
        json["skipped_zero"],
        serde_json::json!(["zero"]),
        "a zero input is listed as skipped"
    );
}

#[test]
fn scenarios_equal_the_same_overrides_by_hand() {
    let json = run_json(&[
        "compare",
        ACCELERATORS,
        "h100",
        "tpu_v5p",
        "--show",
        "training.cost_usd",
        "--format",
        "json",
    ]);
    let row = &json[0];
    assert_eq!(row["cell"], "training.cost_usd");
    let base = get(ACCELERATORS, "training.cost_usd", &[]);
    expect_exact(row["base"].as_f64().unwrap(), base);
    for (scenario, pack, price) in [("h100", "h100_sxm", "3.29"), ("tpu_v5p", "tpu_v5p", "4.2")] {
        let by_hand = get(
            ACCELERATORS,
            "training.cost_usd",
            &[
                "--slot",
                &format!("hardware={pack}"),
                "--set",
                &format!("usd_per_hour={price}"),
            ],
        );
        expect_exact(row["scenarios"][scenario]["value"].as_f64().unwrap(), by_hand);
        expect_exact(
            row["scenarios"][scenario]["change"].as_f64().unwrap(),
            (by_hand - base) / base,
        );
    }
}

/// Mistakes in the command line exit 2 (bad usage); a pack that does not load exits 1, as
/// any load failure does.
#[test]
fn bad_what_if_arguments_are_explained() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["sweep", TRAINING, "--vary", "mfu=1..x", "--show", "mfu"],
            "`x` is not a number",
        ),
        (
            &["sweep", TRAINING, "--vary", "mfux=1..2", "--show", "mfu"],
            "did you mean `mfu`",
        ),
        (&["compare", TRAINING], "declares no scenarios"),
        (&["compare", ACCELERATORS, "h300"], "no scenario `h300`"),
        (
            &["sweep", TRAINING, "--vary", "mfu=0.1..0.5:1", "--show", "mfu"],
            "at least 2 steps",
        ),
    ];
    for (args, expected) in cases {
        flopsheet(args).usage_error().stderr_has(expected);
    }
    flopsheet(&[
        "sweep",
        ACCELERATORS,
        "--vary",
        "hardware=h100_sxm,nope",
        "--show",
        "peak_flops",
    ])
    .failure()
    .stderr_has("no pack `nope`");
}

#[test]
fn what_ifs_never_touch_the_workbook() {
    let sandbox = Sandbox::new();
    let text = r#"Workbook(title: "t", cells: { "x": 2, "y": "x * 3" }, scenarios: [Scenario(name: "big", set: { "x": 10 })])"#;
    let path = sandbox.write("t.ron", text);
    for args in [
        &["sweep", "t.ron", "--vary", "x=1..5", "--show", "y"][..],
        &["solve", "t.ron", "--target", "y=12", "--by", "x"],
        &["sensitivity", "t.ron", "y"],
        &["compare", "t.ron"],
    ] {
        sandbox.flopsheet().args(args).run().clean();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let json = sandbox
        .flopsheet()
        .args(["solve", "t.ron", "--target", "y=12", "--by", "x", "--format", "json"])
        .run()
        .clean()
        .json();
    expect_exact(json["value"].as_f64().unwrap(), 4.0);
}
