//! The insert / lookup / push prompt, a pure state machine: one input line per editable
//! leaf of the key and then the value ([`crate::values::Layout::leaves`]), each checked with
//! [`encode_leaf`], and on submit the exact bytes of an [`Operation`] — or nothing at all,
//! with every bad field's error kept for the screen.
use super::prefill::leaf_text;
use crate::{
    maps::{MapDesc, ops::Operation},
    sys::{BPF_ANY, BPF_EXIST, BPF_NOEXIST},
    values::decode,
    values::encode::{EncodeError, Leaf, encode_leaf},
    values::leaves::{skipped, write_order},
    values::render::Style,
};

/// What the prompt will send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// Key and value: BPF_MAP_UPDATE_ELEM.
    Update,
    /// Key only.
    Lookup,
    /// Value only, onto a queue or stack.
    Push,
}

/// Which bytes a field writes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Key,
    /// `cpu` is None when the one value goes to every CPU.
    Value {
        cpu: Option<usize>,
    },
}

/// One input line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub part: Part,
    pub leaf: Leaf,
    pub input: String,
    /// The prefilled input (or ""): in a union, the member whose inputs differ from theirs
    /// is the one written ([`crate::values::leaves`]).
    pub initial: String,
    /// Why the input was refused, as [`EncodeError`] says it.
    pub error: Option<String>,
}

impl Field {
    /// `count`, `stats.execs`, or `key` / `value` when the whole thing is one number.
    pub fn label(&self) -> &str {
        match (self.leaf.path.as_str(), self.part) {
            ("", Part::Key) => "key",
            ("", Part::Value { .. }) => "value",
            (path, _) => path,
        }
    }

    /// `u32`, `char[16]`, `u8:3` for a bitfield.
    pub fn type_name(&self) -> String {
        let name = self.leaf.layout.type_name();
        match self.leaf.bitfield_bits {
            Some(bits) => format!("{name}:{bits}"),
            None => name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// Index of the map in `App::maps`.
    pub map: usize,
    pub kind: PromptKind,
    /// "insert into exec_counts", "edit key 7 of exec_counts".
    pub title: String,
    pub key_type: String,
    pub value_type: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// BPF_ANY / BPF_NOEXIST / BPF_EXIST (Update and Push).
    pub flags: u64,
    /// Per-CPU maps: Some(true) for a value per CPU, Some(false) for one value for all.
    pub per_cpu: Option<bool>,
    pub cpus: usize,
    key_size: usize,
    value_size: usize,
    stride: usize,
    value_leaves: Vec<Leaf>,
}

impl Prompt {
    /// A prompt for map `map`, prefilled from `entry` (its key and whole value buffer) if
    /// given. A per-CPU entry whose CPUs disagree opens with a value per CPU, so Enter alone
    /// writes back what is there.
    pub fn new(
        map: usize,
        desc: &MapDesc,
        kind: PromptKind,
        entry: Option<(&[u8], &[u8])>,
        style: Style,
    ) -> Self {
        let name = &desc.meta.name;
        let key_text = entry.map(|(key, _)| decode::decode(&desc.key_layout, key).render(style));
        let title = match (kind, key_text) {
            (PromptKind::Update, Some(key)) => format!("edit key {key} of {name}"),
            (PromptKind::Update, None) => format!("insert into {name}"),
            (PromptKind::Lookup, _) => format!("look up a key in {name}"),
            (PromptKind::Push, _) => format!("push onto {name}"),
        };
        let cpus = desc.cpus.max(1);
        let mut prompt = Self {
            map,
            kind,
            title,
            key_type: desc.key_layout.type_name(),
            value_type: desc.value_layout.type_name(),
            fields: Vec::new(),
            focus: 0,
            flags: BPF_ANY,
            per_cpu: None,
            cpus,
            key_size: desc.meta.key_size as usize,
            value_size: desc.meta.value_size as usize,
            stride: desc.value_stride(),
            value_leaves: desc.value_layout.leaves(),
        };
        if kind != PromptKind::Push {
            prompt.fields = desc
                .key_layout
                .leaves()
                .into_iter()
                .map(|leaf| {
                    let input =
                        entry.map_or_else(String::new, |(key, _)| leaf_text(&leaf, key, style));
                    Field {
                        part: Part::Key,
                        leaf,
                        initial: input.clone(),
                        input,
                        error: None,
                    }
                })
                .collect();
        }
        if kind == PromptKind::Lookup {
            return prompt;
        }
        let values: Option<Vec<&[u8]>> = entry.map(|(_, value)| {
            (0..cpus)
                .map(|cpu| decode::slice(value, cpu * prompt.stride, prompt.value_size))
                .collect()
        });
        let split = desc.meta.kind.is_percpu()
            && values
                .as_ref()
                .is_some_and(|v| v.windows(2).any(|w| w[0] != w[1]));
        if desc.meta.kind.is_percpu() {
            prompt.per_cpu = Some(split);
        }
        let texts: Vec<Vec<(String, String)>> = match &values {
            Some(values) => values
                .iter()
                .map(|bytes| {
                    let texts = prompt.value_texts(bytes, style);
                    texts.into_iter().map(|t| (t.clone(), t)).collect()
                })
                .collect(),
            None => Vec::new(),
        };
        prompt.push_values(&texts);
        prompt
    }

    /// Inputs for the value leaves, read from one CPU's value.
    fn value_texts(&self, bytes: &[u8], style: Style) -> Vec<String> {
        self.value_leaves
            .iter()
            .map(|leaf| leaf_text(leaf, bytes, style))
            .collect()
    }

    /// Appends the value fields: once, or once per CPU; `texts[cpu][leaf]` prefills them
    /// (input, and the initial input it is compared with).
    fn push_values(&mut self, texts: &[Vec<(String, String)>]) {
        let cpus: Vec<Option<usize>> = if self.per_cpu == Some(true) {
            (0..self.cpus).map(Some).collect()
        } else {
            vec![None]
        };
        for cpu in cpus {
            let row = texts.get(cpu.unwrap_or(0));
            for (i, leaf) in self.value_leaves.iter().enumerate() {
                let (input, initial) = row.and_then(|r| r.get(i)).cloned().unwrap_or_default();
                self.fields.push(Field {
                    part: Part::Value { cpu },
                    leaf: leaf.clone(),
                    initial,
                    input,
                    error: None,
                });
            }
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn type_char(&mut self, c: char) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.input.push(c);
            field.error = None;
        }
    }

    pub fn erase(&mut self) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.input.pop();
            field.error = None;
        }
    }

