//! `flopsheet watch` driven as a real process on files in a temporary folder: in-place writes,
//! rename-over saves, pack edits, bad saves, deletion and re-creation, Ctrl-C.
//!
//! Every wait is for the watcher's own output, with a generous timeout, never a sleep tuned to
//! this machine.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

const PACK: &str = r#"Pack(id: "gpu_x", kind: "hardware", name: "GPU X",
    values: { "usd_per_hour": (value: 2.0, unit: "USD/h", source: "test", date: "2026-01") })
"#;

fn workbook(hours: &str, cost_formula: &str) -> String {
    format!(
        r#"Workbook(
    title: "Watch test",
    packs: ["gpu_x"],
    cells: {{
        "hours": (value: {hours}, unit: "h"),
        "cost": (formula: "{cost_formula}", unit: "USD"),
        "other": 7,
    }},
    tables: [Table(name: "t", cells: ["hours", "cost", "other"])],
)
"#
    )
}

/// A running `flopsheet watch` and everything it has printed so far.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
    /// Output not yet consumed by a wait.
    pending: String,
}

impl Watcher {
    fn start(dir: &Path, extra: &[&str]) -> Watcher {
        let home = dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_flopsheet"))
            .arg("watch")
            .arg("model.ron")
            .args(if extra.is_empty() {
                &["--format", "csv"][..]
            } else {
                extra
            })
            .current_dir(dir)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .env_remove("FLOPSHEET_PLUGIN_PATH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("flopsheet starts");
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send(l)))
        });
        std::thread::spawn(move || {
            BufReader::new(err)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx2.send(format!("stderr: {l}"))))
        });
        let mut w = Watcher {
            child,
            lines: rx,
            pending: String::new(),
        };
        w.wait_for("the first tables", |out| out.contains("watching model.ron"));
        w
    }

    /// Reads output until `done` holds for everything printed since the last wait; returns it.
    #[track_caller]
    fn wait_for(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        while !done(&self.pending) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.pending.push_str(&line);
                    self.pending.push('\n');
                }
                Err(_) => panic!("timed out waiting for {what}; output so far:\n{}", self.pending),
            }
        }
        std::mem::take(&mut self.pending)
    }

    /// Waits for the reprint whose `cost` row shows `value`.
    #[track_caller]
    fn wait_for_cost(&mut self, value: &str) -> String {
        let row = format!("t,cost,value,cost,{value},USD");
        self.wait_for(&format!("cost = {value}"), |out| {
            out.lines().any(|l| l == row) && out.contains(" ms\n")
        })
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("plugins/hardware")).unwrap();
    std::fs::write(dir.path().join("plugins/hardware/gpu_x.ron"), PACK).unwrap();
    std::fs::write(
        dir.path().join("model.ron"),
        workbook("10", "hours * gpu_x.usd_per_hour"),
    )
    .unwrap();
    let path = dir.path().join("model.ron");
    (dir, path)
}

/// Saves as vim, Helix and JetBrains do: write a temporary file, rename it over the original.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("ron.tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn an_input_edited_in_place_is_recomputed() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    std::fs::write(&path, workbook("25", "hours * gpu_x.usd_per_hour")).unwrap();
    let out = w.wait_for_cost("50");
    assert!(
        out.contains("model.ron: 1 input changed (hours), 1 cell recomputed"),
        "{out}"
    );
}

#[test]
fn a_rename_over_save_is_picked_up_every_time() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    for hours in [11, 12, 13] {
        save_by_rename(&path, &workbook(&hours.to_string(), "hours * gpu_x.usd_per_hour"));
        w.wait_for_cost(&(hours * 2).to_string());
    }
}

#[test]
fn a_pack_edit_recomputes_the_workbook() {
    let (dir, _) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    save_by_rename(
        &dir.path().join("plugins/hardware/gpu_x.ron"),
        &PACK.replace("2.0", "3.5"),
    );
    let out = w.wait_for_cost("35");
    // The changed input is named, though no table shows it.
    assert!(
        out.contains("gpu_x.ron: 1 input changed (gpu_x.usd_per_hour), 1 cell recomputed"),
        "{out}"
    );
}

#[test]
fn a_bad_save_keeps_the_last_good_model_and_a_good_one_recovers() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    std::fs::write(&path, workbook("10", "hours * ")).unwrap();
    let out = w.wait_for("the error", |o| {
        o.contains("error; showing the last good model") && o.contains("model.ron:6:")
    });
    assert!(
        out.contains("t,cost,value,cost,20,USD"),
        "the last good values stay on screen:\n{out}"
    );
    std::fs::write(&path, workbook("10", "hours * gpu_x.usd_per_hour + undefined_name")).unwrap();
    let out = w.wait_for("the unknown name", |o| {
        o.contains("unknown name `undefined_name`") && o.contains("last good")
    });
    assert!(out.contains("t,cost,value,cost,20,USD"), "{out}");
    std::fs::write(&path, workbook("30", "hours * gpu_x.usd_per_hour")).unwrap();
    w.wait_for_cost("60");
}

