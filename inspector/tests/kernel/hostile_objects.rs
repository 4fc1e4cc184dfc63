//! `--object` with hostile input: a device that never ends, a huge sparse file, ELF files
//! for another machine, and compiled objects damaged where aya-obj panics. Each gets one
//! clear error naming the file and exit 1; nothing hangs, nothing panics.
use std::{
    panic::{self, AssertUnwindSafe},
    sync::Mutex,
    time::Duration,
};

use super::{
    objects::{self, Scratch},
    util,
};
use inspector::loader::bundled_object;

/// A hang is a failure: generous, as this is not a speed check (the README's figures are).
const HANG: Duration = Duration::from_secs(10);

#[test]
fn devices_and_fifos_are_refused_before_any_read() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let run = objects::mapinspect(&["--object", "/dev/zero", "dump"], HANG);
    run.assert_clear_error("/dev/zero");
    assert!(
        run.stderr.contains("/dev/zero")
            && run
                .stderr
                .contains("not a regular file (a character device)"),
        "{}",
        run.stderr
    );
    eprintln!("/dev/zero refused in {:?}", run.elapsed);
    let scratch = Scratch::new("fifo");
    let fifo = scratch.0.join("pipe.o");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: path is a valid NUL-terminated string.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let run = objects::mapinspect(&["--object", fifo.to_str().unwrap(), "dump"], HANG);
    run.assert_clear_error("a FIFO with no writer");
    assert!(run.stderr.contains("a FIFO"), "{}", run.stderr);
}

#[test]
fn a_2_gb_sparse_file_is_refused_by_its_size_and_the_bound_can_be_raised() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let scratch = Scratch::new("sparse");
    let path = scratch.0.join("huge.o");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let file = path.to_str().unwrap();
    let run = objects::mapinspect(&["--object", file, "dump"], HANG);
    run.assert_clear_error("2 GB sparse");
    assert!(
        run.stderr.contains(file)
            && run
                .stderr
                .contains("2147483648 bytes is over the 67108864-byte bound")
            && run.stderr.contains("--max-object-size"),
        "{}",
        run.stderr
    );
    eprintln!("2 GB sparse file refused in {:?}", run.elapsed);
    // Raised past its size, it is still not read whole: the header says it is no ELF.
    let run = objects::mapinspect(&["--max-object-size", "3G", "--object", file, "dump"], HANG);
    run.assert_clear_error("2 GB sparse, bound raised");
    assert!(
        run.stderr.contains("not an eBPF object: no ELF header"),
        "{}",
        run.stderr
    );
    // And a bound below a real object refuses it.
    let object = scratch.write("bundled.o", bundled_object());
    let run = objects::mapinspect(
        &[
            "--max-object-size",
            "4K",
            "--object",
            object.to_str().unwrap(),
            "dump",
        ],
        HANG,
    );
    run.assert_clear_error("bound below the object");
    assert!(
        run.stderr.contains("over the 4096-byte bound"),
        "{}",
        run.stderr
    );
}

#[test]
fn elf_files_for_other_machines_are_refused_by_their_header() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    // The debug build is bigger than the default bound: raise it to reach the header.
    let run = objects::mapinspect(
        &["--max-object-size", "1G", "--object", binary, "dump"],
        HANG,
    );
    run.assert_clear_error("an x86-64 executable");
    assert!(
        run.stderr
            .contains("not an eBPF object: an ELF for machine 62 (x86-64), not BPF (247)"),
        "{}",
        run.stderr
    );
    let scratch = Scratch::new("elf32");
    let mut elf = bundled_object().to_vec();
    elf[4] = 1;
    let path = scratch.write("elf32.o", &elf);
    let run = objects::mapinspect(&["--object", path.to_str().unwrap(), "dump"], HANG);
    run.assert_clear_error("a 32-bit ELF");
    assert!(run.stderr.contains("32-bit"), "{}", run.stderr);
}

/// Where a panic inside `work` happened (file:line), if it panicked.
fn panic_site(work: impl FnOnce()) -> Option<String> {
    static SITE: Mutex<Option<String>> = Mutex::new(None);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let site = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        *SITE.lock().unwrap() = site;
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    panic::set_hook(previous);
    result.err()?;
    SITE.lock().unwrap().take()
}

/// The damaged object panics aya-obj at `site` (so the test rebuilds the case), and
/// mapinspect refuses it with a message naming the file and `reason`.
fn refused_where_aya_panics(name: &str, elf: &[u8], site: &str, reason: &str) {
    let at = panic_site(|| drop(aya_obj::Object::parse(elf)));
    assert!(
        at.as_deref().is_some_and(|at| at.ends_with(site)),
        "{name}: aya-obj panics at {site}, not {at:?}"
    );
    let scratch = Scratch::new(name);
    let path = scratch.write(&format!("{name}.o"), elf);
    let file = path.to_str().unwrap();
    let run = objects::mapinspect(&["--object", file, "dump"], HANG);
    run.assert_clear_error(name);
    assert!(
        run.stderr
            .contains(&format!("{file} is a malformed eBPF object"))
            && run.stderr.contains(reason),
        "{name}: {}",
        run.stderr
    );
}

#[test]
fn a_symbol_running_past_its_section_is_refused_not_a_panic() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let mut elf = bundled_object().to_vec();
    let (entry, section_size) = objects::symbol_entry(&elf, "on_execve");
    // st_size is the last field of an Elf64_Sym.
    objects::put_u64(&mut elf, entry + 16, section_size + 77);
    refused_where_aya_panics(
        "symbol-past-section",
        &elf,
        "aya-obj-0.3.0/src/obj.rs:675",
        "symbol \"on_execve\"",
    );
}

#[test]
fn btf_ext_counts_running_past_their_block_are_refused_not_a_panic() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    for (block, name) in [(0, "func_info"), (1, "line_info")] {
        let mut elf = bundled_object().to_vec();
        let count = objects::btf_ext_first_count(&elf, block);
        objects::put_u32(&mut elf, count, 0x00ff_ffff);
        refused_where_aya_panics(
            &format!("btf-ext-{name}"),
            &elf,
            "aya-obj-0.3.0/src/btf/btf.rs:1095",
            &format!("section .BTF.ext: {name}"),
        );
    }
}

#[test]
fn a_btf_ext_section_name_outside_the_btf_strings_is_refused_not_a_panic() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    // Found by the mutation test (line_info): aya-obj unwraps the name lookup.
    for (block, name, line) in [(0, "func_info", 970), (1, "line_info", 991)] {
        let mut elf = bundled_object().to_vec();
        let offset = objects::btf_ext_first_count(&elf, block) - 4;
        objects::put_u32(&mut elf, offset, 0x7fff_0000);
        refused_where_aya_panics(
            &format!("btf-ext-{name}-name"),
            &elf,
            &format!("aya-obj-0.3.0/src/btf/btf.rs:{line}"),
            &format!("section .BTF.ext: {name}: section name offset 2147418112 is not a string"),
        );
    }
}
