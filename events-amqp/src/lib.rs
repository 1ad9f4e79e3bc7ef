//! Typed RabbitMQ runtime: publish the contracts to the exchanges and routing keys their
//! schemas name, and consume them from queues that lose nothing.
//!
//! - [`Topology`] / [`declare_topology`]: the exchanges of the catalog, the queues a
//!   service names with their bindings, and for each queue a retry queue (a delay, then
//!   back) and a dead-letter queue on seed 002's `deadletter` exchange (`Q.failed`);
//! - [`Publisher`]: persistent `application/json` messages with properties from the
//!   envelope, publisher confirms (`publish` returns once the broker confirmed), `mandatory`
//!   (an unroutable message is an error), pipelined batches, reconnects;
//! - [`Consumer`]: a typed [`events_bus::Handler`] over the generated `Event` (or one
//!   contract), prefetch, ack after success, delayed retries counted by the broker's
//!   `x-death` header, dead letters with the reason in their headers, graceful shutdown,
//!   reconnects that declare the topology again;
//! - [`dlq`]: dead letters read back with their reason, and replayed to their queue;
//! - [`health`]: a queue's depth, consumers, retries and dead letters.
//!
//! The handler signature, error kinds, retry policy, metric names and health figures
//! come from [`events_bus`], shared with the Redis Streams runtime (`events-redis`): a
//! handler moves between the buses unchanged.

pub mod cloudevents;
mod conn;
mod consumer;
pub mod dlq;
pub mod health;
mod props;
mod publisher;
mod topology;

pub use conn::{connect, AmqpError, CONNECT_TIMEOUT, DEFAULT_URL};
pub use consumer::{
    parse_duration, Config, Consumer, ConsumerError, Counts, Stats, BROKER_TIMEOUT,
    DEFAULT_MAX_RETRIES, DEFAULT_PREFETCH, MAX_ERROR_HEADER,
};
pub use events_bus;
pub use lapin;
pub use props::{
    header_int, header_str, properties, rejections, ATTEMPTS_HEADER, CONTENT_TYPE,
    DEAD_LETTERED_AT_HEADER, ERROR_HEADER, EVENT_TYPE_HEADER, EXCHANGE_HEADER, QUEUE_HEADER,
    REASON_HEADER, ROUTING_KEY_HEADER, TENANT_HEADER,
};
pub use publisher::{Message, PublishCause, PublishError, Publisher, DEFAULT_TIMEOUT};
pub use tokio_util::sync::CancellationToken;
pub use topology::{
    declare_topology, QueueNames, QueueSpec, Topology, DEAD_LETTER_EXCHANGE, DEFAULT_RETRY_DELAY,
};
