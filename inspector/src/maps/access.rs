//! Safe element access on an open map: the raw bpf(2) calls trust their buffers to be as
//! big as the map's sizes, so these check them first.
use std::io;

use super::MapHandle;
use crate::sys::{self, SysError, SysResult};

impl MapHandle {
    /// Bytes a key takes in calls: none for a queue or stack (their NULL key).
    fn key_len(&self) -> usize {
        if self.desc.meta.kind.is_queue_like() {
            0
        } else {
            self.desc.meta.key_size as usize
        }
    }

    fn check(&self, op: &'static str, key: &[u8], value: Option<usize>) -> SysResult<()> {
        let value_ok = value.is_none_or(|len| len == self.desc.value_buffer_len());
        if key.len() == self.key_len() && value_ok {
            Ok(())
        } else {
            Err(SysError {
                op,
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "buffers of the wrong size for map {} (key {} B, value {} B)",
                        self.desc.meta.name,
                        self.key_len(),
                        self.desc.value_buffer_len()
                    ),
                ),
            })
        }
    }

    /// BPF_MAP_LOOKUP_ELEM (peek on a queue or stack, with an empty key).
    pub fn lookup_into(&self, key: &[u8], value: &mut [u8]) -> SysResult<()> {
        self.check("lookup", key, Some(value.len()))?;
        // SAFETY: both buffers were just checked against the map's sizes.
        unsafe { sys::lookup_elem(self.fd(), key, value) }
    }

    /// BPF_MAP_UPDATE_ELEM (push on a queue or stack, with an empty key).
    pub fn update_from(&self, key: &[u8], value: &[u8], flags: u64) -> SysResult<()> {
        self.check("update", key, Some(value.len()))?;
        // SAFETY: both buffers were just checked against the map's sizes.
        unsafe { sys::update_elem(self.fd(), key, value, flags) }
    }

    /// BPF_MAP_DELETE_ELEM.
    pub fn delete_key(&self, key: &[u8]) -> SysResult<()> {
        self.check("delete", key, None)?;
        // SAFETY: the key was just checked against the map's key size.
        unsafe { sys::delete_elem(self.fd(), key) }
    }

    /// BPF_MAP_LOOKUP_AND_DELETE_ELEM (pop on a queue or stack, with an empty key).
    pub fn take_into(&self, key: &[u8], value: &mut [u8]) -> SysResult<()> {
        self.check("lookup-and-delete", key, Some(value.len()))?;
        // SAFETY: both buffers were just checked against the map's sizes.
        unsafe { sys::lookup_and_delete_elem(self.fd(), key, value) }
    }

    /// BPF_MAP_GET_NEXT_KEY: `None` gives the first key; Ok(false) at the end.
    pub fn next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> SysResult<bool> {
        self.check("get-next-key", next, None)?;
        if let Some(key) = key {
            self.check("get-next-key", key, None)?;
        }
        // SAFETY: both keys were just checked against the map's key size.
        unsafe { sys::get_next_key(self.fd(), key, next) }
    }
}
