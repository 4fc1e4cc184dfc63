//! `mapinspect dump --diff A.json B.json`: what changed between two earlier `dump --json`
//! outputs, without root or BPF. The files are read generically (a list of map objects with
//! `name`, `id` and `entries: [{key, ...}]`), so fields `dump` adds later pass through: an
//! entry is its `key`, its value everything else in the entry object.
//!
//! Maps pair by id and name; a map left over on each side with the same name pairs by name
//! alone (a reloaded object gets new ids). Exit status as diff(1): 0 the same, 1 different,
//! 2 trouble (a file that cannot be read or is not a dump).
use std::{collections::HashMap, io::Write, path::Path};

use color_eyre::eyre::{Report, Result, WrapErr};
use serde::Serialize;
#[cfg(test)]
use serde_json::json;
use serde_json::{Map, Value as Json};

/// The dumps differ: `main` turns this into exit status 1 without a message.
#[derive(Debug, thiserror::Error)]
#[error("the dumps differ")]
pub struct Different;

/// A file could not be compared: `main` exits with status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Trouble(pub String);

/// One entry: its key and the rest of its object (value, or values and sum).
type Entry = (Json, Json);

/// One map's changes.
#[derive(Debug, Default, PartialEq)]
pub struct MapDiff {
    pub name: String,
    /// Ids in A and B (None: the map is not on that side).
    pub ids: (Option<u64>, Option<u64>),
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    /// Key, old rest, new rest.
    pub changed: Vec<(Json, Json, Json)>,
    /// Why entries could not be compared (a side that failed to read).
    pub note: Option<String>,
}

impl MapDiff {
    pub fn is_same(&self) -> bool {
        self.ids.0.is_some()
            && self.ids.1.is_some()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.note.is_none()
    }
}

/// Runs `dump --diff`: prints the diff, and says whether the dumps differ.
pub fn run(a: &Path, b: &Path, as_json: bool) -> Result<()> {
    let read = |path: &Path| -> Result<Json> {
        let text = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("cannot read {}", path.display()))
            .map_err(|e| Report::new(Trouble(crate::report::one_line(e.as_ref()))))?;
        serde_json::from_str(&text).map_err(|e| {
            Report::new(Trouble(format!(
                "{} is not JSON from `dump --json`: {e}",
                path.display()
            )))
        })
    };
    let diffs = diff(&read(a)?, &read(b)?).map_err(|e| Report::new(Trouble(e)))?;
    let mut out = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(&mut out, &JsonDiff::new(&diffs))?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &diffs)?;
    }
    out.flush()?;
    if diffs.iter().all(MapDiff::is_same) {
        Ok(())
    } else {
        Err(Report::new(Different))
    }
}

/// Compares two dumps map by map.
pub fn diff(a: &Json, b: &Json) -> Result<Vec<MapDiff>, String> {
    let (a, b) = (maps(a, "A")?, maps(b, "B")?);
    let mut taken = vec![false; b.len()];
    let mut out = Vec::new();
    let mut unpaired = Vec::new();
    for map in &a {
        let exact = (0..b.len()).find(|&j| !taken[j] && b[j].id == map.id && b[j].name == map.name);
        match exact {
            Some(j) => {
                taken[j] = true;
                out.push(compare(map, &b[j]));
            }
            None => unpaired.push(map),
        }
    }
    for map in unpaired {
        // Same name, new id: the object was loaded again.
        let by_name = (0..b.len()).find(|&j| !taken[j] && b[j].name == map.name);
        match by_name {
            Some(j) => {
                taken[j] = true;
                out.push(compare(map, &b[j]));
            }
            None => out.push(MapDiff {
                name: map.name.clone(),
                ids: (map.id, None),
                removed: map.entries.clone().unwrap_or_default(),
                ..MapDiff::default()
            }),
        }
    }
    for (map, _) in b.iter().zip(&taken).filter(|(_, taken)| !**taken) {
        out.push(MapDiff {
            name: map.name.clone(),
            ids: (None, map.id),
            added: map.entries.clone().unwrap_or_default(),
            ..MapDiff::default()
        });
    }
    Ok(out)
}

/// A map object of a dump, read generically.
struct DumpMap {
    name: String,
    id: Option<u64>,
    /// None when the dump has no entries for it (it could not be read).
    entries: Option<Vec<Entry>>,
    error: Option<String>,
}

