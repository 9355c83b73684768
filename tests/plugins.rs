//! Packs on the plugin search path: adding a GPU is dropping one file into a plugin folder
//! (`--plugins DIR`, `FLOPSHEET_PLUGIN_PATH`, the user folder, or `plugins/` beside the
//! workbook), a higher folder overrides a lower one, and `flopsheet packs` shows what comes
//! from where.

use crate::util::*;
use std::path::Path;

/// A new accelerator, not shipped with flopsheet.
const MY_GPU: &str = r#"// A GPU that does not exist.
Pack(
    id: "my_gpu",
    kind: "hardware",
    name: "My GPU 9000",
    values: {
        "peak_flops_bf16": (value: 1234e12, unit: "FLOP/s", source: "https://example.com/my_gpu", date: "2026-01"),
        "memory_bytes": (value: 256e9, unit: "B", source: "https://example.com/my_gpu", date: "2026-01"),
        "usd_per_hour": (value: 1.75, unit: "USD/h", source: "https://example.com/pricing", date: "2026-01"),
        "usd_per_pflop_hour": (formula: "usd_per_hour / (peak_flops_bf16 / 1e15)", unit: "USD/h"),
    },
    functions: {
        "hours_on_my_gpu": (params: ["flops", "mfu"], formula: "flops / (peak_flops_bf16 * mfu * 3600)"),
    },
)
"#;

const MY_GPU_PEAK: f64 = 1234e12;
const MY_GPU_USD_PER_HOUR: f64 = 1.75;
const MY_GPU_MEMORY: f64 = 256e9;

/// A workbook that uses the new GPU: a row table over it, and GPT-3's training cost on it.
const GPU_MODEL: &str = r#"Workbook(
    title: "GPT-3 on my GPU",
    packs: ["my_gpu", "gpt3"],
    cells: {
        "mfu": (value: 0.5, unit: "%"),
        "hours": (formula: "hours_on_my_gpu(gpt3.train_flops, mfu)", unit: "h"),
    },
    tables: [
        Table(name: "gpus", rows: ["my_gpu"], columns: {
            "peak": "row.peak_flops_bf16",
            "memory": "row.memory_bytes",
            "usd_per_hour": "row.usd_per_hour",
            "gpt3_cost": (formula: "6 * gpt3.params * gpt3.train_tokens / (peak * 3600 * mfu) * usd_per_hour", unit: "USD"),
        }),
        Table(name: "summary", cells: ["mfu", "hours", "my_gpu.usd_per_pflop_hour"]),
    ],
)
"#;

/// GPT-3's training cost on the new GPU at 50% MFU (reference §1: 6·N·D · price / (peak · 3600 · MFU)).
fn gpt3_cost_on_my_gpu() -> f64 {
    6.0 * 175e9 * 300e9 * MY_GPU_USD_PER_HOUR / (MY_GPU_PEAK * 3600.0 * 0.5)
}

/// GPT-3's training cost on TPU v4 at `usd_per_hour` (reference §4).
fn gpt3_cost_on_tpu_v4(usd_per_hour: f64) -> f64 {
    6.0 * 175e9 * 300e9 * usd_per_hour / (275e12 * 3600.0 * 0.462)
}

/// The shipped TPU v4 pack with its 1-year price replaced.
fn tpu_v4_priced(usd_per_hour: f64) -> String {
    let shipped = std::fs::read_to_string(root().join("plugins/hardware/tpu_v4.ron")).unwrap();
    let from = "(value: 2.03, unit: \"USD/h\"";
    assert_eq!(shipped.matches(from).count(), 1, "the shipped tpu_v4 pack changed");
    shipped.replace(from, &format!("(value: {usd_per_hour:?}, unit: \"USD/h\""))
}

/// The values the GPU workbook shows, checked against the pack.
#[track_caller]
fn expect_my_gpu_values(out: &Out) {
    let json = out.json();
    let json = json.as_object().expect("one object");
    expect_exact(json.num("gpus.my_gpu.peak"), MY_GPU_PEAK);
    expect_exact(json.num("gpus.my_gpu.memory"), MY_GPU_MEMORY);
    expect_exact(json.num("gpus.my_gpu.usd_per_hour"), MY_GPU_USD_PER_HOUR);
    expect_exact(json.num("gpus.my_gpu.gpt3_cost"), gpt3_cost_on_my_gpu());
    expect_exact(json.num("hours"), 6.0 * 175e9 * 300e9 / (MY_GPU_PEAK * 0.5 * 3600.0));
    expect_exact(
        json.num("my_gpu.usd_per_pflop_hour"),
        MY_GPU_USD_PER_HOUR / (MY_GPU_PEAK / 1e15),
    );
}

