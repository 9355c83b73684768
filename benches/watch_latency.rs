//! Save-to-output latency of `flopsheet watch` on every shipped workbook.
//!
//! For each workbook: copy it and the plugin folder to a temporary folder, start a real
//! `flopsheet watch`, then repeatedly save the workbook the way vim does (write a temporary
//! file, rename it over the original) with one input changed, and time from the rename to the
//! moment the watcher's status line for the reprinted tables arrives on its stdout. That
//! includes the debounce, the reload, the incremental recompute and the rendering.
//!
//! Run: `cargo bench --bench watch_latency` (optionally `-- SAVES`, default 30).
//! Target: under 100 ms per save.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn main() {
    let saves: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(30);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut workbooks: Vec<_> = std::fs::read_dir(root.join("workbooks"))
        .expect("workbooks/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    workbooks.sort();
    println!(
        "{:<16} {:>6} {:>9} {:>9} {:>9}",
        "workbook", "saves", "median", "p90", "max"
    );
    for workbook in workbooks {
        let name = workbook.file_stem().unwrap().to_string_lossy().into_owned();
        let mut times = measure(root, &workbook, saves);
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "{:<16} {:>6} {:>9} {:>9} {:>9}",
            name,
            times.len(),
            ms(pick(0.5)),
            ms(pick(0.9)),
            ms(pick(1.0))
        );
    }
}

fn measure(root: &Path, workbook: &Path, saves: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_dir(&root.join("plugins"), &dir.path().join("plugins"));
    let target = dir.path().join("model.ron");
    let original = std::fs::read_to_string(workbook).expect("workbook text");
    std::fs::write(&target, &original).unwrap();
    let (at, old) = first_input(&original).expect("every shipped workbook has an input");

    let mut child = Command::new(env!("CARGO_BIN_EXE_flopsheet"))
        .args(["watch", "model.ron", "--format", "csv"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("FLOPSHEET_PLUGIN_PATH")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("flopsheet watch starts");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    let wait = |done: &dyn Fn(&str) -> bool| loop {
        let (when, line) = rx.recv_timeout(Duration::from_secs(30)).expect("the watcher answers");
        if done(&line) {
            return when;
        }
    };
    wait(&|l| l.starts_with("watching "));

    let mut times = Vec::with_capacity(saves);
    for k in 1..=saves {
        let value = old * (1.0 + k as f64 * 1e-3);
        let text = format!("{}{value}{}", &original[..at.start], &original[at.end..]);
        let tmp = dir.path().join(".model.ron.swp");
        std::fs::write(&tmp, text).unwrap();
        let saved = Instant::now();
        std::fs::rename(&tmp, &target).unwrap();
        let printed = wait(&|l| l.starts_with("model.ron: ") && l.ends_with(" ms"));
        times.push(printed - saved);
    }
    let _ = child.kill();
    let _ = child.wait();
    times
}

/// The span and value of the first `value: NUMBER` in a workbook.
fn first_input(text: &str) -> Option<(std::ops::Range<usize>, f64)> {
    let mut from = 0;
    while let Some(pos) = text[from..].find("value: ") {
        let start = from + pos + "value: ".len();
        let end = text[start..].find([',', ')', ' ']).map(|e| start + e)?;
        if let Ok(v) = text[start..end].parse::<f64>() {
            if v != 0.0 {
                return Some((start..end, v));
            }
        }
        from = end;
    }
    None
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}
