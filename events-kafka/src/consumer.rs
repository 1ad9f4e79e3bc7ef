//! Consuming typed events in a consumer group: per-partition order, offsets committed
//! only behind handled messages, retries that block only their own partition, dead-letter
//! topics, rebalances that lose nothing.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use events_bus::metrics as m;
use events_bus::{Backoff, Delivery, ErrorKind, Handler, RetryPolicy, UnknownTypes};
use events_rt::{DecodeError, EventSet};
use futures_util::FutureExt;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer as _, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::message::{Header, Message as _, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::{sleep, Instant};
use tokio_util::sync::CancellationToken;

use crate::conn::{client_config, KafkaError};
use crate::record::{
    headers_of, ATTEMPTS_HEADER, DEAD_LETTERED_AT_HEADER, ERROR_HEADER, MAX_ERROR_HEADER,
    OFFSET_HEADER, PARTITION_HEADER, REASON_HEADER, TOPIC_HEADER,
};

/// Suffix of a topic's dead-letter topic (`order.created.dlq`).
pub const DEFAULT_DLQ_SUFFIX: &str = ".dlq";
/// Partitions handled at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How a [`Consumer`] joins its group and treats failures.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bootstrap brokers (`127.0.0.1:9092`).
    pub brokers: String,
    /// Consumer group (seed 003's services: `inventory-service`, …).
    pub group: String,
    /// Topics consumed; empty: every topic of the event set.
    pub topics: Vec<String>,
    /// Prefix of every topic name (see `Publisher::topic_prefix`).
    pub topic_prefix: String,
    /// Partitions handled at once (each partition's messages one at a time, in order).
    pub concurrency: usize,
    /// Deliveries before a retryable failure is dead-lettered, and the backoff between
    /// them (the core's: 1 s doubling to 60 s). Retries wait in the partition's worker,
    /// so they hold back only the later messages of their own partition. The count is
    /// kept in memory: a restart delivers the message anew.
    pub retry: RetryPolicy,
    /// What to do with a message of a type outside the event set. Default: dead-letter it.
    pub unknown_types: UnknownTypes,
    /// Suffix of the dead-letter topics.
    pub dlq_suffix: String,
    /// Create the dead-letter topics that do not exist on start (default `true`).
    pub create_dlq_topics: bool,
    /// Stop (gracefully) once nothing arrived and nothing was in hand for this long,
    /// counted while the consumer holds partitions.
    pub exit_when_idle: Option<Duration>,
    /// How often handled offsets are committed: the window of messages a crash delivers
    /// again (at most this long of handled messages, plus those in hand).
    pub commit_interval: Duration,
    /// Messages held per partition before the partition is paused (flat memory: at most
    /// this many messages per partition in hand; default 10,000). It is resumed once half
    /// of them are handled. A pause makes librdkafka drop what it prefetched for the
    /// partition and fetch it again on resume, so a low value costs throughput.
    pub max_buffered: usize,
    /// This consumer's `client.id` and the `consumer` of its deliveries.
    pub client_id: String,
    /// Further librdkafka settings (`session.timeout.ms`, …).
    pub settings: Vec<(String, String)>,
}

impl Config {
    /// Consume `group`'s share of the event set's topics on `brokers`, from the earliest
    /// offset when the group has none (seed 003's `auto_offset_reset: earliest`), with
    /// manual commits (`enable_auto_commit: false`).
    pub fn new(brokers: impl Into<String>, group: impl Into<String>) -> Self {
        let group = group.into();
        Self {
            brokers: brokers.into(),
            client_id: format!("{group}-{}", std::process::id()),
            group,
            topics: Vec::new(),
            topic_prefix: String::new(),
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy {
                backoff: Backoff::default(),
                max_deliveries: 4,
            },
            unknown_types: UnknownTypes::DeadLetter,
            dlq_suffix: DEFAULT_DLQ_SUFFIX.to_owned(),
            create_dlq_topics: true,
            exit_when_idle: None,
            commit_interval: Duration::from_millis(200),
            max_buffered: 10_000,
            settings: Vec::new(),
        }
    }

