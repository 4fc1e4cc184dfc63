//! From a parsed [`Btf`] to the [`Layout`] of a key or value: typedefs and qualifiers seen
//! through, structs and bitfields laid out, DATASEC variables found, depth and size bounded.
use super::{
    BtfError,
    blob::{Btf, Kind, MapTypes, Member, Type, parse},
};
use crate::values::{Field, Layout};

/// Deeper than any real type nests; also what stops a (malformed) cycle.
const MAX_DEPTH: usize = 32;
/// Roughly the bytes one layout may take: a small blob can describe an exponentially large
/// tree (each struct holding two of the previous one), so building one is bounded.
const BUDGET: usize = 32 << 20;

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

    /// The id of the DATASEC named `section` (`.bss`, `.data`, `.rodata`): the layout of the
    /// global variables libbpf and aya put in a one-slot array map of that name.
    pub fn datasec(&self, section: &str) -> Option<u32> {
        let index = self
            .types
            .iter()
            .position(|ty| ty.name == section && matches!(ty.kind, Kind::Datasec { .. }))?;
        u32::try_from(index + 1).ok()
    }

    /// Fills in what a compiler leaves for the loader in an object file's BTF: each
    /// DATASEC's size (0 in the object) from `section_size`, and its variables' offsets
    /// from `symbol_offset` (their ELF symbols), as libbpf and aya do before loading.
    pub fn fix_datasecs(
        &mut self,
        section_size: impl Fn(&str) -> Option<u32>,
        symbol_offset: impl Fn(&str) -> Option<u32>,
    ) {
        let names: Vec<String> = self.types.iter().map(|ty| ty.name.clone()).collect();
        for ty in &mut self.types {
            let Kind::Datasec { size, vars } = &mut ty.kind else {
                continue;
            };
            if *size == 0 {
                *size = section_size(&ty.name).unwrap_or(0);
            }
            for (var, offset, _) in vars.iter_mut() {
                let name = (*var as usize).checked_sub(1).and_then(|i| names.get(i));
                if let Some(found) = name.and_then(|name| symbol_offset(name)) {
                    *offset = found;
                }
            }
        }
    }

    /// The byte offset of member `member` in the definition of BTF-style map `map` (the
    /// `values` array of a map of maps, which static initialisers fill).
    pub fn map_member_offset(&self, map: &str, member: &str) -> Option<u32> {
        let var = self.types.iter().find_map(|ty| match ty.kind {
            Kind::Var(target) if ty.name == map => Some(target),
            _ => None,
        })?;
        let Kind::Struct { members, .. } = &self.get(self.see_through(var)).ok()?.kind else {
            return None;
        };
        let found = members.iter().find(|m| m.name == member)?;
        Some(found.bit_offset / 8)
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
            // A section of unnamed data only (string literals): its bytes, not `{}`.
            Kind::Datasec { size: s, vars } if vars.is_empty() => Layout::Bytes { size: size(s) },
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
