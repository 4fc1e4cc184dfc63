//! Many elements per call: BPF_MAP_LOOKUP_BATCH (the snapshot reader) and
//! BPF_MAP_UPDATE_BATCH (benchmarks and tests that fill big maps).
use super::*;

#[repr(C)]
#[derive(Default)]
pub(super) struct BatchAttr {
    in_batch: u64,
    out_batch: u64,
    keys: u64,
    values: u64,
    count: u32,
    map_fd: u32,
    elem_flags: u64,
    flags: u64,
}

/// BPF_MAP_UPDATE_BATCH: `count` keys and values (packed end to end) in one call. Returns
/// how many the kernel wrote; an error part way is an Err (and how far it got is lost).
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn update_batch(
    fd: BorrowedFd<'_>,
    keys: &[u8],
    values: &[u8],
    count: u32,
    flags: u64,
) -> SysResult<u32> {
    let mut attr = BatchAttr {
        keys: ptr(keys),
        values: ptr(values),
        count,
        map_fd: raw(fd),
        elem_flags: flags,
        ..Default::default()
    };
    bpf("update batch", BPF_MAP_UPDATE_BATCH, &mut attr).map(|_| attr.count)
}

/// How a BPF_MAP_LOOKUP_BATCH call ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Batch {
    /// `count` entries were written and more may follow from `out_batch`.
    More(u32),
    /// `count` entries were written and the map has no more.
    Done(u32),
}

/// BPF_MAP_LOOKUP_BATCH: up to `capacity` entries into `keys` and `values` in one call.
/// `in_batch` None starts at the beginning; the cursor to continue from is left in
/// `out_batch` (at least max(key size, 4) bytes). ENOSPC means one hash bucket holds more
/// entries than `capacity`: retry with more room.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn lookup_batch(
    fd: BorrowedFd<'_>,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [u8],
    values: &mut [u8],
    capacity: u32,
) -> SysResult<Batch> {
    // SAFETY: initialised bytes are valid MaybeUninit bytes, and the kernel only ever
    // writes initialised bytes back into them.
    let (keys, values) = unsafe {
        (
            &mut *(keys as *mut [u8] as *mut [MaybeUninit<u8>]),
            &mut *(values as *mut [u8] as *mut [MaybeUninit<u8>]),
        )
    };
    // SAFETY: the caller upholds the same buffer contract.
    unsafe { lookup_batch_into(fd, in_batch, out_batch, keys, values, capacity) }
}

/// [`lookup_batch`] into spare capacity: the kernel writes `n` whole entries at the start
/// of `keys` and `values`, which the caller may then treat as initialised.
///
/// # Safety
///
/// Buffers must be as big as the map's sizes (see the module docs).
pub unsafe fn lookup_batch_into(
    fd: BorrowedFd<'_>,
    in_batch: Option<&[u8]>,
    out_batch: &mut [u8],
    keys: &mut [MaybeUninit<u8>],
    values: &mut [MaybeUninit<u8>],
    capacity: u32,
) -> SysResult<Batch> {
    let mut attr = BatchAttr {
        in_batch: in_batch.map_or(0, ptr),
        out_batch: out_batch.as_mut_ptr() as u64,
        keys: keys.as_mut_ptr() as u64,
        values: values.as_mut_ptr() as u64,
        count: capacity,
        map_fd: raw(fd),
        ..Default::default()
    };
    match bpf("lookup batch", BPF_MAP_LOOKUP_BATCH, &mut attr) {
        Ok(_) => Ok(Batch::More(attr.count)),
        // The kernel signals the end with ENOENT, having still filled `count` entries.
        Err(err) if err.errno() == libc::ENOENT => Ok(Batch::Done(attr.count)),
        Err(err) => Err(err),
    }
}

// The attr and info layouts, checked at compile time against include/uapi/linux/bpf.h.
const _: () = assert!(size_of::<BatchAttr>() == 56);
const _: () = assert!(std::mem::offset_of!(BatchAttr, map_fd) == 36);
