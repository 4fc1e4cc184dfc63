//! Every map type this kernel lets userspace create, made by bpftool (or the raw syscall) as
//! a foreign owner, and what mapinspect shows for it: the name bpftool gives the type, the
//! entries bpftool reads (entry for entry), what only mapinspect reads (prefixes, inner maps
//! nested under their slots, programs, ring positions, bloom tests), and a non-zero exit
//! with the reason for a map nothing can be read from.
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use inspector::{
    maps::{MapHandle, MapKind, ops::OpError},
    sys,
};
use serde_json::Value as Json;

/// A per-test directory in bpffs (and one for built objects), removed on drop.
pub(crate) struct PinDir {
    dir: PathBuf,
    build: PathBuf,
}

impl PinDir {
    pub(crate) fn new(test: &str) -> Self {
        let id = format!("mapinspect-types-{}-{test}", std::process::id());
        let dir = Path::new("/sys/fs/bpf").join(&id);
        let build = std::env::temp_dir().join(&id);
        std::fs::create_dir_all(&dir).expect("bpffs is mounted at /sys/fs/bpf");
        std::fs::create_dir_all(&build).unwrap();
        Self { dir, build }
    }

    pub(crate) fn pin(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }

    /// `bpftool map create` of one map, pinned as `name`.
    pub(crate) fn create(&self, name: &str, spec: &str) -> String {
        let pin = self.pin(name);
        let mut args = vec!["map", "create", &pin];
        args.extend(spec.split_whitespace());
        args.extend(["name", name]);
        bpftool(&args);
        pin
    }

    /// Builds and loads tests/fixtures/tail.bpf.c with clang and bpftool (its maps pinned
    /// under `maps/`); returns the program's pin.
    pub(crate) fn tail_program(&self) -> String {
        let object = crate::util::build_c_fixture("tail", &self.build);
        let object = object.to_str().unwrap();
        let pin = self.pin("tail_prog");
        let maps = self.pin("maps");
        bpftool(&["prog", "load", object, &pin, "pinmaps", &maps]);
        pin
    }
}

impl Drop for PinDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(&self.build);
    }
}

fn bpftool(args: &[&str]) -> String {
    let out = Command::new("bpftool")
        .args(args)
        .output()
        .expect("bpftool runs (installed by scripts/setup.sh)");
    assert!(
        out.status.success(),
        "bpftool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn bpftool_json(args: &[&str]) -> Json {
    let mut all = vec!["-j"];
    all.extend(args);
    serde_json::from_str(&bpftool(&all)).expect("bpftool prints JSON")
}

pub(crate) fn mapinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mapinspect"))
        .args(args)
        .output()
        .unwrap()
}

/// `mapinspect --pin PIN dump --json`, which must succeed: the one map's object.
pub(crate) fn dump(pin: &str) -> Json {
    let out = mapinspect(&["--pin", pin, "dump", "--json"]);
    assert!(
        out.status.success(),
        "dump {pin}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let maps: Json = serde_json::from_slice(&out.stdout).expect("valid JSON");
    maps[0].clone()
}

/// bpftool's hex byte list ("0x18", ...) as bytes.
fn hex_bytes(list: &Json) -> Vec<u8> {
    list.as_array()
        .expect("a byte list")
        .iter()
        .map(|b| u8::from_str_radix(b.as_str().unwrap().trim_start_matches("0x"), 16).unwrap())
        .collect()
}

/// One of mapinspect's decoded keys or values (a number read from its size, or hex bytes)
/// as the bytes it came from.
fn our_bytes(value: &Json, size: usize) -> Vec<u8> {
    match value {
        Json::Number(n) => n.as_u64().unwrap().to_le_bytes()[..size].to_vec(),
        Json::String(hex) => (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect(),
        other => panic!("not a number or bytes: {other}"),
    }
}

/// Every entry both tools read, as sorted (key, value) bytes.
fn pairs_of_bpftool(dump: &Json) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut pairs: Vec<_> = dump
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["value"].is_array())
        .map(|e| (hex_bytes(&e["key"]), hex_bytes(&e["value"])))
        .collect();
    pairs.sort();
    pairs
}

