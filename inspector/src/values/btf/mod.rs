//! A small, defensive reader for BTF (BPF Type Format), just enough to lay out map keys and values.
//!
//! The kernel hands out a map's BTF as one raw blob (`BPF_OBJ_GET_INFO_BY_FD` on its btf fd);
//! we parse it ourselves, since aya-obj's walker is crate-private and btf-rs is LGPL. Every read
//! is bounds-checked, so truncated or garbage input is an error, never a panic. Only
//! little-endian blobs are accepted. The format is in the kernel's Documentation/bpf/btf.rst.
//!
//! `blob` reads the raw bytes into a table of types; `layout` walks that table to build the
//! [`Layout`](super::Layout) of a map's key or value.
mod blob;
mod kernel;
mod layout;
#[cfg(test)]
mod tests;

pub use blob::{Btf, MapTypes, parse};
pub use kernel::VMLINUX_BTF;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BtfError {
    #[error("bad btf magic {found:#06x} (expected 0xeb9f, little endian)")]
    BadMagic { found: u16 },
    #[error("unsupported btf version {found}")]
    BadVersion { found: u8 },
    #[error("btf header length {hdr_len} is shorter than the header")]
    BadHeader { hdr_len: u32 },
    #[error("btf is truncated in its {what}")]
    Truncated { what: &'static str },
    #[error("btf string offset {offset} is out of bounds")]
    BadString { offset: u32 },
    #[error("no btf type with id {id}")]
    UnknownType { id: u32 },
    #[error("unknown btf type kind {kind}")]
    UnknownKind { kind: u32 },
    #[error("btf type {id} is a {kind}, not a value")]
    NotAValue { id: u32, kind: &'static str },
    #[error("btf types nest too deeply (or form a cycle)")]
    TooDeep,
    #[error("btf type is too large to lay out")]
    TooLarge,
}
