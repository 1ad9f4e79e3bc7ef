//! Consuming typed events from a queue: ack after success, delayed retries counted by the
//! broker, dead letters with their reason, graceful shutdown, reconnects.

use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use events_bus::metrics as m;
use events_bus::{Backoff, Delivery, ErrorKind, Handler, RetryPolicy, UnknownTypes};
use events_rt::{DecodeError, EventSet};
use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery as AmqpDelivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, BasicRejectOptions, ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Confirmation, Connection};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{sleep, Instant};
use tokio_util::sync::CancellationToken;

use crate::conn::{connect, short, AmqpError};
use crate::props::{self, rejections, text};
use crate::topology::{declare_topology, QueueNames, Topology, DEFAULT_RETRY_DELAY};

/// Seed 002's `RABBITMQ_PREFETCH`.
pub const DEFAULT_PREFETCH: u16 = 10;
/// Seed 002's `RABBITMQ_RETRY_COUNT`.
pub const DEFAULT_MAX_RETRIES: u64 = 3;

/// How long one exchange with the broker (an ack, a confirm, a cancel, a close) may take
/// before the consumer treats the channel as lost: a broker that stops answering must
/// not hang a shutdown.
pub const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `f`, giving up after [`BROKER_TIMEOUT`].
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(BROKER_TIMEOUT, f).await.ok()
}

/// Longest handler or decoder message kept in a dead letter's `x-events-error` header.
pub const MAX_ERROR_HEADER: usize = 1000;

/// How a [`Consumer`] connects, what it declares and how it treats failures.
#[derive(Debug, Clone)]
pub struct Config {
    /// Broker URL.
    pub url: String,
    /// The queue consumed.
    pub queue: String,
    /// `(exchange, binding key)` pairs the queue is bound with when the topology is
    /// declared.
    pub bindings: Vec<(String, String)>,
    /// Declare the topology (exchanges of the event set, the queue, its bindings, retry
    /// and dead-letter queues) on every connect. Default `true`.
    pub declare: bool,
    /// Unacknowledged deliveries the broker sends ahead (`basic.qos`).
    pub prefetch: u16,
    /// Handlers running at once (at most `prefetch`; 1 keeps the queue's order).
    pub concurrency: usize,
    /// Deliveries before a retryable failure is dead-lettered (`max_retries + 1`), and
    /// the retry delay (`backoff.base`: a rejected message waits that long in `Q.retry`).
    pub retry: RetryPolicy,
    /// What to do with a message of a type outside the event set. Default: dead-letter
    /// it (a queue receives what its bindings route to it; nothing is dropped).
    pub unknown_types: UnknownTypes,
    /// The consumer tag and connection name.
    pub tag: String,
    /// Stop (gracefully, `Ok`) once the queue is empty, nothing is in hand, and nothing
    /// arrived for this long.
    pub exit_when_idle: Option<Duration>,
    /// Pause between reconnects after a lost connection.
    pub reconnect: Backoff,
    /// Exchanges declared beside the event set's (kinds other than `topic`).
    pub topology: Option<Topology>,
}

impl Config {
    /// Consume `queue` on the broker at `url` with seed 002's defaults: prefetch 10,
    /// 3 retries 5 s apart, then the dead-letter queue.
    pub fn new(url: impl Into<String>, queue: impl Into<String>) -> Self {
        let queue = queue.into();
        Self {
            url: url.into(),
            tag: format!("events-amqp {queue} {}", std::process::id()),
            queue,
            bindings: Vec::new(),
            declare: true,
            prefetch: DEFAULT_PREFETCH,
            concurrency: usize::from(DEFAULT_PREFETCH),
            retry: RetryPolicy {
                backoff: Backoff {
                    base: DEFAULT_RETRY_DELAY,
                    max: DEFAULT_RETRY_DELAY,
                    factor: 1,
                },
                max_deliveries: DEFAULT_MAX_RETRIES + 1,
            },
            unknown_types: UnknownTypes::DeadLetter,
            exit_when_idle: None,
            reconnect: Backoff {
                base: Duration::from_millis(200),
                max: Duration::from_secs(10),
                factor: 2,
            },
            topology: None,
        }
    }

