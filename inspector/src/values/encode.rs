//! Editing: user input, one string per field, back into the bytes of a key or value.
//!
//! [`Layout::leaves`] lists the fields a user can type into; [`encode_leaf`] parses one input
//! and writes just that field's bytes (or bits, for a bitfield). Inputs read back what
//! [`crate::values::decode::Value::render`] shows: decimal or `0x` hex numbers, `true`/`false`, enum
//! variant names, quoted or bare text, and hex bytes (`0a 1b ff`) for everything else.

use std::num::IntErrorKind;

use super::leaves::write_order;
pub use super::leaves::{Leaf, TwoMembers, UnionMember};
use crate::values::{Layout, render::bytes};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("not a number: {input:?}")]
    NotANumber { input: String },
    #[error("{input} does not fit in {ty} ({range})")]
    DoesNotFit {
        input: String,
        ty: String,
        range: String,
    },
    #[error("not a bool: {input:?} (expected true or false)")]
    NotABool { input: String },
    #[error("unknown variant {input:?} (expected one of: {expected})")]
    UnknownVariant { input: String, expected: String },
    #[error("text is {}, field holds at most {max} plus the NUL", bytes(*.len))]
    TextTooLong { len: usize, max: usize },
    #[error("text cannot contain a NUL byte")]
    TextHasNul,
    #[error("not hex bytes: {input:?} (expected pairs of hex digits, like 0a 1b ff)")]
    NotHex { input: String },
    #[error("{} given, the field is {}", bytes(*.got), bytes(*.expected))]
    WrongByteCount { expected: usize, got: usize },
    #[error("the field needs bytes {offset}..{end} but the buffer is {}", bytes(*.len))]
    BufferTooSmall {
        offset: usize,
        end: usize,
        len: usize,
    },
    #[error("expected {expected} inputs (one per field), got {got}")]
    WrongInputCount { expected: usize, got: usize },
    #[error("a {ty} field cannot be edited")]
    Unsupported { ty: String },
    #[error(transparent)]
    TwoMembers(#[from] TwoMembers),
    #[error("the value is {size} bytes, too large to edit")]
    TooLarge { size: usize },
    /// From [`encode_all`]: which field the error is about.
    #[error("{path}: {error}")]
    InField {
        path: String,
        error: Box<EncodeError>,
    },
}

/// Values larger than this are not built by [`encode_all`] (no map holds values this large).
const MAX_EDIT_SIZE: usize = 64 << 20;

/// Parses `input` for `leaf` and writes it into `buf` at the leaf's place, touching no other
/// byte (or, for a bitfield, no other bit).
pub fn encode_leaf(leaf: &Leaf, input: &str, buf: &mut [u8]) -> Result<(), EncodeError> {
    let layout = &leaf.layout;
    let bit_offset = leaf.bit_offset as usize;
    let byte_offset = leaf.byte_offset.saturating_add(bit_offset / 8);
    if let Some(bits) = leaf.bitfield_bits {
        let ty = format!("{}:{bits}", layout.type_name());
        if bits == 0 || bits > 64 {
            return Err(EncodeError::Unsupported { ty });
        }
        let raw = parse_scalar(layout, input, bits, &ty)?;
        let dst = field_mut(
            buf,
            byte_offset,
            (bit_offset % 8 + bits as usize).div_ceil(8),
        )?;
        write_bits(dst, bit_offset % 8, bits, raw);
        return Ok(());
    }
    let size = layout.size();
    let dst = field_mut(buf, byte_offset, size)?;
    if layout.text_len().is_some() {
        return encode_text(input, dst);
    }
    match layout {
        Layout::Int { size: 1..=8, .. } | Layout::Enum { size: 1..=8, .. } | Layout::Pointer => {
            let raw = parse_scalar(layout, input, size as u32 * 8, &layout.type_name())?;
            dst.iter_mut()
                .zip(raw.to_le_bytes())
                .for_each(|(d, s)| *d = s);
        }
        Layout::Float { size: 4 } => {
            let value = parse_float(input)?;
            let narrow = value as f32;
            if value.is_finite() && !narrow.is_finite() {
                return Err(does_not_fit(input, "f32", "±3.4e38"));
            }
            dst.iter_mut()
                .zip(narrow.to_le_bytes())
                .for_each(|(d, s)| *d = s);
        }
        Layout::Float { size: 8 } => {
            dst.iter_mut()
                .zip(parse_float(input)?.to_le_bytes())
                .for_each(|(d, s)| *d = s);
        }
        // Unions, odd sizes, raw bytes.
        _ => encode_hex(input, dst)?,
    }
    Ok(())
}

