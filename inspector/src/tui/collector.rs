//! The collector: a thread that owns the loaded object and its map fds, reads every map
//! each interval, diffs each snapshot against the last, and sends the results to the main
//! loop. Keys never wait on a map read; a slow read only delays the next refresh.
use std::{
    collections::HashMap,
    sync::{Arc, mpsc},
    time::{Duration, Instant},
};

use tokio::sync::mpsc::UnboundedSender;

use crate::{
    app::{Effect, FromCollector, Ordered, Outcome, Refresh, RowRules, ToCollector, rows},
    loader::Loaded,
    maps::{
        Snapshot,
        types::{Annotator, RingReader, TypeInfo},
    },
    tui::diff::{self, Changes},
};

pub struct Collector {
    pub(super) loaded: Loaded,
    pub(super) previous: Vec<Option<Arc<Snapshot>>>,
    interval: Duration,
    paused: bool,
    /// The screen's filter and sort: each refresh arrives already ordered, so the main loop
    /// never sorts a big map itself.
    rules: RowRules,
    /// Per map: what reads its type's meaning (kernel symbols are loaded once).
    pub(super) annotators: Vec<Annotator>,
    /// Consumers of the rings mapinspect loaded itself, by map index (opened on first read).
    pub(super) ring_readers: HashMap<usize, RingReader>,
}

impl Collector {
    pub fn new(loaded: Loaded, interval: Duration) -> Self {
        let previous = vec![None; loaded.maps.len()];
        let annotators = loaded.maps.iter().map(|_| Annotator::default()).collect();
        Self {
            annotators,
            ring_readers: HashMap::new(),
            loaded,
            previous,
            interval,
            paused: false,
            rules: RowRules::default(),
        }
    }

    /// Runs until Stop, or until either channel closes. Blocking: run it on its own thread.
    pub fn run(
        mut self,
        commands: mpsc::Receiver<ToCollector>,
        out: UnboundedSender<FromCollector>,
    ) {
        let mut next_read = Instant::now();
        loop {
            if !self.paused && Instant::now() >= next_read {
                let started = Instant::now();
                if !self.read_all(&out) {
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
                Ok(ToCollector::Do(Effect::SetInterval(interval))) => {
                    self.interval = interval;
                    next_read = Instant::now() + interval;
                }
                Ok(ToCollector::Do(Effect::SetPaused(paused))) => {
                    self.paused = paused;
                    next_read = Instant::now();
                }
                Ok(ToCollector::Do(Effect::Run { map, op })) => {
                    let result = self.loaded.execute(map, &op);
                    let outcome = FromCollector::Outcome(Outcome { map, op, result });
                    if out.send(outcome).is_err() || !self.read_one(map, &out) {
                        return;
                    }
                }
                Ok(ToCollector::Do(Effect::OpenInner { map, id })) => {
                    let opened = self.open_inner(map, id);
                    let index = opened.result.as_ref().ok().map(|(index, _)| *index);
                    if out.send(FromCollector::Opened(opened)).is_err() {
                        return;
                    }
                    if let Some(index) = index
                        && !self.read_one(index, &out)
                    {
                        return;
                    }
                }
                Ok(ToCollector::Do(Effect::Probe { map, probe })) => {
                    let probed = self.probe(map, probe);
                    if out.send(FromCollector::Probed(probed)).is_err() || !self.read_one(map, &out)
                    {
                        return;
                    }
                }
                Ok(ToCollector::Do(Effect::SetRules { rules, refresh })) => {
                    self.rules = rules;
                    // Paused: re-order what the screen holds, without reading the map.
                    let sent = match refresh {
                        Some(map) if self.paused => self.reorder(map, &out),
                        Some(map) => self.read_one(map, &out),
                        None => true,
                    };
                    if !sent {
                        return;
                    }
                }
                Ok(ToCollector::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Sends the last snapshot of map `index` again, ordered by the current rules; false
    /// when the main loop has gone.
    fn reorder(&self, index: usize, out: &UnboundedSender<FromCollector>) -> bool {
        let (Some(map), Some(Some(previous))) =
            (self.loaded.maps.get(index), self.previous.get(index))
        else {
            return true;
        };
        let rows = Ordered {
            rules: self.rules.clone(),
            rows: rows::build(&map.desc, previous, &self.rules),
        };
        let refresh = Refresh {
            map: index,
            result: Ok((Arc::clone(previous), Changes::default())),
            rows: Some(rows),
        };
        out.send(FromCollector::Refresh(refresh)).is_ok()
    }

    /// Reads every map once; false when the main loop has gone.
    fn read_all(&mut self, out: &UnboundedSender<FromCollector>) -> bool {
        (0..self.loaded.maps.len()).all(|index| self.read_one(index, out))
    }

    /// Reads one map and sends it with what changed; false when the main loop has gone.
    fn read_one(&mut self, index: usize, out: &UnboundedSender<FromCollector>) -> bool {
        let Some(map) = self.loaded.maps.get(index) else {
            return true;
        };
        let mut rows = None;
        let result = match map.snapshot() {
            Ok(snapshot) => {
                let changes = diff::compare(
                    self.previous[index].as_deref(),
                    &snapshot,
                    &map.desc.value_layout,
                    map.desc.meta.value_size as usize,
                );
                rows = Some(Ordered {
                    rules: self.rules.clone(),
                    rows: rows::build(&map.desc, &snapshot, &self.rules),
                });
                let snapshot = Arc::new(snapshot);
                self.previous[index] = Some(Arc::clone(&snapshot));
                Ok((snapshot, changes))
            }
            Err(err) => Err(err),
        };
        // Our own rings are consumed first (they are ours), so the positions read next
        // show what is still waiting.
        let records = self.drain_own_ring(index);
        let Some(map) = self.loaded.maps.get(index) else {
            return true;
        };
        let info = TypeInfo::applies(map.meta().kind).then(|| {
            let snapshot = result.as_ref().map(|(snap, _)| &**snap);
            let mut info = TypeInfo::read(map, snapshot, &mut self.annotators[index]);
            info.records = records;
            info
        });
        let refresh = Refresh {
            map: index,
            result,
            rows,
        };
        if out.send(FromCollector::Refresh(refresh)).is_err() {
            return false;
        }
        match info {
            Some(info) => out
                .send(FromCollector::Typed {
                    map: index,
                    info: Arc::new(info),
                })
                .is_ok(),
            None => true,
        }
    }
}
