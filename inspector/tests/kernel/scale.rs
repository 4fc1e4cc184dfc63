//! Output and scale: a big map's streamed JSON and JSON Lines hold every entry, a closed pipe
//! ends `dump` quietly, the kernel's element counters (read by the map-count iterator) match
//! full reads, and a mmapable array reads the same through mmap as through batches.
use std::{
    collections::HashSet,
    io::Read as _,
    os::fd::{AsFd as _, OwnedFd},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use inspector::{
    maps::{BATCH_CHUNK, MapHandle, ReadMode, counts::Counter, possible_cpus},
    sys,
};
use serde_json::Value as Json;

const HASH: u32 = 1;
const ARRAY: u32 = 2;
const PERCPU_HASH: u32 = 5;
const LRU_HASH: u32 = 9;
const LRU_PERCPU_HASH: u32 = 10;
const BPF_F_MMAPABLE: u32 = 1 << 10;

/// Entries of the big map the output tests dump.
const BIG: u32 = 200_000;

/// This test's directory on bpffs, removed with what is pinned in it.
struct Pins(PathBuf);

impl Pins {
    fn new(test: &str) -> Self {
        let dir =
            Path::new("/sys/fs/bpf").join(format!("mapinspect-test-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("bpffs is mounted at /sys/fs/bpf");
        Self(dir)
    }

    fn pin(&self, fd: &OwnedFd, name: &str) -> String {
        let path = self.0.join(name);
        sys::obj_pin(fd.as_fd(), &path).expect("pin");
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A u32 -> u64 map of `map_type` with keys `keys` inserted (value key * 7 on each CPU).
fn map_with(map_type: u32, max: u32, keys: std::ops::Range<u32>, flags: u32) -> OwnedFd {
    let name = format!("mi_t{map_type}_{max}");
    let fd = sys::map_create(map_type, 4, 8, max, flags, &name).expect("create map");
    let cpus = if matches!(map_type, PERCPU_HASH | LRU_PERCPU_HASH) {
        possible_cpus()
    } else {
        1
    };
    for chunk in keys.collect::<Vec<_>>().chunks(1 << 14) {
        let key_bytes: Vec<u8> = chunk.iter().flat_map(|k| k.to_ne_bytes()).collect();
        let values: Vec<u8> = chunk
            .iter()
            .flat_map(|&k| (0..cpus).flat_map(move |_| (u64::from(k) * 7).to_ne_bytes()))
            .collect();
        // SAFETY: `chunk.len()` u32 keys and (per CPU) u64 values, the map's own sizes.
        unsafe {
            sys::update_batch(
                fd.as_fd(),
                &key_bytes,
                &values,
                chunk.len() as u32,
                sys::BPF_ANY,
            )
        }
        .expect("fill");
    }
    fd
}

fn mapinspect() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mapinspect"))
}

fn stdout_of(args: &[&str]) -> Vec<u8> {
    let output = mapinspect().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn json_and_jsonl_of_a_big_map_hold_every_entry() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = Pins::new("bigjson");
    let fd = map_with(HASH, BIG, 0..BIG, 0);
    let pin = pins.pin(&fd, "big");
    let id = MapHandle::open_pinned(Path::new(&pin))
        .unwrap()
        .desc
        .meta
        .id;

    let doc: Json = serde_json::from_slice(&stdout_of(&["--pin", &pin, "dump", "--json"]))
        .expect("the streamed JSON parses");
    let maps = doc.as_array().expect("an array of maps");
    assert_eq!(maps.len(), 1);
    let map = &maps[0];
    assert_eq!(map["entry_count"], BIG);
    assert_eq!(map["id"], id);
    assert_eq!(map["type"], "hash");
    let entries = map["entries"].as_array().unwrap();
    let keys: HashSet<u64> = entries
        .iter()
        .map(|e| {
            let key = e["key"].as_u64().unwrap();
            assert_eq!(e["value"].as_u64(), Some(key * 7), "{e}");
            key
        })
        .collect();
    assert_eq!(keys, (0..u64::from(BIG)).collect());

    let text = stdout_of(&["--pin", &pin, "dump", "--format", "jsonl"]);
    let mut seen = HashSet::new();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let entry: Json = serde_json::from_slice(line).expect("each line is one JSON object");
        assert_eq!(entry["map_id"], id);
        assert_eq!(entry["map"], "mi_t1_200000");
        let key = entry["key"].as_u64().unwrap();
        assert_eq!(entry["value"].as_u64(), Some(key * 7));
        assert!(seen.insert(key), "key {key} twice");
    }
    assert_eq!(seen.len(), BIG as usize);
}

#[test]
fn jsonl_of_per_cpu_maps_and_arrays_has_every_cpu_and_every_slot() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = Pins::new("jsonl_shapes");
    let cpus = possible_cpus();
    let percpu = pins.pin(&map_with(PERCPU_HASH, 64, 1..11, 0), "percpu");
    let array = pins.pin(&map_with(ARRAY, 16, 3..5, 0), "array");
    let lines = |pin: &str| -> Vec<Json> {
        String::from_utf8(stdout_of(&["--pin", pin, "dump", "--format", "jsonl"]))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    };
    let entries = lines(&percpu);
    assert_eq!(entries.len(), 10);
    for entry in &entries {
        let key = entry["key"].as_u64().unwrap();
        let values = entry["values"].as_array().expect("a value per CPU");
        assert_eq!(values.len(), cpus, "{entry}");
        assert!(
            values.iter().all(|v| v.as_u64() == Some(key * 7)),
            "{entry}"
        );
        assert_eq!(
            entry["sum"].as_u64(),
            Some(key * 7 * cpus as u64),
            "{entry}"
        );
        assert!(entry.get("value").is_none(), "{entry}");
    }
    // Every slot of an array exists: zero ones too, in slot order.
    let slots = lines(&array);
    let keys: Vec<u64> = slots.iter().map(|e| e["key"].as_u64().unwrap()).collect();
    assert_eq!(keys, (0..16).collect::<Vec<_>>());
    for slot in &slots {
        let key = slot["key"].as_u64().unwrap();
        let want = if (3..5).contains(&key) { key * 7 } else { 0 };
        assert_eq!(slot["value"].as_u64(), Some(want), "{slot}");
    }
}

#[test]
fn a_reader_that_stops_early_ends_dump_quietly() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = Pins::new("head");
    let fd = map_with(PERCPU_HASH, BIG, 0..BIG, 0);
    let pin = pins.pin(&fd, "big");
    for format in ["jsonl", "json", "table"] {
        let mut child = mapinspect()
            .args(["--pin", &pin, "dump", "--limit", "0", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -c 4096`: read the start, then close the pipe (compact JSON is one line).
        let mut start = [0u8; 4096];
        let mut stdout = child.stdout.take().unwrap();
        stdout.read_exact(&mut start).expect("4 KiB of output");
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{format}: {:?} {stderr}",
            output.status
        );
        assert!(
            stderr.is_empty(),
            "{format}: nothing on stderr, got {stderr}"
        );
    }
    // The user's own pipeline: `| head -n 2` under pipefail, so mapinspect's status counts.
    let output = Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; '{}' --pin '{pin}' dump --format jsonl | head -n 2",
                env!("CARGO_BIN_EXE_mapinspect")
            ),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "| head: {:?} {stderr}",
        output.status
    );
    assert!(stderr.is_empty(), "| head: nothing on stderr, got {stderr}");
    assert_eq!(output.stdout.iter().filter(|&&b| b == b'\n').count(), 2);
}

#[test]
fn kernel_counts_equal_full_reads() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let counter = Counter::new();
    if let Some(why) = counter.unavailable() {
        panic!("the map-count iterator must load on this kernel (6.6+): {why}");
    }
    let maps: Vec<(&str, OwnedFd)> = vec![
        ("hash", map_with(HASH, 5_000, 0..3_210, 0)),
        // Three times what fits: the LRU evicts, and its counter follows.
        ("lru", map_with(LRU_HASH, 1_000, 0..3_000, 0)),
        ("percpu", map_with(PERCPU_HASH, 4_000, 0..1_234, 0)),
        ("lru_percpu", map_with(LRU_PERCPU_HASH, 512, 0..2_000, 0)),
    ];
    let handles: Vec<MapHandle> = maps
        .iter()
        .map(|(_, fd)| MapHandle::from_fd(fd.try_clone().unwrap()).unwrap())
        .collect();
    // Deletions count too.
    for key in 0u32..10 {
        // SAFETY: a u32 key, the hash map's key size.
        unsafe { sys::delete_elem(maps[0].1.as_fd(), &key.to_ne_bytes()) }.unwrap();
    }
    let kernel = counter.kernel_counts().expect("the iterator reads");
    for ((name, _), map) in maps.iter().zip(&handles) {
        let read = map.snapshot().unwrap().len() as u64;
        assert_eq!(kernel.get(&map.desc.meta.id), Some(&read), "{name}");
        assert!(read > 0, "{name} holds entries");
    }
    assert_eq!(kernel[&handles[0].desc.meta.id], 3_200);
    let lru = kernel[&handles[1].desc.meta.id];
    assert!(lru <= 1_000, "the LRU holds at most max_entries ({lru})");
    // Arrays keep no counter: `counts` reads them (non-zero slots) instead.
    let array = map_with(ARRAY, 100, 0..40, 0);
    let array = MapHandle::from_fd(array).unwrap();
    let refs: Vec<&MapHandle> = handles.iter().chain([&array]).collect();
    let counts: Vec<usize> = counter
        .counts(&refs)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(counts[0], 3_200);
    assert_eq!(counts[4], 39, "slot 0 holds 0 * 7 = 0: not counted");
}

#[test]
fn a_mmapable_array_reads_the_same_through_mmap() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let fd = map_with(ARRAY, 10_000, 0..10_000, BPF_F_MMAPABLE);
    let map = MapHandle::from_fd(fd).unwrap();
    let by_mmap = map
        .snapshot_mmap()
        .expect("the kernel maps a mmapable array");
    assert_eq!(map.snapshot().unwrap().len(), by_mmap.len());
    let by_batch = map
        .snapshot_with(ReadMode::Batch { chunk: BATCH_CHUNK })
        .unwrap();
    assert_eq!(by_mmap.len(), 10_000);
    for i in [0, 1, 4_321, 9_999] {
        assert_eq!(by_mmap.key(i), by_batch.key(i));
        assert_eq!(by_mmap.value(i), by_batch.value(i));
    }
    assert_eq!(by_mmap.value(9_999), (9_999u64 * 7).to_ne_bytes());
}
