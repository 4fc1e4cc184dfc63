//! Apps built by hand for the state tests (app) and the screen tests (ui): no kernel,
//! fixed ids, fixed bytes. Changing an entry changes both.
use std::time::Duration;

use crate::{
    app::{App, Refresh},
    decode::{Field, Layout},
    diff::Changes,
    loader::ProgramStatus,
    maps::{LayoutSource, MapDesc, MapKind, MapMeta, Snapshot},
};

pub const HASH: usize = 0;
pub const PERCPU: usize = 1;
pub const QUEUE: usize = 2;
pub const ARRAY: usize = 3;
pub const LRU: usize = 4;
pub const BROKEN: usize = 5;

fn int(size: usize) -> Layout {
    Layout::Int {
        size,
        signed: false,
        char: false,
        bool: false,
    }
}

fn field(name: &str, byte_offset: u32, layout: Layout) -> Field {
    Field {
        name: name.into(),
        bit_offset: byte_offset * 8,
        bitfield_bits: None,
        layout,
    }
}

/// struct exec_info { u64 count; u32 uid; u32 _pad; u8 filename[16]; }
fn exec_info() -> Layout {
    Layout::Struct {
        name: "exec_info".into(),
        size: 32,
        fields: vec![
            field("count", 0, int(8)),
            field("uid", 8, int(4)),
            field("_pad", 12, int(4)),
            field(
                "filename",
                16,
                Layout::Array {
                    elem: Box::new(int(1)),
                    len: 16,
                },
            ),
        ],
    }
}

fn desc(
    id: u32,
    name: &str,
    kind: MapKind,
    key: Layout,
    value: Layout,
    max_entries: u32,
    flags: u32,
) -> MapDesc {
    // Per-CPU fixtures run on two CPUs.
    let cpus = if kind.is_percpu() { 2 } else { 1 };
    MapDesc {
        meta: MapMeta {
            id,
            name: name.into(),
            kind,
            key_size: key.size() as u32,
            value_size: value.size() as u32,
            max_entries,
            flags,
            btf_id: 1,
            btf_key_type_id: 2,
            btf_value_type_id: 3,
        },
        key_layout: key,
        value_layout: value,
        layout_source: LayoutSource::KernelBtf,
        cpus,
    }
}

fn exec_value(count: u64, uid: u32, filename: &str) -> Vec<u8> {
    let mut bytes = [count.to_le_bytes().as_slice(), &uid.to_le_bytes(), &[0; 4]].concat();
    let mut name = [0u8; 16];
    name[..filename.len()].copy_from_slice(filename.as_bytes());
    bytes.extend_from_slice(&name);
    bytes
}

fn snapshot(desc: &MapDesc, entries: &[(Vec<u8>, Vec<u8>)]) -> Snapshot {
    let mut snap = Snapshot::new(
        desc.meta.id,
        desc.meta.key_size as usize,
        desc.value_stride(),
        desc.cpus,
    );
    for (key, value) in entries {
        snap.push(key, value);
    }
    snap
}

fn u32_key(key: u32) -> Vec<u8> {
    key.to_le_bytes().to_vec()
}

/// Two u64 CPU values padded to the 8-byte stride.
fn percpu_u64(a: u64, b: u64) -> Vec<u8> {
    [a.to_le_bytes(), b.to_le_bytes()].concat()
}

