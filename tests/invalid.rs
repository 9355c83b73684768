//! The corpus of invalid inputs, `tests/fixtures/invalid/`: one workbook per mistake (packs
//! they need in its `plugins/`), each checked with `flopsheet check` and its rendered
//! diagnostics held by a snapshot (`tests/snapshots/invalid/`). Every diagnostic names the
//! file, line and column; none of them, nor any input generated here (enormous, deeply
//! nested, too many cells), makes flopsheet panic.
//!
//! To review a changed diagnostic: `cargo insta review` (or `INSTA_UPDATE=always cargo test`
//! and read the diff of the `.snap` files).

use crate::util::{root, Flopsheet, Out, Sandbox};
use std::path::{Path, PathBuf};

/// The corpus folder.
fn corpus() -> PathBuf {
    root().join("tests/fixtures/invalid")
}

/// The workbooks of the corpus, sorted (the packs under `plugins/` are read through them).
fn cases() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the corpus folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 55, "the corpus lost cases: {}", files.len());
    files
}

/// Runs `flopsheet --color never ARGS` in `dir`; the output with the temporary home folder
/// (which shows in the searched plugin folders) replaced by `[HOME]`.
fn run_in(dir: &Path, args: &[&str]) -> Out {
    let cmd = Flopsheet::new().current_dir(dir).args(["--color", "never"]).args(args);
    let home = cmd.home().display().to_string();
    let mut out = cmd.run();
    out.stdout = out.stdout.replace(&home, "[HOME]");
    out.stderr = out.stderr.replace(&home, "[HOME]");
    out
}

/// What a snapshot holds: the exit code and what was printed.
fn transcript(out: &Out) -> String {
    let mut text = format!("exit code: {:?}\n", out.code);
    if !out.stdout.is_empty() {
        text.push_str(&format!("--- stdout ---\n{}", out.stdout));
    }
    text.push_str(&format!("--- stderr ---\n{}", out.stderr));
    text
}

/// Each `error:` of a rendered output, with what follows it.
fn diagnostics(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("error") {
            out.push(String::new());
        }
        if let Some(last) = out.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    out
}

/// The properties every diagnostic of the corpus has, whatever its snapshot says.
#[track_caller]
fn expect_useful(case: &str, out: &Out) {
    assert_eq!(out.code, Some(1), "{case}: expected exit code 1:\n{out:?}");
    assert!(out.stdout.is_empty(), "{case}: nothing on stdout:\n{out:?}");
    let all = diagnostics(&out.stderr);
    assert!(!all.is_empty(), "{case}: no diagnostic:\n{out:?}");
    for d in all {
        // `┌─ file:line:col`, in the case's file or one of its packs.
        let location = d
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("┌─ "))
            .unwrap_or_else(|| panic!("{case}: a diagnostic without a location:\n{d}"));
        let parts: Vec<&str> = location.rsplitn(3, ':').collect();
        assert!(
            parts.len() == 3 && parts[0].parse::<usize>().is_ok() && parts[1].parse::<usize>().is_ok(),
            "{case}: not file:line:col: {location}"
        );
        assert!(
            parts[2].ends_with(".ron"),
            "{case}: the location is not in a file: {location}"
        );
        assert!(!d.contains("panicked") && !d.contains("RUST_BACKTRACE"), "{case}: {d}");
    }
}

#[track_caller]
fn snapshot(name: &str, input: &Path, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/invalid");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(input);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// `flopsheet check` on every workbook of the corpus: a snapshot of its diagnostics, each
/// with a location. Every case is checked, and the failing ones are listed at the end.
#[test]
fn every_invalid_input_has_a_located_diagnostic() {
    let mut failed = Vec::new();
    for path in cases() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let out = run_in(&corpus(), &["check", &file]);
        let result = std::panic::catch_unwind(|| {
            expect_useful(&name, &out);
            snapshot(&name, &path, &transcript(&out));
        });
        if result.is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "cases that failed: {failed:?}");
}

/// The commands that load a workbook, as run on each input: none may panic (exit code 101)
/// or print a Rust panic message, whatever the input.
fn never_panics(dir: &Path, file: &str) {
    let commands: [&[&str]; 6] = [
        &["check", file],
        &["show", file],
        &["show", file, "--format", "json"],
        &["get", file, "a", "hours"],
        &["explain", file, "a"],
        &["compare", file],
    ];
    for args in commands {
        let out = run_in(dir, args);
        assert!(
            matches!(out.code, Some(0..=2)),
            "`flopsheet {}` exited with {:?}:\n{out:?}",
            args.join(" "),
            out.code
        );
        assert!(
            !out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"),
            "{out:?}"
        );
    }
}

