//! The kernel objects that maps-of-maps and program arrays point at, by the ids userspace
//! lookups return (an update takes an fd, a lookup gives back the object's id).
use crate::{
    maps::{MapHandle, MapKind},
    sys,
};

/// An inner map of an ARRAY_OF_MAPS / HASH_OF_MAPS slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InnerMap {
    pub id: u32,
    /// Name, type, max_entries and entry count, or why the map could not be opened or read.
    pub info: Result<InnerInfo, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InnerInfo {
    pub name: String,
    pub kind: MapKind,
    pub max_entries: u32,
    /// Entries read (non-zero slots for arrays); None when the type is not listed.
    pub entries: Option<usize>,
}

impl InnerMap {
    /// Opens the inner map by id and counts its entries.
    pub fn read(id: u32) -> Self {
        let info = MapHandle::open_by_id(id)
            .map_err(|e| e.to_string())
            .map(|map| {
                let meta = map.meta();
                let entries = map
                    .snapshot()
                    .ok()
                    .map(|snap| crate::values::entries::listed_indices(&map.desc, &snap).len());
                InnerInfo {
                    name: meta.name.clone(),
                    kind: meta.kind,
                    max_entries: meta.max_entries,
                    entries,
                }
            });
        Self { id, info }
    }

    pub fn summary(&self) -> String {
        match &self.info {
            Ok(info) => {
                let count = info.entries.map_or_else(
                    || "not listed".to_string(),
                    |n| format!("{n}/{}", info.max_entries),
                );
                format!(
                    "map {} {} ({}) {count}",
                    self.id,
                    info.name,
                    info.kind.label()
                )
            }
            Err(err) => format!("map {}: {err}", self.id),
        }
    }
}

/// The program behind a PROG_ARRAY slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramRef {
    pub id: u32,
    /// Name and type (bpftool's word), or why the program could not be opened.
    pub info: Result<(String, String), String>,
}

impl ProgramRef {
    pub fn read(id: u32) -> Self {
        let info = sys::program_by_id(id)
            .map(|p| (p.name, prog_type_name(p.prog_type)))
            .map_err(|e| e.to_string());
        Self { id, info }
    }

    pub fn summary(&self) -> String {
        match &self.info {
            Ok((name, ty)) => format!("prog {} {name} ({ty})", self.id),
            Err(err) => format!("prog {}: {err}", self.id),
        }
    }
}

/// `enum bpf_prog_type` as libbpf's `prog_type_name[]` spells it (what bpftool prints).
const PROG_TYPES: [&str; 33] = [
    "unspec",
    "socket_filter",
    "kprobe",
    "sched_cls",
    "sched_act",
    "tracepoint",
    "xdp",
    "perf_event",
    "cgroup_skb",
    "cgroup_sock",
    "lwt_in",
    "lwt_out",
    "lwt_xmit",
    "sock_ops",
    "sk_skb",
    "cgroup_device",
    "sk_msg",
    "raw_tracepoint",
    "cgroup_sock_addr",
    "lwt_seg6local",
    "lirc_mode2",
    "sk_reuseport",
    "flow_dissector",
    "cgroup_sysctl",
    "raw_tracepoint_writable",
    "cgroup_sockopt",
    "tracing",
    "struct_ops",
    "ext",
    "lsm",
    "sk_lookup",
    "syscall",
    "netfilter",
];

/// A program type's name, or `unknown (N)`.
pub fn prog_type_name(raw: u32) -> String {
    PROG_TYPES
        .get(raw as usize)
        .map_or_else(|| format!("unknown ({raw})"), |n| (*n).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_types_are_named() {
        assert_eq!(prog_type_name(5), "tracepoint");
        assert_eq!(prog_type_name(32), "netfilter");
        assert_eq!(prog_type_name(200), "unknown (200)");
    }

    #[test]
    fn summaries_say_what_is_behind_a_slot() {
        let inner = InnerMap {
            id: 7,
            info: Ok(InnerInfo {
                name: "inner_a".into(),
                kind: MapKind::Hash,
                max_entries: 16,
                entries: Some(3),
            }),
        };
        assert_eq!(inner.summary(), "map 7 inner_a (hash) 3/16");
        let prog = ProgramRef {
            id: 9,
            info: Ok(("tail".into(), "tracepoint".into())),
        };
        assert_eq!(prog.summary(), "prog 9 tail (tracepoint)");
    }
}
