//! A live [`MapDesc`] as the recording header holds it, and back: the replay decodes with
//! the very layouts the live TUI used, without BTF or BPF. Reading back checks every size
//! against the bounds the kernel itself keeps, since the header comes from a file.
use super::{
    format::{Note, Program, RecordedMap},
    layout,
};
use crate::{
    loader::ProgramStatus,
    maps::{
        LayoutSource, MapDesc, MapKind, MapMeta,
        types::{Annotation, Cgroup, InnerMap, ProgramRef, objects::InnerInfo},
    },
};

/// Key plus value under KMALLOC_MAX_SIZE, as the kernel requires.
const MAX_ENTRY: u32 = 4 << 20;
/// More possible CPUs than Linux supports (NR_CPUS tops out at 8192).
const MAX_CPUS: u32 = 8192;

pub fn recorded(desc: &MapDesc) -> RecordedMap {
    let meta = &desc.meta;
    RecordedMap {
        id: meta.id,
        name: meta.name.clone(),
        kind: meta.kind.raw(),
        key_size: meta.key_size,
        value_size: meta.value_size,
        max_entries: meta.max_entries,
        flags: meta.flags,
        btf_id: meta.btf_id,
        btf_key_type_id: meta.btf_key_type_id,
        btf_value_type_id: meta.btf_value_type_id,
        cpus: u32::try_from(desc.cpus).unwrap_or(u32::MAX),
        layout_source: match desc.layout_source {
            LayoutSource::KernelBtf => 0,
            LayoutSource::ObjectBtf => 1,
            LayoutSource::Sizes => 2,
            LayoutSource::UserTypes => 3,
        },
        key_layout: layout::flatten(&desc.key_layout),
        value_layout: layout::flatten(&desc.value_layout),
    }
}

/// The description a recorded map decodes with; `Err` says what in the header is wrong.
pub fn desc(map: &RecordedMap) -> Result<MapDesc, String> {
    let kind = MapKind::from_raw(map.kind);
    let name = &map.name;
    if map.key_size.saturating_add(map.value_size) > MAX_ENTRY {
        return Err(format!("map {name}: entries of over {MAX_ENTRY} bytes"));
    }
    let cpus_ok = if kind.is_percpu() {
        (1..=MAX_CPUS).contains(&map.cpus)
    } else {
        map.cpus == 1
    };
    if !cpus_ok {
        return Err(format!("map {name}: {} values per key", map.cpus));
    }
    // A ring's value layout is its records' type: the kernel's value size (0) says nothing.
    let value_size = (!matches!(kind, MapKind::Ringbuf | MapKind::UserRingbuf))
        .then_some(map.value_size as usize);
    let layouts = layout::build(&map.key_layout, Some(map.key_size as usize))
        .and_then(|key| Ok((key, layout::build(&map.value_layout, value_size)?)));
    let (key_layout, value_layout) = layouts.map_err(|err| format!("map {name}: {err}"))?;
    let layout_source = match map.layout_source {
        0 => LayoutSource::KernelBtf,
        1 => LayoutSource::ObjectBtf,
        3 => LayoutSource::UserTypes,
        _ => LayoutSource::Sizes,
    };
    Ok(MapDesc {
        meta: MapMeta {
            id: map.id,
            name: name.clone(),
            kind,
            key_size: map.key_size,
            value_size: map.value_size,
            max_entries: map.max_entries,
            flags: map.flags,
            btf_id: map.btf_id,
            btf_key_type_id: map.btf_key_type_id,
            btf_value_type_id: map.btf_value_type_id,
        },
        key_layout,
        value_layout,
        layout_source,
        cpus: map.cpus as usize,
        // A replay floods nothing.
        kernel_flood: None,
        frozen: false,
    })
}

pub fn program(status: &ProgramStatus) -> Program {
    Program {
        name: status.name.clone(),
        attachment: status.attachment.clone(),
        attached: status.attached,
    }
}

pub fn program_status(program: &Program) -> ProgramStatus {
    ProgramStatus {
        name: program.name.clone(),
        attachment: program.attachment.clone(),
        attached: program.attached,
    }
}

