//! What a packaged tool ships beside its binary, generated from the clap definitions so it
//! cannot drift from `--help`: shell completions, man pages and the long `--version`.
use std::{
    io::{self, Write as _},
    path::{Path, PathBuf},
};

use clap::CommandFactory as _;
use clap_complete::Shell;
use clap_mangen::{
    Man,
    roff::{Roff, bold, roman},
};

use super::Cli;

/// `mapinspect --version`: what a bug report needs. build.rs sets the commit and the
/// embedded eBPF object's build (hash, size, toolchain).
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MAPINSPECT_GIT_COMMIT"),
    ")\neBPF object: ",
    env!("MAPINSPECT_EBPF_BUILD"),
);

/// The README's usage examples: the end of `--help` and the man page's EXAMPLES.
pub const EXAMPLES: &str = "\
Examples:
  sudo mapinspect                          # the live TUI over the bundled object
  sudo mapinspect dump                     # every map once, as tables
  sudo mapinspect dump --json --wait 2     # let activity accumulate for 2 s, then JSON
  mapinspect dump --diff a.json b.json     # what changed between two JSON dumps (exit 1 if anything)
  sudo mapinspect --system dump --format jsonl | grep conn   # one JSON object per entry
  sudo mapinspect --pin /sys/fs/bpf/x/map dump --json | head    # a closed pipe ends quietly (exit 0)
  sudo mapinspect flood EXP_LRU            # the HASH vs LRU experiment, headless
  sudo mapinspect --system                 # every map on the machine (read-only)
  sudo mapinspect --map-id 42 --write      # one map by id, allowed to change it
  sudo mapinspect --pin /sys/fs/bpf/x/map  # one pinned map
  sudo mapinspect --object prog.bpf.o      # any eBPF object: load, attach, inspect
  sudo mapinspect --map-id 7 --value-type 'char[16]' dump   # a map without BTF
  sudo mapinspect --object ring.o --value-type 'u32[2]'   # decode the records of a ring without a BTF type
  sudo mapinspect export                   # every map's figures on 127.0.0.1:9435/metrics
  sudo mapinspect --object big.o --max-object-size 256M  # objects over 64M are refused
  sudo mapinspect record -o s.mirec --duration 60   # every map each second into a file
  mapinspect replay s.mirec                # the TUI over a recording: no root, no BPF";

/// What the host must provide; the man page's REQUIREMENTS (the README says the same).
const REQUIREMENTS: &str = "\
Linux 5.17 or later for the bundled object (developed and tested on 6.18): it uses BTF-defined \
maps, BLOOM_FILTER (5.16), RINGBUF (5.8) and, in its flood program, bpf_loop (5.17). On an \
older kernel it does not load: mapinspect stops with one line naming the map the kernel \
refused and the kernel it needs (on 5.16 only the flood program fails, listed as not \
attached, and floods from the kernel fail). --system, --map-id, --pin and --object load \
nothing of it and work with what the kernel has. Where the kernel lacks batch map reads \
(5.6), mapinspect reads element by element. \
The kernel's own BTF, /sys/kernel/btf/vmlinux, is optional: mapinspect uses it for the \
kernel's element counts of hash maps (bpf_map_sum_elem_count, 6.6+); without it every map is \
counted by reading it, and an --object that relies on CO-RE relocations cannot have them \
applied. \
Root, or the capabilities each mode needs (CAP_BPF and CAP_PERFMON to load and attach, \
CAP_SYS_ADMIN for --system and --map-id, CAP_BPF for --pin): mapinspect checks them first and \
names a missing one, with the sudo and setcap fixes. \
tracefs, to attach the bundled object's tracepoints: when it is not mounted, mapinspect mounts \
it at /sys/kernel/tracing, and if that fails says how. \
Kernels before 5.11 charge maps to RLIMIT_MEMLOCK: mapinspect raises it, and warns if it cannot.";

/// (command, what it shows) pairs of [`EXAMPLES`].
pub fn examples() -> impl Iterator<Item = (&'static str, &'static str)> {
    EXAMPLES.lines().filter_map(|line| {
        let (command, comment) = line.split_once(" # ")?;
        Some((command.trim(), comment.trim()))
    })
}

/// One shell's completion script.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mapinspect", &mut script);
    script
}

/// Writes mapinspect.1 and a page per subcommand (mapinspect-dump.1, ...) into `dir`
/// (created if missing), returning their paths.
pub fn write_man_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut written = Vec::new();
    let mut write = |name: String, page: Vec<u8>| -> io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, page)?;
        written.push(path);
        Ok(())
    };
    write("mapinspect.1".into(), main_page(&cmd)?)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = Man::new(sub.clone());
        let mut page = Vec::new();
        man.render(&mut page)?;
        write(man.get_filename(), page)?;
    }
    Ok(written)
}

/// clap_mangen's sections, then EXAMPLES, REQUIREMENTS and SEE ALSO, which it has no
/// place for (its after-help section would be titled EXTRA).
fn main_page(cmd: &clap::Command) -> io::Result<Vec<u8>> {
    let man = Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for (command, comment) in examples() {
        roff.control("TP", [])
            .text([bold(command)])
            .text([roman(comment)]);
    }
    roff.control("SH", ["REQUIREMENTS"])
        .text([roman(REQUIREMENTS)]);
    roff.control("SH", ["SEE ALSO"])
        .text([roman("bpftool(8), bpf(2)")]);
    roff.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Prints generated text; a closed pipe (`| head`) is not an error worth a message.
pub fn print(bytes: &[u8]) -> io::Result<()> {
    match io::stdout().lock().write_all(bytes) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words collapsed, so column alignment does not count.
    fn words(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn examples_are_the_readmes_usage_block() {
        let readme = include_str!("../../../README.md");
        let usage = readme.split("## Usage").nth(1).expect("a Usage section");
        let block = usage.split("```").nth(1).expect("a code block in Usage");
        let readme_examples: Vec<(String, String)> = block
            .lines()
            .filter_map(|l| l.split_once(" # "))
            .map(|(c, d)| (words(c), words(d)))
            .collect();
        let ours: Vec<(String, String)> = examples().map(|(c, d)| (words(c), words(d))).collect();
        assert!(!ours.is_empty());
        assert_eq!(
            ours, readme_examples,
            "README Usage and cli::manual::EXAMPLES differ"
        );
    }

    #[test]
    fn long_version_names_commit_and_ebpf_build() {
        assert!(LONG_VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        assert!(LONG_VERSION.contains("(commit "), "{LONG_VERSION}");
        assert!(LONG_VERSION.contains("\neBPF object: "), "{LONG_VERSION}");
    }

    #[test]
    fn man_pages_cover_every_subcommand_and_flag() {
        let dir = std::env::temp_dir().join(format!("mapinspect-man-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pages = write_man_pages(&dir).unwrap();
        let text: String = pages
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        let mut cmd = Cli::command();
        cmd.build();
        let mut commands = vec![&cmd];
        commands.extend(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help"),
        );
        for command in commands {
            for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    // roff escapes '-' as '\-'.
                    let flag = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(text.contains(&flag), "{flag} of {}", command.get_name());
                }
            }
        }
        for page in [
            "mapinspect.1",
            "mapinspect-dump.1",
            "mapinspect-flood.1",
            "mapinspect-completions.1",
        ] {
            assert!(
                pages.iter().any(|p| p.ends_with(page)),
                "{page} in {pages:?}"
            );
        }
        assert!(text.contains(".SH EXAMPLES") && text.contains("EXP_LRU"));
        assert!(
            !text.contains("mapinspect-man"),
            "the hidden man command stays out"
        );
    }
}
