//! Reading an object file a user names, as untrusted input: only a regular file, only up
//! to a size bound, and only an ELF for BPF (64-bit, little-endian, EM_BPF) gets read whole.
use std::{fs::File, io::Read as _, os::unix::fs::OpenOptionsExt as _, path::Path};

/// The default bound for `--object`: far above any real eBPF object (the bundled one is
/// under 100 KiB), far below what would hurt to read.
pub const DEFAULT_MAX_OBJECT_SIZE: u64 = 64 * 1024 * 1024;

/// The ELF header of a 64-bit object.
const EHDR_SIZE: usize = 64;
const EM_BPF: u16 = 247;

/// Why a file is not read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Io(String),
    #[error("not a regular file ({0}): give the path of an eBPF object file (.o)")]
    NotRegular(&'static str),
    #[error(
        "{size} bytes is over the {max}-byte bound for objects (raise it with --max-object-size)"
    )]
    TooBig { size: u64, max: u64 },
    #[error("not an eBPF object: {0}")]
    NotBpf(String),
}

/// Reads `path` if it is a regular file of at most `max` bytes starting with a BPF ELF
/// header; nothing more than the header is read before that is known.
pub fn read(path: &Path, max: u64) -> Result<Vec<u8>, Refusal> {
    // O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it.
    let mut file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Refusal::Io(e.to_string()))?;
    // Checked on the opened file, not the path, so a swap in between changes nothing.
    let meta = file.metadata().map_err(|e| Refusal::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular(kind_of(&meta.file_type())));
    }
    if meta.len() > max {
        return Err(Refusal::TooBig {
            size: meta.len(),
            max,
        });
    }
    let mut header = [0u8; EHDR_SIZE];
    let got = read_up_to(&mut file, &mut header)?;
    check_header(&header[..got])?;
    let mut data = header[..got].to_vec();
    // The file may grow after the fstat: read one byte past the bound to notice.
    (&mut file)
        .take(max.saturating_sub(got as u64).saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| Refusal::Io(e.to_string()))?;
    if data.len() as u64 > max {
        return Err(Refusal::TooBig {
            size: data.len() as u64,
            max,
        });
    }
    Ok(data)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> Result<usize, Refusal> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Refusal::Io(e.to_string())),
        }
    }
    Ok(got)
}

pub(crate) fn kind_of(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// The ELF identification and machine: what aya can load at all.
pub fn check_header(header: &[u8]) -> Result<(), Refusal> {
    let not = |why: &str| Err(Refusal::NotBpf(why.to_string()));
    if header.len() < 4 || &header[..4] != b"\x7fELF" {
        return not("no ELF header (an object built with clang -target bpf or aya-ebpf is)");
    }
    if header.len() < EHDR_SIZE {
        return not("the ELF header is cut short");
    }
    match header[4] {
        2 => {}
        1 => return not("a 32-bit ELF; eBPF objects are 64-bit"),
        _ => return not("an ELF of unknown class"),
    }
    match header[5] {
        1 => {}
        2 => return not("a big-endian ELF; this machine loads little-endian (bpfel) objects"),
        _ => return not("an ELF of unknown byte order"),
    }
    let machine = u16::from_le_bytes([header[18], header[19]]);
    if machine != EM_BPF {
        return Err(Refusal::NotBpf(format!(
            "an ELF for machine {machine} ({}), not BPF (247)",
            machine_name(machine)
        )));
    }
    Ok(())
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "x86",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        _ => "another architecture",
    }
}

/// Parses `--max-object-size`: bytes, or with a K, M or G suffix (binary: KiB, MiB, GiB).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bytes = parse_bytes(text)?;
    if bytes < EHDR_SIZE as u64 {
        return Err(format!(
            "{bytes} bytes cannot hold an ELF header (64 bytes)"
        ));
    }
    Ok(bytes)
}

/// A byte count: digits, then an optional K, M or G (powers of 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" | "kb" => 10,
        "m" | "mib" | "mb" => 20,
        "g" | "gib" | "gb" => 30,
        other => return Err(format!("unknown unit {other:?} (use K, M or G)")),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("not a size: {text:?} (e.g. 64M)"))?;
    let bytes = number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text} is too big"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mapinspect-objfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    fn bpf_header() -> Vec<u8> {
        let mut h = vec![0u8; EHDR_SIZE];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[18..20].copy_from_slice(&EM_BPF.to_le_bytes());
        h
    }

    #[test]
    fn only_regular_files_are_read() {
        assert_eq!(
            read(Path::new("/dev/zero"), DEFAULT_MAX_OBJECT_SIZE),
            Err(Refusal::NotRegular("a character device"))
        );
        assert_eq!(
            read(Path::new("/"), DEFAULT_MAX_OBJECT_SIZE),
            Err(Refusal::NotRegular("a directory"))
        );
        let fifo = scratch("fifo");
        let _ = std::fs::remove_file(&fifo);
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: c is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read(&fifo, DEFAULT_MAX_OBJECT_SIZE),
            Err(Refusal::NotRegular("a FIFO"))
        );
        assert!(matches!(
            read(Path::new("/nonexistent.o"), 1 << 20),
            Err(Refusal::Io(_))
        ));
    }

    #[test]
    fn a_big_sparse_file_is_refused_by_its_size() {
        let path = scratch("sparse.o");
        let file = File::create(&path).unwrap();
        file.set_len(2 << 30).unwrap();
        let err = read(&path, DEFAULT_MAX_OBJECT_SIZE).unwrap_err();
        assert_eq!(
            err,
            Refusal::TooBig {
                size: 2 << 30,
                max: DEFAULT_MAX_OBJECT_SIZE
            }
        );
        assert!(err.to_string().contains("--max-object-size"), "{err}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn the_header_must_be_64_bit_little_endian_bpf() {
        assert_eq!(check_header(&bpf_header()), Ok(()));
        let mut h = bpf_header();
        h[4] = 1;
        assert!(matches!(check_header(&h), Err(Refusal::NotBpf(w)) if w.contains("32-bit")));
        let mut h = bpf_header();
        h[5] = 2;
        assert!(matches!(check_header(&h), Err(Refusal::NotBpf(w)) if w.contains("big-endian")));
        let mut h = bpf_header();
        h[18..20].copy_from_slice(&62u16.to_le_bytes());
        assert!(matches!(check_header(&h), Err(Refusal::NotBpf(w)) if w.contains("x86-64")));
        assert!(matches!(
            check_header(b"#!/bin/sh\n"),
            Err(Refusal::NotBpf(_))
        ));
        assert!(
            matches!(check_header(&bpf_header()[..20]), Err(Refusal::NotBpf(w)) if w.contains("cut short"))
        );
        let own = read(Path::new("/proc/self/exe"), u64::MAX);
        assert!(matches!(own, Err(Refusal::NotBpf(_))), "{own:?}");
    }

    #[test]
    fn a_file_at_the_bound_is_read_and_one_over_is_not() {
        let path = scratch("bound.o");
        let mut data = bpf_header();
        data.resize(100, 7);
        std::fs::write(&path, &data).unwrap();
        assert_eq!(read(&path, 100).unwrap(), data);
        assert_eq!(read(&path, 99), Err(Refusal::TooBig { size: 100, max: 99 }));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("8k"), Ok(8192));
        assert!(parse_size("10").unwrap_err().contains("ELF header"));
        assert!(parse_size("12T").unwrap_err().contains("unit"));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
