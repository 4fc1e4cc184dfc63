//! The command line: `sudo mapinspect` opens the TUI; subcommands work without a terminal.
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mapinspect",
    version,
    about = "Inspect and experiment with Linux eBPF maps, live",
    override_usage = "sudo mapinspect [OPTIONS] [COMMAND]"
)]
pub struct Cli {
    /// Seconds between refreshes of the live tables.
    #[arg(long, default_value = "1", value_parser = parse_interval, global = true)]
    pub interval: Duration,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every map of the object once and exit (programs are detached on exit).
    Dump {
        /// One JSON array, an object per map, for scripts.
        #[arg(long)]
        json: bool,
        /// Seconds to let the programs run before reading the maps.
        #[arg(long, value_name = "SECS", default_value = "0", value_parser = parse_seconds)]
        wait: Duration,
        /// Rows per map in the table (0: all). JSON always has every entry.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Flood a map: insert keys 1..=N (value key*11), then report what the map holds.
    Flood {
        /// The map's name (e.g. EXP_HASH, EXP_LRU).
        map: String,
        /// Keys to insert (default: max_entries + 1, one more than fits).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        count: Option<u32>,
        /// CPU to run the inserts on, so the figures repeat.
        #[arg(long, default_value_t = 0)]
        cpu: u32,
        /// Who inserts: the object's flood program (experiment maps) or a userspace thread.
        /// Default: kernel for the experiment maps, user for the others.
        #[arg(long, value_enum)]
        from: Option<FloodSource>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FloodSource {
    Kernel,
    User,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("not a number of seconds: {text:?}"))?;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("{secs} s is out of range (0 to 86400)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Refresh intervals below 50 ms would spend the machine on syscalls, not on the user.
fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_seconds(text)?;
    if interval < Duration::from_millis(50) {
        return Err("the interval must be at least 0.05 s".into());
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_parses_its_options() {
        let cli = Cli::try_parse_from(["mapinspect", "dump", "--json", "--wait", "1.5"]).unwrap();
        match cli.command {
            Some(Command::Dump { json, wait, limit }) => {
                assert!(json);
                assert_eq!(wait, Duration::from_millis(1500));
                assert_eq!(limit, 20);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn bad_numbers_are_refused_with_a_reason() {
        let err = Cli::try_parse_from(["mapinspect", "dump", "--wait", "soon"]).unwrap_err();
        assert!(err.to_string().contains("not a number of seconds"), "{err}");
        let err = Cli::try_parse_from(["mapinspect", "--interval", "0.001"]).unwrap_err();
        assert!(err.to_string().contains("at least 0.05"), "{err}");
    }

    #[test]
    fn flood_takes_a_map_and_refuses_a_zero_count() {
        let cli =
            Cli::try_parse_from(["mapinspect", "flood", "EXP_LRU", "--from", "user"]).unwrap();
        match cli.command {
            Some(Command::Flood {
                map,
                count,
                cpu,
                from,
                json,
            }) => {
                assert_eq!(map, "EXP_LRU");
                assert_eq!(
                    (count, cpu, from, json),
                    (None, 0, Some(FloodSource::User), false)
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["mapinspect", "flood", "EXP_LRU", "--count", "0"]).is_err());
        assert!(
            Cli::try_parse_from(["mapinspect", "flood"]).is_err(),
            "a map is required"
        );
    }

    #[test]
    fn usage_says_sudo() {
        use clap::CommandFactory as _;
        let help = Cli::command().render_usage().to_string();
        assert!(help.contains("sudo mapinspect"), "{help}");
    }
}
