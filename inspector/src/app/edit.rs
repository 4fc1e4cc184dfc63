//! Changing maps from the keyboard: the keys that open a popup (i, d, x, l, f, F), the
//! popups' keys, and the one way out that sends something, [`Effect::Run`].
//!
//! Every operation is checked with [`ops::check`] before a popup opens, so what a map type
//! cannot do is refused at once with the reason, never after the user typed a value.
use super::{
    App, Effect, Mode, Ownership, Pane,
    flood::FloodSetup,
    probe::ProbePrompt,
    prompt::{Prompt, PromptKind},
};
use crate::{
    maps::{
        MapDesc,
        ops::{self, FloodFrom, FloodRequest, Operation},
    },
    sys::BPF_ANY,
    values::{decode, render::Style},
};

/// A yes/no question before an operation that loses data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub map: usize,
    pub op: Operation,
    /// "delete key 7 from exec_counts?"
    pub question: String,
    /// What the entry holds now, so the user sees what goes.
    pub detail: String,
    /// The word on the yes key: "delete".
    pub yes: &'static str,
}

/// The popup on top of the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popup {
    Prompt(Prompt),
    Confirm(Confirm),
    Flood(FloodSetup),
    /// An address (LPM) or a value (bloom filter) to ask about or add.
    Probe(ProbePrompt),
}

impl Popup {
    /// The mode whose keys this popup takes.
    pub fn mode(&self) -> Mode {
        match self {
            Self::Prompt(_) | Self::Probe(_) => Mode::Prompt,
            Self::Confirm(_) => Mode::Confirm,
            Self::Flood(setup) if setup.editing.is_some() => Mode::FloodCount,
            Self::Flood(_) => Mode::Flood,
        }
    }
}

/// What a popup key leads to.
enum Step {
    Stay,
    Close,
    Run(usize, Operation),
    /// The user said yes to this operation already: no second question.
    Confirmed(usize, Operation),
}

/// Zero bytes of the right sizes: `ops::check` looks at the shape of an operation only.
fn placeholder_key(desc: &MapDesc) -> Vec<u8> {
    vec![0; desc.meta.key_size as usize]
}

fn placeholder_value(desc: &MapDesc) -> Vec<u8> {
    vec![0; desc.value_buffer_len()]
}

impl App {
    /// The selected map's index and description, with `op` checked against it. A refusal
    /// goes to the status line, in red.
    fn checked(&mut self, op: &Operation) -> Option<(usize, MapDesc)> {
        let view = self.selected()?;
        let desc = view.desc.clone();
        if op.changes_map()
            && let Some(refusal) = self.change_refusal(&desc)
        {
            self.set_status(refusal, true);
            return None;
        }
        match ops::check(&desc, op) {
            Ok(()) => Some((self.selected_map, desc)),
            Err(err) => {
                self.set_status(err.to_string(), true);
                None
            }
        }
    }

    /// Why no change to `desc` is offered, if none is: frozen first (--write would not
    /// help), then another program's map without --write.
    pub(super) fn change_refusal(&self, desc: &MapDesc) -> Option<String> {
        if desc.frozen {
            Some(ops::frozen_refusal(&desc.meta.name).to_string())
        } else if self.ownership == Ownership::ReadOnly {
            Some(ops::read_only_refusal(&desc.meta.name))
        } else {
            None
        }
    }

    fn open(&mut self, popup: Popup) {
        self.mode = popup.mode();
        self.popup = Some(popup);
    }

    fn style(&self) -> Style {
        Style {
            hex: self.rules.hex,
        }
    }

    /// `i`: a prompt for a key and a value (a value only on a queue or stack), prefilled
    /// from the selected entry when the entry table has the keyboard.
    pub(super) fn start_insert(&mut self) {
        if self.start_probe(true) {
            return;
        }
        let Some(view) = self.selected() else { return };
        let queue = view.desc.meta.kind.is_queue_like();
        let op = if queue {
            Operation::Push {
                value: placeholder_value(&view.desc),
                flags: BPF_ANY,
            }
        } else {
            Operation::Update {
                key: placeholder_key(&view.desc),
                value: placeholder_value(&view.desc),
                flags: BPF_ANY,
            }
        };
        let Some((map, desc)) = self.checked(&op) else {
            return;
        };
        let style = self.style();
        let (kind, entry) = if queue {
            (PromptKind::Push, None)
        } else {
            let entry = (self.focus == Pane::Entries)
                .then(|| self.maps[map].selected_entry())
                .flatten();
            (PromptKind::Update, entry)
        };
        let prompt = Prompt::new(map, &desc, kind, entry, style);
        self.open(Popup::Prompt(prompt));
    }

