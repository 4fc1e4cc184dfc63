//! `mapinspect dump` and `mapinspect flood` as a user runs them: the real binary, its
//! JSON, and its refusals.
use std::process::Command;

use serde_json::Value as Json;

fn mapinspect() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mapinspect"))
}

/// Runs mapinspect with `args`, which must succeed, and parses what it printed.
fn json_of(args: &[&str]) -> Json {
    let output = mapinspect().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("valid JSON")
}

#[test]
fn dump_json_shows_every_map_with_live_entries() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let maps = json_of(&["dump", "--json", "--wait", "0.3"]);
    let maps = maps.as_array().expect("an array of maps");
    let types: Vec<&str> = maps.iter().map(|m| m["type"].as_str().unwrap()).collect();
    for kind in [
        "hash",
        "array",
        "percpu_hash",
        "percpu_array",
        "lru_hash",
        "lru_percpu_hash",
        "queue",
        "stack",
    ] {
        assert!(types.contains(&kind), "{kind} in {types:?}");
    }
    for map in maps {
        // Maps whose type cannot be listed (ring buffer, bloom filter) say why instead.
        let listed = map["not_listed"].is_null();
        // A queue or stack shows its head only: how many it holds is not known.
        let head_only = map["type"] == "queue" || map["type"] == "stack";
        let fields: &[&str] = if head_only {
            assert!(map.get("entry_count").is_none(), "{map}");
            &["entries", "entries_listed"]
        } else if listed {
            &["entry_count", "entries"]
        } else {
            &["not_listed"]
        };
        for field in [
            "name",
            "id",
            "key_size",
            "value_size",
            "max_entries",
            "flags",
        ]
        .iter()
        .chain(fields)
        {
            assert!(!map[field].is_null(), "{field} in {}", map["name"]);
        }
    }
    // Opening files happens all the time (cargo, this test): the openat maps are live.
    let events = maps.iter().find(|m| m["name"] == "EVENTS").unwrap();
    let first = &events["entries"][0];
    assert!(
        first["values"].as_array().is_some_and(|v| !v.is_empty()),
        "{events}"
    );
    assert!(first["sum"].is_number(), "{events}");
}

#[test]
fn dump_as_an_ordinary_user_says_to_use_sudo() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_mapinspect"))
        .arg("dump")
        .output()
        .expect("setpriv (util-linux) runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sudo mapinspect"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn flood_json_reports_the_hash_refusing_the_extra_key() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let report = json_of(&["flood", "EXP_HASH", "--json"]);
    assert_eq!(
        report["from"], "kernel",
        "the experiment maps flood from the kernel"
    );
    assert_eq!(report["attempted"], 1004);
    assert_eq!(report["inserted"], 1003);
    assert_eq!(report["failures"][0]["name"], "E2BIG");
    assert_eq!(report["last_key_present"], false);
    assert_eq!(report["entries_after"], 1003);
}

#[test]
fn flood_refuses_a_queue_and_an_unknown_map_in_one_plain_line() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    for (args, words) in [
        (["flood", "RECENT_EXECS"], "a queue or stack has no keys"),
        (["flood", "NO_SUCH_MAP"], "no map named \"NO_SUCH_MAP\""),
    ] {
        let output = mapinspect()
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(words), "{stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "one line, no backtrace: {stderr}"
        );
    }
}

#[test]
fn the_tui_without_a_terminal_says_so_and_loads_nothing() {
    // No kernel needed: the check comes before anything is loaded.
    let output = mapinspect()
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the TUI needs a terminal"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty(), "no escape codes written");
}

#[test]
fn system_dump_goes_on_past_a_map_it_cannot_read_and_says_why() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = crate::types::PinDir::new("system-dump");
    // A perf_event_array: the kernel refuses lookups from userspace, so it cannot be read.
    let perf = pins.create("sys_perf", "type perf_event_array key 4 value 4 entries 4");
    let hash = pins.create("sys_hash", "type hash key 4 value 4 entries 4");
    let id_of = |pin: &str| {
        inspector::maps::MapHandle::open_pinned(std::path::Path::new(pin))
            .unwrap()
            .meta()
            .id
    };
    let (perf_id, hash_id) = (id_of(&perf), id_of(&hash));
    let reason = inspector::maps::MapKind::PerfEventArray
        .unlisted_reason()
        .unwrap();

    // Named alone, the map fails the dump, with the reason.
    let single = mapinspect()
        .args(["--map-id", &perf_id.to_string(), "dump", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&single.stderr);
    assert!(!single.status.success(), "unreadable yet exit 0: {stderr}");
    assert!(stderr.contains("cannot read map sys_perf"), "{stderr}");
    assert!(stderr.contains(reason), "{stderr}");

    // Among every map of the system, the dump goes on: exit 0, the others listed.
    let maps = json_of(&["--system", "dump", "--json"]);
    let maps = maps.as_array().expect("an array of maps");
    let find = |id: u32| maps.iter().find(|m| m["id"] == id);
    let perf = find(perf_id).expect("the perf_event_array is listed");
    assert_eq!(perf["not_listed"], reason, "{perf}");
    assert!(
        perf["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{perf}"
    );
    let hash = find(hash_id).expect("the hash beside it is listed");
    assert_eq!(hash["entries"], serde_json::json!([]), "{hash}");
    assert!(hash["error"].is_null(), "{hash}");
}
