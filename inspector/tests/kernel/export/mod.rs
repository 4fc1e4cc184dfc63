//! `mapinspect export` as a daemon on the real kernel: maps created by bpftool (a foreign
//! owner) under a per-test bpffs directory, the real binary serving /metrics on loopback,
//! scraped over HTTP, checked with promtool, and scraped by a real Prometheus server.

mod families;
mod harness;

use std::{
    net::TcpListener,
    process::Command,
    thread,
    time::{Duration, Instant},
};

use harness::*;

use crate::util;

#[test]
fn a_map_removed_between_scrapes_drops_out() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("removed");
    pins.create(
        "k",
        &["type", "hash", "key", "4", "value", "4", "entries", "4"],
    );
    let gone = pins.create(
        "g",
        &["type", "array", "key", "4", "value", "4", "entries", "4"],
    );
    let (k, g) = (pins.name("k"), pins.name("g"));
    let all = Exporter::start(&["--map", &pins.glob(), "--cache-for", "600"]);
    let one = Exporter::start(&["--pin", gone.to_str().unwrap()]);
    let text = all.metrics();
    assert!(
        sample(&text, "mapinspect_map_max_entries", &[("name", &g)]).is_some(),
        "{text}"
    );
    assert_eq!(
        sample(
            &one.metrics(),
            "mapinspect_map_max_entries",
            &[("name", &g)]
        ),
        Some(4.0)
    );

    // Unpinned and held by no one: the kernel frees it.
    std::fs::remove_file(&gone).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = all.metrics();
        if !text.contains(&g) || Instant::now() > deadline {
            break text;
        }
        thread::sleep(Duration::from_millis(100));
    };
    assert!(!text.contains(&g), "{g} is gone:\n{text}");
    assert!(
        sample(&text, "mapinspect_map_max_entries", &[("name", &k)]).is_some(),
        "{text}"
    );
    // A --pin that is gone: no map, and the source reported down (the server keeps serving).
    let text = one.metrics();
    assert!(!text.contains(&g), "{text}");
    assert_eq!(
        sample(&text, "mapinspect_source_up", &[]),
        Some(0.0),
        "{text}"
    );
}

#[test]
fn a_busy_port_fails_at_start_with_a_clear_message() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_mapinspect"))
        .args(["export", "--listen", &addr])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{addr} is in use")), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_requests_get_404_and_405_and_signals_end_it_with_exit_0() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let exporter = Exporter::start(&[]);
        assert_eq!(
            request("GET", &format!("{}/nope", exporter.base), None).0,
            404
        );
        assert_eq!(
            request("POST", &format!("{}/metrics", exporter.base), None).0,
            405
        );
        assert_eq!(
            request("DELETE", &format!("{}/metrics", exporter.base), None).0,
            405
        );
        assert_eq!(
            request("GET", &format!("{}/metrics", exporter.base), None).0,
            200
        );
        let output = exporter.stop(signal);
        assert!(
            output.status.success(),
            "signal {signal}: {:?} {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn a_real_prometheus_scrapes_the_filled_count() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("prometheus");
    let hash = pins.create(
        "h",
        &["type", "hash", "key", "4", "value", "8", "entries", "64"],
    );
    for key in 1u32..=17 {
        update(&hash, &key.to_le_bytes(), &u64::from(key).to_le_bytes());
    }
    let h = pins.name("h");
    let exporter = Exporter::start(&["--pin", hash.to_str().unwrap(), "--cache-for", "0"]);
    let prometheus = Prometheus::start(exporter.base.trim_start_matches("http://"));
    let query = format!("mapinspect_map_entries{{name=\"{h}\"}}");
    // Prometheus needs a few seconds to start and scrape once (every second here).
    let deadline = Instant::now() + Duration::from_secs(90);
    let value = loop {
        if let Some(value) = prometheus.query(&query) {
            break value;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never returned {query}"
        );
        thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(value, "17");
    assert_eq!(
        prometheus.query("up{job=\"mapinspect\"}").as_deref(),
        Some("1")
    );
    let ratio = prometheus.query(&format!("mapinspect_map_fill_ratio{{name=\"{h}\"}}"));
    assert_eq!(ratio.as_deref(), Some("0.265625"));
}
