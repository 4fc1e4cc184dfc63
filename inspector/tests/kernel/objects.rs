//! Real compiled eBPF objects for the hostile-input tests, and ways to damage them: the
//! bundled object, the C fixture built by clang, and where their ELF parts lie.
use std::{
    ops::Range,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use object::{Object as _, ObjectSection as _, ObjectSymbol as _};

/// A scratch directory for one test, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("mapinspect-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds tests/fixtures/foreign.bpf.c with clang (installed by scripts/test.sh).
pub fn c_fixture(dir: &Path) -> Vec<u8> {
    std::fs::read(crate::util::build_c_fixture("foreign", dir)).unwrap()
}

/// The file range of a section.
pub fn section(elf: &[u8], name: &str) -> Option<Range<usize>> {
    let file = object::File::parse(elf).ok()?;
    let (start, len) = file.section_by_name(name)?.file_range()?;
    Some(start as usize..(start + len) as usize)
}

/// The file offset of a symbol's Elf64_Sym entry in .symtab, and its section's size.
pub fn symbol_entry(elf: &[u8], name: &str) -> (usize, u64) {
    let file = object::File::parse(elf).unwrap();
    let symbol = file.symbol_by_name(name).expect("the symbol");
    let section = file
        .section_by_index(symbol.section_index().unwrap())
        .unwrap();
    let symtab = section_range_of(&file, ".symtab");
    (symtab.start + symbol.index().0 * 24, section.size())
}

fn section_range_of(file: &object::File<'_>, name: &str) -> Range<usize> {
    let (start, len) = file.section_by_name(name).unwrap().file_range().unwrap();
    start as usize..(start + len) as usize
}

pub fn put_u32(elf: &mut [u8], at: usize, value: u32) {
    elf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

pub fn put_u64(elf: &mut [u8], at: usize, value: u64) {
    elf[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

pub fn u32_at(elf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(elf[at..at + 4].try_into().unwrap())
}

/// Where the first section's count sits in a .BTF.ext block (0: func_info, 1: line_info).
pub fn btf_ext_first_count(elf: &[u8], block: usize) -> usize {
    let ext = section(elf, ".BTF.ext").expect("a .BTF.ext section");
    let hdr_len = u32_at(elf, ext.start + 4) as usize;
    let off = u32_at(elf, ext.start + 8 + block * 8) as usize;
    // rec_size, then the first section's name offset, then its count.
    ext.start + hdr_len + off + 4 + 4
}

/// How a run of mapinspect ended.
pub struct Run {
    pub code: Option<i32>,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs mapinspect with `args`, killed (and reported as a hang) after `limit`, with
/// RUST_BACKTRACE=1: a person who asked for backtraces still gets none from bad input.
pub fn mapinspect(args: &[&str], limit: Duration) -> Run {
    run(args, limit, true)
}

/// [`mapinspect`] without RUST_BACKTRACE, which makes each error report capture one (about
/// a second per run in a debug build): for the many runs of the mutation test.
pub fn mapinspect_quick(args: &[&str], limit: Duration) -> Run {
    run(args, limit, false)
}

fn run(args: &[&str], limit: Duration, backtrace: bool) -> Run {
    let start = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_mapinspect"));
    if backtrace {
        command.env("RUST_BACKTRACE", "1");
    } else {
        command
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mapinspect runs");
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mapinspect {args:?} hung: still running after {limit:?}");
        }
        sleep(Duration::from_millis(5));
    }
    let elapsed = start.elapsed();
    let Output { status, stderr, .. } = child.wait_with_output().expect("output");
    Run {
        code: status.code(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
    }
}

impl Run {
    /// An error a person can read: exit 1, one `mapinspect:` message, no panic, no backtrace.
    pub fn assert_clear_error(&self, what: &str) {
        assert_eq!(
            self.code,
            Some(1),
            "{what}: exit 1; stderr: {}",
            self.stderr
        );
        self.assert_no_panic(what);
        assert!(
            self.stderr.starts_with("mapinspect: "),
            "{what}: {}",
            self.stderr
        );
    }

    pub fn assert_no_panic(&self, what: &str) {
        for sign in [
            "panicked",
            "backtrace",
            "Backtrace",
            "RUST_BACKTRACE",
            "Location:",
        ] {
            assert!(
                !self.stderr.contains(sign),
                "{what}: {sign} in stderr:\n{}",
                self.stderr
            );
        }
    }
}
