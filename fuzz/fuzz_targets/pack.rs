//! Arbitrary bytes as a pack file, loaded by a workbook that lists it, reads every one of its
//! values and calls every one of its functions. Never a panic; every diagnostic points into
//! its file.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

/// The id the pack says it has, when it parses and is a plain id (the file is named after it,
/// so that shipped packs used as seeds load in full); otherwise `fuzzed`.
fn id_and_calls(bytes: &[u8]) -> (String, Vec<String>) {
    let parsed = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| ron::from_str::<flopsheet_load::raw::RawPack>(text).ok());
    let Some(pack) = parsed else {
        return ("fuzzed".into(), Vec::new());
    };
    let id = if flopsheet_load::packs::is_valid_id(&pack.id) {
        pack.id.clone()
    } else {
        "fuzzed".into()
    };
    let mut cells = Vec::new();
    for (i, name) in pack.values.keys().take(64).enumerate() {
        cells.push(format!("\"v{i}\": {:?}", format!("{id}.{name}")));
    }
    for (i, (name, function)) in pack.functions.iter().take(64).enumerate() {
        let args: Vec<String> = (0..function.params.len().min(16))
            .map(|a| format!("{}.5", a + 1))
            .collect();
        cells.push(format!("\"f{i}\": {:?}", format!("{name}({})", args.join(", "))));
    }
    (id, cells)
}

fuzz_target!(|bytes: &[u8]| {
    let (id, cells) = id_and_calls(bytes);
    // Only this pack in the scratch plugin folder.
    let folder = common::scratch().join("plugins/hardware");
    if let Ok(entries) = std::fs::read_dir(&folder) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    common::write(&format!("plugins/hardware/{id}.ron"), bytes);
    let workbook = format!(
        "Workbook(title: \"pack\", packs: [{id:?}], cells: {{ {} }}, tables: [Table(name: \"all\", cells: [{}])])",
        cells.join(", "),
        (0..cells.len())
            .map(|i| format!(
                "{:?}",
                cells[i].split(':').next().unwrap_or("").trim().trim_matches('"')
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let path = common::write("uses_pack.ron", workbook.as_bytes());
    common::exercise(common::load(path));
});
