//! BPF map types, named as bpftool names them, and what each one supports from userspace.

/// A map's type. The types mapinspect reads or explains in its own way have a variant; the
/// rest keep their number and are still named (see [`type_name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapKind {
    Hash,
    Array,
    PercpuHash,
    PercpuArray,
    LruHash,
    LruPercpuHash,
    Queue,
    Stack,
    ProgArray,
    PerfEventArray,
    StackTrace,
    CgroupArray,
    LpmTrie,
    ArrayOfMaps,
    HashOfMaps,
    Ringbuf,
    UserRingbuf,
    BloomFilter,
    /// Any other type, by its number: named when the kernel defines it, metadata only.
    Other(u32),
}

const TASK_STORAGE: u32 = 29;
const CGRP_STORAGE: u32 = 32;

/// `enum bpf_map_type` (include/uapi/linux/bpf.h), in order, spelt as libbpf's
/// `map_type_name[]` spells them (what `bpftool map` prints). Index = the type's number.
const NAMES: [&str; 35] = [
    "unspec",
    "hash",
    "array",
    "prog_array",
    "perf_event_array",
    "percpu_hash",
    "percpu_array",
    "stack_trace",
    "cgroup_array",
    "lru_hash",
    "lru_percpu_hash",
    "lpm_trie",
    "array_of_maps",
    "hash_of_maps",
    "devmap",
    "sockmap",
    "cpumap",
    "xskmap",
    "sockhash",
    "cgroup_storage",
    "reuseport_sockarray",
    "percpu_cgroup_storage",
    "queue",
    "stack",
    "sk_storage",
    "devmap_hash",
    "struct_ops",
    "ringbuf",
    "inode_storage",
    "task_storage",
    "bloom_filter",
    "user_ringbuf",
    "cgrp_storage",
    "arena",
    "insn_array",
];

/// The name of map type `raw`, or `unknown (N)` for a number newer than this build knows.
pub fn type_name(raw: u32) -> String {
    NAMES
        .get(raw as usize)
        .map_or_else(|| format!("unknown ({raw})"), |name| (*name).to_string())
}

impl MapKind {
    /// From `enum bpf_map_type` (include/uapi/linux/bpf.h).
    pub fn from_raw(raw: u32) -> Self {
        match raw {
            1 => Self::Hash,
            2 => Self::Array,
            3 => Self::ProgArray,
            4 => Self::PerfEventArray,
            5 => Self::PercpuHash,
            6 => Self::PercpuArray,
            7 => Self::StackTrace,
            8 => Self::CgroupArray,
            9 => Self::LruHash,
            10 => Self::LruPercpuHash,
            11 => Self::LpmTrie,
            12 => Self::ArrayOfMaps,
            13 => Self::HashOfMaps,
            22 => Self::Queue,
            23 => Self::Stack,
            27 => Self::Ringbuf,
            30 => Self::BloomFilter,
            31 => Self::UserRingbuf,
            other => Self::Other(other),
        }
    }

    /// The kernel's number for this type.
    pub fn raw(self) -> u32 {
        match self {
            Self::Other(raw) => raw,
            named => (1..NAMES.len() as u32)
                .find(|&raw| Self::from_raw(raw) == named)
                .unwrap_or(0),
        }
    }

    /// The kernel's name without the BPF_MAP_TYPE_ prefix, as bpftool prints it.
    pub fn label(self) -> String {
        type_name(self.raw())
    }

    /// One value per possible CPU.
    pub fn is_percpu(self) -> bool {
        matches!(
            self,
            Self::PercpuHash | Self::PercpuArray | Self::LruPercpuHash
        )
    }

    pub fn is_array(self) -> bool {
        matches!(self, Self::Array | Self::PercpuArray)
    }

    pub fn is_lru(self) -> bool {
        matches!(self, Self::LruHash | Self::LruPercpuHash)
    }

    /// Keyless FIFO/LIFO maps: push, pop and peek only.
    pub fn is_queue_like(self) -> bool {
        matches!(self, Self::Queue | Self::Stack)
    }

    /// Maps whose values are other maps (userspace reads the inner map's id).
    pub fn is_map_of_maps(self) -> bool {
        matches!(self, Self::ArrayOfMaps | Self::HashOfMaps)
    }

    /// Maps whose values are fds on update and object ids on lookup: insert and edit
    /// with typed values make no sense for them.
    pub fn holds_objects(self) -> bool {
        self.is_map_of_maps() || self == Self::ProgArray
    }

    /// Whether mapinspect can list this map's entries (GET_NEXT_KEY + lookup, or batches).
    pub fn is_listable(self) -> bool {
        self.unlisted_reason().is_none()
    }

    /// Kept for callers that ask the old question: the entry-reading types.
    pub fn is_readable(self) -> bool {
        self.is_listable()
    }

    /// Whether the map's contents may be changed with the generic insert/edit/delete.
    pub fn is_editable(self) -> bool {
        self.is_listable()
            && !self.holds_objects()
            && !matches!(
                self,
                Self::StackTrace | Self::Other(TASK_STORAGE | CGRP_STORAGE)
            )
    }

    /// TASK_STORAGE: keys are pidfds, read for every live process (shown as pids).
    pub fn is_task_storage(self) -> bool {
        self == Self::Other(TASK_STORAGE)
    }

    /// CGRP_STORAGE: keys are cgroup fds, read for every cgroup2 cgroup (shown as ids).
    pub fn is_cgrp_storage(self) -> bool {
        self == Self::Other(CGRP_STORAGE)
    }

