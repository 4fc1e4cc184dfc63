//! What the kernel tests share: the root gate, one-at-a-time execution, the bundled object,
//! and small readers of decoded values.

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
};

use inspector::{
    loader::{self, Loaded},
    maps::{MapHandle, ReadMode},
    values::{decode::Value, entries},
};

static KERNEL: Mutex<()> = Mutex::new(());

/// Serialises kernel tests (they share tracepoints, CPUs and the flood program's maps), or
/// skips when not root: with a printed reason locally, and never under CI=true.
pub fn kernel() -> Option<MutexGuard<'static, ()>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kernel tests need root, and CI=true forbids skipping them"
        );
        eprintln!("SKIPPED: this kernel test needs root (run: sudo -E cargo test)");
        return None;
    }
    Some(
        KERNEL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Every (key, value) of a map read with `mode`, sorted: what tests compare reads with.
pub fn sorted_entries(map: &MapHandle, mode: ReadMode) -> Vec<(Vec<u8>, Vec<u8>)> {
    let snap = map.snapshot_with(mode).expect("snapshot");
    let mut all: Vec<_> = (0..snap.len())
        .map(|i| (snap.key(i).to_vec(), snap.value(i).to_vec()))
        .collect();
    all.sort();
    all
}

/// The bundled object, loaded and attached (detached when dropped).
pub fn load_bundled() -> Loaded {
    loader::load_bundled().expect("the bundled object loads")
}

/// The map of `loaded` named `name`.
pub fn map<'a>(loaded: &'a Loaded, name: &str) -> &'a MapHandle {
    loaded
        .map(name)
        .unwrap_or_else(|| panic!("map {name} is loaded"))
}

/// The field `name` of a decoded struct.
pub fn field<'a>(value: &'a Value, name: &str) -> &'a Value {
    match value {
        Value::Struct(fields) => fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no field {name} in {value:?}")),
        other => panic!("not a struct: {other:?}"),
    }
}

/// Every entry of a map, decoded, in the kernel's order.
pub fn decoded_entries(map: &MapHandle) -> Vec<entries::Entry> {
    let snap = map.snapshot().expect("snapshot");
    (0..snap.len())
        .map(|i| entries::decode_entry(&map.desc, &snap, i))
        .collect()
}

/// Runs a tool the test set-up installed (bpftool, clang, mount), which must succeed.
pub fn run(program: &str, args: &[&str]) -> std::process::Output {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (installed by scripts/test.sh): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Builds tests/fixtures/NAME.bpf.c with Debian's clang (installed by scripts/test.sh) into
/// `dir`/NAME.o, as a C eBPF project builds its object; returns the object's path.
pub fn build_c_fixture(name: &str, dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.bpf.c"));
    let object = dir.join(format!("{name}.o"));
    let include = "-I/usr/include/x86_64-linux-gnu";
    let (source, out) = (source.to_str().unwrap(), object.to_str().unwrap());
    run(
        "clang",
        &[
            "-target", "bpf", "-g", "-O2", include, "-c", source, "-o", out,
        ],
    );
    object
}

/// Loads every program of `object` with bpftool (the maps' owner is then bpftool, not
/// mapinspect), pinning the programs under `progs` and the maps under `maps`.
pub fn bpftool_loadall(object: &Path, progs: &Path, maps: &Path) {
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let (object, progs, maps) = (path(object), path(progs), path(maps));
    run(
        "bpftool",
        &["prog", "loadall", &object, &progs, "pinmaps", &maps],
    );
}
