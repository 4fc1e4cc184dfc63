//! A map's entries from one frame to the next: [`encode`] writes only what changed (runs of
//! unchanged entries by position, new and changed entries whole), [`apply`] rebuilds the
//! exact snapshot, order included, so a replayed table lists rows as the live one did.
//! Pure; `apply` checks every index and length, since the bytes come from a file.
use std::collections::HashMap;

use super::format::{Body, Op};
use crate::maps::Snapshot;

/// The sizes a map's snapshots have (from the recording header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub map_id: u32,
    pub key_size: usize,
    pub value_stride: usize,
    pub cpus: usize,
}

impl Shape {
    pub fn of(snap: &Snapshot) -> Self {
        Self {
            map_id: snap.map_id,
            key_size: snap.key_size,
            value_stride: snap.value_stride,
            cpus: snap.cpus,
        }
    }

    /// Bytes of one entry's values.
    pub fn value_len(&self) -> usize {
        self.value_stride.saturating_mul(self.cpus)
    }

    fn empty(&self) -> Snapshot {
        Snapshot::new(self.map_id, self.key_size, self.value_stride, self.cpus)
    }
}

/// The whole snapshot.
pub fn full(snap: &Snapshot) -> Body {
    let mut keys = Vec::with_capacity(snap.len() * snap.key_size);
    let mut values = Vec::with_capacity(snap.len() * Shape::of(snap).value_len());
    for index in 0..snap.len() {
        keys.extend_from_slice(snap.key(index));
        values.extend_from_slice(snap.value(index));
    }
    Body::Full { keys, values }
}

/// `now` relative to `before`: `Same`, a delta, or whole when a delta would not be smaller
/// (or keys cannot tell entries apart: queues and stacks have none).
pub fn encode(before: &Snapshot, now: &Snapshot) -> Body {
    if Shape::of(before) != Shape::of(now) || now.key_size == 0 {
        return full(now);
    }
    let index: HashMap<&[u8], usize> = (0..before.len()).map(|i| (before.key(i), i)).collect();
    let mut ops: Vec<Op> = Vec::new();
    let mut put_bytes = 0;
    for at in 0..now.len() {
        let key = now.key(at);
        match index.get(key) {
            Some(&from) if before.value(from) == now.value(at) => match ops.last_mut() {
                Some(Op::Keep { from: start, len }) if *start as usize + *len as usize == from => {
                    *len += 1;
                }
                _ => ops.push(Op::Keep {
                    from: from as u32,
                    len: 1,
                }),
            },
            _ => {
                let entry = [key, now.value(at)].concat();
                put_bytes += entry.len();
                ops.push(Op::Put(entry));
            }
        }
    }
    match ops.as_slice() {
        [Op::Keep { from: 0, len }] if *len as usize == before.len() => Body::Same,
        [] if before.is_empty() => Body::Same,
        // A delta that rewrites most of the map costs more than the map.
        _ if put_bytes + ops.len() * 4 >= now.payload_bytes() => full(now),
        _ => Body::Delta(ops),
    }
}

