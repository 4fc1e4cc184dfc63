//! Loading the bundled eBPF object: checks that give a clear fix (root, tracefs, memlock),
//! loading, attaching every tracepoint, and opening each map as a [`MapHandle`].
use std::{
    os::fd::AsFd,
    path::{Path, PathBuf},
};

use aya::{
    Ebpf,
    maps::{Map, MapData},
    programs::{Program, RawTracePoint, RawTracePointRunOptions, TestRun as _, TracePoint},
};
use shared::{FLOOD_PROGRAM, FloodResult, FloodTarget, map_names};
use thiserror::Error;

use crate::{
    btf::Btf,
    maps::{
        MapError, MapHandle, Tally,
        ops::{self, FloodFrom, FloodRequest, OpError, OpResult, Operation},
    },
};

/// The object built from inspector-ebpf by build.rs.
static BUNDLED_OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/inspector"));

/// Where each bundled tracepoint program attaches (category, event).
const TRACEPOINTS: [(&str, &str, &str); 4] = [
    ("on_execve", "syscalls", "sys_enter_execve"),
    ("on_openat", "syscalls", "sys_enter_openat"),
    ("on_fork", "sched", "sched_process_fork"),
    ("on_exit_group", "syscalls", "sys_enter_exit_group"),
];

/// tracefs mount points aya looks in, preferred first.
const TRACEFS_DIRS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

#[derive(Debug, Error)]
pub enum LoadError {
    #[error(
        "root is needed to load eBPF programs and read maps: run it with sudo (sudo mapinspect)"
    )]
    NotRoot,
    #[error(
        "tracefs is not mounted and mounting it failed ({reason}); mount it with: sudo mount -t tracefs tracefs /sys/kernel/tracing"
    )]
    NoTracefs { reason: String },
    #[error(
        "the bundled eBPF object is empty: it was built with AYA_BUILD_SKIP=1; rebuild without it"
    )]
    EmptyObject,
    #[error("loading the eBPF object failed: {}", chain(.source))]
    Load {
        #[source]
        source: aya::EbpfError,
    },
    #[error("program {name}: {}", chain(.source))]
    Program {
        name: String,
        #[source]
        source: aya::programs::ProgramError,
    },
    #[error(transparent)]
    Map(#[from] MapError),
}

/// An error and all its causes on one line: aya keeps the errno in the innermost one.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What happened to one program of the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramStatus {
    pub name: String,
    /// e.g. "tracepoint syscalls/sys_enter_execve", or why it is not attached.
    pub attachment: String,
    pub attached: bool,
}

/// The loaded object. Dropping it detaches every program and frees maps nobody else holds.
pub struct Loaded {
    ebpf: Ebpf,
    pub maps: Vec<MapHandle>,
    pub programs: Vec<ProgramStatus>,
    /// Problems that did not stop loading (e.g. the memlock limit).
    pub warnings: Vec<String>,
}

impl Loaded {
    /// A map of the object by name.
    pub fn map(&self, name: &str) -> Option<&MapHandle> {
        self.maps.iter().find(|m| m.meta().name == name)
    }

    /// Runs an operation on map `index`: floods from the kernel through the flood program,
    /// everything else through the map's fd.
    pub fn execute(&mut self, index: usize, op: &Operation) -> Result<OpResult, OpError> {
        let map = self
            .maps
            .get(index)
            .ok_or_else(|| OpError::Refused(format!("no map #{index}")))?;
        match op {
            Operation::Flood(request) if request.from == FloodFrom::Kernel => {
                ops::check(&map.desc, op)?;
                let name = map.meta().name.clone();
                let target = FloodTarget::ALL
                    .into_iter()
                    .find(|t| t.map_name() == name)
                    .ok_or_else(|| {
                        OpError::Refused(format!(
                            "the kernel-side flood program only fills the experiment maps \
                             (EXP_HASH, EXP_LRU, EXP_NOCOMMON, EXP_LRU_PERCPU); \
                             flood {name} from userspace instead"
                        ))
                    })?;
                let result = self
                    .flood_in_kernel(target, request.count, request.cpu)
                    .map_err(|e| OpError::Refused(e.to_string()))?;
                let mut tally = Tally::default();
                tally.inserted = result.inserted;
                if result.failed > 0 {
                    // The program keeps the first errno; the other failures are counted with it.
                    tally.failures.insert(-result.first_error, result.failed);
                    tally.first_failed_key = Some(result.first_failed_key);
                }
                let request = FloodRequest {
                    cpu: Some(result.cpu),
                    ..*request
                };
                self.maps[index]
                    .flood_report(request, tally)
                    .map(OpResult::Flooded)
            }
            _ => map.execute(op),
        }
    }

