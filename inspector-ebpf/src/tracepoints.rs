//! Tracepoint handlers that feed the live maps from real kernel activity.
//!
//! Offsets are those of /sys/kernel/tracing/events/<category>/<name>/format.
use aya_ebpf::{
    bindings::BPF_EXIST,
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
        bpf_get_smp_processor_id, bpf_ktime_get_ns, bpf_probe_read_user_str_bytes,
    },
    macros::tracepoint,
    programs::TracePointContext,
};
use shared::{
    CommKey, CommStats, EventKind, ExecEvent, ExecInfo, ExitEvent, FILENAME_LEN, PidActivity,
};

use crate::maps::{
    COMM_OPENS, COMM_STATS, EVENTS, EXECS, EXIT_CODES, PID_ACTIVITY, RECENT_EXECS, RECENT_EXITS,
};

const BPF_NOEXIST: u64 = aya_ebpf::bindings::BPF_NOEXIST as u64;
/// sys_enter_execve: `const char *filename` at offset 16.
const EXECVE_FILENAME: usize = 16;
/// sys_enter_exit_group: `int error_code` at offset 16.
const EXIT_GROUP_CODE: usize = 16;

#[tracepoint(category = "syscalls", name = "sys_enter_execve")]
pub fn on_execve(ctx: TracePointContext) -> u32 {
    try_on_execve(&ctx).unwrap_or(1)
}

#[tracepoint(category = "syscalls", name = "sys_enter_openat")]
pub fn on_openat(ctx: TracePointContext) -> u32 {
    let pid = current_pid();
    crate::typed::on_open(&ctx, pid);
    count_event(EventKind::Open);
    bump_pid_activity(pid, |a| a.opens += 1);
    let key = current_comm();
    with_comm_stats(&key, pid, |s| s.opens += 1);
    match COMM_OPENS.get_ptr_mut(key) {
        // SAFETY: per-CPU value, only this CPU writes it while we run.
        Some(opens) => unsafe { *opens += 1 },
        None => {
            let _ = COMM_OPENS.insert(key, 1u64, BPF_NOEXIST);
        }
    }
    0
}

#[tracepoint(category = "sched", name = "sched_process_fork")]
pub fn on_fork(_ctx: TracePointContext) -> u32 {
    count_event(EventKind::Fork);
    0
}

#[tracepoint(category = "syscalls", name = "sys_enter_exit_group")]
pub fn on_exit_group(ctx: TracePointContext) -> u32 {
    // SAFETY: offset from the tracepoint's format file; the field is 8 bytes wide.
    let code = unsafe { ctx.read_at::<u64>(EXIT_GROUP_CODE) }.unwrap_or(0) as i32;
    let pid = current_pid();
    count_event(EventKind::Exit);
    if let Some(slot) = EXIT_CODES.get_ptr_mut((code & 0xff) as u32) {
        // SAFETY: the slot lives as long as the map. Not atomic (no fetch_add for the BPF
        // target here): two CPUs exiting with the same status at once may lose one count.
        unsafe { *slot += 1 };
    }
    let comm = current_comm();
    with_comm_stats(&comm, pid, |s| s.exits += 1);
    let event = ExitEvent {
        pid,
        code,
        comm: comm.comm,
    };
    // BPF_EXIST: when full, drop the oldest rather than lose the newest.
    let _ = RECENT_EXITS.push(event, BPF_EXIST.into());
    0
}

/// A process is gone: forget its pid, so the per-pid maps hold live processes and never
/// fill up with the dead (the classic leak of pid-keyed BPF maps).
#[tracepoint(category = "sched", name = "sched_process_exit")]
pub fn on_process_exit(_ctx: TracePointContext) -> u32 {
    // The main thread (tid == tgid) exiting is the process going; this needs no field of
    // the tracepoint's format, which differs between kernel versions.
    let pid_tgid = bpf_get_current_pid_tgid();
    let (tgid, tid) = ((pid_tgid >> 32) as u32, pid_tgid as u32);
    if tgid == tid {
        let _ = EXECS.remove(tgid);
        let _ = PID_ACTIVITY.remove(tgid);
    }
    0
}

fn try_on_execve(ctx: &TracePointContext) -> Result<u32, i64> {
    let pid = current_pid();
    let uid = bpf_get_current_uid_gid() as u32;
    // SAFETY: no side effects; BPF helper reads the current CPU id.
    let cpu = unsafe { bpf_get_smp_processor_id() };
    // SAFETY: same as above, reads the monotonic clock.
    let now = unsafe { bpf_ktime_get_ns() };
    count_event(EventKind::Exec);
    bump_pid_activity(pid, |a| a.execs += 1);

    let mut filename = [0u8; FILENAME_LEN];
    // SAFETY: offset from the tracepoint's format file; the pointer is user memory.
    let path: *const u8 = unsafe { ctx.read_at(EXECVE_FILENAME) }.map_err(i64::from)?;
    // SAFETY: the helper bounds the copy to the buffer and faults safely.
    let _ = unsafe { bpf_probe_read_user_str_bytes(path, &mut filename) };

    match EXECS.get_ptr_mut(pid) {
        // SAFETY: the pointer is to this pid's value; concurrent execs of one pid cannot happen.
        Some(info) => unsafe {
            (*info).count += 1;
            (*info).last_seen_ns = now;
            (*info).uid = uid;
            (*info).cpu = cpu;
            (*info).filename = filename;
        },
        None => {
            let info = ExecInfo {
                count: 1,
                last_seen_ns: now,
                uid,
                cpu,
                filename,
            };
            // A full map (E2BIG) must not stop the other maps' updates below.
            let _ = EXECS.insert(pid, info, 0);
        }
    }

    let comm = current_comm();
    with_comm_stats(&comm, pid, |s| s.execs += 1);
    let event = ExecEvent {
        pid,
        uid,
        ts_ns: now,
        comm: comm.comm,
    };
    let _ = RECENT_EXECS.push(event, BPF_EXIST.into());
    crate::typed::on_exec(&event);
    Ok(0)
}

/// The thread group id: what userspace calls the pid.
fn current_pid() -> u32 {
    (bpf_get_current_pid_tgid() >> 32) as u32
}

fn current_comm() -> CommKey {
    CommKey {
        comm: bpf_get_current_comm().unwrap_or([0; 16]),
    }
}

fn count_event(kind: EventKind) {
    if let Some(count) = EVENTS.get_ptr_mut(kind as u32) {
        // SAFETY: per-CPU slot, only this CPU writes it while we run.
        unsafe { *count += 1 };
    }
}

fn bump_pid_activity(pid: u32, bump: impl FnOnce(&mut PidActivity)) {
    match PID_ACTIVITY.get_ptr_mut(pid) {
        // SAFETY: per-CPU value, only this CPU writes it while we run.
        Some(activity) => bump(unsafe { &mut *activity }),
        None => {
            let mut activity = PidActivity::default();
            bump(&mut activity);
            let _ = PID_ACTIVITY.insert(pid, activity, BPF_NOEXIST);
        }
    }
}

fn with_comm_stats(comm: &CommKey, pid: u32, bump: impl FnOnce(&mut CommStats)) {
    match COMM_STATS.get_ptr_mut(comm) {
        // SAFETY: shared value; a lost update between CPUs only skews a live statistic.
        Some(stats) => unsafe {
            bump(&mut *stats);
            (*stats).last_pid = pid;
        },
        None => {
            let mut stats = CommStats {
                last_pid: pid,
                ..CommStats::default()
            };
            bump(&mut stats);
            let _ = COMM_STATS.insert(comm, stats, BPF_NOEXIST);
        }
    }
}