    /// [`Config::new`] from seed 002's environment: `RABBITMQ_URL` (else the local
    /// broker), `RABBITMQ_PREFETCH`, `RABBITMQ_RETRY_COUNT`, `RABBITMQ_RETRY_DELAY`
    /// (`5s`, `500ms`, `2m`). A value that does not parse is an error naming it.
    pub fn from_env(queue: impl Into<String>) -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut c = Self::new(
            var("RABBITMQ_URL").unwrap_or_else(|| crate::DEFAULT_URL.to_owned()),
            queue,
        );
        if let Some(v) = var("RABBITMQ_PREFETCH") {
            let n: u16 = v
                .parse()
                .map_err(|_| format!("RABBITMQ_PREFETCH={v:?} is not a number of messages"))?;
            c = c.prefetch(n);
        }
        if let Some(v) = var("RABBITMQ_RETRY_COUNT") {
            let n: u64 = v
                .parse()
                .map_err(|_| format!("RABBITMQ_RETRY_COUNT={v:?} is not a number of retries"))?;
            c = c.max_retries(n);
        }
        if let Some(v) = var("RABBITMQ_RETRY_DELAY") {
            let d = parse_duration(&v).ok_or_else(|| {
                format!("RABBITMQ_RETRY_DELAY={v:?} is not a duration such as 5s, 500ms or 2m")
            })?;
            c = c.retry_delay(d);
        }
        Ok(c)
    }

    /// Binds the queue to `exchange` with `key` (`order.*`, `product.#`).
    pub fn bind(mut self, exchange: impl Into<String>, key: impl Into<String>) -> Self {
        self.bindings.push((exchange.into(), key.into()));
        self
    }

    /// Prefetch, and concurrency up to it.
    pub fn prefetch(mut self, n: u16) -> Self {
        self.prefetch = n.max(1);
        self.concurrency = self.concurrency.min(usize::from(self.prefetch)).max(1);
        self
    }

    /// Handlers at once (1 to `prefetch`).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.clamp(1, usize::from(self.prefetch));
        self
    }

    /// Retries after the first delivery before dead-lettering.
    pub fn max_retries(mut self, n: u64) -> Self {
        self.retry.max_deliveries = n.saturating_add(1);
        self
    }

    /// The delay a rejected message waits before it comes back.
    pub fn retry_delay(mut self, d: Duration) -> Self {
        self.retry.backoff = Backoff {
            base: d,
            max: d,
            factor: 1,
        };
        self
    }

    /// What to do with messages of unknown types.
    pub fn unknown_types(mut self, u: UnknownTypes) -> Self {
        self.unknown_types = u;
        self
    }

    /// Stop once idle for `d` (see [`Config::exit_when_idle`]).
    pub fn exit_when_idle(mut self, d: Duration) -> Self {
        self.exit_when_idle = Some(d);
        self
    }

    /// The consumer tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    /// The topology this consumer declares: the event set's exchanges, `extra`'s
    /// exchanges, the queue with its bindings, retry and dead-letter queues.
    pub fn topology_for<E: EventSet>(&self) -> Topology {
        let mut t = Topology::of::<E>();
        if let Some(extra) = &self.topology {
            for (name, kind) in extra.exchanges() {
                t = t.exchange(name, kind.clone());
            }
        }
        t.queue(&self.queue, self.bindings.iter().cloned())
            .retry_delay(self.retry.backoff.base)
    }
}

/// `5s`, `500ms`, `2m`, `1h`, or a number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().ok()?;
    Some(match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    })
}

/// What a consumer did, counted since it started.
#[derive(Debug, Default)]
pub struct Stats {
    handled: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    skipped: AtomicU64,
    reconnects: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Handled and acknowledged.
    pub handled: u64,
    /// Rejected to the retry queue.
    pub retried: u64,
    /// Published to the dead-letter queue and acknowledged.
    pub dead_lettered: u64,
    /// Unknown types acknowledged without handling ([`UnknownTypes::Skip`]).
    pub skipped: u64,
    /// Connections reopened after a loss.
    pub reconnects: u64,
}

