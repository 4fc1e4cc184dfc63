//! Apps built by hand for the state tests (app) and the screen tests (ui): no kernel,
//! fixed ids, fixed bytes. Changing an entry changes both.
pub mod typed;

use std::time::Duration;

use crate::{
    app::{App, Refresh},
    loader::ProgramStatus,
    maps::{
        LayoutSource, MapDesc, MapError, MapKind, MapMeta, Snapshot,
        ops::{FloodFrom, FloodReport},
    },
    tui::diff::Changes,
    values::Field,
    values::Layout,
};

pub mod decode;
mod experiment;
pub mod recording;
mod structs;
mod time;
pub use experiment::*;
pub use structs::*;
pub use time::*;

pub const HASH: usize = 0;
pub const PERCPU: usize = 1;
pub const QUEUE: usize = 2;
pub const ARRAY: usize = 3;
pub const LRU: usize = 4;
pub const BROKEN: usize = 5;

/// struct exec_info { u64 count; u32 uid; u32 _pad; u8 filename[16]; }
fn exec_info() -> Layout {
    Layout::Struct {
        name: "exec_info".into(),
        size: 32,
        fields: vec![
            Field::new("count", 0, Layout::int(8, false)),
            Field::new("uid", 8 * 8, Layout::int(4, false)),
            Field::new("_pad", 12 * 8, Layout::int(4, false)),
            Field::new(
                "filename",
                16 * 8,
                Layout::Array {
                    elem: Box::new(Layout::char()),
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
        // As the loader decides for the bundled object, whose maps these fixtures mimic.
        kernel_flood: shared::FloodTarget::ALL
            .into_iter()
            .find(|target| target.map_name() == name),
        frozen: false,
    }
}

/// The bytes of a struct exec_info.
pub fn exec_value(count: u64, uid: u32, filename: &str) -> Vec<u8> {
    let mut bytes = [count.to_le_bytes().as_slice(), &uid.to_le_bytes(), &[0; 4]].concat();
    let mut name = [0u8; 16];
    name[..filename.len()].copy_from_slice(filename.as_bytes());
    bytes.extend_from_slice(&name);
    bytes
}

pub(crate) fn snapshot(desc: &MapDesc, entries: &[(Vec<u8>, Vec<u8>)]) -> Snapshot {
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

/// An App holding one map, read once.
fn one_map_app(desc: MapDesc, snap: Snapshot, changes: Changes, interval: Duration) -> App {
    let mut app = App::new(vec![desc], Vec::new(), interval);
    app.apply(crate::app::FromCollector::Refresh(Refresh {
        map: 0,
        result: Ok((snap.into(), changes)),
        rows: None,
    }));
    app
}

pub fn u32_key(key: u32) -> Vec<u8> {
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
            Layout::int(4, false),
            exec_info(),
            1024,
            1,
        ),
        desc(
            12,
            "cpu_hits",
            MapKind::PercpuArray,
            Layout::int(4, false),
            Layout::int(8, false),
            4,
            0,
        ),
        desc(
            13,
            "jobs",
            MapKind::Queue,
            Layout::Bytes { size: 0 },
            Layout::int(8, false),
            64,
            0,
        ),
        desc(
            14,
            "slots",
            MapKind::Array,
            Layout::int(4, false),
            Layout::int(8, false),
            16,
            0,
        ),
        desc(
            15,
            "recent_pids",
            MapKind::LruHash,
            Layout::int(4, false),
            Layout::int(4, false),
            8,
            2,
        ),
        desc(
            16,
            "sock_map",
            MapKind::Other(15),
            Layout::int(4, false),
            Layout::int(4, false),
            128,
            0,
        ),
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
            Err(MapError::Unlisted {
                name: "sock_map".into(),
                kind: MapKind::Other(15).label(),
                reason: MapKind::Other(15).unlisted_reason().unwrap_or_default(),
            }),
        ),
    ];
    for (map, result) in refreshes {
        app.apply(crate::app::FromCollector::Refresh(Refresh {
            map,
            result: result.map(|(snap, changes)| (snap.into(), changes)),
            rows: None,
        }));
    }
    app
}

/// One hash map u32 -> u64 with `n` entries (key i, value i * 3), every fifth one changed.
pub fn long_app(n: u32) -> App {
    let desc = desc(
        21,
        "flood",
        MapKind::Hash,
        Layout::int(4, false),
        Layout::int(8, false),
        1024,
        0,
    );
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
    one_map_app(desc, snap, changes, Duration::from_millis(250))
}

/// Row rules with just a filter, in the kernel's order.
pub fn filtered(text: &str) -> crate::app::RowRules {
    crate::app::RowRules {
        filter: text.into(),
        sort: crate::app::SortOrder::Kernel,
        ..crate::app::RowRules::default()
    }
}
