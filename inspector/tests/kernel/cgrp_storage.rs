//! CGRP_STORAGE read for every cgroup of the cgroup2 hierarchy, through each cgroup
//! directory's fd: a map libbpf creates for a program bpftool loads (a foreign owner), a
//! value set on a cgroup this test makes, keyed by cgroup id and named by path in `dump`,
//! `--json` and the TUI. bpftool cannot list local storage (no GET_NEXT_KEY), so it shows
//! nothing to compare.
use std::{
    fs::File,
    os::{fd::AsRawFd, unix::fs::MetadataExt},
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use inspector::maps::{MapHandle, types::cgrp_storage};

use crate::{
    tmux::Session,
    types::{PinDir, dump, mapinspect},
};

/// A cgroup of our own under the cgroup2 hierarchy, removed on drop.
struct TestCgroup {
    dir: PathBuf,
    /// Its path as mapinspect names it (from the hierarchy's root).
    path: String,
}

impl TestCgroup {
    fn new() -> Self {
        let root = cgrp_storage::cgroup2_mount().expect("a cgroup2 hierarchy is mounted");
        let name = format!("mapinspect-test-{}-cgrp", std::process::id());
        let dir = root.join(&name);
        std::fs::create_dir(&dir).expect("root can make a cgroup");
        Self {
            dir,
            path: format!("/{name}"),
        }
    }

    fn id(&self) -> u64 {
        std::fs::metadata(&self.dir).unwrap().ino()
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        // No process ever joins it, so it can always be removed.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn cgrp_storage_is_read_for_every_cgroup_through_its_directory() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = PinDir::new("cgrp_storage");
    pins.tail_program();
    let pin = pins.pin("maps/cgrp_notes");
    let mut map = MapHandle::open_pinned(Path::new(&pin)).unwrap();
    assert_eq!(map.meta().kind.label(), "cgrp_storage");
    assert!(
        map.snapshot().unwrap().is_empty(),
        "no cgroup has a value yet"
    );

    // Our cgroup gets a value through its directory's fd, as the kernel wants it.
    let cgroup = TestCgroup::new();
    let dir = File::open(&cgroup.dir).unwrap();
    let value = [77u64.to_ne_bytes().as_slice(), &3u32.to_ne_bytes(), &[0; 4]].concat();
    map.writable = true;
    map.update_from(&dir.as_raw_fd().to_ne_bytes(), &value, 0)
        .unwrap();
    drop(dir);

    let ours = dump(&pin);
    let entries = ours["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only our cgroup has a value: {ours}");
    let entry = &entries[0];
    let id = cgroup.id();
    assert_eq!(entry["key"], id & u64::from(u32::MAX), "keyed by cgroup id");
    assert_eq!(entry["cgroup"]["id"], id);
    assert_eq!(entry["cgroup"]["path"], cgroup.path.as_str());
    assert_eq!(entry["value"]["bytes"], 77);
    assert_eq!(entry["value"]["tag"], 3);

    // The text dump names the cgroup by path and id next to the value.
    let text = mapinspect(&["--pin", &pin, "dump"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("{} (cgroup id {id})", cgroup.path)),
        "{text}"
    );

    // The TUI names the entry by the cgroup's path, in the key column.
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    let session = Session::start(&format!("{binary} --pin {pin} --interval 0.2; sleep 30"));
    session.wait_for("the cgroup's path", Duration::from_secs(15), |s| {
        s.contains(" cgrp_notes · cgrp_storage") && s.contains(&cgroup.path)
    });
    session.keys(&["q"]);

    // bpftool cannot list it (local storage has no GET_NEXT_KEY): nothing to compare.
    let theirs = Command::new("bpftool")
        .args(["-j", "map", "dump", "pinned", &pin])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&theirs.stdout).contains("\"bytes\":77"));

    // A removed cgroup takes its value with it.
    drop(cgroup);
    assert!(map.snapshot().unwrap().is_empty(), "the cgroup is gone");
}
