//! Changing maps from userspace on the real kernel: round trips for every map type,
//! queue/stack order, refusals that leave a map byte-for-byte unchanged, and floods.
use inspector::{
    loader::Loaded,
    maps::{
        BATCH_CHUNK, MapHandle, ReadMode, flood_key,
        ops::{FloodFrom, FloodReport, FloodRequest, OpError, OpResult, Operation},
        possible_cpus,
    },
    sys,
    values::encode,
};
use shared::{EXPERIMENT_MAX_ENTRIES, map_names};

use crate::util::{load_bundled, map};

fn index(loaded: &Loaded, name: &str) -> usize {
    loaded
        .maps
        .iter()
        .position(|m| m.meta().name == name)
        .unwrap()
}

fn u32s(n: u32) -> Vec<u8> {
    n.to_le_bytes().to_vec()
}

fn update(key: Vec<u8>, value: Vec<u8>, flags: u64) -> Operation {
    Operation::Update { key, value, flags }
}

/// One value per possible CPU, each padded to 8 bytes, as the kernel lays them out.
fn per_cpu(values: &[u64], value_size: usize) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| {
            let mut slot = v.to_le_bytes()[..value_size].to_vec();
            slot.resize(value_size.next_multiple_of(8), 0);
            slot
        })
        .collect()
}

fn lookup(map: &MapHandle, key: Vec<u8>) -> Result<Vec<u8>, OpError> {
    match map.execute(&Operation::Lookup { key })? {
        OpResult::Value(value) => Ok(value),
        other => panic!("lookup gave {other:?}"),
    }
}

/// Every (key, value) of a map, sorted: what "unchanged" is checked against.
fn contents(map: &MapHandle) -> Vec<(Vec<u8>, Vec<u8>)> {
    crate::util::sorted_entries(map, ReadMode::Batch { chunk: BATCH_CHUNK })
}

#[test]
fn hash_and_lru_maps_insert_look_up_and_delete() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    for name in [
        map_names::EXP_HASH,
        map_names::EXP_LRU,
        map_names::EXP_NOCOMMON,
    ] {
        let map = map(&loaded, name);
        let op = update(u32s(7), u32s(77), sys::BPF_ANY);
        assert_eq!(map.execute(&op), Ok(OpResult::Done), "{name}");
        assert_eq!(lookup(map, u32s(7)).unwrap(), u32s(77), "{name}");
        let delete = Operation::Delete { key: u32s(7) };
        assert_eq!(map.execute(&delete), Ok(OpResult::Done), "{name}");
        let err = lookup(map, u32s(7)).unwrap_err();
        assert!(
            err.to_string().contains("ENOENT not found"),
            "{name}: {err}"
        );
    }
    // Lookup-and-delete: hashes and LRU hashes (kernel 5.14+).
    for name in [map_names::EXP_HASH, map_names::EXP_LRU] {
        let map = map(&loaded, name);
        map.execute(&update(u32s(9), u32s(99), 0)).unwrap();
        let taken = map.execute(&Operation::LookupAndDelete { key: u32s(9) });
        assert_eq!(taken, Ok(OpResult::Value(u32s(99))), "{name}");
        assert!(
            lookup(map, u32s(9)).is_err(),
            "{name}: gone after lookup-and-delete"
        );
    }
    // On an array it is refused before any syscall.
    let codes = map(&loaded, map_names::EXIT_CODES);
    let refused = codes.execute(&Operation::LookupAndDelete { key: u32s(1) });
    assert!(matches!(refused, Err(OpError::Refused(_))), "{refused:?}");
}

#[test]
fn a_struct_value_typed_field_by_field_lands_in_the_hash() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let execs = map(&loaded, map_names::EXECS);
    let inputs = ["5", "123", "1000", "1", "\"/usr/bin/demo\""];
    let value = encode::encode_all(&execs.desc.value_layout, &inputs).expect("valid fields");
    let key = u32s(4_000_000); // above pid_max: the kernel never writes this pid
    let op = update(key.clone(), value.clone(), sys::BPF_NOEXIST);
    assert_eq!(execs.execute(&op), Ok(OpResult::Done));
    assert_eq!(lookup(execs, key).unwrap(), value);
    // BPF_NOEXIST refuses to replace it, and says so.
    let err = execs.execute(&op).unwrap_err();
    assert!(err.to_string().contains("EEXIST"), "{err}");
}

