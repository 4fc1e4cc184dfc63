//! Maps of the types beyond keys and values, built by hand for the screen and state tests:
//! an LPM trie, a map-of-maps (and the inner map Enter opens), a program array, a stack
//! trace map, a ring buffer and a bloom filter, each with the type information the collector
//! would send; and apart, a cgroup storage map keyed by cgroup.
use std::{collections::HashMap, sync::Arc, time::Duration};

use super::{desc, snapshot, u32_key};
use crate::{
    app::{App, FromCollector, Opened, Refresh},
    maps::{
        MapDesc, MapError, MapKind,
        types::{
            Annotation, Cgroup, InnerMap, MapFacts, ProgramRef, RingPositions, RingRecords,
            TypeInfo, lpm::Prefix, objects::InnerInfo,
        },
    },
    tui::diff::Changes,
    values::Layout,
};

pub const LPM: usize = 0;
pub const OUTER: usize = 1;
pub const JUMPS: usize = 2;
pub const STACKS: usize = 3;
pub const RING: usize = 4;
pub const BLOOM: usize = 5;
/// The inner map's id (slot 0 of OUTER).
pub const INNER_ID: u32 = 77;

fn bytes(size: usize) -> Layout {
    Layout::Bytes { size }
}

fn lpm_key(len: u32, data: [u8; 4]) -> Vec<u8> {
    [len.to_ne_bytes().as_slice(), &data].concat()
}

fn unchanged(n: usize) -> Changes {
    Changes {
        changed: vec![false; n],
        rates: vec![None; n],
        ..Changes::default()
    }
}

/// Applies a read of `map` with `entries`, then its type information.
fn read(app: &mut App, map: usize, entries: &[(Vec<u8>, Vec<u8>)], notes: Vec<Annotation>) {
    let desc = app.maps[map].desc.clone();
    let snap = snapshot(&desc, entries);
    let n = snap.len();
    app.apply(FromCollector::Refresh(Refresh {
        map,
        result: Ok((snap.into(), unchanged(n))),
        rows: None,
    }));
    let info = TypeInfo {
        facts: None,
        annotations: notes.into_iter().enumerate().collect(),
        records: None,
    };
    app.apply(FromCollector::Typed {
        map,
        info: Arc::new(info),
    });
}

/// Applies a failed read of a map whose type is not listed, with its facts.
fn unlisted(app: &mut App, map: usize, facts: MapFacts, records: Option<RingRecords>) {
    let desc = &app.maps[map].desc;
    let kind = desc.meta.kind;
    let error = MapError::Unlisted {
        name: desc.meta.name.clone(),
        kind: kind.label(),
        reason: kind.unlisted_reason().unwrap_or_default(),
    };
    app.apply(FromCollector::Refresh(Refresh {
        map,
        result: Err(error),
        rows: None,
    }));
    let info = TypeInfo {
        facts: Some(facts),
        annotations: HashMap::new(),
        records,
    };
    app.apply(FromCollector::Typed {
        map,
        info: Arc::new(info),
    });
}

fn inner(id: u32, name: &str, entries: usize) -> Annotation {
    Annotation::InnerMap(InnerMap {
        id,
        info: Ok(InnerInfo {
            name: name.into(),
            kind: MapKind::Hash,
            max_entries: 64,
            entries: Some(entries),
        }),
    })
}

/// The inner map Enter opens from OUTER's slot 0.
pub fn inner_desc() -> MapDesc {
    desc(
        INNER_ID,
        "per_cpu_users",
        MapKind::Hash,
        Layout::int(4, false),
        Layout::int(8, false),
        64,
        0,
    )
}

