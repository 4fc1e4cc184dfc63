//! TASK_STORAGE: the value lives on each task, not in the map, and userspace reaches it only
//! through a pidfd of that task. Reading the map means asking every live process: one
//! pidfd_open and one lookup each (ENOENT: that task has none). Keys are shown as pids.
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::maps::{MapError, MapHandle, Snapshot};

/// A pidfd for `pid`, or None when the process is gone (or pidfds are not supported).
fn pidfd(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: the kernel just returned this fd to us; nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Live process ids from /proc.
fn pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

impl MapHandle {
    /// Every live process's value in this task storage map, keyed by pid.
    pub(crate) fn read_task_storage(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        if self.desc.meta.key_size != 4 {
            return Ok(());
        }
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        for pid in pids() {
            let Some(fd) = pidfd(pid) else { continue };
            let key = fd.as_raw_fd().to_ne_bytes();
            match self.lookup_into(&key, &mut value) {
                Ok(()) => snap.push(&pid.to_ne_bytes(), &value),
                // No value on this task, or the task exited meanwhile.
                Err(err) if matches!(err.errno(), libc::ENOENT | libc::ESRCH | libc::EBADF) => {}
                Err(err) => return Err(self.syscall_error(err)),
            }
        }
        Ok(())
    }
}
