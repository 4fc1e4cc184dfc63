//! BLOOM_FILTER: no keys and no listing; a value is tested (LOOKUP_ELEM with a NULL key and
//! the value as input: 0 = may be present, ENOENT = surely absent) or added (UPDATE_ELEM with
//! a NULL key).
use crate::maps::{
    MapHandle, MapKind,
    ops::{OpError, explain},
};

impl MapHandle {
    fn check_bloom(&self, value: &[u8]) -> Result<(), OpError> {
        let meta = self.meta();
        if meta.kind != MapKind::BloomFilter {
            return Err(OpError::Refused(format!(
                "{} is not a bloom filter",
                meta.name
            )));
        }
        if value.len() != meta.value_size as usize {
            return Err(OpError::Refused(format!(
                "the value is {} bytes; {} takes {}",
                value.len(),
                meta.name,
                meta.value_size
            )));
        }
        Ok(())
    }

    /// Whether `value` may be in the filter (true: maybe, false: surely not).
    pub fn bloom_test(&self, value: &[u8]) -> Result<bool, OpError> {
        self.check_bloom(value)?;
        // The kernel reads the value to test from the value buffer.
        let mut buffer = value.to_vec();
        match self.lookup_into(&[], &mut buffer) {
            Ok(()) => Ok(true),
            Err(err) if err.errno() == libc::ENOENT => Ok(false),
            Err(err) => Err(explain(&self.desc, "test", &err)),
        }
    }

    /// Adds `value` to the filter: only for our own maps, or with --write.
    pub fn bloom_add(&self, value: &[u8]) -> Result<(), OpError> {
        self.check_bloom(value)?;
        self.check_change()?;
        self.update_from(&[], value, 0)
            .map_err(|err| explain(&self.desc, "add", &err))
    }
}
