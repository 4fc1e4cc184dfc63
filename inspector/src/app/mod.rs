//! The TUI's state and the only place it changes: `App::update` for key actions and
//! `App::apply` for what the collector sends (refreshes, and the outcomes of operations).
//! No I/O here; side effects the main loop must carry out come back as [`Effect`]s.
//!
//! Editing lives in its own files: `edit` opens and answers the popups (prompt, confirm,
//! flood), `outcome` reports what the kernel did; `prompt` and `flood` are the popups'
//! pure state machines, `lru` the kernel facts the LRU panes explain.
mod drill;
mod edit;
pub mod filter;
pub mod flood;
pub mod history;
pub mod keys;
pub mod lru;
mod map_view;
pub mod mark;
pub mod messages;
mod outcome;
mod prefill;
pub mod probe;
pub mod prompt;
pub mod rows;

use std::{sync::Arc, time::Duration};

pub use edit::{Confirm, Popup};
pub use keys::Mode;
pub use map_view::{HISTORY_LEN, MapView, RowRules, SYNC_ROWS, SortOrder};
pub use messages::{
    Action, Effect, FromCollector, Opened, Outcome, Pace, Probe, ProbeAnswer, ProbeError, Probed,
    Refresh, ReplayCommand, ReplayStatus, ToCollector,
};
pub(crate) use outcome::value_text;
pub use rows::Ordered;

use crate::{loader::ProgramStatus, maps::MapDesc};

/// Whose maps are on screen, which decides what editing may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ownership {
    /// Maps of an object mapinspect loaded: change them freely.
    #[default]
    Own,
    /// Maps other programs own, without --write: look, don't touch.
    ReadOnly,
    /// Maps other programs own, with --write: every change asks first.
    Writable,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    #[default]
    Maps,
    Entries,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

/// The refresh interval's bounds, for `+`/`-` and `--interval` alike.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
pub const MAX_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct App {
    pub maps: Vec<MapView>,
    pub programs: Vec<ProgramStatus>,
    pub selected_map: usize,
    pub focus: Pane,
    pub mode: Mode,
    pub rules: RowRules,
    pub paused: bool,
    pub interval: Duration,
    /// The interval the collector stretched to, when the map on screen is too big to read
    /// at `interval` (the header says so, as `top` does).
    pub pace: Option<Pace>,
    pub status: Option<Status>,
    /// Entry rows that fit on screen: the page size for PgUp/PgDn, set on resize.
    pub page_rows: usize,
    pub should_quit: bool,
    /// Facts about the machine the LRU pane explains eviction with (set by the caller:
    /// state does no I/O).
    pub possible_cpus: usize,
    /// (major, minor) of the running kernel, if known.
    pub kernel: Option<(u32, u32)>,
    /// Whether the history pane of the selected entry is open (`H`).
    pub history_shown: bool,
    /// The open popup, if any; `mode` says which keys it takes.
    pub popup: Option<Popup>,
    /// Whose maps these are: what editing may do.
    pub ownership: Ownership,
    /// The map whose rows the collector is ordering for new rules, and the status line that
    /// says so: cleared when the ordered rows arrive.
    ordering: Option<(usize, Status)>,
    /// Maps Enter left for an inner map, most recent last: Esc goes back to them.
    pub back_stack: Vec<usize>,
    /// The map list's filter (`/` while the list has the keyboard): name or type contains it.
    pub map_filter: String,
    /// Set when the maps come from a recording (`mapinspect replay`): the header says where.
    pub replay: Option<ReplayStatus>,
}

impl App {
    pub fn new(maps: Vec<MapDesc>, programs: Vec<ProgramStatus>, interval: Duration) -> Self {
        Self {
            maps: maps.into_iter().map(MapView::new).collect(),
            programs,
            selected_map: 0,
            focus: Pane::Maps,
            mode: Mode::Normal,
            rules: RowRules::default(),
            paused: false,
            interval,
            pace: None,
            status: None,
            page_rows: 10,
            should_quit: false,
            possible_cpus: 1,
            kernel: None,
            ownership: Ownership::Own,
            popup: None,
            history_shown: false,
            ordering: None,
            back_stack: Vec::new(),
            map_filter: String::new(),
            replay: None,
        }
    }

    pub fn selected(&self) -> Option<&MapView> {
        self.maps.get(self.selected_map)
    }

