//! The writer's side: a typed event as an outbox row, written in the caller's transaction.

use events_rt::EventSet;
use tokio_postgres::GenericClient;

use crate::table::{Sql, Table, TableError};

/// Header with the event type, stored in the row's `headers` (as the Kafka runtime writes it).
pub const EVENT_TYPE_HEADER: &str = "event_type";
/// Header with the contract's `major.minor` version.
pub const VERSION_HEADER: &str = "version";

/// Why an event could not be made into a row, or the row not written.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    /// The event could not be encoded.
    #[error("{event_type}: cannot encode the event: {source}")]
    Encode {
        /// The event type.
        event_type: &'static str,
        /// The codec's error.
        #[source]
        source: serde_json::Error,
    },
    /// The envelope's event id is not a UUID (the `id` column is one).
    #[error("{event_type}: the event id `{id}` is not a UUID (the outbox's `id` column is one)")]
    EventId {
        /// The event type.
        event_type: &'static str,
        /// The id as found.
        id: String,
    },
    /// The contract's key could not be read from the event.
    #[error("{event_type}: {source}")]
    Key {
        /// The event type.
        event_type: &'static str,
        /// Why.
        #[source]
        source: events_rt::KeyError,
    },
    /// PostgreSQL refused the insert (a duplicate event id, a missing table: run
    /// `events outbox migrate`).
    #[error("writing to the outbox table {table}: {}", crate::pg_message(source))]
    Db {
        /// The table.
        table: String,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
}

/// One outbox row, as text: what [`Outbox::enqueue`] writes, for teams that run the
/// insert through another driver (sqlx, diesel) in their own transaction:
/// [`Outbox::insert_sql`] with [`Row::params`] as its seven text parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The envelope's event id (a UUID; a fresh one when the envelope has no id field).
    pub id: String,
    /// The aggregate's kind: the event type up to its first `.` (`order` for
    /// `order.created`), Debezium's `aggregatetype`.
    pub aggregatetype: String,
    /// The message key (`x-event.key`, seed 003's `order_id`); the event id for a
    /// contract without a key, so that such events hold nobody back.
    pub aggregateid: String,
    /// The event type.
    pub event_type: String,
    /// The contract's channel (topic, stream or exchange).
    pub topic: String,
    /// The envelope as the JSON codec writes it.
    pub payload: String,
    /// A JSON object: `event_type`, `version` and any headers added by the caller.
    pub headers: String,
}

impl Row {
    /// The row of `event`.
    pub fn of<E: EventSet>(event: &E) -> Result<Self, EnqueueError> {
        Self::with_headers(event, &[])
    }

    /// The row of `event` with extra headers (a `traceparent`, say), which the Kafka sink
    /// adds to the record's headers.
    pub fn with_headers<E: EventSet>(
        event: &E,
        extra: &[(&str, &str)],
    ) -> Result<Self, EnqueueError> {
        let event_type = event.type_name();
        let json = event
            .encode_json()
            .map_err(|source| EnqueueError::Encode { event_type, source })?;
        let id = event_id::<E>(&json, event_type)?;
        let aggregateid = match event
            .message_key(&json)
            .map_err(|source| EnqueueError::Key { event_type, source })?
        {
            Some(k) => k.into_owned(),
            None => id.clone(),
        };
        let mut headers = serde_json::Map::new();
        headers.insert(EVENT_TYPE_HEADER.into(), event_type.into());
        headers.insert(VERSION_HEADER.into(), event.info().version.into());
        for (k, v) in extra {
            headers.insert((*k).into(), (*v).into());
        }
        Ok(Self {
            id,
            aggregatetype: event_type
                .split_once('.')
                .map_or(event_type, |(a, _)| a)
                .to_owned(),
            aggregateid,
            event_type: event_type.to_owned(),
            topic: event.channel().to_owned(),
            // The codec writes UTF-8 JSON.
            payload: String::from_utf8(json).expect("the JSON codec writes UTF-8"),
            headers: serde_json::Value::Object(headers).to_string(),
        })
    }

    /// The seven parameters of [`Outbox::insert_sql`], in order.
    pub fn params(&self) -> [&str; 7] {
        [
            &self.id,
            &self.aggregatetype,
            &self.aggregateid,
            &self.event_type,
            &self.topic,
            &self.payload,
            &self.headers,
        ]
    }
}

/// The envelope's event id (the field the CloudEvents mapping names `id`), checked to be a
/// UUID; a fresh v4 UUID when the envelope has no id field.
fn event_id<E: EventSet>(json: &[u8], event_type: &'static str) -> Result<String, EnqueueError> {
    let field = E::cloudevent_mapping().and_then(|m| m.id);
    let Some(field) = field else {
        return Ok(uuid::Uuid::new_v4().to_string());
    };
    let pointer = format!("/{}", field.replace('~', "~0").replace('/', "~1"));
    let raw = match events_rt::message_key(json, &pointer) {
        Ok(id) => id.into_owned(),
        Err(events_rt::KeyError::Missing { .. }) => return Ok(uuid::Uuid::new_v4().to_string()),
        Err(e) => {
            return Err(EnqueueError::Key {
                event_type,
                source: e,
            })
        }
    };
    uuid::Uuid::parse_str(&raw)
        .map(|u| u.to_string())
        .map_err(|_| EnqueueError::EventId {
            event_type,
            id: raw,
        })
}