    /// Consume these topics only.
    pub fn topics<I: IntoIterator<Item = S>, S: Into<String>>(mut self, topics: I) -> Self {
        self.topics = topics.into_iter().map(Into::into).collect();
        self
    }

    /// Consume `<prefix><topic>` for every topic (an environment's namespace, or a test's
    /// own topics); dead letters go to `<prefix><topic>.dlq`.
    pub fn topic_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.topic_prefix = prefix.into();
        self
    }

    /// Partitions handled at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// What to do with messages of unknown types.
    pub fn unknown_types(mut self, u: UnknownTypes) -> Self {
        self.unknown_types = u;
        self
    }

    /// Stop once idle for `d`.
    pub fn exit_when_idle(mut self, d: Duration) -> Self {
        self.exit_when_idle = Some(d);
        self
    }

    /// How often handled offsets are committed.
    pub fn commit_interval(mut self, d: Duration) -> Self {
        self.commit_interval = d.max(Duration::from_millis(1));
        self
    }

    /// Messages held per partition before it is paused.
    pub fn max_buffered(mut self, n: usize) -> Self {
        self.max_buffered = n.max(1);
        self
    }

    /// One more librdkafka setting.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.push((key.into(), value.into()));
        self
    }

    /// The topics consumed, prefixed: the configured ones, else every topic of `E`.
    pub fn topics_for<E: EventSet>(&self) -> Vec<String> {
        let names: Vec<String> = if self.topics.is_empty() {
            E::contracts()
                .into_iter()
                .map(|c| c.channel.to_owned())
                .collect()
        } else {
            self.topics.clone()
        };
        let mut t: Vec<String> = names
            .into_iter()
            .map(|n| format!("{}{n}", self.topic_prefix))
            .collect();
        t.sort();
        t.dedup();
        t
    }
}

/// What a consumer did, counted since it started.
#[derive(Debug, Default)]
pub struct Stats {
    handled: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    skipped: AtomicU64,
    rebalances: AtomicU64,
    commits: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Handled (`Ok`) and committed behind.
    pub handled: u64,
    /// Retryable failures delivered again.
    pub retried: u64,
    /// Sent to a dead-letter topic.
    pub dead_lettered: u64,
    /// Skipped: unknown types under [`UnknownTypes::Skip`].
    pub skipped: u64,
    /// Partitions revoked from this consumer.
    pub rebalances: u64,
    /// Offset commits sent.
    pub commits: u64,
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
            rebalances: get(&self.rebalances),
            commits: get(&self.commits),
        }
    }
}

/// Why a consumer stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    /// Creating the client or subscribing failed.
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// The configuration contradicts itself.
    #[error("consumer configuration: {0}")]
    Config(String),
}

type Key = (String, i32);

/// State shared by the poll loop, the partition workers and the rebalance callbacks.
#[derive(Default)]
struct Shared {
    /// Next offset to commit per partition: one past the last message handled (or
    /// dead-lettered) in order.
    done: Mutex<HashMap<Key, i64>>,
    /// Per assigned partition, a flag set when it is revoked.
    revoked: Mutex<HashMap<Key, Arc<AtomicBool>>>,
    rebalances: AtomicU64,
    /// Partitions assigned now.
    assigned: AtomicUsize,
}

impl Shared {
    fn flag(&self, key: &Key) -> Arc<AtomicBool> {
        self.revoked
            .lock()
            .expect("revoked flags")
            .entry(key.clone())
            .or_default()
            .clone()
    }
}

struct Ctx {
    shared: Arc<Shared>,
}

impl ClientContext for Ctx {}

impl ConsumerContext for Ctx {
    fn pre_rebalance(&self, base: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(tpl) = rebalance else {
            return;
        };
        // The partitions leave: their workers stop after the message in hand (whose
        // offset is then not committed), and what was handled in order is committed now,
        // before the new owner starts from the committed offset.
        let mut commit = TopicPartitionList::new();
        {
            let mut flags = self.shared.revoked.lock().expect("revoked flags");
            let mut done = self.shared.done.lock().expect("done offsets");
            for e in tpl.elements() {
                let key = (e.topic().to_owned(), e.partition());
                if let Some(flag) = flags.remove(&key) {
                    flag.store(true, Ordering::SeqCst);
                }
                if let Some(next) = done.remove(&key) {
                    let _ = commit.add_partition_offset(&key.0, key.1, Offset::Offset(next));
                }
            }
        }
        self.shared
            .rebalances
            .fetch_add(tpl.count() as u64, Ordering::Relaxed);
        if commit.count() > 0 {
            if let Err(e) = base.commit(&commit, CommitMode::Sync) {
                tracing::warn!(error = %e, "committing revoked partitions failed; their handled messages will be delivered again");
            }
        }
        tracing::info!(partitions = tpl.count(), "partitions revoked");
    }

