//! Comparing mapinspect's JSON with bpftool's (`bpftool map dump -j`, its `formatted`
//! field), leaf by leaf, and naming every difference.
//!
//! bpftool keys anonymous struct/union members by "" (so two anonymous unions give two ""
//! keys, which JSON parsers collapse to one): its JSON is read keeping duplicates, and the
//! members of "" objects are put in their parent, as mapinspect does (and as C names them).
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

/// JSON with every key of an object kept, duplicates too.
enum Dup {
    Object(Vec<(String, Dup)>),
    Array(Vec<Dup>),
    Leaf(Json),
}

impl<'de> Deserialize<'de> for Dup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DupVisitor)
    }
}

struct DupVisitor;

impl<'de> Visitor<'de> for DupVisitor {
    type Value = Dup;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Dup, E> {
        Ok(Dup::Leaf(Json::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Dup, E> {
        Ok(Dup::Leaf(Json::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Dup, E> {
        Ok(Dup::Leaf(Json::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Dup, E> {
        Ok(Dup::Leaf(Json::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Dup, E> {
        Ok(Dup::Leaf(Json::from(v)))
    }
    fn visit_unit<E>(self) -> Result<Dup, E> {
        Ok(Dup::Leaf(Json::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dup, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Dup::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dup, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Dup>()? {
            entries.push(entry);
        }
        Ok(Dup::Object(entries))
    }
}

/// Plain JSON, the members of "" objects put in their parent.
fn flatten(dup: Dup) -> Json {
    match dup {
        Dup::Leaf(json) => json,
        Dup::Array(items) => Json::Array(items.into_iter().map(flatten).collect()),
        Dup::Object(entries) => {
            let mut out = serde_json::Map::new();
            for (key, value) in entries {
                match (key.as_str(), flatten(value)) {
                    ("", Json::Object(inner)) => out.extend(inner),
                    (_, value) => {
                        out.insert(key, value);
                    }
                }
            }
            Json::Object(out)
        }
    }
}

/// bpftool's dump of a map, parsed, anonymous members flattened: per entry, its u32 key
/// and formatted value. A global section's `{".data": [{"level": 3}, ...]}` becomes
/// `{"level": 3, ...}`, as mapinspect shows it.
pub fn bpftool_entries(text: &[u8]) -> Vec<(u64, Json)> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let dup = Dup::deserialize(&mut deserializer).expect("bpftool printed valid JSON");
    let Json::Array(entries) = flatten(dup) else {
        panic!("bpftool printed no array");
    };
    entries
        .into_iter()
        .map(|entry| {
            let hex: Vec<u8> = entry["key"]
                .as_array()
                .expect("raw key")
                .iter()
                .map(|b| u8::from_str_radix(b.as_str().unwrap().trim_start_matches("0x"), 16))
                .collect::<Result<_, _>>()
                .unwrap();
            let key = hex
                .iter()
                .rev()
                .fold(0u64, |acc, &b| acc << 8 | u64::from(b));
            let value = entry["formatted"]["value"].clone();
            (key, unwrap_section(value))
        })
        .collect()
}

fn unwrap_section(value: Json) -> Json {
    match value {
        Json::Object(ref object) if object.len() == 1 => {
            let (name, vars) = object.iter().next().unwrap();
            match (name.starts_with('.'), vars) {
                (true, Json::Array(vars)) => Json::Object(
                    vars.iter()
                        .filter_map(Json::as_object)
                        .flat_map(|var| var.clone())
                        .collect(),
                ),
                _ => value,
            }
        }
        _ => value,
    }
}

/// A difference between mapinspect (ours) and bpftool (theirs) at one leaf, each a choice
/// mapinspect makes on purpose; the check that both still mean the same bytes is done
/// where one can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diff {
    /// u8 arrays: bpftool lists numbers, mapinspect writes one hex string (the same bytes),
    /// always that type, so scripts can rely on it.
    BytesAsHex,
    /// A char array that is not printable ASCII with a NUL (full, a control character,
    /// UTF-8): bpftool lists signed numbers, mapinspect shows the text (the same bytes).
    TextBpftoolLists,
    /// bpftool prints every bitfield as a hex string of its raw bits; mapinspect a number
    /// (the same bits).
    BitfieldAsNumber,
    /// A signed bitfield: bpftool's hex string is not sign-extended (0xfffffe for -2 in
    /// 24 bits); mapinspect shows -2.
    SignedBitfield,
    /// A 1- or 2-byte enum with values past the signed range: bpftool reads it as signed,
    /// finds no variant and prints a negative number; mapinspect names the variant.
    EnumNamed,
}

/// Every leaf where `ours` and `theirs` differ: (path, kind). Panics on a difference that
/// is not one of [`Diff`], or one whose bytes do not agree. `enums` lists the variants
/// mapinspect may name: (name, value, size in bytes).
pub fn compare(
    ours: &Json,
    theirs: &Json,
    path: &str,
    enums: &[(&str, u64, u32)],
    out: &mut Vec<(String, Diff)>,
) {
    if ours == theirs {
        return;
    }
    let here = |kind| (path.to_string(), kind);
    match (ours, theirs) {
        (Json::Object(a), Json::Object(b)) => {
            let keys_a: Vec<&String> = a.keys().collect();
            let keys_b: Vec<&String> = b.keys().collect();
            assert_eq!(keys_a, keys_b, "{path}: the same members in the same order");
            for (key, value) in a {
                compare(value, &b[key], &format!("{path}.{key}"), enums, out);
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(x, y, &format!("{path}[{i}]"), enums, out);
            }
        }
        (Json::String(shown), Json::Array(numbers)) => {
            // u8 arrays list 0..=255, char arrays signed numbers: the bytes either way.
            let bytes: Vec<u8> = numbers.iter().map(|n| n.as_i64().unwrap() as u8).collect();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            if *shown == hex {
                out.push(here(Diff::BytesAsHex));
            } else {
                let text = inspector::values::decode::Value::text(&bytes);
                assert_eq!(shown, &text, "{path}: the same bytes, as hex or as text");
                out.push(here(Diff::TextBpftoolLists));
            }
        }
        (Json::Number(n), Json::String(hex)) if hex.starts_with("0x") => {
            let bits = u64::from_str_radix(&hex[2..], 16).expect("bpftool's hex");
            match (n.as_u64(), n.as_i64()) {
                (Some(value), _) => {
                    assert_eq!(value, bits, "{path}: the same bits");
                    out.push(here(Diff::BitfieldAsNumber));
                }
                (None, Some(negative)) => {
                    let width = 64 - bits.leading_zeros();
                    let mask = if width >= 64 {
                        u64::MAX
                    } else {
                        (1 << width) - 1
                    };
                    assert_eq!(negative as u64 & mask, bits, "{path}: the same bits");
                    out.push(here(Diff::SignedBitfield));
                }
                _ => panic!("{path}: {n} is no integer"),
            }
        }
        (Json::String(name), Json::Number(n)) if n.as_i64().is_some_and(|n| n < 0) => {
            // bpftool's negative number is the variant's value read as signed.
            let Some(&(_, value, size)) = enums.iter().find(|e| e.0 == name) else {
                panic!("{path}: mapinspect names {name}, no variant of the fixture's enums");
            };
            let mask = u64::MAX >> (64 - 8 * size);
            let bits = n.as_i64().unwrap() as u64 & mask;
            assert_eq!(bits, value, "{path}: bpftool's {n} is {name} ({value})");
            out.push(here(Diff::EnumNamed));
        }
        _ => panic!("{path}: mapinspect {ours} and bpftool {theirs} differ"),
    }
}
