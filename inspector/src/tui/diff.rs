//! What changed between two snapshots of one map: which entries' values differ, and for
//! numeric values the change per second. Pure, so the collector thread can run it on big
//! maps without holding up the screen.
use std::collections::HashMap;

use crate::{maps::Snapshot, values::Layout, values::decode};

/// Per entry of the newer snapshot (same indices).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// The value differs from the previous snapshot's, or the key is new.
    pub changed: Vec<bool>,
    /// (new - old) / seconds, for values that are one number (summed over CPUs).
    pub rates: Vec<Option<f64>>,
    /// Keys in the previous snapshot that are gone now (deleted or evicted).
    pub removed: usize,
    /// Keys that were not in the previous snapshot.
    pub added: usize,
}

/// Compares `new` against `old` (None: everything is new).
pub fn compare(
    old: Option<&Snapshot>,
    new: &Snapshot,
    value_layout: &Layout,
    value_size: usize,
) -> Changes {
    let Some(old) = old else {
        return Changes {
            changed: vec![true; new.len()],
            rates: vec![None; new.len()],
            removed: 0,
            added: new.len(),
        };
    };
    let old_index: HashMap<&[u8], usize> = (0..old.len()).map(|i| (old.key(i), i)).collect();
    let seconds = new.taken_at.duration_since(old.taken_at).as_secs_f64();
    let numeric = matches!(value_layout, Layout::Int { .. } | Layout::Float { .. });
    let mut changes = Changes {
        changed: Vec::with_capacity(new.len()),
        rates: Vec::with_capacity(new.len()),
        ..Changes::default()
    };
    let mut kept = 0;
    for i in 0..new.len() {
        match old_index.get(new.key(i)) {
            Some(&j) => {
                kept += 1;
                changes.changed.push(old.value(j) != new.value(i));
                let rate = (numeric && seconds > 0.0)
                    .then(|| {
                        let now = number(new, i, value_layout, value_size)?;
                        let before = number(old, j, value_layout, value_size)?;
                        Some((now - before) / seconds)
                    })
                    .flatten();
                changes.rates.push(rate);
            }
            None => {
                changes.added += 1;
                changes.changed.push(true);
                changes.rates.push(None);
            }
        }
    }
    changes.removed = old.len() - kept;
    changes
}

/// An entry's value as one number, summed over CPUs.
fn number(snap: &Snapshot, index: usize, layout: &Layout, value_size: usize) -> Option<f64> {
    (0..snap.cpus)
        .map(|cpu| decode::decode(layout, &snap.cpu_value(index, cpu)[..value_size]).as_f64())
        .sum()
}