/// A zero-filled buffer of `layout.size()` with `inputs[i]` written for `layout.leaves()[i]`;
/// in a union, only the member whose inputs are not empty (see [`super::leaves`]).
pub fn encode_all(layout: &Layout, inputs: &[&str]) -> Result<Vec<u8>, EncodeError> {
    let size = layout.size();
    if size > MAX_EDIT_SIZE {
        return Err(EncodeError::TooLarge { size });
    }
    let leaves = layout.leaves();
    if leaves.len() != inputs.len() {
        return Err(EncodeError::WrongInputCount {
            expected: leaves.len(),
            got: inputs.len(),
        });
    }
    let mut buf = vec![0; size];
    let refs: Vec<&Leaf> = leaves.iter().collect();
    for i in write_order(&refs, inputs, &vec![""; inputs.len()])? {
        let (leaf, input) = (&leaves[i], inputs[i]);
        encode_leaf(leaf, input, &mut buf).map_err(|error| match leaf.path.as_str() {
            "" => error,
            path => EncodeError::InField {
                path: path.into(),
                error: Box::new(error),
            },
        })?;
    }
    Ok(buf)
}

fn field_mut(buf: &mut [u8], offset: usize, len: usize) -> Result<&mut [u8], EncodeError> {
    let buf_len = buf.len();
    let end = offset.saturating_add(len);
    buf.get_mut(offset..end).ok_or(EncodeError::BufferTooSmall {
        offset,
        end,
        len: buf_len,
    })
}

/// Writes the low `bits` bits of `raw` at `shift` (0..8) bits into `dst`, keeping the rest.
fn write_bits(dst: &mut [u8], shift: usize, bits: u32, raw: u64) {
    let old = dst
        .iter()
        .rev()
        .fold(0u128, |acc, &b| acc << 8 | u128::from(b));
    let mask = ((1u128 << bits) - 1) << shift;
    let new = (old & !mask) | ((u128::from(raw) << shift) & mask);
    for (i, b) in dst.iter_mut().enumerate() {
        *b = (new >> (8 * i)) as u8;
    }
}

/// The low `bits` bits to store for a bool, int, enum or pointer.
fn parse_scalar(layout: &Layout, input: &str, bits: u32, ty: &str) -> Result<u64, EncodeError> {
    match layout {
        Layout::Int { bool: true, .. } => match input.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(1),
            "false" | "0" => Ok(0),
            _ => Err(EncodeError::NotABool {
                input: input.trim().into(),
            }),
        },
        Layout::Int { signed, .. } => parse_int(input, bits, *signed, ty),
        Layout::Pointer => parse_int(input, bits, false, ty),
        Layout::Enum {
            signed, variants, ..
        } => {
            let input = input.trim();
            let by_name = variants.iter().find(|(name, _)| name == input);
            let by_name = by_name.or_else(|| {
                variants
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(input))
            });
            if let Some((_, value)) = by_name {
                return Ok(*value as u64 & mask(bits));
            }
            // A number, bare or as render shows an unnamed one: enum(7).
            let number = input
                .strip_prefix("enum(")
                .and_then(|n| n.strip_suffix(')'))
                .unwrap_or(input);
            if number.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
                return parse_int(number, bits, *signed, ty);
            }
            let expected = variants
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            Err(EncodeError::UnknownVariant {
                input: input.into(),
                expected,
            })
        }
        _ => Err(EncodeError::Unsupported { ty: ty.into() }),
    }
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

