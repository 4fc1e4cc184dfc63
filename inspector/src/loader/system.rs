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
    Pin(&'a Path),
}

/// Opens the picked maps (maps that vanish while being listed are skipped) and lists the
/// programs on the system, naming each map's users.
pub(super) fn open(pick: Pick<'_>) -> Result<(Vec<MapHandle>, Vec<ProgramStatus>), LoadError> {
    let programs = sys::programs().map_err(|source| MapError::Open { source })?;
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
        Pick::Pin(path) => vec![MapHandle::open_pinned(path).map_err(|err| pin_error(path, err))?],
    };
    for map in &mut maps {
        map.owners = owners(&programs, map.meta().id);
    }
    let statuses = programs
        .iter()
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

fn pin_error(path: &Path, err: MapError) -> LoadError {
    match err {
        MapError::Open { source } => LoadError::Pin {
            path: path.display().to_string(),
            reason: source.to_string(),
        },
        other => other.into(),
    }
}

/// Names (with ids) of the programs that use map `id`.
fn owners(programs: &[ProgInfo], id: u32) -> Vec<String> {
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
}
