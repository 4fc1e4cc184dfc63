//! Drawing the TUI: a pure function of [`App`] onto a ratatui [`Frame`].
//!
//! Nothing here changes state or does I/O, and nothing walks a whole map: panes decode
//! only the rows on screen, so a map with a million entries draws as fast as a small one.
//! Every size down to 1x1 draws without panicking; space goes to the entry table first,
//! then the map list, then the panes under the table: the flood result when one is open,
//! else the history pane when `H` opened it, the LRU pane (LRU maps) and the per-CPU pane. Popups draw over everything.
mod bars;
mod captions;
mod flood;
mod flood_result;
mod help;
mod history;
mod lru;
mod map_list;
mod percpu;
mod prompt;
mod since_mark;
mod table;
#[cfg(test)]
mod tests;
mod theme;
mod types;

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Span,
    widgets::{Block, Clear},
};

use crate::app::{App, MapView, Mode, Popup};

/// The map list's share of the width, its preferred minimum, and what it shrinks to.
const LIST_PERCENT: u16 = 40;
const LIST_WIDTH: u16 = 34;
const LIST_MIN_WIDTH: u16 = 14;
/// The entry table keeps this many columns before the list may grow past its minimum.
const TABLE_MIN_WIDTH: u16 = 40;
/// The panes under the table appear only if the table keeps this many lines...
const TABLE_MIN_HEIGHT: u16 = 8;
/// ...or this many (borders, header, two rows) under an open flood result.
const TABLE_MIN_HEIGHT_FLOODED: u16 = 5;

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame, app: &App) {
    let areas = Areas::new(frame.area(), app);
    bars::header(frame, areas.header, app);
    map_list::draw(frame, areas.list, app);
    table::draw(frame, areas.table, app);
    if let Some(area) = areas.flood {
        flood_result::draw(frame, area, app);
    }
    if let Some(area) = areas.history {
        history::draw(frame, area, app);
    }
    if let Some(area) = areas.lru {
        lru::draw(frame, area, app);
    }
    if let Some(area) = areas.percpu {
        percpu::draw(frame, area, app);
    }
    if let Some(area) = areas.frames {
        types::draw_frames(frame, area, app);
    }
    bars::status(frame, areas.status, app);
    bars::footer(frame, areas.footer, app);
    let screen = frame.area();
    match &app.popup {
        Some(Popup::Prompt(p)) => prompt::draw(frame, screen, p),
        Some(Popup::Confirm(c)) => prompt::draw_confirm(frame, screen, c),
        Some(Popup::Flood(setup)) => flood::draw_setup(frame, screen, setup),
        Some(Popup::Probe(probe)) => types::draw_probe(frame, screen, probe),
        None => {}
    }
    if app.mode == Mode::Help {
        help::draw(frame, screen, app.replay.is_some());
    }
}

/// Clears a popup `width` wide and tall enough for `rows` lines plus its border in the middle
/// of `screen`, and returns its area and its titled border, focused.
fn popup<'a>(
    frame: &mut Frame,
    screen: Rect,
    width: u16,
    rows: usize,
    title: &str,
) -> (Rect, Block<'a>) {
    let wanted = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
    let area = popup_area(screen, width, wanted);
    frame.render_widget(Clear, area);
    let room = usize::from(width.saturating_sub(4));
    let block = Block::bordered()
        .border_style(theme::border(true))
        .title(Span::styled(
            format!(" {} ", fit(title, room)),
            theme::title(true),
        ));
    (area, block)
}

/// A popup of (at most) `width` x `height` in the middle of `screen`.
fn popup_area(screen: Rect, width: u16, height: u16) -> Rect {
    screen.centered(
        Constraint::Length(width.min(screen.width)),
        Constraint::Length(height.min(screen.height)),
    )
}

/// Entry rows that fit on a screen of `size`: what the main loop should store in
/// `App::page_rows` on resize, so paging moves by exactly one screen.
pub fn page_rows(size: Rect, app: &App) -> usize {
    let areas = Areas::new(size, app);
    app.selected()
        .map_or(0, |view| table::body_rows(areas.table, app, view))
}

/// Where each pane goes on a screen of a given size.
struct Areas {
    header: Rect,
    list: Rect,
    table: Rect,
    flood: Option<Rect>,
    history: Option<Rect>,
    lru: Option<Rect>,
    percpu: Option<Rect>,
    frames: Option<Rect>,
    status: Rect,
    footer: Rect,
}

