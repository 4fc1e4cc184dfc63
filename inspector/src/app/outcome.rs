//! What the kernel did with an operation, put on the screen: the status line says it in
//! words with the decoded key and value, a lookup selects the row it found, and a flood's
//! report opens the flood result pane.
use super::{App, Outcome};
use crate::{
    maps::{
        MapDesc, describe_failures,
        ops::{OpError, OpResult, Operation},
    },
    values::decode::{self, Value},
    values::percpu,
    values::render::Style,
};

impl App {
    /// Reports an operation's result (the refresh of that map follows from the collector).
    pub(super) fn apply_outcome(&mut self, outcome: Outcome) {
        let Outcome { map, op, result } = outcome;
        let Some(view) = self.maps.get(map) else {
            return;
        };
        let name = view.name().to_string();
        let desc = view.desc.clone();
        let style = Style {
            hex: self.rules.hex,
        };
        let value_text = |bytes: &[u8]| value_text(&desc, bytes, style);
        let result = match result {
            Ok(result) => result,
            Err(OpError::Kernel { errno, .. })
                if errno == libc::ENOENT && matches!(op, Operation::Lookup { .. }) =>
            {
                let key = match &op {
                    Operation::Lookup { key } => self.key_text(map, key),
                    _ => String::new(),
                };
                self.set_status(format!("not found: {name} has no key {key}"), false);
                return;
            }
            Err(err) => {
                self.set_status(err.to_string(), true);
                return;
            }
        };
        let text = match (&op, result) {
            (Operation::Flood(_), OpResult::Flooded(report)) => {
                let failed: u32 = report.failures.iter().map(|(_, n)| n).sum();
                let mut text = format!(
                    "flooded {name}: {} of {} inserted",
                    report.inserted, report.attempted
                );
                if failed > 0 {
                    text += &format!(", {}", describe_failures(&report.failures));
                }
                text += &format!(
                    "; {} entries now (r hides the result)",
                    report.entries_after
                );
                let view = &mut self.maps[map];
                view.last_flood = Some(report);
                view.flood_shown = true;
                text
            }
            (Operation::Lookup { key }, OpResult::Value(value)) => {
                let text = format!(
                    "found: key {} → {}",
                    self.key_text(map, key),
                    value_text(&value)
                );
                let page = self.page_rows;
                let key = key.clone();
                // Not among the rows: the refresh right behind this outcome brings it in,
                // unless the filter hides it.
                let listed = self.maps[map].select_key(&key, page);
                if !listed && !self.rules.filter.is_empty() {
                    format!("{text} (the filter /{} hides its row)", self.rules.filter)
                } else {
                    text
                }
            }
            (Operation::LookupAndDelete { key }, OpResult::Value(value)) => format!(
                "took key {} from {name}: its value was {}",
                self.key_text(map, key),
                value_text(&value)
            ),
            (Operation::Pop, OpResult::Value(value)) => {
                format!("popped from {name}: {}", value_text(&value))
            }
            (Operation::Peek, OpResult::Value(value)) => {
                format!("head of {name}: {} (still there)", value_text(&value))
            }
            (Operation::Update { key, value, .. }, _) => format!(
                "stored key {} = {} in {name}",
                self.key_text(map, key),
                value_text(value)
            ),
            (Operation::Delete { key }, _) => {
                format!("deleted key {} from {name}", self.key_text(map, key))
            }
            (Operation::Push { value, .. }, _) => {
                format!("pushed {} onto {name}", value_text(value))
            }
            (op, _) => format!("{} {name}: done", op.label()),
        };
        self.set_status(text, false);
    }
}

/// A value buffer in words: the value, or for per-CPU maps the sum over CPUs (each CPU's
/// value when they do not add up).
pub(crate) fn value_text(desc: &MapDesc, bytes: &[u8], style: Style) -> String {
    let size = desc.meta.value_size as usize;
    if !desc.meta.kind.is_percpu() {
        return decode::decode(&desc.value_layout, decode::slice(bytes, 0, size)).render(style);
    }
    let stride = desc.value_stride();
    let values: Vec<Value> = (0..desc.cpus)
        .map(|cpu| decode::decode(&desc.value_layout, decode::slice(bytes, cpu * stride, size)))
        .collect();
    let cpus = values.len();
    if values.windows(2).all(|w| w[0] == w[1])
        && let Some(one) = values.first()
    {
        return format!("{} on each of {cpus} CPUs", one.render(style));
    }
    match percpu::sum(&desc.value_layout, &values) {
        Some(sum) => format!("{} (sum of {cpus} CPUs)", sum.render(style)),
        None => values
            .iter()
            .enumerate()
            .map(|(cpu, v)| format!("cpu{cpu} {}", v.render(style)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
