//! Key bindings: one table drives the key handling, the footer and the help overlay,
//! so they cannot disagree.
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{Action, ReplayCommand};

/// What the keyboard is doing right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a filter after `/`.
    Filter,
    /// The `?` overlay is open.
    Help,
    /// Typing a key and/or value: insert, lookup, push.
    Prompt,
    /// A yes/no question before a delete.
    Confirm,
    /// The flood popup: count, mode and CPU, then Enter.
    Flood,
    /// Typing the flood count inside the flood popup.
    FloodCount,
}

/// Where a binding shows besides the help overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Footer {
    /// Only in the help overlay.
    Help,
    /// In the footer while there is room.
    Room,
    /// In the footer until the very last: left out only after every `Room` binding.
    Always,
}

/// A binding as the help overlay and footer show it.
pub struct Binding {
    pub keys: &'static str,
    pub does: &'static str,
    pub mode: Mode,
    pub footer: Footer,
}

const fn bind(keys: &'static str, does: &'static str, mode: Mode, footer: Footer) -> Binding {
    Binding {
        keys,
        does,
        mode,
        footer,
    }
}

use Footer::{Always, Help as Hidden, Room};
use Mode::{Confirm, Filter, Flood, FloodCount, Help, Normal, Prompt};

/// Prompt keys the footer leaves out where they do nothing.
pub const FLAGS_KEYS: &str = "^F/F2";
pub const PER_CPU_KEYS: &str = "^T/F3";

pub const BINDINGS: &[Binding] = &[
    bind("↑/k ↓/j", "move", Normal, Hidden),
    bind("Tab/S-Tab", "switch pane", Normal, Hidden),
    bind("Enter", "open entries / an inner map", Normal, Hidden),
    bind("PgUp/Dn Home/End", "page, first, last", Normal, Hidden),
    bind("i", "insert/update (queue: push)", Normal, Always),
    bind("d", "delete the selected entry", Normal, Always),
    bind("x", "lookup & delete (queue: pop)", Normal, Hidden),
    bind("l", "lookup (peek, lpm route)", Normal, Always),
    bind("f", "flood: insert keys 1..=N", Normal, Always),
    bind("F", "flood, typing the count", Normal, Hidden),
    bind("r", "show/hide the flood result", Normal, Hidden),
    bind("H", "history of the entry", Normal, Hidden),
    bind("m", "mark the entries now", Normal, Hidden),
    bind("c", "changes since the mark", Normal, Hidden),
    bind("s", "sort: key, value, kernel", Normal, Room),
    bind("/", "filter entries (list: maps)", Normal, Room),
    bind("h", "hex / decimal", Normal, Room),
    bind("z", "show zero array slots", Normal, Hidden),
    bind("p", "pause / resume refresh", Normal, Room),
    bind("+/-", "refresh faster / slower", Normal, Hidden),
    bind("?", "help", Normal, Always),
    bind("q", "quit", Normal, Always),
    bind("Esc", "close what is open, back out", Normal, Hidden),
    bind("Enter", "apply the filter", Filter, Always),
    bind("Esc", "clear the filter", Filter, Always),
    bind("?/Esc/q", "close help", Help, Always),
    bind("Tab/↓", "next field", Prompt, Room),
    bind("S-Tab/↑", "previous field", Prompt, Hidden),
    bind("Enter", "next/submit (on the last field)", Prompt, Always),
    bind("^S", "submit from any field", Prompt, Always),
    bind(FLAGS_KEYS, "flags: BPF_ANY, NOEXIST, EXIST", Prompt, Always),
    bind(
        PER_CPU_KEYS,
        "per-CPU: one value or one per CPU",
        Prompt,
        Room,
    ),
    bind("^U", "clear the field", Prompt, Hidden),
    bind("Esc", "cancel: nothing is sent", Prompt, Always),
    bind("y/Enter", "yes, do it", Confirm, Always),
    bind("n/Esc", "no, keep it", Confirm, Always),
    bind("Enter", "flood now", Flood, Always),
    bind("n", "count: type another", Flood, Always),
    bind("m", "mode: kernel / userspace", Flood, Always),
    bind("c", "next CPU", Flood, Always),
    bind("Esc", "cancel", Flood, Always),
    bind("0-9", "the count", FloodCount, Always),
    bind("Enter", "keep the count", FloodCount, Always),
    bind("Esc", "back, count unchanged", FloodCount, Always),
];