    /// Why the entries of a map of this type are not listed, in one sentence: the kernel's
    /// reason, and what mapinspect shows instead.
    pub fn unlisted_reason(self) -> Option<&'static str> {
        Some(match self {
            Self::Hash
            | Self::Array
            | Self::PercpuHash
            | Self::PercpuArray
            | Self::LruHash
            | Self::LruPercpuHash
            | Self::Queue
            | Self::Stack
            | Self::ProgArray
            | Self::StackTrace
            | Self::LpmTrie
            | Self::ArrayOfMaps
            | Self::HashOfMaps
            | Self::Other(14 | 16 | 25 | TASK_STORAGE | CGRP_STORAGE) => return None,
            Self::PerfEventArray => {
                "a perf_event_array holds perf event fds: its keys walk every index, set or \
                 not, and the kernel refuses lookups from userspace (ENOTSUPP), so which slots \
                 are set cannot be read"
            }
            Self::CgroupArray => {
                "a cgroup_array holds cgroup references: its keys walk every index, set or \
                 not, and the kernel refuses lookups from userspace (ENOTSUPP), so which \
                 cgroups are set cannot be read"
            }
            Self::Ringbuf | Self::UserRingbuf => {
                "a ring buffer has no keys: its records are read by consuming them, so \
                 mapinspect shows the ring's size and positions (read-only) instead"
            }
            Self::BloomFilter => {
                "a bloom filter stores hashes, not values: it cannot be listed, only asked \
                 whether a value may be in it (l) or given one (i)"
            }
            Self::Other(raw) => other_reason(raw),
        })
    }
}

/// The one-sentence reason for the types without their own variant.
fn other_reason(raw: u32) -> &'static str {
    match raw {
        15 | 18 | 20 | 17 => {
            "a socket map (sockmap, sockhash, xskmap, reuseport_sockarray) holds sockets: \
             userspace lookups return socket cookies at best, and mapinspect does not list them"
        }
        19 | 21 => {
            "cgroup_storage (deprecated) is keyed by a program's attachment and only reachable \
             while attached: mapinspect does not list it"
        }
        24 => {
            "sk_storage lives on each socket, not in the map: userspace reads a value only \
             through an fd of that socket, and the sockets other processes hold have no fd \
             here (the map has no keys to walk), so its values are not listed"
        }
        28 => {
            "inode_storage lives on each inode, not in the map: userspace reads a value only \
             through an fd of that file, and nothing lists which files have one (the map has \
             no keys to walk), so its values are not listed"
        }
        26 => {
            "a struct_ops map holds a kernel ops table implemented by BPF programs: its one \
             value is the ops struct, shown by bpftool struct_ops dump, not listed here"
        }
        33 => {
            "an arena is memory shared by programs and userspace through mmap: it has no \
             entries to list"
        }
        34 => "an insn_array holds instruction offsets for jump tables: not listed here",
        _ => "mapinspect does not know this map type: only its metadata is shown",
    }
}

/// Map flags worth naming (BPF_F_* in include/uapi/linux/bpf.h).
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    const NAMES: [(u32, &str); 6] = [
        (1 << 0, "NO_PREALLOC"),
        (1 << 1, "NO_COMMON_LRU"),
        (1 << 2, "NUMA_NODE"),
        (1 << 3, "RDONLY"),
        (1 << 4, "WRONLY"),
        (1 << 7, "RDONLY_PROG"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_know_their_capabilities() {
        assert_eq!(MapKind::from_raw(9), MapKind::LruHash);
        assert!(MapKind::LruPercpuHash.is_percpu() && MapKind::LruPercpuHash.is_lru());
        assert!(MapKind::from_raw(11).is_listable());
        assert!(!MapKind::from_raw(27).is_listable());
        assert!(!MapKind::ArrayOfMaps.is_editable());
        // Task and cgroup storage are read through fds of their owners; not edited.
        let cgrp = MapKind::from_raw(32);
        assert!(cgrp.is_cgrp_storage() && cgrp.is_listable() && !cgrp.is_editable());
        // Socket and inode storage say why not, each in its own words.
        let sk = MapKind::from_raw(24).unlisted_reason().unwrap();
        let inode = MapKind::from_raw(28).unlisted_reason().unwrap();
        assert!(sk.starts_with("sk_storage") && inode.starts_with("inode_storage"));
    }

    #[test]
    fn every_kernel_type_is_named_and_round_trips() {
        assert_eq!(MapKind::from_raw(27).label(), "ringbuf");
        assert_eq!(MapKind::from_raw(11).label(), "lpm_trie");
        assert_eq!(MapKind::from_raw(29).label(), "task_storage");
        assert_eq!(MapKind::from_raw(32).label(), "cgrp_storage");
        assert_eq!(MapKind::from_raw(33).label(), "arena");
        assert_eq!(MapKind::from_raw(99).label(), "unknown (99)");
        for raw in 1..NAMES.len() as u32 {
            let kind = MapKind::from_raw(raw);
            assert_eq!(kind.raw(), raw);
            assert!(!kind.label().starts_with("unknown"), "type {raw}");
            // Every type without a listing says why.
            assert!(kind.is_listable() || kind.unlisted_reason().is_some());
        }
    }

    #[test]
    fn flags_are_named() {
        assert_eq!(flag_names(0b10), vec!["NO_COMMON_LRU"]);
        assert!(flag_names(0).is_empty());
    }
}
