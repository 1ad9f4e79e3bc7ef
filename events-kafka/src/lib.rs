//! Typed Kafka runtime: publish the contracts to the topics their schemas name, keyed so
//! that one aggregate's events stay in order, and consume them in consumer groups that
//! lose nothing.
//!
//! - [`Publisher`]: topic and key from the contract (`x-event.key`), value = the envelope
//!   JSON exactly as the JSON codec writes it, headers `event_type` and `version`;
//!   idempotent producer (`acks=all`), `publish` returns once the broker acknowledged,
//!   `publish_batch` pipelines with one result per event, errors name the event type,
//!   topic and cause within a timeout; CloudEvents binary or structured mode on request
//!   ([`cloudevents::Mode`]);
//! - [`Consumer`]: a typed [`events_bus::Handler`] over the generated `Event` (or one
//!   contract) in a consumer group: per-partition order, bounded concurrency across
//!   partitions, offsets committed only behind handled messages, retries that hold back
//!   only their own partition, dead-letter topics (`<topic>.dlq`) with the reason in
//!   headers, rebalances that commit what was handled and abandon the rest to the next
//!   owner, graceful shutdown; reads the plain envelope and both CloudEvents modes;
//! - [`admin`]: the catalog's topics (partitions, replication, retention) against the
//!   brokers', and creating what is missing;
//! - [`health`]: a group's lag per partition and its dead-letter topics' sizes (seed 003's
//!   alert: lag above 1,000);
//! - [`dlq`]: dead letters read back with their reason, and replayed to their topic.
//!
//! The handler signature, error kinds, retry policy and metric names come from
//! [`events_bus`], shared with `events-redis` and `events-amqp`: a handler written once
//! runs on any of the three buses.

pub mod admin;
pub mod cloudevents;
mod conn;
mod consumer;
pub mod dlq;
pub mod health;
mod publisher;
mod record;

pub use conn::{client_config, is_transient, KafkaError, DEFAULT_BROKERS, REQUEST_TIMEOUT};
pub use consumer::{
    Config, Consumer, ConsumerError, Counts, Stats, DEFAULT_CONCURRENCY, DEFAULT_DLQ_SUFFIX,
};
pub use events_bus;
pub use publisher::{Delivered, PublishCause, PublishError, Publisher, DEFAULT_TIMEOUT};
pub use rdkafka;
pub use record::{
    headers_of, Record, RecordError, RecordFacts, ATTEMPTS_HEADER, DEAD_LETTERED_AT_HEADER,
    ERROR_HEADER, EVENT_TYPE_HEADER, MAX_ERROR_HEADER, OFFSET_HEADER, PARTITION_HEADER,
    REASON_HEADER, TOPIC_HEADER, VERSION_HEADER,
};
pub use tokio_util::sync::CancellationToken;