/// Decimal, `0x` hex or `0b` binary, optionally negative, `_` allowed between digits.
/// For a signed type, hex and binary may also spell the bits: 0xff is -1 in an i8.
fn parse_int(input: &str, bits: u32, signed: bool, ty: &str) -> Result<u64, EncodeError> {
    let input = input.trim();
    if bits == 0 || bits > 64 {
        return Err(EncodeError::Unsupported { ty: ty.into() });
    }
    let not_a_number = || EncodeError::NotANumber {
        input: input.into(),
    };
    let cleaned = input.replace('_', "");
    let (negative, rest) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (radix, digits) = match rest.get(..2) {
        Some("0x" | "0X") => (16, &rest[2..]),
        Some("0b" | "0B") => (2, &rest[2..]),
        _ => (10, rest),
    };
    let umax = u128::from(mask(bits));
    let (min, max) = if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, umax as i128)
    };
    let range = || format!("{min}..={max}");
    // from_str_radix takes a sign of its own; one sign is enough.
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return Err(not_a_number());
    }
    let magnitude = u128::from_str_radix(digits, radix).map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => does_not_fit(input, ty, &range()),
        _ => not_a_number(),
    })?;
    let value = i128::try_from(magnitude).map_err(|_| does_not_fit(input, ty, &range()))?;
    let value = if negative { -value } else { value };
    if (min..=max).contains(&value) {
        return Ok((value as u128 & umax) as u64);
    }
    if signed && !negative && radix != 10 && magnitude <= umax {
        return Ok(magnitude as u64);
    }
    Err(does_not_fit(input, ty, &range()))
}

fn parse_float(input: &str) -> Result<f64, EncodeError> {
    let input = input.trim();
    input.parse().map_err(|_| EncodeError::NotANumber {
        input: input.into(),
    })
}

fn does_not_fit(input: &str, ty: &str, range: &str) -> EncodeError {
    EncodeError::DoesNotFit {
        input: input.trim().into(),
        ty: ty.into(),
        range: range.into(),
    }
}

/// Text into a NUL-padded byte array. Bare text is trimmed; quoted text (as render shows it)
/// keeps its spaces and may use escapes like `\"`. Hex bytes that fill the field exactly are
/// taken as bytes, so a byte array shown as `0a 00 00 01` reads back.
fn encode_text(input: &str, dst: &mut [u8]) -> Result<(), EncodeError> {
    let trimmed = input.trim();
    // Hex bytes filling the field, as render shows a byte array that is not text. Never
    // ambiguous: n bytes take at least 2n hex digits, and text there holds at most n - 1.
    if let Some(bytes) = parse_hex(trimmed).filter(|b| b.len() == dst.len() && !b.is_empty()) {
        dst.copy_from_slice(&bytes);
        return Ok(());
    }
    let text = match trimmed.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => unescape(quoted),
        None => trimmed.as_bytes().to_vec(),
    };
    if text.contains(&0) {
        return Err(EncodeError::TextHasNul);
    }
    let max = dst.len().saturating_sub(1);
    if text.len() > max {
        return Err(EncodeError::TextTooLong {
            len: text.len(),
            max,
        });
    }
    dst.fill(0);
    dst.iter_mut().zip(text).for_each(|(d, s)| *d = s);
    Ok(())
}

