//! Loading an eBPF object, the bundled one or any ELF file a user gives: create its maps,
//! attach what can be attached by its section name, and open each map for reading.
use std::{collections::HashMap, os::fd::AsFd};

use aya::{
    Ebpf,
    maps::{Map, MapData},
    programs::{Program, ProgramError},
};

use super::{LoadError, ProgramStatus};
use crate::{
    maps::{MapError, MapHandle},
    report::one_line,
    sys::SysError,
    values::btf::Btf,
};

/// The object built from inspector-ebpf by build.rs.
pub(super) static BUNDLED_OBJECT: &[u8] =
    aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/inspector"));

/// What to do with a program, decided by its ELF section name.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Attach {
    Tracepoint {
        category: String,
        event: String,
    },
    RawTracepoint(String),
    /// A raw tracepoint with no event: loaded, then run on demand with BPF_PROG_TEST_RUN.
    OnDemand,
    /// A tracepoint program with no event: loaded, as the target of tail calls.
    TailTarget,
    NotSupported(String),
}

/// libbpf's and aya's section names for the program types mapinspect can attach.
pub(super) fn plan(section: &str) -> Attach {
    let (kind, rest) = section.split_once('/').unwrap_or((section, ""));
    match kind {
        "tracepoint" | "tp" if rest.is_empty() => Attach::TailTarget,
        "tracepoint" | "tp" => match rest.split_once('/') {
            Some((category, event)) if !category.is_empty() && !event.is_empty() => {
                Attach::Tracepoint {
                    category: category.into(),
                    event: event.into(),
                }
            }
            _ => Attach::NotSupported(format!(
                "section {section:?} names no tracepoint (expected tracepoint/CATEGORY/EVENT)"
            )),
        },
        "raw_tp" | "raw_tracepoint" if rest.is_empty() => Attach::OnDemand,
        "raw_tp" | "raw_tracepoint" => Attach::RawTracepoint(rest.into()),
        "kprobe" | "kretprobe" | "uprobe" | "uretprobe" => Attach::NotSupported(format!(
            "{kind} programs are not attached (this machine's kernel offers tracepoints, not kprobes)"
        )),
        _ => Attach::NotSupported(format!(
            "mapinspect attaches tracepoints and raw tracepoints; section {section:?} is left unattached"
        )),
    }
}

/// Program (function) name -> the ELF section it lives in.
fn program_sections(elf: &[u8]) -> HashMap<String, String> {
    use object::{Object as _, ObjectSection as _, ObjectSymbol as _, SymbolKind};
    let Ok(file) = object::File::parse(elf) else {
        return HashMap::new();
    };
    file.symbols()
        .filter(|symbol| symbol.kind() == SymbolKind::Text)
        .filter_map(|symbol| {
            let index = symbol.section_index()?;
            let section = file.section_by_index(index).ok()?;
            Some((
                symbol.name().ok()?.to_string(),
                section.name().ok()?.to_string(),
            ))
        })
        .collect()
}

/// The object's own BTF (its `.BTF` section), if it has one that parses, with its global
/// sections' sizes and variable offsets filled in from the ELF (the compiler leaves 0s).
pub fn object_btf(elf: &[u8]) -> Option<Btf> {
    use object::{Object as _, ObjectSection as _, ObjectSymbol as _};
    let file = object::File::parse(elf).ok()?;
    let section = file.section_by_name(".BTF")?;
    let mut btf = Btf::parse(section.data().ok()?).ok()?;
    let size = |name: &str| {
        let section = file.section_by_name(name)?;
        u32::try_from(section.size()).ok()
    };
    let offset = |name: &str| {
        let symbol = file.symbol_by_name(name)?;
        u32::try_from(symbol.address()).ok()
    };
    btf.fix_datasecs(size, offset);
    Some(btf)
}