const GPU_CELLS: [&str; 6] = [
    "gpus.my_gpu.peak",
    "gpus.my_gpu.memory",
    "gpus.my_gpu.usd_per_hour",
    "gpus.my_gpu.gpt3_cost",
    "hours",
    "my_gpu.usd_per_pflop_hour",
];

/// `get model.ron GPU_CELLS... --format json EXTRA...`
fn get_gpu_cells(flopsheet: Flopsheet, extra: &[&str]) -> Out {
    flopsheet
        .args(["get", "model.ron"])
        .args(GPU_CELLS)
        .args(["--format", "json"])
        .args(extra)
        .run()
        .clean()
}

#[test]
fn a_new_gpu_in_a_plugins_folder() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/hardware/my_gpu.ron", MY_GPU);
    sandbox.write("model.ron", GPU_MODEL);

    let out = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--plugins", "my_plugins", "--width", "200"])
        .run()
        .clean();
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("│ my_gpu "))
        .unwrap_or_else(|| panic!("no my_gpu row:\n{out:?}"));
    assert!(row.contains("1.23 PFLOP/s"), "{row}");
    assert!(row.contains("256 GB"), "{row}");
    assert!(row.contains("$1.75/h"), "{row}");
    let out = sandbox
        .flopsheet()
        .args(["show", "model.ron", "--plugins", "my_plugins", "--format", "csv"])
        .run()
        .clean()
        .stdout_has("gpus,my_gpu,peak,gpus.my_gpu.peak,1234000000000000,FLOP/s");
    let cost = out
        .stdout
        .lines()
        .find(|l| l.starts_with("gpus,my_gpu,gpt3_cost,"))
        .unwrap();
    expect_exact(cost.split(',').nth(4).unwrap().parse().unwrap(), gpt3_cost_on_my_gpu());

    let out = get_gpu_cells(sandbox.flopsheet(), &["--plugins", "my_plugins"]);
    expect_my_gpu_values(&out);

    // Without the folder, the pack is missing, by name.
    sandbox
        .flopsheet()
        .args(["check", "model.ron"])
        .run()
        .failure()
        .stderr_has("no pack `my_gpu`")
        .stderr_has(&location("model.ron", GPU_MODEL, "\"my_gpu\", \"gpt3\""));
}

#[test]
fn a_plugins_folder_given_by_absolute_path() {
    let sandbox = Sandbox::new();
    let plugins = sandbox.path().join("my_plugins");
    sandbox.write("my_plugins/my_gpu.ron", MY_GPU);
    let workbook = sandbox.write("model.ron", GPU_MODEL);
    // From another folder, both by absolute path.
    let out = Flopsheet::new()
        .arg("get")
        .arg(&workbook)
        .arg("gpus.my_gpu.gpt3_cost")
        .arg("--plugins")
        .arg(&plugins)
        .run()
        .clean();
    expect_exact(out.stdout.trim().parse().unwrap(), gpt3_cost_on_my_gpu());
}

#[test]
fn a_new_gpu_on_flopsheet_plugin_path() {
    let sandbox = Sandbox::new();
    sandbox.write("elsewhere/my_gpu.ron", MY_GPU);
    sandbox.write("model.ron", GPU_MODEL);
    let one = sandbox.path().join("elsewhere");
    let out = get_gpu_cells(sandbox.flopsheet().env("FLOPSHEET_PLUGIN_PATH", &one), &[]);
    expect_my_gpu_values(&out);

    // A list of folders, separated like PATH; an empty entry or a missing folder is skipped.
    std::fs::create_dir(sandbox.path().join("empty")).unwrap();
    let path = std::env::join_paths([
        sandbox.path().join("empty"),
        sandbox.path().join("missing"),
        one.clone(),
    ])
    .unwrap();
    let out = get_gpu_cells(sandbox.flopsheet().env("FLOPSHEET_PLUGIN_PATH", &path), &[]);
    expect_my_gpu_values(&out);
}

#[test]
fn a_new_gpu_in_the_workspace_folder_beside_the_workbook() {
    let sandbox = Sandbox::new();
    sandbox.write("plugins/hardware/my_gpu.ron", MY_GPU);
    sandbox.write("model.ron", GPU_MODEL);
    let out = get_gpu_cells(sandbox.flopsheet(), &[]);
    expect_my_gpu_values(&out);
}

