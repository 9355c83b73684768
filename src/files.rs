//! Writing files the user asked for: atomically, so that a crash or a full disk never leaves
//! a half-written file in place of a good one.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    beside(path, "tmp", bytes, |tmp| std::fs::rename(tmp, path))
}

/// Writes `bytes` to `path`, which must not exist: a temporary file beside it, synced, then
/// linked to `path`, which fails if something is there already, so that two writers (or a
/// file created meanwhile) never lose anything. The temporary file is removed either way.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    beside(path, "new", bytes, |tmp| {
        let linked = std::fs::hard_link(tmp, path);
        let _ = std::fs::remove_file(tmp);
        linked
    })
}

/// Writes and syncs `bytes` to a temporary file in `path`'s folder (same file system, so that
/// a rename or link is atomic), then `finish`es with it; the temporary file is removed if
/// anything fails.
fn beside(
    path: &Path,
    suffix: &str,
    bytes: &[u8],
    finish: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.flopsheet-{}.{suffix}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        finish(&tmp)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
