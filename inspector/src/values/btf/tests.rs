//! BTF blobs written by hand, as clang and the kernel lay them out, and what each parses to.
use super::{blob::*, *};
use crate::values::{Field, Layout};
use crate::values::{decode::decode, render::Style};

mod errors;

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
            .flat_map(|&(name, ty, offset, bits)| [self.add_string(name), ty, bits << 24 | offset])
            .collect();
        self.add_type(name, kind, members.len(), kind_flag, size, &extra)
    }
    fn add_array(&mut self, elem: u32, index: u32, len: u32) -> u32 {
        self.add_type("", 3, 0, false, 0, &[elem, index, len])
    }
    fn add_enum(&mut self, name: &str, size: u32, signed: bool, variants: &[(&str, i32)]) -> u32 {
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
    assert_eq!(btf.layout(1), Ok(Layout::int(4, true)));
    assert_eq!(btf.layout(2), Ok(Layout::int(1, false)));
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
            Field::new("execs", 0, Layout::int(8, false)),
            Field::new("opens", 64, Layout::int(8, false)),
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
        Field::new("count", 0, Layout::int(8, false)),
        Field::new("stats", 64, stats),
        Field::new("comm", 192, comm),
        Field::new("kind", 320, kind),
        Field::new("_pad", 352, Layout::int(4, false)),
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
    assert_eq!(btf.layout(constant), Ok(Layout::int(4, false)));
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
    let fields = vec![Field::new("counter", 64, Layout::int(8, false))];
    assert_eq!(
        btf.layout(datasec),
        Ok(Layout::Struct {
            name: ".bss".into(),
            size: 16,
            fields
        })
    );
    assert_eq!(btf.layout(var), Ok(Layout::int(8, false)));
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

mod datasecs;
