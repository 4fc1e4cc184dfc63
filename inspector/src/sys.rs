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
        524 => "ENOTSUPP",
        _ => "errno",
    }
}

#[repr(C)]
#[derive(Default)]
struct ElemAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

#[repr(C)]
#[derive(Default)]
struct BatchAttr {
    in_batch: u64,
    out_batch: u64,
    keys: u64,
    values: u64,
    count: u32,
    map_fd: u32,
    elem_flags: u64,
    flags: u64,
}

/// The prefix of the map-create attr up to `map_name`.
#[repr(C)]
#[derive(Default)]
struct CreateAttr {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; 16],
}

#[repr(C)]
#[derive(Default)]
struct IdAttr {
    id: u32,
    next_id: u32,
    open_flags: u32,
}

#[repr(C)]
#[derive(Default)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

#[repr(C)]
#[derive(Default)]
struct ObjGetAttr {
    pathname: u64,
    bpf_fd: u32,
    file_flags: u32,
}

/// `struct bpf_map_info` up to `map_extra` (kernel 5.16+; older kernels fill a prefix).
#[repr(C, align(8))]
#[derive(Debug, Default, Clone, Copy)]
pub struct RawMapInfo {
    pub map_type: u32,
    pub id: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub name: [u8; 16],
    pub ifindex: u32,
    pub btf_vmlinux_value_type_id: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_id: u32,
    pub map_extra: u64,
}

/// `struct bpf_prog_info` up to `name`: enough to say which maps a program uses.
#[repr(C, align(8))]
#[derive(Default)]
struct RawProgInfo {
    prog_type: u32,
    id: u32,
    tag: [u8; 8],
    jited_prog_len: u32,
    xlated_prog_len: u32,
    jited_prog_insns: u64,
    xlated_prog_insns: u64,
    load_time: u64,
    created_by_uid: u32,
    nr_map_ids: u32,
    map_ids: u64,
    name: [u8; 16],
}

/// A loaded program as `--system` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgInfo {
    pub id: u32,
    pub name: String,
    pub prog_type: u32,
    pub map_ids: Vec<u32>,
}

/// `struct bpf_btf_info`.
#[repr(C, align(8))]
#[derive(Default)]
struct RawBtfInfo {
    btf: u64,
    btf_size: u32,
    id: u32,
    name: u64,
    name_len: u32,
    kernel_btf: u32,
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

/// BPF_MAP_CREATE: a new map with no BTF (for benchmarks and tests that need maps of a
/// given shape). `name` is cut to the kernel's 15 characters.
pub fn map_create(
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    flags: u32,
    name: &str,
) -> SysResult<OwnedFd> {
    let mut attr = CreateAttr {
        map_type,
        key_size,
        value_size,
        max_entries,
        map_flags: flags,
        ..Default::default()
    };
    let len = name.len().min(15);
    attr.map_name[..len].copy_from_slice(&name.as_bytes()[..len]);
    bpf("create map", BPF_MAP_CREATE, &mut attr).map(owned_fd)
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

/// BPF_OBJ_PIN: pins a map (or program) fd at a bpffs path.
pub fn obj_pin(fd: BorrowedFd<'_>, path: &Path) -> SysResult<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| SysError {
        op: "pin",
        source: io::Error::from_raw_os_error(libc::EINVAL),
    })?;
    let mut attr = ObjGetAttr {
        pathname: c_path.as_ptr() as u64,
        bpf_fd: raw(fd),
        ..Default::default()
    };
    bpf("pin", BPF_OBJ_PIN, &mut attr).map(drop)
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

/// BPF_OBJ_GET_INFO_BY_FD for a map.
pub fn map_info(fd: BorrowedFd<'_>) -> SysResult<RawMapInfo> {
    let mut info = RawMapInfo::default();
    let mut attr = InfoAttr {
        bpf_fd: raw(fd),
        info_len: size_of::<RawMapInfo>() as u32,
        info: (&raw mut info) as u64,
    };
    bpf("map info", BPF_OBJ_GET_INFO_BY_FD, &mut attr)?;
    Ok(info)
}

/// BPF_MAP_GET_FD_BY_ID.
pub fn map_fd_by_id(id: u32) -> SysResult<OwnedFd> {
    let mut attr = IdAttr {
        id,
        ..Default::default()
    };
    bpf("open map by id", BPF_MAP_GET_FD_BY_ID, &mut attr).map(owned_fd)
}

/// BPF_MAP_GET_NEXT_ID: the ids of every map on the system, ascending.
pub fn map_ids() -> SysResult<Vec<u32>> {
    object_ids("list maps", BPF_MAP_GET_NEXT_ID)
}

/// Every program on the system with the maps it uses. Programs that vanish while being
/// listed are skipped.
pub fn programs() -> SysResult<Vec<ProgInfo>> {
    let mut programs = Vec::new();
    for id in object_ids("list programs", BPF_PROG_GET_NEXT_ID)? {
        let mut attr = IdAttr {
            id,
            ..Default::default()
        };
        let Ok(fd) = bpf("open program by id", BPF_PROG_GET_FD_BY_ID, &mut attr).map(owned_fd)
        else {
            continue;
        };
        // First learn how many maps it uses, then ask for their ids.
        let mut info = RawProgInfo::default();
        prog_info(fd.as_fd(), &mut info)?;
        let mut map_ids = vec![0u32; info.nr_map_ids as usize];
        info = RawProgInfo {
            nr_map_ids: map_ids.len() as u32,
            map_ids: map_ids.as_mut_ptr() as u64,
            ..Default::default()
        };
        prog_info(fd.as_fd(), &mut info)?;
        map_ids.truncate(info.nr_map_ids as usize);
        let name_len = info.name.iter().position(|&b| b == 0).unwrap_or(16);
        programs.push(ProgInfo {
            id: info.id,
            name: String::from_utf8_lossy(&info.name[..name_len]).into_owned(),
            prog_type: info.prog_type,
            map_ids,
        });
    }
    Ok(programs)
}

fn prog_info(fd: BorrowedFd<'_>, info: &mut RawProgInfo) -> SysResult<()> {
    let mut attr = InfoAttr {
        bpf_fd: raw(fd),
        info_len: size_of::<RawProgInfo>() as u32,
        info: (info as *mut RawProgInfo) as u64,
    };
    bpf("program info", BPF_OBJ_GET_INFO_BY_FD, &mut attr).map(drop)
}

/// Walks a *_GET_NEXT_ID command from the start.
fn object_ids(op: &'static str, cmd: u32) -> SysResult<Vec<u32>> {
    let mut ids = Vec::new();
    let mut attr = IdAttr::default();
    loop {
        match bpf(op, cmd, &mut attr) {
            Ok(_) => {
                ids.push(attr.next_id);
                attr.id = attr.next_id;
            }
            Err(err) if err.errno() == libc::ENOENT => return Ok(ids),
            Err(err) => return Err(err),
        }
    }
}

/// BPF_OBJ_GET: open a pinned object (map) from bpffs.
pub fn obj_get(path: &Path) -> SysResult<OwnedFd> {
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| SysError {
        op: "open pin",
        source: io::Error::from_raw_os_error(libc::EINVAL),
    })?;
    let mut attr = ObjGetAttr {
        pathname: c_path.as_ptr() as u64,
        ..Default::default()
    };
    bpf("open pin", BPF_OBJ_GET, &mut attr).map(owned_fd)
}

