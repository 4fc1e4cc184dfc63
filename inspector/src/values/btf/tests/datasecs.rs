//! Global sections (DATASEC): one with no variables, and the sizes and offsets an object
//! file leaves to the loader.
use super::Builder;
use crate::values::{Field, Layout, btf::parse};

#[test]
fn a_section_with_no_variables_shows_its_bytes() {
    // A .rodata of string literals only: clang lists no variable in it.
    let mut b = Builder::new();
    let rodata = b.add_type(".rodata", 15, 0, false, 6, &[]);
    let btf = parse(&b.finish()).unwrap();
    assert_eq!(btf.layout(rodata), Ok(Layout::Bytes { size: 6 }));
}

#[test]
fn an_objects_sections_get_their_sizes_and_offsets_from_the_elf() {
    // As clang writes them: sizes 0, and the variable's offset 0 until the loader sets it.
    let mut b = Builder::new();
    let u64_ = b.add_int("u64", 8, 0);
    let var = b.add_type("counter", 14, 0, false, u64_, &[1]);
    let data = b.add_type(".data", 15, 1, false, 0, &[var, 0, 8]);
    let rodata = b.add_type(".rodata", 15, 0, false, 0, &[]);
    let mut btf = parse(&b.finish()).unwrap();
    btf.fix_datasecs(
        |section| match section {
            ".data" => Some(16),
            ".rodata" => Some(5),
            _ => None,
        },
        |symbol| (symbol == "counter").then_some(8),
    );
    assert_eq!(
        btf.layout(data),
        Ok(Layout::Struct {
            name: ".data".into(),
            size: 16,
            fields: vec![Field::new("counter", 64, Layout::int(8, false))],
        })
    );
    assert_eq!(btf.layout(rodata), Ok(Layout::Bytes { size: 5 }));
    assert_eq!(btf.datasec(".rodata"), Some(rodata));
}
