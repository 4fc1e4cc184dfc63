//! Batch reads on the real kernel agree with per-key reads, survive a hash bucket larger
//! than the buffer (ENOSPC), and never repeat a key while an LRU evicts under them.
use std::{
    collections::HashSet,
    sync::atomic::{AtomicBool, Ordering},
};

use inspector::{
    loader::{self, Loaded},
    maps::{
        BATCH_CHUNK, ReadMode,
        ops::{FloodFrom, FloodRequest, Operation},
    },
    sys,
};
use shared::map_names;

fn flooded(name: &str, count: u32) -> Loaded {
    let mut loaded = loader::load_bundled().unwrap();
    let index = loaded
        .maps
        .iter()
        .position(|m| m.meta().name == name)
        .unwrap();
    let request = FloodRequest {
        count,
        cpu: Some(0),
        from: FloodFrom::User,
    };
    loaded.execute(index, &Operation::Flood(request)).unwrap();
    loaded
}

#[test]
fn batch_reads_match_per_key_reads_for_every_keyed_map_type() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    for name in [
        map_names::EXP_HASH,
        map_names::EXP_LRU,
        map_names::EXP_LRU_PERCPU,
        map_names::EXIT_CODES,
    ] {
        let loaded = flooded(name, 200);
        let map = loaded.map(name).unwrap();
        let per_key = crate::util::sorted_entries(map, ReadMode::PerKey);
        assert!(
            per_key.len() >= 200,
            "{name} holds the flood: {}",
            per_key.len()
        );
        let batched = crate::util::sorted_entries(map, ReadMode::Batch { chunk: BATCH_CHUNK });
        assert_eq!(batched, per_key, "{name}");
    }
    // Per-CPU values come back whole in a batch, too.
    let loaded = flooded(map_names::EXP_LRU_PERCPU, 50);
    let map = loaded.map(map_names::EXP_LRU_PERCPU).unwrap();
    let snap = map.snapshot().unwrap();
    assert_eq!(snap.value(0).len(), 8 * map.desc.cpus);
}

#[test]
fn a_bucket_larger_than_the_buffer_is_retried_with_more_room() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    // 1003 keys in 1024 buckets: many buckets hold two or more, so a one-entry buffer gets
    // ENOSPC and must grow.
    let loaded = flooded(map_names::EXP_HASH, 1003);
    let map = loaded.map(map_names::EXP_HASH).unwrap();
    let tiny = crate::util::sorted_entries(map, ReadMode::Batch { chunk: 1 });
    assert_eq!(tiny.len(), 1003);
    assert_eq!(tiny, crate::util::sorted_entries(map, ReadMode::PerKey));
}

#[test]
fn reads_never_repeat_a_key_while_an_lru_evicts_under_them() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = flooded(map_names::EXP_LRU, 1004);
    let map = loaded.map(map_names::EXP_LRU).unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Keep inserting new keys: every insert into the full LRU evicts others.
        scope.spawn(|| {
            let mut key = 10_000u32;
            while !stop.load(Ordering::Relaxed) {
                let value = key.to_le_bytes();
                let _ = map.update_from(&key.to_le_bytes(), &value, sys::BPF_ANY);
                key = key.wrapping_add(1);
            }
        });
        for round in 0..40 {
            let mode = if round % 2 == 0 {
                ReadMode::Batch { chunk: 64 }
            } else {
                ReadMode::PerKey
            };
            let snap = map.snapshot_with(mode).unwrap();
            let keys: HashSet<&[u8]> = (0..snap.len()).map(|i| snap.key(i)).collect();
            assert_eq!(keys.len(), snap.len(), "{mode:?}: a key came back twice");
            assert!(snap.len() <= 1003);
        }
        stop.store(true, Ordering::Relaxed);
    });
}
