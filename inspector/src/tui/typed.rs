//! The collector's work for typed maps: opening an inner map of a map-of-maps as a map of
//! its own, and answering probes (LPM match, bloom test and add) with the kernel's word.
use std::{collections::hash_map::Entry, sync::Arc};

use super::collector::Collector;
use crate::{
    app::{Opened, Probe, ProbeAnswer, ProbeError, Probed},
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
                id,
                result: Ok((index, desc)),
            };
        }
        let writable = self.loaded.maps.get(parent).is_some_and(|m| m.writable);
        let result = MapHandle::open_by_id(id).map(|mut map| {
            map.writable = writable;
            let desc = map.desc.clone();
            self.loaded.maps.push(map);
            self.previous.push(None);
            self.annotators.push(Annotator::default());
            (self.loaded.maps.len() - 1, desc)
        });
        Opened { parent, id, result }
    }

    /// Asks map `index` what `probe` wants to know, or adds the value.
    pub(super) fn probe(&self, index: usize, probe: Probe) -> Probed {
        Probed {
            map: index,
            result: self.answer(index, probe),
        }
    }

    fn answer(&self, index: usize, probe: Probe) -> Result<ProbeAnswer, ProbeError> {
        let map = self.loaded.maps.get(index).ok_or(ProbeError::Gone)?;
        Ok(match probe {
            Probe::LpmMatch(addr) => {
                let snap = match self.previous.get(index).cloned().flatten() {
                    Some(snap) => snap,
                    None => Arc::new(map.snapshot()?),
                };
                match map.lpm_lookup(&addr, &snap)? {
                    Some(found) => ProbeAnswer::Matched {
                        addr,
                        prefix: found.prefix,
                        value: found.value,
                    },
                    None => ProbeAnswer::NoMatch { addr },
                }
            }
            Probe::BloomTest(value) => match map.bloom_test(&value)? {
                true => ProbeAnswer::MayHold,
                false => ProbeAnswer::SurelyNot,
            },
            Probe::BloomAdd(value) => {
                map.bloom_add(&value)?;
                ProbeAnswer::Added
            }
        })
    }
}
