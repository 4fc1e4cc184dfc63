//! Maps other programs own: read-only without --write, and every change asks first with it.
use super::{press, typing};
use crate::{
    app::{Action, Effect, Mode, Ownership, Popup},
    maps::ops::Operation,
    test_fixtures,
};

#[test]
fn read_only_maps_refuse_edits_before_any_prompt_opens() {
    let mut app = test_fixtures::app();
    app.ownership = Ownership::ReadOnly;
    for key in [Action::Insert, Action::Delete, Action::Flood] {
        assert!(press(&mut app, [key]).is_empty(), "{key:?} sent something");
        assert_eq!(app.mode, Mode::Normal, "{key:?} opened a popup");
        let status = app.status.clone().unwrap();
        assert!(
            status.is_error && status.text.contains("--write"),
            "{status:?}"
        );
    }
    // Looking is still allowed.
    press(&mut app, [Action::Lookup]);
    assert_eq!(app.mode, Mode::Prompt);
}

#[test]
fn with_write_a_change_waits_for_a_yes() {
    let mut app = test_fixtures::app();
    app.ownership = Ownership::Writable;
    press(&mut app, [Action::Insert]);
    let mut keys = typing("5");
    for field in ["1", "2", "x"] {
        keys.push(Action::NextField);
        keys.extend(typing(field));
    }
    keys.push(Action::SubmitAll);
    assert!(
        press(&mut app, keys).is_empty(),
        "nothing sent before the yes"
    );
    match &app.popup {
        Some(Popup::Confirm(confirm)) => {
            assert!(
                confirm.question.contains("another program owns"),
                "{confirm:?}"
            );
            assert!(matches!(confirm.op, Operation::Update { .. }));
        }
        other => panic!("a confirm expected, got {other:?}"),
    }
    let effects = press(&mut app, [Action::Submit]);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Run {
                op: Operation::Update { .. },
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_delete_that_was_confirmed_is_not_asked_twice() {
    let mut app = test_fixtures::app();
    app.ownership = Ownership::Writable;
    press(&mut app, [Action::Open, Action::Delete]);
    assert_eq!(app.mode, Mode::Confirm);
    let effects = press(&mut app, [Action::Submit]);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Run {
                op: Operation::Delete { .. },
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_frozen_map_refuses_changes_before_any_prompt_even_our_own() {
    let mut app = test_fixtures::app();
    app.maps[0].desc.frozen = true;
    press(&mut app, [Action::Open]);
    for key in [Action::Insert, Action::Delete] {
        assert!(press(&mut app, [key]).is_empty(), "{key:?} sent something");
        assert_eq!(app.mode, Mode::Normal, "{key:?} opened a popup");
        let status = app.status.clone().unwrap();
        assert!(
            status.is_error && status.text.contains("is frozen"),
            "{status:?}"
        );
    }
    press(&mut app, [Action::Lookup]);
    assert_eq!(app.mode, Mode::Prompt, "looking is still allowed");
    // Another tool's frozen map: frozen is the reason, since --write would not help.
    press(&mut app, [Action::Cancel]);
    app.ownership = Ownership::ReadOnly;
    press(&mut app, [Action::Insert]);
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("is frozen"), "{status:?}");
}