    /// `d`: delete the selected entry, once confirmed.
    pub(super) fn start_delete(&mut self) {
        let Some(view) = self.selected() else { return };
        let op = Operation::Delete {
            key: placeholder_key(&view.desc),
        };
        if self.checked(&op).is_some() {
            self.confirm_selected(|key| Operation::Delete { key }, "delete", "delete");
        }
    }

    /// `x`: lookup-and-delete the selected entry (confirmed), or pop a queue or stack.
    pub(super) fn start_take(&mut self) -> Option<Effect> {
        let view = self.selected()?;
        if view.desc.meta.kind.is_queue_like() {
            let (map, _) = self.checked(&Operation::Pop)?;
            return self.run(map, Operation::Pop);
        }
        let op = Operation::LookupAndDelete {
            key: placeholder_key(&view.desc),
        };
        self.checked(&op)?;
        self.confirm_selected(
            |key| Operation::LookupAndDelete { key },
            "look up and delete",
            "take",
        );
        None
    }

    /// A confirm popup for `make(selected key)`, naming the key and showing its value.
    fn confirm_selected(
        &mut self,
        make: impl Fn(Vec<u8>) -> Operation,
        verb: &str,
        yes: &'static str,
    ) {
        let map = self.selected_map;
        let style = self.style();
        let Some(view) = self.selected() else { return };
        let Some(entry) = view.selected_index().and_then(|i| view.decode(i)) else {
            self.set_status(format!("{} has no entry to {verb}", view.name()), true);
            return;
        };
        let Some((key, _)) = view.selected_entry() else {
            return;
        };
        let confirm = Confirm {
            map,
            op: make(key.to_vec()),
            question: format!(
                "{verb} key {} from {}?",
                entry.key.render(style),
                view.name()
            ),
            detail: format!("value now: {}", entry.value.render(style)),
            yes,
        };
        self.open(Popup::Confirm(confirm));
    }

    /// `l`: a prompt for a key to look up, or a peek at a queue or stack.
    pub(super) fn start_lookup(&mut self) -> Option<Effect> {
        if self.start_probe(false) {
            return None;
        }
        let view = self.selected()?;
        if view.desc.meta.kind.is_queue_like() {
            let (map, _) = self.checked(&Operation::Peek)?;
            return self.run(map, Operation::Peek);
        }
        let op = Operation::Lookup {
            key: placeholder_key(&view.desc),
        };
        let (map, desc) = self.checked(&op)?;
        let style = self.style();
        let prompt = Prompt::new(map, &desc, PromptKind::Lookup, None, style);
        self.open(Popup::Prompt(prompt));
        None
    }

    /// `f` / `F`: the flood popup, with the count field open for `F`.
    pub(super) fn start_flood(&mut self, edit_count: bool) {
        let op = Operation::Flood(FloodRequest {
            count: 1,
            cpu: None,
            from: FloodFrom::User,
        });
        let Some((map, desc)) = self.checked(&op) else {
            return;
        };
        let mut setup = FloodSetup::new(map, &desc, self.possible_cpus);
        if edit_count {
            setup.edit_count();
        }
        self.open(Popup::Flood(setup));
    }

    pub(super) fn toggle_flood_result(&mut self) {
        let Some(view) = self.selected_mut() else {
            return;
        };
        if view.last_flood.is_some() {
            view.flood_shown = !view.flood_shown;
        } else {
            let text = format!("{} has not been flooded yet: f floods it", view.name());
            self.set_status(text, false);
        }
    }

    /// Esc while browsing closes what is open: the flood result, the changes view, an inner
    /// map, a message. It never quits: a session is not lost to a key pressed to close one.
    pub(super) fn back(&mut self) {
        if let Some(view) = self.selected_mut()
            && view.flood_shown
        {
            view.flood_shown = false;
            return;
        }
        // The changes-since-mark view, back to every entry.
        if self.selected().is_some_and(|v| v.since_mark.is_some()) {
            return self.toggle_since_mark();
        }
        // Out of an inner map, back to the map-of-maps it was opened from.
        if self.go_back() {
            return;
        }
        if self.status.is_some() {
            self.status = None;
        } else {
            self.set_status("nothing to close: q quits", false);
        }
    }