/// The workspace folder is `plugins/` in the workbook's folder or its nearest ancestor,
/// wherever flopsheet runs from.
#[test]
fn the_workspace_folder_is_found_from_the_workbook() {
    let sandbox = Sandbox::new();
    sandbox.write("project/plugins/my_gpu.ron", MY_GPU);
    let workbook = sandbox.write("project/models/deep/model.ron", GPU_MODEL);
    let out = Flopsheet::new()
        .arg("get")
        .arg(&workbook)
        .arg("gpus.my_gpu.gpt3_cost")
        .run()
        .clean();
    expect_exact(out.stdout.trim().parse().unwrap(), gpt3_cost_on_my_gpu());
    // The nearest `plugins/` wins, even when empty: the sandbox's own (empty) one is not reached
    // from `project/`, and `project/models/plugins/` hides `project/plugins/`.
    std::fs::create_dir(sandbox.path().join("project/models/plugins")).unwrap();
    Flopsheet::new()
        .arg("check")
        .arg(&workbook)
        .run()
        .failure()
        .stderr_has("no pack `my_gpu`");
}

#[test]
fn a_new_gpu_in_the_user_folder() {
    let run = Flopsheet::new();
    let user = run.home().join("flopsheet/plugins/hardware");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("my_gpu.ron"), MY_GPU).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write("model.ron", GPU_MODEL);
    let out = get_gpu_cells(run.current_dir(sandbox.path()), &[]);
    expect_my_gpu_values(&out);

    // Without XDG_CONFIG_HOME, the user folder is ~/.config/flopsheet/plugins.
    let run = Flopsheet::new().env_remove("XDG_CONFIG_HOME");
    let user = run.home().join(".config/flopsheet/plugins");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("my_gpu.ron"), MY_GPU).unwrap();
    let out = get_gpu_cells(run.current_dir(sandbox.path()), &[]);
    expect_my_gpu_values(&out);
}

#[test]
fn set_overrides_a_plugin_value() {
    let sandbox = Sandbox::new();
    sandbox.write("plugins/my_gpu.ron", MY_GPU);
    sandbox.write("model.ron", GPU_MODEL);
    let out = sandbox
        .flopsheet()
        .args(["get", "model.ron", "gpus.my_gpu.gpt3_cost"])
        .args(["--set", "my_gpu.usd_per_hour=3.5"])
        .run()
        .clean();
    expect_exact(out.stdout.trim().parse().unwrap(), 2.0 * gpt3_cost_on_my_gpu());
}

#[test]
fn explain_names_the_plugin_file() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/hardware/my_gpu.ron", MY_GPU);
    sandbox.write("model.ron", GPU_MODEL);
    let pack_file = "my_plugins/hardware/my_gpu.ron";
    sandbox
        .flopsheet()
        .args([
            "explain",
            "model.ron",
            "my_gpu.usd_per_pflop_hour",
            "--plugins",
            "my_plugins",
        ])
        .run()
        .clean()
        .stdout_has(&format!(
            "defined at {} (pack `my_gpu`)",
            location(pack_file, MY_GPU, "\"usd_per_hour / (peak_flops_bf16 / 1e15)\"")
        ))
        .stdout_has("my_gpu.peak_flops_bf16 = 1.23 PFLOP/s")
        .stdout_has("https://example.com/my_gpu");
}

#[test]
fn a_plugin_overrides_the_shipped_pack() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/tpu_v4.ron", &tpu_v4_priced(3.22));
    let plugins = sandbox.path().join("my_plugins");
    // From the repository root (whose `plugins/` is the workspace folder), and by name.
    let v = get_with(
        "training_cost",
        &["training.gpt3.cost_usd"],
        &["--plugins", plugins.to_str().unwrap()],
    );
    expect_exact(v.num("training.gpt3.cost_usd"), gpt3_cost_on_tpu_v4(3.22));
    let v = get("training_cost", &["training.gpt3.cost_usd"]);
    expect_exact(v.num("training.gpt3.cost_usd"), gpt3_cost_on_tpu_v4(2.03));
}

