//! The collector: a thread that owns the loaded object and its map fds, reads the map on
//! screen each interval, diffs its snapshot against the last, and sends the results to the
//! main loop. The other maps get only their entry counts, on a slower cadence (the kernel's
//! counters where it keeps them: `maps::counts`). When reading the map on screen takes more
//! than a quarter of the interval, the interval stretches (`tui::pace`), so mapinspect stays
//! light on a busy host. Keys never wait on a map read.
use std::{
    collections::HashMap,
    sync::{Arc, mpsc},
    time::{Duration, Instant},
};

use tokio::sync::{mpsc::UnboundedSender, watch};

use crate::{
    app::{Effect, FromCollector, Outcome, Pace, Refresh, RowRules, ToCollector},
    loader::Loaded,
    maps::{
        Snapshot,
        counts::{Counter, count_with},
        types::{Annotator, RingReader, TypeInfo},
    },
    tui::{
        diff::{self, Changes},
        ordering::Orderer,
        pace::Pacer,
    },
};

/// A map counted by reading is counted again no sooner than this many times the read took
/// (40: at most 2.5% of a core on counting it).
const READ_COUNT_SPACING: u32 = 40;

pub struct Collector {
    pub(super) loaded: Loaded,
    pub(super) previous: Vec<Option<Arc<Snapshot>>>,
    pacer: Pacer,
    /// What the header was last told: sent again when the stretch or the entry count it names
    /// changes (another big map selected stretches to the same interval with its own count).
    told_pace: Option<Pace>,
    /// The map on screen: the only one read in full every interval.
    selected: usize,
    /// Made at the first count, after the first read: loading it parses the kernel's BTF,
    /// which the map on screen should not wait for.
    counter: Option<Counter>,
    /// When each map not on screen is due for its next count.
    count_due: Vec<Instant>,
    paused: bool,
    /// Orders rows by the screen's filter and sort: each refresh arrives already ordered, so
    /// the main loop never sorts a big map itself.
    orderer: Orderer,
    /// Per map: what reads its type's meaning (kernel symbols are loaded once).
    pub(super) annotators: Vec<Annotator>,
    /// Consumers of the rings mapinspect loaded itself, by map index (opened on first read).
    pub(super) ring_readers: HashMap<usize, RingReader>,
}

impl Collector {
    /// `rules`: the newest row rules, from the main loop's [`super::ordering::Commands`].
    pub fn new(loaded: Loaded, interval: Duration, rules: watch::Receiver<RowRules>) -> Self {
        let previous = vec![None; loaded.maps.len()];
        let annotators = loaded.maps.iter().map(|_| Annotator::default()).collect();
        let count_due = vec![Instant::now(); loaded.maps.len()];
        Self {
            annotators,
            ring_readers: HashMap::new(),
            loaded,
            previous,
            pacer: Pacer::new(interval),
            told_pace: None,
            selected: 0,
            counter: None,
            count_due,
            paused: false,
            orderer: Orderer::new(rules),
        }
    }

