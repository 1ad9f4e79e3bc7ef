//! The relay: publishes committed outbox rows through a [`Sink`], each key's rows in `seq`
//! order, one row per key in flight, with any number of relays sharing the keys.
//!
//! How it holds its guarantees:
//! - **Nothing lost.** A row is marked published only after the sink's acknowledgement;
//!   a relay that dies between the two leaves the row unpublished, and it goes out again
//!   (at least once: consumers deduplicate by event id). The relay reads every
//!   unpublished row, never a high-water mark, so a row whose transaction commits late
//!   (a lower `seq` after a higher one) is never skipped.
//! - **Per-key order.** Keys are hashed into [`SLOTS`] slots; a relay publishes only the
//!   rows of slots whose session-level advisory lock it holds, so no two relays ever hold
//!   one key, and a relay that dies frees its slots with its session. Of each key it takes
//!   only the first unpublished row: a row waiting out a retry, or parked, holds back the
//!   later rows of its own key, no other.
//! - **Sharing.** Each relay also holds a membership lock; every `rebalance_every` it
//!   counts the members and holds `ceil(SLOTS / members)` slots, releasing extras between
//!   batches and taking free ones, so throughput grows with relays.

use std::collections::{BTreeSet, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use events_bus::Backoff;
use events_rt::EventSet;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Client, NoTls};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::enqueue::{Outbox, EVENT_TYPE_HEADER, VERSION_HEADER};
use crate::sink::{Meta, Sink, SinkError};
use crate::table::{lock_classes, LOCK_CLASS, SLOTS};

/// Metric names (the `metrics` facade; install any recorder).
pub mod metrics_names {
    /// Gauge: unpublished rows that are not parked.
    pub const PENDING: &str = "events_outbox_pending";
    /// Gauge: parked rows.
    pub const PARKED: &str = "events_outbox_parked";
    /// Gauge: age in seconds of the oldest unpublished row.
    pub const OLDEST_PENDING: &str = "events_outbox_oldest_pending_seconds";
    /// Gauge: slots this relay holds.
    pub const SLOTS_HELD: &str = "events_outbox_slots_held";
    /// Counter: rows published, by `topic` and `event_type`.
    pub const PUBLISHED: &str = "events_outbox_published_total";
    /// Counter: failed tries, by `topic` and `outcome` (`retry`, `parked`, `outage`).
    pub const FAILED: &str = "events_outbox_failed_total";
    /// Histogram: seconds from handing a batch to the sink to its acknowledgement, by `sink`.
    pub const PUBLISH_DURATION: &str = "events_outbox_publish_duration_seconds";
}
use metrics_names as mn;

/// How a relay works; the defaults are seed 003's ("Outbox Configuration").
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Rows per batch (seed 003: 10).
    pub batch_size: usize,
    /// Longest sleep without a notification (seed 003: 5 s).
    pub poll_interval: Duration,
    /// Retries of a failing row before it is parked (seed 003: 3, so 4 tries in all).
    pub max_retries: u32,
    /// Wait before retry `n` of a row (seed 003: exponential; 1 s doubling to 60 s).
    pub backoff: Backoff,
    /// Whether a parked row holds back the later rows of its key until it is replayed or
    /// discarded (default: yes, per-key order over progress).
    pub block_key_on_park: bool,
    /// How long published rows are kept before they are deleted (default 1 hour).
    pub retention: Duration,
    /// How often published rows past their retention are deleted (default 1 minute).
    pub cleanup_every: Duration,
    /// Rows per delete statement (default 1,000: short locks, no huge transaction).
    pub cleanup_batch: i64,
    /// How often the relay recounts the relays and rebalances its slots (default 1 s).
    pub rebalance_every: Duration,
    /// How often the table's figures are read into the gauges (default 10 s).
    pub stats_every: Duration,
    /// Wait between reconnects to PostgreSQL, and between checks of a broker that is
    /// down (100 ms doubling to 5 s).
    pub reconnect: Backoff,
    /// Fault injection for tests: a pause between the broker's acknowledgement of a batch
    /// and its mark, widening the window in which a crash republishes it (default zero).
    pub hold_before_mark: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 10,
            poll_interval: Duration::from_secs(5),
            max_retries: 3,
            backoff: Backoff::default(),
            block_key_on_park: true,
            retention: Duration::from_secs(3600),
            cleanup_every: Duration::from_secs(60),
            cleanup_batch: 1000,
            rebalance_every: Duration::from_secs(1),
            stats_every: Duration::from_secs(10),
            reconnect: Backoff {
                base: Duration::from_millis(100),
                max: Duration::from_secs(5),
                factor: 2,
            },
            hold_before_mark: Duration::ZERO,
        }
    }
}

