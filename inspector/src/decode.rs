//! Turning raw map bytes into a [`Value`] tree, and showing that tree.
//!
//! A [`Layout`] says what the bytes are: built from BTF by [`crate::btf`], or guessed from the
//! size alone by [`Layout::from_size`]. [`decode`] walks a layout over a key or value and never
//! fails: what the layout does not describe well, or what a short buffer cuts off, comes out as
//! [`Value::Bytes`]. Integers are little endian (the only byte order this tool supports).
//! Editing, text back into bytes, is in `crate::encode`.

use std::cmp::Ordering;
use std::fmt;

/// How a run of bytes is laid out: a resolved type, with typedefs and qualifiers gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Int {
        size: usize,
        signed: bool,
        char: bool,
        bool: bool,
    },
    Float {
        size: usize,
    },
    /// `variants` hold values as decoded: sign-extended if `signed`, else zero-extended.
    Enum {
        name: String,
        size: usize,
        signed: bool,
        variants: Vec<(String, i64)>,
    },
    Struct {
        name: String,
        size: usize,
        fields: Vec<Field>,
    },
    /// Decoded as [`Value::Bytes`]: which member is live is not in the bytes.
    Union {
        name: String,
        size: usize,
        fields: Vec<Field>,
    },
    Array {
        elem: Box<Layout>,
        len: usize,
    },
    /// 8 bytes, decoded as an unsigned number.
    Pointer,
    Bytes {
        size: usize,
    },
}

/// A struct or union member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Empty for anonymous members (C11 anonymous structs/unions, unnamed bitfield padding).
    pub name: String,
    /// From the start of the enclosing struct.
    pub bit_offset: u32,
    /// Width of a bitfield member; `None` for an ordinary one.
    pub bitfield_bits: Option<u32>,
    pub layout: Layout,
}

impl Layout {
    /// A plain integer of `size` bytes.
    pub fn int(size: usize, signed: bool) -> Layout {
        Layout::Int {
            size,
            signed,
            char: false,
            bool: false,
        }
    }

    /// The fallback when a map has no BTF: a plain unsigned number if the size is one, else bytes.
    pub fn from_size(size: usize) -> Layout {
        match size {
            1 | 2 | 4 | 8 => Layout::Int {
                size,
                signed: false,
                char: false,
                bool: false,
            },
            _ => Layout::Bytes { size },
        }
    }

    /// Size in bytes.
    pub fn size(&self) -> usize {
        match self {
            Layout::Int { size, .. }
            | Layout::Float { size }
            | Layout::Enum { size, .. }
            | Layout::Struct { size, .. }
            | Layout::Union { size, .. }
            | Layout::Bytes { size } => *size,
            Layout::Array { elem, len } => elem.size().saturating_mul(*len),
            Layout::Pointer => 8,
        }
    }

    /// A short, Rust-flavoured name for column headers: `u32`, `char[16]`, `struct ExecInfo`.
    pub fn type_name(&self) -> String {
        let bits = |size: &usize| size.saturating_mul(8);
        match self {
            Layout::Int { bool: true, .. } => "bool".into(),
            Layout::Int {
                size: 1,
                char: true,
                ..
            } => "char".into(),
            Layout::Int {
                size, signed: true, ..
            } => format!("i{}", bits(size)),
            Layout::Int { size, .. } => format!("u{}", bits(size)),
            Layout::Float { size } => format!("f{}", bits(size)),
            Layout::Enum { name, .. } => tagged("enum", name),
            Layout::Struct { name, .. } => tagged("struct", name),
            Layout::Union { name, .. } => tagged("union", name),
            Layout::Array { .. } => {
                // C order: int[2][3] is two arrays of three, so the outer length comes first.
                let (mut dims, mut layout) = (String::new(), self);
                while let Layout::Array { elem, len } = layout {
                    dims += &format!("[{len}]");
                    layout = elem;
                }
                layout.type_name() + &dims
            }
            Layout::Pointer => "ptr".into(),
            Layout::Bytes { size } => format!("bytes[{size}]"),
        }
    }

    /// The length of an array of 1-byte integers (char, u8, i8): shown and edited as text.
    pub fn text_len(&self) -> Option<usize> {
        match self {
            Layout::Array { elem, len } if is_byte(elem) => Some(*len),
            _ => None,
        }
    }
}

fn tagged(kind: &str, name: &str) -> String {
    if name.is_empty() {
        format!("{kind} (anonymous)")
    } else {
        format!("{kind} {name}")
    }
}

