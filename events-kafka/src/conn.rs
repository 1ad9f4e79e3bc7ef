//! Client settings shared by the publisher, the consumer and the admin calls.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};

/// The brokers of a local development cluster (seed 003's `KAFKA_BROKERS` outside Docker).
pub const DEFAULT_BROKERS: &str = "127.0.0.1:9092";

/// How long a metadata, offsets or admin request may take before it fails.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A failure talking to the brokers, naming what was being done.
#[derive(Debug, thiserror::Error)]
#[error("kafka: cannot {action}: {source}")]
pub struct KafkaError {
    /// What was being done (`create the producer`, `fetch the watermarks of order.created/0`).
    pub action: String,
    /// librdkafka's error.
    #[source]
    pub source: RdError,
}

impl KafkaError {
    /// Wraps `source` with what was being done.
    pub fn new(action: impl Into<String>, source: RdError) -> Self {
        Self {
            action: action.into(),
            source,
        }
    }

    /// Whether the failure is the broker being unreachable or slow (worth a retry), not a
    /// refusal.
    pub fn is_transient(&self) -> bool {
        is_transient(&self.source)
    }
}

/// Whether a librdkafka error means "try again later" (no broker, a timeout, a leader
/// moving) rather than a refusal.
pub fn is_transient(e: &RdError) -> bool {
    use RDKafkaErrorCode as C;
    match e.rdkafka_error_code() {
        Some(
            C::BrokerTransportFailure
            | C::AllBrokersDown
            | C::MessageTimedOut
            | C::RequestTimedOut
            | C::OperationTimedOut
            | C::LeaderNotAvailable
            | C::NotLeaderForPartition
            | C::NetworkException
            | C::NotEnoughReplicas
            | C::NotEnoughReplicasAfterAppend
            | C::NotCoordinator
            | C::CoordinatorNotAvailable
            | C::CoordinatorLoadInProgress
            | C::QueueFull
            | C::UnknownTopicOrPartition,
        ) => true,
        _ => matches!(e, RdError::Canceled),
    }
}

/// The settings every client of this crate starts from: the brokers, a client id, and
/// librdkafka's own logs kept out of stderr (they go through `tracing` only at warn level).
pub fn client_config(brokers: &str, client_id: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers)
        .set("client.id", client_id)
        .set("socket.timeout.ms", "10000")
        .set("log_level", "3");
    c
}