/// What a relay has done, returned when it stops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayStats {
    /// Rows published (acknowledged and marked).
    pub published: u64,
    /// Rows parked by this relay.
    pub parked: u64,
    /// Failed tries that will be retried.
    pub retries: u64,
    /// Batches that failed for a broker outage (not counted against their rows).
    pub outages: u64,
    /// Sessions opened to PostgreSQL (1 when it never reconnected).
    pub sessions: u64,
}

/// A relay's state, shared with its [`Probe`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayHealth {
    /// Connected to PostgreSQL now.
    pub database: bool,
    /// The broker answered the last publish or check.
    pub broker: bool,
    /// Slots held.
    pub slots: usize,
    /// Relays of this table alive (the membership locks), as last counted.
    pub relays: u64,
    /// The last error (database or broker).
    pub last_error: Option<String>,
    /// Counters so far.
    pub stats: RelayStats,
}

impl RelayHealth {
    /// Healthy: connected to both, and holding slots or none needed (another relay has them).
    pub fn is_healthy(&self) -> bool {
        self.database && self.broker
    }
}

/// A handle on a running relay's health (for a `/health` endpoint).
#[derive(Debug, Clone, Default)]
pub struct Probe(Arc<Mutex<RelayHealth>>);

impl Probe {
    /// The relay's state now.
    pub fn health(&self) -> RelayHealth {
        self.0.lock().expect("probe lock").clone()
    }

    fn update(&self, f: impl FnOnce(&mut RelayHealth)) {
        f(&mut self.0.lock().expect("probe lock"));
    }
}

/// A relay of one outbox table to one sink, for the events of `E`.
pub struct Relay<E, S> {
    pg: String,
    outbox: Outbox,
    sink: S,
    config: RelayConfig,
    probe: Probe,
    _events: PhantomData<fn() -> E>,
}

/// A failure inside one session; the relay reconnects after it.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("PostgreSQL: {}", crate::pg_message(.0))]
    Db(#[from] tokio_postgres::Error),
    #[error("PostgreSQL closed the connection")]
    Closed,
}

/// One fetched row.
struct Fetched {
    seq: i64,
    id: String,
    key: String,
    event_type: String,
    topic: String,
    payload: String,
    headers: String,
    attempts: i32,
}

impl<E: EventSet + Sync, S: Sink<E>> Relay<E, S> {
    /// A relay of `outbox` (connecting to PostgreSQL at `pg`, a libpq URL or key=value
    /// string) publishing through `sink`, with seed 003's settings.
    pub fn new(pg: &str, outbox: Outbox, sink: S) -> Self {
        Self {
            pg: pg.to_owned(),
            outbox,
            sink,
            config: RelayConfig::default(),
            probe: Probe::default(),
            _events: PhantomData,
        }
    }

