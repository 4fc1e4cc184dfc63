//! What each map type beyond plain keys and values means, read the way that fits it:
//! LPM prefixes, the maps and programs behind maps-of-maps and program arrays, symbolised
//! stacks, ring buffer positions, bloom filter tests, task and cgroup local storage.
//!
//! Reading lives here; drawing lives in `ui/types.rs`, the JSON in `json.rs`.
pub mod bloom;
pub mod cgrp_storage;
pub mod json;
pub mod lpm;
pub mod objects;
pub mod ring_records;
pub mod ringbuf;
pub mod stack_trace;
mod task_storage;

use std::collections::HashMap;

use super::{MapDesc, MapError, MapHandle, MapKind, Snapshot};

pub use cgrp_storage::Cgroup;
pub use objects::{InnerMap, ProgramRef, prog_type_name};
pub use ring_records::{RingReader, RingRecords};
pub use ringbuf::RingPositions;
pub use stack_trace::Kallsyms;

/// What one entry of a typed map stands for, beyond its raw key and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Annotation {
    /// LPM_TRIE key: the prefix, as a CIDR for 4/16-byte data.
    Prefix(lpm::Prefix),
    /// ARRAY_OF_MAPS / HASH_OF_MAPS value: the inner map.
    InnerMap(InnerMap),
    /// PROG_ARRAY value: the program a tail call to this slot runs.
    Program(ProgramRef),
    /// STACK_TRACE value: the frames, innermost first.
    Frames(Vec<String>),
    /// CGRP_STORAGE key: the cgroup the value lives on.
    Cgroup(Cgroup),
}

impl Annotation {
    /// One line for a table cell or the text dump.
    pub fn summary(&self) -> String {
        match self {
            Self::Prefix(prefix) => prefix.to_string(),
            Self::InnerMap(inner) => inner.summary(),
            Self::Program(prog) => prog.summary(),
            Self::Frames(frames) => match frames.first() {
                Some(top) if frames.len() > 1 => format!("{top} … ({} frames)", frames.len()),
                Some(top) => top.clone(),
                None => "(no frames)".into(),
            },
            Self::Cgroup(cgroup) => cgroup.path.clone(),
        }
    }
}

/// Annotates entries of one map; holds what is costly to load once (kernel symbols).
#[derive(Default)]
pub struct Annotator {
    kallsyms: Option<Kallsyms>,
    /// The cgroup2 hierarchy by snapshot key, walked once per read of a cgroup storage map.
    cgroups: Option<HashMap<[u8; 4], Cgroup>>,
}

impl Annotator {
    /// What the entry `key` → `value` of a map described by `desc` stands for, if its type
    /// gives it a meaning beyond the bytes.
    pub fn annotate(&mut self, desc: &MapDesc, key: &[u8], value: &[u8]) -> Option<Annotation> {
        match desc.meta.kind {
            MapKind::LpmTrie => lpm::Prefix::from_key(key).map(Annotation::Prefix),
            MapKind::ArrayOfMaps | MapKind::HashOfMaps => {
                id_of(value).map(|id| Annotation::InnerMap(InnerMap::read(id)))
            }
            MapKind::ProgArray => id_of(value).map(|id| Annotation::Program(ProgramRef::read(id))),
            MapKind::StackTrace => {
                let syms = self.kallsyms.get_or_insert_with(Kallsyms::load);
                Some(Annotation::Frames(stack_trace::frames(
                    syms,
                    value,
                    desc.meta.flags,
                )))
            }
            kind if kind.is_cgrp_storage() => {
                let cgroups = self.cgroups.get_or_insert_with(cgrp_storage::index);
                let key: [u8; 4] = key.try_into().ok()?;
                cgroups.get(&key).cloned().map(Annotation::Cgroup)
            }
            _ => None,
        }
    }
}

/// The object id userspace reads from a map-of-maps or program array slot.
fn id_of(value: &[u8]) -> Option<u32> {
    value
        .get(..4)
        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// Facts about the whole map that its type makes worth showing (without listing entries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapFacts {
    /// A ring buffer's positions, read through a read-only mmap.
    Ring(RingPositions),
    /// Why the entries are not listed, in one sentence.
    Unlisted(&'static str),
}

impl MapFacts {
    /// One line for a header or the text dump.
    pub fn summary(&self) -> String {
        match self {
            Self::Ring(ring) => ring.summary(),
            Self::Unlisted(reason) => (*reason).to_string(),
        }
    }
}

/// What a map's type adds to one read of it: facts about the whole map and annotations of
/// its entries (by snapshot index). Sent with each TUI refresh and used by `dump`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypeInfo {
    pub facts: Option<MapFacts>,
    pub annotations: HashMap<usize, Annotation>,
    /// For a ring mapinspect loaded itself: the records it consumed.
    pub records: Option<RingRecords>,
}

impl TypeInfo {
    /// Whether a map of this kind has anything to add (the rest skip the work).
    pub fn applies(kind: MapKind) -> bool {
        !kind.is_listable()
            || matches!(
                kind,
                MapKind::LpmTrie
                    | MapKind::ArrayOfMaps
                    | MapKind::HashOfMaps
                    | MapKind::ProgArray
                    | MapKind::StackTrace
            )
            || kind.is_cgrp_storage()
    }

    /// Reads what the map's type adds next to `snapshot` (the map's read, or why it failed).
    pub fn read(
        map: &MapHandle,
        snapshot: Result<&Snapshot, &MapError>,
        annotator: &mut Annotator,
    ) -> Self {
        let mut info = Self::default();
        let kind = map.meta().kind;
        if matches!(kind, MapKind::Ringbuf | MapKind::UserRingbuf) {
            info.facts = Some(match map.ring_positions() {
                Ok(ring) => MapFacts::Ring(ring),
                Err(_) => MapFacts::Unlisted(kind.unlisted_reason().unwrap_or_default()),
            });
        } else if let Some(reason) = kind.unlisted_reason() {
            info.facts = Some(MapFacts::Unlisted(reason));
        }
        let Ok(snap) = snapshot else {
            return info;
        };
        // Cgroups come and go between reads: name this read's entries from a fresh walk.
        annotator.cgroups = None;
        for index in 0..snap.len() {
            if let Some(annotation) =
                annotator.annotate(&map.desc, snap.key(index), snap.value(index))
            {
                info.annotations.insert(index, annotation);
            }
        }
        info
    }

    /// Whether anything of the map could be read: its entries, or its ring positions.
    pub fn readable(&self, snapshot_ok: bool) -> bool {
        snapshot_ok || matches!(self.facts, Some(MapFacts::Ring(_)))
    }
}
