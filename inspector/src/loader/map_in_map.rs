//! Maps of maps and program arrays an object fills statically (`.values = { [0] = &inner_a }`
//! or `{ [1] = (void *)&tail_a }` in C). libbpf sets those slots at load, from the
//! relocations of the `.maps` section; aya 0.14 does not, so the program's lookups and tail
//! calls would find nothing. mapinspect sets them, as libbpf does, once the maps exist and
//! the programs are loaded, before any program is attached.
use std::os::fd::{AsFd, AsRawFd};

use aya::Ebpf;

use super::object::{Programs, map_data};
use crate::{maps::MapKind, sys, values::btf::Btf};

/// One slot the object initialises: `outer[index] = inner`, an inner map, or for a program
/// array a program.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub outer: String,
    pub index: u32,
    pub inner: String,
}

/// The slots an object's `.maps` relocations set: a relocation inside map `outer`'s
/// definition, past its `values` member, names the inner map (or program) of slot
/// (offset - values) / 8.
pub(super) fn static_slots(elf: &[u8], btf: &Btf) -> Vec<Slot> {
    use object::{Object as _, ObjectSection as _, ObjectSymbol as _, RelocationTarget};
    let Ok(file) = object::File::parse(elf) else {
        return Vec::new();
    };
    let Some(maps) = file.section_by_name(".maps") else {
        return Vec::new();
    };
    // The map definitions: (name, start, end) in the section.
    let defs: Vec<(String, u64, u64)> = file
        .symbols()
        .filter(|s| s.section_index() == Some(maps.index()))
        .filter_map(|s| {
            Some((
                s.name().ok()?.to_string(),
                s.address(),
                s.address() + s.size(),
            ))
        })
        .collect();
    let mut slots = Vec::new();
    for (offset, relocation) in maps.relocations() {
        let RelocationTarget::Symbol(target) = relocation.target() else {
            continue;
        };
        let Some(inner) = file
            .symbol_by_index(target)
            .ok()
            .and_then(|s| s.name().ok())
        else {
            continue;
        };
        let Some((outer, start, _)) = defs
            .iter()
            .find(|(_, start, end)| (*start..*end).contains(&offset))
        else {
            continue;
        };
        let Some(values) = btf.map_member_offset(outer, "values") else {
            continue;
        };
        let Some(past) = offset.checked_sub(start + u64::from(values)) else {
            continue;
        };
        if let Ok(index) = u32::try_from(past / 8) {
            slots.push(Slot {
                outer: outer.clone(),
                index,
                inner: inner.to_string(),
            });
        }
    }
    slots
}

/// Sets each slot (`programs`: the object's, loaded); what cannot be set is returned as a
/// warning naming the slot and why.
pub(super) fn fill(ebpf: &Ebpf, programs: &Programs, slots: &[Slot]) -> Vec<String> {
    let fd_of = |name: &str| ebpf.map(name).map(|map| map_data(map).fd().as_fd());
    let mut warnings = Vec::new();
    for slot in slots {
        let what = format!("{}[{}] = {}", slot.outer, slot.index, slot.inner);
        let Some(outer) = fd_of(&slot.outer) else {
            warnings.push(format!(
                "{what} was not set: the object has no map {}",
                slot.outer
            ));
            continue;
        };
        let kind = sys::map_info(outer).ok().map(|info| {
            let sizes = (info.key_size, info.value_size);
            (MapKind::from_raw(info.map_type), sizes)
        });
        let inner = match holds(&slot.outer, kind) {
            Ok(Holds::Maps) => {
                fd_of(&slot.inner).ok_or_else(|| format!("the object has no map {}", slot.inner))
            }
            Ok(Holds::Programs) => programs.loaded(&slot.inner).and_then(|()| {
                let program = ebpf.program(&slot.inner);
                let fd = program.map(|p| p.fd().map(|fd| fd.as_fd()));
                fd.ok_or_else(|| format!("the object has no program {}", slot.inner))?
                    .map_err(|err| format!("program {}: {err}", slot.inner))
            }),
            Err(why) => Err(why),
        };
        let inner = match inner {
            Ok(inner) => inner,
            Err(why) => {
                warnings.push(format!("{what} was not set: {why}"));
                continue;
            }
        };
        let key = slot.index.to_le_bytes();
        let value = (inner.as_raw_fd() as u32).to_le_bytes();
        // SAFETY: the map's key and value sizes are both 4 (checked by holds), the sizes
        // of `key` and `value`.
        if let Err(err) = unsafe { sys::update_elem(outer, &key, &value, sys::BPF_ANY) } {
            warnings.push(format!("{what} was not set: {err}"));
        }
    }
    warnings
}

/// What the slots of a map initialised statically hold.
#[derive(Debug, PartialEq, Eq)]
enum Holds {
    Maps,
    Programs,
}

/// What the slots of map `outer` (its type and key/value sizes, None if the kernel would
/// not say) hold, or why they are not set from its initialiser: only a map of maps or a
/// program array with 4-byte keys and values holds fds.
fn holds(outer: &str, kind: Option<(MapKind, (u32, u32))>) -> Result<Holds, String> {
    match kind {
        Some((MapKind::ArrayOfMaps | MapKind::HashOfMaps, (4, 4))) => Ok(Holds::Maps),
        Some((MapKind::ProgArray, (4, 4))) => Ok(Holds::Programs),
        _ => Err(format!(
            "{outer} is not a map of maps or a program array with 4-byte keys and values"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_of_maps_hold_maps_and_program_arrays_programs() {
        for kind in [MapKind::ArrayOfMaps, MapKind::HashOfMaps] {
            assert_eq!(holds("outer", Some((kind, (4, 4)))), Ok(Holds::Maps));
        }
        // A program array's slots name programs, set to the programs' fds.
        let jumps = holds("jumps", Some((MapKind::ProgArray, (4, 4))));
        assert_eq!(jumps, Ok(Holds::Programs));
        for kind in [
            Some((MapKind::Array, (4, 4))),
            Some((MapKind::Hash, (4, 4))),
            Some((MapKind::ArrayOfMaps, (8, 4))),
            Some((MapKind::ProgArray, (4, 8))),
            None,
        ] {
            assert_eq!(
                holds("m", kind),
                Err("m is not a map of maps or a program array with 4-byte keys and values".into()),
                "{kind:?}"
            );
        }
    }
}
