//! Consuming with a consumer group: own pending entries first, then new ones; entries of
//! dead consumers taken over after `min_idle`; retries timed by the pending entries list;
//! dead-lettering; a circuit breaker; graceful shutdown.
//!
//! One task per stream reads that stream alone (a stream is one key, so no command spans
//! two hash slots on a cluster). Each task loops over:
//!
//! 1. at start, this consumer's own pending entries (`XREADGROUP … 0`): what it had read
//!    before a crash or a restart is handled before anything new;
//! 2. retries: its own pending entries whose idle time (time since their last delivery)
//!    has reached the backoff for their delivery count are claimed again (`XCLAIM`, which
//!    counts the delivery in the PEL) and handled;
//! 3. every `claim_every`, `XAUTOCLAIM` of entries idle longer than `min_idle`, whoever
//!    holds them (a crashed consumer's). `min_idle` must exceed the handler timeout, else
//!    an entry still being handled is taken over and handled twice; the builder refuses
//!    `min_idle <= handler_timeout`;
//! 4. new entries, `XREADGROUP … BLOCK` on a dedicated connection whose response timeout
//!    is BLOCK plus the command timeout.
//!
//! An entry is acknowledged only after the handler's `Ok`, after it went to the
//! dead-letter stream, or when it is skipped. A retry therefore waits for
//! `min(backoff(delivery count), min_idle)`: after `min_idle` any consumer may claim it.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use events_bus::metrics as m;
use events_bus::{
    Backoff, ChannelHealth, CircuitBreaker, Delivery, ErrorKind, Handler, Health, RetryPolicy,
    UnknownTypes,
};
use events_rt::redis::StreamEntry;
use events_rt::{DecodeError, FieldSet};
use redis::{RedisError, RedisResult, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::conn::{error_code, is_connection_error, Conn, Redis};
use crate::dlq::{self, Reason};
use crate::health::stream_health;

/// Where a new group starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFrom {
    /// `0`: every entry already in the stream (seed 001 §11.3).
    Beginning,
    /// `$`: only entries added after the group was created.
    New,
}

/// What an idempotency guard keys on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyKey {
    /// The stream entry id (guards against redelivery of the same entry).
    EntryId,
    /// A field of the event (e.g. `order_id`: guards against the same order published twice).
    Field(String),
}

/// The optional idempotency guard (seed 001 §11.5): before handling, `SET <key> NX` with
/// a lease; after success the key is kept for `ttl` and later deliveries are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// What to key on.
    pub key: IdempotencyKey,
    /// How long a handled key is remembered.
    pub ttl: Duration,
    /// Key prefix; the key is `<prefix>:<group>:<stream>:<value>`.
    pub prefix: String,
}

/// Consumer settings; every field has a builder method on [`Consumer`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Consumer group.
    pub group: String,
    /// This consumer's name (stable across restarts, so it finds its own pending entries).
    pub consumer: String,
    /// Where a newly created group starts.
    pub start: StartFrom,
    /// Entries per read.
    pub batch: usize,
    /// BLOCK of the read of new entries.
    pub block: Duration,
    /// Idle time after which another consumer's pending entry is taken over.
    pub min_idle: Duration,
    /// How often to look for such entries.
    pub claim_every: Duration,
    /// The longest a handler may run; a timeout is a retryable failure.
    pub handler_timeout: Duration,
    /// Backoff between deliveries and `max_deliveries`.
    pub retry: RetryPolicy,
    /// Handlers running at once (across the consumer's streams). 1 keeps per-stream order.
    pub concurrency: usize,
    /// Consecutive retryable failures that open the circuit breaker (0: never).
    pub breaker_failures: u32,
    /// How long the breaker stays open before a trial.
    pub breaker_reset: Duration,
    /// Unknown event types: skip (default) or dead-letter.
    pub unknown: UnknownTypes,
    /// Suffix of the dead-letter stream (`:dlq`).
    pub dlq_suffix: String,
    /// `MAXLEN ~` of dead-letter streams.
    pub dlq_max_len: Option<usize>,
    /// The idempotency guard, if any.
    pub idempotency: Option<Idempotency>,
    /// Backoff between attempts after a Redis error (reconnecting).
    pub reconnect: Backoff,
    /// Timeout of every non-blocking command.
    pub command_timeout: Duration,
}

