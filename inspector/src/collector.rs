//! The collector: a thread that owns the loaded object and its map fds, reads every map
//! each interval, diffs each snapshot against the last, and sends the results to the main
//! loop. Keys never wait on a map read; a slow read only delays the next refresh.
use std::{
    sync::{Arc, mpsc},
    time::{Duration, Instant},
};

use tokio::sync::mpsc::UnboundedSender;

use crate::{app::Refresh, diff, loader::Loaded, maps::Snapshot};

/// What the main loop can ask of the collector.
#[derive(Debug)]
pub enum Command {
    SetInterval(Duration),
    SetPaused(bool),
    Stop,
}

pub struct Collector {
    loaded: Loaded,
    previous: Vec<Option<Arc<Snapshot>>>,
    interval: Duration,
    paused: bool,
}

impl Collector {
    pub fn new(loaded: Loaded, interval: Duration) -> Self {
        let previous = vec![None; loaded.maps.len()];
        Self {
            loaded,
            previous,
            interval,
            paused: false,
        }
    }

    /// Runs until Stop, or until either channel closes. Blocking: run it on its own thread.
    pub fn run(mut self, commands: mpsc::Receiver<Command>, refreshes: UnboundedSender<Refresh>) {
        let mut next_read = Instant::now();
        loop {
            if !self.paused && Instant::now() >= next_read {
                let started = Instant::now();
                if !self.read_all(&refreshes) {
                    return;
                }
                // A read slower than the interval pushes the next one back by its own length,
                // so a huge map cannot keep the collector reading back to back.
                next_read = Instant::now() + self.interval.max(started.elapsed());
            }
            let wait = if self.paused {
                Duration::from_secs(3600)
            } else {
                next_read.saturating_duration_since(Instant::now())
            };
            match commands.recv_timeout(wait) {
                Ok(Command::SetInterval(interval)) => {
                    self.interval = interval;
                    next_read = Instant::now() + interval;
                }
                Ok(Command::SetPaused(paused)) => {
                    self.paused = paused;
                    next_read = Instant::now();
                }
                Ok(Command::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Reads every map once; false when the main loop has gone.
    fn read_all(&mut self, refreshes: &UnboundedSender<Refresh>) -> bool {
        for (index, map) in self.loaded.maps.iter().enumerate() {
            let result = match map.snapshot() {
                Ok(snapshot) => {
                    let changes = diff::compare(
                        self.previous[index].as_deref(),
                        &snapshot,
                        &map.desc.value_layout,
                        map.desc.meta.value_size as usize,
                    );
                    let snapshot = Arc::new(snapshot);
                    self.previous[index] = Some(Arc::clone(&snapshot));
                    Ok((snapshot, changes))
                }
                Err(err) => Err(err.to_string()),
            };
            if refreshes.send(Refresh { map: index, result }).is_err() {
                return false;
            }
        }
        true
    }
}
