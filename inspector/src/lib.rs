//! mapinspect: inspect and experiment with Linux eBPF maps.
//!
//! Rooms, from the kernel up (ARCHITECTURE.md at the repository root has the whole map):
//! `sys` (raw bpf(2) calls), `maps` (opening maps, snapshots, operations, floods), `values`
//! (BTF and the bytes-to-meaning layer: layouts, decoding, encoding, type specs), `loader`
//! (sources of maps: the bundled object, object files, the system), then the surfaces: `cli`
//! (arguments and the headless commands), `export` (the Prometheus endpoint) and the TUI (`app` holds state, `ui` draws it,
//! `tui` runs the loop and the collector thread).
// Every dependency of the crate is used by the library (the binary and tests see it only
// through here); a leftover one is a warning, and -D warnings in CI makes it an error.
#![warn(unused_crate_dependencies)]

pub mod app;
pub mod cli;
pub mod export;
pub mod loader;
pub mod maps;
pub mod record;
pub mod report;
pub mod sys;
#[cfg(test)]
mod test_fixtures;
// Dev-dependencies of the kernel tests alone: the lint above sees every test build.
#[cfg(test)]
use {aya_obj as _, fastrand as _};
pub mod tui;
pub mod ui;
pub mod values;

// The HTTP client only the kernel tests use (they scrape `export`); unit tests see it too.
#[cfg(test)]
use ureq as _;

use cli::{Cli, Command};

/// Runs what the command line asked for.
pub fn run(cli: Cli) -> color_eyre::Result<()> {
    match &cli.command {
        Some(Command::Dump {
            diff: Some(files),
            format,
            json,
            ..
        }) => cli::diff::run(
            &files[0],
            &files[1],
            format.resolve(*json) == cli::DumpFormat::Json,
        ),
        Some(Command::Dump {
            format,
            json,
            wait,
            limit,
            ..
        }) => cli::dump::run(&cli, format.resolve(*json), *wait, *limit),
        Some(Command::Flood {
            map,
            count,
            cpu,
            from,
            json,
        }) => cli::flood::run(&cli, map, *count, *cpu, *from, *json),
        Some(Command::Export(args)) => export::run(&cli, args),
        Some(Command::Record {
            output,
            duration,
            max_size,
        }) => cli::record::run(&cli, output, *duration, *max_size),
        Some(Command::Replay { file }) => {
            cli::refuse_live_flags(std::env::args_os()).map_err(color_eyre::eyre::Report::msg)?;
            tui::replay::run(file)
        }
        Some(Command::Completions { shell }) => {
            Ok(cli::manual::print(&cli::manual::completions(*shell))?)
        }
        None => {
            // Before loading anything: without a terminal there would be nothing to show it on.
            tui::need_a_terminal()?;
            tui::run(cli::open(&cli)?, cli.interval)
        }
    }
}