    fn selected_mut(&mut self) -> Option<&mut MapView> {
        self.maps.get_mut(self.selected_map)
    }

    pub fn set_status(&mut self, text: impl Into<String>, is_error: bool) {
        self.status = Some(Status {
            text: text.into(),
            is_error,
        });
    }

    /// Applies whatever the collector sent.
    pub fn apply(&mut self, message: FromCollector) {
        match message {
            FromCollector::Refresh(refresh) => self.apply_refresh(refresh),
            FromCollector::Outcome(outcome) => self.apply_outcome(outcome),
            FromCollector::Typed { map, info } => {
                if let Some(view) = self.maps.get_mut(map) {
                    view.type_info = Some(info);
                }
            }
            FromCollector::Opened(opened) => self.apply_opened(opened),
            FromCollector::Probed(probed) => self.apply_probed(probed),
            FromCollector::Counts(counts) => {
                for (map, count) in counts {
                    if let Some(view) = self.maps.get_mut(map) {
                        view.counted = Some(count);
                    }
                }
            }
            FromCollector::Pace(pace) => self.pace = pace,
            FromCollector::Replay(mut replay) => {
                if let Some(note) = replay.note.take() {
                    self.set_status(note, false);
                }
                self.replay = Some(replay);
            }
        }
    }

    fn apply_refresh(&mut self, refresh: Refresh) {
        let rules = self.rules.clone();
        let Some(view) = self.maps.get_mut(refresh.map) else {
            return;
        };
        // A full read is newer than any count.
        view.counted = None;
        let ordered = refresh
            .rows
            .as_ref()
            .is_some_and(|rows| rows.rules == rules);
        match refresh.result {
            Ok((snapshot, changes)) => view.apply_ordered(snapshot, changes, &rules, refresh.rows),
            Err(error) => view.error = Some(Arc::new(error)),
        }
        let done = |(map, _): &mut (usize, Status)| *map == refresh.map && ordered;
        if let Some((_, status)) = self.ordering.take_if(done) {
            // The rows are in: the "ordering…" line goes, unless something replaced it.
            if self.status.as_ref() == Some(&status) {
                self.status = None;
            }
        }
        let page = self.page_rows;
        if let Some(view) = self.maps.get_mut(refresh.map) {
            view.scroll_into_view(page);
            view.sample_history(page);
        }
    }

