//! The replay's state: which frame is on screen, playing or paused, at what speed, and
//! each map's snapshot at that frame, rebuilt from the nearest key frame. It answers the
//! TUI's effects and replay keys with the very [`FromCollector`] messages the live
//! collector sends (the map on screen in full, counts for the others), so every pane
//! works as it does live. No I/O: the recording is already in memory.
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use super::{
    Recording, delta,
    format::{BlockKind, Body},
    maps,
};
use crate::{
    app::{Effect, FromCollector, Ordered, Refresh, ReplayCommand, ReplayStatus, RowRules, rows},
    maps::{
        MapError, MapKind, Snapshot,
        types::{Annotation, MapFacts, RingPositions, TypeInfo, lpm::Prefix},
    },
    tui::diff::{self, Changes},
};

/// The speeds `[` and `]` step through.
pub const SPEEDS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];
const NORMAL_SPEED: usize = 2;

/// One map at the frame on screen.
#[derive(Clone, Debug)]
enum State {
    Entries(Arc<Snapshot>),
    Failed(String),
    Unlisted,
    Ring(RingPositions),
}

pub struct Player {
    recording: Recording,
    file: String,
    /// The moment frame times count from (snapshots' `taken_at`, hence rates).
    start: Instant,
    position: usize,
    maps: Vec<State>,
    /// What each map's last refresh held, to diff the next against.
    shown: Vec<Option<Arc<Snapshot>>>,
    /// What each map's entries stand for at the frame on screen (by entry index).
    notes: Vec<HashMap<usize, Annotation>>,
    pub playing: bool,
    speed: usize,
    selected: usize,
    rules: RowRules,
    note: Option<String>,
}

impl Player {
    /// A player on the first frame, paused; `Err` when no frame is whole.
    pub fn new(recording: Recording, file: String, start: Instant) -> Result<Self, String> {
        if recording.frames.is_empty() {
            return Err(match &recording.damage {
                Some(damage) => format!("no whole frame to replay: {damage}"),
                None => "the recording holds no frame".into(),
            });
        }
        let count = recording.descs.len();
        let note = recording
            .damage
            .as_ref()
            .map(|damage| format!("replaying the whole frames before the damage: {damage}"));
        let mut player = Self {
            recording,
            file,
            start,
            position: 0,
            maps: vec![State::Unlisted; count],
            shown: vec![None; count],
            notes: vec![HashMap::new(); count],
            playing: false,
            speed: NORMAL_SPEED,
            selected: 0,
            rules: RowRules::default(),
            note,
        };
        player.rebuild(0)?;
        Ok(player)
    }

    pub fn position(&self) -> usize {
        self.position
    }

