//! Facts about the kernel's LRU maps that the LRU and flood panes explain eviction with
//! (kernel/bpf/bpf_lru_list.c; ../shared/notes/maps.md).

/// The fixed free-node batch (LOCAL_FREE_TARGET) of kernels before the scaled target.
pub const FIXED_TARGET_FREE: u32 = 128;

/// The first release with target_free scaled to the map size (the mid-2025 change).
pub const SCALED_SINCE: (u32, u32) = (6, 16);

/// Free nodes a CPU pulls from a common LRU's global free list at a time (target_free):
/// clamp((max_entries / possible_cpus) / 2, 1, 128) on newer kernels, else a fixed 128.
pub fn target_free(max_entries: u32, possible_cpus: usize, kernel: (u32, u32)) -> u32 {
    if kernel < SCALED_SINCE {
        return FIXED_TARGET_FREE;
    }
    let cpus = u32::try_from(possible_cpus.max(1)).unwrap_or(u32::MAX);
    (max_entries / cpus / 2).clamp(1, FIXED_TARGET_FREE)
}

/// Nodes on each CPU's own list with BPF_F_NO_COMMON_LRU.
pub fn per_cpu_share(max_entries: u32, possible_cpus: usize) -> u32 {
    max_entries / u32::try_from(possible_cpus.max(1)).unwrap_or(u32::MAX)
}

/// One line on how target_free is found here: the formula with its numbers, or the fixed
/// size, or both when the kernel version is unknown.
pub fn target_free_text(
    max_entries: u32,
    possible_cpus: usize,
    kernel: Option<(u32, u32)>,
) -> String {
    let cpus = possible_cpus.max(1);
    let scaled = target_free(max_entries, cpus, SCALED_SINCE);
    let formula = format!("clamp(({max_entries} / {cpus}) / 2, 1, 128) = {scaled}");
    let (major, minor) = SCALED_SINCE;
    match kernel {
        Some(k) if k >= SCALED_SINCE => {
            format!(
                "target_free = {formula} (kernel {}.{}: scaled to the map)",
                k.0, k.1
            )
        }
        Some((kmajor, kminor)) => format!(
            "target_free = {FIXED_TARGET_FREE} (kernel {kmajor}.{kminor}: fixed before {major}.{minor})"
        ),
        None => format!(
            "target_free = {FIXED_TARGET_FREE} before kernel {major}.{minor}, {formula} from then on"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_kernels_scale_the_batch_to_the_map() {
        assert_eq!(target_free(1003, 2, (6, 16)), 128, "250 clamped to 128");
        assert_eq!(target_free(1003, 8, (6, 16)), 62);
        assert_eq!(target_free(10, 4, (7, 0)), 1, "never below one");
        assert_eq!(target_free(1003, 0, (6, 16)), 128, "no CPUs counts as one");
    }

    #[test]
    fn older_kernels_use_a_fixed_128() {
        assert_eq!(target_free(10, 4, (6, 15)), 128);
        assert_eq!(target_free(1003, 8, (5, 15)), 128);
    }

    #[test]
    fn the_text_shows_the_rule_that_applies() {
        assert_eq!(
            target_free_text(1003, 8, Some((6, 16))),
            "target_free = clamp((1003 / 8) / 2, 1, 128) = 62 (kernel 6.16: scaled to the map)"
        );
        assert_eq!(
            target_free_text(1003, 8, Some((6, 8))),
            "target_free = 128 (kernel 6.8: fixed before 6.16)"
        );
        assert!(target_free_text(1003, 8, None).contains("= 62 from then on"));
        assert_eq!(per_cpu_share(1004, 4), 251);
    }
}
