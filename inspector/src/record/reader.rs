//! Reading a recording, which is untrusted: the preamble and header must be right (a clear
//! error otherwise), then every frame is decompressed and checked against the header and
//! the frame before it (sizes, indices, what a delta keeps). The first block that is cut
//! short or does not check ends the replay there; the frames before it replay.
use std::{ops::Range, path::Path};

use color_eyre::eyre::{Result, WrapErr as _, bail};

use super::{
    delta::Shape,
    format::{self, BLOCK_HEAD_LEN, BlockKind, Body, FormatError, Frame, Header, Op},
    maps,
};
use crate::maps::MapDesc;

/// Files over this are refused before they are read (about 16 recordings at the default
/// --max-size).
pub const MAX_FILE: u64 = 4 << 30;

/// A recording checked and indexed; frames stay compressed until played.
#[derive(Debug)]
pub struct Recording {
    pub header: Header,
    pub descs: Vec<MapDesc>,
    pub frames: Vec<StoredFrame>,
    /// Why reading stopped before the end of the file, if it did.
    pub damage: Option<String>,
    bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct StoredFrame {
    pub kind: BlockKind,
    pub at_ms: u64,
    packed: Range<usize>,
}

impl StoredFrame {
    /// The frame's bytes in the file (its block, head included).
    pub fn file_bytes(&self) -> usize {
        BLOCK_HEAD_LEN + self.packed.len()
    }
}

impl Recording {
    /// Frame `index`, decompressed (checked once already when the file was read).
    pub fn frame(&self, index: usize) -> Result<Frame, String> {
        let stored = self.frames.get(index).ok_or("no such frame")?;
        format::decode_block(&self.bytes[stored.packed.clone()])
    }

