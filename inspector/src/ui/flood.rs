//! The flood popup: what will happen, said in full before it happens, and the keys that
//! change it (count, kernel program or userspace thread, CPU).
use ratatui::{
    Frame,
    layout::{Position, Rect},
    text::{Line, Span},
    widgets::Paragraph,
};

use super::{cells, fit, popup, theme, wrap};
use crate::{app::flood::FloodSetup, maps::ops::FloodFrom};

pub fn draw_setup(frame: &mut Frame, screen: Rect, setup: &FloodSetup) {
    let width = 72.min(screen.width);
    let inner_w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = wrap(
        &format!(
            "insert keys 1..={} (value key*11) into {} (max_entries {})",
            setup.count, setup.name, setup.max_entries
        ),
        inner_w,
    )
    .into_iter()
    .map(|l| Line::styled(l, theme::header()))
    .collect();
    lines.push(Line::raw(""));
    let count = match &setup.editing {
        Some(text) => text.clone(),
        None if setup.count == setup.max_entries.saturating_add(1) => {
            format!("{} (max_entries + 1: one more than fits)", setup.count)
        }
        None => setup.count.to_string(),
    };
    let count_line = lines.len();
    lines.push(setting("n", "count", count, inner_w));
    let mode = match setup.from {
        FloodFrom::Kernel => "kernel-side flood program (updates from BPF)",
        FloodFrom::User => "userspace thread (one update syscall per key)",
    };
    lines.push(setting("m", "mode", mode.into(), inner_w));
    let cpu = format!(
        "{} (of {} possible: the flood runs there)",
        setup.cpu, setup.cpus
    );
    lines.push(setting("c", "CPU", cpu, inner_w));
    if !setup.kernel_allowed {
        lines.extend(
            wrap(
                "kernel mode is for the experiment maps (EXP_*) only",
                inner_w,
            )
            .into_iter()
            .map(|l| Line::styled(l, theme::muted())),
        );
    }
    if let Some(error) = &setup.error {
        lines.extend(
            wrap(error, inner_w)
                .into_iter()
                .map(|l| Line::styled(l, theme::error())),
        );
    }
    lines.push(Line::raw(""));
    let keys: &[(&str, &str)] = if setup.editing.is_some() {
        &[("Enter", "keep the count"), ("Esc", "back")]
    } else {
        &[("Enter", "flood"), ("Esc", "cancel")]
    };
    let mut spans = Vec::new();
    for (key, does) in keys {
        spans.push(Span::styled(*key, theme::key_hint()));
        spans.push(Span::raw(format!(" {does}   ")));
    }
    lines.push(Line::from(spans));

    let (area, block) = popup(
        frame,
        screen,
        width,
        lines.len(),
        &format!("flood {}", setup.name),
    );
    let inner = block.inner(area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    // The cursor after the count being typed: "n  count  " is 11 cells.
    if let Some(text) = &setup.editing {
        let y = u16::try_from(count_line).unwrap_or(u16::MAX);
        if y < inner.height && inner.width > 0 {
            let x = inner
                .x
                .saturating_add(u16::try_from(11 + cells(text)).unwrap_or(u16::MAX));
            let x = x.min(inner.right().saturating_sub(1));
            frame.set_cursor_position(Position::new(x, inner.y + y));
        }
    }
}

/// "n  count  1004": the key, the setting's name and its value.
fn setting(key: &'static str, name: &str, value: String, width: usize) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<3}"), theme::key_hint()),
        Span::styled(format!("{name:<6} "), theme::header()),
        Span::raw(fit(&value, width.saturating_sub(10))),
    ])
}