#[test]
fn arrays_update_slots_and_refuse_deletes_and_out_of_range_indices() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let codes = map(&loaded, map_names::EXIT_CODES);
    let five = 5u64.to_le_bytes().to_vec();
    assert_eq!(
        codes.execute(&update(u32s(200), five.clone(), 0)),
        Ok(OpResult::Done)
    );
    assert_eq!(lookup(codes, u32s(200)).unwrap(), five);
    let err = codes
        .execute(&Operation::Delete { key: u32s(200) })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "array slots cannot be deleted; set the value to zero instead"
    );
    let err = codes.execute(&update(u32s(256), five, 0)).unwrap_err();
    assert!(
        err.to_string().contains("E2BIG index out of range"),
        "{err}"
    );
}

#[test]
fn per_cpu_maps_take_one_value_per_cpu() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let cpus = possible_cpus() as u64;

    // LRU per-CPU hash, u32 values: nothing else writes it.
    let lru = map(&loaded, map_names::EXP_LRU_PERCPU);
    let values: Vec<u64> = (0..cpus).map(|c| 1000 + c).collect();
    let value = per_cpu(&values, 4);
    assert_eq!(
        lru.execute(&update(u32s(3), value.clone(), 0)),
        Ok(OpResult::Done)
    );
    assert_eq!(lookup(lru, u32s(3)).unwrap(), value);

    // Per-CPU array, live: the kernel may count a few forks between write and read.
    let events = map(&loaded, map_names::EVENTS);
    let base: Vec<u64> = (0..cpus).map(|c| (c + 1) << 40).collect();
    let op = update(u32s(2), per_cpu(&base, 8), 0);
    assert_eq!(events.execute(&op), Ok(OpResult::Done));
    let read = lookup(events, u32s(2)).unwrap();
    for (cpu, written) in base.iter().enumerate() {
        let got = u64::from_le_bytes(read[cpu * 8..cpu * 8 + 8].try_into().unwrap());
        let near = *written..written + 100_000;
        assert!(near.contains(&got), "cpu{cpu}: wrote {written}, read {got}");
    }

    // A value for the wrong number of CPUs is refused before the syscall.
    let short = update(u32s(4), vec![0; 4], 0);
    assert!(matches!(lru.execute(&short), Err(OpError::Refused(_))));
}

/// Marker pids no process has (above pid_max), so the kernel's own pushes can be ignored.
const MARKERS: [u32; 3] = [4_100_001, 4_100_002, 4_100_003];

fn popped_markers(map: &MapHandle) -> Vec<u32> {
    let mut order = Vec::new();
    while let Ok(OpResult::Value(value)) = map.execute(&Operation::Pop) {
        let pid = u32::from_le_bytes(value[..4].try_into().unwrap());
        if MARKERS.contains(&pid) {
            order.push(pid);
        }
    }
    order
}

#[test]
fn queues_pop_in_push_order_and_stacks_in_reverse() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let cases = [
        (map_names::RECENT_EXECS, false),
        (map_names::RECENT_EXITS, true),
    ];
    for (name, reversed) in cases {
        let map = map(&loaded, name);
        let size = map.meta().value_size as usize;
        for pid in MARKERS {
            let mut value = vec![0u8; size];
            value[..4].copy_from_slice(&pid.to_le_bytes());
            let push = Operation::Push {
                value,
                flags: sys::BPF_EXIST,
            };
            assert_eq!(map.execute(&push), Ok(OpResult::Done), "{name}");
        }
        let mut expected = MARKERS.to_vec();
        if reversed {
            expected.reverse();
        }
        assert_eq!(popped_markers(map), expected, "{name}");
        let refused = map.execute(&Operation::Lookup { key: vec![] }).unwrap_err();
        assert!(refused.to_string().contains("no keys"), "{refused}");
    }
}

#[test]
fn refused_and_failed_operations_leave_the_map_unchanged() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let mut loaded = load_bundled();
    // Fill the HASH with keys 1..=1003, then try everything that must not change it.
    let fill = Operation::Flood(FloodRequest {
        count: EXPERIMENT_MAX_ENTRIES,
        cpu: None,
        from: FloodFrom::User,
    });
    loaded
        .execute(index(&loaded, map_names::EXP_HASH), &fill)
        .unwrap();
    let hash = map(&loaded, map_names::EXP_HASH);
    let before = contents(hash);
    assert_eq!(before.len(), EXPERIMENT_MAX_ENTRIES as usize);

    let attempts = [
        // A new key into a full HASH: E2BIG.
        update(u32s(5000), u32s(1), sys::BPF_ANY),
        // BPF_NOEXIST on a key that exists: EEXIST.
        update(u32s(1), u32s(0), sys::BPF_NOEXIST),
        // BPF_EXIST on a key that does not: ENOENT.
        update(u32s(6000), u32s(0), sys::BPF_EXIST),
        // Wrong sizes, refused before any syscall.
        update(vec![1, 0], u32s(0), 0),
        update(u32s(1), vec![0; 8], 0),
        // Queue operations on a hash.
        Operation::Push {
            value: u32s(1),
            flags: 0,
        },
        Operation::Pop,
        // Deleting a key that is not there.
        Operation::Delete { key: u32s(7000) },
    ];
    for op in &attempts {
        let err = hash.execute(op).expect_err("must fail");
        assert_eq!(contents(hash), before, "{op:?} changed the map ({err})");
    }
    let full = hash.execute(&attempts[0]).unwrap_err();
    let words = "E2BIG map is full (max_entries 1003)";
    assert!(full.to_string().contains(words), "{full}");
}

