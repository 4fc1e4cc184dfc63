//! Editing decoded shapes: a union offers every member and writes the one the user
//! changed; a globals map prompts per variable.
use super::{press, typing};
use crate::{
    app::{Action, Effect, Popup, prompt::Prompt},
    maps::ops::Operation,
    test_fixtures::{
        decode::{globals_app, record_value, union_app},
        u32_key,
    },
};

fn prompt(app: &crate::app::App) -> &Prompt {
    match &app.popup {
        Some(Popup::Prompt(prompt)) => prompt,
        other => panic!("a prompt expected, got {other:?}"),
    }
}

/// Moves to the field labelled `label` and replaces its input with `text`.
fn set(app: &mut crate::app::App, label: &str, text: &str) {
    let at = prompt(app)
        .fields
        .iter()
        .position(|f| f.label() == label)
        .unwrap();
    while prompt(app).focus != at {
        app.update(Action::NextField);
    }
    press(app, [Action::ClearField]);
    press(app, typing(text));
}

fn prompt_errors(app: &crate::app::App) -> Vec<(String, String)> {
    match &app.popup {
        Some(Popup::Prompt(prompt)) => prompt
            .fields
            .iter()
            .filter_map(|f| Some((f.label().to_string(), f.error.clone()?)))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn a_union_offers_every_member_and_writes_the_changed_one() {
    let mut app = union_app();
    // The entry with key 7, prefilled.
    press(&mut app, [Action::Open, Action::Insert]);
    let labels: Vec<&str> = prompt(&app).fields.iter().map(|f| f.label()).collect();
    assert_eq!(
        labels,
        [
            "key",
            "id",
            "n.big",
            "n.small[0]",
            "n.small[1]",
            "n.small[2]",
            "n.small[3]",
            "ip4",
            "ip6",
            "label"
        ]
    );
    // n.small[3] changed: written after n.big, so it wins; the other bytes stay.
    set(&mut app, "n.small[3]", "9");
    set(&mut app, "ip6", "c0 a8 00 01");
    let effects = press(&mut app, [Action::SubmitAll]);
    let errors: Vec<_> = prompt_errors(&app);
    assert!(errors.is_empty(), "{errors:?}");
    let expected = record_value(7, 0x0009_0003_0002_0001, [192, 168, 0, 1], b"cookie");
    assert!(
        matches!(&effects[..], [Effect::Run { op: Operation::Update { key, value, .. }, .. }]
            if *key == u32_key(7) && *value == expected),
        "{effects:?}"
    );

    // Two members of one union changed: refused, naming both, nothing sent.
    press(&mut app, [Action::Insert]);
    set(&mut app, "n.big", "1");
    set(&mut app, "n.small[0]", "2");
    assert!(press(&mut app, [Action::SubmitAll]).is_empty());
    let error = prompt(&app).fields.iter().find_map(|f| f.error.clone());
    assert_eq!(
        error.as_deref(),
        Some("n: change one member of the union only (big and small were both changed)")
    );
}

#[test]
fn a_globals_map_prompts_per_variable() {
    let mut app = globals_app();
    press(&mut app, [Action::Open, Action::Insert]);
    let fields: Vec<(&str, &str)> = prompt(&app)
        .fields
        .iter()
        .map(|f| (f.label(), f.input.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("key", "0"),
            ("level", "-3"),
            ("greeting", "\"hi\""),
            ("counter", "42")
        ]
    );
    set(&mut app, "counter", "43");
    let effects = press(&mut app, [Action::SubmitAll]);
    let Some(Effect::Run {
        op: Operation::Update { value, .. },
        ..
    }) = effects.first()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(value[16..24], 43u64.to_le_bytes());
    assert_eq!(
        &value[..12],
        &[(-3i32).to_le_bytes().as_slice(), b"hi\0\0\0\0\0\0"].concat()[..]
    );
}
