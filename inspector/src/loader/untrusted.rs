//! An object a user hands over is untrusted: what aya-obj is known to index without bounds
//! checks is checked here first (symbols against their sections, the .BTF.ext records), and
//! whatever a dependency still panics on is contained and turned into an error.
use std::{
    any::Any,
    cell::Cell,
    panic::{self, AssertUnwindSafe},
    sync::Once,
};

use object::{Object as _, ObjectSection as _, ObjectSymbol as _};

/// Checks the parts of an ELF that aya-obj slices without checking: every symbol must lie
/// inside its section (aya-obj copies `data[address..address + size]`), and every .BTF.ext
/// record block must fit its section (aya-obj walks them by their own counts).
pub fn check_structure(elf: &[u8]) -> Result<(), String> {
    let file = object::File::parse(elf).map_err(|e| format!("malformed ELF: {e}"))?;
    for symbol in file.symbols() {
        let Some(index) = symbol.section_index() else {
            continue;
        };
        let section = file
            .section_by_index(index)
            .map_err(|e| format!("symbol {}: {e}", symbol_name(&symbol)))?;
        let fits = symbol
            .address()
            .checked_add(symbol.size())
            .is_some_and(|end| end <= section.size())
            && symbol.address() >= section.address();
        if !fits {
            return Err(format!(
                "symbol {} (offset {}, size {}) runs past its section {} ({} bytes)",
                symbol_name(&symbol),
                symbol.address(),
                symbol.size(),
                section.name().unwrap_or("?"),
                section.size()
            ));
        }
    }
    if let Some(btf) = file.section_by_name(".BTF").and_then(|s| s.data().ok()) {
        check_btf_names(btf).map_err(|e| format!("section .BTF: {e}"))?;
        check_btf_text(btf).map_err(|e| format!("section .BTF: {e}"))?;
    }
    if let Some(section) = file.section_by_name(".BTF.ext") {
        let data = section
            .data()
            .map_err(|e| format!("section .BTF.ext: {e}"))?;
        let btf = file.section_by_name(".BTF").and_then(|s| s.data().ok());
        let strings = btf.and_then(btf_strings);
        check_btf_ext(data, strings).map_err(|e| format!("section .BTF.ext: {e}"))?;
    }
    Ok(())
}

fn symbol_name(symbol: &object::Symbol<'_, '_>) -> String {
    match symbol.name() {
        Ok("") | Err(_) => format!("#{}", symbol.index().0),
        Ok(name) => format!("{name:?}"),
    }
}

/// Every name offset of every .BTF type must point at a string of its string section:
/// Every BTF string must be UTF-8: the verifier quotes source lines from them in its log,
/// and aya turns that log into a String with an unwrap (aya sys/bpf.rs), so a mutated
/// string panics it after the program was handed to the kernel.
fn check_btf_text(btf: &[u8]) -> Result<(), String> {
    let Some(strings) = btf_strings(btf) else {
        return Ok(());
    };
    let mut offset = 0;
    for string in strings.split(|&b| b == 0) {
        if std::str::from_utf8(string).is_err() {
            return Err(format!("the string at offset {offset} is not UTF-8"));
        }
        offset += string.len() + 1;
    }
    Ok(())
}

