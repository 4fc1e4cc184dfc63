//! Writing a recording: [`Recorder`] turns each round of reads into a [`Frame`] (pure: it
//! keeps the last snapshot of each map to write only what changed, and a key frame every
//! `full_every` frames), [`Writer`] appends blocks to a file and stops before `--max-size`.
use std::io::{self, Write};

use super::{
    delta,
    format::{self, BlockKind, Body, Frame, Header, MapNotes, Note},
};
use crate::maps::Snapshot;

/// One map's read in one round.
#[derive(Debug)]
pub enum Read {
    Entries(Snapshot),
    /// Entries and what some of them stand for (`maps::note`), by entry index.
    Annotated(Snapshot, Vec<(u32, Note)>),
    Failed(String),
    Unlisted,
    Ring {
        size: u64,
        producer: u64,
        consumer: u64,
    },
}

/// The delta state of a recording.
#[derive(Debug)]
pub struct Recorder {
    previous: Vec<Option<Snapshot>>,
    /// Each map's notes in the frame before.
    notes: Vec<Vec<(u32, Note)>>,
    full_every: u32,
    frames: u64,
}

impl Recorder {
    pub fn new(maps: usize, full_every: u32) -> Self {
        Self {
            previous: (0..maps).map(|_| None).collect(),
            notes: vec![Vec::new(); maps],
            full_every: full_every.max(1),
            frames: 0,
        }
    }

    /// The frame for one round of reads (one per map, in the header's order).
    pub fn frame(&mut self, at_ms: u64, reads: Vec<Read>) -> (BlockKind, Frame) {
        let key = self.frames.is_multiple_of(u64::from(self.full_every));
        self.frames += 1;
        let mut maps = Vec::with_capacity(reads.len());
        let mut notes = Vec::new();
        for (index, read) in reads.into_iter().enumerate() {
            let (read, now) = match read {
                Read::Annotated(snap, now) => (Read::Entries(snap), now),
                other => (other, Vec::new()),
            };
            if let Some(before) = self.notes.get_mut(index)
                && (*before != now || (key && !now.is_empty()))
            {
                notes.push(MapNotes {
                    map: index as u32,
                    notes: now.clone(),
                });
                *before = now;
            }
            let previous = self.previous.get_mut(index);
            let body = match read {
                Read::Entries(snap) => {
                    let body = match previous.as_deref().and_then(Option::as_ref) {
                        Some(before) if !key => delta::encode(before, &snap),
                        _ => delta::full(&snap),
                    };
                    if let Some(slot) = previous {
                        *slot = Some(snap);
                    }
                    body
                }
                other => {
                    if let Some(slot) = previous {
                        *slot = None;
                    }
                    match other {
                        Read::Failed(text) => Body::Failed(text),
                        Read::Ring {
                            size,
                            producer,
                            consumer,
                        } => Body::Ring {
                            size,
                            producer,
                            consumer,
                        },
                        _ => Body::Unlisted,
                    }
                }
            };
            maps.push(body);
        }
        let kind = if maps.iter().all(Body::is_whole) {
            BlockKind::KeyFrame
        } else {
            BlockKind::Frame
        };
        (kind, Frame { at_ms, maps, notes })
    }
}

/// What appending a frame did.
#[derive(Debug, PartialEq, Eq)]
pub enum Appended {
    /// Written: its block's bytes.
    Written(u64),
    /// Not written: the file would grow past the bound.
    WouldExceed { block: u64 },
}

/// Appends blocks to a recording, each flushed whole.
pub struct Writer<W: Write> {
    out: W,
    written: u64,
    max: u64,
}

impl<W: Write> Writer<W> {
    /// Writes the preamble and the header; refuses a bound the header alone passes.
    pub fn new(mut out: W, header: &Header, max: u64) -> io::Result<Self> {
        let block = format::encode_block(BlockKind::Header, header).map_err(io::Error::other)?;
        let len = (format::PREAMBLE_LEN + block.len()) as u64;
        if len > max {
            return Err(io::Error::other(format!(
                "the header alone takes {len} bytes, over --max-size {max}"
            )));
        }
        out.write_all(&format::preamble())?;
        out.write_all(&block)?;
        out.flush()?;
        Ok(Self {
            out,
            written: len,
            max,
        })
    }

    /// Appends a frame unless the file would pass the bound.
    pub fn append(&mut self, kind: BlockKind, frame: &Frame) -> io::Result<Appended> {
        let block = format::encode_block(kind, frame).map_err(io::Error::other)?;
        let len = block.len() as u64;
        if self.written + len > self.max {
            return Ok(Appended::WouldExceed { block: len });
        }
        self.out.write_all(&block)?;
        self.out.flush()?;
        self.written += len;
        Ok(Appended::Written(len))
    }

    /// Bytes in the file so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}
