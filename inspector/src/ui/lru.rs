//! The LRU eviction pane, under the table of an LRU map: entries over time as a sparkline
//! (batch evictions make a sawtooth), what went at the last refresh, and the facts that
//! decide how full an LRU gets — possible CPUs, the NO_COMMON_LRU flag, the free batch.
use ratatui::{
    Frame,
    layout::Rect,
    style::Style,
    text::{Line, Span},
    widgets::{Block, Paragraph, Sparkline},
};

use super::{entry_count, fit, percent, take_top, theme, wrap};
use crate::app::{App, MapView, lru};

/// Borders, the headline, one sparkline row and one fact: below this the pane is left out.
pub const MIN_HEIGHT: u16 = 5;
const SPARK_ROWS: u16 = 3;
const BPF_F_NO_COMMON_LRU: u32 = 1 << 1;

/// Whether the selected map gets this pane: an LRU map that was read.
pub fn applies(view: &MapView) -> bool {
    view.desc.meta.kind.is_lru() && view.snapshot.is_some() && view.error.is_none()
}

/// Lines the pane would like at `width` (its outer width).
pub fn wanted_height(app: &App, view: &MapView, width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2));
    let lines = wrap(&headline(view, inner), inner).len()
        + facts(app, view)
            .iter()
            .map(|(text, _)| wrap(text, inner).len())
            .sum::<usize>();
    u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .saturating_add(SPARK_ROWS + 2)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = app.selected() else { return };
    let room = usize::from(area.width).saturating_sub(4);
    let title = format!("LRU eviction · {} · entries over time", view.name());
    let block = Block::bordered()
        .border_style(theme::border(false))
        .title(Span::styled(
            format!(" {} ", fit(&title, room)),
            theme::title(false),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let width = usize::from(inner.width);
    let styled = |(text, style): (String, Style)| {
        wrap(&text, width)
            .into_iter()
            .map(move |l| Line::styled(l, style))
    };
    let head: Vec<Line> = styled((headline(view, width), Style::new())).collect();
    let facts: Vec<Line> = facts(app, view).into_iter().flat_map(styled).collect();
    // The sparkline keeps the rows the words do not need, one to three of them.
    let words = u16::try_from(head.len() + facts.len()).unwrap_or(u16::MAX);
    let spark_rows = inner.height.saturating_sub(words).clamp(1, SPARK_ROWS);
    let head_rows = u16::try_from(head.len()).unwrap_or(u16::MAX);
    let (top, rest) = take_top(inner, head_rows.min(inner.height.saturating_sub(1)));
    frame.render_widget(Paragraph::new(head), top);
    let (spark, text) = take_top(rest, spark_rows);
    // The newest refreshes that fit, oldest on the left. A count that moves is drawn from
    // the lowest count shown to the highest, so the sawtooth of batch evictions stands out
    // (the headline says which counts the bars span); a flat one against 0..max_entries,
    // so an empty map looks empty and a full one full.
    let (base, top) = span(view, width);
    let lift = u64::from(top > base && base > 0);
    let data: Vec<u64> = shown(view, width)
        .map(|n| (n - base) as u64 + lift)
        .collect();
    let peak = (top - base) as u64 + lift;
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .max(peak)
            .style(Style::new().fg(theme::ACCENT)),
        spark,
    );
    frame.render_widget(Paragraph::new(facts), text);
}

/// The entry counts the sparkline shows at `width`: the newest ones.
fn shown(view: &MapView, width: usize) -> impl Iterator<Item = usize> + '_ {
    view.history
        .iter()
        .skip(view.history.len().saturating_sub(width))
        .copied()
}

/// The counts the chart spans: the lowest to the highest shown when they differ, else 0 to
/// max_entries (a flat line drawn at its true height).
fn span(view: &MapView, width: usize) -> (usize, usize) {
    let low = shown(view, width).min().unwrap_or(0);
    let high = shown(view, width).max().unwrap_or(0);
    if high > low {
        (low, high)
    } else {
        (0, (view.desc.meta.max_entries as usize).max(high).max(1))
    }
}

/// "now 390/1003 (38%) · chart 262–390 · 128 gone at the last refresh (evicted or deleted)".
fn headline(view: &MapView, width: usize) -> String {
    let max = view.desc.meta.max_entries;
    let now = entry_count(view).unwrap_or(0);
    let (low, high) = span(view, width);
    format!(
        "now {now}/{max} ({}) · chart {low}–{high} · {} gone at the last refresh (evicted or deleted)",
        percent(now, max as usize),
        view.changes.removed
    )
}

/// The machine facts and the one-sentence why, each with its style.
fn facts(app: &App, view: &MapView) -> Vec<(String, Style)> {
    let max = view.desc.meta.max_entries;
    let cpus = app.possible_cpus.max(1);
    let kernel = app
        .kernel
        .map_or("kernel version unknown".into(), |(a, b)| {
            format!("kernel {a}.{b}")
        });
    if view.desc.meta.flags & BPF_F_NO_COMMON_LRU != 0 {
        let share = lru::per_cpu_share(max, cpus);
        vec![
            (
                format!(
                    "{cpus} possible CPUs · flags NO_COMMON_LRU: one LRU list per CPU of \
                     {max} / {cpus} = {share} nodes · {kernel}"
                ),
                Style::new(),
            ),
            (
                format!(
                    "A CPU takes free nodes only from its own list, so a flood from one CPU \
                     fills about {share} entries, then evicts from that CPU's list."
                ),
                theme::muted(),
            ),
        ]
    } else {
        vec![
            (
                format!(
                    "{cpus} possible CPUs · flags: no NO_COMMON_LRU, so one LRU shared by all CPUs · {kernel}"
                ),
                Style::new(),
            ),
            (
                format!(
                    "free batch: {}",
                    lru::target_free_text(max, cpus, app.kernel)
                ),
                Style::new(),
            ),
            (
                format!(
                    "Each CPU pulls target_free free nodes at a time; when the global free list \
                     runs dry the kernel evicts a batch from the LRU lists rather than take free \
                     nodes other CPUs hold, so an LRU of {max} can hold far fewer than {max}."
                ),
                theme::muted(),
            ),
        ]
    }
}
