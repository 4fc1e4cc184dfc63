//! The map list: one row per map with its type, how full it is and its flags.
//!
//! Wide enough, a row takes two lines (name and type, then fill gauge, count, percent and
//! flags); in a narrow list it is one line, the name and a short fill note.
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    style::{Modifier, Style},
    text::{Line, Span, Text},
    widgets::{Block, Row, Table, TableState},
};

use super::{cells, entry_count, fit, fraction, gauge, percent, theme};
use crate::{
    app::{App, MapView, Pane},
    maps::{flag_names, types::MapFacts},
};

/// Inner width from which rows get their second line.
const WIDE: usize = 30;
const GAUGE_CELLS: usize = 8;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Maps;
    let shown = app.shown_maps();
    // On a host with hundreds of maps `/` narrows the list by name and type.
    let title = if app.map_filter.is_empty() {
        " maps ".to_string()
    } else {
        format!(
            " maps /{} {}/{} ",
            app.map_filter,
            shown.len(),
            app.maps.len()
        )
    };
    let room = usize::from(area.width).saturating_sub(2);
    let block = Block::bordered()
        .border_style(theme::border(focused))
        .title(Span::styled(fit(&title, room), theme::title(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let width = usize::from(inner.width);
    let views: Vec<&MapView> = shown.iter().map(|&i| &app.maps[i]).collect();
    let fills: Vec<Fill> = views.iter().map(|v| Fill::of(v)).collect();
    // Counts are padded to one width so the percent column lines up.
    let count_width = fills.iter().map(|f| cells(&f.count())).max().unwrap_or(0);
    let rows = views.iter().zip(&fills).map(|(view, fill)| {
        if width >= WIDE {
            wide_row(view, fill, width, count_width)
        } else {
            narrow_row(view, fill, width)
        }
    });
    let table =
        Table::new(rows, [Constraint::Fill(1)]).row_highlight_style(theme::selected(focused));
    // Table scrolls so the selected map is on screen.
    let selected = shown.iter().position(|&i| i == app.selected_map);
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, inner, &mut state);
}

/// How full a map is, as far as the last read tells.
enum Fill {
    Reading,
    Error,
    /// Queue or stack: whether a head was peeked.
    Head(bool),
    /// Not listed by its type (ring, bloom filter...): ring fill, or the type says why.
    Typed(Option<(u64, u64)>),
    /// Entries (non-zero slots for arrays) of max_entries.
    Used {
        count: usize,
        max: usize,
        array: bool,
    },
}

impl Fill {
    fn of(view: &MapView) -> Self {
        let kind = view.desc.meta.kind;
        if !kind.is_listable() {
            let ring = view.type_info.as_ref().and_then(|i| match &i.facts {
                Some(MapFacts::Ring(ring)) => Some((ring.pending_bytes(), ring.ring_size)),
                _ => None,
            });
            return Self::Typed(ring);
        }
        match entry_count(view) {
            _ if view.error.is_some() => Self::Error,
            None => Self::Reading,
            Some(count) if kind.is_queue_like() => Self::Head(count > 0),
            Some(count) => Self::Used {
                count,
                max: view.desc.meta.max_entries as usize,
                array: kind.is_array(),
            },
        }
    }

    /// "4/1024"; arrays say "3/16 set", as every slot of an array always exists; a map with
    /// no bound (local storage: max_entries 0) just its count.
    fn count(&self) -> String {
        match self {
            Self::Used { count, max: 0, .. } => format!("{count}"),
            Self::Used {
                count,
                max,
                array: false,
            } => format!("{count}/{max}"),
            Self::Used {
                count,
                max,
                array: true,
            } => format!("{count}/{max} set"),
            _ => String::new(),
        }
    }

    /// A few cells for the narrow list.
    fn short(&self) -> Span<'static> {
        match self {
            Self::Reading => Span::styled("…", theme::muted()),
            Self::Error => Span::styled("err", theme::error()),
            Self::Head(true) => Span::raw("head"),
            Self::Typed(Some((pending, size))) => Span::styled(
                percent(*pending as usize, *size as usize),
                theme::fill(fraction(*pending as usize, *size as usize)),
            ),
            Self::Typed(None) => Span::styled("info", theme::muted()),
            Self::Head(false) => Span::styled("empty", theme::muted()),
            Self::Used { count, max: 0, .. } => Span::raw(format!("{count}")),
            Self::Used { count, max, .. } => {
                Span::styled(percent(*count, *max), theme::fill(fraction(*count, *max)))
            }
        }
    }
}

