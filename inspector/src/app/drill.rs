//! Moving between maps: Enter on a slot of a map-of-maps opens its inner map like any other
//! (Esc comes back), and `/` in the map list filters it by name and type, for hosts with
//! hundreds of maps.
use super::{App, Effect, MapView, Mode, Opened, Pane};
use crate::maps::types::Annotation;

impl App {
    /// Enter: from the list, to the entries; on a map-of-maps slot, into its inner map.
    pub(super) fn open_selected(&mut self) -> Option<Effect> {
        if self.focus == Pane::Maps {
            self.focus = Pane::Entries;
            return None;
        }
        let view = self.selected()?;
        if !view.desc.meta.kind.is_map_of_maps() {
            return None;
        }
        let index = *view.rows.get(view.selected)?;
        let id = match view.type_info.as_ref()?.annotations.get(&index)? {
            Annotation::InnerMap(inner) => inner.id,
            _ => return None,
        };
        let parent = self.selected_map;
        // Opened before: go straight there.
        if let Some(open) = self.maps.iter().position(|m| m.desc.meta.id == id) {
            self.enter(parent, open);
            let name = self.maps[open].name().to_string();
            self.set_status(format!("inner map {name}: Esc goes back"), false);
            return None;
        }
        if self.replay.is_some() {
            let text = format!("inner map {id}: {}", super::keys::REPLAY_CANNOT);
            self.set_status(text, true);
            return None;
        }
        self.set_status(format!("opening inner map {id}…"), false);
        Some(Effect::OpenInner { map: parent, id })
    }

    /// The collector opened an inner map: it joins the list and gets the screen.
    pub(super) fn apply_opened(&mut self, opened: Opened) {
        match opened.result {
            Ok((index, desc)) => {
                let name = desc.meta.name.clone();
                if index == self.maps.len() {
                    let mut view = MapView::new(desc);
                    view.parent = Some(opened.parent);
                    self.maps.push(view);
                }
                self.enter(opened.parent, index);
                self.set_status(format!("inner map {name}: Esc goes back"), false);
            }
            Err(err) => {
                self.set_status(format!("cannot open inner map {}: {err}", opened.id), true)
            }
        }
    }

    fn enter(&mut self, parent: usize, index: usize) {
        self.back_stack.push(parent);
        self.selected_map = index;
        self.focus = Pane::Entries;
        // An inner map hidden by the list filter would leave the selection invisible.
        self.map_filter.clear();
    }

    /// Esc in an inner map: back to the map it was opened from. False when there is none.
    pub(super) fn go_back(&mut self) -> bool {
        match self.back_stack.pop() {
            Some(parent) if parent < self.maps.len() => {
                self.selected_map = parent;
                self.focus = Pane::Entries;
                true
            }
            _ => false,
        }
    }

    /// Whether map `index` passes the list filter (its name or type contains it).
    pub fn map_shown(&self, index: usize) -> bool {
        let filter = self.map_filter.to_lowercase();
        self.maps.get(index).is_some_and(|view| {
            filter.is_empty()
                || view.name().to_lowercase().contains(&filter)
                || view.desc.meta.kind.label().contains(&filter)
        })
    }

    /// Indices of the maps the list shows, in order.
    pub fn shown_maps(&self) -> Vec<usize> {
        (0..self.maps.len())
            .filter(|&i| self.map_shown(i))
            .collect()
    }

    /// Moves the list selection by `delta` among the maps the filter shows.
    pub(super) fn move_in_list(&mut self, delta: isize) {
        let shown = self.shown_maps();
        if shown.is_empty() {
            return;
        }
        let at = shown
            .iter()
            .position(|&i| i >= self.selected_map)
            .unwrap_or(shown.len() - 1);
        let to = at.saturating_add_signed(delta).min(shown.len() - 1);
        self.selected_map = shown[to];
    }

    /// Typing into the list filter: the selection jumps to the first map it shows.
    pub(super) fn map_filter_action(&mut self, action: super::Action) {
        use super::Action as A;
        match action {
            A::FilterChar(c) => self.map_filter.push(c),
            A::FilterBackspace => {
                self.map_filter.pop();
            }
            A::FilterClear => {
                self.map_filter.clear();
                self.mode = Mode::Normal;
            }
            _ => return,
        }
        if !self.map_shown(self.selected_map)
            && let Some(&first) = self.shown_maps().first()
        {
            self.selected_map = first;
        }
    }
}