    fn post_rebalance(&self, base: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            // librdkafka keeps a partition's pause across a revoke and a new assignment;
            // one paused before it left must fetch again now that it is back.
            if tpl.count() > 0 {
                if let Err(e) = base.resume(tpl) {
                    tracing::debug!(error = %e, "resuming assigned partitions failed");
                }
            }
            self.shared
                .assigned
                .fetch_add(tpl.count(), Ordering::SeqCst);
            tracing::info!(partitions = tpl.count(), "partitions assigned");
        }
    }
}

/// Consumes a consumer group's share of the catalog's topics with a typed handler.
///
/// Each message is read as a plain envelope or a CloudEvent (binary or structured),
/// decoded as `E` and handed to the handler with its [`Delivery`] (`id` =
/// `partition:offset`). The messages of one partition are handled one at a time, in
/// order; up to `concurrency` partitions at once. A partition's offset is committed only
/// behind messages that were handled (`Ok`), skipped, or safely dead-lettered (the
/// dead-letter record acknowledged by the broker), so a crash or a rebalance delivers
/// again what was in hand, never loses it. A retryable error is retried after the
/// backoff, holding back only the later messages of its own partition; exhausted,
/// permanent, undecodable and (by default) unknown-type messages go to `<topic>.dlq`
/// with the reason, error, original topic, partition, offset and attempts in headers.
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
            .field("group", &self.config.group)
            .field("brokers", &self.config.brokers)
            .finish()
    }
}

/// What became of one message.
enum Outcome {
    /// Handled, skipped or dead-lettered: its offset may be committed.
    Done,
    /// Given up without an outcome (shutdown, revoked partition): delivered again later.
    Abandoned,
}

struct Worker {
    tx: mpsc::UnboundedSender<OwnedMessage>,
    depth: Arc<AtomicUsize>,
    /// Set by the poll loop when it paused the partition; the worker clears it and says
    /// so once half of its backlog is handled.
    paused: Arc<AtomicBool>,
    revoked: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<()>,
}

/// What every partition worker shares.
struct WorkerCx<E, H> {
    config: Arc<Config>,
    handler: Arc<H>,
    stats: Arc<Stats>,
    shared: Arc<Shared>,
    permits: Arc<Semaphore>,
    dlq: FutureProducer,
    stop: CancellationToken,
    _events: PhantomData<fn() -> E>,
}

impl<E: EventSet, H: Handler<E>> Consumer<E, H> {
    /// A consumer configured by `config`, calling `handler`.
    pub fn new(config: Config, handler: H) -> Self {
        Self {
            config: Arc::new(config),
            handler: Arc::new(handler),
            token: CancellationToken::new(),
            stats: Arc::new(Stats::default()),
            _events: PhantomData,
        }
    }

    /// Cancelling this token stops the consumer gracefully: no new messages are started,
    /// the handlers in hand finish, their offsets are committed, then `run` returns.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// The counters, shared with the running consumer.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    fn client(&self, shared: &Arc<Shared>) -> Result<StreamConsumer<Ctx>, KafkaError> {
        let c = &self.config;
        let mut config = client_config(&c.brokers, &c.client_id);
        config
            .set("group.id", &c.group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            // The poll loop never waits for a handler, so a short poll interval (the
            // group's rebalance timeout) costs nothing and lets a rebalance that waits
            // for a crashed member end sooner.
            .set("max.poll.interval.ms", "20000");
        for (k, v) in &c.settings {
            config.set(k, v);
        }
        config
            .create_with_context(Ctx {
                shared: shared.clone(),
            })
            .map_err(|e| KafkaError::new("create the consumer", e))
    }

