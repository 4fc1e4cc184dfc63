//! A [`Layout`] as a flat list of nodes for the recording header: children come before
//! their parents and are named by index, the root last. Reading it back never recurses
//! into the file's claims: depth and size are checked as the tree is built, so a hostile
//! header cannot overflow the stack or blow up shared subtrees.
use serde::{Deserialize, Serialize};

use crate::values::{Field, Layout};

/// Nesting deeper than any C type a map holds in practice.
const MAX_DEPTH: usize = 64;
/// Nodes in one built tree (after shared children are copied out).
const MAX_NODES: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LayoutNode {
    Int {
        size: u64,
        signed: bool,
        char: bool,
        bool: bool,
    },
    Float {
        size: u64,
    },
    Enum {
        name: String,
        size: u64,
        signed: bool,
        variants: Vec<(String, i64)>,
    },
    Struct {
        name: String,
        size: u64,
        fields: Vec<FieldNode>,
    },
    Union {
        name: String,
        size: u64,
        fields: Vec<FieldNode>,
    },
    /// `elem` is the index of an earlier node.
    Array {
        elem: u32,
        len: u64,
    },
    Pointer,
    Bytes {
        size: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNode {
    pub name: String,
    pub bit_offset: u32,
    pub bitfield_bits: Option<u32>,
    /// The index of an earlier node.
    pub layout: u32,
}

/// The nodes of `layout`, root last.
pub fn flatten(layout: &Layout) -> Vec<LayoutNode> {
    let mut nodes = Vec::new();
    push(layout, &mut nodes);
    nodes
}

fn push(layout: &Layout, nodes: &mut Vec<LayoutNode>) -> u32 {
    let fields = |fields: &[Field], nodes: &mut Vec<LayoutNode>| -> Vec<FieldNode> {
        fields
            .iter()
            .map(|f| FieldNode {
                name: f.name.clone(),
                bit_offset: f.bit_offset,
                bitfield_bits: f.bitfield_bits,
                layout: push(&f.layout, nodes),
            })
            .collect()
    };
    let node = match layout {
        Layout::Int {
            size,
            signed,
            char,
            bool,
        } => LayoutNode::Int {
            size: *size as u64,
            signed: *signed,
            char: *char,
            bool: *bool,
        },
        Layout::Float { size } => LayoutNode::Float { size: *size as u64 },
        Layout::Enum {
            name,
            size,
            signed,
            variants,
        } => LayoutNode::Enum {
            name: name.clone(),
            size: *size as u64,
            signed: *signed,
            variants: variants.clone(),
        },
        Layout::Struct {
            name,
            size,
            fields: f,
        } => LayoutNode::Struct {
            name: name.clone(),
            size: *size as u64,
            fields: fields(f, nodes),
        },
        Layout::Union {
            name,
            size,
            fields: f,
        } => LayoutNode::Union {
            name: name.clone(),
            size: *size as u64,
            fields: fields(f, nodes),
        },
        Layout::Array { elem, len } => LayoutNode::Array {
            elem: push(elem, nodes),
            len: *len as u64,
        },
        Layout::Pointer => LayoutNode::Pointer,
        Layout::Bytes { size } => LayoutNode::Bytes { size: *size as u64 },
    };
    nodes.push(node);
    u32::try_from(nodes.len() - 1).unwrap_or(u32::MAX)
}

/// Builds the layout the nodes describe (the last node is the root), checking every index,
/// the depth and the size; `expected` is the byte size the map gives its keys or values
/// (None: any, for a ring's record type, which the kernel's value size of 0 does not bound).
pub fn build(nodes: &[LayoutNode], expected: Option<usize>) -> Result<Layout, String> {
    // Per node built so far: the layout, its depth and its node count.
    let mut built: Vec<(Layout, usize, usize)> = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let child = |at: u32| -> Result<&(Layout, usize, usize), String> {
            built
                .get(at as usize)
                .filter(|_| (at as usize) < index)
                .ok_or_else(|| format!("layout node {index} names node {at}, not an earlier one"))
        };
        let size = |size: u64| usize::try_from(size).map_err(|_| "a size over usize".to_string());
        let mut depth = 1;
        let mut count = 1usize;
        let mut fields = |list: &[FieldNode]| -> Result<Vec<Field>, String> {
            list.iter()
                .map(|f| {
                    let (layout, d, c) = child(f.layout)?;
                    depth = depth.max(d + 1);
                    count = count.saturating_add(*c);
                    Ok(Field {
                        name: f.name.clone(),
                        bit_offset: f.bit_offset,
                        bitfield_bits: f.bitfield_bits,
                        layout: layout.clone(),
                    })
                })
                .collect()
        };
        let layout = match node {
            LayoutNode::Int {
                size: s,
                signed,
                char,
                bool,
            } => Layout::Int {
                size: size(*s)?,
                signed: *signed,
                char: *char,
                bool: *bool,
            },
            LayoutNode::Float { size: s } => Layout::Float { size: size(*s)? },
            LayoutNode::Enum {
                name,
                size: s,
                signed,
                variants,
            } => Layout::Enum {
                name: name.clone(),
                size: size(*s)?,
                signed: *signed,
                variants: variants.clone(),
            },
            LayoutNode::Struct {
                name,
                size: s,
                fields: f,
            } => Layout::Struct {
                name: name.clone(),
                size: size(*s)?,
                fields: fields(f)?,
            },
            LayoutNode::Union {
                name,
                size: s,
                fields: f,
            } => Layout::Union {
                name: name.clone(),
                size: size(*s)?,
                fields: fields(f)?,
            },
            LayoutNode::Array { elem, len } => {
                let (layout, d, c) = child(*elem)?;
                depth = d + 1;
                count = c.saturating_add(1);
                Layout::array(layout.clone(), size(*len)?)
            }
            LayoutNode::Pointer => Layout::Pointer,
            LayoutNode::Bytes { size: s } => Layout::Bytes { size: size(*s)? },
        };
        if depth > MAX_DEPTH {
            return Err(format!("a layout nested over {MAX_DEPTH} deep"));
        }
        if count > MAX_NODES {
            return Err(format!("a layout of over {MAX_NODES} nodes"));
        }
        built.push((layout, depth, count));
    }
    let (root, _, _) = built.pop().ok_or("an empty layout")?;
    if let Some(expected) = expected
        && root.size() != expected
    {
        return Err(format!(
            "a layout of {} bytes for {expected}-byte data",
            root.size()
        ));
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_round_trip_through_nodes() {
        let inner = Layout::Struct {
            name: "inner".into(),
            size: 8,
            fields: vec![
                Field::new("a", 0, Layout::int(4, false)),
                Field::bitfield("b", 32, 3, Layout::int(4, true)),
            ],
        };
        let layout = Layout::Struct {
            name: "outer".into(),
            size: 8 + 16 + 4,
            fields: vec![
                Field::new("in", 0, inner),
                Field::new("comm", 64, Layout::array(Layout::char(), 16)),
                Field::new(
                    "state",
                    192,
                    Layout::Enum {
                        name: "st".into(),
                        size: 4,
                        signed: false,
                        variants: vec![("UP".into(), 1)],
                    },
                ),
            ],
        };
        assert_eq!(build(&flatten(&layout), Some(28)).unwrap(), layout);
        assert!(
            build(&flatten(&layout), Some(27))
                .unwrap_err()
                .contains("28 bytes")
        );
    }

    #[test]
    fn hostile_nodes_are_refused() {
        let forward = [LayoutNode::Array { elem: 0, len: 1 }];
        assert!(
            build(&forward, Some(0))
                .unwrap_err()
                .contains("not an earlier one")
        );
        // A chain deeper than any real type.
        let mut deep = vec![LayoutNode::Bytes { size: 1 }];
        for at in 0..100 {
            deep.push(LayoutNode::Array { elem: at, len: 1 });
        }
        assert!(build(&deep, Some(1)).unwrap_err().contains("nested"));
        // Each struct holds the one before twice: 2^40 nodes if copied out blindly.
        let mut doubling = vec![LayoutNode::Bytes { size: 0 }];
        for at in 0..40u32 {
            let field = |name: &str| FieldNode {
                name: name.into(),
                bit_offset: 0,
                bitfield_bits: None,
                layout: at,
            };
            doubling.push(LayoutNode::Struct {
                name: String::new(),
                size: 0,
                fields: vec![field("a"), field("b")],
            });
        }
        assert!(build(&doubling, Some(0)).unwrap_err().contains("nodes"));
        assert!(build(&[], Some(0)).is_err());
    }
}
