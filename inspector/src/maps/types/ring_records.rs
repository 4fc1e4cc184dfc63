//! The records of a ring buffer mapinspect loaded itself (the bundled object, `--object`):
//! consumed as they arrive, since they are ours, and summed up for the live pane (how many,
//! how big, the latest ones, kept long enough to decode as the ring's record type: its
//! `value_layout`, see `values::record`). Rings other programs own are never read this
//! way: their positions are watched through a read-only mmap (`ringbuf.rs`).
use std::os::fd::AsFd;

use aya::maps::{Map, MapData, RingBuf};

use crate::maps::{MapHandle, MapKind};

/// At most this many records are taken per refresh, so a flooding producer cannot hold the
/// collector; the rest wait for the next refresh.
const MAX_PER_DRAIN: usize = 1 << 16;
/// Sizes and starts of the latest records kept for the pane.
const SIZES_KEPT: usize = 8;
/// Bytes kept of each: at least this many for hex, as many as the record type has (up to
/// [`MAX_KEPT`]) to decode it.
const LATEST_BYTES: usize = 64;
const MAX_KEPT: usize = 1 << 16;

/// What consuming a ring has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RingRecords {
    /// Records consumed since mapinspect started reading, and their bytes.
    pub total: u64,
    pub bytes: u64,
    /// Records taken by the latest drain.
    pub latest_drain: u64,
    /// Sizes of the latest records, oldest first.
    pub sizes: Vec<usize>,
    /// The start of each of those records (as many bytes as the record type needs).
    pub recent: Vec<Vec<u8>>,
}

/// A consumer of one of our own rings.
pub struct RingReader {
    ring: RingBuf<MapData>,
    seen: RingRecords,
    /// Bytes kept of each record.
    keep: usize,
}

impl std::fmt::Debug for RingReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingReader")
            .field("seen", &self.seen)
            .finish()
    }
}

impl RingReader {
    /// A consumer for `map`, which must be a RINGBUF mapinspect loaded.
    pub fn open(map: &MapHandle) -> Result<Self, String> {
        if map.meta().kind != MapKind::Ringbuf {
            return Err(format!("{} is not a ring buffer", map.meta().name));
        }
        let fail = |e: &dyn std::fmt::Display| format!("{}: cannot consume: {e}", map.meta().name);
        let fd = map
            .fd()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| fail(&e))?;
        let data = MapData::from_fd(fd).map_err(|e| fail(&e))?;
        let ring = RingBuf::try_from(Map::RingBuf(data)).map_err(|e| fail(&e))?;
        Ok(Self {
            ring,
            seen: RingRecords::default(),
            keep: map.desc.value_layout.size().clamp(LATEST_BYTES, MAX_KEPT),
        })
    }

    /// Takes what has arrived (up to a bound) and returns the running summary.
    pub fn drain(&mut self) -> RingRecords {
        let seen = &mut self.seen;
        seen.latest_drain = 0;
        for _ in 0..MAX_PER_DRAIN {
            let Some(record) = self.ring.next() else {
                break;
            };
            seen.total += 1;
            seen.latest_drain += 1;
            seen.bytes += record.len() as u64;
            if seen.sizes.len() == SIZES_KEPT {
                seen.sizes.remove(0);
                seen.recent.remove(0);
            }
            seen.sizes.push(record.len());
            seen.recent
                .push(record[..record.len().min(self.keep)].to_vec());
        }
        seen.clone()
    }
}
