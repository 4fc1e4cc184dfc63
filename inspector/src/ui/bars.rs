//! The one-line bars: the header on top, the status line and the key footer at the bottom.
use std::time::Duration;

use ratatui::{
    Frame,
    layout::{Position, Rect},
    style::Style,
    text::{Line, Span},
    widgets::Paragraph,
};

use super::{cells, fit, theme};
use crate::app::{
    App, Mode, Ownership, Pane, Popup, ReplayStatus,
    keys::{self, BINDINGS, Binding, Footer},
};

/// "mapinspect  6 maps · 1/2 programs attached · every 1 s", and PAUSED on the right,
/// where a narrow terminal drops the facts before it.
pub fn header(frame: &mut Frame, area: Rect, app: &App) {
    let mut facts = vec![plural(app.maps.len(), "map")];
    if let Some(replay) = &app.replay {
        facts = replay_facts(replay, facts);
    } else {
        live_facts(app, &mut facts);
    }
    let mut rest = area;
    if app.paused {
        let paused = Span::styled(" PAUSED ", theme::paused());
        let width = u16::try_from(paused.width())
            .unwrap_or(u16::MAX)
            .min(area.width);
        rest.width = area.width - width;
        let right = Rect {
            x: rest.right(),
            width,
            ..area
        };
        frame.render_widget(Paragraph::new(paused), right);
    }
    // Facts that do not fit whole are left out rather than cut mid-word.
    let name = " mapinspect ";
    let mut text = String::new();
    for fact in facts {
        let sep = if text.is_empty() { " " } else { " · " };
        if cells(name) + cells(&text) + cells(sep) + cells(&fact) > usize::from(rest.width) {
            break;
        }
        text = text + sep + &fact;
    }
    let line = Line::from(vec![Span::styled(name, theme::key_hint()), Span::raw(text)]);
    frame.render_widget(Paragraph::new(line), rest);
}

/// The live header's facts after the map count: programs and the refresh interval.
fn live_facts(app: &App, facts: &mut Vec<String>) {
    // Inspecting other programs' maps, mapinspect loads no programs of its own.
    if app.programs.is_empty() {
        // Nothing to say: the maps of an object with no programs, or none found.
    } else if app.ownership == Ownership::Own {
        let attached = app.programs.iter().filter(|p| p.attached).count();
        facts.push(format!(
            "{attached}/{} programs attached",
            app.programs.len()
        ));
    } else {
        // Other tools' programs: which use the maps is known, whether attached is theirs.
        facts.push(format!(
            "{} of other tools",
            plural(app.programs.len(), "program")
        ));
    }
    facts.push(match app.pace {
        // Stretched: the map on screen takes long to read (top does the same).
        Some(pace) => format!(
            "every {} ({} entries)",
            interval(pace.interval),
            short_count(pace.entries)
        ),
        None => format!("every {}", interval(app.interval)),
    });
}

/// A replay speed as the README writes it: ¼x, ½x, 1x … 64x.
fn speed_label(speed: f64) -> String {
    if speed == 0.25 {
        "¼x".into()
    } else if speed == 0.5 {
        "½x".into()
    } else if speed >= 1.0 {
        format!("{speed}x")
    } else {
        format!("{speed:.2}x")
    }
}

/// "replay FILE · frame N/M · +12.5 s · 2x · playing", in place of the interval (the
/// pace is the recording's; the replay keys are in the footer).
fn replay_facts(replay: &ReplayStatus, maps: Vec<String>) -> Vec<String> {
    let speed = speed_label(replay.speed);
    let state = if replay.playing { "playing" } else { "paused" };
    let mut facts = vec![format!("replay {}", replay.file)];
    facts.extend(maps);
    facts.extend([
        format!("frame {}/{}", replay.frame, replay.frames),
        format!("+{:.1} s", replay.at.as_secs_f64()),
        speed,
        state.to_string(),
    ]);
    facts
}

