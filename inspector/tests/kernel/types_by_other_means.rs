//! The types read other ways than by listing keys, made by bpftool as a foreign owner: a
//! ring buffer by its positions (never consumed), a bloom filter by tests, task storage
//! through a pidfd per live process.
use std::{path::Path, process::Command};

use inspector::maps::MapHandle;
use serde_json::Value as Json;

use crate::types::{PinDir, dump, mapinspect};

#[test]
fn rings_show_positions_without_consuming_and_bloom_filters_answer_tests() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("ring_bloom");
    let ring = pins.create("ring", "type ringbuf key 0 value 0 entries 8192");
    let ours = dump(&ring);
    assert_eq!(ours["ring_size"], 8192);
    assert_eq!(ours["producer_pos"], 0);
    assert_eq!(ours["consumer_pos"], 0);
    assert_eq!(ours["pending_bytes"], 0);
    assert!(ours.get("error").is_none(), "{ours}");
    // JSON Lines: the ring's one line holds its positions, not an error.
    let out = mapinspect(&["--pin", &ring, "dump", "--format", "jsonl"]);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<Json> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["map_id"], ours["id"], "{line}");
    assert_eq!(line["ring_size"], 8192, "{line}");
    assert!(
        line["not_listed"].is_string() && line.get("error").is_none(),
        "{line}"
    );

    let bloom = pins.create("bloom", "type bloom_filter key 0 value 4 entries 64");
    let read_only = MapHandle::open_pinned(Path::new(&bloom)).unwrap();
    assert!(
        !read_only.bloom_test(&42u32.to_ne_bytes()).unwrap(),
        "empty filter"
    );
    let mut map = MapHandle::open_pinned(Path::new(&bloom)).unwrap();
    map.writable = false;
    assert!(
        map.bloom_add(&42u32.to_ne_bytes()).is_err(),
        "foreign: --write needed"
    );
    map.writable = true;
    map.bloom_add(&42u32.to_ne_bytes()).unwrap();
    assert!(
        read_only.bloom_test(&42u32.to_ne_bytes()).unwrap(),
        "added: may be present"
    );
    assert!(
        read_only.bloom_test(&[1, 2]).is_err(),
        "a value of the wrong size"
    );
}

#[test]
fn task_storage_is_read_for_every_live_process_through_pidfds() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("task_storage");
    pins.tail_program();
    let pin = pins.pin("maps/task_notes");
    let map = MapHandle::open_pinned(Path::new(&pin)).unwrap();
    assert_eq!(map.meta().kind.label(), "task_storage");
    // Our own task gets a value, through a pidfd (as the kernel wants it from userspace).
    let pid = std::process::id() as i32;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    assert!(pidfd >= 0, "pidfd_open");
    let value = [5u64.to_ne_bytes().as_slice(), &9u32.to_ne_bytes(), &[0; 4]].concat();
    map.update_from(&pidfd.to_ne_bytes(), &value, 0).unwrap();
    // SAFETY: pidfd is ours and not used after this.
    unsafe { libc::close(pidfd) };

    let ours = dump(&pin);
    let entries = ours["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only our task has a value: {ours}");
    assert_eq!(entries[0]["key"], pid, "keyed by pid");
    assert_eq!(entries[0]["value"]["seen"], 5);
    assert_eq!(entries[0]["value"]["tag"], 9);
    // bpftool cannot list it (task storage has no GET_NEXT_KEY).
    let theirs = Command::new("bpftool")
        .args(["map", "dump", "pinned", &pin])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&theirs.stdout).contains("\"seen\": 5"));
}
