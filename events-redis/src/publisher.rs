//! Publishing: `XADD <Contract::CHANNEL> MAXLEN ~ n * <fields>`, one event or a pipelined
//! batch, never waiting longer than the configured timeout.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use events_bus::metrics as m;
use events_rt::{FieldError, FieldSet};
use redis::RedisError;
use tokio::sync::Mutex;

use crate::conn::{is_connection_error, Conn, Redis};
use crate::direct::{Direct, Reply};

/// Default `MAXLEN ~` of a stream: ten times seed 001 §13.2's alert threshold (10,000), so
/// trimming does not outrun a consumer that is already being alerted about.
pub const DEFAULT_MAX_LEN: usize = 100_000;

/// Commands of the first sub-pipeline of a stream in [`Publisher::publish_batch`]: sent
/// alone, so that Redis works on them while the rest are encoded.
pub const FIRST_PART: usize = 5;

/// How many times longer each sub-pipeline of [`Publisher::publish_batch`] is than the one
/// before it, up to [`SUB_PIPELINE`]: a batch of 100 goes out as 5, 15, 45 and 35.
pub const GROWTH: usize = 3;

/// Default of [`Publisher::busy_poll`]: longer than Redis takes to answer a batch of a
/// few hundred commands, so a batch's last replies are met without parking.
pub const DEFAULT_BUSY_POLL: Duration = Duration::from_millis(1);

/// Most commands per later sub-pipeline of [`Publisher::publish_batch`].
pub const SUB_PIPELINE: usize = 128;

// `XADD <stream> [MAXLEN ~ n] * <fields>` from a field map: the runtime's builder of it,
// for events checked as field maps before publish.
#[cfg(feature = "validate")]
use events_rt::redis::xadd;

/// The index ranges of the sub-pipelines of `n` commands: [`FIRST_PART`], then each
/// [`GROWTH`] times the one before, at most [`SUB_PIPELINE`].
fn sub_pipelines(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let (mut at, mut size) = (0, FIRST_PART);
    std::iter::from_fn(move || {
        (at < n).then(|| {
            let part = at..(at + size).min(n);
            (at, size) = (part.end, (size * GROWTH).min(SUB_PIPELINE));
            part
        })
    })
}

/// Whether two names are the same; the `&'static str`s of a contract are most often the
/// very same, which is checked first (no byte comparison).
fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// [`same`] for a publish counter's labels (stream, type, status).
fn same_labels(a: &(&str, &str, &str), b: &(&str, &str, &str)) -> bool {
    same(a.0, b.0) && same(a.1, b.1) && same(a.2, b.2)
}

/// A slot for the batches' own connection when `redis` is one server over plain TCP.
fn direct_slot(redis: &Redis) -> Option<Mutex<Option<Direct>>> {
    redis
        .single()
        .filter(|(info, _)| Direct::supports(info))
        .map(|_| Mutex::new(None))
}

/// Why an event was not published.
#[derive(Debug, thiserror::Error)]
#[error("cannot publish {event_type} to stream {stream}: {cause}")]
pub struct PublishError {
    /// The event's type.
    pub event_type: &'static str,
    /// The stream it was for.
    pub stream: String,
    /// What went wrong (boxed: a `RedisError` is large).
    pub cause: Box<PublishCause>,
}

/// The cause of a [`PublishError`].
#[derive(Debug, thiserror::Error)]
pub enum PublishCause {
    /// The event could not be encoded as a field map.
    #[error("encoding: {0}")]
    Encode(FieldError),
    /// No answer within the publisher's timeout (Redis down or unreachable).
    #[error("no answer from Redis within {0:?}")]
    Timeout(Duration),
    /// Redis answered with an error, or the connection failed.
    #[error("{0}")]
    Redis(RedisError),
    /// The event breaks its contract's schema; nothing was sent. Only with validation
    /// before publish (feature `validate`, `Publisher::validate_with`).
    #[error("invalid: {0}")]
    Invalid(String),
}

