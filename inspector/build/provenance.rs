//! Where this build came from, for `mapinspect --version` and bug reports: the git commit
//! (with `-dirty` for uncommitted changes) and the embedded eBPF object's hash and toolchain.
use std::{path::Path, process::Command};

use sha2::{Digest as _, Sha256};

use crate::prereqs::Toolchain;

/// Sets MAPINSPECT_GIT_COMMIT and MAPINSPECT_EBPF_BUILD for the crate being compiled.
pub fn emit(manifest_dir: &Path, object: &[u8], toolchain: Option<&Toolchain>) {
    println!(
        "cargo:rustc-env=MAPINSPECT_GIT_COMMIT={}",
        git_commit(manifest_dir)
    );
    let build = if object.is_empty() {
        "none (built with AYA_BUILD_SKIP=1)".to_string()
    } else {
        let hash = Sha256::digest(object);
        let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        // Under AYA_BUILD_SKIP the object in OUT_DIR is an earlier build's.
        let tools = toolchain.map_or_else(
            || "toolchain unknown (AYA_BUILD_SKIP=1)".to_string(),
            |t| format!("{}, {}", t.rustc, t.bpf_linker),
        );
        format!(
            "sha256 {hex}, {} bytes, {tools}, aya-ebpf {}",
            object.len(),
            locked_version(manifest_dir, "aya-ebpf")
        )
    };
    println!("cargo:rustc-env=MAPINSPECT_EBPF_BUILD={build}");
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        // Never rewrite the index from a build: its change would rerun this script.
        .arg("--no-optional-locks")
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// `abcdef123456`, `abcdef123456-dirty`, or `unknown` outside git (e.g. a source tarball).
fn git_commit(dir: &Path) -> String {
    let Some(commit) = git(dir, &["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".to_string();
    };
    // Rerun when HEAD moves (checkout, commit) or the index changes (add, reset).
    let mut watched = vec![
        "HEAD".to_string(),
        "index".to_string(),
        "packed-refs".to_string(),
    ];
    if let Some(head_ref) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(head_ref);
    }
    for name in watched {
        if let Some(path) = git(dir, &["rev-parse", "--path-format=absolute", "--git-path", &name])
            // A missing file would make cargo rerun this script on every build.
            && Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    watch_sources(dir);
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|changes| !changes.is_empty());
    if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    }
}

/// What goes into the binary, so that editing it reruns this script and `-dirty` shows.
/// Any rerun-if-changed (the git files above, Cargo.lock, aya-build's own) turns off cargo's
/// default of rerunning on every change in the package, so the sources are named here.
/// Directories are scanned recursively (newest mtime), which costs a few milliseconds.
fn watch_sources(manifest_dir: &Path) {
    for source in [
        "src",
        "build",
        "Cargo.toml",
        "../shared/src",
        "../shared/Cargo.toml",
        "../inspector-ebpf/src",
        "../inspector-ebpf/Cargo.toml",
        "../Cargo.toml",
    ] {
        let path = manifest_dir.join(source);
        // A missing path would make cargo rerun this script on every build.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// A package's version in the workspace's Cargo.lock (what the eBPF crate was built against).
fn locked_version(manifest_dir: &Path, package: &str) -> String {
    let lock = manifest_dir.join("../Cargo.lock");
    if lock.exists() {
        println!("cargo:rerun-if-changed={}", lock.display());
    }
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let name_line = format!("name = \"{package}\"");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == name_line
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return version.trim_matches('"').to_string();
        }
    }
    "unknown".to_string()
}