    /// Changes the settings.
    pub fn configure(mut self, f: impl FnOnce(&mut RelayConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// The settings.
    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// A handle on the relay's health, valid while it runs.
    pub fn probe(&self) -> Probe {
        self.probe.clone()
    }

    /// Runs until `stop` is cancelled: the batch in hand is finished (published and
    /// marked), then the relay returns. Lost connections to PostgreSQL are reopened with
    /// backoff; a broker that is down is waited for. Never returns an error: every failure
    /// is logged, counted and retried.
    pub async fn run(self, stop: CancellationToken) -> RelayStats {
        let mut failures = 0u64;
        let mut stats = RelayStats::default();
        while !stop.is_cancelled() {
            stats.sessions += 1;
            let started = Instant::now();
            match self.session(&stop, &mut stats).await {
                Ok(()) => break,
                Err(e) => {
                    warn!(table = %self.outbox.table(), error = %e, "outbox relay: session ended; reconnecting");
                    self.probe.update(|h| {
                        h.database = false;
                        h.slots = 0;
                        h.last_error = Some(e.to_string());
                    });
                    metrics::gauge!(mn::SLOTS_HELD, "table" => self.outbox.table().to_string())
                        .set(0.0);
                }
            }
            // A session that lasted resets the backoff.
            failures = if started.elapsed() > self.config.reconnect.max {
                1
            } else {
                failures + 1
            };
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(self.config.reconnect.delay(failures)) => {}
            }
        }
        self.probe.update(|h| {
            h.database = false;
            h.slots = 0;
            h.stats = stats.clone();
        });
        stats
    }

    async fn session(
        &self,
        stop: &CancellationToken,
        stats: &mut RelayStats,
    ) -> Result<(), SessionError> {
        let table = self.outbox.table().to_string();
        let (client, mut connection) = tokio::select! {
            c = tokio_postgres::connect(&self.pg, NoTls) => c?,
            _ = stop.cancelled() => return Ok(()),
        };
        let wake = Arc::new(Notify::new());
        let closed = CancellationToken::new();
        let driver = {
            let wake = wake.clone();
            let closed = closed.clone();
            tokio::spawn(async move {
                loop {
                    match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                        Some(Ok(AsyncMessage::Notification(_))) => wake.notify_one(),
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            debug!(error = %e, "outbox relay: connection error");
                            break;
                        }
                        None => break,
                    }
                }
                closed.cancel();
            })
        };
        let _driver = AbortOnDrop(driver);
        let sql = self.outbox.sql();
        client
            .batch_execute(&format!("LISTEN \"{}\"", self.outbox.table().channel()))
            .await?;
        let (slot_class, member_class) = lock_classes(self.outbox.table());
        let slot_class: i32 = client.query_one(LOCK_CLASS, &[&slot_class]).await?.get(0);
        let member_class: i32 = client.query_one(LOCK_CLASS, &[&member_class]).await?.get(0);
        client
            .execute(
                "SELECT pg_advisory_lock($1, pg_backend_pid())",
                &[&member_class],
            )
            .await?;
        let stmts = Statements {
            scan: client.prepare(&sql.scan).await?,
            rows: client.prepare(&sql.rows).await?,
            mark: client.prepare(&sql.mark_published).await?,
        };
        self.probe.update(|h| {
            h.database = true;
            h.broker = true;
        });
        info!(table = %table, sink = self.sink.name(), "outbox relay: connected");

        let mut owned: BTreeSet<i32> = BTreeSet::new();
        let mut next_rebalance = Instant::now();
        let mut next_cleanup = Instant::now();
        let mut next_stats = Instant::now();
        let mut outage = 0u64;
        while !stop.is_cancelled() {
            if closed.is_cancelled() {
                return Err(SessionError::Closed);
            }
            let now = Instant::now();
            if now >= next_rebalance {
                self.rebalance(&client, slot_class, member_class, &mut owned)
                    .await?;
                next_rebalance = now + self.config.rebalance_every;
            }
            if now >= next_cleanup {
                self.cleanup(&client).await?;
                next_cleanup = now + self.config.cleanup_every;
            }
            if now >= next_stats {
                self.read_stats(&client).await?;
                next_stats = now + self.config.stats_every;
            }
            let slots: Vec<i32> = owned.iter().copied().collect();
            let mut wait = self.config.poll_interval.min(self.config.rebalance_every);
            if outage > 0 {
                // The broker is down: check it before taking rows again.
                match self.sink.check().await {
                    Ok(()) => {
                        info!(table = %table, sink = self.sink.name(), "outbox relay: the broker answers again");
                        outage = 0;
                        self.probe.update(|h| h.broker = true);
                        continue;
                    }
                    Err(e) => {
                        outage += 1;
                        self.probe.update(|h| {
                            h.broker = false;
                            h.last_error = Some(e.message.clone());
                        });
                        wait = self.config.reconnect.delay(outage);
                    }
                }
            } else if !slots.is_empty() {
                let rows = self.fetch(&client, &stmts, &slots, &[]).await?;
                if !rows.is_empty() {
                    let progress = self
                        .pipeline(&client, &stmts, &slots, rows, next_rebalance, stop, stats)
                        .await?;
                    self.probe.update(|h| h.stats = stats.clone());
                    match progress {
                        Progress::Some => continue,
                        Progress::Outage => {
                            outage = 1;
                            wait = self.config.reconnect.delay(1);
                        }
                        Progress::None => {}
                    }
                } else if let Some(ms) = client
                    .query_one(&sql.next_due, &[&slots])
                    .await?
                    .get::<_, Option<i64>>(0)
                {
                    // A row waits out its backoff: wake when it is due.
                    wait = wait.min(Duration::from_millis(ms.max(1) as u64));
                }
            }
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = closed.cancelled() => {}
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        Ok(())
    }

