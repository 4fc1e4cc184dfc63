//! Every message that crosses a boundary in the TUI, in one place: key [`Action`]s into
//! `App::update`, the [`Effect`]s it hands back to the main loop, the [`ToCollector`] commands
//! the loop sends the collector thread, and what the collector sends back ([`FromCollector`]:
//! [`Refresh`]es, [`Outcome`]s, [`Opened`] inner maps, [`Probed`] answers). Errors travel as
//! values, not text, so the screen and the tests can tell their kinds apart.
use std::{sync::Arc, time::Duration};

use super::{Ordered, RowRules};
use crate::{
    maps::{
        MapDesc, MapError, Snapshot,
        ops::{OpError, OpResult, Operation},
        types::{TypeInfo, lpm::Prefix},
    },
    tui::diff::Changes,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    NextPane,
    PrevPane,
    Open,
    CycleSort,
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    FilterApply,
    FilterClear,
    ToggleHex,
    ToggleZeroSlots,
    TogglePause,
    Faster,
    Slower,
    ToggleHelp,
    Quit,
    /// Esc while browsing: closes the flood result or the message; never quits.
    Back,
    /// `i`: the insert prompt (push on a queue or stack).
    Insert,
    /// `d`: delete the selected entry, after a confirm.
    Delete,
    /// `x`: lookup-and-delete the selected entry (confirmed), or pop a queue or stack.
    Take,
    /// `l`: look up a typed key, or peek a queue or stack.
    Lookup,
    /// `f`: the flood popup.
    Flood,
    /// `F`: the flood popup with the count field open.
    FloodCount,
    /// `r`: show or hide the selected map's last flood result.
    ToggleFloodResult,
    /// `H`: the selected entry's history pane.
    ToggleHistory,
    /// `m`: mark the selected map's snapshot now.
    SetMark,
    /// `c`: show only what changed since the mark, or everything again.
    ToggleSinceMark,
    // In popups:
    /// A character typed into a prompt field or the flood count.
    Type(char),
    Erase,
    ClearField,
    NextField,
    PrevField,
    /// Enter: next field or submit (prompt), yes (confirm), go (flood), keep (count).
    Submit,
    /// Submit from any prompt field.
    SubmitAll,
    Cancel,
    CycleFlags,
    TogglePerCpu,
    FloodMode,
    FloodCpu,
    EditCount,
}

/// Work for the main loop after an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    SetInterval(Duration),
    SetPaused(bool),
    /// Run an operation on map `map` (an index into `App::maps`).
    Run {
        map: usize,
        op: Operation,
    },
    /// Map `map` is now the one on screen: the collector reads it in full every interval
    /// (the others only get their counts).
    Select(usize),
    /// The row rules changed: order refreshes by them, and re-read `refresh` now.
    SetRules {
        rules: RowRules,
        refresh: Option<usize>,
    },
    /// Open the inner map with this id (a slot of map-of-maps `map`) as a map of its own.
    OpenInner {
        map: usize,
        id: u32,
    },
    /// A question only some map types answer (LPM match, bloom test or add).
    Probe {
        map: usize,
        probe: Probe,
    },
}

/// What `l` and `i` ask of maps that have no keys to type (bloom) or route (LPM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Longest-prefix match of an address (its data bytes).
    LpmMatch(Vec<u8>),
    BloomTest(Vec<u8>),
    BloomAdd(Vec<u8>),
}

/// Inner map `id` of map `parent`, as the collector opened it: now map `index` (appended to
/// the list, or where it was opened before).
#[derive(Debug)]
pub struct Opened {
    pub parent: usize,
    pub id: u32,
    pub result: Result<(usize, MapDesc), MapError>,
}

/// The kernel's answer to a [`Probe`] of map `map`.
#[derive(Debug)]
pub struct Probed {
    pub map: usize,
    pub result: Result<ProbeAnswer, ProbeError>,
}

/// What a [`Probe`] found out; the app puts it into words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// The kernel's longest-prefix match of `addr`: its value, and the prefix among the last
    /// read's keys that holds `addr` (None: one added since that read).
    Matched {
        addr: Vec<u8>,
        prefix: Option<Prefix>,
        value: Vec<u8>,
    },
    /// No prefix holds `addr`.
    NoMatch { addr: Vec<u8> },
    /// The bloom filter may hold the value (it can be wrong about yes, never about no).
    MayHold,
    /// The bloom filter surely does not hold the value.
    SurelyNot,
    /// The value was added to the bloom filter.
    Added,
}

/// Why a [`Probe`] got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("that map is gone")]
    Gone,
    /// Reading the map (for the LPM prefixes) failed.
    #[error(transparent)]
    Read(#[from] MapError),
    /// The map refused the question, or the kernel failed it.
    #[error(transparent)]
    Op(#[from] OpError),
}

/// A refresh of one map from the collector.
#[derive(Debug)]
pub struct Refresh {
    pub map: usize,
    pub result: Result<(Arc<Snapshot>, Changes), MapError>,
    /// The snapshot's row order, when the collector computed it (off the main loop).
    pub rows: Option<Ordered>,
}

/// The result of an [`Effect::Run`], from the collector.
#[derive(Debug)]
pub struct Outcome {
    pub map: usize,
    pub op: Operation,
    pub result: Result<OpResult, OpError>,
}

/// Everything the collector sends the main loop.
#[derive(Debug)]
pub enum FromCollector {
    Refresh(Refresh),
    Outcome(Outcome),
    /// What map `map`'s type adds to its latest refresh (sent right after it).
    Typed {
        map: usize,
        info: Arc<TypeInfo>,
    },
    Opened(Opened),
    Probed(Probed),
    /// Entry counts (non-zero slots for arrays) of maps not on screen, by map index.
    Counts(Vec<(usize, usize)>),
    /// The refresh interval the collector keeps: `Some` when reading the map on screen took
    /// too long for the asked interval and it stretched, `None` when it is back.
    Pace(Option<Pace>),
    /// Where a replay stands (sent by the replay's player instead of a collector).
    Replay(ReplayStatus),
}

/// Where a replay stands, for the header; `note` is a status line to show once.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStatus {
    pub file: String,
    /// 1-based.
    pub frame: usize,
    pub frames: usize,
    /// Since the recording started.
    pub at: Duration,
    pub speed: f64,
    pub playing: bool,
    pub note: Option<String>,
}

/// Replay keys, for the player.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayCommand {
    TogglePlay,
    /// Frames forward (negative: back); pauses.
    Step(i64),
    Faster,
    Slower,
    First,
    Last,
}

/// A stretched refresh interval and the entries of the map that made it stretch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub interval: Duration,
    pub entries: usize,
}

/// What the main loop can ask of the collector: carry out an app [`Effect`], or stop.
#[derive(Debug)]
pub enum ToCollector {
    Do(Effect),
    /// A replay key (only a replay's player takes these).
    Replay(ReplayCommand),
    Stop,
}