    fn producer(&self) -> Result<FutureProducer, KafkaError> {
        let mut config = client_config(
            &self.config.brokers,
            &format!("{}-dlq", self.config.client_id),
        );
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "10000");
        config
            .create()
            .map_err(|e| KafkaError::new("create the dead-letter producer", e))
    }

    /// Runs until the shutdown token is cancelled (or the group is idle, with
    /// [`Config::exit_when_idle`]). Lost brokers are reconnected by librdkafka; messages
    /// keep flowing when they are back.
    pub async fn run(self) -> Result<Counts, ConsumerError> {
        let c = self.config.clone();
        if c.group.is_empty() {
            return Err(ConsumerError::Config("the group id is empty".into()));
        }
        let topics = c.topics_for::<E>();
        if topics.is_empty() {
            return Err(ConsumerError::Config("no topic to consume".into()));
        }
        if c.create_dlq_topics {
            let dlqs: Vec<String> = topics
                .iter()
                .map(|t| format!("{t}{}", c.dlq_suffix))
                .collect();
            if let Err(e) = crate::admin::ensure_topics(&c.brokers, &dlqs).await {
                tracing::warn!(error = %e, "cannot create the dead-letter topics; the broker may create them on first use");
            }
        }
        let shared = Arc::new(Shared::default());
        let consumer = self.client(&shared)?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&names)
            .map_err(|e| KafkaError::new(format!("subscribe to {}", topics.join(", ")), e))?;
        let cx = Arc::new(WorkerCx::<E, H> {
            config: c.clone(),
            handler: self.handler.clone(),
            stats: self.stats.clone(),
            shared: shared.clone(),
            permits: Arc::new(Semaphore::new(c.concurrency)),
            dlq: self.producer()?,
            stop: self.token.child_token(),
            _events: PhantomData,
        });
        let mut workers: HashMap<Key, Worker> = HashMap::new();
        let (drained_tx, mut drained_rx) = mpsc::unbounded_channel::<Key>();
        let mut paused: HashSet<Key> = HashSet::new();
        let mut committed: HashMap<Key, i64> = HashMap::new();
        let mut tick = tokio::time::interval(c.commit_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_activity = Instant::now();
        loop {
            tokio::select! {
                biased;
                _ = self.token.cancelled() => break,
                msg = consumer.recv() => match msg {
                    Err(e) => {
                        metrics::counter!(m::BUS_ERRORS, m::STREAM => c.group.clone()).increment(1);
                        tracing::warn!(error = %e, group = %c.group, "reading from the brokers failed");
                        sleep(Duration::from_millis(100)).await;
                    }
                    Ok(msg) => {
                        last_activity = Instant::now();
                        let mut next = Some(msg.detach());
                        // Take what is already fetched without going back through the
                        // select (each round trip through it costs a wake-up).
                        while let Some(msg) = next.take() {
                            let key: Key = (msg.topic().to_owned(), msg.partition());
                            let stale = workers.get(&key).is_none_or(|w| w.revoked.load(Ordering::SeqCst));
                            if stale {
                                let w = spawn_worker(cx.clone(), key.clone(), shared.flag(&key), drained_tx.clone());
                                workers.insert(key.clone(), w);
                            }
                            let w = workers.get(&key).expect("a worker for the partition");
                            let depth = w.depth.fetch_add(1, Ordering::SeqCst) + 1;
                            if w.tx.send(msg).is_err() {
                                w.depth.fetch_sub(1, Ordering::SeqCst);
                            }
                            if depth >= c.max_buffered && paused.insert(key.clone()) {
                                let mut tpl = TopicPartitionList::new();
                                tpl.add_partition(&key.0, key.1);
                                w.paused.store(true, Ordering::SeqCst);
                                if let Err(e) = consumer.pause(&tpl) {
                                    paused.remove(&key);
                                    w.paused.store(false, Ordering::SeqCst);
                                    tracing::debug!(error = %e, "pausing {}/{} failed", key.0, key.1);
                                }
                            }
                            if let Some(Ok(m)) = consumer.recv().now_or_never() {
                                next = Some(m.detach());
                            }
                        }
                    }
                },
                Some(key) = drained_rx.recv() => {
                    if paused.remove(&key) {
                        let mut tpl = TopicPartitionList::new();
                        tpl.add_partition(&key.0, key.1);
                        let _ = consumer.resume(&tpl);
                    }
                }
                _ = tick.tick() => {
                    self.commit(&consumer, &shared, &mut committed, CommitMode::Async);
                    let mut resume = TopicPartitionList::new();
                    paused.retain(|k| {
                        let low = workers.get(k).is_none_or(|w| w.depth.load(Ordering::SeqCst) <= c.max_buffered / 2);
                        if low {
                            resume.add_partition(&k.0, k.1);
                        }
                        !low
                    });
                    if resume.count() > 0 {
                        let _ = consumer.resume(&resume);
                    }
                    workers.retain(|_, w| !(w.revoked.load(Ordering::SeqCst) && w.handle.is_finished()));
                    // Waiting for an assignment (a group still rebalancing, a crashed
                    // member not yet expired) is not idleness.
                    let busy = workers.values().any(|w| w.depth.load(Ordering::SeqCst) > 0)
                        || shared.assigned.load(Ordering::SeqCst) == 0;
                    if busy {
                        last_activity = Instant::now();
                    }
                    if let Some(idle) = c.exit_when_idle {
                        if !busy && last_activity.elapsed() >= idle {
                            tracing::info!(group = %c.group, "idle for {}s; stopping", idle.as_secs_f64());
                            break;
                        }
                    }
                }
            }
        }
        // Graceful stop: the messages in hand finish, the queued ones are left for the
        // next owner, and what was handled is committed.
        cx.stop.cancel();
        for (_, w) in workers.drain() {
            drop(w.tx);
            let _ = w.handle.await;
        }
        self.commit(&consumer, &shared, &mut committed, CommitMode::Sync);
        consumer.unsubscribe();
        self.stats
            .rebalances
            .store(shared.rebalances.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(self.stats.counts())
    }

    /// Commits the partitions whose handled offset moved since the last commit.
    fn commit(
        &self,
        consumer: &StreamConsumer<Ctx>,
        shared: &Shared,
        committed: &mut HashMap<Key, i64>,
        mode: CommitMode,
    ) {
        let mut tpl = TopicPartitionList::new();
        let done = shared.done.lock().expect("done offsets").clone();
        committed.retain(|k, _| done.contains_key(k));
        for (key, next) in &done {
            if committed.get(key) != Some(next) {
                let _ = tpl.add_partition_offset(&key.0, key.1, Offset::Offset(*next));
            }
        }
        if tpl.count() == 0 {
            return;
        }
        match consumer.commit(&tpl, mode) {
            Ok(()) => {
                self.stats.commits.fetch_add(1, Ordering::Relaxed);
                committed.extend(done);
            }
            Err(e) => {
                metrics::counter!(m::BUS_ERRORS, m::STREAM => self.config.group.clone())
                    .increment(1);
                tracing::warn!(error = %e, "committing offsets failed; retrying at the next tick");
            }
        }
    }
}

