//! Screens of the map types beyond keys and values (fixtures in `test_fixtures::typed`).
use super::{press, render, text};
use crate::{
    app::{Action, Effect, Mode},
    test_fixtures::typed::{self, BLOOM, JUMPS, LPM, OUTER, RING, STACKS},
};

fn select(map: usize) -> crate::app::App {
    let mut app = typed::typed_app();
    press(&mut app, &vec![Action::Down; map]);
    assert_eq!(app.selected_map, map);
    app.update(Action::Open);
    app
}

#[test]
fn lpm_trie_shows_prefixes_as_cidr() {
    let app = select(LPM);
    insta::assert_snapshot!(render(&app, 100, 16).backend());
}

#[test]
fn lpm_lookup_asks_for_an_address_and_refuses_a_bad_one() {
    let mut app = select(LPM);
    app.update(Action::Lookup);
    assert_eq!(app.mode, Mode::Prompt);
    for c in "10.1.2".chars() {
        app.update(Action::Type(c));
    }
    assert_eq!(
        app.update(Action::Submit),
        None,
        "not an address: nothing sent"
    );
    insta::assert_snapshot!(render(&app, 100, 16).backend());
    for c in ".9".chars() {
        app.update(Action::Type(c));
    }
    let Some(Effect::Probe { map, probe }) = app.update(Action::Submit) else {
        panic!("a probe");
    };
    assert_eq!(map, LPM);
    assert_eq!(probe, crate::app::Probe::LpmMatch(vec![10, 1, 2, 9]));
}

#[test]
fn map_of_maps_slots_name_their_inner_maps() {
    let app = select(OUTER);
    insta::assert_snapshot!(render(&app, 100, 16).backend());
}

#[test]
fn enter_opens_the_inner_map_and_esc_comes_back() {
    let mut app = select(OUTER);
    let effect = app.update(Action::Open);
    assert_eq!(
        effect,
        Some(Effect::OpenInner {
            map: OUTER,
            id: typed::INNER_ID
        })
    );
    typed::opened_inner(&mut app);
    assert_eq!(app.selected_map, app.maps.len() - 1);
    insta::assert_snapshot!(render(&app, 100, 16).backend());
    app.update(Action::Back);
    assert_eq!(app.selected_map, OUTER);
    assert!(!app.should_quit, "Esc went back rather than quit");
    // Opened once: Enter again goes straight there.
    assert_eq!(app.update(Action::Open), None);
    assert_eq!(app.selected_map, app.maps.len() - 1);
}

#[test]
fn program_array_slots_name_their_programs() {
    let app = select(JUMPS);
    let terminal = render(&app, 100, 12);
    assert!(text(terminal.backend().buffer()).contains("prog 501 tail_exec (tracepoint)"));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn stack_traces_list_their_frames() {
    let app = select(STACKS);
    insta::assert_snapshot!(render(&app, 100, 18).backend());
}

#[test]
fn ring_buffer_shows_positions_not_an_error() {
    let app = select(RING);
    let terminal = render(&app, 100, 16);
    assert!(!text(terminal.backend().buffer()).contains("cannot be listed"));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn cgroup_storage_names_each_entry_by_cgroup_path() {
    let mut app = typed::cgroup_app();
    app.update(Action::Open);
    let terminal = render(&app, 100, 10);
    assert!(text(terminal.backend().buffer()).contains("/system.slice/nginx.service"));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn ring_records_are_decoded_as_the_record_type() {
    let mut app = typed::typed_ring_app();
    press(&mut app, &[Action::Down; RING]);
    app.update(Action::Open);
    let terminal = render(&app, 100, 18);
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("pid: 4242"), "{screen}");
    assert!(screen.contains("(+8 bytes more)"), "{screen}");
    assert!(
        screen.contains("6 bytes, shorter than struct exec_event"),
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn bloom_filter_says_why_it_has_no_rows_and_offers_l_and_i() {
    let mut app = select(BLOOM);
    insta::assert_snapshot!(render(&app, 100, 16).backend());
    app.update(Action::Insert);
    for c in "42".chars() {
        app.update(Action::Type(c));
    }
    assert_eq!(
        app.update(Action::Submit),
        Some(Effect::Probe {
            map: BLOOM,
            probe: crate::app::Probe::BloomAdd(42u32.to_le_bytes().to_vec())
        })
    );
}

#[test]
fn slash_in_the_map_list_filters_maps_by_name_and_type() {
    let mut app = typed::typed_app();
    press(&mut app, &[Action::StartFilter]);
    for c in "ring".chars() {
        app.update(Action::FilterChar(c));
    }
    assert_eq!(app.shown_maps(), [RING], "by type: ringbuf");
    assert_eq!(app.selected_map, RING);
    app.update(Action::FilterApply);
    insta::assert_snapshot!(render(&app, 100, 12).backend());
    app.update(Action::StartFilter);
    app.update(Action::FilterClear);
    assert_eq!(app.shown_maps().len(), 6);
}

#[test]
fn adding_to_a_foreign_bloom_filter_asks_first() {
    let mut app = select(BLOOM);
    app.ownership = crate::app::Ownership::Writable;
    app.update(Action::Insert);
    app.update(Action::Type('7'));
    assert_eq!(app.update(Action::Submit), None, "the first Enter asks");
    let Some(crate::app::Popup::Probe(probe)) = &app.popup else {
        panic!("the popup stays open");
    };
    assert!(probe.error.as_ref().unwrap().contains("cannot be removed"));
    assert!(text(render(&app, 100, 16).backend().buffer()).contains("owns this filter"));
    assert!(matches!(
        app.update(Action::Submit),
        Some(Effect::Probe { map: BLOOM, .. })
    ));
    // Read-only (no --write): refused at once.
    let mut app = select(BLOOM);
    app.ownership = crate::app::Ownership::ReadOnly;
    app.update(Action::Insert);
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.status.as_ref().unwrap().text.contains("--write"));
}
