//! CGRP_STORAGE: the value lives on each cgroup, not in the map, and userspace reaches it
//! only through an fd of that cgroup's directory (the kernel's lookup takes a cgroup fd as
//! its key). Reading the map means asking every cgroup of the cgroup2 hierarchy: one open
//! and one lookup each (ENOENT: that cgroup has none), up to [`MAX_CGROUPS`] directories.
//!
//! Keys are shown as cgroup ids: the directory's inode number, which is what
//! `bpf_get_current_cgroup_id()` returns. The snapshot keeps its low 32 bits (the map's key
//! is 4 bytes): the kernel allocates them uniquely among live cgroups of one hierarchy. Only
//! the cgroup2 hierarchy is walked: v1 hierarchies number their cgroups from 1 each, so their
//! ids would collide, and BPF programs' cgroup helpers speak of cgroup2.
use std::{
    collections::HashMap,
    fs::File,
    os::{
        fd::AsRawFd,
        unix::fs::{DirEntryExt, MetadataExt},
    },
    path::{Path, PathBuf},
};

use crate::maps::{MapError, MapHandle, Snapshot};

/// Directories visited at most per read, so a host with a huge cgroup tree costs a bounded
/// number of syscalls per refresh.
pub const MAX_CGROUPS: usize = 1 << 14;

/// One cgroup: its id (inode number) and its path in the cgroup2 hierarchy (`/` the root,
/// as `/proc/PID/cgroup` writes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cgroup {
    pub id: u64,
    pub path: String,
}

impl Cgroup {
    /// The 4-byte snapshot key standing for this cgroup.
    pub fn key(&self) -> [u8; 4] {
        key_of(self.id)
    }
}

/// The snapshot key of cgroup `id`: its low 32 bits (unique among live cgroups).
pub fn key_of(id: u64) -> [u8; 4] {
    // Truncation wanted: the low 32 bits are the kernel's unique part.
    (id as u32).to_ne_bytes()
}

/// Where the cgroup2 hierarchy is mounted: the first `cgroup2` line of /proc/self/mounts
/// (`/sys/fs/cgroup` on a unified host, `/sys/fs/cgroup/unified` on a hybrid one).
pub fn cgroup2_mount() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mount_in(&mounts)
}

fn mount_in(mounts: &str) -> Option<PathBuf> {
    mounts.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let (_, target, fstype) = (fields.next()?, fields.next()?, fields.next()?);
        // Paths with spaces come octal-escaped (\040): not worth unescaping for cgroups.
        (fstype == "cgroup2" && !target.contains('\\')).then(|| PathBuf::from(target))
    })
}

/// The cgroup2 hierarchy under `root`, depth first, up to `limit` directories: each
/// directory's absolute path and its [`Cgroup`]. Unreadable directories are skipped.
pub fn walk(root: &Path, limit: usize) -> Vec<(PathBuf, Cgroup)> {
    let mut found = Vec::new();
    let Ok(meta) = std::fs::metadata(root) else {
        return found;
    };
    let mut stack = vec![(root.to_path_buf(), meta.ino())];
    while let Some((dir, id)) = stack.pop() {
        if found.len() == limit {
            break;
        }
        if let Ok(entries) = std::fs::read_dir(&dir) {
            // d_ino is the child's id: no stat per cgroup. Symlinks are not followed.
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push((entry.path(), entry.ino()));
                }
            }
        }
        let path = match dir.strip_prefix(root) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => dir.display().to_string(),
        };
        found.push((dir, Cgroup { id, path }));
    }
    found
}

/// The cgroups of the hierarchy by snapshot key, to name the entries of one read.
pub fn index() -> HashMap<[u8; 4], Cgroup> {
    let Some(root) = cgroup2_mount() else {
        return HashMap::new();
    };
    walk(&root, MAX_CGROUPS)
        .into_iter()
        .map(|(_, cgroup)| (cgroup.key(), cgroup))
        .collect()
}

impl MapHandle {
    /// Every cgroup's value in this cgroup storage map, keyed by cgroup id.
    pub(crate) fn read_cgrp_storage(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let Some(root) = cgroup2_mount() else {
            return Ok(());
        };
        if self.desc.meta.key_size != 4 {
            return Ok(());
        }
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        for (dir, cgroup) in walk(&root, MAX_CGROUPS) {
            // A cgroup removed since the walk, or a directory we may not open: skipped.
            let Ok(fd) = File::open(&dir) else { continue };
            let key = fd.as_raw_fd().to_ne_bytes();
            match self.lookup_into(&key, &mut value) {
                Ok(()) => snap.push(&cgroup.key(), &value),
                // No value on this cgroup, or it went away meanwhile.
                Err(err) if matches!(err.errno(), libc::ENOENT | libc::EBADF) => {}
                Err(err) => return Err(self.syscall_error(err)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cgroup2_mount_is_found_on_unified_and_hybrid_hosts() {
        let hybrid = "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n\
                      cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n\
                      cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n";
        assert_eq!(
            mount_in(hybrid),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        let unified = "cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n";
        assert_eq!(mount_in(unified), Some(PathBuf::from("/sys/fs/cgroup")));
        assert_eq!(mount_in("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n"), None);
    }

    #[test]
    fn a_walk_names_paths_from_the_root_and_stops_at_its_limit() {
        let root = std::env::temp_dir().join(format!("cgrp-walk-{}", std::process::id()));
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("c")).unwrap();
        std::fs::write(root.join("a/file"), b"not a cgroup").unwrap();
        let mut paths: Vec<String> = walk(&root, 100).into_iter().map(|(_, c)| c.path).collect();
        paths.sort();
        assert_eq!(paths, ["/", "/a", "/a/b", "/c"]);
        let ids = walk(&root, 100);
        let (dir, cgroup) = &ids[0];
        assert_eq!(cgroup.id, std::fs::metadata(dir).unwrap().ino());
        assert_eq!(walk(&root, 2).len(), 2);
        std::fs::remove_dir_all(&root).unwrap();
        assert!(walk(&root, 100).is_empty(), "a missing root is no error");
    }

    #[test]
    fn keys_are_the_low_half_of_the_id() {
        assert_eq!(key_of(7), 7u32.to_ne_bytes());
        assert_eq!(key_of((1 << 32) | 9), 9u32.to_ne_bytes());
    }
}
