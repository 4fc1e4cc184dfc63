//! `mapinspect`: see inspector/src/lib.rs for the layers.
use std::process::ExitCode;

use clap::Parser as _;
use inspector::cli::Cli;

fn main() -> ExitCode {
    // Panics still get color-eyre's report (and the TUI's terminal restore runs first).
    if let Err(err) = color_eyre::install() {
        eprintln!("mapinspect: {err}");
    }
    match inspector::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Errors are expected outcomes (no root, bad map name, refused flood): one plain
            // line with its causes, no backtrace.
            eprintln!("mapinspect: {}", inspector::report::one_line(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}
