//! The recording file format, version 1 (docs/recording-format.md describes it for other
//! readers): an 8-byte magic and a little-endian u16 version, then blocks. Each block is a
//! u32 length, a one-byte kind and that many bytes of one zstd frame (with its content
//! checksum) holding a postcard-encoded [`Header`] (the first block) or [`Frame`]. Blocks
//! are compressed one by one, so a file cut short anywhere replays up to its last whole one.
//!
//! Pure: bytes in, bytes out. Everything read is untrusted and checked (`reader`).
use std::io::Read as _;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use thiserror::Error;

pub use super::layout::LayoutNode;

/// The first bytes of every recording.
pub const MAGIC: [u8; 8] = *b"MAPINSPR";
/// Bumped on any change old readers would misread; readers refuse versions they do not know.
pub const VERSION: u16 = 1;
/// Magic and version.
pub const PREAMBLE_LEN: usize = MAGIC.len() + 2;
/// Length and kind before each block's compressed bytes.
pub const BLOCK_HEAD_LEN: usize = 5;
/// No block decompresses to more than this (a frame of a 1M-entry per-CPU map on 64 CPUs
/// fits; a zstd bomb does not get further).
pub const MAX_BLOCK: u64 = 512 << 20;
/// zstd level: fast enough to keep up with a 1M-entry map each second.
const LEVEL: i32 = 3;

#[derive(Debug, Error)]
pub enum FormatError {
    #[error("not a mapinspect recording (it does not start with {:?})", String::from_utf8_lossy(&MAGIC))]
    Magic,
    #[error("recording format version {found}, but this mapinspect reads version {VERSION} only")]
    Version { found: u16 },
    #[error("the recording ends before its header")]
    NoHeader,
    /// Block 0 is the header: said so, the user has no block numbers.
    #[error("{} is damaged: {reason}", if *index == 0 { "the header".to_string() } else { format!("block {index}") })]
    Damaged { index: usize, reason: String },
    #[error("cannot encode a block: {0}")]
    Encode(String),
}

/// What a block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BlockKind {
    Header = 0,
    /// A frame whose every map body is whole: replay can start here.
    KeyFrame = 1,
    /// A frame with bodies relative to the frame before.
    Frame = 2,
}

impl BlockKind {
    pub fn from_byte(byte: u8) -> Option<Self> {
        [Self::Header, Self::KeyFrame, Self::Frame]
            .into_iter()
            .find(|kind| *kind as u8 == byte)
    }
}

/// What a recording says about itself and its maps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// "mapinspect 0.1.0".
    pub tool: String,
    /// The source as the command line named it ("bundled object", "--pin /sys/fs/bpf/x").
    pub source: String,
    /// The recording host's kernel (major, minor) and possible CPUs: the LRU pane's facts.
    pub kernel: Option<(u32, u32)>,
    pub possible_cpus: u32,
    /// Wall clock at the start, milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    pub interval_ms: u64,
    /// A key frame is written at least every this many frames.
    pub full_every: u32,
    pub programs: Vec<Program>,
    pub maps: Vec<RecordedMap>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub name: String,
    pub attachment: String,
    pub attached: bool,
}

/// A map as the kernel described it, and how its bytes decode (the live `MapDesc`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMap {
    pub id: u32,
    pub name: String,
    /// `enum bpf_map_type`.
    pub kind: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    /// Values per key: possible CPUs for per-CPU maps, else 1.
    pub cpus: u32,
    /// 0 kernel BTF, 1 object BTF, 2 sizes, 3 user types.
    pub layout_source: u8,
    pub key_layout: Vec<LayoutNode>,
    pub value_layout: Vec<LayoutNode>,
}

/// Every map at one moment, in the header's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Milliseconds since the recording started.
    pub at_ms: u64,
    pub maps: Vec<Body>,
    /// What entries stand for, for the maps whose notes changed since the frame before
    /// (every map that has any, in a key frame); the others keep theirs.
    pub notes: Vec<MapNotes>,
}

/// Every note of one map's entries, by entry index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapNotes {
    pub map: u32,
    pub notes: Vec<(u32, Note)>,
}

/// What an entry stood for on the recording host (`maps::types::Annotation`), where the
/// bytes alone cannot say: the inner map or program behind an id, a stack's symbols.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Note {
    InnerMap {
        id: u32,
        /// Name, `enum bpf_map_type`, max_entries and entries; or why it could not be read.
        info: Result<(String, u32, u32, Option<u64>), String>,
    },
    Program {
        id: u32,
        /// Name and type; or why it could not be opened.
        info: Result<(String, String), String>,
    },
    Frames(Vec<String>),
    /// The cgroup a cgroup storage entry lives on.
    Cgroup {
        id: u64,
        path: String,
    },
}

/// One map in one frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// Exactly as in the frame before.
    Same,
    /// Every entry: keys end to end, values end to end (each `cpus` values of the map's
    /// value stride).
    Full { keys: Vec<u8>, values: Vec<u8> },
    /// The entries in order, built from the frame before's.
    Delta(Vec<Op>),
    /// The read failed, with the error's text.
    Failed(String),
    /// A type whose entries cannot be listed (the reason follows from the type).
    Unlisted,
    /// A ring buffer's positions.
    Ring {
        size: u64,
        producer: u64,
        consumer: u64,
    },
}

