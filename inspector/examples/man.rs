//! Writes mapinspect's man pages (mapinspect.1 and one per subcommand) into the directory
//! given, printing their paths: scripts/package.sh runs it. An example rather than a hidden
//! subcommand, so the packaging step stays out of the tool's completions.
use std::{path::Path, process::ExitCode};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: man DIR");
        return ExitCode::from(2);
    };
    match inspector::cli::manual::write_man_pages(Path::new(&dir)) {
        Ok(pages) => {
            for page in pages {
                println!("{}", page.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "man: writing man pages into {}: {err}",
                Path::new(&dir).display()
            );
            ExitCode::FAILURE
        }
    }
}
