//! Refreshes at chosen moments, for the history and mark tests: snapshots `secs` after a
//! start, so spans and rates come out the same on every run.
use std::time::{Duration, Instant};

use super::{exec_value, u32_key};
use crate::{
    app::{App, Refresh},
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
    let mut snap = super::snapshot(&app.maps[map].desc, entries);
    snap.taken_at = start + Duration::from_secs(secs);
    let n = snap.len();
    app.apply(crate::app::FromCollector::Refresh(Refresh {
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
    }));
}

/// The HASH fixture one refresh after a mark: key 1 gone, key 2 changed, key 9 new, keys 7
/// and 42 as they were.
pub fn hash_after_mark() -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (u32_key(2), exec_value(4, 1000, "/bin/true")),
        (u32_key(7), exec_value(41, 1000, "/usr/bin/cargo")),
        (u32_key(9), exec_value(1, 0, "/bin/new")),
        (u32_key(42), exec_value(1, 65534, "/sbin/init")),
    ]
}
