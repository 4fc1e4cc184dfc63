//! Screens drawn from hand-built apps, checked as insta text snapshots (styles are checked
//! by hand where they carry meaning: changed rows, errors).
use ratatui::{Terminal, backend::TestBackend, buffer::Buffer, layout::Rect, style::Color};

use super::{draw, page_rows};
use crate::app::{Action, App, Mode};
use crate::test_fixtures;

mod decode;
mod edit;
mod replay;
mod time;
mod typed;

#[test]
fn a_c_struct_key_reads_field_by_field() {
    // Nested struct, enum by name (9 is no variant), char array as text, padding hidden.
    let mut app = test_fixtures::foreign_struct_app();
    app.update(Action::Open);
    insta::assert_snapshot!(render(&app, 150, 12).backend());
}

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    terminal
}

fn press(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.update(*action);
    }
}

fn text(buffer: &Buffer) -> String {
    buffer.content.iter().map(|c| c.symbol()).collect()
}

/// The first cell of the first line holding `needle`.
fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let width = buffer.area.width;
    (0..buffer.area.height).find_map(|y| {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        line.find(needle)
            .map(|byte| (line[..byte].chars().count() as u16, y))
    })
}

#[test]
fn main_view() {
    let app = test_fixtures::app();
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn percpu_map_with_entries_focused() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::Down, Action::NextPane, Action::Down]);
    assert_eq!(app.selected_map, test_fixtures::PERCPU);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn queue_view() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::Down, Action::Down]);
    assert_eq!(app.selected_map, test_fixtures::QUEUE);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn array_view() {
    let mut app = test_fixtures::app();
    press(
        &mut app,
        &[Action::Down, Action::Down, Action::Down, Action::Open],
    );
    assert_eq!(app.selected_map, test_fixtures::ARRAY);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn help_overlay() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::ToggleHelp]);
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn filter_mode() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::NextPane, Action::StartFilter]);
    press(
        &mut app,
        &"usr/".chars().map(Action::FilterChar).collect::<Vec<_>>(),
    );
    assert_eq!(app.mode, Mode::Filter);
    let mut terminal = render(&app, 100, 30);
    // The terminal cursor sits after the typed text on the status line.
    let (x, y) = find(terminal.backend().buffer(), "filter /usr/").unwrap();
    terminal.backend_mut().assert_cursor_position((x + 12, y));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn filter_without_match_says_so() {
    let mut app = test_fixtures::app();
    press(
        &mut app,
        &[
            Action::Open,
            Action::StartFilter,
            Action::FilterChar('z'),
            Action::FilterApply,
        ],
    );
    let terminal = render(&app, 100, 30);
    assert!(text(terminal.backend().buffer()).contains("no entry matches /z"));
}

#[test]
fn tiny_terminal() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::Down, Action::TogglePause]);
    insta::assert_snapshot!(render(&app, 40, 10).backend());
}

#[test]
fn long_map_scrolls_with_the_selection() {
    let mut app = test_fixtures::long_app(500);
    app.page_rows = 5;
    press(&mut app, &[Action::Open, Action::End, Action::Up]);
    insta::assert_snapshot!(render(&app, 70, 14).backend());
}

#[test]
fn percpu_structs_list_each_cpu_and_the_sum() {
    let app = test_fixtures::percpu_struct_app();
    insta::assert_snapshot!(render(&app, 80, 20).backend());
}

#[test]
fn every_size_draws() {
    let mut apps = vec![
        test_fixtures::app(),
        test_fixtures::long_app(50),
        test_fixtures::percpu_struct_app(),
    ];
    let mut percpu = test_fixtures::app();
    press(
        &mut percpu,
        &[Action::Down, Action::NextPane, Action::ToggleHex],
    );
    apps.push(percpu);
    let mut help = test_fixtures::app();
    press(&mut help, &[Action::ToggleHelp]);
    apps.push(help);
    let mut filter = test_fixtures::app();
    press(&mut filter, &[Action::StartFilter, Action::FilterChar('1')]);
    apps.push(filter);
    apps.extend(edit::every_popup_and_pane());
    for app in &apps {
        for width in 1..=60 {
            for height in 1..=20 {
                render(app, width, height);
            }
        }
    }
    // No terminal at all, and no maps at all.
    render(&test_fixtures::app(), 0, 0);
    render(
        &App::new(Vec::new(), Vec::new(), std::time::Duration::from_secs(1)),
        30,
        8,
    );
}