/// The raw BTF blob with the given id (e.g. a map's btf_id), as the kernel holds it.
pub fn btf_by_id(id: u32) -> SysResult<Vec<u8>> {
    let mut attr = IdAttr {
        id,
        ..Default::default()
    };
    let fd = owned_fd(bpf("open btf by id", BPF_BTF_GET_FD_BY_ID, &mut attr)?);
    // First ask for the size, then for the bytes.
    let mut info = RawBtfInfo::default();
    btf_info(fd.as_fd(), &mut info)?;
    let mut blob = vec![0u8; info.btf_size as usize];
    info = RawBtfInfo {
        btf: blob.as_mut_ptr() as u64,
        btf_size: blob.len() as u32,
        ..Default::default()
    };
    btf_info(fd.as_fd(), &mut info)?;
    blob.truncate(info.btf_size as usize);
    Ok(blob)
}

fn btf_info(fd: BorrowedFd<'_>, info: &mut RawBtfInfo) -> SysResult<()> {
    let mut attr = InfoAttr {
        bpf_fd: raw(fd),
        info_len: size_of::<RawBtfInfo>() as u32,
        info: (info as *mut RawBtfInfo) as u64,
    };
    bpf("btf info", BPF_OBJ_GET_INFO_BY_FD, &mut attr).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_layouts_match_the_kernel() {
        // Offsets from include/uapi/linux/bpf.h.
        assert_eq!(size_of::<ElemAttr>(), 32);
        assert_eq!(size_of::<BatchAttr>(), 56);
        assert_eq!(std::mem::offset_of!(CreateAttr, map_name), 28);
        assert_eq!(std::mem::offset_of!(RawProgInfo, map_ids), 56);
        assert_eq!(size_of::<RawProgInfo>(), 80);
        assert_eq!(std::mem::offset_of!(BatchAttr, map_fd), 36);
        assert_eq!(size_of::<RawMapInfo>(), 88);
        assert_eq!(std::mem::offset_of!(RawMapInfo, btf_id), 64);
        assert_eq!(std::mem::offset_of!(RawMapInfo, map_extra), 80);
        assert_eq!(size_of::<RawBtfInfo>(), 32);
    }

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