/// The snapshot `body` describes; `before` is the map's snapshot in the frame before (if
/// it had one). `Err` names what does not fit.
pub fn apply(shape: Shape, before: Option<&Snapshot>, body: &Body) -> Result<Snapshot, String> {
    let key_size = shape.key_size;
    let value_len = shape.value_len();
    match body {
        Body::Same => before
            .cloned()
            .ok_or_else(|| "'same' with no frame before".into()),
        Body::Full { keys, values } => {
            let count = match key_size {
                0 => values.len().checked_div(value_len).unwrap_or(0),
                size => keys.len() / size,
            };
            if keys.len() != count * key_size || values.len() != count.saturating_mul(value_len) {
                return Err(format!(
                    "{} key bytes and {} value bytes are not whole entries",
                    keys.len(),
                    values.len()
                ));
            }
            let mut snap = shape.empty();
            for at in 0..count {
                snap.push(
                    &keys[at * key_size..(at + 1) * key_size],
                    &values[at * value_len..(at + 1) * value_len],
                );
            }
            Ok(snap)
        }
        Body::Delta(ops) => {
            let before = before.ok_or("a delta with no frame before")?;
            if Shape::of(before) != shape {
                return Err("a delta against entries of another size".into());
            }
            let mut snap = shape.empty();
            for op in ops {
                match op {
                    Op::Keep { from, len } => {
                        let (from, len) = (*from as usize, *len as usize);
                        if from.saturating_add(len) > before.len() {
                            return Err(format!(
                                "entries {from}..{} of {} kept",
                                from.saturating_add(len),
                                before.len()
                            ));
                        }
                        for at in from..from + len {
                            snap.push(before.key(at), before.value(at));
                        }
                    }
                    Op::Put(entry) if entry.len() == key_size + value_len => {
                        let (key, value) = entry.split_at(key_size);
                        snap.push(key, value);
                    }
                    Op::Put(entry) => {
                        return Err(format!("a {}-byte entry", entry.len()));
                    }
                }
            }
            Ok(snap)
        }
        Body::Failed(_) | Body::Unlisted | Body::Ring { .. } => {
            Err("not a body with entries".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(entries: &[(u32, u64)]) -> Snapshot {
        let mut snap = Snapshot::new(7, 4, 8, 1);
        for (key, value) in entries {
            snap.push(&key.to_ne_bytes(), &value.to_ne_bytes());
        }
        snap
    }

    fn entries(snap: &Snapshot) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..snap.len())
            .map(|i| (snap.key(i).to_vec(), snap.value(i).to_vec()))
            .collect()
    }

    fn round_trip(before: &Snapshot, now: &Snapshot) -> Body {
        let body = encode(before, now);
        let rebuilt = apply(Shape::of(now), Some(before), &body).unwrap();
        assert_eq!(entries(&rebuilt), entries(now), "{body:?}");
        body
    }

    #[test]
    fn unchanged_maps_are_same_and_changes_are_runs_and_puts() {
        let many: Vec<(u32, u64)> = (0..1000).map(|k| (k, u64::from(k) * 11)).collect();
        let before = snap(&many);
        assert_eq!(round_trip(&before, &before), Body::Same);
        assert_eq!(round_trip(&snap(&[]), &snap(&[])), Body::Same);
        // One changed, one removed, one added, and the order kept as the kernel gave it.
        let mut after = many.clone();
        after[10].1 = 5;
        after.remove(500);
        after.insert(700, (5000, 1));
        let body = round_trip(&before, &snap(&after));
        let Body::Delta(ops) = &body else {
            panic!("{body:?}")
        };
        assert_eq!(ops.iter().filter(|op| matches!(op, Op::Put(_))).count(), 2);
        assert_eq!(ops.len(), 6);
        // A reordered map is rebuilt in the new order.
        let reversed: Vec<_> = many.iter().rev().copied().collect();
        round_trip(&before, &snap(&reversed));
    }

    #[test]
    fn mostly_new_entries_are_written_whole() {
        let before = snap(&[(1, 1), (2, 2)]);
        let body = round_trip(&before, &snap(&[(3, 3), (4, 4)]));
        assert!(matches!(body, Body::Full { .. }));
        // Keyless maps (queues) are always whole.
        let mut queue = Snapshot::new(1, 0, 4, 1);
        queue.push(&[], &[1, 0, 0, 0]);
        let body = encode(&queue, &queue);
        assert!(matches!(body, Body::Full { .. }));
        assert_eq!(
            entries(&apply(Shape::of(&queue), None, &body).unwrap()),
            entries(&queue)
        );
    }

    #[test]
    fn bodies_that_do_not_fit_are_errors() {
        let before = snap(&[(1, 1)]);
        let shape = Shape::of(&before);
        let bad = [
            Body::Delta(vec![Op::Keep { from: 0, len: 2 }]),
            Body::Delta(vec![Op::Keep {
                from: u32::MAX,
                len: u32::MAX,
            }]),
            Body::Delta(vec![Op::Put(vec![0; 11])]),
            Body::Full {
                keys: vec![0; 5],
                values: vec![0; 8],
            },
            Body::Full {
                keys: vec![0; 4],
                values: vec![0; 9],
            },
            Body::Unlisted,
        ];
        for body in &bad {
            assert!(apply(shape, Some(&before), body).is_err(), "{body:?}");
        }
        assert!(apply(shape, None, &Body::Same).is_err());
        assert!(apply(shape, None, &Body::Delta(vec![])).is_err());
    }
}