/// aya-obj looks names up with a bounds check that misses offsets past the strings.
fn check_btf_names(btf: &[u8]) -> Result<(), String> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(
            btf.get(at..at.checked_add(4)?)?.try_into().ok()?,
        ))
    };
    let (Some(hdr_len), Some(type_off), Some(type_len)) = (u32_at(4), u32_at(8), u32_at(12)) else {
        return Ok(()); // aya-obj refuses a short header itself
    };
    let Some(strings) = btf_strings(btf) else {
        return Ok(());
    };
    let start = hdr_len as usize + type_off as usize;
    let Some(types) = btf.get(start..start + type_len as usize) else {
        return Ok(());
    };
    let named = |at: usize| -> Result<(), String> {
        let Some(offset) = types
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])) as usize)
        else {
            return Ok(()); // a record cut short: aya-obj refuses it
        };
        match strings.get(offset..) {
            Some(rest) if rest.contains(&0) => Ok(()),
            _ => Err(format!("name offset {offset} is not one of its strings")),
        }
    };
    let mut at = 0;
    while at + 12 <= types.len() {
        let info = u32::from_le_bytes(types[at + 4..at + 8].try_into().unwrap_or([0; 4]));
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        named(at)?;
        // Each kind's trailing records: (size of one, does it start with a name offset).
        let (record, count, has_name) = match kind {
            1 | 14 | 17 => (4, 1, false),   // INT, VAR, DECL_TAG
            3 => (12, 1, false),            // ARRAY
            4 | 5 | 19 => (12, vlen, true), // STRUCT, UNION, ENUM64
            6 | 13 => (8, vlen, true),      // ENUM, FUNC_PROTO
            15 => (12, vlen, false),        // DATASEC
            2 | 7..=12 | 16 | 18 => (0, 0, false),
            _ => return Ok(()), // an unknown kind: aya-obj refuses it
        };
        at += 12;
        for _ in 0..count {
            if has_name {
                named(at)?;
            }
            at += record;
        }
    }
    Ok(())
}

/// The smallest record of each .BTF.ext block: bpf_func_info, bpf_line_info, bpf_core_relo.
const MIN_RECORDS: [(&str, usize); 3] = [("func_info", 8), ("line_info", 16), ("core_relo", 16)];

/// The string section of a .BTF blob, if its header places it inside the blob.
fn btf_strings(btf: &[u8]) -> Option<&[u8]> {
    let u32_at = |at: usize| Some(u32::from_le_bytes(btf.get(at..at + 4)?.try_into().ok()?));
    let (hdr_len, str_off, str_len) = (u32_at(4)?, u32_at(16)?, u32_at(20)?);
    let start = (hdr_len as usize).checked_add(str_off as usize)?;
    btf.get(start..start.checked_add(str_len as usize)?)
}

/// Walks the .BTF.ext header and its three blocks as aya-obj does, with bounds. Each block
/// names its ELF sections by offsets into the .BTF strings (`strings`, if the object has
/// them), which aya-obj reads without checking.
fn check_btf_ext(data: &[u8], strings: Option<&[u8]>) -> Result<(), String> {
    let u32_at = |at: usize| -> Option<u32> {
        let bytes = data.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?))
    };
    let hdr_len = u32_at(4).ok_or("header cut short")? as usize;
    if hdr_len < 8 || hdr_len > data.len() {
        return Err(format!("header length {hdr_len} does not fit"));
    }
    // Fields past hdr_len are zero, as aya-obj reads them.
    let field = |at: usize| {
        if at + 4 <= hdr_len {
            u32_at(at)
        } else {
            Some(0)
        }
    };
    for (block, (name, min_record)) in MIN_RECORDS.iter().enumerate() {
        let (off, len) = (
            field(8 + block * 8).unwrap_or(0) as usize,
            field(12 + block * 8).unwrap_or(0) as usize,
        );
        if len == 0 {
            continue;
        }
        let bad = |why: String| Err(format!("{name}: {why}"));
        let Some(start) = hdr_len.checked_add(off).filter(|s| *s <= u32::MAX as usize) else {
            return bad(format!("offset {off} overflows"));
        };
        let Some(end) = start.checked_add(len).filter(|e| *e <= data.len()) else {
            return bad(format!("{len} bytes at {start} run past the section"));
        };
        if len < 4 {
            return bad(format!("{len} bytes cannot hold the record size"));
        }
        let rec_size = u32_at(start).unwrap_or(0) as usize;
        if rec_size < *min_record {
            return bad(format!("record size {rec_size} (at least {min_record})"));
        }
        let records = &data[start + 4..end];
        // aya-obj's SecInfoIter: (name offset, count) headers, each followed by its records.
        let mut at = 0usize;
        while at + 8 < records.len() {
            let word =
                |i: usize| u32::from_le_bytes(records[i..i + 4].try_into().unwrap_or([0; 4]));
            let (name, count) = (word(at) as usize, word(at + 4));
            let named = strings.is_none_or(|s| s.get(name..).is_some_and(|rest| rest.contains(&0)));
            if !named {
                return bad(format!(
                    "section name offset {name} is not a string of .BTF"
                ));
            }
            at += 8;
            let fits = rec_size
                .checked_mul(count as usize)
                .and_then(|n| at.checked_add(n))
                .filter(|next| *next <= records.len());
            let Some(next) = fits else {
                return bad(format!("{count} records of {rec_size} bytes run past it"));
            };
            // func_info and line_info records start with an instruction offset, in order
            // (the kernel requires it; aya-obj subtracts the first from the others).
            if block < 2 {
                let offsets = (at..next).step_by(rec_size).map(word);
                let sorted = offsets.clone().zip(offsets.skip(1)).all(|(a, b)| a <= b);
                if !sorted {
                    return bad("instruction offsets out of order".to_string());
                }
            }
            at = next;
        }
    }
    Ok(())
}

