//! mapinspect: inspect and experiment with Linux eBPF maps.
//!
//! Layers, from the kernel up: `sys` (raw bpf(2) calls), `maps` (opening maps and reading
//! snapshots), `btf` + `decode` (turning bytes into named fields), `loader` (the bundled
//! object), then the user-facing surfaces: `dump`, and the TUI (`app` holds state, `collector`
//! reads maps on its own thread, `ui` draws, `tui` runs the loop).
pub mod app;
pub mod btf;
pub mod cli;
pub mod collector;
pub mod commands;
pub mod decode;
pub mod diff;
pub mod dump;
pub mod encode;
pub mod entries;
#[cfg(test)]
mod fixtures;
pub mod loader;
pub mod maps;
pub mod percpu;
pub mod sys;
pub mod tui;
pub mod typespec;
pub mod ui;

use cli::{Cli, Command};

/// Runs what the command line asked for.
pub fn run(cli: Cli) -> color_eyre::Result<()> {
    match &cli.command {
        Some(Command::Dump { json, wait, limit }) => commands::dump(&cli, *json, *wait, *limit),
        Some(Command::Flood {
            map,
            count,
            cpu,
            from,
            json,
        }) => commands::flood(&cli, map, *count, *cpu, *from, *json),
        None => tui::run(commands::open(&cli)?, cli.interval),
    }
}
