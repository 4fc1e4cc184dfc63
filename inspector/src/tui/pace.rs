//! How often the collector reads: the asked interval, stretched while reading the map on
//! screen takes more than a quarter of it (so mapinspect spends at most about a quarter of a
//! core on it, as `top` slows down on a busy host), and the slower cadence of the counts.
use std::time::Duration;

/// Reading may take up to 1/STRETCH_SHARE of the interval before it stretches.
const STRETCH_SHARE: u32 = 4;
/// A stretched interval is rounded up to this step, so the header does not flicker.
const STEP: Duration = Duration::from_millis(500);
/// Counts of the maps not on screen come this many intervals apart, and at least COUNT_MIN.
const COUNT_EVERY: u32 = 5;
const COUNT_MIN: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacer {
    asked: Duration,
    effective: Duration,
}

impl Pacer {
    pub fn new(asked: Duration) -> Self {
        Self {
            asked,
            effective: asked,
        }
    }

    /// A new interval from the user (`+`/`-`); the next read decides whether it stretches.
    pub fn set_asked(&mut self, asked: Duration) {
        self.asked = asked;
        self.effective = asked;
    }

    /// The interval until the next read, after one that took `took`.
    pub fn after_read(&mut self, took: Duration) -> Duration {
        let needed = took.saturating_mul(STRETCH_SHARE);
        let effective = if needed <= self.asked {
            self.asked
        } else {
            let steps = needed.as_nanos().div_ceil(STEP.as_nanos());
            STEP.saturating_mul(u32::try_from(steps).unwrap_or(u32::MAX))
        };
        self.effective = effective;
        effective
    }

    /// The stretched interval, if it is stretched.
    pub fn stretched(&self) -> Option<Duration> {
        (self.effective > self.asked).then_some(self.effective)
    }

    /// Time between two count passes over the maps not on screen.
    pub fn count_every(&self) -> Duration {
        self.effective.saturating_mul(COUNT_EVERY).max(COUNT_MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn a_quick_read_keeps_the_asked_interval() {
        let mut pacer = Pacer::new(ms(1000));
        assert_eq!(pacer.after_read(ms(250)), ms(1000));
        assert_eq!(pacer.stretched(), None);
        assert_eq!(pacer.count_every(), ms(5000));
    }

    #[test]
    fn a_slow_read_stretches_to_four_times_its_length_in_half_seconds() {
        let mut pacer = Pacer::new(ms(1000));
        assert_eq!(pacer.after_read(ms(300)), ms(1500));
        assert_eq!(pacer.stretched(), Some(ms(1500)));
        assert_eq!(pacer.after_read(ms(310)), ms(1500), "no flicker");
        assert_eq!(pacer.count_every(), ms(7500));
        // The map shrank: back to the asked interval.
        assert_eq!(pacer.after_read(ms(10)), ms(1000));
        assert_eq!(pacer.stretched(), None);
    }

    #[test]
    fn a_new_asked_interval_starts_unstretched() {
        let mut pacer = Pacer::new(ms(100));
        pacer.after_read(ms(400));
        pacer.set_asked(ms(2000));
        assert_eq!(pacer.stretched(), None);
        assert_eq!(pacer.after_read(ms(400)), ms(2000));
    }
}
