//! A few hundred seeded byte-level mutations of real compiled objects (the bundled one and
//! the C fixture clang builds), each loaded by `mapinspect --object <mutant> dump` in its
//! own process: none may panic, hang or end other than 0 (loaded) or 1 (a clear error), and
//! none may leave a program, map or link behind.
use std::{
    collections::BTreeMap,
    ops::Range,
    path::Path,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use super::{
    bpf_objects::{self, Held},
    objects::{self, Scratch},
    util,
};
use object::{Object as _, ObjectSection as _};

/// The fixed seed: the same mutants every run (the issue number).
const SEED: u64 = 16;
const MUTANTS_PER_OBJECT: usize = 150;
const HANG: Duration = Duration::from_secs(20);
/// Loads at once: the machine has two cores.
const WORKERS: usize = 2;

/// Values that break lengths, offsets and counts.
const EDGES: [u64; 8] = [0, 1, 0x7f, 0xff, 0xffff, 0x7fff_ffff, 0xffff_ffff, u64::MAX];

/// The parts of an object worth aiming at: headers, tables, BTF, map definitions.
fn targets(elf: &[u8]) -> Vec<Range<usize>> {
    let file = object::File::parse(elf).expect("the original parses");
    // The ELF header.
    let mut out = vec![Range { start: 0, end: 64 }];
    for section in file.sections() {
        let name = section.name().unwrap_or("");
        let aimed = [
            ".symtab", ".BTF", ".BTF.ext", "maps", ".maps", "license", ".strtab",
        ]
        .contains(&name)
            || name.starts_with(".rel");
        if let (true, Some((start, len))) = (aimed, section.file_range()) {
            out.push(start as usize..(start + len) as usize);
        }
    }
    // The section header table.
    let shoff = u64::from_le_bytes(elf[40..48].try_into().unwrap()) as usize;
    out.push(shoff..elf.len().min(shoff + 64 * file.sections().count()));
    out.retain(|r| !r.is_empty() && r.end <= elf.len());
    out
}

/// One mutant and what it is, for the failure message.
fn mutate(rng: &mut fastrand::Rng, elf: &[u8], aims: &[Range<usize>]) -> (Vec<u8>, String) {
    let mut out = elf.to_vec();
    let aim = &aims[rng.usize(..aims.len())];
    let what = match rng.u8(..5) {
        0 => {
            let n = rng.usize(1..=4);
            for _ in 0..n {
                let at = rng.usize(..out.len());
                out[at] = rng.u8(..);
            }
            format!("{n} random bytes anywhere")
        }
        1 => {
            let at = rng.usize(aim.clone());
            out[at] = rng.u8(..);
            format!("byte {at} in {aim:?}")
        }
        2 | 3 => {
            // A 4- or 8-byte field set to an edge value, aligned as ELF fields are.
            let width = if rng.bool() { 4 } else { 8 };
            let at = rng.usize(aim.clone()) / width * width;
            let value = EDGES[rng.usize(..EDGES.len())];
            if at + width <= out.len() {
                out[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            }
            format!("{width}-byte field at {at} in {aim:?} = {value:#x}")
        }
        _ => {
            let len = rng.usize(..out.len());
            out.truncate(len);
            format!("cut at {len}")
        }
    };
    (out, what)
}

#[derive(Default)]
struct Tally {
    loaded: usize,
    /// Refused by mapinspect's own checks (file, header, structure).
    refused: usize,
    /// Refused by aya or the kernel with an error.
    errors: usize,
    /// aya-obj panicked past the checks, contained: each is a finding to look at.
    contained: Vec<String>,
}

#[test]
fn mutated_objects_never_panic_hang_or_leak() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let scratch = Scratch::new("mutations");
    let originals = [
        ("bundled", inspector::loader::bundled_object().to_vec()),
        ("foreign", objects::c_fixture(&scratch.0)),
    ];
    let before = Held {
        progs: bpf_objects::listed("prog"),
        maps: bpf_objects::listed("map"),
        links: bpf_objects::listed("link"),
    };

    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut mutants = Vec::new();
    for (name, elf) in &originals {
        let aims = targets(elf);
        for i in 0..MUTANTS_PER_OBJECT {
            let (bytes, what) = mutate(&mut rng, elf, &aims);
            let path = scratch.write(&format!("{name}-{i}.o"), &bytes);
            mutants.push((path, format!("{name} #{i}: {what}")));
        }
    }

    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some((path, what)) = mutants.get(next.fetch_add(1, Ordering::Relaxed)) {
                    check_one(path, what, &tally);
                }
            });
        }
    });

    let tally = tally.into_inner().unwrap();
    eprintln!(
        "{} mutants: {} loaded, {} refused by mapinspect's checks, {} refused by aya/the kernel, {} contained panics",
        mutants.len(),
        tally.loaded,
        tally.refused,
        tally.errors,
        tally.contained.len()
    );
    // The mutants reach every outcome, so the checks are exercised and loading too.
    assert!(tally.loaded > 0 && tally.refused > 0 && tally.errors > 0);
    // A contained panic reached no user as a panic, but the checks should have refused
    // that input: each is a check to add (loader/untrusted.rs).
    assert!(
        tally.contained.is_empty(),
        "aya-obj panicked past the checks:\n{}",
        tally.contained.join("\n")
    );
    assert_nothing_left(&before, &originals);
}

