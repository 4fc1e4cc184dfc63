//! Changing maps from userspace: insert, delete, look up, push/pop/peek and flood, each
//! refused up front when the map type cannot do it, and every kernel error put in plain
//! words with its errno name.
use std::{collections::BTreeSet, os::fd::AsRawFd};

use thiserror::Error;

use super::{MapDesc, MapHandle, MapKind};
use crate::sys::{SysError, errno_name};

/// Something a user asks of a map. Keys and values are the map's raw bytes (values of
/// per-CPU maps hold one value per possible CPU, each padded to 8 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    Update {
        key: Vec<u8>,
        value: Vec<u8>,
        flags: u64,
    },
    Delete {
        key: Vec<u8>,
    },
    LookupAndDelete {
        key: Vec<u8>,
    },
    Lookup {
        key: Vec<u8>,
    },
    Push {
        value: Vec<u8>,
        flags: u64,
    },
    Pop,
    Peek,
    Flood(FloodRequest),
}

impl Operation {
    /// Whether the operation can change the map (a lookup or peek cannot).
    pub fn changes_map(&self) -> bool {
        !matches!(self, Self::Lookup { .. } | Self::Peek)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Update { .. } => "insert",
            Self::Delete { .. } => "delete",
            Self::LookupAndDelete { .. } => "lookup-and-delete",
            Self::Lookup { .. } => "lookup",
            Self::Push { .. } => "push",
            Self::Pop => "pop",
            Self::Peek => "peek",
            Self::Flood(_) => "flood",
        }
    }
}

/// Where a flood's inserts come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloodFrom {
    /// The object's flood program, run by the kernel (only for the experiment maps).
    Kernel,
    /// BPF_MAP_UPDATE_ELEM calls from a userspace thread.
    User,
}

/// Insert keys 1..=count with value key*11, on `cpu` if given (the thread or program is
/// pinned there so the figures repeat).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodRequest {
    pub count: u32,
    pub cpu: Option<u32>,
    pub from: FloodFrom,
}

/// What a flood did, and what the map holds afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloodReport {
    pub map: String,
    pub kind: MapKind,
    pub from: FloodFrom,
    pub cpu: Option<u32>,
    pub attempted: u32,
    pub inserted: u32,
    /// Failed inserts by errno (positive), most frequent first.
    pub failures: Vec<(i32, u32)>,
    /// The first key whose insert failed, if any.
    pub first_failed_key: Option<u32>,
    /// Entries in the map after the flood, counted by reading it.
    pub entries_after: usize,
    pub max_entries: u32,
    /// Whether key `attempted` (the last one, max_entries + 1 by default) is in the map.
    pub last_key_present: bool,
    /// Keys of 1..=attempted missing afterwards, as inclusive ranges.
    pub missing: Vec<(u32, u32)>,
}

/// The successful result of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpResult {
    Done,
    /// A lookup, pop or peek found this value (the key is the one asked for).
    Value(Vec<u8>),
    Flooded(FloodReport),
}

/// Why an operation did not happen; the map is unchanged unless the kernel said otherwise.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum OpError {
    #[error("{0}")]
    Refused(String),
    #[error("{what}")]
    Kernel { what: String, errno: i32 },
}

impl OpError {
    fn refused(reason: impl Into<String>) -> Self {
        Self::Refused(reason.into())
    }
}

/// The biggest flood accepted: bpf_loop's own limit (BPF_MAX_LOOPS).
pub const MAX_FLOOD: u32 = 1 << 23;

/// Refuses what the map type cannot do, with the reason and what to do instead.
pub fn check(desc: &MapDesc, op: &Operation) -> Result<(), OpError> {
    let kind = desc.meta.kind;
    if let Some(reason) = kind.unlisted_reason() {
        return Err(OpError::refused(format!("{}: {reason}", desc.meta.name)));
    }
    if op.changes_map() && desc.frozen {
        return Err(frozen_refusal(&desc.meta.name));
    }
    if op.changes_map() && !kind.is_editable() {
        let what = match kind {
            MapKind::StackTrace => "stacks the kernel records",
            _ if kind.is_task_storage() => "stored on each task, keyed by a pidfd",
            _ if kind.is_cgrp_storage() => "stored on each cgroup, keyed by a cgroup fd",
            _ => "object references (an fd on update, an id on lookup)",
        };
        return Err(OpError::refused(format!(
            "{}: a {} map's values are {what}: it is shown, not edited here",
            desc.meta.name,
            kind.label(),
        )));
    }
    let queue_like = kind.is_queue_like();
    match op {
        Operation::Push { .. } | Operation::Pop | Operation::Peek if !queue_like => {
            Err(OpError::refused(format!(
                "{} works on queues and stacks; a {} map has keys: use insert, delete or lookup",
                op.label(),
                kind.label()
            )))
        }
        Operation::Update { .. }
        | Operation::Delete { .. }
        | Operation::LookupAndDelete { .. }
        | Operation::Lookup { .. }
            if queue_like =>
        {
            Err(OpError::refused(format!(
                "a {} has no keys: use push, pop or peek",
                kind.label()
            )))
        }
        Operation::Delete { .. } | Operation::LookupAndDelete { .. } if kind.is_array() => Err(
            OpError::refused("array slots cannot be deleted; set the value to zero instead"),
        ),
        Operation::Flood(_) if queue_like => Err(OpError::refused(
            "flood fills keys 1..=N: a queue or stack has no keys (push fills it)",
        )),
        _ => Ok(()),
    }
    .and_then(|()| check_sizes(desc, op))
}

