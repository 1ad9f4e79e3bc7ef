//! A transactional outbox in PostgreSQL (seed 003's `order_events_outbox`): typed events
//! are written in the same transaction as the business change, and a relay publishes the
//! committed rows to Kafka, Redis Streams or RabbitMQ, each key's rows in order, losing
//! nothing.
//!
//! - [`migrate`] creates the table (columns Debezium's outbox event router reads: `id`,
//!   `aggregatetype`, `aggregateid`, `type`, `payload`; plus `seq`, `topic`, `headers`,
//!   `created_at`, `attempts`, `next_attempt_at`, `last_error`, `parked_at`,
//!   `published_at`), its dead-letter table and the trigger that wakes the relays.
//! - [`Outbox::enqueue`] writes a typed event inside the caller's transaction, and nothing
//!   else. [`Row`] gives the same row as SQL text and parameters for other drivers.
//! - [`Relay`] publishes through a [`Sink`] ([`KafkaSink`], [`RedisSink`], [`AmqpSink`]).
//! - [`admin`]: figures, parked rows, replay, discard (the `events outbox` commands).
//!
//! # What the writer must do
//! Rows of one key are published in `seq` order, and `seq` is taken at insert time. Two
//! transactions that enqueue events of the same key concurrently could commit in the
//! other order, so the later `seq` would be visible (and published) first. Serialise the
//! writers of one aggregate: lock its row (`SELECT … FOR UPDATE`) before enqueueing, as
//! any update of that row does anyway. The relay never skips a row whose transaction
//! commits late; it publishes it as soon as it is visible.
//!
//! # Guarantees
//! At least once: a row is marked published only after the broker acknowledged it, so a
//! relay that dies in between publishes it again (consumers deduplicate by event id; the
//! duplicates are bounded by two batches per relay death: the one being marked and the one
//! being published meanwhile). Per-key order with any number of
//! relays (see [`relay`]). A row that keeps failing is retried with exponential backoff,
//! then parked with its error, holding back only its own key, until it is replayed or
//! discarded; nothing is deleted unless it was published (or discarded into
//! `<name>_dead`).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod admin;
mod enqueue;
pub mod relay;
pub mod sink;
mod table;

pub use admin::{connect, migrate, AdminError, Stats};
pub use enqueue::{EnqueueError, Outbox, Row, Writer, EVENT_TYPE_HEADER, VERSION_HEADER};
pub use relay::{Probe, Relay, RelayConfig, RelayHealth, RelayStats};
#[cfg(feature = "amqp")]
pub use sink::AmqpSink;
#[cfg(feature = "kafka")]
pub use sink::KafkaSink;
#[cfg(feature = "redis")]
pub use sink::RedisSink;
pub use sink::{Meta, Sink, SinkError};
pub use table::{Sql, Table, TableError, INSERT_COLUMNS, SEED_003_TABLE, SLOTS};
pub use tokio_postgres;

/// An error and its causes as one line, a PostgreSQL error with the server's message (for
/// programs that print what stopped them).
pub fn error_line(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(pg) = e.downcast_ref::<tokio_postgres::Error>() {
        return format!("PostgreSQL: {}", pg_message(pg));
    }
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

/// A PostgreSQL error as one line: the server's message (with its detail and hint) for a
/// database error, which `tokio_postgres::Error`'s own `Display` leaves out.
pub fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{} ({})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                m.push_str(": ");
                m.push_str(d);
            }
            if let Some(h) = db.hint() {
                m.push_str("; hint: ");
                m.push_str(h);
            }
            m
        }
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}
pub use tokio_util::sync::CancellationToken;