#[test]
fn no_input_of_the_corpus_makes_any_command_panic() {
    for path in cases() {
        never_panics(&corpus(), &path.file_name().unwrap().to_string_lossy());
    }
}

/// A file larger than the limit is refused before it is read (it is sparse here: 64 MiB and
/// one byte that take no room on the disk).
#[test]
fn an_enormous_workbook_or_pack_is_refused_by_its_size() {
    let sandbox = Sandbox::new();
    let size = flopsheet_load::workspace::MAX_FILE_BYTES + 1;
    let huge = |relative: &str| {
        let path = sandbox.write(relative, "Workbook(");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(size)
            .unwrap();
    };
    huge("huge.ron");
    let out = run_in(sandbox.path(), &["check", "huge.ron"]).failure();
    assert!(
        out.stderr
            .contains(&format!("huge.ron is {size} bytes; the limit is {} (64 MiB)", size - 1)),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("help: is this really a workbook or pack?"),
        "{out:?}"
    );
    never_panics(sandbox.path(), "huge.ron");

    huge("plugins/hardware/huge_gpu.ron");
    sandbox.write("uses.ron", r#"Workbook(title: "t", packs: ["huge_gpu"])"#);
    run_in(sandbox.path(), &["check", "uses.ron"])
        .failure()
        .stderr_has(&format!("plugins/hardware/huge_gpu.ron is {size} bytes"));
}

/// A small file that asks for millions of cells (a table of 1415 rows by 1415 columns) is
/// refused before any cell is made, pointing at the table.
#[test]
fn too_many_cells_are_refused_before_they_are_made() {
    let sandbox = Sandbox::new();
    let n = 1415;
    let text = crate::hostile_inputs::square_table(n);
    assert!(text.len() < 100_000);
    sandbox.write("grid.ron", &text);
    let out = run_in(sandbox.path(), &["check", "grid.ron"]).failure();
    let cells = n + n * n;
    out.stderr_has(&format!(
        "error: the workbook defines {cells} cells (with its packs and tables); the limit is {}",
        flopsheet_load::MAX_CELLS
    ))
    .stderr_has(&crate::util::location("grid.ron", &text, "\"grid\""))
    .stderr_has(&format!("{n} rows × {n} columns make {} cells", n * n));
}

/// Formulas beyond the limits of length and nesting, and RON nested a hundred thousand
/// levels deep: each is an error with a location, never a stack overflow.
#[test]
fn enormous_and_deeply_nested_formulas_and_files_are_errors() {
    let sandbox = Sandbox::new();
    let limit = flopsheet_engine::formula::MAX_FORMULA_LEN;
    let long = vec!["x"; limit / 4 + 1].join(" + ");
    // Under the limit of length, far over the limit of nesting.
    let deep_parens = format!("{}x{}", "(".repeat(5000), ")".repeat(5000));
    let negations = format!("{}x", "-".repeat(10_000));
    let cases = [
        (
            "long",
            long.as_str(),
            format!("the formula is {} bytes long; the limit is {limit}", long.len()),
        ),
        (
            "parens",
            deep_parens.as_str(),
            "the formula nests deeper than 64 levels".to_string(),
        ),
        (
            "negations",
            negations.as_str(),
            "the formula nests deeper than 64 levels".to_string(),
        ),
    ];
    for (name, formula, message) in cases {
        let text = format!("Workbook(title: \"t\", cells: {{ \"x\": 1, \"f\": \"{formula}\" }})\n");
        let file = format!("{name}.ron");
        sandbox.write(&file, &text);
        let out = run_in(sandbox.path(), &["check", &file]);
        expect_useful(name, &out);
        assert!(
            out.stderr.contains(&message),
            "{name}:\n{}",
            &out.stderr[..2000.min(out.stderr.len())]
        );
        never_panics(sandbox.path(), &file);
    }

    let deep_ron = format!(
        "Workbook(title: \"t\", packs: {}{})\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    sandbox.write("deep.ron", &deep_ron);
    let out = run_in(sandbox.path(), &["check", "deep.ron"]);
    expect_useful("deep", &out);
    out.stderr_has("expected a string in double quotes, found a list `[...]`");
    never_panics(sandbox.path(), "deep.ron");
    // Nesting where any value is accepted: RON's own limit.
    let deep_cell = format!(
        "Workbook(title: \"t\", cells: {{ \"a\": {}1{} }})\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    sandbox.write("deep_cell.ron", &deep_cell);
    let out = run_in(sandbox.path(), &["check", "deep_cell.ron"]);
    expect_useful("deep_cell", &out);
    never_panics(sandbox.path(), "deep_cell.ron");
}

/// A pack whose functions call each other twice at every level would expand into billions
/// of steps: the calling cell holds an error, pointing into the pack.
#[test]
fn pack_functions_that_explode_are_an_error() {
    let sandbox = Sandbox::new();
    let mut functions: Vec<String> = (0..30)
        .map(|i| {
            format!(
                "\"f{i}\": (params: [\"v\"], formula: \"f{}(v) + f{}(v)\")",
                i + 1,
                i + 1
            )
        })
        .collect();
    functions.push("\"f30\": (params: [\"v\"], formula: \"v * 2\")".into());
    let pack = format!(
        "Pack(id: \"bomb\", kind: \"other\", name: \"Bomb\", functions: {{ {} }})\n",
        functions.join(",\n")
    );
    sandbox.write("plugins/other/bomb.ron", &pack);
    let text = "Workbook(title: \"t\", packs: [\"bomb\"], cells: { \"a\": \"f0(2)\" })\n";
    sandbox.write("model.ron", text);
    let out = run_in(sandbox.path(), &["check", "model.ron"]);
    expect_useful("bomb", &out);
    out.stderr_has(&format!(
        "error: the formula is too large once its pack functions are expanded (over {} steps, or {} levels deep)",
        flopsheet_engine::MAX_PROGRAM,
        flopsheet_engine::MAX_NESTING
    ))
    .stderr_has(&crate::util::location("model.ron", text, "\"f0(2)\""));
    never_panics(sandbox.path(), "model.ron");
}

/// Twenty thousand formulas that each read a name that does not exist: every one reported
/// (suggestions are computed for the first few only), each with its location.
#[test]
fn thousands_of_unknown_names_are_each_reported() {
    let sandbox = Sandbox::new();
    let text = crate::hostile_inputs::unknown_names(20_000);
    sandbox.write("model.ron", &text);
    let out = run_in(sandbox.path(), &["check", "model.ron"]);
    expect_useful("unknown", &out);
    assert_eq!(diagnostics(&out.stderr).len(), 20_000);
    out.stderr_has("error: unknown name `zz19999`")
        .stderr_has(&crate::util::location("model.ron", &text, "zz19999"));
}

/// A cycle through twenty thousand cells: one diagnostic, listing the first cells and how
/// many more, printed at once (every cell of it labelled took seconds, and pages).
#[test]
fn a_long_cycle_is_reported_briefly() {
    let sandbox = Sandbox::new();
    let n = 20_000;
    let cells: Vec<String> = (0..n)
        .map(|i| format!("\"c{i}\": \"c{} + 1\"", (i + n - 1) % n))
        .collect();
    let text = format!("Workbook(title: \"t\", cells: {{\n{}\n}})\n", cells.join(",\n"));
    sandbox.write("model.ron", &text);
    let out = run_in(sandbox.path(), &["check", "model.ron"]);
    expect_useful("long cycle", &out);
    let out = out
        .stderr_has("error: dependency cycle: c0 → c19999 → c19998")
        .stderr_has("→ c19989 → … (19988 more) → c0\n")
        .stderr_has("… and 19988 more cells, 20000 cells in all")
        .stderr_has(&crate::util::location("model.ron", &text, "\"c19999 + 1\""));
    assert!(out.stderr.lines().count() < 100, "{}", out.stderr.lines().count());
}

/// Two columns that read each other, in a table of fifty rows: one diagnostic, naming a few
/// rows and counting the others.
#[test]
fn a_cycle_in_every_row_is_reported_once() {
    let sandbox = Sandbox::new();
    let groups: Vec<String> = (0..50).map(|i| format!("\"g{i}.x\": {i}")).collect();
    let rows: Vec<String> = (0..50).map(|i| format!("\"g{i}\"")).collect();
    let text = format!(
        "Workbook(title: \"t\", cells: {{ {} }},\n    tables: [Table(name: \"t\", rows: [{}],\n        columns: {{ \"a\": \"b + row.x\", \"b\": \"a * 2\" }})])\n",
        groups.join(", "),
        rows.join(", ")
    );
    sandbox.write("model.ron", &text);
    let out = run_in(sandbox.path(), &["check", "model.ron"]);
    expect_useful("rows", &out);
    assert_eq!(diagnostics(&out.stderr).len(), 1, "{}", out.stderr);
    out.stderr_has("error: dependency cycle: t.g0.a → t.g0.b → t.g0.a")
        .stderr_has("the same cycle in another row: t.g1.a → t.g1.b")
        .stderr_has("… and in 46 more rows")
        .stderr_has(&crate::util::location("model.ron", &text, "\"b + row.x\""));
}