impl Stats {
    /// The counts now.
    pub fn counts(&self) -> Counts {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Counts {
            handled: get(&self.handled),
            retried: get(&self.retried),
            dead_lettered: get(&self.dead_lettered),
            skipped: get(&self.skipped),
            reconnects: get(&self.reconnects),
        }
    }
}

/// Why a consumer stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    /// The first connection failed, or the topology conflicts with the broker's.
    #[error(transparent)]
    Amqp(#[from] AmqpError),
    /// The configuration contradicts itself.
    #[error("consumer configuration: {0}")]
    Config(String),
}

/// Consumes one queue with a typed handler.
///
/// Each message is decoded as `E` (the generated `Event`, or one contract) and handed to
/// the handler with its [`Delivery`] (`attempt` counted from the broker's `x-death`
/// header). `Ok` acknowledges it; a retryable error rejects it into `Q.retry`, from which
/// it comes back after the retry delay, until `max_retries`; then, or on a permanent
/// error, or when it does not decode, it is published to the dead-letter exchange with
/// the reason in its headers (confirmed) and only then acknowledged. Nothing is
/// acknowledged before it is handled or safely dead-lettered.
pub struct Consumer<E, H> {
    config: Arc<Config>,
    handler: Arc<H>,
    token: CancellationToken,
    stats: Arc<Stats>,
    _events: PhantomData<fn() -> E>,
}

impl<E, H> std::fmt::Debug for Consumer<E, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("queue", &self.config.queue)
            .field("url", &events_rt::redact_url(&self.config.url))
            .finish()
    }
}

enum Stop {
    /// Cancelled or idle: shut down.
    Done,
    /// The connection or channel went away: reconnect.
    Lost(String),
}

struct Session<E, H> {
    config: Arc<Config>,
    names: QueueNames,
    handler: Arc<H>,
    stats: Arc<Stats>,
    /// Confirm-mode channel for dead letters.
    dead: Channel,
    /// When the session started, and milliseconds since then of the last delivery or
    /// finished handler (for `exit_when_idle`).
    started: Instant,
    last_activity: AtomicU64,
    _events: PhantomData<fn() -> E>,
}

impl<E: EventSet, H: Handler<E>> Consumer<E, H> {
    /// A consumer of `config.queue` calling `handler`.
    pub fn new(config: Config, handler: H) -> Self {
        Self {
            config: Arc::new(config),
            handler: Arc::new(handler),
            token: CancellationToken::new(),
            stats: Arc::new(Stats::default()),
            _events: PhantomData,
        }
    }

    /// Cancelling this token stops the consumer gracefully: no new deliveries, the
    /// handlers in hand finish and are acknowledged, then `run` returns.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// The counters, shared with the running consumer.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    /// Runs until the shutdown token is cancelled (or the queue is idle, with
    /// [`Config::exit_when_idle`]). A lost connection is reopened with backoff and the
    /// topology declared again; the first connection failing, or a topology conflict,
    /// is an error.
    pub async fn run(self) -> Result<Counts, ConsumerError> {
        if self.config.queue.is_empty() {
            return Err(ConsumerError::Config("the queue name is empty".into()));
        }
        let topology = self.config.topology_for::<E>();
        let mut connected_once = false;
        let mut failures = 0u64;
        loop {
            if self.token.is_cancelled() {
                break;
            }
            match self.session(&topology, &mut connected_once).await {
                Ok(Stop::Done) => break,
                Ok(Stop::Lost(why)) => {
                    failures = 1;
                    self.lost(&why);
                }
                Err(e) if connected_once && e.is_connection_loss() => {
                    failures += 1;
                    self.lost(&e.to_string());
                }
                Err(e) => return Err(e.into()),
            }
            let pause = self.config.reconnect.delay(failures);
            tokio::select! {
                _ = self.token.cancelled() => break,
                _ = sleep(pause) => {}
            }
        }
        Ok(self.stats.counts())
    }

