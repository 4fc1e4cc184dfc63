//! The bundled object on the real kernel: every map type is created, every program attaches,
//! and real processes leave exactly what the programs should put in each map.
use std::process::Command;

use inspector::{
    maps::{LayoutSource, MapHandle, MapKind, possible_cpus},
    values::{
        decode::{self, Value},
        entries, percpu,
    },
};
use shared::{EventKind, map_names};

use crate::util::{decoded_entries, field, load_bundled, map};

/// Runs a command to completion and returns its pid.
fn run(program: &str, args: &[&str]) -> u32 {
    let mut child = Command::new(program).args(args).spawn().expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn every_major_map_type_is_created_with_btf_layouts() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let expect = [
        (map_names::EXECS, MapKind::Hash),
        (map_names::EXIT_CODES, MapKind::Array),
        (map_names::PID_ACTIVITY, MapKind::PercpuHash),
        (map_names::EVENTS, MapKind::PercpuArray),
        (map_names::COMM_STATS, MapKind::LruHash),
        (map_names::COMM_OPENS, MapKind::LruPercpuHash),
        (map_names::RECENT_EXECS, MapKind::Queue),
        (map_names::RECENT_EXITS, MapKind::Stack),
        (map_names::EXP_HASH, MapKind::Hash),
        (map_names::EXP_LRU, MapKind::LruHash),
    ];
    for (name, kind) in expect {
        let handle = map(&loaded, name);
        assert_eq!(handle.meta().kind, kind, "{name}");
        assert!(handle.meta().id > 0, "{name} has an id");
        // The kernel keeps no BTF ids for queues and stacks: their layouts come from the
        // object's own .BTF; every other map's from the BTF the kernel holds for it.
        let expected = if kind.is_queue_like() {
            LayoutSource::ObjectBtf
        } else {
            LayoutSource::KernelBtf
        };
        assert_eq!(handle.desc.layout_source, expected, "{name}");
    }
    let queue = map(&loaded, map_names::RECENT_EXECS);
    assert!(queue.desc.value_layout.type_name().contains("ExecEvent"));
    assert_eq!(map(&loaded, map_names::EXP_HASH).meta().max_entries, 1003);
    assert_eq!(map(&loaded, map_names::EXP_NOCOMMON).meta().flags, 2);
    // Keys and values decode by their BTF types, not as raw bytes.
    let execs = map(&loaded, map_names::EXECS);
    assert!(
        execs.desc.value_layout.type_name().contains("ExecInfo"),
        "{}",
        execs.desc.value_layout.type_name()
    );
    assert_eq!(execs.desc.key_layout.type_name(), "u32");
}

#[test]
fn every_tracepoint_program_is_attached() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let attached: Vec<&str> = loaded
        .programs
        .iter()
        .filter(|p| p.attached)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        attached,
        [
            "on_execve",
            "on_exit_group",
            "on_fork",
            "on_fork_typed",
            "on_openat",
            "on_process_exit",
            "on_sock_state"
        ]
    );
    // The tail-call target is loaded, not attached.
    let tail = loaded
        .programs
        .iter()
        .find(|p| p.name == "tail_fork")
        .unwrap();
    assert!(!tail.attached && tail.attachment.contains("tail-call target"));
    let flood = loaded.programs.iter().find(|p| p.name == "flood").unwrap();
    assert!(flood.attachment.contains("on demand"), "{flood:?}");
}

