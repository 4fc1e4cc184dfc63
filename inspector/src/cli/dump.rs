//! `mapinspect dump`: every map of the object at one moment, as a table or as JSON.
use std::{
    io::{self, Write},
    time::Duration,
};

use color_eyre::eyre::{Result, bail};

use serde_json::{Value as Json, json};

use crate::{
    cli::{Cli, load},
    loader::Source,
    maps::{LayoutSource, MapDesc, MapError, MapHandle, Snapshot, flag_names, types::json::Extra},
    values::entries::{self, Entry},
    values::render::Style,
};

/// `mapinspect dump`: loads the source, waits, reads every map once and prints it.
pub fn run(cli: &Cli, json: bool, wait: Duration, limit: usize) -> Result<()> {
    let loaded = load(cli)?;
    std::thread::sleep(wait);
    let dumps = read_all(&loaded.maps);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &to_json(&dumps))?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &dumps, (limit > 0).then_some(limit))?;
    }
    // One map the user named (--pin, --map-id) that cannot be read fails the command; among
    // many (--system, an object) the dump goes on and says which could not be read and why.
    if let [dump] = dumps.as_slice()
        && matches!(loaded.source, Source::MapId(_) | Source::Pin(_))
        && !dump.extra.readable(&dump.snapshot)
        && let Err(err) = &dump.snapshot
    {
        bail!("cannot read map {}: {err}", dump.desc.meta.name);
    }
    Ok(())
}

/// One map read for the dump, or why it could not be.
pub struct MapDump {
    pub desc: MapDesc,
    pub owners: Vec<String>,
    pub writable: bool,
    pub snapshot: Result<Snapshot, MapError>,
    /// What the map's type adds (prefixes, inner maps, programs, frames, ring positions).
    pub extra: Extra,
}

pub fn read_all(maps: &[MapHandle]) -> Vec<MapDump> {
    maps.iter()
        .map(|map| {
            let snapshot = map.snapshot();
            MapDump {
                desc: map.desc.clone(),
                owners: map.owners.clone(),
                writable: map.writable,
                extra: Extra::read(map, &snapshot),
                snapshot,
            }
        })
        .collect()
}

/// Where the key and value types came from, in a word.
fn decoded_from(source: LayoutSource) -> &'static str {
    match source {
        LayoutSource::KernelBtf => "kernel BTF",
        LayoutSource::ObjectBtf => "object BTF",
        LayoutSource::Sizes => "sizes (no BTF)",
        LayoutSource::UserTypes => "--key-type/--value-type",
    }
}

/// The JSON document: a list with one object per map.
pub fn to_json(dumps: &[MapDump]) -> Json {
    Json::Array(dumps.iter().map(map_json).collect())
}

fn map_json(dump: &MapDump) -> Json {
    let meta = &dump.desc.meta;
    let mut object = json!({
        "name": meta.name,
        "type": meta.kind.label(),
        "id": meta.id,
        "key_size": meta.key_size,
        "value_size": meta.value_size,
        "max_entries": meta.max_entries,
        "flags": meta.flags,
        "flag_names": flag_names(meta.flags),
        "key_type": dump.desc.key_layout.type_name(),
        "value_type": dump.desc.value_layout.type_name(),
        "percpu": meta.kind.is_percpu(),
        "decoded_from": decoded_from(dump.desc.layout_source),
        "owners": dump.owners,
        "read_only": !dump.writable,
    });
    let fields = match &dump.snapshot {
        Ok(snap) => {
            // Every entry, zero array slots too (they exist); the table lists non-zero ones.
            let entries: Vec<Json> = (0..snap.len())
                .map(|i| entry_json(&entries::decode_entry(&dump.desc, snap, i)))
                .collect();
            let mut fields = json!({ "entry_count": snap.len(), "entries": entries });
            let every: Vec<usize> = (0..snap.len()).collect();
            dump.extra.apply(&mut fields, &every);
            if meta.kind.is_array() {
                let listed = entries::listed_indices(&dump.desc, snap);
                fields["nonzero_entries"] = json!(listed.len());
            }
            if meta.kind.is_queue_like() {
                fields["entries_listed"] = json!(
                    "head only (peek): the kernel cannot list a queue or stack without popping"
                );
            }
            fields
        }
        Err(err) => {
            let mut fields = json!({ "error": err.to_string() });
            dump.extra.apply(&mut fields, &[]);
            fields
        }
    };
    if let (Some(object), Json::Object(fields)) = (object.as_object_mut(), fields) {
        object.extend(fields);
    }
    object
}