    fn lost(&self, why: &str) {
        self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(m::BUS_ERRORS, m::STREAM => self.config.queue.clone()).increment(1);
        tracing::warn!(queue = %self.config.queue, "connection to the broker lost ({why}); reconnecting");
    }

    async fn session(
        &self,
        topology: &Topology,
        connected_once: &mut bool,
    ) -> Result<Stop, AmqpError> {
        let c = &self.config;
        let conn = connect(&c.url, &c.tag).await?;
        let result = self.consume(&conn, topology, connected_once).await;
        let _ = bounded(conn.close(200, "bye".into())).await;
        result
    }

    async fn consume(
        &self,
        conn: &Connection,
        topology: &Topology,
        connected_once: &mut bool,
    ) -> Result<Stop, AmqpError> {
        let c = &self.config;
        let broker = |what: &str| {
            let what = what.to_owned();
            move |e| AmqpError::from_lapin(what, e)
        };
        let channel = conn
            .create_channel()
            .await
            .map_err(broker("open a channel"))?;
        if c.declare {
            declare_topology(&channel, topology).await?;
        }
        channel
            .basic_qos(c.prefetch, BasicQosOptions::default())
            .await
            .map_err(broker("set the prefetch"))?;
        let dead = conn
            .create_channel()
            .await
            .map_err(broker("open the dead-letter channel"))?;
        dead.confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(broker("enable publisher confirms"))?;
        let mut deliveries = channel
            .basic_consume(
                short("queue", &c.queue)?,
                short("consumer tag", &c.tag)?,
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker(&format!("consume queue `{}`", c.queue)))?;
        *connected_once = true;

        let session = Arc::new(Session::<E, H> {
            config: c.clone(),
            names: topology.names(&c.queue),
            handler: self.handler.clone(),
            stats: self.stats.clone(),
            dead,
            started: Instant::now(),
            last_activity: AtomicU64::new(0),
            _events: PhantomData,
        });
        let permits = Arc::new(Semaphore::new(c.concurrency));
        let mut tasks = JoinSet::new();
        let stop = loop {
            while tasks.try_join_next().is_some() {}
            let permit = tokio::select! {
                _ = self.token.cancelled() => break Stop::Done,
                p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            };
            let next = tokio::select! {
                biased;
                _ = self.token.cancelled() => break Stop::Done,
                _ = idle(&session, &channel, &permits) , if c.exit_when_idle.is_some() => break Stop::Done,
                next = deliveries.next() => next,
            };
            let delivery = match next {
                Some(Ok(d)) => d,
                Some(Err(e)) => break Stop::Lost(e.to_string()),
                None => break Stop::Lost("the broker cancelled the consumer".into()),
            };
            session.touch();
            let s = session.clone();
            tasks.spawn(async move {
                s.process(delivery).await;
                s.touch();
                drop(permit);
            });
        };
        if matches!(stop, Stop::Done) {
            // No new deliveries; those prefetched and unread go back to the queue when
            // the channel closes.
            let _ = channel
                .basic_cancel(
                    short("consumer tag", &c.tag)?,
                    BasicCancelOptions::default(),
                )
                .await;
        }
        // Handlers in hand finish (and ack, if the channel is still there).
        while tasks.join_next().await.is_some() {}
        let _ = bounded(channel.close(200, "bye".into())).await;
        Ok(stop)
    }
}

/// Resolves once the queue is empty, nothing is in hand and nothing happened for the
/// configured idle time.
async fn idle<E, H>(session: &Session<E, H>, channel: &Channel, permits: &Semaphore) {
    let Some(quiet) = session.config.exit_when_idle else {
        return std::future::pending().await;
    };
    loop {
        sleep(Duration::from_millis(100).min(quiet)).await;
        // This task holds one permit while it waits for the next delivery.
        let in_hand = session.config.concurrency - permits.available_permits() - 1;
        let last = Duration::from_millis(session.last_activity.load(Ordering::Relaxed));
        let since = session.started.elapsed().saturating_sub(last);
        if in_hand > 0 || since < quiet {
            continue;
        }
        let Ok(queue) = short("queue", &session.config.queue) else {
            continue;
        };
        let passive = lapin::options::QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        match bounded(channel.queue_declare(queue, passive, FieldTable::default())).await {
            Some(Ok(q)) if q.message_count() == 0 => return,
            _ => {}
        }
    }
}

