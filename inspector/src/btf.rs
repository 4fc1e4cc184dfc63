//! A small, defensive reader for BTF (BPF Type Format), just enough to lay out map keys and values.
//!
//! The kernel hands out a map's BTF as one raw blob (`BPF_OBJ_GET_INFO_BY_FD` on its btf fd);
//! we parse it ourselves, since aya-obj's walker is crate-private and btf-rs is LGPL. Every read
//! is bounds-checked, so truncated or garbage input is an error, never a panic. Only
//! little-endian blobs are accepted. The format is in the kernel's Documentation/bpf/btf.rst.

use crate::decode::{Field, Layout};

const MAGIC: u16 = 0xEB9F;
const HEADER_LEN: u32 = 24;
/// Deeper than any real type nests; also what stops a (malformed) cycle.
const MAX_DEPTH: usize = 32;
/// Roughly the bytes one layout may take: a small blob can describe an exponentially large
/// tree (each struct holding two of the previous one), so building one is bounded.
const BUDGET: usize = 32 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BtfError {
    #[error("bad btf magic {found:#06x} (expected 0xeb9f, little endian)")]
    BadMagic { found: u16 },
    #[error("unsupported btf version {found}")]
    BadVersion { found: u8 },
    #[error("btf header length {hdr_len} is shorter than the header")]
    BadHeader { hdr_len: u32 },
    #[error("btf is truncated in its {what}")]
    Truncated { what: &'static str },
    #[error("btf string offset {offset} is out of bounds")]
    BadString { offset: u32 },
    #[error("no btf type with id {id}")]
    UnknownType { id: u32 },
    #[error("unknown btf type kind {kind}")]
    UnknownKind { kind: u32 },
    #[error("btf type {id} is a {kind}, not a value")]
    NotAValue { id: u32, kind: &'static str },
    #[error("btf types nest too deeply (or form a cycle)")]
    TooDeep,
    #[error("btf type is too large to lay out")]
    TooLarge,
}

/// The types a map definition's `key` and `value` members point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapTypes {
    pub key: Option<u32>,
    pub value: Option<u32>,
}

/// A parsed BTF blob.
#[derive(Debug, Clone)]
pub struct Btf {
    /// Type id `n` is `types[n - 1]`; id 0 is void.
    types: Vec<Type>,
}

#[derive(Debug, Clone)]
struct Type {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Int {
        size: u32,
        encoding: u32,
        offset: u32,
        bits: u32,
    },
    /// Points at this type id.
    Ptr(u32),
    Array {
        elem: u32,
        len: u32,
    },
    Struct {
        size: u32,
        union: bool,
        members: Vec<Member>,
    },
    /// ENUM and ENUM64; values as [`Layout::Enum`] wants them.
    Enum {
        size: u32,
        signed: bool,
        variants: Vec<(String, i64)>,
    },
    Typedef(u32),
    /// const, volatile, restrict, type and decl tags: see-through in a value position.
    Qualifier(u32),
    Var(u32),
    /// A global-variable section (`.bss`, `.data`): (VAR type id, byte offset, size) each.
    Datasec {
        size: u32,
        vars: Vec<(u32, u32, u32)>,
    },
    Float {
        size: u32,
    },
    /// Forward declarations, functions, prototypes: never a map's key or value.
    NotValue(&'static str),
}

#[derive(Debug, Clone)]
struct Member {
    name: String,
    type_id: u32,
    bit_offset: u32,
    bitfield_bits: Option<u32>,
}

/// Parses a raw BTF blob as the kernel returns it.
pub fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
    let mut header = Reader {
        bytes,
        pos: 0,
        what: "header",
    };
    let magic = header.u16()?;
    if magic != MAGIC {
        return Err(BtfError::BadMagic { found: magic });
    }
    let version = header.u8()?;
    if version != 1 {
        return Err(BtfError::BadVersion { found: version });
    }
    let _flags = header.u8()?;
    let [hdr_len, type_off, type_len, str_off, str_len] = [
        header.u32()?,
        header.u32()?,
        header.u32()?,
        header.u32()?,
        header.u32()?,
    ];
    if hdr_len < HEADER_LEN {
        return Err(BtfError::BadHeader { hdr_len });
    }
    let section = |off: u32, len: u32, what| {
        let start = (hdr_len as usize).checked_add(off as usize);
        let end = start.and_then(|start| start.checked_add(len as usize));
        start
            .zip(end)
            .and_then(|(start, end)| bytes.get(start..end))
            .ok_or(BtfError::Truncated { what })
    };
    let strings = Strings(section(str_off, str_len, "string section")?);
    let mut reader = Reader {
        bytes: section(type_off, type_len, "type section")?,
        pos: 0,
        what: "types",
    };
    let mut types = Vec::new();
    while reader.pos < reader.bytes.len() {
        types.push(parse_type(&mut reader, &strings)?);
    }
    Ok(Btf { types })
}

fn parse_type(r: &mut Reader<'_>, strings: &Strings<'_>) -> Result<Type, BtfError> {
    let [name_off, info, size_or_type] = [r.u32()?, r.u32()?, r.u32()?];
    let vlen = info & 0xffff;
    let kind_flag = info >> 31 == 1;
    let kind = match (info >> 24) & 0x1f {
        1 => {
            let data = r.u32()?;
            let encoding = (data >> 24) & 0xf;
            Kind::Int {
                size: size_or_type,
                encoding,
                offset: (data >> 16) & 0xff,
                bits: data & 0xff,
            }
        }
        2 => Kind::Ptr(size_or_type),
        3 => {
            let [elem, _index, len] = [r.u32()?, r.u32()?, r.u32()?];
            Kind::Array { elem, len }
        }
        kind @ (4 | 5) => {
            let members = (0..vlen).map(|_| {
                let [name, type_id, offset] = [r.u32()?, r.u32()?, r.u32()?];
                // With kind_flag, the offset's top byte is the bitfield size (0: not a bitfield).
                let (bit_offset, bits) = if kind_flag {
                    (offset & 0xff_ffff, offset >> 24)
                } else {
                    (offset, 0)
                };
                let bitfield_bits = (bits != 0).then_some(bits);
                Ok(Member {
                    name: strings.get(name)?,
                    type_id,
                    bit_offset,
                    bitfield_bits,
                })
            });
            let members = members.collect::<Result<_, BtfError>>()?;
            Kind::Struct {
                size: size_or_type,
                union: kind == 5,
                members,
            }
        }
        6 => {
            let variants = (0..vlen).map(|_| {
                let [name, value] = [r.u32()?, r.u32()?];
                let value = if kind_flag {
                    i64::from(value as i32)
                } else {
                    i64::from(value)
                };
                Ok((strings.get(name)?, value))
            });
            Kind::Enum {
                size: size_or_type,
                signed: kind_flag,
                variants: variants.collect::<Result<_, BtfError>>()?,
            }
        }
        7 => Kind::NotValue("forward declaration"),
        8 => Kind::Typedef(size_or_type),
        9..=11 | 18 => Kind::Qualifier(size_or_type),
        12 => Kind::NotValue("function"),
        13 => {
            r.skip(vlen as usize * 8)?;
            Kind::NotValue("function prototype")
        }
        14 => {
            r.skip(4)?; // linkage
            Kind::Var(size_or_type)
        }
        15 => {
            let vars = (0..vlen).map(|_| Ok((r.u32()?, r.u32()?, r.u32()?)));
            Kind::Datasec {
                size: size_or_type,
                vars: vars.collect::<Result<_, BtfError>>()?,
            }
        }
        16 => Kind::Float { size: size_or_type },
        17 => {
            r.skip(4)?; // component index
            Kind::Qualifier(size_or_type)
        }
        19 => {
            let variants = (0..vlen).map(|_| {
                let [name, lo, hi] = [r.u32()?, r.u32()?, r.u32()?];
                Ok((
                    strings.get(name)?,
                    (u64::from(hi) << 32 | u64::from(lo)) as i64,
                ))
            });
            Kind::Enum {
                size: size_or_type,
                signed: kind_flag,
                variants: variants.collect::<Result<_, BtfError>>()?,
            }
        }
        kind => return Err(BtfError::UnknownKind { kind }),
    };
    Ok(Type {
        name: strings.get(name_off)?,
        kind,
    })
}

/// Little-endian reads that fail, naming `what`, instead of running off the end.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], BtfError> {
        let end = self.pos.checked_add(N);
        let bytes = end.and_then(|end| self.bytes.get(self.pos..end));
        let bytes = bytes
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .ok_or(BtfError::Truncated { what: self.what })?;
        self.pos += N;
        Ok(bytes)
    }
    fn u8(&mut self) -> Result<u8, BtfError> {
        self.take::<1>().map(|[b]| b)
    }
    fn u16(&mut self) -> Result<u16, BtfError> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, BtfError> {
        self.take().map(u32::from_le_bytes)
    }
    fn skip(&mut self, len: usize) -> Result<(), BtfError> {
        match self.pos.checked_add(len) {
            Some(end) if end <= self.bytes.len() => {
                self.pos = end;
                Ok(())
            }
            _ => Err(BtfError::Truncated { what: self.what }),
        }
    }
}

