//! Replay as a test seam: a session recorded to bytes and replayed into an App draws the
//! same screens as the live App fed the same reads the way the collector feeds them (the
//! map on screen in full, counts for the others). Only the header and footer differ: they
//! name the replay and its keys.
use std::{sync::Arc, time::Instant};

use super::render;
use crate::{
    app::{Action, App, Effect, FromCollector, Ordered, Refresh, ReplayCommand, rows},
    maps::{
        MapError, Snapshot,
        types::{MapFacts, TypeInfo},
    },
    record::{player::Player, reader},
    test_fixtures::{
        recording::{self, ROUNDS},
        u32_key,
    },
    tui::{diff, replay},
};

/// The live side: an App and what the collector would hold and send.
struct Live {
    app: App,
    previous: Vec<Option<Arc<Snapshot>>>,
    now: Vec<Option<Snapshot>>,
    start: Instant,
}

impl Live {
    fn new(start: Instant, recording: &reader::Recording) -> Self {
        let app = replay::app(recording);
        let mut live = App::new(
            app.maps.iter().map(|v| v.desc.clone()).collect(),
            app.programs.clone(),
            app.interval,
        );
        live.possible_cpus = app.possible_cpus;
        live.kernel = app.kernel;
        live.ownership = app.ownership;
        Self {
            previous: vec![None; live.maps.len()],
            now: Vec::new(),
            app: live,
            start,
        }
    }

    /// The collector's read of map `index` (`Collector::read_one`).
    fn read(&mut self, index: usize) {
        let desc = self.app.maps[index].desc.clone();
        let result = match &self.now[index] {
            Some(snap) => {
                let changes = diff::compare(
                    self.previous[index].as_deref(),
                    snap,
                    &desc.value_layout,
                    desc.meta.value_size as usize,
                );
                let snap = Arc::new(snap.clone());
                self.previous[index] = Some(Arc::clone(&snap));
                Ok((snap, changes))
            }
            None => Err(MapError::Unlisted {
                name: desc.meta.name.clone(),
                kind: desc.meta.kind.label(),
                reason: desc.meta.kind.unlisted_reason().unwrap(),
            }),
        };
        let rows = result.as_ref().ok().map(|(snap, _)| Ordered {
            rules: self.app.rules.clone(),
            rows: rows::build(&desc, snap, &self.app.rules),
        });
        self.app.apply(FromCollector::Refresh(Refresh {
            map: index,
            result,
            rows,
        }));
        if TypeInfo::applies(desc.meta.kind) {
            let info = TypeInfo {
                facts: desc.meta.kind.unlisted_reason().map(MapFacts::Unlisted),
                ..TypeInfo::default()
            };
            let info = Arc::new(info);
            self.app.apply(FromCollector::Typed { map: index, info });
        }
    }

    fn round(&mut self, at: usize) {
        let descs: Vec<_> = self.app.maps.iter().map(|v| v.desc.clone()).collect();
        self.now = recording::round(&descs, at);
        for snap in self.now.iter_mut().flatten() {
            snap.taken_at = self.start + std::time::Duration::from_secs(at as u64);
        }
        self.read(self.app.selected_map);
        let counts = (0..descs.len())
            .filter(|&i| i != self.app.selected_map)
            .filter_map(|i| {
                let snap = self.now[i].as_ref()?;
                let kind = descs[i].meta.kind;
                Some((
                    i,
                    if kind.is_array() {
                        snap.nonzero_count()
                    } else {
                        snap.len()
                    },
                ))
            })
            .collect();
        self.app.apply(FromCollector::Counts(counts));
    }

    fn act(&mut self, action: Action) {
        let selected = self.app.selected_map;
        let effect = self.app.update(action);
        assert!(
            matches!(effect, None | Some(Effect::Select(_))),
            "{effect:?}"
        );
        if self.app.selected_map != selected {
            self.read(self.app.selected_map);
        }
    }
}

/// The replay side: an App fed by a player, as `tui::replay` wires them.
struct Replay {
    app: App,
    player: Player,
}

impl Replay {
    fn apply(&mut self, messages: Vec<FromCollector>) {
        for message in messages {
            self.app.apply(message);
        }
    }

    fn round(&mut self, at: usize) {
        let messages = match at {
            0 => self.player.messages(),
            _ => self.player.command(ReplayCommand::Step(1)).unwrap(),
        };
        self.apply(messages);
    }

    fn act(&mut self, action: Action) {
        let selected = self.app.selected_map;
        if let Some(effect) = self.app.update(action) {
            let messages = self.player.effect(effect);
            self.apply(messages);
        }
        if self.app.selected_map != selected {
            let messages = self.player.effect(Effect::Select(self.app.selected_map));
            self.apply(messages);
        }
    }
}

/// Both sides through the same rounds and keys: `keys[i]` are pressed after round i.
fn both(keys: &[&[Action]]) -> (Live, Replay) {
    let start = Instant::now();
    let recording = reader::parse(recording::record(3)).unwrap();
    let mut live = Live::new(start, &recording);
    let app = replay::app(&recording);
    let player = Player::new(recording, "session.rec".into(), start).unwrap();
    let mut replay = Replay { app, player };
    for at in 0..ROUNDS {
        live.round(at);
        replay.round(at);
        for &action in keys.get(at).copied().unwrap_or_default() {
            live.act(action);
            replay.act(action);
        }
    }
    (live, replay)
}

