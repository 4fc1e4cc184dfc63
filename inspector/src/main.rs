//! `mapinspect`: see inspector/src/lib.rs for the layers.
use clap::Parser as _;
use inspector::cli::Cli;

fn main() -> color_eyre::Result<()> {
    color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false)
        .install()?;
    inspector::run(Cli::parse())
}