impl Config {
    fn new(group: &str, consumer: &str) -> Self {
        Self {
            group: group.to_owned(),
            consumer: consumer.to_owned(),
            start: StartFrom::Beginning,
            batch: 100,
            block: Duration::from_secs(5),
            min_idle: Duration::from_secs(60),
            claim_every: Duration::from_secs(5),
            handler_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            concurrency: 1,
            breaker_failures: 5,
            breaker_reset: Duration::from_secs(30),
            unknown: UnknownTypes::Skip,
            dlq_suffix: ":dlq".to_owned(),
            dlq_max_len: Some(100_000),
            idempotency: None,
            reconnect: Backoff {
                base: Duration::from_millis(100),
                max: Duration::from_secs(5),
                factor: 2,
            },
            command_timeout: Duration::from_secs(2),
        }
    }
}

/// Why a consumer could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    /// The configuration contradicts itself.
    #[error("consumer configuration: {0}")]
    Config(String),
    /// No stream to read.
    #[error("no stream to consume: {0}")]
    NoStreams(String),
}

/// State shared by the stream tasks and the [`Probe`].
#[derive(Debug)]
struct Shared {
    breaker: Mutex<CircuitBreaker>,
    last_error: Mutex<Option<String>>,
}

impl Shared {
    fn error(&self, e: String) {
        *self.last_error.lock().unwrap() = Some(e);
    }
}

/// A consumer of the event set `E` with handler `H`.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use events_bus::{handler_fn, Delivery, HandlerError};
/// use events_redis::{Consumer, Redis};
/// use events_types::Event;
///
/// let handler = handler_fn(|event: Event, d: Delivery| async move {
///     println!("{} {}: {event:?}", d.channel, d.id);
///     Ok::<_, HandlerError>(())
/// });
/// let consumer = Consumer::new(Redis::open("redis://127.0.0.1:6379")?, "notification-consumers", "notify-instance-1", handler)
///     .pattern("*:events:*")?; // every stream of the catalog matching the pattern
/// let stop = tokio_util::sync::CancellationToken::new();
/// consumer.run(stop).await?; // until `stop.cancel()`
/// # Ok(()) }
/// ```
pub struct Consumer<E, H> {
    redis: Redis,
    handler: H,
    cfg: Config,
    streams: Vec<String>,
    shared: Arc<Shared>,
    _events: PhantomData<fn() -> E>,
}

impl<E, H> std::fmt::Debug for Consumer<E, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("cfg", &self.cfg)
            .field("streams", &self.streams)
            .finish()
    }
}

/// `*` matches any run of characters (`:` included): `*:events:*`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

impl<E: FieldSet, H: Handler<E>> Consumer<E, H> {
    /// A consumer named `consumer` in `group`, reading every stream of `E` (use
    /// [`streams`](Self::streams), [`pattern`](Self::pattern) or
    /// [`event_types`](Self::event_types) to narrow it).
    pub fn new(redis: Redis, group: &str, consumer: &str, handler: H) -> Self {
        let mut streams: Vec<String> = E::contracts()
            .iter()
            .map(|c| c.channel.to_owned())
            .collect();
        streams.sort();
        streams.dedup();
        let cfg = Config::new(group, consumer);
        Self {
            redis,
            handler,
            shared: Arc::new(Shared {
                breaker: Mutex::new(CircuitBreaker::new(cfg.breaker_failures, cfg.breaker_reset)),
                last_error: Mutex::new(None),
            }),
            cfg,
            streams,
            _events: PhantomData,
        }
    }

    /// Reads exactly these streams.
    pub fn streams<I: IntoIterator<Item = S>, S: Into<String>>(mut self, streams: I) -> Self {
        self.streams = streams.into_iter().map(Into::into).collect();
        self
    }

    /// Reads the streams of `E`'s contracts whose name matches `pattern` (`*` is a
    /// wildcard, seed 001 §11.2's `*:events:*`); an error when none does.
    pub fn pattern(mut self, pattern: &str) -> Result<Self, ConsumerError> {
        let mut streams: Vec<String> = E::contracts()
            .iter()
            .filter(|c| glob_match(pattern, c.channel))
            .map(|c| c.channel.to_owned())
            .collect();
        streams.sort();
        streams.dedup();
        if streams.is_empty() {
            return Err(ConsumerError::NoStreams(format!(
                "no stream of the catalog matches {pattern:?}"
            )));
        }
        self.streams = streams;
        Ok(self)
    }

    /// Reads the streams that carry these event types; an error for a type outside `E`.
    pub fn event_types(mut self, types: &[&str]) -> Result<Self, ConsumerError> {
        let contracts = E::contracts();
        let mut streams = Vec::new();
        for t in types {
            let found: Vec<_> = contracts.iter().filter(|c| c.event_type == *t).collect();
            if found.is_empty() {
                return Err(ConsumerError::NoStreams(format!(
                    "event type {t:?} is not in the catalog"
                )));
            }
            streams.extend(found.iter().map(|c| c.channel.to_owned()));
        }
        streams.sort();
        streams.dedup();
        self.streams = streams;
        Ok(self)
    }

