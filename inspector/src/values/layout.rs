//! How a run of bytes is laid out: [`Layout`] and its struct [`Field`]s, built from BTF by
//! [`super::btf`], from a `--key-type` spec by [`super::typespec`], or guessed from the size
//! alone by [`Layout::from_size`]. Decoding, encoding and the maps all speak this shape.
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
    /// Decoded member by member, each from the union's bytes: which member is live is not
    /// in the bytes, so every member is shown.
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

impl Field {
    /// An ordinary (not bitfield) member at `bit_offset` bits into its struct.
    pub fn new(name: impl Into<String>, bit_offset: u32, layout: Layout) -> Field {
        Field {
            name: name.into(),
            bit_offset,
            bitfield_bits: None,
            layout,
        }
    }

    /// A bitfield member `bits` wide.
    pub fn bitfield(name: impl Into<String>, bit_offset: u32, bits: u32, layout: Layout) -> Field {
        Field {
            bitfield_bits: Some(bits),
            ..Field::new(name, bit_offset, layout)
        }
    }
}

impl Layout {
    /// An array of `len` elements.
    pub fn array(elem: Layout, len: usize) -> Layout {
        Layout::Array {
            elem: Box::new(elem),
            len,
        }
    }

    /// A plain integer of `size` bytes.
    pub fn int(size: usize, signed: bool) -> Layout {
        Layout::Int {
            size,
            signed,
            char: false,
            bool: false,
        }
    }

    /// C's `char`: arrays of it are text.
    pub fn char() -> Layout {
        Layout::Int {
            size: 1,
            signed: true,
            char: true,
            bool: false,
        }
    }

    /// Marks the byte arrays among the members named `names` (at any depth) as `char`
    /// arrays, i.e. text: for programs written in Rust, whose BTF has no `char` to say so.
    pub fn mark_text(&mut self, names: &[&str]) {
        match self {
            Layout::Struct { fields, .. } | Layout::Union { fields, .. } => {
                for field in fields {
                    match &mut field.layout {
                        Layout::Array { elem, .. }
                            if is_byte(elem) && names.contains(&field.name.as_str()) =>
                        {
                            **elem = Layout::char();
                        }
                        inner => inner.mark_text(names),
                    }
                }
            }
            Layout::Array { elem, .. } => elem.mark_text(names),
            _ => {}
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

    /// The length of an array of 1-byte integers (char, u8, i8): edited as one field, as
    /// text or hex bytes.
    pub fn text_len(&self) -> Option<usize> {
        match self {
            Layout::Array { elem, len } if is_byte(elem) => Some(*len),
            _ => None,
        }
    }

    /// Whether this is an array of C `char`: text up to the first NUL. Arrays of other
    /// 1-byte integers (`u8`, `unsigned char`, `signed char`) are bytes, never text.
    pub fn is_char_array(&self) -> bool {
        matches!(self, Layout::Array { elem, .. } if is_char(elem))
    }
}

fn tagged(kind: &str, name: &str) -> String {
    if name.is_empty() {
        format!("{kind} (anonymous)")
    } else {
        format!("{kind} {name}")
    }
}

/// C's `char` (by BTF encoding or by name, as bpftool tells it), not `u8` or `signed char`.
pub(crate) fn is_char(layout: &Layout) -> bool {
    matches!(
        layout,
        Layout::Int {
            size: 1,
            char: true,
            bool: false,
            ..
        }
    )
}

pub(crate) fn is_byte(layout: &Layout) -> bool {
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
/// padding is skipped, and the members of an anonymous struct or union count as the
/// parent's, as in C (`s.big` for `struct s { union { u64 big; u8 small[8]; }; }`). C gives
/// them names distinct from the parent's, so two anonymous unions never collide.
pub(crate) fn visit_fields(
    fields: &[Field],
    base_bits: u64,
    visit: &mut dyn FnMut(&str, u64, &Field),
) {
    for field in fields {
        let bits = base_bits + u64::from(field.bit_offset);
        match (&field.layout, field.name.as_str()) {
            (Layout::Struct { fields: inner, .. } | Layout::Union { fields: inner, .. }, "") => {
                visit_fields(inner, bits, visit)
            }
            (_, name) if is_padding(name) => {}
            (_, name) => visit(name, bits, field),
        }
    }
}

pub(crate) fn is_padding(name: &str) -> bool {
    name.is_empty() || name.starts_with("_pad") || name.starts_with("__pad")
}