    /// Runs until Stop, or until either channel closes. Blocking: run it on its own thread.
    pub fn run(
        mut self,
        commands: mpsc::Receiver<ToCollector>,
        out: UnboundedSender<FromCollector>,
    ) {
        let mut next_read = Instant::now();
        let mut next_count = Instant::now();
        // A command taken off the channel while coalescing rule changes, run next.
        let mut held: Option<ToCollector> = None;
        loop {
            if !self.paused && Instant::now() >= next_read {
                let started = Instant::now();
                if !self.read_one(self.selected, &out) {
                    return;
                }
                let interval = self.pacer.after_read(started.elapsed());
                if !self.send_pace(&out) {
                    return;
                }
                next_read = Instant::now() + interval;
            }
            if !self.paused && Instant::now() >= next_count {
                if !self.count_others(&out) {
                    return;
                }
                next_count = Instant::now() + self.pacer.count_every();
            }
            let wait = if self.paused {
                Duration::from_secs(3600)
            } else {
                next_read
                    .min(next_count)
                    .saturating_duration_since(Instant::now())
            };
            let command = match held.take() {
                Some(command) => Ok(command),
                None => commands.recv_timeout(wait),
            };
            match command {
                Ok(ToCollector::Do(Effect::SetInterval(interval))) => {
                    self.pacer.set_asked(interval);
                    if !self.send_pace(&out) {
                        return;
                    }
                    next_read = Instant::now() + interval;
                }
                Ok(ToCollector::Do(Effect::Select(map))) => {
                    self.selected = map;
                    // The map now on screen is read at once; the one left gets counted.
                    next_read = Instant::now();
                    next_count = Instant::now();
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
                Ok(ToCollector::Do(Effect::SetRules { refresh, .. })) => {
                    // Typing a filter sends one change per key: only the newest counts, so
                    // a big map is ordered once for the whole burst, not once per key.
                    let refresh = latest_refresh(&commands, refresh, &mut held);
                    // Re-order what the screen holds: new rules need no new read (the next
                    // interval reads the map anyway). A map never read yet is read now.
                    let sent = match refresh {
                        Some(map) if self.has_read(map) => self.reorder(map, &out),
                        Some(map) => self.read_one(map, &out),
                        None => true,
                    };
                    if !sent {
                        return;
                    }
                }
                Ok(ToCollector::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                // Replay keys never reach a live collector (the live loop sends none).
                Ok(ToCollector::Replay(_)) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Sends the last snapshot of map `index` again, ordered by the current rules; false
    /// when the main loop has gone.
    fn has_read(&self, index: usize) -> bool {
        self.previous.get(index).is_some_and(Option::is_some)
    }

    fn reorder(&mut self, index: usize, out: &UnboundedSender<FromCollector>) -> bool {
        let (Some(map), Some(Some(previous))) =
            (self.loaded.maps.get(index), self.previous.get(index))
        else {
            return true;
        };
        let Some(rows) = self.orderer.reorder(index, &map.desc, previous) else {
            // Its rows follow the newest rules already (a refresh was ordered under them).
            return true;
        };
        let refresh = Refresh {
            map: index,
            result: Ok((Arc::clone(previous), Changes::default())),
            rows: Some(rows),
        };
        out.send(FromCollector::Refresh(refresh)).is_ok()
    }

    /// Tells the header whether the interval is stretched, and by which map's size, when that
    /// changed; false when the main loop has gone.
    fn send_pace(&mut self, out: &UnboundedSender<FromCollector>) -> bool {
        let entries = self
            .previous
            .get(self.selected)
            .and_then(|snap| snap.as_ref().map(|snap| snap.len()))
            .unwrap_or(0);
        let pace = self
            .pacer
            .stretched()
            .map(|interval| Pace { interval, entries });
        if pace == self.told_pace {
            return true;
        }
        self.told_pace = pace;
        out.send(FromCollector::Pace(pace)).is_ok()
    }

    /// Counts the maps not on screen that are due (by the kernel's counters where it can);
    /// false when the main loop has gone. A map that cannot be counted keeps its last figure.
    fn count_others(&mut self, out: &UnboundedSender<FromCollector>) -> bool {
        let now = Instant::now();
        let kernel = self
            .counter
            .get_or_insert_with(Counter::new)
            .kernel_counts()
            .ok();
        // Inner maps opened from a map-of-maps join the list while the TUI runs.
        self.count_due.resize(self.loaded.maps.len(), now);
        let mut counts = Vec::new();
        for (index, map) in self.loaded.maps.iter().enumerate() {
            if index == self.selected || self.count_due[index] > now {
                continue;
            }
            let started = Instant::now();
            let count = count_with(kernel.as_ref(), map).ok();
            // A count by reading costs a whole read (a kernel count next to nothing): space
            // counts out by their cost, so counting a big array stays a small share of a core.
            let spacing = started.elapsed().saturating_mul(READ_COUNT_SPACING);
            self.count_due[index] = now + self.pacer.count_every().max(spacing);
            counts.extend(count.map(|count| (index, count)));
        }
        counts.is_empty() || out.send(FromCollector::Counts(counts)).is_ok()
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
                rows = Some(self.orderer.order(index, &map.desc, &snapshot));
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

/// Takes the rule changes already queued behind one (the rules themselves come from the
/// [`Orderer`], newest first); the map to refresh is the newest one asked for. The first other
/// command met is kept in `held`, not lost.
fn latest_refresh(
    commands: &mpsc::Receiver<ToCollector>,
    mut refresh: Option<usize>,
    held: &mut Option<ToCollector>,
) -> Option<usize> {
    while held.is_none() {
        match commands.try_recv() {
            Ok(ToCollector::Do(Effect::SetRules { refresh: asked, .. })) => {
                refresh = asked.or(refresh);
            }
            Ok(other) => *held = Some(other),
            Err(_) => break,
        }
    }
    refresh
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_fixtures::filtered as filter;

    fn set(text: &str, refresh: Option<usize>) -> ToCollector {
        ToCollector::Do(Effect::SetRules {
            rules: filter(text),
            refresh,
        })
    }

    #[test]
    fn a_burst_of_filter_keys_is_taken_at_once() {
        let (tx, rx) = mpsc::channel();
        for (text, refresh) in [("12", Some(3)), ("123", None), ("1234", Some(3))] {
            tx.send(set(text, refresh)).unwrap();
        }
        tx.send(ToCollector::Stop).unwrap();
        tx.send(set("12345", Some(3))).unwrap();
        let mut held = None;
        assert_eq!(latest_refresh(&rx, Some(3), &mut held), Some(3));
        // The first other command is kept for the loop, and nothing after it is taken.
        assert!(matches!(held, Some(ToCollector::Stop)));
        assert!(matches!(
            rx.try_recv(),
            Ok(ToCollector::Do(Effect::SetRules { .. }))
        ));
    }

    #[test]
    fn with_nothing_queued_the_refresh_is_the_one_given() {
        let (_tx, rx) = mpsc::channel();
        let mut held = None;
        assert_eq!(latest_refresh(&rx, None, &mut held), None);
        assert!(held.is_none());
    }
}
