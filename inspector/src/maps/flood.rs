//! Flooding a map from userspace (a thread pinned to one CPU, so LRU figures repeat), and the
//! report both flood modes end with: what was inserted, what failed, what the map holds.
use std::collections::{BTreeMap, BTreeSet};

use super::{
    MapHandle,
    ops::{FloodReport, FloodRequest, OpError, missing_ranges},
};
use crate::sys;

/// Why a map cannot be flooded from the kernel: the flood program fills the bundled
/// object's experiment maps only. One sentence for every surface that refuses.
pub fn kernel_flood_refusal(name: &str) -> String {
    let targets: Vec<&str> = shared::FloodTarget::ALL
        .iter()
        .map(|target| target.map_name())
        .collect();
    format!(
        "the kernel-side flood program only fills the bundled experiment maps ({}); \
         flood {name} from userspace instead",
        targets.join(", ")
    )
}

/// A flood key: the number `n` in the key's bytes, little endian (cut or zero-padded).
pub fn flood_key(n: u32, key_size: usize) -> Vec<u8> {
    number_bytes(u64::from(n), key_size)
}

/// A flood value, n * 11 as in the classic experiment, in every CPU's slot.
pub fn flood_value_bytes(n: u32, value_size: usize, stride: usize, cpus: usize) -> Vec<u8> {
    let one = number_bytes(u64::from(shared::flood_value(n)), value_size);
    let mut value = vec![0u8; stride * cpus];
    for cpu in 0..cpus {
        value[cpu * stride..cpu * stride + value_size].copy_from_slice(&one);
    }
    value
}

fn number_bytes(n: u64, size: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; size];
    let le = n.to_le_bytes();
    let len = size.min(le.len());
    bytes[..len].copy_from_slice(&le[..len]);
    bytes
}

/// The number in a flood key's first bytes (keys wider than 4 bytes hold it in the low ones).
fn key_number(key: &[u8]) -> Option<u32> {
    let mut le = [0u8; 4];
    let len = key.len().min(4);
    le[..len].copy_from_slice(&key[..len]);
    let n = u32::from_le_bytes(le);
    key[len..].iter().all(|&b| b == 0).then_some(n)
}

