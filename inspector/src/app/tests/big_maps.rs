//! Maps too big to sort on the main loop: a key never waits for their rows.
use std::{sync::Arc, time::Duration};

use super::super::*;
use crate::{
    maps::{MapKind, MapMeta, Snapshot},
    tui::diff::Changes,
    values::Layout,
};

const ROWS: u32 = SYNC_ROWS as u32 + 10;

/// One HASH u32 -> u64 map with more rows than the main loop sorts itself, keys descending
/// in the snapshot so any order change is visible.
fn big_app() -> App {
    let int = |size| Layout::int(size, false);
    let desc = MapDesc {
        meta: MapMeta {
            id: 1,
            name: "big".into(),
            kind: MapKind::Hash,
            key_size: 4,
            value_size: 8,
            max_entries: ROWS,
            flags: 0,
            btf_id: 0,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
        },
        key_layout: int(4),
        value_layout: int(8),
        layout_source: crate::maps::LayoutSource::Sizes,
        cpus: 1,
        kernel_flood: None,
        frozen: false,
    };
    let mut snap = Snapshot::new(1, 4, 8, 1);
    for key in (0..ROWS).rev() {
        snap.push(&key.to_le_bytes(), &u64::from(key).to_le_bytes());
    }
    let mut app = App::new(vec![desc], Vec::new(), Duration::from_secs(1));
    app.apply_refresh(Refresh {
        map: 0,
        result: Ok((Arc::new(snap), Changes::default())),
        rows: None,
    });
    app
}

#[test]
fn a_sort_key_on_a_big_map_goes_to_the_collector_and_the_rows_wait_for_it() {
    let mut app = big_app();
    let before = app.maps[0].rows.clone();
    assert_eq!(
        before[0],
        ROWS as usize - 1,
        "key 0 (the last index) first: key order"
    );
    let effect = app.update(Action::CycleSort);
    assert_eq!(
        effect,
        Some(Effect::SetRules {
            rules: app.rules.clone(),
            refresh: Some(0),
        })
    );
    assert_eq!(app.maps[0].rows, before, "not re-sorted on the main loop");
    assert!(app.status.as_ref().unwrap().text.contains("ordering"));

    // The collector's refresh arrives ordered under the new rules and is adopted as is.
    let snap = Arc::clone(app.maps[0].snapshot.as_ref().unwrap());
    let ordered = Ordered {
        rules: app.rules.clone(),
        rows: rows::build(&app.maps[0].desc, &snap, &app.rules),
    };
    let expected = ordered.rows.clone();
    app.apply_refresh(Refresh {
        map: 0,
        result: Ok((snap, Changes::default())),
        rows: Some(ordered),
    });
    assert_eq!(app.maps[0].rows, expected);
    assert_eq!(
        app.maps[0].rows[0], 0,
        "key descending: the biggest key, index 0, first"
    );
    assert_eq!(
        app.status, None,
        "the ordering line goes once the rows are in"
    );
}

#[test]
fn the_ordering_line_stays_until_rows_for_the_new_rules_arrive() {
    let mut app = big_app();
    app.update(Action::CycleSort);
    // A refresh ordered under the old rules (sent before the key) does not end it.
    let snap = Arc::clone(app.maps[0].snapshot.as_ref().unwrap());
    let stale = Ordered {
        rules: RowRules::default(),
        rows: rows::build(&app.maps[0].desc, &snap, &RowRules::default()),
    };
    app.apply_refresh(Refresh {
        map: 0,
        result: Ok((snap, Changes::default())),
        rows: Some(stale),
    });
    assert!(app.status.as_ref().unwrap().text.contains("ordering"));
    // A status set meanwhile (an error, a result) is not wiped by the rows arriving.
    app.set_status("lookup: no such key", true);
    let snap = Arc::clone(app.maps[0].snapshot.as_ref().unwrap());
    let ordered = Ordered {
        rules: app.rules.clone(),
        rows: rows::build(&app.maps[0].desc, &snap, &app.rules),
    };
    app.apply_refresh(Refresh {
        map: 0,
        result: Ok((snap, Changes::default())),
        rows: Some(ordered),
    });
    assert_eq!(app.status.as_ref().unwrap().text, "lookup: no such key");
}

#[test]
fn a_small_map_is_reordered_at_once_and_the_collector_is_told() {
    let mut app = crate::test_fixtures::app();
    let effect = app.update(Action::CycleSort);
    assert_eq!(
        effect,
        Some(Effect::SetRules {
            rules: app.rules.clone(),
            refresh: None,
        })
    );
    assert_eq!(app.maps[app.selected_map].rows_rules, app.rules);
}