/// Publishes events to the streams their contracts name.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use events_redis::{Publisher, Redis};
/// use events_types::{OrderConfirmedV1, OrderItem};
///
/// let publisher = Publisher::new(Redis::open("redis://127.0.0.1:6379")?)
///     .max_len("listings:events:orders", Some(50_000));
/// let event = OrderConfirmedV1::new(1_734_825_600, 1, 77, vec![OrderItem { listing_id: 100, quantity: 2, warehouse_id: 1 }]);
/// let id = publisher.publish(&event).await?; // XADD listings:events:orders MAXLEN ~ 50000 * type order.confirmed …
/// # let _ = id; Ok(()) }
/// ```
#[derive(Debug)]
pub struct Publisher {
    redis: Redis,
    conn: Mutex<Option<Conn>>,
    /// The batches' own connection (see [`Publisher::direct_connection`]): `None` when
    /// the target is not one server over plain TCP, or when turned off.
    direct: Option<Mutex<Option<Direct>>>,
    /// See [`Publisher::busy_poll`].
    busy_poll: Option<Duration>,
    timeout: Duration,
    default_max_len: Option<usize>,
    max_len: HashMap<String, Option<usize>>,
    #[cfg(feature = "validate")]
    validator: Option<std::sync::Arc<events_check::validate::Validator>>,
}

impl Publisher {
    /// A publisher with a 2 s timeout; each stream is trimmed to `MAXLEN ~` of its
    /// schema's `x-event.max_len`, or ~100000 when the schema names none.
    pub fn new(redis: Redis) -> Self {
        Self {
            direct: direct_slot(&redis),
            busy_poll: Some(DEFAULT_BUSY_POLL),
            redis,
            conn: Mutex::new(None),
            timeout: Duration::from_secs(2),
            default_max_len: Some(DEFAULT_MAX_LEN),
            max_len: HashMap::new(),
            #[cfg(feature = "validate")]
            validator: None,
        }
    }

    /// Validates every event against its contract's schema before publishing it (the
    /// field map as it goes on the wire); an invalid event fails with
    /// [`PublishCause::Invalid`] naming each broken rule, and is not sent. Off unless
    /// called: it costs a schema validation per event.
    ///
    /// ```no_run
    /// # fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use events_check::validate::Validator;
    /// use events_codegen::SchemaSet;
    /// # use events_redis::{Publisher, Redis};
    /// let set = SchemaSet::load("schemas".as_ref()).map_err(|e| e.to_string())?;
    /// let validator = Validator::new(&set).map_err(|e| e.to_string())?;
    /// let publisher = Publisher::new(Redis::open("redis://127.0.0.1:6379")?)
    ///     .validate_with(Arc::new(validator));
    /// # let _ = publisher; Ok(()) }
    /// ```
    #[cfg(feature = "validate")]
    pub fn validate_with(
        mut self,
        validator: std::sync::Arc<events_check::validate::Validator>,
    ) -> Self {
        self.validator = Some(validator);
        self
    }

    /// The XADD command of an event, its fields written straight into the command; with
    /// validation on, through the field map, which is checked against the schema first.
    fn encode<E: FieldSet>(
        &self,
        event: &E,
        stream: &str,
        trim: Option<usize>,
    ) -> Result<redis::Cmd, PublishCause> {
        #[cfg(feature = "validate")]
        if let Some(v) = &self.validator {
            let fields = event.encode_fields().map_err(PublishCause::Encode)?;
            let report = v.validate_fields(&fields);
            if !report.is_valid() {
                return Err(PublishCause::Invalid(report.summary()));
            }
            return Ok(xadd(stream, trim, &fields));
        }
        event
            .encode_xadd(stream, trim)
            .map_err(PublishCause::Encode)
    }

    /// Whether [`Publisher::publish_batch`] may use a connection of its own (on by
    /// default): for a single server over plain TCP, a batch's commands are written into
    /// one buffer part by part as they are encoded and the replies read in place, without
    /// the redis crate's multiplexed connection and its task hand-off. A batch that finds
    /// it busy (another task's batch), and every other target (TLS, Unix socket,
    /// cluster), goes through the multiplexed connection; so does [`Publisher::publish`].
    pub fn direct_connection(mut self, on: bool) -> Self {
        if !on {
            self.direct = None;
        } else if self.direct.is_none() {
            self.direct = direct_slot(&self.redis);
        }
        self
    }