/// The object's programs once loaded, before any is attached: each one's plan, or why it
/// was not loaded (the reason its status gives).
pub(super) struct Programs(Vec<(String, Result<Attach, String>)>);

impl Programs {
    /// Ok if program `name` is loaded, else why not.
    pub(super) fn loaded(&self, name: &str) -> Result<(), String> {
        match self.0.iter().find(|(n, _)| n == name) {
            Some((_, Ok(_))) => Ok(()),
            Some((_, Err(why))) => Err(format!("program {name} is not loaded: {why}")),
            None => Err(format!("the object has no program {name}")),
        }
    }
}

/// Loads (and so verifies) every program its section says how to attach or run; a program
/// that fails keeps the reason for its status, and the object's maps are shown all the same.
pub(super) fn load_all(ebpf: &mut Ebpf, elf: &[u8]) -> Programs {
    let sections = program_sections(elf);
    Programs(
        ebpf.programs_mut()
            .map(|(name, program)| {
                let section = sections.get(name).map_or("", String::as_str);
                (name.to_string(), load(program, plan(section)))
            })
            .collect(),
    )
}

/// Attaches the programs [`load_all`] loaded.
pub(super) fn attach_all(ebpf: &mut Ebpf, programs: Programs) -> Vec<ProgramStatus> {
    let mut statuses: Vec<ProgramStatus> = programs
        .0
        .into_iter()
        .map(|(name, plan)| {
            let done = plan.and_then(|plan| match ebpf.program_mut(&name) {
                Some(program) => attach(program, plan).map_err(|err| one_line(&err)),
                None => Err("aya lost it".to_string()),
            });
            let (attached, attachment) =
                done.unwrap_or_else(|why| (false, format!("not attached: {why}")));
            ProgramStatus {
                name,
                attachment,
                attached,
            }
        })
        .collect();
    statuses.sort_by(|a, b| a.name.cmp(&b.name));
    statuses
}

/// Loads a program its plan attaches or runs: the plan back, or why it is not loaded.
fn load(program: &mut Program, plan: Attach) -> Result<Attach, String> {
    let loaded = match (&plan, program) {
        (Attach::Tracepoint { .. } | Attach::TailTarget, Program::TracePoint(tp)) => tp.load(),
        (Attach::RawTracepoint(_) | Attach::OnDemand, Program::RawTracePoint(raw)) => raw.load(),
        (Attach::NotSupported(reason), _) => return Err(reason.clone()),
        (_, other) => {
            return Err(format!(
                "its section does not match its type ({:?})",
                other.prog_type()
            ));
        }
    };
    loaded.map(|()| plan).map_err(|err| one_line(&err))
}

/// Attaches a program [`load`] loaded, as its plan says.
fn attach(program: &mut Program, plan: Attach) -> Result<(bool, String), ProgramError> {
    Ok(match (plan, program) {
        (Attach::Tracepoint { category, event }, Program::TracePoint(tp)) => {
            tp.attach(&category, &event)?;
            (true, format!("tracepoint {category}/{event}"))
        }
        (Attach::RawTracepoint(event), Program::RawTracePoint(raw)) => {
            raw.attach(&event)?;
            (true, format!("raw tracepoint {event}"))
        }
        (Attach::OnDemand, _) => (
            false,
            "raw tracepoint, run on demand (BPF_PROG_TEST_RUN)".to_string(),
        ),
        (Attach::TailTarget, _) => (false, "tail-call target: loaded, not attached".to_string()),
        // load() loads no other pairing.
        (Attach::NotSupported(reason), _) => (false, format!("not attached: {reason}")),
        (_, other) => (
            false,
            format!(
                "not attached: its section does not match its type ({:?})",
                other.prog_type()
            ),
        ),
    })
}

