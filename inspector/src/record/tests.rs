//! The recording read back: every cut of a file replays up to its last whole frame, damaged
//! bytes never panic, and the player lands on the recorded entries however it gets there.
use std::time::Instant;

use super::{
    format::{self, FormatError},
    player::{Player, SPEEDS},
    reader::{self, Recording},
    writer::{Appended, Read, Recorder, Writer},
};
use crate::{
    app::{FromCollector, ReplayCommand},
    maps::Snapshot,
    test_fixtures::{
        self, HASH,
        recording::{ROUNDS, record, round},
    },
};

fn entries(snap: &Snapshot) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..snap.len())
        .map(|i| (snap.key(i).to_vec(), snap.value(i).to_vec()))
        .collect()
}

/// The entries of map `map` the player's messages carry (its refresh).
fn refreshed(messages: &[FromCollector], map: usize) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    messages.iter().find_map(|message| match message {
        FromCollector::Refresh(refresh) if refresh.map == map => {
            refresh.result.as_ref().ok().map(|(snap, _)| entries(snap))
        }
        _ => None,
    })
}

fn player(bytes: Vec<u8>) -> Player {
    let recording = reader::parse(bytes).expect("a recording");
    Player::new(recording, "test".into(), Instant::now()).expect("a player")
}

/// Block boundaries: where each whole frame ends.
fn frame_ends(bytes: &[u8]) -> Vec<usize> {
    let mut at = format::PREAMBLE_LEN;
    let mut ends = Vec::new();
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += format::BLOCK_HEAD_LEN + len;
        ends.push(at);
    }
    ends
}

#[test]
fn a_recording_cut_anywhere_replays_its_whole_frames() {
    let bytes = record(3);
    let ends = frame_ends(&bytes);
    assert_eq!(ends.len(), ROUNDS + 1, "a header and a block per round");
    let whole: Recording = reader::parse(bytes.clone()).unwrap();
    assert_eq!(whole.frames.len(), ROUNDS);
    assert!(whole.damage.is_none());
    for cut in 0..bytes.len() {
        match reader::parse(bytes[..cut].to_vec()) {
            Ok(recording) => {
                let frames = ends[1..].iter().filter(|&&end| end <= cut).count();
                assert!(cut >= ends[0], "cut {cut} is inside the header");
                assert_eq!(recording.frames.len(), frames, "cut at {cut}");
                let at_boundary = ends.contains(&cut);
                assert_eq!(recording.damage.is_none(), at_boundary, "cut at {cut}");
            }
            Err(FormatError::Magic) => assert!(cut < format::MAGIC.len()),
            Err(_) => assert!(cut < ends[0], "cut at {cut}"),
        }
    }
    // A file cut inside its second frame replays the first, and says why it stops there.
    let cut = reader::parse(bytes[..ends[2] - 1].to_vec()).unwrap();
    let mut player = Player::new(cut, "cut".into(), Instant::now()).unwrap();
    let messages = player.messages();
    let note = messages.iter().find_map(|m| match m {
        FromCollector::Replay(status) => status.note.clone(),
        _ => None,
    });
    assert!(note.unwrap().contains("frame 2 is cut short"));
    assert_eq!(player.frames(), 1);
}

#[test]
fn damage_is_said_in_words_the_header_by_name() {
    use super::format::{BLOCK_HEAD_LEN, PREAMBLE_LEN};
    let bytes = record(2);
    let len = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let header = PREAMBLE_LEN + BLOCK_HEAD_LEN;
    let frame = header + len(PREAMBLE_LEN) + BLOCK_HEAD_LEN;
    let mut undecodable = 0;
    for at in header..header + len(PREAMBLE_LEN) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        let Err(err) = reader::parse(bad) else {
            continue;
        };
        let text = err.to_string();
        assert!(text.starts_with("the header is damaged: "), "{text}");
        undecodable += usize::from(text.contains("its compressed data does not decode (zstd: "));
    }
    assert!(undecodable > 0, "no flip in the header made zstd fail");
    let mut bad = bytes.clone();
    bad[frame + len(frame - BLOCK_HEAD_LEN) / 2] ^= 0x5a;
    let damage = reader::parse(bad).unwrap().damage.unwrap();
    assert!(damage.starts_with("frame 1 is damaged: "), "{damage}");
}