    pub fn frames(&self) -> usize {
        self.recording.frames.len()
    }

    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed]
    }

    /// Real time until the next frame at this speed, while playing.
    pub fn next_in(&self) -> Option<Duration> {
        let frames = &self.recording.frames;
        let next = frames.get(self.position + 1).filter(|_| self.playing)?;
        let gap = next.at_ms.saturating_sub(frames[self.position].at_ms);
        Some(Duration::from_secs_f64(gap as f64 / 1000.0 / self.speed()))
    }

    /// Moves to the next frame while playing (pausing at the last); the messages to send.
    pub fn tick(&mut self) -> Result<Vec<FromCollector>, String> {
        if !self.playing {
            return Ok(Vec::new());
        }
        self.go(self.position + 1)?;
        if self.position + 1 >= self.frames() {
            self.playing = false;
        }
        Ok(self.messages())
    }

    /// A replay key; the messages to send.
    pub fn command(&mut self, command: ReplayCommand) -> Result<Vec<FromCollector>, String> {
        let last = self.frames() - 1;
        match command {
            ReplayCommand::TogglePlay => {
                self.playing = !self.playing;
                // Play at the end starts over.
                if self.playing && self.position == last {
                    self.go(0)?;
                }
            }
            ReplayCommand::Step(by) => {
                self.playing = false;
                let target = self.position.saturating_add_signed(by as isize).min(last);
                self.go(target)?;
            }
            ReplayCommand::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            ReplayCommand::Slower => self.speed = self.speed.saturating_sub(1),
            ReplayCommand::First => self.go(0)?,
            ReplayCommand::Last => self.go(last)?,
        }
        Ok(self.messages())
    }

    /// Stops at a frame that cannot be played, saying why.
    pub fn halt(&mut self, err: String) -> Vec<FromCollector> {
        self.playing = false;
        self.note = Some(format!("the replay stopped: {err}"));
        vec![self.status()]
    }

    /// What the TUI asked of its collector; the messages that answer it.
    pub fn effect(&mut self, effect: Effect) -> Vec<FromCollector> {
        match effect {
            Effect::Select(map) => {
                self.selected = map;
                return self.messages();
            }
            Effect::SetRules { rules, refresh } => {
                self.rules = rules;
                let mut out = Vec::new();
                if let Some(map) = refresh {
                    self.refresh(map, &mut out);
                }
                return out;
            }
            Effect::SetPaused(paused) => self.playing = !paused,
            Effect::SetInterval(_) => {
                self.note =
                    Some("a replay keeps the recorded pace: [ and ] change its speed".into())
            }
            Effect::Run { .. } | Effect::OpenInner { .. } | Effect::Probe { .. } => {
                self.note =
                    Some("a replay shows what was recorded: it cannot ask the kernel".into())
            }
        }
        vec![self.status()]
    }

    /// The map on screen in full, counts of the others, and where the replay stands.
    pub fn messages(&mut self) -> Vec<FromCollector> {
        let mut out = Vec::new();
        self.refresh(self.selected, &mut out);
        let counts = self
            .maps
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != self.selected)
            .filter_map(|(index, state)| match state {
                State::Entries(snap) if self.recording.descs[index].meta.kind.is_array() => {
                    Some((index, snap.nonzero_count()))
                }
                State::Entries(snap) => Some((index, snap.len())),
                _ => None,
            })
            .collect::<Vec<_>>();
        if !counts.is_empty() {
            out.push(FromCollector::Counts(counts));
        }
        out.push(self.status());
        out
    }

    fn status(&mut self) -> FromCollector {
        let at = self.recording.frames[self.position].at_ms;
        FromCollector::Replay(ReplayStatus {
            file: self.file.clone(),
            frame: self.position + 1,
            frames: self.frames(),
            at: Duration::from_millis(at),
            speed: self.speed(),
            playing: self.playing,
            note: self.note.take(),
        })
    }

    /// Map `index` as the collector sends a map it read: the refresh, then its type's facts.
    fn refresh(&mut self, index: usize, out: &mut Vec<FromCollector>) {
        let Some(state) = self.maps.get(index).cloned() else {
            return;
        };
        let desc = &self.recording.descs[index];
        let result = match &state {
            State::Entries(snap) => {
                let changes = match &self.shown[index] {
                    // The same snapshot again (a reorder): nothing changed.
                    Some(shown) if Arc::ptr_eq(shown, snap) => Changes::default(),
                    shown => diff::compare(
                        shown.as_deref(),
                        snap,
                        &desc.value_layout,
                        desc.meta.value_size as usize,
                    ),
                };
                self.shown[index] = Some(Arc::clone(snap));
                Ok((Arc::clone(snap), changes))
            }
            State::Failed(text) => Err(MapError::Recorded { text: text.clone() }),
            State::Unlisted | State::Ring(_) => Err(unlisted(desc.meta.kind, &desc.meta.name)),
        };
        let rows = result.as_ref().ok().map(|(snap, _)| Ordered {
            rules: self.rules.clone(),
            rows: rows::build(desc, snap, &self.rules),
        });
        let kind = desc.meta.kind;
        out.push(FromCollector::Refresh(Refresh {
            map: index,
            result,
            rows,
        }));
        if TypeInfo::applies(kind) {
            let info = type_info(kind, &state, &self.notes[index]);
            out.push(FromCollector::Typed {
                map: index,
                info: Arc::new(info),
            });
        }
    }

    /// Moves to frame `target`: the next frame is applied to this one, any other is
    /// rebuilt from the last key frame at or before it.
    fn go(&mut self, target: usize) -> Result<(), String> {
        let target = target.min(self.frames() - 1);
        let moved = if target == self.position + 1 {
            self.apply(target)
        } else if target != self.position {
            self.rebuild(target)
        } else {
            Ok(())
        };
        if let Err(err) = moved {
            // Half applied: put the frame on screen back together before saying why.
            let _ = self.rebuild(self.position);
            return Err(err);
        }
        self.position = target;
        Ok(())
    }

    fn rebuild(&mut self, target: usize) -> Result<(), String> {
        let key = (0..=target)
            .rev()
            .find(|&i| self.recording.frames[i].kind == BlockKind::KeyFrame)
            .unwrap_or(0);
        for index in key..=target {
            self.apply(index)?;
        }
        Ok(())
    }

    fn apply(&mut self, index: usize) -> Result<(), String> {
        let frame = self.recording.frame(index)?;
        let taken_at = self.start + Duration::from_millis(frame.at_ms);
        if self.recording.frames[index].kind == BlockKind::KeyFrame {
            self.notes.iter_mut().for_each(HashMap::clear);
        }
        for notes in &frame.notes {
            if let Some(slot) = self.notes.get_mut(notes.map as usize) {
                *slot = notes
                    .notes
                    .iter()
                    .map(|(at, note)| (*at as usize, maps::annotation(note)))
                    .collect();
            }
        }
        for (map, body) in frame.maps.iter().enumerate() {
            let before = match &self.maps[map] {
                State::Entries(snap) => Some(&**snap),
                _ => None,
            };
            self.maps[map] = match body {
                Body::Failed(text) => State::Failed(text.clone()),
                Body::Unlisted => State::Unlisted,
                Body::Ring {
                    size,
                    producer,
                    consumer,
                } => State::Ring(RingPositions {
                    ring_size: *size,
                    producer_pos: *producer,
                    consumer_pos: *consumer,
                }),
                entries => {
                    let mut snap = delta::apply(self.recording.shape(map), before, entries)
                        .map_err(|err| format!("frame {}: {err}", index + 1))?;
                    snap.taken_at = taken_at;
                    State::Entries(Arc::new(snap))
                }
            };
        }
        Ok(())
    }
}

