//! Screens of editing: the prompt, the confirm and flood popups, the flood result pane and
//! the LRU pane, as insta snapshots from hand-built apps.
use ratatui::style::Color;

use super::{find, press, render, text};
use crate::{
    app::{Action, App, Outcome},
    maps::ops::{FloodFrom, FloodRequest, OpResult, Operation},
    test_fixtures,
};

/// The insert prompt on exec_counts' key 1, with "abc" typed for the uid and left.
fn prompt_with_an_error() -> App {
    let mut app = test_fixtures::app();
    press(
        &mut app,
        &[
            Action::Open,
            Action::Insert,
            Action::NextField,
            Action::NextField,
            Action::ClearField,
        ],
    );
    press(
        &mut app,
        &"abc".chars().map(Action::Type).collect::<Vec<_>>(),
    );
    press(&mut app, &[Action::NextField]);
    app
}

/// The experiment app with a flood's report in: EXP_HASH or EXP_LRU selected.
fn flooded(map: usize) -> App {
    let mut app = test_fixtures::experiment_app();
    app.selected_map = map;
    let report = if map == test_fixtures::EXP_HASH {
        test_fixtures::hash_flood_report()
    } else {
        test_fixtures::lru_flood_report()
    };
    app.apply(crate::app::FromCollector::Outcome(Outcome {
        map,
        op: Operation::Flood(FloodRequest {
            count: report.attempted,
            cpu: Some(0),
            from: FloodFrom::Kernel,
        }),
        result: Ok(OpResult::Flooded(report)),
    }));
    app
}

fn selected(map: usize) -> App {
    let mut app = test_fixtures::experiment_app();
    app.selected_map = map;
    app
}

/// Every popup and pane of editing open once, for the resize sweep.
pub fn every_popup_and_pane() -> Vec<App> {
    let mut apps = vec![
        prompt_with_an_error(),
        flooded(test_fixtures::EXP_HASH),
        flooded(test_fixtures::EXP_LRU),
        selected(test_fixtures::EXP_LRU),
        selected(test_fixtures::EXP_NOCOMMON),
    ];
    let mut confirm = test_fixtures::app();
    press(&mut confirm, &[Action::Open, Action::Delete]);
    apps.push(confirm);
    let mut flood = selected(test_fixtures::EXP_LRU);
    press(&mut flood, &[Action::Flood]);
    apps.push(flood);
    let mut count = selected(test_fixtures::EXP_LRU);
    press(
        &mut count,
        &[Action::FloodCount, Action::Type('x'), Action::Submit],
    );
    apps.push(count);
    let mut percpu = selected(test_fixtures::EXP_LRU_PERCPU);
    press(&mut percpu, &[Action::Open, Action::Insert]);
    apps.push(percpu);
    let mut push = test_fixtures::app();
    press(&mut push, &[Action::Down, Action::Down, Action::Insert]);
    apps.push(push);
    let mut lookup = test_fixtures::app();
    press(&mut lookup, &[Action::Lookup]);
    apps.push(lookup);
    apps
}

#[test]
fn insert_prompt_with_an_inline_error() {
    let app = prompt_with_an_error();
    let mut terminal = render(&app, 100, 30);
    let buffer = terminal.backend().buffer().clone();
    let (x, y) = find(&buffer, "not a number").unwrap();
    assert_eq!(buffer[(x, y)].fg, Color::Red, "the error is red");
    // The cursor sits after the focused field's text.
    let (x, y) = find(&buffer, "\"/usr/bin/bash\"").unwrap();
    terminal.backend_mut().assert_cursor_position((x + 15, y));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn delete_confirm() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::Open, Action::Down, Action::Delete]);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn flood_popup() {
    let mut app = selected(test_fixtures::EXP_LRU);
    press(&mut app, &[Action::Flood]);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn flood_result_for_a_hash() {
    let app = flooded(test_fixtures::EXP_HASH);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn flood_result_for_an_lru() {
    let app = flooded(test_fixtures::EXP_LRU);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn lru_pane_with_a_sawtooth() {
    let app = selected(test_fixtures::EXP_LRU);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn a_long_reason_is_wrapped_whole_not_cut() {
    // A 50-digit key: the reason names the whole input and must be read in full.
    let mut app = test_fixtures::app();
    press(
        &mut app,
        &[Action::Open, Action::Lookup, Action::ClearField],
    );
    let digits = "9".repeat(50);
    press(
        &mut app,
        &digits.chars().map(Action::Type).collect::<Vec<_>>(),
    );
    press(&mut app, &[Action::Submit]);
    for width in [80, 200] {
        let screen = text(render(&app, width, 30).backend().buffer());
        // Typed, and again in the reason: the whole number both times, and the whole reason.
        assert_eq!(
            screen.matches(digits.as_str()).count(),
            2,
            "at {width}: {screen}"
        );
        assert!(
            screen.contains("fit in u32 (0..=4294967295)"),
            "at {width}: {screen}"
        );
    }
}

#[test]
fn an_empty_lru_draws_no_bars() {
    // EXP_LRU before any flood: 0 of 1003 at every refresh. The chart must read as empty,
    // not as full-height bars of a flat line.
    let mut app = selected(test_fixtures::EXP_LRU);
    app.maps[test_fixtures::EXP_LRU].history = vec![0; 40].into();
    let screen = text(render(&app, 100, 30).backend().buffer());
    assert!(screen.contains("chart 0–1003"), "{screen}");
    let bars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let lru_pane = &screen[screen.find("now ").unwrap()..];
    assert!(!lru_pane.contains(bars), "{lru_pane}");
    // And a map that stays full draws full bars.
    app.maps[test_fixtures::EXP_LRU].history = vec![1003; 40].into();
    let screen = text(render(&app, 100, 30).backend().buffer());
    assert!(screen.contains('█'), "{screen}");
}

#[test]
fn no_common_lru_explains_the_per_cpu_share() {
    let app = selected(test_fixtures::EXP_NOCOMMON);
    let screen = text(render(&app, 100, 30).backend().buffer());
    assert!(screen.contains("1003 / 2 = 501 nodes"), "{screen}");
}

#[test]
fn a_found_row_is_highlighted() {
    let mut app = test_fixtures::app();
    app.apply(crate::app::FromCollector::Outcome(Outcome {
        map: test_fixtures::HASH,
        op: Operation::Lookup {
            key: test_fixtures::u32_key(7),
        },
        result: Ok(OpResult::Value(test_fixtures::exec_value(
            41,
            1000,
            "/usr/bin/cargo",
        ))),
    }));
    let terminal = render(&app, 100, 30);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, "/usr/bin/…").unwrap();
    assert_eq!(buffer[(x, y)].fg, Color::Green);
}
