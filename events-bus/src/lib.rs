//! The bus-independent core of the event runtimes (Redis Streams and AMQP today, Kafka
//! next): what a service writes once and keeps when it moves between buses.
//!
//! - [`Handler`]: an `async` function over a typed event that returns `Ok`, a
//!   [`HandlerError::retryable`] or a [`HandlerError::permanent`] error;
//! - [`RetryPolicy`] and [`Backoff`]: exponential backoff, 1 s doubling to 60 s by default
//!   (seed 001 §12.1), and the number of deliveries before an entry is dead-lettered;
//! - [`CircuitBreaker`]: stops reading while the handler keeps failing (seed 001 §12.3);
//! - [`metrics`]: metric and label names (seed 001 §13.4);
//! - [`Health`] and [`ChannelHealth`]: per channel (stream, queue, topic) its backlog,
//!   what is in flight and for how long, dead letters and consumers, flagged against
//!   [`Thresholds`] (seed 001 §13.2, seed 002, seed 003).
//!
//! No bus client is linked here; a runtime crate (`events-redis`, `events-amqp`) drives
//! these pieces.

mod breaker;
#[cfg(feature = "conformance")]
pub mod conformance;
mod handler;
mod health;
pub mod metrics;
mod prepublish;
mod retry;

pub use breaker::{BreakerState, CircuitBreaker};
pub use handler::{
    handler_fn, Delivery, ErrorKind, FnHandler, Handler, HandlerError, UnknownTypes,
};
pub use health::{ChannelHealth, Flag, Health, Thresholds};
pub use prepublish::PrePublish;
pub use retry::{Backoff, RetryPolicy};
