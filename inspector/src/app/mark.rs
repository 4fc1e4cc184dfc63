//! Mark and diff: `m` keeps the selected map's snapshot of that moment (an `Arc`, snapshots
//! never change), `c` shows only the entries added, removed or changed since, old and new
//! values side by side.
//!
//! The row model: in the since-mark view a row `r` below the snapshot's length is an entry
//! of the snapshot as usual, and a row `now.len() + j` is entry `j` of the mark, gone since
//! (removed entries exist only in the mark). [`Row::of`] tells them apart.
use std::collections::{HashMap, HashSet};

use super::{RowRules, SYNC_ROWS, rows};
use crate::maps::{MapDesc, Snapshot};

/// What a row of the since-mark view stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// Entry of the current snapshot (added or changed since the mark).
    Now(usize),
    /// Entry of the mark, gone from the current snapshot.
    Gone(usize),
}

impl Row {
    pub fn of(row: usize, now: &Snapshot) -> Self {
        match row.checked_sub(now.len()) {
            Some(j) => Self::Gone(j),
            None => Self::Now(row),
        }
    }
}

/// The since-mark view of one map: which mark entry each changed row had, and the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinceMark {
    /// For changed rows: snapshot index -> mark index (added rows have none).
    pub old_of: HashMap<usize, usize>,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

/// The rows of the since-mark view under `rules` (filter and sort as usual, zero slots of
/// arrays included, since a slot that went back to zero changed): current entries added or
/// changed, then the gone ones.
pub fn build(
    desc: &MapDesc,
    now: &Snapshot,
    mark: &Snapshot,
    rules: &RowRules,
) -> (Vec<usize>, SinceMark) {
    let all = RowRules {
        show_zero_slots: true,
        ..rules.clone()
    };
    let in_mark: HashMap<&[u8], usize> = (0..mark.len()).map(|j| (mark.key(j), j)).collect();
    let mut since = SinceMark::default();
    let mut out = Vec::new();
    for i in rows::build(desc, now, &all) {
        match in_mark.get(now.key(i)) {
            Some(&j) if mark.value(j) == now.value(i) => {}
            Some(&j) => {
                since.changed += 1;
                since.old_of.insert(i, j);
                out.push(i);
            }
            None => {
                since.added += 1;
                out.push(i);
            }
        }
    }
    let in_now: HashSet<&[u8]> = (0..now.len()).map(|i| now.key(i)).collect();
    for j in rows::build(desc, mark, &all) {
        if !in_now.contains(mark.key(j)) {
            since.removed += 1;
            out.push(now.len() + j);
        }
    }
    (out, since)
}

/// The key bytes of a row (either kind).
pub fn row_key<'a>(now: &'a Snapshot, mark: Option<&'a Snapshot>, row: usize) -> Option<&'a [u8]> {
    match Row::of(row, now) {
        Row::Now(i) => Some(now.key(i)),
        Row::Gone(j) => mark.filter(|m| j < m.len()).map(|m| m.key(j)),
    }
}

impl super::App {
    /// `m`: marks the selected map's current snapshot (again: moves the mark to now).
    pub(super) fn set_mark(&mut self) {
        let rules = self.rules.clone();
        let Some(view) = self.selected_mut() else {
            return;
        };
        let Some(snap) = view.snapshot.clone() else {
            let text = format!("{} has not been read yet: nothing to mark", view.name());
            return self.set_status(text, true);
        };
        view.mark = Some(snap.clone());
        if view.since_mark.is_some() {
            view.rebuild_rows(&rules);
        }
        let text = format!(
            "marked {} ({} entries): c shows what changes since",
            view.name(),
            snap.len()
        );
        self.set_status(text, false);
    }

    /// `c` (Esc closes it too): only what changed since the mark, or every entry again.
    pub(super) fn toggle_since_mark(&mut self) {
        let (rules, page) = (self.rules.clone(), self.page_rows);
        let Some(view) = self.selected_mut() else {
            return;
        };
        if view.mark.is_none() {
            let text = format!("no mark on {}: m marks it first", view.name());
            return self.set_status(text, false);
        }
        // The view is rebuilt on the main loop at every refresh: as for sorting there, only
        // maps that stay well under a frame.
        if view.since_mark.is_none() && view.row_count_hint() > SYNC_ROWS {
            let text = format!(
                "{} has over {SYNC_ROWS} entries: changes since the mark are shown for smaller \
                 maps only (dump --json twice and dump --diff compare any size)",
                view.name()
            );
            return self.set_status(text, true);
        }
        view.since_mark = match view.since_mark {
            Some(_) => None,
            None => Some(SinceMark::default()),
        };
        view.rebuild_rows(&rules);
        view.scroll_into_view(page);
    }
}
