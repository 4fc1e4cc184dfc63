//! Each metric family against maps with known contents, the exposition through promtool, the
//! cache and the series cap.
use std::process::{Command, Stdio};

use inspector::maps::possible_cpus;

use super::harness::*;
use crate::util;

#[test]
fn every_family_reports_maps_with_known_contents() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("families");
    let (hash, array) = known_maps(&pins);
    let (h, a, p, q, r) = (
        pins.name("h"),
        pins.name("a"),
        pins.name("p"),
        pins.name("q"),
        pins.name("r"),
    );
    let exporter = Exporter::start(&[
        "--map",
        &pins.glob(),
        "--entries",
        &h,
        "--entries",
        &p,
        "--cache-for",
        "0",
    ]);
    let text = exporter.metrics();
    let info = [
        ("name", h.as_str()),
        ("type", "hash"),
        ("key_size", "4"),
        ("value_size", "8"),
        ("flags", "0x0"),
    ];
    assert_eq!(
        sample(&text, "mapinspect_map_info", &info),
        Some(1.0),
        "{text}"
    );
    for (map, kind) in [
        (&a, "array"),
        (&p, "percpu_hash"),
        (&q, "queue"),
        (&r, "ringbuf"),
    ] {
        let labels = [("name", map.as_str()), ("type", kind)];
        assert_eq!(
            sample(&text, "mapinspect_map_info", &labels),
            Some(1.0),
            "{kind}\n{text}"
        );
    }
    assert_eq!(
        sample(&text, "mapinspect_map_entries", &name(&h)),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_entries", &name(&a)),
        Some(2.0),
        "non-zero slots"
    );
    assert_eq!(
        sample(&text, "mapinspect_map_entries", &name(&p)),
        Some(1.0)
    );
    // A queue cannot be counted without popping; a ring buffer has no entries.
    assert_eq!(sample(&text, "mapinspect_map_entries", &name(&q)), None);
    assert_eq!(sample(&text, "mapinspect_map_entries", &name(&r)), None);
    assert_eq!(
        sample(
            &text,
            "mapinspect_maps_skipped",
            &[("reason", "not_countable")]
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_max_entries", &name(&h)),
        Some(16.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_max_entries", &name(&q)),
        Some(8.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_fill_ratio", &name(&h)),
        Some(3.0 / 16.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_fill_ratio", &name(&a)),
        Some(2.0 / 8.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_memory_bytes", &name(&h)),
        Some(memlock_by_bpftool(&hash))
    );
    assert_eq!(
        sample(&text, "mapinspect_map_memory_bytes", &name(&a)),
        Some(memlock_by_bpftool(&array))
    );
    assert_eq!(
        sample(&text, "mapinspect_ringbuf_size_bytes", &name(&r)),
        Some(4096.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_ringbuf_size_bytes", &name(&h)),
        None
    );
    // Nothing was written to bpftool's ring: its positions are read, and nothing waits.
    assert_eq!(
        sample(&text, "mapinspect_ringbuf_pending_bytes", &name(&r)),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_ringbuf_pending_bytes", &name(&h)),
        None
    );
    assert_eq!(
        sample(&text, "mapinspect_map_read_errors", &name(&h)),
        Some(0.0)
    );
    assert_eq!(sample(&text, "mapinspect_source_up", &[]), Some(1.0));
    assert!(sample(&text, "mapinspect_scrape_duration_seconds", &[]).is_some_and(|s| s > 0.0));
    // --entries: each entry's number, per CPU for the per-CPU map.
    for key in 1u32..=3 {
        let labels = [
            ("map", h.as_str()),
            ("key", &key.to_string()),
            ("field", "value"),
        ];
        assert_eq!(
            sample(&text, "mapinspect_map_value", &labels),
            Some(f64::from(key * 11)),
            "{text}"
        );
    }
    for cpu in 0..possible_cpus() {
        let labels = [("map", p.as_str()), ("key", "7"), ("cpu", &cpu.to_string())];
        assert_eq!(
            sample(&text, "mapinspect_map_value", &labels),
            Some(3.0),
            "{text}"
        );
    }
    assert_eq!(
        samples(&text, "mapinspect_map_value", &[("map", &a)]),
        Vec::<f64>::new(),
        "not asked for"
    );
    assert_eq!(
        sample(&text, "mapinspect_map_value_series_dropped", &name(&h)),
        Some(0.0)
    );

    // With --cache-for 0 the next scrape sees a new entry.
    update(&hash, &4u32.to_le_bytes(), &44u64.to_le_bytes());
    let text = exporter.metrics();
    assert_eq!(
        sample(&text, "mapinspect_map_entries", &name(&h)),
        Some(4.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_fill_ratio", &name(&h)),
        Some(0.25)
    );
}

#[test]
fn promtool_accepts_the_exposition_in_either_content_type() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("ptool");
    known_maps(&pins);
    let h = pins.name("h");
    let exporter = Exporter::start(&["--map", &pins.glob(), "--entries", &h]);
    let url = format!("{}/metrics", exporter.base);
    let prometheus_accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let (status, kind, open_body) = request("GET", &url, Some(prometheus_accept));
    assert_eq!(
        (status, kind.as_str()),
        (
            200,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
    );
    assert!(open_body.ends_with("# EOF\n"), "{open_body}");
    let (status, kind, body) = request("GET", &url, None);
    assert_eq!(
        (status, kind.as_str()),
        (200, "text/plain; version=0.0.4; charset=utf-8")
    );
    for body in [open_body, body] {
        let mut promtool = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("promtool (Debian's prometheus package, installed by scripts/test.sh)");
        use std::io::Write as _;
        promtool
            .stdin
            .take()
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        let output = promtool.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "promtool: {}{}\n{body}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn hash_counts_come_from_the_kernel_and_readings_are_reused_for_cache_for() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("cache");
    let hash = pins.create(
        "h",
        &["type", "hash", "key", "4", "value", "8", "entries", "16"],
    );
    let array = pins.create(
        "a",
        &["type", "array", "key", "4", "value", "8", "entries", "16"],
    );
    update(&hash, &1u32.to_le_bytes(), &1u64.to_le_bytes());
    update(&array, &1u32.to_le_bytes(), &1u64.to_le_bytes());
    let (h, a) = (pins.name("h"), pins.name("a"));
    let exporter = Exporter::start(&["--map", &pins.glob(), "--cache-for", "600"]);
    let entries =
        |text: &str, name: &str| sample(text, "mapinspect_map_entries", &[("name", name)]);
    let first = exporter.metrics();
    assert_eq!(entries(&first, &h), Some(1.0), "{first}");
    assert_eq!(entries(&first, &a), Some(1.0), "{first}");
    update(&hash, &2u32.to_le_bytes(), &2u64.to_le_bytes());
    update(&array, &2u32.to_le_bytes(), &2u64.to_le_bytes());
    let second = exporter.metrics();
    // The hash is counted by the kernel's counter at every scrape, at no cost: never stale.
    assert_eq!(entries(&second, &h), Some(2.0), "{second}");
    // An array is counted by reading it (its non-zero slots): within --cache-for, the
    // cached reading.
    assert_eq!(entries(&second, &a), Some(1.0), "{second}");
}

#[test]
fn the_series_cap_is_kept_and_reported() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("cap");
    let hash = pins.create(
        "h",
        &["type", "hash", "key", "4", "value", "8", "entries", "16"],
    );
    for key in 1u32..=12 {
        update(&hash, &key.to_le_bytes(), &u64::from(key).to_le_bytes());
    }
    let h = pins.name("h");
    let exporter = Exporter::start(&[
        "--pin",
        hash.to_str().unwrap(),
        "--entries",
        &h,
        "--max-series",
        "5",
    ]);
    let text = exporter.metrics();
    let values = samples(&text, "mapinspect_map_value", &[("map", &h)]);
    assert_eq!(values.len(), 5, "{text}");
    assert!(
        values.iter().all(|v| (1.0..=12.0).contains(v)),
        "{values:?}"
    );
    assert_eq!(
        sample(
            &text,
            "mapinspect_map_value_series_dropped",
            &[("name", &h)]
        ),
        Some(7.0)
    );
    assert_eq!(
        sample(&text, "mapinspect_map_entries", &[("name", &h)]),
        Some(12.0),
        "the count is not capped"
    );
}

#[test]
fn a_program_owned_map_names_its_owner_and_decodes_entries_from_btf() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("owned");
    let pin = load_foreign_object(&pins);
    // foreign_key { who { pid 42, port 8080 }, BLUE, "getppid" } -> { hits 5, last_ns 9 }.
    let mut key = 42u32.to_le_bytes().to_vec();
    key.extend([0x90, 0x1f, 0, 0, 7, 0, 0, 0]);
    key.extend(b"getppid\0");
    let mut value = 5u64.to_le_bytes().to_vec();
    value.extend(9u64.to_le_bytes());
    update(&pin, &key, &value);
    let exporter = Exporter::start(&["--pin", pin.to_str().unwrap(), "--entries", "foreign_hits"]);
    let text = exporter.metrics();
    let info = text
        .lines()
        .find(|l| l.starts_with("mapinspect_map_info{") && l.contains("name=\"foreign_hits\""))
        .unwrap_or_else(|| panic!("foreign_hits info in\n{text}"));
    assert!(
        info.contains("owner_programs=\"count_getppid (prog "),
        "{info}"
    );
    let hits = [("map", "foreign_hits"), ("field", "hits")];
    assert_eq!(
        sample(&text, "mapinspect_map_value", &hits),
        Some(5.0),
        "{text}"
    );
    let last = [("map", "foreign_hits"), ("field", "last_ns")];
    assert_eq!(
        sample(&text, "mapinspect_map_value", &last),
        Some(9.0),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("mapinspect_map_value{") && l.contains("field=\"hits\""))
        .unwrap();
    // The key as the TUI shows it: struct fields, the enum's name, the text.
    for part in ["pid: 42", "port: 8080", "BLUE", "getppid"] {
        assert!(line.contains(part), "{part} in {line}");
    }
}
