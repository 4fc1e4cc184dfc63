//! Decoding against bpftool on the same live maps: tests/fixtures/decode.bpf.c (unions,
//! char and u8 arrays, bitfields, enums of every size, floats, a flexible array member,
//! globals, a map of maps, a program array), loaded by `mapinspect --object` and by bpftool, filled with the
//! same bytes, then `mapinspect --map-id N dump --json` and `bpftool map dump id N -j`
//! compared leaf by leaf. Equal wherever bpftool decodes; every difference is named (see
//! [`Diff`]) and listed here, so a new one fails the test.
use std::{collections::BTreeMap, path::Path, process::Command};

use inspector::{
    loader::{self, Source},
    maps::ops::{self, OpError, Operation},
};
use serde_json::{Value as Json, json};

use crate::{
    bpftool_json::{Diff, bpftool_entries, compare},
    sources::Scratch,
    util::run,
};

/// The maps compared, with the bytes each slot or key gets: (map, key, value).
fn contents() -> Vec<(&'static str, u32, Vec<u8>)> {
    let text = |name: &[u8], mac: [u8; 6], raw: [u8; 2]| {
        let mut value = name.to_vec();
        value.resize(8, 0);
        value.extend(mac);
        value.extend(raw);
        value
    };
    let mut record = [7u32.to_le_bytes(), [0; 4]].concat();
    record.extend(0x0004_0003_0002_0001u64.to_le_bytes()); // n
    record.extend([10, 0, 0, 1]); // ip4
    record.extend([0; 12]);
    record.extend(b"cookie\0\0"); // label
    record.extend([5u32.to_le_bytes(), 6u32.to_le_bytes()].concat()); // shape.p
    // a = 5 (3 bits), b = -3 (5), c = 0xabcdef (24); wide = 0x12_3456_789a (40), neg = -2 (24).
    let word = 5u32 | ((-3i32 as u32) & 0x1f) << 3 | 0xab_cdef << 8;
    let wide = 0x12_3456_789au64 | ((-2i64 as u64) & 0xff_ffff) << 40;
    let kinds = |one: u8, two: u16, four: u32, eight: u64| {
        [
            vec![one, 0],
            two.to_le_bytes().to_vec(),
            four.to_le_bytes().to_vec(),
            eight.to_le_bytes().to_vec(),
        ]
        .concat()
    };
    vec![
        ("dec_unions", 0, vec![1, 0, 2, 0, 3, 0, 4, 0]),
        ("dec_unions", 1, vec![0xff; 8]),
        ("dec_records", 7, record),
        ("dec_texts", 1, text(b"bash", *b"ABCDEF", [0, 0])),
        ("dec_texts", 2, text(b"12345678", [0; 6], [0x41, 0])),
        (
            "dec_texts",
            3,
            text(b"ab\0xy", [10, 11, 12, 13, 14, 15], [1, 2]),
        ),
        ("dec_texts", 4, text(b"a\tb", [0; 6], [0; 2])),
        ("dec_texts", 5, text("hé".as_bytes(), [0; 6], [0; 2])),
        ("dec_texts", 6, text(&[0xff, b'x'], [0; 6], [0; 2])),
        (
            "dec_bits",
            0,
            [word.to_le_bytes(), [0; 4]]
                .concat()
                .into_iter()
                .chain(wide.to_le_bytes())
                .collect(),
        ),
        ("dec_kinds", 0, kinds(200, 40000, 70000, 1)),
        ("dec_kinds", 1, kinds(7, 3, 0, 0x1_0000_0000)), // eight: E8_B
        (
            "dec_floats",
            0,
            [
                1.5f32.to_le_bytes().to_vec(),
                vec![0; 4],
                (-0.1f64).to_le_bytes().to_vec(),
            ]
            .concat(),
        ),
        ("dec_flex", 0, 3u32.to_le_bytes().to_vec()),
    ]
}

/// The variants of the fixture's enums: (name, value, size in bytes).
const ENUMS: &[(&str, u64, u32)] = &[
    ("E1_A", 1, 1),
    ("E1_B", 200, 1),
    ("E2_A", 1, 2),
    ("E2_B", 40000, 2),
    ("E4_A", 1, 4),
    ("E4_B", 70000, 4),
    ("E8_A", 1, 8),
    ("E8_B", 0x1_0000_0000, 8),
];

