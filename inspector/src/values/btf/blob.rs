//! The BTF blob reader: header, string section and type records, every read bounds-checked.
use super::BtfError;

const MAGIC: u16 = 0xEB9F;
const HEADER_LEN: u32 = 24;

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
    pub(super) types: Vec<Type>,
}

#[derive(Debug, Clone)]
pub(super) struct Type {
    pub(super) name: String,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
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
pub(super) struct Member {
    pub(super) name: String,
    pub(super) type_id: u32,
    pub(super) bit_offset: u32,
    pub(super) bitfield_bits: Option<u32>,
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