struct Strings<'a>(&'a [u8]);

impl Strings<'_> {
    /// The NUL-terminated string at `offset`; 0 is always "" (anonymous).
    fn get(&self, offset: u32) -> Result<String, BtfError> {
        if offset == 0 {
            return Ok(String::new());
        }
        let rest = self.0.get(offset as usize..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(BtfError::BadString { offset })?;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }
}

impl Btf {
    /// Parses a raw BTF blob as the kernel returns it (same as [`parse`]).
    pub fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
        parse(bytes)
    }

    /// How many types there are (ids run from 1 to this).
    pub fn type_count(&self) -> usize {
        self.types.len()
    }

    /// The name of a type as written in the blob ("" for anonymous ones and unknown ids).
    pub fn type_name(&self, id: u32) -> &str {
        self.get(id).map_or("", |ty| &ty.name)
    }

    /// The id of the first type with this name.
    pub fn find(&self, name: &str) -> Option<u32> {
        let index = self.types.iter().position(|ty| ty.name == name)?;
        u32::try_from(index + 1).ok()
    }

    /// The key and value type ids of a BTF-style map definition: the struct behind the VAR
    /// named `map` in an object's `.maps` section, whose `key` and `value` members point at
    /// the types. For maps the kernel keeps no BTF ids for (queues and stacks), when the
    /// object's own BTF is at hand.
    pub fn map_definition(&self, map: &str) -> Option<MapTypes> {
        let var = self.types.iter().find_map(|ty| match ty.kind {
            Kind::Var(target) if ty.name == map => Some(target),
            _ => None,
        })?;
        let Kind::Struct { members, .. } = &self.get(self.see_through(var)).ok()?.kind else {
            return None;
        };
        let pointee = |name: &str| {
            let member = members.iter().find(|m| m.name == name)?;
            match self.get(self.see_through(member.type_id)).ok()?.kind {
                Kind::Ptr(target) => Some(target),
                _ => None,
            }
        };
        Some(MapTypes {
            key: pointee("key"),
            value: pointee("value"),
        })
    }

    /// Follows typedefs and qualifiers to the type they stand for (bounded, for cycles).
    fn see_through(&self, mut id: u32) -> u32 {
        for _ in 0..MAX_DEPTH {
            match self.get(id).map(|ty| &ty.kind) {
                Ok(Kind::Typedef(target) | Kind::Qualifier(target)) => id = *target,
                _ => break,
            }
        }
        id
    }

    /// How the bytes of a value of type `type_id` are laid out.
    pub fn layout(&self, type_id: u32) -> Result<Layout, BtfError> {
        let mut budget = BUDGET;
        self.resolve(type_id, 0, None, &mut budget)
    }

    fn get(&self, id: u32) -> Result<&Type, BtfError> {
        match id {
            0 => Err(BtfError::NotAValue { id, kind: "void" }),
            _ => self
                .types
                .get(id as usize - 1)
                .ok_or(BtfError::UnknownType { id }),
        }
    }

    /// `name` is the outermost typedef's name, which beats the type's own (often empty) one.
    fn resolve(
        &self,
        id: u32,
        depth: usize,
        name: Option<&str>,
        budget: &mut usize,
    ) -> Result<Layout, BtfError> {
        if depth > MAX_DEPTH {
            return Err(BtfError::TooDeep);
        }
        let ty = self.get(id)?;
        charge(budget, 64 + ty.name.len())?;
        let size = |size: &u32| *size as usize;
        let outer = name;
        let name = outer.unwrap_or(&ty.name);
        Ok(match &ty.kind {
            Kind::Typedef(target) => {
                let name = Some(name).filter(|name| !name.is_empty());
                return self.resolve(*target, depth + 1, name, budget);
            }
            // Qualifiers have no name, and a VAR's names a variable, not a type.
            Kind::Qualifier(target) | Kind::Var(target) => {
                return self.resolve(*target, depth + 1, outer, budget);
            }
            Kind::Int {
                size: s, encoding, ..
            } => Layout::Int {
                size: size(s),
                signed: encoding & 1 != 0,
                // clang marks C's char only as signed (or not at all): go by its name too.
                char: encoding & 2 != 0 || ty.name == "char",
                bool: encoding & 4 != 0,
            },
            Kind::Ptr(_) => Layout::Pointer,
            Kind::Float { size: s } => Layout::Float { size: size(s) },
            Kind::Array { elem, len } => Layout::Array {
                elem: Box::new(self.resolve(*elem, depth + 1, None, budget)?),
                len: *len as usize,
            },
            Kind::Enum {
                size: s,
                signed,
                variants,
            } => {
                charge(
                    budget,
                    variants.iter().map(|(name, _)| 32 + name.len()).sum(),
                )?;
                Layout::Enum {
                    name: name.into(),
                    size: size(s),
                    signed: *signed,
                    variants: variants.clone(),
                }
            }
            Kind::Struct {
                size: s,
                union,
                members,
            } => {
                let fields = members.iter().map(|m| self.field(m, depth + 1, budget));
                let (name, size, fields) =
                    (name.into(), size(s), fields.collect::<Result<_, _>>()?);
                if *union {
                    Layout::Union { name, size, fields }
                } else {
                    Layout::Struct { name, size, fields }
                }
            }
            Kind::Datasec { size: s, vars } => {
                let fields = vars.iter().map(|&(var, offset, size)| {
                    self.section_var(var, offset, size, depth + 1, budget)
                });
                Layout::Struct {
                    name: name.into(),
                    size: size(s),
                    fields: fields.collect::<Result<_, _>>()?,
                }
            }
            Kind::NotValue(kind) => return Err(BtfError::NotAValue { id, kind }),
        })
    }

    fn field(&self, member: &Member, depth: usize, budget: &mut usize) -> Result<Field, BtfError> {
        charge(budget, member.name.len())?;
        let layout = self.resolve(member.type_id, depth, None, budget)?;
        let (mut bit_offset, mut bitfield_bits) = (member.bit_offset, member.bitfield_bits);
        // Without kind_flag, a bitfield is spelled by its int type: fewer bits, or an offset.
        if bitfield_bits.is_none()
            && let Some((offset, bits, size)) = self.int_bits(member.type_id)
            && (offset != 0 || u64::from(bits) != u64::from(size) * 8)
        {
            bit_offset = bit_offset.saturating_add(offset);
            bitfield_bits = Some(bits);
        }
        Ok(Field {
            name: member.name.clone(),
            bit_offset,
            bitfield_bits,
            layout,
        })
    }

    /// An int's (bit offset, bits, size) behind any typedefs and qualifiers.
    fn int_bits(&self, mut id: u32) -> Option<(u32, u32, u32)> {
        for _ in 0..=MAX_DEPTH {
            match &self.get(id).ok()?.kind {
                Kind::Typedef(target) | Kind::Qualifier(target) => id = *target,
                Kind::Int {
                    size, offset, bits, ..
                } => return Some((*offset, *bits, *size)),
                _ => return None,
            }
        }
        None
    }

    /// A global variable in a section becomes a field named after it.
    fn section_var(
        &self,
        var: u32,
        offset: u32,
        size: u32,
        depth: usize,
        budget: &mut usize,
    ) -> Result<Field, BtfError> {
        let ty = self.get(var)?;
        let layout = match ty.kind {
            Kind::Var(target) => self.resolve(target, depth, None, budget)?,
            _ => Layout::Bytes {
                size: size as usize,
            },
        };
        charge(budget, ty.name.len())?;
        Ok(Field {
            name: ty.name.clone(),
            bit_offset: offset.saturating_mul(8),
            bitfield_bits: None,
            layout,
        })
    }
}