    /// Applies a key action. While a popup is open only its keys count (Ctrl-C still quits).
    pub fn update(&mut self, action: Action) -> Option<Effect> {
        if action == Action::Quit {
            self.should_quit = true;
            return None;
        }
        if matches!(
            self.mode,
            Mode::Prompt | Mode::Confirm | Mode::Flood | Mode::FloodCount
        ) {
            return self.popup_action(action);
        }
        if self.replay.is_some() && keys::asks_kernel(action) {
            self.set_status(keys::REPLAY_CANNOT, true);
            return None;
        }
        let page = self.page_rows as isize;
        match action {
            Action::Up => return self.move_by(-1),
            Action::Down => return self.move_by(1),
            Action::PageUp => return self.move_by(-page),
            Action::PageDown => return self.move_by(page),
            Action::Home => return self.move_by(isize::MIN / 2),
            Action::End => return self.move_by(isize::MAX / 2),
            Action::NextPane | Action::PrevPane => {
                self.focus = match self.focus {
                    Pane::Maps => Pane::Entries,
                    Pane::Entries => Pane::Maps,
                };
            }
            Action::Open => return self.open_selected(),
            Action::CycleSort => {
                self.rules.sort = self.rules.sort.next();
                self.set_status(format!("sorted by {}", self.rules.sort.label()), false);
                return self.rules_changed();
            }
            Action::StartFilter => self.mode = Mode::Filter,
            Action::FilterChar(_) | Action::FilterBackspace | Action::FilterClear
                if self.focus == Pane::Maps =>
            {
                self.map_filter_action(action);
            }
            Action::FilterChar(c) => {
                self.rules.filter.push(c);
                return self.rules_changed();
            }
            Action::FilterBackspace => {
                self.rules.filter.pop();
                return self.rules_changed();
            }
            Action::FilterApply => self.mode = Mode::Normal,
            Action::FilterClear => {
                self.rules.filter.clear();
                self.mode = Mode::Normal;
                return self.rules_changed();
            }
            Action::ToggleHex => {
                self.rules.hex = !self.rules.hex;
                return self.rules_changed();
            }
            Action::ToggleZeroSlots => {
                self.rules.show_zero_slots = !self.rules.show_zero_slots;
                return self.rules_changed();
            }
            Action::TogglePause => {
                self.paused = !self.paused;
                let text = if self.paused {
                    "paused: p resumes"
                } else {
                    "resumed"
                };
                self.set_status(text, false);
                return Some(Effect::SetPaused(self.paused));
            }
            Action::Faster | Action::Slower => {
                let interval = if action == Action::Faster {
                    self.interval / 2
                } else {
                    self.interval * 2
                };
                self.interval = interval.clamp(MIN_INTERVAL, MAX_INTERVAL);
                self.set_status(
                    format!("refresh every {:.2} s", self.interval.as_secs_f64()),
                    false,
                );
                return Some(Effect::SetInterval(self.interval));
            }
            Action::ToggleHelp => {
                self.mode = if self.mode == Mode::Help {
                    Mode::Normal
                } else {
                    Mode::Help
                };
            }
            // A filter still narrowing the table is open too: Esc clears it, once the panes
            // Esc closes first are closed.
            Action::Back if !self.rules.filter.is_empty() && !self.back_closes_a_pane() => {
                self.rules.filter.clear();
                self.set_status("filter cleared", false);
                return self.rules_changed();
            }
            Action::Back => self.back(),
            Action::Insert => self.start_insert(),
            Action::Delete => self.start_delete(),
            Action::Take => return self.start_take(),
            Action::Lookup => return self.start_lookup(),
            Action::Flood => self.start_flood(false),
            Action::FloodCount => self.start_flood(true),
            Action::ToggleFloodResult => self.toggle_flood_result(),
            Action::ToggleHistory => self.history_shown = !self.history_shown,
            Action::SetMark => self.set_mark(),
            Action::ToggleSinceMark => self.toggle_since_mark(),
            // Popup keys do nothing while browsing; Quit was handled above.
            _ => {}
        }
        None
    }

    /// Moves the selection in the focused pane. (A new map on screen is news for the
    /// collector, which reads only that one in full: the main loop tells it, whatever moved
    /// the selection.)
    fn move_by(&mut self, delta: isize) -> Option<Effect> {
        match self.focus {
            Pane::Maps => {
                self.move_in_list(delta);
                self.rebuild_selected();
                None
            }
            Pane::Entries => {
                let page = self.page_rows;
                if let Some(view) = self.selected_mut() {
                    view.move_selection(delta, page);
                }
                None
            }
        }
    }

    /// Whether Esc has a pane or an inner map to close before anything else.
    fn back_closes_a_pane(&self) -> bool {
        self.selected()
            .is_some_and(|v| v.flood_shown || v.since_mark.is_some())
            || !self.back_stack.is_empty()
    }

    /// Tells the collector the new row rules (it orders every map's refreshes by them).
    /// The map on screen is reordered here at once when small; a big one is reordered on the
    /// collector thread, so a keystroke never waits for a million rows.
    fn rules_changed(&mut self) -> Option<Effect> {
        let refresh = self
            .selected()
            .filter(|view| view.row_count_hint() > SYNC_ROWS)
            .map(|view| (self.selected_map, view.row_count_hint()));
        match refresh {
            Some((map, rows)) => {
                self.set_status(format!("ordering {rows} entries…"), false);
                self.ordering = self.status.clone().map(|status| (map, status));
                Some(Effect::SetRules {
                    rules: self.rules.clone(),
                    refresh: Some(map),
                })
            }
            None => {
                self.rebuild_selected();
                Some(Effect::SetRules {
                    rules: self.rules.clone(),
                    refresh: None,
                })
            }
        }
    }

    /// Brings the selected map's rows up to the current rules when they are cheap to
    /// rebuild here; other maps pick the rules up with their next refresh.
    fn rebuild_selected(&mut self) {
        let rules = self.rules.clone();
        let page = self.page_rows;
        if let Some(view) = self.selected_mut()
            && view.rows_rules != rules
            && view.row_count_hint() <= SYNC_ROWS
        {
            view.rebuild_rows(&rules);
            view.scroll_into_view(page);
        }
    }
}

#[cfg(test)]
mod tests;
