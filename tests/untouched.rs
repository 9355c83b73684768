//! Nothing lost: no command modifies a workbook or a pack. Every reading command runs on a
//! copy of the shipped workbooks and packs and of the invalid corpus, and afterwards every
//! file has the same bytes and the same modification time, and no file has appeared; the one
//! command that writes on request (`--plot FILE`) writes that file only, atomically.

use crate::util::{root, Flopsheet};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Every file under `dir`: its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a folder") {
            let path = entry.expect("an entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_path_buf();
                files.insert(relative, (std::fs::read(&path).unwrap(), meta.modified().unwrap()));
            }
        }
    }
    files
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[track_caller]
fn expect_unchanged(dir: &Path, before: &BTreeMap<PathBuf, (Vec<u8>, SystemTime)>, after_what: &str) {
    let after = snapshot(dir);
    let names = |m: &BTreeMap<PathBuf, _>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&after),
        names(before),
        "files appeared or vanished after {after_what}"
    );
    for (path, (bytes, modified)) in before {
        let (now_bytes, now_modified) = &after[path];
        assert!(now_bytes == bytes, "{} changed after {after_what}", path.display());
        assert_eq!(
            now_modified,
            modified,
            "{} was written after {after_what}",
            path.display()
        );
    }
}

/// A temporary folder with `workbooks/`, `plugins/` and `invalid/` (the corpus) copied in.
fn workspace_copy() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("flopsheet-untouched-")
        .tempdir()
        .unwrap();
    copy_tree(&root().join("workbooks"), &dir.path().join("workbooks"));
    copy_tree(&root().join("plugins"), &dir.path().join("plugins"));
    copy_tree(&root().join("tests/fixtures/invalid"), &dir.path().join("invalid"));
    dir
}

#[test]
fn no_reading_command_modifies_a_workbook_or_a_pack() {
    let dir = workspace_copy();
    let before = snapshot(dir.path());
    // Let a write, if any, show in the modification times even on a coarse clock.
    std::thread::sleep(Duration::from_millis(20));
    let acc = "workbooks/accelerators.ron";
    let tc = "workbooks/training_cost.ron";
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["show", tc, "--format", "csv"],
        vec!["show", tc, "--format", "json", "--set", "mfu=0.3"],
        vec![
            "show",
            tc,
            "--format",
            "markdown",
            "--set",
            "tpu_v4.usd_per_hour_1yr=3.22",
        ],
        vec!["get", tc, "training.palm.cost_usd", "mfu", "--format", "json"],
        vec!["explain", tc, "training.palm.cost_usd"],
        vec!["check", tc, "--set", "mfu=0"],
        vec!["packs", "--values"],
        vec!["workbooks"],
        vec!["compare", acc],
        vec!["compare", acc, "--format", "json"],
        vec![
            "sweep",
            acc,
            "--vary",
            "mfu_serving=0.1..0.5:3",
            "--show",
            "serving.usd_per_1k_tokens",
        ],
        vec![
            "sweep",
            acc,
            "--vary",
            "hardware=a100_80gb,h100_sxm",
            "--show",
            "training.cost_usd",
        ],
        vec![
            "solve",
            acc,
            "--target",
            "search.margin_per_query=0",
            "--by",
            "usd_per_hour",
        ],
        vec!["sensitivity", acc, "training.cost_usd", "--by", "10%"],
        vec!["show", acc, "--slot", "hardware=h200"],
    ];
    let mut files: Vec<String> = Vec::new();
    for folder in ["workbooks", "invalid"] {
        for entry in std::fs::read_dir(dir.path().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ron") {
                files.push(format!("{folder}/{}", path.file_name().unwrap().to_string_lossy()));
            }
        }
    }
    files.sort();
    for file in &files {
        commands.push(vec!["check", file]);
        commands.push(vec!["show", file, "--format", "json"]);
    }
    for args in &commands {
        let out = Flopsheet::new().current_dir(dir.path()).args(args).run();
        assert!(matches!(out.code, Some(0..=2)), "{out:?}");
    }
    expect_unchanged(dir.path(), &before, "the reading commands");
}

/// `flopsheet watch` reads and re-reads the files; it never writes one.
#[test]
fn watching_modifies_nothing() {
    let dir = workspace_copy();
    let before = snapshot(dir.path());
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flopsheet"))
        .args(["watch", "workbooks/training_cost.ron", "--format", "csv"])
        .current_dir(dir.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("FLOPSHEET_PLUGIN_PATH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Lines are read on a thread, so that a watcher that prints nothing cannot hang the test.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    while !seen.contains("watching training_cost.ron") {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => seen.push_str(&(line + "\n")),
            Err(_) => {
                let _ = child.kill();
                panic!("watch did not start:\n{seen}");
            }
        }
    }
    // Touching nothing, let it watch for a while.
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    expect_unchanged(dir.path(), &before, "watch");
}

/// `--plot FILE` writes FILE, and nothing else: no temporary file is left beside it, and the
/// workbook is untouched. Written again, the file is replaced whole.
#[test]
fn a_plot_is_the_only_file_written() {
    let dir = workspace_copy();
    let before = snapshot(dir.path());
    let acc = "workbooks/accelerators.ron";
    for _ in 0..2 {
        Flopsheet::new()
            .current_dir(dir.path())
            .args(["sweep", acc, "--vary", "mfu_serving=0.1..0.5:3"])
            .args(["--show", "serving.usd_per_1k_tokens", "--plot", "sweep.svg"])
            .run()
            .success();
    }
    let plot = dir.path().join("sweep.svg");
    let svg = std::fs::read_to_string(&plot).expect("the plot was written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    std::fs::remove_file(&plot).unwrap();
    expect_unchanged(dir.path(), &before, "sweep --plot");
}
