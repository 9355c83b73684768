//! The integration tests of flopsheet, one test binary (as ripgrep does): the `flopsheet`
//! binary run as a process, isolated from the machine's home and plugin folders.
//!
//! - `article`: every figure of the article, on every shipped workbook;
//! - `cli`: the command-line contract (commands, formats, exit codes, diagnostics);
//! - `plugins`: packs found on the plugin search path, overriding and shadowing;
//! - `watch`: `flopsheet watch` as a long-running process on files being saved;
//! - `whatif`: scenarios, sweeps, goal seek and sensitivity against independent runs.

mod util;

mod article;
mod cli;
mod plugins;
mod watch;
mod whatif;
