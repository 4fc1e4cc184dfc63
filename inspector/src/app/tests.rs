//! State tests: what each key does to the App, with hand-built maps (no kernel, no screen).
use std::time::Duration;

use super::*;
use crate::{
    maps::{MapError, Snapshot},
    test_fixtures,
    tui::diff::Changes,
    values::decode::Value,
};

/// The decoded keys of the selected map's rows, in display order.
fn row_keys(app: &App) -> Vec<u64> {
    let view = app.selected().unwrap();
    view.rows
        .iter()
        .map(|&i| match view.decode(i).unwrap().key {
            Value::Unsigned(k) => k,
            other => panic!("u32 keys expected, got {other:?}"),
        })
        .collect()
}

fn selected_key(app: &App) -> u64 {
    let view = app.selected().unwrap();
    match view.decode(view.selected_index().unwrap()).unwrap().key {
        Value::Unsigned(k) => k,
        other => panic!("{other:?}"),
    }
}

#[test]
fn arrows_move_through_the_map_list_and_stop_at_the_ends() {
    let mut app = test_fixtures::app();
    assert_eq!(app.focus, Pane::Maps);
    app.update(Action::Down);
    assert_eq!(app.selected_map, 1);
    app.update(Action::Up);
    app.update(Action::Up);
    assert_eq!(app.selected_map, 0, "clamped at the first map");
    app.update(Action::End);
    assert_eq!(app.selected_map, app.maps.len() - 1);
    app.update(Action::Down);
    assert_eq!(
        app.selected_map,
        app.maps.len() - 1,
        "clamped at the last map"
    );
    app.update(Action::Home);
    assert_eq!(app.selected_map, 0);
}

#[test]
fn tab_and_enter_focus_the_entries_where_arrows_move_the_selection() {
    let mut app = test_fixtures::app();
    app.update(Action::Open);
    assert_eq!(app.focus, Pane::Entries);
    assert_eq!(row_keys(&app), [1, 2, 7, 42], "sorted by key by default");
    assert_eq!(selected_key(&app), 1);
    app.update(Action::Down);
    assert_eq!(selected_key(&app), 2);
    app.update(Action::End);
    assert_eq!(selected_key(&app), 42);
    app.update(Action::PageUp);
    assert_eq!(selected_key(&app), 1);
    app.update(Action::NextPane);
    assert_eq!(app.focus, Pane::Maps);
    app.update(Action::PrevPane);
    assert_eq!(app.focus, Pane::Entries);
}

#[test]
fn the_selection_follows_its_key_across_a_refresh() {
    let mut app = test_fixtures::app();
    app.update(Action::Open);
    app.update(Action::Down);
    app.update(Action::Down);
    assert_eq!(selected_key(&app), 7);
    // Key 2 disappears: key 7 moves up a row, and stays selected.
    let view = app.selected().unwrap();
    let old = view.snapshot.clone().unwrap();
    let mut snap = Snapshot::new(old.map_id, old.key_size, old.value_stride, old.cpus);
    for i in (0..old.len()).filter(|&i| old.key(i) != 2u32.to_le_bytes()) {
        snap.push(old.key(i), old.value(i));
    }
    app.apply_refresh(Refresh {
        map: test_fixtures::HASH,
        result: Ok((Arc::new(snap), Changes::default())),
        rows: None,
    });
    assert_eq!(row_keys(&app), [1, 7, 42]);
    assert_eq!(selected_key(&app), 7);
}

#[test]
fn s_cycles_the_sort_through_keys_values_and_kernel_order() {
    let mut app = test_fixtures::app();
    app.update(Action::CycleSort);
    assert_eq!(app.rules.sort, SortOrder::KeyDescending);
    assert_eq!(row_keys(&app), [42, 7, 2, 1]);
    app.update(Action::CycleSort);
    assert_eq!(app.rules.sort, SortOrder::ValueDescending);
    // Struct values sort field by field: count first (41, 12, 3, 1).
    assert_eq!(row_keys(&app), [7, 1, 2, 42]);
    app.update(Action::CycleSort);
    assert_eq!(row_keys(&app), [42, 2, 1, 7]);
    app.update(Action::CycleSort);
    assert_eq!(app.rules.sort, SortOrder::Kernel);
    assert_eq!(row_keys(&app), [1, 2, 7, 42], "the snapshot's own order");
    assert!(app.status.as_ref().unwrap().text.contains("kernel order"));
}

