//! Operating an outbox table: create it, read its figures, list, replay and discard parked
//! rows. The `events outbox` commands are these calls.

use std::time::Duration;

use events_bus::ChannelHealth;
use tokio_postgres::{Client, NoTls};

use crate::enqueue::Outbox;
use crate::table::{lock_classes, Sql, HELD_LOCKS, LOCK_CLASS};

/// A failed operator call.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Connecting to PostgreSQL failed.
    #[error("cannot connect to PostgreSQL: {}", crate::pg_message(.0))]
    Connect(#[source] tokio_postgres::Error),
    /// A statement failed.
    #[error("outbox table {table}: {}", crate::pg_message(source))]
    Db {
        /// The table.
        table: String,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
}

/// Connects to PostgreSQL (`url`: a libpq URL or key=value string) and drives the
/// connection in a task of its own; the task ends when the client is dropped.
pub async fn connect(url: &str) -> Result<Client, AdminError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(AdminError::Connect)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "outbox: connection closed");
        }
    });
    Ok(client)
}

fn db(outbox: &Outbox) -> impl Fn(tokio_postgres::Error) -> AdminError + '_ {
    move |source| AdminError::Db {
        table: outbox.table().to_string(),
        source,
    }
}

/// Creates the outbox table, its indexes, its dead-letter table (`<name>_dead`) and the
/// trigger that wakes the relays; does nothing for what exists. Safe to run from several
/// processes at once.
pub async fn migrate(client: &mut Client, outbox: &Outbox) -> Result<(), AdminError> {
    let tx = client.transaction().await.map_err(db(outbox))?;
    tx.batch_execute(&outbox.sql().migrate)
        .await
        .map_err(db(outbox))?;
    tx.commit().await.map_err(db(outbox))
}

/// The figures of an outbox table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Unpublished rows not parked (waiting, or waiting out a retry).
    pub pending: u64,
    /// Parked rows.
    pub parked: u64,
    /// Unpublished rows that failed at least once and wait for a retry.
    pub retrying: u64,
    /// Age of the oldest unpublished row.
    pub oldest_pending: Option<Duration>,
    /// Keys held back by a parked row or a retry.
    pub blocked_keys: u64,
    /// Rows in the dead-letter table (discarded).
    pub discarded: u64,
    /// Relays running on the table now (their membership locks).
    pub relays: u64,
}

impl Stats {
    /// The table as a channel of the bus-neutral health model: the backlog is what is
    /// pending, in flight what waits for a retry, the dead letters the parked rows, the
    /// consumers the relays.
    pub fn channel_health(&self, table: &str) -> ChannelHealth {
        ChannelHealth {
            channel: table.to_owned(),
            group: "relay".to_owned(),
            backlog: self.pending,
            in_flight: self.retrying,
            lag: None,
            oldest_age: self.oldest_pending,
            dead_letters: self.parked,
            consumers: Some(self.relays),
        }
    }
}

pub(crate) async fn stats_with(client: &Client, sql: &Sql) -> Result<Stats, tokio_postgres::Error> {
    let r = client.query_one(&sql.stats, &[]).await?;
    let n = |i: usize| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
    Ok(Stats {
        pending: n(0),
        parked: n(1),
        retrying: n(2),
        oldest_pending: r
            .get::<_, Option<f64>>(3)
            .map(|s| Duration::from_secs_f64(s.max(0.0))),
        blocked_keys: n(4),
        discarded: n(5),
        relays: 0,
    })
}

/// The table's figures now, with the relays running on it.
pub async fn stats(client: &Client, outbox: &Outbox) -> Result<Stats, AdminError> {
    let mut s = stats_with(client, outbox.sql()).await.map_err(db(outbox))?;
    let (_, members) = lock_classes(outbox.table());
    let class: i32 = client
        .query_one(LOCK_CLASS, &[&members])
        .await
        .map_err(db(outbox))?
        .get(0);
    let relays = held_locks(client, class).await.map_err(db(outbox))?.len();
    s.relays = relays as u64;
    Ok(s)
}

/// The second keys of the advisory locks of `class` held in this database (see
/// [`HELD_LOCKS`]).
pub(crate) async fn held_locks(
    client: &Client,
    class: i32,
) -> Result<Vec<i64>, tokio_postgres::Error> {
    Ok(client
        .query(HELD_LOCKS, &[&i64::from(class)])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// A parked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parked {
    /// Its place in the outbox.
    pub seq: i64,
    /// The event id.
    pub id: String,
    /// The key it holds back.
    pub key: String,
    /// The event type.
    pub event_type: String,
    /// The topic, stream or exchange.
    pub topic: String,
    /// Tries made.
    pub attempts: i32,
    /// The last error.
    pub error: String,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
    /// When it was parked (RFC 3339, UTC).
    pub parked_at: String,
}

/// Parked rows, oldest first, at most `limit`.
pub async fn parked(
    client: &Client,
    outbox: &Outbox,
    limit: i64,
) -> Result<Vec<Parked>, AdminError> {
    let rows = client
        .query(&outbox.sql().parked, &[&limit])
        .await
        .map_err(db(outbox))?;
    Ok(rows
        .iter()
        .map(|r| Parked {
            seq: r.get(0),
            id: r.get(1),
            key: r.get(2),
            event_type: r.get(3),
            topic: r.get(4),
            attempts: r.get(5),
            error: r.get(6),
            created_at: r.get(7),
            parked_at: r.get(8),
        })
        .collect())
}

/// Puts parked rows back in line (their tries reset), `ids` or every parked row when
/// `None`, and wakes the relays; returns how many.
pub async fn replay(
    client: &Client,
    outbox: &Outbox,
    ids: Option<&[String]>,
) -> Result<u64, AdminError> {
    let ids: Option<Vec<String>> = ids.map(<[String]>::to_vec);
    let n = client
        .execute(&outbox.sql().replay, &[&ids])
        .await
        .map_err(db(outbox))?;
    client
        .execute(&outbox.sql().notify, &[])
        .await
        .map_err(db(outbox))?;
    Ok(n)
}

/// Moves parked rows `ids` to the dead-letter table `<name>_dead` with `reason`, which
/// unblocks their keys; returns how many moved (a row that is not parked is left alone).
pub async fn discard(
    client: &mut Client,
    outbox: &Outbox,
    ids: &[String],
    reason: &str,
) -> Result<u64, AdminError> {
    let tx = client.transaction().await.map_err(db(outbox))?;
    let n = tx
        .execute(&outbox.sql().discard, &[&ids, &reason])
        .await
        .map_err(db(outbox))?;
    tx.execute(&outbox.sql().notify, &[])
        .await
        .map_err(db(outbox))?;
    tx.commit().await.map_err(db(outbox))?;
    Ok(n)
}