fn check_sizes(desc: &MapDesc, op: &Operation) -> Result<(), OpError> {
    let key_size = desc.meta.key_size as usize;
    let value_len = desc.value_buffer_len();
    let key = match op {
        Operation::Update { key, .. }
        | Operation::Delete { key }
        | Operation::LookupAndDelete { key }
        | Operation::Lookup { key } => Some(key),
        _ => None,
    };
    if let Some(key) = key.filter(|k| k.len() != key_size) {
        return Err(OpError::refused(format!(
            "the key is {}; {} takes {key_size}",
            crate::values::render::bytes(key.len()),
            desc.meta.name
        )));
    }
    match op {
        Operation::Update { value, .. } | Operation::Push { value, .. }
            if value.len() != value_len =>
        {
            Err(OpError::refused(format!(
                "the value is {}; {} takes {value_len}",
                crate::values::render::bytes(value.len()),
                desc.meta.name
            )))
        }
        Operation::Flood(request) if request.count == 0 => {
            Err(OpError::refused("a flood needs at least one key"))
        }
        Operation::Flood(request) if request.count > MAX_FLOOD => Err(OpError::Refused(format!(
            "a flood of {} keys is refused: at most {MAX_FLOOD} (the kernel-side program's \
             bpf_loop stops at 8,388,608; a userspace flood that size takes minutes)",
            request.count
        ))),
        _ => Ok(()),
    }
}

/// Programs may read the map but not write it (a .rodata's flag).
const BPF_F_RDONLY_PROG: u32 = 1 << 7;

/// Whether /proc/self/fdinfo text says the map is frozen (`frozen:\t1`).
fn fdinfo_frozen(fdinfo: &str) -> bool {
    fdinfo
        .lines()
        .find_map(|line| line.strip_prefix("frozen:"))
        .is_some_and(|value| value.trim() == "1")
}

/// The refusal of a change to a frozen map.
pub fn frozen_refusal(name: &str) -> OpError {
    OpError::Refused(format!(
        "{name} is frozen: userspace can no longer change it (a loader freezes a .rodata \
         once the program's constants are set; programs read it as constants)"
    ))
}

/// An errno from the map syscalls in plain words, for this map.
pub fn explain(desc: &MapDesc, op: &str, err: &SysError) -> OpError {
    let errno = err.errno();
    let meta = &desc.meta;
    let words = match errno {
        libc::E2BIG if meta.kind.is_array() => format!(
            "index out of range (the array has slots 0..{})",
            meta.max_entries
        ),
        libc::E2BIG => format!("map is full (max_entries {})", meta.max_entries),
        libc::ENOENT if meta.kind.is_queue_like() => format!("the {} is empty", meta.kind.label()),
        libc::ENOENT => "not found: no such key".to_string(),
        libc::EEXIST => "the key exists already (BPF_NOEXIST refuses to replace it)".to_string(),
        libc::EINVAL => {
            "invalid argument: wrong flags for this map type, or a key/value of the wrong size"
                .to_string()
        }
        libc::EPERM | libc::EACCES if meta.flags & BPF_F_RDONLY_PROG != 0 => {
            "permission denied: the map is read-only to programs (BPF_F_RDONLY_PROG) and \
             likely frozen, as a loader freezes a .rodata once the program's constants are set"
                .to_string()
        }
        libc::EPERM | libc::EACCES => {
            "permission denied: the map may be read-only (BPF_F_RDONLY) or need root".to_string()
        }
        libc::ENOTSUP | crate::sys::ENOTSUPP => format!(
            "{op} is not supported on {} maps by this kernel",
            meta.kind.label()
        ),
        libc::EBUSY => {
            "busy: the map is in use by a BPF program on this CPU; try again".to_string()
        }
        libc::ENOMEM => "out of memory for the map".to_string(),
        _ => err.source.to_string(),
    };
    OpError::Kernel {
        what: format!("{op} {}: {} {words}", meta.name, errno_name(errno)),
        errno,
    }
}

/// Why a change to a map mapinspect did not load waits for --write: the one wording for
/// every surface (TUI, CLI, probes).
pub fn read_only_refusal(name: &str) -> String {
    format!(
        "{name} is read-only: mapinspect did not load it; start mapinspect with --write to change it"
    )
}

