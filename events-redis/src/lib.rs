//! Typed Redis Streams runtime: publish the contracts to the streams they name, and
//! consume them with consumer groups that lose nothing.
//!
//! - [`Publisher`]: `XADD <Contract::CHANNEL> MAXLEN ~ n`, one event or a pipelined batch
//!   (on a connection of its own to a single server over TCP), failing within a timeout
//!   when Redis is away;
//! - [`Consumer`]: a typed [`events_bus::Handler`] over the generated `Event` (or one
//!   contract), own pending entries first, `XAUTOCLAIM` of dead consumers' entries,
//!   retries with backoff counted in the PEL, a dead-letter stream, a circuit breaker,
//!   bounded concurrency, graceful shutdown, reconnects, Redis Cluster;
//! - [`dlq`]: the dead-letter entry format, read back typed, and replayed;
//! - [`health`]: the figures of seed 001 §13.2 for a stream and group.
//!
//! The handler signature, error kinds, retry policy, metric names and health snapshot
//! come from [`events_bus`], shared with the next bus runtimes.

mod conn;
mod consumer;
mod direct;
pub mod dlq;
pub mod health;
mod publisher;

pub use conn::{Conn, Redis};
pub use consumer::{
    glob_match, Config, Consumer, ConsumerError, Idempotency, IdempotencyKey, Probe, StartFrom,
};
pub use events_bus;
pub use events_bus::UnknownTypes;
pub use publisher::{
    PublishCause, PublishError, Publisher, DEFAULT_BUSY_POLL, DEFAULT_MAX_LEN, FIRST_PART, GROWTH,
    SUB_PIPELINE,
};
pub use redis;
pub use tokio_util::sync::CancellationToken;
