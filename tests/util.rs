//! Helpers shared by the integration tests: run the `flopsheet` binary as a process, always
//! isolated from the machine it runs on, and compare numbers.
//!
//! Isolation: every run gets a fresh temporary `HOME` and `XDG_CONFIG_HOME` (so no user plugin
//! folder leaks in), `FLOPSHEET_PLUGIN_PATH` removed, and the repository root as its current
//! folder unless a test asks for another.

use assert_cmd::Command;
use serde_json::{Map, Value};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The repository root: the shipped `workbooks/` and `plugins/` are read from here.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The repository root as a path.
pub fn root() -> &'static Path {
    Path::new(ROOT)
}

/// One `flopsheet` invocation being built, with its own empty home folder.
pub struct Flopsheet {
    cmd: Command,
    args: Vec<String>,
    home: TempDir,
}

impl Flopsheet {
    /// `flopsheet` with a fresh temporary `HOME`/`XDG_CONFIG_HOME`, no `FLOPSHEET_PLUGIN_PATH`,
    /// run from the repository root.
    pub fn new() -> Flopsheet {
        let home = tempfile::Builder::new()
            .prefix("flopsheet-home-")
            .tempdir()
            .expect("a temporary home folder");
        let mut cmd = Command::cargo_bin("flopsheet").expect("the flopsheet binary is built");
        cmd.current_dir(ROOT)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env_remove("FLOPSHEET_PLUGIN_PATH")
            .env_remove("NO_COLOR")
            .env_remove("COLUMNS");
        Flopsheet {
            cmd,
            args: Vec::new(),
            home,
        }
    }

