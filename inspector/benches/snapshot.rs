//! How fast mapinspect reads a whole map, against bpftool and against the kernel's limit.
//!
//! Production maps hold up to millions of entries, and `bpftool map dump` reads them with
//! two syscalls per element. For HASH, PERCPU_HASH, LRU_HASH and ARRAY maps of 10k, 100k and
//! 1M entries (u32 keys, u64 values), this times, as medians of repeated runs:
//!
//! 1. mapinspect's snapshot (`MapHandle::snapshot`, BPF_MAP_LOOKUP_BATCH);
//! 2. mapinspect's per-key fallback (`ReadMode::PerKey`, GET_NEXT_KEY + LOOKUP);
//! 3. `bpftool map dump pinned <path> -j`, the whole command, output to /dev/null;
//! 4. a bare batch-lookup loop into ready buffers: the kernel's limit line.
//!
//! Then, on the biggest HASH map, the TUI's key-to-frame time (steady, and with a refresh
//! landing just before the key) and the peak memory of one snapshot, measured in a child
//! process (this binary re-executed with `--child-peak-rss <pin>`).
//!
//! Targets are printed next to the figures, never asserted. Needs root (creating maps,
//! pinning on bpffs); without it the bench says so and exits 0.
//!
//! Run: `./scripts/bench.sh` or `cargo bench -p inspector --bench snapshot [-- --quick]`
//! (`--quick`: 10k and 100k only, the UI and memory lines at 100k).
#[allow(dead_code)] // Each bench binary uses its own part of the shared support.
mod support;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use inspector::maps::possible_cpus;
use support::{
    BenchResult,
    fixture::{BpffsDir, Fixture, MapType},
    latency, memory, methods,
    methods::RawBatchLoop,
    report::{MapRun, MemoryRun, Report, UiRun},
    timing::{fmt_count, measure, measure_pair},
};

const FULL_SIZES: [u32; 3] = [10_000, 100_000, 1_000_000];
const QUICK_SIZES: [u32; 2] = [10_000, 100_000];

/// What this process was started to do.
enum Mode {
    Bench { quick: bool },
    PeakRssChild(PathBuf),
}

fn parse_args() -> Result<Mode, String> {
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            flag if flag == memory::CHILD_FLAG => {
                let pin = args.next().ok_or("--child-peak-rss needs a pin path")?;
                return Ok(Mode::PeakRssChild(pin.into()));
            }
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            "-h" | "--help" => {
                println!("usage: cargo bench -p inspector --bench snapshot [-- --quick]");
                std::process::exit(0);
            }
            other => eprintln!("bench: ignoring unknown argument {other:?}"),
        }
    }
    Ok(Mode::Bench { quick })
}

fn main() -> ExitCode {
    let mode = match parse_args() {
        Ok(mode) => mode,
        Err(err) => {
            eprintln!("bench: {err}");
            return ExitCode::FAILURE;
        }
    };
    match mode {
        Mode::PeakRssChild(pin) => match memory::child(&pin) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("bench child: {err}");
                ExitCode::FAILURE
            }
        },
        Mode::Bench { quick } => bench(quick),
    }
}

