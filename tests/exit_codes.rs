//! Exit codes as a contract, one test per row of the README's table: 0 success; 1 the workbook
//! does not load, a value asked for is an error, `check` found problems, `check --references`
//! failed (or `--strict` and any error); 2 bad usage.

use crate::util::{flopsheet, Sandbox};

const TRAINING: &str = "workbooks/training_cost.ron";
const ACCELERATORS: &str = "workbooks/accelerators.ron";

/// One healthy cell, one unrelated division by zero.
const UNRELATED_ERROR: &str = r#"Workbook(
    title: "An unrelated error",
    cells: {
        "healthy": 20,
        "zero": 0,
        "broken": "1 / zero",
    },
)"#;

fn unrelated_error() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("wb.ron", UNRELATED_ERROR);
    sandbox
}

/// 0: `get` of a healthy value and `show` exit 0 when another cell is an error; its
/// diagnostic is a warning.
#[test]
fn zero_when_what_was_asked_for_is_a_number() {
    let sandbox = unrelated_error();
    let out = sandbox
        .flopsheet()
        .args(["get", "wb.ron", "healthy"])
        .run()
        .shown_with_warnings()
        .stderr_has("#DIV/0");
    assert_eq!(out.stdout, "20\n");
    sandbox
        .flopsheet()
        .args(["get", "wb.ron", "healthy", "--format", "json"])
        .run()
        .shown_with_warnings();
    sandbox
        .flopsheet()
        .args(["show", "wb.ron"])
        .run()
        .shown_with_warnings()
        .stdout_has("#DIV/0")
        .stdout_has("20");
    sandbox
        .flopsheet()
        .args(["explain", "wb.ron", "healthy"])
        .run()
        .shown_with_warnings();
}

/// 1: a value asked for that is an error (a missing value too), whatever else is fine.
#[test]
fn one_when_a_value_asked_for_is_an_error() {
    let sandbox = unrelated_error();
    let out = sandbox
        .flopsheet()
        .args(["get", "wb.ron", "healthy", "broken"])
        .run()
        .workbook_errors()
        .stderr_has("error: #DIV/0");
    assert_eq!(out.stdout, "healthy = 20\nbroken = #DIV/0\n");
    sandbox.write(
        "missing.ron",
        r#"Workbook(title: "m", cells: { "x": (missing: "not published"), "y": 2 })"#,
    );
    let out = sandbox.flopsheet().args(["get", "missing.ron", "x"]).run();
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "#N/A\n");
    sandbox.flopsheet().args(["get", "missing.ron", "y"]).run().clean();
}

/// 1: `--strict` makes `show` and `get` fail on any error in the workbook.
#[test]
fn one_with_strict_on_any_error() {
    let sandbox = unrelated_error();
    for args in [
        &["get", "wb.ron", "healthy", "--strict"][..],
        &["show", "wb.ron", "--strict"],
    ] {
        sandbox
            .flopsheet()
            .args(args)
            .run()
            .workbook_errors()
            .stderr_has("error: #DIV/0");
    }
    flopsheet(&["show", TRAINING, "--strict"]).clean();
}

/// 1: `check` is strict.
#[test]
fn one_when_check_finds_an_error() {
    unrelated_error()
        .flopsheet()
        .args(["check", "wb.ron"])
        .run()
        .failure()
        .stderr_has("error: #DIV/0");
}

/// 1: `check --references` with an estimate outside its tolerance.
#[test]
fn one_when_a_reference_fails() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "r.ron",
        r#"Workbook(title: "r", cells: { "x": (value: 2, reference: (value: 1, tolerance: 0.1)) })"#,
    );
    sandbox.flopsheet().args(["check", "r.ron"]).run().clean();
    sandbox
        .flopsheet()
        .args(["check", "r.ron", "--references"])
        .run()
        .failure()
        .stderr_has("outside its tolerance");
}

