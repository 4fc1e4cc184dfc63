//! One map as the TUI holds it: the latest snapshot, what changed, and which rows to show
//! in which order (filter, sort, zero slots), with a selection that follows its key.
use std::{collections::VecDeque, sync::Arc};

use super::{
    history::{History, MAX_WATCHED},
    mark::{self, SinceMark},
    rows::{self, Ordered},
};
use crate::{
    maps::{MapDesc, MapError, Snapshot, ops::FloodReport, types::TypeInfo},
    tui::diff::Changes,
    values::entries::{self, Entry},
};

/// How many refreshes of entry counts the history keeps (for the LRU pane's sparkline).
pub const HISTORY_LEN: usize = 120;

/// Maps up to this many rows are filtered and sorted on the main loop at once (well under a
/// frame); bigger ones get their order from the collector thread.
pub const SYNC_ROWS: usize = 50_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortOrder {
    #[default]
    KeyAscending,
    KeyDescending,
    ValueDescending,
    ValueAscending,
    /// The order the kernel iterates in (bucket order for hashes).
    Kernel,
}

impl SortOrder {
    pub fn next(self) -> Self {
        match self {
            Self::KeyAscending => Self::KeyDescending,
            Self::KeyDescending => Self::ValueDescending,
            Self::ValueDescending => Self::ValueAscending,
            Self::ValueAscending => Self::Kernel,
            Self::Kernel => Self::KeyAscending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::KeyAscending => "key ↑",
            Self::KeyDescending => "key ↓",
            Self::ValueDescending => "value ↓",
            Self::ValueAscending => "value ↑",
            Self::Kernel => "kernel order",
        }
    }
}

/// What decides which rows are shown, shared by every map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowRules {
    pub filter: String,
    pub sort: SortOrder,
    pub show_zero_slots: bool,
    pub hex: bool,
}

#[derive(Clone, Debug)]
pub struct MapView {
    pub desc: MapDesc,
    /// Shared with the collector, which diffs the next snapshot against it.
    pub snapshot: Option<Arc<Snapshot>>,
    pub changes: Changes,
    /// The last read error, shown instead of the table.
    pub error: Option<Arc<MapError>>,
    /// Snapshot indices in display order.
    pub rows: Vec<usize>,
    /// The rules `rows` were built under.
    pub rows_rules: RowRules,
    /// Position in `rows` of the selected entry.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    selected_key: Option<Vec<u8>>,
    /// The entry count the collector's count pass found, while this map is not on screen
    /// (None once a full read is newer).
    pub counted: Option<usize>,
    /// Entry counts of past refreshes, oldest first.
    pub history: VecDeque<usize>,
    /// The key a lookup found, highlighted until the selection moves.
    pub highlight: Option<Vec<u8>>,
    /// What the last flood of this map did; kept after the pane is closed (r reopens it).
    pub last_flood: Option<FloodReport>,
    /// Whether the flood result pane is open under the table.
    pub flood_shown: bool,
    /// What the map's type adds to the last read (prefixes, inner maps, ring positions...).
    pub type_info: Option<Arc<TypeInfo>>,
    /// For an inner map opened from a map-of-maps: the outer map's index.
    pub parent: Option<usize>,
    /// Numeric fields over time of the watched entries (selected and on screen).
    pub trends: History,
    /// The snapshot `m` marked.
    pub mark: Option<Arc<Snapshot>>,
    /// Some while the table shows only what changed since the mark (`rows` then holds
    /// gone entries too: see `mark::Row`).
    pub since_mark: Option<SinceMark>,
}

