//! Opening maps (by id, by pin, from a loaded object) and describing them.
//!
//! Every map, bundled or owned by another program, is held the same way: an fd plus the
//! metadata the kernel reports for it, plus key/value layouts from the map's BTF.
mod access;
pub mod counts;
mod flood;
mod kind;
mod mmap;
pub mod ops;
mod snapshot;
pub mod types;

use std::{
    os::fd::{AsFd, BorrowedFd, OwnedFd},
    path::Path,
    sync::atomic::AtomicBool,
};

pub(crate) use flood::Tally;
pub use flood::{
    describe_failures, describe_ranges, flood_key, flood_value_bytes, kernel_flood_refusal,
};
pub use kind::{MapKind, flag_names};
pub use snapshot::{BATCH_CHUNK, ReadMode, Snapshot};
use thiserror::Error;

use crate::{
    sys::{self, SysError},
    values::{Layout, btf::Btf, render},
};

#[derive(Debug, Error)]
pub enum MapError {
    #[error("no map with id {id} (it may have been deleted)")]
    NotFound { id: u32 },
    #[error("a BPF {what}, not a map")]
    NotAMap { what: &'static str },
    #[error("cannot open map: {source}")]
    Open {
        #[source]
        source: SysError,
    },
    #[error("map {name}: {source}")]
    Syscall {
        name: String,
        #[source]
        source: SysError,
    },
    #[error("map {name} is a {kind} map, which mapinspect cannot read")]
    Unsupported { name: String, kind: String },
    #[error("map {name} ({kind}) cannot be listed: {reason}")]
    Unlisted {
        name: String,
        kind: String,
        reason: &'static str,
    },
    #[error("map {name}: not enough memory to read it ({bytes} more bytes refused)")]
    TooBig { name: String, bytes: usize },
    /// A read that failed while recording, replayed (`mapinspect replay`).
    #[error("{text} (when recorded)")]
    Recorded { text: String },
}

/// What the kernel says about a map (BPF_OBJ_GET_INFO_BY_FD).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapMeta {
    pub id: u32,
    pub name: String,
    pub kind: MapKind,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
}

impl MapMeta {
    fn from_raw(info: &sys::RawMapInfo) -> Self {
        Self {
            id: info.id,
            name: sys::object_name(&info.name),
            kind: MapKind::from_raw(info.map_type),
            key_size: info.key_size,
            value_size: info.value_size,
            max_entries: info.max_entries,
            flags: info.map_flags,
            btf_id: info.btf_id,
            btf_key_type_id: info.btf_key_type_id,
            btf_value_type_id: info.btf_value_type_id,
        }
    }
}

/// Where a map's key and value layouts came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutSource {
    /// The BTF the kernel holds for the map.
    KernelBtf,
    /// The BTF of the object file that defines the map.
    ObjectBtf,
    /// No BTF: integers for 1/2/4/8-byte sizes, bytes otherwise.
    Sizes,
    /// No BTF, read with the types the user gave (--key-type / --value-type).
    UserTypes,
}

/// Everything needed to decode a map's bytes, without the fd: cheap to clone and send.
#[derive(Clone, Debug)]
pub struct MapDesc {
    pub meta: MapMeta,
    pub key_layout: Layout,
    pub value_layout: Layout,
    pub layout_source: LayoutSource,
    /// Values per key: the number of possible CPUs for per-CPU maps, else 1.
    pub cpus: usize,
    /// The bundled flood program's target for this map, if it can fill it: set once, by the
    /// loader, for the bundled object's experiment maps; every surface asks this.
    pub kernel_flood: Option<shared::FloodTarget>,
    /// Frozen (BPF_MAP_FREEZE, as a loader freezes a `.rodata`): no userspace write can
    /// change it. Read when the map is opened.
    pub frozen: bool,
}

impl MapDesc {
    /// Bytes of one CPU's value in a per-CPU buffer: the kernel aligns each to 8.
    pub fn value_stride(&self) -> usize {
        if self.meta.kind.is_percpu() {
            (self.meta.value_size as usize).next_multiple_of(8)
        } else {
            self.meta.value_size as usize
        }
    }

    /// Bytes a lookup writes: one value, or one per possible CPU.
    pub fn value_buffer_len(&self) -> usize {
        self.value_stride() * self.cpus
    }
}

/// An open map: its fd and its description.
#[derive(Debug)]
pub struct MapHandle {
    fd: OwnedFd,
    pub desc: MapDesc,
    /// Set once the kernel refuses a batch read of this map, so refreshes stop trying.
    batch_unsupported: AtomicBool,
    /// Whether operations may change the map: maps other programs own are read-only
    /// unless the user passed --write.
    pub writable: bool,
    /// Programs that use the map (name and id), where known.
    pub owners: Vec<String>,
}