    /// The temporary folder used as `HOME` and `XDG_CONFIG_HOME` for this run: the user plugin
    /// folder is `home()/flopsheet/plugins`.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Flopsheet {
        self.args.push(arg.as_ref().to_string_lossy().into_owned());
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Flopsheet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Flopsheet {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Flopsheet {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Flopsheet {
        self.cmd.env_remove(key);
        self
    }

    /// Runs the command to completion and captures what it printed.
    #[track_caller]
    pub fn run(mut self) -> Out {
        let output = self.cmd.output().expect("flopsheet runs");
        Out {
            command: format!("flopsheet {}", self.args.join(" ")),
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Runs `flopsheet ARGS...` isolated, from the repository root.
#[track_caller]
pub fn flopsheet<S: AsRef<OsStr>>(args: &[S]) -> Out {
    Flopsheet::new().args(args).run()
}

/// What one run printed, and how it exited.
pub struct Out {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Debug for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n---",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

impl Out {
    /// Exit code 0.
    #[track_caller]
    pub fn success(self) -> Out {
        assert_eq!(self.code, Some(0), "expected success:\n{self:?}");
        self
    }

    /// Exit code 0 and nothing on stderr.
    #[track_caller]
    pub fn clean(self) -> Out {
        let out = self.success();
        assert!(out.stderr.is_empty(), "expected no diagnostics:\n{out:?}");
        out
    }

    /// Exit code 1, an `error:` on stderr, and nothing on stdout.
    #[track_caller]
    pub fn failure(self) -> Out {
        assert_eq!(self.code, Some(1), "expected exit code 1:\n{self:?}");
        assert!(self.stdout.is_empty(), "expected an empty stdout on failure:\n{self:?}");
        assert!(self.stderr.contains("error"), "expected an error on stderr:\n{self:?}");
        self
    }

    /// Exit code 1 with diagnostics on stderr, whatever is on stdout (a table may still be
    /// printed, its error cells showing their code).
    #[track_caller]
    pub fn workbook_errors(self) -> Out {
        assert_eq!(self.code, Some(1), "expected exit code 1:\n{self:?}");
        assert!(self.stderr.contains("error"), "expected an error on stderr:\n{self:?}");
        self
    }

    /// Exit code 0 with the workbook's errors on stderr as warnings: `show` (and `get` of
    /// other cells) prints error values as values, as a spreadsheet does.
    #[track_caller]
    pub fn shown_with_warnings(self) -> Out {
        assert_eq!(self.code, Some(0), "expected exit code 0:\n{self:?}");
        assert!(
            self.stderr.contains("warning: "),
            "expected a warning on stderr:\n{self:?}"
        );
        assert!(
            !self.stderr.contains("error: "),
            "expected no error on stderr:\n{self:?}"
        );
        self
    }

    /// Exit code 2 (bad usage), nothing on stdout.
    #[track_caller]
    pub fn usage_error(self) -> Out {
        assert_eq!(self.code, Some(2), "expected exit code 2 (bad usage):\n{self:?}");
        assert!(
            self.stdout.is_empty(),
            "expected an empty stdout on bad usage:\n{self:?}"
        );
        assert!(!self.stderr.is_empty(), "expected a message on stderr:\n{self:?}");
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Out {
        assert!(self.stdout.contains(needle), "expected `{needle}` on stdout:\n{self:?}");
        self
    }

    #[track_caller]
    pub fn stdout_lacks(self, needle: &str) -> Out {
        assert!(
            !self.stdout.contains(needle),
            "expected no `{needle}` on stdout:\n{self:?}"
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Out {
        assert!(self.stderr.contains(needle), "expected `{needle}` on stderr:\n{self:?}");
        self
    }

    #[track_caller]
    pub fn stderr_lacks(self, needle: &str) -> Out {
        assert!(
            !self.stderr.contains(needle),
            "expected no `{needle}` on stderr:\n{self:?}"
        );
        self
    }

    /// The stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self:?}"))
    }
}

/// Runs a command that must succeed and print JSON.
#[track_caller]
pub fn run_json(args: &[&str]) -> Value {
    flopsheet(args).clean().json()
}

/// `flopsheet get WORKBOOK NAMES... --format json`: each name mapped to its value (a number, or
/// an error code as a string). The command must succeed and answer every name, in order.
#[track_caller]
pub fn get(workbook: &str, names: &[&str]) -> Map<String, Value> {
    get_with(workbook, names, &[])
}

/// [`get`] with extra arguments (`--set NAME=VALUE`, `--plugins DIR`).
#[track_caller]
pub fn get_with(workbook: &str, names: &[&str], extra: &[&str]) -> Map<String, Value> {
    get_by(Flopsheet::new(), workbook, names, extra)
}

/// [`get_with`] run by `flopsheet` (from a sandbox's folder, say).
#[track_caller]
pub fn get_by(flopsheet: Flopsheet, workbook: &str, names: &[&str], extra: &[&str]) -> Map<String, Value> {
    let out = flopsheet
        .arg("get")
        .arg(workbook)
        .args(names)
        .args(["--format", "json"])
        .args(extra)
        .run()
        .clean();
    let Value::Object(map) = out.json() else {
        panic!("`get --format json` did not print one object:\n{out:?}")
    };
    let keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys, names,
        "`get --format json` answers each name asked, in order:\n{out:?}"
    );
    map
}

/// Reading a number out of the answer of [`get`].
pub trait Num {
    fn num(&self, name: &str) -> f64;
}

impl Num for Map<String, Value> {
    #[track_caller]
    fn num(&self, name: &str) -> f64 {
        match self.get(name) {
            Some(Value::Number(n)) => n.as_f64().expect("a finite number"),
            Some(other) => panic!("`{name}` is not a number: {other}"),
            None => panic!("no `{name}` in {self:?}"),
        }
    }
}

/// Relative error of `actual` against `want` at most 1e-9 (absolute when `want` is 0).
#[track_caller]
pub fn expect_exact(actual: f64, want: f64) {
    let error = if want == 0.0 {
        actual.abs()
    } else {
        ((actual - want) / want).abs()
    };
    assert!(
        error <= 1e-9,
        "expected {want:e} (relative error <= 1e-9), got {actual:e} (relative error {error:e})"
    );
}

/// `actual` rounded to `decimals` decimals is the figure `printed` (as printed at that
/// precision): e.g. `expect_rounds_to(0.0095667, 0.010, 3)`.
#[track_caller]
pub fn expect_rounds_to(actual: f64, printed: f64, decimals: i32) {
    let scale = 10f64.powi(decimals);
    let got = (actual * scale).round();
    let want = (printed * scale).round();
    assert!(
        got == want,
        "expected {actual} to round to {printed} at {decimals} decimal(s), it rounds to {}",
        got / scale
    );
}

/// The shipped workbooks: `workbooks/*.ron`, sorted.
pub fn shipped_workbooks() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("workbooks"))
        .expect("the workbooks folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workbooks/*.ron");
    files
}

/// `search_cost` for `workbooks/search_cost.ron`.
pub fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// A temporary folder to write workbooks and packs into. It holds an empty `plugins/` folder,
/// so that a workbook written here never picks up a `plugins/` folder of an ancestor of the
/// temporary directory.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("flopsheet-test-")
            .tempdir()
            .expect("a temporary folder");
        std::fs::create_dir(dir.path().join("plugins")).expect("plugins/");
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative` (creating folders), returns the full path.
    #[track_caller]
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create the folder");
        std::fs::write(&path, text).expect("write the file");
        path
    }

    /// `flopsheet`, isolated, run from this folder.
    pub fn flopsheet(&self) -> Flopsheet {
        Flopsheet::new().current_dir(self.path())
    }
}

/// 1-based line and column (in characters) of the only occurrence of `needle` in `text`.
#[track_caller]
pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    let mut found = text.match_indices(needle);
    let (offset, _) = found.next().unwrap_or_else(|| panic!("`{needle}` is not in the text"));
    assert!(found.next().is_none(), "`{needle}` occurs more than once in the text");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

/// `file:line:col` of the only occurrence of `needle` in `text`, as diagnostics print it.
#[track_caller]
pub fn location(file: &str, text: &str, needle: &str) -> String {
    let (line, column) = locate(text, needle);
    format!("{file}:{line}:{column}")
}