impl MapHandle {
    /// Refuses `op` if it changes a map that may not be changed (see [`Self::check_change`]).
    pub fn check_writable(&self, op: &Operation) -> Result<(), OpError> {
        if op.changes_map() {
            self.check_change()
        } else {
            Ok(())
        }
    }

    /// Refuses any change to a frozen map (first: --write would not help; asked of the
    /// kernel again, as a map can be frozen after it was opened), and to a map another
    /// program owns unless --write was given.
    pub fn check_change(&self) -> Result<(), OpError> {
        if self.desc.frozen || self.frozen() {
            return Err(frozen_refusal(&self.desc.meta.name));
        }
        if !self.writable {
            return Err(OpError::refused(read_only_refusal(&self.desc.meta.name)));
        }
        Ok(())
    }

    /// Whether the kernel has frozen the map (BPF_MAP_FREEZE): then no userspace write
    /// can change it.
    pub fn frozen(&self) -> bool {
        let path = format!("/proc/self/fdinfo/{}", self.fd().as_raw_fd());
        std::fs::read_to_string(path).is_ok_and(|fdinfo| fdinfo_frozen(&fdinfo))
    }

    /// Checks, then runs one operation (all but kernel-side floods, which need the loaded
    /// object: see `Loaded::flood_in_kernel`).
    pub fn execute(&self, op: &Operation) -> Result<OpResult, OpError> {
        self.check_writable(op)?;
        check(&self.desc, op)?;
        let fail = |e: SysError| explain(&self.desc, op.label(), &e);
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        match op {
            Operation::Update { key, value, flags } => {
                self.update_from(key, value, *flags).map_err(fail)?;
                Ok(OpResult::Done)
            }
            Operation::Push { value, flags } => {
                self.update_from(&[], value, *flags).map_err(fail)?;
                Ok(OpResult::Done)
            }
            Operation::Delete { key } => {
                self.delete_key(key).map_err(fail)?;
                Ok(OpResult::Done)
            }
            Operation::LookupAndDelete { key } => {
                self.take_into(key, &mut value).map_err(fail)?;
                Ok(OpResult::Value(value))
            }
            Operation::Lookup { key } => {
                self.lookup_into(key, &mut value).map_err(fail)?;
                Ok(OpResult::Value(value))
            }
            Operation::Pop => {
                self.take_into(&[], &mut value).map_err(fail)?;
                Ok(OpResult::Value(value))
            }
            Operation::Peek => {
                self.lookup_into(&[], &mut value).map_err(fail)?;
                Ok(OpResult::Value(value))
            }
            Operation::Flood(request) => match request.from {
                FloodFrom::User => self.flood_from_user(*request).map(OpResult::Flooded),
                FloodFrom::Kernel => Err(OpError::refused(
                    "a kernel-side flood runs the object's flood program (experiment maps only)",
                )),
            },
        }
    }
}

/// Keys of `1..=attempted` that are not in `present`, as inclusive ranges.
pub fn missing_ranges(attempted: u32, present: &BTreeSet<u32>) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for key in (1..=attempted).filter(|k| !present.contains(k)) {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == key => *end = key,
            _ => ranges.push((key, key)),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        maps::{LayoutSource, MapMeta},
        values::Layout,
    };

    #[test]
    fn frozen_comes_from_fdinfo() {
        let fdinfo = |frozen| format!("pos:\t0\nmap_type:\t2\nfrozen:\t{frozen}\nmap_id:\t9\n");
        assert!(fdinfo_frozen(&fdinfo(1)));
        assert!(!fdinfo_frozen(&fdinfo(0)));
        assert!(
            !fdinfo_frozen("pos:\t0\n"),
            "kernels before 5.2 say nothing"
        );
        let words = frozen_refusal(".rodata").to_string();
        assert!(words.starts_with(".rodata is frozen: "), "{words}");
    }

    #[test]
    fn a_refused_write_to_a_map_read_only_to_programs_says_it_may_be_frozen() {
        let desc = |flags| MapDesc {
            meta: MapMeta {
                id: 1,
                name: ".rodata".into(),
                kind: MapKind::Array,
                key_size: 4,
                value_size: 4,
                max_entries: 1,
                flags,
                btf_id: 0,
                btf_key_type_id: 0,
                btf_value_type_id: 0,
            },
            key_layout: Layout::int(4, false),
            value_layout: Layout::int(4, false),
            layout_source: LayoutSource::Sizes,
            cpus: 1,
            kernel_flood: None,
            frozen: false,
        };
        let eperm = SysError {
            op: "update",
            source: std::io::Error::from_raw_os_error(libc::EPERM),
        };
        let words = explain(&desc(BPF_F_RDONLY_PROG), "insert", &eperm).to_string();
        assert!(
            words.contains("BPF_F_RDONLY_PROG") && words.contains("frozen"),
            "{words}"
        );
        let words = explain(&desc(0), "insert", &eperm).to_string();
        assert!(words.contains("or need root"), "{words}");
    }
}
