//! `flopsheet-bench WORKLOAD N [EDITS]`: runs one of the standard engine workloads of
//! `shared/bench/WORKLOADS.md` (`chain`, `fanout`, `sparse`), or flopsheet's `aggregate` (a
//! `sum` and a `mean` over a row table's column, see `workload.rs`), with N cells and prints
//! one JSON line:
//!
//! ```json
//! {"workload":"chain","cells":100000,"load_ms":0.0,"build_and_eval_ms":0.0,"edit_ms":0.0,"probe":0.0}
//! ```
//!
//! The workbook is generated as RON text, written to a temporary file and loaded through the
//! CLI's own path ([`Workspace::load`], run as its two steps [`Workspace::read`] and
//! [`Definitions::build`](flopsheet_load::Definitions::build) so that each is timed). The edits
//! set the workload's input to 2, 3, 4, … (20 edits unless EDITS says otherwise) through the
//! model's incremental API and read the probe cell after each. The probe is checked against the
//! workload's closed form; a wrong probe exits with status 1. Extra figures (peak memory, the
//! median and the fastest edit) go to stderr, so stdout is exactly the one JSON line.

mod heap;
mod workload;

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

use flopsheet_engine::Value;
use flopsheet_load::{LoadOptions, WorkbookSource, Workspace};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use workload::Workload;

const USAGE: &str = "usage: flopsheet-bench chain|fanout|sparse|aggregate N [EDITS]";

/// The temporary workbook file, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A field of /proc/self/status in MB: `VmHWM` (peak resident memory) or `VmRSS` (now).
fn memory_mb(field: &str) -> String {
    let kb = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        let line = status.lines().find(|l| l.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    kb.map_or("unknown".into(), |kb| format!("{:.1} MB", kb as f64 / 1024.0))
}

fn ms(from: Instant) -> f64 {
    from.elapsed().as_secs_f64() * 1e3
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("flopsheet-bench: {message}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(workload), Some(n)) = (
        args.first().and_then(|w| Workload::parse(w)),
        args.get(1).and_then(|n| n.replace('_', "").parse::<usize>().ok()),
    ) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let edits = match args.get(2).map(|e| e.parse::<usize>()) {
        None => 20,
        Some(Ok(e)) if e > 0 => e,
        Some(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if n < 4 || args.len() > 3 {
        eprintln!("{USAGE} (N at least 4)");
        return ExitCode::from(2);
    }

    let path = std::env::temp_dir().join(format!(
        "flopsheet-bench-{}-{}-{n}.ron",
        std::process::id(),
        workload.name()
    ));
    let file = TempFile(path);
    if let Err(e) = workload.write_file(n, &file.0) {
        return fail(format!("cannot write {}: {e}", file.0.display()));
    }

    // As the CLI does.
    flopsheet_load::memory::return_large_blocks();
    let count_heap = std::env::var_os("FLOPSHEET_BENCH_HEAP").is_some();
    heap::ON.store(count_heap, std::sync::atomic::Ordering::Relaxed);
    heap::take();
    // load: read the file, parse the RON, resolve names and parse every formula.
    let start = Instant::now();
    let definitions = match Workspace::read(WorkbookSource::File(file.0.clone()), LoadOptions::default()) {
        Ok(d) => d,
        Err(failure) => return fail(failure.render(false)),
    };
    let load_ms = ms(start);
    let rss_loaded = memory_mb("VmRSS");
    let peak_loaded = memory_mb("VmHWM");
    let heap_loaded = heap::take();
    // build and evaluate: compile, order the graph, evaluate every cell.
    let start = Instant::now();
    let mut ws = definitions.build();
    let build_and_eval_ms = ms(start);
    let rss_built = memory_mb("VmRSS");
    let heap_built = heap::take();
    if ws.has_errors() {
        return fail(ws.render_diagnostics(false));
    }
    if ws.model.len() != n {
        return fail(format!("the model has {} cells, not {n}", ws.model.len()));
    }

    let (input, probe) = workload.input_and_probe(n);
    let (Some(input), Some(probe)) = (ws.model.id(&input), ws.model.id(&probe)) else {
        return fail("the input or the probe cell is missing");
    };
    // The input as the file writes it, which a reload sets again.
    let Value::Num(written) = ws.model.value(input) else {
        return fail("the input holds an error");
    };
    let mut times = Vec::with_capacity(edits);
    let mut value = Value::Num(f64::NAN);
    let mut v = 1.0;
    for _ in 0..edits {
        v += 1.0;
        let start = Instant::now();
        if let Err(e) = ws.model.set_inputs(&[(input, v)]) {
            return fail(e);
        }
        value = ws.model.value(probe);
        times.push(ms(start));
    }
    let peak_edited = memory_mb("VmHWM");
    // A reload of the unchanged file, as `flopsheet watch` does on a save: every definition
    // read again and diffed, the edited input set back (and its dependents recomputed).
    heap::take();
    let start = Instant::now();
    if let Err(failure) = ws.reload() {
        return fail(failure.render(false));
    }
    let reload_ms = ms(start);
    let heap_reloaded = heap::take();
    let Value::Num(reloaded) = ws.model.value(probe) else {
        return fail("the probe holds an error after the reload");
    };
    drop(file);

    let edit_ms = times.iter().sum::<f64>() / times.len() as f64;
    let Value::Num(probe_value) = value else {
        return fail(format!("the probe holds an error: {value:?}"));
    };
    println!(
        "{{\"workload\":\"{}\",\"cells\":{n},\"load_ms\":{},\"build_and_eval_ms\":{},\"edit_ms\":{},\"probe\":{}}}",
        workload.name(),
        json_number(load_ms),
        json_number(build_and_eval_ms),
        json_number(edit_ms),
        json_number(probe_value)
    );
    times.sort_by(f64::total_cmp);
    eprintln!(
        "edits: {edits}, median {:.6} ms, fastest {:.6} ms; peak memory (VmHWM): {peak_edited}; \
         resident after load {rss_loaded} (peak {peak_loaded}), after build {rss_built}",
        times[times.len() / 2],
        times[0],
    );
    eprintln!(
        "reload: {reload_ms:.1} ms, peak memory (VmHWM) after it {}",
        memory_mb("VmHWM")
    );

    if count_heap {
        eprintln!(
            "heap: load peak {:.1} MB, live after {:.1} MB; build peak {:.1} MB, live after {:.1} MB; \
             reload peak {:.1} MB, live after {:.1} MB",
            heap_loaded.1, heap_loaded.0, heap_built.1, heap_built.0, heap_reloaded.1, heap_reloaded.0
        );
    }

    for (got, input) in [(probe_value, v), (reloaded, written)] {
        let (want, tolerance) = workload.expected(n, input);
        if (got - want).abs() > tolerance {
            return fail(format!(
                "wrong probe: {got}, the closed form gives {want} (input {input})"
            ));
        }
    }
    ExitCode::SUCCESS
}

/// A finite f64 as JSON (always with a decimal point or exponent, as `0.0` in WORKLOADS.md).
fn json_number(x: f64) -> String {
    let s = format!("{x:?}");
    if x.is_finite() {
        s
    } else {
        "null".into()
    }
}
