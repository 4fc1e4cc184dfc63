//! The `?` overlay: every key binding, straight from [`BINDINGS`], grouped by the mode it
//! works in. Wide screens get two columns (browsing keys left, popup keys right).
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::{Line, Span},
    widgets::{Block, Clear, Paragraph},
};

use super::{cells, fit, theme};
use crate::app::{
    Mode,
    keys::{BINDINGS, Binding, LIVE_ONLY_KEYS, REPLAY_BINDINGS},
};

/// One column's width, and the popup's in one column.
const COLUMN: u16 = 47;
/// Columns are this far apart.
const GAP: u16 = 2;

/// Sections in order, with their headings.
const SECTIONS: [(Mode, &str); 7] = [
    (Mode::Normal, "browse and edit"),
    (Mode::Filter, "while filtering (/)"),
    (Mode::Help, "this help"),
    (Mode::Prompt, "in a prompt (i insert, l look up, push)"),
    (Mode::Confirm, "confirming (d delete, x take)"),
    (Mode::Flood, "the flood popup (f, F)"),
    (Mode::FloodCount, "typing the flood count"),
];

/// The overlay; a replay's own keys get a section of their own after the browsing keys.
pub fn draw(frame: &mut Frame, screen: Rect, replay: bool) {
    let mut sections: Vec<Vec<Line>> = SECTIONS
        .iter()
        // A replay opens no popup and takes no live-only key (`keys::LIVE_ONLY_KEYS`).
        .filter(|&&(mode, _)| !replay || matches!(mode, Mode::Normal | Mode::Filter | Mode::Help))
        .map(|&(mode, heading)| {
            let shown = |b: &Binding| !replay || !LIVE_ONLY_KEYS.contains(&b.keys);
            section(BINDINGS, mode, heading, shown)
        })
        .collect();
    if replay {
        let keys = section(
            REPLAY_BINDINGS,
            Mode::Normal,
            "replaying (p, +/- too)",
            |_| true,
        );
        sections.insert(1, keys);
    }
    let all: usize = sections.iter().map(Vec::len).sum();
    let tall = |lines: usize| u16::try_from(lines).unwrap_or(u16::MAX).saturating_add(2);
    // Two columns when one would not fit the screen and two would: browsing on the left.
    let two = tall(all) > screen.height && screen.width >= 2 * COLUMN + GAP + 2;
    let columns: Vec<Vec<Line>> = if two {
        let mut rest = sections.into_iter();
        let left = rest.next().unwrap_or_default();
        vec![left, rest.flatten().collect()]
    } else {
        vec![sections.into_iter().flatten().collect()]
    };
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    let width = if two {
        2 * COLUMN + GAP + 2
    } else {
        COLUMN + 2
    };
    let area = screen.centered(
        Constraint::Length(width.min(screen.width)),
        Constraint::Length(tall(rows).min(screen.height)),
    );
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(theme::border(true))
        .title(Span::styled(" keys ", theme::title(true)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut x = inner.x;
    for column in columns {
        let column_area = Rect {
            x,
            width: COLUMN.min(inner.right().saturating_sub(x)),
            ..inner
        };
        frame.render_widget(Paragraph::new(column), column_area);
        x = x.saturating_add(COLUMN + GAP);
    }
}

/// A heading and the mode's bindings, keys padded to one width.
fn section(
    table: &[Binding],
    mode: Mode,
    heading: &str,
    shown: impl Fn(&Binding) -> bool,
) -> Vec<Line<'static>> {
    let bindings: Vec<_> = table
        .iter()
        .filter(|b| b.mode == mode && shown(b))
        .collect();
    let keys_w = bindings.iter().map(|b| cells(b.keys)).max().unwrap_or(0);
    let mut lines = vec![Line::styled(heading.to_string(), theme::header())];
    for binding in bindings {
        let room = usize::from(COLUMN).saturating_sub(keys_w + 3);
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("{:<keys_w$}", binding.keys), theme::key_hint()),
            Span::raw("  "),
            Span::raw(fit(binding.does, room)),
        ]));
    }
    lines
}
