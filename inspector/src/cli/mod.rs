//! The command line: the clap arguments (`args`) and the subcommands that need no terminal
//! (`dump`, `flood`). The TUI (`crate::tui`) opens its source through [`open`] too.
pub mod args;
pub mod diff;
pub mod dump;
pub mod dump_json;
pub mod flood;
pub mod manual;
pub mod record;

use color_eyre::eyre::{Result, bail};

pub use args::*;

use crate::{
    loader::{self, Loaded, Source},
    values::Layout,
};

/// Loads the source the command line names and applies its type overrides.
pub fn open(cli: &Cli) -> Result<Loaded> {
    let source = cli.source.source();
    let loaded = loader::load_with(&source, cli.write, cli.max_object_size)?;
    with_types(
        loaded,
        &source,
        cli.key_type.as_ref(),
        cli.value_type.as_ref(),
    )
}

/// Loads `source` and reads maps without BTF with the given types (`export` reopens its
/// source with this on every scrape).
pub fn open_source(
    source: &Source,
    write: bool,
    key_type: Option<&Layout>,
    value_type: Option<&Layout>,
) -> Result<Loaded> {
    with_types(loader::load(source, write)?, source, key_type, value_type)
}

fn with_types(
    mut loaded: Loaded,
    source: &Source,
    key_type: Option<&Layout>,
    value_type: Option<&Layout>,
) -> Result<Loaded> {
    let single = matches!(source, Source::MapId(_) | Source::Pin(_));
    for map in &mut loaded.maps {
        if let Err(err) = map.use_types(key_type, value_type) {
            // One map named by the user: its size mismatch is an error; among many, a note.
            if single {
                bail!(err);
            }
            loaded.warnings.push(err);
        }
    }
    Ok(loaded)
}

pub(crate) fn load(cli: &Cli) -> Result<Loaded> {
    let loaded = open(cli)?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(loaded)
}