/// `--plugins` over `FLOPSHEET_PLUGIN_PATH` over the user folder over the workspace folder over
/// the built-in packs.
#[test]
fn the_search_path_precedence() {
    let sandbox = Sandbox::new();
    sandbox.write("plugins/tpu_v4.ron", &tpu_v4_priced(1.0));
    sandbox.write("env/tpu_v4.ron", &tpu_v4_priced(3.0));
    sandbox.write("flag/tpu_v4.ron", &tpu_v4_priced(4.0));
    let workbook = std::fs::read_to_string(root().join("workbooks/training_cost.ron")).unwrap();
    sandbox.write("training_cost.ron", &workbook);

    let cost = |flopsheet: Flopsheet, extra: &[&str]| -> f64 {
        let out = flopsheet
            .args(["get", "training_cost.ron", "training.gpt3.cost_usd"])
            .args(extra)
            .run()
            .clean();
        out.stdout.trim().parse().unwrap()
    };
    let with_user = || {
        let run = sandbox.flopsheet();
        let user = run.home().join("flopsheet/plugins");
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("tpu_v4.ron"), tpu_v4_priced(2.0)).unwrap();
        run
    };
    let env = sandbox.path().join("env");

    expect_exact(cost(sandbox.flopsheet(), &[]), gpt3_cost_on_tpu_v4(1.0));
    expect_exact(cost(with_user(), &[]), gpt3_cost_on_tpu_v4(2.0));
    expect_exact(
        cost(with_user().env("FLOPSHEET_PLUGIN_PATH", &env), &[]),
        gpt3_cost_on_tpu_v4(3.0),
    );
    expect_exact(
        cost(with_user().env("FLOPSHEET_PLUGIN_PATH", &env), &["--plugins", "flag"]),
        gpt3_cost_on_tpu_v4(4.0),
    );
    // With only the built-in pack (the sandbox's workspace folder emptied).
    std::fs::remove_file(sandbox.path().join("plugins/tpu_v4.ron")).unwrap();
    expect_exact(cost(sandbox.flopsheet(), &[]), gpt3_cost_on_tpu_v4(2.03));
}

#[test]
fn packs_lists_a_new_pack_and_where_it_comes_from() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/hardware/my_gpu.ron", MY_GPU);
    let out = sandbox
        .flopsheet()
        .args(["packs", "--plugins", "my_plugins"])
        .run()
        .clean()
        .stdout_has("search path (highest precedence first):");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("my_gpu "))
        .unwrap_or_else(|| panic!("my_gpu is not listed:\n{out:?}"));
    assert!(line.contains("hardware"), "{line}");
    assert!(line.contains("My GPU 9000"), "{line}");
    assert!(line.contains("my_plugins/hardware/my_gpu.ron (--plugins)"), "{line}");
    // The shipped packs are listed too.
    for id in ["tpu_v4", "h100_sxm", "gpt3", "chinchilla_law"] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} is not listed:\n{out:?}"
        );
    }
    // --values lists the pack's values.
    sandbox
        .flopsheet()
        .args(["packs", "--values", "--plugins", "my_plugins"])
        .run()
        .clean()
        .stdout_has("my_gpu.peak_flops_bf16")
        .stdout_has("1.23 PFLOP/s")
        .stdout_has("my_gpu.usd_per_pflop_hour");
}

/// Ids and names of any length keep the listing in columns: where each pack is found starts
/// at one offset on every line.
#[test]
fn packs_lists_in_columns_whatever_the_lengths() {
    let sandbox = Sandbox::new();
    let long = MY_GPU
        .replace("id: \"my_gpu\"", "id: \"my_gpu_with_a_very_long_identifier\"")
        .replace(
            "My GPU 9000",
            "My GPU 9000, liquid-cooled, in a rack of seventy-two, 2026 edition",
        );
    sandbox.write("my_plugins/hardware/my_gpu_with_a_very_long_identifier.ron", &long);
    let out = sandbox
        .flopsheet()
        .args(["packs", "--plugins", "my_plugins"])
        .run()
        .clean();
    let offsets: Vec<usize> = out
        .stdout
        .lines()
        .filter(|l| l.contains(".ron ("))
        .map(|l| {
            // The location is the last column: it follows the last run of two spaces.
            let at = l.rfind("  ").unwrap_or_else(|| panic!("no columns: {l}"));
            l[..at].chars().count()
        })
        .collect();
    assert!(offsets.len() > 10, "{out:?}");
    assert!(offsets.iter().all(|&o| o == offsets[0]), "{offsets:?}\n{}", out.stdout);
    assert!(
        out.stdout.contains("in a rack of seventy-two, 2026 edition  "),
        "{out:?}"
    );
}

