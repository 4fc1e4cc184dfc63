//! `--entries NAME`: each entry of a map as samples, one per numeric field (and per CPU for
//! per-CPU maps), decoded with the map's BTF as the TUI and `dump` decode it. Text and raw
//! bytes are not numbers and give no sample.
use crate::{
    maps::{MapDesc, Snapshot},
    values::{
        decode::Value,
        entries,
        render::{Style, numeric_leaves},
    },
};

/// One sample of `mapinspect_map_value`.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueSample {
    /// The decoded key as the TUI shows it (`42`, `{pid: 7, port: 80}`).
    pub key: String,
    /// Where the number sits in the value: `value` for a plain number, else the field path
    /// (`stats.bytes`, `slots[3]`).
    pub field: String,
    /// The CPU, for per-CPU maps.
    pub cpu: Option<usize>,
    pub value: f64,
}

/// Samples of every listed entry (for arrays the non-zero slots, as the TUI lists them),
/// at most `cap` of them; the second figure counts those left out.
pub fn samples(desc: &MapDesc, snap: &Snapshot, cap: usize) -> (Vec<ValueSample>, u64) {
    let mut kept = Vec::new();
    let mut dropped = 0u64;
    for index in entries::listed_indices(desc, snap) {
        let entry = entries::decode_entry(desc, snap, index);
        let key = entry.key.render(Style::default());
        let per_cpu: Vec<(Option<usize>, &Value)> = if desc.meta.kind.is_percpu() {
            entry
                .per_cpu
                .iter()
                .enumerate()
                .map(|(cpu, v)| (Some(cpu), v))
                .collect()
        } else {
            vec![(None, &entry.value)]
        };
        for (cpu, value) in per_cpu {
            let mut path = String::new();
            numeric_leaves(value, &mut path, &mut |field, number| {
                if kept.len() < cap {
                    kept.push(ValueSample {
                        key: key.clone(),
                        field: if field.is_empty() { "value" } else { field }.to_string(),
                        cpu,
                        value: number,
                    });
                } else {
                    dropped += 1;
                }
            });
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(value: &Value) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        numeric_leaves(value, &mut String::new(), &mut |f, n| {
            out.push((f.to_string(), n))
        });
        out
    }

    #[test]
    fn numeric_leaves_are_named_by_their_path() {
        let value = Value::Struct(vec![
            ("hits".into(), Value::Unsigned(3)),
            ("comm".into(), Value::chars("bash", 8)),
            (
                "lat".into(),
                Value::Struct(vec![
                    ("min".into(), Value::Signed(-2)),
                    ("ok".into(), Value::Bool(true)),
                ]),
            ),
            (
                "slots".into(),
                Value::Array(vec![Value::Unsigned(1), Value::Float(0.5)]),
            ),
            ("raw".into(), Value::Bytes(vec![1, 2])),
        ]);
        assert_eq!(
            collect(&value),
            [
                ("hits".to_string(), 3.0),
                ("lat.min".to_string(), -2.0),
                ("lat.ok".to_string(), 1.0),
                ("slots[0]".to_string(), 1.0),
                ("slots[1]".to_string(), 0.5),
            ]
        );
        assert_eq!(collect(&Value::Unsigned(9)), [(String::new(), 9.0)]);
        assert!(collect(&Value::chars("x", 2)).is_empty());
    }
}