    /// Runs the kernel-side flood program: inserts keys 1..=count (value key*11) into the
    /// target map from inside BPF, on `cpu` if given, and returns what it did.
    pub fn flood_in_kernel(
        &mut self,
        target: FloodTarget,
        count: u32,
        cpu: Option<u32>,
    ) -> Result<FloodResult, LoadError> {
        let program_error = |source| LoadError::Program {
            name: FLOOD_PROGRAM.into(),
            source,
        };
        let program: &mut RawTracePoint = self
            .ebpf
            .program_mut(FLOOD_PROGRAM)
            .ok_or_else(|| program_error(aya::programs::ProgramError::NotLoaded))?
            .try_into()
            .map_err(program_error)?;
        let mut opts = RawTracePointRunOptions::new();
        opts.args[0] = target as u64;
        opts.args[1] = count.into();
        opts.cpu = cpu;
        program.test_run(opts).map_err(program_error)?;
        let results = self
            .map(map_names::FLOOD_RESULT)
            .ok_or(MapError::NotFound { id: 0 })?;
        let mut bytes = vec![0u8; size_of::<FloodResult>()];
        crate::sys::lookup_elem(results.fd(), &0u32.to_ne_bytes(), &mut bytes)
            .map_err(|e| results.syscall_error(e))?;
        // SAFETY: FloodResult is repr(C) plain data and bytes holds exactly one.
        Ok(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<FloodResult>()) })
    }
}

/// Loads the bundled object and attaches every tracepoint program.
pub fn load_bundled() -> Result<Loaded, LoadError> {
    if BUNDLED_OBJECT.is_empty() {
        return Err(LoadError::EmptyObject);
    }
    preflight()?;
    let warnings = raise_memlock_if_needed().err().into_iter().collect();
    let mut ebpf = Ebpf::load(BUNDLED_OBJECT).map_err(|source| LoadError::Load { source })?;
    let programs = attach_all(&mut ebpf)?;
    let mut maps = open_maps(&ebpf)?;
    if let Some(btf) = object_btf(BUNDLED_OBJECT) {
        maps.iter_mut().for_each(|map| map.use_object_btf(&btf));
    }
    Ok(Loaded {
        ebpf,
        maps,
        programs,
        warnings,
    })
}

/// The object's own BTF (its `.BTF` section), if it has one that parses.
pub fn object_btf(elf: &[u8]) -> Option<Btf> {
    use object::{Object as _, ObjectSection as _};
    let file = object::File::parse(elf).ok()?;
    let section = file.section_by_name(".BTF")?;
    Btf::parse(section.data().ok()?).ok()
}

/// Root, and a tracefs that aya can find (mounted here if missing).
fn preflight() -> Result<(), LoadError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(LoadError::NotRoot);
    }
    ensure_tracefs()
        .map(drop)
        .map_err(|reason| LoadError::NoTracefs { reason })
}