#[test]
fn packs_shows_shadowing() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/tpu_v4.ron", &tpu_v4_priced(3.22));
    sandbox.write("plugins/hardware/tpu_v4.ron", &tpu_v4_priced(1.0));
    let out = sandbox
        .flopsheet()
        .args(["packs", "--plugins", "my_plugins"])
        .run()
        .clean();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("tpu_v4 "))
        .unwrap_or_else(|| panic!("tpu_v4 is not listed:\n{out:?}"));
    assert!(lines[at].contains("my_plugins/tpu_v4.ron (--plugins)"), "{out:?}");
    let workspace = sandbox.path().join("plugins/hardware/tpu_v4.ron");
    assert!(
        lines[at + 1].contains("shadows") && lines[at + 1].contains(&format!("{} (workspace)", workspace.display())),
        "{out:?}"
    );
    assert!(
        lines[at + 2].contains("shadows <built-in>/plugins/hardware/tpu_v4.ron (built in)"),
        "{out:?}"
    );
    // `--dir` resolves the workspace folder from another folder.
    let out = Flopsheet::new()
        .args(["packs", "--dir"])
        .arg(sandbox.path())
        .run()
        .clean();
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("tpu_v4 ") && l.contains(&format!("{} (workspace)", workspace.display()))),
        "{out:?}"
    );
}

#[test]
fn two_packs_with_one_id_in_one_folder() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/hardware/my_gpu.ron", MY_GPU);
    sandbox.write("my_plugins/other/my_gpu.ron", MY_GPU);
    sandbox.write("model.ron", GPU_MODEL);
    sandbox
        .flopsheet()
        .args(["check", "model.ron", "--plugins", "my_plugins"])
        .run()
        .failure()
        .stderr_has("two packs have the id `my_gpu`")
        .stderr_has("my_plugins/hardware/my_gpu.ron")
        .stderr_has("my_plugins/other/my_gpu.ron")
        .stderr_has(&location("model.ron", GPU_MODEL, "\"my_gpu\", \"gpt3\""));
}

#[test]
fn the_first_of_two_plugin_folders_wins() {
    let sandbox = Sandbox::new();
    sandbox.write("first/tpu_v4.ron", &tpu_v4_priced(3.22));
    sandbox.write("second/tpu_v4.ron", &tpu_v4_priced(1.45));
    let out = sandbox
        .flopsheet()
        .args(["packs", "--plugins", "first", "--plugins", "second"])
        .run()
        .clean();
    assert!(out.stdout.contains("shadows second/tpu_v4.ron (--plugins)"), "{out:?}");
    let out = sandbox
        .flopsheet()
        .args(["get", "training_cost", "training.gpt3.cost_usd"])
        .args(["--plugins", "first", "--plugins", "second"])
        .run()
        .clean();
    expect_exact(out.stdout.trim().parse().unwrap(), gpt3_cost_on_tpu_v4(3.22));
    let path = std::env::join_paths([sandbox.path().join("first"), sandbox.path().join("second")]).unwrap();
    let out = sandbox
        .flopsheet()
        .env("FLOPSHEET_PLUGIN_PATH", path)
        .args(["get", "training_cost", "training.gpt3.cost_usd"])
        .run()
        .clean();
    expect_exact(out.stdout.trim().parse().unwrap(), gpt3_cost_on_tpu_v4(3.22));
}

#[test]
fn a_pack_whose_id_is_not_its_file_name() {
    let sandbox = Sandbox::new();
    let text = MY_GPU.replace("id: \"my_gpu\"", "id: \"other_gpu\"");
    sandbox.write("my_plugins/my_gpu.ron", &text);
    sandbox.write("model.ron", GPU_MODEL);
    sandbox
        .flopsheet()
        .args(["check", "model.ron", "--plugins", "my_plugins"])
        .run()
        .failure()
        .stderr_has("the pack in `my_gpu.ron` has the id `other_gpu`")
        .stderr_has(&location("my_plugins/my_gpu.ron", &text, "\"other_gpu\""));
}

/// A broken file in a plugin folder only matters to a workbook that uses it.
#[test]
fn a_file_that_is_not_a_pack_fails_only_when_used() {
    let sandbox = Sandbox::new();
    sandbox.write("my_plugins/my_gpu.ron", MY_GPU);
    sandbox.write("my_plugins/junk.ron", "this is not ( a pack");
    sandbox.write("my_plugins/notes.txt", "not RON at all {{{");
    sandbox.write("my_plugins/.hidden.ron", "not a pack either");
    sandbox.write("model.ron", GPU_MODEL);
    let out = get_gpu_cells(sandbox.flopsheet(), &["--plugins", "my_plugins"]);
    expect_my_gpu_values(&out);
    sandbox
        .flopsheet()
        .args(["check", "model.ron", "--plugins", "my_plugins"])
        .run()
        .clean();

    sandbox.write(
        "uses_junk.ron",
        &GPU_MODEL.replace("[\"my_gpu\", \"gpt3\"]", "[\"my_gpu\", \"gpt3\", \"junk\"]"),
    );
    sandbox
        .flopsheet()
        .args(["check", "uses_junk.ron", "--plugins", "my_plugins"])
        .run()
        .failure()
        .stderr_has("my_plugins/junk.ron:1:1")
        .stderr_has("expected `Pack(...)`");
}

