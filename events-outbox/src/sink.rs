//! Where the relay publishes: one trait, a sink per bus (Kafka, Redis Streams, RabbitMQ).

use std::future::Future;

use events_rt::EventSet;

/// What a row adds to its event on the way out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The row's `aggregateid`: the Kafka message key.
    pub key: String,
    /// Headers the writer added beyond `event_type` and `version`.
    pub headers: Vec<(String, String)>,
}

/// A publish that failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SinkError {
    /// The broker was unreachable, slow or refused for now: retried with backoff. Else the
    /// row is parked at once (it cannot be encoded, or the broker refuses it for good).
    pub transient: bool,
    /// What happened, naming the event and where it went.
    pub message: String,
}

impl SinkError {
    /// A failure that may pass.
    pub fn transient(message: impl std::fmt::Display) -> Self {
        Self {
            transient: true,
            message: message.to_string(),
        }
    }

    /// A failure that will not pass by waiting.
    pub fn permanent(message: impl std::fmt::Display) -> Self {
        Self {
            transient: false,
            message: message.to_string(),
        }
    }
}

/// A bus the relay publishes to. `publish` returns once the broker has acknowledged each
/// event (or failed it), one result per event in order; the relay marks a row published
/// only on its `Ok`.
pub trait Sink<E: EventSet>: Send + Sync {
    /// The bus, for logs, metrics and health (`kafka`, `redis`, `amqp`).
    fn name(&self) -> &'static str;
    /// Publishes `events` (at most one per key; `meta[i]` goes with `events[i]`) and
    /// reports each event, in order.
    fn publish(
        &self,
        events: &[E],
        meta: &[Meta],
    ) -> impl Future<Output = Vec<Result<(), SinkError>>> + Send;
    /// Whether the broker answers now: tells a broker outage (the rows wait, nothing is
    /// counted against them) from a row's own failure.
    fn check(&self) -> impl Future<Output = Result<(), SinkError>> + Send;
}

#[cfg(feature = "kafka")]
pub use kafka::KafkaSink;

#[cfg(feature = "kafka")]
mod kafka {
    use std::time::Duration;

    use events_kafka::rdkafka::producer::Producer;
    use events_kafka::Publisher;
    use events_rt::EventSet;

    use super::{Meta, Sink, SinkError};

    /// Kafka, through `events-kafka`: each event to its contract's topic, keyed by the
    /// row's `aggregateid` (the contract's key, the CloudEvents `partitionkey`), with the
    /// writer's extra headers; idempotent producer, `acks=all`. The publisher's settings
    /// apply: its wire form (`Publisher::mode`: the envelope or a CloudEvent), its topic
    /// prefix, its pre-publish validation and its timeout.
    pub struct KafkaSink {
        publisher: Publisher,
    }

    impl KafkaSink {
        /// A sink publishing through `publisher`.
        pub fn new(publisher: Publisher) -> Self {
            Self { publisher }
        }
    }

    impl<E: EventSet + Sync> Sink<E> for KafkaSink {
        fn name(&self) -> &'static str {
            "kafka"
        }

        async fn publish(&self, events: &[E], meta: &[Meta]) -> Vec<Result<(), SinkError>> {
            self.publisher
                .publish_batch_with(events, |i, r| {
                    r.key = Some(meta[i].key.clone().into_bytes());
                    r.headers.extend(
                        meta[i]
                            .headers
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone().into_bytes())),
                    );
                })
                .await
                .into_iter()
                .map(|r| match r {
                    Ok(_) => Ok(()),
                    Err(e) if e.cause.is_transient() => Err(SinkError::transient(e)),
                    Err(e) => Err(SinkError::permanent(e)),
                })
                .collect()
        }

        async fn check(&self) -> Result<(), SinkError> {
            let producer = self.publisher.producer().clone();
            tokio::task::spawn_blocking(move || {
                producer
                    .client()
                    .fetch_metadata(None, Duration::from_secs(2))
                    .map(|_| ())
                    .map_err(|e| SinkError::transient(format!("Kafka: {e}")))
            })
            .await
            .unwrap_or_else(|e| Err(SinkError::transient(format!("Kafka check: {e}"))))
        }
    }
}

#[cfg(feature = "redis")]
pub use redis_sink::RedisSink;

#[cfg(feature = "redis")]
mod redis_sink {
    use std::time::Duration;

    use events_redis::{PublishCause, Publisher, Redis};
    use events_rt::FieldSet;

    use super::{Meta, Sink, SinkError};