/// Undoes the escapes Rust's `{:?}` writes for a string, and `\xNN` (a byte that is not
/// UTF-8, as render shows it); anything else is kept as written.
fn unescape(quoted: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    let push = |out: &mut Vec<u8>, c: char| out.extend(c.encode_utf8(&mut [0; 4]).as_bytes());
    while let Some(c) = chars.next() {
        if c != '\\' {
            push(&mut out, c);
            continue;
        }
        let rest = chars.as_str();
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('r') => out.push(b'\r'),
            Some('0') => out.push(0),
            Some(c @ ('\\' | '"' | '\'')) => push(&mut out, c),
            Some('x') => match rest
                .get(1..3)
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                Some(byte) => {
                    out.push(byte);
                    chars = rest[3..].chars();
                }
                None => out.extend(b"\\x"),
            },
            Some('u') => {
                let code = rest.strip_prefix("u{").and_then(|r| r.split_once('}'));
                match code.and_then(|(hex, after)| {
                    Some((char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, after))
                }) {
                    Some((decoded, after)) => {
                        push(&mut out, decoded);
                        chars = after.chars();
                    }
                    None => out.extend(b"\\u"),
                }
            }
            Some(other) => {
                out.push(b'\\');
                push(&mut out, other);
            }
            None => out.push(b'\\'),
        }
    }
    out
}

/// Hex bytes, as render shows them: `0a 1b ff`, `0a1bff` or `0x0a1bff`; exactly the field's size.
fn encode_hex(input: &str, dst: &mut [u8]) -> Result<(), EncodeError> {
    let bytes = parse_hex(input).ok_or_else(|| EncodeError::NotHex {
        input: input.trim().into(),
    })?;
    if bytes.len() != dst.len() {
        return Err(EncodeError::WrongByteCount {
            expected: dst.len(),
            got: bytes.len(),
        });
    }
    dst.copy_from_slice(&bytes);
    Ok(())
}

fn parse_hex(input: &str) -> Option<Vec<u8>> {
    let trimmed = input.trim();
    if trimmed == "(empty)" {
        return Some(Vec::new());
    }
    let hex = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    let digits: Vec<u8> = hex
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    digits
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(hex_digit(*hi)? << 4 | hex_digit(*lo)?),
            _ => None,
        })
        .collect()
}

