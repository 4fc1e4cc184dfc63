//! `mapinspect dump`: every map of the source at one moment, as a table, JSON or JSON Lines.
//! Maps are read one at a time and written as they are decoded, through a buffered writer:
//! a dump holds one map's snapshot at a time and no second copy of it.
use std::{
    fmt::{self, Write as _},
    io::{self, BufWriter, IsTerminal as _, Write},
    time::Duration,
};

use color_eyre::eyre::{Result, bail};

use crate::{
    cli::{Cli, DumpFormat, dump_json, load},
    loader::Source,
    maps::{LayoutSource, MapDesc, MapError, MapHandle, Snapshot, flag_names, types::json::Extra},
    values::entries::{self, Entry},
    values::render::Style,
};

/// Bytes buffered before a write to stdout: few syscalls, little memory.
const OUT_BUFFER: usize = 1 << 16;

/// `mapinspect dump`: loads the source, waits, reads each map and prints it.
pub fn run(cli: &Cli, format: DumpFormat, wait: Duration, limit: usize) -> Result<()> {
    let loaded = load(cli)?;
    std::thread::sleep(wait);
    let stdout = io::stdout();
    let pretty = stdout.is_terminal();
    let mut out = BufWriter::with_capacity(OUT_BUFFER, stdout.lock());
    // One map the user named (--pin, --map-id) that cannot be read fails the command; among
    // many (--system, an object) the dump goes on and says which could not be read and why.
    let single = matches!(loaded.source, Source::MapId(_) | Source::Pin(_));
    let mut unreadable = None;
    let dumps = loaded.maps.iter().map(MapDump::read).inspect(|dump| {
        if let Err(err) = &dump.snapshot
            && single
            && !dump.extra.readable(&dump.snapshot)
        {
            unreadable = Some(format!("cannot read map {}: {err}", dump.desc.meta.name));
        }
    });
    match format {
        DumpFormat::Json => dump_json::write_document(&mut out, dumps, pretty)?,
        DumpFormat::Jsonl => {
            for dump in dumps {
                dump_json::write_lines(&mut out, &dump)?;
            }
        }
        DumpFormat::Table => {
            let limit = (limit > 0).then_some(limit);
            for dump in dumps {
                write_text(&mut out, &dump, limit)?;
            }
        }
    }
    out.flush()?;
    if let Some(reason) = unreadable {
        bail!(reason);
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

impl MapDump {
    pub fn read(map: &MapHandle) -> Self {
        let snapshot = map.snapshot();
        MapDump {
            desc: map.desc.clone(),
            owners: map.owners.clone(),
            writable: map.writable,
            extra: Extra::read(map, &snapshot),
            snapshot,
        }
    }
}

/// Where the key and value types came from, in a word.
pub(crate) fn decoded_from(source: LayoutSource) -> &'static str {
    match source {
        LayoutSource::KernelBtf => "kernel BTF",
        LayoutSource::ObjectBtf => "object BTF",
        LayoutSource::Sizes => "sizes (no BTF)",
        LayoutSource::UserTypes => "--key-type/--value-type",
    }
}

/// One map of the human table. `limit` caps its rows (None: all). Rows are written as they
/// are decoded, each formatted into one reused line and written whole.
pub fn write_text(out: &mut impl Write, dump: &MapDump, limit: Option<usize>) -> io::Result<()> {
    let style = Style::default();
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
            return writeln!(out, "\n  {}\n", facts.unwrap_or_default());
        }
        Err(err) => return writeln!(out, "\n  cannot read: {err}\n"),
    };
    let listed = if meta.kind.is_array() {
        snap.nonzero_count()
    } else {
        snap.len()
    };
    if meta.kind.is_array() {
        writeln!(
            out,
            "  {listed}/{} slots non-zero (an array always has every slot)",
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
        if meta.max_entries == 0 {
            // Local storage: no bound, a value per object.
            writeln!(
                out,
                "  {listed} entries (no max_entries: one per object at most)"
            )?;
        } else {
            writeln!(out, "  {listed}/{} entries", meta.max_entries)?;
        }
    }
    let shown = limit.map_or(listed, |n| n.min(listed));
    let mut line = String::new();
    for index in entries::listed(desc, snap).take(shown) {
        let entry = entries::decode_entry(desc, snap, index);
        line.clear();
        write_row(&mut line, &entry, meta.kind.is_queue_like(), style).map_err(io::Error::other)?;
        if let Some(note) = dump.extra.entry_note(index) {
            line.push_str("  [");
            line.push_str(&note);
            line.push(']');
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    if shown < listed {
        writeln!(out, "  … {} more (--limit 0 shows all)", listed - shown)?;
    }
    writeln!(out)
}

/// One entry of the table: key (or `head`), value, and each CPU's value after the sum.
fn write_row(line: &mut String, entry: &Entry, queue_like: bool, style: Style) -> fmt::Result {
    if queue_like {
        line.push_str("  head");
    } else {
        write!(line, "  {}", entry.key.display(style))?;
    }
    if entry.per_cpu.is_empty() || entry.summed {
        write!(line, " => {}", entry.value.display(style))?;
    } else {
        // Values that do not add up (a union, text): each CPU's, and no sum.
        line.push_str(" => no sum");
    }
    for (cpu, value) in entry.per_cpu.iter().enumerate() {
        line.push_str(match (cpu, entry.summed) {
            (0, true) => "  (sum; cpu",
            (0, false) => "  (cpu",
            _ => ", cpu",
        });
        line.push_str(itoa::Buffer::new().format(cpu));
        write!(line, " {}", value.display(style))?;
    }
    if !entry.per_cpu.is_empty() {
        line.push(')');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::decode::Value;

    fn row(value: Value, per_cpu: Vec<Value>, summed: bool) -> String {
        let entry = Entry {
            key: Value::Unsigned(7),
            value,
            summed,
            per_cpu,
        };
        let mut line = String::new();
        write_row(&mut line, &entry, false, Style::default()).unwrap();
        line
    }

    #[test]
    fn per_cpu_rows_say_sum_and_show_no_sum_where_values_do_not_add_up() {
        let cpus = || vec![Value::Unsigned(3), Value::Unsigned(4)];
        assert_eq!(
            row(Value::Unsigned(7), cpus(), true),
            "  7 => 7  (sum; cpu0 3, cpu1 4)"
        );
        // Not summed: no value stands for the entry, CPU 0's least of all.
        assert_eq!(
            row(Value::Unsigned(3), cpus(), false),
            "  7 => no sum  (cpu0 3, cpu1 4)"
        );
        assert_eq!(row(Value::Unsigned(9), Vec::new(), false), "  7 => 9");
    }
}
