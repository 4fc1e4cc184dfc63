//! What the bundled object needs from userspace after loading: its map-of-maps gets its two
//! inner maps, and its program array the tail-call target, in their slots (BPF programs
//! cannot put fds into maps; userspace writes the fd, the kernel stores the object).
use std::os::fd::{AsFd, AsRawFd};

use aya::Ebpf;

use super::LoadError;
use crate::maps::{MapError, MapHandle};

/// (outer map, slot, what goes in it: an inner map's name).
const INNER_MAPS: [(&str, u32, &str); 2] = [
    ("PID_BUCKETS", 0, "OPENS_EVEN"),
    ("PID_BUCKETS", 1, "OPENS_ODD"),
];
/// (program array, slot, program name).
const TAIL_CALLS: [(&str, u32, &str); 1] = [("JUMP_TABLE", 0, "tail_fork")];

/// Fills the bundled object's slots; a missing map or program is a build mismatch.
pub(super) fn fill_slots(ebpf: &Ebpf, maps: &[MapHandle]) -> Result<(), LoadError> {
    let by_name = |name: &str| {
        maps.iter()
            .find(|m| m.meta().name == name)
            .ok_or_else(|| missing(name))
    };
    for (outer, slot, inner) in INNER_MAPS {
        let fd = by_name(inner)?.fd().as_raw_fd();
        put(by_name(outer)?, slot, fd)?;
    }
    for (array, slot, program) in TAIL_CALLS {
        let fd = ebpf
            .program(program)
            .ok_or_else(|| missing(program))?
            .fd()
            .map_err(|source| LoadError::Program {
                name: program.into(),
                source,
            })?
            .as_fd()
            .as_raw_fd();
        put(by_name(array)?, slot, fd)?;
    }
    Ok(())
}

fn put(map: &MapHandle, slot: u32, fd: i32) -> Result<(), LoadError> {
    map.update_from(&slot.to_ne_bytes(), &fd.to_ne_bytes(), 0)
        .map_err(|source| LoadError::Map(map.syscall_error(source)))
}

fn missing(name: &str) -> LoadError {
    LoadError::Map(MapError::Unsupported {
        name: name.into(),
        kind: "missing from the bundled object (a build mismatch)".into(),
    })
}
