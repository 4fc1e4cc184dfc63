//! The user's whole commands against bpftool's, as processes, side by side in one run.
//!
//! On 1M-entry (100k with --quick) HASH, PERCPU_HASH, LRU_HASH and ARRAY maps made with raw
//! bpf(2) and pinned under this run's bpffs directory (maps mapinspect does not own):
//!
//! 1. `mapinspect --pin P dump --json` vs `bpftool map dump pinned P -j`, and
//!    `mapinspect --pin P dump --limit 0` vs `bpftool map dump pinned P` (runs alternate,
//!    medians, output read through a pipe, peak RSS from GNU time);
//! 2. `mapinspect --system dump --json` vs bpftool dumping every map id one after the other,
//!    on a host with dozens of extra small maps and the 1M-entry HASH;
//! 3. the element counts of every map on the host, by the `bpf_map_sum_elem_count` iterator
//!    vs by reading every map;
//! 4. a BPF_F_MMAPABLE array read through mmap vs batch lookup;
//! 5. mapinspect's own CPU share with its TUI on a pseudo-terminal: the bundled object idle,
//!    `--system` with the big map present but not selected, and with it selected;
//! 6. the TUI's keystroke-to-filtered-frame time on 200k- and 1M-entry HASH maps, typed in a
//!    tmux pane key by key and as a burst, and how soon each key echoes.
//!
//! Every target is printed with ok or MISS; nothing is asserted. Needs root.
//! Run: `./scripts/bench.sh commands [--quick | --filter-only]` or
//! `cargo bench -p inspector --bench commands [-- --quick]`.
#[allow(dead_code)] // Each bench binary uses its own part of the shared support.
mod support;

use std::{
    os::fd::AsFd as _,
    path::Path,
    process::ExitCode,
    time::{Duration, Instant},
};

use inspector::{
    maps::{MapHandle, counts::Counter, possible_cpus},
    sys,
};
use support::{
    BenchResult, filter_latency,
    fixture::{BpffsDir, Fixture, MapType, fill},
    process::{self, Run},
    timing::{fmt_count, fmt_duration, measure},
    tui_cpu,
};

const MAPINSPECT: &str = env!("CARGO_BIN_EXE_mapinspect");
const BPFTOOL: &str = "bpftool";

/// Small maps added for the --system run ("a host with dozens of maps").
const EXTRA_MAPS: u32 = 40;
const EXTRA_ENTRIES: u32 = 1_000;
/// BPF_F_MMAPABLE from include/uapi/linux/bpf.h.
const BPF_F_MMAPABLE: u32 = 1 << 10;