impl MapHandle {
    /// Takes ownership of a map fd and asks the kernel what it is.
    pub fn from_fd(fd: OwnedFd) -> Result<Self, MapError> {
        // The kernel answers a map-info query on a program or link fd too, with that object's
        // info read as a map's: ask what the fd is first.
        if let Some(what) = sys::bpf_object_kind(fd.as_fd()).filter(|&what| what != "map") {
            return Err(MapError::NotAMap { what });
        }
        let info = sys::map_info(fd.as_fd()).map_err(|source| MapError::Open { source })?;
        let meta = MapMeta::from_raw(&info);
        let (mut key_layout, value_layout, layout_source) = kernel_layouts(&meta);
        if meta.kind == MapKind::LpmTrie && layout_source == LayoutSource::Sizes {
            // Without BTF an LPM key is prefixlen + data, not a number: keep its bytes.
            key_layout = Layout::Bytes {
                size: meta.key_size as usize,
            };
        }
        let cpus = if meta.kind.is_percpu() {
            // Buffers too small for every CPU's value would let the kernel write past them.
            known_possible_cpus().ok_or_else(|| MapError::Unsupported {
                name: meta.name.clone(),
                kind: format!(
                    "{} (the number of possible CPUs is unknown: \
                     /sys/devices/system/cpu/possible cannot be read)",
                    meta.kind.label()
                ),
            })?
        } else {
            1
        };
        let mut map = Self {
            fd,
            batch_unsupported: AtomicBool::new(false),
            writable: true,
            owners: Vec::new(),
            desc: MapDesc {
                meta,
                key_layout,
                value_layout,
                layout_source,
                cpus,
                kernel_flood: None,
                frozen: false,
            },
        };
        map.desc.frozen = map.frozen();
        Ok(map)
    }

    pub fn open_by_id(id: u32) -> Result<Self, MapError> {
        match sys::map_fd_by_id(id) {
            Ok(fd) => Self::from_fd(fd),
            Err(err) if err.errno() == libc::ENOENT => Err(MapError::NotFound { id }),
            Err(source) => Err(MapError::Open { source }),
        }
    }

    pub fn open_pinned(path: &Path) -> Result<Self, MapError> {
        let fd = sys::obj_get(path).map_err(|source| MapError::Open { source })?;
        Self::from_fd(fd)
    }

