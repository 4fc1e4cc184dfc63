//! The entry table of the selected map: position, key, value and change per second.
//!
//! Only the rows on screen are decoded. The top border names the map and its types, the
//! bottom border the row rules (sort, filter, hex); queues and arrays get a note line
//! (those words are in `captions`).
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    style::Style,
    text::{Line, Span},
    widgets::{
        Block, Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, Wrap,
    },
};

use super::{
    captions::{empty_text, notes, rate, rules_line, title},
    cells, fit, take_top, theme,
};
use crate::{
    app::{App, MapView, Pane, history::Trend},
    values::render::Style as ValueStyle,
};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Entries;
    let mut block = Block::bordered().border_style(theme::border(focused));
    let Some(view) = app.selected() else {
        frame.render_widget(block.title(" no maps "), area);
        return;
    };
    // The counts join the title if it has room, else they lead the bottom border.
    let (mut title, mut counts) = title(view);
    let room = usize::from(area.width).saturating_sub(2);
    if !counts.is_empty() && cells(&title) + cells(&counts) + 5 <= room {
        title = format!("{title} · {}", std::mem::take(&mut counts));
    }
    block = block
        .title(Span::styled(
            format!(" {} ", fit(&title, room.saturating_sub(2))),
            theme::title(focused),
        ))
        .title_bottom(Span::styled(
            fit(&rules_line(app, view, counts), room),
            theme::muted(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let message =
        |text: String, style: Style| Paragraph::new(text).style(style).wrap(Wrap { trim: true });
    if view.error.is_some() && super::types::draw_facts(frame, inner, view) {
        return;
    }
    if let Some(error) = &view.error {
        frame.render_widget(message(error.to_string(), theme::error()), inner);
        return;
    }
    if view.snapshot.is_none() {
        frame.render_widget(message("reading…".into(), theme::muted()), inner);
        return;
    }
    let notes = notes(view, &app.rules, inner);
    let (note_area, body) = take_top(inner, notes.len() as u16);
    let note_lines: Vec<Line> = notes
        .into_iter()
        .map(|n| Line::styled(n, theme::muted()))
        .collect();
    frame.render_widget(Paragraph::new(note_lines), note_area);
    if view.rows.is_empty() {
        frame.render_widget(message(empty_text(view, &app.rules), theme::muted()), body);
        return;
    }
    rows(frame, area, body, app, view);
}

/// Entry rows that fit in a table drawn in `area` (header and notes left out).
pub fn body_rows(area: Rect, app: &App, view: &MapView) -> usize {
    let inner = Block::bordered().inner(area);
    usize::from(inner.height)
        .saturating_sub(notes(view, &app.rules, inner).len())
        .saturating_sub(1)
}

/// A row on screen: its position in the view, its snapshot index, and its cells' text.
struct Shown {
    pos: usize,
    index: usize,
    key: String,
    value: String,
    rate: String,
    /// The value over the last refreshes (`▁▃▅█`), when it is a number that moved.
    trend: String,
}

/// The trend column's width, and the table width from which it shows.
const SPARK_WIDTH: usize = 12;
const SPARK_FROM: usize = 90;

/// The sum of the first numeric field over the newest `width` samples, low to high as
/// `▁` to `█`; empty while it has not moved.
fn spark(trend: &Trend, width: usize) -> String {
    let skip = trend.samples.len().saturating_sub(width);
    let sums: Vec<f64> = trend.sums(0).skip(skip).collect();
    let (low, high) = sums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if sums.len() < 2 || high <= low {
        return String::new();
    }
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    sums.iter()
        .map(|v| BARS[(((v - low) / (high - low)) * 7.0).round() as usize])
        .collect()
}

/// The visible rows, decoded one by one, as a table, with a scrollbar on the border.
/// Widths for the key and value columns out of `avail` cells: both in full when they fit,
/// else a short one in full and the long one the rest, else each in proportion to what it
/// needs, neither below a third (struct keys such as
/// `{who: {pid: 1, port: 80}, color: BLUE}` need room as much as values do).
pub(super) fn split_columns(key_need: usize, value_need: usize, avail: usize) -> (usize, usize) {
    let third = avail / 3;
    let key = if key_need + value_need <= avail || key_need <= third {
        // Both fit, or the key is short: it takes what it needs, the value the rest.
        key_need
    } else if value_need <= third {
        avail - value_need
    } else {
        // Both are long: share in proportion to need, neither below a third.
        let share = avail * key_need / (key_need + value_need);
        share.clamp(third, avail - third)
    };
    let key = key.max(3).min(avail);
    (key, avail - key)
}

fn rows(frame: &mut Frame, area: Rect, body: Rect, app: &App, view: &MapView) {
    let height = usize::from(body.height).saturating_sub(1);
    let len = view.rows.len();
    // Keep the selection on screen even if App::page_rows is stale after a resize.
    let mut start = view.offset;
    if view.selected < start {
        start = view.selected;
    } else if view.selected >= start.saturating_add(height) {
        start = view.selected.saturating_add(1).saturating_sub(height);
    }
    let start = start.min(len.saturating_sub(height));
    let end = start.saturating_add(height).min(len);
    if let Some(since) = &view.since_mark {
        super::since_mark::rows(frame, body, app, view, since, start, end);
    } else {
        entry_rows(frame, body, app, view, start, end);
    }
    if len > height && height > 0 {
        scrollbar(
            frame,
            area,
            body,
            app.focus == Pane::Entries,
            (len, height, start),
        );
    }
}

/// The rows `start..end` of the usual table: position, key, value, trend, change per second.
fn entry_rows(frame: &mut Frame, body: Rect, app: &App, view: &MapView, start: usize, end: usize) {
    let len = view.rows.len();

    let style = ValueStyle { hex: app.rules.hex };
    let queue = view.desc.meta.kind.is_queue_like();
    let decoded: Vec<Shown> = (start..end)
        .filter_map(|pos| {
            let index = *view.rows.get(pos)?;
            let entry = view.decode(index)?;
            let mut key = if queue {
                "head".into()
            } else {
                entry.key.render(style)
            };
            let rate = view
                .changes
                .rates
                .get(index)
                .copied()
                .flatten()
                .map(rate)
                .unwrap_or_default();
            let mut value = entry.value.render(style);
            // Typed maps: a prefix for the key, the inner map / program / top frame for
            // the value.
            match super::types::cell(view, index) {
                Some((true, text)) => key = text,
                Some((false, text)) => value = text,
                None => {}
            }
            let trend = view
                .snapshot
                .as_ref()
                .and_then(|s| view.trends.get(s.key(index)))
                .map(|t| spark(t, SPARK_WIDTH))
                .unwrap_or_default();
            Some(Shown {
                pos,
                index,
                key,
                value,
                rate,
                trend,
            })
        })
        .collect();

    let width = usize::from(body.width);
    let pos_w = len.to_string().len();
    let rate_w = decoded
        .iter()
        .map(|r| cells(&r.rate))
        .max()
        .unwrap_or(0)
        .max(3);
    let need = |cell: fn(&Shown) -> &str| decoded.iter().map(|r| cells(cell(r))).max().unwrap_or(0);
    let trend_w = if width >= SPARK_FROM && decoded.iter().any(|r| !r.trend.is_empty()) {
        SPARK_WIDTH
    } else {
        0
    };
    let (key_w, value_w) = split_columns(
        need(|r| &r.key),
        need(|r| &r.value),
        width.saturating_sub(pos_w + rate_w + 3 + trend_w + usize::from(trend_w > 0)),
    );

    let focused = app.focus == Pane::Entries;
    let table_rows = decoded.into_iter().map(
        |Shown {
             pos,
             index,
             key,
             value,
             rate,
             trend,
         }| {
            let mut row_style = Style::new();
            if view.changes.changed.get(index).copied().unwrap_or(false) {
                row_style = row_style.fg(theme::CHANGED);
            }
            // The row a lookup found stands out even while the map list has the keyboard.
            let found = view.highlight.as_deref().is_some_and(|key| {
                view.snapshot
                    .as_ref()
                    .is_some_and(|s| index < s.len() && s.key(index) == key)
            });
            if found {
                row_style = row_style.patch(theme::found());
            }
            if focused && pos == view.selected {
                row_style = row_style.patch(theme::selected(true));
            }
            let mut cells = vec![
                Cell::from(Line::from(format!("{}", pos + 1)).right_aligned()),
                Cell::from(fit(&key, key_w)),
                Cell::from(fit(&value, value_w)),
            ];
            if trend_w > 0 {
                cells.push(Cell::from(Line::styled(trend, theme::muted())));
            }
            cells.push(Cell::from(Line::from(rate).right_aligned()));
            Row::new(cells).style(row_style)
        },
    );
    let mut header = vec![
        Cell::from(Line::from("#").right_aligned()),
        Cell::from("KEY"),
        Cell::from("VALUE"),
    ];
    let mut widths = vec![pos_w, key_w, value_w];
    if trend_w > 0 {
        header.push(Cell::from("TREND"));
        widths.push(trend_w);
    }
    header.push(Cell::from(Line::from("Δ/s").right_aligned()));
    widths.push(rate_w);
    let header = Row::new(header).style(theme::header());
    let widths = widths
        .into_iter()
        .map(|w| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX)));
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        body,
    );
}

