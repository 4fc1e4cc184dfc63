//! The flood popup as a pure state machine: how many keys, from the kernel-side flood
//! program or a userspace thread, on which CPU — then one [`FloodRequest`].
use crate::maps::{
    MapDesc, kernel_flood_refusal,
    ops::{FloodFrom, FloodRequest, MAX_FLOOD},
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloodSetup {
    /// Index of the map in `App::maps`.
    pub map: usize,
    pub name: String,
    pub max_entries: u32,
    /// Keys 1..=count; max_entries + 1 unless changed, one more than fits.
    pub count: u32,
    pub from: FloodFrom,
    /// Whether the kernel-side program can fill this map (the experiment maps only).
    pub kernel_allowed: bool,
    pub cpu: u32,
    /// Possible CPUs: the CPU cycles through 0..cpus.
    pub cpus: u32,
    /// The count being typed, while the count field is open.
    pub editing: Option<String>,
    /// Why the last key was refused (a count that is no number, a mode this map lacks).
    pub error: Option<String>,
}

impl FloodSetup {
    pub fn new(map: usize, desc: &MapDesc, possible_cpus: usize) -> Self {
        let name = desc.meta.name.clone();
        let kernel_allowed = desc.kernel_flood.is_some();
        Self {
            map,
            max_entries: desc.meta.max_entries,
            count: desc.meta.max_entries.saturating_add(1),
            from: if kernel_allowed {
                FloodFrom::Kernel
            } else {
                FloodFrom::User
            },
            kernel_allowed,
            cpu: 0,
            cpus: u32::try_from(possible_cpus.max(1)).unwrap_or(u32::MAX),
            editing: None,
            error: None,
            name,
        }
    }

    pub fn toggle_from(&mut self) {
        self.error = None;
        self.from = match self.from {
            FloodFrom::User if self.kernel_allowed => FloodFrom::Kernel,
            FloodFrom::User => {
                self.error = Some(kernel_flood_refusal(&self.name));
                FloodFrom::User
            }
            FloodFrom::Kernel => FloodFrom::User,
        };
    }

    pub fn next_cpu(&mut self) {
        self.error = None;
        self.cpu = (self.cpu + 1) % self.cpus.max(1);
    }

    /// Opens the count field, empty, ready to type.
    pub fn edit_count(&mut self) {
        self.error = None;
        self.editing = Some(String::new());
    }

    pub fn type_char(&mut self, c: char) {
        if let Some(text) = &mut self.editing {
            text.push(c);
            self.error = None;
        }
    }

    pub fn erase(&mut self) {
        if let Some(text) = &mut self.editing {
            text.pop();
            self.error = None;
        }
    }

    /// Takes the typed count if it is a number from 1 up; else keeps the field open with
    /// the reason. True when the field closed.
    pub fn accept_count(&mut self) -> bool {
        let Some(text) = &self.editing else {
            return true;
        };
        let text = text.trim().replace('_', "");
        match text.parse::<u32>() {
            Ok(0) => self.error = Some("a flood needs at least one key".into()),
            // Refused here, while typing, not after the confirm.
            Ok(count) if count > MAX_FLOOD => {
                self.error = Some(format!(
                    "{count} keys is more than a flood takes (at most {MAX_FLOOD}, bpf_loop's limit)"
                ));
            }
            Ok(count) => {
                self.count = count;
                self.editing = None;
                self.error = None;
                return true;
            }
            Err(_) if text.is_empty() => {
                self.error = Some("type a count, like 10 (Esc keeps the old one)".into());
            }
            Err(_) => {
                self.error = Some(format!(
                    "not a count: {text:?} (a whole number from 1 to {MAX_FLOOD})"
                ));
            }
        }
        false
    }

    pub fn cancel_edit(&mut self) {
        self.editing = None;
        self.error = None;
    }

    pub fn request(&self) -> FloodRequest {
        FloodRequest {
            count: self.count,
            cpu: Some(self.cpu),
            from: self.from,
        }
    }
}