/// A replay's own keys (`mapinspect replay`), taken before the table above while browsing;
/// the footer shows them first. `p` and `+`/`-` play and change speed there too.
pub const REPLAY_BINDINGS: &[Binding] = &[
    bind("space", "play/pause", Normal, Always),
    bind(",/.", "step", Normal, Always),
    bind("[/]", "speed", Normal, Always),
    bind("</>", "first/last frame", Normal, Room),
];

/// Ctrl-Z, pressed (the terminal loop suspends; not a state change).
pub fn is_suspend(key: KeyEvent) -> bool {
    key.kind == KeyEventKind::Press
        && key.modifiers.contains(KeyModifiers::CONTROL)
        && key.code == KeyCode::Char('z')
}

/// Browsing keys that ask the kernel or pace live reads: a replay leaves them out of the
/// footer and `?`, and refuses them with [`REPLAY_CANNOT`].
pub const LIVE_ONLY_KEYS: &[&str] = &["i", "d", "x", "l", "f", "F", "r", "p", "+/-"];

/// What a replay says to a key that would ask the kernel.
pub const REPLAY_CANNOT: &str =
    "a replay shows what was recorded and cannot ask the kernel (run mapinspect live for that)";

/// Whether an action asks the kernel (edits, lookups, probes, floods), which a replay cannot.
pub fn asks_kernel(action: Action) -> bool {
    matches!(
        action,
        Action::Insert
            | Action::Delete
            | Action::Take
            | Action::Lookup
            | Action::Flood
            | Action::FloodCount
            | Action::ToggleFloodResult
    )
}

/// The replay command a key stands for while browsing a replay, if any.
pub fn replay_command(key: KeyEvent) -> Option<ReplayCommand> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    Some(match key.code {
        KeyCode::Char(' ' | 'p') => ReplayCommand::TogglePlay,
        KeyCode::Char('.') => ReplayCommand::Step(1),
        KeyCode::Char(',') => ReplayCommand::Step(-1),
        KeyCode::Char(']' | '+' | '=') => ReplayCommand::Faster,
        KeyCode::Char('[' | '-') => ReplayCommand::Slower,
        KeyCode::Char('<') => ReplayCommand::First,
        KeyCode::Char('>') => ReplayCommand::Last,
        _ => return None,
    })
}

/// The action a key stands for in a mode, if any.
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Normal => normal(key),
        Filter => match key.code {
            KeyCode::Enter => Some(Action::FilterApply),
            KeyCode::Esc => Some(Action::FilterClear),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) => Some(Action::FilterChar(c)),
            _ => None,
        },
        Help => match key.code {
            KeyCode::Char('?' | 'q') | KeyCode::Esc => Some(Action::ToggleHelp),
            _ => None,
        },
        Prompt => prompt(key, ctrl),
        Confirm => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Action::Submit),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Some(Action::Cancel),
            _ => None,
        },
        Flood => match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Char('n' | 'F') => Some(Action::EditCount),
            KeyCode::Char('m') => Some(Action::FloodMode),
            KeyCode::Char('c') => Some(Action::FloodCpu),
            _ => None,
        },
        FloodCount => match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Backspace => Some(Action::Erase),
            KeyCode::Char(c) if !ctrl => Some(Action::Type(c)),
            _ => None,
        },
    }
}

