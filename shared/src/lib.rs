//! Types shared by mapinspect (userspace) and its eBPF programs.
//!
//! Every type here is `#[repr(C)]` with explicit padding, so both sides agree on the bytes
//! and the kernel's BTF describes them field by field. The `user` feature adds
//! `aya::Pod` impls so userspace can read and write them in maps.
#![no_std]

/// Length of a task's `comm` (kernel TASK_COMM_LEN).
pub const COMM_LEN: usize = 16;
/// Bytes of an exec'd path kept per pid (longer paths are cut).
pub const FILENAME_LEN: usize = 64;

/// max_entries of the HASH / LRU pair that a flood fills (../shared/notes/maps.md).
pub const EXPERIMENT_MAX_ENTRIES: u32 = 1003;
/// Slots in the exit-code array: one per possible exit status.
pub const EXIT_CODE_SLOTS: u32 = 256;

/// The names of the maps in the bundled object, as userspace finds them.
pub mod map_names {
    /// HASH: pid -> [`super::ExecInfo`].
    pub const EXECS: &str = "EXECS";
    /// ARRAY: exit status -> number of exit_group calls with it.
    pub const EXIT_CODES: &str = "EXIT_CODES";
    /// PERCPU_HASH: pid -> [`super::PidActivity`] per CPU.
    pub const PID_ACTIVITY: &str = "PID_ACTIVITY";
    /// PERCPU_ARRAY: [`super::EventKind`] -> count per CPU.
    pub const EVENTS: &str = "EVENTS";
    /// LRU_HASH: [`super::CommKey`] -> [`super::CommStats`].
    pub const COMM_STATS: &str = "COMM_STATS";
    /// LRU_PERCPU_HASH: [`super::CommKey`] -> openat count per CPU.
    pub const COMM_OPENS: &str = "COMM_OPENS";
    /// QUEUE of [`super::ExecEvent`], oldest first.
    pub const RECENT_EXECS: &str = "RECENT_EXECS";
    /// STACK of [`super::ExitEvent`], newest on top.
    pub const RECENT_EXITS: &str = "RECENT_EXITS";
    /// HASH u32 -> u32, max_entries 1003: refuses the 1004th key.
    pub const EXP_HASH: &str = "EXP_HASH";
    /// LRU_HASH u32 -> u32, max_entries 1003: evicts instead.
    pub const EXP_LRU: &str = "EXP_LRU";
    /// LRU_HASH with BPF_F_NO_COMMON_LRU: one LRU list per CPU.
    pub const EXP_NOCOMMON: &str = "EXP_NOCOMMON";
    /// LRU_PERCPU_HASH u32 -> u32.
    pub const EXP_LRU_PERCPU: &str = "EXP_LRU_PERCPU";
    /// ARRAY of one [`super::FloodResult`]: what the last kernel-side flood did.
    pub const FLOOD_RESULT: &str = "FLOOD_RESULT";

    /// Display order: the live maps by type, then the experiment, then internals.
    pub const ALL: [&str; 13] = [
        EXECS,
        EXIT_CODES,
        PID_ACTIVITY,
        EVENTS,
        COMM_STATS,
        COMM_OPENS,
        RECENT_EXECS,
        RECENT_EXITS,
        EXP_HASH,
        EXP_LRU,
        EXP_NOCOMMON,
        EXP_LRU_PERCPU,
        FLOOD_RESULT,
    ];
}

/// Name of the raw tracepoint program that floods a map when userspace runs it.
pub const FLOOD_PROGRAM: &str = "flood";

/// Which map the kernel-side flood program fills (its first argument).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloodTarget {
    Hash = 0,
    Lru = 1,
    LruNoCommon = 2,
    LruPercpu = 3,
}

impl FloodTarget {
    pub const ALL: [FloodTarget; 4] = [Self::Hash, Self::Lru, Self::LruNoCommon, Self::LruPercpu];

    /// The map this target floods.
    pub const fn map_name(self) -> &'static str {
        match self {
            Self::Hash => map_names::EXP_HASH,
            Self::Lru => map_names::EXP_LRU,
            Self::LruNoCommon => map_names::EXP_NOCOMMON,
            Self::LruPercpu => map_names::EXP_LRU_PERCPU,
        }
    }

    pub const fn from_u32(raw: u32) -> Option<Self> {
        match raw {
            0 => Some(Self::Hash),
            1 => Some(Self::Lru),
            2 => Some(Self::LruNoCommon),
            3 => Some(Self::LruPercpu),
            _ => None,
        }
    }
}

