//! Shared by the kernel test binaries: the root gate and one-at-a-time execution.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::sync::{Mutex, MutexGuard};

use inspector::maps::{MapHandle, ReadMode};

static KERNEL: Mutex<()> = Mutex::new(());

/// Serialises kernel tests (they share tracepoints, CPUs and the flood program's maps), or
/// skips when not root: with a printed reason locally, and never under CI=true.
pub fn kernel() -> Option<MutexGuard<'static, ()>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kernel tests need root, and CI=true forbids skipping them"
        );
        eprintln!("SKIPPED: this kernel test needs root (run: sudo -E cargo test)");
        return None;
    }
    Some(
        KERNEL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Every (key, value) of a map read with `mode`, sorted: what tests compare reads with.
pub fn sorted_entries(map: &MapHandle, mode: ReadMode) -> Vec<(Vec<u8>, Vec<u8>)> {
    let snap = map.snapshot_with(mode).expect("snapshot");
    let mut all: Vec<_> = (0..snap.len())
        .map(|i| (snap.key(i).to_vec(), snap.value(i).to_vec()))
        .collect();
    all.sort();
    all
}
