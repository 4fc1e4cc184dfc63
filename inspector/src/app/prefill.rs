//! Prefilling a prompt: each leaf of an entry's key or value back into the text that
//! `encode_leaf` reads as the same bytes (what the table shows, field by field).
use crate::{values::Layout, values::decode, values::encode::Leaf, values::render::Style};

/// A leaf's bytes in `bytes`, as an input that reads back to them.
pub fn leaf_text(leaf: &Leaf, bytes: &[u8], style: Style) -> String {
    let size = leaf.layout.size();
    let Some(bits) = leaf.bitfield_bits else {
        let value = decode::decode(&leaf.layout, decode::slice(bytes, leaf.byte_offset, size));
        // A char array whose text would not write back the same bytes (no NUL, bytes after
        // it) is offered as its hex bytes.
        let style = match &value {
            decode::Value::Chars(raw) if !decode::text_is_whole(raw) => Style { hex: true },
            _ => style,
        };
        return value.render(style);
    };
    if bits == 0 || bits > 64 {
        return String::new();
    }
    // A bitfield: its bits, sign-extended for a signed type, decoded as the full type.
    let shift = leaf.bit_offset as usize;
    let covered = decode::slice(bytes, leaf.byte_offset, (shift + bits as usize).div_ceil(8));
    let acc = covered
        .iter()
        .rev()
        .fold(0u128, |acc, &b| acc << 8 | u128::from(b));
    let raw = ((acc >> shift) & ((1u128 << bits) - 1)) as u64;
    let signed = matches!(
        leaf.layout,
        Layout::Int { signed: true, .. } | Layout::Enum { signed: true, .. }
    );
    let raw = if signed && bits < 64 && raw >> (bits - 1) & 1 == 1 {
        raw | !((1u64 << bits) - 1)
    } else {
        raw
    };
    crate::values::decode::decode(&leaf.layout, &raw.to_le_bytes()[..size.min(8)]).render(style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{Field, encode::encode_leaf};

    #[test]
    fn bitfields_prefill_what_decode_shows() {
        // struct { u8 a:3; i8 b:5; }: a = 5, b = -3.
        let layout = Layout::Struct {
            name: "bits".into(),
            size: 1,
            fields: vec![
                Field {
                    name: "a".into(),
                    bit_offset: 0,
                    bitfield_bits: Some(3),
                    layout: Layout::int(1, false),
                },
                Field {
                    name: "b".into(),
                    bit_offset: 3,
                    bitfield_bits: Some(5),
                    layout: Layout::int(1, true),
                },
            ],
        };
        let byte = 5u8 | ((-3i8 as u8) << 3);
        let leaves = layout.leaves();
        let texts: Vec<String> = leaves
            .iter()
            .map(|l| leaf_text(l, &[byte], Style::default()))
            .collect();
        assert_eq!(texts, ["5", "-3"]);
        let mut buf = [0u8];
        for (leaf, text) in leaves.iter().zip(&texts) {
            encode_leaf(leaf, text, &mut buf).unwrap();
        }
        assert_eq!(buf, [byte], "the prefill reads back to the same bits");
    }
}
