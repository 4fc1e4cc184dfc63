//! The flood result pane, under the table of a flooded map. It explains the experiment
//! from the screen alone: what was inserted, what failed and why, what the map holds now,
//! which keys an LRU evicted, and why an LRU holds fewer keys than it could.
use ratatui::{
    Frame,
    layout::Rect,
    style::Style,
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use super::{fit, fraction, gauge, percent, theme, wrap};
use crate::{
    app::{App, MapView, lru},
    maps::{
        MapKind, describe_failures, describe_ranges,
        ops::{FloodFrom, FloodReport},
    },
    sys::errno_name,
};

/// Borders and two lines: below this the result pane is left out.
pub const MIN_HEIGHT: u16 = 4;
/// Missing-key ranges listed before "(+N more ranges)".
const RANGES_SHOWN: usize = 3;
const GAUGE_CELLS: usize = 10;
const BPF_F_NO_COMMON_LRU: u32 = 1 << 1;

/// Lines the result pane would like at `width` (the pane's outer width).
pub fn wanted_height(app: &App, view: &MapView, width: u16) -> u16 {
    let Some(report) = &view.last_flood else {
        return 0;
    };
    let inner = usize::from(width.saturating_sub(2));
    let lines: usize = notes(app, view, report)
        .iter()
        .map(|(text, _)| wrap(text, inner).len())
        .sum();
    u16::try_from(lines).unwrap_or(u16::MAX).saturating_add(2)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = app.selected() else { return };
    let Some(report) = &view.last_flood else {
        return;
    };
    let from = match report.from {
        FloodFrom::Kernel => "kernel program",
        FloodFrom::User => "userspace",
    };
    let cpu = report
        .cpu
        .map(|c| format!(" · CPU {c}"))
        .unwrap_or_default();
    let room = usize::from(area.width).saturating_sub(4);
    let title = format!(
        "flood {} · keys 1..={} · {from}{cpu}",
        report.map, report.attempted
    );
    let block = Block::bordered()
        .border_style(theme::border(false))
        .title(Span::styled(
            format!(" {} ", fit(&title, room)),
            theme::title(false),
        ))
        .title_bottom(Span::styled(fit(" Esc/r close ", room), theme::muted()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = notes(app, view, report)
        .into_iter()
        .flat_map(|(text, style)| {
            wrap(&text, width)
                .into_iter()
                .map(move |l| Line::styled(l, style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The result in sentences, each with its style.
pub fn notes(app: &App, view: &MapView, report: &FloodReport) -> Vec<(String, Style)> {
    let kind = report.kind;
    let max = report.max_entries;
    let failed: u32 = report.failures.iter().map(|(_, n)| n).sum();
    let mut notes = Vec::new();
    let verb = if kind.is_array() { "writes" } else { "inserts" };
    if failed == 0 {
        let also = if kind.is_lru() {
            ": an LRU map never refuses a key, it evicts others to make room"
        } else {
            ""
        };
        notes.push((
            format!("all {} {verb} succeeded{also}", report.attempted),
            Style::new(),
        ));
    } else {
        let words: Vec<String> = report
            .failures
            .iter()
            .filter_map(|&(errno, _)| {
                errno_words(kind, errno).map(|w| format!("{}: {w}", errno_name(errno)))
            })
            .collect();
        let mut text = format!(
            "{} of {} {verb} succeeded; {failed} failed ({})",
            report.inserted,
            report.attempted,
            describe_failures(&report.failures)
        );
        if !words.is_empty() {
            text += &format!(" — {}", words.join("; "));
        }
        if let Some(key) = report.first_failed_key {
            text += &format!(", the first at key {key}");
        }
        notes.push((text, theme::error()));
    }
    let held = report.entries_after;
    let fill = format!(
        "{} {}",
        gauge(fraction(held, max as usize), GAUGE_CELLS),
        percent(held, max as usize)
    );
    let last = report.attempted;
    let last_state = if report.last_key_present {
        "present"
    } else {
        "absent"
    };
    if kind.is_array() {
        notes.push((
            format!("slots in use now: {held}/{max} {fill}"),
            Style::new(),
        ));
        notes.push((
            format!(
                "An array has exactly max_entries slots, 0..={}: writing index {max} or higher \
                 fails with E2BIG. Slots always exist, so nothing is evicted (the flood starts \
                 at key 1 and leaves slot 0 alone).",
                max.saturating_sub(1)
            ),
            theme::muted(),
        ));
        return notes;
    }
    let missing: u64 = report
        .missing
        .iter()
        .map(|&(a, b)| u64::from(b - a) + 1)
        .sum();
    if kind.is_lru() {
        notes.push((
            format!("survived: {held} of max_entries {max} {fill}"),
            Style::new(),
        ));
        if missing > 0 {
            notes.push((
                format!(
                    "evicted: {missing} keys: {}",
                    describe_ranges(&report.missing, RANGES_SHOWN)
                ),
                Style::new(),
            ));
        }
        notes.push((
            format!("key {last} (the last inserted) is {last_state}"),
            Style::new(),
        ));
        notes.push((lru_why(app, view, report), theme::muted()));
        return notes;
    }
    notes.push((
        format!("{} holds {held}/{max} entries {fill}", report.map),
        Style::new(),
    ));
    let which = if last == max.saturating_add(1) {
        " (max_entries + 1)"
    } else {
        ""
    };
    let full = report
        .failures
        .iter()
        .any(|&(errno, _)| errno == libc::E2BIG);
    let how = if !report.last_key_present && full {
        ": the map was full"
    } else {
        ""
    };
    notes.push((
        format!("key {last}{which} is {last_state}{how}"),
        Style::new(),
    ));
    let only_last = report.missing == [(last, last)];
    if missing > 0 && !only_last {
        notes.push((
            format!(
                "missing afterwards: {missing} keys: {}",
                describe_ranges(&report.missing, RANGES_SHOWN)
            ),
            Style::new(),
        ));
    }
    notes.push((
        "A hash map never evicts: once it holds max_entries keys, inserting a new key fails \
         with E2BIG (keys it holds can still be updated)."
            .into(),
        theme::muted(),
    ));
    notes
}

/// Why an LRU kept what it kept, in one sentence with this machine's numbers.
fn lru_why(app: &App, view: &MapView, report: &FloodReport) -> String {
    let max = report.max_entries;
    let cpus = app.possible_cpus.max(1);
    if view.desc.meta.flags & BPF_F_NO_COMMON_LRU != 0 {
        let cpu = report.cpu.map_or("one CPU".into(), |c| format!("CPU {c}"));
        return format!(
            "Why: with NO_COMMON_LRU each CPU has its own LRU list of {max} / {cpus} = {} \
             nodes, so a flood from {cpu} fills about that share.",
            lru::per_cpu_share(max, cpus)
        );
    }
    let batch = match app.kernel {
        Some(kernel) => lru::target_free(max, cpus, kernel).to_string(),
        None => format!(
            "{} or {}, by kernel",
            lru::FIXED_TARGET_FREE,
            lru::target_free(max, cpus, lru::SCALED_SINCE)
        ),
    };
    format!(
        "Why not {max}: each CPU pulls free nodes in batches of target_free ({batch}); when \
         the shared free list runs dry the kernel evicts a batch from the LRU lists rather \
         than take free nodes other CPUs hold ({cpus} possible CPUs)."
    )
}

/// An errno of a failed insert in words, for this kind of map.
fn errno_words(kind: MapKind, errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::E2BIG if kind.is_array() => "index past the last slot",
        libc::E2BIG => "map is full",
        libc::ENOMEM => "out of memory",
        libc::EBUSY => "map busy on this CPU",
        libc::EEXIST => "the key exists already",
        libc::EINVAL => "invalid argument",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures;

    fn words(app: &App, map: usize, report: &FloodReport) -> String {
        notes(app, &app.maps[map], report)
            .into_iter()
            .map(|(text, _)| text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn an_array_flood_says_which_indices_cannot_exist() {
        let app = test_fixtures::experiment_app();
        let report = FloodReport {
            map: "counters".into(),
            kind: MapKind::Array,
            from: FloodFrom::User,
            cpu: Some(0),
            attempted: 17,
            inserted: 15,
            failures: vec![(libc::E2BIG, 2)],
            first_failed_key: Some(16),
            entries_after: 15,
            max_entries: 16,
            last_key_present: false,
            missing: vec![(16, 17)],
        };
        let text = words(&app, test_fixtures::EXP_ARRAY, &report);
        assert!(text.contains("15 of 17 writes succeeded; 2 failed (2 × E2BIG) — E2BIG: index past the last slot, the first at key 16"), "{text}");
        assert!(
            text.contains("0..=15: writing index 16 or higher fails with E2BIG"),
            "{text}"
        );
    }

    #[test]
    fn an_lru_flood_explains_its_survivors_with_this_machine() {
        let mut app = test_fixtures::experiment_app();
        let report = test_fixtures::lru_flood_report();
        let text = words(&app, test_fixtures::EXP_LRU, &report);
        assert!(text.contains("survived: 390 of max_entries 1003"), "{text}");
        assert!(text.contains("evicted: 614 keys: 1–600, 641–650, 700–701 (+2 more ranges)"));
        assert!(text.contains("key 1004 (the last inserted) is present"));
        assert!(
            text.contains("batches of target_free (128)"),
            "kernel 6.8: fixed"
        );
        app.kernel = None;
        app.possible_cpus = 8;
        let text = words(&app, test_fixtures::EXP_LRU, &report);
        assert!(
            text.contains("target_free (128 or 62, by kernel)"),
            "{text}"
        );
        let text = words(&app, test_fixtures::EXP_NOCOMMON, &report);
        assert!(
            text.contains("its own LRU list of 1003 / 8 = 125 nodes"),
            "{text}"
        );
    }

    #[test]
    fn errnos_are_put_in_words_for_the_map_kind() {
        assert_eq!(errno_words(MapKind::Hash, libc::E2BIG), Some("map is full"));
        assert_eq!(
            errno_words(MapKind::Array, libc::E2BIG),
            Some("index past the last slot")
        );
        assert_eq!(errno_words(MapKind::Hash, libc::EPERM), None);
    }
}
