//! Health snapshot, the same for every bus: per channel (a Redis stream, an AMQP queue, a
//! Kafka topic) its backlog, what is in flight and for how long, dead letters and
//! consumers, flagged against alert thresholds, for a `/health` endpoint or the `events`
//! status commands. Each runtime fills it with its bus's figures.

use std::time::Duration;

/// Alert thresholds (defaults: seed 001 §13.2; seed 002 alerts on a queue depth over the
/// same 10,000, seed 003 on a consumer lag over 1,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Backlog above which to alert (10,000): a stream's length, a queue's depth, a
    /// topic's consumer lag.
    pub backlog: u64,
    /// Deliveries in flight (delivered, not acknowledged) above which to alert (100).
    pub in_flight: u64,
    /// Age of the oldest delivery in flight above which to alert (5 minutes).
    pub oldest_age: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            backlog: 10_000,
            in_flight: 100,
            oldest_age: Duration::from_secs(300),
        }
    }
}

/// A figure over its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// A backlog over the threshold.
    Backlog(u64),
    /// More deliveries in flight than the threshold.
    InFlight(u64),
    /// The oldest delivery in flight has waited longer than the threshold.
    OldestAge(Duration),
    /// Messages sit in the dead-letter channel.
    DeadLetters(u64),
    /// No consumer is attached (seed 002: "Consumer count = 0").
    NoConsumers,
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Backlog(n) => write!(f, "backlog {n} > threshold"),
            Self::InFlight(n) => write!(f, "{n} in flight > threshold"),
            Self::OldestAge(d) => write!(f, "oldest in flight {}s > threshold", d.as_secs()),
            Self::DeadLetters(n) => write!(f, "{n} dead-lettered"),
            Self::NoConsumers => f.write_str("no consumer attached"),
        }
    }
}

/// One channel as one consumer group sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelHealth {
    /// Stream, queue or topic.
    pub channel: String,
    /// Consumer group (the queue itself on AMQP).
    pub group: String,
    /// What waits: a stream's length, a queue's ready messages, a topic's lag.
    pub backlog: u64,
    /// Delivered and not acknowledged (a stream's pending entries, a queue's unacked).
    pub in_flight: u64,
    /// Entries not yet delivered to the group, where the bus tells it apart from the
    /// backlog (Redis 7: `lag`; Kafka: the group's lag).
    pub lag: Option<u64>,
    /// How long the oldest delivery in flight has been waiting since it was delivered.
    pub oldest_age: Option<Duration>,
    /// Messages in the dead-letter channel.
    pub dead_letters: u64,
    /// Consumers attached, where the bus reports it (an AMQP queue).
    pub consumers: Option<u64>,
}

impl ChannelHealth {
    /// The figures over `t`'s thresholds.
    pub fn flags(&self, t: &Thresholds) -> Vec<Flag> {
        let mut out = Vec::new();
        if self.backlog > t.backlog {
            out.push(Flag::Backlog(self.backlog));
        }
        if self.in_flight > t.in_flight {
            out.push(Flag::InFlight(self.in_flight));
        }
        if let Some(age) = self.oldest_age.filter(|a| *a > t.oldest_age) {
            out.push(Flag::OldestAge(age));
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

/// A consumer's health: its channels, the breaker and the last error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Per channel figures.
    pub channels: Vec<ChannelHealth>,
    /// Whether the circuit breaker is open (reading paused).
    pub breaker_open: bool,
    /// The last error seen (bus or handler), with its channel and entry where known.
    pub last_error: Option<String>,
}

impl Health {
    /// Healthy when no figure is over its threshold and the breaker is closed.
    pub fn is_healthy(&self, t: &Thresholds) -> bool {
        !self.breaker_open && self.channels.iter().all(|s| s.flags(t).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_seed_001_thresholds() {
        let s = ChannelHealth {
            backlog: 10_001,
            in_flight: 100,
            oldest_age: Some(Duration::from_secs(301)),
            ..ChannelHealth::default()
        };
        let flags = s.flags(&Thresholds::default());
        assert_eq!(
            flags,
            [
                Flag::Backlog(10_001),
                Flag::OldestAge(Duration::from_secs(301))
            ]
        );
        let h = Health {
            channels: vec![s],
            ..Health::default()
        };
        assert!(!h.is_healthy(&Thresholds::default()));
        let quiet = ChannelHealth {
            consumers: Some(0),
            ..ChannelHealth::default()
        };
        assert_eq!(quiet.flags(&Thresholds::default()), [Flag::NoConsumers]);
    }
}
