//! Program arrays defined as libbpf defines them, which aya 0.14 cannot create: their
//! `__array(values, int (void *))` member (what a static initialiser needs) stops aya's
//! parser (it expects pointers to an inner map's struct), and their `__type(key, __u32)`
//! gives the kernel a BTF key type and no value type, which it refuses (libbpf retries
//! without BTF; aya does not). So aya gets a copy of the object whose BTF says, for each
//! such program array, `key_size`/`value_size` instead: the same sizes, no BTF types.
//! Only the `.BTF` section changes (a rewritten copy appended to the file, its section
//! header pointed at it); type ids stay, so the rest of the BTF and the programs are
//! untouched. mapinspect's own decoding reads the original.
use object::{Object as _, ObjectSection as _};

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_ENUM64: u32 = 19;
const BPF_MAP_TYPE_PROG_ARRAY: u32 = 3;

/// The object for aya: a copy with its program arrays' definitions rewritten, or None when
/// it has none to rewrite (or BTF this does not follow: aya then says what it says).
pub(super) fn for_aya(elf: &[u8]) -> Option<Vec<u8>> {
    let file = object::File::parse(elf).ok()?;
    let section = file.section_by_name(".BTF")?;
    let btf = rewrite(section.data().ok()?)?;
    let index = section.index().0;
    // ELF64 little endian (checked before: see object_file): the section header table.
    let shoff = usize::try_from(u64_at(elf, 0x28)?).ok()?;
    let shentsize = usize::from(u16::from_le_bytes(elf.get(0x3a..0x3c)?.try_into().ok()?));
    let header = shoff.checked_add(index.checked_mul(shentsize)?)?;
    header.checked_add(0x28)?;
    let mut out = elf.to_vec();
    out.resize(out.len().next_multiple_of(8), 0);
    let offset = out.len() as u64;
    out.extend_from_slice(&btf);
    out.get_mut(header + 0x18..header + 0x20)?
        .copy_from_slice(&offset.to_le_bytes());
    out.get_mut(header + 0x20..header + 0x28)?
        .copy_from_slice(&(btf.len() as u64).to_le_bytes());
    Some(out)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// One BTF type record: where it starts in the type section, its kind, vlen and the
/// `size`/`type` word.
struct Record {
    at: usize,
    kind: u32,
    vlen: usize,
    size_or_type: u32,
}

/// The records of a type section, by id (id 0, void, has none).
fn records(types: &[u8]) -> Option<Vec<Record>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < types.len() {
        let info = u32_at(types, at + 4)?;
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        let extra = match kind {
            KIND_INT | KIND_VAR | 17 => 4,
            KIND_ARRAY => 12,
            KIND_STRUCT | KIND_UNION | KIND_DATASEC | KIND_ENUM64 => 12 * vlen,
            KIND_ENUM | 13 => 8 * vlen,
            2 | 7..=12 | 16 | 18 => 0,
            _ => return None,
        };
        out.push(Record {
            at,
            kind,
            vlen,
            size_or_type: u32_at(types, at + 8)?,
        });
        at += 12 + extra;
    }
    Some(out)
}

/// A member of a program array's definition to rewrite.
struct Edit {
    /// Where its record starts in the type section.
    at: usize,
    /// `key` (to `key_size`), else `values` (to `value_size`).
    key: bool,
    /// The size it is to say.
    size: u32,
    /// The element and index types of the definition's `int (*type)[N]`, for new arrays.
    elem: u32,
    index: u32,
    /// The definition's size.
    struct_size: u32,
}

