//! The words around the entry table: its title and bottom line, the notes on queues and
//! arrays, what an empty table says, and change rates.
use ratatui::layout::Rect;

use super::{entry_count, fit, wrap};
use crate::app::{App, MapView, RowRules};

/// Note lines at most, and the table lines they must leave (header and three rows).
const MAX_NOTE_LINES: usize = 2;
const MIN_TABLE_LINES: usize = 4;

/// "name · type · key → value", and the counts: "4/1024 entries".
pub fn title(view: &MapView) -> (String, String) {
    let desc = &view.desc;
    let kind = desc.meta.kind;
    let value = desc.value_layout.type_name();
    let mut title = format!("{} · {}", view.name(), kind.label());
    if kind.is_queue_like() {
        title += &format!(" · {value} · head (peek)");
        return (title, String::new());
    }
    title += &format!(" · {} → {value}", desc.key_layout.type_name());
    let max = desc.meta.max_entries;
    let counts = match entry_count(view) {
        Some(count) if kind.is_array() => format!("{count}/{max} slots non-zero"),
        // Local storage has no max_entries (0): a value per object, as many as objects.
        Some(count) if max == 0 => format!("{count} entries, no bound"),
        Some(count) => format!("{count}/{max} entries"),
        None => String::new(),
    };
    (title, counts)
}

/// Counts that did not fit the title, added and removed keys, the sort, the filter, hex.
pub fn rules_line(app: &App, view: &MapView, counts: String) -> String {
    let changes = &view.changes;
    let mut parts = Vec::new();
    if !counts.is_empty() {
        parts.push(counts);
    }
    if changes.added > 0 {
        parts.push(format!("+{} new", changes.added));
    }
    if changes.removed > 0 {
        parts.push(format!("−{} gone", changes.removed));
    }
    if let Some(since) = &view.since_mark {
        parts.push(format!(
            "since the mark: +{} −{} ~{} (c: all)",
            since.added, since.removed, since.changed
        ));
    } else if view.mark.is_some() {
        parts.push("marked (c: changes)".into());
    }
    parts.push(format!("sort {}", app.rules.sort.label()));
    if !app.rules.filter.is_empty() {
        // Rows still ordered under older rules (a big map, filtered off the loop): the count
        // would be the old filter's, so say the new one is on its way instead.
        if view.rows_rules.filter == app.rules.filter {
            parts.push(format!("/{}: {} match", app.rules.filter, view.rows.len()));
        } else {
            parts.push(format!("/{}: filtering…", app.rules.filter));
        }
    }
    if app.rules.hex {
        parts.push("hex".into());
    }
    format!(" {} ", parts.join(" · "))
}

/// Why a queue or an array shows what it shows; left out when the table has no room.
pub fn notes(view: &MapView, rules: &RowRules, inner: Rect) -> Vec<String> {
    let kind = view.desc.meta.kind;
    let text = if kind.is_queue_like() {
        "the kernel cannot list a queue or stack without popping it; showing the head only"
    } else if kind.is_array() && rules.show_zero_slots {
        "showing zero slots too (z hides them)"
    } else if kind.is_array() {
        "an array always has every slot; z shows zero slots"
    } else {
        return Vec::new();
    };
    let width = usize::from(inner.width);
    let mut lines = wrap(text, width);
    let room = usize::from(inner.height)
        .saturating_sub(MIN_TABLE_LINES)
        .min(MAX_NOTE_LINES);
    if lines.len() > room {
        // The kept lines end in "…" so a cut note reads as cut.
        lines.truncate(room);
        if let Some(last) = lines.last_mut() {
            *last = fit(&format!("{last} …"), width);
        }
    }
    lines
}

pub fn empty_text(view: &MapView, rules: &RowRules) -> String {
    let kind = view.desc.meta.kind;
    if view.since_mark.is_some() {
        "nothing changed since the mark".into()
    } else if !rules.filter.is_empty() {
        format!("no entry matches /{}", rules.filter)
    } else if kind.is_queue_like() {
        "empty: nothing to peek".into()
    } else if kind.is_array() {
        format!("all {} slots are zero", view.desc.meta.max_entries)
    } else {
        "no entries".into()
    }
}

/// "+12.0/s", "-3.5k/s"; blank for a value that did not move, so the ones that do stand out.
pub fn rate(per_second: f64) -> String {
    if per_second == 0.0 {
        return String::new();
    }
    let (value, unit) = match per_second.abs() {
        r if r >= 1e6 => (per_second / 1e6, "M"),
        r if r >= 1e4 => (per_second / 1e3, "k"),
        _ => (per_second, ""),
    };
    format!("{value:+.1}{unit}/s")
}