/// Six typed maps, each read once.
pub fn typed_app() -> App {
    let descs = vec![
        desc(
            31,
            "routes",
            MapKind::LpmTrie,
            bytes(8),
            Layout::int(4, false),
            64,
            1,
        ),
        desc(
            32,
            "tenants",
            MapKind::ArrayOfMaps,
            Layout::int(4, false),
            Layout::int(4, false),
            4,
            0,
        ),
        desc(
            33,
            "jump_table",
            MapKind::ProgArray,
            Layout::int(4, false),
            Layout::int(4, false),
            8,
            0,
        ),
        desc(
            34,
            "stacks",
            MapKind::StackTrace,
            Layout::int(4, false),
            bytes(32),
            128,
            0,
        ),
        desc(35, "events", MapKind::Ringbuf, bytes(0), bytes(0), 4096, 0),
        desc(
            36,
            "seen_comms",
            MapKind::BloomFilter,
            bytes(0),
            Layout::int(4, false),
            256,
            0,
        ),
    ];
    let mut app = App::new(descs, Vec::new(), Duration::from_secs(1));
    let routes = [(24, [10, 1, 2, 0]), (16, [10, 1, 0, 0]), (0, [0, 0, 0, 0])];
    read(
        &mut app,
        LPM,
        &routes
            .iter()
            .enumerate()
            .map(|(i, (len, net))| (lpm_key(*len, *net), u32_key(i as u32 + 7)))
            .collect::<Vec<_>>(),
        routes
            .iter()
            .map(|(len, net)| {
                Annotation::Prefix(Prefix {
                    len: *len,
                    data: net.to_vec(),
                })
            })
            .collect(),
    );
    read(
        &mut app,
        OUTER,
        &[(u32_key(0), u32_key(INNER_ID)), (u32_key(2), u32_key(78))],
        vec![
            inner(INNER_ID, "per_cpu_users", 3),
            inner(78, "per_cpu_groups", 0),
        ],
    );
    read(
        &mut app,
        JUMPS,
        &[(u32_key(1), u32_key(501))],
        vec![Annotation::Program(ProgramRef {
            id: 501,
            info: Ok(("tail_exec".into(), "tracepoint".into())),
        })],
    );
    let frames = vec![
        "do_sys_openat2+0x7c".to_string(),
        "__x64_sys_openat+0x55".into(),
        "do_syscall_64+0x82".into(),
        "entry_SYSCALL_64_after_hwframe+0x76".into(),
    ];
    read(
        &mut app,
        STACKS,
        &[(u32_key(12), vec![0xab; 32])],
        vec![Annotation::Frames(frames)],
    );
    unlisted(
        &mut app,
        RING,
        MapFacts::Ring(RingPositions {
            ring_size: 4096,
            producer_pos: 1536,
            consumer_pos: 512,
        }),
        Some(RingRecords {
            total: 1250,
            bytes: 50_000,
            latest_drain: 12,
            sizes: vec![40, 40, 40],
            recent: vec![(0..40).collect(); 3],
        }),
    );
    let reason = MapKind::BloomFilter.unlisted_reason().unwrap_or_default();
    unlisted(&mut app, BLOOM, MapFacts::Unlisted(reason), None);
    app
}

/// `typed_app` after Enter on OUTER's slot 0: the collector's answer, applied.
pub fn opened_inner(app: &mut App) {
    let index = app.maps.len();
    app.apply(FromCollector::Opened(Opened {
        parent: OUTER,
        id: INNER_ID,
        result: Ok((index, inner_desc())),
    }));
    read(
        app,
        index,
        &[
            (u32_key(1000), 5u64.to_le_bytes().to_vec()),
            (u32_key(1001), 9u64.to_le_bytes().to_vec()),
            (u32_key(0), 1u64.to_le_bytes().to_vec()),
        ],
        Vec::new(),
    );
}

/// One cgroup storage map read once: two cgroups with a value, named by path.
pub fn cgroup_app() -> App {
    let descs = vec![desc(
        41,
        "cgrp_notes",
        MapKind::from_raw(32),
        Layout::int(4, false),
        Layout::int(8, false),
        0,
        1,
    )];
    let mut app = App::new(descs, Vec::new(), Duration::from_secs(1));
    let cgroups = [(1, "/", 12u64), (4242, "/system.slice/nginx.service", 7)];
    read(
        &mut app,
        0,
        &cgroups
            .iter()
            .map(|(id, _, v)| (u32_key(*id), v.to_le_bytes().to_vec()))
            .collect::<Vec<_>>(),
        cgroups
            .iter()
            .map(|(id, path, _)| {
                Annotation::Cgroup(Cgroup {
                    id: u64::from(*id),
                    path: (*path).into(),
                })
            })
            .collect(),
    );
    app
}

/// `typed_app` with RING's records typed (as `--value-type` or the object's BTF would) and
/// three records arrived: one of the type's size, one longer, one shorter.
pub fn typed_ring_app() -> App {
    let mut app = typed_app();
    let event = Layout::Struct {
        name: "exec_event".into(),
        size: 16,
        fields: vec![
            crate::values::Field::new("pid", 0, Layout::int(4, false)),
            crate::values::Field::new("uid", 32, Layout::int(4, false)),
            crate::values::Field::new("ts_ns", 64, Layout::int(8, false)),
        ],
    };
    app.maps[RING].desc.value_layout = event;
    let record = |pid: u32, extra: usize| {
        let mut bytes = [pid.to_le_bytes(), 1000u32.to_le_bytes()].concat();
        bytes.extend(5_000_000u64.to_le_bytes());
        bytes.extend(vec![0xee; extra]);
        bytes
    };
    let recent = vec![record(4242, 0), record(4243, 8), vec![1, 2, 3, 4, 5, 6]];
    let facts = MapFacts::Ring(RingPositions {
        ring_size: 4096,
        producer_pos: 1536,
        consumer_pos: 1536,
    });
    let records = RingRecords {
        total: 3,
        bytes: 46,
        latest_drain: 3,
        sizes: recent.iter().map(Vec::len).collect(),
        recent,
    };
    unlisted(&mut app, RING, facts, Some(records));
    app
}
