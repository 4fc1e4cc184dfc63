//! Which rows a map shows, in which order: the zero-slot rule for arrays, the filter and the
//! sort. Pure and independent of the screen, so the collector thread can run it on big maps
//! and the main loop only adopts the result.
use std::cmp::Ordering;

use super::{
    filter::{self, Stale},
    map_view::{RowRules, SortOrder},
};
use crate::{
    maps::{MapDesc, Snapshot},
    values::Layout,
    values::decode::{self, Value},
    values::entries,
};

/// Row order computed under some rules; adopted only while the rules still hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Ordered {
    pub rules: RowRules,
    pub rows: Vec<usize>,
}

/// The snapshot indices to show, in display order.
pub fn build(desc: &MapDesc, snap: &Snapshot, rules: &RowRules) -> Vec<usize> {
    build_until(desc, snap, rules, &|| false).unwrap_or_default()
}

/// [`build`], giving up (None) once `stale` says newer rules have come.
pub fn build_until(
    desc: &MapDesc,
    snap: &Snapshot,
    rules: &RowRules,
    stale: Stale,
) -> Option<Vec<usize>> {
    let rows: Vec<usize> = if desc.meta.kind.is_array() && !rules.show_zero_slots {
        entries::listed_indices(desc, snap)
    } else {
        (0..snap.len()).collect()
    };
    let rows = filter::retain(desc, snap, rows, rules, stale)?;
    Some(sort(desc, snap, rows, rules))
}

/// `rows` in the order `rules.sort` asks for.
fn sort(desc: &MapDesc, snap: &Snapshot, rows: Vec<usize>, rules: &RowRules) -> Vec<usize> {
    let (by_value, descending) = match rules.sort {
        SortOrder::Kernel => return rows,
        SortOrder::KeyAscending => (false, false),
        SortOrder::KeyDescending => (false, true),
        SortOrder::ValueAscending => (true, false),
        SortOrder::ValueDescending => (true, true),
    };
    let layout = if by_value {
        &desc.value_layout
    } else {
        &desc.key_layout
    };
    let column = |i: usize| -> &[u8] { if by_value { snap.value(i) } else { snap.key(i) } };
    let direct = |cmp: Ordering| if descending { cmp.reverse() } else { cmp };
    if let Some(number) = Number::of(layout) {
        // Integers sort on the bytes themselves: no Value per row (a million rows in tens of
        // milliseconds rather than hundreds).
        let stride = snap.value_stride;
        let cpus = if by_value { snap.cpus } else { 1 };
        let mut keyed: Vec<(i128, usize)> = rows
            .iter()
            .map(|&i| (number.sum(column(i), stride, cpus), i))
            .collect();
        keyed.sort_by(|a, b| direct(a.0.cmp(&b.0)));
        return keyed.into_iter().map(|(_, i)| i).collect();
    }
    // Anything else: decode just the sorted column (per-CPU values summed as shown).
    let mut decoded: Vec<(Value, usize)> = rows
        .iter()
        .map(|&i| {
            let value = if by_value {
                entries::decode_entry(desc, snap, i).value
            } else {
                decode::decode(layout, snap.key(i))
            };
            (value, i)
        })
        .collect();
    decoded.sort_by(|a, b| direct(a.0.sort_cmp(&b.0)));
    decoded.into_iter().map(|(_, i)| i).collect()
}

/// A plain integer column, read straight from the bytes.
#[derive(Clone, Copy)]
struct Number {
    size: usize,
    signed: bool,
}

impl Number {
    fn of(layout: &Layout) -> Option<Self> {
        match *layout {
            Layout::Int {
                size: size @ (1 | 2 | 4 | 8),
                signed,
                bool: false,
                ..
            } => Some(Self { size, signed }),
            _ => None,
        }
    }

    fn read(self, bytes: &[u8]) -> i128 {
        let mut le = [0u8; 8];
        let len = self.size.min(bytes.len());
        le[..len].copy_from_slice(&bytes[..len]);
        let raw = u64::from_le_bytes(le);
        if self.signed {
            let shift = 64 - 8 * self.size as u32;
            i128::from(((raw << shift) as i64) >> shift)
        } else {
            i128::from(raw)
        }
    }

    /// The column's number; for per-CPU values the sum over CPUs.
    fn sum(self, bytes: &[u8], stride: usize, cpus: usize) -> i128 {
        if cpus <= 1 {
            return self.read(bytes);
        }
        (0..cpus).map(|cpu| self.read(&bytes[cpu * stride..])).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures;

    fn rules(sort: SortOrder) -> RowRules {
        RowRules {
            sort,
            ..RowRules::default()
        }
    }

    #[test]
    fn signed_and_unsigned_integers_read_back() {
        let i32s = Number {
            size: 4,
            signed: true,
        };
        assert_eq!(i32s.read(&(-5i32).to_le_bytes()), -5);
        let u16s = Number {
            size: 2,
            signed: false,
        };
        assert_eq!(u16s.read(&0xfffeu16.to_le_bytes()), 0xfffe);
        // Per-CPU: two u64 slots summed.
        let u64s = Number {
            size: 8,
            signed: false,
        };
        let both = [3u64.to_le_bytes(), 4u64.to_le_bytes()].concat();
        assert_eq!(u64s.sum(&both, 8, 2), 7);
    }

    #[test]
    fn every_sort_is_ordered_by_the_shown_values() {
        let app = test_fixtures::app();
        let sorts = [
            SortOrder::KeyAscending,
            SortOrder::KeyDescending,
            SortOrder::ValueAscending,
            SortOrder::ValueDescending,
        ];
        // Integer keys and values (fast path), per-CPU sums, and struct values (slow path).
        for map in [
            test_fixtures::HASH,
            test_fixtures::PERCPU,
            test_fixtures::ARRAY,
            test_fixtures::LRU,
        ] {
            let view = &app.maps[map];
            let snap = view.snapshot.as_ref().unwrap();
            for sort in sorts {
                let rows = build(&view.desc, snap, &rules(sort));
                let by_value =
                    matches!(sort, SortOrder::ValueAscending | SortOrder::ValueDescending);
                let shown: Vec<Value> = rows
                    .iter()
                    .map(|&i| {
                        let entry = entries::decode_entry(&view.desc, snap, i);
                        if by_value { entry.value } else { entry.key }
                    })
                    .collect();
                let descending =
                    matches!(sort, SortOrder::KeyDescending | SortOrder::ValueDescending);
                for pair in shown.windows(2) {
                    let cmp = pair[0].sort_cmp(&pair[1]);
                    let ok = if descending { cmp.is_ge() } else { cmp.is_le() };
                    assert!(ok, "map {map} {sort:?}: {:?} then {:?}", pair[0], pair[1]);
                }
            }
        }
    }

    #[test]
    fn kernel_order_and_filters_keep_the_snapshot_order() {
        let app = test_fixtures::app();
        let view = &app.maps[test_fixtures::HASH];
        let snap = view.snapshot.as_ref().unwrap();
        assert_eq!(
            build(&view.desc, snap, &rules(SortOrder::Kernel)),
            [0, 1, 2, 3]
        );
        let cargo = RowRules {
            filter: "CARGO".into(),
            sort: SortOrder::Kernel,
            ..RowRules::default()
        };
        assert_eq!(build(&view.desc, snap, &cargo), [2]);
    }
}
