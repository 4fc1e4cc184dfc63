//! Ring buffer records read as a type the user names (`--value-type`): a libbpf-style ring
//! with no record type in BTF (tests/fixtures/ring.bpf.c, built by clang and loaded by
//! `mapinspect --object`) decodes its records live in the TUI, and a ring bpftool made (a
//! foreign owner) takes the type in `dump` as any other map without BTF would.
use std::time::Duration;

use inspector::maps::{LayoutSource, MapHandle};

use crate::{sources::Scratch, tmux::Session, util::run};

/// The marker every fixture record carries after the pid (0xfeed).
const MARKER: u32 = 0xfeed;

#[test]
fn records_of_our_own_ring_are_decoded_with_value_type_in_the_tui() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("ring_records");
    let object = scratch.build("ring");
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    let session = Session::start(&format!(
        "{binary} --object {} --value-type 'u32[2]' --interval 0.2; sleep 30",
        object.display()
    ));
    // Each poll calls getppid: the program writes {our pid, MARKER} into the ring.
    let ours = format!("[{}, {MARKER}]", std::process::id());
    let screen = session.wait_for("our records, decoded", Duration::from_secs(15), |s| {
        let _ = std::os::unix::process::parent_id();
        s.contains("latest records as u32[2]") && s.contains(&ours)
    });
    // Only a decoded record reads as a list of two numbers; untyped, it is hex.
    assert!(screen.contains("getppid_ring"), "{screen}");
    session.keys(&["q"]);
}

#[test]
fn a_foreign_ring_takes_value_type_as_its_record_type() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let scratch = Scratch::new("ring_value_type");
    let pin = scratch.bpffs.join("ring");
    let pin = pin.to_str().unwrap();
    let spec = "type ringbuf key 0 value 0 entries 4096 name typed_ring";
    let mut args = vec!["map", "create", pin];
    args.extend(spec.split_whitespace());
    run("bpftool", &args);

    // As a library: the type is the records', whatever the kernel's value size (0).
    let mut map = MapHandle::open_pinned(std::path::Path::new(pin)).unwrap();
    let u64_layout = inspector::values::typespec::parse("u64").unwrap();
    map.use_types(None, Some(&u64_layout)).unwrap();
    assert_eq!(map.desc.value_layout, u64_layout);
    assert_eq!(map.desc.layout_source, LayoutSource::UserTypes);

    // As the command line: `dump` names it, and still shows the positions.
    let out = run(
        env!("CARGO_BIN_EXE_mapinspect"),
        &["--pin", pin, "--value-type", "u64", "dump", "--json"],
    );
    let maps: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(maps[0]["value_type"], "u64", "{maps}");
    assert_eq!(maps[0]["decoded_from"], "--key-type/--value-type", "{maps}");
    assert_eq!(maps[0]["ring_size"], 4096);
}