fn flood(loaded: &mut Loaded, name: &str, from: FloodFrom) -> FloodReport {
    let map = index(loaded, name);
    let count = loaded.maps[map].meta().max_entries + 1;
    let request = FloodRequest {
        count,
        cpu: Some(0),
        from,
    };
    match loaded.execute(map, &Operation::Flood(request)) {
        Ok(OpResult::Flooded(report)) => report,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_userspace_flood_shows_the_same_hash_and_lru_behaviour() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let mut loaded = load_bundled();
    let hash = flood(&mut loaded, map_names::EXP_HASH, FloodFrom::User);
    assert_eq!(hash.inserted, EXPERIMENT_MAX_ENTRIES);
    assert_eq!(hash.failures, vec![(libc::E2BIG, 1)]);
    assert_eq!(hash.first_failed_key, Some(EXPERIMENT_MAX_ENTRIES + 1));
    assert!(!hash.last_key_present);
    assert_eq!(hash.missing, vec![(1004, 1004)]);

    let lru = flood(&mut loaded, map_names::EXP_LRU, FloodFrom::User);
    assert_eq!(lru.inserted, EXPERIMENT_MAX_ENTRIES + 1);
    assert!(lru.last_key_present);
    let counted = map(&loaded, map_names::EXP_LRU).snapshot().unwrap().len();
    assert_eq!(
        lru.entries_after, counted,
        "the report's count is the map's"
    );
    assert!(counted <= EXPERIMENT_MAX_ENTRIES as usize);
    let missing: u32 = lru.missing.iter().map(|(a, b)| b - a + 1).sum();
    assert_eq!(
        counted as u32 + missing,
        lru.attempted,
        "present + missing = all keys"
    );
    println!("LRU_HASH after a userspace flood pinned to CPU 0: {counted} of 1003 survive");
}

#[test]
fn a_no_common_lru_flooded_from_one_cpu_fills_about_its_share() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let mut loaded = load_bundled();
    let cpus = possible_cpus() as u32;
    let name = map_names::EXP_NOCOMMON;
    for from in [FloodFrom::User, FloodFrom::Kernel] {
        // Start each flood from an empty map.
        let map = index(&loaded, name);
        for n in 1..=2100 {
            let _ = loaded.maps[map].execute(&Operation::Delete {
                key: flood_key(n, 4),
            });
        }
        let report = flood(&mut loaded, name, from);
        let share = report.max_entries / cpus;
        let got = report.entries_after as u32;
        assert!(
            got <= share + 1 && got * 10 >= share * 9,
            "{from:?}: {got} entries, one CPU's share is {share} ({cpus} CPUs)"
        );
        println!(
            "NO_COMMON_LRU flooded from CPU 0 ({from:?}): {got} of {} ({share} per CPU)",
            report.max_entries
        );
    }
}

#[test]
fn element_access_refuses_buffers_of_the_wrong_size() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    // Per-CPU values take one slot per possible CPU: one slot is too small.
    let percpu = map(&loaded, map_names::EXP_LRU_PERCPU);
    let mut one_cpu = vec![0u8; 8];
    let err = percpu.lookup_into(&u32s(1), &mut one_cpu).unwrap_err();
    assert!(err.to_string().contains("wrong size"), "{err}");
    let hash = map(&loaded, map_names::EXP_HASH);
    assert!(
        hash.update_from(&[1, 2], &u32s(1), 0).is_err(),
        "a 2-byte key"
    );
    assert!(hash.delete_key(&[0; 8]).is_err(), "an 8-byte key");
    let mut short = [0u8; 2];
    assert!(
        hash.next_key(None, &mut short).is_err(),
        "a 2-byte next key"
    );
    // The right sizes go through (and an absent key is the kernel's ENOENT).
    let mut value = vec![0u8; percpu.desc.value_buffer_len()];
    let err = percpu.lookup_into(&u32s(1), &mut value).unwrap_err();
    assert_eq!(err.errno(), libc::ENOENT);
}
