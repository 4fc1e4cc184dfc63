//! Turning raw map bytes into a [`Value`] tree.
//!
//! A [`Layout`] says what the bytes are. [`decode`] walks a layout over a key or value and never
//! fails: what the layout does not describe well, or what a short buffer cuts off, comes out as
//! [`Value::Bytes`]. Integers are little endian (the only byte order this tool supports).
//! Showing a value is in [`super::render`]; editing, text back into bytes, in [`super::encode`].

use super::layout::{Field, Layout, is_byte, is_char, visit_fields};
// A `char` array's text ends where a kernel object name does: at its first NUL, else at its end.
pub(crate) use crate::sys::text_end;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Unsigned(u64),
    Signed(i64),
    Bool(bool),
    Float(f64),
    /// `name` is the variant with this value, `None` if there is none.
    Enum {
        name: Option<String>,
        raw: i64,
    },
    /// A whole C `char` array, raw. It reads as the text before its first NUL (see
    /// [`Value::text`]); hex mode shows every byte.
    Chars(Vec<u8>),
    /// Fields in layout order, padding left out; for a union, every member, each read from
    /// the union's bytes.
    Struct(Vec<(String, Value)>),
    /// Elements; a short buffer leaves off those it does not reach.
    Array(Vec<Value>),
    /// Arrays of `u8` (any 1-byte integer but `char`), layouts without a number in them, and
    /// whatever a short buffer cut (possibly empty).
    Bytes(Vec<u8>),
}

/// Decodes `bytes` as `layout`. Extra bytes are ignored; missing ones never panic (see [`Value`]).
pub fn decode(layout: &Layout, bytes: &[u8]) -> Value {
    let size = layout.size();
    match layout {
        // A union without members (malformed BTF) has only its bytes to show.
        Layout::Struct { fields, .. } | Layout::Union { fields, .. }
            if !(fields.is_empty() && matches!(layout, Layout::Union { .. })) =>
        {
            let mut out = Vec::new();
            visit_fields(fields, 0, &mut |name, bits, field| {
                out.push((name.to_string(), decode_field(field, bits, bytes)));
            });
            Value::Struct(out)
        }
        Layout::Array { elem, len } => decode_array(elem, *len, bytes),
        _ if bytes.len() < size => Value::Bytes(bytes.to_vec()),
        Layout::Float { size: 4 } => Value::Float(widen(f32::from_bits(read_le(bytes, 4) as u32))),
        Layout::Float { size: 8 } => Value::Float(f64::from_bits(read_le(bytes, 8))),
        Layout::Int { size: 1..=8, .. } | Layout::Enum { size: 1..=8, .. } | Layout::Pointer => {
            scalar(layout, read_le(bytes, size), size as u32 * 8)
        }
        _ => Value::Bytes(slice(bytes, 0, size).to_vec()),
    }
}

fn decode_field(field: &Field, bit_offset: u64, bytes: &[u8]) -> Value {
    let start = usize::try_from(bit_offset / 8).unwrap_or(usize::MAX);
    let Some(bits) = field.bitfield_bits else {
        return decode(&field.layout, slice(bytes, start, field.layout.size()));
    };
    match read_bits(bytes, bit_offset, bits) {
        Some(raw) if matches!(field.layout, Layout::Int { .. } | Layout::Enum { .. }) => {
            scalar(&field.layout, raw, bits)
        }
        _ => Value::Bytes(
            slice(
                bytes,
                start,
                (bit_offset % 8 + u64::from(bits)).div_ceil(8) as usize,
            )
            .to_vec(),
        ),
    }
}

fn decode_array(elem: &Layout, len: usize, bytes: &[u8]) -> Value {
    if is_byte(elem) {
        let data = slice(bytes, 0, len);
        return if is_char(elem) && data.len() == len {
            Value::Chars(data.to_vec())
        } else {
            Value::Bytes(data.to_vec())
        };
    }
    let elem_size = elem.size();
    if elem_size == 0 {
        return Value::Array(Vec::new());
    }
    let present = bytes.len().div_ceil(elem_size).min(len);
    Value::Array(
        (0..present)
            .map(|i| decode(elem, slice(bytes, i * elem_size, elem_size)))
            .collect(),
    )
}