/// An outbox table, for writers: [`enqueue`](Self::enqueue) inside the business
/// transaction. It does nothing else: no publishing, no waiting.
///
/// ```no_run
/// # async fn f(client: &mut tokio_postgres::Client, event: kafka_orders_events::Event) -> Result<(), Box<dyn std::error::Error>> {
/// let outbox = events_outbox::Outbox::new("order_events_outbox")?;
/// let tx = client.transaction().await?;
/// // Lock the aggregate's row first, so that one order's events commit in `seq` order.
/// tx.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", &[&"42"]).await?;
/// tx.execute("UPDATE orders SET status = 'confirmed' WHERE id = $1", &[&"42"]).await?;
/// outbox.enqueue(&tx, &event).await?;
/// tx.commit().await?; // the event is published after this, or never if it rolls back
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Outbox {
    table: Table,
    sql: std::sync::Arc<Sql>,
}

impl Outbox {
    /// The outbox table `table` (`name` or `schema.name`).
    pub fn new(table: &str) -> Result<Self, TableError> {
        let table = Table::new(table)?;
        Ok(Self {
            sql: std::sync::Arc::new(Sql::new(&table)),
            table,
        })
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Every statement run against the table.
    pub fn sql(&self) -> &Sql {
        &self.sql
    }

    /// The insert of one row, for another driver: seven text parameters, [`Row::params`].
    pub fn insert_sql(&self) -> &str {
        &self.sql.insert
    }

    /// Writes `event` into the outbox through `tx`, the caller's transaction (or client:
    /// outside a transaction the row commits on its own, which defeats the purpose).
    pub async fn enqueue<C: GenericClient + Sync, E: EventSet + Sync>(
        &self,
        tx: &C,
        event: &E,
    ) -> Result<(), EnqueueError> {
        self.enqueue_row(tx, &Row::of(event)?).await
    }

    /// Writes a prepared row through `tx`.
    pub async fn enqueue_row<C: GenericClient + Sync>(
        &self,
        tx: &C,
        row: &Row,
    ) -> Result<(), EnqueueError> {
        let p = row.params();
        // Typed parameters: parse, bind and execute in one round trip, no statement to
        // prepare first (nor to cache per connection).
        let text = tokio_postgres::types::Type::TEXT;
        let params: [(&(dyn tokio_postgres::types::ToSql + Sync), _); 7] = [
            (&p[0], text.clone()),
            (&p[1], text.clone()),
            (&p[2], text.clone()),
            (&p[3], text.clone()),
            (&p[4], text.clone()),
            (&p[5], text.clone()),
            (&p[6], text),
        ];
        tx.execute_typed(self.sql.insert.as_str(), &params)
            .await
            .map_err(|source| self.db(source))?;
        Ok(())
    }

    /// A writer for the connection `client`: the insert prepared once on it, for writers
    /// that enqueue many events over one connection (a pool's connection, say). Use it
    /// only with `client` and its transactions.
    pub async fn prepare(&self, client: &tokio_postgres::Client) -> Result<Writer, EnqueueError> {
        let insert = client
            .prepare(&self.sql.insert)
            .await
            .map_err(|source| self.db(source))?;
        Ok(Writer {
            outbox: self.clone(),
            insert,
        })
    }

    /// Writes events in one statement, in order (their `seq`s ascend in the slice's order).
    pub async fn enqueue_batch<C: GenericClient + Sync, E: EventSet + Sync>(
        &self,
        tx: &C,
        events: &[E],
    ) -> Result<(), EnqueueError> {
        let rows = events.iter().map(Row::of).collect::<Result<Vec<_>, _>>()?;
        let mut cols: [Vec<&str>; 7] = Default::default();
        for row in &rows {
            for (col, value) in cols.iter_mut().zip(row.params()) {
                col.push(value);
            }
        }
        let [a, b, c, d, e, f, g] = &cols;
        tx.execute(self.sql.insert_many.as_str(), &[a, b, c, d, e, f, g])
            .await
            .map_err(|source| self.db(source))?;
        Ok(())
    }

    fn db(&self, source: tokio_postgres::Error) -> EnqueueError {
        EnqueueError::Db {
            table: self.table.to_string(),
            source,
        }
    }
}

/// An outbox's insert prepared on one connection (see [`Outbox::prepare`]): one round
/// trip per event, nothing parsed or planned again.
#[derive(Debug, Clone)]
pub struct Writer {
    outbox: Outbox,
    insert: tokio_postgres::Statement,
}

impl Writer {
    /// Writes `event` through `tx`, a transaction of the connection this writer was
    /// prepared on.
    pub async fn enqueue<C: GenericClient + Sync, E: EventSet + Sync>(
        &self,
        tx: &C,
        event: &E,
    ) -> Result<(), EnqueueError> {
        let row = Row::of(event)?;
        let p = row.params();
        tx.execute(
            &self.insert,
            &[&p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6]],
        )
        .await
        .map_err(|source| self.outbox.db(source))?;
        Ok(())
    }
}