fn spawn_worker<E: EventSet, H: Handler<E>>(
    cx: Arc<WorkerCx<E, H>>,
    key: Key,
    revoked: Arc<AtomicBool>,
    drained: mpsc::UnboundedSender<Key>,
) -> Worker {
    let (tx, mut rx) = mpsc::unbounded_channel::<OwnedMessage>();
    let depth = Arc::new(AtomicUsize::new(0));
    let paused = Arc::new(AtomicBool::new(false));
    let low = cx.config.max_buffered / 2;
    let handle = {
        let (depth, revoked, paused) = (depth.clone(), revoked.clone(), paused.clone());
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                let gone = || cx.stop.is_cancelled() || revoked.load(Ordering::SeqCst);
                let outcome = if gone() {
                    Outcome::Abandoned
                } else {
                    cx.handle(&msg, &revoked).await
                };
                if let (Outcome::Done, false) = (&outcome, revoked.load(Ordering::SeqCst)) {
                    cx.shared
                        .done
                        .lock()
                        .expect("done offsets")
                        .insert((msg.topic().to_owned(), msg.partition()), msg.offset() + 1);
                }
                let left = depth.fetch_sub(1, Ordering::SeqCst) - 1;
                if left <= low && paused.swap(false, Ordering::SeqCst) {
                    // Half drained: the poll loop resumes the partition now.
                    let _ = drained.send(key.clone());
                }
                if let Outcome::Abandoned = outcome {
                    // Nothing after an abandoned message may be committed: drain the rest.
                    while rx.try_recv().is_ok() {
                        depth.fetch_sub(1, Ordering::SeqCst);
                    }
                    if gone() {
                        break;
                    }
                }
            }
        })
    };
    Worker {
        tx,
        depth,
        paused,
        revoked,
        handle,
    }
}