/// The value of a flooded key: the classic experiment stores key * 11.
pub const fn flood_value(key: u32) -> u32 {
    key.wrapping_mul(11)
}

/// Slots of the EVENTS per-CPU array.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Exec = 0,
    Open = 1,
    Fork = 2,
    Exit = 3,
}

impl EventKind {
    pub const COUNT: u32 = 4;
    pub const ALL: [EventKind; 4] = [Self::Exec, Self::Open, Self::Fork, Self::Exit];

    pub const fn label(self) -> &'static str {
        match self {
            Self::Exec => "exec",
            Self::Open => "openat",
            Self::Fork => "fork",
            Self::Exit => "exit",
        }
    }
}

/// EXECS value: what a pid exec'd, and how often.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecInfo {
    pub count: u64,
    pub last_seen_ns: u64,
    pub uid: u32,
    pub cpu: u32,
    /// The path passed to the last execve, NUL-padded.
    pub filename: [u8; FILENAME_LEN],
}

/// PID_ACTIVITY value (one per CPU).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PidActivity {
    pub execs: u64,
    pub opens: u64,
}

/// Key of the per-command maps: a task's comm, NUL-padded.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommKey {
    pub comm: [u8; COMM_LEN],
}

/// COMM_STATS value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommStats {
    pub execs: u64,
    pub opens: u64,
    pub exits: u64,
    pub last_pid: u32,
    pub _pad: u32,
}

/// RECENT_EXECS element.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecEvent {
    pub pid: u32,
    pub uid: u32,
    pub ts_ns: u64,
    pub comm: [u8; COMM_LEN],
}

/// RECENT_EXITS element.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitEvent {
    pub pid: u32,
    pub code: i32,
    pub comm: [u8; COMM_LEN],
}

/// FLOOD_RESULT value: the outcome of the last kernel-side flood.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloodResult {
    pub target: u32,
    pub attempted: u32,
    pub inserted: u32,
    pub failed: u32,
    /// Negative errno of the first failed insert, 0 if none failed.
    pub first_error: i32,
    /// Key of the first failed insert, 0 if none failed.
    pub first_failed_key: u32,
    /// CPU the flood ran on.
    pub cpu: u32,
    pub _pad: u32,
}

#[cfg(feature = "user")]
mod pod {
    use super::*;
    // Each is repr(C) and Copy, with explicit padding fields and no pointers: any bytes
    // of the right size are a valid value, which is what Pod promises.
    // SAFETY: see above.
    unsafe impl aya::Pod for ExecInfo {}
    // SAFETY: see above.
    unsafe impl aya::Pod for PidActivity {}
    // SAFETY: see above.
    unsafe impl aya::Pod for CommKey {}
    // SAFETY: see above.
    unsafe impl aya::Pod for CommStats {}
    // SAFETY: see above.
    unsafe impl aya::Pod for ExecEvent {}
    // SAFETY: see above.
    unsafe impl aya::Pod for ExitEvent {}
    // SAFETY: see above.
    unsafe impl aya::Pod for FloodResult {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    // The kernel's BTF and userspace decoding rely on these exact sizes (no hidden padding).
    #[test]
    fn layouts_have_no_hidden_padding() {
        assert_eq!(size_of::<ExecInfo>(), 8 + 8 + 4 + 4 + FILENAME_LEN);
        assert_eq!(size_of::<PidActivity>(), 16);
        assert_eq!(size_of::<CommKey>(), COMM_LEN);
        assert_eq!(size_of::<CommStats>(), 32);
        assert_eq!(size_of::<ExecEvent>(), 16 + COMM_LEN);
        assert_eq!(size_of::<ExitEvent>(), 8 + COMM_LEN);
        assert_eq!(size_of::<FloodResult>(), 32);
    }

    #[test]
    fn map_names_fit_the_kernels_15_characters() {
        // BPF_OBJ_NAME_LEN is 16 with the NUL: a longer name is silently cut.
        for name in map_names::ALL {
            assert!(name.len() <= 15, "{name} is {} characters", name.len());
        }
    }

    #[test]
    fn flood_targets_round_trip() {
        for target in FloodTarget::ALL {
            assert_eq!(FloodTarget::from_u32(target as u32), Some(target));
        }
        assert_eq!(FloodTarget::from_u32(4), None);
        assert_eq!(flood_value(1004), 11044);
    }
}
