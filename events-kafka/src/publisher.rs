//! Publishing typed events: keyed, idempotent, acknowledged by every in-sync replica.

use std::time::Duration;

use events_bus::metrics as m;
use events_rt::EventSet;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;

use crate::cloudevents::Mode;
use crate::conn::{client_config, KafkaError};
use crate::record::{Record, RecordError};

/// How long a publish may take, the broker's acknowledgement and librdkafka's own
/// retries included, by default (`message.timeout.ms`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Partition.
    pub partition: i32,
    /// Offset in the partition.
    pub offset: i64,
}

/// Why a publish failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishCause {
    /// The event could not be made into a record.
    #[error(transparent)]
    Record(Box<RecordError>),
    /// The broker refused the record or did not acknowledge it in time.
    #[error("{0}")]
    Broker(#[source] RdError),
    /// The pre-publish check refused the event; nothing was sent.
    #[error("invalid: {0}")]
    Invalid(String),
    /// No acknowledgement within the publisher's timeout.
    #[error("no acknowledgement from the broker within {}s (is the broker up, and the topic created? `events kafka topics --apply` creates the catalog's)", .0.as_secs_f64())]
    Timeout(Duration),
}

impl From<RecordError> for PublishCause {
    fn from(e: RecordError) -> Self {
        Self::Record(Box::new(e))
    }
}

impl PublishCause {
    /// Whether trying again later may succeed (the broker was unreachable or slow).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Record(_) | Self::Invalid(_) => false,
            Self::Broker(e) => crate::conn::is_transient(e),
            Self::Timeout(_) => true,
        }
    }
}

/// A failed publish, naming the event and its topic.
#[derive(Debug, thiserror::Error)]
#[error("publishing {event_type} to topic `{topic}`: {cause}")]
pub struct PublishError {
    /// The event type.
    pub event_type: String,
    /// The topic.
    pub topic: String,
    /// Position of the event in the batch (0 for a single publish).
    pub index: usize,
    /// Why.
    #[source]
    pub cause: PublishCause,
}

/// Publishes typed events to the topics their contracts name, keyed by `x-event.key`.
///
/// The producer is idempotent (`enable.idempotence`, so `acks=all`, as seed 003's
/// `KAFKA_PRODUCER_ACKS=all`): librdkafka retries a failed send without duplicating it
/// or reordering the records of one partition, so the events of one key keep their order
/// across retries. `publish` returns once the broker acknowledged the record, or fails
/// within the timeout naming the event, the topic and the cause; it never hangs.
/// One `Publisher` is shared by reference between tasks.
pub struct Publisher {
    producer: FutureProducer,
    timeout: Duration,
    mode: Mode,
    prefix: String,
    check: Option<std::sync::Arc<dyn events_bus::PrePublish>>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("timeout", &self.timeout)
            .field("mode", &self.mode)
            .finish()
    }
}

impl Publisher {
    /// An idempotent producer for `brokers` (`127.0.0.1:9092`) with the default timeout.
    pub fn new(brokers: &str) -> Result<Self, KafkaError> {
        Self::with_timeout(brokers, DEFAULT_TIMEOUT)
    }

    /// [`Publisher::new`] with a publish timeout (`message.timeout.ms`).
    pub fn with_timeout(brokers: &str, timeout: Duration) -> Result<Self, KafkaError> {
        let mut config = client_config(brokers, "events-kafka-publisher");
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("message.timeout.ms", timeout.as_millis().max(1).to_string());
        Self::from_config(&config, timeout)
    }

    /// A publisher over librdkafka settings of your own (`timeout` should match
    /// `message.timeout.ms`). Keep `enable.idempotence` on to keep each key's order
    /// across retries.
    pub fn from_config(config: &ClientConfig, timeout: Duration) -> Result<Self, KafkaError> {
        let producer: FutureProducer = config
            .create()
            .map_err(|e| KafkaError::new("create the producer", e))?;
        Ok(Self {
            producer,
            timeout,
            mode: Mode::Envelope,
            prefix: String::new(),
            check: None,
        })
    }

