//! One scrape's figures as metric families, encoded by prometheus-client's text encoder.
//!
//! Every family is a gauge: prometheus-client writes OpenMetrics only, and an OpenMetrics
//! exposition made of gauges is also valid Prometheus text 0.0.4 (`# EOF` is a comment
//! there), so the same body serves both content types and `promtool check metrics` (which
//! parses 0.0.4) accepts it. Counters would be written as `x_total` under `# TYPE x
//! counter`, which a 0.0.4 parser reads as two families.
use std::{collections::BTreeMap, sync::atomic::AtomicU64, time::Duration};

use prometheus_client::{
    encoding::text::encode,
    metrics::{family::Family, gauge::Gauge},
    registry::Registry,
};

use super::values::ValueSample;

/// What a scrape found out about one map.
#[derive(Clone, Debug, Default)]
pub struct MapFacts {
    pub id: u32,
    pub name: String,
    pub kind: String,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    /// Programs that use the map ("name (prog id)"), where known.
    pub owners: Vec<String>,
    /// `memlock` from the map fd's fdinfo.
    pub memory_bytes: Option<u64>,
    /// `None` where entries cannot be counted or the read failed.
    pub entries: Option<u64>,
    /// Whether the exporter tried to read the map in this scrape and failed.
    pub read_failed: bool,
    /// A ring buffer's data area (its max_entries).
    pub ringbuf_size_bytes: Option<u64>,
    /// A ring buffer's bytes written and not yet consumed, from its read-only mapped
    /// positions (`None` where they could not be read).
    pub ringbuf_pending_bytes: Option<u64>,
    /// `--entries` samples, and how many the series cap left out.
    pub values: Vec<ValueSample>,
    pub values_dropped: u64,
    pub values_wanted: bool,
}

/// Everything one scrape exports.
#[derive(Clone, Debug, Default)]
pub struct Scrape {
    pub maps: Vec<MapFacts>,
    /// Maps whose entries are not exported, by reason.
    pub skipped: BTreeMap<&'static str, u64>,
    /// Whether the maps' source could be opened (a --pin that was removed cannot).
    pub source_up: bool,
    pub duration: Duration,
}

type Labels = Vec<(String, String)>;
type Gauges = Family<Labels, Gauge<f64, AtomicU64>>;

fn gauges(registry: &mut Registry, name: &str, help: &str) -> Gauges {
    let family = Gauges::default();
    registry.register(name, help, family.clone());
    family
}

fn set(family: &Gauges, labels: Labels, value: f64) {
    family.get_or_create(&labels).set(value);
}

fn map_labels(map: &MapFacts) -> Labels {
    vec![
        ("id".into(), map.id.to_string()),
        ("name".into(), map.name.clone()),
        ("type".into(), map.kind.clone()),
    ]
}

