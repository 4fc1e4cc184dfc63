//! The fields a user types into when editing a key or value: [`Layout::leaves`] lists them,
//! and [`write_order`] says, when unions are among them, which inputs are written and in
//! what order.
//!
//! A union offers every member's leaves (the bytes do not say which member is live). The
//! rule that picks a member: the member whose inputs the user changed (or, in an empty
//! prompt, filled) is the one written, last, so it wins over the others; members left as
//! they were are written first (a prefilled member writes back the bytes it read) or, when
//! empty, skipped. Changing two members of one union is refused, naming both.
use std::collections::HashMap;

use crate::values::{Field, Layout, layout::is_padding};

/// One editable scalar: where its bytes are, and how to read input for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// `stats.execs`, `vals[2]`; "" when the whole layout is one leaf.
    pub path: String,
    pub byte_offset: usize,
    /// Bits past `byte_offset` where the field starts: non-zero only for bitfields.
    pub bit_offset: u32,
    pub bitfield_bits: Option<u32>,
    pub layout: Layout,
    /// The unions this leaf is inside, outermost first, and which member it belongs to.
    pub unions: Vec<UnionMember>,
}

/// A leaf's place in a union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionMember {
    /// Names the union: its path (anonymous unions share their parent's) and bit offset,
    /// after the place of the union it is inside, if any (so a union that starts where
    /// its enclosing union does, at the same path, still has an id of its own).
    pub union: String,
    pub member: usize,
    /// The member's name, "" for an anonymous one.
    pub name: String,
}

impl Layout {
    /// The editable fields, in order: struct and union members flattened to dotted paths
    /// (anonymous ones' members as the parent's), byte arrays as one leaf (text or hex),
    /// other arrays one leaf per element (`vals[0]`), padding left out. A layout that is not
    /// a struct, union or array is one leaf with path "".
    pub fn leaves(&self) -> Vec<Leaf> {
        let mut out = Vec::new();
        push_leaves(self, String::new(), 0, &[], &mut out);
        out
    }
}

fn push_leaves(
    layout: &Layout,
    path: String,
    byte_offset: usize,
    unions: &[UnionMember],
    out: &mut Vec<Leaf>,
) {
    let bits = (byte_offset as u64).saturating_mul(8);
    match layout {
        Layout::Struct { fields, .. } => push_fields(fields, None, &path, bits, unions, out),
        // A union with members offers each; one without (malformed BTF) is one hex leaf.
        Layout::Union { fields, .. } if !fields.is_empty() => {
            let id = union_id(&path, bits, unions);
            push_fields(fields, Some(&id), &path, bits, unions, out);
        }
        Layout::Array { elem, len } if layout.text_len().is_none() => {
            let size = elem.size();
            for i in (0..*len).take_while(|_| size > 0) {
                push_leaves(
                    elem,
                    format!("{path}[{i}]"),
                    byte_offset.saturating_add(i.saturating_mul(size)),
                    unions,
                    out,
                );
            }
        }
        _ => out.push(Leaf {
            path,
            byte_offset,
            bit_offset: 0,
            bitfield_bits: None,
            layout: layout.clone(),
            unions: unions.to_vec(),
        }),
    }
}

/// The members of a struct (`union` None) or of the union named `union`, at `base_bits`.
fn push_fields(
    fields: &[Field],
    union: Option<&str>,
    path: &str,
    base_bits: u64,
    unions: &[UnionMember],
    out: &mut Vec<Leaf>,
) {
    for (member, field) in fields.iter().enumerate() {
        let bits = base_bits.saturating_add(u64::from(field.bit_offset));
        let mut unions = unions.to_vec();
        if let Some(union) = union {
            unions.push(UnionMember {
                union: union.into(),
                member,
                name: field.name.clone(),
            });
        }
        match (&field.layout, field.name.as_str()) {
            (Layout::Struct { fields: inner, .. }, "") => {
                push_fields(inner, None, path, bits, &unions, out);
            }
            (Layout::Union { fields: inner, .. }, "") => {
                let id = union_id(path, bits, &unions);
                push_fields(inner, Some(&id), path, bits, &unions, out);
            }
            (_, name) if is_padding(name) => {}
            (_, name) => push_member(field, join(path, name), bits, &unions, out),
        }
    }
}