fn maps(doc: &Json, side: &str) -> Result<Vec<DumpMap>, String> {
    let list = doc
        .as_array()
        .ok_or_else(|| format!("{side} is not a `dump --json` list of maps"))?;
    list.iter()
        .enumerate()
        .map(|(i, map)| {
            let object = map
                .as_object()
                .ok_or_else(|| format!("{side}: item {i} is not a map object"))?;
            let name = object
                .get("name")
                .and_then(Json::as_str)
                .ok_or_else(|| format!("{side}: map {i} has no name"))?;
            let entries = match object.get("entries") {
                None | Some(Json::Null) => None,
                Some(Json::Array(items)) => Some(
                    items
                        .iter()
                        .map(|e| {
                            split(e).ok_or_else(|| format!("{side}: {name}: an entry has no key"))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Some(_) => return Err(format!("{side}: {name}: entries is not a list")),
            };
            Ok(DumpMap {
                name: name.to_string(),
                id: object.get("id").and_then(Json::as_u64),
                entries,
                error: object.get("error").and_then(Json::as_str).map(String::from),
            })
        })
        .collect()
}

/// An entry object as its key and the rest.
fn split(entry: &Json) -> Option<Entry> {
    let mut rest: Map<String, Json> = entry.as_object()?.clone();
    let key = rest.remove("key")?;
    Some((key, Json::Object(rest)))
}

fn compare(a: &DumpMap, b: &DumpMap) -> MapDiff {
    let mut diff = MapDiff {
        name: b.name.clone(),
        ids: (a.id, b.id),
        ..MapDiff::default()
    };
    let (Some(old), Some(new)) = (&a.entries, &b.entries) else {
        let why = |m: &DumpMap, side| {
            m.entries.is_none().then(|| {
                format!(
                    "{side} has no entries ({})",
                    m.error.as_deref().unwrap_or("not read")
                )
            })
        };
        diff.note = why(a, "A").or_else(|| why(b, "B"));
        return diff;
    };
    // Keys compare by their JSON text: the same producer writes the same key the same way.
    let old_by_key: HashMap<String, &Entry> = old.iter().map(|e| (e.0.to_string(), e)).collect();
    let mut seen = std::collections::HashSet::new();
    for entry in new {
        let text = entry.0.to_string();
        match old_by_key.get(&text) {
            Some((_, rest)) if *rest == entry.1 => {}
            Some((_, rest)) => diff
                .changed
                .push((entry.0.clone(), rest.clone(), entry.1.clone())),
            None => diff.added.push(entry.clone()),
        }
        seen.insert(text);
    }
    diff.removed = old
        .iter()
        .filter(|e| !seen.contains(&e.0.to_string()))
        .cloned()
        .collect();
    diff
}

/// The value part of an entry as one short text: the value, or the sum of a per-CPU entry
/// (with its per-CPU list), or the whole rest.
fn shown(rest: &Json) -> String {
    match rest.as_object() {
        Some(o) if o.len() == 1 && o.contains_key("value") => o["value"].to_string(),
        _ => rest.to_string(),
    }
}

fn ids(ids: (Option<u64>, Option<u64>)) -> String {
    let id = |i: Option<u64>| i.map_or("-".into(), |i| i.to_string());
    match ids {
        (a, b) if a == b => format!("id {}", id(a)),
        (a, b) => format!("id {} -> {}", id(a), id(b)),
    }
}

/// The human diff: a headline per map, then `+`, `-` and `~` lines.
pub fn write_text(out: &mut impl Write, diffs: &[MapDiff]) -> std::io::Result<()> {
    for d in diffs {
        let what = match d.ids {
            (Some(_), None) => "only in A".to_string(),
            (None, Some(_)) => "only in B".to_string(),
            _ if d.is_same() => "same".to_string(),
            _ => format!(
                "+{} -{} ~{}",
                d.added.len(),
                d.removed.len(),
                d.changed.len()
            ),
        };
        writeln!(out, "{} ({})  {what}", d.name, ids(d.ids))?;
        if let Some(note) = &d.note {
            writeln!(out, "  {note}")?;
        }
        for (key, rest) in &d.added {
            writeln!(out, "  + {key} => {}", shown(rest))?;
        }
        for (key, rest) in &d.removed {
            writeln!(out, "  - {key} => {}", shown(rest))?;
        }
        for (key, old, new) in &d.changed {
            writeln!(out, "  ~ {key} => {} -> {}", shown(old), shown(new))?;
        }
    }
    Ok(())
}

/// The JSON diff: `same`, then one object per map.
#[derive(Serialize)]
pub struct JsonDiff<'a> {
    same: bool,
    maps: Vec<JsonMap<'a>>,
}

/// One map's changes in the JSON diff.
#[derive(Serialize)]
struct JsonMap<'a> {
    name: &'a str,
    id_a: Option<u64>,
    id_b: Option<u64>,
    same: bool,
    note: Option<&'a str>,
    added: Vec<JsonEntry<'a>>,
    removed: Vec<JsonEntry<'a>>,
    changed: Vec<JsonChange<'a>>,
}

/// An added or removed entry: its key, then the rest of its object as it was.
#[derive(Serialize)]
struct JsonEntry<'a> {
    key: &'a Json,
    #[serde(flatten)]
    rest: Option<&'a Map<String, Json>>,
}

