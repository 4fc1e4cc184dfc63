//! Editing from the keyboard: the insert prompt's bytes, refused input, confirms, lookups
//! and the queue keys, down to the exact Effect (or none).
use super::{press, selected_key, typing};
use crate::{
    app::{Action, App, Effect, Mode, Outcome, Pane, Popup, prompt::Part},
    maps::ops::{OpError, OpResult, Operation},
    sys::{BPF_ANY, BPF_EXIST},
    test_fixtures::{self, exec_value, u32_key},
};

fn prompt(app: &App) -> &crate::app::prompt::Prompt {
    match &app.popup {
        Some(Popup::Prompt(prompt)) => prompt,
        other => panic!("a prompt expected, got {other:?}"),
    }
}

fn errors(app: &App) -> Vec<Option<String>> {
    prompt(app).fields.iter().map(|f| f.error.clone()).collect()
}

/// key, Tab, count, Tab, uid, Tab, filename: the fields of exec_counts in order.
fn fill(fields: &[&str]) -> Vec<Action> {
    let mut actions = Vec::new();
    for (i, text) in fields.iter().enumerate() {
        if i > 0 {
            actions.push(Action::NextField);
        }
        actions.extend(typing(text));
    }
    actions
}

#[test]
fn typing_a_key_and_a_struct_value_sends_its_exact_bytes() {
    let mut app = test_fixtures::app();
    assert!(press(&mut app, [Action::Insert]).is_empty());
    assert_eq!(app.mode, Mode::Prompt);
    let labels: Vec<&str> = prompt(&app).fields.iter().map(|f| f.label()).collect();
    assert_eq!(
        labels,
        ["key", "count", "uid", "filename"],
        "padding is no field"
    );
    assert!(
        prompt(&app).fields.iter().all(|f| f.input.is_empty()),
        "with the map list focused the prompt starts empty"
    );
    press(&mut app, fill(&["5", "0x10", "1000", "/bin/ls"]));
    press(&mut app, [Action::CycleFlags, Action::CycleFlags]);
    let effects = press(&mut app, [Action::Submit]);
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::HASH,
            op: Operation::Update {
                key: u32_key(5),
                value: exec_value(16, 1000, "/bin/ls"),
                flags: BPF_EXIST,
            },
        }]
    );
    assert_eq!((app.mode, app.popup.is_none()), (Mode::Normal, true));
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("insert exec_counts")
    );
}

#[test]
fn i_on_a_row_edits_it_and_enter_walks_the_fields_to_submit() {
    let mut app = test_fixtures::app();
    press(&mut app, [Action::Open, Action::Down, Action::Insert]);
    let p = prompt(&app);
    assert_eq!(p.title, "edit key 2 of exec_counts");
    let inputs: Vec<&str> = p.fields.iter().map(|f| f.input.as_str()).collect();
    assert_eq!(inputs, ["2", "3", "1000", "\"/bin/true\""]);
    // Enter moves on three times, then submits what was there.
    let effects = press(&mut app, [Action::Submit; 4]);
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::HASH,
            op: Operation::Update {
                key: u32_key(2),
                value: exec_value(3, 1000, "/bin/true"),
                flags: BPF_ANY,
            },
        }]
    );
}

#[test]
fn a_percpu_value_goes_to_every_cpu_or_one_per_cpu_at_its_stride() {
    let mut app = test_fixtures::experiment_app();
    app.selected_map = test_fixtures::EXP_LRU_PERCPU;
    press(&mut app, [Action::Insert]);
    assert_eq!(
        prompt(&app).per_cpu,
        Some(false),
        "one value for all by default"
    );
    press(&mut app, fill(&["7", "0x10"]));
    let effects = press(&mut app, [Action::SubmitAll]);
    // u32 values padded to 8 bytes per CPU, 2 CPUs.
    let value = [[0x10, 0, 0, 0, 0, 0, 0, 0], [0x10, 0, 0, 0, 0, 0, 0, 0]].concat();
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::EXP_LRU_PERCPU,
            op: Operation::Update {
                key: u32_key(7),
                value,
                flags: BPF_ANY,
            },
        }]
    );

    press(&mut app, [Action::Insert, Action::TogglePerCpu]);
    let parts: Vec<Part> = prompt(&app).fields.iter().map(|f| f.part).collect();
    assert_eq!(
        parts,
        [
            Part::Key,
            Part::Value { cpu: Some(0) },
            Part::Value { cpu: Some(1) }
        ]
    );
    press(&mut app, fill(&["7", "1", "4294967295"]));
    let effects = press(&mut app, [Action::Submit]);
    let value = [
        [1, 0, 0, 0, 0, 0, 0, 0],
        [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
    ]
    .concat();
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::EXP_LRU_PERCPU,
            op: Operation::Update {
                key: u32_key(7),
                value,
                flags: BPF_ANY,
            },
        }]
    );
}

