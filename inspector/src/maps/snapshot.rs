//! Reading a whole map at one moment into flat buffers (keys and values packed end to end,
//! so a million entries cost their raw bytes plus two Vec headers).
use std::{collections::HashMap, sync::atomic::Ordering, time::Instant};

use super::{MapError, MapHandle};
use crate::sys::{self, Batch};

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

    pub(super) fn empty(map: &MapHandle) -> Self {
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

    /// Fills an empty array snapshot from the map's value area (`stride` bytes per slot, as
    /// the kernel lays out a mmapable array): keys 0..n and each slot's value bytes.
    pub(super) fn fill_array(&mut self, area: &[u8], stride: usize, slots: usize) {
        debug_assert!(self.is_empty() && self.key_size == 4 && self.cpus == 1);
        let width = self.value_stride;
        self.keys.reserve(slots * 4);
        self.values.reserve(slots * width);
        for (index, slot) in area.chunks(stride).take(slots).enumerate() {
            self.keys.extend_from_slice(&(index as u32).to_ne_bytes());
            self.values.extend_from_slice(&slot[..width]);
        }
        self.len = self.keys.len() / 4;
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

/// How a snapshot reads a map with keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// BPF_MAP_LOOKUP_BATCH, up to `chunk` entries per syscall (more when one hash bucket
    /// needs it), falling back to `PerKey` where the kernel or map type does not support it.
    Batch { chunk: u32 },
    /// GET_NEXT_KEY + LOOKUP: two syscalls per entry, as `bpftool map dump` reads.
    PerKey,
}

/// Errnos that mean "no batch operations here" (old kernel or map type).
const BATCH_UNSUPPORTED: [i32; 4] = [
    libc::EINVAL,
    libc::ENOTSUP,
    libc::ENOSYS,
    crate::sys::ENOTSUPP,
];

/// Entries asked for per batch call: big enough that a million entries take a few dozen
/// calls, small enough that a small map does not allocate much more than it holds.
pub const BATCH_CHUNK: u32 = 1 << 16;

/// Entries, and bytes, a batch read reserves room for at once (more grows as it arrives).
const RESERVE_ENTRIES: usize = 1 << 22;
const RESERVE_BYTES: usize = 1 << 30;

impl MapHandle {
    /// Reads every entry, in batches where the kernel allows. Arrays list every slot; a
    /// queue or stack shows only its head, since the kernel cannot list one without popping.
    /// A BPF_F_MMAPABLE array is read through a read-only mapping of its values instead.
    pub fn snapshot(&self) -> Result<Snapshot, MapError> {
        if let Some(snap) = self.snapshot_mmap() {
            return Ok(snap);
        }
        self.snapshot_with(ReadMode::Batch { chunk: BATCH_CHUNK })
    }

    pub fn snapshot_with(&self, mode: ReadMode) -> Result<Snapshot, MapError> {
        let mut snap = Snapshot::empty(self);
        let kind = self.desc.meta.kind;
        if let Some(reason) = kind.unlisted_reason() {
            return Err(MapError::Unlisted {
                name: self.desc.meta.name.clone(),
                kind: kind.label(),
                reason,
            });
        }
        let batch_chunk = match mode {
            ReadMode::Batch { chunk } if !self.batch_unsupported.load(Ordering::Relaxed) => {
                Some(chunk)
            }
            _ => None,
        };
        if kind.is_queue_like() {
            self.read_head(&mut snap)?;
        } else if kind.is_task_storage() {
            self.read_task_storage(&mut snap)?;
        } else if kind.is_cgrp_storage() {
            self.read_cgrp_storage(&mut snap)?;
        } else if let Some(chunk) = batch_chunk {
            if !self.read_batched(&mut snap, chunk)? {
                // Remember, so later refreshes go straight to the per-key walk.
                self.batch_unsupported.store(true, Ordering::Relaxed);
                snap = Snapshot::empty(self);
                self.read_unbatched(&mut snap)?;
            }
        } else {
            self.read_unbatched(&mut snap)?;
        }
        snap.taken_at = Instant::now();
        Ok(snap)
    }

    fn read_unbatched(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        if self.desc.meta.kind.is_array() {
            self.read_array(snap)
        } else {
            self.read_by_key(snap)
        }
    }

    /// Reads with BPF_MAP_LOOKUP_BATCH straight into the snapshot's buffers. Ok(false) when
    /// the kernel does not support batches for this map (nothing read).
    fn read_batched(&self, snap: &mut Snapshot, chunk: u32) -> Result<bool, MapError> {
        let key_size = snap.key_size;
        let width = snap.value_stride * snap.cpus;
        let max_entries = self.desc.meta.max_entries.max(1);
        let mut capacity = max_entries.min(chunk).max(1);
        // Room for a full map up front (bounded): growing by copying as batches arrive costs
        // more than the syscalls at a million entries. Untouched capacity is not resident
        // memory; a refused reservation only means growing as batches arrive.
        let entry_bytes = (key_size + width).max(1);
        let expected = (max_entries as usize)
            .min(RESERVE_ENTRIES)
            .min(RESERVE_BYTES / entry_bytes);
        let _ = snap.keys.try_reserve(expected * key_size);
        let _ = snap.values.try_reserve(expected * width);
        // The cursor is a bucket index for hashes and the last key for arrays.
        let mut cursor_in = vec![0u8; key_size.max(8)];
        let mut cursor_out = vec![0u8; key_size.max(8)];
        let mut started = false;
        loop {
            let have = snap.len;
            let room = capacity as usize;
            // A map too big for memory is an error, not an abort (which would skip the
            // terminal's restore).
            snap.keys
                .try_reserve(room * key_size)
                .and_then(|()| snap.values.try_reserve(room * width))
                .map_err(|_| MapError::TooBig {
                    name: self.desc.meta.name.clone(),
                    bytes: room * entry_bytes,
                })?;
            // The kernel writes straight into the spare capacity: no zeroing first.
            // SAFETY: room for `capacity` keys and values was reserved just above, and
            // `cursor_out` holds max(key size, 8) bytes, as the cursor needs.
            let result = unsafe {
                sys::lookup_batch_into(
                    self.fd(),
                    started.then_some(cursor_in.as_slice()),
                    &mut cursor_out,
                    &mut snap.keys.spare_capacity_mut()[..room * key_size],
                    &mut snap.values.spare_capacity_mut()[..room * width],
                    capacity,
                )
            };
            let filled = match &result {
                Ok(Batch::More(n) | Batch::Done(n)) => (*n as usize).min(room),
                Err(_) => 0,
            };
            snap.len = have + filled;
            // SAFETY: the kernel wrote `filled` whole keys and values after the `have` ones.
            unsafe {
                snap.keys.set_len(snap.len * key_size);
                snap.values.set_len(snap.len * width);
            }
            match result {
                Ok(Batch::More(_)) => {
                    std::mem::swap(&mut cursor_in, &mut cursor_out);
                    started = true;
                }
                Ok(Batch::Done(_)) => return Ok(true),
                Err(err) if err.errno() == libc::ENOSPC && capacity < max_entries => {
                    // One hash bucket holds more than `capacity` entries: retry with more room.
                    capacity = capacity.saturating_mul(2).min(max_entries);
                }
                Err(err) if !started && BATCH_UNSUPPORTED.contains(&err.errno()) => {
                    return Ok(false);
                }
                Err(err) => return Err(self.syscall_error(err)),
            }
        }
    }

    fn read_array(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        for index in 0..self.desc.meta.max_entries {
            let key = index.to_ne_bytes();
            self.lookup_into(&key, &mut value)
                .map_err(|e| self.syscall_error(e))?;
            snap.push(&key, &value);
        }
        Ok(())
    }

    fn read_head(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        match self.lookup_into(&[], &mut value) {
            Ok(()) => snap.push(&[], &value),
            Err(err) if err.errno() == libc::ENOENT => {}
            Err(err) => return Err(self.syscall_error(err)),
        }
        Ok(())
    }

    /// GET_NEXT_KEY + LOOKUP, two syscalls per entry. When the current key is deleted
    /// meanwhile (an LRU evicting), the kernel restarts from the first key: keys already
    /// read are skipped, and the walk is bounded so it always ends.
    fn read_by_key(&self, snap: &mut Snapshot) -> Result<(), MapError> {
        let key_size = self.desc.meta.key_size as usize;
        let mut key = vec![0u8; key_size];
        let mut next = vec![0u8; key_size];
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        // Keys read so far, by hash -> snapshot index; a hit is confirmed on the bytes.
        let mut seen: HashMap<u64, usize> = HashMap::new();
        let mut started = false;
        let limit = self.desc.meta.max_entries as usize;
        // Each step either adds a key or revisits one; bound the revisits too.
        for _ in 0..limit.saturating_mul(2).max(1) {
            if snap.len() >= limit {
                break;
            }
            let current = started.then_some(key.as_slice());
            let more = self
                .next_key(current, &mut next)
                .map_err(|e| self.syscall_error(e))?;
            if !more {
                break;
            }
            started = true;
            std::mem::swap(&mut key, &mut next);
            let hash = fnv1a(&key);
            if already_read(snap, &seen, hash, &key) {
                continue;
            }
            match self.lookup_into(&key, &mut value) {
                Ok(()) => {
                    seen.insert(hash, snap.len());
                    snap.push(&key, &value);
                }
                Err(err) if err.errno() == libc::ENOENT => continue,
                Err(err) => return Err(self.syscall_error(err)),
            }
        }
        Ok(())
    }
}

/// Whether `key` is in the snapshot already: by its hash, then its bytes; on the (rare) hash
/// collision with another key, by a scan, so the answer is always exact.
fn already_read(snap: &Snapshot, seen: &HashMap<u64, usize>, hash: u64, key: &[u8]) -> bool {
    match seen.get(&hash) {
        None => false,
        Some(&index) if snap.key(index) == key => true,
        Some(_) => (0..snap.len()).any(|i| snap.key(i) == key),
    }
}

/// FNV-1a: a cheap hash for short keys (a key read per syscall pair is not worth SipHash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_read_is_exact_even_when_hashes_collide() {
        let mut snap = Snapshot::new(1, 4, 4, 1);
        let mut seen = HashMap::new();
        for key in [1u32, 2, 3] {
            seen.insert(fnv1a(&key.to_le_bytes()), snap.len());
            snap.push(&key.to_le_bytes(), &[0; 4]);
        }
        assert!(already_read(
            &snap,
            &seen,
            fnv1a(&2u32.to_le_bytes()),
            &2u32.to_le_bytes()
        ));
        assert!(!already_read(
            &snap,
            &seen,
            fnv1a(&9u32.to_le_bytes()),
            &9u32.to_le_bytes()
        ));
        // A forged collision: key 9 under key 1's hash is still not "read".
        let collision = fnv1a(&1u32.to_le_bytes());
        assert!(!already_read(&snap, &seen, collision, &9u32.to_le_bytes()));
        // And key 3 under key 1's hash is found by the scan.
        assert!(already_read(&snap, &seen, collision, &3u32.to_le_bytes()));
    }
}
