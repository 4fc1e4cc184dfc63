//! Maps mapinspect did not create, on the real kernel: an object file built by Debian's clang
//! (loaded by mapinspect, or by bpftool), found with --system, opened by id and by pin,
//! decoded from BTF, and read-only unless --write.
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use inspector::{
    loader::{self, Loaded, Source},
    maps::{
        LayoutSource, MapError, MapHandle,
        ops::{OpError, Operation},
    },
    values::decode::Value,
    values::entries,
};

use crate::util::{field, run};

/// A per-test directory in bpffs (and a scratch dir for the object), removed on drop.
pub(crate) struct Scratch {
    pub(crate) bpffs: PathBuf,
    build: PathBuf,
}

impl Scratch {
    pub(crate) fn new(test: &str) -> Self {
        let id = format!("mapinspect-test-{}-{test}", std::process::id());
        let bpffs = Path::new("/sys/fs/bpf").join(&id);
        let build = std::env::temp_dir().join(&id);
        if !is_bpffs() {
            run("mount", &["-t", "bpf", "bpf", "/sys/fs/bpf"]);
        }
        std::fs::create_dir_all(&bpffs).unwrap();
        std::fs::create_dir_all(&build).unwrap();
        Self { bpffs, build }
    }

    /// Builds tests/fixtures/foreign.bpf.c with clang, as the test set-up.
    fn object(&self) -> PathBuf {
        self.build("foreign")
    }

    /// Builds tests/fixtures/NAME.bpf.c with clang into NAME.o.
    pub(crate) fn build(&self, name: &str) -> PathBuf {
        crate::util::build_c_fixture(name, &self.build)
    }

    /// Loads the object with bpftool (not mapinspect) and pins its maps; returns the map pin.
    fn load_with_bpftool(&self) -> PathBuf {
        let object = self.object();
        let maps = self.bpffs.join("maps");
        crate::util::bpftool_loadall(&object, &self.bpffs.join("progs"), &maps);
        maps.join("foreign_hits")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.bpffs);
        let _ = std::fs::remove_dir_all(&self.build);
    }
}

fn is_bpffs() -> bool {
    std::fs::read_to_string("/proc/mounts")
        .is_ok_and(|mounts| mounts.lines().any(|l| l.contains(" /sys/fs/bpf bpf ")))
}

/// bpftool's hex for a foreign_key { who { pid, port 8080 }, BLUE, "getppid" }.
fn key_hex(pid: u32) -> Vec<String> {
    let mut bytes = pid.to_le_bytes().to_vec();
    bytes.extend([0x90, 0x1f, 0, 0, 7, 0, 0, 0]);
    bytes.extend(b"getppid\0");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The decoded key whose who.pid is `pid`, from the map's only snapshot.
fn entry_for(map: &MapHandle, pid: u32) -> entries::Entry {
    let snap = map.snapshot().unwrap();
    (0..snap.len())
        .map(|i| entries::decode_entry(&map.desc, &snap, i))
        .find(|e| field(field(&e.key, "who"), "pid") == &Value::Unsigned(pid.into()))
        .unwrap_or_else(|| panic!("an entry for pid {pid}"))
}

fn assert_decoded_key(key: &Value, pid: u32) {
    let who = field(key, "who");
    assert_eq!(field(who, "pid"), &Value::Unsigned(pid.into()));
    assert_eq!(field(who, "port"), &Value::Unsigned(8080));
    assert!(
        matches!(field(key, "color"), Value::Enum { name: Some(n), raw: 7 } if n == "BLUE"),
        "{key:?}"
    );
    assert_eq!(field(key, "tag"), &Value::chars("getppid", 8));
}

#[test]
fn an_object_file_is_loaded_attached_and_decoded_from_its_btf() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("object");
    let loaded = loader::load(&Source::Object(scratch.object()), false).unwrap();
    let status = |name: &str| loaded.programs.iter().find(|p| p.name == name).unwrap();
    assert!(
        status("count_getppid").attached,
        "{:?}",
        status("count_getppid")
    );
    let kprobe = status("not_here");
    assert!(
        !kprobe.attached && kprobe.attachment.contains("kprobe"),
        "{kprobe:?}"
    );

    // SAFETY: getppid has no preconditions; the program records the calling pid.
    unsafe { libc::getppid() };
    let map = loaded.map("foreign_hits").unwrap();
    assert_eq!(map.desc.layout_source, LayoutSource::KernelBtf);
    let entry = entry_for(map, std::process::id());
    assert_decoded_key(&entry.key, std::process::id());
    assert_eq!(field(&entry.value, "hits"), &Value::Unsigned(1));
    assert!(
        map.writable,
        "maps of an object mapinspect loaded are its own"
    );
}