impl Areas {
    fn new(area: Rect, app: &App) -> Self {
        // Bars are taken from the edges while there are lines left: header, footer, status.
        let (header, rest) = take_top(area, 1);
        let (rest, footer) = take_bottom(rest, 1);
        let (body, status) = take_bottom(rest, 1);

        let ideal = (body.width.saturating_mul(LIST_PERCENT) / 100).max(LIST_WIDTH);
        let list_width = ideal
            .min(body.width.saturating_sub(TABLE_MIN_WIDTH))
            .max(body.width.min(LIST_MIN_WIDTH));
        let list = Rect {
            width: list_width,
            ..body
        };
        let right = Rect {
            x: body.x.saturating_add(list_width),
            width: body.width.saturating_sub(list_width),
            ..body
        };

        // Panes under the table share what the table can spare, in this order; a flood
        // result, the point of the experiment, may leave the table fewer lines.
        let flooded = app
            .selected()
            .is_some_and(|v| v.flood_shown && v.last_flood.is_some());
        let table_min = if flooded {
            TABLE_MIN_HEIGHT_FLOODED
        } else {
            TABLE_MIN_HEIGHT
        };
        let mut under = Under {
            table: right,
            room: right.height.saturating_sub(table_min),
        };
        let (mut flood, mut history, mut lru, mut percpu, mut frames) =
            (None, None, None, None, None);
        if let Some(view) = app.selected() {
            if flooded {
                let wanted = flood_result::wanted_height(app, view, right.width);
                flood = under.take(wanted, flood_result::MIN_HEIGHT);
            } else {
                if app.history_shown {
                    history = under.take(history::wanted_height(view), history::MIN_HEIGHT);
                }
                if lru::applies(view) {
                    let wanted = lru::wanted_height(app, view, right.width);
                    lru = under.take(wanted, lru::MIN_HEIGHT);
                }
                let wanted = percpu::wanted_height(view).unwrap_or(0);
                percpu = under.take(wanted, percpu::MIN_HEIGHT);
                let wanted = types::frames_wanted_height(view).unwrap_or(0);
                frames = under.take(wanted, types::FRAMES_MIN_HEIGHT);
            }
        }
        Self {
            header,
            list,
            table: under.table,
            flood,
            history,
            lru,
            percpu,
            frames,
            status,
            footer,
        }
    }
}

/// The table's area while panes are taken off its bottom, and what it can still spare.
struct Under {
    table: Rect,
    room: u16,
}

impl Under {
    /// Up to `wanted` lines for a pane, if at least `min` can be spared.
    fn take(&mut self, wanted: u16, min: u16) -> Option<Rect> {
        let height = wanted.min(self.room);
        if height < min || height == 0 {
            return None;
        }
        let (table, pane) = take_bottom(self.table, height);
        self.table = table;
        self.room -= height;
        Some(pane)
    }
}

/// Splits `lines` lines (or as many as there are) off the top of `area`.
fn take_top(area: Rect, lines: u16) -> (Rect, Rect) {
    let lines = lines.min(area.height);
    let top = Rect {
        height: lines,
        ..area
    };
    let rest = Rect {
        y: area.y.saturating_add(lines),
        height: area.height - lines,
        ..area
    };
    (top, rest)
}

/// Splits `lines` lines (or as many as there are) off the bottom of `area`.
fn take_bottom(area: Rect, lines: u16) -> (Rect, Rect) {
    let lines = lines.min(area.height);
    let rest = Rect {
        height: area.height - lines,
        ..area
    };
    let bottom = Rect {
        y: area.y.saturating_add(rest.height),
        height: lines,
        ..area
    };
    (rest, bottom)
}

/// Terminal cells `text` takes.
fn cells(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` cells, ending in "…" when something was cut.
fn fit(text: &str, width: usize) -> String {
    if cells(text) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = cells(ch.encode_utf8(&mut [0; 4]));
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Greedy word wrap to `width` cells (words longer than a line are cut by `fit`).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if cells(line) + 1 + cells(word) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            // A word wider than a line (a 50-digit number, a path) is broken, never cut.
            _ => lines.extend(chunks(word, width)),
        }
    }
    lines
}

/// `word` in pieces of at most `width` cells.
fn chunks(word: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for c in word.chars() {
        let piece = pieces.last_mut().expect("starts with one");
        if !piece.is_empty() && cells(piece) + cells(c.encode_utf8(&mut [0; 4])) > width {
            pieces.push(c.to_string());
        } else {
            piece.push(c);
        }
    }
    pieces
}

/// A text gauge of `cells` cells: ▰▰▰▱▱▱.
fn gauge(fraction: f64, cells: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * cells as f64).round() as usize).min(cells);
    "▰".repeat(filled) + &"▱".repeat(cells - filled)
}

/// `part` of `whole` as a whole percent; "<1%" so a few entries never read as empty.
fn percent(part: usize, whole: usize) -> String {
    match (part, whole) {
        (_, 0) => "-".into(),
        (0, _) => "0%".into(),
        _ if part.saturating_mul(100) < whole => "<1%".into(),
        _ => format!("{}%", part.saturating_mul(100) / whole),
    }
}

fn fraction(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The entry count of the snapshot on screen. `MapView::entry_count` walks a whole array
/// to count its non-zero slots; `MapView::apply` already stored that as the newest history
/// entry, so drawing reads it from there. A map not on screen shows its latest count.
fn entry_count(view: &MapView) -> Option<usize> {
    if view.counted.is_some() {
        return view.counted;
    }
    view.snapshot.as_ref()?;
    view.history.back().copied().or_else(|| view.entry_count())
}