#[test]
fn an_error_in_a_pack_points_into_the_pack() {
    let sandbox = Sandbox::new();
    let text = MY_GPU.replace("(peak_flops_bf16 / 1e15)", "(peak_flop_bf16 / 1e15)");
    sandbox.write("plugins/my_gpu.ron", &text);
    sandbox.write("model.ron", GPU_MODEL);
    sandbox
        .flopsheet()
        .args(["check", "model.ron"])
        .run()
        .failure()
        .stderr_has("unknown name `peak_flop_bf16`")
        .stderr_has(&location("plugins/my_gpu.ron", &text, "peak_flop_bf16"))
        // And suggests the pack's own value.
        .stderr_has("did you mean `peak_flops_bf16`");
}

/// A symbolic link cannot lead the search out of a plugin folder.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_a_plugin_folder_is_not_followed() {
    let sandbox = Sandbox::new();
    let outside = sandbox.write("outside/my_gpu.ron", MY_GPU);
    std::fs::create_dir(sandbox.path().join("my_plugins")).unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.path().join("my_plugins/my_gpu.ron")).unwrap();
    std::os::unix::fs::symlink(
        sandbox.path().join("outside"),
        sandbox.path().join("my_plugins/linked_folder"),
    )
    .unwrap();
    sandbox.write("model.ron", GPU_MODEL);
    sandbox
        .flopsheet()
        .args(["check", "model.ron", "--plugins", "my_plugins"])
        .run()
        .failure()
        .stderr_has("no pack `my_gpu`");
    assert!(Path::new(&outside).exists());
}

/// The canonical keys of a model pack (docs/formats.md), each present or declared missing.
const MODEL_KEYS: &[&str] = &[
    "params",
    "active_params",
    "layers",
    "d_model",
    "heads",
    "kv_heads",
    "head_dim",
    "ffn_dim",
    "vocab",
    "tied_embeddings",
    "kv_values_per_token",
    "train_tokens",
    "context_tokens",
    "reported_gpu_hours",
    "training_mfu",
    "train_gpu_peak_flops_bf16",
    "train_flops",
];

/// What a mixture-of-experts model pack adds (a pack with `experts` is one).
const MOE_KEYS: &[&str] = &[
    "experts",
    "experts_per_token",
    "shared_experts",
    "moe_ffn_dim",
    "dense_layers",
];

/// The canonical keys of an API price pack: the latest prices, formulas reading dated ones.
const API_KEYS: &[&str] = &["usd_per_1m_input_tokens", "usd_per_1m_output_tokens"];

/// The ids of the packs shipped in `plugins/FOLDER/`.
fn shipped_ids(folder: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root().join("plugins").join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| stem(&p))
        .collect();
    ids.sort();
    ids
}

/// Every shipped model and API pack, loaded together (with the packs they require).
fn load_model_and_api_packs() -> (flopsheet_load::Workspace, Vec<String>, Vec<String>) {
    let models = shipped_ids("models");
    let apis = shipped_ids("api");
    let sandbox = Sandbox::new();
    let all: Vec<String> = models.iter().chain(&apis).map(|id| format!("{id:?}")).collect();
    let workbook = sandbox.write(
        "packs.ron",
        &format!("Workbook(title: \"packs\", packs: [{}])", all.join(", ")),
    );
    let options = flopsheet_load::LoadOptions {
        plugin_dirs: vec![root().join("plugins")],
        ..Default::default()
    };
    let ws = flopsheet_load::Workspace::load(flopsheet_load::WorkbookSource::File(workbook), options)
        .unwrap_or_else(|_| panic!("the shipped model and api packs load"));
    (ws, models, apis)
}

/// A pack value's number, or `None` when it is declared missing (or reads one that is).
fn pack_number(ws: &flopsheet_load::Workspace, name: &str) -> Option<f64> {
    match ws.value(name).unwrap_or_else(|_| panic!("no value `{name}`")) {
        flopsheet_engine::Value::Num(n) => Some(n),
        flopsheet_engine::Value::Err(_) => None,
    }
}

/// `YYYY-MM`.
fn is_month(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit())
}

