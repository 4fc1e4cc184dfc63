//! What `dump` adds for typed maps: per-entry annotations (prefix, inner map with its own
//! entries nested, program, frames, cgroup) and whole-map facts (ring positions, why not listed),
//! in JSON and in the text dump. Kept apart from `cli/dump.rs` so the dump stays generic.
use std::collections::HashMap;

use serde_json::{Value as Json, json};

use super::{Annotation, Annotator, MapFacts, TypeInfo};
use crate::{
    maps::{MapError, MapHandle, MapKind, Snapshot},
    values::entries,
};

/// Everything a map's type adds to its dump, read once next to its snapshot.
#[derive(Debug, Default)]
pub struct Extra {
    pub info: TypeInfo,
    /// The entries of each inner map, by the outer snapshot index (maps-of-maps).
    pub inner_entries: HashMap<usize, Json>,
}

impl Extra {
    /// Reads what the map's type adds; `snapshot` is the map's read (or why it failed).
    pub fn read(map: &MapHandle, snapshot: &Result<Snapshot, MapError>) -> Self {
        let info = TypeInfo::read(map, snapshot.as_ref(), &mut Annotator::default());
        let inner_entries = info
            .annotations
            .iter()
            .filter_map(|(index, annotation)| match annotation {
                Annotation::InnerMap(inner) => Some((*index, inner_entries_json(inner.id))),
                _ => None,
            })
            .collect();
        Self {
            info,
            inner_entries,
        }
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
    pub fn map_fields(&self) -> serde_json::Map<String, Json> {
        let mut fields = serde_json::Map::new();
        match &self.info.facts {
            Some(MapFacts::Ring(ring)) => {
                fields.insert("ring_size".into(), json!(ring.ring_size));
                fields.insert("producer_pos".into(), json!(ring.producer_pos));
                fields.insert("consumer_pos".into(), json!(ring.consumer_pos));
                fields.insert("pending_bytes".into(), json!(ring.pending_bytes()));
                let reason = MapKind::Ringbuf.unlisted_reason().unwrap_or_default();
                fields.insert("not_listed".into(), json!(reason));
            }
            Some(MapFacts::Unlisted(reason)) => {
                fields.insert("not_listed".into(), json!(reason));
            }
            None => {}
        }
        fields
    }

    /// Whether the map's read error is no error for its type: a ring is read through its
    /// positions, not listed.
    pub fn explains_error(&self) -> bool {
        matches!(self.info.facts, Some(MapFacts::Ring(_)))
    }

    /// The fields a map's type adds to the JSON of entry `index` (its prefix, inner map with
    /// that map's own entries, program or frames).
    pub fn entry_fields(&self, index: usize) -> serde_json::Map<String, Json> {
        let mut fields = serde_json::Map::new();
        let Some(annotation) = self.info.annotations.get(&index) else {
            return fields;
        };
        let (field, mut value) = annotation_json(annotation);
        if let (Json::Object(inner), Some(nested)) = (&mut value, self.inner_entries.get(&index)) {
            inner.insert("entries".into(), nested.clone());
        }
        fields.insert(field.into(), value);
        fields
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

fn annotation_json(annotation: &Annotation) -> (&'static str, Json) {
    match annotation {
        Annotation::Prefix(prefix) => (
            "prefix",
            json!({ "prefixlen": prefix.len, "cidr": prefix.to_string() }),
        ),
        Annotation::InnerMap(inner) => (
            "inner_map",
            match &inner.info {
                Ok(info) => json!({
                    "id": inner.id,
                    "name": info.name,
                    "type": info.kind.label(),
                    "max_entries": info.max_entries,
                    "entry_count": info.entries,
                }),
                Err(err) => json!({ "id": inner.id, "error": err }),
            },
        ),
        Annotation::Program(prog) => (
            "program",
            match &prog.info {
                Ok((name, ty)) => json!({ "id": prog.id, "name": name, "type": ty }),
                Err(err) => json!({ "id": prog.id, "error": err }),
            },
        ),
        Annotation::Frames(frames) => ("frames", json!(frames)),
        Annotation::Cgroup(cgroup) => ("cgroup", json!({ "id": cgroup.id, "path": cgroup.path })),
    }
}

/// An inner map's entries as JSON (key/value, decoded like any map's), or its error.
fn inner_entries_json(id: u32) -> Json {
    let map = match MapHandle::open_by_id(id) {
        Ok(map) => map,
        Err(err) => return json!({ "error": err.to_string() }),
    };
    match map.snapshot() {
        Ok(snap) => Json::Array(
            entries::listed_indices(&map.desc, &snap)
                .into_iter()
                .map(|i| {
                    let entry = entries::decode_entry(&map.desc, &snap, i);
                    json!({ "key": entry.key.to_json(), "value": entry.value.to_json() })
                })
                .collect(),
        ),
        Err(err) => json!({ "error": err.to_string() }),
    }
}
