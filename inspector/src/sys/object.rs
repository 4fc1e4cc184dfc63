//! Making and finding BPF objects: map create (for tests and benchmarks), pin and get
//! from bpffs.
use super::*;

/// The prefix of the map-create attr up to `map_name`.
#[repr(C)]
#[derive(Default)]
pub(super) struct CreateAttr {
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
pub(super) struct ObjGetAttr {
    pathname: u64,
    bpf_fd: u32,
    file_flags: u32,
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

/// BPF_OBJ_PIN: pins a map (or program) fd at a bpffs path.
pub fn obj_pin(fd: BorrowedFd<'_>, path: &Path) -> SysResult<()> {
    let c_path = path_cstring("pin", path)?;
    let mut attr = ObjGetAttr {
        pathname: c_path.as_ptr() as u64,
        bpf_fd: raw(fd),
        ..Default::default()
    };
    bpf("pin", BPF_OBJ_PIN, &mut attr).map(drop)
}

/// What kind of BPF object an fd holds (`map`, `program`, `link`, `BTF`), from the name of
/// its anonymous inode; None when it is none of those or /proc cannot say.
pub fn bpf_object_kind(fd: BorrowedFd<'_>) -> Option<&'static str> {
    let target = std::fs::read_link(format!("/proc/self/fd/{}", raw(fd))).ok()?;
    object_kind_of(target.to_str()?)
}

fn object_kind_of(target: &str) -> Option<&'static str> {
    match target {
        "anon_inode:bpf-map" => Some("map"),
        "anon_inode:bpf-prog" => Some("program"),
        "anon_inode:bpf_link" | "anon_inode:bpf-link" => Some("link"),
        "anon_inode:btf" => Some("BTF object"),
        _ => None,
    }
}

/// BPF_OBJ_GET: open a pinned object (map) from bpffs, for reading and writing.
pub fn obj_get(path: &Path) -> SysResult<OwnedFd> {
    obj_get_with(path, 0)
}

/// BPF_OBJ_GET with BPF_F_RDONLY: the kernel then checks only read permission on the pin,
/// and the fd it returns cannot change the map.
pub fn obj_get_read_only(path: &Path) -> SysResult<OwnedFd> {
    obj_get_with(path, BPF_F_RDONLY)
}

fn obj_get_with(path: &Path, file_flags: u32) -> SysResult<OwnedFd> {
    let c_path = path_cstring("open pin", path)?;
    let mut attr = ObjGetAttr {
        pathname: c_path.as_ptr() as u64,
        file_flags,
        ..Default::default()
    };
    bpf("open pin", BPF_OBJ_GET, &mut attr).map(owned_fd)
}

/// A path as the kernel takes it; one with a NUL byte inside is EINVAL, as the kernel would say.
pub(crate) fn path_cstring(op: &'static str, path: &Path) -> SysResult<CString> {
    use std::os::unix::ffi::OsStrExt as _;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| SysError {
        op,
        source: io::Error::from_raw_os_error(libc::EINVAL),
    })
}

// The attr and info layouts, checked at compile time against include/uapi/linux/bpf.h.
const _: () = assert!(std::mem::offset_of!(CreateAttr, map_name) == 28);

#[cfg(test)]
mod tests {
    use super::object_kind_of;

    #[test]
    fn anonymous_inode_names_tell_maps_from_other_objects() {
        assert_eq!(object_kind_of("anon_inode:bpf-map"), Some("map"));
        assert_eq!(object_kind_of("anon_inode:bpf-prog"), Some("program"));
        assert_eq!(object_kind_of("anon_inode:bpf_link"), Some("link"));
        assert_eq!(object_kind_of("/etc/passwd"), None);
    }
}