fn pairs_of_ours(map: &Json) -> Vec<(Vec<u8>, Vec<u8>)> {
    let (k, v) = (
        map["key_size"].as_u64().unwrap() as usize,
        map["value_size"].as_u64().unwrap() as usize,
    );
    let mut pairs: Vec<_> = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (our_bytes(&e["key"], k), our_bytes(&e["value"], v)))
        .collect();
    pairs.sort();
    pairs
}

/// (name, `bpftool map create` spec) for every type bpftool 7.1 can create without BTF or
/// a kernel object to attach to.
const BPFTOOL_TYPES: &[(&str, &str)] = &[
    ("hash", "type hash key 4 value 4 entries 4"),
    ("array", "type array key 4 value 4 entries 4"),
    ("prog_array", "type prog_array key 4 value 4 entries 4"),
    (
        "perf_event_array",
        "type perf_event_array key 4 value 4 entries 4",
    ),
    ("percpu_hash", "type percpu_hash key 4 value 4 entries 4"),
    ("percpu_array", "type percpu_array key 4 value 4 entries 4"),
    ("stack_trace", "type stack_trace key 4 value 64 entries 4"),
    ("cgroup_array", "type cgroup_array key 4 value 4 entries 4"),
    ("lru_hash", "type lru_hash key 4 value 4 entries 4"),
    (
        "lru_percpu_hash",
        "type lru_percpu_hash key 4 value 4 entries 4",
    ),
    ("lpm_trie", "type lpm_trie key 8 value 4 entries 4 flags 1"),
    ("devmap", "type devmap key 4 value 4 entries 4"),
    ("sockmap", "type sockmap key 4 value 8 entries 4"),
    ("cpumap", "type cpumap key 4 value 4 entries 4"),
    ("xskmap", "type xskmap key 4 value 4 entries 4"),
    ("sockhash", "type sockhash key 4 value 8 entries 4"),
    (
        "cgroup_storage",
        "type cgroup_storage key 8 value 8 entries 0",
    ),
    (
        "reuseport_sockarray",
        "type reuseport_sockarray key 4 value 8 entries 4",
    ),
    (
        "percpu_cgroup_storage",
        "type percpu_cgroup_storage key 8 value 8 entries 0",
    ),
    ("queue", "type queue key 0 value 4 entries 4"),
    ("stack", "type stack key 0 value 4 entries 4"),
    ("devmap_hash", "type devmap_hash key 4 value 4 entries 4"),
    ("ringbuf", "type ringbuf key 0 value 0 entries 4096"),
    ("bloom_filter", "type bloom_filter key 0 value 4 entries 4"),
    (
        "user_ringbuf",
        "type user_ringbuf key 0 value 0 entries 4096",
    ),
];

#[test]
fn every_type_is_named_as_bpftool_names_it_and_unreadable_ones_say_why() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("names");
    let inner = pins.create("inner", "type hash key 4 value 4 entries 4");
    let mut created: Vec<(String, String)> = BPFTOOL_TYPES
        .iter()
        .map(|(name, spec)| (name.to_string(), pins.create(name, spec)))
        .collect();
    for outer in ["array_of_maps", "hash_of_maps"] {
        let spec = format!("type {outer} key 4 value 4 entries 4 inner_map pinned {inner}");
        created.push((outer.into(), pins.create(outer, &spec)));
    }
    // bpftool 7.1 (libbpf 1.1) predates arenas: made with the raw syscall (BPF_F_MMAPABLE).
    let arena = sys::map_create(33, 0, 0, 1, 1 << 10, "arena").expect("an arena map");
    let arena_pin = pins.pin("arena");
    sys::obj_pin(std::os::fd::AsFd::as_fd(&arena), Path::new(&arena_pin)).unwrap();
    created.push(("arena".into(), arena_pin));

    for (name, pin) in &created {
        let map = MapHandle::open_pinned(Path::new(pin)).unwrap();
        assert_eq!(map.meta().kind.label(), *name, "our name for {pin}");
        let theirs = bpftool_json(&["map", "show", "pinned", pin]);
        if let Some(theirs) = theirs["type"].as_str() {
            assert_eq!(theirs, name, "bpftool's name for {pin}");
        }
        let out = mapinspect(&["--pin", pin, "dump"]);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            !stdout.contains("type 3") && !stdout.contains("unknown ("),
            "{stdout}"
        );
        let kind = map.meta().kind;
        let ring = matches!(kind, MapKind::Ringbuf | MapKind::UserRingbuf);
        match kind.unlisted_reason() {
            Some(_) if ring => assert!(out.status.success(), "{name}: {stderr}"),
            Some(reason) => {
                assert!(!out.status.success(), "{name}: unreadable yet exit 0");
                assert!(stderr.contains(reason), "{name}: {stderr}");
            }
            None => assert!(out.status.success(), "{name}: {stderr}"),
        }
    }
}

