//! The integration tests of flopsheet, one test binary (as ripgrep does): the `flopsheet`
//! binary run as a process, isolated from the machine's home and plugin folders.
//!
//! - `aggregates`: `sum(TABLE.COLUMN)` and the other aggregates, from the command line;
//! - `article`: every figure of the article, on every shipped workbook;
//! - `hostile_inputs`: workbooks written to be slow, shared with `benches/engine.rs`;
//! - `charts`: `--plot` charts read back (ticks by unit, titles, legends, log axes, PNG);
//! - `cli`: the command-line contract (commands, formats, exit codes, diagnostics);
//! - `export`: `flopsheet export` to .xlsx and JSON (files, refusals, scenarios, warnings);
//! - `exit_codes`: every row of the README's table of exit codes;
//! - `json`: the `--format json` shape of every command (docs/json.md);
//! - `getting_started`: `new`, completions, `--help` examples;
//! - `modern`: the transformer method pack, serving and frontier training;
//! - `invalid`: the corpus of invalid inputs, each diagnostic held by a snapshot; no panics;
//! - `language`: workbook functions, packs that require packs, slot-qualified names;
//! - `missing`: values declared missing (`#N/A`), `isna` and `ifna`, from the command line;
//! - `plugins`: packs found on the plugin search path, overriding and shadowing;
//! - `references`: published figures beside estimates: show, check --references, solve to one;
//! - `properties`: loading then printing a generated workbook is stable (proptest);
//! - `uncertainty`: `simulate` and `compare --simulate` against closed forms, seeds, errors;
//! - `untouched`: no command modifies a workbook or a pack;
//! - `untrusted`: packs, pack ids and slots cannot reach outside the plugin search path;
//! - `watch`: `flopsheet watch` as a long-running process on files being saved;
//! - `whatif`: scenarios, sweeps, goal seek and sensitivity against independent runs.

mod hostile_inputs;
mod util;

mod aggregates;
mod article;
mod charts;
mod cli;
mod exit_codes;
mod export;
mod getting_started;
mod invalid;
mod json;
mod language;
mod missing;
mod modern;
mod narrow;
mod plugins;
mod properties;
mod references;
mod uncertainty;
mod untouched;
mod untrusted;
mod watch;
mod whatif;
