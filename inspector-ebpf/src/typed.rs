//! The maps beyond keys and values, each fed by real kernel activity:
//! - `NET_PREFIXES` (LPM_TRIE): TCP state changes per destination /24, from
//!   sock/inet_sock_set_state;
//! - `PID_BUCKETS` (ARRAY_OF_MAPS) with `OPENS_EVEN` / `OPENS_ODD` (HASH) as its inner maps,
//!   put in its slots by userspace: openat calls per pid, even CPUs in one, odd in the other;
//! - `JUMP_TABLE` (PROG_ARRAY): fork tail-calls slot 0, `tail_fork`, which counts in
//!   `TAIL_CALLS`;
//! - `EXEC_RING` (RINGBUF): one record per exec (nobody consumes them: the ring fills, and
//!   the inspector shows how far);
//! - `EXEC_UIDS` (BLOOM_FILTER): the uids that ran exec;
//! - `OPEN_STACKS` (STACK_TRACE): kernel stacks of openat.
use aya_ebpf::{
    btf_maps::{
        Array, ArrayOfMaps, BloomFilter, HashMap, LpmTrie, ProgramArray, RingBuf, StackTrace,
        lpm_trie::Key,
    },
    helpers::{bpf_get_current_pid_tgid, bpf_get_current_uid_gid, bpf_get_smp_processor_id},
    macros::{btf_map, tracepoint},
    programs::{TracePointContext, tracing::StackIdContext},
};

const NOEXIST: u64 = aya_ebpf::bindings::BPF_NOEXIST as u64;
/// sock/inet_sock_set_state: `__u16 family` at 28, `__u8 daddr[4]` at 36.
const SOCK_FAMILY: usize = 28;
const SOCK_DADDR: usize = 36;
const AF_INET: u16 = 2;

#[btf_map]
pub static NET_PREFIXES: LpmTrie<[u8; 4], u32, 256> = LpmTrie::new();

type OpensByPid = HashMap<u32, u64, 256>;
#[btf_map]
pub static OPENS_EVEN: OpensByPid = HashMap::new();
#[btf_map]
pub static OPENS_ODD: OpensByPid = HashMap::new();
#[btf_map]
pub static PID_BUCKETS: ArrayOfMaps<OpensByPid, 2> = ArrayOfMaps::new();

#[btf_map]
pub static JUMP_TABLE: ProgramArray<4> = ProgramArray::new();
#[btf_map]
pub static TAIL_CALLS: Array<u64, 1> = Array::new();

#[btf_map]
pub static EXEC_RING: RingBuf<shared::ExecEvent, { 16 * 4096 }> = RingBuf::new();
#[btf_map]
pub static EXEC_UIDS: BloomFilter<u32, 256> = BloomFilter::new();
#[btf_map]
pub static OPEN_STACKS: StackTrace<256, 0, 16> = StackTrace::new();

#[tracepoint(category = "sock", name = "inet_sock_set_state")]
pub fn on_sock_state(ctx: TracePointContext) -> u32 {
    // SAFETY: offsets from the tracepoint's format file.
    let family = unsafe { ctx.read_at::<u16>(SOCK_FAMILY) }.unwrap_or(0);
    if family != AF_INET {
        return 0;
    }
    // SAFETY: as above; daddr is 4 bytes.
    let Ok(mut daddr) = (unsafe { ctx.read_at::<[u8; 4]>(SOCK_DADDR) }) else {
        return 0;
    };
    daddr[3] = 0;
    let key = Key::new(24, daddr);
    // The btf LpmTrie hands out shared references only: read, then store the next count
    // (two CPUs at once may lose one, which a live count can afford).
    let count = NET_PREFIXES.get(&key).copied().unwrap_or(0);
    let _ = NET_PREFIXES.insert(&key, count + 1, 0);
    0
}

/// Called from the openat tracepoint: per-pid counts in the inner map of this CPU's parity,
/// and the kernel stack that got here.
pub fn on_open(ctx: &TracePointContext, pid: u32) {
    // SAFETY: bpf_get_smp_processor_id has no preconditions.
    let slot = unsafe { bpf_get_smp_processor_id() } & 1;
    if let Some(inner) = PID_BUCKETS.get(slot) {
        match inner.get_ptr_mut(pid) {
            // SAFETY: the value lives as long as the inner map.
            Some(count) => unsafe { *count += 1 },
            None => {
                let _ = inner.insert(pid, 1u64, NOEXIST);
            }
        }
    }
    let _ = ctx.get_stackid(&OPEN_STACKS, 0);
}

/// Called from the exec tracepoint: a ring record and the uid in the bloom filter.
pub fn on_exec(event: &shared::ExecEvent) {
    let _ = EXEC_RING.output(event, 0);
    let uid = bpf_get_current_uid_gid() as u32;
    let _ = EXEC_UIDS.insert(uid, 0);
}

#[tracepoint(category = "sched", name = "sched_process_fork")]
pub fn on_fork_typed(ctx: TracePointContext) -> u32 {
    // SAFETY: slot 0 holds `tail_fork` (a tracepoint program too) once userspace set it;
    // before that the call fails and returns here.
    unsafe { JUMP_TABLE.tail_call(&ctx, 0) };
    0
}

/// The tail-call target: in a plain "tracepoint" section, loaded but not attached.
#[tracepoint]
pub fn tail_fork(_ctx: TracePointContext) -> u32 {
    if let Some(count) = TAIL_CALLS.get_ptr_mut(0) {
        // SAFETY: the slot lives as long as the map.
        unsafe { *count += 1 };
    }
    let _ = bpf_get_current_pid_tgid();
    0
}
