//! The modeling language beyond cells and packs: functions defined in a workbook, packs that
//! require other packs, names read through a slot on the command line (`model.params`), and
//! what an invalid name is told. Each through the `flopsheet` binary, values against hand
//! computation.

use crate::util::*;
use serde_json::{Map, Value};

/// `flopsheet get WB NAMES... --format json` in `sandbox`, every name answered with a number.
#[track_caller]
fn get_in(sandbox: &Sandbox, workbook: &str, names: &[&str], extra: &[&str]) -> Map<String, Value> {
    get_by(sandbox.flopsheet(), workbook, names, extra)
}

/// Field `at` of the CSV line that starts with `first,`, as a number.
#[track_caller]
fn csv_field(out: &Out, first: &str, at: usize) -> f64 {
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("{first},")))
        .unwrap_or_else(|| panic!("no line `{first},...`:\n{out:?}"));
    line.split(',')
        .nth(at)
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("field {at} of `{line}`"))
}

/// Workbook functions calling each other and a pack's function, with a parameter shadowing a
/// workbook cell (`bytes`) and a body reading a workbook cell (`scale`).
const FUNCTIONS: &str = r#"Workbook(
    title: "KV cache",
    packs: ["chinchilla_law"],
    functions: {
        "kv_bytes": (params: ["layers", "kv_heads", "head_dim", "bytes"], formula: "2 * layers * kv_heads * head_dim * bytes",
                     note: "KV-cache bytes per token: keys and values, every layer"),
        "kv_gb": (params: ["layers"], formula: "kv_bytes(layers, 8, 128, bytes) / 1e9"),
        "scaled_loss": (params: ["n", "d"], formula: "chinchilla_loss(n, d) * scale"),
    },
    cells: {
        "bytes": 2,
        "scale": 1.5,
        "per_token": (formula: "kv_bytes(80, 8, 128, 2)", unit: "B"),
        "per_token_gb": "kv_gb(80)",
        "loss": "scaled_loss(70e9, 1.4e12)",
    },
)
"#;

fn chinchilla_loss(n: f64, d: f64) -> f64 {
    1.69 + 406.4 / n.powf(0.34) + 410.7 / d.powf(0.28)
}

#[test]
fn a_workbook_defines_functions_that_call_each_other_and_a_packs() {
    let sandbox = Sandbox::new();
    sandbox.write("kv.ron", FUNCTIONS);
    let got = get_in(&sandbox, "kv.ron", &["per_token", "per_token_gb", "loss"], &[]);
    expect_exact(got.num("per_token"), 2.0 * 80.0 * 8.0 * 128.0 * 2.0);
    expect_exact(got.num("per_token_gb"), 2.0 * 80.0 * 8.0 * 128.0 * 2.0 / 1e9);
    expect_exact(got.num("loss"), chinchilla_loss(70e9, 1.4e12) * 1.5);
    // A cell the body reads is a real precedent: --set flows through the function.
    let got = get_in(
        &sandbox,
        "kv.ron",
        &["per_token_gb", "loss"],
        &["--set", "bytes=1", "--set", "scale=2"],
    );
    expect_exact(got.num("per_token_gb"), 2.0 * 80.0 * 8.0 * 128.0 / 1e9);
    expect_exact(got.num("loss"), chinchilla_loss(70e9, 1.4e12) * 2.0);
}

#[test]
fn explain_shows_a_calls_expansion() {
    let sandbox = Sandbox::new();
    sandbox.write("kv.ron", FUNCTIONS);
    sandbox
        .flopsheet()
        .args(["explain", "kv.ron", "per_token_gb"])
        .run()
        .clean()
        .stdout_has("  formula: kv_gb(80)\n  expanded: 2 * 80 * 8 * 128 * bytes / 1e9\n")
        .stdout_has("bytes = 2");
    sandbox
        .flopsheet()
        .args(["explain", "kv.ron", "loss"])
        .run()
        .clean()
        .stdout_has("expanded: (chinchilla_law.e + chinchilla_law.a / 7e10 ^ chinchilla_law.alpha + chinchilla_law.b / 1.4e12 ^ chinchilla_law.beta) * scale");
}

