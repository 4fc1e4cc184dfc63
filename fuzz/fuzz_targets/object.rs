//! An eBPF object as a user hands it over: mapinspect's own checks, then everything aya does
//! with it before the kernel (parse, BTF fix-ups, call relocation). Any panic past the
//! checks is a finding: mapinspect contains it, but the checks should have refused it.
#![no_main]
use std::collections::HashSet;

use aya_obj::{Features, Object, btf::BtfFeatures};
use inspector::loader::{object_btf, object_file, untrusted};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if object_file::check_header(data).is_err() || untrusted::check_structure(data).is_err() {
        return;
    }
    // mapinspect's own reader of the object's BTF.
    let _ = object_btf(data);
    let Ok(mut object) = Object::parse(data) else {
        return;
    };
    let _ = object.fixup_and_sanitize_btf(&BtfFeatures::default());
    let text: HashSet<usize> = object.functions.keys().map(|(section, _)| *section).collect();
    let _ = object.relocate_calls(&text);
    object.sanitize_functions(&Features::default());
});
