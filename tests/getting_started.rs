//! What a new user reaches for first: `flopsheet new` (a template, or a copy of a shipped
//! workbook), shell completions, and `--help` with examples on every command.

use crate::util::*;

#[test]
fn new_copies_a_shipped_workbook_and_never_overwrites() {
    let sandbox = Sandbox::new();
    sandbox
        .flopsheet()
        .args(["new", "mine.ron", "--from", "training_cost"])
        .run()
        .clean()
        .stdout_has("wrote mine.ron");
    let copied = std::fs::read_to_string(sandbox.path().join("mine.ron")).unwrap();
    let shipped = std::fs::read_to_string(root().join("workbooks/training_cost.ron")).unwrap();
    assert_eq!(copied, shipped);
    // The copy computes what the shipped workbook does.
    let palm = |workbook: &str, dir: &std::path::Path| {
        let out = Flopsheet::new()
            .current_dir(dir)
            .args(["get", workbook, "training.palm.cost_usd"])
            .run()
            .clean();
        out.stdout.trim().parse::<f64>().unwrap()
    };
    expect_exact(palm("mine.ron", sandbox.path()), palm("training_cost", root()));
    // A second `new` on the same file refuses, and leaves the file as it was.
    std::fs::write(sandbox.path().join("mine.ron"), "// my edits\n").unwrap();
    sandbox
        .flopsheet()
        .args(["new", "mine.ron"])
        .run()
        .failure()
        .stderr_has("mine.ron already exists; flopsheet never overwrites a file");
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("mine.ron")).unwrap(),
        "// my edits\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".flopsheet-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    sandbox
        .flopsheet()
        .args(["new", "other.ron", "--from", "trainig_cost"])
        .run()
        .failure()
        .stderr_has("no shipped workbook is named `trainig_cost`")
        .stderr_has("training_cost");
    sandbox
        .flopsheet()
        .args(["new", "notes.txt"])
        .run()
        .failure()
        .stderr_has("does not end in .ron");
}

#[test]
fn watch_on_a_shipped_workbook_offers_the_copy() {
    flopsheet(&["watch", "training_cost"])
        .failure()
        .stderr_has("flopsheet new my_training_cost.ron --from training_cost");
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_flopsheet()"),
        ("zsh", "#compdef flopsheet"),
        ("fish", "complete -c flopsheet"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = flopsheet(&["completions", shell]).clean().stdout_has(marker);
        // Every subcommand completes.
        for command in ["show", "get", "explain", "sweep", "solve", "sensitivity", "new"] {
            assert!(out.stdout.contains(command), "{shell}: no `{command}`");
        }
    }
    flopsheet(&["completions", "tcsh"]).usage_error();
}

/// Every command's `--help` ends with examples, and every positional argument is described.
#[test]
fn every_command_has_examples_and_described_arguments() {
    for command in [
        "show",
        "get",
        "explain",
        "check",
        "packs",
        "watch",
        "workbooks",
        "compare",
        "sweep",
        "solve",
        "sensitivity",
        "new",
        "completions",
    ] {
        let out = flopsheet(&[command, "--help"]).clean();
        assert!(
            out.stdout.contains("Examples:\n  flopsheet "),
            "`{command} --help` has no examples:\n{}",
            out.stdout
        );
        if let Some(arguments) = out.stdout.split("Arguments:\n").nth(1) {
            for line in arguments.lines().take_while(|l| l.starts_with("  ")) {
                let described = line.trim().split_once("  ").is_some_and(|(_, d)| !d.trim().is_empty());
                assert!(
                    described,
                    "`{command} --help`: an argument without a description: {line}"
                );
            }
        }
    }
}

/// A pack's value without a workbook; `packs --values` evaluates derived values.
#[test]
fn pack_values_without_a_workbook() {
    let out = flopsheet(&[
        "get",
        "h100_sxm.peak_flops_bf16",
        "h100_sxm.flops_per_byte_bf16",
        "--format",
        "json",
    ])
    .clean();
    let got = out.json();
    expect_exact(got["h100_sxm.peak_flops_bf16"].as_f64().unwrap(), 989e12);
    expect_exact(got["h100_sxm.flops_per_byte_bf16"].as_f64().unwrap(), 989e12 / 3.35e12);
    flopsheet(&["get", "training_cost"])
        .usage_error()
        .stderr_has("name the cells to get");
    flopsheet(&["packs", "--values"])
        .success()
        .stdout_has("h100_sxm.flops_per_byte_bf16")
        .stdout_has("295.2 FLOP/B   = peak_flops_bf16 / memory_bandwidth_bytes_per_s");
}

/// Markdown tables right-align their numeric columns, as the text tables do.
#[test]
fn markdown_right_aligns_numbers() {
    let out = flopsheet(&["show", "training_cost", "--table", "training", "--format", "markdown"]).clean();
    let separator = out
        .stdout
        .lines()
        .find(|l| l.starts_with("|--"))
        .expect("a separator line");
    let columns: Vec<&str> = separator.trim_matches('|').split('|').collect();
    assert!(
        !columns[0].ends_with(':'),
        "the row labels stay left-aligned: {separator}"
    );
    assert!(
        columns[1..].iter().all(|c| c.ends_with(":")),
        "numbers right-aligned: {separator}"
    );
}