    /// The next rows to publish: the first pending row of each key, due and not parked,
    /// in `seq` order, leaving out `exclude` (rows in flight, whose keys wait behind them).
    /// The backlog is read in windows from its start, so every earlier row of a key has
    /// been seen before the key's next row is taken.
    async fn fetch(
        &self,
        client: &Client,
        stmts: &Statements,
        slots: &[i32],
        exclude: &[i64],
    ) -> Result<Vec<Fetched>, SessionError> {
        let batch = self.config.batch_size;
        // A window as large as the batch: where keys interleave, the first rows are the
        // heads; behind held-back keys, each next window doubles.
        let mut window = (batch as i64).max(16);
        let mut seen: HashSet<String> = HashSet::new();
        let mut chosen: Vec<i64> = Vec::with_capacity(batch);
        let mut after = 0i64;
        'windows: loop {
            let rows = client
                .query(&stmts.scan, &[&slots, &after, &window])
                .await?;
            for r in &rows {
                let (seq, key, parked, due): (i64, String, bool, bool) =
                    (r.get(0), r.get(1), r.get(2), r.get(3));
                after = seq;
                if seen.contains(&key) {
                    continue; // an earlier pending row of its key comes first
                }
                if !parked && due && !exclude.contains(&seq) {
                    chosen.push(seq);
                }
                if !parked || self.config.block_key_on_park {
                    seen.insert(key);
                }
                if chosen.len() >= batch {
                    break 'windows;
                }
            }
            if (rows.len() as i64) < window {
                break;
            }
            window = (window * 2).min(10_000);
        }
        if chosen.is_empty() {
            return Ok(Vec::new());
        }
        Ok(client
            .query(&stmts.rows, &[&chosen])
            .await?
            .iter()
            .map(|r| Fetched {
                seq: r.get(0),
                id: r.get(1),
                key: r.get(2),
                event_type: r.get(3),
                topic: r.get(4),
                payload: r.get(5),
                headers: r.get(6),
                attempts: r.get(7),
            })
            .collect())
    }

    /// Publishes `rows`, then batch after batch while there are rows. Two batches overlap:
    /// while one is published, the one before it is settled (marked) and the next one
    /// fetched, leaving out the batch being published, whose keys' later rows wait behind
    /// it. The two batches never share a key, so each key still has one row in flight.
    #[allow(clippy::too_many_arguments)]
    async fn pipeline(
        &self,
        client: &Client,
        stmts: &Statements,
        slots: &[i32],
        rows: Vec<Fetched>,
        rebalance_at: Instant,
        stop: &CancellationToken,
        stats: &mut RelayStats,
    ) -> Result<Progress, SessionError> {
        let mut progress = Progress::None;
        let mut prev: Option<Published<E>> = None;
        let mut batch = self.prepare(client, rows, stats).await?;
        loop {
            if batch.parked {
                progress = Progress::Some;
            }
            if batch.events.is_empty() {
                if let Some((b, r)) = prev.take() {
                    if let Progress::Outage = self.settle(client, stmts, b, r, stats).await? {
                        return Ok(Progress::Outage);
                    }
                    progress = Progress::Some;
                }
                return Ok(progress);
            }
            // Slots are rebalanced, and a stop honoured, between runs of batches only.
            let go_on = Instant::now() < rebalance_at && !stop.is_cancelled();
            let exclude: Vec<i64> = batch.rows.iter().map(|r| r.seq).collect();
            let started = Instant::now();
            let before = prev.take();
            let (results, side) =
                tokio::join!(self.sink.publish(&batch.events, &batch.metas), async {
                    let settled = match before {
                        Some((b, r)) => Some(self.settle(client, stmts, b, r, stats).await?),
                        None => None,
                    };
                    let outage = matches!(settled, Some(Progress::Outage));
                    let next = if go_on && !outage {
                        self.fetch(client, stmts, slots, &exclude).await?
                    } else {
                        Vec::new()
                    };
                    Ok::<_, SessionError>((outage, next))
                });
            metrics::histogram!(mn::PUBLISH_DURATION, "sink" => self.sink.name())
                .record(started.elapsed().as_secs_f64());
            let (outage, next) = side?;
            if outage {
                self.settle(client, stmts, batch, results, stats).await?;
                return Ok(Progress::Outage);
            }
            prev = Some((batch, results));
            batch = self.prepare(client, next, stats).await?;
        }
    }

    /// Holds this relay's fair share of the slots: releases extras, takes free ones.
    async fn rebalance(
        &self,
        client: &Client,
        slot_class: i32,
        member_class: i32,
        owned: &mut BTreeSet<i32>,
    ) -> Result<(), SessionError> {
        let relays = crate::admin::held_locks(client, member_class).await?.len() as i64;
        let relays = relays.max(1);
        let fair = ((i64::from(SLOTS) + relays - 1) / relays) as usize;
        while owned.len() > fair {
            let s = *owned.iter().next_back().expect("non-empty");
            client
                .execute("SELECT pg_advisory_unlock($1, $2)", &[&slot_class, &s])
                .await?;
            owned.remove(&s);
        }
        if owned.len() < fair {
            let held = crate::admin::held_locks(client, slot_class).await?;
            for s in 0..SLOTS {
                if owned.len() >= fair {
                    break;
                }
                if owned.contains(&s) || held.contains(&i64::from(s)) {
                    continue;
                }
                let got: bool = client
                    .query_one("SELECT pg_try_advisory_lock($1, $2)", &[&slot_class, &s])
                    .await?
                    .get(0);
                if got {
                    owned.insert(s);
                }
            }
        }
        let n = owned.len();
        self.probe.update(|h| {
            h.slots = n;
            h.relays = relays as u64;
        });
        metrics::gauge!(mn::SLOTS_HELD, "table" => self.outbox.table().to_string()).set(n as f64);
        Ok(())
    }

    /// Decodes the rows; a row whose payload does not decode is parked at once.
    async fn prepare(
        &self,
        client: &Client,
        rows: Vec<Fetched>,
        stats: &mut RelayStats,
    ) -> Result<Batch<E>, SessionError> {
        let mut batch = Batch {
            rows: Vec::with_capacity(rows.len()),
            events: Vec::with_capacity(rows.len()),
            metas: Vec::with_capacity(rows.len()),
            parked: false,
        };
        for row in rows {
            match E::decode_json(row.payload.as_bytes()) {
                Ok(e) => {
                    batch.events.push(e);
                    batch.metas.push(Meta {
                        key: row.key.clone(),
                        headers: extra_headers(&row.headers),
                    });
                    batch.rows.push(row);
                }
                Err(e) => {
                    let msg = format!(
                        "row {} ({} {}): cannot decode its payload: {e}",
                        row.seq, row.event_type, row.id
                    );
                    self.park(client, &row, &msg, 1).await?;
                    stats.parked += 1;
                    batch.parked = true;
                }
            }
        }
        Ok(batch)
    }

    /// Records each row's outcome: published rows are marked, failed ones retried later
    /// or parked; a batch that failed as a whole while the broker does not answer is an
    /// outage, not counted against its rows.
    async fn settle(
        &self,
        client: &Client,
        stmts: &Statements,
        batch: Batch<E>,
        results: Vec<Result<(), SinkError>>,
        stats: &mut RelayStats,
    ) -> Result<Progress, SessionError> {
        let sql = self.outbox.sql();
        let mut ok = Vec::new();
        let mut transient: Vec<(&Fetched, SinkError)> = Vec::new();
        for (row, result) in batch.rows.iter().zip(results) {
            match result {
                Ok(()) => {
                    ok.push(row.seq);
                    metrics::counter!(mn::PUBLISHED, "topic" => row.topic.clone(), "event_type" => row.event_type.clone())
                        .increment(1);
                }
                Err(e) if e.transient => transient.push((row, e)),
                Err(e) => {
                    let msg = format!("row {} ({} {}): {e}", row.seq, row.event_type, row.id);
                    self.park(client, row, &msg, 1).await?;
                    stats.parked += 1;
                }
            }
        }
        if !ok.is_empty() {
            if !self.config.hold_before_mark.is_zero() {
                tokio::time::sleep(self.config.hold_before_mark).await;
            }
            client.execute(&stmts.mark, &[&ok]).await?;
            stats.published += ok.len() as u64;
        }
        if transient.is_empty() {
            self.probe.update(|h| h.broker = true);
            return Ok(Progress::Some);
        }
        // A broker that does not answer is an outage: the rows wait, their tries are not
        // counted, and the relay checks the broker before it takes rows again.
        if ok.is_empty() {
            if let Err(down) = self.sink.check().await {
                let seqs: Vec<i64> = transient.iter().map(|(r, _)| r.seq).collect();
                let msg = format!("broker unavailable: {} ({down})", transient[0].1);
                client.execute(&sql.note_error, &[&seqs, &msg]).await?;
                for (row, _) in &transient {
                    metrics::counter!(mn::FAILED, "topic" => row.topic.clone(), "outcome" => "outage")
                        .increment(1);
                }
                warn!(table = %self.outbox.table(), sink = self.sink.name(), error = %msg, "outbox relay: broker outage; rows wait");
                stats.outages += 1;
                self.probe.update(|h| {
                    h.broker = false;
                    h.last_error = Some(msg);
                });
                return Ok(Progress::Outage);
            }
        }
        for (row, e) in transient {
            let tries = u64::try_from(row.attempts).unwrap_or(0) + 1;
            let msg = format!("row {} ({} {}): {e}", row.seq, row.event_type, row.id);
            if tries > u64::from(self.config.max_retries) {
                self.park(client, row, &format!("{msg} (after {tries} tries)"), 1)
                    .await?;
                stats.parked += 1;
            } else {
                let wait = self.config.backoff.delay(tries);
                client
                    .execute(&sql.retry, &[&row.seq, &msg, &(wait.as_millis() as i64)])
                    .await?;
                metrics::counter!(mn::FAILED, "topic" => row.topic.clone(), "outcome" => "retry")
                    .increment(1);
                stats.retries += 1;
            }
            self.probe.update(|h| h.last_error = Some(msg));
        }
        Ok(Progress::Some)
    }

    async fn park(
        &self,
        client: &Client,
        row: &Fetched,
        msg: &str,
        tries: i32,
    ) -> Result<(), SessionError> {
        warn!(table = %self.outbox.table(), seq = row.seq, id = %row.id, key = %row.key, error = %msg, "outbox relay: row parked");
        client
            .execute(&self.outbox.sql().park, &[&row.seq, &msg, &tries])
            .await?;
        metrics::counter!(mn::FAILED, "topic" => row.topic.clone(), "outcome" => "parked")
            .increment(1);
        self.probe.update(|h| h.last_error = Some(msg.to_owned()));
        Ok(())
    }

    /// Deletes published rows past their retention, a bounded batch per statement.
    async fn cleanup(&self, client: &Client) -> Result<(), SessionError> {
        let secs = self.config.retention.as_secs_f64();
        for _ in 0..100 {
            let n = client
                .execute(
                    &self.outbox.sql().cleanup,
                    &[&secs, &self.config.cleanup_batch],
                )
                .await?;
            if n < self.config.cleanup_batch as u64 {
                break;
            }
        }
        Ok(())
    }

    async fn read_stats(&self, client: &Client) -> Result<(), SessionError> {
        let s = crate::admin::stats_with(client, self.outbox.sql()).await?;
        let table = self.outbox.table().to_string();
        metrics::gauge!(mn::PENDING, "table" => table.clone()).set(s.pending as f64);
        metrics::gauge!(mn::PARKED, "table" => table.clone()).set(s.parked as f64);
        metrics::gauge!(mn::OLDEST_PENDING, "table" => table)
            .set(s.oldest_pending.map_or(0.0, |d| d.as_secs_f64()));
        Ok(())
    }
}

