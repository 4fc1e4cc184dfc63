//! Row order on the collector thread, always under the newest rules the user typed: an
//! ordering that newer rules made stale is dropped and started again under them (typing
//! `1234` on a million rows costs one pass, not four queued ones), a filter that only grew
//! narrows the last rows instead of starting over, and rules the rows already follow cost
//! nothing.
use std::sync::mpsc;

use tokio::sync::watch;

use crate::{
    app::{Effect, Ordered, RowRules, ToCollector, filter, rows},
    maps::{MapDesc, Snapshot},
};

/// The main loop's side: commands for the collector, with the newest rules published apart
/// so an ordering in progress can tell it is stale without reading the command queue.
pub struct Commands {
    commands: mpsc::Sender<ToCollector>,
    rules: watch::Sender<RowRules>,
}

impl Commands {
    /// The sender and the collector's two receivers.
    pub fn new() -> (Self, mpsc::Receiver<ToCollector>, watch::Receiver<RowRules>) {
        let (commands, command_rx) = mpsc::channel();
        let (rules, rules_rx) = watch::channel(RowRules::default());
        (Self { commands, rules }, command_rx, rules_rx)
    }

    /// Sends `command`; an error when the collector has gone.
    pub fn send(&self, command: ToCollector) -> Result<(), mpsc::SendError<ToCollector>> {
        if let ToCollector::Do(Effect::SetRules { rules, .. }) = &command {
            // First the rules, then the command: whatever is ordering sees it is stale.
            self.rules.send_replace(rules.clone());
        }
        self.commands.send(command)
    }
}

/// The collector's side: the newest rules, and per map the rows last sent for the snapshot
/// the collector holds of it.
pub struct Orderer {
    rules: watch::Receiver<RowRules>,
    last: Vec<Option<Ordered>>,
}

impl Orderer {
    pub fn new(rules: watch::Receiver<RowRules>) -> Self {
        Self {
            rules,
            last: Vec::new(),
        }
    }

    /// The rows of a new snapshot of map `index`, under the newest rules.
    pub fn order(&mut self, index: usize, desc: &MapDesc, snap: &Snapshot) -> Ordered {
        loop {
            let rules = self.rules.borrow_and_update().clone();
            let stale = || self.rules.has_changed().unwrap_or(false);
            if let Some(rows) = rows::build_until(desc, snap, &rules, &stale) {
                return self.remember(index, Ordered { rules, rows });
            }
        }
    }

    /// The same snapshot of map `index` under the newest rules; None when the rows last sent
    /// for it follow them already.
    pub fn reorder(&mut self, index: usize, desc: &MapDesc, snap: &Snapshot) -> Option<Ordered> {
        loop {
            let rules = self.rules.borrow_and_update().clone();
            let last = self.last.get(index).and_then(Option::as_ref);
            let stale = || self.rules.has_changed().unwrap_or(false);
            let rows = match last {
                Some(last) if last.rules == rules => return None,
                Some(last) if filter::narrows(&last.rules, &rules) => {
                    filter::retain(desc, snap, last.rows.clone(), &rules, &stale)
                }
                _ => rows::build_until(desc, snap, &rules, &stale),
            };
            if let Some(rows) = rows {
                return Some(self.remember(index, Ordered { rules, rows }));
            }
        }
    }

    fn remember(&mut self, index: usize, ordered: Ordered) -> Ordered {
        if self.last.len() <= index {
            self.last.resize(index + 1, None);
        }
        self.last[index] = Some(ordered.clone());
        ordered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures;

    use crate::test_fixtures::filtered as filter;

    fn set(commands: &Commands, text: &str) {
        let effect = Effect::SetRules {
            rules: filter(text),
            refresh: Some(0),
        };
        commands.send(ToCollector::Do(effect)).unwrap();
    }

    #[test]
    fn orders_under_the_newest_rules_and_never_twice_for_the_same() {
        let app = test_fixtures::app();
        let view = &app.maps[test_fixtures::HASH];
        let snap = view.snapshot.as_ref().unwrap();
        let (commands, _queue, rules) = Commands::new();
        let mut orderer = Orderer::new(rules);
        set(&commands, "c");
        set(&commands, "cargo");
        let first = orderer.order(0, &view.desc, snap);
        assert_eq!(first.rules, filter("cargo"));
        assert_eq!(first.rows, [2]);
        // The same rules again: nothing to send.
        assert_eq!(orderer.reorder(0, &view.desc, snap), None);
        // Narrower, then wider: each is the whole map's answer.
        set(&commands, "cargox");
        let narrowed = orderer.reorder(0, &view.desc, snap).unwrap();
        assert_eq!(narrowed.rows, Vec::<usize>::new());
        set(&commands, "");
        let all = orderer.reorder(0, &view.desc, snap).unwrap();
        assert_eq!(all.rows, rows::build(&view.desc, snap, &filter("")));
    }
}