/// 1: a workbook that does not load (does not parse, or lists a missing pack), for every
/// command.
#[test]
fn one_when_the_workbook_does_not_load() {
    let sandbox = Sandbox::new();
    sandbox.write("bad.ron", r#"Workbook(title: "b", cells: { "x": 1 "#);
    sandbox.write(
        "nopack.ron",
        r#"Workbook(title: "b", packs: ["no_such_pack"], cells: { "x": 1 })"#,
    );
    for file in ["bad.ron", "nopack.ron"] {
        for args in [
            vec!["show", file],
            vec!["get", file, "x"],
            vec!["check", file],
            vec!["explain", file, "x"],
            vec!["sweep", file, "--vary", "x=1,2", "--show", "x"],
            vec!["solve", file, "--target", "x=1", "--by", "x"],
            vec!["sensitivity", file, "x"],
        ] {
            sandbox.flopsheet().args(&args).run().failure();
        }
    }
}

/// 1: `packs` when a pack on the search path does not load.
#[test]
fn one_when_packs_finds_a_broken_pack() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "mine/hardware/broken.ron",
        r#"Pack(id: "broken", kind: "hardware", name: "x", values: { "a": (valu: 1) })"#,
    );
    let out = sandbox.flopsheet().args(["packs", "--plugins", "mine"]).run();
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("unknown field `valu`"), "{out:?}");
    assert!(
        out.stdout.contains("search path"),
        "the other packs are still listed: {out:?}"
    );
    sandbox.flopsheet().args(["packs"]).run().clean();
}

/// 2: every mistake in the command line, whichever command it is given to.
#[test]
fn two_for_bad_usage_everywhere() {
    let cases: &[(&[&str], &str)] = &[
        // --set, --slot, --unit naming what the workbook lacks, or malformed.
        (&["get", TRAINING, "mfu", "--set", "aa=3"], "no cell is named `aa`"),
        (&["get", TRAINING, "mfu", "--set", "mfu=abc"], "not a number"),
        (&["show", TRAINING, "--slot", "hw=h100_sxm"], "has no slot `hw`"),
        (&["show", TRAINING, "--unit", "nope=USD"], "no cell is named `nope`"),
        (
            &["packs", "--set", "foo=1", "--slot", "a=b"],
            "packs takes no --set/--slot",
        ),
        (&["show", TRAINING, "--plugins", "no/such/folder"], "no such folder"),
        // Names the workbook does not have.
        (&["get", TRAINING, "nope"], "no cell is named `nope`"),
        (&["explain", TRAINING, "nope"], "no cell is named `nope`"),
        (&["sensitivity", TRAINING, "nope"], "no cell is named `nope`"),
        (&["show", TRAINING, "--table", "nope"], "no table `nope`"),
        (&["compare", ACCELERATORS, "nope"], "no scenario `nope`"),
        (&["compare", ACCELERATORS, "--show", "nope"], "no cell is named `nope`"),
        (&["compare", ACCELERATORS, "--table", "nope"], "no table `nope`"),
        (
            &["sweep", TRAINING, "--vary", "mfu=1,2", "--show", "nope"],
            "no cell is named `nope`",
        ),
        // Malformed what-if arguments.
        (
            &["sweep", TRAINING, "--vary", "mfu=0.1..0.5:1", "--show", "mfu"],
            "at least 2 steps",
        ),
        (
            &["sweep", TRAINING, "--vary", "mfu", "--show", "mfu"],
            "is not NAME=FROM..TO",
        ),
        (
            &["sweep", TRAINING, "--vary", "nope=1,2", "--show", "mfu"],
            "no cell is named `nope`",
        ),
        (
            &[
                "sweep", TRAINING, "--vary", "mfu=1,2", "--vary", "mfu=1,2", "--vary", "mfu=1,2", "--show", "mfu",
            ],
            "one or two",
        ),
        (
            &["solve", TRAINING, "--target", "mfu", "--by", "mfu"],
            "is not NAME=VALUE",
        ),
        (
            &["solve", TRAINING, "--target", "nope=1", "--by", "mfu"],
            "no cell is named `nope`",
        ),
        (
            &[
                "solve",
                TRAINING,
                "--target",
                "training.gpt3.cost_usd=x y",
                "--by",
                "mfu",
            ],
            "neither a number nor a cell",
        ),
        (
            &[
                "solve",
                TRAINING,
                "--target",
                "training.gpt3.cost_usd=1e6",
                "--by",
                "nope",
            ],
            "no cell is named `nope`",
        ),
        (
            &[
                "solve",
                TRAINING,
                "--target",
                "training.gpt3.cost_usd=1e6",
                "--by",
                "mfu",
                "--within",
                "0.9..0.1",
            ],
            "LO must be below HI",
        ),
        (
            &["sensitivity", TRAINING, "training.gpt3.cost_usd", "--by", "200%"],
            "between 0% and 100%",
        ),
        // clap's own.
        (&["show", "--format", "xml"], "table, csv, json, markdown"),
        (
            &["get", TRAINING, "mfu", "--format", "xml"],
            "plain, table, csv, json, markdown",
        ),
    ];
    for (args, message) in cases {
        flopsheet(args).usage_error().stderr_has(message);
    }
}
