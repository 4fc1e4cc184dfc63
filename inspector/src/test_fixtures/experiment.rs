//! The HASH vs LRU experiment as the screens show it: the four experiment maps right after
//! a flood, an LRU's sawtooth of counts, and the reports each flood ends with.
use super::*;

/// Indices of [`experiment_app`]'s maps.
pub const EXP_HASH: usize = 0;
pub const EXP_LRU: usize = 1;
pub const EXP_NOCOMMON: usize = 2;
pub const EXP_LRU_PERCPU: usize = 3;
pub const EXP_ARRAY: usize = 4;

/// max_entries of the experiment maps, as in the bundled object.
pub const EXP_MAX: u32 = 1003;

/// Keys of 1..=1004 an LRU lost in [`lru_flood_report`]: 614 keys in five ranges.
pub const LRU_MISSING: [(u32, u32); 5] = [(1, 600), (641, 650), (700, 701), (800, 800), (900, 900)];

/// The experiment on a 2-CPU machine with kernel 6.8, right after a flood of keys
/// 1..=1004: EXP_HASH full (1003 entries), EXP_LRU with 390 survivors and a sawtooth of
/// entry counts behind it, EXP_NOCOMMON (BPF_F_NO_COMMON_LRU), EXP_LRU_PERCPU (u32 values:
/// 4 bytes padded to an 8-byte stride per CPU) and a small u32 -> u32 array.
pub fn experiment_app() -> App {
    let descs = vec![
        desc(
            41,
            "EXP_HASH",
            MapKind::Hash,
            Layout::int(4, false),
            Layout::int(4, false),
            EXP_MAX,
            0,
        ),
        desc(
            42,
            "EXP_LRU",
            MapKind::LruHash,
            Layout::int(4, false),
            Layout::int(4, false),
            EXP_MAX,
            0,
        ),
        desc(
            43,
            "EXP_NOCOMMON",
            MapKind::LruHash,
            Layout::int(4, false),
            Layout::int(4, false),
            EXP_MAX,
            2,
        ),
        desc(
            44,
            "EXP_LRU_PERCPU",
            MapKind::LruPercpuHash,
            Layout::int(4, false),
            Layout::int(4, false),
            EXP_MAX,
            0,
        ),
        desc(
            45,
            "counters",
            MapKind::Array,
            Layout::int(4, false),
            Layout::int(4, false),
            16,
            0,
        ),
    ];
    let mut app = App::new(descs.clone(), Vec::new(), Duration::from_secs(1));
    app.possible_cpus = 2;
    app.kernel = Some((6, 8));
    let flooded = |keys: &mut dyn Iterator<Item = u32>| -> Vec<(Vec<u8>, Vec<u8>)> {
        keys.map(|k| (u32_key(k), (k * 11).to_le_bytes().to_vec()))
            .collect()
    };
    let lru_keys =
        (1..=EXP_MAX + 1).filter(|k| !LRU_MISSING.iter().any(|&(a, b)| (a..=b).contains(k)));
    let percpu: Vec<(Vec<u8>, Vec<u8>)> = [5u32, 6]
        .iter()
        .map(|&k| {
            let cpu0 = [(k * 11).to_le_bytes(), [0; 4]].concat();
            let cpu1 = [k.to_le_bytes(), [0; 4]].concat();
            (u32_key(k), [cpu0, cpu1].concat())
        })
        .collect();
    let array: Vec<(Vec<u8>, Vec<u8>)> = (0..16u32)
        .map(|i| {
            (
                u32_key(i),
                (if i > 0 { i * 11 } else { 0 }).to_le_bytes().to_vec(),
            )
        })
        .collect();
    let snaps = [
        snapshot(&descs[EXP_HASH], &flooded(&mut (1..=EXP_MAX))),
        snapshot(&descs[EXP_LRU], &flooded(&mut lru_keys.into_iter())),
        snapshot(&descs[EXP_NOCOMMON], &flooded(&mut (510..=1004))),
        snapshot(&descs[EXP_LRU_PERCPU], &percpu),
        snapshot(&descs[EXP_ARRAY], &array),
    ];
    for (map, snap) in snaps.into_iter().enumerate() {
        let n = snap.len();
        let changes = Changes {
            changed: vec![false; n],
            rates: vec![None; n],
            removed: if map == EXP_LRU { 128 } else { 0 },
            added: 0,
        };
        app.apply(crate::app::FromCollector::Refresh(Refresh {
            map,
            result: Ok((snap.into(), changes)),
            rows: None,
        }));
    }
    app.maps[EXP_LRU].history = lru_history().into();
    app
}

/// Entry counts of an LRU under a steady stream of new keys: it grows, then a batch of
/// evictions takes it down at once, again and again (the sawtooth).
pub fn lru_history() -> Vec<usize> {
    (0..60).map(|i| 262 + (i % 8) * 18).chain([390]).collect()
}

/// What a flood of 1..=1004 into EXP_HASH reports: the last key does not fit.
pub fn hash_flood_report() -> FloodReport {
    FloodReport {
        map: "EXP_HASH".into(),
        kind: MapKind::Hash,
        from: FloodFrom::Kernel,
        cpu: Some(0),
        attempted: EXP_MAX + 1,
        inserted: EXP_MAX,
        failures: vec![(libc::E2BIG, 1)],
        first_failed_key: Some(EXP_MAX + 1),
        entries_after: EXP_MAX as usize,
        max_entries: EXP_MAX,
        last_key_present: false,
        missing: vec![(EXP_MAX + 1, EXP_MAX + 1)],
    }
}

/// What a flood of 1..=1004 into EXP_LRU reports: 390 survive, the newest among them.
pub fn lru_flood_report() -> FloodReport {
    FloodReport {
        map: "EXP_LRU".into(),
        kind: MapKind::LruHash,
        from: FloodFrom::Kernel,
        cpu: Some(0),
        attempted: EXP_MAX + 1,
        inserted: EXP_MAX + 1,
        failures: Vec::new(),
        first_failed_key: None,
        entries_after: 390,
        max_entries: EXP_MAX,
        last_key_present: true,
        missing: LRU_MISSING.to_vec(),
    }
}