/// `transformer_law` requires `chinchilla_law` (its function) and `gpt3` (a value), and
/// `gpt3_ish` requires it in turn: a workbook that lists only `gpt3_ish` gets all three.
fn write_required_packs(sandbox: &Sandbox) {
    sandbox.write(
        "plugins/other/transformer_law.ron",
        r#"Pack(id: "transformer_law", kind: "other", name: "Needs two packs",
    requires: ["chinchilla_law", "gpt3"],
    values: { "gpt3_loss": (formula: "chinchilla_loss(gpt3.params, gpt3.train_tokens)") },
    functions: { "flops_6nd": (params: ["n", "d"], formula: "6 * n * d") })"#,
    );
    sandbox.write(
        "plugins/models/gpt3_ish.ron",
        r#"Pack(id: "gpt3_ish", kind: "model", name: "Needs transformer_law", requires: ["transformer_law"],
    values: { "params": (value: 175e9, source: "test", date: "2026-12"), "train_tokens": (value: 300e9, source: "test", date: "2026-12"),
              "train_flops": (formula: "flops_6nd(params, train_tokens)") })"#,
    );
}

#[test]
fn a_pack_brings_what_it_requires_transitively() {
    let sandbox = Sandbox::new();
    write_required_packs(&sandbox);
    sandbox.write(
        "model.ron",
        r#"Workbook(title: "t", packs: ["gpt3_ish"], cells: { "loss": "transformer_law.gpt3_loss", "flops": "flops_6nd(gpt3.params, 1e12)" })"#,
    );
    let got = get_in(&sandbox, "model.ron", &["gpt3_ish.train_flops", "loss", "flops"], &[]);
    expect_exact(got.num("gpt3_ish.train_flops"), 6.0 * 175e9 * 300e9);
    expect_exact(got.num("loss"), chinchilla_loss(175e9, 300e9));
    expect_exact(got.num("flops"), 6.0 * 175e9 * 1e12);
    sandbox
        .flopsheet()
        .args(["packs"])
        .run()
        .success()
        .stdout_has("requires chinchilla_law, gpt3\n")
        .stdout_has("requires transformer_law\n");
}

#[test]
fn a_pack_put_in_a_slot_brings_its_requirements() {
    let sandbox = Sandbox::new();
    write_required_packs(&sandbox);
    sandbox.write(
        "slot.ron",
        r#"Workbook(title: "t", packs: ["bert_large"], slots: { "model": "bert_large" },
    cells: { "flops": "6 * model.params * model.train_tokens" },
    scenarios: [Scenario(name: "big", slots: { "model": "gpt3_ish" })])"#,
    );
    // The first column of `compare` is the base (BERT), the second the scenario.
    let got = get_in(
        &sandbox,
        "slot.ron",
        &["flops", "model.train_flops"],
        &["--slot", "model=gpt3_ish"],
    );
    expect_exact(got.num("flops"), 6.0 * 175e9 * 300e9);
    expect_exact(got.num("model.train_flops"), 6.0 * 175e9 * 300e9);
    // A scenario's slot, and a sweep over the slot, load the requirements too.
    let compare = sandbox
        .flopsheet()
        .args(["compare", "slot.ron", "--show", "flops", "--format", "csv"])
        .run()
        .success();
    expect_exact(csv_field(&compare, "flops", 2), 6.0 * 175e9 * 300e9);
    let sweep = sandbox
        .flopsheet()
        .args([
            "sweep",
            "slot.ron",
            "--vary",
            "model=bert_large,gpt3_ish",
            "--show",
            "flops",
            "--format",
            "csv",
        ])
        .run()
        .success();
    expect_exact(csv_field(&sweep, "gpt3_ish", 1), 6.0 * 175e9 * 300e9);
}