/// The filter being typed (with the terminal cursor after it), else the last status.
pub fn status(frame: &mut Frame, area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    if app.mode == Mode::Filter {
        // From the map list, `/` filters the maps; from the table, the entries.
        let (label, filter) = if app.focus == Pane::Maps {
            ("maps ", &app.map_filter)
        } else {
            ("filter ", &app.rules.filter)
        };
        let text = format!("/{filter}");
        let line = Line::from(vec![
            Span::styled(label, theme::muted()),
            Span::styled(text.clone(), theme::key_hint()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        // The real cursor, so the user sees where typing goes; kept inside the bar.
        let offset = cells(label).saturating_add(cells(&text));
        let x = area
            .x
            .saturating_add(u16::try_from(offset).unwrap_or(u16::MAX));
        let x = x.min(area.right().saturating_sub(1));
        frame.set_cursor_position(Position::new(x, area.y));
        return;
    }
    let Some(status) = &app.status else {
        return;
    };
    let style = if status.is_error {
        theme::error()
    } else {
        Style::new()
    };
    let text = fit(&status.text, usize::from(area.width));
    frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
}

/// The current mode's keys from [`BINDINGS`]. When they do not fit, the longest
/// descriptions shrink to their first word, then the gaps narrow, then bindings are left
/// out from the end, whole rather than cut mid-word: those shown while there is room
/// first, the essential ones (`Footer::Always`) last.
pub fn footer(frame: &mut Frame, area: Rect, app: &App) {
    let width = usize::from(area.width);
    // A replay's own keys come first: they are what a replay is for.
    let replay = match app.replay {
        Some(_) => keys::REPLAY_BINDINGS,
        None => &[],
    };
    let mut bindings: Vec<&Binding> = replay
        .iter()
        .chain(BINDINGS)
        .filter(|b| b.mode == app.mode && b.footer != Footer::Help && relevant(b, app))
        .collect();
    let mut does: Vec<&str> = bindings.iter().map(|b| b.does).collect();
    let total = |bindings: &[&Binding], does: &[&str], gap: usize| -> usize {
        let text: usize = bindings
            .iter()
            .zip(does)
            .map(|(b, d)| cells(b.keys) + cells(&label(d)))
            .sum();
        text + gap * does.len().saturating_sub(1)
    };
    let mut longest: Vec<usize> = (0..does.len()).collect();
    longest.sort_by_key(|&i| std::cmp::Reverse(cells(does[i])));
    for i in longest {
        if total(&bindings, &does, 2) <= width {
            break;
        }
        does[i] = first_word(does[i]);
    }
    while total(&bindings, &does, 1) > width {
        let Some(i) = bindings.iter().rposition(|b| b.footer == Footer::Room) else {
            break;
        };
        bindings.remove(i);
        does.remove(i);
    }
    // Essential keys keep their place: first without words, from the end ("? q").
    while total(&bindings, &does, 1) > width {
        let Some(i) = does.iter().rposition(|d| !d.is_empty()) else {
            break;
        };
        does[i] = "";
    }
    while total(&bindings, &does, 1) > width && bindings.pop().is_some() {
        does.pop();
    }
    let gap = if total(&bindings, &does, 2) <= width {
        "  "
    } else {
        " "
    };

    let mut spans = Vec::new();
    let mut used = 0;
    for (binding, does) in bindings.iter().zip(does) {
        let sep = if spans.is_empty() { "" } else { gap };
        let does = label(does);
        let needed = cells(sep) + cells(binding.keys) + cells(&does);
        if used + needed > width {
            break;
        }
        used += needed;
        spans.push(Span::raw(sep));
        spans.push(Span::styled(binding.keys, theme::key_hint()));
        spans.push(Span::styled(does, theme::muted()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Prompt keys that do nothing in this prompt (flags in a lookup, per-CPU on a plain map)
/// are left out of the footer.
fn relevant(binding: &Binding, app: &App) -> bool {
    match (&app.popup, binding.keys) {
        (Some(Popup::Prompt(prompt)), keys::FLAGS_KEYS) => !prompt.flag_choices().is_empty(),
        (Some(Popup::Prompt(prompt)), keys::PER_CPU_KEYS) => prompt.per_cpu.is_some(),
        // The probe popup is one line: no fields to move between, no flags.
        (Some(Popup::Probe(_)), keys::FLAGS_KEYS | keys::PER_CPU_KEYS) => false,
        (Some(Popup::Probe(_)), "Tab/↓" | "S-Tab/↑" | "^S") => false,
        // A replay cannot ask the kernel: no editing, lookups, floods or live pace to offer.
        (None, k) if keys::LIVE_ONLY_KEYS.contains(&k) => app.replay.is_none(),
        _ => true,
    }
}

/// " sort" after the key, or nothing when the words were dropped.
fn label(does: &str) -> String {
    if does.is_empty() {
        String::new()
    } else {
        format!(" {does}")
    }
}

/// "sort: key, value" -> "sort", "hex / decimal" -> "hex".
fn first_word(text: &str) -> &str {
    text.split([' ', ':', ',']).next().unwrap_or(text)
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// "250 ms", "1 s", "1.5 s".
fn interval(interval: Duration) -> String {
    let millis = interval.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", interval.as_secs_f64())
    }
}

/// "1M", "250k", "812": an entry count in a few characters for the header.
fn short_count(n: usize) -> String {
    match n {
        1_000_000.. => format!("{}M", (n + 500_000) / 1_000_000),
        1_000.. => format!("{}k", (n + 500) / 1_000),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::speed_label;
    use crate::record::player::SPEEDS;

    #[test]
    fn speeds_read_as_the_readme_writes_them() {
        let labels: Vec<String> = SPEEDS.iter().map(|&s| speed_label(s)).collect();
        assert_eq!(
            labels,
            ["¼x", "½x", "1x", "2x", "4x", "8x", "16x", "32x", "64x"]
        );
    }
}