fn hex_digit(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{
        Field,
        decode::{Value, decode},
        render::Style,
    };

    fn kind() -> Layout {
        let variants = vec![("Exec".into(), 0), ("Open".into(), 1)];
        Layout::Enum {
            name: "Kind".into(),
            size: 4,
            signed: false,
            variants,
        }
    }
    fn array(elem: Layout, len: usize) -> Layout {
        Layout::array(elem, len)
    }
    fn chars(len: usize) -> Layout {
        Layout::array(Layout::char(), len)
    }
    const BOOL: Layout = Layout::Int {
        size: 1,
        signed: false,
        char: false,
        bool: true,
    };

    /// struct { u64 count; struct { u32 execs; u32 _pad; } stats; char comm[8]; u16 vals[2];
    ///          u8 a:3, b:5 (signed); enum Kind kind; }
    fn sample() -> Layout {
        let stats = Layout::Struct {
            name: "Stats".into(),
            size: 8,
            fields: vec![
                Field::new("execs", 0, Layout::int(4, false)),
                Field::new("_pad", 32, Layout::int(4, false)),
            ],
        };
        let fields = vec![
            Field::new("count", 0, Layout::int(8, false)),
            Field::new("stats", 64, stats),
            Field::new("comm", 128, chars(8)),
            Field::new("vals", 192, Layout::array(Layout::int(2, false), 2)),
            Field::bitfield("a", 224, 3, Layout::int(1, false)),
            Field::bitfield("b", 227, 5, Layout::int(1, true)),
            Field::new("kind", 256, kind()),
        ];
        Layout::Struct {
            name: "Sample".into(),
            size: 36,
            fields,
        }
    }

    fn error(layout: &Layout, input: &str) -> String {
        let leaf = layout.leaves().remove(0);
        let mut buf = vec![0; 64];
        encode_leaf(&leaf, input, &mut buf).unwrap_err().to_string()
    }

    #[test]
    fn leaves_flatten_structs_and_arrays() {
        let leaves = sample().leaves();
        let shape: Vec<_> = leaves
            .iter()
            .map(|l| {
                (
                    l.path.as_str(),
                    l.byte_offset,
                    l.bit_offset,
                    l.bitfield_bits,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("count", 0, 0, None),
                ("stats.execs", 8, 0, None),
                ("comm", 16, 0, None),
                ("vals[0]", 24, 0, None),
                ("vals[1]", 26, 0, None),
                ("a", 28, 0, Some(3)),
                ("b", 28, 3, Some(5)),
                ("kind", 32, 0, None),
            ]
        );
        assert_eq!(leaves[2].layout, chars(8));
        let top = Layout::int(4, false).leaves();
        assert_eq!((top.len(), top[0].path.as_str()), (1, ""));
        let nested: Vec<_> = Layout::array(Layout::array(Layout::int(1, false), 4), 2)
            .leaves()
            .into_iter()
            .map(|l| (l.path, l.byte_offset))
            .collect();
        assert_eq!(nested, [("[0]".to_string(), 0), ("[1]".to_string(), 4)]);
        let flexible = Layout::Struct {
            name: "F".into(),
            size: 4,
            fields: vec![
                Field::new("n", 0, Layout::int(4, false)),
                Field::new("data", 32, Layout::array(Layout::int(1, false), 0)),
            ],
        };
        assert_eq!(flexible.leaves().len(), 1);
    }

    #[test]
    fn encode_all_round_trips_through_decode() {
        let layout = sample();
        let bytes = encode_all(
            &layout,
            &["3", "0x10", "\"bash\"", "1", "65535", "7", "-16", "Open"],
        )
        .unwrap();
        let shown = decode(&layout, &bytes).render(Style::default());
        assert_eq!(
            shown,
            r#"{count: 3, stats: {execs: 16}, comm: "bash", vals: [1, 65535], a: 7, b: -16, kind: Open}"#
        );
        assert_eq!(bytes.len(), 36);
        // Rendered values read back as the same bytes, in decimal and in hex.
        for style in [Style::default(), Style { hex: true }] {
            let Value::Struct(fields) = decode(&layout, &bytes) else {
                panic!()
            };
            let rendered: Vec<String> = fields
                .iter()
                .flat_map(|(_, v)| match v {
                    Value::Struct(inner) => inner.iter().map(|(_, v)| v.render(style)).collect(),
                    Value::Array(items) => items.iter().map(|v| v.render(style)).collect(),
                    v => vec![v.render(style)],
                })
                .collect();
            let inputs: Vec<&str> = rendered.iter().map(String::as_str).collect();
            assert_eq!(encode_all(&layout, &inputs).unwrap(), bytes, "{inputs:?}");
        }
    }

    #[test]
    fn char_text_shows_c_escapes_and_reads_back_as_the_same_bytes() {
        let raw = b"a\x16\n\"'\\\xff\xc3\xa9\xc2\xad\0\0".to_vec();
        let shown = Value::Chars(raw.clone()).render(Style::default());
        assert_eq!(shown, r#""a\x16\n\"'\\\xffé\u{ad}""#);
        let mut back = vec![0xaa; raw.len()];
        encode_text(&shown, &mut back).unwrap();
        assert_eq!(back, raw);
    }

    #[test]
    fn each_leaf_kind_round_trips() {
        let cases: Vec<(Layout, &str, Value)> = vec![
            (Layout::int(1, false), "255", Value::Unsigned(255)),
            (Layout::int(2, true), "-0x8000", Value::Signed(-32768)),
            (Layout::int(1, true), "0xff", Value::Signed(-1)), // hex spells the bits
            (
                Layout::int(8, false),
                "18_446_744_073_709_551_615",
                Value::Unsigned(u64::MAX),
            ),
            (
                Layout::int(8, true),
                "-9223372036854775808",
                Value::Signed(i64::MIN),
            ),
            (Layout::int(4, false), "0b101", Value::Unsigned(5)),
            (BOOL, "TRUE", Value::Bool(true)),
            (BOOL, "0", Value::Bool(false)),
            (Layout::Float { size: 4 }, "0.1", Value::Float(0.1)),
            (Layout::Float { size: 8 }, "-1e300", Value::Float(-1e300)),
            (
                kind(),
                "open",
                Value::Enum {
                    name: Some("Open".into()),
                    raw: 1,
                },
            ),
            (kind(), "enum(7)", Value::Enum { name: None, raw: 7 }),
            (
                kind(),
                "0",
                Value::Enum {
                    name: Some("Exec".into()),
                    raw: 0,
                },
            ),
            (
                Layout::Pointer,
                "0xffffffff81000000",
                Value::Unsigned(0xffff_ffff_8100_0000),
            ),
            (chars(8), "  /bin/sh ", Value::chars("/bin/sh", 8)),
            (chars(8), r#"" q\"\\ ""#, Value::chars(" q\"\\ ", 8)),
            (chars(8), r#""\u{e9}""#, Value::chars("é", 8)),
            (chars(4), r#""\xffa""#, Value::Chars(vec![0xff, b'a', 0, 0])),
            (chars(4), "\"\"", Value::chars("", 4)),
            (
                array(Layout::int(1, false), 4),
                "\"ok\"",
                Value::Bytes(b"ok\0\0".to_vec()),
            ),
            (
                array(Layout::int(1, false), 4),
                "0a 00 00 01",
                Value::Bytes(vec![10, 0, 0, 1]),
            ),
            (chars(4), "0a", Value::chars("0a", 4)),
            (
                Layout::Bytes { size: 3 },
                "0a 1b FF",
                Value::Bytes(vec![0x0a, 0x1b, 0xff]),
            ),
            (
                Layout::Bytes { size: 2 },
                "0x0a1b",
                Value::Bytes(vec![0x0a, 0x1b]),
            ),
            (Layout::Bytes { size: 0 }, "(empty)", Value::Bytes(vec![])),
            (
                Layout::Union {
                    name: "U".into(),
                    size: 2,
                    fields: vec![],
                },
                "01:02",
                Value::Bytes(vec![1, 2]),
            ),
            (
                Layout::int(16, false),
                "00000000000000000000000000000000",
                Value::Bytes(vec![0; 16]),
            ),
        ];
        for (layout, input, expected) in cases {
            let bytes = encode_all(&layout, &[input]).unwrap_or_else(|e| panic!("{input}: {e}"));
            let value = decode(&layout, &bytes);
            assert_eq!(value, expected, "{input}");
            assert_eq!(
                encode_all(&layout, &[&value.render(Style::default())]),
                Ok(bytes),
                "{input}"
            );
        }
    }

    #[test]
    fn writes_touch_only_their_field() {
        let layout = sample();
        let leaves = layout.leaves();
        for (leaf, input) in leaves
            .iter()
            .zip(["0", "0", "", "0", "0", "0", "0", "Exec"])
        {
            let mut buf = vec![0xaa; 40];
            encode_leaf(leaf, input, &mut buf).unwrap();
            let size = leaf
                .bitfield_bits
                .map_or(leaf.layout.size() * 8, |b| b as usize);
            let start = leaf.byte_offset * 8 + leaf.bit_offset as usize;
            for bit in 0..buf.len() * 8 {
                let set = buf[bit / 8] >> (bit % 8) & 1;
                let expected = if (start..start + size).contains(&bit) {
                    0
                } else {
                    0xaa >> (bit % 8) & 1
                };
                assert_eq!(set, expected, "{} bit {bit}", leaf.path);
            }
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases = [
            (Layout::int(1, false), "abc", "not a number: \"abc\""),
            (Layout::int(1, false), "", "not a number: \"\""),
            (Layout::int(1, false), "--1", "not a number: \"--1\""),
            (
                Layout::int(1, false),
                "300",
                "300 does not fit in u8 (0..=255)",
            ),
            (
                Layout::int(1, false),
                "-1",
                "-1 does not fit in u8 (0..=255)",
            ),
            (
                Layout::int(1, true),
                "-129",
                "-129 does not fit in i8 (-128..=127)",
            ),
            (
                Layout::int(1, true),
                "255",
                "255 does not fit in i8 (-128..=127)",
            ),
            (
                Layout::int(8, false),
                "99999999999999999999999999999999999999999",
                "99999999999999999999999999999999999999999 does not fit in u64 (0..=18446744073709551615)",
            ),
            (BOOL, "yes", "not a bool: \"yes\" (expected true or false)"),
            (
                kind(),
                "Foo",
                "unknown variant \"Foo\" (expected one of: Exec, Open)",
            ),
            (
                kind(),
                "-1",
                "-1 does not fit in enum Kind (0..=4294967295)",
            ),
            (
                Layout::Float { size: 4 },
                "1e39",
                "1e39 does not fit in f32 (±3.4e38)",
            ),
            (Layout::Float { size: 8 }, "x", "not a number: \"x\""),
            (
                Layout::array(Layout::int(1, true), 16),
                "abcdefghijklmnopqrst",
                "text is 20 bytes, field holds at most 15 plus the NUL",
            ),
            (
                Layout::array(Layout::int(1, true), 16),
                r#""a\0b""#,
                "text cannot contain a NUL byte",
            ),
            (
                Layout::Bytes { size: 2 },
                "zz",
                "not hex bytes: \"zz\" (expected pairs of hex digits, like 0a 1b ff)",
            ),
            (
                Layout::Bytes { size: 2 },
                "abc",
                "not hex bytes: \"abc\" (expected pairs of hex digits, like 0a 1b ff)",
            ),
            (
                Layout::Bytes { size: 2 },
                "+f",
                "not hex bytes: \"+f\" (expected pairs of hex digits, like 0a 1b ff)",
            ),
            (
                Layout::Bytes { size: 2 },
                "0a",
                "1 byte given, the field is 2 bytes",
            ),
        ];
        for (layout, input, message) in cases {
            assert_eq!(error(&layout, input), message);
        }
        let bitfield = Leaf {
            path: "f".into(),
            byte_offset: 0,
            bit_offset: 5,
            bitfield_bits: Some(3),
            layout: Layout::int(4, false),
            unions: vec![],
        };
        assert_eq!(
            encode_leaf(&bitfield, "8", &mut [0; 4])
                .unwrap_err()
                .to_string(),
            "8 does not fit in u32:3 (0..=7)"
        );
        assert_eq!(
            encode_leaf(&bitfield, "1", &mut [])
                .unwrap_err()
                .to_string(),
            "the field needs bytes 0..1 but the buffer is 0 bytes"
        );
        let wide = Leaf {
            bitfield_bits: Some(65),
            ..bitfield
        };
        assert_eq!(
            encode_leaf(&wide, "1", &mut [0; 16])
                .unwrap_err()
                .to_string(),
            "a u32:65 field cannot be edited"
        );
        assert_eq!(
            encode_all(&sample(), &["1"]).unwrap_err().to_string(),
            "expected 8 inputs (one per field), got 1"
        );
        let inputs = ["1", "2", "/usr/bin/env", "1", "1", "1", "1", "Exec"];
        assert_eq!(
            encode_all(&sample(), &inputs).unwrap_err().to_string(),
            "comm: text is 12 bytes, field holds at most 7 plus the NUL"
        );
        let inputs = ["1", "nope", "x", "1", "1", "1", "1", "Exec"];
        assert_eq!(
            encode_all(&sample(), &inputs).unwrap_err().to_string(),
            "stats.execs: not a number: \"nope\""
        );
        assert_eq!(
            encode_all(&Layout::Bytes { size: 1 << 30 }, &["00"]).unwrap_err(),
            EncodeError::TooLarge { size: 1 << 30 }
        );
    }
}
