//! `flopsheet`: the command-line front end. Parses arguments, runs a command, maps the
//! outcome to an exit code. Everything else lives in the library crates.

mod cli;
mod commands;
mod export;
mod files;
mod references;
mod simulate;
mod watch;
mod whatif;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    flopsheet_load::memory::return_large_blocks();
    let cli = cli::Cli::parse();
    let color = match cli.color {
        cli::Color::Always => true,
        cli::Color::Never => false,
        cli::Color::Auto => {
            std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let outcome = commands::run(cli.command, color);
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(outcome.stdout.as_bytes())
        .and_then(|()| stdout.flush());
    if !outcome.stderr.is_empty() {
        let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    }
    match written {
        // A closed pipe (`flopsheet show | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            ExitCode::FAILURE
        }
        Ok(()) => ExitCode::from(outcome.code),
    }
}
