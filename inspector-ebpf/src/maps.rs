//! Every map of the bundled object: one of each major type, plus the flood experiment.
use aya_ebpf::{
    bindings::BPF_F_NO_COMMON_LRU,
    btf_maps::{
        Array, HashMap, LruHashMap, LruPerCpuHashMap, PerCpuArray, PerCpuHashMap, Queue, Stack,
    },
    macros::btf_map,
};
use shared::{
    CommKey, CommStats, EXIT_CODE_SLOTS, EXPERIMENT_MAX_ENTRIES, ExecEvent, ExecInfo, ExitEvent,
    FloodResult, PidActivity,
};

const EXP: usize = EXPERIMENT_MAX_ENTRIES as usize;

/// pid -> what it exec'd, for live processes (removed when the process exits).
#[btf_map]
pub static EXECS: HashMap<u32, ExecInfo, 1024> = HashMap::new();

/// exit status -> how many exit_group calls used it.
#[btf_map]
pub static EXIT_CODES: Array<u64, { EXIT_CODE_SLOTS as usize }> = Array::new();

/// pid -> execs and opens, counted on the CPU they happened on (removed at exit).
#[btf_map]
pub static PID_ACTIVITY: PerCpuHashMap<u32, PidActivity, 1024> = PerCpuHashMap::new();

/// EventKind -> events seen on each CPU.
#[btf_map]
pub static EVENTS: PerCpuArray<u64, { shared::EventKind::COUNT as usize }> = PerCpuArray::new();

/// command name -> activity; small on purpose so the LRU evicts under everyday load.
#[btf_map]
pub static COMM_STATS: LruHashMap<CommKey, CommStats, 64> = LruHashMap::new();

/// command name -> openat calls per CPU.
#[btf_map]
pub static COMM_OPENS: LruPerCpuHashMap<CommKey, u64, 64> = LruPerCpuHashMap::new();

/// The latest execs, oldest first; when full the oldest is dropped.
#[btf_map]
pub static RECENT_EXECS: Queue<ExecEvent, 64> = Queue::new();

/// The latest exits, newest on top; when full the oldest is dropped.
#[btf_map]
pub static RECENT_EXITS: Stack<ExitEvent, 64> = Stack::new();

/// The classic experiment: a HASH refuses key max_entries + 1...
#[btf_map]
pub static EXP_HASH: HashMap<u32, u32, EXP> = HashMap::new();

/// ...while an LRU_HASH evicts, and ends far from full.
#[btf_map]
pub static EXP_LRU: LruHashMap<u32, u32, EXP> = LruHashMap::new();

/// The same LRU with one list per CPU (BPF_F_NO_COMMON_LRU).
#[btf_map]
pub static EXP_NOCOMMON: LruHashMap<u32, u32, EXP, { BPF_F_NO_COMMON_LRU as usize }> =
    LruHashMap::new();

/// A per-CPU LRU of the same size.
#[btf_map]
pub static EXP_LRU_PERCPU: LruPerCpuHashMap<u32, u32, EXP> = LruPerCpuHashMap::new();

/// What the last kernel-side flood did (slot 0).
#[btf_map]
pub static FLOOD_RESULT: Array<FloodResult, 1> = Array::new();