    /// Redis Streams, through `events-redis`: each event to its contract's stream, as the
    /// field map the Redis runtime writes.
    pub struct RedisSink {
        publisher: Publisher,
        redis: Redis,
    }

    impl RedisSink {
        /// A sink publishing through `publisher`; `redis` (the same server) answers the
        /// health check.
        pub fn new(publisher: Publisher, redis: Redis) -> Self {
            Self { publisher, redis }
        }
    }

    impl<E: FieldSet + Sync> Sink<E> for RedisSink {
        fn name(&self) -> &'static str {
            "redis"
        }

        async fn publish(&self, events: &[E], _meta: &[Meta]) -> Vec<Result<(), SinkError>> {
            self.publisher
                .publish_batch(events)
                .await
                .into_iter()
                .map(|r| {
                    r.map(|_| ()).map_err(|e| {
                        if is_transient(&e.cause) {
                            SinkError::transient(&e)
                        } else {
                            SinkError::permanent(&e)
                        }
                    })
                })
                .collect()
        }

        async fn check(&self) -> Result<(), SinkError> {
            let mut conn = self
                .redis
                .connect(Duration::from_secs(2))
                .await
                .map_err(|e| SinkError::transient(format!("Redis: {e}")))?;
            events_redis::redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .map(|_| ())
                .map_err(|e| SinkError::transient(format!("Redis: {e}")))
        }
    }

    /// Redis down, slow, loading or failing over: the row waits. A refusal of the command
    /// itself (a stream name held by another type, an encoding error) parks it.
    fn is_transient(cause: &PublishCause) -> bool {
        match cause {
            PublishCause::Timeout(_) => true,
            PublishCause::Redis(e) => {
                e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || matches!(
                        e.code(),
                        Some(
                            "LOADING"
                                | "BUSY"
                                | "TRYAGAIN"
                                | "CLUSTERDOWN"
                                | "MASTERDOWN"
                                | "READONLY"
                        )
                    )
            }
            _ => false,
        }
    }
}

#[cfg(feature = "amqp")]
pub use amqp::AmqpSink;

#[cfg(feature = "amqp")]
mod amqp {
    use events_amqp::{Message, PublishCause, Publisher};
    use events_rt::EventSet;

    use super::{Meta, Sink, SinkError};

    /// RabbitMQ, through `events-amqp`: each event to its contract's exchange and routing
    /// key, confirmed by the broker.
    pub struct AmqpSink {
        publisher: Publisher,
    }

    impl AmqpSink {
        /// A sink publishing through `publisher` (publish it `mandatory` to park events
        /// that no queue would receive).
        pub fn new(publisher: Publisher) -> Self {
            Self { publisher }
        }
    }

    impl<E: EventSet + Sync> Sink<E> for AmqpSink {
        fn name(&self) -> &'static str {
            "amqp"
        }

        async fn publish(&self, events: &[E], _meta: &[Meta]) -> Vec<Result<(), SinkError>> {
            let mut out: Vec<Option<Result<(), SinkError>>> = vec![None; events.len()];
            let mut messages = Vec::with_capacity(events.len());
            let mut index = Vec::with_capacity(events.len());
            for (i, event) in events.iter().enumerate() {
                match Message::of(event) {
                    Ok(m) => {
                        messages.push(m);
                        index.push(i);
                    }
                    Err(e) => {
                        out[i] = Some(Err(SinkError::permanent(format!(
                            "{}: {e}",
                            event.type_name()
                        ))))
                    }
                }
            }
            // A batch is confirmed as a whole: on a failure, the failing message carries
            // its cause and the others of the batch are tried again (at least once).
            if let Err(e) = self.publisher.send(&messages).await {
                let failing = index.get(e.index).copied();
                let transient = !matches!(
                    e.cause,
                    PublishCause::Encode(_)
                        | PublishCause::Invalid(_)
                        | PublishCause::CloudEvent(_)
                        | PublishCause::Unroutable { .. }
                );
                for &i in &index {
                    out[i] = Some(Err(if Some(i) == failing && !transient {
                        SinkError::permanent(&e)
                    } else if Some(i) == failing {
                        SinkError::transient(&e)
                    } else {
                        SinkError::transient(format!(
                            "not confirmed: another message of its batch failed ({e})"
                        ))
                    }));
                }
            }
            out.into_iter().map(|r| r.unwrap_or(Ok(()))).collect()
        }

        async fn check(&self) -> Result<(), SinkError> {
            self.publisher
                .channel()
                .await
                .map(|_| ())
                .map_err(|e| SinkError::transient(format!("RabbitMQ: {e}")))
        }
    }
}
