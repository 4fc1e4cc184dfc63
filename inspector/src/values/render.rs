//! Showing a decoded [`Value`]: one line for a table cell, JSON for scripts, a number for
//! rates and an order for sorting.
use std::{cmp::Ordering, fmt};

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

    /// Structs and unions become objects (keys in layout order only with serde_json's
    /// `preserve_order` feature, else sorted), `char` arrays their text up to the first NUL,
    /// bytes (`u8` arrays among them) always a hex string like `"0a1bff"`, enums their
    /// variant's name or else their number.
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
            Value::Chars(raw) => Json::String(Value::text(raw)),
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

/// A `char` array's text in quotes, escaped as Rust's `{:?}` does (encode reads it back),
/// with each byte that is not UTF-8 as `\xNN`.
fn write_quoted(f: &mut fmt::Formatter<'_>, raw: &[u8]) -> fmt::Result {
    f.write_str("\"")?;
    for chunk in raw[..text_end(raw)].utf8_chunks() {
        let valid = format!("{:?}", chunk.valid());
        f.write_str(&valid[1..valid.len() - 1])?;
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    f.write_str("\"")
}
