//! Raw bpf(2) calls on map fds, for what aya 0.14 does not offer generically: byte-level
//! element access to maps of any key/value size, queue peek, map and BTF info by fd.
//!
//! Each attr struct is the prefix of the kernel's `union bpf_attr` for that command; the
//! kernel treats the bytes we do not pass as zero.
//!
//! The element and batch calls are `unsafe`: the kernel reads and writes through their
//! pointers by the map's own sizes, not the slices' lengths. A key must hold the map's key
//! size (empty only for a queue or stack), and a value buffer its value size, or
//! round_up(value size, 8) × possible CPUs for per-CPU maps (per entry, for batches).
//! [`crate::maps::MapHandle`]'s methods check this and are the safe way in.
use std::{
    ffi::CString,
    io,
    mem::MaybeUninit,
    os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd},
    path::Path,
};

use thiserror::Error;

mod batch;
mod elem;
mod info;
mod iter;
mod object;

pub use batch::*;
pub use elem::*;
pub use info::*;
pub use iter::*;
pub use object::*;

// Commands from include/uapi/linux/bpf.h.
const BPF_MAP_LOOKUP_ELEM: u32 = 1;
const BPF_MAP_UPDATE_ELEM: u32 = 2;
const BPF_MAP_DELETE_ELEM: u32 = 3;
const BPF_MAP_GET_NEXT_KEY: u32 = 4;
const BPF_OBJ_GET: u32 = 7;
const BPF_PROG_GET_NEXT_ID: u32 = 11;
const BPF_MAP_GET_NEXT_ID: u32 = 12;
const BPF_PROG_GET_FD_BY_ID: u32 = 13;
const BPF_MAP_GET_FD_BY_ID: u32 = 14;
const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
const BPF_BTF_GET_FD_BY_ID: u32 = 19;
const BPF_MAP_LOOKUP_AND_DELETE_ELEM: u32 = 21;
const BPF_MAP_LOOKUP_BATCH: u32 = 24;
const BPF_MAP_UPDATE_BATCH: u32 = 26;
const BPF_MAP_CREATE: u32 = 0;
const BPF_OBJ_PIN: u32 = 6;

/// Update flags for `update_elem`.
pub const BPF_ANY: u64 = 0;
pub const BPF_NOEXIST: u64 = 1;
pub const BPF_EXIST: u64 = 2;
/// `file_flags` for BPF_OBJ_GET: open read-only.
const BPF_F_RDONLY: u32 = 1 << 3;

/// A failed bpf(2) call: which command, and the errno in plain words.
#[derive(Debug, Error)]
#[error("{op}: {} ({})", errno_name(.source.raw_os_error().unwrap_or(0)), .source)]
pub struct SysError {
    pub op: &'static str,
    #[source]
    pub source: io::Error,
}

impl SysError {
    pub fn errno(&self) -> i32 {
        self.source.raw_os_error().unwrap_or(0)
    }
}

pub type SysResult<T> = Result<T, SysError>;

/// ENOTSUPP: the kernel-internal "not supported" errno that some map commands return to
/// userspace (libc has no constant for it; ENOTSUP is 95).
pub const ENOTSUPP: i32 = 524;

/// A kernel object name: the bytes up to the first NUL of a fixed-size `name` field.
pub fn object_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(&raw[..text_end(raw)]).into_owned()
}

/// Where the text of a C `char` array ends: at its first NUL, else at its end.
pub fn text_end(raw: &[u8]) -> usize {
    raw.iter().position(|&b| b == 0).unwrap_or(raw.len())
}

/// The symbolic name of an errno, as kernel developers know it.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::E2BIG => "E2BIG",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EINVAL => "EINVAL",
        libc::ENOSPC => "ENOSPC",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTSUP => "EOPNOTSUPP",
        ENOTSUPP => "ENOTSUPP",
        _ => "errno",
    }
}

fn bpf<T>(op: &'static str, cmd: u32, attr: &mut T) -> SysResult<i64> {
    // SAFETY: attr is a live, properly sized prefix of union bpf_attr for `cmd`; every
    // pointer inside it points at a buffer that outlives the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            (attr as *mut T).cast::<libc::c_void>(),
            size_of::<T>(),
        )
    };
    if ret < 0 {
        Err(SysError {
            op,
            source: io::Error::last_os_error(),
        })
    } else {
        Ok(ret)
    }
}

fn raw(fd: BorrowedFd<'_>) -> u32 {
    fd.as_raw_fd() as u32
}

fn ptr<T>(buf: &[T]) -> u64 {
    buf.as_ptr() as u64
}

/// Wraps an fd the kernel just returned.
fn owned_fd(ret: i64) -> OwnedFd {
    // SAFETY: a successful BPF_*_GET_FD* call returns a new fd that we now own.
    unsafe { OwnedFd::from_raw_fd(ret as i32) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_errno() {
        let err = SysError {
            op: "update",
            source: io::Error::from_raw_os_error(libc::E2BIG),
        };
        assert!(err.to_string().starts_with("update: E2BIG"), "{err}");
        assert_eq!(errno_name(9999), "errno");
    }
}
