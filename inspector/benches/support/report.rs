//! The printed result: one table of read times, then the UI and memory lines, each figure
//! next to its target, then what missed a target and what bounds it.
use std::time::Duration;

use super::{
    fixture::MapType,
    latency::{HEIGHT, Latency, WIDTH},
    memory::PeakRss,
    timing::{Timing, fmt_count, fmt_duration, fmt_rate},
};

/// Targets from the issue. Printed, never asserted: this is a benchmark, not a test.
const SNAPSHOT_VS_RAW_MAX: f64 = 1.25;
const SNAPSHOT_VS_BPFTOOL_MIN: f64 = 8.0;
const FRAME_BUDGET: Duration = Duration::from_millis(16);
const PEAK_RSS_MAX: f64 = 3.0;

/// All four methods on one map.
pub struct MapRun {
    pub map_type: MapType,
    pub entries: usize,
    pub raw: Timing,
    pub snapshot: Timing,
    pub per_key: Timing,
    /// None when bpftool is not installed.
    pub bpftool: Option<Timing>,
}

/// The UI figures, at `entries`.
pub struct UiRun {
    pub entries: usize,
    pub latency: Latency,
}

pub struct MemoryRun {
    pub peak: PeakRss,
}

#[derive(Default)]
pub struct Report {
    pub header: Vec<String>,
    pub maps: Vec<MapRun>,
    pub ui: Option<UiRun>,
    pub memory: Option<MemoryRun>,
    /// Anything skipped, and why.
    pub notes: Vec<String>,
}

/// One printed row of the table.
struct Row {
    cells: [String; 9],
}

const COLUMNS: [&str; 9] = [
    "map",
    "entries",
    "method",
    "reps",
    "median",
    "entries/s",
    "bpftool÷",
    "÷raw",
    "target",
];

impl Report {
    pub fn print(&self) {
        for line in &self.header {
            println!("{line}");
        }
        println!();
        let mut misses = Vec::new();
        let rows: Vec<Row> = self
            .maps
            .iter()
            .flat_map(|run| map_rows(run, &mut misses))
            .collect();
        print_table(&rows);
        println!();
        if let Some(ui) = &self.ui {
            ui_lines(ui, &mut misses);
        }
        if let Some(memory) = &self.memory {
            memory_line(memory, &mut misses);
        }
        for note in &self.notes {
            println!("note: {note}");
        }
        println!();
        if misses.is_empty() {
            println!("All targets met.");
        } else {
            println!("Missed targets:");
            for miss in &misses {
                println!("  - {miss}");
            }
        }
    }
}

fn x(ratio: f64) -> String {
    format!("{ratio:.2}x")
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISS" }
}

/// Time ratio a/b: how many times faster b is than a.
fn ratio(a: Timing, b: Timing) -> f64 {
    a.median.as_secs_f64() / b.median.as_secs_f64().max(1e-12)
}

fn map_rows(run: &MapRun, misses: &mut Vec<String>) -> Vec<Row> {
    let what = format!("{} {}", run.map_type.label(), fmt_count(run.entries));
    let vs_bpftool = |t: Timing| run.bpftool.map_or("n/a".into(), |b| x(ratio(b, t)));
    let row = |method: &str, t: Timing, vs_raw: String, target: String| Row {
        cells: [
            run.map_type.label().to_string(),
            fmt_count(run.entries),
            method.to_string(),
            t.reps.to_string(),
            fmt_duration(t.median),
            fmt_rate(t.rate(run.entries)),
            vs_bpftool(t),
            vs_raw,
            target,
        ],
    };

    // mapinspect's snapshot: against the raw loop and against bpftool.
    let snap_vs_raw = ratio(run.snapshot, run.raw);
    let mut snap_target = format!(
        "≤{SNAPSHOT_VS_RAW_MAX}x raw {}",
        verdict(snap_vs_raw <= SNAPSHOT_VS_RAW_MAX)
    );
    if snap_vs_raw > SNAPSHOT_VS_RAW_MAX {
        let excess = run.snapshot.median.saturating_sub(run.raw.median);
        misses.push(format!(
            "{what}: snapshot is {} the raw batch loop (+{}). snapshot() does no decoding, \
             so the excess is allocation: growing, zero-filling and first-touch page faults \
             of its key/value buffers (the raw loop reuses buffers faulted in beforehand); \
             the syscall copy itself is the raw line.",
            x(snap_vs_raw),
            fmt_duration(excess)
        ));
    }
    if let Some(bpftool) = run.bpftool {
        let speedup = ratio(bpftool, run.snapshot);
        let ok = speedup >= SNAPSHOT_VS_BPFTOOL_MIN;
        snap_target.push_str(&format!(
            ", ≥{SNAPSHOT_VS_BPFTOOL_MIN}x bpftool {}",
            verdict(ok)
        ));
        if !ok {
            let raw_speedup = ratio(bpftool, run.raw);
            let bound = if raw_speedup < SNAPSHOT_VS_BPFTOOL_MIN {
                format!(
                    "bounded by the kernel's batch lookup and copy (syscall copy): even the \
                     raw loop is only {} faster than bpftool here",
                    x(raw_speedup)
                )
            } else {
                format!(
                    "the raw loop is {} faster than bpftool, so the snapshot's own overhead \
                     over the syscall copy (allocation, see ÷raw) is what loses the margin",
                    x(raw_speedup)
                )
            };
            misses.push(format!(
                "{what}: snapshot is {} faster than bpftool (target ≥{SNAPSHOT_VS_BPFTOOL_MIN}x); {bound}.",
                x(speedup)
            ));
        }
    }

    // The fallback iterator only has to beat bpftool.
    let per_key_target = match run.bpftool {
        Some(bpftool) => {
            let speedup = ratio(bpftool, run.per_key);
            if speedup <= 1.0 {
                misses.push(format!(
                    "{what}: the per-key fallback ({}) is not faster than bpftool ({}). Both \
                     are bound by syscalls (two per entry: GET_NEXT_KEY + LOOKUP; one LOOKUP \
                     per slot for arrays); the fallback also allocates a copy of every key \
                     for its seen-set.",
                    fmt_duration(run.per_key.median),
                    fmt_duration(bpftool.median)
                ));
            }
            format!("faster than bpftool {}", verdict(speedup > 1.0))
        }
        None => String::new(),
    };

    let mut rows = vec![
        row(
            "mapinspect snapshot (batch)",
            run.snapshot,
            x(snap_vs_raw),
            snap_target,
        ),
        row(
            "mapinspect per-key fallback",
            run.per_key,
            x(ratio(run.per_key, run.raw)),
            per_key_target,
        ),
    ];
    if let Some(bpftool) = run.bpftool {
        rows.push(row(
            "bpftool map dump -j",
            bpftool,
            x(ratio(bpftool, run.raw)),
            String::new(),
        ));
    }
    rows.push(row(
        "raw batch loop (kernel limit)",
        run.raw,
        x(1.0),
        String::new(),
    ));
    rows
}

