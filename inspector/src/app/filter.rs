//! The table's `/` filter: an entry matches when its key or its value, as the table shows
//! them, contains the text, case aside. On a big map this is the costly part of ordering the
//! rows, so it splits the rows over the machine's cores, gives up as soon as its caller says
//! the work is stale (newer rules came), and a filter that only grew narrows the rows of the
//! last one instead of starting over.
use std::{fmt::Write as _, panic, thread};

use super::map_view::RowRules;
use crate::{
    maps::{MapDesc, Snapshot},
    values::{decode::Value, entries, render::Style},
};

/// Rows matched between two looks at whether the work is stale.
const CHECK_EVERY: usize = 4096;
/// Below this many rows one thread does it all: spawning would cost more than it saves.
const PARALLEL_FROM: usize = 50_000;

/// Whether ordering should stop (newer rules make its result useless).
pub type Stale<'a> = &'a (dyn Fn() -> bool + Sync);

/// Whether rows under `new` are a subset of the rows under `old`, in the same order: same sort
/// and display, and the new filter contains the old one (whatever contains the new text
/// contains the old text too).
pub fn narrows(old: &RowRules, new: &RowRules) -> bool {
    old.sort == new.sort
        && old.hex == new.hex
        && old.show_zero_slots == new.show_zero_slots
        && new
            .filter
            .to_lowercase()
            .contains(&old.filter.to_lowercase())
}

/// The `rows` (snapshot indices, kept in their order) that match `rules.filter`; None when
/// `stale` said to stop.
pub fn retain(
    desc: &MapDesc,
    snap: &Snapshot,
    mut rows: Vec<usize>,
    rules: &RowRules,
    stale: Stale,
) -> Option<Vec<usize>> {
    if rules.filter.is_empty() {
        return Some(rows);
    }
    let needle = Needle {
        lower: rules.filter.to_lowercase(),
        style: Style { hex: rules.hex },
    };
    // Entries are tested in snapshot order, whatever the rows' order: reading the snapshot
    // front to back is several times faster than jumping around a big one by sort order.
    let mut tested = vec![false; snap.len()];
    for &i in &rows {
        if let Some(slot) = tested.get_mut(i) {
            *slot = true;
        }
    }
    let mut matched = vec![false; snap.len()];
    let threads = thread::available_parallelism().map_or(1, |n| n.get());
    let finished = if threads < 2 || rows.len() < PARALLEL_FROM {
        needle.mark(desc, snap, 0, &tested, &mut matched, stale)
    } else {
        let chunk = snap.len().div_ceil(threads);
        thread::scope(|scope| {
            let workers: Vec<_> = matched
                .chunks_mut(chunk)
                .enumerate()
                .map(|(n, part)| {
                    let (needle, tested) = (&needle, &tested);
                    scope.spawn(move || needle.mark(desc, snap, n * chunk, tested, part, stale))
                })
                .collect();
            // Every worker joined (no short cut): each one's panic surfaces here.
            let done: Vec<bool> = workers
                .into_iter()
                .map(|worker| worker.join().unwrap_or_else(|p| panic::resume_unwind(p)))
                .collect();
            !done.contains(&false)
        })
    };
    if !finished {
        return None;
    }
    rows.retain(|&i| matched.get(i).copied().unwrap_or(false));
    Some(rows)
}

/// The lower-cased text looked for, and how cells are shown (as the table shows them).
struct Needle {
    lower: String,
    style: Style,
}

impl Needle {
    /// Sets `matched[n]` for each entry `start + n` to test that matches; false when `stale`
    /// said to stop.
    fn mark(
        &self,
        desc: &MapDesc,
        snap: &Snapshot,
        start: usize,
        tested: &[bool],
        matched: &mut [bool],
        stale: Stale,
    ) -> bool {
        // One buffer for every cell: no String per key or value.
        let mut text = String::new();
        for (n, slot) in matched.iter_mut().enumerate() {
            if n % CHECK_EVERY == 0 && stale() {
                return false;
            }
            let i = start + n;
            if !tested.get(i).copied().unwrap_or(false) {
                continue;
            }
            // The key first: when it matches, the value need not be decoded at all.
            let key = crate::values::decode::decode(&desc.key_layout, snap.key(i));
            *slot = self.found_in(&key, &mut text)
                || self.found_in(&entries::decode_value(desc, snap, i), &mut text);
        }
        true
    }

    fn found_in(&self, value: &Value, text: &mut String) -> bool {
        // Plain integers, the commonest cells, as the table writes them in decimal: digits,
        // nothing to lower-case.
        match *value {
            Value::Unsigned(v) if !self.style.hex => {
                return itoa::Buffer::new().format(v).contains(&self.lower);
            }
            Value::Signed(v) if !self.style.hex => {
                return itoa::Buffer::new().format(v).contains(&self.lower);
            }
            _ => {}
        }
        text.clear();
        // Writing into a String cannot fail.
        let _ = write!(text, "{}", value.display(self.style));
        if text.is_ascii() {
            text.make_ascii_lowercase();
        } else {
            *text = text.to_lowercase();
        }
        text.contains(&self.lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures;

    use crate::test_fixtures::filtered as filter;

    #[test]
    fn a_grown_filter_narrows_and_anything_else_starts_over() {
        assert!(narrows(&filter(""), &filter("1")));
        assert!(narrows(&filter("12"), &filter("123")));
        assert!(narrows(&filter("ab"), &filter("xAby")));
        assert!(!narrows(&filter("123"), &filter("12")));
        assert!(!narrows(&filter("12"), &filter("13")));
        let hex = RowRules {
            hex: true,
            ..filter("12")
        };
        assert!(!narrows(&filter("1"), &hex));
    }

    #[test]
    fn matches_keys_and_values_as_shown_case_aside_and_stops_when_stale() {
        let app = test_fixtures::app();
        let view = &app.maps[test_fixtures::HASH];
        let snap = view.snapshot.as_ref().unwrap();
        let all: Vec<usize> = (0..snap.len()).collect();
        let kept = retain(&view.desc, snap, all.clone(), &filter("cargo"), &|| false);
        assert_eq!(kept, Some(vec![2]));
        let none = retain(&view.desc, snap, all.clone(), &filter("no such"), &|| false);
        assert_eq!(none, Some(vec![]));
        assert_eq!(retain(&view.desc, snap, all, &filter("c"), &|| true), None);
    }

    #[test]
    fn a_big_map_is_split_over_threads_and_keeps_the_rows_order() {
        let app = test_fixtures::long_app(3 * PARALLEL_FROM as u32);
        let view = &app.maps[0];
        let snap = view.snapshot.as_ref().unwrap();
        // Keys descending, as a sort would give them: the result keeps that order.
        let rows: Vec<usize> = (0..snap.len()).rev().collect();
        let kept = retain(&view.desc, snap, rows, &filter("777"), &|| false).unwrap();
        let keys: Vec<u32> = kept.iter().map(|&i| i as u32).collect();
        // long_app: key i, value 3i; a key or its value holds "777".
        let expected: Vec<u32> = (0..3 * PARALLEL_FROM as u32)
            .rev()
            .filter(|i| i.to_string().contains("777") || (i * 3).to_string().contains("777"))
            .collect();
        assert_eq!(keys, expected);
        assert!(!expected.is_empty());
    }
}