impl<E: EventSet, H: Handler<E>> WorkerCx<E, H> {
    /// Sleeps `d`, or returns `false` at once when the consumer stops or the partition
    /// is revoked.
    async fn wait(&self, d: Duration, revoked: &AtomicBool) -> bool {
        let deadline = Instant::now() + d;
        while Instant::now() < deadline {
            if revoked.load(Ordering::SeqCst) {
                return false;
            }
            let step = (deadline - Instant::now()).min(Duration::from_millis(50));
            tokio::select! {
                _ = self.stop.cancelled() => return false,
                _ = sleep(step) => {}
            }
        }
        !revoked.load(Ordering::SeqCst)
    }

    async fn handle(&self, msg: &OwnedMessage, revoked: &AtomicBool) -> Outcome {
        let topic = msg.topic();
        let headers = headers_of(msg.headers());
        let value = msg.payload().unwrap_or_default();
        let envelope = match crate::cloudevents::envelope_of::<E>(&headers, value) {
            Ok(b) => b,
            Err(e) => {
                return self
                    .dead_letter(
                        msg,
                        &headers,
                        "undecodable",
                        &format!("not a CloudEvent of this set: {e}"),
                        1,
                        revoked,
                    )
                    .await
            }
        };
        let mut attempt = 1u64;
        loop {
            let event = match E::decode_json(&envelope) {
                Ok(e) => e,
                Err(e @ (DecodeError::UnknownType(_) | DecodeError::UnknownVersion { .. })) => {
                    return match self.config.unknown_types {
                        UnknownTypes::Skip => {
                            self.stats.skipped.fetch_add(1, Ordering::Relaxed);
                            metrics::counter!(m::EVENTS_CONSUMED, m::STREAM => topic.to_owned(),
                                m::EVENT_TYPE => "unknown", m::STATUS => m::status::SKIPPED)
                            .increment(1);
                            Outcome::Done
                        }
                        UnknownTypes::DeadLetter => {
                            self.dead_letter(
                                msg,
                                &headers,
                                "unknown_type",
                                &e.to_string(),
                                attempt,
                                revoked,
                            )
                            .await
                        }
                    };
                }
                Err(e) => {
                    let why = if value.is_empty() {
                        "the record has no value".to_owned()
                    } else {
                        e.to_string()
                    };
                    return self
                        .dead_letter(msg, &headers, "undecodable", &why, attempt, revoked)
                        .await;
                }
            };
            let event_type = event.type_name();
            let delivery = Delivery {
                channel: topic.to_owned(),
                id: format!("{}:{}", msg.partition(), msg.offset()),
                group: self.config.group.clone(),
                consumer: self.config.client_id.clone(),
                attempt,
                received_at: SystemTime::now(),
            };
            let span = tracing::info_span!(
                "handle",
                topic,
                partition = msg.partition(),
                offset = msg.offset(),
                event_type,
                attempt
            );
            let permit = self
                .permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            let started = Instant::now();
            let result = {
                let _enter = span.enter();
                AssertUnwindSafe(self.handler.handle(event, &delivery))
            }
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(events_bus::HandlerError::retryable("the handler panicked")));
            drop(permit);
            metrics::histogram!(m::PROCESSING_DURATION, m::STREAM => topic.to_owned(), m::EVENT_TYPE => event_type)
                .record(started.elapsed().as_secs_f64());
            match result {
                Ok(()) => {
                    self.stats.handled.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!(m::EVENTS_CONSUMED, m::STREAM => topic.to_owned(),
                        m::EVENT_TYPE => event_type, m::STATUS => m::status::OK)
                    .increment(1);
                    return Outcome::Done;
                }
                Err(e)
                    if e.kind() == ErrorKind::Retryable && self.config.retry.may_retry(attempt) =>
                {
                    self.stats.retried.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!(m::EVENTS_CONSUMED, m::STREAM => topic.to_owned(),
                        m::EVENT_TYPE => event_type, m::STATUS => m::status::RETRY)
                    .increment(1);
                    tracing::warn!(topic, partition = msg.partition(), offset = msg.offset(), attempt, error = %e, "handler failed; retrying");
                    if !self
                        .wait(self.config.retry.wait_after(attempt), revoked)
                        .await
                    {
                        return Outcome::Abandoned;
                    }
                    attempt += 1;
                }
                Err(e) => {
                    let reason = match e.kind() {
                        ErrorKind::Retryable => "max_deliveries",
                        ErrorKind::Permanent => "permanent",
                    };
                    return self
                        .dead_letter(msg, &headers, reason, e.message(), attempt, revoked)
                        .await;
                }
            }
        }
    }

    /// Sends `msg` to its dead-letter topic with the reason in headers, retrying until
    /// the broker acknowledges it (or the consumer stops: then it is abandoned, and
    /// delivered again to whoever owns the partition next).
    async fn dead_letter(
        &self,
        msg: &OwnedMessage,
        headers: &[(String, Vec<u8>)],
        reason: &str,
        error: &str,
        attempts: u64,
        revoked: &AtomicBool,
    ) -> Outcome {
        let topic = format!("{}{}", msg.topic(), self.config.dlq_suffix);
        let error = events_rt::cut(error, MAX_ERROR_HEADER);
        let extra = [
            (REASON_HEADER, reason.to_owned()),
            (ERROR_HEADER, error.into_owned()),
            (TOPIC_HEADER, msg.topic().to_owned()),
            (PARTITION_HEADER, msg.partition().to_string()),
            (OFFSET_HEADER, msg.offset().to_string()),
            (ATTEMPTS_HEADER, attempts.to_string()),
            (
                DEAD_LETTERED_AT_HEADER,
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
        ];
        let mut h = OwnedHeaders::new_with_capacity(headers.len() + extra.len());
        for (k, v) in headers.iter().filter(|(k, _)| !k.starts_with("x-events-")) {
            h = h.insert(Header {
                key: k,
                value: Some(v.as_slice()),
            });
        }
        for (k, v) in &extra {
            h = h.insert(Header {
                key: k,
                value: Some(v.as_bytes()),
            });
        }
        let mut failures = 0u64;
        loop {
            let mut record = FutureRecord::to(&topic)
                .payload(msg.payload().unwrap_or_default())
                .headers(h.clone());
            if let Some(k) = msg.key() {
                record = record.key(k);
            }
            match self.dlq.send(record, Duration::from_secs(0)).await {
                Ok(_) => {
                    self.stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!(m::EVENTS_DEAD_LETTERED, m::STREAM => msg.topic().to_owned(), m::REASON => reason.to_owned())
                        .increment(1);
                    metrics::counter!(m::EVENTS_CONSUMED, m::STREAM => msg.topic().to_owned(),
                        m::EVENT_TYPE => "unknown", m::STATUS => m::status::DEAD_LETTERED)
                    .increment(1);
                    tracing::warn!(
                        topic = msg.topic(),
                        partition = msg.partition(),
                        offset = msg.offset(),
                        reason,
                        "dead-lettered to {topic}"
                    );
                    return Outcome::Done;
                }
                Err((e, _)) => {
                    failures += 1;
                    metrics::counter!(m::BUS_ERRORS, m::STREAM => topic.clone()).increment(1);
                    tracing::warn!(error = %e, "dead-lettering to {topic} failed; retrying");
                    let pause = Backoff {
                        base: Duration::from_millis(200),
                        max: Duration::from_secs(5),
                        factor: 2,
                    }
                    .delay(failures);
                    if !self.wait(pause, revoked).await {
                        return Outcome::Abandoned;
                    }
                }
            }
        }
    }
}
