//! What the kernel says about its objects: map, program and BTF info by fd, fds by id,
//! and the ids of every map and program on the system.
use super::*;

#[repr(C)]
#[derive(Default)]
pub(super) struct IdAttr {
    id: u32,
    next_id: u32,
    open_flags: u32,
}

#[repr(C)]
#[derive(Default)]
pub(super) struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
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
pub(super) struct RawProgInfo {
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
pub(super) struct RawBtfInfo {
    btf: u64,
    btf_size: u32,
    id: u32,
    name: u64,
    name_len: u32,
    kernel_btf: u32,
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
        programs.push(program_info(fd.as_fd())?);
    }
    Ok(programs)
}

/// A program we hold an fd to, with the maps it uses (no capability needed beyond the fd).
pub fn program_info(fd: BorrowedFd<'_>) -> SysResult<ProgInfo> {
    // First learn how many maps it uses, then ask for their ids.
    let mut info = RawProgInfo::default();
    prog_info(fd, &mut info)?;
    let mut map_ids = vec![0u32; info.nr_map_ids as usize];
    info = RawProgInfo {
        nr_map_ids: map_ids.len() as u32,
        map_ids: map_ids.as_mut_ptr() as u64,
        ..Default::default()
    };
    prog_info(fd, &mut info)?;
    map_ids.truncate(info.nr_map_ids as usize);
    Ok(ProgInfo {
        id: info.id,
        name: object_name(&info.name),
        prog_type: info.prog_type,
        map_ids,
    })
}

/// One program by id: its name and type (what a PROG_ARRAY slot points at).
pub fn program_by_id(id: u32) -> SysResult<ProgInfo> {
    let mut attr = IdAttr {
        id,
        ..Default::default()
    };
    let fd = owned_fd(bpf("open program by id", BPF_PROG_GET_FD_BY_ID, &mut attr)?);
    program_info(fd.as_fd())
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

// The attr and info layouts, checked at compile time against include/uapi/linux/bpf.h.
const _: () = assert!(std::mem::offset_of!(RawProgInfo, map_ids) == 56);
const _: () = assert!(size_of::<RawProgInfo>() == 80);
const _: () = assert!(size_of::<RawMapInfo>() == 88);
const _: () = assert!(std::mem::offset_of!(RawMapInfo, btf_id) == 64);
const _: () = assert!(std::mem::offset_of!(RawMapInfo, map_extra) == 80);
const _: () = assert!(size_of::<RawBtfInfo>() == 32);