/// Renders both and checks every line is the same but the header and the footer (which
/// name the replay and its keys); the replay's screen.
fn same_screens(live: &App, replay: &App) -> String {
    let (live, replay) = (render(live, 120, 36), render(replay, 120, 36));
    let lines = |terminal: &ratatui::Terminal<ratatui::backend::TestBackend>| {
        let buffer = terminal.backend().buffer();
        (1..buffer.area.height - 1)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&live), lines(&replay));
    format!("{}", replay.backend())
}

#[test]
fn replayed_history_and_since_mark_screens_are_the_live_ones() {
    let (mut live, mut replay) = both(&[&[Action::Open, Action::Down, Action::SetMark]]);
    live.act(Action::ToggleHistory);
    replay.act(Action::ToggleHistory);
    insta::assert_snapshot!(same_screens(&live.app, &replay.app));
    for action in [Action::ToggleHistory, Action::ToggleSinceMark] {
        live.act(action);
        replay.act(action);
    }
    insta::assert_snapshot!(same_screens(&live.app, &replay.app));
}

#[test]
fn replayed_percpu_and_lru_screens_are_the_live_ones() {
    let (live, replay) = both(&[&[Action::Down, Action::Open]]);
    insta::assert_snapshot!(same_screens(&live.app, &replay.app));
    let lru = [Action::Down; 4];
    let (live, replay) = both(&[&lru, &[Action::Open]]);
    insta::assert_snapshot!(same_screens(&live.app, &replay.app));
}

#[test]
fn stepping_back_shows_the_earlier_frame() {
    let (_, mut replay) = both(&[&[Action::Open]]);
    let messages = replay.player.command(ReplayCommand::First).unwrap();
    replay.apply(messages);
    let screen = format!("{}", render(&replay.app, 120, 12).backend());
    assert!(screen.contains("frame 1/5"), "{screen}");
    assert!(screen.contains("replay session.rec"), "{screen}");
}

#[test]
fn a_replay_sent_back_starts_the_history_over() {
    let (_, mut replay) = both(&[&[Action::Open, Action::Down, Action::ToggleHistory]]);
    // Key 2, the selected entry: the hash sorted by key is 1, 2, 7 and one that comes and goes.
    let samples = |app: &App| {
        let trend = app.maps[app.selected_map].trends.get(&u32_key(2));
        trend.map_or(0, |trend| trend.samples.len())
    };
    assert_eq!(samples(&replay.app), ROUNDS);
    let messages = replay.player.command(ReplayCommand::Step(-2)).unwrap();
    replay.apply(messages);
    assert_eq!(
        samples(&replay.app),
        1,
        "no sample older than the one before it"
    );
    let messages = replay.player.command(ReplayCommand::Step(1)).unwrap();
    replay.apply(messages);
    assert_eq!(samples(&replay.app), 2);
}

#[test]
fn the_help_of_a_replay_lists_its_keys() {
    let (mut live, mut replay) = both(&[]);
    live.app.update(Action::ToggleHelp);
    replay.app.update(Action::ToggleHelp);
    let text = |app: &App| super::text(render(app, 120, 40).backend().buffer());
    assert!(text(&replay.app).contains("replaying (p, +/- too)"));
    assert!(text(&replay.app).contains("first/last frame"));
    assert!(!text(&live.app).contains("replaying"));
    // Nothing a replay cannot do: no edits, floods, lookups, live pace, or their popups.
    let shown = text(&replay.app);
    for live_only in [
        "insert/update",
        "delete the selected",
        "lookup & delete",
        "lookup (peek",
        "flood",
        "pause / resume refresh",
        "refresh faster",
        "in a prompt",
    ] {
        assert!(!shown.contains(live_only), "{live_only}:\n{shown}");
        assert!(text(&live.app).contains(live_only), "{live_only}");
    }
}

#[test]
fn keys_that_ask_the_kernel_say_at_once_that_a_replay_cannot() {
    let (_, mut replay) = both(&[&[Action::Open]]);
    for action in [
        Action::Insert,
        Action::Delete,
        Action::Take,
        Action::Lookup,
        Action::Flood,
        Action::FloodCount,
        Action::ToggleFloodResult,
    ] {
        replay.app.status = None;
        assert_eq!(replay.app.update(action), None, "{action:?}");
        assert!(replay.app.popup.is_none(), "{action:?} opened a popup");
        assert_eq!(replay.app.mode, crate::app::Mode::Normal);
        let status = replay.app.status.as_ref().expect("a status line");
        assert_eq!(status.text, crate::app::keys::REPLAY_CANNOT, "{action:?}");
    }
    let footer = super::text(render(&replay.app, 200, 12).backend().buffer());
    let footer = footer.lines().last().unwrap();
    for key in [" i ", " d ", " x ", " l ", " f ", " F ", " r ", " p "] {
        assert!(!footer.contains(key), "{key:?} in {footer}");
    }
}

#[test]
fn enter_on_an_inner_map_slot_of_a_replay_does_not_ask_the_kernel() {
    use crate::test_fixtures::typed::{self, OUTER};
    let mut app = typed::typed_app();
    app.replay = Some(crate::app::ReplayStatus {
        file: "s.mirec".into(),
        frame: 1,
        frames: 1,
        at: std::time::Duration::ZERO,
        speed: 1.0,
        playing: false,
        note: None,
    });
    super::press(&mut app, &[Action::Down; OUTER]);
    app.update(Action::Open);
    assert_eq!(
        app.update(Action::Open),
        None,
        "no OpenInner for the player"
    );
    let status = app.status.as_ref().expect("a status line");
    assert!(
        status.text.contains("cannot ask the kernel"),
        "{}",
        status.text
    );
}
