//! Decoding one snapshot entry for display: key, value, and for per-CPU maps each CPU's
//! value and their sum. Shared by `dump` and the TUI so both show the same thing.
use crate::{
    maps::{MapDesc, Snapshot},
    values::decode::{self, Value},
    values::percpu,
};

/// One entry, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Value,
    /// The value; for per-CPU maps the sum across CPUs (or CPU 0's when it does not add up).
    pub value: Value,
    /// Whether `value` is the sum of `per_cpu`: false for other maps, and for per-CPU
    /// values that do not add up (see [`percpu::sum`]).
    pub summed: bool,
    /// Each CPU's value, for per-CPU maps; empty otherwise.
    pub per_cpu: Vec<Value>,
}

pub fn decode_entry(desc: &MapDesc, snap: &Snapshot, index: usize) -> Entry {
    let key = decode::decode(&desc.key_layout, snap.key(index));
    if !desc.meta.kind.is_percpu() {
        let value = decode::decode(&desc.value_layout, snap.value(index));
        return Entry {
            key,
            value,
            summed: false,
            per_cpu: Vec::new(),
        };
    }
    let per_cpu = per_cpu_values(desc, snap, index);
    let sum = percpu::sum(&desc.value_layout, &per_cpu);
    let summed = sum.is_some();
    let value = sum.unwrap_or_else(|| per_cpu[0].clone());
    Entry {
        key,
        value,
        summed,
        per_cpu,
    }
}

/// The value as the table's value column shows it (per-CPU values summed), without the key.
pub fn decode_value(desc: &MapDesc, snap: &Snapshot, index: usize) -> Value {
    if !desc.meta.kind.is_percpu() {
        return decode::decode(&desc.value_layout, snap.value(index));
    }
    let per_cpu = per_cpu_values(desc, snap, index);
    percpu::sum(&desc.value_layout, &per_cpu)
        .or_else(|| per_cpu.into_iter().next())
        .unwrap_or(Value::Bytes(Vec::new()))
}

fn per_cpu_values(desc: &MapDesc, snap: &Snapshot, index: usize) -> Vec<Value> {
    let value_size = desc.meta.value_size as usize;
    (0..snap.cpus)
        .map(|cpu| {
            decode::decode(
                &desc.value_layout,
                &snap.cpu_value(index, cpu)[..value_size],
            )
        })
        .collect()
}

/// The indices of [`listed_indices`], without collecting them (a dump of a million entries
/// walks them once).
pub fn listed<'a>(desc: &MapDesc, snap: &'a Snapshot) -> impl Iterator<Item = usize> + 'a {
    let array = desc.meta.kind.is_array();
    (0..snap.len()).filter(move |&i| !array || snap.value(i).iter().any(|&b| b != 0))
}

/// Indices of the entries worth listing: for arrays only the slots that are not all zero
/// (every slot of an array always exists), for other maps all of them.
pub fn listed_indices(desc: &MapDesc, snap: &Snapshot) -> Vec<usize> {
    if desc.meta.kind.is_array() {
        (0..snap.len())
            .filter(|&i| snap.value(i).iter().any(|&b| b != 0))
            .collect()
    } else {
        (0..snap.len()).collect()
    }
}
