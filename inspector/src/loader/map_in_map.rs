//! Maps of maps an object fills statically (`.values = { [0] = &inner_a }` in C). libbpf
//! sets those slots at load, from the relocations of the `.maps` section; aya 0.14 does
//! not, so the program's lookups would find nothing. mapinspect sets them, as libbpf does,
//! after the maps exist and before any program is attached.
use std::os::fd::{AsFd, AsRawFd};

use aya::Ebpf;

use super::object::map_data;
use crate::{sys, values::btf::Btf};

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
        let (Some(outer), Some(inner)) = (fd_of(&slot.outer), fd_of(&slot.inner)) else {
            warnings.push(format!("{what} was not set: the object has no such map"));
            continue;
        };
        match sys::map_info(outer) {
            Ok(info) if info.key_size == 4 && info.value_size == 4 => {}
            Ok(_) | Err(_) => {
                warnings.push(format!(
                    "{what} was not set: {} is not a map of maps",
                    slot.outer
                ));
                continue;
            }
        }
        let key = slot.index.to_le_bytes();
        let value = (inner.as_raw_fd() as u32).to_le_bytes();
        // SAFETY: the map's key and value sizes are both 4 (checked just above), the sizes
        // of `key` and `value`.
        if let Err(err) = unsafe { sys::update_elem(outer, &key, &value, sys::BPF_ANY) } {
            warnings.push(format!("{what} was not set: {err}"));
        }
    }
    warnings
}