/// Opens every map of the object through its own fd, known names in `order` first.
pub(super) fn open_maps(ebpf: &Ebpf, order: &[&str]) -> Result<Vec<MapHandle>, LoadError> {
    let mut maps = Vec::new();
    for (_, map) in ebpf.maps() {
        let fd = map_data(map)
            .fd()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|source| MapError::Open {
                source: SysError { op: "dup", source },
            })?;
        maps.push(MapHandle::from_fd(fd)?);
    }
    let rank = |name: &str| order.iter().position(|n| *n == name).unwrap_or(usize::MAX);
    maps.sort_by(|a, b| {
        let (a, b) = (&a.meta().name, &b.meta().name);
        rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
    });
    Ok(maps)
}

/// aya wraps every map type's MapData in its own variant; this unwraps any of them.
pub(super) fn map_data(map: &Map) -> &MapData {
    match map {
        Map::Array(d)
        | Map::ArrayOfMaps(d)
        | Map::BloomFilter(d)
        | Map::CgroupArray(d)
        | Map::CgroupStorage(d)
        | Map::CgrpStorage(d)
        | Map::CpuMap(d)
        | Map::DevMap(d)
        | Map::DevMapHash(d)
        | Map::HashMap(d)
        | Map::HashOfMaps(d)
        | Map::InodeStorage(d)
        | Map::LpmTrie(d)
        | Map::LruHashMap(d)
        | Map::PerCpuArray(d)
        | Map::PerCpuCgroupStorage(d)
        | Map::PerCpuHashMap(d)
        | Map::PerCpuLruHashMap(d)
        | Map::PerfEventArray(d)
        | Map::ProgramArray(d)
        | Map::Queue(d)
        | Map::RingBuf(d)
        | Map::ReusePortSockArray(d)
        | Map::SockHash(d)
        | Map::SockMap(d)
        | Map::SkStorage(d)
        | Map::Stack(d)
        | Map::StackTraceMap(d)
        | Map::Unsupported(d)
        | Map::XskMap(d) => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_decide_how_to_attach() {
        assert_eq!(
            plan("tracepoint/syscalls/sys_enter_execve"),
            Attach::Tracepoint {
                category: "syscalls".into(),
                event: "sys_enter_execve".into()
            }
        );
        assert!(matches!(
            plan("tp/sched/sched_process_fork"),
            Attach::Tracepoint { .. }
        ));
        assert_eq!(plan("raw_tp"), Attach::OnDemand);
        assert_eq!(
            plan("raw_tp/sys_enter"),
            Attach::RawTracepoint("sys_enter".into())
        );
        assert!(
            matches!(plan("kprobe/do_sys_open"), Attach::NotSupported(r) if r.contains("kprobes"))
        );
        assert!(matches!(
            plan("tracepoint/syscalls"),
            Attach::NotSupported(_)
        ));
        assert!(matches!(plan("xdp"), Attach::NotSupported(_)));
        assert!(matches!(plan(""), Attach::NotSupported(_)));
    }

    #[test]
    fn a_program_not_loaded_says_why() {
        let programs = Programs(vec![
            ("tail_a".into(), Ok(Attach::TailTarget)),
            (
                "probe".into(),
                Err("kprobe programs are not attached".into()),
            ),
        ]);
        assert_eq!(programs.loaded("tail_a"), Ok(()));
        assert_eq!(
            programs.loaded("probe"),
            Err("program probe is not loaded: kprobe programs are not attached".into())
        );
        assert_eq!(
            programs.loaded("gone"),
            Err("the object has no program gone".into())
        );
    }

    #[test]
    fn the_bundled_objects_programs_have_their_sections() {
        assert!(!BUNDLED_OBJECT.is_empty(), "built with AYA_BUILD_SKIP=1?");
        let sections = program_sections(BUNDLED_OBJECT);
        assert_eq!(
            sections.get("on_execve").map(String::as_str),
            Some("tracepoint/syscalls/sys_enter_execve")
        );
        assert_eq!(sections.get("flood").map(String::as_str), Some("raw_tp"));
    }
}
