//! One ring buffer record read as the type the user named (`--value-type`) or the object's
//! BTF gave the ring (a map definition that names a value type: aya-ebpf's `RingBuf<T>`
//! records `T` there; C rings usually name none). Records carry no type of their own, so
//! a record is decoded only when it is at least as long as the type: a shorter one stays
//! hex, with its length beside the type's; a longer one shows its prefix decoded and how
//! much follows.
use super::{
    Layout,
    decode::{self, Value},
    render::{self, Style},
};

/// What one record reads as.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// The type's bytes decoded; `tail` bytes of the record follow them.
    Decoded { value: Value, tail: usize },
    /// The record is `len` bytes, fewer than the type's: only its bytes can be shown.
    Short { bytes: Vec<u8>, len: usize },
}

/// Reads a record of `len` bytes, of which `kept` are at hand (its start), as `layout`.
pub fn read(layout: &Layout, kept: &[u8], len: usize) -> Record {
    let size = layout.size();
    if len < size || kept.len() < size {
        return Record::Short {
            bytes: kept.to_vec(),
            len,
        };
    }
    Record::Decoded {
        value: decode::decode(layout, &kept[..size]),
        tail: len - size,
    }
}

impl Record {
    /// One line: the decoded value (and the tail's length), or why not and the hex.
    pub fn line(&self, layout: &Layout, style: Style) -> String {
        match self {
            Self::Decoded { value, tail: 0 } => value.render(style),
            Self::Decoded { value, tail } => {
                format!("{} (+{} more)", value.render(style), render::bytes(*tail))
            }
            Self::Short { bytes, len } => {
                let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let (name, size) = (layout.type_name(), render::bytes(layout.size()));
                // The reason first: a narrow cell cuts the hex, not the why.
                let why = if *len < layout.size() {
                    format!("{}, shorter than {name}'s {size}", render::bytes(*len))
                } else {
                    format!("{}, of which {} kept", render::bytes(*len), hex.len())
                };
                format!("{why}: {}", hex.join(" "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{Field, typespec};

    fn event() -> Layout {
        Layout::Struct {
            name: "event".into(),
            size: 8,
            fields: vec![
                Field::new("pid", 0, Layout::int(4, false)),
                Field::new("uid", 32, Layout::int(4, false)),
            ],
        }
    }

    fn bytes(pid: u32, uid: u32) -> Vec<u8> {
        [pid.to_ne_bytes(), uid.to_ne_bytes()].concat()
    }

    #[test]
    fn a_record_of_the_type_size_is_decoded_whole() {
        let record = read(&event(), &bytes(42, 1000), 8);
        assert_eq!(
            record.line(&event(), Style::default()),
            "{pid: 42, uid: 1000}"
        );
    }

    #[test]
    fn a_longer_record_shows_its_decoded_prefix_and_the_tail_length() {
        let mut kept = bytes(7, 0);
        kept.extend([0xaa; 4]);
        let record = read(&event(), &kept, 12);
        assert_eq!(
            record,
            Record::Decoded {
                value: decode::decode(&event(), &bytes(7, 0)),
                tail: 4
            }
        );
        assert!(
            record
                .line(&event(), Style::default())
                .ends_with("(+4 bytes more)")
        );
    }

    #[test]
    fn a_shorter_record_stays_hex_and_says_why() {
        let record = read(&event(), &[1, 2, 3], 3);
        assert!(matches!(record, Record::Short { len: 3, .. }));
        let line = record.line(&event(), Style::default());
        assert_eq!(
            line,
            "3 bytes, shorter than struct event's 8 bytes: 01 02 03"
        );
    }

    #[test]
    fn a_record_cut_short_in_memory_is_not_decoded_from_missing_bytes() {
        // 8 bytes long, but only 4 were kept: never decode bytes that are not there.
        let record = read(&event(), &[1, 0, 0, 0], 8);
        assert!(matches!(record, Record::Short { len: 8, .. }));
    }

    #[test]
    fn a_value_type_spec_reads_records_too() {
        let layout = typespec::parse("u32[2]").unwrap();
        let record = read(&layout, &bytes(5, 6), 8);
        assert_eq!(record.line(&layout, Style::default()), "[5, 6]");
    }
}