    /// The streams this consumer will read.
    pub fn stream_names(&self) -> &[String] {
        &self.streams
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Changes settings in place.
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.cfg);
        *self.shared.breaker.lock().unwrap() =
            CircuitBreaker::new(self.cfg.breaker_failures, self.cfg.breaker_reset);
        self
    }

    /// Entries per read (default 100).
    pub fn batch(self, n: usize) -> Self {
        self.configure(|c| c.batch = n.max(1))
    }

    /// BLOCK of the read of new entries (default 5 s, seed 001 §11.4).
    pub fn block(self, d: Duration) -> Self {
        self.configure(|c| c.block = d)
    }

    /// Idle time after which a pending entry of another consumer is taken over (default 60 s).
    pub fn min_idle(self, d: Duration) -> Self {
        self.configure(|c| c.min_idle = d)
    }

    /// How often to look for entries to take over (default 5 s).
    pub fn claim_every(self, d: Duration) -> Self {
        self.configure(|c| c.claim_every = d)
    }

    /// Handler timeout (default 30 s).
    pub fn handler_timeout(self, d: Duration) -> Self {
        self.configure(|c| c.handler_timeout = d)
    }

    /// Retry policy (default 1 s doubling to 60 s, 5 deliveries).
    pub fn retry(self, p: RetryPolicy) -> Self {
        self.configure(|c| c.retry = p)
    }

    /// Handlers running at once (default 1).
    pub fn concurrency(self, n: usize) -> Self {
        self.configure(|c| c.concurrency = n.max(1))
    }

    /// Circuit breaker: opens after `failures` consecutive retryable failures, for `reset`.
    pub fn breaker(self, failures: u32, reset: Duration) -> Self {
        self.configure(|c| {
            c.breaker_failures = failures;
            c.breaker_reset = reset;
        })
    }

    /// Unknown event types: skip (default) or dead-letter.
    pub fn unknown_types(self, u: UnknownTypes) -> Self {
        self.configure(|c| c.unknown = u)
    }

    /// Where a new group starts (default: the beginning).
    pub fn start_from(self, s: StartFrom) -> Self {
        self.configure(|c| c.start = s)
    }

    /// Turns on the idempotency guard.
    pub fn idempotency(self, i: Idempotency) -> Self {
        self.configure(|c| c.idempotency = Some(i))
    }

    /// A handle that reports the consumer's health while it runs.
    pub fn probe(&self) -> Probe {
        Probe {
            redis: self.redis.clone(),
            group: self.cfg.group.clone(),
            streams: self.streams.clone(),
            dlq_suffix: self.cfg.dlq_suffix.clone(),
            shared: self.shared.clone(),
        }
    }

    /// Runs until `stop` is cancelled: then stops reading, finishes and acknowledges the
    /// entries in hand (a read under way is waited for, at most BLOCK), and returns.
    /// Redis errors are retried with backoff, never returned.
    pub async fn run(self, stop: CancellationToken) -> Result<(), ConsumerError> {
        if self.cfg.min_idle <= self.cfg.handler_timeout {
            return Err(ConsumerError::Config(format!(
                "min_idle ({:?}) must exceed the handler timeout ({:?}), or an entry still being handled is claimed by another consumer",
                self.cfg.min_idle, self.cfg.handler_timeout
            )));
        }
        if self.streams.is_empty() {
            return Err(ConsumerError::NoStreams("the stream list is empty".into()));
        }
        let inner = Arc::new(Inner {
            semaphore: Arc::new(Semaphore::new(self.cfg.concurrency)),
            redis: self.redis,
            handler: self.handler,
            cfg: self.cfg,
            shared: self.shared,
            _events: PhantomData::<fn() -> E>,
        });
        let mut tasks = JoinSet::new();
        for stream in self.streams {
            tasks.spawn(inner.clone().stream_loop(stream, stop.clone()));
        }
        while let Some(r) = tasks.join_next().await {
            if let Err(e) = r {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
        Ok(())
    }
}

/// Reports a running consumer's health (seed 001 §13.2, §13.5).
#[derive(Debug, Clone)]
pub struct Probe {
    redis: Redis,
    group: String,
    streams: Vec<String>,
    dlq_suffix: String,
    shared: Arc<Shared>,
}

impl Probe {
    /// Stream length, pending, lag, oldest pending age and dead-letter length per stream,
    /// the breaker and the last error.
    pub async fn health(&self) -> RedisResult<Health> {
        let mut conn = self.redis.connect(Duration::from_secs(2)).await?;
        let mut streams = Vec::new();
        for s in &self.streams {
            let dlq = dlq::stream_of(s, &self.dlq_suffix);
            streams.push(stream_health(&mut conn, s, &self.group, &dlq).await?);
        }
        Ok(Health {
            channels: streams,
            breaker_open: self.breaker_open(),
            last_error: self.last_error(),
        })
    }

    /// Whether the breaker is open now.
    pub fn breaker_open(&self) -> bool {
        self.shared
            .breaker
            .lock()
            .unwrap()
            .wait(Instant::now())
            .is_some()
    }

    /// The last error the consumer saw.
    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().unwrap().clone()
    }

    /// The figures of one stream, without the breaker.
    pub async fn stream(&self, stream: &str) -> RedisResult<ChannelHealth> {
        let mut conn = self.redis.connect(Duration::from_secs(2)).await?;
        let dlq = dlq::stream_of(stream, &self.dlq_suffix);
        stream_health(&mut conn, stream, &self.group, &dlq).await
    }
}

