//! Screens of time: the history pane (one series, and per-CPU stacks), the trend column, and
//! the since-mark view, as insta snapshots from hand-built apps refreshed at fixed moments.
use std::collections::HashSet;

use super::{find, press, render};
use crate::{
    app::{Action, App},
    test_fixtures::{self, HASH, PERCPU, exec_value, refresh_at, taken_at, u32_key},
};

/// exec_counts refreshed four times, key 7 counting up, key 2 flat.
fn counting() -> App {
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, HASH);
    for (secs, count) in [(1, 45), (2, 52), (3, 70), (4, 71)] {
        let entries = [
            (u32_key(1), exec_value(12, 0, "/usr/bin/bash")),
            (u32_key(2), exec_value(3, 1000, "/bin/true")),
            (u32_key(7), exec_value(count, 1000, "/usr/bin/cargo")),
        ];
        refresh_at(&mut app, HASH, &entries, t0, secs);
    }
    app
}

#[test]
fn history_pane_of_one_entry() {
    let mut app = counting();
    press(
        &mut app,
        &[
            Action::Open,
            Action::Down,
            Action::Down,
            Action::ToggleHistory,
        ],
    );
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn per_cpu_history_stacks_the_cpus() {
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, PERCPU);
    let two = |a: u64, b: u64| [a.to_le_bytes(), b.to_le_bytes()].concat();
    for (secs, (a, b)) in [(1, (32, 10)), (2, (40, 20)), (3, (60, 40))] {
        refresh_at(&mut app, PERCPU, &[(u32_key(0), two(a, b))], t0, secs);
    }
    press(
        &mut app,
        &[Action::Down, Action::Open, Action::ToggleHistory],
    );
    let terminal = render(&app, 100, 30);
    insta::assert_snapshot!(terminal.backend());
    // The newest bar holds both CPUs' colors: stacked, not overdrawn.
    let buffer = terminal.backend().buffer();
    let (_, legend) = find(buffer, "cpu0 ■").unwrap();
    let colors: HashSet<_> = (legend + 1..legend + 8)
        .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
        .filter(|&cell| {
            buffer[cell].symbol() != " "
                && buffer[cell]
                    .symbol()
                    .starts_with(['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'])
        })
        .map(|cell| buffer[cell].fg)
        .collect();
    assert!(colors.len() >= 2, "{colors:?}");
}

#[test]
fn trend_column_on_a_wide_table() {
    let mut app = counting();
    app.update(Action::Open);
    let wide = render(&app, 160, 20);
    assert!(find(wide.backend().buffer(), "TREND").is_some());
    insta::assert_snapshot!(wide.backend());
    let narrow = render(&app, 100, 20);
    assert!(
        find(narrow.backend().buffer(), "TREND").is_none(),
        "no room: no column"
    );
}

#[test]
fn since_mark_view_side_by_side() {
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, HASH);
    press(&mut app, &[Action::Open, Action::SetMark]);
    let now = test_fixtures::hash_after_mark();
    refresh_at(&mut app, HASH, &now, t0, 1);
    app.update(Action::ToggleSinceMark);
    insta::assert_snapshot!(render(&app, 120, 20).backend());
}
