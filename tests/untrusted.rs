//! Packs are untrusted data: nothing a pack, a `packs:` entry or a slot says can make
//! flopsheet read a file outside the plugin search path, follow a link out of a plugin folder,
//! or block on something that is not a regular file.

use crate::util::{location, Sandbox};
use std::path::Path;
use std::time::Duration;

/// A valid pack, outside every plugin folder: if flopsheet ever read it, its value would show.
const SECRET: &str = r#"Pack(id: "secret", kind: "other", name: "Secret", values: { "value": 424242 })"#;

/// `flopsheet ARGS` in `dir`, isolated, killed if it runs for more than 60 seconds (a read of a
/// FIFO or of `/dev/zero` would block or never end).
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("flopsheet")
        .unwrap()
        .current_dir(dir)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("FLOPSHEET_PLUGIN_PATH")
        .args(["--color", "never"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("flopsheet runs");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (output.status.code(), text(output.stdout), text(output.stderr))
}

#[test]
fn no_pack_id_or_slot_reaches_outside_the_search_path() {
    let sandbox = Sandbox::new();
    sandbox.write("outside/secret.ron", SECRET);
    sandbox.write("plugins/other/secret.ron", "this file is never read for a path id");
    let ids = [
        "../outside/secret",
        "../../outside/secret",
        "/etc/passwd",
        "outside/secret",
        "secret.ron",
        "..",
        "",
        "SECRET\u{0}",
    ];
    for id in ids {
        let text = format!("Workbook(title: \"t\", packs: [{id:?}], cells: {{ \"x\": 1 }})\n");
        sandbox.write("model.ron", &text);
        let (code, stdout, stderr) = run(sandbox.path(), &["check", "model.ron"]);
        assert_eq!(code, Some(1), "{id:?}: {stderr}");
        assert!(stdout.is_empty() && !stderr.contains("424242"), "{id:?}: {stderr}");
        assert!(stderr.contains("is not a pack id"), "{id:?}: {stderr}");
        assert!(
            stderr.contains(&location("model.ron", &text, &format!("{id:?}"))),
            "{id:?}: {stderr}"
        );
    }
    // A slot, in the workbook, on the command line, and in a scenario.
    let text = "Workbook(title: \"t\", slots: { \"hw\": \"../outside/secret\" }, cells: { \"x\": \"hw.value\" })\n";
    sandbox.write("slot.ron", text);
    let (code, _, stderr) = run(sandbox.path(), &["check", "slot.ron"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("`../outside/secret` is not a pack id"), "{stderr}");
    assert!(!stderr.contains("424242"));
    let text = "Workbook(title: \"t\", packs: [\"h100_sxm\"], slots: { \"hw\": \"h100_sxm\" }, cells: { \"x\": \"hw.power_w\" },\n    scenarios: [Scenario(name: \"escape\", slots: { \"hw\": \"../outside/secret\" })])\n";
    sandbox.write("scenario.ron", text);
    for args in [
        &["get", "scenario.ron", "x", "--slot", "hw=../outside/secret"][..],
        &["compare", "scenario.ron", "--show", "x"][..],
    ] {
        let (code, stdout, stderr) = run(sandbox.path(), args);
        assert_eq!(code, Some(1), "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("`../outside/secret` is not a pack id"),
            "{args:?}: {stderr}"
        );
        assert!(!stdout.contains("424242") && !stderr.contains("424242"));
    }
}

/// Links out of a plugin folder, to a device, and a FIFO named like a pack: none is read (a
/// read of the FIFO would block, of `/dev/zero` never end), and `flopsheet packs` lists none.
#[cfg(unix)]
#[test]
fn links_devices_and_fifos_in_a_plugin_folder_are_not_read() {
    let sandbox = Sandbox::new();
    let outside = sandbox.write("outside/secret.ron", SECRET);
    let plugins = sandbox.path().join("plugins/hardware");
    std::fs::create_dir_all(&plugins).unwrap();
    std::os::unix::fs::symlink(&outside, plugins.join("secret.ron")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", plugins.join("zero.ron")).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", plugins.join("noise.ron")).unwrap();
    std::os::unix::fs::symlink(sandbox.path().join("outside"), plugins.join("linked")).unwrap();
    let fifo = plugins.join("fifo.ron");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    // A pack nested deeper than the search goes is not found either.
    sandbox.write(
        "plugins/a/b/c/d/e/f/deep.ron",
        r#"Pack(id: "deep", kind: "other", name: "Deep", values: { "value": 424242 })"#,
    );
    for id in ["secret", "zero", "noise", "fifo", "deep"] {
        let text = format!("Workbook(title: \"t\", packs: [\"{id}\"])\n");
        sandbox.write("model.ron", &text);
        let (code, _, stderr) = run(sandbox.path(), &["check", "model.ron"]);
        assert_eq!(code, Some(1), "{id}: {stderr}");
        assert!(
            stderr.contains(&format!("no pack `{id}` on the search path")),
            "{id}: {stderr}"
        );
    }
    let (code, stdout, stderr) = run(sandbox.path(), &["packs"]);
    assert_eq!(code, Some(0), "{stderr}");
    for id in ["secret ", "zero ", "noise ", "fifo ", "deep "] {
        assert!(!stdout.lines().any(|l| l.starts_with(id)), "{id}listed:\n{stdout}");
    }
    assert!(outside.exists());
}
