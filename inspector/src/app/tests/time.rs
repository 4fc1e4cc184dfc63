//! History and mark: a history follows its key (not its row) across sorting and refreshes,
//! stays bounded, stacks per-CPU values; the since-mark view shows added, changed and gone
//! entries, and its selection follows a gone key too.
use super::*;
use crate::{
    app::{
        history::{MAX_WATCHED, SAMPLES},
        mark::Row,
    },
    test_fixtures::{self, HASH, PERCPU, exec_value, refresh_at, taken_at, u32_key},
};

fn hash_entries(counts: &[(u32, u64)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    counts
        .iter()
        .map(|&(key, count)| (u32_key(key), exec_value(count, 1000, "/bin/x")))
        .collect()
}

#[test]
fn history_follows_its_key_across_sorting_and_refreshes() {
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, HASH);
    press(&mut app, &[Action::Open, Action::Down, Action::Down]);
    assert_eq!(selected_key(&app), 7);
    // Key 7 moves to the front of the kernel's order, then key 1 goes: its row moves.
    refresh_at(
        &mut app,
        HASH,
        &hash_entries(&[(7, 50), (1, 12), (2, 3), (42, 1)]),
        t0,
        1,
    );
    app.update(Action::CycleSort); // key descending: 7 is now the second row
    assert_eq!(selected_key(&app), 7);
    refresh_at(
        &mut app,
        HASH,
        &hash_entries(&[(42, 1), (2, 3), (7, 60)]),
        t0,
        3,
    );
    assert_eq!(selected_key(&app), 7);
    let view = app.selected().unwrap();
    let trend = view.trends.get(&u32_key(7)).expect("key 7 watched");
    assert_eq!(
        trend.fields,
        ["count", "uid"],
        "padding and text are not charted"
    );
    assert_eq!(trend.sums(0).collect::<Vec<_>>(), [41.0, 50.0, 60.0]);
    let stats = trend.stats(0).unwrap();
    assert_eq!((stats.min, stats.max, stats.last), (41.0, 60.0, 60.0));
    assert_eq!(stats.rate, Some(5.0), "10 more over the last 2 s");
    assert_eq!(trend.span_secs(), 3.0);
    // Key 1 was on screen until it went: its ring keeps what it saw, no more.
    let gone = view.trends.get(&u32_key(1)).unwrap();
    assert_eq!(gone.sums(0).collect::<Vec<_>>(), [12.0, 12.0]);
}

fn press(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.update(*action);
    }
}

fn selected_key(app: &App) -> u32 {
    let view = app.selected().unwrap();
    let key = view.row_key(view.rows[view.selected]).unwrap();
    u32::from_le_bytes(key.try_into().unwrap())
}

#[test]
fn history_is_bounded_in_samples_and_keys() {
    let mut app = test_fixtures::long_app(400);
    app.page_rows = 300;
    let t0 = taken_at(&app, 0);
    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..400u32)
        .map(|i| (u32_key(i), u64::from(i).to_le_bytes().to_vec()))
        .collect();
    for secs in 1..=SAMPLES as u64 + 10 {
        refresh_at(&mut app, 0, &entries, t0, secs);
    }
    let view = &app.maps[0];
    assert!(view.trends.len() <= MAX_WATCHED, "{}", view.trends.len());
    let selected = view
        .trends
        .get(&u32_key(0))
        .expect("the selected entry is kept");
    assert_eq!(selected.samples.len(), SAMPLES);
    // The same snapshot applied twice is one sample.
    let before = selected.samples.back().unwrap().at;
    refresh_at(&mut app, 0, &entries, t0, SAMPLES as u64 + 10);
    let after = app.maps[0].trends.get(&u32_key(0)).unwrap();
    assert_eq!(
        (after.samples.len(), after.samples.back().unwrap().at),
        (SAMPLES, before)
    );
}

#[test]
fn per_cpu_history_keeps_each_cpu_and_sums_them() {
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, PERCPU);
    press(&mut app, &[Action::Down, Action::Open]);
    let two = |a: u64, b: u64| [a.to_le_bytes(), b.to_le_bytes()].concat();
    refresh_at(&mut app, PERCPU, &[(u32_key(0), two(40, 12))], t0, 2);
    let trend = app.selected().unwrap().trends.get(&u32_key(0)).unwrap();
    assert_eq!(trend.cpus, 2);
    assert_eq!(trend.series(0, 0).collect::<Vec<_>>(), [30.0, 40.0]);
    assert_eq!(trend.series(0, 1).collect::<Vec<_>>(), [10.0, 12.0]);
    assert_eq!(trend.stats(0).unwrap().rate, Some(6.0), "40 -> 52 in 2 s");
}