fn bench(quick: bool) -> ExitCode {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!(
            "snapshot bench skipped: it creates eBPF maps and pins them on bpffs, which \
             needs root (run: sudo -E ./scripts/bench.sh)"
        );
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let sizes: &[u32] = if quick { &QUICK_SIZES } else { &FULL_SIZES };
    match run(sizes) {
        Ok(report) => {
            report.print();
            println!("\nTotal run time: {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("bench failed: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Repetitions per method at a map size: slow methods (per-key, bpftool) get fewer at 1M,
/// where one bpftool dump takes seconds, and no warm-up there; fast ones always get one
/// untimed warm-up run.
struct Reps {
    fast: usize,
    slow: usize,
    slow_warmup: usize,
    refresh: usize,
}

fn reps_for(entries: u32) -> Reps {
    if entries >= 1_000_000 {
        Reps {
            fast: 7,
            slow: 3,
            slow_warmup: 0,
            refresh: 7,
        }
    } else {
        Reps {
            fast: 21,
            slow: 5,
            slow_warmup: 1,
            refresh: 11,
        }
    }
}

fn run(sizes: &[u32]) -> BenchResult<Report> {
    let bpftool = methods::find_bpftool();
    let mut report = Report {
        header: header(bpftool.as_deref()),
        ..Report::default()
    };
    if bpftool.is_none() {
        report
            .notes
            .push("bpftool not found (./scripts/setup.sh installs it): no bpftool rows".into());
    }
    // Dropped last: removes the pin directory on every way out of this function.
    let dir = BpffsDir::create()?;
    let largest = *sizes.iter().max().expect("at least one size");
    for &entries in sizes {
        for map_type in MapType::ALL {
            progress(format!(
                "{} {}: filling",
                map_type.label(),
                fmt_count(entries as usize)
            ));
            let fixture = Fixture::create(map_type, entries, &dir)?;
            let (map_run, last_snapshot) =
                measure_map(&fixture, bpftool.as_deref(), &mut report.notes)?;
            report.maps.push(map_run);
            if map_type == MapType::Hash && entries == largest {
                progress(format!(
                    "HASH {}: peak RSS (child)",
                    fmt_count(entries as usize)
                ));
                report.memory = Some(MemoryRun {
                    peak: memory::measure(&fixture.pin.path)?,
                });
                progress(format!(
                    "HASH {}: UI key-to-frame",
                    fmt_count(entries as usize)
                ));
                let reps = reps_for(entries).refresh;
                report.ui = Some(UiRun {
                    entries: entries as usize,
                    latency: latency::measure(&fixture.handle, last_snapshot, reps)?,
                });
            }
            // Dropping the fixture unpins and closes the map, so the kernel frees it
            // before the next one is built.
        }
    }
    drop(dir);
    Ok(report)
}

/// The four methods on one map. Returns the last batch snapshot for the UI measurement.
fn measure_map(
    fixture: &Fixture,
    bpftool: Option<&Path>,
    notes: &mut Vec<String>,
) -> BenchResult<(MapRun, inspector::maps::Snapshot)> {
    let map = &fixture.handle;
    let label = format!(
        "{} {}",
        fixture.map_type.label(),
        fmt_count(fixture.inserted)
    );
    let reps = reps_for(fixture.inserted as u32);

    // The raw loop's first read (untimed) also counts what the map holds: an LRU may
    // have evicted some of what was inserted while filling up to max_entries.
    let mut raw = RawBatchLoop::new(map);
    let held = raw.read(map)?;
    if held != fixture.inserted {
        if fixture.map_type != MapType::LruHash {
            return Err(format!("{label}: holds {held} of {} inserted", fixture.inserted).into());
        }
        notes.push(format!(
            "{label}: holds {held} of {} inserted (LRU evictions while filling); rates use {held}",
            fixture.inserted
        ));
    }

    progress(format!("{label}: raw batch loop and mapinspect snapshot"));
    let ((raw_timing, count), (snapshot, snap)) =
        measure_pair(reps.fast, 1, || raw.read(map), || methods::snapshot(map))?;
    methods::expect_entries("raw batch loop", count, held)?;
    methods::check_snapshot("snapshot", &snap, held)?;

    progress(format!("{label}: mapinspect per-key fallback"));
    let (per_key, keyed) = measure(reps.slow, reps.slow_warmup, || methods::per_key(map))?;
    methods::check_snapshot("per-key fallback", &keyed, held)?;
    drop(keyed);

    let bpftool_timing = match bpftool {
        Some(path) => {
            progress(format!("{label}: bpftool map dump"));
            let pin = &fixture.pin.path;
            let (timing, ()) = measure(reps.slow, reps.slow_warmup, || {
                methods::bpftool_dump(path, pin)
            })?;
            Some(timing)
        }
        None => None,
    };

    let run = MapRun {
        map_type: fixture.map_type,
        entries: held,
        raw: raw_timing,
        snapshot,
        per_key,
        bpftool: bpftool_timing,
    };
    Ok((run, snap))
}

/// What the run is, for the top of the report.
fn header(bpftool: Option<&Path>) -> Vec<String> {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let online = std::thread::available_parallelism().map_or(0, |n| n.get());
    let tool = bpftool.map_or("bpftool: not found".into(), methods::bpftool_version);
    vec![
        "mapinspect snapshot benchmark (medians; u32 keys, u64 values; maps filled by batch update)"
            .into(),
        format!(
            "kernel {kernel}, {online} CPUs online, {} possible; {tool}",
            possible_cpus()
        ),
        "bpftool÷ = bpftool time / method time (higher is faster than bpftool); \
         ÷raw = method time / raw batch loop time"
            .into(),
    ]
}

/// Progress on stderr, so a long run shows where it is without mixing into the table.
fn progress(message: String) {
    eprintln!("bench: {message}");
}