/// The relay's prepared statements.
struct Statements {
    scan: tokio_postgres::Statement,
    rows: tokio_postgres::Statement,
    mark: tokio_postgres::Statement,
}

/// A batch the sink has answered for, each row's result in order.
type Published<E> = (Batch<E>, Vec<Result<(), SinkError>>);

/// Rows decoded and ready for the sink.
struct Batch<E> {
    rows: Vec<Fetched>,
    events: Vec<E>,
    metas: Vec<Meta>,
    /// Rows that did not decode were parked on the way.
    parked: bool,
}

enum Progress {
    /// Rows were published or parked: their keys' next rows may be due now.
    Some,
    /// Nothing moved (rows failed and wait their backoff).
    None,
    /// The broker is down.
    Outage,
}

/// The writer's headers beyond `event_type` and `version` (which every sink writes itself).
fn extra_headers(json: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(k, _)| k != EVENT_TYPE_HEADER && k != VERSION_HEADER)
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_headers_leave_out_the_standard_ones() {
        let h = extra_headers(
            r#"{"event_type":"order.created","version":"1.0","traceparent":"00-ab","n":1}"#,
        );
        assert_eq!(
            h,
            [
                ("n".to_owned(), "1".to_owned()),
                ("traceparent".to_owned(), "00-ab".to_owned())
            ]
        );
        assert!(extra_headers("not json").is_empty());
    }

    #[test]
    fn seed_003_defaults() {
        let c = RelayConfig::default();
        assert_eq!(c.batch_size, 10);
        assert_eq!(c.poll_interval, Duration::from_secs(5));
        assert_eq!(c.max_retries, 3);
    }
}
