//! Reading a whole map at one moment into flat buffers (keys and values packed end to end,
//! so a million entries cost their raw bytes plus two Vec headers).
use std::time::Instant;

use super::{MapError, MapHandle, MapKind};
use crate::sys;

/// The contents of one map at `taken_at`.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub map_id: u32,
    pub key_size: usize,
    /// Bytes of one CPU's value (aligned to 8 for per-CPU maps).
    pub value_stride: usize,
    /// Values per entry: possible CPUs for per-CPU maps, else 1.
    pub cpus: usize,
    keys: Vec<u8>,
    values: Vec<u8>,
    len: usize,
    pub taken_at: Instant,
}

impl Snapshot {
    /// An empty snapshot of a map with these sizes; `push` fills it.
    pub fn new(map_id: u32, key_size: usize, value_stride: usize, cpus: usize) -> Self {
        Self {
            map_id,
            key_size,
            value_stride,
            cpus,
            keys: Vec::new(),
            values: Vec::new(),
            len: 0,
            taken_at: Instant::now(),
        }
    }

    fn empty(map: &MapHandle) -> Self {
        let desc = &map.desc;
        Self::new(
            desc.meta.id,
            desc.meta.key_size as usize,
            desc.value_stride(),
            desc.cpus,
        )
    }

    /// Appends an entry: `value` holds `cpus` values of `value_stride` bytes.
    pub fn push(&mut self, key: &[u8], value: &[u8]) {
        debug_assert_eq!(key.len(), self.key_size);
        debug_assert_eq!(value.len(), self.value_stride * self.cpus);
        self.keys.extend_from_slice(key);
        self.values.extend_from_slice(value);
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn key(&self, index: usize) -> &[u8] {
        &self.keys[index * self.key_size..(index + 1) * self.key_size]
    }

    /// The whole value of an entry: `cpus` values of `value_stride` bytes.
    pub fn value(&self, index: usize) -> &[u8] {
        let width = self.value_stride * self.cpus;
        &self.values[index * width..(index + 1) * width]
    }

    /// One CPU's value of an entry (the only value for other maps).
    pub fn cpu_value(&self, index: usize, cpu: usize) -> &[u8] {
        let start = index * self.value_stride * self.cpus + cpu * self.value_stride;
        &self.values[start..start + self.value_stride]
    }

    /// Entries whose value is not all zero bytes: for arrays, the slots in use.
    pub fn nonzero_count(&self) -> usize {
        (0..self.len)
            .filter(|&i| self.value(i).iter().any(|&b| b != 0))
            .count()
    }

    /// Raw key and value bytes held (the memory a snapshot is built to stay close to).
    pub fn payload_bytes(&self) -> usize {
        self.keys.len() + self.values.len()
    }
}

impl MapHandle {
    /// Reads every entry: keys in kernel iteration order; arrays slot by slot; a queue or
    /// stack shows only its head, since the kernel has no way to list one without popping.
    pub fn snapshot(&self) -> Result<Snapshot, MapError> {
        let mut snap = Snapshot::empty(self);
        match self.desc.meta.kind {
            kind if kind.is_array() => self.read_array(&mut snap)?,
            kind if kind.is_queue_like() => self.read_head(&mut snap)?,
            MapKind::Other(_) => {
                return Err(MapError::Unsupported {
                    name: self.desc.meta.name.clone(),
                    kind: self.desc.meta.kind.label(),
                });
            }
            _ => self.read_by_key(&mut snap)?,
        }
        snap.taken_at = Instant::now();
        Ok(snap)
    }

    fn read_array(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        for index in 0..self.desc.meta.max_entries {
            let key = index.to_ne_bytes();
            sys::lookup_elem(self.fd(), &key, &mut value).map_err(|e| self.syscall_error(e))?;
            snap.push(&key, &value);
        }
        Ok(())
    }

    fn read_head(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        match sys::lookup_elem(self.fd(), &[], &mut value) {
            Ok(()) => snap.push(&[], &value),
            Err(err) if err.errno() == libc::ENOENT => {}
            Err(err) => return Err(self.syscall_error(err)),
        }
        Ok(())
    }

    /// GET_NEXT_KEY + LOOKUP, two syscalls per entry (as `bpftool map dump`). A key deleted
    /// between the two calls is skipped; the walk stops at max_entries so that a map
    /// restarting its iteration under churn cannot loop forever.
    fn read_by_key(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let key_size = self.desc.meta.key_size as usize;
        let mut key = vec![0u8; key_size];
        let mut next = vec![0u8; key_size];
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        let mut started = false;
        while snap.len() < self.desc.meta.max_entries as usize {
            let current = started.then_some(key.as_slice());
            let more = sys::get_next_key(self.fd(), current, &mut next)
                .map_err(|e| self.syscall_error(e))?;
            if !more {
                break;
            }
            started = true;
            std::mem::swap(&mut key, &mut next);
            match sys::lookup_elem(self.fd(), &key, &mut value) {
                Ok(()) => snap.push(&key, &value),
                Err(err) if err.errno() == libc::ENOENT => continue,
                Err(err) => return Err(self.syscall_error(err)),
            }
        }
        Ok(())
    }
}
