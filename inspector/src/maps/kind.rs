//! BPF map types and what each one supports from userspace.

/// A map's type, with the ones mapinspect understands named.
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
    /// Any other type, by its number (shown, not read).
    Other(u32),
}

impl MapKind {
    /// From `enum bpf_map_type` (include/uapi/linux/bpf.h).
    pub fn from_raw(raw: u32) -> Self {
        match raw {
            1 => Self::Hash,
            2 => Self::Array,
            5 => Self::PercpuHash,
            6 => Self::PercpuArray,
            9 => Self::LruHash,
            10 => Self::LruPercpuHash,
            22 => Self::Queue,
            23 => Self::Stack,
            other => Self::Other(other),
        }
    }

    /// The kernel's name without the BPF_MAP_TYPE_ prefix, as bpftool prints it.
    pub fn label(self) -> String {
        match self {
            Self::Hash => "hash".into(),
            Self::Array => "array".into(),
            Self::PercpuHash => "percpu_hash".into(),
            Self::PercpuArray => "percpu_array".into(),
            Self::LruHash => "lru_hash".into(),
            Self::LruPercpuHash => "lru_percpu_hash".into(),
            Self::Queue => "queue".into(),
            Self::Stack => "stack".into(),
            Self::Other(raw) => format!("type {raw}"),
        }
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

    /// Whether mapinspect can list this map's contents.
    pub fn is_readable(self) -> bool {
        !matches!(self, Self::Other(_))
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
        assert_eq!(MapKind::from_raw(27).label(), "type 27");
        assert!(!MapKind::from_raw(27).is_readable());
    }

    #[test]
    fn flags_are_named() {
        assert_eq!(flag_names(0b10), vec!["NO_COMMON_LRU"]);
        assert!(flag_names(0).is_empty());
    }
}
