//! The prompt popup (one line per field, its type, what was typed and, in red, why it was
//! refused) and the confirm popup before a delete.
use ratatui::{
    Frame,
    layout::{Position, Rect},
    style::{Modifier, Style},
    text::{Line, Span},
    widgets::Paragraph,
};

use super::{cells, fit, popup, theme, wrap};
use crate::app::{
    Confirm,
    prompt::{Part, Prompt, PromptKind, flag_meaning, flag_name},
};

/// The popup's narrowest and widest: it grows with the terminal so long input and long
/// reasons fit, up to a width that still reads as a popup.
const WIDTH: u16 = 72;
const MAX_WIDTH: u16 = 120;

/// A line of the prompt, and whether it shows the focused field (kept on screen).
struct Row {
    line: Line<'static>,
    focused: bool,
}

pub fn draw(frame: &mut Frame, screen: Rect, prompt: &Prompt) {
    // Three quarters of the terminal, within [WIDTH, MAX_WIDTH] and never wider than it.
    let width = (screen.width / 4 * 3).clamp(WIDTH.min(screen.width), MAX_WIDTH.min(screen.width));
    let inner_w = usize::from(width.saturating_sub(2));
    let (rows, cursor) = rows(prompt, inner_w);
    let (area, block) = popup(frame, screen, width, rows.len(), &prompt.title);
    let block = block.title_bottom(Span::styled(
        fit(" Enter next/submit · ^S submit · Esc cancel ", inner_w),
        theme::muted(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    if height == 0 || inner.width == 0 {
        return;
    }
    // Scroll so the focused field (and its error line) stays in view.
    let last_focused = rows.iter().rposition(|r| r.focused).unwrap_or(0);
    let skip = (last_focused + 1).saturating_sub(height);
    let cursor_row = rows.iter().position(|r| r.focused);
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(skip)
        .take(height)
        .map(|r| r.line)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if let (Some(row), Some(x)) = (cursor_row, cursor) {
        let y = row.saturating_sub(skip);
        if y < height {
            let x = inner.x.saturating_add(u16::try_from(x).unwrap_or(u16::MAX));
            let x = x.min(inner.right().saturating_sub(1));
            frame.set_cursor_position(Position::new(x, inner.y + y as u16));
        }
    }
}

/// The prompt's lines at `width` cells, and the cursor's column on the focused line.
fn rows(prompt: &Prompt, width: usize) -> (Vec<Row>, Option<usize>) {
    let label_w = prompt
        .fields
        .iter()
        .map(|f| cells(f.label()))
        .max()
        .unwrap_or(0);
    let type_w = prompt
        .fields
        .iter()
        .map(|f| cells(&f.type_name()))
        .max()
        .unwrap_or(0);
    // "› label  type  input": the input gets what is left, at least a few cells.
    let input_x = 2 + label_w + 2 + type_w + 2;
    let input_w = width.saturating_sub(input_x).max(4);
    let mut rows = Vec::new();
    let mut cursor = None;
    let mut part = None;
    for (i, field) in prompt.fields.iter().enumerate() {
        if part != Some(field.part) {
            part = Some(field.part);
            rows.push(plain(heading(prompt, field.part)));
        }
        let focused = i == prompt.focus;
        let marker = if focused { "› " } else { "  " };
        let label_style = if focused {
            theme::title(true)
        } else {
            Style::new()
        };
        let (input, input_cells) = tail(&field.input, input_w.saturating_sub(1));
        let mut input_style = Style::new();
        if focused {
            input_style = input_style.add_modifier(Modifier::UNDERLINED);
            cursor = Some(input_x + input_cells);
        }
        if field.error.is_some() {
            input_style = input_style.fg(theme::ERROR);
        }
        rows.push(Row {
            line: Line::from(vec![
                Span::styled(marker, theme::key_hint()),
                Span::styled(format!("{:<label_w$}  ", field.label()), label_style),
                Span::styled(format!("{:<type_w$}  ", field.type_name()), theme::muted()),
                Span::styled(input, input_style),
            ]),
            focused,
        });
        if let Some(error) = &field.error {
            // Under the input, wrapped: the whole reason, however long.
            let indent = if width.saturating_sub(input_x) >= 24 {
                input_x
            } else {
                4
            };
            for line in wrap(error, width.saturating_sub(indent)) {
                rows.push(Row {
                    line: Line::styled(format!("{:indent$}{line}", ""), theme::error()),
                    focused,
                });
            }
        }
    }
    if prompt.fields.is_empty() {
        rows.push(plain(Line::styled(
            "nothing to type: Enter sends it",
            theme::muted(),
        )));
    }
    rows.extend(settings(prompt, width).into_iter().map(plain));
    (rows, cursor)
}

fn plain(line: Line<'static>) -> Row {
    Row {
        line,
        focused: false,
    }
}

/// "key · u32", "value · struct exec_info", "value on cpu1 · u64".
fn heading(prompt: &Prompt, part: Part) -> Line<'static> {
    let text = match part {
        Part::Key => format!("key · {}", prompt.key_type),
        Part::Value { cpu: Some(cpu) } => format!("value on cpu{cpu} · {}", prompt.value_type),
        Part::Value { cpu: None } if prompt.per_cpu.is_some() => format!(
            "value · {} · the same on all {} CPUs",
            prompt.value_type, prompt.cpus
        ),
        Part::Value { cpu: None } => format!("value · {}", prompt.value_type),
    };
    Line::styled(text, theme::header())
}

/// The flags and the per-CPU choice, with the keys that change them.
fn settings(prompt: &Prompt, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let setting = |name: &str, value: String, keys: &'static str| {
        let room = width.saturating_sub(cells(keys) + 10);
        Line::from(vec![
            Span::styled(format!("{name:<8}"), theme::header()),
            Span::raw(fit(&value, room)),
            Span::raw("  "),
            Span::styled(keys, theme::key_hint()),
        ])
    };
    if !prompt.flag_choices().is_empty() {
        lines.push(Line::raw(""));
        let value = format!(
            "{} · {}",
            flag_name(prompt.flags),
            flag_meaning(prompt.kind, prompt.flags)
        );
        lines.push(setting("flags", value, "^F"));
    }
    if let Some(split) = prompt.per_cpu {
        let value = if split {
            format!("a value per CPU ({} CPUs)", prompt.cpus)
        } else {
            format!("one value for all {} CPUs", prompt.cpus)
        };
        lines.push(setting("CPUs", value, "^T"));
    }
    if prompt.kind == PromptKind::Lookup {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "the value, or \"not found\", shows on the status line",
            theme::muted(),
        ));
    }
    lines
}

