//! What `dump` adds for typed maps: per-entry annotations (prefix, inner map with its own
//! entries nested, program, frames, cgroup) and whole-map facts (ring positions, why not listed),
//! in JSON and in the text dump. Kept apart from `cli/dump.rs` so the dump stays generic.
use serde::{
    Serialize, Serializer,
    ser::{SerializeSeq as _, SerializeStruct as _},
};

use super::{Annotation, Annotator, MapFacts, TypeInfo};
use crate::{
    maps::{MapError, MapHandle, MapKind, Snapshot},
    values::{decode::Value, entries},
};

/// Everything a map's type adds to its dump, read once next to its snapshot. An inner map's
/// own entries are not held here: they are read when their slot is written (JSON only).
#[derive(Debug, Default)]
pub struct Extra {
    pub info: TypeInfo,
}

impl Extra {
    /// Reads what the map's type adds; `snapshot` is the map's read (or why it failed).
    pub fn read(map: &MapHandle, snapshot: &Result<Snapshot, MapError>) -> Self {
        let info = TypeInfo::read(map, snapshot.as_ref(), &mut Annotator::default());
        Self { info }
    }

    /// Whether anything of the map could be read: its entries, or its ring positions.
    pub fn readable(&self, snapshot: &Result<Snapshot, MapError>) -> bool {
        self.info.readable(snapshot.is_ok())
    }

    /// Facts about the whole map, if its type has any.
    pub fn facts(&self) -> Option<&MapFacts> {
        self.info.facts.as_ref()
    }

    /// The fields a map's type adds to its JSON object (ring positions, why it is not
    /// listed).
    pub fn map_fields(&self) -> MapFields {
        match &self.info.facts {
            Some(MapFacts::Ring(ring)) => MapFields {
                ring: Some(RingFields {
                    ring_size: ring.ring_size,
                    producer_pos: ring.producer_pos,
                    consumer_pos: ring.consumer_pos,
                    pending_bytes: ring.pending_bytes(),
                }),
                not_listed: Some(MapKind::Ringbuf.unlisted_reason().unwrap_or_default()),
            },
            Some(MapFacts::Unlisted(reason)) => MapFields {
                ring: None,
                not_listed: Some(reason),
            },
            None => MapFields::default(),
        }
    }

    /// Whether the map's read error is no error for its type: a ring is read through its
    /// positions, not listed.
    pub fn explains_error(&self) -> bool {
        matches!(self.info.facts, Some(MapFacts::Ring(_)))
    }

    /// The field a map's type adds to the JSON of entry `index` (its prefix, inner map with
    /// that map's own entries, program, frames or cgroup).
    pub fn entry_fields(&self, index: usize) -> Option<EntryFields<'_>> {
        Some(match self.info.annotations.get(&index)? {
            Annotation::Prefix(prefix) => EntryFields::Prefix(PrefixOut {
                prefixlen: prefix.len,
                cidr: prefix.to_string(),
            }),
            Annotation::InnerMap(inner) => EntryFields::InnerMap(InnerMapOut {
                id: inner.id,
                info: match &inner.info {
                    // Counted as a map at the top level is: an array has every slot.
                    Ok(info) => {
                        let array = info.kind.is_array();
                        InnerInfoOut::Read {
                            name: &info.name,
                            kind: info.kind.label(),
                            max_entries: info.max_entries,
                            entry_count: match info.entries {
                                // A queue or stack: only its head is seen.
                                _ if info.kind.is_queue_like() => None,
                                Some(_) if array => Some(info.max_entries as usize),
                                counted => counted,
                            },
                            nonzero_entries: info.entries.filter(|_| array),
                        }
                    }
                    Err(error) => InnerInfoOut::Failed { error },
                },
                entries: InnerEntries { id: inner.id },
            }),
            Annotation::Program(prog) => EntryFields::Program(ProgramOut {
                id: prog.id,
                info: match &prog.info {
                    Ok((name, kind)) => ProgramInfoOut::Read { name, kind },
                    Err(error) => ProgramInfoOut::Failed { error },
                },
            }),
            Annotation::Frames(frames) => EntryFields::Frames(frames),
            Annotation::Cgroup(cgroup) => EntryFields::Cgroup(CgroupOut {
                id: cgroup.id,
                path: &cgroup.path,
            }),
        })
    }

    /// The text dump's note for one entry (after its value), if the type has one.
    pub fn entry_note(&self, index: usize) -> Option<String> {
        self.info.annotations.get(&index).map(|a| match a {
            Annotation::Frames(frames) => frames.join(" ← "),
            Annotation::Cgroup(cgroup) => format!("{} (cgroup id {})", cgroup.path, cgroup.id),
            other => other.summary(),
        })
    }
}

