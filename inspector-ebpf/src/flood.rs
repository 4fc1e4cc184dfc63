//! The kernel-side flood: userspace runs this raw tracepoint program with BPF_PROG_TEST_RUN
//! (args: target, count) on a CPU of its choice, and reads the outcome from FLOOD_RESULT.
use core::ffi::c_void;

use aya_ebpf::{
    helpers::{bpf_get_smp_processor_id, generated::bpf_loop},
    macros::raw_tracepoint,
    programs::RawTracePointContext,
};
use shared::{FloodResult, FloodTarget, flood_value};

use crate::maps::{EXP_HASH, EXP_LRU, EXP_LRU_PERCPU, EXP_NOCOMMON, FLOOD_RESULT};

/// bpf_loop's own ceiling (BPF_MAX_LOOPS).
const MAX_LOOPS: u32 = 1 << 23;

#[raw_tracepoint]
pub fn flood(ctx: RawTracePointContext) -> i32 {
    let target: u64 = ctx.arg(0);
    let count: u64 = ctx.arg(1);
    let Some(target) = FloodTarget::from_u32(target as u32) else {
        return 1;
    };
    let mut state = FloodResult {
        target: target as u32,
        attempted: (count as u32).min(MAX_LOOPS),
        // SAFETY: no side effects; reads the current CPU id.
        cpu: unsafe { bpf_get_smp_processor_id() },
        ..FloodResult::default()
    };
    let callback = match target {
        FloodTarget::Hash => insert_hash as *mut c_void,
        FloodTarget::Lru => insert_lru as *mut c_void,
        FloodTarget::LruNoCommon => insert_lru_nocommon as *mut c_void,
        FloodTarget::LruPercpu => insert_lru_percpu as *mut c_void,
    };
    let state_ptr = (&raw mut state).cast::<c_void>();
    // SAFETY: the callback has bpf_loop's signature and only touches `state`.
    unsafe { bpf_loop(state.attempted, callback, state_ptr, 0) };
    match FLOOD_RESULT.set(0, state, 0) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// One bpf_loop callback per map: the verifier needs each map pointer to be a constant.
macro_rules! flood_callback {
    ($name:ident, $map:ident) => {
        extern "C" fn $name(index: u64, state: *mut c_void) -> i64 {
            // SAFETY: bpf_loop passes back the pointer given to it above.
            let state = unsafe { &mut *state.cast::<FloodResult>() };
            let key = index as u32 + 1;
            record(state, key, $map.insert(key, flood_value(key), 0));
            0
        }
    };
}

flood_callback!(insert_hash, EXP_HASH);
flood_callback!(insert_lru, EXP_LRU);
flood_callback!(insert_lru_nocommon, EXP_NOCOMMON);
flood_callback!(insert_lru_percpu, EXP_LRU_PERCPU);

fn record(state: &mut FloodResult, key: u32, outcome: Result<(), i32>) {
    match outcome {
        Ok(()) => state.inserted += 1,
        Err(errno) => {
            if state.failed == 0 {
                state.first_error = errno;
                state.first_failed_key = key;
            }
            state.failed += 1;
        }
    }
}