    /// The wire form of the records: the plain envelope (default), or a CloudEvent in
    /// binary (`ce_*` headers) or structured (`application/cloudevents+json`) mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Publishes to `<prefix><topic>` instead of the contract's topic (an environment's
    /// namespace, `staging.order.created`; or a test's own topics). Consumers take the
    /// same prefix ([`Config::topic_prefix`](crate::Config::topic_prefix)).
    pub fn topic_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Checks every event before it is sent (e.g. an `events_check::validate::Validator`
    /// of the contract set): one that fails is not published, its result is
    /// [`PublishCause::Invalid`] with the reason, and the others of the batch go on.
    pub fn validate_with(mut self, check: std::sync::Arc<dyn events_bus::PrePublish>) -> Self {
        self.check = Some(check);
        self
    }

    /// The underlying librdkafka producer.
    pub fn producer(&self) -> &FutureProducer {
        &self.producer
    }

    /// Publishes one event and waits for the broker's acknowledgement.
    pub async fn publish<E: EventSet>(&self, event: &E) -> Result<Delivered, PublishError> {
        self.publish_batch(std::slice::from_ref(event))
            .await
            .pop()
            .expect("one result per event")
    }

    /// Publishes events in order, all handed to the producer before any acknowledgement
    /// is awaited (pipelined), and returns one result per event, in order.
    // Each error names its event type and topic by value, as the other runtimes' do.
    #[allow(clippy::result_large_err)]
    pub async fn publish_batch<E: EventSet>(
        &self,
        events: &[E],
    ) -> Vec<Result<Delivered, PublishError>> {
        self.publish_batch_with(events, |_, _| {}).await
    }

    /// [`publish_batch`](Self::publish_batch), each event's record passed to `adjust`
    /// (with the event's index) before it is sent: the outbox keys it by its row's
    /// aggregate id and adds the writer's headers.
    #[allow(clippy::result_large_err)]
    pub async fn publish_batch_with<E: EventSet>(
        &self,
        events: &[E],
        adjust: impl Fn(usize, &mut Record),
    ) -> Vec<Result<Delivered, PublishError>> {
        let mut records = Vec::with_capacity(events.len());
        let mut failed: Vec<(usize, PublishError)> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            match self.record(e) {
                Ok(mut r) => {
                    adjust(i, &mut r);
                    records.push(r);
                }
                Err(cause) => failed.push((
                    i,
                    PublishError {
                        event_type: e.type_name().to_owned(),
                        topic: format!("{}{}", self.prefix, e.channel()),
                        index: i,
                        cause,
                    },
                )),
            }
        }
        if failed.is_empty() {
            return self.send(&records).await;
        }
        // Events that could not be encoded are not sent; the others are, in order.
        let mut sent = self.send(&records).await.into_iter();
        let mut failed = failed.into_iter().peekable();
        (0..events.len())
            .map(|i| match failed.peek() {
                Some((j, _)) if *j == i => Err(failed.next().expect("peeked").1),
                _ => sent
                    .next()
                    .expect("one result per record")
                    .map_err(|mut e| {
                        e.index = i;
                        e
                    }),
            })
            .collect()
    }

    /// The record [`publish`](Self::publish) sends for `event`: checked first when
    /// validation is on, in this publisher's wire form, to its topic after the prefix.
    pub fn record<E: EventSet>(&self, event: &E) -> Result<Record, PublishCause> {
        if let Some(c) = &self.check {
            let json = event
                .encode_json()
                .map_err(|err| PublishCause::Record(Box::new(RecordError::Encode(err))))?;
            c.check(event.type_name(), &json)
                .map_err(PublishCause::Invalid)?;
        }
        let mut r = Record::with_mode(event, self.mode)?;
        if !self.prefix.is_empty() {
            r.topic.insert_str(0, &self.prefix);
        }
        Ok(r)
    }

    /// Sends prepared records (a dead-letter replay), acknowledged like
    /// [`publish_batch`](Self::publish_batch).
    pub async fn send(&self, records: &[Record]) -> Vec<Result<Delivered, PublishError>> {
        let mut futures = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            futures.push(self.enqueue(r, i).await);
        }
        let mut out = Vec::with_capacity(records.len());
        for (i, f) in futures.into_iter().enumerate() {
            let r = &records[i];
            let result = match f {
                Err(cause) => Err(cause),
                Ok(future) => {
                    // librdkafka fails the record at `message.timeout.ms`; the margin only
                    // guards against a report that never comes.
                    match tokio::time::timeout(self.timeout + Duration::from_secs(5), future).await
                    {
                        Err(_) => Err(PublishCause::Timeout(self.timeout)),
                        Ok(Err(_canceled)) => Err(PublishCause::Broker(RdError::Canceled)),
                        Ok(Ok(Ok(d))) => Ok(Delivered {
                            partition: d.partition,
                            offset: d.offset,
                        }),
                        Ok(Ok(Err((
                            RdError::MessageProduction(RDKafkaErrorCode::MessageTimedOut),
                            _,
                        )))) => Err(PublishCause::Timeout(self.timeout)),
                        Ok(Ok(Err((e, _)))) => Err(PublishCause::Broker(e)),
                    }
                }
            };
            metrics::counter!(m::EVENTS_PUBLISHED,
                m::STREAM => r.topic.clone(),
                m::EVENT_TYPE => r.event_type.clone(),
                m::STATUS => if result.is_ok() { "ok" } else { "error" })
            .increment(1);
            out.push(result.map_err(|cause| PublishError {
                event_type: r.event_type.clone(),
                topic: r.topic.clone(),
                index: i,
                cause,
            }));
        }
        out
    }

    /// Hands one record to the producer, waiting while its queue is full (up to the
    /// timeout).
    async fn enqueue(
        &self,
        r: &Record,
        _index: usize,
    ) -> Result<rdkafka::producer::DeliveryFuture, PublishCause> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let headers = r.owned_headers();
        loop {
            let mut record = FutureRecord::to(&r.topic)
                .payload(&r.value)
                .headers(headers.clone());
            if let Some(k) = &r.key {
                record = record.key(k);
            }
            match self.producer.send_result(record) {
                Ok(f) => return Ok(f),
                Err((RdError::MessageProduction(RDKafkaErrorCode::QueueFull), _))
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err((RdError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    return Err(PublishCause::Timeout(self.timeout))
                }
                Err((e, _)) => return Err(PublishCause::Broker(e)),
            }
        }
    }

    /// Waits until every record handed to the producer is acknowledged or failed, up to
    /// `timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer
            .flush(Timeout::After(timeout))
            .map_err(|e| KafkaError::new("flush the producer", e))
    }
}
