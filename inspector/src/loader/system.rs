//! Maps that other programs own: every map on the system, or one by id or by pin, with the
//! programs that use each.
use std::path::Path;

use super::{LoadError, ProgramStatus};
use crate::{
    maps::{MapError, MapHandle},
    sys::{self, ProgInfo},
};

/// Which foreign maps to open.
pub(super) enum Pick<'a> {
    All,
    Id(u32),
    /// A pinned map, opened for writing only when the user asked for --write.
    Pin {
        path: &'a Path,
        write: bool,
    },
}

/// Opens the picked maps (maps that vanish while being listed are skipped) and lists the
/// programs on the system, naming each map's users.
pub(super) fn open(pick: Pick<'_>) -> Result<(Vec<MapHandle>, Vec<ProgramStatus>), LoadError> {
    let programs = match sys::programs() {
        Ok(programs) => programs,
        // Listing programs needs CAP_SYS_ADMIN; a pinned map opens without it, with its
        // users unknown (the other picks were refused earlier without that capability).
        Err(err) if err.errno() == libc::EPERM && matches!(pick, Pick::Pin { .. }) => Vec::new(),
        Err(source) => return Err(MapError::Open { source }.into()),
    };
    let mut maps = match pick {
        Pick::All => {
            let ids = sys::map_ids().map_err(|source| MapError::Open { source })?;
            ids.into_iter()
                .filter_map(|id| match MapHandle::open_by_id(id) {
                    Err(MapError::NotFound { .. }) => None,
                    other => Some(other),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        Pick::Id(id) => vec![MapHandle::open_by_id(id)?],
        Pick::Pin { path, write } => {
            if let Some(reason) = pin_path_problem(path) {
                return Err(LoadError::Pin {
                    path: path.display().to_string(),
                    reason,
                });
            }
            let map = if write {
                MapHandle::open_pinned(path)
            } else {
                MapHandle::open_pinned_read_only(path)
            };
            vec![map.map_err(|err| pin_error(path, err))?]
        }
    };
    for map in &mut maps {
        map.owners = owners(&programs, map.meta().id);
    }
    // One map picked: the programs that matter are its users, not every program on the host.
    let ids: Vec<u32> = maps.iter().map(|m| m.meta().id).collect();
    let statuses = programs
        .iter()
        .filter(|p| matches!(pick, Pick::All) || p.map_ids.iter().any(|id| ids.contains(id)))
        .map(|p| ProgramStatus {
            name: p.name.clone(),
            attachment: format!(
                "loaded by another tool: prog id {}, type {}",
                p.id, p.prog_type
            ),
            attached: false,
        })
        .collect();
    Ok((maps, statuses))
}

/// bpffs's magic number in statfs' f_type (include/uapi/linux/magic.h).
const BPF_FS_MAGIC: i64 = 0xcafe_4a11;

/// What is wrong with a --pin path before asking the kernel, which answers EACCES or EPERM
/// for anything that is not a pinned object and so would mislead.
fn pin_path_problem(path: &Path) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Some("nothing is pinned there (no such file)".into());
        }
        Err(err) => return Some(err.to_string()),
    };
    let c_path = crate::sys::path_cstring("statfs", path).ok()?;
    let mut fs = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: c_path is NUL-terminated and fs has room for one statfs, which the call fills.
    let on_bpffs = unsafe { libc::statfs(c_path.as_ptr(), fs.as_mut_ptr()) } == 0 && {
        // SAFETY: statfs returned 0, so it filled fs.
        let fs = unsafe { fs.assume_init() };
        #[expect(
            clippy::useless_conversion,
            reason = "f_type is an i64 here, a narrower integer on other targets"
        )]
        let f_type = i64::from(fs.f_type);
        f_type == BPF_FS_MAGIC
    };
    if !on_bpffs {
        return Some(
            "not a pinned BPF object: pins live on a BPF filesystem (bpffs, usually \
             /sys/fs/bpf)"
                .into(),
        );
    }
    if meta.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let inside = match names.len() {
            0 => "it is empty".to_string(),
            n if n > 8 => format!("it holds {}, … ({n} in all)", names[..8].join(", ")),
            _ => format!("it holds {}", names.join(", ")),
        };
        return Some(format!(
            "a directory on bpffs, not a pinned map ({inside}); name a map inside it"
        ));
    }
    None
}

fn pin_error(path: &Path, err: MapError) -> LoadError {
    match err {
        MapError::Open { source } if source.errno() == libc::EACCES => LoadError::Pin {
            path: path.display().to_string(),
            reason: pin_mode(path).map_or_else(
                || "permission denied".to_string(),
                |(uid, mode)| {
                    format!(
                        "its file mode does not let this user open it (owner uid {uid}, mode \
                         {mode:o}): run it as that user or with sudo"
                    )
                },
            ),
        },
        MapError::NotAMap { what } => LoadError::Pin {
            path: path.display().to_string(),
            reason: format!("pinned, but a {what}, not a map"),
        },
        // A pinned object the kernel will not describe as a map.
        MapError::Open { source } if source.errno() == libc::EINVAL => LoadError::Pin {
            path: path.display().to_string(),
            reason: "pinned, but not a map (a program or a link?)".into(),
        },
        MapError::Open { source } => LoadError::Pin {
            path: path.display().to_string(),
            reason: source.to_string(),
        },
        other => other.into(),
    }
}

/// The owner and permission bits of a pin, for the message when its mode keeps us out.
fn pin_mode(path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.uid(), meta.mode() & 0o7777))
}

/// Names (with ids) of the programs that use map `id`.
pub(super) fn owners(programs: &[ProgInfo], id: u32) -> Vec<String> {
    programs
        .iter()
        .filter(|p| p.map_ids.contains(&id))
        .map(|p| format!("{} (prog {})", p.name, p.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_the_programs_that_use_a_map() {
        let programs = [
            ProgInfo {
                id: 7,
                name: "count".into(),
                prog_type: 5,
                map_ids: vec![1, 2],
            },
            ProgInfo {
                id: 9,
                name: "trace".into(),
                prog_type: 5,
                map_ids: vec![2],
            },
        ];
        assert_eq!(owners(&programs, 2), ["count (prog 7)", "trace (prog 9)"]);
        assert_eq!(owners(&programs, 1), ["count (prog 7)"]);
        assert!(owners(&programs, 3).is_empty());
    }

    #[test]
    fn pin_paths_off_bpffs_or_missing_say_so_before_the_kernel_does() {
        let missing = pin_path_problem(Path::new("/nonexistent/pin")).unwrap();
        assert!(missing.contains("nothing is pinned there"), "{missing}");
        let file = pin_path_problem(Path::new("/etc/passwd")).unwrap();
        assert!(file.starts_with("not a pinned BPF object"), "{file}");
        let dir = pin_path_problem(Path::new("/tmp")).unwrap();
        assert!(dir.starts_with("not a pinned BPF object"), "{dir}");
    }
}