    /// Opens a pinned map for reading only: a pin its user may read but not write opens,
    /// and the fd can never change the map.
    pub fn open_pinned_read_only(path: &Path) -> Result<Self, MapError> {
        let fd = sys::obj_get_read_only(path).map_err(|source| MapError::Open { source })?;
        let mut map = Self::from_fd(fd)?;
        map.writable = false;
        Ok(map)
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub fn meta(&self) -> &MapMeta {
        &self.desc.meta
    }

    /// Takes layouts from the defining object's BTF when the kernel had none for this map.
    pub fn use_object_btf(&mut self, btf: &Btf) {
        let desc = &mut self.desc;
        if desc.layout_source != LayoutSource::Sizes {
            return;
        }
        let Some(types) = btf.map_definition(&desc.meta.name) else {
            self.use_section_btf(btf);
            return;
        };
        if desc.meta.kind == MapKind::Ringbuf {
            // A ring's definition may name its record type as the value (aya-ebpf's
            // `RingBuf<T>` does); the kernel's value size stays 0.
            let record = types.value.and_then(|id| btf.layout(id).ok());
            if let Some(record) = record.filter(|layout| layout.size() > 0) {
                desc.value_layout = record;
                desc.layout_source = LayoutSource::ObjectBtf;
            }
            return;
        }
        let layout = |id: Option<u32>, size: u32| {
            id.and_then(|id| btf.layout(id).ok())
                .filter(|layout| layout.size() == size as usize)
        };
        let value = layout(types.value, desc.meta.value_size);
        // Queues and stacks have no key (size 0); their definitions still name one.
        let key = match desc.meta.key_size {
            0 => Some(Layout::from_size(0)),
            size => layout(types.key, size),
        };
        if let (Some(key), Some(value)) = (key, value) {
            desc.key_layout = key;
            desc.value_layout = value;
            desc.layout_source = LayoutSource::ObjectBtf;
        }
    }

    /// A global-variable map (`.bss`, `.data`, `.rodata`: one slot, named after its
    /// section) takes its value layout from the section's DATASEC: one field per variable.
    fn use_section_btf(&mut self, btf: &Btf) {
        let meta = &self.desc.meta;
        if meta.kind != MapKind::Array || meta.key_size != 4 || meta.max_entries != 1 {
            return;
        }
        let Some(id) = btf.datasec(&meta.name) else {
            return;
        };
        let Some(value) = btf
            .layout(id)
            .ok()
            .filter(|layout| layout.size() == meta.value_size as usize)
        else {
            return;
        };
        self.desc.key_layout = Layout::int(4, false);
        self.desc.value_layout = value;
        self.desc.layout_source = LayoutSource::ObjectBtf;
    }

    /// Reads a map that has no BTF with the types the user gave. Maps with BTF keep it;
    /// a type of the wrong size is an error naming both sizes. A ring buffer takes the
    /// value type as its records' type.
    pub fn use_types(
        &mut self,
        key: Option<&Layout>,
        value: Option<&Layout>,
    ) -> Result<(), String> {
        let desc = &mut self.desc;
        if !matches!(
            desc.layout_source,
            LayoutSource::Sizes | LayoutSource::UserTypes
        ) {
            return Ok(());
        }
        let fits = |layout: &Layout, size: u32, what: &str| {
            if layout.size() == size as usize {
                Ok(layout.clone())
            } else {
                Err(format!(
                    "--{what}-type {} is {}; {}'s {what}s are {}",
                    layout.type_name(),
                    render::bytes(layout.size()),
                    desc.meta.name,
                    render::bytes(size as usize)
                ))
            }
        };
        let key = key
            .map(|k| fits(k, desc.meta.key_size, "key"))
            .transpose()?;
        // A ring's value size is 0: the type names its records, of any size.
        let value = value
            .map(|v| match desc.meta.kind {
                MapKind::Ringbuf => Ok(v.clone()),
                _ => fits(v, desc.meta.value_size, "value"),
            })
            .transpose()?;
        if key.is_some() || value.is_some() {
            desc.layout_source = LayoutSource::UserTypes;
        }
        if let Some(key) = key {
            desc.key_layout = key;
        }
        if let Some(value) = value {
            desc.value_layout = value;
        }
        Ok(())
    }

    pub(crate) fn syscall_error(&self, source: SysError) -> MapError {
        MapError::Syscall {
            name: self.desc.meta.name.clone(),
            source,
        }
    }
}

/// Key and value layouts from the map's kernel BTF, or from their sizes when it has none.
fn kernel_layouts(meta: &MapMeta) -> (Layout, Layout, LayoutSource) {
    let fallback = || {
        (
            Layout::from_size(meta.key_size as usize),
            Layout::from_size(meta.value_size as usize),
            LayoutSource::Sizes,
        )
    };
    if meta.btf_id == 0 || meta.btf_value_type_id == 0 {
        return fallback();
    }
    let Some(btf) = sys::btf_by_id(meta.btf_id)
        .ok()
        .and_then(|blob| Btf::parse(&blob).ok())
    else {
        return fallback();
    };
    let key = match meta.btf_key_type_id {
        0 => Layout::from_size(meta.key_size as usize),
        id => btf
            .layout(id)
            .unwrap_or_else(|_| Layout::from_size(meta.key_size as usize)),
    };
    let value = btf
        .layout(meta.btf_value_type_id)
        .unwrap_or_else(|_| Layout::from_size(meta.value_size as usize));
    // BTF that disagrees with the map's sizes is not to be trusted for decoding.
    if key.size() == meta.key_size as usize && value.size() == meta.value_size as usize {
        (key, value, LayoutSource::KernelBtf)
    } else {
        fallback()
    }
}

/// The number of possible CPUs (/sys/devices/system/cpu/possible, e.g. "0-1" or "0,2-3").
/// Falls back to 1 when unknown: for display only. Reading per-CPU values needs the real
/// count (the kernel writes one value per possible CPU): see [`known_possible_cpus`].
pub fn possible_cpus() -> usize {
    known_possible_cpus().unwrap_or(1)
}

pub fn known_possible_cpus() -> Option<usize> {
    std::fs::read_to_string("/sys/devices/system/cpu/possible")
        .ok()
        .and_then(|text| parse_cpu_list(&text))
}

fn parse_cpu_list(text: &str) -> Option<usize> {
    let mut count = 0;
    for part in text.trim().split(',') {
        count += match part.split_once('-') {
            Some((lo, hi)) => hi.parse::<usize>().ok()? - lo.parse::<usize>().ok()? + 1,
            None => {
                part.parse::<usize>().ok()?;
                1
            }
        };
    }
    (count > 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(parse_cpu_list("0-1\n"), Some(2));
        assert_eq!(parse_cpu_list("0,2-3"), Some(3));
        assert_eq!(parse_cpu_list("0"), Some(1));
        assert_eq!(parse_cpu_list("x"), None);
        assert_eq!(parse_cpu_list(""), None);
    }
}