/// aya looks for tracefs once per process, so it must be mounted before the first attach.
fn ensure_tracefs() -> Result<PathBuf, String> {
    if let Some(dir) = TRACEFS_DIRS
        .iter()
        .map(Path::new)
        .find(|dir| dir.join("events").is_dir())
    {
        return Ok(dir.to_path_buf());
    }
    let target = TRACEFS_DIRS[0];
    let c = |s: &str| std::ffi::CString::new(s).map_err(|e| e.to_string());
    let (source, dir, fstype) = (c("tracefs")?, c(target)?, c("tracefs")?);
    // SAFETY: all pointers are valid NUL-terminated strings; data may be NULL.
    let ret = unsafe {
        libc::mount(
            source.as_ptr(),
            dir.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if ret == 0 {
        Ok(PathBuf::from(target))
    } else {
        Err(std::io::Error::last_os_error().to_string())
    }
}

/// Kernels before 5.11 charge maps to RLIMIT_MEMLOCK; newer ones use memcg and ignore it,
/// so only older kernels are asked to raise it (and warn when they refuse).
fn raise_memlock_if_needed() -> Result<(), String> {
    if kernel_release().is_some_and(|(major, minor)| (major, minor) >= (5, 11)) {
        return Ok(());
    }
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: the pointer is to a valid rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } == 0 {
        Ok(())
    } else {
        Err(format!(
            "could not raise the memlock limit ({}); carrying on, kernels 5.11+ do not need it",
            std::io::Error::last_os_error()
        ))
    }
}

/// (major, minor) of the running kernel, from uname.
pub fn kernel_release() -> Option<(u32, u32)> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    parse_release(&release)
}

fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(['.', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn attach_all(ebpf: &mut Ebpf) -> Result<Vec<ProgramStatus>, LoadError> {
    let mut statuses = Vec::new();
    for (name, program) in ebpf.programs_mut() {
        let error = |source| LoadError::Program {
            name: name.to_string(),
            source,
        };
        let status = match program {
            Program::TracePoint(tp) => {
                let (_, category, event) = TRACEPOINTS
                    .iter()
                    .find(|(prog, ..)| *prog == name)
                    .copied()
                    .unwrap_or(("", "", ""));
                if event.is_empty() {
                    ProgramStatus {
                        name: name.into(),
                        attachment: "not attached: no tracepoint known for it".into(),
                        attached: false,
                    }
                } else {
                    attach_tracepoint(tp, category, event).map_err(error)?;
                    ProgramStatus {
                        name: name.into(),
                        attachment: format!("tracepoint {category}/{event}"),
                        attached: true,
                    }
                }
            }
            Program::RawTracePoint(raw) => {
                raw.load().map_err(error)?;
                ProgramStatus {
                    name: name.into(),
                    attachment: "raw tracepoint, run on demand (BPF_PROG_TEST_RUN)".into(),
                    attached: false,
                }
            }
            other => ProgramStatus {
                name: name.into(),
                attachment: format!(
                    "not attached: {:?} programs are not supported",
                    other.prog_type()
                ),
                attached: false,
            },
        };
        statuses.push(status);
    }
    statuses.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(statuses)
}

fn attach_tracepoint(
    tp: &mut TracePoint,
    category: &str,
    event: &str,
) -> Result<(), aya::programs::ProgramError> {
    tp.load()?;
    tp.attach(category, event)?;
    Ok(())
}

/// Opens every map of the object through its own fd, in display order.
fn open_maps(ebpf: &Ebpf) -> Result<Vec<MapHandle>, LoadError> {
    let mut maps = Vec::new();
    for (_, map) in ebpf.maps() {
        let Some(data) = map_data(map) else { continue };
        let fd = data
            .fd()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|source| MapError::Open {
                source: crate::sys::SysError { op: "dup", source },
            })?;
        maps.push(MapHandle::from_fd(fd)?);
    }
    // Known maps in their display order, anything else after them by name.
    let rank = |name: &str| {
        map_names::ALL
            .iter()
            .position(|n| *n == name)
            .unwrap_or(usize::MAX)
    };
    maps.sort_by(|a, b| {
        let (a, b) = (&a.meta().name, &b.meta().name);
        rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
    });
    Ok(maps)
}

/// aya wraps every map type's MapData in its own variant; this unwraps any of them.
fn map_data(map: &Map) -> Option<&MapData> {
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
        | Map::XskMap(d) => Some(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_releases_parse() {
        assert_eq!(parse_release("6.18.44-fc-v595\n"), Some((6, 18)));
        assert_eq!(parse_release("5.4.0"), Some((5, 4)));
        assert_eq!(parse_release("garbage"), None);
    }
}
