//! The parts of the snapshot benchmark, one concern per file.
//!
//! This lives in `benches/support/mod.rs` rather than `benches/support.rs` because cargo
//! would take every `benches/*.rs` file for a bench target of its own.
pub mod filter_latency;
pub mod fixture;
pub mod latency;
pub mod memory;
pub mod methods;
pub mod process;
pub mod report;
pub mod timing;
pub mod tmux;
pub mod tui_cpu;

/// Any failure while benchmarking; the message says what was being done.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;
pub type BenchResult<T> = Result<T, BenchError>;
