//! Element counts of every map on the host in one read: a BPF iterator (`iter/bpf_map`)
//! that calls the kfunc `bpf_map_sum_elem_count` (kernel 6.6+) on each map and writes
//! `(map id, count)` pairs to its seq file, as the kernel selftest `map_percpu_stats.c` does.
//!
//! Why raw instructions and not the bundled object: aya 0.14 loads `iter/` programs, but its
//! loader (aya-obj 0.3) resolves no kfunc (`.ksyms`) calls, so neither a Rust nor a C object
//! can reach the kfunc through it. The program is sixteen instructions; the three numbers it
//! needs from the running kernel (the ids of the kfunc and of the `bpf_iter_bpf_map` attach
//! point, and where `id` sits in `struct bpf_map`) come from its BTF, so nothing is guessed.
use std::{collections::HashMap, fs::File, io::Read as _};

use super::*;

const BPF_PROG_LOAD: u32 = 5;
const BPF_LINK_CREATE: u32 = 28;
const BPF_ITER_CREATE: u32 = 33;
const BPF_PROG_TYPE_TRACING: u32 = 26;
const BPF_TRACE_ITER: u32 = 28;
/// `src_reg` of a call instruction whose `imm` is a kfunc's BTF id (vmlinux when off = 0).
const BPF_PSEUDO_KFUNC_CALL: u8 = 2;
/// Helper `bpf_seq_write(seq, data, len)`.
const HELPER_SEQ_WRITE: i32 = 127;

/// What the program needs from the running kernel's BTF.
#[derive(Clone, Copy, Debug)]
pub struct IterTargets {
    /// BTF id of the FUNC `bpf_iter_bpf_map` (the attach point).
    pub attach_btf_id: u32,
    /// BTF id of the FUNC `bpf_map_sum_elem_count`.
    pub kfunc_btf_id: u32,
    /// Byte offset of `id` (u32) in `struct bpf_map`.
    pub map_id_offset: i16,
}

/// A loaded and attached map-count iterator; each [`CountIter::read`] walks every map anew.
pub struct CountIter {
    _prog: OwnedFd,
    link: OwnedFd,
}

#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
    prog_btf_fd: u32,
    func_info_rec_size: u32,
    func_info: u64,
    func_info_cnt: u32,
    line_info_rec_size: u32,
    line_info: u64,
    line_info_cnt: u32,
    attach_btf_id: u32,
}

#[repr(C)]
#[derive(Default)]
struct LinkCreateAttr {
    prog_fd: u32,
    target_fd: u32,
    attach_type: u32,
    flags: u32,
    /// `iter_info` and its length: none for the bpf_map iterator.
    iter_info: u64,
    iter_info_len: u32,
}

#[repr(C)]
#[derive(Default)]
struct IterCreateAttr {
    link_fd: u32,
    flags: u32,
}

/// One eBPF instruction: opcode, dst/src registers, offset, immediate.
#[derive(Clone, Copy)]
#[repr(C)]
struct Insn {
    code: u8,
    regs: u8,
    off: i16,
    imm: i32,
}

const fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn {
        code,
        regs: (src << 4) | dst,
        off,
        imm,
    }
}

// Opcodes (class | size | mode / op | source) from include/uapi/linux/bpf_common.h.
const LDX_DW: u8 = 0x79;
const LDX_W: u8 = 0x61;
const STX_DW: u8 = 0x7b;
const MOV64_REG: u8 = 0xbf;
const MOV64_IMM: u8 = 0xb7;
const ADD64_IMM: u8 = 0x07;
const JEQ_IMM: u8 = 0x15;
const CALL: u8 = 0x85;
const EXIT: u8 = 0x95;
const FP: u8 = 10;

