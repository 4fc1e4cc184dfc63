//! The four ways of reading a whole map that the table compares.
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use inspector::{
    maps::{BATCH_CHUNK, MapHandle, ReadMode, Snapshot},
    sys::{self, Batch},
};

use super::BenchResult;

/// 1. mapinspect's snapshot, as the TUI's collector takes it (batched).
pub fn snapshot(map: &MapHandle) -> BenchResult<Snapshot> {
    Ok(map.snapshot()?)
}

/// 2. mapinspect's fallback for kernels or maps without batch reads: GET_NEXT_KEY + LOOKUP
///    per entry (per-index LOOKUP for arrays).
pub fn per_key(map: &MapHandle) -> BenchResult<Snapshot> {
    Ok(map.snapshot_with(ReadMode::PerKey)?)
}

/// 3. `bpftool map dump pinned <path> -j`, the whole command timed (fork, exec, reading
///    and JSON formatting), its output thrown away.
pub fn bpftool_dump(bpftool: &Path, pin: &Path) -> BenchResult<()> {
    let out = Command::new(bpftool)
        .args(["map", "dump", "pinned"])
        .arg(pin)
        .arg("-j")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("running {}: {e}", bpftool.display()))?;
    if !out.status.success() {
        return Err(format!(
            "bpftool map dump {}: {}: {}",
            pin.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

/// Where bpftool is: on PATH, else Debian's /usr/sbin (not on a non-root PATH).
pub fn find_bpftool() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("bpftool"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/bpftool");
        sbin.is_file().then_some(sbin)
    })
}

/// bpftool's first version line, for the report header.
pub fn bpftool_version(bpftool: &Path) -> String {
    Command::new(bpftool)
        .arg("version")
        .output()
        .ok()
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "bpftool (version unknown)".into())
}

/// 4. The kernel's limit: BPF_MAP_LOOKUP_BATCH in chunks of the same size mapinspect asks
///    for, into buffers allocated and touched before the clock starts, with nothing done to
///    the bytes afterwards. What is left is the syscall's own work and copy.
pub struct RawBatchLoop {
    keys: Vec<u8>,
    values: Vec<u8>,
    cursor_in: Vec<u8>,
    cursor_out: Vec<u8>,
    key_size: usize,
    width: usize,
    slots: usize,
}

impl RawBatchLoop {
    pub fn new(map: &MapHandle) -> Self {
        let key_size = map.desc.meta.key_size as usize;
        let width = map.desc.value_buffer_len();
        // Room for the whole map plus one chunk, so every call can be offered a full chunk
        // (a hash bucket must fit whole, or the kernel answers ENOSPC).
        let slots = map.desc.meta.max_entries as usize + BATCH_CHUNK as usize;
        // Filled with a non-zero byte, not zeroed: calloc'd pages would only be mapped on
        // the first write, and that page-fault cost belongs to allocation, not the syscall.
        Self {
            keys: vec![0xa5; slots * key_size],
            values: vec![0xa5; slots * width],
            cursor_in: vec![0; key_size.max(8)],
            cursor_out: vec![0; key_size.max(8)],
            key_size,
            width,
            slots,
        }
    }

    /// Reads the whole map; returns how many entries the kernel wrote.
    pub fn read(&mut self, map: &MapHandle) -> BenchResult<usize> {
        let mut have = 0;
        let mut started = false;
        loop {
            let capacity = (self.slots - have).min(BATCH_CHUNK as usize) as u32;
            // SAFETY: the buffers hold `slots` keys and values of the map's sizes (value
            // width per CPU included), and `capacity` never exceeds the slots left.
            let result = unsafe {
                sys::lookup_batch(
                    map.fd(),
                    started.then_some(self.cursor_in.as_slice()),
                    &mut self.cursor_out,
                    &mut self.keys[have * self.key_size..],
                    &mut self.values[have * self.width..],
                    capacity,
                )
            }?;
            match result {
                Batch::More(n) => {
                    have += n as usize;
                    std::mem::swap(&mut self.cursor_in, &mut self.cursor_out);
                    started = true;
                }
                Batch::Done(n) => return Ok(have + n as usize),
            }
        }
    }
}

/// Checks that a read saw every entry.
pub fn expect_entries(method: &str, got: usize, want: usize) -> BenchResult<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{method} read {got} entries, the map holds {want}").into())
    }
}

/// A snapshot's entry count, checked.
pub fn check_snapshot(method: &str, snap: &Snapshot, want: usize) -> BenchResult<()> {
    expect_entries(method, snap.len(), want)
}
