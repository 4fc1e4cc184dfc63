//! The palette: every color and emphasis the UI uses, in one place so panes agree.
use ratatui::style::{Color, Modifier, Style};

pub const ACCENT: Color = Color::Cyan;
pub const MUTED: Color = Color::DarkGray;
pub const CHANGED: Color = Color::Yellow;
pub const ERROR: Color = Color::Red;
pub const GOOD: Color = Color::Green;

/// A focused pane's border stands out; the other one recedes.
pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(ACCENT)
    } else {
        Style::new().fg(MUTED)
    }
}

pub fn title(focused: bool) -> Style {
    let style = Style::new().add_modifier(Modifier::BOLD);
    if focused { style.fg(ACCENT) } else { style }
}

/// The selected row: reversed when its pane has the keyboard, only bold otherwise, so
/// the user can tell where arrow keys go.
pub fn selected(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

/// The row a lookup found.
pub fn found() -> Style {
    Style::new().fg(GOOD).add_modifier(Modifier::BOLD)
}

pub fn muted() -> Style {
    Style::new().fg(MUTED)
}

pub fn error() -> Style {
    Style::new().fg(ERROR)
}

pub fn key_hint() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// Fill level color: a map close to max_entries fails inserts (or evicts, for LRU).
pub fn fill(fraction: f64) -> Style {
    let color = match fraction {
        f if f >= 0.9 => ERROR,
        f if f >= 0.75 => CHANGED,
        _ => GOOD,
    };
    Style::new().fg(color)
}

pub fn paused() -> Style {
    Style::new().fg(CHANGED).add_modifier(Modifier::REVERSED)
}