/// Keys of a prompt: every plain character is text, so commands take Ctrl or F-keys.
fn prompt(key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('s') if ctrl => Action::SubmitAll,
        KeyCode::Char('f') if ctrl => Action::CycleFlags,
        KeyCode::Char('t') if ctrl => Action::TogglePerCpu,
        KeyCode::Char('u') if ctrl => Action::ClearField,
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => Action::Type(c),
        KeyCode::F(2) => Action::CycleFlags,
        KeyCode::F(3) => Action::TogglePerCpu,
        KeyCode::Backspace => Action::Erase,
        KeyCode::Tab | KeyCode::Down => Action::NextField,
        KeyCode::BackTab | KeyCode::Up => Action::PrevField,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc => Action::Cancel,
        _ => return None,
    })
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
        KeyCode::Char('i') => Action::Insert,
        KeyCode::Char('d') => Action::Delete,
        KeyCode::Char('x') => Action::Take,
        KeyCode::Char('l') => Action::Lookup,
        KeyCode::Char('f') => Action::Flood,
        KeyCode::Char('F') => Action::FloodCount,
        KeyCode::Char('r') => Action::ToggleFloodResult,
        KeyCode::Char('H') => Action::ToggleHistory,
        KeyCode::Char('m') => Action::SetMark,
        KeyCode::Char('c') => Action::ToggleSinceMark,
        KeyCode::Char('s') => Action::CycleSort,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('h') => Action::ToggleHex,
        KeyCode::Char('z') => Action::ToggleZeroSlots,
        KeyCode::Char('p') => Action::TogglePause,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::Back,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
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
        assert_eq!(action_for(Mode::Filter, ctrl('c')), Some(Action::Quit));
    }

    #[test]
    fn h_is_hex_and_x_takes_an_entry() {
        assert_eq!(
            action_for(Mode::Normal, key(KeyCode::Char('h'))),
            Some(Action::ToggleHex)
        );
        assert_eq!(
            action_for(Mode::Normal, key(KeyCode::Char('x'))),
            Some(Action::Take)
        );
    }

    #[test]
    fn a_prompt_types_every_letter_and_commands_need_ctrl() {
        for c in ['q', 'i', 'd', 'x', 'f', '?', ' ', '"'] {
            assert_eq!(
                action_for(Mode::Prompt, key(KeyCode::Char(c))),
                Some(Action::Type(c))
            );
        }
        assert_eq!(
            action_for(Mode::Prompt, ctrl('f')),
            Some(Action::CycleFlags)
        );
        assert_eq!(
            action_for(Mode::Prompt, key(KeyCode::F(2))),
            Some(Action::CycleFlags)
        );
        assert_eq!(action_for(Mode::Prompt, ctrl('s')), Some(Action::SubmitAll));
        assert_eq!(action_for(Mode::Prompt, ctrl('x')), None);
        assert_eq!(action_for(Mode::Prompt, ctrl('c')), Some(Action::Quit));
    }

    #[test]
    fn time_keys_history_mark_and_changes() {
        for (c, action) in [
            ('H', Action::ToggleHistory),
            ('m', Action::SetMark),
            ('c', Action::ToggleSinceMark),
        ] {
            assert_eq!(
                action_for(Mode::Normal, key(KeyCode::Char(c))),
                Some(action)
            );
        }
        // In the flood popup m and c keep their meaning there.
        assert_eq!(
            action_for(Mode::Flood, key(KeyCode::Char('m'))),
            Some(Action::FloodMode)
        );
    }

    #[test]
    fn live_only_keys_are_bindings_and_ask_the_kernel() {
        for keys in LIVE_ONLY_KEYS {
            assert!(
                BINDINGS.iter().any(|b| b.mode == Normal && b.keys == *keys),
                "{keys}"
            );
        }
        for c in ['i', 'd', 'x', 'l', 'f', 'F', 'r'] {
            let action = action_for(Normal, key(KeyCode::Char(c))).unwrap();
            assert!(asks_kernel(action), "{c}");
        }
        for c in ['H', 'm', 'c', 's', '/', 'h', 'z'] {
            let action = action_for(Normal, key(KeyCode::Char(c))).unwrap();
            assert!(!asks_kernel(action), "{c}");
        }
    }

    #[test]
    fn every_mode_has_bindings_and_a_way_out() {
        for mode in [Normal, Filter, Help, Prompt, Confirm, Flood, FloodCount] {
            assert!(BINDINGS.iter().any(|b| b.mode == mode), "{mode:?}");
            assert!(action_for(mode, key(KeyCode::Esc)).is_some(), "{mode:?}");
        }
    }
}