#[test]
fn a_deleted_and_recreated_workbook_is_picked_up() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    std::fs::remove_file(&path).unwrap();
    w.wait_for("the deletion", |o| o.contains("error; showing the last good model"));
    std::fs::write(&path, workbook("40", "hours * gpu_x.usd_per_hour")).unwrap();
    w.wait_for_cost("80");
}

#[test]
fn a_new_pack_is_picked_up_without_a_restart() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    let with_new_pack = workbook("10", "hours * gpu_y.usd_per_hour").replace(r#"["gpu_x"]"#, r#"["gpu_x", "gpu_y"]"#);
    save_by_rename(&path, &with_new_pack);
    w.wait_for("the missing pack", |o| o.contains("no pack `gpu_y`"));
    let pack = PACK.replace("gpu_x", "gpu_y").replace("2.0", "5.0");
    std::fs::write(dir.path().join("plugins/hardware/gpu_y.ron"), pack).unwrap();
    w.wait_for_cost("50");
}

#[test]
fn changed_values_are_marked_in_text_tables() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &["--format", "table", "--width", "100"]);
    save_by_rename(&path, &workbook("15", "hours * gpu_x.usd_per_hour"));
    let out = w.wait_for("the marked change", |o| o.contains(" ms\n"));
    assert!(out.contains("$20.0 → $30.0"), "{out}");
    assert!(!out.contains("7 →"), "unchanged values are not marked:\n{out}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_cleanly() {
    let (dir, _) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    let pid = w.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = w.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "the watcher did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_burst_of_saves_ends_with_the_last_one() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    for hours in 1..=200 {
        if hours % 2 == 0 {
            save_by_rename(&path, &workbook(&hours.to_string(), "hours * gpu_x.usd_per_hour"));
        } else {
            std::fs::write(&path, workbook(&hours.to_string(), "hours * gpu_x.usd_per_hour")).unwrap();
        }
    }
    w.wait_for_cost("400");
}

/// A save caught half written (the file cut in the middle of a value), then an empty file (an
/// editor truncates before it writes): the last good model stays, and the full save after
/// them is picked up.
#[test]
fn a_save_cut_in_half_keeps_the_last_good_model() {
    let (dir, path) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    let full = workbook("30", "hours * gpu_x.usd_per_hour");
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    let out = w.wait_for("the half-written file", |o| {
        o.contains("error; showing the last good model")
            && o.contains("a string is not closed")
            && o.contains("model.ron:6:")
    });
    assert!(
        out.contains("t,cost,value,cost,20,USD"),
        "the last good values stay:\n{out}"
    );
    std::fs::write(&path, "").unwrap();
    let out = w.wait_for("the empty file", |o| {
        o.contains("error; showing the last good model") && o.contains("the file is empty")
    });
    assert!(
        out.contains("t,cost,value,cost,20,USD"),
        "the last good values stay:\n{out}"
    );
    std::fs::write(&path, &full).unwrap();
    w.wait_for_cost("60");
}

/// A pack saved half written leaves the model as it was; the full save recomputes.
#[test]
fn a_pack_cut_in_half_keeps_the_last_good_model() {
    let (dir, _) = setup();
    let mut w = Watcher::start(dir.path(), &[]);
    let pack_path = dir.path().join("plugins/hardware/gpu_x.ron");
    let new_pack = PACK.replace("2.0", "4.0");
    save_by_rename(&pack_path, &new_pack[..new_pack.len() / 2]);
    let out = w.wait_for("the half-written pack", |o| {
        o.contains("error; showing the last good model") && o.contains("gpu_x.ron:")
    });
    assert!(
        out.contains("t,cost,value,cost,20,USD"),
        "the last good values stay:\n{out}"
    );
    save_by_rename(&pack_path, &new_pack);
    w.wait_for_cost("40");
}

/// A pack function saved with a typo, then fixed: the last good model stays whole meanwhile,
/// and the fix recomputes the cells that call it. (The engine once kept the cell's `#NAME`
/// error: the failed compile did not record which function the cell calls.)
#[test]
fn a_pack_function_saved_broken_then_fixed_recovers() {
    let (dir, path) = setup();
    let pack_path = dir.path().join("plugins/hardware/gpu_x.ron");
    let pack = |body: &str| {
        PACK.replace(
            "values: {",
            &format!("functions: {{ \"cost_of\": (params: [\"h\"], formula: \"{body}\") }},\n    values: {{"),
        )
    };
    std::fs::write(&pack_path, pack("h * usd_per_hour")).unwrap();
    std::fs::write(&path, workbook("10", "cost_of(hours)")).unwrap();
    let mut w = Watcher::start(dir.path(), &[]);
    save_by_rename(&path, &workbook("11", "cost_of(hours)"));
    w.wait_for_cost("22");
    save_by_rename(&pack_path, &pack("h * usd_per_hourr"));
    let out = w.wait_for("the typo", |o| {
        o.contains("error; showing the last good model") && o.contains("unknown name `usd_per_hourr`")
    });
    assert!(
        out.contains("t,cost,value,cost,22,USD"),
        "the last good values stay:\n{out}"
    );
    save_by_rename(&pack_path, &pack("h * usd_per_hour * 2"));
    w.wait_for_cost("44");
}
