//! Everything between bytes and meaning: BTF reading (`btf`), the [`Layout`] a key or value
//! has (`layout`), bytes to a [`decode::Value`] tree and back to text (`decode`, `render`),
//! user input back to bytes (`encode`, through the editable `leaves`), `--key-type`/`--value-type` specs (`typespec`),
//! per-CPU sums (`percpu`), one snapshot entry decoded for display (`entries`) and one ring
//! buffer record read as a type (`record`).
//!
//! Nothing here does I/O: callers hand in bytes (a map's BTF blob, a snapshot) and get
//! meaning back, so every part is tested without a kernel.
pub mod btf;
pub mod decode;
pub mod encode;
pub mod entries;
pub mod layout;
pub mod leaves;
pub mod percpu;
pub mod record;
pub mod render;
pub mod typespec;

pub use layout::{Field, Layout};
