//! The `?` overlay: every key binding, straight from [`BINDINGS`].
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Span,
    widgets::{Block, Clear, Row, Table},
};

use super::{cells, theme};
use crate::app::{Mode, keys::BINDINGS};

const WIDTH: u16 = 64;

pub fn draw(frame: &mut Frame, screen: Rect) {
    let rows = u16::try_from(BINDINGS.len()).unwrap_or(u16::MAX);
    let area = screen.centered(
        Constraint::Length(WIDTH.min(screen.width)),
        Constraint::Length(rows.saturating_add(2).min(screen.height)),
    );
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(theme::border(true))
        .title(Span::styled(" keys ", theme::title(true)));
    let keys_w = BINDINGS.iter().map(|b| cells(b.keys)).max().unwrap_or(0);
    let rows = BINDINGS.iter().map(|binding| {
        // Some keys mean something else while typing a filter: say so.
        let when = match binding.footer {
            Some(Mode::Filter) => " (while filtering)",
            _ => "",
        };
        Row::new([
            Span::styled(binding.keys, theme::key_hint()),
            Span::raw(format!("{}{when}", binding.does)),
        ])
    });
    let widths = [
        Constraint::Length(u16::try_from(keys_w).unwrap_or(u16::MAX)),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths).column_spacing(2).block(block);
    frame.render_widget(table, area);
}