/// What a map's type adds to its JSON object, after its own fields.
#[derive(Debug, Default, Serialize)]
pub struct MapFields {
    #[serde(flatten)]
    ring: Option<RingFields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_listed: Option<&'static str>,
}

/// A ring buffer's positions.
#[derive(Debug, Serialize)]
struct RingFields {
    ring_size: u64,
    producer_pos: u64,
    consumer_pos: u64,
    pending_bytes: u64,
}

/// What a map's type adds to one entry's JSON object: one field, named by the variant.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryFields<'a> {
    Prefix(PrefixOut),
    InnerMap(InnerMapOut<'a>),
    Program(ProgramOut<'a>),
    Frames(&'a [String]),
    Cgroup(CgroupOut<'a>),
}

#[derive(Debug, Serialize)]
pub struct PrefixOut {
    prefixlen: u32,
    cidr: String,
}

/// An inner map: its id, what the kernel says of it (or why it could not be read), and its
/// own entries.
#[derive(Debug, Serialize)]
pub struct InnerMapOut<'a> {
    id: u32,
    #[serde(flatten)]
    info: InnerInfoOut<'a>,
    entries: InnerEntries,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum InnerInfoOut<'a> {
    Read {
        name: &'a str,
        #[serde(rename = "type")]
        kind: String,
        max_entries: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        entry_count: Option<usize>,
        /// Arrays: the slots not all zero.
        #[serde(skip_serializing_if = "Option::is_none")]
        nonzero_entries: Option<usize>,
    },
    Failed {
        error: &'a str,
    },
}

/// The program behind a program-array slot, or why it could not be opened.
#[derive(Debug, Serialize)]
pub struct ProgramOut<'a> {
    id: u32,
    #[serde(flatten)]
    info: ProgramInfoOut<'a>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum ProgramInfoOut<'a> {
    Read {
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
    },
    Failed {
        error: &'a str,
    },
}

#[derive(Debug, Serialize)]
pub struct CgroupOut<'a> {
    id: u64,
    path: &'a str,
}

/// An inner map's entries (key/value, decoded like any map's), or why they could not be
/// read: the map is opened and read when its slot is written, and each entry decoded as the
/// serializer asks for it, so a dump never holds every inner map at once.
#[derive(Debug)]
pub struct InnerEntries {
    id: u32,
}

impl Serialize for InnerEntries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let read = MapHandle::open_by_id(self.id).and_then(|map| {
            let snap = map.snapshot()?;
            Ok((map, snap))
        });
        let (map, snap) = match read {
            Ok(read) => read,
            Err(err) => {
                let mut failed = serializer.serialize_struct("InnerEntries", 1)?;
                failed.serialize_field("error", &err.to_string())?;
                return failed.end();
            }
        };
        // Every entry, zero array slots too, as for a map at the top level.
        let mut seq = serializer.serialize_seq(Some(snap.len()))?;
        for i in 0..snap.len() {
            let entry = entries::decode_entry(&map.desc, &snap, i);
            seq.serialize_element(&InnerEntry {
                key: &entry.key,
                value: &entry.value,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct InnerEntry<'a> {
    key: &'a Value,
    value: &'a Value,
}