#[test]
fn lpm_tries_list_every_prefix_as_bpftool_reads_them_and_route_like_the_kernel() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("lpm");
    let pin = pins.create("routes", "type lpm_trie key 8 value 4 entries 16 flags 1");
    for (len, net, hop) in [
        (24, [10, 1, 2, 0], 7u8),
        (16, [10, 1, 0, 0], 8),
        (8, [10, 0, 0, 0], 9),
    ] {
        let key: Vec<String> = [len, 0, 0, 0]
            .iter()
            .chain(&net)
            .map(u8::to_string)
            .collect();
        let mut args = vec!["map", "update", "pinned", &pin, "key"];
        args.extend(key.iter().map(String::as_str));
        let hop = hop.to_string();
        args.extend(["value", &hop, "0", "0", "0"]);
        bpftool(&args);
    }
    let ours = dump(&pin);
    let theirs = bpftool_json(&["map", "dump", "pinned", &pin]);
    assert_eq!(pairs_of_ours(&ours), pairs_of_bpftool(&theirs));
    let mut cidrs: Vec<&str> = ours["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["prefix"]["cidr"].as_str().unwrap())
        .collect();
    cidrs.sort();
    assert_eq!(cidrs, ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"]);

    // Longest-prefix match, as the kernel routes: the /24 for 10.1.2.9, the /16 for 10.1.9.9.
    let map = MapHandle::open_pinned(Path::new(&pin)).unwrap();
    let snap = map.snapshot().unwrap();
    let hit = map.lpm_lookup(&[10, 1, 2, 9], &snap).unwrap().unwrap();
    assert_eq!(hit.prefix.unwrap().to_string(), "10.1.2.0/24");
    assert_eq!(hit.value, 7u32.to_ne_bytes());
    let hit = map.lpm_lookup(&[10, 1, 9, 9], &snap).unwrap().unwrap();
    assert_eq!(hit.prefix.unwrap().to_string(), "10.1.0.0/16");
    assert_eq!(hit.value, 8u32.to_ne_bytes());
    assert_eq!(map.lpm_lookup(&[192, 168, 0, 1], &snap).unwrap(), None);
    // An address of the wrong width is refused before the kernel is asked.
    match map.lpm_lookup(&[10, 1, 2], &snap) {
        Err(OpError::Refused(why)) => assert!(why.contains("3 bytes"), "{why}"),
        other => panic!("a refusal, got {other:?}"),
    }
}

#[test]
fn maps_of_maps_nest_each_inner_maps_entries_under_its_slot() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("of_maps");
    let inner_a = pins.create("inner_a", "type hash key 4 value 4 entries 8");
    // Inner maps must match the template's type, sizes and max_entries.
    let inner_b = pins.create("inner_b", "type hash key 4 value 4 entries 8");
    bpftool(&[
        "map", "update", "pinned", &inner_a, "key", "5", "0", "0", "0", "value", "50", "0", "0",
        "0",
    ]);
    bpftool(&[
        "map", "update", "pinned", &inner_b, "key", "1", "0", "0", "0", "value", "11", "0", "0",
        "0",
    ]);
    for outer in ["array_of_maps", "hash_of_maps"] {
        let spec = format!("type {outer} key 4 value 4 entries 4 inner_map pinned {inner_a}");
        let pin = pins.create(outer, &spec);
        for (slot, inner) in [("0", &inner_a), ("2", &inner_b)] {
            bpftool(&[
                "map", "update", "pinned", &pin, "key", slot, "0", "0", "0", "value", "pinned",
                inner,
            ]);
        }
        let ours = dump(&pin);
        let theirs = bpftool_json(&["map", "dump", "pinned", &pin]);
        // bpftool shows the inner map's id as the value bytes; we show the same id...
        assert_eq!(pairs_of_ours(&ours), pairs_of_bpftool(&theirs), "{outer}");
        // ...and the inner map behind it, with its entries.
        for entry in ours["entries"].as_array().unwrap() {
            let inner = &entry["inner_map"];
            assert_eq!(inner["id"], entry["value"]);
            let show = bpftool_json(&["map", "show", "id", &inner["id"].to_string()]);
            assert_eq!(inner["name"], show["name"]);
            assert_eq!(inner["type"], show["type"]);
            let nested = inner["entries"].as_array().unwrap();
            match show["name"].as_str().unwrap() {
                "inner_a" => assert_eq!(nested, &[serde_json::json!({"key": 5, "value": 50})]),
                "inner_b" => assert_eq!(nested, &[serde_json::json!({"key": 1, "value": 11})]),
                other => panic!("unexpected inner map {other}"),
            }
        }
        assert_eq!(ours["entries"].as_array().unwrap().len(), 2, "{outer}");
    }
    // An inner array is counted and listed as an array at the top level is: every slot.
    let slots = pins.create("inner_slots", "type array key 4 value 4 entries 4");
    bpftool(&[
        "map", "update", "pinned", &slots, "key", "1", "0", "0", "0", "value", "7", "0", "0", "0",
    ]);
    let spec = format!("type array_of_maps key 4 value 4 entries 2 inner_map pinned {slots}");
    let pin = pins.create("of_arrays", &spec);
    bpftool(&[
        "map", "update", "pinned", &pin, "key", "0", "0", "0", "0", "value", "pinned", &slots,
    ]);
    let inner = &dump(&pin)["entries"][0]["inner_map"];
    assert_eq!(inner["entry_count"], 4, "{inner}");
    assert_eq!(inner["nonzero_entries"], 1, "{inner}");
    let values: Vec<&Json> = inner["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["value"])
        .collect();
    assert_eq!(
        values,
        [
            &Json::from(0),
            &Json::from(7),
            &Json::from(0),
            &Json::from(0)
        ]
    );
}

#[test]
fn program_arrays_name_the_program_in_each_slot() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("prog_array");
    let prog = pins.tail_program();
    let pin = pins.create("jumps", "type prog_array key 4 value 4 entries 4");
    bpftool(&[
        "map", "update", "pinned", &pin, "key", "3", "0", "0", "0", "value", "pinned", &prog,
    ]);
    let ours = dump(&pin);
    let theirs = bpftool_json(&["map", "dump", "pinned", &pin]);
    assert_eq!(pairs_of_ours(&ours), pairs_of_bpftool(&theirs));
    let shown = bpftool_json(&["prog", "show", "pinned", &prog]);
    let entry = &ours["entries"][0];
    assert_eq!(entry["key"], 3);
    assert_eq!(entry["program"]["id"], shown["id"]);
    assert_eq!(entry["program"]["name"], shown["name"]);
    assert_eq!(entry["program"]["type"], shown["type"]);
    // The program's own pin is no map: every mode refuses it at once, saying what it is.
    let recording = std::env::temp_dir().join(format!("mi-{}-prog.mirec", std::process::id()));
    let recording = recording.to_str().unwrap();
    for args in [
        vec!["--pin", prog.as_str(), "dump"],
        vec![
            "--pin",
            prog.as_str(),
            "record",
            "-o",
            recording,
            "--duration",
            "1",
        ],
    ] {
        let out = mapinspect(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("a program, not a map"),
            "{args:?}: {stderr}"
        );
    }
    let _ = std::fs::remove_file(recording);
}