fn push_member(
    field: &Field,
    path: String,
    bits: u64,
    unions: &[UnionMember],
    out: &mut Vec<Leaf>,
) {
    let byte_offset = usize::try_from(bits / 8).unwrap_or(usize::MAX);
    match field.bitfield_bits {
        Some(width) => out.push(Leaf {
            path,
            byte_offset,
            bit_offset: (bits % 8) as u32,
            bitfield_bits: Some(width),
            layout: field.layout.clone(),
            unions: unions.to_vec(),
        }),
        // Zero-sized members (flexible arrays) have nothing to edit.
        None if field.layout.size() == 0 => {}
        None => push_leaves(&field.layout, path, byte_offset, unions, out),
    }
}

/// The id of the union at `path` and `bits`, inside the unions `within` (innermost last):
/// `outer-id#member>path@bits`, or `path@bits` for an outermost union.
fn union_id(path: &str, bits: u64, within: &[UnionMember]) -> String {
    match within.last() {
        Some(place) => format!("{}#{}>{path}@{bits}", place.union, place.member),
        None => format!("{path}@{bits}"),
    }
}

/// The path part of a union id, "" for a union at the top of the layout.
fn union_path(id: &str) -> &str {
    let own = id.rsplit_once('>').map_or(id, |(_, own)| own);
    own.rsplit_once('@').map_or("", |(path, _)| path)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// The names a user sees, for the fields of a struct as decode shows them (kept beside
/// [`push_fields`] so both flatten alike).
#[cfg(test)]
fn visible_names(fields: &[Field]) -> Vec<String> {
    use crate::values::layout::visit_fields;
    let mut names = Vec::new();
    visit_fields(fields, 0, &mut |name, _, _| names.push(name.to_string()));
    names
}

/// Two members of one union were changed: which one to write is not clear.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{union}: change one member of the union only ({first} and {second} were both changed)")]
pub struct TwoMembers {
    /// Index of a leaf of the second member, to put the focus on.
    pub at: usize,
    pub union: String,
    pub first: String,
    pub second: String,
}

/// Whether leaf `i` is left out: an empty input, unchanged, inside a union (a member the
/// user did not fill in an empty prompt).
pub fn skipped(leaf: &Leaf, input: &str, initial: &str) -> bool {
    !leaf.unions.is_empty() && input.trim().is_empty() && input == initial
}

/// The order to write `leaves` in (indices; skipped ones left out): for each union, the
/// member whose inputs differ from `initial` comes last. `leaves`, `inputs` and `initial`
/// run side by side.
pub fn write_order(
    leaves: &[&Leaf],
    inputs: &[&str],
    initial: &[&str],
) -> Result<Vec<usize>, TwoMembers> {
    // union -> (chosen member, its name)
    let mut chosen: HashMap<&str, (usize, &str)> = HashMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        if inputs.get(i) == initial.get(i) {
            continue;
        }
        for place in &leaf.unions {
            match chosen.get(place.union.as_str()) {
                Some(&(member, name)) if member != place.member => {
                    let label = union_path(&place.union);
                    return Err(TwoMembers {
                        at: i,
                        union: if label.is_empty() { "union" } else { label }.to_string(),
                        first: member_label(name, member),
                        second: member_label(&place.name, place.member),
                    });
                }
                _ => {
                    chosen.insert(&place.union, (place.member, &place.name));
                }
            }
        }
    }
    let mut order: Vec<(usize, usize)> = leaves
        .iter()
        .enumerate()
        .filter(|&(i, leaf)| {
            let (input, first) = (inputs.get(i).copied(), initial.get(i).copied());
            !skipped(leaf, input.unwrap_or(""), first.unwrap_or(""))
        })
        .map(|(i, leaf)| {
            let wins = leaf
                .unions
                .iter()
                .filter(|p| {
                    chosen
                        .get(p.union.as_str())
                        .is_some_and(|c| c.0 == p.member)
                })
                .count();
            (wins, i)
        })
        .collect();
    order.sort_by_key(|&(wins, _)| wins); // stable: layout order otherwise
    Ok(order.into_iter().map(|(_, i)| i).collect())
}

