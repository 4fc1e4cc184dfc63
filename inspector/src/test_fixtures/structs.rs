//! Apps whose keys and values are C structs: per-CPU structs, a struct with a char array
//! behind a u8 key, and a foreign program's nested structs, enum and char array.
use std::time::Duration;

use super::{desc, one_map_app, snapshot, u32_key};
use crate::{
    app::App,
    maps::MapKind,
    tui::diff::Changes,
    values::{Field, Layout},
};

/// A per-CPU hash of structs on 8 CPUs: values that have no share bar, and more CPUs
/// than a small pane shows.
pub fn percpu_struct_app() -> App {
    let activity = Layout::Struct {
        name: "activity".into(),
        size: 16,
        fields: vec![
            Field::new("execs", 0, Layout::int(8, false)),
            Field::new("opens", 8 * 8, Layout::int(8, false)),
        ],
    };
    let mut desc = desc(
        31,
        "per_cpu_activity",
        MapKind::PercpuHash,
        Layout::int(4, false),
        activity,
        64,
        0,
    );
    desc.cpus = 8;
    let value: Vec<u8> = (0..8u64)
        .flat_map(|cpu| [cpu.to_le_bytes(), (cpu * 10).to_le_bytes()].concat())
        .collect();
    let snap = snapshot(&desc, &[(u32_key(1000), value)]);
    let changes = Changes {
        changed: vec![true],
        rates: vec![None],
        removed: 0,
        added: 1,
    };
    one_map_app(desc, snap, changes, Duration::from_secs(2))
}

/// One hash map u8 -> struct task { u32 pid; char comm[8]; }, empty: for prompts that
/// must refuse "300" for the key and a name longer than 7 bytes.
pub fn u8_key_app() -> App {
    let task = Layout::Struct {
        name: "task".into(),
        size: 12,
        fields: vec![
            Field::new("pid", 0, Layout::int(4, false)),
            Field::new(
                "comm",
                4 * 8,
                Layout::Array {
                    elem: Box::new(Layout::char()),
                    len: 8,
                },
            ),
        ],
    };
    let desc = desc(
        51,
        "tasks",
        MapKind::Hash,
        Layout::int(1, false),
        task,
        256,
        0,
    );
    let snap = snapshot(&desc, &[]);
    one_map_app(desc, snap, Changes::default(), Duration::from_secs(1))
}

/// A map as a C program defines it (tests/fixtures/foreign.bpf.c): the key is a struct with a
/// nested struct, an enum and a char array; the value a struct of counters.
pub fn foreign_struct_app() -> App {
    let who = Layout::Struct {
        name: "who".into(),
        size: 8,
        fields: vec![
            Field::new("pid", 0, Layout::int(4, false)),
            Field::new("port", 4 * 8, Layout::int(2, false)),
            Field::new("_pad", 6 * 8, Layout::int(2, false)),
        ],
    };
    let color = Layout::Enum {
        name: "color".into(),
        size: 4,
        signed: false,
        variants: vec![("RED".into(), 1), ("GREEN".into(), 2), ("BLUE".into(), 7)],
    };
    let key = Layout::Struct {
        name: "foreign_key".into(),
        size: 20,
        fields: vec![
            Field::new("who", 0, who),
            Field::new("color", 8 * 8, color),
            Field::new(
                "tag",
                12 * 8,
                Layout::Array {
                    elem: Box::new(Layout::char()),
                    len: 8,
                },
            ),
        ],
    };
    let value = Layout::Struct {
        name: "foreign_value".into(),
        size: 16,
        fields: vec![
            Field::new("hits", 0, Layout::int(8, false)),
            Field::new("last_ns", 8 * 8, Layout::int(8, false)),
        ],
    };
    let desc = desc(61, "foreign_hits", MapKind::Hash, key, value, 64, 0);
    let entry = |pid: u32, port: u16, color: u32, tag: &[u8], hits: u64| {
        let mut key = [pid.to_le_bytes().as_slice(), &port.to_le_bytes(), &[0, 0]].concat();
        key.extend(color.to_le_bytes());
        let mut text = [0u8; 8];
        text[..tag.len()].copy_from_slice(tag);
        key.extend(text);
        let value = [hits.to_le_bytes(), 1_000_000u64.to_le_bytes()].concat();
        (key, value)
    };
    let snap = snapshot(
        &desc,
        &[
            entry(4242, 8080, 7, b"getppid", 5),
            entry(17, 53, 1, b"dns", 120),
            entry(900, 443, 2, b"tls", 3),
            entry(12, 22, 9, b"ssh", 1),
        ],
    );
    one_map_app(desc, snap, Changes::default(), Duration::from_secs(1))
}
