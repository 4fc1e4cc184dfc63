//! What the export tests share: a per-test bpffs directory with maps bpftool creates, the
//! exporter and a Prometheus server as child processes (killed on drop), HTTP requests, and
//! a reader of samples in the exposition text.
use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

/// A per-test bpffs directory, and names for the maps in it (unique per process and test).
pub struct Pins {
    pub dir: PathBuf,
    prefix: String,
}

impl Pins {
    pub fn new(test: &str) -> Self {
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

    pub fn name(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    pub fn glob(&self) -> String {
        format!("{}*", self.prefix)
    }

    /// `bpftool map create` (bpftool owns the map; mapinspect finds it as any other tool's).
    pub fn create(&self, short: &str, spec: &[&str]) -> PathBuf {
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

pub use crate::util::run;

/// `bpftool map update`, bytes in decimal.
pub fn update(pin: &Path, key: &[u8], value: &[u8]) {
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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build()
}

/// Status, content type and body of a request.
pub fn request(method: &str, url: &str, accept: Option<&str>) -> (u16, String, String) {
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
pub struct Exporter {
    child: Option<Child>,
    pub base: String,
}

impl Exporter {
    pub fn start(args: &[&str]) -> Self {
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

    pub fn metrics(&self) -> String {
        let (status, _, body) = request("GET", &format!("{}/metrics", self.base), None);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Sends `signal` and returns how the process ended.
    pub fn stop(mut self, signal: i32) -> Output {
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
pub fn sample(text: &str, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<f64> = samples(text, family, labels);
    assert!(
        found.len() <= 1,
        "{family} {labels:?} is ambiguous:\n{text}"
    );
    found.first().copied()
}

pub fn samples(text: &str, family: &str, labels: &[(&str, &str)]) -> Vec<f64> {
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
pub fn name(map: &str) -> [(&str, &str); 1] {
    [("name", map)]
}

pub fn memlock_by_bpftool(pin: &Path) -> f64 {
    let output = run(
        "bpftool",
        &["map", "show", "pinned", pin.to_str().unwrap(), "-j"],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["bytes_memlock"].as_f64().expect("bytes_memlock")
}

/// A hash (3 entries), an array (2 of 8 slots set), a per-CPU hash, a queue and a ring buffer.
pub fn known_maps(pins: &Pins) -> (PathBuf, PathBuf) {
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

/// A Prometheus server (Debian's package) on loopback with its own config and storage,
/// killed and removed on drop.
pub struct Prometheus {
    child: Child,
    pub dir: PathBuf,
    pub base: String,
}

impl Prometheus {
    pub fn start(target: &str) -> Self {
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
    pub fn query(&self, query: &str) -> Option<String> {
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

/// tests/fixtures/foreign.bpf.c, built by Debian's clang, loaded by bpftool with its maps
/// pinned under the test's directory; returns the pin of its map `foreign_hits`, whose
/// key and value are structs described by BTF.
pub fn load_foreign_object(pins: &Pins) -> PathBuf {
    let build = std::env::temp_dir().join(format!(
        "mapinspect-test-{}-export-foreign",
        std::process::id()
    ));
    std::fs::create_dir_all(&build).unwrap();
    let object = crate::util::build_c_fixture("foreign", &build);
    let maps = pins.dir.join("maps");
    crate::util::bpftool_loadall(&object, &pins.dir.join("progs"), &maps);
    let _ = std::fs::remove_dir_all(&build);
    maps.join("foreign_hits")
}
