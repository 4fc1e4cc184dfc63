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
pub mod ui;

use std::io::Write as _;

use cli::{Cli, Command};

/// Runs what the command line asked for.
pub fn run(cli: Cli) -> color_eyre::Result<()> {
    match cli.command {
        Some(Command::Dump { json, wait, limit }) => {
            let loaded = loader::load_bundled()?;
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
            std::thread::sleep(wait);
            let dumps = dump::read_all(&loaded.maps);
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &dump::to_json(&dumps))?;
                writeln!(out)?;
            } else {
                dump::write_text(&mut out, &dumps, (limit > 0).then_some(limit))?;
            }
            Ok(())
        }
        None => {
            let loaded = loader::load_bundled()?;
            tui::run(loaded, cli.interval)
        }
    }
}