    /// The snapshot sizes of map `index`.
    pub fn shape(&self, index: usize) -> Shape {
        let desc = &self.descs[index];
        Shape {
            map_id: desc.meta.id,
            key_size: desc.meta.key_size as usize,
            value_stride: desc.value_stride(),
            cpus: desc.cpus,
        }
    }
}

/// Reads the recording at `path`: a regular file under [`MAX_FILE`].
pub fn open(path: &Path) -> Result<Recording> {
    let meta = std::fs::metadata(path).wrap_err_with(|| format!("{}", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    if meta.len() > MAX_FILE {
        bail!(
            "{}: {} bytes, over the {MAX_FILE}-byte limit",
            path.display(),
            meta.len()
        );
    }
    let bytes = std::fs::read(path).wrap_err_with(|| format!("{}", path.display()))?;
    parse(bytes).wrap_err_with(|| format!("{}", path.display()))
}

/// Checks and indexes a whole recording's bytes.
pub fn parse(bytes: Vec<u8>) -> Result<Recording, FormatError> {
    format::check_preamble(&bytes)?;
    let mut at = format::PREAMBLE_LEN;
    let (kind, packed) = next_block(&bytes, &mut at).ok_or(FormatError::NoHeader)?;
    let damaged = |reason: String| FormatError::Damaged { index: 0, reason };
    if kind != Some(BlockKind::Header) {
        return Err(damaged("the first block is not the header".into()));
    }
    let header: Header = format::decode_block(&bytes[packed]).map_err(damaged)?;
    let descs = header
        .maps
        .iter()
        .map(maps::desc)
        .collect::<Result<Vec<_>, _>>()
        .map_err(damaged)?;
    let mut recording = Recording {
        header,
        descs,
        frames: Vec::new(),
        damage: None,
        bytes: Vec::new(),
    };
    // Entries each map holds after the frame before (None: no entries to build on).
    let mut counts: Vec<Option<usize>> = vec![None; recording.descs.len()];
    while at < bytes.len() {
        let number = recording.frames.len() + 1;
        let checked = match next_block(&bytes, &mut at) {
            None => Err(format!(
                "frame {number} is cut short ({} bytes left)",
                bytes.len() - at
            )),
            Some((Some(kind @ (BlockKind::KeyFrame | BlockKind::Frame)), packed)) => {
                format::decode_block::<Frame>(&bytes[packed.clone()])
                    .and_then(|frame| check(&recording, &frame, kind, &mut counts))
                    .map(|at_ms| StoredFrame {
                        kind,
                        at_ms,
                        packed,
                    })
                    .map_err(|reason| format!("frame {number} is damaged: {reason}"))
            }
            Some(_) => Err(format!("block {number} is of an unknown kind")),
        };
        match checked {
            Ok(stored) => recording.frames.push(stored),
            Err(reason) => {
                recording.damage = Some(reason);
                break;
            }
        }
    }
    recording.bytes = bytes;
    Ok(recording)
}

/// The next block's kind and compressed bytes, or None when the file ends inside it.
fn next_block(bytes: &[u8], at: &mut usize) -> Option<(Option<BlockKind>, Range<usize>)> {
    let head = bytes.get(*at..at.checked_add(BLOCK_HEAD_LEN)?)?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let start = *at + BLOCK_HEAD_LEN;
    let end = start.checked_add(len).filter(|&end| end <= bytes.len())?;
    *at = end;
    Some((BlockKind::from_byte(head[4]), start..end))
}

/// Checks a frame against the header and the entry counts of the frame before (updated);
/// returns its time.
fn check(
    recording: &Recording,
    frame: &Frame,
    kind: BlockKind,
    counts: &mut [Option<usize>],
) -> Result<u64, String> {
    if frame.maps.len() != counts.len() {
        return Err(format!(
            "{} maps where the header has {}",
            frame.maps.len(),
            counts.len()
        ));
    }
    if recording.frames.is_empty() && kind != BlockKind::KeyFrame {
        return Err("the first frame is not a key frame".into());
    }
    if let Some(last) = recording.frames.last()
        && frame.at_ms < last.at_ms
    {
        return Err("it is older than the frame before".into());
    }
    for (index, body) in frame.maps.iter().enumerate() {
        if kind == BlockKind::KeyFrame && !body.is_whole() {
            return Err("a key frame with a partial body".into());
        }
        let shape = recording.shape(index);
        let entry = shape.key_size + shape.value_len();
        let before = counts[index];
        let name = &recording.descs[index].meta.name;
        counts[index] = match body {
            Body::Same => {
                Some(before.ok_or_else(|| format!("{name}: 'same' with nothing before"))?)
            }
            Body::Full { keys, values } => {
                let count = match shape.key_size {
                    0 => values.len().checked_div(shape.value_len()).unwrap_or(0),
                    size => keys.len() / size,
                };
                if keys.len() != count * shape.key_size || values.len() != count * shape.value_len()
                {
                    return Err(format!("{name}: entries that are not whole"));
                }
                Some(count)
            }
            Body::Delta(ops) => {
                let before =
                    before.ok_or_else(|| format!("{name}: a delta with nothing before"))?;
                let mut count = 0usize;
                for op in ops {
                    count += match op {
                        Op::Keep { from, len } => {
                            let end = u64::from(*from) + u64::from(*len);
                            if end > before as u64 {
                                return Err(format!("{name}: keeps entries past {before}"));
                            }
                            *len as usize
                        }
                        Op::Put(bytes) if bytes.len() == entry => 1,
                        Op::Put(bytes) => {
                            return Err(format!("{name}: a {}-byte entry", bytes.len()));
                        }
                    };
                    // No more entries than a whole frame could carry: a delta that keeps
                    // the same run over and over must not become a memory bomb.
                    if (count as u64).saturating_mul(entry.max(1) as u64) > format::MAX_BLOCK {
                        return Err(format!("{name}: a delta of over {count} entries"));
                    }
                }
                Some(count)
            }
            Body::Failed(_) | Body::Unlisted | Body::Ring { .. } => None,
        };
    }
    for notes in &frame.notes {
        let count = counts.get(notes.map as usize).copied().flatten();
        let fits = |(index, _): &(u32, _)| count.is_some_and(|count| (*index as usize) < count);
        if !notes.notes.iter().all(fits) {
            return Err(format!(
                "notes of map {} name entries it does not hold",
                notes.map
            ));
        }
    }
    Ok(frame.at_ms)
}
