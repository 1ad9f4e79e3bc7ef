//! Health snapshot: the key figures of seed 001 §13.2, per stream, with their alert
//! thresholds, for a `/health` endpoint (§13.5) or `events streams status`.

use std::time::Duration;

/// Alert thresholds of seed 001 §13.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Stream length above which to alert (10,000).
    pub stream_length: u64,
    /// Pending entries above which to alert (100).
    pub pending: u64,
    /// Consumer lag (time since the oldest pending entry was delivered) above which to
    /// alert (5 minutes).
    pub lag: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            stream_length: 10_000,
            pending: 100,
            lag: Duration::from_secs(300),
        }
    }
}

/// A figure over its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// More entries in the stream than the threshold.
    StreamLength(u64),
    /// More pending entries than the threshold.
    Pending(u64),
    /// The oldest pending entry has waited longer than the threshold.
    Lag(Duration),
    /// Entries sit in the dead-letter stream.
    DeadLetters(u64),
    /// No consumer is attached to the queue (seed 002: "Consumer count = 0").
    NoConsumers,
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::StreamLength(n) => write!(f, "stream length {n} > threshold"),
            Self::Pending(n) => write!(f, "{n} pending > threshold"),
            Self::Lag(d) => write!(f, "oldest pending {}s > threshold", d.as_secs()),
            Self::DeadLetters(n) => write!(f, "{n} dead-lettered"),
            Self::NoConsumers => f.write_str("no consumer attached"),
        }
    }
}

/// One stream as seen by one consumer group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamHealth {
    /// Stream name.
    pub stream: String,
    /// Consumer group.
    pub group: String,
    /// Entries in the stream.
    pub length: u64,
    /// Entries delivered to the group and not acknowledged.
    pub pending: u64,
    /// Entries not yet delivered to the group, when the bus knows (Redis 7: `lag`).
    pub lag: Option<u64>,
    /// How long the oldest pending entry has been waiting since its last delivery.
    pub oldest_pending_age: Option<Duration>,
    /// Entries in the dead-letter stream.
    pub dead_letters: u64,
    /// Consumers attached, where the bus reports it (an AMQP queue).
    pub consumers: Option<u64>,
}

impl StreamHealth {
    /// The figures over `t`'s thresholds.
    pub fn flags(&self, t: &Thresholds) -> Vec<Flag> {
        let mut out = Vec::new();
        if self.length > t.stream_length {
            out.push(Flag::StreamLength(self.length));
        }
        if self.pending > t.pending {
            out.push(Flag::Pending(self.pending));
        }
        if let Some(age) = self.oldest_pending_age.filter(|a| *a > t.lag) {
            out.push(Flag::Lag(age));
        }
        if self.dead_letters > 0 {
            out.push(Flag::DeadLetters(self.dead_letters));
        }
        if self.consumers == Some(0) {
            out.push(Flag::NoConsumers);
        }
        out
    }
}

/// A consumer's health: its streams, the breaker and the last error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Per stream figures.
    pub streams: Vec<StreamHealth>,
    /// Whether the circuit breaker is open (reading paused).
    pub breaker_open: bool,
    /// The last error seen (bus or handler), with its stream and entry where known.
    pub last_error: Option<String>,
}

impl Health {
    /// Healthy when no figure is over its threshold and the breaker is closed.
    pub fn is_healthy(&self, t: &Thresholds) -> bool {
        !self.breaker_open && self.streams.iter().all(|s| s.flags(t).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_seed_001_thresholds() {
        let s = StreamHealth {
            length: 10_001,
            pending: 100,
            oldest_pending_age: Some(Duration::from_secs(301)),
            ..StreamHealth::default()
        };
        let flags = s.flags(&Thresholds::default());
        assert_eq!(
            flags,
            [
                Flag::StreamLength(10_001),
                Flag::Lag(Duration::from_secs(301))
            ]
        );
        let h = Health {
            streams: vec![s],
            ..Health::default()
        };
        assert!(!h.is_healthy(&Thresholds::default()));
    }
}
