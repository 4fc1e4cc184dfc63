//! The history pane (`H`): the selected entry's numeric fields over the session, one chart
//! per field with its last, min, max and rate. Per-CPU maps stack one color per CPU in each
//! bar (the bar's height is the sum), with a legend of each CPU's last value.
//!
//! It draws the ring `app::history` keeps for the selected key, so it follows the key
//! across sorting and refreshes; nothing here reads the map.
use ratatui::{
    Frame,
    layout::Rect,
    style::{Color, Modifier, Style},
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use super::{captions::rate, fit, theme};
use crate::{
    app::{App, MapView, history::Trend},
    values::{decode, render::Style as ValueStyle},
};

/// Borders, a stats line and one chart row: below this the pane is left out.
pub const MIN_HEIGHT: u16 = 4;
const CHART_ROWS: u16 = 3;
/// One color per CPU, cycling past eight.
const CPU_COLORS: [Color; 8] = [
    Color::Cyan,
    Color::Magenta,
    Color::Yellow,
    Color::Green,
    Color::Blue,
    Color::Red,
    Color::LightCyan,
    Color::LightMagenta,
];
const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// The selected row's key bytes (a gone entry's too, in the since-mark view).
fn selected_key(view: &MapView) -> Option<&[u8]> {
    view.rows.get(view.selected).and_then(|&r| view.row_key(r))
}

/// Lines the pane would like: per field a stats line and a chart, a legend for per-CPU.
pub fn wanted_height(view: &MapView) -> u16 {
    let trend = selected_key(view).and_then(|k| view.trends.get(k));
    let fields = trend.map_or(1, |t| t.fields.len().max(1));
    let legend = u16::from(trend.is_some_and(|t| t.cpus > 1));
    let per_field = 1 + CHART_ROWS;
    u16::try_from(fields)
        .unwrap_or(u16::MAX)
        .saturating_mul(per_field)
        .saturating_add(legend + 2)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = app.selected() else { return };
    let key = selected_key(view);
    let style = ValueStyle { hex: app.rules.hex };
    let shown_key = key.map_or_else(
        || "no entry selected".into(),
        |k| {
            format!(
                "key {}",
                decode::decode(&view.desc.key_layout, k).render(style)
            )
        },
    );
    let trend = key.and_then(|k| view.trends.get(k));
    let span = trend.map_or(String::new(), |t| {
        format!(" · {} samples over {:.0} s", t.samples.len(), t.span_secs())
    });
    let room = usize::from(area.width).saturating_sub(4);
    let title = fit(&format!("history · {shown_key}{span}"), room);
    let block = Block::bordered()
        .border_style(theme::border(false))
        .title(Span::styled(format!(" {title} "), theme::title(false)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let Some(trend) = trend.filter(|t| !t.samples.is_empty()) else {
        let text = "no numbers sampled for this entry yet: numeric fields are charted from \
                    the refresh after it is selected or on screen";
        frame.render_widget(
            Paragraph::new(fit(text, usize::from(inner.width))).style(theme::muted()),
            inner,
        );
        return;
    };
    let mut y = inner.y;
    let bottom = inner.bottom();
    if trend.cpus > 1 {
        let line = legend(trend, usize::from(inner.width));
        frame.render_widget(
            Paragraph::new(line),
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        y += 1;
    }
    // Fields share the rows left; each chart keeps one to CHART_ROWS rows.
    let fields = u16::try_from(trend.fields.len()).unwrap_or(u16::MAX).max(1);
    let chart_rows = (bottom.saturating_sub(y) / fields)
        .saturating_sub(1)
        .clamp(1, CHART_ROWS);
    for field in 0..trend.fields.len() {
        if y >= bottom {
            break;
        }
        let stats = stats_line(trend, field, usize::from(inner.width));
        frame.render_widget(
            Paragraph::new(stats),
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        y += 1;
        let rows = chart_rows.min(bottom - y);
        if rows == 0 {
            break;
        }
        chart(
            frame,
            Rect {
                y,
                height: rows,
                ..inner
            },
            trend,
            field,
        );
        y += rows;
    }
}

/// A number as short as it reads: integers whole, others with two decimals.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.2}")
    }
}

/// "count  last 41 · min 3 · max 41 · +12.0/s".
fn stats_line(trend: &Trend, field: usize, width: usize) -> Line<'static> {
    let Some(s) = trend.stats(field) else {
        return Line::raw("");
    };
    let moving = match s.rate {
        Some(r) if r != 0.0 => rate(r),
        Some(_) => "flat".into(),
        None => "rate after two samples".into(),
    };
    let name = trend.fields[field].clone();
    let sum = if trend.cpus > 1 { " (sum)" } else { "" };
    let rest = format!(
        "{sum}  last {} · min {} · max {} · {moving}",
        number(s.last),
        number(s.min),
        number(s.max)
    );
    let rest = fit(&rest, width.saturating_sub(name.len()));
    Line::from(vec![
        Span::styled(name, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(rest),
    ])
}

/// "cpu0 ■ 30  cpu1 ■ 10" in the CPUs' colors, for the last sample of the first field.
fn legend(trend: &Trend, width: usize) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0;
    for cpu in 0..trend.cpus {
        let last = trend.series(0, cpu).last().unwrap_or(0.0);
        let text = format!("cpu{cpu} ■ {}  ", number(last));
        used += text.chars().count();
        if used > width {
            spans.push(Span::styled("…", theme::muted()));
            break;
        }
        spans.push(Span::styled(text, Style::new().fg(color(cpu, trend.cpus))));
    }
    Line::from(spans)
}

fn color(cpu: usize, cpus: usize) -> Color {
    if cpus > 1 {
        CPU_COLORS[cpu % CPU_COLORS.len()]
    } else {
        theme::ACCENT
    }
}

/// Bars of the newest samples that fit, oldest on the left; each bar's height is the sum
/// and, for per-CPU maps, is split into one color per CPU from the bottom up. A single
/// series that moves is drawn from its lowest value to its highest, so small changes on a
/// big counter show; stacks are drawn from zero, so the shares stay true.
fn chart(frame: &mut Frame, area: Rect, trend: &Trend, field: usize) {
    let width = usize::from(area.width);
    let skip = trend.samples.len().saturating_sub(width);
    let sums: Vec<f64> = trend.sums(field).skip(skip).collect();
    let (low, high) = sums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let base = if trend.cpus == 1 && high > low {
        low
    } else {
        0.0
    };
    let scale = (high - base).max(f64::MIN_POSITIVE);
    let units = f64::from(area.height) * 8.0;
    let lift = if base > 0.0 { 1.0 } else { 0.0 };
    let buffer = frame.buffer_mut();
    for (x, sample) in trend.samples.iter().skip(skip).enumerate() {
        let at = field * trend.cpus;
        let parts = &sample.values[at..at + trend.cpus];
        // Top of each CPU's segment, in eighths of a row.
        let mut tops = Vec::with_capacity(trend.cpus);
        let mut sum = 0.0;
        for &part in parts {
            sum += part.max(0.0);
            let scaled = ((sum - base) / scale * (units - lift)).max(0.0) + lift;
            tops.push(scaled.round().min(units));
        }
        let height = tops.last().copied().unwrap_or(0.0);
        for row in 0..area.height {
            let floor = f64::from(row) * 8.0;
            let filled = (height - floor).clamp(0.0, 8.0) as usize;
            if filled == 0 {
                continue;
            }
            let middle = floor + filled as f64 / 2.0;
            let cpu = tops.iter().position(|&top| top > middle).unwrap_or(0);
            let cell = (area.x + x as u16, area.bottom() - 1 - row);
            buffer[cell]
                .set_symbol(EIGHTHS[filled])
                .set_fg(color(cpu, trend.cpus));
        }
    }
}
