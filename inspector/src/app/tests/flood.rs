//! The flood popup's defaults and keys, and what a flood's outcome leaves in the App.
use super::{press, typing};
use crate::{
    app::{Action, App, Effect, Mode, Outcome, Popup, flood::FloodSetup},
    maps::ops::{FloodFrom, FloodRequest, OpResult, Operation},
    test_fixtures,
};

fn setup(app: &App) -> &FloodSetup {
    match &app.popup {
        Some(Popup::Flood(setup)) => setup,
        other => panic!("the flood popup expected, got {other:?}"),
    }
}

#[test]
fn the_popup_floods_one_more_key_than_fits_from_the_kernel_on_cpu_0() {
    let mut app = test_fixtures::experiment_app();
    app.selected_map = test_fixtures::EXP_LRU;
    assert!(press(&mut app, [Action::Flood]).is_empty());
    assert_eq!(app.mode, Mode::Flood);
    let s = setup(&app);
    assert_eq!((s.count, s.from, s.cpu), (1004, FloodFrom::Kernel, 0));
    // Two possible CPUs: c goes 0, 1, 0.
    press(&mut app, [Action::FloodCpu]);
    assert_eq!(setup(&app).cpu, 1);
    press(&mut app, [Action::FloodCpu]);
    assert_eq!(setup(&app).cpu, 0);
    press(&mut app, [Action::FloodMode]);
    assert_eq!(setup(&app).from, FloodFrom::User);
    press(&mut app, [Action::FloodMode, Action::FloodCpu]);
    let effects = press(&mut app, [Action::Submit]);
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::EXP_LRU,
            op: Operation::Flood(FloodRequest {
                count: 1004,
                cpu: Some(1),
                from: FloodFrom::Kernel,
            }),
        }]
    );
    assert_eq!(app.mode, Mode::Normal);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .starts_with("flooding EXP_LRU…")
    );
}

#[test]
fn other_maps_flood_from_userspace_only_and_queues_not_at_all() {
    let mut app = test_fixtures::app();
    press(&mut app, [Action::Flood]);
    let s = setup(&app);
    assert_eq!(
        (s.count, s.from, s.kernel_allowed),
        (1025, FloodFrom::User, false)
    );
    press(&mut app, [Action::FloodMode]);
    assert_eq!(
        setup(&app).from,
        FloodFrom::User,
        "m cannot pick the kernel"
    );
    assert!(setup(&app).error.as_ref().unwrap().contains("EXP_HASH"));
    assert!(press(&mut app, [Action::Cancel]).is_empty());

    app.selected_map = test_fixtures::QUEUE;
    assert!(press(&mut app, [Action::Flood]).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    let status = app.status.clone().unwrap();
    assert!(status.is_error && status.text.contains("a queue or stack has no keys"));
}

#[test]
fn an_experiment_name_alone_does_not_offer_the_kernel_flood() {
    // EXP_HASH opened with --system --write or from another object: same name, but the
    // loader did not give it a flood target, so the popup never offers the kernel.
    let mut app = test_fixtures::experiment_app();
    app.selected_map = test_fixtures::EXP_HASH;
    app.maps[test_fixtures::EXP_HASH].desc.kernel_flood = None;
    press(&mut app, [Action::Flood]);
    assert_eq!(
        (setup(&app).from, setup(&app).kernel_allowed),
        (FloodFrom::User, false)
    );
    press(&mut app, [Action::FloodMode]);
    assert_eq!(setup(&app).from, FloodFrom::User);
    let error = setup(&app).error.clone().unwrap();
    assert!(error.contains("flood EXP_HASH from userspace"), "{error}");
}

#[test]
fn capital_f_types_the_count_and_refuses_what_is_no_count() {
    let mut app = test_fixtures::experiment_app();
    press(&mut app, [Action::FloodCount]);
    assert_eq!(app.mode, Mode::FloodCount);
    press(&mut app, typing("0"));
    press(&mut app, [Action::Submit]);
    assert_eq!(app.mode, Mode::FloodCount, "0 is refused");
    assert_eq!(
        setup(&app).error.as_deref(),
        Some("a flood needs at least one key")
    );
    press(&mut app, [Action::Erase]);
    // Over bpf_loop's limit: refused while typing, not after the confirm.
    press(&mut app, typing("8388609"));
    press(&mut app, [Action::Submit]);
    assert_eq!(app.mode, Mode::FloodCount);
    let error = setup(&app).error.clone().unwrap();
    assert!(error.contains("at most 8388608"), "{error}");
    press(&mut app, [Action::Erase; 7]);
    press(&mut app, typing("ten"));
    assert!(press(&mut app, [Action::Submit]).is_empty());
    assert!(
        setup(&app)
            .error
            .as_ref()
            .unwrap()
            .starts_with("not a count")
    );
    press(&mut app, [Action::Erase; 3]);
    press(&mut app, typing("10"));
    assert!(
        press(&mut app, [Action::Submit]).is_empty(),
        "Enter keeps the count"
    );
    assert_eq!((app.mode, setup(&app).count), (Mode::Flood, 10));
    // n opens it again; Esc leaves it as it was.
    press(&mut app, [Action::EditCount]);
    press(&mut app, typing("99"));
    press(&mut app, [Action::Cancel]);
    assert_eq!((app.mode, setup(&app).count), (Mode::Flood, 10));
    let effects = press(&mut app, [Action::Submit]);
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::EXP_HASH,
            op: Operation::Flood(FloodRequest {
                count: 10,
                cpu: Some(0),
                from: FloodFrom::Kernel,
            }),
        }]
    );
}

#[test]
fn a_flood_result_is_kept_shown_and_closed_with_esc() {
    let mut app = test_fixtures::experiment_app();
    let report = test_fixtures::hash_flood_report();
    app.apply_outcome(Outcome {
        map: test_fixtures::EXP_HASH,
        op: Operation::Flood(FloodRequest {
            count: 1004,
            cpu: Some(0),
            from: FloodFrom::Kernel,
        }),
        result: Ok(OpResult::Flooded(report.clone())),
    });
    let view = &app.maps[test_fixtures::EXP_HASH];
    assert_eq!(view.last_flood.as_ref(), Some(&report));
    assert!(view.flood_shown);
    let status = app.status.clone().unwrap();
    assert!(!status.is_error);
    assert!(
        status
            .text
            .starts_with("flooded EXP_HASH: 1003 of 1004 inserted, 1 × E2BIG"),
        "{}",
        status.text
    );
    // Esc closes the pane first, then the message, and never quits; r brings it back.
    press(&mut app, [Action::Back]);
    assert!(!app.maps[test_fixtures::EXP_HASH].flood_shown);
    assert!(app.status.is_some(), "the message stays for a second Esc");
    press(&mut app, [Action::ToggleFloodResult]);
    assert!(app.maps[test_fixtures::EXP_HASH].flood_shown);
    press(&mut app, [Action::Back, Action::Back]);
    assert!(!app.maps[test_fixtures::EXP_HASH].flood_shown);
    assert_eq!(app.status, None, "the second Esc closed the message");
    press(&mut app, [Action::Back, Action::Back, Action::Back]);
    assert!(!app.should_quit, "Esc never quits");
    let hint = app.status.clone().unwrap();
    assert!(hint.text.contains("q quits"), "{}", hint.text);
    press(&mut app, [Action::Quit]);
    assert!(app.should_quit);
}
