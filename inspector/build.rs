//! Builds the eBPF crate for bpfel-unknown-none (through `rustup run nightly`) and leaves the
//! object in OUT_DIR, where src/loader.rs embeds it. Checks the toolchain first and records
//! the build's provenance for `--version` (build/; tests/build_script.rs runs its tests).
use std::{env, fs, path::PathBuf};

use anyhow::Context as _;
use aya_build::{Package, Toolchain};

#[path = "build/linker.rs"]
mod linker;
#[path = "build/prereqs.rs"]
mod prereqs;
#[path = "build/provenance.rs"]
mod provenance;

const EBPF_PACKAGE: &str = "inspector-ebpf";
/// The eBPF crate's binary target: the object file's name in OUT_DIR.
const EBPF_OBJECT: &str = "inspector";

fn main() -> anyhow::Result<()> {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").context("OUT_DIR not set")?);
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").context("no manifest dir")?);
    let ebpf_dir = manifest_dir.join("..").join(EBPF_PACKAGE);
    let ebpf_dir = ebpf_dir
        .to_str()
        .context("non-UTF-8 path to the eBPF crate")?;

    // aya-build reads AYA_BUILD_SKIP itself (and asks cargo to watch it).
    let skip = env::var("AYA_BUILD_SKIP").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    let toolchain = if skip {
        None
    } else {
        // Printed plainly: an Err from main would add a backtrace under RUST_BACKTRACE.
        match prereqs::check() {
            Ok(toolchain) => Some(toolchain),
            Err(missing) => {
                eprintln!("{missing}");
                std::process::exit(1);
            }
        }
    };

    aya_build::build_ebpf(
        [Package {
            name: EBPF_PACKAGE,
            root_dir: ebpf_dir,
            ..Default::default()
        }],
        Toolchain::default(),
    )?;

    // With AYA_BUILD_SKIP=1 (e.g. for a quick `cargo check`) aya-build writes nothing:
    // leave an empty object so include_bytes compiles; loading it then fails clearly.
    let object = out_dir.join(EBPF_OBJECT);
    if !object.exists() {
        fs::write(&object, []).context("writing the placeholder eBPF object")?;
    }
    let bytes = fs::read(&object).context("reading the eBPF object")?;
    provenance::emit(&manifest_dir, &bytes, toolchain.as_ref());
    Ok(())
}