/// Pins the calling thread to one CPU.
fn pin_to_cpu(cpu: u32) -> std::io::Result<()> {
    // cpu_set_t holds CPU_SETSIZE bits; CPU_SET would index past it.
    if cpu as usize >= libc::CPU_SETSIZE as usize {
        return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: cpu_set_t is plain data; CPU_SET only writes inside it; the call reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        if libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Counts of failed inserts by errno.
#[derive(Default)]
pub(crate) struct Tally {
    pub inserted: u32,
    pub failures: BTreeMap<i32, u32>,
    pub first_failed_key: Option<u32>,
}

impl Tally {
    pub fn record(&mut self, key: u32, outcome: Result<(), i32>) {
        match outcome {
            Ok(()) => self.inserted += 1,
            Err(errno) => {
                *self.failures.entry(errno).or_default() += 1;
                self.first_failed_key.get_or_insert(key);
            }
        }
    }
}

impl MapHandle {
    /// Inserts keys 1..=count from a thread pinned to `request.cpu` (BPF_ANY: existing keys
    /// are updated, so a second flood of a full HASH still succeeds for keys it holds).
    pub(crate) fn flood_from_user(&self, request: FloodRequest) -> Result<FloodReport, OpError> {
        let desc = &self.desc;
        let (key_size, value_size) = (desc.meta.key_size as usize, desc.meta.value_size as usize);
        let (stride, cpus) = (desc.value_stride(), desc.cpus);
        let tally = std::thread::scope(|scope| {
            scope
                .spawn(|| -> Result<Tally, OpError> {
                    if let Some(cpu) = request.cpu {
                        pin_to_cpu(cpu).map_err(|e| {
                            OpError::Refused(format!("cannot run on CPU {cpu}: {e}"))
                        })?;
                    }
                    let mut tally = Tally::default();
                    for n in 1..=request.count {
                        let key = flood_key(n, key_size);
                        let value = flood_value_bytes(n, value_size, stride, cpus);
                        let outcome = self
                            .update_from(&key, &value, sys::BPF_ANY)
                            .map_err(|e| e.errno());
                        tally.record(n, outcome);
                    }
                    Ok(tally)
                })
                .join()
                .map_err(|_| OpError::Refused("the flood thread panicked".into()))?
        })?;
        self.flood_report(request, tally)
    }

    /// Reads the map after a flood and says what it holds.
    pub(crate) fn flood_report(
        &self,
        request: FloodRequest,
        tally: Tally,
    ) -> Result<FloodReport, OpError> {
        let snap = self.snapshot().map_err(|e| {
            OpError::Refused(format!("flood done, but reading the map failed: {e}"))
        })?;
        let present: BTreeSet<u32> = (0..snap.len())
            .filter(|&i| !self.desc.meta.kind.is_array() || snap.value(i).iter().any(|&b| b != 0))
            .filter_map(|i| key_number(snap.key(i)))
            .filter(|n| (1..=request.count).contains(n))
            .collect();
        let mut failures: Vec<(i32, u32)> = tally.failures.into_iter().collect();
        failures.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        let entries_after = if self.desc.meta.kind.is_array() {
            snap.nonzero_count()
        } else {
            snap.len()
        };
        Ok(FloodReport {
            map: self.desc.meta.name.clone(),
            kind: self.desc.meta.kind,
            from: request.from,
            cpu: request.cpu,
            attempted: request.count,
            inserted: tally.inserted,
            failures,
            first_failed_key: tally.first_failed_key,
            entries_after,
            max_entries: self.desc.meta.max_entries,
            last_key_present: present.contains(&request.count),
            missing: missing_ranges(request.count, &present),
        })
    }
}

/// For messages: an errno count as "1 × E2BIG".
pub fn describe_failures(failures: &[(i32, u32)]) -> String {
    failures
        .iter()
        .map(|(errno, n)| format!("{n} × {}", sys::errno_name(*errno)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Missing keys for people, at most `shown` ranges: "1–642, 700–712 (+3 more ranges)".
pub fn describe_ranges(missing: &[(u32, u32)], shown: usize) -> String {
    let mut text = missing
        .iter()
        .take(shown)
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let more = missing.len().saturating_sub(shown);
    if more > 0 {
        text += &format!(" (+{more} more range{})", if more == 1 { "" } else { "s" });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_keys_and_values_fit_any_size() {
        assert_eq!(flood_key(1004, 4), 1004u32.to_le_bytes());
        assert_eq!(flood_key(1004, 8), 1004u64.to_le_bytes());
        assert_eq!(flood_key(0x1234, 1), [0x34]);
        let value = flood_value_bytes(3, 4, 8, 2);
        assert_eq!(value, [33, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn key_numbers_read_back() {
        assert_eq!(key_number(&7u32.to_le_bytes()), Some(7));
        assert_eq!(key_number(&7u64.to_le_bytes()), Some(7));
        assert_eq!(key_number(&(1u64 << 40).to_le_bytes()), None);
    }

    #[test]
    fn missing_keys_come_out_as_ranges() {
        let present: BTreeSet<u32> = [1, 2, 5, 9, 10].into_iter().collect();
        assert_eq!(missing_ranges(10, &present), vec![(3, 4), (6, 8)]);
        assert_eq!(missing_ranges(3, &BTreeSet::new()), vec![(1, 3)]);
        assert!(missing_ranges(2, &[1, 2].into_iter().collect()).is_empty());
    }

    #[test]
    fn a_cpu_beyond_the_cpu_set_is_refused_not_a_panic() {
        let err = pin_to_cpu(libc::CPU_SETSIZE as u32 + 5).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    }

    #[test]
    fn ranges_are_shortened() {
        assert_eq!(
            describe_ranges(&[(1, 642), (700, 712)], 3),
            "1–642, 700–712"
        );
        assert_eq!(
            describe_ranges(&[(1, 2), (4, 4), (6, 7), (9, 9), (11, 12)], 3),
            "1–2, 4, 6–7 (+2 more ranges)"
        );
        assert_eq!(
            describe_ranges(&[(1, 1), (3, 3), (5, 5), (7, 7)], 3),
            "1, 3, 5 (+1 more range)"
        );
        assert_eq!(describe_ranges(&[], 3), "");
    }

    #[test]
    fn the_tally_keeps_the_first_failure() {
        let mut tally = Tally::default();
        tally.record(1, Ok(()));
        tally.record(2, Err(libc::E2BIG));
        tally.record(3, Err(libc::E2BIG));
        assert_eq!(tally.inserted, 1);
        assert_eq!(tally.first_failed_key, Some(2));
        assert_eq!(tally.failures.get(&libc::E2BIG), Some(&2));
        assert_eq!(describe_failures(&[(libc::E2BIG, 2)]), "2 × E2BIG");
    }
}