/// The OpenMetrics text of a scrape.
pub fn encode_scrape(scrape: &Scrape) -> String {
    let mut registry = Registry::default();
    let r = &mut registry;
    let info = gauges(r, "mapinspect_map_info", "A map's metadata; always 1");
    let entries = gauges(
        r,
        "mapinspect_map_entries",
        "Entries in the map (arrays: non-zero slots)",
    );
    let max_entries = gauges(r, "mapinspect_map_max_entries", "The map's capacity");
    let fill = gauges(
        r,
        "mapinspect_map_fill_ratio",
        "Entries over max_entries, from 0 to 1",
    );
    let memory = gauges(
        r,
        "mapinspect_map_memory_bytes",
        "Memory the kernel charges to the map (memlock in its fdinfo)",
    );
    let ring_size = gauges(
        r,
        "mapinspect_ringbuf_size_bytes",
        "A ring buffer's data area",
    );
    let ring_pending = gauges(
        r,
        "mapinspect_ringbuf_pending_bytes",
        "Bytes a ring buffer holds that its consumer has not read yet",
    );
    let values = gauges(
        r,
        "mapinspect_map_value",
        "A numeric field of a map entry (--entries)",
    );
    let dropped = gauges(
        r,
        "mapinspect_map_value_series_dropped",
        "mapinspect_map_value series left out by --max-series in this scrape",
    );
    let errors = gauges(
        r,
        "mapinspect_map_read_errors",
        "Failed reads of the map in this scrape (0 or 1)",
    );
    let skipped = gauges(
        r,
        "mapinspect_maps_skipped",
        "Maps whose entries this scrape does not export, by reason",
    );
    let source_up = gauges(
        r,
        "mapinspect_source_up",
        "1 when the maps' source (--pin, --map-id, --system, --object) could be opened",
    );
    let duration = gauges(
        r,
        "mapinspect_scrape_duration_seconds",
        "Time this scrape spent reading maps",
    );

    for map in &scrape.maps {
        let labels = map_labels(map);
        let mut info_labels = labels.clone();
        info_labels.extend([
            ("key_size".into(), map.key_size.to_string()),
            ("value_size".into(), map.value_size.to_string()),
            ("flags".into(), format!("{:#x}", map.flags)),
            ("owner_programs".into(), map.owners.join(", ")),
        ]);
        set(&info, info_labels, 1.0);
        set(&max_entries, labels.clone(), f64::from(map.max_entries));
        if let Some(count) = map.entries {
            set(&entries, labels.clone(), count as f64);
            if map.max_entries > 0 {
                let ratio = count as f64 / f64::from(map.max_entries);
                set(&fill, labels.clone(), ratio.min(1.0));
            }
        }
        if let Some(bytes) = map.memory_bytes {
            set(&memory, labels.clone(), bytes as f64);
        }
        if let Some(bytes) = map.ringbuf_size_bytes {
            set(&ring_size, labels.clone(), bytes as f64);
        }
        if let Some(bytes) = map.ringbuf_pending_bytes {
            set(&ring_pending, labels.clone(), bytes as f64);
        }
        if map.entries.is_some() || map.read_failed {
            set(
                &errors,
                labels.clone(),
                f64::from(u8::from(map.read_failed)),
            );
        }
        if map.values_wanted {
            set(&dropped, labels, map.values_dropped as f64);
        }
        for sample in &map.values {
            let mut labels = vec![
                ("map".into(), map.name.clone()),
                ("key".into(), sample.key.clone()),
                ("field".into(), sample.field.clone()),
            ];
            if let Some(cpu) = sample.cpu {
                labels.push(("cpu".into(), cpu.to_string()));
            }
            set(&values, labels, sample.value);
        }
    }
    for (reason, count) in &scrape.skipped {
        set(
            &skipped,
            vec![("reason".into(), (*reason).to_string())],
            *count as f64,
        );
    }
    set(
        &source_up,
        Vec::new(),
        f64::from(u8::from(scrape.source_up)),
    );
    set(&duration, Vec::new(), scrape.duration.as_secs_f64());

    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, &registry);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_scrape() -> Scrape {
        Scrape {
            maps: vec![MapFacts {
                id: 7,
                name: "conns".into(),
                kind: "hash".into(),
                key_size: 4,
                value_size: 8,
                max_entries: 8,
                flags: 1,
                owners: vec!["count (prog 3)".into()],
                memory_bytes: Some(4096),
                entries: Some(2),
                values: vec![ValueSample {
                    key: "{pid: 1, tag: \"a\\b\"}".into(),
                    field: "value".into(),
                    cpu: Some(1),
                    value: 5.0,
                }],
                values_wanted: true,
                values_dropped: 3,
                ..MapFacts::default()
            }],
            skipped: [("not_countable", 2)].into_iter().collect(),
            source_up: true,
            duration: Duration::from_millis(250),
        }
    }

    #[test]
    fn every_family_is_a_gauge_with_its_samples() {
        let text = encode_scrape(&sample_scrape());
        let lines: Vec<&str> = text.lines().collect();
        for line in [
            r#"mapinspect_map_info{id="7",name="conns",type="hash",key_size="4",value_size="8",flags="0x1",owner_programs="count (prog 3)"} 1.0"#,
            r#"mapinspect_map_entries{id="7",name="conns",type="hash"} 2.0"#,
            r#"mapinspect_map_max_entries{id="7",name="conns",type="hash"} 8.0"#,
            r#"mapinspect_map_fill_ratio{id="7",name="conns",type="hash"} 0.25"#,
            r#"mapinspect_map_memory_bytes{id="7",name="conns",type="hash"} 4096.0"#,
            r#"mapinspect_map_read_errors{id="7",name="conns",type="hash"} 0.0"#,
            r#"mapinspect_map_value{map="conns",key="{pid: 1, tag: \"a\\b\"}",field="value",cpu="1"} 5.0"#,
            r#"mapinspect_map_value_series_dropped{id="7",name="conns",type="hash"} 3.0"#,
            r#"mapinspect_maps_skipped{reason="not_countable"} 2.0"#,
            "mapinspect_source_up 1.0",
            "mapinspect_scrape_duration_seconds 0.25",
            "# EOF",
        ] {
            assert!(lines.contains(&line), "{line} in\n{text}");
        }
        assert!(
            lines
                .iter()
                .filter(|l| l.starts_with("# TYPE"))
                .all(|l| l.ends_with(" gauge")),
            "{text}"
        );
        // A map without a ring buffer has no ring buffer sample.
        assert!(!text.contains("mapinspect_ringbuf_size_bytes{"), "{text}");
    }
}
