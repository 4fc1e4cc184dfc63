//! The entry table in the since-mark view (`c` after `m`): only entries added, removed or
//! changed since the mark, with the value at the mark and the value now side by side.
//! Gone entries are decoded from the mark (see `app::mark::Row`).
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    style::Style,
    text::Line,
    widgets::{Cell, Row, Table},
};

use super::{cells, fit, table::split_columns, theme};
use crate::{
    app::{
        App, MapView, Pane,
        mark::{self, SinceMark},
    },
    maps::Snapshot,
    values::{entries, render::Style as ValueStyle},
};

/// One row on screen: sign, key, value at the mark, value now.
struct Shown {
    pos: usize,
    sign: &'static str,
    key: String,
    then: String,
    now: String,
}

/// Draws rows `start..end` of the since-mark view into `body`.
pub fn rows(
    frame: &mut Frame,
    body: Rect,
    app: &App,
    view: &MapView,
    since: &SinceMark,
    start: usize,
    end: usize,
) {
    let (Some(now), Some(marked)) = (view.snapshot.as_deref(), view.mark.as_deref()) else {
        return;
    };
    let style = ValueStyle { hex: app.rules.hex };
    let value = |snap: &Snapshot, i: usize| {
        entries::decode_entry(&view.desc, snap, i)
            .value
            .render(style)
    };
    let key =
        |snap: &Snapshot, i: usize| entries::decode_entry(&view.desc, snap, i).key.render(style);
    let shown: Vec<Shown> = (start..end)
        .filter_map(|pos| {
            let row = *view.rows.get(pos)?;
            Some(match mark::Row::of(row, now) {
                mark::Row::Now(i) => match since.old_of.get(&i) {
                    Some(&j) if j < marked.len() => Shown {
                        pos,
                        sign: "~",
                        key: key(now, i),
                        then: value(marked, j),
                        now: value(now, i),
                    },
                    _ => Shown {
                        pos,
                        sign: "+",
                        key: key(now, i),
                        then: "—".into(),
                        now: value(now, i),
                    },
                },
                mark::Row::Gone(j) if j < marked.len() => Shown {
                    pos,
                    sign: "−",
                    key: key(marked, j),
                    then: value(marked, j),
                    now: "gone".into(),
                },
                mark::Row::Gone(_) => return None,
            })
        })
        .collect();

    let width = usize::from(body.width);
    let pos_w = view.rows.len().to_string().len();
    let need = |cell: fn(&Shown) -> &str| shown.iter().map(|r| cells(cell(r))).max().unwrap_or(0);
    let avail = width.saturating_sub(pos_w + 1 + 4);
    let (key_w, values_w) = split_columns(
        need(|r| &r.key),
        need(|r| &r.then).max(need(|r| &r.now)) * 2 + 1,
        avail,
    );
    let then_w = values_w.saturating_sub(1) / 2;
    let now_w = values_w.saturating_sub(1 + then_w);
    let focused = app.focus == Pane::Entries;
    let table_rows = shown.into_iter().map(|r| {
        let color = match r.sign {
            "+" => theme::GOOD,
            "−" => theme::ERROR,
            _ => theme::CHANGED,
        };
        let mut row_style = Style::new().fg(color);
        if focused && r.pos == view.selected {
            row_style = row_style.patch(theme::selected(true));
        }
        Row::new([
            Cell::from(Line::from(format!("{}", r.pos + 1)).right_aligned()),
            Cell::from(r.sign),
            Cell::from(fit(&r.key, key_w)),
            Cell::from(fit(&r.then, then_w)),
            Cell::from(fit(&r.now, now_w)),
        ])
        .style(row_style)
    });
    let header = Row::new([
        Cell::from(Line::from("#").right_aligned()),
        Cell::from(""),
        Cell::from("KEY"),
        Cell::from("AT THE MARK"),
        Cell::from("NOW"),
    ])
    .style(theme::header());
    let widths = [pos_w, 1, key_w, then_w, now_w]
        .map(|w| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX)));
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        body,
    );
}