    pub fn clear_field(&mut self) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.input.clear();
            field.error = None;
        }
    }

    /// Checks the field being left, then moves on (wrapping around).
    pub fn next(&mut self) {
        self.check(self.focus);
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev(&mut self) {
        self.check(self.focus);
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    /// Enter: the next field, or on the last one the operation (if every field is good).
    pub fn enter(&mut self) -> Option<Operation> {
        if self.focus + 1 < self.fields.len() {
            self.next();
            None
        } else {
            self.submit()
        }
    }

    /// The flags this prompt offers: none for a lookup, BPF_ANY / BPF_EXIST for a push.
    pub fn flag_choices(&self) -> &'static [u64] {
        match self.kind {
            PromptKind::Update => &[BPF_ANY, BPF_NOEXIST, BPF_EXIST],
            PromptKind::Push => &[BPF_ANY, BPF_EXIST],
            PromptKind::Lookup => &[],
        }
    }

    pub fn cycle_flags(&mut self) {
        let choices = self.flag_choices();
        if let Some(at) = choices.iter().position(|&f| f == self.flags) {
            self.flags = choices[(at + 1) % choices.len()];
        }
    }

    /// Per-CPU maps: switches between one value for all CPUs and one per CPU, carrying what
    /// was typed (CPU 0's inputs become the shared value).
    pub fn toggle_per_cpu(&mut self) {
        let Some(split) = self.per_cpu else { return };
        let mut texts: Vec<Vec<(String, String)>> = Vec::new();
        for field in self.fields.iter().filter(|f| f.part != Part::Key) {
            let Part::Value { cpu } = field.part else {
                continue;
            };
            let cpu = cpu.unwrap_or(0);
            if texts.len() <= cpu {
                texts.resize(cpu + 1, Vec::new());
            }
            texts[cpu].push((field.input.clone(), field.initial.clone()));
        }
        if !split {
            // The one value for all becomes every CPU's starting point.
            let one = texts.first().cloned().unwrap_or_default();
            texts = vec![one; self.cpus];
        }
        self.fields.retain(|f| f.part == Part::Key);
        self.per_cpu = Some(!split);
        self.push_values(&texts);
        self.focus = self.focus.min(self.fields.len().saturating_sub(1));
    }

    /// Checks every field; with all good, the operation with exact bytes, else None with the
    /// focus on the first bad field.
    pub fn submit(&mut self) -> Option<Operation> {
        for i in 0..self.fields.len() {
            self.check(i);
        }
        if let Some(bad) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = bad;
            return None;
        }
        let (key, value) = match self.bytes() {
            Ok(bytes) => bytes,
            Err((at, error)) => {
                self.fields[at].error = Some(error.to_string());
                self.focus = at;
                return None;
            }
        };
        Some(match self.kind {
            PromptKind::Update => Operation::Update {
                key,
                value,
                flags: self.flags,
            },
            PromptKind::Lookup => Operation::Lookup { key },
            PromptKind::Push => Operation::Push {
                value,
                flags: self.flags,
            },
        })
    }

    /// Sets or clears field `at`'s error.
    fn check(&mut self, at: usize) {
        let Some(field) = self.fields.get(at) else {
            return;
        };
        let size = match field.part {
            Part::Key => self.key_size,
            Part::Value { .. } => self.value_size,
        };
        let mut scratch = vec![0u8; size];
        // A union member left empty is not written, so not checked.
        let error = (!skipped(&field.leaf, &field.input, &field.initial))
            .then(|| encode_leaf(&field.leaf, &field.input, &mut scratch).err())
            .flatten()
            .map(|e| e.to_string());
        self.fields[at].error = error;
    }

    /// The fields in the order to write them, per part (key, each CPU's value): unions'
    /// chosen members last, empty members left out.
    fn write_order(&self) -> Result<Vec<usize>, (usize, EncodeError)> {
        let mut order = Vec::with_capacity(self.fields.len());
        let mut parts: Vec<Part> = self.fields.iter().map(|f| f.part).collect();
        parts.dedup();
        for part in parts {
            let at: Vec<usize> = (0..self.fields.len())
                .filter(|&i| self.fields[i].part == part)
                .collect();
            let leaves: Vec<&Leaf> = at.iter().map(|&i| &self.fields[i].leaf).collect();
            let inputs: Vec<&str> = at.iter().map(|&i| self.fields[i].input.as_str()).collect();
            let initial: Vec<&str> = at
                .iter()
                .map(|&i| self.fields[i].initial.as_str())
                .collect();
            let picked = write_order(&leaves, &inputs, &initial)
                .map_err(|two| (at[two.at], EncodeError::TwoMembers(two)))?;
            order.extend(picked.into_iter().map(|i| at[i]));
        }
        Ok(order)
    }

    /// The key (key_size bytes) and the value buffer (value_size, or per-CPU maps: each
    /// CPU's value at cpu * stride, padding zero).
    fn bytes(&self) -> Result<(Vec<u8>, Vec<u8>), (usize, EncodeError)> {
        let mut key = vec![0u8; self.key_size];
        let mut shared = vec![0u8; self.value_size];
        let mut value = vec![0u8; self.stride * self.cpus];
        for i in self.write_order()? {
            let field = &self.fields[i];
            let dst: &mut [u8] = match field.part {
                Part::Key => &mut key,
                Part::Value { cpu: None } => &mut shared,
                Part::Value { cpu: Some(cpu) } => {
                    let start = cpu * self.stride;
                    let end = start + self.value_size;
                    let len = value.len();
                    value
                        .get_mut(start..end)
                        .ok_or(EncodeError::BufferTooSmall {
                            offset: start,
                            end,
                            len,
                        })
                        .map_err(|e| (i, e))?
                }
            };
            encode_leaf(&field.leaf, &field.input, dst).map_err(|e| (i, e))?;
        }
        if self.per_cpu != Some(true) {
            for cpu in 0..self.cpus {
                let start = cpu * self.stride;
                value[start..start + self.value_size].copy_from_slice(&shared);
            }
        }
        Ok((key, value))
    }
}

/// The flag's name, as the kernel headers spell it.
pub fn flag_name(flags: u64) -> &'static str {
    match flags {
        BPF_NOEXIST => "BPF_NOEXIST",
        BPF_EXIST => "BPF_EXIST",
        _ => "BPF_ANY",
    }
}

/// What the flag does, for this kind of prompt.
pub fn flag_meaning(kind: PromptKind, flags: u64) -> &'static str {
    match (kind, flags) {
        (PromptKind::Push, BPF_EXIST) => "drop the oldest when full",
        (PromptKind::Push, _) => "fail when full",
        (_, BPF_NOEXIST) => "create only: fails if the key exists",
        (_, BPF_EXIST) => "update only: fails if the key is missing",
        _ => "create or update",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_named_and_explained() {
        assert_eq!(flag_name(BPF_NOEXIST), "BPF_NOEXIST");
        assert_eq!(
            flag_meaning(PromptKind::Push, BPF_EXIST),
            "drop the oldest when full"
        );
    }
}