impl Body {
    /// Whether the body stands alone, without the frame before.
    pub fn is_whole(&self) -> bool {
        !matches!(self, Body::Same | Body::Delta(_))
    }
}

/// A step of a delta: entries are rebuilt in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Entries `from .. from + len` of the frame before, unchanged.
    Keep { from: u32, len: u32 },
    /// A new or changed entry: its key then its value bytes.
    Put(Vec<u8>),
}

/// The file's first bytes.
pub fn preamble() -> [u8; PREAMBLE_LEN] {
    let mut bytes = [0; PREAMBLE_LEN];
    bytes[..8].copy_from_slice(&MAGIC);
    bytes[8..].copy_from_slice(&VERSION.to_le_bytes());
    bytes
}

/// Checks the magic and version at the start of `bytes`.
pub fn check_preamble(bytes: &[u8]) -> Result<(), FormatError> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(FormatError::Magic);
    }
    let version = bytes
        .get(MAGIC.len()..PREAMBLE_LEN)
        .map(|v| u16::from_le_bytes([v[0], v[1]]))
        .ok_or(FormatError::NoHeader)?;
    if version != VERSION {
        return Err(FormatError::Version { found: version });
    }
    Ok(())
}

/// One block, ready to append: length, kind, compressed postcard bytes.
pub fn encode_block<T: Serialize>(kind: BlockKind, value: &T) -> Result<Vec<u8>, FormatError> {
    let plain = postcard::to_stdvec(value).map_err(|e| FormatError::Encode(e.to_string()))?;
    if plain.len() as u64 > MAX_BLOCK {
        return Err(FormatError::Encode(format!(
            "{} bytes is over the {MAX_BLOCK}-byte block limit",
            plain.len()
        )));
    }
    let mut encoder = zstd::bulk::Compressor::new(LEVEL).map_err(encode_error)?;
    encoder.include_checksum(true).map_err(encode_error)?;
    let packed = encoder.compress(&plain).map_err(encode_error)?;
    let len = u32::try_from(packed.len()).map_err(encode_error)?;
    let mut block = Vec::with_capacity(BLOCK_HEAD_LEN + packed.len());
    block.extend_from_slice(&len.to_le_bytes());
    block.push(kind as u8);
    block.extend_from_slice(&packed);
    Ok(block)
}

fn encode_error(err: impl std::fmt::Display) -> FormatError {
    FormatError::Encode(err.to_string())
}

/// Decompresses one block's bytes (at most [`MAX_BLOCK`]) and decodes them.
pub fn decode_block<T: DeserializeOwned>(packed: &[u8]) -> Result<T, String> {
    // zstd's own words ("Destination buffer is too small") mean nothing to a user alone.
    let undecodable =
        |e: std::io::Error| format!("its compressed data does not decode (zstd: {e})");
    let mut decoder = zstd::stream::read::Decoder::with_buffer(packed).map_err(undecodable)?;
    let mut plain = Vec::new();
    (&mut decoder)
        .take(MAX_BLOCK + 1)
        .read_to_end(&mut plain)
        .map_err(undecodable)?;
    if plain.len() as u64 > MAX_BLOCK {
        return Err(format!("it decompresses to over {MAX_BLOCK} bytes"));
    }
    let (value, rest) = postcard::take_from_bytes(&plain).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} bytes follow its contents", rest.len()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_round_trips_and_its_bytes_are_checked() {
        let frame = Frame {
            at_ms: 1500,
            maps: vec![
                Body::Same,
                Body::Delta(vec![Op::Keep { from: 0, len: 3 }, Op::Put(vec![1, 2])]),
                Body::Failed("EPERM".into()),
            ],
            notes: vec![MapNotes {
                map: 1,
                notes: vec![(0, Note::Frames(vec!["do_sys_openat2+0x5".into()]))],
            }],
        };
        let block = encode_block(BlockKind::Frame, &frame).unwrap();
        let len = u32::from_le_bytes(block[..4].try_into().unwrap()) as usize;
        assert_eq!(len, block.len() - BLOCK_HEAD_LEN);
        assert_eq!(BlockKind::from_byte(block[4]), Some(BlockKind::Frame));
        let packed = &block[BLOCK_HEAD_LEN..];
        assert_eq!(decode_block::<Frame>(packed).unwrap(), frame);
        // A flipped byte fails zstd's checksum or framing: an error, never a wrong frame.
        for at in 0..packed.len() {
            let mut bad = packed.to_vec();
            bad[at] ^= 0x40;
            if let Ok(other) = decode_block::<Frame>(&bad) {
                assert_eq!(other, frame, "byte {at} changed the frame silently");
            }
        }
    }

    #[test]
    fn the_preamble_names_bad_magic_and_unknown_versions() {
        assert!(check_preamble(&preamble()).is_ok());
        assert!(matches!(
            check_preamble(b"{\"json\": 1}"),
            Err(FormatError::Magic)
        ));
        let mut newer = preamble();
        newer[8] = 2;
        let err = check_preamble(&newer).unwrap_err();
        assert_eq!(
            err.to_string(),
            "recording format version 2, but this mapinspect reads version 1 only"
        );
        assert!(matches!(check_preamble(&MAGIC), Err(FormatError::NoHeader)));
    }
}
