//! The tests that need the real kernel (root), in one binary: a module per area, with the
//! helpers they share in `util`. They run one at a time (`util::kernel()` holds a lock), as
//! they share tracepoints, CPUs and the flood program's maps. Under CI=true a missing root is
//! a failure, never a skip.
mod batch;
mod bpf_objects;
mod bpftool_json;
mod cgrp_storage;
mod cli;
mod decode;
mod export;
mod flood;
mod hostile_objects;
mod maps;
mod mutations;
mod objects;
mod ops;
mod package;
mod privilege;
mod record;
mod record_output;
mod ring_records;
mod scale;
mod signals;
mod sources;
mod tmux;
#[path = "../support/tools.rs"]
mod tools;
mod tui;
mod typed_bundled;
mod types;
mod types_by_other_means;
mod util;
