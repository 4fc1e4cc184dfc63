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
        // A reader that went away (`mapinspect dump | head`) is not a failure: Rust ignores
        // SIGPIPE, so the write fails with EPIPE instead of killing the process; end quietly.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
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

/// Whether the error (or one of its causes) is a write to a closed pipe.
fn is_broken_pipe(err: &color_eyre::Report) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
