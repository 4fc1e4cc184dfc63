//! Entries over time: for the few entries being watched (the selected one and those on
//! screen), a ring of their numeric fields per refresh, per CPU for per-CPU maps. Rings are
//! keyed by the key's bytes, so a history follows its key across sorting, filtering and
//! refreshes, not its row. Fed only by refreshes (`MapView::sample_history`), no I/O: a
//! recording replayed through the same refreshes rebuilds the same history.
//!
//! Bounded: at most [`SAMPLES`] samples of at most [`MAX_FIELDS`] fields ([`MAX_VALUES`]
//! numbers with their CPUs) per key, and
//! [`MAX_WATCHED`] keys per map (the longest unwatched goes first).
use std::{
    collections::{HashMap, VecDeque},
    time::Instant,
};

use crate::{
    maps::{MapDesc, Snapshot},
    values::entries,
    values::render::numeric_leaves,
};

/// Samples kept per key: two minutes at the default refresh.
pub const SAMPLES: usize = 120;
/// Numeric fields kept per entry (a struct of 40 counters charts its first 8)...
pub const MAX_FIELDS: usize = 8;
/// ...and numbers per sample (fields x CPUs): on 64 CPUs a per-CPU map charts one field.
/// So a map's history is at most 96 keys x 120 samples x 64 numbers x 8 B = 5.9 MB (one
/// field on more CPUs than that adds its CPUs).
pub const MAX_VALUES: usize = 64;
/// Keys watched per map: the selected entry and a screenful of rows.
pub const MAX_WATCHED: usize = 96;

/// One refresh of one entry: `values[field * cpus + cpu]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub at: Instant,
    pub values: Box<[f64]>,
}

/// The recent past of one key.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    /// Field paths (`value` for a plain number, `stats.bytes` in a struct).
    pub fields: Vec<String>,
    /// Values per field per sample: possible CPUs for per-CPU maps, else 1.
    pub cpus: usize,
    pub samples: VecDeque<Sample>,
    /// The refresh that last sampled it (for evicting the longest unwatched).
    seen: u64,
}

/// Min, max, last and rate of one field (summed over CPUs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub min: f64,
    pub max: f64,
    pub last: f64,
    /// Change per second over the last two samples.
    pub rate: Option<f64>,
}

impl Trend {
    /// One CPU's series of `field`.
    pub fn series(&self, field: usize, cpu: usize) -> impl Iterator<Item = f64> + '_ {
        let at = field * self.cpus + cpu;
        self.samples.iter().map(move |s| s.values[at])
    }

    /// `field` summed over CPUs, oldest first.
    pub fn sums(&self, field: usize) -> impl Iterator<Item = f64> + '_ {
        let (start, cpus) = (field * self.cpus, self.cpus);
        self.samples
            .iter()
            .map(move |s| s.values[start..start + cpus].iter().sum())
    }

    pub fn stats(&self, field: usize) -> Option<Stats> {
        let last = self.sums(field).last()?;
        let (min, max) = self
            .sums(field)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let n = self.samples.len();
        let rate = (n >= 2)
            .then(|| {
                let (a, b) = (&self.samples[n - 2], &self.samples[n - 1]);
                let secs = b.at.duration_since(a.at).as_secs_f64();
                let before = self.sums(field).nth(n - 2)?;
                (secs > 0.0).then(|| (last - before) / secs)
            })
            .flatten();
        Some(Stats {
            min,
            max,
            last,
            rate,
        })
    }

    /// Seconds from the oldest sample to the newest.
    pub fn span_secs(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(a), Some(b)) => b.at.duration_since(a.at).as_secs_f64(),
            _ => 0.0,
        }
    }
}

/// The rings of one map.
#[derive(Clone, Debug, Default)]
pub struct History {
    trends: HashMap<Vec<u8>, Trend>,
    refreshes: u64,
}

impl History {
    pub fn get(&self, key: &[u8]) -> Option<&Trend> {
        self.trends.get(key)
    }

    pub fn len(&self) -> usize {
        self.trends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.trends.is_empty()
    }

    /// Samples the entries at snapshot `indices` (the watched ones) from `snap`.
    pub fn sample(&mut self, desc: &MapDesc, snap: &Snapshot, indices: &[usize]) {
        self.refreshes += 1;
        for &index in indices.iter().filter(|&&i| i < snap.len()) {
            let Some((fields, cpus, values)) = numbers(desc, snap, index) else {
                continue;
            };
            let trend = self
                .trends
                .entry(snap.key(index).to_vec())
                .or_insert_with(|| Trend {
                    fields: fields.clone(),
                    cpus,
                    samples: VecDeque::new(),
                    seen: 0,
                });
            if trend.fields != fields || trend.cpus != cpus {
                // The value's shape changed (new types): start over.
                trend.fields = fields;
                trend.cpus = cpus;
                trend.samples.clear();
            }
            if trend.samples.back().is_some_and(|s| s.at == snap.taken_at) {
                continue; // this snapshot is in already
            }
            if trend.samples.back().is_some_and(|s| s.at > snap.taken_at) {
                // Older than the last sample: a replay went back. Start over rather than
                // chart time running backwards.
                trend.samples.clear();
            }
            if trend.samples.len() == SAMPLES {
                trend.samples.pop_front();
            }
            trend.samples.push_back(Sample {
                at: snap.taken_at,
                values: values.into(),
            });
            trend.seen = self.refreshes;
        }
        while self.trends.len() > MAX_WATCHED {
            let oldest = self
                .trends
                .iter()
                .min_by_key(|(_, t)| t.seen)
                .map(|(k, _)| k.clone());
            if let Some(key) = oldest {
                self.trends.remove(&key);
            }
        }
    }
}

/// The numeric fields of an entry, per CPU: names, CPUs, and values field-major. None when
/// the value holds no number.
fn numbers(
    desc: &MapDesc,
    snap: &Snapshot,
    index: usize,
) -> Option<(Vec<String>, usize, Vec<f64>)> {
    let entry = entries::decode_entry(desc, snap, index);
    let per_cpu = if entry.per_cpu.is_empty() {
        std::slice::from_ref(&entry.value)
    } else {
        &entry.per_cpu[..]
    };
    let cpus = per_cpu.len();
    let max_fields = (MAX_VALUES / cpus.max(1)).clamp(1, MAX_FIELDS);
    let mut fields: Vec<String> = Vec::new();
    let mut by_cpu: Vec<Vec<f64>> = Vec::with_capacity(cpus);
    for value in per_cpu {
        let mut numbers = Vec::new();
        numeric_leaves(value, &mut String::new(), &mut |path, number| {
            if numbers.len() < max_fields {
                if by_cpu.is_empty() {
                    fields.push(if path.is_empty() { "value" } else { path }.to_string());
                }
                numbers.push(number);
            }
        });
        by_cpu.push(numbers);
    }
    if fields.is_empty() || by_cpu.iter().any(|n| n.len() != fields.len()) {
        return None;
    }
    let values = (0..fields.len())
        .flat_map(|f| by_cpu.iter().map(move |cpu| cpu[f]))
        .collect();
    Some((fields, cpus, values))
}
