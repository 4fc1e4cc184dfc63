//! A recorded session of the fixture maps, for the record and replay tests: five rounds a
//! second apart in which the hash counts up and churns, per-CPU values grow, array slots
//! fill, the LRU evicts, and the unlisted map stays unlisted. `record` writes it as
//! `mapinspect record` would, into memory.
use crate::{
    maps::{MapDesc, Snapshot},
    record::{
        format::Header,
        maps::{program, recorded},
        writer::{Read, Recorder, Writer},
    },
    test_fixtures::{self, ARRAY, HASH, LRU, PERCPU, QUEUE, exec_value, snapshot, u32_key},
};

pub const ROUNDS: usize = 5;

/// Each map's entries in round `round`, in the fixture's map order (None: not listable).
pub fn round(descs: &[MapDesc], round: usize) -> Vec<Option<Snapshot>> {
    let r = round as u64;
    let entries = |map: usize| -> Vec<(Vec<u8>, Vec<u8>)> {
        match map {
            HASH => {
                let mut hash = vec![
                    (u32_key(1), exec_value(12, 0, "/usr/bin/bash")),
                    (u32_key(2), exec_value(3 + r * r, 1000, "/bin/true")),
                    (u32_key(7), exec_value(41 + 7 * r, 1000, "/usr/bin/cargo")),
                ];
                if round % 2 == 1 {
                    hash.insert(1, (u32_key(40 + round as u32), exec_value(1, 0, "/bin/sh")));
                }
                hash
            }
            PERCPU => (0..4u32)
                .map(|cpu_slot| {
                    let v = u64::from(cpu_slot) * 10 * r;
                    (
                        u32_key(cpu_slot),
                        [v.to_le_bytes(), (v / 2).to_le_bytes()].concat(),
                    )
                })
                .collect(),
            QUEUE => vec![(Vec::new(), (4096 + r).to_le_bytes().to_vec())],
            ARRAY => (0..16u32)
                .map(|i| {
                    let on = u64::from(i) <= r * 3;
                    (
                        u32_key(i),
                        u64::from(if on { i * 100 } else { 0 })
                            .to_le_bytes()
                            .to_vec(),
                    )
                })
                .collect(),
            LRU => (0..7u32)
                .map(|i| (u32_key(100 * (i + round as u32)), i.to_le_bytes().to_vec()))
                .collect(),
            _ => Vec::new(),
        }
    };
    descs
        .iter()
        .enumerate()
        .map(|(map, desc)| {
            (desc.meta.kind.unlisted_reason().is_none()).then(|| snapshot(desc, &entries(map)))
        })
        .collect()
}

/// The header `record` writes for the fixture app.
pub fn header(descs: &[MapDesc]) -> Header {
    let app = test_fixtures::app();
    Header {
        tool: "mapinspect test".into(),
        source: "fixtures".into(),
        kernel: Some((6, 18)),
        possible_cpus: 2,
        started_unix_ms: 0,
        interval_ms: 1000,
        full_every: 3,
        programs: app.programs.iter().map(program).collect(),
        maps: descs.iter().map(recorded).collect(),
    }
}

/// The whole session recorded, a key frame every `full_every` frames.
pub fn record(full_every: u32) -> Vec<u8> {
    let descs: Vec<MapDesc> = test_fixtures::app()
        .maps
        .iter()
        .map(|v| v.desc.clone())
        .collect();
    let mut writer = Writer::new(Vec::new(), &header(&descs), u64::MAX).expect("header");
    let mut recorder = Recorder::new(descs.len(), full_every);
    for at in 0..ROUNDS {
        let reads = round(&descs, at)
            .into_iter()
            .map(|snap| snap.map_or(Read::Unlisted, Read::Entries))
            .collect();
        let (kind, frame) = recorder.frame(at as u64 * 1000, reads);
        writer.append(kind, &frame).expect("append");
    }
    writer.into_inner()
}