/// The end of `text` that fits `width` cells ("…" first when cut), and its width.
fn tail(text: &str, width: usize) -> (String, usize) {
    if cells(text) <= width {
        return (text.to_string(), cells(text));
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1;
    for ch in text.chars().rev() {
        let w = cells(ch.encode_utf8(&mut [0; 4]));
        if used + w > width {
            break;
        }
        kept.push(ch);
        used += w;
    }
    let shown: String = std::iter::once('…').chain(kept.into_iter().rev()).collect();
    (shown, used.min(width))
}

/// "delete key 7 from exec_counts?", what the entry holds, and the two answers.
pub fn draw_confirm(frame: &mut Frame, screen: Rect, confirm: &Confirm) {
    let width = 60.min(screen.width);
    let inner_w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = wrap(&confirm.question, inner_w)
        .into_iter()
        .map(|l| Line::styled(l, theme::header()))
        .collect();
    lines.extend(
        wrap(&confirm.detail, inner_w)
            .into_iter()
            .take(3)
            .map(Line::raw),
    );
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y/Enter", theme::key_hint()),
        Span::raw(format!(" {}   ", confirm.yes)),
        Span::styled("n/Esc", theme::key_hint()),
        Span::raw(" keep it"),
    ]));
    let (area, block) = popup(frame, screen, width, lines.len(), "sure?");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