fn main() -> ExitCode {
    let quick = std::env::args().any(|a| a == "--quick");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("commands bench skipped: it creates and pins eBPF maps, which needs root");
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let mut table = Table::default();
    match bench(quick, &mut table) {
        Ok(()) => {
            table.print();
            println!("\nTotal run time: {:.0} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(err) => {
            table.print();
            eprintln!("bench failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn bench(quick: bool, table: &mut Table) -> BenchResult<()> {
    let entries: u32 = if quick { 100_000 } else { 1_000_000 };
    let reps = if quick { 5 } else { 3 };
    let dir = BpffsDir::create()?;
    // `--filter-only`: just the TUI filter figures (item 6), when working on them.
    if std::env::args().any(|a| a == "--filter-only") {
        return filter(&dir, table);
    }
    let (mi, bt) = (Path::new(MAPINSPECT), Path::new(BPFTOOL));
    for map_type in MapType::ALL {
        let fixture = Fixture::create(map_type, entries, &dir)?;
        let pin = fixture
            .pin
            .path
            .to_str()
            .ok_or("non-UTF-8 pin")?
            .to_string();
        let label = format!("{} {}", map_type.label(), fmt_count(entries as usize));
        let (a, b) = process::pair(
            reps,
            || process::run(mi, &["--pin", &pin, "dump", "--json"], false),
            || process::run(bt, &["map", "dump", "pinned", &pin, "-j"], false),
        )?;
        table.compare(&format!("dump --json, {label}"), a, b, 6.0);
        let cpus = if map_type == MapType::PercpuHash {
            possible_cpus()
        } else {
            1
        };
        let raw = entries as u64 * (4 + 8 * cpus as u64);
        table.target(
            &format!("peak RSS of dump --json, {label}"),
            format!("{} MiB (raw {} MiB)", a.peak_rss >> 20, raw >> 20),
            "<= 3x raw + 20 MiB",
            a.peak_rss <= 3 * raw + (20 << 20),
        );
        let (a, b) = process::pair(
            reps,
            || process::run(mi, &["--pin", &pin, "dump", "--limit", "0"], false),
            || process::run(bt, &["map", "dump", "pinned", &pin], false),
        )?;
        table.compare(&format!("dump --limit 0, {label}"), a, b, 6.0);
        if map_type == MapType::Array {
            mmap_vs_batch(&dir, entries, table)?;
        }
    }

    // A host with dozens of maps and a 1M-entry HASH, made last: the TUI lists maps by id,
    // so the big map is not the one on screen at start.
    let mut extra = Vec::new();
    for i in 0..EXTRA_MAPS {
        let map_type = MapType::ALL[i as usize % MapType::ALL.len()];
        let fd = sys::map_create(map_type.raw(), 4, 8, EXTRA_ENTRIES, 0, &format!("mib_x{i}"))?;
        fill(fd.as_fd(), map_type, 0..EXTRA_ENTRIES, 0)?;
        extra.push(fd);
    }
    let big = Fixture::create(MapType::Hash, entries, &dir)?;
    let ids = sys::map_ids()?;
    let id_args: Vec<String> = ids.iter().map(u32::to_string).collect();
    let (a, b) = process::pair(
        reps,
        || process::run(mi, &["--system", "dump", "--json"], false),
        || {
            let runs = id_args
                .iter()
                .map(|id| process::run(bt, &["map", "dump", "id", id, "-j"], true))
                .collect::<BenchResult<Vec<Run>>>()?;
            Ok(process::total(&runs))
        },
    )?;
    table.compare(
        &format!("--system dump --json, {} maps", ids.len()),
        a,
        b,
        5.0,
    );

    counts(&big, table)?;
    tui(quick, &big, table)?;
    drop((big, extra));
    filter(&dir, table)
}

/// Keystroke-to-filtered-frame in the TUI, on a 200k- and a 1M-entry HASH (both sizes
/// even with --quick: they are the issue's).
fn filter(dir: &BpffsDir, table: &mut Table) -> BenchResult<()> {
    for (entries, limit) in [(200_000, 100), (1_000_000, 300)] {
        let fixture = Fixture::create(MapType::Hash, entries, dir)?;
        let pin = fixture.pin.path.to_str().ok_or("non-UTF-8 pin")?;
        let size = fmt_count(entries as usize);
        let needle = "1234";
        let got = filter_latency::measure(Path::new(MAPINSPECT), pin, needle)?;
        let limit = Duration::from_millis(limit);
        table.target(
            &format!("TUI filter /{needle}, {size} HASH: keystroke to filtered frame"),
            format!(
                "slowest key {}, burst {} ({} match)",
                fmt_duration(got.key_max),
                fmt_duration(got.burst),
                got.matches
            ),
            &format!("<= {}", fmt_duration(limit)),
            got.key_max <= limit && got.burst <= limit,
        );
        let echo = Duration::from_millis(50);
        table.target(
            &format!("TUI filter /{needle}, {size} HASH: keystroke echo"),
            format!("slowest {}", fmt_duration(got.echo_max)),
            &format!("<= {}", fmt_duration(echo)),
            got.echo_max <= echo,
        );
    }
    Ok(())
}

/// Counts of every map on the host: one iterator read vs reading each map.
fn counts(big: &Fixture, table: &mut Table) -> BenchResult<()> {
    let counter = Counter::new();
    let Some(why) = counter.unavailable() else {
        let (by_iter, counts) = measure(5, 1, || Ok(counter.kernel_counts()?))?;
        let ok = counts.get(&big.handle.desc.meta.id) == Some(&(big.inserted as u64));
        let (by_read, maps) = measure(3, 0, || {
            let mut read = 0;
            for id in sys::map_ids()? {
                if let Ok(map) = MapHandle::open_by_id(id) {
                    std::hint::black_box(map.snapshot().map(|s| s.len()).unwrap_or(0));
                    read += 1;
                }
            }
            Ok(read)
        })?;
        let ratio = by_read.median.as_secs_f64() / by_iter.median.as_secs_f64().max(1e-9);
        table.target(
            &format!("counts of all {maps} maps: iterator vs reading"),
            format!(
                "{} vs {} ({ratio:.0}x)",
                fmt_duration(by_iter.median),
                fmt_duration(by_read.median)
            ),
            "iterator faster, exact",
            ok && ratio > 1.0,
        );
        return Ok(());
    };
    table.target("counts by iterator", why.to_string(), "available", false);
    Ok(())
}

/// A BPF_F_MMAPABLE array read by mapinspect (mmap) vs the same array by batch lookup.
fn mmap_vs_batch(dir: &BpffsDir, entries: u32, table: &mut Table) -> BenchResult<()> {
    let fd = sys::map_create(
        MapType::Array.raw(),
        4,
        8,
        entries,
        BPF_F_MMAPABLE,
        "mib_mmap",
    )?;
    fill(fd.as_fd(), MapType::Array, 0..entries, 0)?;
    let _pin = dir.pin(fd.as_fd(), "mib_mmap")?;
    let map = MapHandle::from_fd(fd)?;
    let (by_mmap, snap) = measure(7, 1, || Ok(map.snapshot()?))?;
    let (by_batch, _) = measure(7, 1, || {
        Ok(map.snapshot_with(inspector::maps::ReadMode::Batch {
            chunk: inspector::maps::BATCH_CHUNK,
        })?)
    })?;
    let ratio = by_batch.median.as_secs_f64() / by_mmap.median.as_secs_f64().max(1e-9);
    table.target(
        &format!(
            "mmapable ARRAY {}: mmap vs batch",
            fmt_count(entries as usize)
        ),
        format!(
            "{} vs {} ({ratio:.1}x)",
            fmt_duration(by_mmap.median),
            fmt_duration(by_batch.median)
        ),
        "mmap faster, same entries",
        ratio > 1.0 && snap.len() == entries as usize,
    );
    Ok(())
}

/// mapinspect's CPU share with its TUI running.
fn tui(quick: bool, big: &Fixture, table: &mut Table) -> BenchResult<()> {
    let exe = Path::new(MAPINSPECT);
    let settle = Duration::from_secs(3);
    let window = Duration::from_secs(if quick { 10 } else { 60 });
    let size = fmt_count(big.inserted);
    let name = big.handle.desc.meta.name.clone();
    // The list is in id order: Home, then Down to the big map's place. The screen must
    // then show its title (other programs may add maps meanwhile: then this run errs).
    let place = sys::map_ids()?
        .iter()
        .position(|&id| id == big.handle.desc.meta.id)
        .ok_or("the big map is not listed")?;
    let mut select = vec!["g"];
    select.extend(std::iter::repeat_n("j", place));
    let title = format!("{name} · hash");
    let cases = [
        TuiCase {
            label: "TUI, bundled object, idle".into(),
            args: vec![],
            keys: vec![],
            expect: None,
            limit: 0.01,
        },
        TuiCase {
            label: format!("TUI --system, {size} HASH present, not selected"),
            args: vec!["--system"],
            keys: vec![],
            expect: None,
            limit: 0.03,
        },
        TuiCase {
            label: format!("TUI --system, {size} HASH selected"),
            args: vec!["--system"],
            keys: select,
            expect: Some(&title),
            limit: 0.30,
        },
    ];
    for case in cases {
        let share = tui_cpu::cpu_share(exe, &case.args, &case.keys, case.expect, settle, window)?;
        table.target(
            &case.label,
            format!(
                "{:.1}% of a core over {} s",
                share * 100.0,
                window.as_secs()
            ),
            &format!("< {:.0}%", case.limit * 100.0),
            share < case.limit,
        );
    }
    Ok(())
}

/// One TUI measurement: mapinspect's arguments, the keys typed, what the screen must show
/// then, and the CPU share not to reach.
struct TuiCase<'a> {
    label: String,
    args: Vec<&'a str>,
    keys: Vec<&'a str>,
    expect: Option<&'a str>,
    limit: f64,
}

/// Rows of figures and targets, printed at the end (and on failure, what was measured).
#[derive(Default)]
struct Table {
    rows: Vec<(String, String, String, bool)>,
}

impl Table {
    fn compare(&mut self, what: &str, ours: Run, theirs: Run, at_least: f64) {
        let ratio = theirs.wall.as_secs_f64() / ours.wall.as_secs_f64().max(1e-9);
        let cpu_ratio = theirs.cpu.as_secs_f64() / ours.cpu.as_secs_f64().max(1e-9);
        let figures = format!(
            "{} vs bpftool {} = {ratio:.1}x (CPU {} vs {} = {cpu_ratio:.1}x); RSS {} vs {} MiB; out {} vs {} MiB",
            fmt_duration(ours.wall),
            fmt_duration(theirs.wall),
            fmt_duration(ours.cpu),
            fmt_duration(theirs.cpu),
            ours.peak_rss >> 20,
            theirs.peak_rss >> 20,
            ours.out_bytes >> 20,
            theirs.out_bytes >> 20,
        );
        self.target(what, figures, &format!(">= {at_least}x"), ratio >= at_least);
    }

    fn target(&mut self, what: &str, figures: String, target: &str, ok: bool) {
        println!(
            "{} {what}: {figures} (target {target})",
            if ok { "ok  " } else { "MISS" }
        );
        self.rows.push((what.into(), figures, target.into(), ok));
    }

    fn print(&self) {
        println!("\n| what | measured | target | |\n|---|---|---|---|");
        for (what, figures, target, ok) in &self.rows {
            let verdict = if *ok { "ok" } else { "MISS" };
            println!("| {what} | {figures} | {target} | {verdict} |");
        }
    }
}
