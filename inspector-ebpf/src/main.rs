//! mapinspect's eBPF programs: tracepoints that keep one map of every major type live,
//! and a raw tracepoint program that userspace runs on demand to flood a map.
#![no_std]
#![no_main]

mod flood;
mod maps;
mod tracepoints;
mod typed;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // SAFETY: the verifier rejects any program that could reach a panic.
    unsafe { core::hint::unreachable_unchecked() }
}

// GPL-compatible: bpf_probe_read_user_str is a GPL-only helper.
#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