impl Value {
    /// A `char` array from text, NUL-padded to `len` bytes (for tests and callers that
    /// build values by hand).
    pub fn chars(text: &str, len: usize) -> Value {
        let mut raw = text.as_bytes().to_vec();
        raw.resize(len.max(raw.len()), 0);
        Value::Chars(raw)
    }

    /// A `char` array's text: the bytes before the first NUL (all of them if there is none),
    /// UTF-8 as it is, and each byte that is not UTF-8 written as `\xNN`, never dropped.
    pub fn text(raw: &[u8]) -> String {
        let mut out = String::new();
        for chunk in raw[..text_end(raw)].utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
}

/// Whether a `char` array is exactly its text, a NUL and NULs: so typing the text back
/// writes the same bytes (else an edit prompt shows its hex).
pub(crate) fn text_is_whole(raw: &[u8]) -> bool {
    let end = text_end(raw);
    end < raw.len() && raw[end..].iter().all(|&b| b == 0)
}

/// A number of `bits` bits read from a struct (a bitfield's low bits come first in little endian).
fn scalar(layout: &Layout, raw: u64, bits: u32) -> Value {
    match layout {
        Layout::Int { bool: true, .. } => Value::Bool(raw != 0),
        Layout::Int { signed: true, .. } => Value::Signed(sign_extend(raw, bits)),
        Layout::Enum {
            signed, variants, ..
        } => {
            let raw = if *signed {
                sign_extend(raw, bits)
            } else {
                raw as i64
            };
            let name = variants
                .iter()
                .find(|(_, value)| *value == raw)
                .map(|(name, _)| name.clone());
            Value::Enum { name, raw }
        }
        _ => Value::Unsigned(raw),
    }
}

/// An f32 as the f64 with the same shortest decimal form, so 0.1f32 shows as 0.1.
fn widen(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

fn sign_extend(raw: u64, bits: u32) -> i64 {
    if bits == 0 || bits >= 64 {
        return raw as i64;
    }
    let shift = 64 - bits;
    ((raw << shift) as i64) >> shift
}

/// Up to `len` bytes from `start`, fewer (maybe none) if `bytes` ends first.
pub(crate) fn slice(bytes: &[u8], start: usize, len: usize) -> &[u8] {
    let start = start.min(bytes.len());
    let end = start.saturating_add(len).min(bytes.len());
    &bytes[start..end]
}

/// The first `len` (at most 8) bytes as a little-endian number.
fn read_le(bytes: &[u8], len: usize) -> u64 {
    slice(bytes, 0, len.min(8))
        .iter()
        .rev()
        .fold(0, |acc, &b| acc << 8 | u64::from(b))
}

/// `bits` (1..=64) bits starting `bit_offset` bits into `bytes`; `None` if they are not all there.
fn read_bits(bytes: &[u8], bit_offset: u64, bits: u32) -> Option<u64> {
    if bits == 0 || bits > 64 {
        return None;
    }
    let start = usize::try_from(bit_offset / 8).ok()?;
    let shift = bit_offset % 8;
    let len = (shift + u64::from(bits)).div_ceil(8) as usize;
    let covered = bytes.get(start..start.checked_add(len)?)?;
    let acc = covered
        .iter()
        .rev()
        .fold(0u128, |acc, &b| acc << 8 | u128::from(b));
    Some(((acc >> shift) & ((1u128 << bits) - 1)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{Field, render::Style};
    use serde_json::json;

    fn bytes_of(elem: Layout, len: usize) -> Layout {
        Layout::array(elem, len)
    }

    fn strukt(fields: &[(&str, u32, Option<u32>, Layout)]) -> Layout {
        let fields = fields
            .iter()
            .map(|(name, bit_offset, bitfield_bits, layout)| Field {
                name: name.to_string(),
                bit_offset: *bit_offset,
                bitfield_bits: *bitfield_bits,
                layout: layout.clone(),
            })
            .collect::<Vec<_>>();
        let size = fields
            .iter()
            .map(|f| (f.bit_offset as usize / 8) + f.layout.size())
            .max()
            .unwrap_or(0);
        Layout::Struct {
            name: "S".into(),
            size,
            fields,
        }
    }
    fn kind() -> Layout {
        let variants = vec![("Exec".into(), 0), ("Open".into(), 1), ("Gone".into(), -1)];
        Layout::Enum {
            name: "Kind".into(),
            size: 4,
            signed: true,
            variants,
        }
    }
    const HEX: Style = Style { hex: true };
    fn show(layout: &Layout, bytes: &[u8]) -> String {
        decode(layout, bytes).render(Style::default())
    }

    #[test]
    fn layouts_name_and_size_themselves() {
        let cases = [
            (Layout::from_size(4), "u32", 4),
            (Layout::from_size(3), "bytes[3]", 3),
            (Layout::from_size(0), "bytes[0]", 0),
            (Layout::int(8, true), "i64", 8),
            (
                Layout::Int {
                    size: 1,
                    signed: true,
                    char: true,
                    bool: false,
                },
                "char",
                1,
            ),
            (
                Layout::Int {
                    size: 1,
                    signed: false,
                    char: false,
                    bool: true,
                },
                "bool",
                1,
            ),
            (Layout::Float { size: 4 }, "f32", 4),
            (
                Layout::array(Layout::array(Layout::int(4, true), 3), 2),
                "i32[2][3]",
                24,
            ),
            (Layout::array(Layout::int(1, false), 64), "u8[64]", 64),
            (kind(), "enum Kind", 4),
            (
                Layout::Union {
                    name: String::new(),
                    size: 8,
                    fields: vec![],
                },
                "union (anonymous)",
                8,
            ),
            (Layout::Pointer, "ptr", 8),
        ];
        for (layout, name, size) in cases {
            assert_eq!(
                (layout.type_name(), layout.size()),
                (name.to_string(), size)
            );
        }
        assert_eq!(Layout::array(Layout::int(1, true), 16).text_len(), Some(16));
        assert_eq!(Layout::array(Layout::int(2, true), 16).text_len(), None);
    }

    #[test]
    fn scalars() {
        assert_eq!(
            decode(&Layout::int(4, false), &[0xff, 0xff, 0xff, 0xff]),
            Value::Unsigned(u32::MAX.into())
        );
        assert_eq!(
            decode(&Layout::int(4, true), &[0xfe, 0xff, 0xff, 0xff]),
            Value::Signed(-2)
        );
        assert_eq!(
            decode(&Layout::int(8, true), &i64::MIN.to_le_bytes()),
            Value::Signed(i64::MIN)
        );
        assert_eq!(
            decode(&Layout::int(2, false), &[0x34, 0x12, 0x99]),
            Value::Unsigned(0x1234)
        ); // extra ignored
        assert_eq!(
            decode(
                &Layout::Int {
                    size: 1,
                    signed: false,
                    char: false,
                    bool: true
                },
                &[2]
            ),
            Value::Bool(true)
        );
        assert_eq!(
            decode(&Layout::Float { size: 4 }, &0.1f32.to_le_bytes()),
            Value::Float(0.1)
        );
        assert_eq!(
            decode(&Layout::Float { size: 8 }, &(-2.5f64).to_le_bytes()),
            Value::Float(-2.5)
        );
        assert_eq!(
            decode(&Layout::Pointer, &[1, 0, 0, 0, 0, 0, 0, 0x80]),
            Value::Unsigned(0x8000_0000_0000_0001)
        );
        assert_eq!(
            decode(&Layout::int(16, false), &[7; 16]),
            Value::Bytes(vec![7; 16])
        );
        assert_eq!(
            decode(&kind(), &[1, 0, 0, 0]),
            Value::Enum {
                name: Some("Open".into()),
                raw: 1
            }
        );
        assert_eq!(
            decode(&kind(), &[0xff; 4]),
            Value::Enum {
                name: Some("Gone".into()),
                raw: -1
            }
        );
        assert_eq!(
            decode(&kind(), &[7, 0, 0, 0]),
            Value::Enum { name: None, raw: 7 }
        );
        let union = Layout::Union {
            name: "U".into(),
            size: 2,
            fields: vec![],
        };
        assert_eq!(decode(&union, &[1, 2, 3]), Value::Bytes(vec![1, 2]));
    }

    #[test]
    fn rendering() {
        let cases = [
            (Value::Unsigned(255), "255", "0xff"),
            (Value::Signed(-5), "-5", "-0x5"),
            (Value::Signed(26), "26", "0x1a"),
            (Value::Bool(false), "false", "false"),
            (Value::Float(1.5), "1.5", "1.5"),
            (
                Value::Enum {
                    name: Some("Exec".into()),
                    raw: 0,
                },
                "Exec",
                "Exec",
            ),
            (
                Value::Enum {
                    name: None,
                    raw: 26,
                },
                "enum(26)",
                "enum(0x1a)",
            ),
            (
                Value::chars("say \"hi\"", 9),
                r#""say \"hi\"""#,
                "73 61 79 20 22 68 69 22 00",
            ),
            (
                Value::Chars(b"a\tb\xff\0x".to_vec()),
                r#""a\tb\xff""#,
                "61 09 62 ff 00 78",
            ),
            (Value::Bytes(vec![0x0a, 0x1b, 0xff]), "0a 1b ff", "0a 1b ff"),
            (Value::Bytes(vec![]), "(empty)", "(empty)"),
            (
                Value::Array(vec![Value::Unsigned(1), Value::Unsigned(10)]),
                "[1, 10]",
                "[0x1, 0xa]",
            ),
            (
                Value::Struct(vec![
                    ("a".into(), Value::Unsigned(3)),
                    ("t".into(), Value::chars("x", 2)),
                ]),
                r#"{a: 3, t: "x"}"#,
                "{a: 0x3, t: 78 00}",
            ),
            (Value::Struct(vec![]), "{}", "{}"),
        ];
        for (value, decimal, hex) in cases {
            assert_eq!(
                (value.render(Style::default()), value.render(HEX)),
                (decimal.to_string(), hex.to_string())
            );
        }
        let long = Value::Array((0..20).map(Value::Unsigned).collect());
        assert_eq!(
            long.render(Style::default()),
            "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, …(+4)]"
        );
        let structs = Value::Array(vec![Value::Struct(vec![]); 6]);
        assert_eq!(structs.render(Style::default()), "[{}, {}, {}, {}, …(+2)]");
    }

    #[test]
    fn char_arrays_are_text_and_other_byte_arrays_bytes() {
        let comm = bytes_of(
            Layout::Int {
                size: 1,
                signed: true,
                char: true,
                bool: false,
            },
            8,
        );
        let text = |bytes: &[u8]| {
            let value = decode(&comm, bytes);
            assert_eq!(value, Value::Chars(bytes.to_vec()), "raw bytes kept");
            (value.to_json(), value.render(Style::default()))
        };
        assert_eq!(text(b"bash\0\0\0\0"), (json!("bash"), r#""bash""#.into()));
        assert_eq!(text(&[0; 8]), (json!(""), r#""""#.into()));
        assert_eq!(
            text(b"12345678"),
            (json!("12345678"), r#""12345678""#.into())
        ); // no NUL
        assert_eq!(
            text("héllo\0\0".as_bytes()),
            (json!("héllo"), r#""héllo""#.into())
        );
        // Up to the first NUL, whatever follows it (hex mode shows it all).
        assert_eq!(text(b"bash\0xy\0"), (json!("bash"), r#""bash""#.into()));
        assert_eq!(
            decode(&comm, b"bash\0xy\0").render(HEX),
            "62 61 73 68 00 78 79 00"
        );
        // Control characters and bytes that are not UTF-8: escaped, never dropped.
        assert_eq!(text(b"a\tb\0\0\0\0\0"), (json!("a\tb"), r#""a\tb""#.into()));
        assert_eq!(
            text(&[0xc3, 0x28, b'\\', 0, 0, 0, 0, 0]),
            (json!("\\xc3(\\"), r#""\xc3(\\""#.into())
        );
        assert_eq!(decode(&comm, b"bash"), Value::Bytes(b"bash".to_vec())); // short buffer
        // u8, unsigned char, signed char: bytes, whatever they hold.
        for signed in [false, true] {
            let u8s = bytes_of(Layout::int(1, signed), 4);
            assert_eq!(decode(&u8s, b"ok\0\0"), Value::Bytes(b"ok\0\0".to_vec()));
            assert_eq!(decode(&u8s, &[10, 0, 0, 1]).to_json(), json!("0a000001"));
        }
        let bools = bytes_of(
            Layout::Int {
                size: 1,
                signed: false,
                char: false,
                bool: true,
            },
            2,
        );
        assert_eq!(
            decode(&bools, &[1, 0]),
            Value::Array(vec![Value::Bool(true), Value::Bool(false)])
        );
        assert_eq!(
            decode(&bytes_of(Layout::int(1, false), 0), &[]),
            Value::Bytes(vec![])
        );
    }

    #[test]
    fn unions_show_every_member() {
        // union { u64 big; u8 small[4]; struct { u16 lo, hi; } half; }
        let half = strukt(&[
            ("lo", 0, None, Layout::int(2, false)),
            ("hi", 16, None, Layout::int(2, false)),
        ]);
        let union = Layout::Union {
            name: "U".into(),
            size: 8,
            fields: vec![
                Field {
                    name: "big".into(),
                    bit_offset: 0,
                    bitfield_bits: None,
                    layout: Layout::int(8, false),
                },
                Field {
                    name: "small".into(),
                    bit_offset: 0,
                    bitfield_bits: None,
                    layout: bytes_of(Layout::int(1, false), 4),
                },
                Field {
                    name: "half".into(),
                    bit_offset: 0,
                    bitfield_bits: None,
                    layout: half,
                },
            ],
        };
        let bytes = [1, 0, 2, 0, 3, 0, 4, 0];
        assert_eq!(
            decode(&union, &bytes).to_json(),
            json!({"big": 1125912791875585u64, "small": "01000200", "half": {"lo": 1, "hi": 2}})
        );
        assert_eq!(
            show(&union, &bytes),
            "{big: 1125912791875585, small: 01 00 02 00, half: {lo: 1, hi: 2}}"
        );
        // A union field of a struct, and an anonymous one whose members join the parent's.
        let mut anonymous = union.clone();
        if let Layout::Union { name, .. } = &mut anonymous {
            name.clear();
        }
        let outer = strukt(&[("u", 0, None, union), ("", 64, None, anonymous)]);
        let mut twice = bytes.to_vec();
        twice.extend([9, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            decode(&outer, &twice).to_json(),
            json!({"u": {"big": 1125912791875585u64, "small": "01000200", "half": {"lo": 1, "hi": 2}},
                   "big": 9, "small": "09000000", "half": {"lo": 9, "hi": 0}})
        );
    }

    #[test]
    fn structs_skip_padding_and_flatten_anonymous_structs() {
        let anon_struct = strukt(&[("inner", 0, None, Layout::int(2, false))]);
        let anon_union = Layout::Union {
            name: String::new(),
            size: 2,
            fields: vec![Field {
                name: "either".into(),
                bit_offset: 0,
                bitfield_bits: None,
                layout: Layout::int(2, false),
            }],
        };
        let layout = strukt(&[
            ("a", 0, None, Layout::int(2, false)),
            ("_pad", 16, None, Layout::int(2, false)),
            ("__pad1", 32, None, Layout::int(2, false)),
            ("", 48, None, Layout::int(2, false)),
            ("", 64, None, anon_struct),
            ("", 80, None, anon_union),
        ]);
        let bytes = [1, 0, 9, 9, 9, 9, 9, 9, 2, 0, 0xab, 0xcd];
        assert_eq!(show(&layout, &bytes), "{a: 1, inner: 2, either: 52651}");
    }

    #[test]
    fn bitfields() {
        let layout = strukt(&[
            ("a", 0, Some(3), Layout::int(4, false)),
            ("b", 3, Some(5), Layout::int(4, true)),
            (
                "on",
                8,
                Some(1),
                Layout::Int {
                    size: 1,
                    signed: false,
                    char: false,
                    bool: true,
                },
            ),
            ("k", 9, Some(2), kind()),
            ("wide", 12, Some(64), Layout::int(8, false)), // crosses 9 bytes
        ]);
        let mut bytes = [0u8; 10];
        let raw: u128 = 5 | 29 << 3 | 1 << 8 | 1 << 9 | (u128::from(u64::MAX - 1) << 12);
        bytes.copy_from_slice(&raw.to_le_bytes()[..10]);
        assert_eq!(
            show(&layout, &bytes),
            "{a: 5, b: -3, on: true, k: Open, wide: 18446744073709551614}"
        );
        // Cut short: the bitfield that is not all there shows its bytes.
        assert_eq!(
            show(&layout, &bytes[..4]),
            format!(
                "{{a: 5, b: -3, on: true, k: Open, wide: {:02x} {:02x} {:02x}}}",
                bytes[1], bytes[2], bytes[3]
            )
        );
    }

    #[test]
    fn short_buffers_decode_what_is_there() {
        assert_eq!(
            decode(&Layout::int(4, false), &[1, 2]),
            Value::Bytes(vec![1, 2])
        );
        let layout = strukt(&[
            ("a", 0, None, Layout::int(4, false)),
            ("b", 32, None, Layout::int(4, false)),
        ]);
        assert_eq!(show(&layout, &[1, 0, 0, 0, 2]), "{a: 1, b: 02}");
        assert_eq!(show(&layout, &[]), "{a: (empty), b: (empty)}");
        let array = Layout::array(Layout::int(2, false), 1 << 40); // huge: only what is there is walked
        assert_eq!(show(&array, &[1, 0, 2, 0, 3]), "[1, 2, 03]");
        assert_eq!(show(&Layout::array(strukt(&[]), 1 << 40), &[1]), "[]");
    }

    #[test]
    fn json_shapes() {
        let layout = strukt(&[
            ("n", 0, None, Layout::int(4, true)),
            ("k", 32, None, kind()),
            ("comm", 64, None, Layout::array(Layout::int(1, true), 4)),
            ("raw", 96, None, Layout::Bytes { size: 2 }),
            ("vals", 112, None, Layout::array(Layout::int(2, false), 2)),
        ]);
        let bytes = [
            0xff, 0xff, 0xff, 0xff, 9, 0, 0, 0, b'h', b'i', 0, 0, 0x0a, 0xff, 1, 0, 2, 0,
        ];
        let expected = json!({"n": -1, "k": 9, "comm": "68690000", "raw": "0aff", "vals": [1, 2]});
        assert_eq!(decode(&layout, &bytes).to_json(), expected);
        assert_eq!(
            Value::Enum {
                name: Some("Exec".into()),
                raw: 0
            }
            .to_json(),
            json!("Exec")
        );
        assert_eq!(Value::Bool(true).to_json(), json!(true));
        assert_eq!(Value::Float(0.5).to_json(), json!(0.5));
        assert_eq!(Value::Float(f64::NAN).to_json(), json!("NaN"));
        assert_eq!(Value::Unsigned(u64::MAX).to_json(), json!(u64::MAX));
    }

    #[test]
    fn numbers_for_sorting() {
        assert_eq!(Value::Unsigned(3).as_f64(), Some(3.0));
        assert_eq!(Value::Signed(-3).as_f64(), Some(-3.0));
        assert_eq!(Value::Bool(true).as_f64(), Some(1.0));
        assert_eq!(Value::Enum { name: None, raw: 4 }.as_f64(), Some(4.0));
        assert_eq!(Value::chars("1", 2).as_f64(), None);
        assert_eq!(Value::Struct(vec![]).as_f64(), None);
        let mut values = [
            Value::chars("b", 2),
            Value::Unsigned(u64::MAX),
            Value::Signed(-1),
            Value::Unsigned(u64::MAX - 1),
            Value::chars("a", 2),
        ];
        values.sort_by(Value::sort_cmp);
        let shown: Vec<_> = values.iter().map(|v| v.render(Style::default())).collect();
        assert_eq!(
            shown,
            [
                "-1",
                "18446744073709551614",
                "18446744073709551615",
                "\"a\"",
                "\"b\""
            ]
        );
    }
}
