//! Circuit breaker (seed 001 §12.3): after `max_failures` consecutive failures the consumer
//! stops reading for `reset_after`, then lets one trial through.
//!
//! Unlike the seed's, the state is explicit about the trial: while half-open only one
//! call is admitted; its success closes the breaker, its failure reopens it at once. Time
//! is passed in, so the state machine is tested without sleeping.

use std::time::{Duration, Instant};

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls are refused until the given instant.
    Open {
        /// When a trial call will be admitted.
        until: Instant,
    },
    /// One trial call has been admitted; its outcome decides.
    HalfOpen,
}

impl BreakerState {
    /// `closed` / `open` / `half-open`, as in seed 001.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open { .. } => "open",
            Self::HalfOpen => "half-open",
        }
    }
}

/// Counts consecutive failures and opens after too many.
///
/// ```
/// use std::time::{Duration, Instant};
/// use events_bus::CircuitBreaker;
///
/// let mut cb = CircuitBreaker::new(3, Duration::from_secs(30));
/// let t0 = Instant::now();
/// for _ in 0..3 {
///     assert!(cb.allow(t0).is_ok());
///     cb.on_failure(t0);
/// }
/// assert_eq!(cb.allow(t0), Err(Duration::from_secs(30))); // open: wait this long
/// let later = t0 + Duration::from_secs(31);
/// assert!(cb.allow(later).is_ok()); // half-open: one trial
/// cb.on_success();
/// assert_eq!(cb.state().as_str(), "closed");
/// ```
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    max_failures: u32,
    reset_after: Duration,
    failures: u32,
    state: BreakerState,
    /// Whether the half-open trial call has been admitted and not yet reported.
    trial: bool,
}

impl Default for CircuitBreaker {
    /// 5 consecutive failures open it for 30 s.
    fn default() -> Self {
        Self::new(5, Duration::from_secs(30))
    }
}

impl CircuitBreaker {
    /// A closed breaker that opens after `max_failures` consecutive failures (0 never opens)
    /// and stays open for `reset_after`.
    pub fn new(max_failures: u32, reset_after: Duration) -> Self {
        Self {
            max_failures,
            reset_after,
            failures: 0,
            state: BreakerState::Closed,
            trial: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Consecutive failures counted so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// How long reading should pause at `now` (`None`: go ahead). Unlike [`allow`](Self::allow)
    /// this changes nothing.
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        match self.state {
            BreakerState::Open { until } if now < until => Some(until - now),
            _ => None,
        }
    }

    /// Whether only a trial call may be made (half-open, or open with its time up).
    pub fn is_trial(&self, now: Instant) -> bool {
        match self.state {
            BreakerState::Closed => false,
            BreakerState::Open { until } => now >= until,
            BreakerState::HalfOpen => true,
        }
    }

    /// Whether a call may go ahead at `now`; if not, how long until a trial may be admitted.
    /// An open breaker whose time is up turns half-open and admits one trial call; the
    /// next trial is admitted once that one's outcome is recorded.
    pub fn allow(&mut self, now: Instant) -> Result<(), Duration> {
        if let BreakerState::Open { until } = self.state {
            if now < until {
                return Err(until - now);
            }
            self.state = BreakerState::HalfOpen;
        }
        match self.state {
            BreakerState::HalfOpen if self.trial => {
                Err(self.reset_after.min(Duration::from_millis(100)))
            }
            BreakerState::HalfOpen => {
                self.trial = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Gives back an admitted call that was not made (nothing to report about it).
    pub fn release(&mut self) {
        self.trial = false;
    }

    /// Records a success: closes the breaker and resets the count.
    pub fn on_success(&mut self) {
        self.trial = false;
        self.failures = 0;
        self.state = BreakerState::Closed;
    }

    /// Records a failure at `now`: opens the breaker when the count reaches the limit,
    /// or at once when the half-open trial failed.
    pub fn on_failure(&mut self, now: Instant) {
        self.trial = false;
        self.failures = self.failures.saturating_add(1);
        let trip = matches!(self.state, BreakerState::HalfOpen)
            || (self.max_failures > 0 && self.failures >= self.max_failures);
        if trip {
            self.state = BreakerState::Open {
                until: now + self.reset_after,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_trial_reopens_and_a_success_resets_the_count() {
        let t = Instant::now();
        let mut cb = CircuitBreaker::new(2, Duration::from_secs(10));
        cb.on_failure(t);
        cb.on_success();
        cb.on_failure(t);
        assert_eq!(cb.state(), BreakerState::Closed, "count was reset");
        cb.on_failure(t);
        assert!(matches!(cb.state(), BreakerState::Open { .. }));
        let t2 = t + Duration::from_secs(10);
        assert!(cb.allow(t2).is_ok());
        assert_eq!(cb.state(), BreakerState::HalfOpen);
        assert!(cb.allow(t2).is_err(), "one trial at a time");
        cb.release();
        assert!(cb.allow(t2).is_ok(), "an unused trial is given back");
        cb.on_failure(t2);
        assert_eq!(cb.allow(t2), Err(Duration::from_secs(10)));
    }

    #[test]
    fn zero_never_opens() {
        let mut cb = CircuitBreaker::new(0, Duration::from_secs(1));
        for _ in 0..100 {
            cb.on_failure(Instant::now());
        }
        assert!(cb.allow(Instant::now()).is_ok());
    }
}
