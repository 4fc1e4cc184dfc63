//! The experiment the tool exists to show, run by the kernel-side flood program:
//! a HASH refuses key max_entries + 1, an LRU_HASH evicts and ends far from full.
use inspector::{
    loader,
    maps::MapHandle,
    values::{decode::Value, entries},
};
use shared::{EXPERIMENT_MAX_ENTRIES, FloodTarget, flood_value};

const COUNT: u32 = EXPERIMENT_MAX_ENTRIES + 1;

fn keys_and_values(map: &MapHandle) -> Vec<(u64, u64)> {
    let snap = map.snapshot().expect("snapshot");
    (0..snap.len())
        .map(|i| {
            let entry = entries::decode_entry(&map.desc, &snap, i);
            match (entry.key, entry.value) {
                (Value::Unsigned(k), Value::Unsigned(v)) => (k, v),
                other => panic!("u32 -> u32 expected, got {other:?}"),
            }
        })
        .collect()
}

#[test]
fn a_flooded_hash_keeps_max_entries_and_refuses_the_next_key() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let mut loaded = loader::load_bundled().unwrap();
    let result = loaded
        .flood_in_kernel(FloodTarget::Hash, COUNT, Some(0))
        .unwrap();
    assert_eq!(result.attempted, COUNT);
    assert_eq!(result.inserted, EXPERIMENT_MAX_ENTRIES);
    assert_eq!(result.failed, 1);
    assert_eq!(result.first_error, -libc::E2BIG);
    assert_eq!(result.first_failed_key, COUNT);
    assert_eq!(result.cpu, 0);

    let entries = keys_and_values(loaded.map(FloodTarget::Hash.map_name()).unwrap());
    assert_eq!(entries.len(), EXPERIMENT_MAX_ENTRIES as usize);
    assert!(
        !entries.iter().any(|&(k, _)| k == u64::from(COUNT)),
        "key 1004 absent"
    );
    for (key, value) in entries {
        assert_eq!(
            value,
            u64::from(flood_value(key as u32)),
            "value = key * 11"
        );
    }
}

#[test]
fn a_flooded_lru_accepts_every_key_and_evicts() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let mut loaded = loader::load_bundled().unwrap();
    let result = loaded
        .flood_in_kernel(FloodTarget::Lru, COUNT, Some(0))
        .unwrap();
    assert_eq!(result.inserted, COUNT, "an LRU never refuses an insert");
    assert_eq!(result.failed, 0);

    let entries = keys_and_values(loaded.map(FloodTarget::Lru.map_name()).unwrap());
    assert!(
        entries.iter().any(|&(k, _)| k == u64::from(COUNT)),
        "key 1004 present"
    );
    assert!(entries.len() <= EXPERIMENT_MAX_ENTRIES as usize);
    // The surviving count depends on CPUs and kernel (see ../shared/notes/maps.md): report it.
    println!(
        "LRU_HASH after a kernel flood of {COUNT} keys on CPU 0: {} of {} entries survive",
        entries.len(),
        EXPERIMENT_MAX_ENTRIES
    );
}

#[test]
fn the_experiment_maps_start_empty() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = loader::load_bundled().unwrap();
    for target in FloodTarget::ALL {
        let map = loaded.map(target.map_name()).unwrap();
        assert!(
            map.snapshot().unwrap().is_empty(),
            "{} starts empty",
            target.map_name()
        );
    }
}