/// Six maps, each read once: hash, per-CPU array, queue, sparse array, LRU hash, and one
/// that failed to read.
pub fn app() -> App {
    let descs = vec![
        desc(
            11,
            "exec_counts",
            MapKind::Hash,
            int(4),
            exec_info(),
            1024,
            1,
        ),
        desc(12, "cpu_hits", MapKind::PercpuArray, int(4), int(8), 4, 0),
        desc(
            13,
            "jobs",
            MapKind::Queue,
            Layout::Bytes { size: 0 },
            int(8),
            64,
            0,
        ),
        desc(14, "slots", MapKind::Array, int(4), int(8), 16, 0),
        desc(15, "recent_pids", MapKind::LruHash, int(4), int(4), 8, 2),
        desc(16, "sock_map", MapKind::Other(15), int(4), int(4), 128, 0),
    ];
    let programs = vec![
        ProgramStatus {
            name: "count_execs".into(),
            attachment: "tracepoint syscalls/sys_enter_execve".into(),
            attached: true,
        },
        ProgramStatus {
            name: "flood".into(),
            attachment: "not attached: run on demand".into(),
            attached: false,
        },
    ];
    let mut app = App::new(descs.clone(), programs, Duration::from_secs(1));

    let hash = snapshot(
        &descs[HASH],
        &[
            (u32_key(1), exec_value(12, 0, "/usr/bin/bash")),
            (u32_key(2), exec_value(3, 1000, "/bin/true")),
            (u32_key(7), exec_value(41, 1000, "/usr/bin/cargo")),
            (u32_key(42), exec_value(1, 65534, "/sbin/init")),
        ],
    );
    let hash_changes = Changes {
        changed: vec![false, true, false, false],
        rates: vec![None, Some(12.0), None, None],
        removed: 1,
        added: 0,
    };
    let percpu = snapshot(
        &descs[PERCPU],
        &[
            (u32_key(0), percpu_u64(30, 10)),
            (u32_key(1), percpu_u64(0, 0)),
            (u32_key(2), percpu_u64(5, 15)),
            (u32_key(3), percpu_u64(0, 0)),
        ],
    );
    let queue = snapshot(
        &descs[QUEUE],
        &[(Vec::new(), 4096u64.to_le_bytes().to_vec())],
    );
    let slots: Vec<(Vec<u8>, Vec<u8>)> = (0..16u32)
        .map(|i| {
            (
                u32_key(i),
                u64::from(if matches!(i, 3 | 7 | 12) { i * 100 } else { 0 })
                    .to_le_bytes()
                    .to_vec(),
            )
        })
        .collect();
    let array = snapshot(&descs[ARRAY], &slots);
    let lru_entries: Vec<(Vec<u8>, Vec<u8>)> = [101u32, 202, 303, 404, 505, 606, 707]
        .iter()
        .map(|&pid| (u32_key(pid), (pid % 7).to_le_bytes().to_vec()))
        .collect();
    let lru = snapshot(&descs[LRU], &lru_entries);

    let unchanged = |n: usize| Changes {
        changed: vec![false; n],
        rates: vec![None; n],
        removed: 0,
        added: 0,
    };
    let refreshes = [
        (HASH, Ok((hash, hash_changes))),
        (
            PERCPU,
            Ok((
                percpu,
                Changes {
                    rates: vec![Some(4.0), None, Some(-2.5), None],
                    ..unchanged(4)
                },
            )),
        ),
        (QUEUE, Ok((queue, unchanged(1)))),
        (ARRAY, Ok((array, unchanged(16)))),
        (
            LRU,
            Ok((
                lru,
                Changes {
                    added: 2,
                    ..unchanged(7)
                },
            )),
        ),
        (
            BROKEN,
            Err("map sock_map is a type 15 map, which mapinspect cannot read".to_string()),
        ),
    ];
    for (map, result) in refreshes {
        app.apply_refresh(Refresh {
            map,
            result: result.map(|(snap, changes)| (snap.into(), changes)),
        });
    }
    app
}

/// One hash map u32 -> u64 with `n` entries (key i, value i * 3), every fifth one changed.
pub fn long_app(n: u32) -> App {
    let desc = desc(21, "flood", MapKind::Hash, int(4), int(8), 1024, 0);
    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
        .map(|i| (u32_key(i), u64::from(i * 3).to_le_bytes().to_vec()))
        .collect();
    let snap = snapshot(&desc, &entries);
    let changes = Changes {
        changed: (0..n).map(|i| i % 5 == 0).collect(),
        rates: (0..n).map(|i| Some(f64::from(i % 5) * 1500.0)).collect(),
        removed: 0,
        added: 0,
    };
    let mut app = App::new(vec![desc], Vec::new(), Duration::from_millis(250));
    app.apply_refresh(Refresh {
        map: 0,
        result: Ok((snap.into(), changes)),
    });
    app
}

/// A per-CPU hash of structs on 8 CPUs: values that have no share bar, and more CPUs
/// than a small pane shows.
pub fn percpu_struct_app() -> App {
    let activity = Layout::Struct {
        name: "activity".into(),
        size: 16,
        fields: vec![field("execs", 0, int(8)), field("opens", 8, int(8))],
    };
    let mut desc = desc(
        31,
        "per_cpu_activity",
        MapKind::PercpuHash,
        int(4),
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
    let mut app = App::new(vec![desc], Vec::new(), Duration::from_secs(2));
    app.apply_refresh(Refresh {
        map: 0,
        result: Ok((snap.into(), changes)),
    });
    app
}
