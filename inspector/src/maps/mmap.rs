//! Reading a BPF_F_MMAPABLE array through a read-only mapping of its values: one mmap and a
//! copy instead of a syscall per batch. The kernel lays the slots out round_up(value size, 8)
//! bytes apart from the mapping's start (kernel/bpf/arraymap.c, array_map_mmap).
use std::{os::fd::AsRawFd as _, time::Instant};

use super::{MapHandle, MapKind, Snapshot};

/// BPF_F_MMAPABLE from include/uapi/linux/bpf.h.
pub const BPF_F_MMAPABLE: u32 = 1 << 10;

impl MapHandle {
    /// The snapshot of a mmapable array, or None to read it the usual way (another map type,
    /// or a kernel that refuses the mapping).
    pub fn snapshot_mmap(&self) -> Option<Snapshot> {
        let meta = &self.desc.meta;
        if meta.kind != MapKind::Array || meta.flags & BPF_F_MMAPABLE == 0 || meta.key_size != 4 {
            return None;
        }
        let stride = (meta.value_size as usize).next_multiple_of(8);
        let slots = meta.max_entries as usize;
        let len = stride.checked_mul(slots).filter(|&len| len > 0)?;
        // SAFETY: a fresh shared read-only mapping of the map's fd at offset 0; the kernel
        // checks the length against the array's value area and fails (we fall back) if not.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                self.fd().as_raw_fd(),
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: the mapping is `len` readable bytes until the munmap below. Programs may
        // write slots meanwhile: bytes, not Rust values, so a torn value is only a torn value
        // (as with a batch lookup of an array without BPF_F_LOCK).
        let area = unsafe { std::slice::from_raw_parts(addr.cast::<u8>(), len) };
        let mut snap = Snapshot::empty(self);
        snap.fill_array(area, stride, slots);
        // SAFETY: addr and len are the mapping made above; `area` is not used after this.
        unsafe { libc::munmap(addr, len) };
        snap.taken_at = Instant::now();
        Some(snap)
    }
}