/// The error a live read of an unlisted map gives.
fn unlisted(kind: MapKind, name: &str) -> MapError {
    MapError::Unlisted {
        name: name.to_string(),
        kind: kind.label(),
        reason: kind
            .unlisted_reason()
            .unwrap_or("its entries cannot be listed"),
    }
}

/// What a map's type adds, from what was recorded: ring positions, why a map is not
/// listed, the recorded notes (inner maps, programs, stack symbols: the recording host's)
/// and LPM prefixes (read from the keys). Ring records are not recorded.
fn type_info(kind: MapKind, state: &State, notes: &HashMap<usize, Annotation>) -> TypeInfo {
    let mut info = TypeInfo::default();
    match state {
        State::Ring(ring) => info.facts = Some(MapFacts::Ring(*ring)),
        State::Entries(snap) if kind == MapKind::LpmTrie => {
            info.annotations = (0..snap.len())
                .filter_map(|i| Some((i, Annotation::Prefix(Prefix::from_key(snap.key(i))?))))
                .collect();
        }
        State::Entries(_) => info.annotations = notes.clone(),
        _ => {}
    }
    if info.facts.is_none()
        && let Some(reason) = kind.unlisted_reason()
    {
        info.facts = Some(MapFacts::Unlisted(reason));
    }
    info
}
