//! The per-CPU breakdown of the selected entry of a per-CPU map: each CPU's value, its
//! share of the total as a bar when the value is one number, and the sum.
use ratatui::{
    Frame,
    layout::Rect,
    style::{Modifier, Style},
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use super::{cells, fit, gauge, theme};
use crate::{
    app::{App, MapView},
    values::percpu,
    values::render::Style as ValueStyle,
};

/// Borders, one CPU and the sum: below this the pane is left out.
pub const MIN_HEIGHT: u16 = 4;
/// The longest share bar; wider panes leave the rest blank.
const MAX_BAR: usize = 24;

/// Lines the pane would like for the selected map, or None if it has nothing to show.
pub fn wanted_height(view: &MapView) -> Option<u16> {
    let snap = view.snapshot.as_ref()?;
    if !view.desc.meta.kind.is_percpu() || view.error.is_some() {
        return None;
    }
    view.selected_index()?;
    Some(
        u16::try_from(snap.cpus)
            .unwrap_or(u16::MAX)
            .saturating_add(3),
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    // Only the selected entry is decoded.
    let Some(view) = app.selected() else { return };
    let Some(entry) = view.selected_index().and_then(|i| view.decode(i)) else {
        return;
    };
    let style = ValueStyle { hex: app.rules.hex };
    let room = usize::from(area.width).saturating_sub(4);
    let title = fit(&format!("per-CPU · key {}", entry.key.render(style)), room);
    let title = format!(" {title} ");
    let block = Block::bordered()
        .border_style(theme::border(false))
        .title(Span::styled(title, theme::title(false)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (width, height) = (usize::from(inner.width), usize::from(inner.height));
    if height == 0 {
        return;
    }

    let values: Vec<String> = entry.per_cpu.iter().map(|v| v.render(style)).collect();
    let cpus = values.len();
    let label_w = format!("cpu{}", cpus.saturating_sub(1)).len();
    // With too many CPUs for the pane, the last lines say how many are hidden, then the sum.
    let shown = if cpus < height {
        cpus
    } else {
        height.saturating_sub(2)
    };
    let hidden = cpus - shown;
    let sum = entry.summed.then(|| entry.value.render(style));
    let mut lines: Vec<Line> = Vec::with_capacity(height);

    if let Some(shares) = percpu::shares(&entry.per_cpu) {
        let value_w = values
            .iter()
            .chain(&sum)
            .map(|v| cells(v))
            .max()
            .unwrap_or(0);
        let bar_w = width.saturating_sub(label_w + value_w + 10).min(MAX_BAR);
        let bar_w = if bar_w < 4 { 0 } else { bar_w };
        for (cpu, (value, share)) in values.iter().zip(&shares).take(shown).enumerate() {
            let mut spans = vec![Span::raw(format!("{:<label_w$} ", format!("cpu{cpu}")))];
            if bar_w > 0 {
                spans.push(Span::styled(
                    gauge(*share, bar_w),
                    Style::new().fg(theme::ACCENT),
                ));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::raw(format!(
                "{value:>value_w$} {:>6.1}%",
                share * 100.0
            )));
            lines.push(Line::from(spans));
        }
        push_hidden(&mut lines, hidden);
        let gap = if bar_w > 0 { bar_w + 1 } else { 0 };
        let total = sum.map_or_else(|| "CPUs disagree".into(), |s| format!("{s:>value_w$}"));
        lines.push(sum_line(format!("{:<label_w$} {:gap$}{total}", "sum", "")));
    } else {
        let value_w = width.saturating_sub(label_w + 1);
        for (cpu, value) in values.iter().take(shown).enumerate() {
            lines.push(Line::raw(format!(
                "{:<label_w$} {}",
                format!("cpu{cpu}"),
                fit(value, value_w)
            )));
        }
        push_hidden(&mut lines, hidden);
        let total = sum.unwrap_or_else(|| "CPUs disagree: no sum".into());
        lines.push(sum_line(format!(
            "{:<label_w$} {}",
            "sum",
            fit(&total, value_w)
        )));
    }
    // A pane of one line shows only the sum.
    let skip = lines.len().saturating_sub(height);
    frame.render_widget(Paragraph::new(lines.split_off(skip)), inner);
}

fn push_hidden(lines: &mut Vec<Line>, hidden: usize) {
    if hidden > 0 {
        lines.push(Line::styled(
            format!("… {hidden} more CPUs"),
            theme::muted(),
        ));
    }
}

fn sum_line(text: String) -> Line<'static> {
    Line::styled(text, Style::new().add_modifier(Modifier::BOLD))
}