thread_local! {
    /// Set while this thread runs contained code: its panics print nothing.
    static SILENT: Cell<bool> = const { Cell::new(false) };
    /// Where the last silenced panic happened, for the error (and a bug report upstream).
    static SITE: Cell<Option<String>> = const { Cell::new(None) };
}

/// Runs `work`, turning a panic inside it into an error with the panic's message. The
/// panic prints nothing (no message, no backtrace) on this thread; other threads' panics
/// still go to the hook that was installed before.
pub fn contained<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    static WRAP: Once = Once::new();
    WRAP.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if SILENT.with(Cell::get) {
                let site = info
                    .location()
                    .map(|l| format!("{}:{}", short(l.file()), l.line()));
                SITE.with(|s| s.set(site));
            } else {
                previous(info);
            }
        }));
    });
    let was = SILENT.with(|s| s.replace(true));
    // AssertUnwindSafe: after a panic the half-built state is dropped, never used.
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    SILENT.with(|s| s.set(was));
    result.map_err(|payload| {
        // A panic message can carry a whole verifier log: the start says what went wrong.
        let mut text = panic_text(payload.as_ref());
        if text.len() > PANIC_TEXT_MAX {
            let cut = (0..=PANIC_TEXT_MAX)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            text.truncate(cut);
            text.push('…');
        }
        match SITE.with(Cell::take) {
            Some(site) => format!("{text} (at {site})"),
            None => text,
        }
    })
}

/// The most of a contained panic's message an error repeats.
const PANIC_TEXT_MAX: usize = 240;