/// Polls `check` for up to two seconds.
fn eventually(what: &str, check: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !check() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn an_exec_chain_is_counted_exactly_while_it_lives_and_forgotten_when_it_exits() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    // One pid, three execs: sh, then sh again, then sleep.
    let mut child = Command::new("/bin/sh")
        .args(["-c", "exec /bin/sh -c 'exec /bin/sleep 0.5'"])
        .spawn()
        .unwrap();
    let pid = child.id();
    let ours = |name: &str| {
        decoded_entries(map(&loaded, name))
            .into_iter()
            .find(|e| e.key == Value::Unsigned(pid.into()))
    };
    eventually("three execs recorded", || {
        ours(map_names::EXECS).is_some_and(|e| field(&e.value, "count") == &Value::Unsigned(3))
    });
    let exec = ours(map_names::EXECS).unwrap();
    assert!(
        matches!(field(&exec.value, "filename"), Value::Chars(raw) if Value::text(raw) == "/bin/sleep"),
        "{exec:?}"
    );

    let activity = ours(map_names::PID_ACTIVITY).expect("pid in PID_ACTIVITY");
    assert_eq!(activity.per_cpu.len(), possible_cpus());
    let layout = &map(&loaded, map_names::PID_ACTIVITY).desc.value_layout;
    let total = percpu::sum(layout, &activity.per_cpu).unwrap();
    assert!(activity.summed);
    assert_eq!(activity.value, total);
    assert_eq!(field(&total, "execs"), &Value::Unsigned(3));
    assert!(
        matches!(field(&total, "opens"), Value::Unsigned(n) if *n >= 1),
        "{total:?}"
    );

    child.wait().unwrap();
    eventually("the pid forgotten at exit", || {
        ours(map_names::EXECS).is_none() && ours(map_names::PID_ACTIVITY).is_none()
    });
}

#[test]
fn per_cpu_event_counters_add_up_to_at_least_the_execs_we_ran() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    for _ in 0..5 {
        run("/bin/true", &[]);
    }
    let events = map(&loaded, map_names::EVENTS);
    let snap = events.snapshot().unwrap();
    let exec = entries::decode_entry(&events.desc, &snap, EventKind::Exec as usize);
    assert_eq!(exec.per_cpu.len(), possible_cpus());
    let sum: u64 = exec
        .per_cpu
        .iter()
        .map(|v| match v {
            Value::Unsigned(n) => *n,
            other => panic!("counter is {other:?}"),
        })
        .sum();
    assert_eq!(
        exec.value,
        Value::Unsigned(sum),
        "the shown value is the sum"
    );
    assert!(sum >= 5, "5 execs ran, counted {sum}");
}

#[test]
fn exit_codes_land_in_their_array_slot() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    run("/bin/sh", &["-c", "exit 42"]);
    let codes = map(&loaded, map_names::EXIT_CODES);
    let snap = codes.snapshot().unwrap();
    assert_eq!(snap.len(), 256, "an array lists every slot");
    let slot = decode::decode(&codes.desc.value_layout, snap.value(42));
    assert!(
        matches!(slot, Value::Unsigned(n) if n >= 1),
        "slot 42 is {slot:?}"
    );
    assert!(entries::listed_indices(&codes.desc, &snap).contains(&42));
}

/// Pops every element of a queue or stack, returning the pids in pop order.
fn pop_pids(map: &MapHandle) -> Vec<u32> {
    let mut pids = Vec::new();
    let mut value = vec![0u8; map.desc.value_buffer_len()];
    while map.take_into(&[], &mut value).is_ok() {
        pids.push(u32::from_ne_bytes(value[..4].try_into().unwrap()));
    }
    pids
}

#[test]
fn the_queue_is_fifo_and_the_stack_is_lifo() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let loaded = load_bundled();
    let ours: Vec<u32> = (0..3).map(|_| run("/bin/true", &[])).collect();

    let queue: Vec<u32> = pop_pids(map(&loaded, map_names::RECENT_EXECS))
        .into_iter()
        .filter(|pid| ours.contains(pid))
        .collect();
    assert_eq!(queue, ours, "execs come out of the queue oldest first");

    let mut stack: Vec<u32> = pop_pids(map(&loaded, map_names::RECENT_EXITS))
        .into_iter()
        .filter(|pid| ours.contains(pid))
        .collect();
    stack.reverse();
    assert_eq!(stack, ours, "exits come off the stack newest first");
}