fn member_label(name: &str, member: usize) -> String {
    if name.is_empty() {
        format!("member {member}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// union { u64 big; u8 small[4]; struct { u16 lo, hi; } half; }
    fn value_union() -> Layout {
        let half = Layout::Struct {
            name: "half".into(),
            size: 4,
            fields: vec![
                Field::new("lo", 0, Layout::int(2, false)),
                Field::new("hi", 16, Layout::int(2, false)),
            ],
        };
        Layout::Union {
            name: "U".into(),
            size: 8,
            fields: vec![
                Field::new("big", 0, Layout::int(8, false)),
                Field::new(
                    "small",
                    0,
                    Layout::Array {
                        elem: Box::new(Layout::int(1, false)),
                        len: 4,
                    },
                ),
                Field::new("half", 0, half),
            ],
        }
    }

    #[test]
    fn union_members_each_offer_their_leaves() {
        let leaves = value_union().leaves();
        let paths: Vec<_> = leaves.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, ["big", "small", "half.lo", "half.hi"]);
        let members: Vec<_> = leaves.iter().map(|l| l.unions[0].member).collect();
        assert_eq!(members, [0, 1, 2, 2]);
        assert_eq!(leaves[3].byte_offset, 2);
    }

    #[test]
    fn anonymous_unions_flatten_without_colliding() {
        // struct { u32 a; union { u32 x; u16 y; }; union { u32 p; u8 q; }; }
        let anon = |a: &str, b: &str| Layout::Union {
            name: String::new(),
            size: 4,
            fields: vec![
                Field::new(a, 0, Layout::int(4, false)),
                Field::new(b, 0, Layout::int(2, false)),
            ],
        };
        let fields = vec![
            Field::new("a", 0, Layout::int(4, false)),
            Field::new("", 32, anon("x", "y")),
            Field::new("", 64, anon("p", "q")),
        ];
        assert_eq!(visible_names(&fields), ["a", "x", "y", "p", "q"]);
        let layout = Layout::Struct {
            name: "S".into(),
            size: 12,
            fields,
        };
        let leaves = layout.leaves();
        let places: Vec<_> = leaves
            .iter()
            .map(|l| (l.path.as_str(), l.byte_offset, l.unions.len()))
            .collect();
        assert_eq!(
            places,
            [
                ("a", 0, 0),
                ("x", 4, 1),
                ("y", 4, 1),
                ("p", 8, 1),
                ("q", 8, 1)
            ]
        );
        assert_ne!(leaves[1].unions[0].union, leaves[3].unions[0].union);
    }

    #[test]
    fn the_changed_member_is_written_last_and_two_are_refused() {
        let layout = value_union();
        let leaves = layout.leaves();
        let refs: Vec<&Leaf> = leaves.iter().collect();
        let prefill = ["1", "01 00 00 00", "1", "0"];
        // Nothing changed: every member writes back what it read.
        assert_eq!(write_order(&refs, &prefill, &prefill), Ok(vec![0, 1, 2, 3]));
        // small changed: written after the others.
        let typed = ["1", "02 00 00 00", "1", "0"];
        assert_eq!(write_order(&refs, &typed, &prefill), Ok(vec![0, 2, 3, 1]));
        // An empty prompt: only the filled member, unfilled ones skipped.
        let empty = ["", "", "", ""];
        let typed = ["", "", "7", ""];
        assert_eq!(write_order(&refs, &typed, &empty), Ok(vec![2]));
        let typed = ["5", "", "7", ""];
        let err = write_order(&refs, &typed, &empty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "union: change one member of the union only (big and half were both changed)"
        );
        assert_eq!(err.at, 2);
    }

    #[test]
    fn a_union_at_the_start_of_a_union_is_a_union_of_its_own() {
        // union U { union { u32 a; u16 b; }; u64 c; }, alone and as the field `u` of a struct
        let inner = Layout::Union {
            name: String::new(),
            size: 4,
            fields: vec![
                Field::new("a", 0, Layout::int(4, false)),
                Field::new("b", 0, Layout::int(2, false)),
            ],
        };
        let outer = Layout::Union {
            name: "U".into(),
            size: 8,
            fields: vec![
                Field::new("", 0, inner),
                Field::new("c", 0, Layout::int(8, false)),
            ],
        };
        let holder = Layout::Struct {
            name: "S".into(),
            size: 8,
            fields: vec![Field::new("u", 0, outer.clone())],
        };
        for (layout, label) in [(outer, "union"), (holder, "u")] {
            let leaves = layout.leaves();
            let refs: Vec<&Leaf> = leaves.iter().collect();
            assert_eq!(refs.len(), 3);
            assert_ne!(leaves[0].unions[1].union, leaves[0].unions[0].union);
            let prefill = ["1", "1", "1"];
            // b alone changed: one member of each union, written last.
            let typed = ["1", "2", "1"];
            assert_eq!(write_order(&refs, &typed, &prefill), Ok(vec![2, 0, 1]));
            let typed = ["3", "2", "1"];
            let err = write_order(&refs, &typed, &prefill).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("{label}: change one member of the union only (a and b were both changed)")
            );
            let typed = ["1", "2", "3"];
            let err = write_order(&refs, &typed, &prefill).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{label}: change one member of the union only (member 0 and c were both changed)"
                )
            );
        }
    }
}
