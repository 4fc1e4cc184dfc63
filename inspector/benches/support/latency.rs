//! The TUI's key-to-frame time on a big map: from a key's action to a finished frame, as the
//! main loop does it (state update, then a full draw), with and without a refresh landing
//! just before the key.
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use inspector::{
    app::{Action, App, FromCollector, Ordered, Pane, Refresh, rows},
    maps::{MapHandle, Snapshot},
    tui::diff::{self, Changes},
    ui,
};
use ratatui::{Terminal, backend::TestBackend};

use super::{
    BenchResult,
    fixture::{self, MapType},
    timing::{Timing, median},
};

/// The terminal the frames are drawn into: a common laptop terminal size.
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

/// Key presses timed on a steady map, after a few untimed ones.
const KEY_REPS: usize = 201;
const KEY_WARMUP: usize = 10;

/// Entries whose values change between refreshes (1%), so the refreshes carry real
/// changes, as a busy map's would.
const CHURN_PERCENT: usize = 1;

pub struct Latency {
    /// update(Down) + draw, the map steady.
    pub key_to_frame: Timing,
    /// The two parts of `key_to_frame`, each a median on its own.
    pub key_update: Duration,
    pub key_draw: Duration,
    /// apply_refresh + update(Down) + draw: the frame after a key when a refresh of the
    /// whole map arrived just before it.
    pub refreshing: Timing,
    /// The two parts of `refreshing`, each a median on its own.
    pub refresh_apply: Duration,
    pub refresh_draw: Duration,
    /// Ordering the rows of each new snapshot (filter + sort, key order by default), which
    /// the collector thread does before sending it: off the UI loop, reported apart.
    pub order_off_loop: Duration,
}

/// Measures both on `map` (a filled HASH), starting from `first`, a snapshot of it.
pub fn measure(map: &MapHandle, first: Snapshot, refresh_reps: usize) -> BenchResult<Latency> {
    let desc = map.desc.clone();
    let value_size = desc.meta.value_size as usize;
    let compare = |old: Option<&Snapshot>, new: &Snapshot| {
        diff::compare(old, new, &desc.value_layout, value_size)
    };

    let mut app = App::new(vec![desc.clone()], Vec::new(), Duration::from_secs(1));
    // The collector keeps the previous snapshot to diff the next one against; so do we.
    let mut previous = Arc::new(first);
    let changes = compare(None, &previous);
    apply(&mut app, Arc::clone(&previous), changes, None);
    app.update(Action::Open);
    if app.selected_map != 0 || app.focus != Pane::Entries {
        return Err("the app did not focus the entries of the benchmark map".into());
    }
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT))?;
    let mut frame = |app: &App| {
        terminal
            .draw(|frame| ui::draw(frame, app))
            .map(drop)
            .expect("TestBackend cannot fail");
    };
    frame(&app);

    let (mut key_times, mut updates, mut key_draws) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..KEY_WARMUP + KEY_REPS {
        let start = Instant::now();
        app.update(Action::Down);
        let updated = Instant::now();
        frame(&app);
        let drawn = Instant::now();
        if rep >= KEY_WARMUP {
            key_times.push(drawn - start);
            updates.push(updated - start);
            key_draws.push(drawn - updated);
        }
    }

    let entries = previous.len() as u32;
    let churn = (entries as usize * CHURN_PERCENT / 100).max(1) as u32;
    let (mut totals, mut applies, mut draws) = (Vec::new(), Vec::new(), Vec::new());
    let mut orders = Vec::new();
    for generation in 1..=refresh_reps as u64 {
        // Untimed, as on the collector thread: the map changes, is read and diffed.
        let from = (generation as u32 * churn) % entries.max(1);
        fixture::fill(
            map.fd(),
            MapType::Hash,
            from..(from + churn).min(entries),
            generation,
        )?;
        let next = Arc::new(map.snapshot()?);
        let changes = compare(Some(&previous), &next);
        let ordering = Instant::now();
        let rows = Ordered {
            rules: app.rules.clone(),
            rows: rows::build(&desc, &next, &app.rules),
        };
        orders.push(ordering.elapsed());

        let start = Instant::now();
        apply(&mut app, Arc::clone(&next), changes, Some(rows));
        let applied = Instant::now();
        app.update(Action::Down);
        frame(&app);
        let drawn = Instant::now();
        totals.push(drawn - start);
        applies.push(applied - start);
        draws.push(drawn - applied);
        // The collector drops the old snapshot on its own thread: untimed here too.
        previous = next;
    }

    Ok(Latency {
        key_to_frame: Timing {
            median: median(&mut key_times),
            reps: KEY_REPS,
        },
        key_update: median(&mut updates),
        key_draw: median(&mut key_draws),
        refreshing: Timing {
            median: median(&mut totals),
            reps: refresh_reps,
        },
        refresh_apply: median(&mut applies),
        refresh_draw: median(&mut draws),
        order_off_loop: median(&mut orders),
    })
}

/// What the main loop does with a refresh: `rows` is the order the collector computed.
fn apply(app: &mut App, snapshot: Arc<Snapshot>, changes: Changes, rows: Option<Ordered>) {
    app.apply(FromCollector::Refresh(Refresh {
        map: 0,
        result: Ok((snapshot, changes)),
        rows,
    }));
}
