//! `l` and `i` on maps without keys to type: an LPM trie takes an address and shows which
//! prefix routes it; a bloom filter takes a value and says whether it may be in the set
//! (`l`) or adds it (`i`, own maps or --write). The popup is one line of input; the
//! collector asks the kernel and answers with a [`Probed`].
use super::{App, Effect, Mode, Ownership, Popup, Probe, ProbeAnswer, Probed, value_text};
use crate::{
    maps::{MapDesc, MapKind, types::lpm},
    values::{Layout, encode},
};

/// What the probe popup asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    LpmMatch,
    BloomTest,
    BloomAdd,
}

/// The probe popup's state: which map, what is asked, what was typed, and why it was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbePrompt {
    pub map: usize,
    pub kind: ProbeKind,
    pub title: String,
    /// What to type, e.g. "an IPv4 address (10.1.2.3)".
    pub hint: String,
    pub input: String,
    pub error: Option<String>,
    /// A map another program owns (--write): the first Enter asks, the second adds.
    pub ask_first: bool,
    data_len: usize,
    value_layout: Layout,
}

impl ProbePrompt {
    fn new(map: usize, desc: &MapDesc, kind: ProbeKind) -> Self {
        let name = &desc.meta.name;
        let data_len = (desc.meta.key_size as usize).saturating_sub(4);
        let (title, hint) = match kind {
            ProbeKind::LpmMatch => (
                format!("longest-prefix match in {name}"),
                match data_len {
                    4 => "an IPv4 address (10.1.2.3)".to_string(),
                    16 => "an IPv6 address (2001:db8::1)".to_string(),
                    n => format!("{n} bytes of data, in hex"),
                },
            ),
            ProbeKind::BloomTest => (
                format!("may {name} hold…"),
                format!("a {} value", desc.value_layout.type_name()),
            ),
            ProbeKind::BloomAdd => (
                format!("add to {name}"),
                format!("a {} value", desc.value_layout.type_name()),
            ),
        };
        Self {
            map,
            kind,
            title,
            hint,
            input: String::new(),
            error: None,
            ask_first: false,
            data_len,
            value_layout: desc.value_layout.clone(),
        }
    }

    /// The request the input stands for, or why it cannot be one.
    pub fn request(&self) -> Result<Probe, String> {
        match self.kind {
            ProbeKind::LpmMatch => {
                lpm::parse_address(&self.input, self.data_len).map(Probe::LpmMatch)
            }
            ProbeKind::BloomTest | ProbeKind::BloomAdd => {
                let inputs: Vec<&str> = self.input.split(',').map(str::trim).collect();
                let value =
                    encode::encode_all(&self.value_layout, &inputs).map_err(|e| e.to_string())?;
                Ok(match self.kind {
                    ProbeKind::BloomAdd => Probe::BloomAdd(value),
                    _ => Probe::BloomTest(value),
                })
            }
        }
    }
}

impl App {
    /// Opens the probe popup if the selected map is an LPM trie or a bloom filter (true),
    /// or refuses with the reason in the status line (also true: the key was handled).
    pub(super) fn start_probe(&mut self, insert: bool) -> bool {
        let Some(view) = self.selected() else {
            return false;
        };
        let kind = match (view.desc.meta.kind, insert) {
            (MapKind::LpmTrie, false) => ProbeKind::LpmMatch,
            (MapKind::BloomFilter, false) => ProbeKind::BloomTest,
            (MapKind::BloomFilter, true) => ProbeKind::BloomAdd,
            _ => return false,
        };
        if kind == ProbeKind::BloomAdd
            && let Some(refusal) = self.change_refusal(&view.desc)
        {
            self.set_status(refusal, true);
            return true;
        }
        let mut prompt = ProbePrompt::new(self.selected_map, &view.desc, kind);
        prompt.ask_first = kind == ProbeKind::BloomAdd && self.ownership == Ownership::Writable;
        self.mode = Mode::Prompt;
        self.popup = Some(Popup::Probe(prompt));
        true
    }

    /// A key while the probe popup is open.
    pub(super) fn probe_action(&mut self, action: super::Action) -> Option<Effect> {
        use super::Action as A;
        let Some(Popup::Probe(prompt)) = &mut self.popup else {
            return None;
        };
        match action {
            A::Type(c) => {
                prompt.input.push(c);
                prompt.error = None;
            }
            A::Submit | A::SubmitAll if prompt.ask_first => match prompt.request() {
                // Nothing removes a value from a bloom filter: say so once before adding.
                Ok(_) => {
                    prompt.ask_first = false;
                    prompt.error = Some(
                        "another program owns this filter and an added value cannot be \
                         removed: Enter adds it, Esc cancels"
                            .into(),
                    );
                }
                Err(err) => prompt.error = Some(err),
            },
            A::Erase => {
                prompt.input.pop();
                prompt.error = None;
            }
            A::ClearField => prompt.input.clear(),
            A::Cancel => self.close_probe(),
            A::Submit | A::SubmitAll => match prompt.request() {
                Ok(probe) => {
                    let map = prompt.map;
                    self.close_probe();
                    return Some(Effect::Probe { map, probe });
                }
                Err(err) => prompt.error = Some(err),
            },
            _ => {}
        }
        None
    }

    fn close_probe(&mut self) {
        self.popup = None;
        self.mode = Mode::Normal;
    }

    /// The collector's answer: in the status line, and an LPM match selects its prefix.
    pub(super) fn apply_probed(&mut self, probed: Probed) {
        let answer = match probed.result {
            Ok(answer) => answer,
            Err(err) => return self.set_status(err.to_string(), true),
        };
        let Some(view) = self.maps.get_mut(probed.map) else {
            return;
        };
        if let ProbeAnswer::Matched {
            prefix: Some(prefix),
            ..
        } = &answer
        {
            let mut key = prefix.len.to_ne_bytes().to_vec();
            key.extend(&prefix.data);
            view.select_key(&key, self.page_rows);
        }
        let text = answer_text(&view.desc, &answer);
        self.set_status(text, false);
    }
}

/// A probe's answer in words, naming the map.
fn answer_text(desc: &MapDesc, answer: &ProbeAnswer) -> String {
    let name = &desc.meta.name;
    // An address as its prefix of every bit shows it, without the "/32".
    let addr_text = |addr: &[u8]| {
        let shown = lpm::Prefix {
            len: (addr.len() * 8) as u32,
            data: addr.to_vec(),
        }
        .to_string();
        shown
            .rsplit_once('/')
            .map_or(shown.clone(), |(a, _)| a.to_string())
    };
    match answer {
        ProbeAnswer::Matched {
            addr,
            prefix,
            value,
        } => {
            let value = value_text(desc, value, Default::default());
            let prefix = prefix.as_ref().map_or_else(
                || "a prefix added since the last read".to_string(),
                ToString::to_string,
            );
            format!("{} → {prefix} in {name}: {value}", addr_text(addr))
        }
        ProbeAnswer::NoMatch { addr } => {
            format!("no prefix of {name} holds {}", addr_text(addr))
        }
        ProbeAnswer::MayHold => {
            format!("{name} may hold it (a bloom filter can be wrong about yes, never about no)")
        }
        ProbeAnswer::SurelyNot => format!("{name} surely does not hold it"),
        ProbeAnswer::Added => format!("added to {name}"),
    }
}
