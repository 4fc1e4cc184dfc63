//! Apps for the decoding screens: a map whose value is a struct with a union field and an
//! anonymous union (tests/fixtures/decode.bpf.c's `struct record`, smaller), and a `.data`
//! map of global variables decoded from the object's DATASEC.
use std::time::Duration;

use super::{desc, one_map_app, snapshot, u32_key};
use crate::{
    app::App,
    maps::{LayoutSource, MapKind},
    tui::diff::Changes,
    values::{Field, Layout},
};

/// A member `byte_offset` bytes into its struct.
fn field(name: &str, byte_offset: u32, layout: Layout) -> Field {
    Field::new(name, byte_offset * 8, layout)
}

fn chars(len: usize) -> Layout {
    Layout::array(Layout::char(), len)
}

/// union num { u64 big; u16 small[4]; }
fn num() -> Layout {
    Layout::Union {
        name: "num".into(),
        size: 8,
        fields: vec![
            field("big", 0, Layout::int(8, false)),
            field(
                "small",
                0,
                Layout::Array {
                    elem: Box::new(Layout::int(2, false)),
                    len: 4,
                },
            ),
        ],
    }
}

/// struct record { u32 id; union num n; union { u32 ip4; u8 ip6[4]; }; char label[8]; }
fn record() -> Layout {
    let addr = Layout::Union {
        name: String::new(),
        size: 4,
        fields: vec![
            field("ip4", 0, Layout::int(4, false)),
            field(
                "ip6",
                0,
                Layout::Array {
                    elem: Box::new(Layout::int(1, false)),
                    len: 4,
                },
            ),
        ],
    };
    Layout::Struct {
        name: "record".into(),
        size: 28,
        fields: vec![
            field("id", 0, Layout::int(4, false)),
            field("n", 8, num()),
            field("", 16, addr),
            field("label", 20, chars(8)),
        ],
    }
}

pub fn record_value(id: u32, big: u64, ip4: [u8; 4], label: &[u8]) -> Vec<u8> {
    let mut bytes = [id.to_le_bytes(), [0; 4]].concat();
    bytes.extend(big.to_le_bytes());
    bytes.extend(ip4);
    let mut text = label.to_vec();
    text.resize(8, 0);
    bytes.extend(text);
    bytes
}

/// A hash u32 -> struct record: a union field, an anonymous union, a char array with
/// bytes after its NUL.
pub fn union_app() -> App {
    let desc = desc(
        71,
        "dec_records",
        MapKind::Hash,
        Layout::int(4, false),
        record(),
        8,
        0,
    );
    let snap = snapshot(
        &desc,
        &[
            (
                u32_key(7),
                record_value(7, 0x0004_0003_0002_0001, [10, 0, 0, 1], b"cookie"),
            ),
            (u32_key(8), record_value(8, 2, [0; 4], b"ab\0xy")),
        ],
    );
    one_map_app(desc, snap, Changes::default(), Duration::from_secs(1))
}

/// `.data` of an object loaded with --object: int level; char greeting[8]; u64 counter.
pub fn globals_app() -> App {
    let data = Layout::Struct {
        name: ".data".into(),
        size: 24,
        fields: vec![
            field("level", 0, Layout::int(4, true)),
            field("greeting", 4, chars(8)),
            field("counter", 16, Layout::int(8, false)),
        ],
    };
    let mut desc = desc(
        72,
        ".data",
        MapKind::Array,
        Layout::int(4, false),
        data,
        1,
        0,
    );
    desc.layout_source = LayoutSource::ObjectBtf;
    let mut value = (-3i32).to_le_bytes().to_vec();
    value.extend(b"hi\0\0\0\0\0\0");
    value.extend([0; 4]);
    value.extend(42u64.to_le_bytes());
    let snap = snapshot(&desc, &[(u32_key(0), value)]);
    one_map_app(desc, snap, Changes::default(), Duration::from_secs(1))
}
