//! Where maps come from: the bundled object, an eBPF object file, or maps other programs
//! own (all of them, one by id, one by pin). Checks come first with the fix in their
//! message (root, tracefs, memlock); then programs are attached and maps opened.
mod checks;
mod flood;
mod map_in_map;
mod object;
pub mod object_file;
pub mod privilege;
mod prog_array_def;
mod system;
pub mod untrusted;
mod wiring;

use std::path::PathBuf;

use aya::Ebpf;
pub use checks::kernel_release;
pub use object::object_btf;
use thiserror::Error;

use crate::maps::{
    MapError, MapHandle,
    ops::{FloodFrom, OpError, OpResult, Operation},
};
use crate::report::one_line;

#[derive(Debug, Error)]
pub enum LoadError {
    /// A capability the mode needs is missing: the reason names it and the fixes.
    #[error("{reason}")]
    Privilege { reason: String },
    #[error(
        "tracefs is not mounted and mounting it failed ({reason}); mount it with: sudo mount -t tracefs tracefs /sys/kernel/tracing"
    )]
    NoTracefs { reason: String },
    #[error(
        "the bundled eBPF object is empty: it was built with AYA_BUILD_SKIP=1; rebuild without it"
    )]
    EmptyObject,
    #[error("cannot read {path}: {reason}")]
    ObjectFile { path: String, reason: String },
    #[error("{path}: {reason}")]
    Refused { path: String, reason: String },
    #[error("{path} is a malformed eBPF object: {reason}")]
    Malformed { path: String, reason: String },
    #[error("cannot open the map pinned at {path}: {reason}")]
    Pin { path: String, reason: String },
    #[error("loading the eBPF object failed: {}", one_line(.source))]
    Load {
        #[source]
        source: aya::EbpfError,
    },
    /// A [`LoadError::Load`] of the bundled object on a kernel older than
    /// [`checks::BUNDLED_MIN_KERNEL`].
    #[error(
        "{load}: the bundled object needs Linux {}.{} or later, and this kernel is {release}",
        checks::BUNDLED_MIN_KERNEL.0,
        checks::BUNDLED_MIN_KERNEL.1
    )]
    KernelTooOld { load: String, release: String },
    #[error("program {name}: {}", one_line(.source))]
    Program {
        name: String,
        #[source]
        source: aya::programs::ProgramError,
    },
    #[error(transparent)]
    Map(#[from] MapError),
}

/// What happened to one program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramStatus {
    pub name: String,
    /// e.g. "tracepoint syscalls/sys_enter_execve", or why it is not attached.
    pub attachment: String,
    pub attached: bool,
}

/// Where the maps come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// mapinspect's own object, with one map of every major type.
    #[default]
    Bundled,
    /// Any eBPF ELF object (from clang or aya-ebpf).
    Object(PathBuf),
    /// Every map loaded on the machine.
    System,
    MapId(u32),
    Pin(PathBuf),
}

impl Source {
    /// Maps of other programs are only changed when the user says so (--write).
    pub fn owns_its_maps(&self) -> bool {
        matches!(self, Self::Bundled | Self::Object(_))
    }
}

/// The loaded source. Dropping it detaches every program mapinspect attached and closes
/// its map fds.
pub struct Loaded {
    /// The object mapinspect loaded, if it loaded one.
    ebpf: Option<Ebpf>,
    pub source: Source,
    pub maps: Vec<MapHandle>,
    pub programs: Vec<ProgramStatus>,
    /// Problems that did not stop loading (e.g. the memlock limit).
    pub warnings: Vec<String>,
}

/// The bundled object's bytes (the mutation test and the fuzz corpus start from them).
pub fn bundled_object() -> &'static [u8] {
    object::BUNDLED_OBJECT
}

/// Loads the bundled object and attaches its programs.
pub fn load_bundled() -> Result<Loaded, LoadError> {
    load(&Source::Bundled, false)
}

/// Loads a source. `write` lets operations change maps that other programs own.
pub fn load(source: &Source, write: bool) -> Result<Loaded, LoadError> {
    load_with(source, write, object_file::DEFAULT_MAX_OBJECT_SIZE)
}

