//! Maps of maps an object fills statically (`.values = { [0] = &inner_a }` in C). libbpf
//! sets those slots at load, from the relocations of the `.maps` section; aya 0.14 does
//! not, so the program's lookups would find nothing. mapinspect sets them, as libbpf does,
//! after the maps exist and before any program is attached.
use std::os::fd::{AsFd, AsRawFd};

use aya::Ebpf;

use super::object::map_data;
use crate::{maps::MapKind, sys, values::btf::Btf};

/// One slot of a map of maps the object initialises: `outer[index] = inner`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub outer: String,
    pub index: u32,
    pub inner: String,
}

/// The slots an object's `.maps` relocations set: a relocation inside map `outer`'s
/// definition, past its `values` member, names the inner map of slot (offset - values) / 8.
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

/// Sets each slot; what cannot be set is returned as a warning naming the slot and why.
pub(super) fn fill(ebpf: &Ebpf, slots: &[Slot]) -> Vec<String> {
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
        if let Some(why) = not_a_map_of_maps(&slot.outer, kind) {
            warnings.push(format!("{what} was not set: {why}"));
            continue;
        }
        let Some(inner) = fd_of(&slot.inner) else {
            warnings.push(format!(
                "{what} was not set: the object has no map {}",
                slot.inner
            ));
            continue;
        };
        let key = slot.index.to_le_bytes();
        let value = (inner.as_raw_fd() as u32).to_le_bytes();
        // SAFETY: the map's key and value sizes are both 4 (checked by not_a_map_of_maps),
        // the sizes of `key` and `value`.
        if let Err(err) = unsafe { sys::update_elem(outer, &key, &value, sys::BPF_ANY) } {
            warnings.push(format!("{what} was not set: {err}"));
        }
    }
    warnings
}

/// Why the slots of map `outer` (its type and key/value sizes, None if the kernel would
/// not say) are not set from its initialiser: only a map of maps with 4-byte keys and
/// values holds inner maps. A program array's initialiser names programs, not maps.
fn not_a_map_of_maps(outer: &str, kind: Option<(MapKind, (u32, u32))>) -> Option<String> {
    match kind {
        Some((MapKind::ArrayOfMaps | MapKind::HashOfMaps, (4, 4))) => None,
        Some((MapKind::ProgArray, _)) => Some(format!(
            "{outer} is a program array, and mapinspect sets the slots of maps of maps only"
        )),
        _ => Some(format!("{outer} is not a map of maps")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_maps_of_maps_get_their_slots_set() {
        for kind in [MapKind::ArrayOfMaps, MapKind::HashOfMaps] {
            assert_eq!(not_a_map_of_maps("outer", Some((kind, (4, 4)))), None);
        }
        // A program array's slots name programs: no "no such map" about them.
        let why = not_a_map_of_maps("jumps", Some((MapKind::ProgArray, (4, 4))));
        assert_eq!(
            why.as_deref(),
            Some("jumps is a program array, and mapinspect sets the slots of maps of maps only")
        );
        for kind in [
            Some((MapKind::Array, (4, 4))),
            Some((MapKind::Hash, (4, 4))),
            Some((MapKind::ArrayOfMaps, (8, 4))),
            None,
        ] {
            assert_eq!(
                not_a_map_of_maps("m", kind).as_deref(),
                Some("m is not a map of maps"),
                "{kind:?}"
            );
        }
    }
}
