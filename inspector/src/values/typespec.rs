//! `--key-type` / `--value-type`: how to read a map that has no BTF, in a few words:
//! `u8`..`u64`, `i8`..`i64`, `bool`, `char[N]` (text), `u8[N]`/`u32[N]`… (arrays), `bytes[N]`.
use crate::values::Layout;

/// The largest key or value a map can have: the kernel caps key + value at KMALLOC_MAX_SIZE
/// (4 MiB with 4 KiB pages), so a bigger type can never describe a map.
pub const MAX_TYPE_SIZE: usize = 4 << 20;

pub fn parse(spec: &str) -> Result<Layout, String> {
    let spec = spec.trim();
    if let Some((elem, rest)) = spec.split_once('[') {
        let len: usize = rest
            .strip_suffix(']')
            .and_then(|n| n.trim().parse().ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("bad array length in {spec:?} (expected e.g. u8[16])"))?;
        let elem_layout = match elem {
            "bytes" => Layout::int(1, false),
            _ => scalar(elem).ok_or_else(|| unknown(elem))?,
        };
        let fits = len
            .checked_mul(elem_layout.size())
            .is_some_and(|size| size <= MAX_TYPE_SIZE);
        if !fits {
            return Err(format!(
                "{spec} is larger than any map key or value (at most {} MiB)",
                MAX_TYPE_SIZE >> 20
            ));
        }
        return Ok(match elem {
            "bytes" => Layout::Bytes { size: len },
            _ => Layout::array(elem_layout, len),
        });
    }
    scalar(spec).ok_or_else(|| unknown(spec))
}

fn unknown(spec: &str) -> String {
    format!("unknown type {spec:?}: use u8..u64, i8..i64, bool, char[N], u8[N] or bytes[N]")
}

fn scalar(name: &str) -> Option<Layout> {
    let int = Layout::int;
    Some(match name.trim() {
        "u8" => int(1, false),
        "u16" => int(2, false),
        "u32" => int(4, false),
        "u64" => int(8, false),
        "i8" => int(1, true),
        "i16" => int(2, true),
        "i32" => int(4, true),
        "i64" => int(8, true),
        "char" => Layout::Int {
            size: 1,
            signed: true,
            char: true,
            bool: false,
        },
        "bool" => Layout::Int {
            size: 1,
            signed: false,
            char: false,
            bool: true,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_become_layouts_of_the_right_size() {
        assert_eq!(parse("u32").unwrap().size(), 4);
        assert_eq!(parse("i64").unwrap().size(), 8);
        assert_eq!(parse("char[16]").unwrap().size(), 16);
        assert_eq!(parse("u32[4]").unwrap().size(), 16);
        assert_eq!(parse("bytes[12]").unwrap().size(), 12);
        assert_eq!(parse("char[16]").unwrap().type_name(), "char[16]");
    }

    #[test]
    fn bad_specs_say_what_is_accepted() {
        assert!(parse("u128").unwrap_err().contains("use u8..u64"));
        assert!(parse("u8[0]").unwrap_err().contains("bad array length"));
        assert!(parse("u8[x]").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn arrays_too_large_for_any_map_are_refused_without_overflow() {
        // 8 * 2^61 overflows a usize: the message must not print a wrapped size.
        let err = parse("u64[2305843009213693952]").unwrap_err();
        assert_eq!(
            err,
            "u64[2305843009213693952] is larger than any map key or value (at most 4 MiB)"
        );
        assert!(parse("bytes[4194305]").is_err());
        assert_eq!(parse("bytes[4194304]").unwrap().size(), MAX_TYPE_SIZE);
    }
}
