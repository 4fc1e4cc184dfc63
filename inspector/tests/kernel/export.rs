//! `mapinspect export` as a daemon on the real kernel: maps created by bpftool (a foreign
//! owner) under a per-test bpffs directory, the real binary serving /metrics on loopback,
//! scraped over HTTP, checked with promtool, and scraped by a real Prometheus server.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use inspector::maps::possible_cpus;

use crate::util;

/// A per-test bpffs directory, and names for the maps in it (unique per process and test).
struct Pins {
    dir: PathBuf,
    prefix: String,
}

impl Pins {
    fn new(test: &str) -> Self {
        if !std::fs::read_to_string("/proc/mounts")
            .is_ok_and(|m| m.lines().any(|l| l.contains(" /sys/fs/bpf bpf ")))
        {
            run("mount", &["-t", "bpf", "bpf", "/sys/fs/bpf"]);
        }
        let dir = Path::new("/sys/fs/bpf").join(format!(
            "mapinspect-test-{}-export-{test}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Map names hold 15 characters: the pid and the test's first letters.
        let prefix = format!("mx{}{}_", std::process::id(), &test[..2]);
        Self { dir, prefix }
    }

    fn name(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    fn glob(&self) -> String {
        format!("{}*", self.prefix)
    }

    /// `bpftool map create` (bpftool owns the map; mapinspect finds it as any other tool's).
    fn create(&self, short: &str, spec: &[&str]) -> PathBuf {
        let pin = self.dir.join(short);
        let name = self.name(short);
        let mut args = vec!["map", "create", pin.to_str().unwrap()];
        args.extend(spec);
        args.extend(["name", name.as_str()]);
        run("bpftool", &args);
        pin
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (installed by scripts/test.sh): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `bpftool map update`, bytes in decimal.
fn update(pin: &Path, key: &[u8], value: &[u8]) {
    let bytes = |b: &[u8]| b.iter().map(u8::to_string).collect::<Vec<_>>();
    let mut args = vec!["map".to_string(), "update".into(), "pinned".into()];
    args.push(pin.to_str().unwrap().into());
    args.push("key".into());
    args.extend(bytes(key));
    args.push("value".into());
    args.extend(bytes(value));
    run(
        "bpftool",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build()
}

/// Status, content type and body of a request.
fn request(method: &str, url: &str, accept: Option<&str>) -> (u16, String, String) {
    let mut req = agent().request(method, url);
    if let Some(accept) = accept {
        req = req.set("Accept", accept);
    }
    let response = match req.call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(err) => panic!("{method} {url}: {err}"),
    };
    let status = response.status();
    let kind = response.header("content-type").unwrap_or("").to_string();
    (status, kind, response.into_string().unwrap())
}

/// A running `mapinspect export`, killed on drop.
struct Exporter {
    child: Option<Child>,
    base: String,
}

impl Exporter {
    fn start(args: &[&str]) -> Self {
        let listen = format!("127.0.0.1:{}", free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_mapinspect"))
            .args(["export", "--listen", &listen])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut exporter = Self {
            child: Some(child),
            base: format!("http://{listen}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(&listen).is_ok() {
                return exporter;
            }
            let child = exporter.child.as_mut().unwrap();
            if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                let output = exporter.child.take().unwrap().wait_with_output().unwrap();
                panic!(
                    "mapinspect export {args:?} did not start: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn metrics(&self) -> String {
        let (status, _, body) = request("GET", &format!("{}/metrics", self.base), None);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Sends `signal` and returns how the process ended.
    fn stop(mut self, signal: i32) -> Output {
        let child = self.child.take().unwrap();
        // SAFETY: kill(2) on our own child's pid, which has not been reaped yet.
        let sent = unsafe { libc::kill(child.id() as i32, signal) };
        assert_eq!(sent, 0);
        child.wait_with_output().unwrap()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The value of the sample of `family` whose labels include all of `labels`.
fn sample(text: &str, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<f64> = samples(text, family, labels);
    assert!(
        found.len() <= 1,
        "{family} {labels:?} is ambiguous:\n{text}"
    );
    found.first().copied()
}

fn samples(text: &str, family: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    text.lines()
        .filter(|line| {
            line.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|line| {
            labels
                .iter()
                .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect()
}

/// Labels that pick a map by name.
fn name(map: &str) -> [(&str, &str); 1] {
    [("name", map)]
}

fn memlock_by_bpftool(pin: &Path) -> f64 {
    let output = run(
        "bpftool",
        &["map", "show", "pinned", pin.to_str().unwrap(), "-j"],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["bytes_memlock"].as_f64().expect("bytes_memlock")
}

/// A hash (3 entries), an array (2 of 8 slots set), a per-CPU hash, a queue and a ring buffer.
fn known_maps(pins: &Pins) -> (PathBuf, PathBuf) {
    let hash = pins.create(
        "h",
        &["type", "hash", "key", "4", "value", "8", "entries", "16"],
    );
    for key in 1u32..=3 {
        update(
            &hash,
            &key.to_le_bytes(),
            &u64::from(key * 11).to_le_bytes(),
        );
    }
    let array = pins.create(
        "a",
        &["type", "array", "key", "4", "value", "4", "entries", "8"],
    );
    update(&array, &2u32.to_le_bytes(), &5u32.to_le_bytes());
    update(&array, &6u32.to_le_bytes(), &9u32.to_le_bytes());
    let percpu = pins.create(
        "p",
        &[
            "type",
            "percpu_hash",
            "key",
            "4",
            "value",
            "4",
            "entries",
            "8",
        ],
    );
    update(&percpu, &7u32.to_le_bytes(), &3u32.to_le_bytes());
    pins.create(
        "q",
        &["type", "queue", "key", "0", "value", "4", "entries", "8"],
    );
    pins.create(
        "r",
        &[
            "type", "ringbuf", "key", "0", "value", "0", "entries", "4096",
        ],
    );
    (hash, array)
}

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
fn a_reading_is_reused_for_cache_for() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    let pins = Pins::new("cache");
    let hash = pins.create(
        "h",
        &["type", "hash", "key", "4", "value", "8", "entries", "16"],
    );
    update(&hash, &1u32.to_le_bytes(), &1u64.to_le_bytes());
    let h = pins.name("h");
    let exporter = Exporter::start(&["--pin", hash.to_str().unwrap(), "--cache-for", "600"]);
    assert_eq!(
        sample(
            &exporter.metrics(),
            "mapinspect_map_entries",
            &[("name", &h)]
        ),
        Some(1.0)
    );
    update(&hash, &2u32.to_le_bytes(), &2u64.to_le_bytes());
    // Within --cache-for the count is the cached one.
    assert_eq!(
        sample(
            &exporter.metrics(),
            "mapinspect_map_entries",
            &[("name", &h)]
        ),
        Some(1.0)
    );
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

/// A Prometheus server (Debian's package) on loopback with its own config and storage,
/// killed and removed on drop.
struct Prometheus {
    child: Child,
    dir: PathBuf,
    base: String,
}

impl Prometheus {
    fn start(target: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("mapinspect-test-{}-prometheus", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: mapinspect\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let listen = format!("127.0.0.1:{}", free_port());
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={listen}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian's prometheus package, installed by scripts/test.sh)");
        Self {
            child,
            dir,
            base: format!("http://{listen}"),
        }
    }

    /// The query's first result value, once there is one.
    fn query(&self, query: &str) -> Option<String> {
        let response = agent()
            .get(&format!("{}/api/v1/query", self.base))
            .query("query", query)
            .call()
            .ok()?;
        let json: serde_json::Value = serde_json::from_str(&response.into_string().ok()?).ok()?;
        json["data"]["result"][0]["value"][1]
            .as_str()
            .map(str::to_string)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
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
