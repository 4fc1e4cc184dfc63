//! Showing a decoded [`Value`]: one line for a table cell, JSON for scripts, a number for
//! rates and an order for sorting.
use std::{cmp::Ordering, fmt};

use serde::{Serialize, Serializer, ser::SerializeMap as _};

use super::decode::{Value, text_end};

/// "1 byte", "4 bytes".
pub fn bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// Calls `out` with the path (`stats.bytes`, `slots[3]`) and number of every numeric leaf
/// of `value`: what charts and metrics take from an entry.
pub fn numeric_leaves(value: &Value, path: &mut String, out: &mut impl FnMut(&str, f64)) {
    match value {
        Value::Struct(fields) => {
            for (name, field) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                numeric_leaves(field, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                numeric_leaves(item, path, out);
                path.truncate(len);
            }
        }
        other => {
            if let Some(number) = other.as_f64() {
                out(path, number);
            }
        }
    }
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

    /// A `Display` of [`Value::render`]'s line, written straight into a formatter or
    /// writer (no String per cell: `dump` writes a million of them).
    pub fn display(&self, style: Style) -> impl fmt::Display + '_ {
        Rendered(self, style)
    }

    /// The JSON tree of this value, as its [`Serialize`] impl writes it (tests and small
    /// documents; `dump` streams through `Serialize` without building the tree). Structs
    /// and unions become objects, `char` arrays their text up to the first NUL, bytes (`u8`
    /// arrays among them) always a hex string like `"0a1bff"`, enums their variant's name
    /// or else their number.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
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

/// A value as JSON: the one place its JSON form is defined. Structs become objects (keys in
/// layout order), bytes a hex string like `"0a1bff"`, enums their variant's name or else
/// their number. Written straight to the serializer, so a dump streams without a tree.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Unsigned(v) => serializer.serialize_u64(*v),
            Value::Signed(v) => serializer.serialize_i64(*v),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            // JSON has no NaN or infinity: their name, as a string.
            Value::Float(f) => serializer.collect_str(f),
            Value::Enum {
                name: Some(name), ..
            } => serializer.serialize_str(name),
            Value::Enum { name: None, raw } => serializer.serialize_i64(*raw),
            Value::Chars(raw) => serializer.serialize_str(&Value::text(raw)),
            Value::Struct(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
            Value::Array(items) => serializer.collect_seq(items),
            Value::Bytes(bytes) => serializer.collect_str(&Hex(bytes)),
        }
    }
}

/// Bytes as lowercase hex with no separator.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

struct Rendered<'a>(&'a Value, Style);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rendered(value, style) = *self;
        match value {
            Value::Unsigned(v) if style.hex => write!(f, "{v:#x}"),
            // itoa: a dump of a million entries formats millions of these.
            Value::Unsigned(v) => f.write_str(itoa::Buffer::new().format(*v)),
            Value::Signed(v) if style.hex && *v < 0 => write!(f, "-{:#x}", v.unsigned_abs()),
            Value::Signed(v) if style.hex => write!(f, "{v:#x}"),
            Value::Signed(v) => f.write_str(itoa::Buffer::new().format(*v)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Enum {
                name: Some(name), ..
            } => f.write_str(name),
            Value::Enum { name: None, raw } => {
                write!(f, "enum({})", Rendered(&Value::Signed(*raw), style))
            }
            Value::Chars(raw) if style.hex => write_hex(f, raw),
            Value::Chars(raw) => write_quoted(f, raw),
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
            Value::Bytes(bytes) => write_hex(f, bytes),
        }
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        write!(f, "{}{b:02x}", if i == 0 { "" } else { " " })?;
    }
    Ok(())
}

/// A `char` array's text in quotes, escaped as C writes it (`\n`, `\t`, `\"`, and `\xNN`
/// for other control bytes and for each byte that is not UTF-8); other characters that do
/// not print are escaped as Rust's `{:?}` does (`\u{ad}`). Encode reads all of it back.
fn write_quoted(f: &mut fmt::Formatter<'_>, raw: &[u8]) -> fmt::Result {
    use fmt::Write as _;
    f.write_str("\"")?;
    for chunk in raw[..text_end(raw)].utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' | '\t' | '\r' | '"' | '\\' => write!(f, "{}", c.escape_default())?,
                c if c.is_ascii_control() => write!(f, "\\x{:02x}", c as u8)?,
                '\'' => f.write_char('\'')?,
                c => write!(f, "{}", c.escape_debug())?,
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    f.write_char('"')
}