fn is_byte(layout: &Layout) -> bool {
    matches!(
        layout,
        Layout::Int {
            size: 1,
            bool: false,
            ..
        }
    )
}

/// Calls `visit(name, bit_offset, field)` for each member a user should see, in order:
/// padding is skipped, and an anonymous struct's members count as the parent's (as in C).
/// An anonymous union is shown whole, as `union`.
pub(crate) fn visit_fields(
    fields: &[Field],
    base_bits: u64,
    visit: &mut dyn FnMut(&str, u64, &Field),
) {
    for field in fields {
        let bits = base_bits + u64::from(field.bit_offset);
        match (&field.layout, field.name.as_str()) {
            (Layout::Struct { fields: inner, .. }, "") => visit_fields(inner, bits, visit),
            (Layout::Union { .. }, "") => visit("union", bits, field),
            (_, name) if is_padding(name) => {}
            (_, name) => visit(name, bits, field),
        }
    }
}

fn is_padding(name: &str) -> bool {
    name.is_empty() || name.starts_with("_pad") || name.starts_with("__pad")
}

/// A decoded key or value.
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
    /// A byte array holding printable UTF-8, then only NULs (or nothing).
    Text(String),
    /// Fields in layout order, padding left out.
    Struct(Vec<(String, Value)>),
    /// Elements; a short buffer leaves off those it does not reach.
    Array(Vec<Value>),
    /// Unions, layouts without a number in them, and whatever a short buffer cut (possibly empty).
    Bytes(Vec<u8>),
}

/// Decodes `bytes` as `layout`. Extra bytes are ignored; missing ones never panic (see [`Value`]).
pub fn decode(layout: &Layout, bytes: &[u8]) -> Value {
    let size = layout.size();
    match layout {
        Layout::Struct { fields, .. } => {
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
        return match text(data) {
            Some(text) if data.len() == len => Value::Text(text),
            _ => Value::Bytes(data.to_vec()),
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

/// The text in a NUL-padded byte array, if it is printable UTF-8 followed by NULs only.
fn text(data: &[u8]) -> Option<String> {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (text, rest) = data.split_at(end);
    let text = std::str::from_utf8(text).ok()?;
    (rest.iter().all(|&b| b == 0) && !text.chars().any(char::is_control)).then(|| text.to_string())
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

/// Options for [`Value::render`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Integers in hex (`0x1f`) instead of decimal.
    pub hex: bool,
}

/// Arrays longer than this show their first elements and a count of the rest.
const ARRAY_SHOWN: usize = 16;
/// The same for arrays of structs and arrays, whose elements are long already.
const COMPOUND_ARRAY_SHOWN: usize = 4;

impl Value {
    /// One line for a table cell: `{count: 3, filename: "/bin/true"}`, `[1, 2, …(+30)]`,
    /// `0a 1b ff`. An enum value with no variant shows as `enum(7)`.
    pub fn render(&self, style: Style) -> String {
        Rendered(self, style).to_string()
    }

    /// Structs become objects (keys in layout order only with serde_json's `preserve_order`
    /// feature, else sorted), bytes a hex string like
    /// `"0a1bff"`, enums their variant's name or else their number.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Unsigned(v) => Json::from(*v),
            Value::Signed(v) => Json::from(*v),
            Value::Bool(b) => Json::Bool(*b),
            // JSON has no NaN or infinity.
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or_else(|| Json::String(f.to_string()), Json::Number),
            Value::Enum {
                name: Some(name), ..
            } => Json::String(name.clone()),
            Value::Enum { name: None, raw } => Json::from(*raw),
            Value::Text(text) => Json::String(text.clone()),
            Value::Struct(fields) => Json::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Bytes(bytes) => Json::String(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        }
    }

    /// The number in a single scalar (bools are 0 and 1, enums their raw value), for sorting and rates.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Unsigned(v) => Some(*v as f64),
            Value::Signed(v) | Value::Enum { raw: v, .. } => Some(*v as f64),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// An order for sorting a column: numbers by value and before everything else, the rest
    /// by their rendering. A total order (sort_by may panic on less), and exact for integers
    /// past 2^53, where f64 alone would tie them.
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        let key = |value: &Value| {
            let exact = match value {
                Value::Unsigned(v) => i128::from(*v),
                Value::Signed(v) | Value::Enum { raw: v, .. } => i128::from(*v),
                Value::Float(f) => *f as i128,
                _ => 0,
            };
            value.as_f64().map(|f| (f, exact))
        };
        // Structs and arrays compare element by element (a struct of counters sorts by its
        // first counter), so 3 comes before 12 as it does for plain numbers.
        match (self, other) {
            (Value::Struct(a), Value::Struct(b)) => {
                return cmp_in_order(a.iter().map(|(_, v)| v), b.iter().map(|(_, v)| v));
            }
            (Value::Array(a), Value::Array(b)) => return cmp_in_order(a.iter(), b.iter()),
            _ => {}
        }
        match (key(self), key(other)) {
            (Some((a, a_exact)), Some((b, b_exact))) => a.total_cmp(&b).then(a_exact.cmp(&b_exact)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => self
                .render(Style::default())
                .cmp(&other.render(Style::default())),
        }
    }
}

/// Lexicographic order of two sequences of values under [`Value::sort_cmp`].
fn cmp_in_order<'a>(
    mut a: impl Iterator<Item = &'a Value>,
    mut b: impl Iterator<Item = &'a Value>,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => match x.sort_cmp(y) {
                Ordering::Equal => continue,
                unequal => return unequal,
            },
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (None, None) => return Ordering::Equal,
        }
    }
}