/// `model.params` on the command line is the value of the pack in the slot `model`.
#[test]
fn slot_qualified_names_work_on_the_command_line() {
    let wb = "workbooks/accelerators.ron";
    let got = get_with(wb, &["model.params", "hardware.peak_flops_bf16"], &[]);
    expect_exact(got.num("model.params"), 175e9);
    expect_exact(got.num("hardware.peak_flops_bf16"), 312e12);
    let got = get_with(wb, &["hardware.peak_flops_bf16"], &["--slot", "hardware=h100_sxm"]);
    expect_exact(got.num("hardware.peak_flops_bf16"), 989e12);
    // --set through the slot overrides the pack's value, and its dependents follow.
    let base = get_with(wb, &["training.cost_usd"], &[]).num("training.cost_usd");
    let half = get_with(wb, &["training.cost_usd"], &["--set", "model.params=87.5e9"]).num("training.cost_usd");
    expect_exact(half, base / 2.0);
    flopsheet(&["explain", wb, "model.params"])
        .clean()
        .stdout_has("gpt3.params = 175B params");
    flopsheet(&["sensitivity", wb, "training.cost_usd", "--format", "csv"])
        .success()
        .stdout_has("gpt3.params");
    let sweep = flopsheet(&[
        "sweep",
        wb,
        "--vary",
        "model.params=87.5e9,175e9",
        "--show",
        "training.cost_usd",
        "--format",
        "csv",
    ])
    .success();
    expect_exact(csv_field(&sweep, "87500000000.0", 1), base / 2.0);
    flopsheet(&["get", wb, "model.paramz"])
        .failure()
        .stderr_has("did you mean");
}

#[test]
fn an_invalid_name_is_told_what_a_name_may_hold() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "bad.ron",
        r#"Workbook(title: "t", cells: { "6nd_flops": 1, "gpu-hours": 2 })"#,
    );
    sandbox
        .flopsheet()
        .args(["check", "bad.ron"])
        .run()
        .failure()
        .stderr_has("a name holds letters, digits and `_`")
        .stderr_has("write `flops_6nd`")
        .stderr_has("write `gpu_hours`");
}

/// `OTHER.row.COLUMN` reads the same row of another table; a workbook may add a cell in a
/// pack's namespace.
#[test]
fn a_column_reads_the_same_row_of_another_table() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "rows.ron",
        r#"Workbook(title: "t", packs: ["gpt3", "palm"], cells: { "gpt3.flops_6nd": "6 * gpt3.params * gpt3.train_tokens" },
    tables: [
        Table(name: "sizes", rows: ["gpt3", "palm"], columns: { "p": "row.params", "twice": "p * 2" }),
        Table(name: "uses", rows: ["palm", "gpt3"], columns: { "plus_one": "sizes.row.twice + 1" }),
    ])"#,
    );
    let got = get_in(
        &sandbox,
        "rows.ron",
        &["uses.gpt3.plus_one", "uses.palm.plus_one", "gpt3.flops_6nd"],
        &[],
    );
    expect_exact(got.num("uses.gpt3.plus_one"), 2.0 * 175e9 + 1.0);
    expect_exact(got.num("uses.palm.plus_one"), 2.0 * 540e9 + 1.0);
    expect_exact(got.num("gpt3.flops_6nd"), 6.0 * 175e9 * 300e9);
}

/// The README's workbook that uses functions, aggregates, a missing value and references
/// together loads, computes what the README prints, and passes `check --references`.
#[test]
fn the_readme_example_of_the_whole_language_holds() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("### Functions, aggregates, missing values and references together")
        .nth(1)
        .expect("the README section");
    let workbook = section
        .split("```ron\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write("runs.ron", workbook);
    let got = get_in(
        &sandbox,
        "runs.ron",
        &[
            "runs.llama31_405b.gpu_hours",
            "runs.deepseek_v3.gpu_hours",
            "total_gpu_hours",
            "mean_mfu",
        ],
        &[],
    );
    let llama = 6.0 * 405.9e9 * 15e12 / (989e12 * 0.41 * 3600.0);
    let deepseek = 6.0 * 37e9 * 14.8e12 / (989e12 * 0.4 * 3600.0);
    expect_exact(got.num("runs.llama31_405b.gpu_hours"), llama);
    expect_exact(got.num("runs.deepseek_v3.gpu_hours"), deepseek);
    expect_exact(got.num("total_gpu_hours"), llama + deepseek);
    expect_exact(got.num("mean_mfu"), (0.41 + 0.4) / 2.0);
    let shown = section
        .split("```text\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap();
    let out = sandbox.flopsheet().args(["show", "runs.ron"]).run().clean();
    assert!(
        shown.contains(out.stdout.trim_end()),
        "the README shows what `show` prints:\n{}",
        out.stdout
    );
    sandbox
        .flopsheet()
        .args(["check", "runs.ron", "--references"])
        .run()
        .success()
        .stdout_has("2 references within tolerance, 0 not checked");
}
