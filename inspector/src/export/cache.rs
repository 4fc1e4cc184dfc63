//! What a scrape costs is reading maps: a million-entry hash is a few dozen batch syscalls and
//! its raw bytes in memory. Each map's reading is kept for `--cache-for`, so scrapes closer
//! together than that (a second Prometheus, a short interval) cost only the encoding.
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use super::values::{self, ValueSample};
use crate::maps::{MapError, MapHandle, MapKind};

/// One read of a map.
#[derive(Clone, Debug)]
pub struct Reading {
    pub taken_at: Instant,
    /// Entries as the TUI counts them: arrays count their non-zero slots.
    pub entries: u64,
    /// `--entries` samples (at most the cap), and how many more there were.
    pub values: Vec<ValueSample>,
    pub values_dropped: u64,
}

/// Whether the exporter can count a map's entries: hashes and arrays can be read whole; a
/// queue or stack cannot be listed without popping, other types are not readable yet.
pub fn countable(kind: MapKind) -> bool {
    kind.is_readable() && !kind.is_queue_like()
}

/// Readings by map id (ids are not reused while the kernel has ids left to hand out).
#[derive(Debug)]
pub struct Cache {
    ttl: Duration,
    readings: HashMap<u32, Reading>,
}

impl Cache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            readings: HashMap::new(),
        }
    }

    /// The map's reading, from the cache when younger than the ttl, else read now.
    /// `values` is the `--entries` cap for this map, `None` when its entries are not wanted.
    pub fn read(&mut self, map: &MapHandle, values: Option<usize>) -> Result<&Reading, MapError> {
        let id = map.meta().id;
        let fresh = self
            .readings
            .get(&id)
            .is_some_and(|r| r.taken_at.elapsed() < self.ttl);
        if !fresh {
            self.readings.remove(&id);
            let reading = read(map, values)?;
            self.readings.insert(id, reading);
        }
        Ok(&self.readings[&id])
    }

    /// Forgets maps that are gone.
    pub fn retain(&mut self, ids: &HashSet<u32>) {
        self.readings.retain(|id, _| ids.contains(id));
    }
}

fn read(map: &MapHandle, values: Option<usize>) -> Result<Reading, MapError> {
    let snap = map.snapshot()?;
    let entries = if map.meta().kind.is_array() {
        snap.nonzero_count()
    } else {
        snap.len()
    };
    let (values, values_dropped) = match values {
        Some(cap) => values::samples(&map.desc, &snap, cap),
        None => (Vec::new(), 0),
    };
    Ok(Reading {
        taken_at: snap.taken_at,
        entries: entries as u64,
        values,
        values_dropped,
    })
}
