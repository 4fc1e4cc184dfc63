//! mapinspect's BTF reader on any blob: parse, then name and lay out every type, and decode
//! bytes with each layout, as the tables do.
#![no_main]
use inspector::values::{btf::Btf, decode::decode, render::Style};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(btf) = Btf::parse(data) else {
        return;
    };
    let count = u32::try_from(btf.type_count()).unwrap_or(u32::MAX);
    for id in 0..=count.min(4096) {
        let _ = btf.type_name(id);
        if let Ok(layout) = btf.layout(id) {
            // Values this large are never read from a map (the kernel caps them far lower).
            if layout.size() <= 1 << 16 {
                let bytes = vec![0xa5; layout.size()];
                let _ = decode(&layout, &bytes).render(Style { hex: id % 2 == 0 });
            }
        }
    }
    let _ = btf.map_definition("EXECS");
    let _ = btf.find("foreign_key");
});