impl<E: EventSet, H: Handler<E>> Session<E, H> {
    fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity.fetch_max(ms, Ordering::Relaxed);
    }

    async fn process(&self, d: AmqpDelivery) {
        let queue = &self.config.queue;
        let attempt = rejections(&d.properties, queue) + 1;
        let body = match crate::cloudevents::envelope_of::<E>(&d.properties, &d.data) {
            Ok(b) => b,
            Err(e) => {
                let why = format!("not a CloudEvent of this set: {e}");
                self.dead_letter(&d, attempt, "unknown", "undecodable", &why)
                    .await;
                return;
            }
        };
        let event = match E::decode_json(&body) {
            Ok(e) => e,
            Err(e @ (DecodeError::UnknownType(_) | DecodeError::UnknownVersion { .. })) => {
                if self.config.unknown_types == UnknownTypes::Skip {
                    self.ack(&d, "unknown", m::status::SKIPPED).await;
                    self.stats.skipped.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.dead_letter(&d, attempt, "unknown", "unknown_type", &e.to_string())
                        .await;
                }
                return;
            }
            Err(e) => {
                self.dead_letter(&d, attempt, "unknown", "undecodable", &e.to_string())
                    .await;
                return;
            }
        };
        let event_type = event.type_name();
        let delivery = Delivery {
            channel: queue.clone(),
            id: d
                .properties
                .message_id()
                .as_ref()
                .map(|s| s.to_string())
                .or_else(|| props::envelope_id(&body))
                .unwrap_or_else(|| d.delivery_tag.to_string()),
            group: queue.clone(),
            consumer: self.config.tag.clone(),
            attempt,
            received_at: SystemTime::now(),
        };
        let started = Instant::now();
        let outcome = AssertUnwindSafe(self.handler.handle(event, &delivery))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                Err(events_bus::HandlerError::retryable(format!(
                    "the handler panicked: {what}"
                )))
            });
        metrics::histogram!(m::PROCESSING_DURATION,
            m::STREAM => queue.clone(), m::EVENT_TYPE => event_type)
        .record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(()) => {
                if self.ack(&d, event_type, m::status::OK).await {
                    self.stats.handled.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) if e.kind() == ErrorKind::Retryable && self.config.retry.may_retry(attempt) => {
                tracing::debug!(queue = %queue, attempt, error = %e, "retrying after the delay");
                match bounded(d.acker.reject(BasicRejectOptions { requeue: false })).await {
                    None => self.bus_timeout("reject"),
                    Some(Ok(_)) => {
                        self.stats.retried.fetch_add(1, Ordering::Relaxed);
                        self.count(event_type, m::status::RETRY);
                    }
                    Some(Err(err)) => self.bus_error("reject", &err),
                }
            }
            Err(e) => {
                let reason = match e.kind() {
                    ErrorKind::Retryable => "max_deliveries",
                    ErrorKind::Permanent => "permanent",
                };
                self.dead_letter(&d, attempt, event_type, reason, e.message())
                    .await;
            }
        }
    }

    fn count(&self, event_type: &str, status: &'static str) {
        metrics::counter!(m::EVENTS_CONSUMED,
            m::STREAM => self.config.queue.clone(),
            m::EVENT_TYPE => event_type.to_owned(),
            m::STATUS => status)
        .increment(1);
    }

    fn bus_error(&self, what: &str, e: &lapin::Error) {
        metrics::counter!(m::BUS_ERRORS, m::STREAM => self.config.queue.clone()).increment(1);
        tracing::warn!(queue = %self.config.queue, "{what} failed: {e}; the broker delivers the message again");
    }

    fn bus_timeout(&self, what: &str) {
        metrics::counter!(m::BUS_ERRORS, m::STREAM => self.config.queue.clone()).increment(1);
        tracing::warn!(queue = %self.config.queue, "{what}: no answer from the broker within {}s; the broker delivers the message again", BROKER_TIMEOUT.as_secs());
    }

    async fn ack(&self, d: &AmqpDelivery, event_type: &str, status: &'static str) -> bool {
        match bounded(d.acker.ack(BasicAckOptions::default())).await {
            Some(Ok(_)) => {
                self.count(event_type, status);
                true
            }
            None => {
                self.bus_timeout("ack");
                false
            }
            Some(Err(e)) => {
                self.bus_error("ack", &e);
                false
            }
        }
    }

    /// Publishes the message to the dead-letter exchange with the reason in its headers,
    /// waits for the confirm, then acknowledges it. If that fails the message is
    /// returned to the queue after a pause (never dropped, never a hot loop).
    async fn dead_letter(
        &self,
        d: &AmqpDelivery,
        attempt: u64,
        event_type: &str,
        reason: &'static str,
        error: &str,
    ) {
        let queue = &self.config.queue;
        tracing::warn!(queue = %queue, reason, error = %events_rt::cut(error, 300), "dead-lettering a message");
        let (exchange, routing_key) = props::origin(&d.properties, queue)
            .unwrap_or_else(|| (d.exchange.to_string(), d.routing_key.to_string()));
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut headers = vec![
            (props::REASON_HEADER, text(reason)),
            (
                props::ERROR_HEADER,
                text(&events_rt::cut(error, MAX_ERROR_HEADER)),
            ),
            (props::QUEUE_HEADER, text(queue)),
            (
                props::ATTEMPTS_HEADER,
                AMQPValue::LongLongInt(i64::try_from(attempt).unwrap_or(i64::MAX)),
            ),
            (props::EXCHANGE_HEADER, text(&exchange)),
            (props::ROUTING_KEY_HEADER, text(&routing_key)),
            (props::DEAD_LETTERED_AT_HEADER, text(&now)),
        ];
        if event_type != "unknown" {
            headers.push((props::EVENT_TYPE_HEADER, text(event_type)));
        }
        let props = props::for_dead_letter(&d.properties, headers);
        let published = async {
            let confirm = self
                .dead
                .basic_publish(
                    short("exchange", &self.names.dead_letter_exchange).ok()?,
                    short("routing key", &self.names.dead_letter_key).ok()?,
                    BasicPublishOptions {
                        mandatory: true,
                        ..Default::default()
                    },
                    &d.data,
                    props,
                )
                .await
                .ok()?;
            matches!(confirm.await, Ok(Confirmation::Ack(None))).then_some(())
        };
        if bounded(published).await.flatten().is_some() {
            if self.ack(d, event_type, m::status::DEAD_LETTERED).await {
                self.stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
                metrics::counter!(m::EVENTS_DEAD_LETTERED,
                    m::STREAM => queue.clone(), m::REASON => reason)
                .increment(1);
            }
        } else {
            metrics::counter!(m::BUS_ERRORS, m::STREAM => queue.clone()).increment(1);
            tracing::error!(queue = %queue, exchange = %self.names.dead_letter_exchange,
                key = %self.names.dead_letter_key,
                "cannot dead-letter a message (is the dead-letter queue declared?); it goes back to the queue");
            sleep(Duration::from_secs(1)).await;
            match bounded(d.acker.nack(BasicNackOptions {
                requeue: true,
                multiple: false,
            }))
            .await
            {
                Some(Ok(_)) => {}
                Some(Err(e)) => self.bus_error("nack", &e),
                None => self.bus_timeout("nack"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("5 s"), Some(Duration::from_secs(5)));
        for bad in ["", "s", "5x", "-1s", "1.5s", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn retries_map_to_deliveries() {
        let c = Config::new(crate::DEFAULT_URL, "q").max_retries(3);
        assert!(c.retry.may_retry(3) && !c.retry.may_retry(4));
        let c = c.max_retries(0);
        assert!(!c.retry.may_retry(1));
        let c = Config::new(crate::DEFAULT_URL, "q")
            .prefetch(4)
            .concurrency(100);
        assert_eq!(c.concurrency, 4);
    }
}