#[test]
fn a_percpu_entry_whose_cpus_differ_opens_with_a_value_per_cpu() {
    let mut app = test_fixtures::experiment_app();
    app.selected_map = test_fixtures::EXP_LRU_PERCPU;
    press(&mut app, [Action::Open, Action::Insert]);
    let p = prompt(&app);
    assert_eq!(p.per_cpu, Some(true));
    let inputs: Vec<&str> = p.fields.iter().map(|f| f.input.as_str()).collect();
    assert_eq!(inputs, ["5", "55", "5"]);
    // Back to one value: CPU 0's input is kept for all.
    press(&mut app, [Action::TogglePerCpu]);
    let inputs: Vec<&str> = prompt(&app)
        .fields
        .iter()
        .map(|f| f.input.as_str())
        .collect();
    assert_eq!(inputs, ["5", "55"]);
}

#[test]
fn bad_fields_show_their_error_and_nothing_is_sent() {
    let mut app = test_fixtures::u8_key_app();
    press(&mut app, [Action::Insert]);
    press(&mut app, fill(&["300", "abc", "far too long"]));
    assert_eq!(
        errors(&app)[..2],
        [
            Some("300 does not fit in u8 (0..=255)".into()),
            Some("not a number: \"abc\"".into()),
        ],
        "checked on leaving each field"
    );
    // Enter on the last field submits, ^S anywhere: neither sends anything.
    assert!(press(&mut app, [Action::Submit]).is_empty());
    assert!(press(&mut app, [Action::SubmitAll]).is_empty());
    assert_eq!(app.mode, Mode::Prompt, "the prompt stays open");
    assert_eq!(
        errors(&app)[2].as_deref(),
        Some("text is 12 bytes, field holds at most 7 plus the NUL")
    );
    assert_eq!(prompt(&app).focus, 0, "the first bad field gets the focus");
    // Fixing them sends the bytes: key 255, pid 7, "sh" NUL-padded.
    press(&mut app, [Action::ClearField]);
    press(&mut app, typing("0xff"));
    press(&mut app, [Action::NextField, Action::ClearField]);
    press(&mut app, typing("7"));
    press(&mut app, [Action::NextField, Action::ClearField]);
    press(&mut app, typing("sh"));
    let effects = press(&mut app, [Action::Submit]);
    let value = [7, 0, 0, 0, b's', b'h', 0, 0, 0, 0, 0, 0].to_vec();
    assert_eq!(
        effects,
        [Effect::Run {
            map: 0,
            op: Operation::Update {
                key: vec![0xff],
                value,
                flags: BPF_ANY,
            },
        }]
    );
}

#[test]
fn esc_closes_a_prompt_and_sends_nothing() {
    let mut app = test_fixtures::app();
    let mut actions = vec![Action::Insert];
    actions.extend(typing("5"));
    actions.push(Action::Cancel);
    assert!(press(&mut app, actions).is_empty());
    assert_eq!((app.mode, app.popup.is_none()), (Mode::Normal, true));
    assert!(!app.should_quit, "Esc in a prompt does not quit");
}

#[test]
fn d_on_an_array_is_refused_with_the_reason() {
    let mut app = test_fixtures::app();
    app.selected_map = test_fixtures::ARRAY;
    assert!(press(&mut app, [Action::Open, Action::Delete]).is_empty());
    assert_eq!((app.mode, app.popup.is_none()), (Mode::Normal, true));
    let status = app.status.clone().unwrap();
    assert!(status.is_error);
    assert_eq!(
        status.text,
        "array slots cannot be deleted; set the value to zero instead"
    );
}

#[test]
fn d_asks_first_then_deletes_the_selected_key() {
    let mut app = test_fixtures::app();
    press(&mut app, [Action::Open, Action::Down, Action::Down]);
    assert_eq!(selected_key(&app), 7);
    assert!(press(&mut app, [Action::Delete]).is_empty());
    assert_eq!(app.mode, Mode::Confirm);
    let Some(Popup::Confirm(confirm)) = &app.popup else {
        panic!("a confirm expected")
    };
    assert_eq!(confirm.question, "delete key 7 from exec_counts?");
    assert!(confirm.detail.contains("/usr/bin/cargo"));
    assert!(press(&mut app, [Action::Cancel]).is_empty(), "n keeps it");
    let effects = press(&mut app, [Action::Delete, Action::Submit]);
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::HASH,
            op: Operation::Delete { key: u32_key(7) },
        }]
    );
}