#[test]
fn damaged_bytes_never_panic() {
    let bytes = record(2);
    let mut rng = fastrand::Rng::with_seed(13);
    for _ in 0..1500 {
        let mut bad = bytes.clone();
        for _ in 0..rng.usize(1..4) {
            let at = rng.usize(..bad.len());
            bad[at] = rng.u8(..);
        }
        if rng.bool() {
            bad.truncate(rng.usize(..bad.len()));
        }
        let Ok(recording) = reader::parse(bad) else {
            continue;
        };
        let Ok(mut player) = Player::new(recording, "bad".into(), Instant::now()) else {
            continue;
        };
        for command in [
            ReplayCommand::Last,
            ReplayCommand::Step(-1),
            ReplayCommand::First,
            ReplayCommand::Step(2),
        ] {
            let _ = player.command(command);
        }
    }
}

#[test]
fn the_player_lands_on_the_recorded_entries_by_any_path() {
    let descs: Vec<_> = test_fixtures::app()
        .maps
        .iter()
        .map(|v| v.desc.clone())
        .collect();
    let expected = |at: usize| entries(round(&descs, at)[HASH].as_ref().unwrap());
    let mut player = player(record(3));
    assert_eq!(player.frames(), ROUNDS);
    assert_eq!(refreshed(&player.messages(), HASH), Some(expected(0)));
    // Forward one frame at a time (deltas), then back, and seeks both ways.
    for at in 1..ROUNDS {
        let messages = player.command(ReplayCommand::Step(1)).unwrap();
        assert_eq!(refreshed(&messages, HASH), Some(expected(at)), "frame {at}");
    }
    let messages = player.command(ReplayCommand::Step(-3)).unwrap();
    assert_eq!(refreshed(&messages, HASH), Some(expected(1)));
    let messages = player.command(ReplayCommand::Last).unwrap();
    assert_eq!(refreshed(&messages, HASH), Some(expected(ROUNDS - 1)));
    let messages = player.command(ReplayCommand::First).unwrap();
    assert_eq!(refreshed(&messages, HASH), Some(expected(0)));
    // Steps past either end stop there.
    player.command(ReplayCommand::Step(-5)).unwrap();
    assert_eq!(player.position(), 0);
    player.command(ReplayCommand::Step(99)).unwrap();
    assert_eq!(player.position(), ROUNDS - 1);
}

#[test]
fn playing_follows_the_recorded_pace_at_the_chosen_speed() {
    let mut player = player(record(30));
    assert!(player.next_in().is_none(), "paused at the start");
    player.command(ReplayCommand::TogglePlay).unwrap();
    assert_eq!(player.next_in().unwrap().as_millis(), 1000);
    player.command(ReplayCommand::Faster).unwrap();
    assert_eq!(player.speed(), 2.0);
    assert_eq!(player.next_in().unwrap().as_millis(), 500);
    for _ in 0..SPEEDS.len() {
        player.command(ReplayCommand::Slower).unwrap();
    }
    assert_eq!(player.speed(), SPEEDS[0]);
    for at in 1..ROUNDS {
        player.tick().unwrap();
        assert_eq!(player.position(), at);
    }
    // The last frame pauses; play again starts over.
    assert!(!player.playing && player.next_in().is_none());
    assert!(player.tick().unwrap().is_empty());
    player.command(ReplayCommand::TogglePlay).unwrap();
    assert_eq!((player.position(), player.playing), (0, true));
}

#[test]
fn the_speed_ladder_doubles_and_halves_one_step_at_a_time() {
    let mut player = player(record(3));
    let mut up = vec![player.speed()];
    for _ in 0..SPEEDS.len() {
        player.command(ReplayCommand::Faster).unwrap();
        up.push(player.speed());
    }
    assert_eq!(up, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 64.0, 64.0, 64.0]);
    let mut down = Vec::new();
    for _ in 0..SPEEDS.len() {
        player.command(ReplayCommand::Slower).unwrap();
        down.push(player.speed());
    }
    assert_eq!(down, [32.0, 16.0, 8.0, 4.0, 2.0, 1.0, 0.5, 0.25, 0.25]);
    assert!(SPEEDS.windows(2).all(|pair| pair[1] == pair[0] * 2.0));
}

