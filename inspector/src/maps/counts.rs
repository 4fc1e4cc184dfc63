//! Entry counts without reading the maps: the kernel's own per-map element counter, for every
//! map on the host in one iterator read ([`crate::sys::CountIter`], kernel 6.6+), and reading
//! as the fallback where the kfunc is missing or the map type keeps no counter.
use std::collections::HashMap;

use super::{MapError, MapHandle, MapKind};
use crate::{
    sys::{CountIter, IterTargets, SysError},
    values::btf::Btf,
};

/// Counts maps, by the kernel's counters where it can.
pub struct Counter {
    iter: Result<CountIter, String>,
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

impl Counter {
    /// Loads the counting iterator; when the kernel cannot run it, every count is read.
    pub fn new() -> Self {
        Self {
            iter: targets().and_then(|t| CountIter::load(t).map_err(|e| e.to_string())),
        }
    }

    /// Why the kernel's counters are out of reach, if they are.
    pub fn unavailable(&self) -> Option<&str> {
        self.iter.as_ref().err().map(String::as_str)
    }

    /// Map id -> the kernel's element count, for every map on the host (0 for map types
    /// that keep no counter: see [`keeps_counter`]).
    pub fn kernel_counts(&self) -> Result<HashMap<u32, u64>, SysError> {
        match &self.iter {
            Ok(iter) => iter.read(),
            Err(why) => Err(SysError {
                op: "count maps",
                source: std::io::Error::other(why.clone()),
            }),
        }
    }

    /// The entry count of each map (non-zero slots for arrays, as the map list shows them):
    /// the kernel's counter for hash maps when the iterator runs, else a full read.
    pub fn counts(&self, maps: &[&MapHandle]) -> Vec<Result<usize, MapError>> {
        let kernel = self.kernel_counts().ok();
        maps.iter()
            .map(|map| count_with(kernel.as_ref(), map))
            .collect()
    }
}

/// One map's count: from `kernel` (an iterator read) when its type keeps a counter and the
/// iterator saw it, else by reading the map.
pub fn count_with(kernel: Option<&HashMap<u32, u64>>, map: &MapHandle) -> Result<usize, MapError> {
    let meta = &map.desc.meta;
    match kernel
        .filter(|_| keeps_counter(meta.kind))
        .and_then(|counts| counts.get(&meta.id))
    {
        Some(&count) => Ok(count as usize),
        None => count_by_reading(map),
    }
}

/// Whether the kernel keeps an element counter for this type (the hash family; its LRU
/// evictions included). Other types report 0 through the kfunc, so they are read.
pub fn keeps_counter(kind: MapKind) -> bool {
    matches!(
        kind,
        MapKind::Hash | MapKind::PercpuHash | MapKind::LruHash | MapKind::LruPercpuHash
    )
}

/// Entries by a full read: every entry, or the non-zero slots of an array.
pub fn count_by_reading(map: &MapHandle) -> Result<usize, MapError> {
    let snap = map.snapshot()?;
    Ok(if map.desc.meta.kind.is_array() {
        snap.nonzero_count()
    } else {
        snap.len()
    })
}

/// What the iterator needs from the running kernel's BTF.
fn targets() -> Result<IterTargets, String> {
    let btf = Btf::kernel().map_err(|e| format!("reading the kernel's BTF: {e}"))?;
    let func = |name: &str| {
        btf.function_id(name)
            .ok_or_else(|| format!("the kernel has no {name} (it needs Linux 6.6 or later)"))
    };
    let map_id_offset = btf
        .member_offset("bpf_map", "id")
        .ok()
        .and_then(|off| i16::try_from(off).ok())
        .ok_or("the kernel's BTF has no struct bpf_map with an id")?;
    Ok(IterTargets {
        attach_btf_id: func("bpf_iter_bpf_map")?,
        kfunc_btf_id: func("bpf_map_sum_elem_count")?,
        map_id_offset,
    })
}
