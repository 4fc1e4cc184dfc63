//! The maps under test: created with raw bpf(2), filled with batch updates, pinned under a
//! bpffs directory of this run so bpftool can open them by path.
use std::{
    fs,
    os::fd::{AsFd, BorrowedFd},
    path::{Path, PathBuf},
};

use inspector::{
    maps::{MapHandle, possible_cpus},
    sys,
};

use super::BenchResult;

/// Key and value sizes of every benchmark map: u32 keys, u64 values.
pub const KEY_SIZE: usize = 4;
pub const VALUE_SIZE: usize = 8;

/// Entries per BPF_MAP_UPDATE_BATCH call when filling: one call per chunk keeps the fill
/// buffers small and each syscall short.
const FILL_CHUNK: u32 = 1 << 16;

/// The map types the benchmark reads. The numbers are `enum bpf_map_type` from
/// include/uapi/linux/bpf.h.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapType {
    Hash,
    PercpuHash,
    LruHash,
    Array,
}

impl MapType {
    pub const ALL: [MapType; 4] = [
        MapType::Hash,
        MapType::PercpuHash,
        MapType::LruHash,
        MapType::Array,
    ];

    pub fn raw(self) -> u32 {
        match self {
            MapType::Hash => 1,
            MapType::Array => 2,
            MapType::PercpuHash => 5,
            MapType::LruHash => 9,
        }
    }

    /// The kernel's name without BPF_MAP_TYPE_, as bpftool prints it.
    pub fn label(self) -> &'static str {
        match self {
            MapType::Hash => "HASH",
            MapType::PercpuHash => "PERCPU_HASH",
            MapType::LruHash => "LRU_HASH",
            MapType::Array => "ARRAY",
        }
    }

    fn is_percpu(self) -> bool {
        self == MapType::PercpuHash
    }

    /// Values per key in a lookup: one per possible CPU for per-CPU maps.
    fn cpus(self) -> usize {
        if self.is_percpu() { possible_cpus() } else { 1 }
    }
}

/// A filled map, open in mapinspect, pinned for bpftool.
pub struct Fixture {
    pub map_type: MapType,
    /// Entries inserted (the map's max_entries).
    pub inserted: usize,
    pub handle: MapHandle,
    pub pin: Pin,
}

impl Fixture {
    /// Creates a map of `entries` slots, fills every one, opens it and pins it in `dir`.
    pub fn create(map_type: MapType, entries: u32, dir: &BpffsDir) -> BenchResult<Self> {
        let name = format!("mib_{}_{}", map_type.label().to_lowercase(), entries);
        let fd = sys::map_create(
            map_type.raw(),
            KEY_SIZE as u32,
            VALUE_SIZE as u32,
            entries,
            0,
            &name,
        )
        .map_err(|e| format!("creating {} of {entries}: {e}", map_type.label()))?;
        fill(fd.as_fd(), map_type, 0..entries, 0)
            .map_err(|e| format!("filling {} of {entries}: {e}", map_type.label()))?;
        let pin = dir.pin(fd.as_fd(), &name)?;
        let handle = MapHandle::from_fd(fd)?;
        Ok(Self {
            map_type,
            inserted: entries as usize,
            handle,
            pin,
        })
    }
}

/// Writes keys `keys` with values `key * 3 + cpu + generation` in batches (BPF_ANY, so
/// the same call refreshes existing entries: a later `generation` changes their values).
pub fn fill(
    fd: BorrowedFd<'_>,
    map_type: MapType,
    keys: std::ops::Range<u32>,
    generation: u64,
) -> BenchResult<()> {
    let cpus = map_type.cpus();
    let mut start = keys.start;
    while start < keys.end {
        let end = keys.end.min(start.saturating_add(FILL_CHUNK));
        let key_bytes: Vec<u8> = (start..end).flat_map(u32::to_ne_bytes).collect();
        let value_bytes: Vec<u8> = (start..end)
            .flat_map(|key| {
                (0..cpus as u64)
                    .flat_map(move |cpu| (u64::from(key) * 3 + cpu + generation).to_ne_bytes())
            })
            .collect();
        let count = end - start;
        // SAFETY: the fixture packs `count` keys and values of the map's own sizes.
        let written =
            unsafe { sys::update_batch(fd, &key_bytes, &value_bytes, count, sys::BPF_ANY) }?;
        if written != count {
            return Err(format!("batch update wrote {written} of {count}").into());
        }
        start = end;
    }
    Ok(())
}

/// This run's directory on bpffs (/sys/fs/bpf/mapinspect-bench-<pid>/). Dropping it removes
/// the directory with anything still pinned in it, also when the run fails or panics.
pub struct BpffsDir {
    path: PathBuf,
}

const BPFFS: &str = "/sys/fs/bpf";

impl BpffsDir {
    pub fn create() -> BenchResult<Self> {
        ensure_bpffs()?;
        let path = Path::new(BPFFS).join(format!("mapinspect-bench-{}", std::process::id()));
        fs::create_dir(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        Ok(Self { path })
    }

    pub fn pin(&self, fd: BorrowedFd<'_>, name: &str) -> BenchResult<Pin> {
        let path = self.path.join(name);
        sys::obj_pin(fd, &path).map_err(|e| format!("pinning {}: {e}", path.display()))?;
        Ok(Pin { path })
    }
}

impl Drop for BpffsDir {
    fn drop(&mut self) {
        if let Err(err) = fs::remove_dir_all(&self.path) {
            eprintln!("bench: could not remove {}: {err}", self.path.display());
        }
    }
}

/// A pinned map. Unpinning on drop lets the kernel free the map as soon as its fd closes,
/// instead of holding every 1M-entry map until the end of the run.
pub struct Pin {
    pub path: PathBuf,
}

impl Drop for Pin {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Mounts bpffs at /sys/fs/bpf unless it already is. It stays mounted afterwards, as
/// systemd would have left it: other tools may pin there meanwhile.
fn ensure_bpffs() -> BenchResult<()> {
    let mounts = fs::read_to_string("/proc/self/mounts")?;
    let mounted = mounts.lines().any(|line| {
        let mut fields = line.split_whitespace().skip(1);
        fields.next() == Some(BPFFS) && fields.next() == Some("bpf")
    });
    if mounted {
        return Ok(());
    }
    eprintln!("bench: mounting bpffs at {BPFFS}");
    let target = std::ffi::CString::new(BPFFS)?;
    // SAFETY: every pointer is a NUL-terminated string that outlives the call; bpffs
    // takes no mount data.
    let ret = unsafe {
        libc::mount(
            c"bpf".as_ptr(),
            target.as_ptr(),
            c"bpf".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if ret != 0 {
        return Err(format!(
            "mounting bpffs at {BPFFS}: {}",
            std::io::Error::last_os_error()
        )
        .into());
    }
    Ok(())
}
