//! `mapinspect record` and `replay`: the maps of a source, frame by frame, in a file that
//! replays in the same TUI without root or BPF.
//!
//! `format` (the versioned file format: blocks, header, frames), `layout` (layouts as flat
//! nodes for the header), `maps` (a `MapDesc` in the header and back), `delta` (a map's
//! entries relative to the frame before), `writer` (frames made and appended, bounded),
//! `reader` (checking and indexing an untrusted file, up to its last whole frame), `player`
//! (the replay's position, pace and speed, and the messages the TUI applies; no I/O).
pub mod delta;
pub mod format;
pub mod layout;
pub mod maps;
pub mod player;
pub mod reader;
pub mod writer;

pub use reader::Recording;

#[cfg(test)]
mod tests;
