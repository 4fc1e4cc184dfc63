//! Which capabilities each mode needs, checked before the first bpf(2) call so a missing one
//! is named (with the fix) instead of surfacing later as EPERM from somewhere inside.
//!
//! The kernel's rules (kernel/bpf/syscall.c): every bpf(2) call needs CAP_BPF (or
//! CAP_SYS_ADMIN) while unprivileged BPF is disabled, as distributions ship it; tracing
//! programs also need CAP_PERFMON; looking objects up by id (what `--system` and `--map-id`
//! do) needs CAP_SYS_ADMIN itself. CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON.
//! Reading tracefs (mode 0700, root's) as another user also needs CAP_DAC_READ_SEARCH.

/// Capability numbers from include/uapi/linux/capability.h.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    DacReadSearch = 2,
    SysAdmin = 21,
    Perfmon = 38,
    Bpf = 39,
}

impl Cap {
    pub fn name(self) -> &'static str {
        match self {
            Cap::DacReadSearch => "CAP_DAC_READ_SEARCH",
            Cap::SysAdmin => "CAP_SYS_ADMIN",
            Cap::Perfmon => "CAP_PERFMON",
            Cap::Bpf => "CAP_BPF",
        }
    }

    fn setcap_name(self) -> String {
        self.name().to_lowercase()
    }
}

/// What a mode does that needs privilege.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Load and attach an object (the bundled one or --object).
    LoadObject,
    /// Find maps by id (--system, --map-id).
    OpenById,
    /// Open a pinned map (--pin).
    OpenPin,
}

impl Mode {
    fn doing(self) -> &'static str {
        match self {
            Mode::LoadObject => "loading and attaching eBPF programs",
            Mode::OpenById => "finding maps by id (--system, --map-id)",
            Mode::OpenPin => "opening a pinned map",
        }
    }

    /// The capabilities this mode needs, as a process with effective uid `uid` has them.
    fn needs(self, uid: u32) -> Vec<Cap> {
        let mut caps = match self {
            Mode::LoadObject => vec![Cap::Bpf, Cap::Perfmon],
            // The kernel asks for CAP_SYS_ADMIN itself here, which also covers CAP_BPF.
            Mode::OpenById => vec![Cap::SysAdmin],
            Mode::OpenPin => vec![Cap::Bpf],
        };
        if self == Mode::LoadObject && uid != 0 {
            caps.push(Cap::DacReadSearch);
        }
        caps
    }
}

/// The effective capability set, from /proc/self/status (`CapEff:` in hex).
pub fn effective() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_cap_eff(&status)
}

fn parse_cap_eff(status: &str) -> Option<u64> {
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

fn has(caps: u64, cap: Cap) -> bool {
    let bit = |c: Cap| caps & (1u64 << c as u32) != 0;
    match cap {
        // CAP_SYS_ADMIN is what older kernels asked for; it still grants both.
        Cap::Bpf | Cap::Perfmon => bit(cap) || bit(Cap::SysAdmin),
        _ => bit(cap),
    }
}

/// The capabilities `mode` needs that `caps` lacks; empty when it may go ahead.
pub fn missing(mode: Mode, caps: u64, uid: u32) -> Vec<Cap> {
    mode.needs(uid)
        .into_iter()
        .filter(|&cap| !has(caps, cap))
        .collect()
}

/// The sentence for a missing capability: what needs it, what is missing, and both fixes.
pub fn refusal(mode: Mode, missing: &[Cap], uid: u32) -> String {
    let names = |caps: &[Cap]| match caps.iter().map(|c| c.name()).collect::<Vec<_>>()[..] {
        [] => String::new(),
        [one] => one.to_string(),
        [ref init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let needs = mode.needs(uid);
    let setcap: Vec<String> = needs.iter().map(|c| c.setcap_name()).collect();
    format!(
        "{} needs {}, and this process lacks {}: run it with sudo (sudo mapinspect), or \
         grant the binary exactly these: sudo setcap {}+ep \"$(command -v mapinspect)\"",
        mode.doing(),
        names(&needs),
        names(missing),
        setcap.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: u64 = 0x1ff_ffff_ffff;
    const fn caps(list: &[Cap]) -> u64 {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= 1u64 << list[i] as u32;
            i += 1;
        }
        bits
    }

    #[test]
    fn root_with_every_capability_may_do_everything() {
        for mode in [Mode::LoadObject, Mode::OpenById, Mode::OpenPin] {
            assert!(missing(mode, ROOT, 0).is_empty(), "{mode:?}");
        }
    }

    #[test]
    fn each_mode_names_exactly_what_it_lacks() {
        let bpf_perfmon = caps(&[Cap::Bpf, Cap::Perfmon]);
        assert!(missing(Mode::LoadObject, bpf_perfmon, 0).is_empty());
        assert_eq!(
            missing(Mode::LoadObject, bpf_perfmon, 1000),
            [Cap::DacReadSearch]
        );
        assert_eq!(missing(Mode::OpenById, bpf_perfmon, 0), [Cap::SysAdmin]);
        assert!(missing(Mode::OpenPin, caps(&[Cap::Bpf]), 1000).is_empty());
        assert_eq!(
            missing(Mode::LoadObject, caps(&[Cap::Bpf]), 0),
            [Cap::Perfmon]
        );
        // CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON, as the kernel allows.
        assert!(missing(Mode::LoadObject, caps(&[Cap::SysAdmin]), 0).is_empty());
        assert_eq!(missing(Mode::OpenPin, 0, 0), [Cap::Bpf]);
    }

    #[test]
    fn the_refusal_names_the_capability_and_both_fixes() {
        let text = refusal(Mode::LoadObject, &[Cap::Perfmon], 0);
        assert!(
            text.starts_with("loading and attaching eBPF programs needs CAP_BPF and CAP_PERFMON"),
            "{text}"
        );
        let three = refusal(Mode::LoadObject, &[Cap::Bpf], 1000);
        assert!(
            three.contains("needs CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH"),
            "{three}"
        );
        assert!(text.contains("lacks CAP_PERFMON"), "{text}");
        assert!(text.contains("sudo mapinspect"), "{text}");
        assert!(text.contains("setcap cap_bpf,cap_perfmon+ep"), "{text}");
    }

    #[test]
    fn cap_eff_parses_from_proc_status() {
        let status = "Name:\tmapinspect\nCapInh:\t0\nCapEff:\t000001ffffffffff\nCapBnd:\t0\n";
        assert_eq!(parse_cap_eff(status), Some(ROOT));
        assert_eq!(parse_cap_eff("Name: x\n"), None);
    }
}