fn entry_json(entry: &Entry) -> Json {
    if entry.per_cpu.is_empty() {
        json!({ "key": entry.key.to_json(), "value": entry.value.to_json() })
    } else {
        json!({
            "key": entry.key.to_json(),
            "values": entry.per_cpu.iter().map(|v| v.to_json()).collect::<Vec<_>>(),
            "sum": entry.value.to_json(),
        })
    }
}

/// The human table. `limit` caps the rows per map (None: all).
pub fn write_text(out: &mut impl Write, dumps: &[MapDump], limit: Option<usize>) -> io::Result<()> {
    let style = Style::default();
    for dump in dumps {
        let (desc, meta) = (&dump.desc, &dump.desc.meta);
        let flags = flag_names(meta.flags).join(",");
        write!(
            out,
            "{}  {}  id {}  key {} ({} B)  value {} ({} B)",
            meta.name,
            meta.kind.label(),
            meta.id,
            desc.key_layout.type_name(),
            meta.key_size,
            desc.value_layout.type_name(),
            meta.value_size,
        )?;
        if !flags.is_empty() {
            write!(out, "  flags {flags}")?;
        }
        if !dump.owners.is_empty() {
            write!(out, "  used by {}", dump.owners.join(", "))?;
        }
        let snap = match &dump.snapshot {
            Ok(snap) => snap,
            Err(_) if dump.extra.readable(&dump.snapshot) => {
                let facts = dump.extra.facts().map(|f| f.summary());
                writeln!(out, "\n  {}\n", facts.unwrap_or_default())?;
                continue;
            }
            Err(err) => {
                writeln!(out, "\n  cannot read: {err}\n")?;
                continue;
            }
        };
        let listed = entries::listed_indices(desc, snap);
        if meta.kind.is_array() {
            writeln!(
                out,
                "  {}/{} slots non-zero (an array always has every slot)",
                listed.len(),
                meta.max_entries
            )?;
        } else if meta.kind.is_queue_like() {
            let state = if snap.is_empty() {
                "empty"
            } else {
                "peeked at the head"
            };
            writeln!(
                out,
                "  {state} (a queue or stack cannot be listed without popping)"
            )?;
        } else {
            writeln!(out, "  {}/{} entries", snap.len(), meta.max_entries)?;
        }
        let shown = limit.map_or(listed.len(), |n| n.min(listed.len()));
        for &index in &listed[..shown] {
            let entry = entries::decode_entry(desc, snap, index);
            let key = if meta.kind.is_queue_like() {
                "head".to_string()
            } else {
                entry.key.render(style)
            };
            write!(out, "  {key} => {}", entry.value.render(style))?;
            if !entry.per_cpu.is_empty() {
                let cpus: Vec<String> = entry
                    .per_cpu
                    .iter()
                    .enumerate()
                    .map(|(cpu, v)| format!("cpu{cpu} {}", v.render(style)))
                    .collect();
                write!(out, "  (sum; {})", cpus.join(", "))?;
            }
            if let Some(note) = dump.extra.entry_note(index) {
                write!(out, "  [{note}]")?;
            }
            writeln!(out)?;
        }
        if shown < listed.len() {
            writeln!(
                out,
                "  … {} more (--limit 0 shows all)",
                listed.len() - shown
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
