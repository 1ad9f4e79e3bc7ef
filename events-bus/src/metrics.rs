//! Metric and label names shared by every runtime, after seed 001 §13.4, so dashboards
//! and alerts survive a move between buses. Runtimes record them through the `metrics`
//! facade; the application installs the exporter (Prometheus or other).

/// Counter: events published. Labels: [`STREAM`], [`EVENT_TYPE`], [`STATUS`] (`ok` / `error`).
pub const EVENTS_PUBLISHED: &str = "events_published_total";
/// Counter: deliveries handled. Labels: [`STREAM`], [`EVENT_TYPE`], [`STATUS`] (one of
/// [`status`]).
pub const EVENTS_CONSUMED: &str = "events_consumed_total";
/// Histogram, seconds: handler duration. Labels: [`STREAM`], [`EVENT_TYPE`].
pub const PROCESSING_DURATION: &str = "event_processing_duration_seconds";
/// Counter: entries moved to a dead-letter channel. Labels: [`STREAM`], [`REASON`].
pub const EVENTS_DEAD_LETTERED: &str = "events_dead_lettered_total";
/// Counter: entries taken over from other consumers after `min_idle`. Labels: [`STREAM`].
pub const EVENTS_CLAIMED: &str = "events_claimed_total";
/// Gauge: 1 while the circuit breaker is open, else 0. Labels: [`GROUP`].
pub const BREAKER_OPEN: &str = "events_consumer_breaker_open";
/// Counter: errors talking to the bus (reads, acks, reconnects). Labels: [`STREAM`].
pub const BUS_ERRORS: &str = "events_bus_errors_total";

/// Label: stream, queue or topic.
pub const STREAM: &str = "stream";
/// Label: event type (`order.confirmed`), or `unknown` when the entry did not decode.
pub const EVENT_TYPE: &str = "event_type";
/// Label: outcome.
pub const STATUS: &str = "status";
/// Label: why an entry was dead-lettered (`permanent`, `max_deliveries`, `undecodable`, `unknown_type`).
pub const REASON: &str = "reason";
/// Label: consumer group.
pub const GROUP: &str = "group";

/// Values of the [`STATUS`] label of [`EVENTS_CONSUMED`].
pub mod status {
    /// Handled and acknowledged.
    pub const OK: &str = "ok";
    /// Failed with a retryable error; delivered again later.
    pub const RETRY: &str = "retry";
    /// Moved to the dead-letter channel and acknowledged.
    pub const DEAD_LETTERED: &str = "dead_lettered";
    /// Acknowledged without handling: an unknown event type, or already handled
    /// (idempotency guard).
    pub const SKIPPED: &str = "skipped";
}
