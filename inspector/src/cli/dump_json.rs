//! `dump`'s JSON and JSON Lines: `Serialize` structs written straight to the output as each
//! entry is decoded, so a dump holds the map's snapshot and nothing more (no JSON tree).
//! How one value looks in JSON is decided in one place, `Value`'s `Serialize` impl
//! (values/render.rs); this file only arranges maps and entries around it.
use std::io::{self, Write};

use serde::{Serialize, Serializer, ser::SerializeSeq as _};
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use super::dump::{MapDump, decoded_from};
use crate::{
    maps::{
        MapDesc, Snapshot, flag_names,
        types::json::{EntryFields, Extra, MapFields},
    },
    values::{
        decode::Value,
        entries::{self, Entry},
    },
};

/// Writes the JSON document: an array with one object per map, each map read (and its
/// snapshot dropped) just before it is written. `pretty` indents, for a terminal.
pub fn write_document(
    out: &mut impl Write,
    dumps: impl Iterator<Item = MapDump>,
    pretty: bool,
) -> io::Result<()> {
    if pretty {
        write_with(out, dumps, PrettyFormatter::new())
    } else {
        write_with(out, dumps, CompactFormatter)
    }
}

fn write_with<W: Write, F: Formatter>(
    out: &mut W,
    dumps: impl Iterator<Item = MapDump>,
    formatter: F,
) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
    let mut seq = serializer.serialize_seq(None)?;
    for dump in dumps {
        seq.serialize_element(&MapOut::new(&dump))?;
    }
    seq.end()?;
    writeln!(out)
}

/// Writes one JSON object per line for each listed entry of `dump`, naming its map; a map
/// that cannot be listed gets one line with what its type tells instead (a ring's positions,
/// why it is not listed) and its `error`, if it is one.
pub fn write_lines(out: &mut impl Write, dump: &MapDump) -> io::Result<()> {
    let meta = &dump.desc.meta;
    let map = Some(MapRef {
        id: meta.id,
        name: &meta.name,
    });
    let snap = match &dump.snapshot {
        Ok(snap) => snap,
        Err(err) => {
            let line = MapLine {
                map_id: meta.id,
                map: &meta.name,
                // A ring is read through its positions: its refused lookup is no error.
                error: (!dump.extra.explains_error()).then(|| err.to_string()),
                typed: dump.extra.map_fields(),
            };
            serde_json::to_writer(&mut *out, &line)?;
            return writeln!(out);
        }
    };
    // Every entry, zero array slots too (they exist), as in the JSON document.
    for index in 0..snap.len() {
        let entry = entries::decode_entry(&dump.desc, snap, index);
        let typed = dump.extra.entry_fields(index);
        serde_json::to_writer(&mut *out, &EntryOut::new(&entry, map, typed))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One map: its description, then its entries (or why it could not be read). Field names
/// and order are those of the JSON mapinspect wrote before streaming.
#[derive(Serialize)]
struct MapOut<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: String,
    id: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    flags: u32,
    flag_names: Vec<&'static str>,
    key_type: String,
    value_type: String,
    percpu: bool,
    decoded_from: &'static str,
    owners: &'a [String],
    read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<EntriesOut<'a>>,
    /// Arrays: the slots not all zero (the ones listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    nonzero_entries: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entries_listed: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// What the map's type adds: ring positions, why it is not listed.
    #[serde(flatten)]
    typed: MapFields,
}

impl<'a> MapOut<'a> {
    fn new(dump: &'a MapDump) -> Self {
        let (desc, meta) = (&dump.desc, &dump.desc.meta);
        let mut out = MapOut {
            name: &meta.name,
            kind: meta.kind.label(),
            id: meta.id,
            key_size: meta.key_size,
            value_size: meta.value_size,
            max_entries: meta.max_entries,
            flags: meta.flags,
            flag_names: flag_names(meta.flags),
            key_type: desc.key_layout.type_name(),
            value_type: desc.value_layout.type_name(),
            percpu: meta.kind.is_percpu(),
            decoded_from: decoded_from(desc.layout_source),
            owners: &dump.owners,
            read_only: !dump.writable || desc.frozen,
            entry_count: None,
            entries: None,
            nonzero_entries: None,
            entries_listed: None,
            error: None,
            typed: dump.extra.map_fields(),
        };
        match &dump.snapshot {
            Ok(snap) => {
                // A queue or stack shows its head only: how many it holds is not known.
                out.entry_count = (!meta.kind.is_queue_like()).then_some(snap.len());
                out.entries = Some(EntriesOut {
                    desc,
                    snap,
                    extra: &dump.extra,
                });
                if meta.kind.is_array() {
                    // Every slot of an array exists and is listed; count the ones in use.
                    out.nonzero_entries = Some(snap.nonzero_count());
                }
                if meta.kind.is_queue_like() {
                    out.entries_listed = Some(
                        "head only (peek): the kernel cannot list a queue or stack without popping",
                    );
                }
            }
            // A ring is read through its positions: its refused lookup is no error.
            Err(_) if dump.extra.explains_error() => {}
            Err(err) => out.error = Some(err.to_string()),
        }
        out
    }
}

/// A map's listed entries, decoded one at a time as the serializer asks for them.
struct EntriesOut<'a> {
    desc: &'a MapDesc,
    snap: &'a Snapshot,
    extra: &'a Extra,
}

impl Serialize for EntriesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        // Every entry, zero array slots too: they exist, and scripts index them.
        for index in 0..self.snap.len() {
            let entry = entries::decode_entry(self.desc, self.snap, index);
            let typed = self.extra.entry_fields(index);
            seq.serialize_element(&EntryOut::new(&entry, None, typed))?;
        }
        seq.end()
    }
}

/// The map a JSON Lines entry belongs to.
#[derive(Clone, Copy)]
struct MapRef<'a> {
    id: u32,
    name: &'a str,
}

/// One entry: `key` and `value`, or for per-CPU maps `key`, each CPU's `values` and their
/// `sum` (left out when they do not add up: text that differs, a union); in JSON Lines
/// first the map's `map_id` and `map` name.
#[derive(Serialize)]
struct EntryOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    map_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    map: Option<&'a str>,
    key: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<&'a [Value]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum: Option<&'a Value>,
    /// What the map's type adds to this entry: prefix, inner map, program, frames.
    #[serde(flatten)]
    typed: Option<EntryFields<'a>>,
}

impl<'a> EntryOut<'a> {
    fn new(entry: &'a Entry, map: Option<MapRef<'a>>, typed: Option<EntryFields<'a>>) -> Self {
        let percpu = !entry.per_cpu.is_empty();
        EntryOut {
            map_id: map.map(|m| m.id),
            map: map.map(|m| m.name),
            key: &entry.key,
            value: (!percpu).then_some(&entry.value),
            values: percpu.then_some(entry.per_cpu.as_slice()),
            sum: (percpu && entry.summed).then_some(&entry.value),
            typed,
        }
    }
}

/// The JSON Lines line of a map whose entries could not be listed.
#[derive(Serialize)]
struct MapLine<'a> {
    map_id: u32,
    map: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// What the map's type tells instead: ring positions, why it is not listed.
    #[serde(flatten)]
    typed: MapFields,
}