impl MapView {
    pub fn new(desc: MapDesc) -> Self {
        Self {
            desc,
            snapshot: None,
            changes: Changes::default(),
            error: None,
            rows: Vec::new(),
            rows_rules: RowRules::default(),
            selected: 0,
            offset: 0,
            selected_key: None,
            counted: None,
            history: VecDeque::with_capacity(HISTORY_LEN),
            highlight: None,
            last_flood: None,
            flood_shown: false,
            type_info: None,
            parent: None,
            trends: History::default(),
            mark: None,
            since_mark: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.desc.meta.name
    }

    /// Entries in the map now (for arrays: slots that are not zero).
    pub fn entry_count(&self) -> Option<usize> {
        let snap = self.snapshot.as_ref()?;
        Some(if self.desc.meta.kind.is_array() {
            snap.nonzero_count()
        } else {
            snap.len()
        })
    }

    /// Takes a new snapshot; `ordered` is its row order if the collector computed it under
    /// the current `rules`, else the rows are rebuilt here.
    pub fn apply(
        &mut self,
        snapshot: impl Into<Arc<Snapshot>>,
        changes: Changes,
        rules: &RowRules,
    ) {
        self.apply_ordered(snapshot, changes, rules, None);
    }

    pub fn apply_ordered(
        &mut self,
        snapshot: impl Into<Arc<Snapshot>>,
        changes: Changes,
        rules: &RowRules,
        ordered: Option<Ordered>,
    ) {
        let snapshot = snapshot.into();
        let before = self.snapshot.as_ref().map(|s| s.taken_at);
        // The same read sent again under new rules adds no point to the count chart; an
        // older one (a replay stepped back) starts it over rather than draw time backwards.
        let fresh = before != Some(snapshot.taken_at);
        if before.is_some_and(|at| at > snapshot.taken_at) {
            self.history.clear();
        }
        self.snapshot = Some(snapshot);
        self.changes = changes;
        self.error = None;
        if let Some(count) = self.entry_count().filter(|_| fresh) {
            if self.history.len() == HISTORY_LEN {
                self.history.pop_front();
            }
            self.history.push_back(count);
        }
        match ordered {
            // The since-mark view is built here, against the mark only this side holds.
            _ if self.since_mark.is_some() => self.rebuild_rows(rules),
            // Computed under other rules (a key changed them since): still a valid order
            // of this snapshot, shown until the refresh under the new rules arrives.
            Some(ordered) if ordered.rules == *rules || self.row_count_hint() > SYNC_ROWS => {
                self.adopt_rows(ordered);
            }
            _ => self.rebuild_rows(rules),
        }
    }

    pub fn decode(&self, index: usize) -> Option<Entry> {
        let snap = self.snapshot.as_ref()?;
        (index < snap.len()).then(|| entries::decode_entry(&self.desc, snap, index))
    }

    /// The selected entry's snapshot index (None on an entry gone since the mark).
    pub fn selected_index(&self) -> Option<usize> {
        self.rows
            .get(self.selected)
            .copied()
            .filter(|&i| i < self.row_count_hint())
    }

    /// The key bytes of row `row` (a snapshot index, or a gone entry of the mark).
    pub fn row_key(&self, row: usize) -> Option<&[u8]> {
        mark::row_key(self.snapshot.as_deref()?, self.mark.as_deref(), row)
    }

    /// Samples the selected entry and the `page` rows on screen into `trends`.
    pub fn sample_history(&mut self, page: usize) {
        let Some(snap) = self.snapshot.clone() else {
            return;
        };
        // The selected entry first: a refresh never watches more keys than are kept.
        let end = self.offset.saturating_add(page).min(self.rows.len());
        let on_screen = self.rows.get(self.offset..end).unwrap_or_default();
        let watched: Vec<usize> = self
            .selected_index()
            .into_iter()
            .chain(on_screen.iter().copied())
            .take(MAX_WATCHED)
            .collect();
        self.trends.sample(&self.desc, &snap, &watched);
    }

    /// Recomputes `rows` here, and keeps the selection on the same key where it still exists.
    pub fn rebuild_rows(&mut self, rules: &RowRules) {
        self.rows = match (&self.snapshot, &self.mark, self.since_mark.is_some()) {
            (Some(snap), Some(mark), true) => {
                let (rows, since) = mark::build(&self.desc, snap, mark, rules);
                self.since_mark = Some(since);
                rows
            }
            (Some(snap), ..) => rows::build(&self.desc, snap, rules),
            _ => Vec::new(),
        };
        self.rows_rules = rules.clone();
        self.restore_selection();
    }

    /// Takes a row order computed elsewhere (the collector) for the current snapshot.
    pub fn adopt_rows(&mut self, ordered: Ordered) {
        self.rows = ordered.rows;
        self.rows_rules = ordered.rules;
        self.restore_selection();
    }

    /// Rows of the current snapshot, the work a rebuild on the main loop would cost.
    pub fn row_count_hint(&self) -> usize {
        self.snapshot.as_ref().map_or(0, |s| s.len())
    }

    fn restore_selection(&mut self) {
        let found = self.selected_key.as_ref().and_then(|key| {
            self.rows
                .iter()
                .position(|&i| self.row_key(i) == Some(key.as_slice()))
        });
        self.selected = found.unwrap_or(self.selected.min(self.rows.len().saturating_sub(1)));
        self.remember_selection();
    }

    fn remember_selection(&mut self) {
        self.selected_key = self
            .rows
            .get(self.selected)
            .and_then(|&i| self.row_key(i))
            .map(<[u8]>::to_vec);
    }

    /// The selected entry's key and whole value buffer.
    pub fn selected_entry(&self) -> Option<(&[u8], &[u8])> {
        let snap = self.snapshot.as_ref()?;
        let index = self.selected_index()?;
        (index < snap.len()).then(|| (snap.key(index), snap.value(index)))
    }

    /// Selects and highlights the row with `key`, scrolling it into view; false if no row
    /// has it yet. The key is remembered either way, so the refresh that follows an
    /// operation selects it once it is there.
    pub fn select_key(&mut self, key: &[u8], page: usize) -> bool {
        self.highlight = Some(key.to_vec());
        let found = self.rows.iter().position(|&i| self.row_key(i) == Some(key));
        match found {
            Some(pos) => {
                self.selected = pos;
                self.selected_key = Some(key.to_vec());
                self.scroll_into_view(page);
                true
            }
            None => {
                self.selected_key = Some(key.to_vec());
                false
            }
        }
    }

    /// Moves the selection by `delta` rows (clamped) and keeps it within `page` rows on screen.
    pub fn move_selection(&mut self, delta: isize, page: usize) {
        self.highlight = None;
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.remember_selection();
        self.scroll_into_view(page);
    }

    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(1));
    }
}
