//! The collector's answers to probes and to opening an inner map arrive typed; the app puts
//! them into words and acts on them.
use super::*;
use crate::{
    maps::{MapError, ops::OpError, types::lpm::Prefix},
    test_fixtures::typed::{self, BLOOM, LPM, OUTER},
};

fn status(app: &App) -> (&str, bool) {
    let status = app.status.as_ref().expect("a status line");
    (status.text.as_str(), status.is_error)
}

fn probed(app: &mut App, map: usize, result: Result<ProbeAnswer, ProbeError>) {
    app.apply(FromCollector::Probed(Probed { map, result }));
}

#[test]
fn an_lpm_match_selects_its_prefix_and_names_it() {
    let mut app = typed::typed_app();
    let sixteen = Prefix {
        len: 16,
        data: vec![10, 1, 0, 0],
    };
    let selected = |app: &App| {
        let (key, _) = app.maps[LPM].selected_entry().unwrap();
        Prefix::from_key(key).unwrap()
    };
    app.maps[LPM].select_key(&[0u32.to_ne_bytes().as_slice(), &[0; 4]].concat(), 10);
    assert_ne!(selected(&app), sixteen);
    let answer = ProbeAnswer::Matched {
        addr: vec![10, 1, 9, 9],
        prefix: Some(sixteen.clone()),
        value: 8u32.to_le_bytes().to_vec(),
    };
    probed(&mut app, LPM, Ok(answer));
    assert_eq!(status(&app), ("10.1.9.9 → 10.1.0.0/16 in routes: 8", false));
    assert_eq!(selected(&app), sixteen);
    probed(
        &mut app,
        LPM,
        Ok(ProbeAnswer::NoMatch {
            addr: vec![192, 168, 0, 1],
        }),
    );
    assert_eq!(
        status(&app),
        ("no prefix of routes holds 192.168.0.1", false)
    );
}

#[test]
fn bloom_answers_name_the_filter() {
    let mut app = typed::typed_app();
    probed(&mut app, BLOOM, Ok(ProbeAnswer::SurelyNot));
    assert_eq!(status(&app), ("seen_comms surely does not hold it", false));
    probed(&mut app, BLOOM, Ok(ProbeAnswer::Added));
    assert_eq!(status(&app), ("added to seen_comms", false));
}

#[test]
fn probe_errors_become_words_only_in_the_status_line() {
    let mut app = typed::typed_app();
    let refused = OpError::Refused("routes is not an LPM trie".into());
    let kernel = OpError::Kernel {
        what: "test seen_comms: EPERM permission denied".into(),
        errno: libc::EPERM,
    };
    for (error, words) in [
        (ProbeError::Gone, "that map is gone"),
        (ProbeError::from(refused), "routes is not an LPM trie"),
        (
            ProbeError::from(kernel),
            "test seen_comms: EPERM permission denied",
        ),
        (
            ProbeError::from(MapError::NotFound { id: 31 }),
            "no map with id 31 (it may have been deleted)",
        ),
    ] {
        probed(&mut app, LPM, Err(error));
        assert_eq!(status(&app), (words, true));
    }
}

#[test]
fn an_inner_map_that_cannot_be_opened_says_which_and_why() {
    let mut app = typed::typed_app();
    press(&mut app, vec![Action::Down; OUTER]);
    app.update(Action::Open);
    let maps = app.maps.len();
    app.apply(FromCollector::Opened(Opened {
        parent: OUTER,
        id: 78,
        result: Err(MapError::NotFound { id: 78 }),
    }));
    assert_eq!(
        status(&app),
        (
            "cannot open inner map 78: no map with id 78 (it may have been deleted)",
            true
        )
    );
    assert_eq!((app.maps.len(), app.selected_map), (maps, OUTER));
}

#[test]
fn adding_to_a_frozen_bloom_filter_is_refused_before_the_prompt_even_read_only() {
    let mut app = typed::typed_app();
    app.selected_map = BLOOM;
    app.maps[BLOOM].desc.frozen = true;
    app.ownership = Ownership::ReadOnly;
    assert!(app.start_probe(true));
    assert!(app.popup.is_none());
    let (text, is_error) = status(&app);
    assert!(
        is_error && text.starts_with("seen_comms is frozen: "),
        "{text}"
    );
    // Testing a value changes nothing: still offered.
    assert!(app.start_probe(false));
    assert!(matches!(app.popup, Some(Popup::Probe(_))));
}
