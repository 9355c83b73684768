//! Arbitrary bytes as a workbook file, through the loader the CLI uses (built-in packs only),
//! then printed as the CLI prints it. Never a panic; every diagnostic points into its file.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = common::write("workbook.ron", bytes);
    common::exercise(common::load(path));
});
