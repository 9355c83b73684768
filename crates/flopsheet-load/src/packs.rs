//! Finding packs: the search path, its precedence, and the built-in packs.
//!
//! A pack is found by id: `<id>.ron` anywhere under a plugin folder (`plugins/hardware/h100_sxm.ron`).
//! Folders are searched in this order, and the first that has the id wins:
//!
//! 1. `--plugins DIR` folders, in the order given;
//! 2. `FLOPSHEET_PLUGIN_PATH`, a list of folders separated like `PATH`;
//! 3. the user folder, `$XDG_CONFIG_HOME/flopsheet/plugins` (or `~/.config/flopsheet/plugins`);
//! 4. the workspace folder: `plugins/` in the workbook's folder or its nearest ancestor that has one;
//! 5. the packs built into the binary (the `plugins/` folder flopsheet was built with).
//!
//! Two packs with the same id in one folder are an error naming both files; across folders the
//! higher one overrides the lower (and `flopsheet packs` shows what it shadows). Only `.ron`
//! files are read, symlinks are not followed out of a folder, and ids are plain identifiers,
//! so a `packs:` entry cannot reach outside the search path.

use std::path::{Path, PathBuf};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// Deepest folder nesting searched under a plugin folder.
const MAX_DEPTH: usize = 4;

/// Where a folder on the search path comes from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Flag,
    Env,
    User,
    Workspace,
    Builtin,
}

impl Level {
    pub fn describe(self) -> &'static str {
        match self {
            Level::Flag => "--plugins",
            Level::Env => "FLOPSHEET_PLUGIN_PATH",
            Level::User => "user folder",
            Level::Workspace => "workspace",
            Level::Builtin => "built in",
        }
    }
}

/// Where a pack's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackLocation {
    File(PathBuf),
    Builtin { path: &'static str, text: &'static str },
}

impl PackLocation {
    /// The name shown in diagnostics and listings.
    pub fn display(&self) -> String {
        match self {
            PackLocation::File(p) => p.display().to_string(),
            PackLocation::Builtin { path, .. } => format!("<built-in>/{path}"),
        }
    }
}

/// One file that claims a pack id.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub level: Level,
    /// Which folder of the search path it is in (the order of precedence).
    pub folder: usize,
    pub location: PackLocation,
}

/// The ordered list of plugin folders.
#[derive(Debug, Clone, Default)]
pub struct SearchPath {
    folders: Vec<(Level, PathBuf)>,
    builtin: bool,
}

impl SearchPath {
    /// A search path with built-ins and nothing else.
    pub fn builtin_only() -> SearchPath {
        SearchPath {
            folders: Vec::new(),
            builtin: true,
        }
    }

    /// The standard search path for a workbook at `workbook_dir` (or the current folder).
    pub fn standard(
        flag_dirs: &[PathBuf],
        env: Option<&std::ffi::OsStr>,
        user: Option<PathBuf>,
        workbook_dir: &Path,
    ) -> Self {
        let mut folders: Vec<(Level, PathBuf)> = flag_dirs.iter().map(|d| (Level::Flag, d.clone())).collect();
        if let Some(env) = env {
            folders.extend(
                std::env::split_paths(env)
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(|p| (Level::Env, p)),
            );
        }
        if let Some(user) = user {
            folders.push((Level::User, user));
        }
        if let Some(ws) = workbook_dir.ancestors().map(|a| a.join("plugins")).find(|p| p.is_dir()) {
            folders.push((Level::Workspace, ws));
        }
        SearchPath { folders, builtin: true }
    }

    /// The user plugin folder from the environment: `$XDG_CONFIG_HOME/flopsheet/plugins`, or
    /// `$HOME/.config/flopsheet/plugins`.
    pub fn user_folder() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("flopsheet").join("plugins"))
    }

    pub fn folders(&self) -> &[(Level, PathBuf)] {
        &self.folders
    }

    /// Every pack file on the path, highest precedence first.
    pub fn candidates(&self) -> Vec<Candidate> {
        let mut out = Vec::new();
        for (index, (level, folder)) in self.folders.iter().enumerate() {
            let mut files = Vec::new();
            walk(folder, 0, &mut files);
            files.sort();
            for file in files {
                if let Some(id) = file.file_stem().and_then(|s| s.to_str()) {
                    out.push(Candidate {
                        id: id.to_string(),
                        level: *level,
                        folder: index,
                        location: PackLocation::File(file.clone()),
                    });
                }
            }
        }
        if self.builtin {
            for &(path, text) in builtin::PACKS {
                let id = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                out.push(Candidate {
                    id: id.to_string(),
                    level: Level::Builtin,
                    folder: self.folders.len(),
                    location: PackLocation::Builtin { path, text },
                });
            }
        }
        out
    }
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        // `file_type` does not follow symlinks: a link cannot lead the search out of the folder.
        let Ok(kind) = entry.file_type() else { continue };
        if hidden {
            continue;
        }
        if kind.is_dir() {
            walk(&path, depth + 1, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
}

/// The workbooks built into the binary: `(path, text)`, e.g. `("workbooks/search_cost.ron", ...)`.
pub fn builtin_workbooks() -> &'static [(&'static str, &'static str)] {
    builtin::WORKBOOKS
}

/// Whether `id` is a plain pack id: lowercase letters, digits and `_`, starting with a letter.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= 64
}