#[test]
fn every_model_and_api_pack_has_its_canonical_keys_sourced_and_dated() {
    let (ws, models, apis) = load_model_and_api_packs();
    assert!(models.len() >= 16, "{models:?}");
    assert!(apis.len() >= 8, "{apis:?}");
    let has = |name: &str| ws.workbook.cells.keys().any(|k| k == name);
    let mut problems = Vec::new();
    for id in &models {
        let mut keys: Vec<&str> = MODEL_KEYS.to_vec();
        if has(&format!("{id}.experts")) {
            keys.extend(MOE_KEYS);
        }
        for key in keys {
            if !has(&format!("{id}.{key}")) {
                problems.push(format!("{id}.{key}: absent (give it, or declare it missing)"));
            }
        }
        if has(&format!("{id}.experts")) {
            let (total, active) = (
                pack_number(&ws, &format!("{id}.params")),
                pack_number(&ws, &format!("{id}.active_params")),
            );
            assert!(
                active.unwrap() < total.unwrap(),
                "{id}: a mixture of experts activates fewer than all its parameters"
            );
        } else {
            // Dense: active_params is params, written as the formula.
            let active = &ws.workbook.cells[format!("{id}.active_params").as_str()];
            assert_eq!(ws.workbook.formula(active), Some("params"), "{id}.active_params");
            assert_eq!(
                pack_number(&ws, &format!("{id}.active_params")),
                pack_number(&ws, &format!("{id}.params")),
                "{id}"
            );
        }
        // Where the pack says which GPU trained it, that pack is required and read.
        let text = std::fs::read_to_string(root().join(format!("plugins/models/{id}.ron"))).unwrap();
        if let Some(at) = text.find("\"train_gpu\": \"") {
            let gpu = text[at + 14..].split('"').next().unwrap();
            assert!(text.contains(&format!("requires: [\"{gpu}\"]")), "{id} requires {gpu}");
            assert!(
                text.contains(&format!("\"{gpu}.peak_flops_")),
                "{id} reads {gpu}'s peak"
            );
        }
    }
    for id in &apis {
        for key in API_KEYS {
            let name = format!("{id}.{key}");
            if !has(&name) {
                problems.push(format!("{name}: absent"));
                continue;
            }
            // The latest price is the newest dated one, and there is at least one.
            let prefix = format!("{name}_");
            let mut dated: Vec<&str> = ws
                .workbook
                .cells
                .keys()
                .filter(|k| {
                    k.strip_prefix(&prefix)
                        .is_some_and(|d| d.len() == 7 && is_month(&d.replace('_', "-")))
                })
                .collect();
            dated.sort();
            let newest = dated.last().unwrap_or_else(|| panic!("{name}: no dated price"));
            assert_eq!(
                ws.workbook.formula(&ws.workbook.cells[name.as_str()]),
                Some(&newest[id.len() + 1..]),
                "{name}"
            );
            for d in &dated {
                let date = ws.workbook.cells[*d].date().unwrap_or_default();
                assert_eq!(date.replace('-', "_"), d[prefix.len()..], "{d}: its date is its name's");
            }
        }
        let text = std::fs::read_to_string(root().join(format!("plugins/api/{id}.ron"))).unwrap();
        if let Some(at) = text.find("\"model_pack\": \"") {
            let model = text[at + 15..].split('"').next().unwrap();
            assert!(
                models.iter().any(|m| m == model),
                "{id}: model_pack `{model}` is not shipped"
            );
        }
    }
    // Every value given (or declared missing) carries a source and a YYYY-MM date; formulas
    // are derived and need neither.
    problems.extend(provenance_problems(&ws, |pack| {
        models.contains(pack) || apis.contains(pack)
    }));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The canonical keys of a hardware pack: the dense peaks a serving or training model picks
/// by precision, memory, bandwidth and one price, so that a table or sweep over several GPUs
/// reads the same names (present, or declared missing with the reason).
const HARDWARE_KEYS: &[&str] = &[
    "peak_flops_bf16",
    "peak_flops_fp8",
    "peak_flops_fp4",
    "memory_bytes",
    "memory_bandwidth_bytes_per_s",
    "usd_per_hour",
];

#[test]
fn every_hardware_pack_has_its_canonical_keys_sourced_and_dated() {
    let ids = shipped_ids("hardware");
    assert!(ids.len() >= 18, "{ids:?}");
    let sandbox = Sandbox::new();
    let listed: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
    let workbook = sandbox.write(
        "hw.ron",
        &format!("Workbook(title: \"hw\", packs: [{}])", listed.join(", ")),
    );
    let options = flopsheet_load::LoadOptions {
        plugin_dirs: vec![root().join("plugins")],
        ..Default::default()
    };
    let ws = flopsheet_load::Workspace::load(flopsheet_load::WorkbookSource::File(workbook), options)
        .unwrap_or_else(|f| panic!("the shipped hardware packs load:\n{}", f.render(false)));
    let mut problems = Vec::new();
    for id in &ids {
        for key in HARDWARE_KEYS {
            let name = format!("{id}.{key}");
            let Some(info) = ws.workbook.cells.get(&name) else {
                problems.push(format!("{name}: absent (give it, or declare it missing)"));
                continue;
            };
            if ws.workbook.formula(info).is_none()
                && (info.source().is_none_or(str::is_empty) || !info.date().is_some_and(is_month))
            {
                problems.push(format!("{name}: no source or no YYYY-MM date"));
            }
            if info.missing().is_some_and(str::is_empty) {
                problems.push(format!("{name}: missing without a reason"));
            }
        }
    }
    // Every value given (or declared missing) carries a source and a YYYY-MM date, not only the
    // canonical ones; formulas are derived and need neither.
    problems.extend(provenance_problems(&ws, |pack| ids.contains(pack)));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for id in ["h800", "h20", "gb200", "mi325x", "gaudi3", "tpu_v6e", "rtx_4090"] {
        assert!(ids.iter().any(|i| i == id), "{id} is not shipped: {ids:?}");
    }
    // Dense rates: a part's fp8 peak is never below its bf16 peak, and at most twice it, rounding aside (a stored
    // 2:4-sparse fp8 figure would be four times a dense bf16 one).
    for id in &ids {
        let (Some(bf16), Some(fp8)) = (
            pack_number(&ws, &format!("{id}.peak_flops_bf16")),
            pack_number(&ws, &format!("{id}.peak_flops_fp8")),
        ) else {
            continue;
        };
        assert!(bf16 <= fp8 && fp8 <= 2.01 * bf16, "{id}: bf16 {bf16:e}, fp8 {fp8:e}");
    }
    // GB200 NVL72 figures are per rack: the pack's per-GPU values divide by its 72 GPUs.
    expect_exact(pack_number(&ws, "gb200.peak_flops_bf16").unwrap(), 180e15 / 72.0);
    expect_exact(pack_number(&ws, "gb200.peak_flops_fp8").unwrap(), 360e15 / 72.0);
    expect_exact(pack_number(&ws, "gb200.peak_flops_fp4").unwrap(), 720e15 / 72.0);
    expect_exact(pack_number(&ws, "gb200.memory_bandwidth_bytes_per_s").unwrap(), 8e12);
    // Gaudi 3's fp8 matrix rate is its bf16 rate, not twice it.
    expect_exact(pack_number(&ws, "gaudi3.peak_flops_fp8").unwrap(), 1835e12);
    // Declared missing where the part has no such figure.
    for name in [
        "h20.usd_per_hour",
        "gb200.usd_per_hour",
        "tpu_v6e.peak_flops_fp8",
        "rtx_4090.peak_flops_fp4",
    ] {
        assert_eq!(pack_number(&ws, name), None, "{name} should be missing");
    }
    // The two figures corrected on review.
    expect_exact(pack_number(&ws, "b200.memory_bandwidth_bytes_per_s").unwrap(), 8.0e12);
    expect_exact(
        pack_number(&ws, "tpu_v5e.memory_bytes").unwrap(),
        16.0 * 1024.0 * 1024.0 * 1024.0,
    );
}

/// Every value a chosen pack gives (or declares missing) without a source, a YYYY-MM date or,
/// when missing, a reason; formulas are derived and need neither.
fn provenance_problems(ws: &flopsheet_load::Workspace, chosen: impl Fn(&String) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    for name in ws.workbook.cells.keys() {
        let info = &ws.workbook.cells[name];
        let flopsheet_load::Origin::Pack(pack) = info.origin() else {
            continue;
        };
        if !chosen(pack) || ws.workbook.formula(info).is_some() {
            continue;
        }
        if info.source().is_none_or(str::is_empty) {
            problems.push(format!("{name}: no source"));
        }
        if !info.date().is_some_and(is_month) {
            problems.push(format!("{name}: date {:?} is not YYYY-MM", info.date()));
        }
        if info.missing().is_some_and(str::is_empty) {
            problems.push(format!("{name}: missing without a reason"));
        }
    }
    problems
}