fn check_one(path: &Path, what: &str, tally: &Mutex<Tally>) {
    let run = objects::mapinspect_quick(
        &["--object", path.to_str().unwrap(), "dump", "--limit", "1"],
        HANG,
    );
    run.assert_no_panic(what);
    let mut tally = tally.lock().unwrap();
    match run.code {
        Some(0) => tally.loaded += 1,
        Some(1) => {
            assert!(
                run.stderr.starts_with("mapinspect: "),
                "{what}: {}",
                run.stderr
            );
            if run.stderr.contains("the loader (aya) gave up") {
                tally
                    .contained
                    .push(format!("{what}: {}", run.stderr.trim()));
            } else if run.stderr.contains("malformed eBPF object")
                || run.stderr.contains("not an eBPF object")
            {
                tally.refused += 1;
            } else {
                tally.errors += 1;
            }
        }
        other => panic!("{what}: exit {other:?}, stderr:\n{}", run.stderr),
    }
}

/// Every program, map and link created since `before` with one of the objects' names must
/// be gone (the kernel frees them shortly after the last fd closes), unless another live
/// process holds it (another test run on the machine).
fn assert_nothing_left(before: &Held, originals: &[(&str, Vec<u8>)]) {
    let mut names = BTreeMap::new();
    for (_, elf) in originals {
        let file = object::File::parse(elf.as_slice()).unwrap();
        for symbol in object::Object::symbols(&file) {
            if let Ok(name) = object::ObjectSymbol::name(&symbol) {
                // The kernel keeps 15 characters of a name.
                names.insert(name.chars().take(15).collect::<String>(), ());
            }
        }
    }
    let start = std::time::Instant::now();
    loop {
        let held_now = bpf_objects::held_by_anyone();
        let left: Vec<String> = ["prog", "map"]
            .into_iter()
            .flat_map(|kind| {
                let old = if kind == "prog" {
                    &before.progs
                } else {
                    &before.maps
                };
                let held = if kind == "prog" {
                    &held_now.progs
                } else {
                    &held_now.maps
                };
                bpf_objects::named(kind)
                    .into_iter()
                    .filter(|(id, name)| {
                        !old.contains(id) && !held.contains(id) && names.contains_key(name)
                    })
                    .map(move |(id, name)| format!("{kind} {id} {name}"))
            })
            .collect();
        let links: Vec<u32> = bpf_objects::listed("link")
            .difference(&before.links)
            .filter(|id| !held_now.links.contains(id))
            .copied()
            .collect();
        if left.is_empty() && links.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "left behind: {left:?}, links {links:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
