//! The command line: `sudo mapinspect` opens the TUI; subcommands work without a terminal.
use std::{path::PathBuf, time::Duration};

use clap::{Parser, Subcommand};

use crate::{loader::Source, maps::ops::MAX_FLOOD, values::Layout};

use super::manual;

#[derive(Debug, Parser)]
#[command(
    name = "mapinspect",
    version,
    long_version = manual::LONG_VERSION,
    after_long_help = manual::EXAMPLES,
    about = "Inspect and experiment with Linux eBPF maps, live",
    override_usage = "sudo mapinspect [OPTIONS] [COMMAND]"
)]
pub struct Cli {
    /// Seconds between refreshes of the live tables (for `record`: between frames).
    #[arg(long, default_value = "1", value_parser = parse_interval, global = true)]
    pub interval: Duration,

    #[command(flatten)]
    pub source: SourceArgs,

    /// Refuse --object files bigger than this (bytes, or with K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = crate::loader::object_file::parse_size, global = true)]
    pub max_object_size: u64,

    /// Allow changing maps that other programs own (read-only otherwise).
    #[arg(long, global = true)]
    pub write: bool,

    /// Read keys with this type where a map has no BTF (u8..u64, i8..i64, char[N], u8[N], bytes[N]).
    #[arg(long, value_name = "TYPE", value_parser = crate::values::typespec::parse, global = true)]
    pub key_type: Option<Layout>,