struct Inner<E, H> {
    redis: Redis,
    handler: H,
    cfg: Config,
    shared: Arc<Shared>,
    semaphore: Arc<Semaphore>,
    _events: PhantomData<fn() -> E>,
}

/// An entry and its delivery count.
struct Item {
    entry: StreamEntry,
    attempt: u64,
}

/// What became of an entry.
enum Disposition {
    /// Acknowledge it.
    Ack,
    /// Leave it pending (a retry later, or the breaker refused the call).
    Leave,
}

/// Per stream task state.
struct Loop {
    ctl: Option<Conn>,
    blk: Option<Conn>,
    /// Cursor through our own pending entries at start; `None` once done.
    own: Option<String>,
    next_retry: Instant,
    /// Whether some of our entries wait for a retry (read with a shorter BLOCK then).
    retries_waiting: bool,
    claim_cursor: String,
    next_claim: Instant,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn sleep_or_stop(d: Duration, stop: &CancellationToken) {
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = stop.cancelled() => {}
    }
}

/// `(id, idle ms, delivery count)` rows of an extended XPENDING reply.
fn pending_rows(v: Value) -> RedisResult<Vec<(String, u64, u64)>> {
    let rows: Vec<(String, String, u64, u64)> = redis::from_redis_value(v)?;
    Ok(rows
        .into_iter()
        .map(|(id, _, idle, n)| (id, idle, n))
        .collect())
}

/// The bytes of a string value, its buffer moved, not copied.
fn owned_bytes(v: Value) -> RedisResult<Vec<u8>> {
    match v {
        Value::BulkString(b) => Ok(b),
        Value::SimpleString(s) => Ok(s.into_bytes()),
        Value::VerbatimString { text, .. } => Ok(text.into_bytes()),
        Value::Int(i) => Ok(i.to_string().into_bytes()),
        other => Err(RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "expected a string",
            format!("{other:?}"),
        ))),
    }
}

/// One `[id, [field, value, …]]` entry, taking the reply's buffers. A name or value that
/// is not UTF-8 does not fail the read (and with it every other entry of the reply): the
/// entry keeps its bytes and fails to decode on its own.
fn owned_entry(v: Value) -> RedisResult<StreamEntry> {
    let Value::Array(parts) = v else {
        return Err(RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "expected a stream entry",
        )));
    };
    let mut parts = parts.into_iter();
    let id = String::from_utf8(owned_bytes(parts.next().unwrap_or(Value::Nil))?).map_err(|_| {
        RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "a stream entry id is not UTF-8",
        ))
    })?;
    let pairs = match parts.next().unwrap_or(Value::Nil) {
        Value::Array(items) => {
            let mut pairs = Vec::with_capacity(items.len() / 2);
            let mut items = items.into_iter();
            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                pairs.push((owned_bytes(k)?, owned_bytes(v)?));
            }
            pairs
        }
        Value::Map(kvs) => kvs
            .into_iter()
            .map(|(k, v)| Ok((owned_bytes(k)?, owned_bytes(v)?)))
            .collect::<RedisResult<_>>()?,
        _ => Vec::new(),
    };
    Ok(StreamEntry::from_bytes(id, pairs))
}

/// The entries of an `XREADGROUP` reply of one stream, taking the reply's buffers (no
/// copy of each field as `StreamReadReply` makes).
fn read_reply(v: Value) -> RedisResult<Vec<StreamEntry>> {
    let per_stream: Vec<Value> = match v {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::Array(mut kv) if kv.len() == 2 => kv.pop(),
                _ => None,
            })
            .collect(),
        Value::Map(kvs) => kvs.into_iter().map(|(_, e)| e).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for entries in per_stream {
        if let Value::Array(items) = entries {
            out.reserve(items.len());
            for item in items {
                out.push(owned_entry(item)?);
            }
        }
    }
    Ok(out)
}