/// What the replay cannot work out from an entry's bytes; None for what it can (an LPM
/// prefix is read from its key).
pub fn note(annotation: &Annotation) -> Option<Note> {
    Some(match annotation {
        Annotation::Prefix(_) => return None,
        Annotation::InnerMap(inner) => Note::InnerMap {
            id: inner.id,
            info: inner.info.clone().map(|info| {
                let entries = info.entries.map(|n| n as u64);
                (info.name, info.kind.raw(), info.max_entries, entries)
            }),
        },
        Annotation::Program(program) => Note::Program {
            id: program.id,
            info: program.info.clone(),
        },
        Annotation::Frames(frames) => Note::Frames(frames.clone()),
        Annotation::Cgroup(cgroup) => Note::Cgroup {
            id: cgroup.id,
            path: cgroup.path.clone(),
        },
    })
}

pub fn annotation(note: &Note) -> Annotation {
    match note {
        Note::InnerMap { id, info } => Annotation::InnerMap(InnerMap {
            id: *id,
            info: info
                .clone()
                .map(|(name, kind, max_entries, entries)| InnerInfo {
                    name,
                    kind: MapKind::from_raw(kind),
                    max_entries,
                    entries: entries.and_then(|n| usize::try_from(n).ok()),
                }),
        }),
        Note::Program { id, info } => Annotation::Program(ProgramRef {
            id: *id,
            info: info.clone(),
        }),
        Note::Frames(frames) => Annotation::Frames(frames.clone()),
        Note::Cgroup { id, path } => Annotation::Cgroup(Cgroup {
            id: *id,
            path: path.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures;

    #[test]
    fn every_fixture_map_round_trips() {
        for view in &test_fixtures::app().maps {
            let back = desc(&recorded(&view.desc)).unwrap();
            assert_eq!(back.meta, view.desc.meta);
            assert_eq!(back.key_layout, view.desc.key_layout);
            assert_eq!(back.value_layout, view.desc.value_layout);
            assert_eq!(back.layout_source, view.desc.layout_source);
            assert_eq!(back.cpus, view.desc.cpus);
        }
    }

    #[test]
    fn notes_round_trip_to_the_annotations_they_came_from() {
        let annotations = [
            Annotation::InnerMap(InnerMap {
                id: 7,
                info: Ok(InnerInfo {
                    name: "OPENS_EVEN".into(),
                    kind: MapKind::Hash,
                    max_entries: 64,
                    entries: Some(3),
                }),
            }),
            Annotation::InnerMap(InnerMap {
                id: 8,
                info: Err("no map with id 8".into()),
            }),
            Annotation::Program(ProgramRef {
                id: 9,
                info: Ok(("tail_fork".into(), "tracepoint".into())),
            }),
            Annotation::Frames(vec!["do_sys_openat2+0x5".into(), "x64_sys_call+0x1".into()]),
            Annotation::Cgroup(Cgroup {
                id: 1234,
                path: "/system.slice".into(),
            }),
        ];
        for original in &annotations {
            assert_eq!(&annotation(&note(original).unwrap()), original);
        }
    }

    #[test]
    fn a_ring_keeps_its_record_type() {
        // The value layout of a ring is its records' type; the kernel's value size is 0.
        let mut ring = test_fixtures::app().maps[0].desc.clone();
        ring.meta.kind = MapKind::Ringbuf;
        ring.meta.key_size = 0;
        ring.meta.value_size = 0;
        ring.key_layout = crate::values::Layout::from_size(0);
        let back = desc(&recorded(&ring)).unwrap();
        assert_eq!(back.value_layout, ring.value_layout);
        assert!(back.value_layout.size() > 0);
    }

    #[test]
    fn impossible_sizes_are_refused() {
        let app = test_fixtures::app();
        let good = recorded(&app.maps[0].desc);
        let huge = RecordedMap {
            value_size: u32::MAX,
            ..good.clone()
        };
        assert!(desc(&huge).unwrap_err().contains("entries of over"));
        let cpus = RecordedMap {
            cpus: 0,
            ..good.clone()
        };
        assert!(desc(&cpus).is_err());
        let mismatch = RecordedMap {
            key_size: good.key_size + 1,
            ..good
        };
        assert!(desc(&mismatch).unwrap_err().contains("bytes for"));
    }
}