struct Rendered<'a>(&'a Value, Style);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rendered(value, style) = *self;
        match value {
            Value::Unsigned(v) if style.hex => write!(f, "{v:#x}"),
            Value::Unsigned(v) => write!(f, "{v}"),
            Value::Signed(v) if style.hex && *v < 0 => write!(f, "-{:#x}", v.unsigned_abs()),
            Value::Signed(v) if style.hex => write!(f, "{v:#x}"),
            Value::Signed(v) => write!(f, "{v}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Enum {
                name: Some(name), ..
            } => f.write_str(name),
            Value::Enum { name: None, raw } => {
                write!(f, "enum({})", Rendered(&Value::Signed(*raw), style))
            }
            // Debug quoting escapes quotes and backslashes; encode reads them back.
            Value::Text(text) => write!(f, "{text:?}"),
            Value::Struct(fields) => {
                f.write_str("{")?;
                for (i, (name, value)) in fields.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{name}: {}", Rendered(value, style))?;
                }
                f.write_str("}")
            }
            Value::Array(items) => {
                let compound = matches!(items.first(), Some(Value::Struct(_) | Value::Array(_)));
                let shown = if compound {
                    COMPOUND_ARRAY_SHOWN
                } else {
                    ARRAY_SHOWN
                };
                f.write_str("[")?;
                for (i, item) in items.iter().take(shown).enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}", Rendered(item, style))?;
                }
                if items.len() > shown {
                    write!(f, ", …(+{})", items.len() - shown)?;
                }
                f.write_str("]")
            }
            Value::Bytes(bytes) if bytes.is_empty() => f.write_str("(empty)"),
            Value::Bytes(bytes) => {
                for (i, b) in bytes.iter().enumerate() {
                    write!(f, "{}{b:02x}", if i == 0 { "" } else { " " })?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn int(size: usize, signed: bool) -> Layout {
        Layout::int(size, signed)
    }
    fn bytes_of(elem: Layout, len: usize) -> Layout {
        Layout::Array {
            elem: Box::new(elem),
            len,
        }
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
            (int(8, true), "i64", 8),
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
            (bytes_of(bytes_of(int(4, true), 3), 2), "i32[2][3]", 24),
            (bytes_of(int(1, false), 64), "u8[64]", 64),
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
        assert_eq!(bytes_of(int(1, true), 16).text_len(), Some(16));
        assert_eq!(bytes_of(int(2, true), 16).text_len(), None);
    }

    #[test]
    fn scalars() {
        assert_eq!(
            decode(&int(4, false), &[0xff, 0xff, 0xff, 0xff]),
            Value::Unsigned(u32::MAX.into())
        );
        assert_eq!(
            decode(&int(4, true), &[0xfe, 0xff, 0xff, 0xff]),
            Value::Signed(-2)
        );
        assert_eq!(
            decode(&int(8, true), &i64::MIN.to_le_bytes()),
            Value::Signed(i64::MIN)
        );
        assert_eq!(
            decode(&int(2, false), &[0x34, 0x12, 0x99]),
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
        assert_eq!(decode(&int(16, false), &[7; 16]), Value::Bytes(vec![7; 16]));
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
                Value::Text("say \"hi\"".into()),
                r#""say \"hi\"""#,
                r#""say \"hi\"""#,
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
                    ("t".into(), Value::Text("x".into())),
                ]),
                r#"{a: 3, t: "x"}"#,
                r#"{a: 0x3, t: "x"}"#,
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
    fn byte_arrays_become_text_when_they_look_like_it() {
        let comm = bytes_of(int(1, true), 8);
        let text = |bytes: &[u8]| decode(&comm, bytes);
        assert_eq!(text(b"bash\0\0\0\0"), Value::Text("bash".into()));
        assert_eq!(text(&[0; 8]), Value::Text(String::new()));
        assert_eq!(text(b"12345678"), Value::Text("12345678".into())); // full, no NUL
        assert_eq!(text("héllo\0\0".as_bytes()), Value::Text("héllo".into()));
        assert_eq!(text(b"bash\0x\0\0"), Value::Bytes(b"bash\0x\0\0".to_vec())); // junk after the NUL
        assert_eq!(
            text(b"a\tb\0\0\0\0\0"),
            Value::Bytes(b"a\tb\0\0\0\0\0".to_vec())
        ); // control char
        assert_eq!(
            text(&[0xc3, 0x28, 0, 0, 0, 0, 0, 0]),
            Value::Bytes(vec![0xc3, 0x28, 0, 0, 0, 0, 0, 0])
        ); // bad UTF-8
        assert_eq!(text(b"bash"), Value::Bytes(b"bash".to_vec())); // short buffer
        let u8s = bytes_of(int(1, false), 4);
        assert_eq!(
            decode(&u8s, &[10, 0, 0, 1]),
            Value::Bytes(vec![10, 0, 0, 1])
        );
        assert_eq!(decode(&u8s, b"ok\0\0"), Value::Text("ok".into()));
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
            decode(&bytes_of(int(1, false), 0), &[]),
            Value::Text(String::new())
        );
    }

    #[test]
    fn structs_skip_padding_and_flatten_anonymous_structs() {
        let anon_struct = strukt(&[("inner", 0, None, int(2, false))]);
        let anon_union = Layout::Union {
            name: String::new(),
            size: 2,
            fields: vec![],
        };
        let layout = strukt(&[
            ("a", 0, None, int(2, false)),
            ("_pad", 16, None, int(2, false)),
            ("__pad1", 32, None, int(2, false)),
            ("", 48, None, int(2, false)),
            ("", 64, None, anon_struct),
            ("", 80, None, anon_union),
        ]);
        let bytes = [1, 0, 9, 9, 9, 9, 9, 9, 2, 0, 0xab, 0xcd];
        assert_eq!(show(&layout, &bytes), "{a: 1, inner: 2, union: ab cd}");
    }

    #[test]
    fn bitfields() {
        let layout = strukt(&[
            ("a", 0, Some(3), int(4, false)),
            ("b", 3, Some(5), int(4, true)),
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
            ("wide", 12, Some(64), int(8, false)), // crosses 9 bytes
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
        assert_eq!(decode(&int(4, false), &[1, 2]), Value::Bytes(vec![1, 2]));
        let layout = strukt(&[
            ("a", 0, None, int(4, false)),
            ("b", 32, None, int(4, false)),
        ]);
        assert_eq!(show(&layout, &[1, 0, 0, 0, 2]), "{a: 1, b: 02}");
        assert_eq!(show(&layout, &[]), "{a: (empty), b: (empty)}");
        let array = bytes_of(int(2, false), 1 << 40); // huge: only what is there is walked
        assert_eq!(show(&array, &[1, 0, 2, 0, 3]), "[1, 2, 03]");
        assert_eq!(show(&bytes_of(strukt(&[]), 1 << 40), &[1]), "[]");
    }

    #[test]
    fn json_shapes() {
        let layout = strukt(&[
            ("n", 0, None, int(4, true)),
            ("k", 32, None, kind()),
            ("comm", 64, None, bytes_of(int(1, true), 4)),
            ("raw", 96, None, Layout::Bytes { size: 2 }),
            ("vals", 112, None, bytes_of(int(2, false), 2)),
        ]);
        let bytes = [
            0xff, 0xff, 0xff, 0xff, 9, 0, 0, 0, b'h', b'i', 0, 0, 0x0a, 0xff, 1, 0, 2, 0,
        ];
        let expected = json!({"n": -1, "k": 9, "comm": "hi", "raw": "0aff", "vals": [1, 2]});
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
        assert_eq!(Value::Text("1".into()).as_f64(), None);
        assert_eq!(Value::Struct(vec![]).as_f64(), None);
        let mut values = [
            Value::Text("b".into()),
            Value::Unsigned(u64::MAX),
            Value::Signed(-1),
            Value::Unsigned(u64::MAX - 1),
            Value::Text("a".into()),
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