/// Entries of an XCLAIM / XAUTOCLAIM list, skipping the `nil`s of deleted entries.
fn entries_of(v: &Value) -> RedisResult<Vec<StreamEntry>> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter(|i| !matches!(i, Value::Nil))
            .map(|i| {
                <StreamEntry as redis::FromRedisValue>::from_redis_value_ref(i)
                    .map_err(RedisError::from)
            })
            .collect(),
        Value::Nil => Ok(Vec::new()),
        other => Err(RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "expected stream entries",
            format!("{other:?}"),
        ))),
    }
}

impl<E: FieldSet, H: Handler<E>> Inner<E, H> {
    async fn stream_loop(self: Arc<Self>, stream: String, stop: CancellationToken) {
        let now = Instant::now();
        let mut st = Loop {
            ctl: None,
            blk: None,
            own: Some("0".to_owned()),
            next_retry: now,
            retries_waiting: false,
            claim_cursor: "0-0".to_owned(),
            next_claim: now,
        };
        let mut failures = 0u64;
        let mut group_ready = false;
        while !stop.is_cancelled() {
            let wait = self.shared.breaker.lock().unwrap().wait(Instant::now());
            if let Some(wait) = wait {
                metrics::gauge!(m::BREAKER_OPEN, m::GROUP => self.cfg.group.clone()).set(1.0);
                sleep_or_stop(wait, &stop).await;
                continue;
            }
            let result = if group_ready {
                self.step(&stream, &mut st).await
            } else {
                self.ensure_group(&stream, &mut st).await
            };
            match result {
                Ok(()) => {
                    group_ready = true;
                    failures = 0;
                }
                Err(e) => {
                    failures += 1;
                    metrics::counter!(m::BUS_ERRORS, m::STREAM => stream.clone()).increment(1);
                    tracing::warn!(stream = %stream, error = %e, "redis error; retrying");
                    self.shared.error(format!("stream {stream}: {e}"));
                    if is_connection_error(&e) {
                        st.ctl = None;
                        st.blk = None;
                    }
                    if error_code(&e) == Some("NOGROUP") {
                        // The stream or group was deleted under us: create it again.
                        group_ready = false;
                    }
                    sleep_or_stop(self.cfg.reconnect.delay(failures), &stop).await;
                }
            }
        }
    }

    async fn ctl(&self, st: &mut Loop) -> RedisResult<Conn> {
        if st.ctl.is_none() {
            st.ctl = Some(self.redis.connect(self.cfg.command_timeout).await?);
        }
        Ok(st.ctl.clone().expect("connected"))
    }

    /// `XGROUP CREATE … MKSTREAM`; an existing group (`BUSYGROUP`, by code) is fine.
    async fn ensure_group(&self, stream: &str, st: &mut Loop) -> RedisResult<()> {
        let mut c = self.ctl(st).await?;
        let start = match self.cfg.start {
            StartFrom::Beginning => "0",
            StartFrom::New => "$",
        };
        let r: RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(stream)
            .arg(&self.cfg.group)
            .arg(start)
            .arg("MKSTREAM")
            .query_async(&mut c)
            .await;
        match r {
            Err(e) if error_code(&e) != Some("BUSYGROUP") => Err(e),
            _ => Ok(()),
        }
    }

    /// Delivery counts of our pending entries between `first` and `last`.
    async fn counts(
        &self,
        c: &mut Conn,
        stream: &str,
        first: &str,
        last: &str,
        n: usize,
    ) -> RedisResult<HashMap<String, u64>> {
        let v: Value = redis::cmd("XPENDING")
            .arg(stream)
            .arg(&self.cfg.group)
            .arg(first)
            .arg(last)
            .arg(n)
            .arg(&self.cfg.consumer)
            .query_async(c)
            .await?;
        Ok(pending_rows(v)?
            .into_iter()
            .map(|(id, _, n)| (id, n))
            .collect())
    }