#[test]
fn a_recording_of_unchanged_maps_stays_small() {
    // Every round the same: frames after the first are all "same".
    let descs: Vec<_> = test_fixtures::app()
        .maps
        .iter()
        .map(|v| v.desc.clone())
        .collect();
    let header = test_fixtures::recording::header(&descs);
    let mut writer = Writer::new(Vec::new(), &header, u64::MAX).unwrap();
    let mut recorder = Recorder::new(descs.len(), 100);
    let mut sizes = Vec::new();
    for at in 0..10u64 {
        let reads = round(&descs, 0)
            .into_iter()
            .map(|snap| snap.map_or(Read::Unlisted, Read::Entries))
            .collect();
        let (kind, frame) = recorder.frame(at * 1000, reads);
        match writer.append(kind, &frame).unwrap() {
            Appended::Written(bytes) => sizes.push(bytes),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        sizes[1..].iter().all(|&size| size * 4 < sizes[0]),
        "{sizes:?}"
    );
    // The bound: a writer stops before the frame that would pass it, and writes nothing.
    let header_only = Writer::new(Vec::new(), &header, u64::MAX)
        .unwrap()
        .written();
    let mut small = Writer::new(Vec::new(), &header, header_only + sizes[0] - 1).unwrap();
    let reads = round(&descs, 0)
        .into_iter()
        .map(|snap| snap.map_or(Read::Unlisted, Read::Entries))
        .collect();
    let (kind, frame) = Recorder::new(descs.len(), 1).frame(0, reads);
    let appended = small.append(kind, &frame).unwrap();
    assert_eq!(appended, Appended::WouldExceed { block: sizes[0] });
    assert_eq!(small.into_inner().len() as u64, header_only);
    assert!(Writer::new(Vec::new(), &header, header_only - 1).is_err());
}

/// A program array whose slot 0 is renamed in frame 3: notes are written in the key frame
/// and when they change, and the replay's type info carries them.
#[test]
fn notes_are_written_when_they_change_and_replayed() {
    use super::format::Note;
    use crate::maps::{MapKind, types::Annotation};

    let mut desc = test_fixtures::app().maps[test_fixtures::LRU].desc.clone();
    desc.meta.kind = MapKind::ProgArray;
    let mut header = test_fixtures::recording::header(std::slice::from_ref(&desc));
    header.full_every = 100;
    let mut writer = Writer::new(Vec::new(), &header, u64::MAX).unwrap();
    let mut recorder = Recorder::new(1, 100);
    let program = |name: &str| Note::Program {
        id: 9,
        info: Ok((name.into(), "tracepoint".into())),
    };
    for name in ["tail_fork", "tail_fork", "tail_exec"] {
        let mut snap = Snapshot::new(15, 4, 4, 1);
        snap.push(&0u32.to_ne_bytes(), &9u32.to_ne_bytes());
        let read = Read::Annotated(snap, vec![(0, program(name))]);
        let (kind, frame) = recorder.frame(0, vec![read]);
        writer.append(kind, &frame).unwrap();
    }
    let recording = reader::parse(writer.into_inner()).unwrap();
    let written: Vec<usize> = (0..3)
        .map(|i| recording.frame(i).unwrap().notes.len())
        .collect();
    assert_eq!(written, [1, 0, 1]);
    let mut player = Player::new(recording, "notes".into(), Instant::now()).unwrap();
    let name_of = |messages: &[FromCollector]| {
        messages.iter().find_map(|m| match m {
            FromCollector::Typed { info, .. } => match info.annotations.get(&0) {
                Some(Annotation::Program(program)) => program.info.clone().ok().map(|i| i.0),
                _ => None,
            },
            _ => None,
        })
    };
    assert_eq!(name_of(&player.messages()).as_deref(), Some("tail_fork"));
    let messages = player.command(ReplayCommand::Step(1)).unwrap();
    assert_eq!(name_of(&messages).as_deref(), Some("tail_fork"), "kept");
    let messages = player.command(ReplayCommand::Last).unwrap();
    assert_eq!(name_of(&messages).as_deref(), Some("tail_exec"));
    // Back to the start: rebuilt from the key frame.
    let messages = player.command(ReplayCommand::First).unwrap();
    assert_eq!(name_of(&messages).as_deref(), Some("tail_fork"));
}

#[test]
fn notes_of_entries_a_map_does_not_hold_are_damage() {
    use super::format::{BlockKind, Frame, MapNotes, Note, encode_block};

    let mut bytes = record(3);
    let header_end = frame_ends(&bytes)[0];
    bytes.truncate(header_end);
    let mut frame = Frame {
        at_ms: 0,
        maps: vec![super::format::Body::Unlisted; 6],
        notes: vec![MapNotes {
            map: 0,
            notes: vec![(0, Note::Frames(Vec::new()))],
        }],
    };
    let bad = encode_block(BlockKind::KeyFrame, &frame).unwrap();
    let recording = reader::parse([bytes.clone(), bad].concat()).unwrap();
    assert!(recording.damage.unwrap().contains("does not hold"));
    frame.notes[0].map = 99;
    let bad = encode_block(BlockKind::KeyFrame, &frame).unwrap();
    assert!(
        reader::parse([bytes, bad].concat())
            .unwrap()
            .damage
            .is_some()
    );
}
