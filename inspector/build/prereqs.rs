//! What building the bundled eBPF object needs from the machine, checked before aya-build
//! runs so a missing piece is named with its fix (aya-build's own failures are a rustc
//! version error or a linker error deep in cargo's JSON).
use std::process::Command;

use anyhow::bail;

use crate::linker;

/// What the eBPF object was built with, for `--version`.
pub struct Toolchain {
    pub rustc: String,
    pub bpf_linker: String,
}

/// The first line `program args` prints on success.
fn first_line(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Some(text.lines().next().unwrap_or_default().trim().to_string())
}

fn missing(what: &str, fix: &str) -> anyhow::Result<Toolchain> {
    bail!(
        "building mapinspect's bundled eBPF object needs {what}.\n\
         Fix: run ./scripts/setup.sh from the mapinspect source tree (it installs everything \
         the build needs), or by hand: {fix}"
    )
}

/// rustup, the nightly toolchain with rust-src (for -Z build-std=core) and bpf-linker,
/// all reached the way aya-build reaches them: `rustup run nightly ...`.
pub fn check() -> anyhow::Result<Toolchain> {
    if first_line("rustup", &["--version"]).is_none() {
        return missing(
            "rustup on PATH (the eBPF crate is built with the nightly toolchain through it)",
            "install rustup from https://rustup.rs",
        );
    }
    let Some(rustc) = first_line("rustup", &["run", "nightly", "rustc", "--version"]) else {
        return missing(
            "the nightly Rust toolchain",
            "rustup toolchain install nightly --profile minimal --component rust-src",
        );
    };
    let components = first_lines(
        "rustup",
        &["component", "list", "--toolchain", "nightly", "--installed"],
    );
    if !components.iter().any(|c| c.starts_with("rust-src")) {
        return missing(
            "the rust-src component of the nightly toolchain (bpfel-unknown-none has no prebuilt core)",
            "rustup component add rust-src --toolchain nightly",
        );
    }
    let Some(bpf_linker) = first_line("rustup", &["run", "nightly", "bpf-linker", "--version"])
    else {
        return missing("bpf-linker", &linker::install_command());
    };
    if let Some(problem) = linker::mismatch(&bpf_linker) {
        return missing(&problem, &linker::install_command());
    }
    Ok(Toolchain { rustc, bpf_linker })
}

fn first_lines(program: &str, args: &[&str]) -> Vec<String> {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
