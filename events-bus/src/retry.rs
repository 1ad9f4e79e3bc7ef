//! Retry policy: exponential backoff between deliveries and when to give up (seed 001 §12.1, §12.2).

use std::time::Duration;

/// Exponential backoff: `base`, `base·factor`, … capped at `max`.
///
/// ```
/// use std::time::Duration;
/// use events_bus::Backoff;
///
/// let b = Backoff::default(); // 1 s doubling to 60 s, as seed 001 §12.1
/// assert_eq!(b.delay(1), Duration::from_secs(1));
/// assert_eq!(b.delay(3), Duration::from_secs(4));
/// assert_eq!(b.delay(30), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub base: Duration,
    /// Upper bound of any delay.
    pub max: Duration,
    /// Multiplier per further failure (2 doubles).
    pub factor: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
            factor: 2,
        }
    }
}

impl Backoff {
    /// The wait after the `failures`-th consecutive failure (1-based; 0 waits nothing).
    pub fn delay(&self, failures: u64) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let mut d = self.base;
        for _ in 1..failures {
            d = d.saturating_mul(self.factor.max(1));
            if d >= self.max {
                return self.max;
            }
        }
        d.min(self.max)
    }
}

/// When a failed delivery is tried again, and when it is dead-lettered instead.
///
/// ```
/// use events_bus::RetryPolicy;
///
/// let p = RetryPolicy::default();
/// assert!(p.may_retry(4));  // the 4th delivery failed: deliver a 5th time
/// assert!(!p.may_retry(5)); // the 5th failed: dead-letter
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait between deliveries of a failed entry: the wait before delivery `n + 1` is
    /// `backoff.delay(n)`.
    pub backoff: Backoff,
    /// Deliveries (the first one included) after which a retryable failure dead-letters
    /// the entry. Counted by the bus, so a crash does not reset it.
    pub max_deliveries: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            max_deliveries: 5,
        }
    }
}

impl RetryPolicy {
    /// Whether an entry whose `attempt`-th delivery failed with a retryable error is
    /// delivered again (else it is dead-lettered).
    pub fn may_retry(&self, attempt: u64) -> bool {
        attempt < self.max_deliveries
    }

    /// How long an entry that failed on its `attempt`-th delivery waits before the next.
    pub fn wait_after(&self, attempt: u64) -> Duration {
        self.backoff.delay(attempt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let b = Backoff::default();
        let secs: Vec<u64> = (0..9).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(secs, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(b.delay(u64::MAX), Duration::from_secs(60));
    }

    #[test]
    fn factor_one_is_constant_and_zero_does_not_stall() {
        for factor in [0, 1] {
            let b = Backoff {
                factor,
                ..Backoff::default()
            };
            assert_eq!(b.delay(10), Duration::from_secs(1));
        }
    }
}