/// A dependency's source path from the crate on: `aya-obj-0.3.0/src/obj.rs`.
fn short(file: &str) -> &str {
    file.split_once("/src/index.crates.io-")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or(file, |(_, crate_path)| crate_path)
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_thread_goes_on() {
        let v: Vec<u8> = vec![1, 2, 3];
        let err = contained(|| v[7]).unwrap_err();
        assert!(err.contains("index out of bounds"), "{err}");
        assert!(
            err.contains("(at inspector/src/loader/untrusted.rs:"),
            "{err}"
        );
        assert_eq!(contained(|| v[1]), Ok(2));
        assert!(!SILENT.with(Cell::get), "silence ends with the scope");
    }

    #[test]
    fn the_bundled_object_passes_the_checks() {
        assert_eq!(
            check_structure(super::super::object::BUNDLED_OBJECT),
            Ok(())
        );
    }

    fn ext(blocks: [(u32, u32); 3], body: &[u8]) -> Vec<u8> {
        let mut data = vec![0x9f, 0xeb, 1, 0];
        data.extend(32u32.to_le_bytes());
        for (off, len) in blocks {
            data.extend(off.to_le_bytes());
            data.extend(len.to_le_bytes());
        }
        data.extend(body);
        data
    }

    fn check_btf_ext_(data: &[u8]) -> Result<(), String> {
        check_btf_ext(data, Some(b"\0.text\0"))
    }

    #[test]
    fn btf_ext_names_must_be_btf_strings() {
        let mut body = 8u32.to_le_bytes().to_vec();
        body.extend(1u32.to_le_bytes()); // ".text"
        body.extend(1u32.to_le_bytes());
        body.extend([0; 8]);
        let len = body.len() as u32;
        let data = ext([(0, len), (0, 0), (0, 0)], &body);
        assert_eq!(check_btf_ext(&data, Some(b"\0.text\0")), Ok(()));
        // Past the strings, or with no NUL after it: aya-obj's unwrap would panic.
        let err = check_btf_ext(&data, Some(b"\0")).unwrap_err();
        assert!(err.contains("not a string of .BTF"), "{err}");
        assert!(check_btf_ext(&data, Some(b"\0.text")).is_err());
    }

    #[test]
    fn a_long_panic_message_is_cut_and_btf_strings_must_be_utf8() {
        let err = contained(|| panic!("{}", "x".repeat(10_000))).unwrap_err();
        assert!(err.len() < PANIC_TEXT_MAX + 100, "{}", err.len());
        assert!(err.starts_with("xxx") && err.contains('…'), "{err}");
        // Header (24 bytes, no types), then the strings "\0ok\0b\xffd\0".
        let mut btf = vec![0x9f, 0xeb, 1, 0, 24, 0, 0, 0];
        btf.extend([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0]);
        btf.extend(b"\0ok\0b\xffd\0");
        let err = check_btf_text(&btf).unwrap_err();
        assert_eq!(err, "the string at offset 4 is not UTF-8");
        btf[24 + 5] = b'c';
        assert_eq!(check_btf_text(&btf), Ok(()));
    }

    #[test]
    fn btf_type_names_must_be_strings() {
        // Header (24 bytes), one STRUCT named at 1 with one member named at 5, strings.
        let mut btf = vec![0x9f, 0xeb, 1, 0];
        for v in [24u32, 0, 24, 24, 9] {
            btf.extend(v.to_le_bytes());
        }
        for v in [1u32, (4 << 24) | 1, 4, 5, 0, 0] {
            btf.extend(v.to_le_bytes());
        }
        btf.extend(b"\0key\0val\0");
        assert_eq!(check_btf_names(&btf), Ok(()));
        let mut bad = btf.clone();
        bad[24 + 12..24 + 16].copy_from_slice(&9u32.to_le_bytes());
        let err = check_btf_names(&bad).unwrap_err();
        assert!(err.contains("name offset 9"), "{err}");
        let mut bad = btf.clone();
        bad[24..28].copy_from_slice(&9000u32.to_le_bytes());
        assert!(check_btf_names(&bad).is_err());
    }

    #[test]
    fn btf_ext_blocks_must_fit() {
        // func_info: rec_size 8, one section header with 2 records of 8 bytes.
        let mut body = 8u32.to_le_bytes().to_vec();
        body.extend([0, 0, 0, 0]);
        body.extend(2u32.to_le_bytes());
        body.extend([0; 16]);
        let len = body.len() as u32;
        assert_eq!(
            check_btf_ext_(&ext([(0, len), (0, 0), (0, 0)], &body)),
            Ok(())
        );
        // A count that runs past the block: aya-obj's slice would panic.
        let mut long = body.clone();
        long[8..12].copy_from_slice(&3u32.to_le_bytes());
        let err = check_btf_ext_(&ext([(0, len), (0, 0), (0, 0)], &long)).unwrap_err();
        assert!(err.contains("run past"), "{err}");
        // Records out of instruction order: aya-obj's rebasing would underflow.
        let mut unordered = body.clone();
        unordered[12..16].copy_from_slice(&5u32.to_le_bytes());
        let err = check_btf_ext_(&ext([(0, len), (0, 0), (0, 0)], &unordered)).unwrap_err();
        assert!(err.contains("out of order"), "{err}");
        // A zero record size: aya-obj's chunks(0) would panic.
        let mut zero = body.clone();
        zero[..4].copy_from_slice(&0u32.to_le_bytes());
        assert!(check_btf_ext_(&ext([(0, len), (0, 0), (0, 0)], &zero)).is_err());
        // A block past the end, and an offset that overflows.
        assert!(check_btf_ext_(&ext([(0, len + 1), (0, 0), (0, 0)], &body)).is_err());
        assert!(check_btf_ext_(&ext([(u32::MAX, 4), (0, 0), (0, 0)], &body)).is_err());
        assert!(check_btf_ext_(&[0x9f, 0xeb]).is_err());
    }
}
