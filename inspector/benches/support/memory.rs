//! Peak memory of one snapshot, measured in a fresh process so that nothing the benchmark
//! allocated before (other maps' snapshots, buffers, the allocator's free lists) hides or
//! inflates it: the bench re-executes itself with `--child-peak-rss <pin>`.
use std::{
    fs,
    path::Path,
    process::{Command, Stdio},
};

use inspector::maps::MapHandle;

use super::BenchResult;

/// The argument that turns the bench binary into the measuring child.
pub const CHILD_FLAG: &str = "--child-peak-rss";

/// What the child saw.
#[derive(Clone, Copy, Debug)]
pub struct PeakRss {
    /// VmHWM after the snapshot minus VmRSS before it, in bytes.
    pub growth: u64,
    /// The snapshot's raw key and value bytes (Snapshot::payload_bytes).
    pub payload: u64,
    pub entries: u64,
}

impl PeakRss {
    pub fn ratio(&self) -> f64 {
        self.growth as f64 / self.payload.max(1) as f64
    }
}

/// Parent side: runs the child on the map pinned at `pin` and reads its one-line answer.
pub fn measure(pin: &Path) -> BenchResult<PeakRss> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg(CHILD_FLAG)
        .arg(pin)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("peak-RSS child failed: {}", out.status).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u64> = text
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    match numbers[..] {
        [growth, payload, entries] => Ok(PeakRss {
            growth,
            payload,
            entries,
        }),
        _ => Err(format!("peak-RSS child answered {text:?}").into()),
    }
}

/// Child side: opens the pinned map (before measuring: that is not the snapshot's cost),
/// resets the peak, takes one snapshot, prints "growth payload entries".
pub fn child(pin: &Path) -> BenchResult<()> {
    let map = MapHandle::open_pinned(pin)?;
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+), so the peak
    // below is the snapshot's, not the loader's or the argument parser's. If it fails the
    // peak can only be larger, so the figure errs on the safe side.
    let _ = fs::write("/proc/self/clear_refs", "5");
    let before = status_bytes("VmRSS")?;
    let snapshot = map.snapshot()?;
    let peak = status_bytes("VmHWM")?;
    println!(
        "{} {} {}",
        peak.saturating_sub(before),
        snapshot.payload_bytes(),
        snapshot.len()
    );
    std::hint::black_box(&snapshot);
    Ok(())
}

/// A "Name:   1234 kB" line of /proc/self/status, in bytes.
fn status_bytes(name: &str) -> BenchResult<u64> {
    let status = fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| format!("no {name} in /proc/self/status").into())
}