/// The program: for each map, `[fp-16] = map->id; [fp-8] = bpf_map_sum_elem_count(map);
/// bpf_seq_write(seq, fp-16, 16)`.
fn program(t: IterTargets) -> Vec<Insn> {
    vec![
        // r6 = ctx; r7 = ctx->map (NULL at the end of the walk)
        insn(MOV64_REG, 6, 1, 0, 0),
        insn(LDX_DW, 7, 6, 8, 0),
        insn(JEQ_IMM, 7, 0, 11, 0),
        // r0 = bpf_map_sum_elem_count(map)
        insn(MOV64_REG, 1, 7, 0, 0),
        insn(CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, t.kfunc_btf_id as i32),
        insn(STX_DW, FP, 0, -8, 0),
        // [fp-16] = map->id (u32, widened)
        insn(LDX_W, 2, 7, t.map_id_offset, 0),
        insn(STX_DW, FP, 2, -16, 0),
        // bpf_seq_write(ctx->meta->seq, fp-16, 16)
        insn(LDX_DW, 1, 6, 0, 0),
        insn(LDX_DW, 1, 1, 0, 0),
        insn(MOV64_REG, 2, FP, 0, 0),
        insn(ADD64_IMM, 2, 0, 0, -16),
        insn(MOV64_IMM, 3, 0, 0, 16),
        insn(CALL, 0, 0, 0, HELPER_SEQ_WRITE),
        // return 0
        insn(MOV64_IMM, 0, 0, 0, 0),
        insn(EXIT, 0, 0, 0, 0),
    ]
}

impl CountIter {
    /// Loads and attaches the iterator; the error carries the verifier's log when it refuses.
    pub fn load(targets: IterTargets) -> Result<Self, SysError> {
        let insns = program(targets);
        let license = c"GPL";
        let mut log = vec![0u8; 1 << 16];
        let mut attr = ProgLoadAttr {
            prog_type: BPF_PROG_TYPE_TRACING,
            insn_cnt: insns.len() as u32,
            insns: insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            log_level: 1,
            log_size: log.len() as u32,
            log_buf: log.as_mut_ptr() as u64,
            expected_attach_type: BPF_TRACE_ITER,
            attach_btf_id: targets.attach_btf_id,
            ..Default::default()
        };
        attr.prog_name[..10].copy_from_slice(b"map_counts");
        let prog = bpf("load map-count iterator", BPF_PROG_LOAD, &mut attr)
            .map(owned_fd)
            .map_err(|mut err| {
                let text = object_name(&log);
                if !text.is_empty() {
                    let last = text.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
                    err.source =
                        io::Error::new(err.source.kind(), format!("{}; {last}", err.source));
                }
                err
            })?;
        let mut attr = LinkCreateAttr {
            prog_fd: raw(prog.as_fd()),
            attach_type: BPF_TRACE_ITER,
            ..Default::default()
        };
        let link = bpf("attach map-count iterator", BPF_LINK_CREATE, &mut attr).map(owned_fd)?;
        Ok(Self { _prog: prog, link })
    }

    /// Walks every map on the host once: map id -> element count as the kernel keeps it
    /// (0 for map types that keep no counter).
    pub fn read(&self) -> Result<HashMap<u32, u64>, SysError> {
        let mut attr = IterCreateAttr {
            link_fd: raw(self.link.as_fd()),
            flags: 0,
        };
        let fd = bpf("open map-count iterator", BPF_ITER_CREATE, &mut attr).map(owned_fd)?;
        let mut bytes = Vec::new();
        File::from(fd)
            .read_to_end(&mut bytes)
            .map_err(|source| SysError {
                op: "read map-count iterator",
                source,
            })?;
        Ok(parse_records(&bytes))
    }
}

/// `(id: u64, count: i64)` records, native endian, as the program writes them.
fn parse_records(bytes: &[u8]) -> HashMap<u32, u64> {
    bytes
        .chunks_exact(16)
        .map(|rec| {
            let id = u64::from_ne_bytes(rec[..8].try_into().unwrap_or_default());
            let count = i64::from_ne_bytes(rec[8..].try_into().unwrap_or_default());
            (id as u32, count.max(0) as u64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_and_a_torn_tail_is_ignored() {
        let mut bytes = Vec::new();
        for (id, count) in [(3u64, 10i64), (7, 0), (9, -1)] {
            bytes.extend(id.to_ne_bytes());
            bytes.extend(count.to_ne_bytes());
        }
        bytes.extend([1, 2, 3]);
        let counts = parse_records(&bytes);
        assert_eq!(counts.len(), 3);
        assert_eq!((counts[&3], counts[&7], counts[&9]), (10, 0, 0));
    }

    #[test]
    fn the_null_check_jumps_to_the_exit() {
        let t = IterTargets {
            attach_btf_id: 1,
            kfunc_btf_id: 2,
            map_id_offset: 4,
        };
        let insns = program(t);
        let jump = &insns[2];
        let target = 2 + 1 + jump.off as usize;
        assert_eq!(insns[target].code, MOV64_IMM, "lands on `r0 = 0`");
        assert_eq!(insns.last().unwrap().code, EXIT);
    }
}
