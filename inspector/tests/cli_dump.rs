//! `mapinspect dump` as a user runs it: the real binary, its JSON, and its refusals.
mod common;

use std::process::Command;

use serde_json::Value as Json;

fn mapinspect() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mapinspect"))
}

#[test]
fn dump_json_shows_every_map_with_live_entries() {
    let Some(_guard) = common::kernel() else {
        return;
    };
    let output = mapinspect()
        .args(["dump", "--json", "--wait", "0.3"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let maps: Json = serde_json::from_slice(&output.stdout).expect("valid JSON");
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
        for field in [
            "name",
            "id",
            "key_size",
            "value_size",
            "max_entries",
            "flags",
            "entry_count",
            "entries",
        ] {
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
    let Some(_guard) = common::kernel() else {
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
