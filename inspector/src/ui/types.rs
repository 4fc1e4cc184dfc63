//! Drawing what map types beyond keys and values add: the facts pane of a map whose entries
//! are not listed (ring positions with a gauge, or the reason in one sentence with the
//! metadata), the annotation that replaces a key or value cell (prefix, cgroup path, inner
//! map, program, top frame), the frames pane of a stack, and the probe popup. A ring of our
//! own shows its latest records, decoded when the ring has a record type.
use ratatui::{
    Frame,
    layout::{Position, Rect},
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use super::{fit, fraction, gauge, popup, theme, wrap};
use crate::{
    app::{App, MapView, probe::ProbePrompt},
    maps::{
        MapKind, flag_names,
        types::{Annotation, MapFacts, RingRecords},
    },
    values::{Layout, record, render::Style},
};

/// Borders and two frames: below this the frames pane is left out.
pub const FRAMES_MIN_HEIGHT: u16 = 4;
const GAUGE_CELLS: usize = 20;
/// Decoded records shown in a ring's pane, newest last.
const RECORDS_SHOWN: usize = 4;

/// Draws the facts of a map whose entries are not listed; false if it has none yet.
pub fn draw_facts(frame: &mut Frame, area: Rect, view: &MapView) -> bool {
    let Some(facts) = view.type_info.as_ref().and_then(|i| i.facts.as_ref()) else {
        return false;
    };
    let width = usize::from(area.width);
    let meta = &view.desc.meta;
    let mut lines: Vec<Line> = Vec::new();
    match facts {
        MapFacts::Ring(ring) => {
            let share = fraction(ring.pending_bytes() as usize, ring.ring_size as usize);
            lines.push(Line::from(vec![
                Span::raw("waiting  "),
                Span::styled(gauge(share, GAUGE_CELLS), theme::fill(share)),
                Span::raw(format!(" {} of {} B", ring.pending_bytes(), ring.ring_size)),
            ]));
            lines.push(Line::raw(format!("producer {}", ring.producer_pos)));
            lines.push(Line::raw(format!("consumer {}", ring.consumer_pos)));
            lines.push(Line::raw(""));
            let records = view.type_info.as_ref().and_then(|i| i.records.as_ref());
            if let Some(records) = records {
                lines.extend(record_lines(records, &view.desc.value_layout, width));
            }
            let note = if records.is_some() {
                "mapinspect loaded this ring, so it consumes the records as they arrive; \
                 another program's ring is only watched, never consumed."
            } else {
                "Positions read through a read-only mmap of the ring's first two pages: \
                 watching never consumes a record."
            };
            lines.extend(
                wrap(note, width)
                    .into_iter()
                    .map(|l| Line::styled(l, theme::muted())),
            );
        }
        MapFacts::Unlisted(reason) => {
            lines.extend(wrap(reason, width).into_iter().map(Line::raw));
            lines.push(Line::raw(""));
            let mut facts = format!(
                "id {} · key {} B · value {} B · max_entries {}",
                meta.id, meta.key_size, meta.value_size, meta.max_entries
            );
            let flags = flag_names(meta.flags).join(" ");
            if !flags.is_empty() {
                facts += &format!(" · {flags}");
            }
            lines.extend(
                wrap(&facts, width)
                    .into_iter()
                    .map(|l| Line::styled(l, theme::muted())),
            );
            if meta.kind == MapKind::BloomFilter {
                lines.push(Line::from(vec![
                    Span::styled("l", theme::key_hint()),
                    Span::raw(" test a value  "),
                    Span::styled("i", theme::key_hint()),
                    Span::raw(" add one"),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
    true
}

/// The text that replaces a row's key (true) or value (false) cell, if its type has one.
pub fn cell(view: &MapView, index: usize) -> Option<(bool, String)> {
    let annotation = view.type_info.as_ref()?.annotations.get(&index)?;
    Some(match annotation {
        Annotation::Prefix(prefix) => (true, prefix.to_string()),
        Annotation::Cgroup(cgroup) => (true, cgroup.path.clone()),
        Annotation::InnerMap(_) if view.desc.meta.kind.is_map_of_maps() => {
            (false, format!("{} ⏎", annotation.summary()))
        }
        other => (false, other.summary()),
    })
}

/// Lines the frames pane would like for the selected stack, or None.
pub fn frames_wanted_height(view: &MapView) -> Option<u16> {
    let frames = selected_frames(view)?;
    Some(
        u16::try_from(frames.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2),
    )
}

fn selected_frames(view: &MapView) -> Option<&Vec<String>> {
    if view.error.is_some() {
        return None;
    }
    let index = view.selected_index()?;
    match view.type_info.as_ref()?.annotations.get(&index)? {
        Annotation::Frames(frames) => Some(frames),
        _ => None,
    }
}

/// The selected stack's frames, innermost first.
pub fn draw_frames(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = app.selected() else { return };
    let Some(frames) = selected_frames(view) else {
        return;
    };
    let room = usize::from(area.width).saturating_sub(4);
    let block = Block::bordered()
        .border_style(theme::border(false))
        .title(Span::styled(
            format!(
                " {} ",
                fit(&format!("stack · {} frames", frames.len()), room)
            ),
            theme::title(false),
        ));
    let width = usize::from(area.width).saturating_sub(2);
    let lines: Vec<Line> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| Line::raw(fit(&format!("#{i:<2} {f}"), width)))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The probe popup: what to type, the input, and why it was refused.
pub fn draw_probe(frame: &mut Frame, screen: Rect, probe: &ProbePrompt) {
    let width = 60.min(screen.width);
    let inner_w = usize::from(width.saturating_sub(2));
    let mut lines = vec![
        Line::styled(fit(&probe.hint, inner_w), theme::muted()),
        Line::raw(fit(&format!("› {}", probe.input), inner_w)),
    ];
    if let Some(error) = &probe.error {
        lines.extend(
            wrap(error, inner_w)
                .into_iter()
                .map(|l| Line::styled(l, theme::error())),
        );
    }
    let (area, block) = popup(frame, screen, width, lines.len(), &probe.title);
    let block = block.title_bottom(Span::styled(
        fit(" Enter ask · Esc cancel ", inner_w),
        theme::muted(),
    ));
    let inner = block.inner(area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if inner.height > 1 {
        let x = inner.x + u16::try_from(2 + probe.input.chars().count()).unwrap_or(u16::MAX);
        frame.set_cursor_position(Position::new(
            x.min(inner.right().saturating_sub(1)),
            inner.y + 1,
        ));
    }
}

/// The live records of one of our own rings: counts, sizes, and the latest records decoded
/// as the ring's record type when it has one (`--value-type`, the object's BTF), else the
/// latest record's bytes.
fn record_lines(records: &RingRecords, layout: &Layout, width: usize) -> Vec<Line<'static>> {
    let sizes: Vec<String> = records.sizes.iter().map(ToString::to_string).collect();
    let mut lines = vec![
        Line::raw(fit(
            &format!(
                "records {} ({} B) · {} since the last refresh",
                records.total, records.bytes, records.latest_drain
            ),
            width,
        )),
        Line::raw(fit(&format!("latest sizes {} B", sizes.join(" ")), width)),
    ];
    if layout.size() > 0 {
        let title = format!("latest records as {}, newest last", layout.type_name());
        lines.push(Line::styled(fit(&title, width), theme::muted()));
        let shown = records.recent.len().min(RECORDS_SHOWN);
        let latest = records.recent.iter().zip(&records.sizes);
        for (kept, len) in latest.skip(records.recent.len() - shown) {
            let line = record::read(layout, kept, *len).line(layout, Style::default());
            lines.push(Line::raw(fit(&line, width)));
        }
    } else {
        let hex: Vec<String> = records
            .recent
            .last()
            .map(|kept| kept.iter().map(|b| format!("{b:02x}")).collect())
            .unwrap_or_default();
        let line = format!("latest {}", hex.join(" "));
        lines.push(Line::styled(fit(&line, width), theme::muted()));
    }
    lines.push(Line::raw(""));
    lines
}
