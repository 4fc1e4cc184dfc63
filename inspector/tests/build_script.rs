//! The build script's pure checks (build/), run as tests: a build script's own #[cfg(test)]
//! modules never run, so this includes them.
#[path = "../build/linker.rs"]
mod linker;
