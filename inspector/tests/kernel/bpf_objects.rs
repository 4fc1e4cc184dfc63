//! Which kernel objects (programs, maps, links) a process holds, from its fds, and whether
//! they are gone after it exits: what "nothing left behind" means, checked with bpftool.
use std::{
    collections::BTreeSet,
    process::Command,
    thread::sleep,
    time::{Duration, Instant},
};

/// The ids of the BPF objects behind a process's fds (its /proc fdinfo says which).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub progs: BTreeSet<u32>,
    pub maps: BTreeSet<u32>,
    pub links: BTreeSet<u32>,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.progs.is_empty() && self.maps.is_empty() && self.links.is_empty()
    }
}

/// What `pid` holds now (empty if it has exited).
pub fn held_by(pid: u32) -> Held {
    let mut held = Held::default();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else {
        return held;
    };
    for fd in fds.flatten() {
        let Ok(info) = std::fs::read_to_string(fd.path()) else {
            continue;
        };
        for line in info.lines() {
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let Ok(id) = value.trim().parse::<u32>() else {
                continue;
            };
            match field {
                "prog_id" => held.progs.insert(id),
                "map_id" => held.maps.insert(id),
                "link_id" => held.links.insert(id),
                _ => false,
            };
        }
    }
    held
}

/// The ids `bpftool <kind> list` shows (kind: prog, map, link).
pub fn listed(kind: &str) -> BTreeSet<u32> {
    let output = Command::new("bpftool")
        .args(["-j", kind, "list"])
        .output()
        .expect("bpftool runs (installed by scripts/setup.sh)");
    assert!(output.status.success(), "bpftool {kind} list failed");
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("bpftool JSON");
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["id"].as_u64())
                .filter_map(|id| u32::try_from(id).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (the kernel frees objects shortly after the last fd closes) until bpftool lists
/// none of `held`; panics naming what is left after `limit`.
pub fn assert_released(held: &Held, limit: Duration) {
    let start = Instant::now();
    loop {
        let left = Held {
            progs: held.progs.intersection(&listed("prog")).copied().collect(),
            maps: held.maps.intersection(&listed("map")).copied().collect(),
            links: held.links.intersection(&listed("link")).copied().collect(),
        };
        if left.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "still loaded after exit (bpftool ids): {left:?}"
        );
        sleep(Duration::from_millis(100));
    }
}

/// The children of `pid` (e.g. the command a tmux pane's shell runs).
pub fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// (id, name) of every object `bpftool <kind> list` shows.
pub fn named(kind: &str) -> Vec<(u32, String)> {
    let output = Command::new("bpftool")
        .args(["-j", kind, "list"])
        .output()
        .expect("bpftool runs");
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("bpftool JSON");
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let id = u32::try_from(item["id"].as_u64()?).ok()?;
            Some((id, item["name"].as_str().unwrap_or("").to_string()))
        })
        .collect()
}

/// What every live process holds.
pub fn held_by_anyone() -> Held {
    let mut all = Held::default();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let held = held_by(pid);
        all.progs.extend(held.progs);
        all.maps.extend(held.maps);
        all.links.extend(held.links);
    }
    all
}
