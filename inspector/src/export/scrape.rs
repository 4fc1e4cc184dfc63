//! One scrape: open the source (again, for maps other programs own, so a map that is gone
//! drops out), pick the maps, count hash maps by the kernel's counters (one iterator read
//! for all of them), read the others through the cache, gather the figures.
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    os::fd::AsRawFd as _,
    time::Instant,
};

use color_eyre::eyre::Result;
use glob::Pattern;

use super::{
    ExportArgs,
    cache::{Cache, countable},
    metrics::{MapFacts, Scrape, encode_scrape},
};
use crate::{
    cli,
    loader::{Loaded, Source},
    maps::{
        MapHandle, MapKind,
        counts::{Counter, keeps_counter},
    },
    values::Layout,
};

/// The exporter's state, owned by its one collecting thread.
pub struct Exporter {
    source: Source,
    key_type: Option<Layout>,
    value_type: Option<Layout>,
    /// Kept for the exporter's life when mapinspect loaded the object itself (its programs
    /// stay attached); `None` for maps other programs own, which are reopened each scrape.
    owned: Option<Loaded>,
    maps: Vec<Pattern>,
    entries: Vec<Pattern>,
    max_series: usize,
    cache: Cache,
    /// The kernel's element counters of every hash map, one iterator read a scrape.
    counter: Counter,
    /// Maps whose last read failed, and whether the source failed last time: problems are
    /// written to stderr when they start, not on every scrape.
    failing: HashSet<u32>,
    source_failing: bool,
}

impl Exporter {
    /// Opens the source once, so bad flags and missing maps fail at start.
    pub fn new(
        source: Source,
        key_type: Option<Layout>,
        value_type: Option<Layout>,
        args: &ExportArgs,
    ) -> Result<Self> {
        let loaded = cli::open_source(&source, false, key_type.as_ref(), value_type.as_ref())?;
        for warning in &loaded.warnings {
            eprintln!("warning: {warning}");
        }
        let names: Vec<&str> = loaded.maps.iter().map(|m| m.meta().name.as_str()).collect();
        for pattern in &args.entries {
            if !names.iter().any(|n| pattern.matches(n)) {
                eprintln!(
                    "warning: --entries {pattern}: no map by that name yet (maps: {})",
                    names.join(", ")
                );
            }
        }
        Ok(Self {
            owned: source.owns_its_maps().then_some(loaded),
            source,
            key_type,
            value_type,
            maps: args.maps.clone(),
            entries: args.entries.clone(),
            max_series: args.max_series,
            cache: Cache::new(args.cache_for),
            counter: Counter::new(),
            failing: HashSet::new(),
            source_failing: false,
        })
    }

    /// Reads what it must and returns the exposition text.
    pub fn scrape(&mut self) -> String {
        let started = Instant::now();
        let mut scrape = self.collect();
        scrape.duration = started.elapsed();
        encode_scrape(&scrape)
    }

    fn collect(&mut self) -> Scrape {
        let loaded = match self.owned.take() {
            Some(loaded) => loaded,
            None => match cli::open_source(
                &self.source,
                false,
                self.key_type.as_ref(),
                self.value_type.as_ref(),
            ) {
                Ok(loaded) => {
                    self.source_failing = false;
                    loaded
                }
                Err(err) => {
                    if !std::mem::replace(&mut self.source_failing, true) {
                        eprintln!("mapinspect export: cannot open the maps: {err:#}");
                    }
                    self.cache.retain(&HashSet::new());
                    return Scrape::default();
                }
            },
        };
        let picked: Vec<&MapHandle> = loaded
            .maps
            .iter()
            .filter(|m| self.maps.is_empty() || self.maps.iter().any(|p| p.matches(&m.meta().name)))
            .collect();
        let ids: HashSet<u32> = picked.iter().map(|m| m.meta().id).collect();
        self.cache.retain(&ids);
        self.failing.retain(|id| ids.contains(id));

        let mut scrape = Scrape {
            source_up: true,
            ..Scrape::default()
        };
        let mut budget = self.max_series;
        // One read of the kernel's counters for every map; None where it cannot run.
        let counts = self.counter.kernel_counts().ok();
        for map in picked {
            let facts = self.map_facts(map, counts.as_ref(), &mut budget, &mut scrape.skipped);
            scrape.maps.push(facts);
        }
        if self.source.owns_its_maps() {
            self.owned = Some(loaded);
        }
        scrape
    }

    fn map_facts(
        &mut self,
        map: &MapHandle,
        counts: Option<&HashMap<u32, u64>>,
        budget: &mut usize,
        skipped: &mut BTreeMap<&'static str, u64>,
    ) -> MapFacts {
        let meta = map.meta();
        let mut facts = MapFacts {
            id: meta.id,
            name: meta.name.clone(),
            kind: meta.kind.label(),
            key_size: meta.key_size,
            value_size: meta.value_size,
            max_entries: meta.max_entries,
            flags: meta.flags,
            owners: map.owners.clone(),
            memory_bytes: memlock(map),
            ringbuf_size_bytes: (meta.kind == MapKind::Ringbuf)
                .then_some(u64::from(meta.max_entries)),
            // Positions through a read-only mapping: a scrape never consumes a record.
            ringbuf_pending_bytes: (meta.kind == MapKind::Ringbuf)
                .then(|| map.ring_positions().ok())
                .flatten()
                .map(|ring| ring.pending_bytes()),
            ..MapFacts::default()
        };
        if !countable(meta.kind) {
            *skipped.entry("not_countable").or_default() += 1;
            return facts;
        }
        facts.values_wanted = self.entries.iter().any(|p| p.matches(&meta.name));
        // A hash map's count from the kernel's own counter costs nothing and is never stale:
        // read in full only for its entries, or where the kernel keeps no counter.
        let counted = counts
            .filter(|_| keeps_counter(meta.kind) && !facts.values_wanted)
            .and_then(|counts| counts.get(&meta.id));
        if let Some(&count) = counted {
            self.failing.remove(&meta.id);
            facts.entries = Some(count);
            return facts;
        }
        let cap = facts.values_wanted.then_some(self.max_series);
        match self.cache.read(map, cap) {
            Ok(reading) => {
                self.failing.remove(&meta.id);
                facts.entries = Some(reading.entries);
                // The cap is over the whole scrape: what one map keeps, the next cannot.
                let kept = reading.values.len().min(*budget);
                *budget -= kept;
                facts.values = reading.values[..kept].to_vec();
                facts.values_dropped =
                    reading.values_dropped + (reading.values.len() - kept) as u64;
            }
            Err(err) => {
                if self.failing.insert(meta.id) {
                    eprintln!("mapinspect export: {err}");
                }
                facts.read_failed = true;
                *skipped.entry("read_error").or_default() += 1;
            }
        }
        facts
    }
}

/// The memory the kernel charges to the map: `memlock:` in /proc/self/fdinfo/<fd>.
fn memlock(map: &MapHandle) -> Option<u64> {
    let path = format!("/proc/self/fdinfo/{}", map.fd().as_raw_fd());
    parse_memlock(&std::fs::read_to_string(path).ok()?)
}

fn parse_memlock(fdinfo: &str) -> Option<u64> {
    fdinfo
        .lines()
        .find_map(|line| line.strip_prefix("memlock:"))
        .and_then(|value| value.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memlock_comes_from_fdinfo() {
        let fdinfo = "pos:\t0\nflags:\t02000002\nmap_type:\t1\nmemlock:\t1152\nmap_id:\t9\n";
        assert_eq!(parse_memlock(fdinfo), Some(1152));
        assert_eq!(parse_memlock("pos:\t0\n"), None);
    }
}