#[test]
fn a_filter_matches_keys_and_values_and_esc_clears_it() {
    let mut app = test_fixtures::app();
    // `/` filters the entries while they have the keyboard (the map list, from the list).
    app.update(Action::Open);
    app.update(Action::StartFilter);
    assert_eq!(app.mode, Mode::Filter);
    for c in "CARGO".chars() {
        app.update(Action::FilterChar(c));
    }
    assert_eq!(row_keys(&app), [7], "case-insensitive match on the value");
    app.update(Action::FilterBackspace);
    assert_eq!(app.rules.filter, "CARG");
    app.update(Action::FilterApply);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(row_keys(&app), [7], "the filter stays after Enter");
    app.update(Action::StartFilter);
    app.update(Action::FilterClear);
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.rules.filter.is_empty());
    assert_eq!(row_keys(&app), [1, 2, 7, 42]);
    // Applied with Enter, it is cleared by Esc while browsing too (and nothing quits).
    app.update(Action::StartFilter);
    app.update(Action::FilterChar('7'));
    app.update(Action::FilterApply);
    assert_eq!(row_keys(&app), [7]);
    app.update(Action::Back);
    assert!(app.rules.filter.is_empty() && !app.should_quit);
    assert_eq!(row_keys(&app), [1, 2, 7, 42]);
}

#[test]
fn hex_toggles_and_filters_on_what_is_shown() {
    let mut app = test_fixtures::app();
    app.update(Action::ToggleHex);
    assert!(app.rules.hex);
    app.update(Action::Open);
    app.update(Action::StartFilter);
    for c in "0x2a".chars() {
        app.update(Action::FilterChar(c));
    }
    assert_eq!(row_keys(&app), [42], "key 42 is shown as 0x2a");
    app.update(Action::FilterClear);
    app.update(Action::ToggleHex);
    assert!(!app.rules.hex);
}

#[test]
fn arrays_list_the_slots_in_use_unless_z_shows_them_all() {
    let mut app = test_fixtures::app();
    app.selected_map = test_fixtures::ARRAY;
    let in_use = app.selected().unwrap().rows.len();
    assert!(in_use < 16, "a sparse array lists fewer than its 16 slots");
    app.update(Action::ToggleZeroSlots);
    assert_eq!(app.selected().unwrap().rows.len(), 16);
}

#[test]
fn pause_and_speed_come_back_as_effects_for_the_collector() {
    let mut app = test_fixtures::app();
    assert_eq!(
        app.update(Action::TogglePause),
        Some(Effect::SetPaused(true))
    );
    assert!(app.paused);
    assert_eq!(
        app.update(Action::TogglePause),
        Some(Effect::SetPaused(false))
    );
    assert_eq!(
        app.update(Action::Faster),
        Some(Effect::SetInterval(Duration::from_millis(500)))
    );
    for _ in 0..10 {
        app.update(Action::Faster);
    }
    assert_eq!(
        app.interval,
        Duration::from_millis(100),
        "never faster than 0.1 s"
    );
    for _ in 0..10 {
        app.update(Action::Slower);
    }
    assert_eq!(
        app.interval,
        Duration::from_secs(10),
        "never slower than 10 s"
    );
}

#[test]
fn help_opens_and_closes_and_q_quits() {
    let mut app = test_fixtures::app();
    app.update(Action::ToggleHelp);
    assert_eq!(app.mode, Mode::Help);
    app.update(Action::ToggleHelp);
    assert_eq!(app.mode, Mode::Normal);
    assert!(!app.should_quit);
    assert_eq!(app.update(Action::Quit), None);
    assert!(app.should_quit);
}

#[test]
fn a_read_error_is_kept_for_the_screen() {
    let mut app = test_fixtures::app();
    app.apply_refresh(Refresh {
        map: test_fixtures::HASH,
        result: Err(MapError::NotFound { id: 7 }),
        rows: None,
    });
    // The error keeps its kind for whoever shows it.
    let error = app.maps[test_fixtures::HASH].error.as_deref();
    assert!(
        matches!(error, Some(MapError::NotFound { id: 7 })),
        "{error:?}"
    );
    // A refresh for a map that does not exist is ignored, not a panic.
    app.apply_refresh(Refresh {
        map: 99,
        result: Err(MapError::NotFound { id: 99 }),
        rows: None,
    });
}

mod big_maps;
mod decode;
mod edit;
mod flood;
mod ownership;
mod probe;
mod time;

/// The actions of typing `text`.
fn typing(text: &str) -> Vec<Action> {
    text.chars().map(Action::Type).collect()
}

/// Runs `actions` and returns every effect they had, in order.
fn press(app: &mut App, actions: impl IntoIterator<Item = Action>) -> Vec<Effect> {
    actions.into_iter().filter_map(|a| app.update(a)).collect()
}
