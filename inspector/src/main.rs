//! `mapinspect`: see inspector/src/lib.rs for the layers.
use std::{io::Write as _, process::ExitCode};

use clap::Parser as _;
use inspector::{cli::Cli, tui::Interrupted};

fn main() -> ExitCode {
    // Panics still get color-eyre's report (and the TUI's terminal restore runs first).
    if let Err(err) = color_eyre::install() {
        eprintln!("mapinspect: {err}");
    }
    match inspector::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        // `dump --diff`: different dumps exit 1 quietly, as diff(1) does; trouble exits 2.
        Err(err) if err.is::<inspector::cli::diff::Different>() => ExitCode::from(1),
        Err(err) => {
            let code = if err.is::<inspector::cli::diff::Trouble>() {
                2
            } else {
                1
            };
            // Errors are expected outcomes (no root, bad map name, refused flood): one plain
            // line with its causes, no backtrace. The terminal may be gone (SIGHUP): a
            // failed write must not panic.
            let _ = writeln!(
                std::io::stderr(),
                "mapinspect: {}",
                inspector::report::one_line(err.as_ref())
            );
            // Ended by a signal, after every drop ran: the shell's 128 + signal.
            match err.downcast_ref::<Interrupted>() {
                Some(signal) => ExitCode::from(signal.exit_status()),
                None => ExitCode::from(code),
            }
        }
    }
}
