//! Screens of decoded values: a union shown member by member (its anonymous union's
//! members beside the struct's own), char text up to the NUL with hex mode showing every
//! byte, and a `.data` map of global variables.
use super::render;
use crate::{
    app::{Action, Mode},
    test_fixtures::decode,
};

#[test]
fn a_union_value_reads_member_by_member() {
    let mut app = decode::union_app();
    app.update(Action::Open);
    insta::assert_snapshot!(render(&app, 200, 10).backend());
    // Hex mode: numbers in hex, the char array's every byte (what follows its NUL too).
    app.update(Action::ToggleHex);
    insta::assert_snapshot!("a_union_value_in_hex", render(&app, 200, 10).backend());
}

#[test]
fn a_globals_map_shows_each_variable_and_edits_them_one_by_one() {
    let mut app = decode::globals_app();
    app.update(Action::Open);
    insta::assert_snapshot!(render(&app, 110, 10).backend());
    app.update(Action::Insert);
    assert_eq!(app.mode, Mode::Prompt);
    insta::assert_snapshot!("globals_edit_prompt", render(&app, 110, 16).backend());
}