fn wide_row(view: &MapView, fill: &Fill, width: usize, count_width: usize) -> Row<'static> {
    let kind = view.desc.meta.kind.label();
    let name_width = width.saturating_sub(cells(&kind) + 1);
    let name = fit(&list_name(view), name_width);
    let pad = " ".repeat(width.saturating_sub(cells(&name) + cells(&kind)));
    let first = Line::from(vec![
        Span::styled(name, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(pad),
        Span::styled(kind, theme::muted()),
    ]);
    let mut second = vec![Span::raw("  ")];
    match fill {
        Fill::Reading => second.push(Span::styled("reading…", theme::muted())),
        Fill::Error => {
            second.push(Span::styled("error", theme::error()));
            let error = view
                .error
                .as_ref()
                .map(|e| e.to_string())
                .unwrap_or_default();
            second.push(Span::styled(
                format!(" {}", fit(&error, width.saturating_sub(8))),
                theme::muted(),
            ));
        }
        Fill::Typed(Some((pending, size))) => {
            let share = fraction(*pending as usize, *size as usize);
            second.push(Span::styled(gauge(share, GAUGE_CELLS), theme::fill(share)));
            second.push(Span::raw(format!(" {pending}/{size} B waiting")));
        }
        Fill::Typed(None) => second.push(Span::styled("not listed: see why", theme::muted())),
        Fill::Head(head) => {
            second.push(if *head {
                Span::raw("head")
            } else {
                Span::styled("empty", theme::muted())
            });
            let max = format!(" · max {}", view.desc.meta.max_entries);
            second.push(Span::styled(max, theme::muted()));
        }
        Fill::Used { max: 0, .. } => {
            second.push(Span::raw(format!("{} entries, no bound", fill.count())));
        }
        Fill::Used { count, max, .. } => {
            let share = fraction(*count, *max);
            second.push(Span::styled(gauge(share, GAUGE_CELLS), theme::fill(share)));
            second.push(Span::raw(format!(
                " {:<count_width$} {:>4}",
                fill.count(),
                percent(*count, *max)
            )));
        }
    }
    let used: usize = second.iter().map(Span::width).sum();
    let flags = flag_names(view.desc.meta.flags).join(" ");
    if !flags.is_empty() {
        let flags = fit(&flags, width.saturating_sub(used + 1));
        second.push(Span::styled(format!(" {flags}"), theme::muted()));
    }
    Row::new([Text::from(vec![first, Line::from(second)])]).height(2)
}

fn narrow_row(view: &MapView, fill: &Fill, width: usize) -> Row<'static> {
    let short = fill.short();
    // The name matters most: the fill note only shows if the name keeps a few cells.
    let name_width = width.saturating_sub(short.width() + 1);
    if name_width < 4 {
        return Row::new([Line::raw(fit(&list_name(view), width))]);
    }
    let name = fit(&list_name(view), name_width);
    let pad = " ".repeat(width.saturating_sub(cells(&name) + short.width()));
    Row::new([Line::from(vec![Span::raw(name), Span::raw(pad), short])])
}

/// The name in the list: inner maps opened from a map-of-maps are marked as such.
fn list_name(view: &MapView) -> String {
    match view.parent {
        Some(_) => format!("↳ {}", view.name()),
        None => view.name().to_string(),
    }
}
