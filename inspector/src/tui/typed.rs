//! The collector's work for typed maps: opening an inner map of a map-of-maps as a map of
//! its own, and answering probes (LPM match, bloom test and add) with the kernel's word.
use std::{collections::hash_map::Entry, sync::Arc};

use super::collector::Collector;
use crate::{
    app::{Opened, Probe, Probed},
    maps::{
        MapHandle, MapKind,
        types::{Annotator, RingReader, RingRecords},
    },
};

impl Collector {
    /// Consumes what arrived in map `index` if it is a ring mapinspect loaded itself; None
    /// for every other map (other programs' rings are only watched).
    pub(super) fn drain_own_ring(&mut self, index: usize) -> Option<RingRecords> {
        let map = self.loaded.maps.get(index)?;
        if map.meta().kind != MapKind::Ringbuf || !self.loaded.source.owns_its_maps() {
            return None;
        }
        let reader = match self.ring_readers.entry(index) {
            Entry::Occupied(open) => open.into_mut(),
            Entry::Vacant(slot) => slot.insert(RingReader::open(map).ok()?),
        };
        Some(reader.drain())
    }

    /// Opens inner map `id` of map `parent`: read-only exactly when its parent is. An inner
    /// map opened before keeps its index.
    pub(super) fn open_inner(&mut self, parent: usize, id: u32) -> Opened {
        if let Some(index) = self.loaded.maps.iter().position(|m| m.meta().id == id) {
            let desc = self.loaded.maps[index].desc.clone();
            return Opened {
                parent,
                result: Ok((index, desc)),
            };
        }
        let writable = self.loaded.maps.get(parent).is_some_and(|m| m.writable);
        let result = MapHandle::open_by_id(id)
            .map_err(|e| format!("cannot open inner map {id}: {e}"))
            .map(|mut map| {
                map.writable = writable;
                let desc = map.desc.clone();
                self.loaded.maps.push(map);
                self.previous.push(None);
                self.annotators.push(Annotator::default());
                (self.loaded.maps.len() - 1, desc)
            });
        Opened { parent, result }
    }

    /// Asks map `index` what `probe` wants to know, or adds the value.
    pub(super) fn probe(&self, index: usize, probe: Probe) -> Probed {
        let reply = |text: String, is_error: bool, found: Option<Vec<u8>>| Probed {
            map: index,
            text,
            is_error,
            found,
        };
        let Some(map) = self.loaded.maps.get(index) else {
            return reply("that map is gone".into(), true, None);
        };
        let name = &map.meta().name;
        match probe {
            Probe::LpmMatch(addr) => {
                let snap = match self.previous.get(index).cloned().flatten() {
                    Some(snap) => snap,
                    None => match map.snapshot() {
                        Ok(snap) => Arc::new(snap),
                        Err(err) => return reply(err.to_string(), true, None),
                    },
                };
                let shown = crate::maps::types::lpm::Prefix {
                    len: (addr.len() * 8) as u32,
                    data: addr.clone(),
                }
                .to_string();
                let addr_text = shown.rsplit_once('/').map_or(shown.as_str(), |(a, _)| a);
                match map.lpm_lookup(&addr, &snap) {
                    Ok(Some(found)) => {
                        let value =
                            crate::app::value_text(&map.desc, &found.value, Default::default());
                        let prefix = found.prefix.as_ref().map_or_else(
                            || "a prefix added since the last read".to_string(),
                            ToString::to_string,
                        );
                        let key = found.prefix.map(|p| {
                            let mut key = p.len.to_ne_bytes().to_vec();
                            key.extend(p.data);
                            key
                        });
                        reply(
                            format!("{addr_text} → {prefix} in {name}: {value}"),
                            false,
                            key,
                        )
                    }
                    Ok(None) => reply(
                        format!("no prefix of {name} holds {addr_text}"),
                        false,
                        None,
                    ),
                    Err(err) => reply(err, true, None),
                }
            }
            Probe::BloomTest(value) => match map.bloom_test(&value) {
                Ok(true) => reply(
                    format!(
                        "{name} may hold it (a bloom filter can be wrong about yes, never about no)"
                    ),
                    false,
                    None,
                ),
                Ok(false) => reply(format!("{name} surely does not hold it"), false, None),
                Err(err) => reply(err.to_string(), true, None),
            },
            Probe::BloomAdd(value) => match map.bloom_add(&value) {
                Ok(()) => reply(format!("added to {name}"), false, None),
                Err(err) => reply(err.to_string(), true, None),
            },
        }
    }
}
