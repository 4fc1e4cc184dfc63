//! `mapinspect flood`: the HASH vs LRU experiment (or any map) without a terminal.
use std::io::Write as _;

use color_eyre::eyre::{Result, bail, eyre};
use serde::Serialize;

use crate::{
    cli::{Cli, FloodSource, load},
    maps::{
        describe_failures, describe_ranges,
        ops::{FloodFrom, FloodReport, FloodRequest, OpResult, Operation},
    },
};

pub fn run(
    cli: &Cli,
    map: &str,
    count: Option<u32>,
    cpu: u32,
    from: Option<FloodSource>,
    json: bool,
) -> Result<()> {
    let mut loaded = load(cli)?;
    let Some(index) = loaded.maps.iter().position(|m| m.meta().name == map) else {
        let names: Vec<&str> = loaded.maps.iter().map(|m| m.meta().name.as_str()).collect();
        bail!("no map named {map:?}; the maps are: {}", names.join(", "));
    };
    let meta = loaded.maps[index].meta().clone();
    let is_experiment = loaded.maps[index].desc.kernel_flood.is_some();
    let from = match from {
        Some(FloodSource::Kernel) => FloodFrom::Kernel,
        Some(FloodSource::User) => FloodFrom::User,
        None if is_experiment => FloodFrom::Kernel,
        None => FloodFrom::User,
    };
    let request = FloodRequest {
        count: count.unwrap_or(meta.max_entries.saturating_add(1)),
        cpu: Some(cpu),
        from,
    };
    let report = match loaded.execute(index, &Operation::Flood(request)) {
        Ok(OpResult::Flooded(report)) => report,
        Ok(other) => return Err(eyre!("unexpected flood result {other:?}")),
        Err(err) => return Err(eyre!("flood {map}: {err}")),
    };
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &ReportJson::from(&report))?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report_text(&report))?;
    }
    Ok(())
}

fn source_words(report: &FloodReport) -> String {
    let who = match report.from {
        FloodFrom::Kernel => "the kernel (flood program)",
        FloodFrom::User => "userspace",
    };
    match report.cpu {
        Some(cpu) => format!("{who} on CPU {cpu}"),
        None => who.to_string(),
    }
}

/// The report in words, for a terminal.
pub fn report_text(report: &FloodReport) -> String {
    let missing: u32 = report.missing.iter().map(|(a, b)| b - a + 1).sum();
    let percent = 100.0 * report.entries_after as f64 / f64::from(report.max_entries.max(1));
    let mut text = format!(
        "flood {} ({}, max_entries {}) from {}: keys 1..={} with value key*11\n",
        report.map,
        report.kind.label(),
        report.max_entries,
        source_words(report),
        report.attempted,
    );
    text += &format!("  inserted   {}\n", report.inserted);
    let failed = report.attempted - report.inserted;
    if failed > 0 {
        text += &format!(
            "  failed     {failed} ({})",
            describe_failures(&report.failures)
        );
        if let Some(key) = report.first_failed_key {
            text += &format!(", first at key {key}");
        }
        text += "\n";
    }
    text += &format!(
        "  entries    {} of {} ({percent:.1}%)\n",
        report.entries_after, report.max_entries
    );
    text += &format!(
        "  key {}  {}\n",
        report.attempted,
        if report.last_key_present {
            "present"
        } else {
            "absent"
        }
    );
    if missing > 0 {
        text += &format!(
            "  missing    {missing} keys: {}\n",
            describe_ranges(&report.missing, 8)
        );
    }
    text
}

/// The report as scripts read it (`flood --json`).
#[derive(Serialize)]
pub struct ReportJson<'a> {
    map: &'a str,
    #[serde(rename = "type")]
    kind: String,
    from: &'static str,
    cpu: Option<u32>,
    attempted: u32,
    inserted: u32,
    failed: u32,
    failures: Vec<FailureJson>,
    first_failed_key: Option<u32>,
    entries_after: usize,
    max_entries: u32,
    last_key_present: bool,
    missing_ranges: &'a [(u32, u32)],
}

/// Failed inserts with one errno.
#[derive(Serialize)]
struct FailureJson {
    errno: i32,
    name: &'static str,
    count: u32,
}

impl<'a> From<&'a FloodReport> for ReportJson<'a> {
    fn from(report: &'a FloodReport) -> Self {
        Self {
            map: &report.map,
            kind: report.kind.label(),
            from: match report.from {
                FloodFrom::Kernel => "kernel",
                FloodFrom::User => "user",
            },
            cpu: report.cpu,
            attempted: report.attempted,
            inserted: report.inserted,
            failed: report.attempted - report.inserted,
            failures: report
                .failures
                .iter()
                .map(|&(errno, count)| FailureJson {
                    errno,
                    name: crate::sys::errno_name(errno),
                    count,
                })
                .collect(),
            first_failed_key: report.first_failed_key,
            entries_after: report.entries_after,
            max_entries: report.max_entries,
            last_key_present: report.last_key_present,
            missing_ranges: &report.missing,
        }
    }
}