/// The .BTF blob with the `key` and `values` members of each program array that has
/// `values` turned into `key_size` and `value_size`; None if there is nothing to rewrite.
fn rewrite(btf: &[u8]) -> Option<Vec<u8>> {
    if btf.get(..2)? != [0x9f, 0xeb] {
        return None;
    }
    let hdr_len = u32_at(btf, 4)? as usize;
    let (type_off, type_len) = (u32_at(btf, 8)? as usize, u32_at(btf, 12)? as usize);
    let (str_off, str_len) = (u32_at(btf, 16)? as usize, u32_at(btf, 20)? as usize);
    let types_at = hdr_len.checked_add(type_off)?;
    let mut types = btf.get(types_at..types_at.checked_add(type_len)?)?.to_vec();
    let strs_at = hdr_len.checked_add(str_off)?;
    let mut strings = btf.get(strs_at..strs_at.checked_add(str_len)?)?.to_vec();
    let recs = records(&types)?;
    let get = |id: u32| recs.get(usize::try_from(id).ok()?.checked_sub(1)?);
    let name = |off: u32| {
        let tail = strings.get(off as usize..)?;
        Some(&tail[..tail.iter().position(|b| *b == 0)?])
    };
    let see_through = |mut id: u32| {
        for _ in 0..32 {
            match get(id)? {
                r if matches!(
                    r.kind,
                    KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
                ) =>
                {
                    id = r.size_or_type
                }
                _ => return Some(id),
            }
        }
        None
    };
    // `int (*name)[N]`: N, and the array's element and index types.
    let uint = |ptr: u32| {
        let array = get(get(ptr).filter(|r| r.kind == KIND_PTR)?.size_or_type)?;
        (array.kind == KIND_ARRAY).then_some(())?;
        let elem = u32_at(&types, array.at + 12)?;
        let index = u32_at(&types, array.at + 16)?;
        Some((u32_at(&types, array.at + 20)?, elem, index))
    };
    // `typeof(T) *name`: the size of T.
    let sized = |ptr: u32| {
        let target = see_through(get(ptr).filter(|r| r.kind == KIND_PTR)?.size_or_type)?;
        let r = get(target)?;
        matches!(
            r.kind,
            KIND_INT | KIND_STRUCT | KIND_UNION | KIND_ENUM | KIND_ENUM64
        )
        .then_some(r.size_or_type)
    };
    let mut edits: Vec<Edit> = Vec::new();
    for datasec in recs.iter().filter(|r| r.kind == KIND_DATASEC) {
        if name(u32_at(&types, datasec.at)?)? != b".maps" {
            continue;
        }
        for v in 0..datasec.vlen {
            let var = get(u32_at(&types, datasec.at + 12 + 12 * v)?)?;
            let def = get(see_through(var.size_or_type)?)?;
            if var.kind != KIND_VAR || def.kind != KIND_STRUCT {
                continue;
            }
            let member = |m: usize| def.at + 12 + 12 * m;
            let named = |m: usize| name(u32_at(&types, member(m))?);
            let Some(kind) = (0..def.vlen).find(|m| named(*m) == Some(b"type")) else {
                continue;
            };
            // Another map's odd `type` is aya's to judge: skip it, do not give up on all.
            let Some((map_type, elem, index)) = uint(u32_at(&types, member(kind) + 4)?) else {
                continue;
            };
            // Only a definition aya cannot parse is rewritten: one with `values`.
            if map_type != BPF_MAP_TYPE_PROG_ARRAY
                || !(0..def.vlen).any(|m| named(m) == Some(b"values"))
            {
                continue;
            }
            for m in 0..def.vlen {
                let ty = u32_at(&types, member(m) + 4)?;
                let (key, size) = match named(m)? {
                    b"key" => (true, sized(ty)?),
                    b"values" => (false, 4),
                    _ => continue,
                };
                edits.push(Edit {
                    at: member(m),
                    key,
                    size,
                    elem,
                    index,
                    struct_size: def.size_or_type,
                });
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    // New strings and, per edit, a new `int [size]` and a pointer to it.
    let mut name_of = |text: &[u8]| {
        let off = strings.len() as u32;
        strings.extend_from_slice(text);
        strings.push(0);
        off
    };
    let (key_size, value_size) = (name_of(b"key_size"), name_of(b"value_size"));
    let mut next_id = recs.len() as u32 + 1;
    let mut appended = Vec::new();
    for Edit {
        at,
        key,
        size,
        elem,
        index,
        struct_size,
    } in edits
    {
        let (array, ptr) = (next_id, next_id + 1);
        next_id += 2;
        for word in [0, KIND_ARRAY << 24, 0, elem, index, size] {
            appended.extend_from_slice(&word.to_le_bytes());
        }
        for word in [0, KIND_PTR << 24, array] {
            appended.extend_from_slice(&word.to_le_bytes());
        }
        let name = if key { key_size } else { value_size };
        types
            .get_mut(at..at + 4)?
            .copy_from_slice(&name.to_le_bytes());
        types
            .get_mut(at + 4..at + 8)?
            .copy_from_slice(&ptr.to_le_bytes());
        // `values` (size 0) ends the struct: the pointer that replaces it would run past
        // the struct's end (the kernel refuses that BTF), so it sits on the member before.
        let last = struct_size.checked_sub(8)?.checked_mul(8)?;
        let bits = u32_at(&types, at + 8)?.min(last);
        types
            .get_mut(at + 8..at + 12)?
            .copy_from_slice(&bits.to_le_bytes());
    }
    types.extend_from_slice(&appended);
    let mut header = btf.get(..hdr_len)?.to_vec();
    let words = [0, types.len(), types.len(), strings.len()];
    for (i, word) in words.into_iter().enumerate() {
        header
            .get_mut(8 + 4 * i..12 + 4 * i)?
            .copy_from_slice(&u32::try_from(word).ok()?.to_le_bytes());
    }
    Some([header, types, strings].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_without_static_program_arrays_go_to_aya_unchanged() {
        // The bundled object's program array has `key` and `value`, no `values`.
        assert!(!super::super::object::BUNDLED_OBJECT.is_empty());
        assert!(for_aya(super::super::object::BUNDLED_OBJECT).is_none());
        assert!(for_aya(b"not an ELF").is_none());
        assert!(rewrite(&[0x9f, 0xeb, 1, 0, 24, 0, 0, 0]).is_none());
    }

    /// A .BTF blob: a map definition `{ type: PROG_ARRAY, key: u32 *, values: [] }` in
    /// DATASEC .maps.
    fn prog_array_btf() -> Vec<u8> {
        let strings = b"\0int\0type\0key\0values\0jmp\0.maps\0";
        let at = |s: &str| {
            let s = format!("\0{s}\0");
            strings
                .windows(s.len())
                .position(|w| w == s.as_bytes())
                .unwrap() as u32
                + 1
        };
        let records: [&[u32]; 11] = [
            &[at("int"), KIND_INT << 24, 4, 32], // 1: int
            &[0, KIND_ARRAY << 24, 0, 1, 1, 3],  // 2: int[3] (PROG_ARRAY)
            &[0, KIND_PTR << 24, 2],             // 3: int (*)[3]
            &[0, KIND_PTR << 24, 1],             // 4: int *
            &[0, KIND_ARRAY << 24, 0, 4, 1, 0],  // 5: int *[0]
            &[0, KIND_STRUCT << 24 | 3, 16],     // 6: the definition, its members:
            &[at("type"), 3, 0],
            &[at("key"), 4, 64],
            &[at("values"), 5, 128],
            &[at("jmp"), KIND_VAR << 24, 6, 1], // 7
            &[at(".maps"), KIND_DATASEC << 24 | 1, 0, 7, 0, 24], // 8
        ];
        let words = records.concat();
        let types: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut blob = vec![0x9f, 0xeb, 1, 0];
        for word in [
            24,
            0,
            types.len() as u32,
            types.len() as u32,
            strings.len() as u32,
        ] {
            blob.extend(word.to_le_bytes());
        }
        blob.extend(types);
        blob.extend(strings);
        blob
    }

    #[test]
    fn a_program_arrays_key_and_values_become_sizes() {
        let btf = rewrite(&prog_array_btf()).expect("rewritten");
        let parsed = crate::values::btf::Btf::parse(&btf).unwrap();
        // The definition's members: key_size and value_size now, each `int (*)[4]`, the
        // last one inside the struct.
        assert_eq!(parsed.map_member_offset("jmp", "key_size"), Some(8));
        assert_eq!(parsed.map_member_offset("jmp", "value_size"), Some(8));
        assert_eq!(parsed.map_member_offset("jmp", "values"), None);
        let types = &btf[24..24 + u32_at(&btf, 12).unwrap() as usize];
        let recs = records(types).unwrap();
        assert_eq!(recs.len(), 8 + 4, "an array and a pointer per member");
        assert_eq!(u32_at(types, recs[8].at + 20), Some(4), "key_size 4");
        assert_eq!(u32_at(types, recs[10].at + 20), Some(4), "value_size 4");
        // Every truncation is refused, none panics.
        let blob = prog_array_btf();
        for len in 0..blob.len() {
            assert!(rewrite(&blob[..len]).is_none(), "{len}");
        }
    }
}
