//! STACK_TRACE values (u64 instruction pointers, zero-padded to the map's depth) as frames:
//! kernel addresses symbolised from /proc/kallsyms as function+offset, user addresses as
//! addresses (their symbols live in each process's own binaries).

/// BPF_F_USER_STACK: the map holds user-space stacks.
const USER_STACK: u32 = 1 << 8;
/// BPF_F_STACK_BUILD_ID: values are `struct bpf_stack_build_id`, not bare addresses.
const STACK_BUILD_ID: u32 = 1 << 5;
/// Kernel addresses on x86_64 and arm64 live in the top half of the address space.
const KERNEL_START: u64 = 0xffff_0000_0000_0000;

/// Kernel text symbols sorted by address.
#[derive(Debug, Default)]
pub struct Kallsyms {
    symbols: Vec<(u64, String)>,
}

impl Kallsyms {
    /// Reads /proc/kallsyms; empty when unreadable or when addresses are hidden (all zero,
    /// kptr_restrict), so frames then show as addresses.
    pub fn load() -> Self {
        std::fs::read_to_string("/proc/kallsyms")
            .map(|text| Self::parse(&text))
            .unwrap_or_default()
    }

    pub fn parse(text: &str) -> Self {
        let mut symbols: Vec<(u64, String)> = text
            .lines()
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                let addr = u64::from_str_radix(parts.next()?, 16).ok()?;
                let kind = parts.next()?;
                let name = parts.next()?;
                // Text symbols only: a frame is always in code.
                (addr != 0 && matches!(kind, "t" | "T" | "w" | "W"))
                    .then(|| (addr, name.to_string()))
            })
            .collect();
        symbols.sort_unstable();
        Self { symbols }
    }

    /// `function+0x1a` for a kernel address, if a symbol covers it.
    pub fn symbolise(&self, addr: u64) -> Option<String> {
        let at = self.symbols.partition_point(|(a, _)| *a <= addr);
        let (start, name) = self.symbols.get(at.checked_sub(1)?)?;
        Some(format!("{name}+{:#x}", addr - start))
    }
}

/// The frames of one stack value, innermost first.
pub fn frames(syms: &Kallsyms, value: &[u8], flags: u32) -> Vec<String> {
    if flags & STACK_BUILD_ID != 0 {
        return vec![format!(
            "{} B of build-id frames (struct bpf_stack_build_id): shown raw",
            value.len()
        )];
    }
    value
        .chunks_exact(8)
        .map(|b| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
        .take_while(|&ip| ip != 0)
        .map(|ip| {
            let kernel = flags & USER_STACK == 0 && ip >= KERNEL_START;
            kernel
                .then(|| syms.symbolise(ip))
                .flatten()
                .unwrap_or_else(|| format!("{ip:#x}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_frames_get_function_and_offset() {
        let syms = Kallsyms::parse(
            "ffffffff81000000 T _stext\nffffffff81000100 t do_thing\n\
             ffffffff81000200 T other [mod]\nffffffff81000300 D data\n",
        );
        let value: Vec<u8> = [0xffff_ffff_8100_0110u64, 0x7f00_0000_1000, 0, 0]
            .iter()
            .flat_map(|ip| ip.to_ne_bytes())
            .collect();
        assert_eq!(
            frames(&syms, &value, 0),
            ["do_thing+0x10", "0x7f0000001000"]
        );
        // A user stack map: every frame is an address.
        assert_eq!(frames(&syms, &value, USER_STACK)[0], "0xffffffff81000110");
        assert!(frames(&syms, &[0; 16], 0).is_empty());
        // Hidden addresses (kptr_restrict) give no symbols.
        assert!(
            Kallsyms::parse("0000000000000000 T _stext\n")
                .symbols
                .is_empty()
        );
    }
}
