//! `mapinspect record` of a 100k-entry map that changes 1% of its entries each second: what
//! a whole frame and a partial frame cost in the file, next to the map's raw bytes.
//!
//! For HASH and PERCPU_HASH maps made with raw bpf(2) and pinned under this run's bpffs
//! directory, `mapinspect --pin P record --interval 1 --duration 10.5` runs as a process
//! while the bench rewrites 1,000 entries (1%) half-way between its frames. The file is then
//! read back as `replay` reads it. Targets, printed ok or MISS (nothing is asserted): a
//! partial frame under 5% of a whole frame, a whole frame no bigger than the raw bytes, and
//! the recorder's CPU (from wait4's rusage) under 100 ms a frame.
//! Needs root. Run: `./scripts/bench.sh record` or `cargo bench -p inspector --bench record`.
#[allow(dead_code)] // Each bench binary uses its own part of the shared support.
mod support;

use std::{
    os::fd::AsFd as _,
    path::Path,
    process::{Command, ExitCode},
    thread::sleep,
    time::{Duration, Instant},
};

use inspector::record::{format::BlockKind, reader};
use support::{
    BenchResult,
    fixture::{BpffsDir, Fixture, KEY_SIZE, MapType, VALUE_SIZE, fill},
};

const MAPINSPECT: &str = env!("CARGO_BIN_EXE_mapinspect");
const ENTRIES: u32 = 100_000;
/// Entries rewritten between two frames: 1%.
const CHANGED: u32 = ENTRIES / 100;
const FRAMES: u32 = 10;
/// A partial frame of 1% changes against a whole frame.
const PARTIAL_SHARE_TARGET: f64 = 0.05;
/// CPU seconds the recorder may spend per frame of a 100k-entry map: 10% of a core at the
/// default 1 s interval.
const RECORD_CPU_TARGET: f64 = 0.1;

fn main() -> ExitCode {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("record bench skipped: it creates and pins eBPF maps, which needs root");
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let mut misses = Vec::new();
    for map_type in [MapType::Hash, MapType::PercpuHash] {
        if let Err(err) = bench(map_type, &mut misses) {
            eprintln!("bench failed: {err}");
            return ExitCode::FAILURE;
        }
    }
    if !misses.is_empty() {
        println!("Missed targets:");
        for miss in &misses {
            println!("  - {miss}");
        }
    }
    println!("Total run time: {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn bench(map_type: MapType, misses: &mut Vec<String>) -> BenchResult<()> {
    let dir = BpffsDir::create()?;
    let fixture = Fixture::create(map_type, ENTRIES, &dir)?;
    let file = std::env::temp_dir().join(format!("mapinspect-bench-{}.rec", std::process::id()));
    let pin = fixture.pin.path.to_str().ok_or("pin path")?;
    let duration = format!("{}.5", FRAMES);
    let child = Command::new(MAPINSPECT)
        .args(["--pin", pin, "record", "-o"])
        .arg(&file)
        .args(["--interval", "1", "--duration", &duration])
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // Half-way between frames: each partial frame sees one round of changes.
    let start = Instant::now();
    for round in 0..FRAMES {
        let due = Duration::from_millis(500 + 1000 * u64::from(round));
        sleep(due.saturating_sub(start.elapsed()));
        let keys = round * CHANGED..(round + 1) * CHANGED;
        fill(
            fixture.handle.fd().as_fd(),
            map_type,
            keys,
            u64::from(round) + 1,
        )?;
    }
    let cpu_before = children_cpu();
    let output = child.wait_with_output()?;
    let cpu = children_cpu() - cpu_before;
    if !output.status.success() {
        return Err(format!("record: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let recording = reader::open(Path::new(&file)).map_err(|e| format!("{e:#}"))?;
    let file_bytes = std::fs::metadata(&file)?.len();
    let _ = std::fs::remove_file(&file);
    report(map_type, &recording, file_bytes, misses);
    // The recorder's own cost: reading, diffing, compressing and writing every frame.
    let per_frame = cpu / recording.frames.len() as f64;
    let light = per_frame < RECORD_CPU_TARGET;
    println!(
        "{} 100k: record CPU {:.1} ms per frame ({:.1}% of a core at 1 s) — target <{:.0} ms {}",
        map_type.label(),
        per_frame * 1000.0,
        per_frame * 100.0,
        RECORD_CPU_TARGET * 1000.0,
        if light { "ok" } else { "MISS" }
    );
    if !light {
        misses.push(format!(
            "{} 100k: recording costs {:.0} ms of CPU per frame",
            map_type.label(),
            per_frame * 1000.0
        ));
    }
    Ok(())
}

/// User + system seconds of the children waited for so far.
fn children_cpu() -> f64 {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn report(
    map_type: MapType,
    recording: &reader::Recording,
    file_bytes: u64,
    misses: &mut Vec<String>,
) {
    let cpus = recording.descs[0].cpus;
    let value_bytes = VALUE_SIZE.next_multiple_of(8) * cpus;
    let raw = ENTRIES as usize * (KEY_SIZE + value_bytes);
    let sizes = |kind: BlockKind| -> Vec<usize> {
        recording
            .frames
            .iter()
            .filter(|frame| frame.kind == kind)
            .map(|frame| frame.file_bytes())
            .collect()
    };
    let whole = sizes(BlockKind::KeyFrame);
    let mut partial = sizes(BlockKind::Frame);
    partial.sort_unstable();
    let label = format!("{} 100k", map_type.label());
    let (Some(&whole), Some(&median)) = (whole.first(), partial.get(partial.len() / 2)) else {
        misses.push(format!("{label}: the recording has no partial frame"));
        return;
    };
    let frames = recording.frames.len();
    println!(
        "{label}: {frames} frames, {file_bytes} bytes in all = {} bytes per frame; raw map {raw} bytes",
        file_bytes / frames as u64
    );
    let verdict = |ok: bool| if ok { "ok" } else { "MISS" };
    let fits = whole <= raw;
    println!(
        "{label}: whole frame {whole} bytes = {:.2}x the raw bytes — target <=1x {}",
        whole as f64 / raw as f64,
        verdict(fits)
    );
    if !fits {
        misses.push(format!(
            "{label}: a whole frame is bigger than the map's raw bytes"
        ));
    }
    let share = median as f64 / whole as f64;
    let small = share < PARTIAL_SHARE_TARGET;
    println!(
        "{label}: partial frame ({CHANGED} of {ENTRIES} entries changed) {median} bytes median \
         (min {}, max {}) = {:.2}% of a whole frame — target <{:.0}% {}",
        partial[0],
        partial[partial.len() - 1],
        share * 100.0,
        PARTIAL_SHARE_TARGET * 100.0,
        verdict(small)
    );
    if !small {
        misses.push(format!(
            "{label}: a partial frame is {:.1}% of a whole one",
            share * 100.0
        ));
    }
}
