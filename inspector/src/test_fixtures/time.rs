//! Refreshes at chosen moments, for the history and mark tests: snapshots `secs` after a
//! start, so spans and rates come out the same on every run.
use std::time::{Duration, Instant};

use crate::{
    app::{App, Refresh},
    maps::Snapshot,
    tui::diff::Changes,
};

/// When map `map`'s current snapshot was taken (the start for [`refresh_at`]).
pub fn taken_at(app: &App, map: usize) -> Instant {
    app.maps[map].snapshot.as_ref().expect("read once").taken_at
}

/// Applies a refresh of map `map` holding `entries`, taken `secs` after `start`.
pub fn refresh_at(
    app: &mut App,
    map: usize,
    entries: &[(Vec<u8>, Vec<u8>)],
    start: Instant,
    secs: u64,
) {
    let desc = &app.maps[map].desc;
    let mut snap = Snapshot::new(
        desc.meta.id,
        desc.meta.key_size as usize,
        desc.value_stride(),
        desc.cpus,
    );
    for (key, value) in entries {
        snap.push(key, value);
    }
    snap.taken_at = start + Duration::from_secs(secs);
    let n = snap.len();
    app.apply_refresh(Refresh {
        map,
        result: Ok((
            snap.into(),
            Changes {
                changed: vec![false; n],
                rates: vec![None; n],
                ..Changes::default()
            },
        )),
        rows: None,
    });
}