/// The scrollbar on the table's right border for `(rows, rows on screen, first shown)`.
fn scrollbar(frame: &mut Frame, area: Rect, body: Rect, focused: bool, at: (usize, usize, usize)) {
    let (len, height, start) = at;
    {
        let track = Rect {
            x: area.right().saturating_sub(1),
            y: body.y.saturating_add(1),
            width: 1,
            height: u16::try_from(height).unwrap_or(u16::MAX),
        };
        let mut state = ScrollbarState::new(len - height + 1)
            .position(start)
            .viewport_content_length(height);
        // A plain line for the track keeps the border looking like a border.
        let bar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some("│"))
            .track_style(theme::border(focused));
        frame.render_stateful_widget(bar, track, &mut state);
    }
}

#[cfg(test)]
mod column_tests {
    use super::split_columns;

    #[test]
    fn columns_share_the_width_by_need() {
        assert_eq!(
            split_columns(5, 10, 40),
            (5, 35),
            "both fit: the key takes what it needs"
        );
        assert_eq!(
            split_columns(60, 20, 40),
            (27, 13),
            "too wide: in proportion, value >= a third"
        );
        assert_eq!(
            split_columns(2, 100, 30),
            (3, 27),
            "a short key takes only what it needs"
        );
        assert_eq!(split_columns(100, 4, 30), (26, 4), "so does a short value");
        assert_eq!(split_columns(0, 0, 2), (2, 0), "never more than there is");
    }
}
