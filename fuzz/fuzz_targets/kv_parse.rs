//! The key/value parsers: a `--key-type` string (first line), then one input per leaf
//! (tab-separated) encoded into bytes, decoded and rendered back.
#![no_main]
use inspector::values::{decode::decode, encode::encode_all, render::Style, typespec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (spec, inputs) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(layout) = typespec::parse(spec) else {
        return;
    };
    let inputs: Vec<&str> = inputs.split('\t').collect();
    if let Ok(bytes) = encode_all(&layout, &inputs) {
        assert_eq!(bytes.len(), layout.size(), "encode_all fills the layout exactly");
        let _ = decode(&layout, &bytes).render(Style { hex: false });
    }
});