fn charge(budget: &mut usize, cost: usize) -> Result<(), BtfError> {
    *budget = budget.checked_sub(cost).ok_or(BtfError::TooLarge)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Style, decode};

    /// Writes BTF blobs by hand, laid out as clang and the kernel do.
    struct Builder {
        types: Vec<u8>,
        strings: Vec<u8>,
        count: u32,
    }

    impl Builder {
        fn new() -> Self {
            Builder {
                types: Vec::new(),
                strings: vec![0],
                count: 0,
            }
        }
        fn add_string(&mut self, s: &str) -> u32 {
            if s.is_empty() {
                return 0;
            }
            let offset = self.strings.len() as u32;
            self.strings.extend(s.as_bytes());
            self.strings.push(0);
            offset
        }
        fn add_type(
            &mut self,
            name: &str,
            kind: u32,
            vlen: usize,
            kind_flag: bool,
            size_or_type: u32,
            extra: &[u32],
        ) -> u32 {
            let info = u32::from(kind_flag) << 31 | kind << 24 | vlen as u32;
            for word in [self.add_string(name), info, size_or_type]
                .iter()
                .chain(extra)
            {
                self.types.extend(word.to_le_bytes());
            }
            self.count += 1;
            self.count
        }
        fn add_int(&mut self, name: &str, size: u32, encoding: u32) -> u32 {
            self.add_int_bits(name, size, encoding, 0, size * 8)
        }
        fn add_int_bits(
            &mut self,
            name: &str,
            size: u32,
            encoding: u32,
            offset: u32,
            bits: u32,
        ) -> u32 {
            self.add_type(
                name,
                1,
                0,
                false,
                size,
                &[encoding << 24 | offset << 16 | bits],
            )
        }
        /// Members are (name, type, bit offset, bitfield bits); any bitfield sets kind_flag.
        fn add_struct(
            &mut self,
            kind: u32,
            name: &str,
            size: u32,
            members: &[(&str, u32, u32, u32)],
        ) -> u32 {
            let kind_flag = members.iter().any(|m| m.3 != 0);
            let extra: Vec<u32> = members
                .iter()
                .flat_map(|&(name, ty, offset, bits)| {
                    [self.add_string(name), ty, bits << 24 | offset]
                })
                .collect();
            self.add_type(name, kind, members.len(), kind_flag, size, &extra)
        }
        fn add_array(&mut self, elem: u32, index: u32, len: u32) -> u32 {
            self.add_type("", 3, 0, false, 0, &[elem, index, len])
        }
        fn add_enum(
            &mut self,
            name: &str,
            size: u32,
            signed: bool,
            variants: &[(&str, i32)],
        ) -> u32 {
            let extra: Vec<u32> = variants
                .iter()
                .flat_map(|&(name, v)| [self.add_string(name), v as u32])
                .collect();
            self.add_type(name, 6, variants.len(), signed, size, &extra)
        }
        fn add_typedef(&mut self, name: &str, target: u32) -> u32 {
            self.add_type(name, 8, 0, false, target, &[])
        }
        fn finish(&self) -> Vec<u8> {
            let (type_len, str_len) = (self.types.len() as u32, self.strings.len() as u32);
            let mut blob = vec![0x9f, 0xeb, 1, 0];
            for word in [24, 0, type_len, type_len, str_len] {
                blob.extend(u32::to_le_bytes(word));
            }
            blob.extend(&self.types);
            blob.extend(&self.strings);
            blob
        }
    }

    fn int(size: usize, signed: bool) -> Layout {
        Layout::int(size, signed)
    }

    fn field(name: &str, bit_offset: u32, layout: Layout) -> Field {
        Field {
            name: name.into(),
            bit_offset,
            bitfield_bits: None,
            layout,
        }
    }

    /// struct Info { u64 count; struct Stats { u64 execs, opens; } stats; char comm[16];
    /// enum Kind kind; u32 _pad; }, then `typedef struct Info info_t` as the last type.
    fn info_blob() -> Vec<u8> {
        let mut b = Builder::new();
        let u32_ = b.add_int("unsigned int", 4, 0);
        let u64_ = b.add_int("long long unsigned int", 8, 0);
        let char_ = b.add_int("char", 1, 1);
        let stats = b.add_struct(
            4,
            "Stats",
            16,
            &[("execs", u64_, 0, 0), ("opens", u64_, 64, 0)],
        );
        let comm = b.add_array(char_, u32_, 16);
        let kind = b.add_enum("Kind", 4, false, &[("Exec", 0), ("Open", 1)]);
        let members = [
            ("count", u64_, 0, 0),
            ("stats", stats, 64, 0),
            ("comm", comm, 192, 0),
            ("kind", kind, 320, 0),
            ("_pad", u32_, 352, 0),
        ];
        let info = b.add_struct(4, "Info", 48, &members);
        b.add_typedef("info_t", info);
        b.finish()
    }

    #[test]
    fn ints() {
        let mut b = Builder::new();
        b.add_int("int", 4, 1);
        b.add_int("unsigned char", 1, 0);
        b.add_int("_Bool", 1, 4);
        b.add_int("char", 1, 2);
        b.add_int("char", 1, 1);
        let btf = Btf::parse(&b.finish()).unwrap();
        assert_eq!(btf.layout(1), Ok(int(4, true)));
        assert_eq!(btf.layout(2), Ok(int(1, false)));
        assert_eq!(
            btf.layout(3),
            Ok(Layout::Int {
                size: 1,
                signed: false,
                char: false,
                bool: true
            })
        );
        assert_eq!(btf.layout(4).unwrap().type_name(), "char");
        assert_eq!(btf.layout(5).unwrap().type_name(), "char");
        assert_eq!(
            (
                btf.type_count(),
                btf.type_name(1),
                btf.find("_Bool"),
                btf.find("nope")
            ),
            (5, "int", Some(3), None)
        );
    }

    #[test]
    fn struct_with_nested_struct_char_array_and_enum() {
        let btf = parse(&info_blob()).unwrap();
        let id = btf.find("Info").unwrap();
        let stats = Layout::Struct {
            name: "Stats".into(),
            size: 16,
            fields: vec![
                field("execs", 0, int(8, false)),
                field("opens", 64, int(8, false)),
            ],
        };
        let comm = Layout::Array {
            elem: Box::new(Layout::Int {
                size: 1,
                signed: true,
                char: true,
                bool: false,
            }),
            len: 16,
        };
        let kind = Layout::Enum {
            name: "Kind".into(),
            size: 4,
            signed: false,
            variants: vec![("Exec".into(), 0), ("Open".into(), 1)],
        };
        let fields = vec![
            field("count", 0, int(8, false)),
            field("stats", 64, stats),
            field("comm", 192, comm),
            field("kind", 320, kind),
            field("_pad", 352, int(4, false)),
        ];
        let layout = btf.layout(id).unwrap();
        assert_eq!(
            layout,
            Layout::Struct {
                name: "Info".into(),
                size: 48,
                fields
            }
        );

        let mut bytes = vec![0u8; 48];
        bytes[0] = 3;
        bytes[8] = 1;
        bytes[16] = 2;
        bytes[24..28].copy_from_slice(b"bash");
        bytes[40] = 1;
        bytes[44] = 0xee; // padding: not shown
        let shown = decode(&layout, &bytes).render(Style::default());
        assert_eq!(
            shown,
            r#"{count: 3, stats: {execs: 1, opens: 2}, comm: "bash", kind: Open}"#
        );
        // The typedef's name wins over the struct's own.
        assert_eq!(
            btf.layout(btf.find("info_t").unwrap()).unwrap().type_name(),
            "struct info_t"
        );
    }

    #[test]
    fn bitfields_with_and_without_kind_flag() {
        let mut b = Builder::new();
        let u32_ = b.add_int("unsigned int", 4, 0);
        let i32_ = b.add_int("int", 4, 1);
        b.add_struct(
            4,
            "Flags",
            8,
            &[("a", u32_, 0, 3), ("b", i32_, 3, 5), ("c", u32_, 32, 0)],
        );
        // Old style: the member's int type carries the bit count and an offset.
        let three = b.add_int_bits("unsigned int", 4, 0, 2, 3);
        b.add_struct(4, "Old", 4, &[("x", three, 1, 0)]);
        let btf = parse(&b.finish()).unwrap();
        let Layout::Struct { fields, .. } = btf.layout(btf.find("Flags").unwrap()).unwrap() else {
            panic!()
        };
        let shape: Vec<_> = fields
            .iter()
            .map(|f| (f.bit_offset, f.bitfield_bits))
            .collect();
        assert_eq!(shape, [(0, Some(3)), (3, Some(5)), (32, None)]);
        // a = 5, b = -3 (0b11101), c = 7
        let value = decode(
            &btf.layout(btf.find("Flags").unwrap()).unwrap(),
            &[5 | 29 << 3, 0, 0, 0, 7, 0, 0, 0],
        );
        assert_eq!(value.render(Style::default()), "{a: 5, b: -3, c: 7}");

        let Layout::Struct { fields, .. } = btf.layout(btf.find("Old").unwrap()).unwrap() else {
            panic!()
        };
        assert_eq!(
            (fields[0].bit_offset, fields[0].bitfield_bits),
            (3, Some(3))
        );
    }

    #[test]
    fn typedef_and_qualifier_chains() {
        let mut b = Builder::new();
        let uint = b.add_int("unsigned int", 4, 0);
        let u32_ = b.add_typedef("__u32", uint);
        let u32_ = b.add_typedef("u32", u32_);
        let volatile = b.add_type("", 9, 0, false, u32_, &[]);
        let constant = b.add_type("", 10, 0, false, volatile, &[]);
        let anon = b.add_struct(4, "", 4, &[("v", constant, 0, 0)]);
        let foo_t = b.add_typedef("foo_t", anon);
        let named = b.add_struct(4, "foo", 4, &[("v", uint, 0, 0)]);
        let bar_t = b.add_typedef("bar_t", named);
        let const_bar = b.add_type("", 10, 0, false, bar_t, &[]);
        // A type tag's name is the tag ("user"), not a type name.
        let tagged = b.add_type("user", 18, 0, false, named, &[]);
        let ptr = b.add_type("", 2, 0, false, tagged, &[]);
        let btf = parse(&b.finish()).unwrap();
        assert_eq!(btf.layout(constant), Ok(int(4, false)));
        let name = |id| btf.layout(id).unwrap().type_name();
        assert_eq!(
            [name(foo_t), name(anon), name(const_bar), name(tagged)],
            [
                "struct foo_t",
                "struct (anonymous)",
                "struct bar_t",
                "struct foo"
            ]
        );
        assert_eq!(btf.layout(ptr), Ok(Layout::Pointer));
    }

    #[test]
    fn cycles_and_blowups_are_errors() {
        let mut b = Builder::new();
        b.add_typedef("a", 2);
        b.add_typedef("b", 1);
        b.add_struct(4, "Self", 4, &[("again", 3, 0, 0)]);
        let btf = parse(&b.finish()).unwrap();
        assert_eq!(btf.layout(1), Err(BtfError::TooDeep));
        assert_eq!(btf.layout(3), Err(BtfError::TooDeep));

        // Each struct holds two of the previous one: 2^30 leaves from a tiny blob.
        let mut b = Builder::new();
        let mut previous = b.add_int("int", 4, 1);
        for level in 0..30 {
            previous = b.add_struct(
                4,
                &format!("S{level}"),
                8 << level,
                &[("a", previous, 0, 0), ("b", previous, 0, 0)],
            );
        }
        assert_eq!(
            parse(&b.finish()).unwrap().layout(previous),
            Err(BtfError::TooLarge)
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        let blob = info_blob();
        for len in 0..blob.len() {
            assert!(parse(&blob[..len]).is_err(), "{len} bytes parsed");
        }
        assert!(parse(&blob).is_ok());
    }

    #[test]
    fn bad_headers() {
        let blob = info_blob();
        let with = |at: usize, bytes: &[u8]| {
            let mut blob = blob.clone();
            blob[at..at + bytes.len()].copy_from_slice(bytes);
            parse(&blob).unwrap_err()
        };
        assert_eq!(with(0, &[0xeb, 0x9f]), BtfError::BadMagic { found: 0x9feb });
        assert_eq!(
            with(0, &[0xeb, 0x9f]).to_string(),
            "bad btf magic 0x9feb (expected 0xeb9f, little endian)"
        );
        assert_eq!(with(2, &[2]), BtfError::BadVersion { found: 2 });
        assert_eq!(with(4, &[8]), BtfError::BadHeader { hdr_len: 8 });
        assert_eq!(
            with(16, &[0xff, 0xff, 0xff, 0xff]),
            BtfError::Truncated {
                what: "string section"
            }
        );
        assert_eq!(
            parse(&[]).unwrap_err(),
            BtfError::Truncated { what: "header" }
        );
    }

    #[test]
    fn bad_types() {
        let mut b = Builder::new();
        b.add_type("", 25, 0, false, 0, &[]);
        assert_eq!(
            parse(&b.finish()).unwrap_err(),
            BtfError::UnknownKind { kind: 25 }
        );
        let mut b = Builder::new();
        b.add_type("", 1, 0, false, 4, &[32]);
        b.types[0] = 0xff; // name offset 255: past the strings
        assert_eq!(
            parse(&b.finish()).unwrap_err(),
            BtfError::BadString { offset: 255 }
        );

        let mut b = Builder::new();
        let fwd = b.add_type("later", 7, 0, false, 0, &[]);
        let func = b.add_type("main", 12, 0, false, 0, &[]);
        let btf = parse(&b.finish()).unwrap();
        assert_eq!(
            btf.layout(fwd),
            Err(BtfError::NotAValue {
                id: fwd,
                kind: "forward declaration"
            })
        );
        assert_eq!(
            btf.layout(func).unwrap_err().to_string(),
            "btf type 2 is a function, not a value"
        );
        assert_eq!(
            btf.layout(0),
            Err(BtfError::NotAValue {
                id: 0,
                kind: "void"
            })
        );
        assert_eq!(btf.layout(99), Err(BtfError::UnknownType { id: 99 }));
    }

    #[test]
    fn other_kinds() {
        let mut b = Builder::new();
        let u64_ = b.add_int("u64", 8, 0);
        let signed = b.add_enum("Sign", 4, true, &[("Neg", -1), ("Pos", 1)]);
        let unsigned = b.add_enum("Big", 4, false, &[("Max", -1)]);
        let wide = b.add_type("Wide", 19, 1, false, 8, &[0, 0xffff_fffe, 0xffff_ffff]);
        let float = b.add_type("double", 16, 0, false, 8, &[]);
        let union = b.add_struct(5, "U", 8, &[("a", u64_, 0, 0), ("b", float, 0, 0)]);
        let var = b.add_type("counter", 14, 0, false, u64_, &[1]);
        let datasec = b.add_type(".bss", 15, 1, false, 16, &[var, 8, 8]);
        let mangled = b.add_struct(4, "_ZN6shared8ExecInfo17h0123456789abcdefE", 0, &[]);
        let btf = parse(&b.finish()).unwrap();
        let variants = |id| match btf.layout(id) {
            Ok(Layout::Enum { variants, .. }) => variants,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            variants(signed),
            [("Neg".to_string(), -1), ("Pos".to_string(), 1)]
        );
        assert_eq!(variants(unsigned), [("Max".to_string(), 0xffff_ffff)]);
        assert_eq!(variants(wide), [(String::new(), -2)]);
        assert_eq!(btf.layout(float), Ok(Layout::Float { size: 8 }));
        assert_eq!(btf.layout(union).unwrap().type_name(), "union U");
        let fields = vec![field("counter", 64, int(8, false))];
        assert_eq!(
            btf.layout(datasec),
            Ok(Layout::Struct {
                name: ".bss".into(),
                size: 16,
                fields
            })
        );
        assert_eq!(btf.layout(var), Ok(int(8, false)));
        assert_eq!(
            btf.layout(mangled).unwrap().type_name(),
            "struct _ZN6shared8ExecInfo17h0123456789abcdefE"
        );
    }

    /// Flips bytes of a good blob and parses noise: errors are fine, panics and hangs are not.
    #[test]
    fn garbage_never_panics() {
        let check = |blob: &[u8]| {
            if let Ok(btf) = parse(blob) {
                for id in 0..=btf.type_count() as u32 + 1 {
                    if let Ok(layout) = btf.layout(id) {
                        decode(&layout, &[0xa5; 64]).render(Style { hex: true });
                    }
                }
            }
        };
        let blob = info_blob();
        for at in 0..blob.len() {
            for byte in [0, 1, 0x7f, 0x80, 0xff] {
                let mut bad = blob.clone();
                bad[at] = byte;
                check(&bad);
            }
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..400 {
            let mut noise = blob[..24].to_vec();
            noise.extend((0..len).map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            }));
            let words = (len as u32) / 2;
            noise[8..24].copy_from_slice(
                &[0, words, words, len as u32 - words]
                    .map(u32::to_le_bytes)
                    .concat(),
            );
            check(&noise);
        }
    }
}