/// [`load`], reading an object file only if it is at most `max_object_size` bytes.
pub fn load_with(source: &Source, write: bool, max_object_size: u64) -> Result<Loaded, LoadError> {
    let loads_object = source.owns_its_maps();
    if *source == Source::Bundled && object::BUNDLED_OBJECT.is_empty() {
        return Err(LoadError::EmptyObject);
    }
    // A file is checked before anything else: bad input gets its own message, root or not.
    let elf = match source {
        Source::Object(path) => object_file::read(path, max_object_size).map_err(|refusal| {
            let path = path.display().to_string();
            match refusal {
                object_file::Refusal::Io(reason) => LoadError::ObjectFile { path, reason },
                other => LoadError::Refused {
                    path,
                    reason: other.to_string(),
                },
            }
        })?,
        _ => Vec::new(),
    };
    checks::preflight(match source {
        Source::Bundled | Source::Object(_) => privilege::Mode::LoadObject,
        Source::System | Source::MapId(_) => privilege::Mode::OpenById,
        Source::Pin(_) => privilege::Mode::OpenPin,
    })?;
    let mut warnings: Vec<String> = checks::raise_memlock_if_needed()
        .err()
        .into_iter()
        .collect();
    let (ebpf, mut maps, programs) = match source {
        Source::Bundled => {
            let mut parts = load_object(
                object::BUNDLED_OBJECT,
                &shared::map_names::ALL,
                "the bundled object",
                true,
                &mut warnings,
            )
            .map_err(checks::bundled_load_failed)?;
            // Rust has no C `char`: the bundled object's text fields are `u8` arrays in its
            // BTF, which would read as bytes. These are text.
            for map in &mut parts.1 {
                map.desc.key_layout.mark_text(&BUNDLED_TEXT_FIELDS);
                map.desc.value_layout.mark_text(&BUNDLED_TEXT_FIELDS);
            }
            parts
        }
        Source::Object(path) => {
            load_object(&elf, &[], &path.display().to_string(), false, &mut warnings)?
        }
        Source::System => no_object(system::open(system::Pick::All)?),
        Source::MapId(id) => no_object(system::open(system::Pick::Id(*id))?),
        Source::Pin(path) => no_object(system::open(system::Pick::Pin { path, write })?),
    };
    let writable = loads_object || write;
    maps.iter_mut().for_each(|map| map.writable = writable);
    if let Some(ebpf) = &ebpf {
        // Name the users of an object's maps as `--map-id` would from another shell: its
        // programs, asked through the fds we hold (no CAP_SYS_ADMIN needed).
        let programs: Vec<_> = ebpf
            .programs()
            .filter_map(|(_, program)| program.fd().ok())
            .filter_map(|fd| crate::sys::program_info(std::os::fd::AsFd::as_fd(fd)).ok())
            .collect();
        for map in &mut maps {
            map.owners = system::owners(&programs, map.meta().id);
        }
    }
    if *source == Source::Bundled {
        // Decided here, once: the flood program exists in the bundled object only.
        for map in &mut maps {
            map.desc.kernel_flood = shared::FloodTarget::ALL
                .into_iter()
                .find(|target| target.map_name() == map.meta().name);
        }
    }
    Ok(Loaded {
        ebpf,
        source: source.clone(),
        maps,
        programs,
        warnings,
    })
}

/// The members of the bundled object's types (crate `shared`) that hold text.
const BUNDLED_TEXT_FIELDS: [&str; 2] = ["filename", "comm"];

type Parts = (Option<Ebpf>, Vec<MapHandle>, Vec<ProgramStatus>);

fn no_object((maps, programs): (Vec<MapHandle>, Vec<ProgramStatus>)) -> Parts {
    (None, maps, programs)
}

/// Loads an object `name`d in errors: checked first, and any panic of the loader below
/// contained (see [`untrusted`]). `bundled`: the bundled object, whose maps-of-maps and
/// program array get their slots from userspace after loading. What did not stop loading
/// (static map-of-maps or program-array slots that could not be set) goes to `warnings`.
fn load_object(
    elf: &[u8],
    order: &[&str],
    name: &str,
    bundled: bool,
    warnings: &mut Vec<String>,
) -> Result<Parts, LoadError> {
    let malformed = |reason| LoadError::Malformed {
        path: name.to_string(),
        reason,
    };
    untrusted::check_structure(elf).map_err(malformed)?;
    let (parts, more) = untrusted::contained(|| load_checked(elf, order, bundled))
        .map_err(|panic| malformed(format!("the loader (aya) gave up on it: {panic}")))??;
    warnings.extend(more);
    Ok(parts)
}

fn load_checked(
    elf: &[u8],
    order: &[&str],
    bundled: bool,
) -> Result<(Parts, Vec<String>), LoadError> {
    let for_aya = prog_array_def::for_aya(elf);
    let mut ebpf = Ebpf::load(for_aya.as_deref().unwrap_or(elf))
        .map_err(|source| LoadError::Load { source })?;
    let btf = object_btf(elf);
    let programs = object::load_all(&mut ebpf, elf);
    // Static map-of-maps and program-array slots (aya leaves them empty): set once the
    // programs are loaded (a program array holds their fds), before any is attached.
    let warnings = match &btf {
        Some(btf) => map_in_map::fill(&ebpf, &programs, &map_in_map::static_slots(elf, btf)),
        None => Vec::new(),
    };
    let programs = object::attach_all(&mut ebpf, programs);
    let mut maps = object::open_maps(&ebpf, order)?;
    // The bundled object's maps-of-maps and program array get their slots from userspace.
    if bundled {
        wiring::fill_slots(&ebpf, &maps)?;
    }
    // Queues, stacks and global sections carry no kernel BTF ids: their layouts come from
    // the object.
    if let Some(btf) = &btf {
        maps.iter_mut().for_each(|map| map.use_object_btf(btf));
    }
    Ok(((Some(ebpf), maps, programs), warnings))
}

impl Loaded {
    /// A map by name.
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
                map.check_writable(op)?;
                self.flood_from_kernel(index, request)
                    .map(OpResult::Flooded)
            }
            _ => map.execute(op),
        }
    }
}