#[test]
fn the_since_mark_view_shows_added_changed_and_gone_entries() {
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, HASH);
    app.update(Action::Open);
    app.update(Action::ToggleSinceMark);
    assert!(app.selected().unwrap().since_mark.is_none(), "no mark yet");
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("m marks it first")
    );
    app.update(Action::SetMark);
    // Key 1 goes, key 2 changes, key 9 comes; 7 and 42 stay as they were.
    let now = test_fixtures::hash_after_mark();
    refresh_at(&mut app, HASH, &now, t0, 1);
    assert_eq!(app.selected().unwrap().rows.len(), 4, "every entry until c");
    app.update(Action::ToggleSinceMark);
    let view = app.selected().unwrap();
    let since = view.since_mark.as_ref().unwrap();
    assert_eq!((since.added, since.removed, since.changed), (1, 1, 1));
    let snap = view.snapshot.as_ref().unwrap();
    let kinds: Vec<Row> = view.rows.iter().map(|&r| Row::of(r, snap)).collect();
    assert_eq!(kinds, [Row::Now(0), Row::Now(2), Row::Gone(0)]);
    assert_eq!(
        since.old_of.get(&0),
        Some(&1),
        "key 2 was the mark's entry 1"
    );
    // The gone entry can be selected, and stays selected across a refresh.
    app.update(Action::End);
    assert_eq!(selected_key(&app), 1);
    assert_eq!(
        app.selected().unwrap().selected_index(),
        None,
        "not in the map now"
    );
    refresh_at(&mut app, HASH, &now, t0, 2);
    assert_eq!(selected_key(&app), 1);
    // Esc leaves the view before it quits.
    app.update(Action::Back);
    assert!(!app.should_quit);
    assert_eq!(app.selected().unwrap().rows.len(), 4);
    // A new mark: nothing changed since.
    app.update(Action::SetMark);
    app.update(Action::ToggleSinceMark);
    assert!(app.selected().unwrap().rows.is_empty());
}

#[test]
fn a_slot_back_to_zero_is_a_change_since_the_mark() {
    use crate::test_fixtures::ARRAY;
    let mut app = test_fixtures::app();
    let t0 = taken_at(&app, ARRAY);
    press(
        &mut app,
        &[Action::Down, Action::Down, Action::Down, Action::Open],
    );
    assert_eq!(app.selected_map, ARRAY);
    app.update(Action::SetMark);
    // Slot 7 goes back to zero, slot 5 gets a value; every slot still exists.
    let slots: Vec<(Vec<u8>, Vec<u8>)> = (0..16u32)
        .map(|i| {
            let v: u64 = match i {
                3 | 12 => u64::from(i * 100),
                5 => 9,
                _ => 0,
            };
            (u32_key(i), v.to_le_bytes().to_vec())
        })
        .collect();
    refresh_at(&mut app, ARRAY, &slots, t0, 1);
    app.update(Action::ToggleSinceMark);
    let view = app.selected().unwrap();
    let since = view.since_mark.as_ref().unwrap();
    assert_eq!((since.added, since.removed, since.changed), (0, 0, 2));
    let keys: Vec<u32> = view
        .rows
        .iter()
        .map(|&r| u32::from_le_bytes(view.row_key(r).unwrap().try_into().unwrap()))
        .collect();
    assert_eq!(keys, [5, 7]);
}

#[test]
fn a_map_too_big_for_the_screen_thread_says_so() {
    let mut app = test_fixtures::long_app(SYNC_ROWS as u32 + 1);
    press(
        &mut app,
        &[Action::Open, Action::SetMark, Action::ToggleSinceMark],
    );
    assert!(app.selected().unwrap().since_mark.is_none());
    let status = app.status.as_ref().unwrap();
    assert!(
        status.is_error && status.text.contains("dump --diff"),
        "{status:?}"
    );
}

#[test]
fn the_count_chart_gains_a_point_per_read_and_starts_over_when_time_goes_back() {
    let mut app = test_fixtures::app();
    let start = taken_at(&app, HASH) + Duration::from_secs(1);
    let points = |app: &App| app.maps[HASH].history.len();
    let before = points(&app);
    refresh_at(&mut app, HASH, &hash_entries(&[(1, 1)]), start, 1);
    refresh_at(&mut app, HASH, &hash_entries(&[(1, 1), (2, 1)]), start, 2);
    assert_eq!(points(&app), before + 2);
    // The same read again (re-sent under new rules): no new point.
    let view = &app.maps[HASH];
    let same = Arc::clone(view.snapshot.as_ref().unwrap());
    app.apply_refresh(Refresh {
        map: HASH,
        result: Ok((same, Changes::default())),
        rows: None,
    });
    assert_eq!(points(&app), before + 2);
    // A replay stepped back to an earlier frame: the chart starts from it.
    refresh_at(&mut app, HASH, &hash_entries(&[(1, 1)]), start, 1);
    assert_eq!(
        app.maps[HASH].history.iter().copied().collect::<Vec<_>>(),
        [1]
    );
}