/// Every difference from bpftool on the filled maps, and why it is mapinspect's choice.
fn expected_differences() -> Vec<(String, Diff)> {
    let mut out = vec![("dec_records[7].ip6".to_string(), Diff::BytesAsHex)];
    for key in 1..=6 {
        // `name` of 1 and 3 is printable ASCII with a NUL: equal ("ab" stops at the NUL
        // in both, whatever follows it).
        if ![1, 3].contains(&key) {
            out.push((format!("dec_texts[{key}].name"), Diff::TextBpftoolLists));
        }
        out.push((format!("dec_texts[{key}].mac"), Diff::BytesAsHex));
        out.push((format!("dec_texts[{key}].raw"), Diff::BytesAsHex));
    }
    for (slot, signed) in [(0, Diff::SignedBitfield), (1, Diff::BitfieldAsNumber)] {
        for (field, kind) in [
            ("a", Diff::BitfieldAsNumber),
            ("b", signed),
            ("c", Diff::BitfieldAsNumber),
            ("wide", Diff::BitfieldAsNumber),
            ("neg", signed),
        ] {
            out.push((format!("dec_bits[{slot}].{field}"), kind));
        }
    }
    out.push(("dec_kinds[0].one".into(), Diff::EnumNamed));
    out.push(("dec_kinds[0].two".into(), Diff::EnumNamed));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn output(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

fn fill(ids: &BTreeMap<String, u32>) {
    for (map, key, value) in contents() {
        let id = ids[map].to_string();
        let mut args = vec!["map", "update", "id", &id, "key", "hex"];
        let key = key.to_le_bytes().map(|b| format!("{b:02x}"));
        let value: Vec<String> = value.iter().map(|b| format!("{b:02x}")).collect();
        args.extend(key.iter().map(String::as_str));
        args.push("value");
        args.push("hex");
        args.extend(value.iter().map(String::as_str));
        run("bpftool", &args);
    }
}

/// `mapinspect --map-id ID dump --json`, parsed.
fn ours_json(id: u32) -> Json {
    let out = output(
        env!("CARGO_BIN_EXE_mapinspect"),
        &["--map-id", &id.to_string(), "dump", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `mapinspect --map-id ID dump --json`: the map's entries, key -> value.
fn ours(id: u32) -> Vec<(u64, Json)> {
    let maps = ours_json(id);
    let mut entries: Vec<(u64, Json)> = maps[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_u64().expect("u32 keys"), e["value"].clone()))
        .collect();
    entries.sort_by_key(|e| e.0);
    entries
}

fn bpftool_dump(id: u32) -> Vec<u8> {
    let out = output("bpftool", &["map", "dump", "id", &id.to_string(), "-j"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Fills the maps and compares every one with bpftool's view, then the floats apart.
fn compare_with_bpftool(ids: &BTreeMap<String, u32>) {
    fill(ids);
    let mut differences = Vec::new();
    for map in [
        "dec_unions",
        "dec_records",
        "dec_texts",
        "dec_bits",
        "dec_kinds",
        "dec_flex",
    ] {
        let ours = ours(ids[map]);
        let mut theirs = bpftool_entries(&bpftool_dump(ids[map]));
        theirs.sort_by_key(|e| e.0);
        let keys = |entries: &[(u64, Json)]| entries.iter().map(|e| e.0).collect::<Vec<_>>();
        // Arrays: every slot in both, zero ones too.
        assert_eq!(keys(&ours), keys(&theirs), "{map}: the same keys");
        for ((key, a), (_, b)) in ours.iter().zip(&theirs) {
            compare(a, b, &format!("{map}[{key}]"), ENUMS, &mut differences);
        }
    }
    differences.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(differences, expected_differences());
    let unions = ours(ids["dec_unions"]);
    assert_eq!(
        unions[0].1,
        json!({"big": 1125912791875585u64, "small": [1, 2, 3, 4]})
    );
    assert_eq!(unions.len(), 4, "zero slots are in the JSON");
    // E8_B (0x100000000) needs BTF's ENUM64, which clang 14 does not write: its plain ENUM
    // keeps 32 bits of each value (E8_B = 0), so both tools show the number.
    let kinds = ours(ids["dec_kinds"]);
    assert_eq!(
        kinds[1].1,
        json!({"one": 7, "two": 3, "four": 0, "eight": 0x1_0000_0000u64})
    );
    // Floats: bpftool 7.1 prints "(unsupported-kind" into its JSON, which then does not
    // parse; mapinspect prints the numbers.
    let floats = bpftool_dump(ids["dec_floats"]);
    assert!(String::from_utf8_lossy(&floats).contains("(unsupported-kind"));
    assert!(serde_json::from_slice::<Json>(&floats).is_err());
    assert_eq!(ours(ids["dec_floats"])[0].1, json!({"f": 1.5, "d": -0.1}));
}

#[test]
fn an_object_loaded_by_mapinspect_decodes_as_bpftool_and_better() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("decode-object");
    let loaded = loader::load(&Source::Object(scratch.build("decode")), false).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let ids: BTreeMap<String, u32> = loaded
        .maps
        .iter()
        .map(|m| (m.meta().name.clone(), m.meta().id))
        .collect();
    compare_with_bpftool(&ids);

    // Globals: the kernel has no BTF for them (aya loads them without), so `--map-id`
    // shows bytes; `--object` decodes them from the object's DATASEC, per variable.
    let object = scratch.build("decode");
    let out = output(
        env!("CARGO_BIN_EXE_mapinspect"),
        &["--object", object.to_str().unwrap(), "dump", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let maps: Json = serde_json::from_slice(&out.stdout).unwrap();
    let global = |name: &str| {
        let map = maps
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap();
        assert_eq!(map["decoded_from"], "object BTF", "{name}");
        map["entries"].clone()
    };
    assert_eq!(
        global(".data"),
        json!([{"key": 0, "value": {"level": 3, "greeting": "hi"}}])
    );
    assert_eq!(
        global(".rodata"),
        json!([{"key": 0, "value": {"limit": 42, "banner": "hello"}}])
    );
    assert_eq!(
        global(".bss"),
        json!([{"key": 0, "value": {"counter": 0, "where": {"x": 0, "y": 0}}}])
    );
    assert_eq!(ours(ids[".data"]), [(0, json!("030000006869000000000000"))]);

    // The map of maps holds the inner maps its C initialiser names, as under libbpf.
    let outer = bpftool_entries_raw(ids["dec_outer"]);
    assert_eq!(outer, [(0, ids["dec_inner_a"]), (2, ids["dec_inner_b"])]);

    // The program array holds the program its C initialiser names, as under libbpf: in the
    // object loaded here (bpftool's view) and in the one `--object` loaded (its JSON).
    assert_eq!(jump_slots(ids["dec_jumps"]), [(1, "tail_a".to_string())]);
    let jumps = maps
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "dec_jumps")
        .unwrap();
    let slots = jumps["entries"].as_array().unwrap();
    assert_eq!(slots.len(), 1, "{jumps}");
    assert_eq!(slots[0]["key"], 1);
    assert_eq!(slots[0]["program"]["name"], "tail_a", "{jumps}");
    assert_eq!(slots[0]["program"]["id"], slots[0]["value"]);

    // A map of maps is read, slot by slot: its dump succeeds (tests/kernel/cli.rs has
    // --system going on past a map that cannot be read).
    let single = output(
        env!("CARGO_BIN_EXE_mapinspect"),
        &["--map-id", &ids["dec_outer"].to_string(), "dump", "--json"],
    );
    assert!(
        single.status.success(),
        "{}",
        String::from_utf8_lossy(&single.stderr)
    );
}

/// A program array's slots, as bpftool lists them, with the name of each slot's program
/// (bpftool's); mapinspect's `--map-id` dump must name the same programs.
fn jump_slots(id: u32) -> Vec<(u32, String)> {
    let slots: Vec<(u32, String)> = bpftool_entries_raw(id)
        .into_iter()
        .map(|(key, program)| {
            let out = output(
                "bpftool",
                &["prog", "show", "id", &program.to_string(), "-j"],
            );
            let info: Json = serde_json::from_slice(&out.stdout).unwrap();
            (key, info["name"].as_str().unwrap().to_string())
        })
        .collect();
    let ours: Vec<(u32, String)> = ours_json(id)[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let key = u32::try_from(e["key"].as_u64().unwrap()).unwrap();
            (key, e["program"]["name"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(ours, slots, "mapinspect and bpftool on map {id}");
    slots
}

/// A map of maps' slots as bpftool lists them: (key, inner map id).
fn bpftool_entries_raw(id: u32) -> Vec<(u32, u32)> {
    let dump: Json = serde_json::from_slice(&bpftool_dump(id)).unwrap();
    let word = |bytes: &Json| {
        let bytes: Vec<u8> = bytes
            .as_array()
            .unwrap()
            .iter()
            .map(|b| u8::from_str_radix(b.as_str().unwrap().trim_start_matches("0x"), 16).unwrap())
            .collect();
        u32::from_le_bytes(bytes[..4].try_into().unwrap())
    };
    let mut slots: Vec<(u32, u32)> = dump
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (word(&e["key"]), word(&e["value"])))
        .collect();
    slots.sort();
    slots
}

#[test]
fn the_same_object_loaded_by_bpftool_decodes_alike_globals_included() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("decode-bpftool");
    let object = scratch.build("decode");
    let (progs, pins) = (scratch.bpffs.join("progs"), scratch.bpffs.join("maps"));
    crate::util::bpftool_loadall(&object, &progs, &pins);
    let ids = pinned_ids(&pins);
    compare_with_bpftool(&ids);
    // libbpf set the program array's slot from its initialiser, as mapinspect does.
    assert_eq!(jump_slots(ids["dec_jumps"]), [(1, "tail_a".to_string())]);
    // libbpf's global maps carry kernel BTF: bpftool and mapinspect both name the variables.
    for (map, expected) in [
        ("decode.data", json!({"level": 3, "greeting": "hi"})),
        ("decode.rodata", json!({"limit": 42, "banner": "hello"})),
        (
            "decode.bss",
            json!({"counter": 0, "where": {"x": 0, "y": 0}}),
        ),
    ] {
        let theirs = bpftool_entries(&bpftool_dump(ids[map]));
        assert_eq!(theirs, [(0, expected.clone())], "bpftool's {map}");
        assert_eq!(ours(ids[map]), [(0, expected)], "mapinspect's {map}");
    }
}

/// Map name -> id of every map pinned in `dir`.
fn pinned_ids(dir: &Path) -> BTreeMap<String, u32> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let out = output(
                "bpftool",
                &["map", "show", "pinned", path.to_str().unwrap(), "-j"],
            );
            let info: Json = serde_json::from_slice(&out.stdout).unwrap();
            let id = u32::try_from(info["id"].as_u64().unwrap()).unwrap();
            (info["name"].as_str().unwrap().to_string(), id)
        })
        .collect()
}

#[test]
fn a_frozen_rodata_refuses_writes_saying_it_is_frozen() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("decode-frozen");
    let loaded = loader::load(&Source::Object(scratch.build("decode")), false).unwrap();
    let map = |name: &str| {
        loaded
            .maps
            .iter()
            .find(|m| m.meta().name == name)
            .unwrap_or_else(|| panic!("{name} loaded"))
    };
    let update = |value: Vec<u8>| Operation::Update {
        key: vec![0; 4],
        value,
        flags: 0,
    };
    // The loader froze .rodata once it had set the program's constants.
    let rodata = map(".rodata");
    assert!(rodata.frozen() && rodata.desc.frozen);
    let size = rodata.meta().value_size as usize;
    let err = rodata.execute(&update(vec![0; size])).unwrap_err();
    assert!(matches!(err, OpError::Refused(_)), "{err:?}");
    assert!(err.to_string().starts_with(".rodata is frozen: "), "{err}");
    // The TUI's check, before any prompt opens, says the same.
    let err = ops::check(&rodata.desc, &update(vec![0; size])).unwrap_err();
    assert!(err.to_string().starts_with(".rodata is frozen: "), "{err}");
    // And the JSON says it is read-only, where .data is not.
    let object = scratch.build("decode");
    let out = run(
        env!("CARGO_BIN_EXE_mapinspect"),
        &["--object", object.to_str().unwrap(), "dump", "--json"],
    );
    let maps: Json = serde_json::from_slice(&out.stdout).unwrap();
    let read_only = |name: &str| {
        let map = maps.as_array().unwrap().iter().find(|m| m["name"] == name);
        map.unwrap_or_else(|| panic!("{name} in {maps}"))["read_only"].clone()
    };
    assert_eq!(read_only(".rodata"), true);
    assert_eq!(read_only(".data"), false);
    // The maps of an object mapinspect loaded name their users, its programs, as --map-id
    // names them from another shell.
    let owners: Vec<&str> = maps
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["owners"].as_array().unwrap())
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(!owners.is_empty(), "{maps}");
    assert!(owners.iter().all(|o| o.contains(" (prog ")), "{owners:?}");
    // .data is not frozen: the same write goes through.
    let data = map(".data");
    assert!(!data.frozen());
    let size = data.meta().value_size as usize;
    data.execute(&update(vec![0; size])).unwrap();
}