    /// How long [`Publisher::publish_batch`], on its own connection (see
    /// [`Publisher::direct_connection`]), polls the socket for replies before it parks
    /// the task; `None` parks at once. Default [`DEFAULT_BUSY_POLL`].
    ///
    /// On a virtual machine whose idle vCPUs halt, a task parked in the reactor wakes
    /// tens of microseconds after its replies land, and a batch waits for that once or
    /// more: polling instead answers at once, for the CPU time of the wait. The poll
    /// lets the runtime's other tasks run every 50 µs, and is skipped while the server
    /// answers slower than the budget (it would only burn the CPU). `None` suits a
    /// publisher that shares its thread with latency-sensitive work or pays for CPU time
    /// more than for throughput.
    pub fn busy_poll(mut self, budget: Option<Duration>) -> Self {
        self.busy_poll = budget.filter(|b| !b.is_zero());
        self
    }

    /// [`Publisher::encode`], packed at the end of `buf` (straight into it, without a
    /// `redis::Cmd`, unless the event is validated first).
    fn encode_into<E: FieldSet>(
        &self,
        event: &E,
        stream: &str,
        trim: Option<usize>,
        buf: &mut Vec<u8>,
    ) -> Result<(), PublishCause> {
        #[cfg(feature = "validate")]
        if self.validator.is_some() {
            self.encode(event, stream, trim)?.write_packed_command(buf);
            return Ok(());
        }
        events_rt::redis::write_xadd(event, stream, trim, buf).map_err(PublishCause::Encode)
    }

    /// The longest a publish (connecting included) may take before it fails.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// `MAXLEN ~` for streams that neither code ([`Publisher::max_len`]) nor the schema
    /// (`x-event.max_len`) give a length (`None`: never trim them).
    pub fn default_max_len(mut self, n: Option<usize>) -> Self {
        self.default_max_len = n;
        self
    }

    /// `MAXLEN ~` for one stream, over the schema's `x-event.max_len` (`None`: never
    /// trim it).
    pub fn max_len(mut self, stream: &str, n: Option<usize>) -> Self {
        self.max_len.insert(stream.to_owned(), n);
        self
    }

    /// The trim length of a stream: set in code for the stream, else the schema's
    /// `x-event.max_len`, else the publisher's default.
    fn trim_of(&self, stream: &str, schema: Option<usize>) -> Option<usize> {
        self.max_len
            .get(stream)
            .copied()
            .unwrap_or(schema.or(self.default_max_len))
    }