fn print_table(rows: &[Row]) {
    let mut widths = COLUMNS.map(|c| c.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(&row.cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    // Text columns align left, figures right.
    let right = [false, true, false, true, true, true, true, true, false];
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .zip(right)
            .map(|((cell, width), right)| {
                let pad = " ".repeat(width - cell.chars().count());
                if right {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(&COLUMNS.map(String::from));
    line(&widths.map(|w| "-".repeat(w)));
    let mut previous: Option<(&str, &str)> = None;
    for row in rows {
        // A blank line between maps keeps the four methods of one map together.
        let this = (row.cells[0].as_str(), row.cells[1].as_str());
        if previous.is_some_and(|p| p != this) {
            println!();
        }
        previous = Some(this);
        line(&row.cells);
    }
}

fn ui_lines(ui: &UiRun, misses: &mut Vec<String>) {
    let l = &ui.latency;
    let n = fmt_count(ui.entries);
    let budget = fmt_duration(FRAME_BUDGET);
    let key_ok = l.key_to_frame.median < FRAME_BUDGET;
    println!(
        "UI key-to-frame, HASH {n}, {WIDTH}x{HEIGHT} TestBackend: {} median of {} \
         (update {}, draw {}) — target <{budget} {}",
        fmt_duration(l.key_to_frame.median),
        l.key_to_frame.reps,
        fmt_duration(l.key_update),
        fmt_duration(l.key_draw),
        verdict(key_ok)
    );
    let refresh_ok = l.refreshing.median < FRAME_BUDGET;
    println!(
        "UI key-to-frame while refreshing, HASH {n}: {} median of {} \
         (apply_refresh {}, key + draw {}; diff and row order computed off the clock, \
         as the collector thread does) — target <{budget} {}",
        fmt_duration(l.refreshing.median),
        l.refreshing.reps,
        fmt_duration(l.refresh_apply),
        fmt_duration(l.refresh_draw),
        verdict(refresh_ok)
    );
    println!(
        "Collector thread, HASH {n}: ordering the rows of each snapshot (sort by key) takes {} \
         median, off the UI loop",
        fmt_duration(l.order_off_loop)
    );
    if !key_ok {
        let bound = if l.key_draw >= l.key_update {
            "rendering (ui::draw)"
        } else {
            "the state update (App::update)"
        };
        misses.push(format!(
            "key-to-frame at {n} is {}; bounded by {bound}.",
            fmt_duration(l.key_to_frame.median)
        ));
    }
    if !refresh_ok {
        let bound = if l.refresh_apply >= l.refresh_draw {
            format!(
                "apply_refresh ({}), not rendering ({})",
                fmt_duration(l.refresh_apply),
                fmt_duration(l.refresh_draw),
            )
        } else {
            format!(
                "rendering ({}), more than apply_refresh ({})",
                fmt_duration(l.refresh_draw),
                fmt_duration(l.refresh_apply)
            )
        };
        misses.push(format!(
            "key-to-frame while refreshing at {n} is {}; bounded by {bound}.",
            fmt_duration(l.refreshing.median)
        ));
    }
}

fn memory_line(memory: &MemoryRun, misses: &mut Vec<String>) {
    let p = memory.peak;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let ok = p.ratio() < PEAK_RSS_MAX;
    println!(
        "Peak RSS of one snapshot, HASH {} (child process): +{:.1} MiB for {:.1} MiB of raw \
         key+value bytes = {} — target <{PEAK_RSS_MAX}x {}",
        fmt_count(p.entries as usize),
        mib(p.growth),
        mib(p.payload),
        x(p.ratio()),
        verdict(ok)
    );
    if !ok {
        misses.push(format!(
            "peak RSS is {} the raw bytes; bounded by allocation: the snapshot's buffers grow \
             one batch chunk at a time, and growth beyond the payload (capacity slack, \
             a reallocation's old and new copies) is what shows up.",
            x(p.ratio())
        ));
    }
}
