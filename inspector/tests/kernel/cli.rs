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
        let fields: &[&str] = if listed {
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