    /// Read values with this type where a map has no BTF.
    #[arg(long, value_name = "TYPE", value_parser = crate::values::typespec::parse, global = true)]
    pub value_type: Option<Layout>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the maps come from (default: the bundled object).
#[derive(Debug, Default, clap::Args)]
#[group(multiple = false)]
pub struct SourceArgs {
    /// Load an eBPF object file (from clang or aya-ebpf), attach its tracepoints, show its maps.
    #[arg(long, value_name = "FILE.o", global = true)]
    pub object: Option<PathBuf>,
    /// Show every map loaded on the machine.
    #[arg(long, global = true)]
    pub system: bool,
    /// Open one map by its id (as `bpftool map list` shows it).
    #[arg(long, value_name = "ID", global = true)]
    pub map_id: Option<u32>,
    /// Open one map pinned in bpffs.
    #[arg(long, value_name = "PATH", global = true)]
    pub pin: Option<PathBuf>,
}

impl SourceArgs {
    pub fn source(&self) -> Source {
        if let Some(path) = &self.object {
            Source::Object(path.clone())
        } else if self.system {
            Source::System
        } else if let Some(id) = self.map_id {
            Source::MapId(id)
        } else if let Some(path) = &self.pin {
            Source::Pin(path.clone())
        } else {
            Source::Bundled
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every map of the object once and exit (programs are detached on exit).
    Dump {
        /// table (for people), json (one array, an object per map) or jsonl (one object per
        /// entry, naming its map: for jq, grep and log pipelines). In JSON a union is an
        /// object with every member, a char array a string, a u8 array a hex string (README,
        /// "Decoding").
        #[arg(long, value_enum, default_value_t = DumpFormat::Table)]
        format: DumpFormat,
        /// The same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Seconds to let the programs run before reading the maps.
        #[arg(long, value_name = "SECS", default_value = "0", value_parser = parse_seconds)]
        wait: Duration,
        /// Rows per map in the table (0: all). JSON always has every entry.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Compare two earlier `dump --json` files instead (no root needed); exit 0 when
        /// they hold the same, 1 when they differ, 2 on trouble.
        #[arg(long, num_args = 2, value_names = ["A.json", "B.json"])]
        diff: Option<Vec<PathBuf>>,
    },
    /// Flood a map: insert keys 1..=N (value key*11), then report what the map holds.
    Flood {
        /// The map's name (e.g. EXP_HASH, EXP_LRU).
        map: String,
        /// Keys to insert (default: max_entries + 1, one more than fits).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_FLOOD)))]
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
    /// Record every map of the source, each --interval, to a file `replay` opens (frames
    /// hold only what changed since the one before, with a whole frame every 30).
    Record {
        /// The file to write (replaced once the recording ends; created 0600).
        #[arg(short = 'o', long, value_name = "FILE")]
        output: PathBuf,
        /// Stop after this many seconds (default: at Ctrl-C, SIGTERM or SIGHUP).
        #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
        duration: Option<Duration>,
        /// Stop before the file grows past this (bytes, or with K, M, G).
        #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = super::record::parse_max_size)]
        max_size: u64,
    },
    /// Replay a recording in the TUI: no root, no BPF (space plays, , and . step).
    Replay {
        /// A file `mapinspect record` wrote.
        file: PathBuf,
    },
    /// Serve every map's figures on /metrics for Prometheus (default: every map on the host).
    Export(crate::export::ExportArgs),
    /// Print a shell completion script (for users without the Debian package).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// How `dump` writes the maps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpFormat {
    #[default]
    Table,
    Json,
    Jsonl,
}

impl DumpFormat {
    /// The format asked for, `--json` being `--format json`.
    pub fn resolve(self, json: bool) -> Self {
        if json { DumpFormat::Json } else { self }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FloodSource {
    Kernel,
    User,
}

pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("not a number of seconds: {text:?}"))?;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("{secs} s is out of range (0 to 86400)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The TUI's own bounds (also those of `+`/`-`): faster would spend the machine on
/// syscalls, slower would not be live.
fn parse_interval(text: &str) -> Result<Duration, String> {
    use crate::app::{MAX_INTERVAL, MIN_INTERVAL};
    let interval = parse_seconds(text)?;
    if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&interval) {
        return Err(format!(
            "the interval must be from {} to {} s",
            MIN_INTERVAL.as_secs_f64(),
            MAX_INTERVAL.as_secs_f64()
        ));
    }
    Ok(interval)
}

/// The global flags that choose or shape a live source, as clap names them and as typed.
const LIVE_FLAGS: [(&str, &str); 9] = [
    ("object", "--object"),
    ("system", "--system"),
    ("map_id", "--map-id"),
    ("pin", "--pin"),
    ("write", "--write"),
    ("key_type", "--key-type"),
    ("value_type", "--value-type"),
    ("interval", "--interval"),
    ("max_object_size", "--max-object-size"),
];

/// `replay` reads a file, not the kernel: a source flag given with it would be silently
/// ignored, so it is refused, named. `args` is the whole command line (argv).
pub fn refuse_live_flags<I, T>(args: I) -> Result<(), String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::{CommandFactory as _, parser::ValueSource};
    let Ok(matches) = Cli::command().try_get_matches_from(args) else {
        return Ok(());
    };
    let given = |m: &clap::ArgMatches, id: &str| {
        m.try_contains_id(id).unwrap_or(false)
            && m.value_source(id) == Some(ValueSource::CommandLine)
    };
    let replay = matches.subcommand_matches("replay");
    for (id, flag) in LIVE_FLAGS {
        if given(&matches, id) || replay.is_some_and(|m| given(m, id)) {
            return Err(format!(
                "replay takes no {flag}: it plays what the file recorded (its source, types \
                 and pace are the recording's)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_refuses_source_flags_by_name() {
        let refused = |args: &[&str]| {
            let argv = ["mapinspect"].iter().chain(args).copied();
            refuse_live_flags(argv).err()
        };
        assert_eq!(refused(&["replay", "s.mirec"]), None);
        for (args, flag) in [
            (&["replay", "s.mirec", "--pin", "/nonexistent"][..], "--pin"),
            (&["--object", "x.o", "replay", "s.mirec"], "--object"),
            (&["replay", "s.mirec", "--system"], "--system"),
            (&["replay", "s.mirec", "--write"], "--write"),
            (&["replay", "s.mirec", "--key-type", "u32"], "--key-type"),
            (&["replay", "s.mirec", "--interval", "2"], "--interval"),
            (&["replay", "s.mirec", "--map-id", "3"], "--map-id"),
        ] {
            let err = refused(args).unwrap_or_else(|| panic!("{args:?} accepted"));
            assert!(err.contains(&format!("takes no {flag}:")), "{err}");
        }
    }

    #[test]
    fn dump_parses_its_options() {
        let cli = Cli::try_parse_from(["mapinspect", "dump", "--json", "--wait", "1.5"]).unwrap();
        match cli.command {
            Some(Command::Dump {
                format,
                json,
                wait,
                limit,
                ..
            }) => {
                assert_eq!(format.resolve(json), DumpFormat::Json);
                assert_eq!(wait, Duration::from_millis(1500));
                assert_eq!(limit, 20);
            }
            other => panic!("unexpected {other:?}"),
        }
        let cli = Cli::try_parse_from(["mapinspect", "dump", "--format", "jsonl"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Dump {
                format: DumpFormat::Jsonl,
                json: false,
                ..
            })
        ));
        let both = ["mapinspect", "dump", "--json", "--format", "table"];
        assert!(
            Cli::try_parse_from(both).is_err(),
            "--json is --format json"
        );
        assert!(Cli::try_parse_from(["mapinspect", "dump", "--format", "xml"]).is_err());
    }

    #[test]
    fn bad_numbers_are_refused_with_a_reason() {
        let err = Cli::try_parse_from(["mapinspect", "dump", "--wait", "soon"]).unwrap_err();
        assert!(err.to_string().contains("not a number of seconds"), "{err}");
        let err = Cli::try_parse_from(["mapinspect", "--interval", "0.05"]).unwrap_err();
        assert!(err.to_string().contains("from 0.1 to 10 s"), "{err}");
        assert!(Cli::try_parse_from(["mapinspect", "--interval", "11"]).is_err());
        assert!(Cli::try_parse_from(["mapinspect", "--interval", "0.1"]).is_ok());
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
    fn one_source_at_a_time() {
        let cli = Cli::try_parse_from(["mapinspect", "--map-id", "42", "dump"]).unwrap();
        assert_eq!(cli.source.source(), Source::MapId(42));
        let cli = Cli::try_parse_from(["mapinspect", "dump", "--system", "--write"]).unwrap();
        assert_eq!(cli.source.source(), Source::System);
        assert!(cli.write);
        let cli = Cli::try_parse_from(["mapinspect", "--map-id", "3", "--write"]).unwrap();
        assert!(cli.write && cli.source.source() == Source::MapId(3));
        let both = Cli::try_parse_from(["mapinspect", "--system", "--map-id", "1"]);
        assert!(both.is_err(), "--system and --map-id exclude each other");
        let cli = Cli::try_parse_from(["mapinspect"]).unwrap();
        assert_eq!(cli.source.source(), Source::Bundled);
        let bad = Cli::try_parse_from(["mapinspect", "--key-type", "u128"]).unwrap_err();
        assert!(bad.to_string().contains("unknown type"), "{bad}");
    }

    #[test]
    fn usage_says_sudo() {
        use clap::CommandFactory as _;
        let help = Cli::command().render_usage().to_string();
        assert!(help.contains("sudo mapinspect"), "{help}");
    }
}
