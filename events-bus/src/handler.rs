//! The handler a service writes: an async function over a typed event.

use std::fmt;
use std::future::Future;
use std::time::SystemTime;

/// What went wrong in a handler, and whether trying again may help.
///
/// ```
/// use events_bus::{ErrorKind, HandlerError};
///
/// let e = HandlerError::retryable("warehouse service unavailable");
/// assert_eq!(e.kind(), ErrorKind::Retryable);
/// assert_eq!(e.to_string(), "retryable: warehouse service unavailable");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    kind: ErrorKind,
    message: String,
}

/// How the runtime treats a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A transient failure (a downstream outage, a timeout): the entry is delivered again
    /// after a backoff, until the retry policy's `max_deliveries`; counts towards the
    /// circuit breaker.
    Retryable,
    /// The entry can never succeed (a business rule refuses it): it is dead-lettered at
    /// once and acknowledged.
    Permanent,
}

impl ErrorKind {
    /// `retryable` / `permanent`, as used in metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Retryable => "retryable",
            Self::Permanent => "permanent",
        }
    }
}

impl HandlerError {
    /// A transient failure: deliver again later.
    pub fn retryable(message: impl fmt::Display) -> Self {
        Self {
            kind: ErrorKind::Retryable,
            message: message.to_string(),
        }
    }

    /// A failure that no retry can fix: dead-letter now.
    pub fn permanent(message: impl fmt::Display) -> Self {
        Self {
            kind: ErrorKind::Permanent,
            message: message.to_string(),
        }
    }

    /// Whether the entry is to be retried or dead-lettered.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message given by the handler.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for HandlerError {}

/// Where and how often an event was delivered, handed to the handler with the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Stream, queue or topic the event was read from.
    pub channel: String,
    /// The bus's id of the entry (a Redis stream entry id, a Kafka offset).
    pub id: String,
    /// The consumer group.
    pub group: String,
    /// This consumer's name in the group.
    pub consumer: String,
    /// 1 on the first delivery; counted by the bus (the Redis PEL), so it survives restarts.
    pub attempt: u64,
    /// When the delivery started.
    pub received_at: SystemTime,
}

/// Handles one typed event. Implemented for you by [`handler_fn`]; implement it directly
/// when the handler holds state (a connection pool, a repository).
///
/// The runtime acknowledges an entry only after `Ok`. A handler should be idempotent
/// (seed 001 §11.5): an entry may be delivered again after a crash or a timeout.
pub trait Handler<E>: Send + Sync + 'static {
    /// Handles `event`, delivered as `delivery` says.
    fn handle(
        &self,
        event: E,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// A [`Handler`] made of an async closure; see [`handler_fn`].
#[derive(Clone)]
pub struct FnHandler<F>(F);

impl<F> fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnHandler")
    }
}

/// Makes a [`Handler`] from a closure returning a future.
///
/// ```
/// use events_bus::{handler_fn, Delivery, Handler, HandlerError};
///
/// let h = handler_fn(|n: u32, _d: Delivery| async move {
///     if n == 0 { Err(HandlerError::permanent("zero")) } else { Ok(()) }
/// });
/// # fn is_handler<H: Handler<u32>>(_: &H) {}
/// is_handler(&h);
/// ```
pub fn handler_fn<E, F, Fut>(f: F) -> FnHandler<F>
where
    F: Fn(E, Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    FnHandler(f)
}

impl<E, F, Fut> Handler<E> for FnHandler<F>
where
    F: Fn(E, Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    fn handle(
        &self,
        event: E,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        (self.0)(event, delivery.clone())
    }
}

/// What to do with an entry of a well-formed but unknown event type (a newer producer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownTypes {
    /// Acknowledge and skip it (a tolerant reader; the default).
    Skip,
    /// Move it to the dead-letter channel (stream or queue).
    DeadLetter,
}
