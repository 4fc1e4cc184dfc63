//! The bundled object's typed maps (LPM trie, array of maps, program array with a tail call,
//! ring buffer, bloom filter, stack trace), each fed by real activity on this kernel.
use std::process::Command;

use inspector::maps::types::{Annotation, Annotator};

#[test]
fn the_bundled_object_feeds_every_typed_map_from_real_activity() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = crate::util::load_bundled();
    // Activity: a TCP connection on loopback (inet_sock_set_state), a few execs (each forks
    // too) and file opens.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    drop(listener.accept().unwrap());
    drop(client);
    for _ in 0..3 {
        let status = Command::new("/bin/true").status().unwrap();
        assert!(status.success());
    }
    let _ = std::fs::read_to_string("/proc/self/status");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let map = |name: &str| crate::util::map(&loaded, name);
    let annotations = |name: &str| {
        let map = map(name);
        let snap = map.snapshot().unwrap();
        let mut annotator = Annotator::default();
        (0..snap.len())
            .filter_map(|i| annotator.annotate(&map.desc, snap.key(i), snap.value(i)))
            .collect::<Vec<_>>()
    };
    let prefixes: Vec<String> = annotations("NET_PREFIXES")
        .iter()
        .map(|a| a.summary())
        .collect();
    assert!(
        prefixes.contains(&"127.0.0.0/24".to_string()),
        "{prefixes:?}"
    );

    let inner: Vec<String> = annotations("PID_BUCKETS")
        .into_iter()
        .map(|a| match a {
            Annotation::InnerMap(inner) => inner.info.unwrap().name,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(inner, ["OPENS_EVEN", "OPENS_ODD"]);
    let opens =
        map("OPENS_EVEN").snapshot().unwrap().len() + map("OPENS_ODD").snapshot().unwrap().len();
    assert!(opens > 0, "openat calls were counted per pid");

    match annotations("JUMP_TABLE").as_slice() {
        [Annotation::Program(prog)] => {
            assert_eq!(prog.info.as_ref().unwrap().0, "tail_fork");
        }
        other => panic!("{other:?}"),
    }
    let tail_calls = map("TAIL_CALLS").snapshot().unwrap();
    assert!(
        tail_calls.value(0).iter().any(|&b| b != 0),
        "the tail call ran on fork"
    );

    let ring = map("EXEC_RING").ring_positions().unwrap();
    assert!(ring.producer_pos > 0, "exec records were written: {ring:?}");
    assert_eq!(ring.consumer_pos, 0, "and nothing consumed them");
    // Our own ring: the TUI's live pane consumes it (as ExecEvent records).
    let mut reader = inspector::maps::types::RingReader::open(map("EXEC_RING")).unwrap();
    let records = reader.drain();
    assert!(records.total > 0, "{records:?}");
    assert_eq!(records.sizes.last(), Some(&size_of::<shared::ExecEvent>()));
    let after = map("EXEC_RING").ring_positions().unwrap();
    assert!(
        after.consumer_pos >= ring.producer_pos,
        "consumed: {after:?}"
    );

    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() }.to_ne_bytes();
    assert!(
        map("EXEC_UIDS").bloom_test(&uid).unwrap(),
        "our uid ran exec"
    );

    let stacks = annotations("OPEN_STACKS");
    assert!(
        stacks
            .iter()
            .any(|a| matches!(a, Annotation::Frames(f) if f.iter().any(|f| f.contains("+0x")))),
        "kernel frames are symbolised: {stacks:?}"
    );
}

/// The bundled ring's definition (`RingBuf<ExecEvent>`) names its record type in the
/// object's BTF: the records the TUI consumes decode as `ExecEvent`, our execs among them.
#[test]
fn exec_ring_records_decode_as_the_type_its_btf_names() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = crate::util::load_bundled();
    let ring = crate::util::map(&loaded, "EXEC_RING");
    let layout = &ring.desc.value_layout;
    assert_eq!(layout.type_name(), "struct ExecEvent");
    assert_eq!(layout.size(), size_of::<shared::ExecEvent>());
    let mut reader = inspector::maps::types::RingReader::open(ring).unwrap();
    reader.drain();
    let pids: Vec<u32> = (0..2)
        .map(|_| {
            let mut child = Command::new("/bin/true").spawn().unwrap();
            assert!(child.wait().unwrap().success());
            child.id()
        })
        .collect();
    let records = reader.drain();
    // Other execs on the machine may land in between: ours are among the latest.
    let decoded: Vec<String> = records
        .recent
        .iter()
        .zip(&records.sizes)
        .map(|(kept, len)| {
            let record = inspector::values::record::read(layout, kept, *len);
            assert!(
                matches!(
                    record,
                    inspector::values::record::Record::Decoded { tail: 0, .. }
                ),
                "{record:?}"
            );
            record.line(layout, Default::default())
        })
        .collect();
    for pid in pids {
        assert!(
            decoded
                .iter()
                .any(|line| line.contains(&format!("pid: {pid},"))),
            "pid {pid} in {decoded:#?}"
        );
    }
    // `comm` is text (the bundled object's byte arrays named comm are marked as such).
    assert!(
        decoded.iter().any(|l| l.contains("comm: \"")),
        "{decoded:#?}"
    );
}