/// A changed entry: its key and the rest of its object on each side.
#[derive(Serialize)]
struct JsonChange<'a> {
    key: &'a Json,
    old: &'a Json,
    new: &'a Json,
}

impl<'a> JsonDiff<'a> {
    pub fn new(diffs: &'a [MapDiff]) -> Self {
        let entry = |(key, rest): &'a Entry| JsonEntry {
            key,
            rest: rest.as_object(),
        };
        let maps = diffs
            .iter()
            .map(|d| JsonMap {
                name: &d.name,
                id_a: d.ids.0,
                id_b: d.ids.1,
                same: d.is_same(),
                note: d.note.as_deref(),
                added: d.added.iter().map(entry).collect(),
                removed: d.removed.iter().map(entry).collect(),
                changed: d
                    .changed
                    .iter()
                    .map(|(key, old, new)| JsonChange { key, old, new })
                    .collect(),
            })
            .collect();
        Self {
            same: diffs.iter().all(MapDiff::is_same),
            maps,
        }
    }
}

/// The JSON diff as a value, for tests that look into it.
#[cfg(test)]
fn to_json(diffs: &[MapDiff]) -> Json {
    serde_json::to_value(JsonDiff::new(diffs)).unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_pair_by_key_and_maps_by_id_then_name() {
        let a = json!([
            {"name": "counts", "id": 11, "entries": [
                {"key": 1, "value": 10}, {"key": 2, "value": 20}, {"key": 3, "value": 30}]},
            {"name": "cpu", "id": 12, "entries": [
                {"key": 0, "values": [1, 2], "sum": 3}]},
            {"name": "gone", "id": 13, "entries": []},
        ]);
        let b = json!([
            {"name": "counts", "id": 11, "entries": [
                {"key": 3, "value": 31}, {"key": 1, "value": 10}, {"key": 4, "value": 40}]},
            {"name": "cpu", "id": 99, "entries": [
                {"key": 0, "values": [1, 2], "sum": 3}]},
            {"name": "new", "id": 14, "entries": [{"key": {"pid": 7}, "value": 1}]},
        ]);
        let diffs = diff(&a, &b).unwrap();
        let counts = &diffs[0];
        assert_eq!(counts.added, [(json!(4), json!({"value": 40}))]);
        assert_eq!(counts.removed, [(json!(2), json!({"value": 20}))]);
        assert_eq!(
            counts.changed,
            [(json!(3), json!({"value": 30}), json!({"value": 31}))]
        );
        // Reloaded with a new id: paired by name, and the same.
        assert_eq!(diffs[1].ids, (Some(12), Some(99)));
        assert!(diffs[1].is_same());
        assert_eq!(
            (diffs[2].name.as_str(), diffs[2].ids),
            ("gone", (Some(13), None))
        );
        assert_eq!(diffs[3].ids, (None, Some(14)));
        assert!(!diffs[2].is_same() && !diffs[3].is_same());

        let mut text = Vec::new();
        write_text(&mut text, &diffs).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("counts (id 11)  +1 -1 ~1"), "{text}");
        assert!(text.contains("  ~ 3 => 30 -> 31"), "{text}");
        assert!(text.contains("  - 2 => 20"), "{text}");
        assert!(text.contains("cpu (id 12 -> 99)  same"), "{text}");
        assert!(text.contains("new (id - -> 14)  only in B"), "{text}");
        let json = to_json(&diffs);
        assert_eq!(json["same"], false);
        assert_eq!(json["maps"][0]["changed"][0]["new"]["value"], 31);
        assert_eq!(json["maps"][0]["added"][0], json!({"key": 4, "value": 40}));
    }

    #[test]
    fn the_same_dump_is_the_same_and_bad_input_says_why() {
        let a = json!([{"name": "m", "id": 1, "entries": [{"key": [1, 2], "value": "x"}]}]);
        assert!(diff(&a, &a).unwrap().iter().all(MapDiff::is_same));
        assert!(
            diff(&json!({"maps": []}), &a)
                .unwrap_err()
                .contains("not a `dump --json`")
        );
        let keyless = json!([{"name": "m", "id": 1, "entries": [{"value": 1}]}]);
        assert!(diff(&a, &keyless).unwrap_err().contains("no key"));
        // A map that could not be read is a difference with a reason, not a crash.
        let failed = json!([{"name": "m", "id": 1, "error": "type 15"}]);
        let d = diff(&a, &failed).unwrap();
        assert_eq!(d[0].note.as_deref(), Some("B has no entries (type 15)"));
    }
}
