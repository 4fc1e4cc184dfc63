//! Broken BTF: cycles, blowups, truncations, bad headers and bad types are errors.
use super::*;

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
