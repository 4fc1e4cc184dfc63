//! One element at a time: lookup, update, delete, lookup-and-delete and get-next-key
//! (queue and stack push, pop and peek are the same calls with an empty key).
use super::*;

#[repr(C)]
#[derive(Default)]
pub(super) struct ElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

/// BPF_MAP_LOOKUP_ELEM. `value` must hold the map's full value (all CPUs for per-CPU maps).
/// An empty `key` is the NULL key of a queue/stack peek.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn lookup_elem(fd: BorrowedFd<'_>, key: &[u8], value: &mut [u8]) -> SysResult<()> {
    let mut attr = ElemAttr {
        map_fd: raw(fd),
        key: if key.is_empty() { 0 } else { ptr(key) },
        value: value.as_mut_ptr() as u64,
        ..Default::default()
    };
    bpf("lookup", BPF_MAP_LOOKUP_ELEM, &mut attr).map(drop)
}

/// BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST. Empty key: queue/stack push.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn update_elem(
    fd: BorrowedFd<'_>,
    key: &[u8],
    value: &[u8],
    flags: u64,
) -> SysResult<()> {
    let mut attr = ElemAttr {
        map_fd: raw(fd),
        key: if key.is_empty() { 0 } else { ptr(key) },
        value: ptr(value),
        flags,
        ..Default::default()
    };
    bpf("update", BPF_MAP_UPDATE_ELEM, &mut attr).map(drop)
}

/// BPF_MAP_DELETE_ELEM.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn delete_elem(fd: BorrowedFd<'_>, key: &[u8]) -> SysResult<()> {
    let mut attr = ElemAttr {
        map_fd: raw(fd),
        key: ptr(key),
        ..Default::default()
    };
    bpf("delete", BPF_MAP_DELETE_ELEM, &mut attr).map(drop)
}

/// BPF_MAP_LOOKUP_AND_DELETE_ELEM. Empty key: queue/stack pop.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn lookup_and_delete_elem(
    fd: BorrowedFd<'_>,
    key: &[u8],
    value: &mut [u8],
) -> SysResult<()> {
    let mut attr = ElemAttr {
        map_fd: raw(fd),
        key: if key.is_empty() { 0 } else { ptr(key) },
        value: value.as_mut_ptr() as u64,
        ..Default::default()
    };
    bpf(
        "lookup-and-delete",
        BPF_MAP_LOOKUP_AND_DELETE_ELEM,
        &mut attr,
    )
    .map(drop)
}

/// BPF_MAP_GET_NEXT_KEY: `None` key gives the first key. Ok(false) at the end of the map.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn get_next_key(
    fd: BorrowedFd<'_>,
    key: Option<&[u8]>,
    next: &mut [u8],
) -> SysResult<bool> {
    let mut attr = ElemAttr {
        map_fd: raw(fd),
        key: key.map_or(0, ptr),
        value: next.as_mut_ptr() as u64,
        ..Default::default()
    };
    match bpf("get-next-key", BPF_MAP_GET_NEXT_KEY, &mut attr) {
        Ok(_) => Ok(true),
        Err(err) if err.errno() == libc::ENOENT => Ok(false),
        Err(err) => Err(err),
    }
}

// The attr and info layouts, checked at compile time against include/uapi/linux/bpf.h.
const _: () = assert!(size_of::<ElemAttr>() == 32);