    async fn with_counts(
        &self,
        c: &mut Conn,
        stream: &str,
        entries: Vec<StreamEntry>,
    ) -> RedisResult<Vec<Item>> {
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(Vec::new());
        };
        let counts = self
            .counts(c, stream, &first.id, &last.id, entries.len() * 2)
            .await?;
        Ok(entries
            .into_iter()
            .map(|entry| Item {
                attempt: counts.get(&entry.id).copied().unwrap_or(1),
                entry,
            })
            .collect())
    }

    /// One turn of the loop: the first source with entries is handled.
    async fn step(self: &Arc<Self>, stream: &str, st: &mut Loop) -> RedisResult<()> {
        let mut c = self.ctl(st).await?;
        let cfg = &self.cfg;

        // 1. Our own pending entries, once, before anything new.
        if let Some(cursor) = st.own.clone() {
            let reply: Value = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(&cfg.group)
                .arg(&cfg.consumer)
                .arg("COUNT")
                .arg(cfg.batch)
                .arg("STREAMS")
                .arg(stream)
                .arg(&cursor)
                .query_async(&mut c)
                .await?;
            let entries = read_reply(reply)?;
            match entries.last() {
                None => st.own = None,
                Some(last) => {
                    st.own = Some(last.id.clone());
                    let items = self.with_counts(&mut c, stream, entries).await?;
                    tracing::debug!(stream, n = items.len(), "own pending entries");
                    return self.process(stream, items, &mut c).await;
                }
            }
        }

        let now = Instant::now();
        // 2. Our entries due for a retry.
        if now >= st.next_retry {
            st.next_retry = now + cfg.retry.backoff.base.min(Duration::from_secs(1));
            let v: Value = redis::cmd("XPENDING")
                .arg(stream)
                .arg(&cfg.group)
                .arg("IDLE")
                .arg(millis(cfg.retry.backoff.base))
                .arg("-")
                .arg("+")
                .arg(cfg.batch)
                .arg(&cfg.consumer)
                .query_async(&mut c)
                .await?;
            let rows = pending_rows(v)?;
            st.retries_waiting = !rows.is_empty();
            let due: Vec<(String, u64)> = rows
                .into_iter()
                .filter(|(_, idle, n)| *idle >= millis(cfg.retry.wait_after(*n)))
                .map(|(id, _, n)| (id, n))
                .collect();
            if !due.is_empty() {
                let mut cmd = redis::cmd("XCLAIM");
                cmd.arg(stream).arg(&cfg.group).arg(&cfg.consumer).arg(0);
                for (id, _) in &due {
                    cmd.arg(id);
                }
                let v: Value = cmd.query_async(&mut c).await?;
                let counts: HashMap<String, u64> = due.into_iter().collect();
                let items = entries_of(&v)?
                    .into_iter()
                    .map(|entry| Item {
                        attempt: counts.get(&entry.id).map_or(1, |n| n + 1),
                        entry,
                    })
                    .collect();
                return self.process(stream, items, &mut c).await;
            }
        }

        // 3. Entries of consumers that went away.
        if now >= st.next_claim {
            let v: Value = redis::cmd("XAUTOCLAIM")
                .arg(stream)
                .arg(&cfg.group)
                .arg(&cfg.consumer)
                .arg(millis(cfg.min_idle))
                .arg(&st.claim_cursor)
                .arg("COUNT")
                .arg(cfg.batch)
                .query_async(&mut c)
                .await?;
            let Value::Array(parts) = v else {
                return Err(RedisError::from((
                    redis::ErrorKind::UnexpectedReturnType,
                    "XAUTOCLAIM reply",
                )));
            };
            let next: String = match parts.first() {
                Some(v) => redis::from_redis_value_ref(v)?,
                None => "0-0".to_owned(),
            };
            let entries = parts.get(1).map_or(Ok(Vec::new()), entries_of)?;
            if next == "0-0" {
                st.next_claim = now + cfg.claim_every;
            }
            st.claim_cursor = next;
            if !entries.is_empty() {
                metrics::counter!(m::EVENTS_CLAIMED, m::STREAM => stream.to_owned())
                    .increment(entries.len() as u64);
                tracing::info!(stream, n = entries.len(), "claimed idle entries");
                let items = self.with_counts(&mut c, stream, entries).await?;
                return self.process(stream, items, &mut c).await;
            }
        }

        // 4. New entries.
        if st.blk.is_none() {
            st.blk = Some(self.redis.connect(cfg.block + cfg.command_timeout).await?);
        }
        let mut blk = st.blk.clone().expect("connected");
        let trial = self.shared.breaker.lock().unwrap().is_trial(Instant::now());
        let block = if st.retries_waiting {
            cfg.block.min(Duration::from_secs(1))
        } else {
            cfg.block
        };
        let reply: Value = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(&cfg.group)
            .arg(&cfg.consumer)
            .arg("COUNT")
            .arg(if trial { 1 } else { cfg.batch })
            .arg("BLOCK")
            .arg(millis(block).max(1))
            .arg("STREAMS")
            .arg(stream)
            .arg(">")
            .query_async(&mut blk)
            .await?;
        let items: Vec<Item> = read_reply(reply)?
            .into_iter()
            .map(|entry| Item { entry, attempt: 1 })
            .collect();
        self.process(stream, items, &mut c).await
    }

    /// Handles `items` (at most `concurrency` at once) and acknowledges what is done.
    async fn process(
        self: &Arc<Self>,
        stream: &str,
        items: Vec<Item>,
        c: &mut Conn,
    ) -> RedisResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut acks = Vec::with_capacity(items.len());
        let mut failure = None;
        if self.cfg.concurrency == 1 {
            for item in items {
                let _permit = self.semaphore.acquire().await.expect("never closed");
                let id = item.entry.id.clone();
                match self.handle(stream, item, c.clone()).await {
                    Ok(Disposition::Ack) => acks.push(id),
                    Ok(Disposition::Leave) => {}
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        } else {
            let mut set = JoinSet::new();
            for item in items {
                let permit = self
                    .semaphore
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("never closed");
                let me = self.clone();
                let conn = c.clone();
                let stream = stream.to_owned();
                set.spawn(async move {
                    let _permit = permit;
                    let id = item.entry.id.clone();
                    (id, me.handle(&stream, item, conn).await)
                });
            }
            while let Some(r) = set.join_next().await {
                match r {
                    Ok((id, Ok(Disposition::Ack))) => acks.push(id),
                    Ok((_, Ok(Disposition::Leave))) => {}
                    Ok((_, Err(e))) => failure = Some(e),
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Err(_) => {}
                }
            }
        }
        if !acks.is_empty() {
            let _: u64 = redis::cmd("XACK")
                .arg(stream)
                .arg(&self.cfg.group)
                .arg(&acks)
                .query_async(c)
                .await?;
        }
        failure.map_or(Ok(()), Err)
    }

    fn consumed(&self, stream: &str, event_type: &'static str, status: &'static str) {
        metrics::counter!(m::EVENTS_CONSUMED, m::STREAM => stream.to_owned(), m::EVENT_TYPE => event_type, m::STATUS => status)
            .increment(1);
    }

    async fn dead_letter(
        &self,
        stream: &str,
        entry: &StreamEntry,
        attempt: u64,
        reason: Reason,
        error: &str,
        c: &mut Conn,
    ) -> RedisResult<Disposition> {
        let cx = dlq::Context {
            stream,
            group: &self.cfg.group,
            consumer: &self.cfg.consumer,
            deliveries: attempt,
        };
        let target = dlq::stream_of(stream, &self.cfg.dlq_suffix);
        let _: String = dlq::xadd(&target, self.cfg.dlq_max_len, entry, reason, error, &cx)
            .query_async(c)
            .await?;
        tracing::warn!(stream, entry_id = %entry.id, reason = reason.as_str(), error, "dead-lettered");
        self.shared
            .error(format!("stream {stream} entry {}: {error}", entry.id));
        metrics::counter!(m::EVENTS_DEAD_LETTERED, m::STREAM => stream.to_owned(), m::REASON => reason.as_str())
            .increment(1);
        Ok(Disposition::Ack)
    }

    fn idem_key(&self, stream: &str, entry: &StreamEntry) -> Option<String> {
        let i = self.cfg.idempotency.as_ref()?;
        let value = match &i.key {
            IdempotencyKey::EntryId => entry.id.as_str(),
            IdempotencyKey::Field(f) => entry
                .fields
                .iter()
                .find(|(k, _)| k == f)
                .map(|(_, v)| v.as_str())?,
        };
        Some(format!("{}:{}:{stream}:{value}", i.prefix, self.cfg.group))
    }

    async fn handle(&self, stream: &str, item: Item, mut c: Conn) -> RedisResult<Disposition> {
        let Item { entry, attempt } = item;
        // Span fields are recorded here, so the entry is borrowed, not copied.
        let span = tracing::info_span!(
            "event",
            stream,
            entry_id = %entry.id,
            event_type = entry.fields.first().map_or("", |(_, v)| v.as_str()),
            attempt
        );
        async move {
            // Trimmed away while pending: nothing left to handle.
            if entry.fields.is_empty() {
                return Ok(Disposition::Ack);
            }
            let event = match entry.decode(E::decode_fields).map_err(|e| e.error) {
                Ok(e) => e,
                Err(e @ (DecodeError::UnknownType(_) | DecodeError::UnknownVersion { .. })) => {
                    if self.cfg.unknown == UnknownTypes::Skip {
                        tracing::debug!(error = %e, "unknown event type skipped");
                        self.consumed(stream, "unknown", m::status::SKIPPED);
                        return Ok(Disposition::Ack);
                    }
                    self.consumed(stream, "unknown", m::status::DEAD_LETTERED);
                    let msg = format!("entry {}: {e}", entry.id);
                    return self
                        .dead_letter(stream, &entry, attempt, Reason::UnknownType, &msg, &mut c)
                        .await;
                }
                Err(e) => {
                    self.consumed(stream, "unknown", m::status::DEAD_LETTERED);
                    let msg = format!("entry {}: {e}", entry.id);
                    return self
                        .dead_letter(stream, &entry, attempt, Reason::Undecodable, &msg, &mut c)
                        .await;
                }
            };
            let event_type = event.type_name();
            if attempt > self.cfg.retry.max_deliveries {
                // Delivered that often without an outcome: it may crash its consumers.
                self.consumed(stream, event_type, m::status::DEAD_LETTERED);
                let msg = format!(
                    "delivered {attempt} times without an acknowledgement (more than max_deliveries {}); a consumer may crash on it",
                    self.cfg.retry.max_deliveries
                );
                return self
                    .dead_letter(stream, &entry, attempt, Reason::MaxDeliveries, &msg, &mut c)
                    .await;
            }
            let idem = self.idem_key(stream, &entry);
            if let Some(key) = &idem {
                let lease = millis(self.cfg.handler_timeout) + 1000;
                let set: Option<String> = redis::cmd("SET")
                    .arg(key)
                    .arg("pending")
                    .arg("NX")
                    .arg("PX")
                    .arg(lease)
                    .query_async(&mut c)
                    .await?;
                if set.is_none() {
                    let v: Option<String> = redis::cmd("GET").arg(key).query_async(&mut c).await?;
                    if v.as_deref() == Some("done") {
                        tracing::debug!(key, "already handled; skipped");
                        self.consumed(stream, event_type, m::status::SKIPPED);
                        return Ok(Disposition::Ack);
                    }
                    // Being handled elsewhere right now: look again later.
                    return Ok(Disposition::Leave);
                }
            }
            if self
                .shared
                .breaker
                .lock()
                .unwrap()
                .allow(Instant::now())
                .is_err()
            {
                if let Some(key) = &idem {
                    let _: () = redis::cmd("DEL").arg(key).query_async(&mut c).await?;
                }
                return Ok(Disposition::Leave);
            }
            let delivery = Delivery {
                channel: stream.to_owned(),
                id: entry.id.clone(),
                group: self.cfg.group.clone(),
                consumer: self.cfg.consumer.clone(),
                attempt,
                received_at: SystemTime::now(),
            };
            let started = Instant::now();
            let outcome =
                tokio::time::timeout(self.cfg.handler_timeout, self.handler.handle(event, &delivery))
                    .await;
            metrics::histogram!(m::PROCESSING_DURATION, m::STREAM => stream.to_owned(), m::EVENT_TYPE => event_type)
                .record(started.elapsed().as_secs_f64());
            let error = match outcome {
                Ok(Ok(())) => {
                    self.shared.breaker.lock().unwrap().on_success();
                    if let (Some(key), Some(i)) = (&idem, &self.cfg.idempotency) {
                        let _: () = redis::cmd("SET")
                            .arg(key)
                            .arg("done")
                            .arg("PX")
                            .arg(millis(i.ttl))
                            .query_async(&mut c)
                            .await?;
                    }
                    self.consumed(stream, event_type, m::status::OK);
                    return Ok(Disposition::Ack);
                }
                Ok(Err(e)) => e,
                Err(_) => events_bus::HandlerError::retryable(format!(
                    "handler timed out after {:?}",
                    self.cfg.handler_timeout
                )),
            };
            if let Some(key) = &idem {
                let _: () = redis::cmd("DEL").arg(key).query_async(&mut c).await?;
            }
            match error.kind() {
                ErrorKind::Permanent => {
                    self.shared.breaker.lock().unwrap().on_success();
                    self.consumed(stream, event_type, m::status::DEAD_LETTERED);
                    let msg = format!("{event_type} entry {}: {error}", entry.id);
                    self.dead_letter(stream, &entry, attempt, Reason::Permanent, &msg, &mut c)
                        .await
                }
                ErrorKind::Retryable => {
                    self.shared.breaker.lock().unwrap().on_failure(Instant::now());
                    let msg = format!("{event_type} entry {} (delivery {attempt}): {error}", entry.id);
                    self.shared.error(format!("stream {stream}: {msg}"));
                    if self.cfg.retry.may_retry(attempt) {
                        tracing::info!(error = %error, "handler failed; will retry");
                        self.consumed(stream, event_type, m::status::RETRY);
                        Ok(Disposition::Leave)
                    } else {
                        self.consumed(stream, event_type, m::status::DEAD_LETTERED);
                        self.dead_letter(stream, &entry, attempt, Reason::MaxDeliveries, &msg, &mut c)
                            .await
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("*:events:*", "listings:events:orders"));
        assert!(glob_match("*:events:*", "wms:events:picking"));
        assert!(!glob_match("*:events:*", "pvz.events"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("pvz.events", "pvz.events"));
    }
}