fn open(source: Source, write: bool) -> Loaded {
    loader::load(&source, write).unwrap()
}

#[test]
fn maps_loaded_by_bpftool_are_found_opened_decoded_and_read_only() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("bpftool");
    let pin = scratch.load_with_bpftool();
    let mut args = vec![
        "map",
        "update",
        "pinned",
        pin.to_str().unwrap(),
        "key",
        "hex",
    ];
    let key = key_hex(4242);
    args.extend(key.iter().map(String::as_str));
    args.extend([
        "value", "hex", "05", "00", "00", "00", "00", "00", "00", "00",
    ]);
    args.extend(["00"; 8]);
    run("bpftool", &args);

    // By pin: decoded from the BTF bpftool loaded with the object.
    let by_pin = open(Source::Pin(pin.clone()), false);
    let map = &by_pin.maps[0];
    assert_eq!(map.desc.layout_source, LayoutSource::KernelBtf);
    let entry = entry_for(map, 4242);
    assert_decoded_key(&entry.key, 4242);
    assert_eq!(field(&entry.value, "hits"), &Value::Unsigned(5));
    assert!(
        map.owners.iter().any(|o| o.starts_with("count_getppid")),
        "{:?}",
        map.owners
    );
    let id = map.meta().id;

    // Read-only unless --write.
    let snap = map.snapshot().unwrap();
    let change = Operation::Update {
        key: snap.key(0).to_vec(),
        value: vec![0; 16],
        flags: 0,
    };
    let refused = map.execute(&change).unwrap_err();
    assert!(
        matches!(&refused, OpError::Refused(r) if r.contains("--write")),
        "{refused}"
    );
    assert_eq!(map.snapshot().unwrap().value(0), snap.value(0), "unchanged");
    let writable = open(Source::Pin(pin.clone()), true);
    assert!(writable.maps[0].execute(&change).is_ok());

    // Among every map on the system, and by id.
    let system = open(Source::System, false);
    let found = system.maps.iter().find(|m| m.meta().id == id).unwrap();
    assert_eq!(found.meta().name, "foreign_hits");
    assert!(!found.writable);
    let by_id = open(Source::MapId(id), false);
    assert_eq!(by_id.maps[0].meta().name, "foreign_hits");
}

#[test]
fn a_map_that_goes_away_gives_a_clear_message() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("gone");
    let pin = scratch.bpffs.join("short_lived");
    run(
        "bpftool",
        &[
            "map",
            "create",
            pin.to_str().unwrap(),
            "type",
            "hash",
            "key",
            "4",
            "value",
            "8",
            "entries",
            "4",
            "name",
            "short_lived",
        ],
    );
    let held = MapHandle::open_pinned(&pin).unwrap();
    let id = held.meta().id;
    std::fs::remove_file(&pin).unwrap();
    // While mapinspect holds it, the map stays readable: the kernel frees it on last close.
    assert!(held.snapshot().unwrap().is_empty());
    drop(held);
    // Freeing is deferred in the kernel: wait for the id to go.
    let start = Instant::now();
    let err = loop {
        match MapHandle::open_by_id(id) {
            Err(err) => break err,
            Ok(_) if start.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(_) => panic!("map {id} still exists 5 s after its last reference went"),
        }
    };
    assert!(matches!(err, MapError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("may have been deleted"), "{err}");
    let gone_pin = loader::load(&Source::Pin(pin), false).err().unwrap();
    assert!(
        gone_pin.to_string().contains("nothing is pinned there"),
        "{gone_pin}"
    );
}