#[test]
fn changed_rows_and_errors_are_colored() {
    let mut app = test_fixtures::app();
    app.set_status("cannot read map sock_map", true);
    let terminal = render(&app, 100, 30);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(buffer, "/bin/true").unwrap();
    assert_eq!(
        buffer[(x, y)].fg,
        Color::Yellow,
        "a changed entry is highlighted"
    );
    let (x, y) = find(buffer, "count: 41").unwrap();
    assert_eq!(buffer[(x, y)].fg, Color::Reset, "an unchanged entry is not");
    let (x, y) = find(buffer, "cannot read map").unwrap();
    assert_eq!(buffer[(x, y)].fg, Color::Red);
}

#[test]
fn hex_renders_numbers_in_hex() {
    let mut app = test_fixtures::app();
    press(&mut app, &[Action::ToggleHex]);
    let screen = text(render(&app, 100, 30).backend().buffer());
    assert!(screen.contains("count: 0x29"), "{screen}");
    assert!(screen.contains("· hex"));
}

#[test]
fn page_rows_match_the_table() {
    let app = test_fixtures::app();
    // 30 lines: header, status and footer leave 27; borders 25; the column header 24.
    assert_eq!(page_rows(Rect::new(0, 0, 100, 30), &app), 24);
    assert_eq!(page_rows(Rect::new(0, 0, 1, 1), &app), 0);
}

#[test]
fn a_big_map_says_filtering_until_its_rows_follow_the_filter() {
    use crate::app::{Ordered, Refresh, SYNC_ROWS, rows};
    let mut app = test_fixtures::long_app(SYNC_ROWS as u32 + 1);
    press(&mut app, &[Action::Open, Action::StartFilter]);
    press(
        &mut app,
        &[Action::FilterChar('7'), Action::FilterChar('7')],
    );
    // The rows are still those of no filter: the caption must not count them as matches.
    let screen = text(render(&app, 100, 20).backend().buffer());
    assert!(screen.contains("/77: filtering…"), "{screen}");
    // The collector's rows under the new filter arrive.
    let view = &app.maps[0];
    let snap = view.snapshot.clone().unwrap();
    let ordered = Ordered {
        rules: app.rules.clone(),
        rows: rows::build(&view.desc, &snap, &app.rules),
    };
    let matches = ordered.rows.len();
    app.apply(crate::app::FromCollector::Refresh(Refresh {
        map: 0,
        result: Ok((snap, Default::default())),
        rows: Some(ordered),
    }));
    let screen = text(render(&app, 100, 20).backend().buffer());
    assert!(
        screen.contains(&format!("/77: {matches} match")),
        "{screen}"
    );
    assert!(!screen.contains("filtering…"), "{screen}");
}

#[test]
fn the_header_counts_attached_programs_only_of_our_own_object() {
    use crate::{app::Ownership, loader::ProgramStatus};
    let mut app = test_fixtures::app();
    let program = |attached| ProgramStatus {
        name: "p".into(),
        attachment: "tracepoint".into(),
        attached,
    };
    app.programs = vec![program(true), program(false)];
    let header = |app: &App| text(render(app, 100, 20).backend().buffer());
    assert!(header(&app).contains("1/2 programs attached"));
    // Another tool's programs: whether they are attached is not ours to say.
    app.ownership = Ownership::ReadOnly;
    let screen = header(&app);
    assert!(screen.contains("2 programs of other tools"), "{screen}");
    assert!(!screen.contains("attached"), "{screen}");
}

#[test]
fn the_header_says_when_a_big_map_stretches_the_interval() {
    use crate::app::{FromCollector, Pace};
    use std::time::Duration;
    let mut app = test_fixtures::app();
    let header = |app: &App| text(render(app, 100, 20).backend().buffer());
    assert_eq!(app.interval, Duration::from_secs(1));
    let asked = "every 1 s ";
    assert!(header(&app).contains(asked), "{}", header(&app));
    let stretched = |secs, entries| {
        FromCollector::Pace(Some(Pace {
            interval: Duration::from_secs(secs),
            entries,
        }))
    };
    app.apply(stretched(2, 1_000_000));
    assert!(
        header(&app).contains("every 2 s (1M entries)"),
        "{}",
        header(&app)
    );
    // Another big map selected: its own size, not the last one's.
    app.apply(stretched(2, 600_000));
    assert!(
        header(&app).contains("every 2 s (600k entries)"),
        "{}",
        header(&app)
    );
    app.apply(FromCollector::Pace(None));
    let screen = header(&app);
    assert!(
        screen.contains(asked) && !screen.contains("entries)"),
        "{screen}"
    );
}