#[test]
fn x_takes_the_selected_entry_after_a_confirm_but_not_from_an_array() {
    let mut app = test_fixtures::app();
    let effects = press(&mut app, [Action::Open, Action::Take, Action::Submit]);
    assert_eq!(
        effects,
        [Effect::Run {
            map: test_fixtures::HASH,
            op: Operation::LookupAndDelete { key: u32_key(1) },
        }]
    );
    app.apply(crate::app::FromCollector::Outcome(Outcome {
        map: test_fixtures::HASH,
        op: Operation::LookupAndDelete { key: u32_key(1) },
        result: Ok(OpResult::Value(exec_value(12, 0, "/usr/bin/bash"))),
    }));
    let status = &app.status.as_ref().unwrap().text;
    assert!(status.starts_with("took key 1 from exec_counts: its value was {count: 12"));

    // An LRU hash takes it too (kernel 5.14+), after the same confirm.
    app.selected_map = test_fixtures::LRU;
    assert!(press(&mut app, [Action::Take]).is_empty());
    assert_eq!(app.mode, Mode::Confirm);
    press(&mut app, [Action::Cancel]);

    app.selected_map = test_fixtures::ARRAY;
    assert!(press(&mut app, [Action::Take]).is_empty());
    let status = app.status.clone().unwrap();
    assert!(
        status.is_error && status.text.contains("array slots cannot be deleted"),
        "{status:?}"
    );
}

#[test]
fn a_lookup_shows_the_value_and_selects_the_row_it_found() {
    let mut app = test_fixtures::app();
    press(&mut app, [Action::Lookup]);
    assert_eq!(prompt(&app).fields.len(), 1, "a key-only prompt");
    assert!(prompt(&app).flag_choices().is_empty());
    let mut actions = typing("42");
    actions.push(Action::Submit);
    let op = Operation::Lookup { key: u32_key(42) };
    assert_eq!(
        press(&mut app, actions),
        [Effect::Run {
            map: test_fixtures::HASH,
            op: op.clone(),
        }]
    );
    app.apply_outcome(Outcome {
        map: test_fixtures::HASH,
        op: op.clone(),
        result: Ok(OpResult::Value(exec_value(1, 65534, "/sbin/init"))),
    });
    assert_eq!(selected_key(&app), 42);
    let view = app.selected().unwrap();
    assert_eq!(view.highlight.as_deref(), Some(u32_key(42).as_slice()));
    let status = app.status.clone().unwrap();
    assert_eq!(
        status.text,
        "found: key 42 → {count: 1, uid: 65534, filename: \"/sbin/init\"}"
    );
    // Moving on clears the highlight.
    app.focus = Pane::Entries;
    app.update(Action::Up);
    assert!(app.selected().unwrap().highlight.is_none());

    app.apply_outcome(Outcome {
        map: test_fixtures::HASH,
        op: Operation::Lookup { key: u32_key(9) },
        result: Err(OpError::Kernel {
            what: "lookup exec_counts: ENOENT not found: no such key".into(),
            errno: libc::ENOENT,
        }),
    });
    assert_eq!(
        app.status.clone().unwrap().text,
        "not found: exec_counts has no key 9"
    );
}

#[test]
fn kernel_errors_show_in_red() {
    let mut app = test_fixtures::app();
    let what = "insert exec_counts: E2BIG map is full (max_entries 1024)";
    app.apply_outcome(Outcome {
        map: test_fixtures::HASH,
        op: Operation::Delete { key: u32_key(1) },
        result: Err(OpError::Kernel {
            what: what.into(),
            errno: libc::E2BIG,
        }),
    });
    let status = app.status.clone().unwrap();
    assert_eq!((status.text.as_str(), status.is_error), (what, true));
}

#[test]
fn a_queue_pushes_pops_and_peeks() {
    let mut app = test_fixtures::app();
    app.selected_map = test_fixtures::QUEUE;
    press(&mut app, [Action::Insert]);
    assert_eq!(prompt(&app).fields.len(), 1, "a value-only prompt");
    let mut actions = typing("99");
    actions.push(Action::CycleFlags);
    actions.push(Action::Submit);
    assert_eq!(
        press(&mut app, actions),
        [Effect::Run {
            map: test_fixtures::QUEUE,
            op: Operation::Push {
                value: 99u64.to_le_bytes().to_vec(),
                flags: BPF_EXIST,
            },
        }]
    );
    assert_eq!(
        press(&mut app, [Action::Take, Action::Lookup]),
        [
            Effect::Run {
                map: test_fixtures::QUEUE,
                op: Operation::Pop,
            },
            Effect::Run {
                map: test_fixtures::QUEUE,
                op: Operation::Peek,
            },
        ]
    );
    app.apply_outcome(Outcome {
        map: test_fixtures::QUEUE,
        op: Operation::Pop,
        result: Ok(OpResult::Value(4096u64.to_le_bytes().to_vec())),
    });
    assert_eq!(app.status.clone().unwrap().text, "popped from jobs: 4096");
    assert!(press(&mut app, [Action::Delete]).is_empty());
    assert!(app.status.clone().unwrap().text.contains("has no keys"));
}
