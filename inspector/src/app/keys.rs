//! Key bindings: one table drives the key handling, the footer and the help overlay,
//! so they cannot disagree.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Action;

/// What the keyboard is doing right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a filter after `/`.
    Filter,
    /// The `?` overlay is open.
    Help,
}

/// A binding as the help overlay and footer show it.
pub struct Binding {
    pub keys: &'static str,
    pub does: &'static str,
    /// Shown in the footer of this mode (the rest only in the help overlay).
    pub footer: Option<Mode>,
}

const fn bind(keys: &'static str, does: &'static str, footer: Option<Mode>) -> Binding {
    Binding { keys, does, footer }
}

pub const BINDINGS: &[Binding] = &[
    bind("↑/k ↓/j", "move", Some(Mode::Normal)),
    bind("Tab/S-Tab", "switch pane", Some(Mode::Normal)),
    bind("Enter", "open the selected map's entries", None),
    bind("PgUp/PgDn Home/End", "page, first, last", None),
    bind("s", "sort: key, value, kernel order", Some(Mode::Normal)),
    bind("/", "filter keys and values", Some(Mode::Normal)),
    bind("x", "hex / decimal", Some(Mode::Normal)),
    bind("z", "show zero array slots", None),
    bind("p", "pause / resume refresh", Some(Mode::Normal)),
    bind("+/-", "refresh faster / slower", None),
    bind("?", "help", Some(Mode::Normal)),
    bind("q/Esc", "quit", Some(Mode::Normal)),
    bind("Enter", "apply the filter", Some(Mode::Filter)),
    bind("Esc", "clear the filter", Some(Mode::Filter)),
    bind("?/Esc/q", "close help", Some(Mode::Help)),
];

/// The action a key stands for in a mode, if any.
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Normal => normal(key),
        Mode::Filter => match key.code {
            KeyCode::Enter => Some(Action::FilterApply),
            KeyCode::Esc => Some(Action::FilterClear),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) => Some(Action::FilterChar(c)),
            _ => None,
        },
        Mode::Help => match key.code {
            KeyCode::Char('?' | 'q') | KeyCode::Esc => Some(Action::ToggleHelp),
            _ => None,
        },
    }
}

fn normal(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Home,
        KeyCode::End | KeyCode::Char('G') => Action::End,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Enter => Action::Open,
        KeyCode::Char('s') => Action::CycleSort,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('x') => Action::ToggleHex,
        KeyCode::Char('z') => Action::ToggleZeroSlots,
        KeyCode::Char('p') => Action::TogglePause,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows_move() {
        assert_eq!(
            action_for(Mode::Normal, key(KeyCode::Char('j'))),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(Mode::Normal, key(KeyCode::Down)),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(Mode::Normal, key(KeyCode::Char('k'))),
            Some(Action::Up)
        );
    }

    #[test]
    fn typing_a_filter_does_not_trigger_commands() {
        assert_eq!(
            action_for(Mode::Filter, key(KeyCode::Char('q'))),
            Some(Action::FilterChar('q'))
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(Mode::Filter, ctrl_c), Some(Action::Quit));
    }
}