    /// A key while a popup is open.
    pub(super) fn popup_action(&mut self, action: super::Action) -> Option<Effect> {
        if matches!(self.popup, Some(Popup::Probe(_))) {
            return self.probe_action(action);
        }
        let Some(mut popup) = self.popup.take() else {
            self.mode = Mode::Normal;
            return None;
        };
        let step = match &mut popup {
            Popup::Prompt(prompt) => prompt_step(prompt, action),
            Popup::Confirm(confirm) => match action {
                super::Action::Submit => Step::Confirmed(confirm.map, confirm.op.clone()),
                super::Action::Cancel => Step::Close,
                _ => Step::Stay,
            },
            Popup::Flood(setup) => flood_step(setup, action),
            // Handled by `probe_action` before this match.
            Popup::Probe(_) => Step::Stay,
        };
        match step {
            Step::Stay => {
                self.open(popup);
                None
            }
            Step::Close => {
                self.mode = Mode::Normal;
                self.set_status("cancelled: nothing was sent", false);
                None
            }
            Step::Run(map, op) => {
                self.mode = Mode::Normal;
                self.run(map, op)
            }
            Step::Confirmed(map, op) => {
                self.mode = Mode::Normal;
                self.send(map, op)
            }
        }
    }

    /// The effect that runs `op`, with a status that says it is on its way. Checked once
    /// more with the real bytes: a refusal is reported and nothing is sent.
    fn run(&mut self, map: usize, op: Operation) -> Option<Effect> {
        let view = self.maps.get(map)?;
        if op.changes_map() {
            match self.ownership {
                Ownership::Own => {}
                Ownership::ReadOnly => {
                    let text = ops::read_only_refusal(view.name());
                    self.set_status(text, true);
                    return None;
                }
                // --write: a map another program relies on changes only after a yes.
                Ownership::Writable => {
                    let question = format!("change {}, a map another program owns?", view.name());
                    let confirm = Confirm {
                        map,
                        detail: format!("{} from mapinspect (--write)", op.label()),
                        op,
                        question,
                        yes: "change",
                    };
                    self.open(Popup::Confirm(confirm));
                    return None;
                }
            }
        }
        self.send(map, op)
    }

    /// Sends `op` after a last check with the real bytes, with a status that says it is on
    /// its way; a refusal is reported and nothing is sent.
    fn send(&mut self, map: usize, op: Operation) -> Option<Effect> {
        let view = self.maps.get(map)?;
        if let Err(err) = ops::check(&view.desc, &op) {
            self.set_status(err.to_string(), true);
            return None;
        }
        let name = view.name().to_string();
        let text = match &op {
            Operation::Flood(request) => format!(
                "flooding {name}… (keys 1..={}, {})",
                request.count,
                match request.from {
                    FloodFrom::Kernel => "kernel program",
                    FloodFrom::User => "userspace thread",
                }
            ),
            op => format!("{} {name}…", op.label()),
        };
        self.set_status(text, false);
        Some(Effect::Run { map, op })
    }

    /// The key of `key` bytes of map `map`, as the table shows it.
    pub(super) fn key_text(&self, map: usize, key: &[u8]) -> String {
        self.maps.get(map).map_or_else(String::new, |view| {
            decode::decode(&view.desc.key_layout, key).render(self.style())
        })
    }
}

fn prompt_step(prompt: &mut Prompt, action: super::Action) -> Step {
    use super::Action as A;
    let op = match action {
        A::Type(c) => {
            prompt.type_char(c);
            None
        }
        A::Erase => {
            prompt.erase();
            None
        }
        A::ClearField => {
            prompt.clear_field();
            None
        }
        A::NextField => {
            prompt.next();
            None
        }
        A::PrevField => {
            prompt.prev();
            None
        }
        A::CycleFlags => {
            prompt.cycle_flags();
            None
        }
        A::TogglePerCpu => {
            prompt.toggle_per_cpu();
            None
        }
        A::Submit => prompt.enter(),
        A::SubmitAll => prompt.submit(),
        A::Cancel => return Step::Close,
        _ => None,
    };
    match op {
        Some(op) => Step::Run(prompt.map, op),
        None => Step::Stay,
    }
}

fn flood_step(setup: &mut FloodSetup, action: super::Action) -> Step {
    use super::Action as A;
    if setup.editing.is_some() {
        match action {
            A::Type(c) => setup.type_char(c),
            A::Erase => setup.erase(),
            A::Submit => {
                setup.accept_count();
            }
            A::Cancel => setup.cancel_edit(),
            _ => {}
        }
        return Step::Stay;
    }
    match action {
        A::FloodMode => setup.toggle_from(),
        A::FloodCpu => setup.next_cpu(),
        A::EditCount => setup.edit_count(),
        A::Submit => return Step::Run(setup.map, Operation::Flood(setup.request())),
        A::Cancel => return Step::Close,
        _ => {}
    }
    Step::Stay
}