    async fn conn(&self) -> Result<Conn, RedisError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = &*slot {
            return Ok(c.clone());
        }
        let c = self.redis.connect(self.timeout).await?;
        *slot = Some(c.clone());
        Ok(c)
    }

    async fn forget_if_broken(&self, e: &RedisError) {
        if is_connection_error(e) {
            *self.conn.lock().await = None;
        }
    }

    /// Publishes one event to its stream; returns the entry id.
    pub async fn publish<E: FieldSet>(&self, event: &E) -> Result<String, PublishError> {
        let stream = event.channel();
        let error = |cause| PublishError {
            event_type: event.type_name(),
            stream: stream.to_owned(),
            cause: Box::new(cause),
        };
        let cmd = self
            .encode(event, stream, self.trim_of(stream, event.max_len()))
            .map_err(error)?;
        let attempt = async {
            let mut c = self.conn().await?;
            cmd.query_async::<String>(&mut c).await
        };
        let result = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => {
                self.forget_if_broken(&e).await;
                Err(error(PublishCause::Redis(e)))
            }
            Err(_) => {
                *self.conn.lock().await = None;
                Err(error(PublishCause::Timeout(self.timeout)))
            }
        };
        let status = if result.is_ok() { "ok" } else { "error" };
        metrics::counter!(m::EVENTS_PUBLISHED, m::STREAM => stream, m::EVENT_TYPE => event.type_name(), m::STATUS => status)
            .increment(1);
        result
    }

    /// Publishes many events, pipelined per stream (a stream is one key, so this is
    /// cluster-safe); returns one result per event, in order. An event that does not
    /// encode fails alone; a connection failure fails the events of that pipeline.
    ///
    /// A stream's commands go out in sub-pipelines on the one connection: the first
    /// [`FIRST_PART`] alone, on the wire while the rest are encoded (so Redis works while
    /// the client encodes), the rest in sub-pipelines of up to [`SUB_PIPELINE`]; all of a
    /// batch are in flight at once, as in a single pipeline.
    pub async fn publish_batch<E: FieldSet>(
        &self,
        events: &[E],
    ) -> Vec<Result<String, PublishError>> {
        let mut out: Vec<Option<Result<String, PublishError>>> =
            (0..events.len()).map(|_| None).collect();
        // Positions of the events of each stream, in order.
        let mut by_stream: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for (i, event) in events.iter().enumerate() {
            let stream = event.channel();
            match by_stream.iter_mut().find(|(s, _)| same(s, stream)) {
                Some((_, idx)) => idx.push(i),
                None => by_stream.push((stream, vec![i])),
            }
        }
        for (stream, idx) in by_stream {
            let trim = self.trim_of(stream, events[idx[0]].max_len());
            let error = |i: usize, cause| PublishError {
                event_type: events[i].type_name(),
                stream: stream.to_owned(),
                cause: Box::new(cause),
            };
            // Sub-pipelines that grow from a short first one: Redis starts on each while
            // the next is encoded, and is not left waiting for a long one.
            let chunks = || sub_pipelines(idx.len()).map(|r| &idx[r]);
            // The events of this stream still without a result fail with `cause`.
            let fail_rest = |out: &mut Vec<Option<Result<String, PublishError>>>,
                             cause: &dyn Fn() -> PublishCause| {
                for i in &idx {
                    out[*i].get_or_insert_with(|| Err(error(*i, cause())));
                }
            };
            // The batches' own connection, when it is there and free.
            if let Some(mut slot) = self.direct.as_ref().and_then(|m| m.try_lock().ok()) {
                let (mut sent, mut replies): (Vec<usize>, Vec<Reply>) =
                    (Vec::with_capacity(idx.len()), Vec::with_capacity(idx.len()));
                let attempt = async {
                    if slot.as_ref().is_some_and(|d| !d.is_alive()) {
                        *slot = None;
                    }
                    if slot.is_none() {
                        let (info, connect_timeout) = self.redis.single().expect("one server");
                        *slot = Some(Direct::connect(info, connect_timeout, self.busy_poll).await?);
                    }
                    let direct = slot.as_mut().expect("connected");
                    let encode = |i: usize, buf: &mut Vec<u8>| match self
                        .encode_into(&events[i], stream, trim, buf)
                    {
                        Ok(()) => true,
                        Err(cause) => {
                            out[i] = Some(Err(error(i, cause)));
                            false
                        }
                    };
                    direct.send(chunks(), encode, &mut sent, &mut replies).await
                };
                let outcome = tokio::time::timeout(self.timeout, attempt).await;
                for (i, r) in sent.iter().zip(replies) {
                    out[*i] = Some(r.map_err(|e| error(*i, PublishCause::Redis(e))));
                }
                // After a failure the connection is not reused; the events without a reply
                // fail with its error (or the timeout).
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        *slot = None;
                        fail_rest(&mut out, &|| PublishCause::Redis(e.clone()));
                    }
                    Err(_) => {
                        *slot = None;
                        fail_rest(&mut out, &|| PublishCause::Timeout(self.timeout));
                    }
                }
                continue;
            }
            let attempt = async {
                let c = self.conn().await?;
                let mut in_flight = Vec::with_capacity(chunks().count());
                for chunk in chunks() {
                    let mut pipe = redis::Pipeline::with_capacity(chunk.len());
                    pipe.ignore_errors();
                    let mut sent = Vec::with_capacity(chunk.len());
                    for &i in chunk {
                        match self.encode(&events[i], stream, trim) {
                            Ok(cmd) => {
                                pipe.add_command(cmd);
                                sent.push(i);
                            }
                            Err(cause) => out[i] = Some(Err(error(i, cause))),
                        }
                    }
                    if sent.is_empty() {
                        continue;
                    }
                    let mut conn = c.clone();
                    let mut request = Box::pin(async move {
                        pipe.query_async::<Vec<redis::RedisResult<String>>>(&mut conn)
                            .await
                    });
                    // One poll hands the commands to the connection; a yield lets its task
                    // write them before the next chunk is encoded.
                    let early = std::future::poll_fn(|cx| {
                        std::task::Poll::Ready(match request.as_mut().poll(cx) {
                            std::task::Poll::Ready(r) => Some(r),
                            std::task::Poll::Pending => None,
                        })
                    })
                    .await;
                    in_flight.push((sent, request, early));
                    tokio::task::yield_now().await;
                }
                let mut replies = Vec::with_capacity(in_flight.len());
                for (sent, request, early) in in_flight {
                    let r = match early {
                        Some(r) => r,
                        None => request.await,
                    };
                    replies.push((sent, r));
                }
                Ok::<_, RedisError>(replies)
            };
            match tokio::time::timeout(self.timeout, attempt).await {
                Ok(Ok(replies)) => {
                    for (sent, r) in replies {
                        match r {
                            Ok(results) => {
                                for (i, r) in sent.iter().zip(results) {
                                    out[*i] =
                                        Some(r.map_err(|e| error(*i, PublishCause::Redis(e))));
                                }
                            }
                            Err(e) => {
                                self.forget_if_broken(&e).await;
                                for i in &sent {
                                    out[*i] = Some(Err(error(*i, PublishCause::Redis(e.clone()))));
                                }
                            }
                        }
                    }
                }
                Ok(Err(e)) => {
                    self.forget_if_broken(&e).await;
                    fail_rest(&mut out, &|| PublishCause::Redis(e.clone()));
                }
                Err(_) => {
                    *self.conn.lock().await = None;
                    fail_rest(&mut out, &|| PublishCause::Timeout(self.timeout));
                }
            }
        }
        // One counter update per (stream, type, status), not per event. A batch holds a
        // few such label sets: a short list searched from its last hit (runs of one type
        // are the common case) costs less than hashing the labels of every event.
        let mut counts: Vec<((&'static str, &'static str, &'static str), u64)> = Vec::new();
        let out: Vec<Result<String, PublishError>> = out
            .into_iter()
            .map(|r| r.expect("every event has a result"))
            .collect();
        let mut last = 0;
        for (r, e) in out.iter().zip(events) {
            let status = if r.is_ok() { "ok" } else { "error" };
            let labels = (e.channel(), e.type_name(), status);
            match counts.get_mut(last) {
                Some((l, n)) if same_labels(l, &labels) => *n += 1,
                _ => match counts.iter().position(|(l, _)| same_labels(l, &labels)) {
                    Some(at) => {
                        counts[at].1 += 1;
                        last = at;
                    }
                    None => {
                        last = counts.len();
                        counts.push((labels, 1));
                    }
                },
            }
        }
        for ((stream, event_type, status), n) in counts {
            metrics::counter!(m::EVENTS_PUBLISHED, m::STREAM => stream, m::EVENT_TYPE => event_type, m::STATUS => status)
                .increment(n);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{sub_pipelines, SUB_PIPELINE};

    #[test]
    fn sub_pipelines_grow_from_the_first_part_and_cover_every_command_once() {
        let sizes = |n| sub_pipelines(n).map(|r| r.len()).collect::<Vec<_>>();
        assert_eq!(sizes(100), [5, 15, 45, 35]);
        assert_eq!(sizes(3), [3]);
        assert!(sizes(0).is_empty());
        assert_eq!(
            sizes(1000),
            [5, 15, 45, 128, 128, 128, 128, 128, 128, 128, 39]
        );
        for n in [1, 5, 6, 20, 21, 100, 1000, 4097] {
            let parts: Vec<_> = sub_pipelines(n).collect();
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts.last().unwrap().end, n, "{n}");
            assert!(parts
                .windows(2)
                .all(|w| w[0].end == w[1].start && !w[1].is_empty()));
            assert!(parts.iter().all(|r| r.len() <= SUB_PIPELINE));
        }
    }
}
