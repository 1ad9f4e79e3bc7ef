//! Exchanges, queues and bindings from the catalog, with a retry path and a dead-letter
//! queue for every queue (seed 002 "Queue Configuration", "Dead Letter Handling").
//!
//! For a queue `Q` the topology declares:
//!
//! | What | Name | Arguments |
//! |---|---|---|
//! | the queue | `Q` | dead-letters to the default exchange with key `Q.retry` |
//! | its retry queue | `Q.retry` | `x-message-ttl` = the retry delay; dead-letters back to `Q` |
//! | its dead-letter queue | `deadletter.Q` | bound to the `deadletter` exchange with key `Q.failed` |
//!
//! A handler's retryable failure rejects the message (no requeue): the broker moves it to
//! `Q.retry`, where it waits out the delay and comes back to `Q`, its `x-death` header
//! counting the rejections. After the last retry, a permanent failure or an undecodable
//! message is published to `deadletter` with key `Q.failed` (seed 002's `*.failed` keys)
//! and the reason in its headers, then acknowledged.

use std::collections::BTreeMap;
use std::time::Duration;

use events_rt::EventSet;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

use crate::conn::{short, AmqpError};

/// The dead-letter exchange of seed 002 (`direct`).
pub const DEAD_LETTER_EXCHANGE: &str = "deadletter";

/// Seed 002's `RABBITMQ_RETRY_DELAY` (5 s).
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(5);

/// The names that belong to one queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueNames {
    /// The queue itself.
    pub queue: String,
    /// Where rejected messages wait out the retry delay: `Q.retry`.
    pub retry: String,
    /// Where dead letters end: `deadletter.Q`.
    pub dead_letter: String,
    /// The exchange dead letters are published to: `deadletter`.
    pub dead_letter_exchange: String,
    /// Their routing key: `Q.failed`.
    pub dead_letter_key: String,
}

impl QueueNames {
    /// The names of queue `queue` with the default dead-letter exchange.
    pub fn of(queue: &str) -> Self {
        Self::with_exchange(queue, DEAD_LETTER_EXCHANGE)
    }

    fn with_exchange(queue: &str, dead_letter_exchange: &str) -> Self {
        Self {
            queue: queue.to_owned(),
            retry: format!("{queue}.retry"),
            dead_letter: format!("{dead_letter_exchange}.{queue}"),
            dead_letter_exchange: dead_letter_exchange.to_owned(),
            dead_letter_key: format!("{queue}.failed"),
        }
    }
}

/// One queue a service consumes, with its bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    /// Queue name.
    pub name: String,
    /// `(exchange, binding key)` pairs: `("orders", "order.*")`.
    pub bindings: Vec<(String, String)>,
}

/// What [`declare_topology`] declares. Built from an [`EventSet`] (its exchanges) and the
/// queues a service names.
///
/// ```
/// use events_amqp::Topology;
/// use lapin::ExchangeKind;
///
/// let t = Topology::of::<rabbitmq_orders_events::Event>()
///     .exchange("analytics", ExchangeKind::Fanout)
///     .queue("notification.orders", [("orders", "order.*")]);
/// assert!(t.exchanges().any(|(name, kind)| name == "orders" && *kind == ExchangeKind::Topic));
/// assert_eq!(t.names("notification.orders").dead_letter_key, "notification.orders.failed");
/// ```
#[derive(Debug, Clone)]
pub struct Topology {
    exchanges: BTreeMap<String, ExchangeKind>,
    queues: Vec<QueueSpec>,
    dead_letter_exchange: String,
    retry_delay: Duration,
}

impl Default for Topology {
    fn default() -> Self {
        Self {
            exchanges: BTreeMap::new(),
            queues: Vec::new(),
            dead_letter_exchange: DEAD_LETTER_EXCHANGE.to_owned(),
            retry_delay: DEFAULT_RETRY_DELAY,
        }
    }
}

impl Topology {
    /// The exchanges of every contract of `E` (durable `topic` exchanges, as seed 002
    /// declares its event exchanges); no queues yet.
    pub fn of<E: EventSet>() -> Self {
        let mut t = Self::default();
        for c in E::contracts() {
            let name = c.exchange.unwrap_or(c.channel);
            t.exchanges
                .entry(name.to_owned())
                .or_insert(ExchangeKind::Topic);
        }
        t
    }

    /// Declares (or re-kinds) an exchange: `("analytics", Fanout)`.
    pub fn exchange(mut self, name: impl Into<String>, kind: ExchangeKind) -> Self {
        self.exchanges.insert(name.into(), kind);
        self
    }

    /// Adds a queue bound to `(exchange, key)` pairs, with its retry and dead-letter
    /// queues. Naming a queue twice merges its bindings.
    pub fn queue<I, X, K>(mut self, name: impl Into<String>, bindings: I) -> Self
    where
        I: IntoIterator<Item = (X, K)>,
        X: Into<String>,
        K: Into<String>,
    {
        let name = name.into();
        let bindings = bindings.into_iter().map(|(x, k)| (x.into(), k.into()));
        match self.queues.iter_mut().find(|q| q.name == name) {
            Some(q) => {
                for b in bindings {
                    if !q.bindings.contains(&b) {
                        q.bindings.push(b);
                    }
                }
            }
            None => self.queues.push(QueueSpec {
                name,
                bindings: bindings.collect(),
            }),
        }
        self
    }

    /// The dead-letter exchange (default `deadletter`).
    pub fn dead_letter_exchange(mut self, name: impl Into<String>) -> Self {
        self.dead_letter_exchange = name.into();
        self
    }

    /// How long a rejected message waits in `Q.retry` (default 5 s, seed 002's
    /// `RABBITMQ_RETRY_DELAY`). At least 1 ms.
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay.max(Duration::from_millis(1));
        self
    }

    /// The exchanges, by name.
    pub fn exchanges(&self) -> impl Iterator<Item = (&str, &ExchangeKind)> {
        self.exchanges.iter().map(|(n, k)| (n.as_str(), k))
    }

    /// The queues.
    pub fn queues(&self) -> &[QueueSpec] {
        &self.queues
    }

    /// The retry delay.
    pub fn delay(&self) -> Duration {
        self.retry_delay
    }

    /// The names that belong to `queue` in this topology.
    pub fn names(&self, queue: &str) -> QueueNames {
        QueueNames::with_exchange(queue, &self.dead_letter_exchange)
    }

    /// The arguments `Q` is declared with (a consumer that finds them different is told
    /// so by the broker).
    pub fn queue_arguments(&self, queue: &str) -> FieldTable {
        let names = self.names(queue);
        let mut args = FieldTable::default();
        args.insert("x-dead-letter-exchange".into(), string(""));
        args.insert("x-dead-letter-routing-key".into(), string(&names.retry));
        args
    }

    fn retry_arguments(&self, queue: &str) -> FieldTable {
        let mut args = FieldTable::default();
        let ms = i64::try_from(self.retry_delay.as_millis()).unwrap_or(i64::MAX);
        args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ms));
        args.insert("x-dead-letter-exchange".into(), string(""));
        args.insert("x-dead-letter-routing-key".into(), string(queue));
        args
    }
}

fn string(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s))
}

/// Declares `topology` on `channel`: every exchange (durable), the dead-letter exchange
/// (`direct`), and for each queue the queue, its bindings, its retry queue and its
/// dead-letter queue. Declaring twice is harmless; an exchange or queue that exists with
/// other arguments is [`AmqpError::Conflict`], naming it.
pub async fn declare_topology(channel: &Channel, topology: &Topology) -> Result<(), AmqpError> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    let mut exchanges: Vec<(&str, ExchangeKind)> = topology
        .exchanges
        .iter()
        .map(|(n, k)| (n.as_str(), k.clone()))
        .collect();
    if !topology.queues.is_empty() {
        exchanges.push((&topology.dead_letter_exchange, ExchangeKind::Direct));
    }
    for (name, kind) in exchanges {
        let what = format!("exchange `{name}`");
        channel
            .exchange_declare(short(&what, name)?, kind, durable, FieldTable::default())
            .await
            .map_err(|e| AmqpError::from_lapin(&what, e))?;
    }
    let queue_opts = QueueDeclareOptions::durable();
    for q in &topology.queues {
        let names = topology.names(&q.name);
        let declare = |name: &str, args: FieldTable| {
            let what = format!("queue `{name}`");
            let name = short(&what, name);
            async move {
                channel
                    .queue_declare(name?, queue_opts, args)
                    .await
                    .map_err(|e| AmqpError::from_lapin(&what, e))
            }
        };
        declare(&names.queue, topology.queue_arguments(&q.name)).await?;
        declare(&names.retry, topology.retry_arguments(&q.name)).await?;
        declare(&names.dead_letter, FieldTable::default()).await?;
        let mut binds: Vec<(&str, &str, &str)> = q
            .bindings
            .iter()
            .map(|(x, k)| (names.queue.as_str(), x.as_str(), k.as_str()))
            .collect();
        binds.push((
            &names.dead_letter,
            &names.dead_letter_exchange,
            &names.dead_letter_key,
        ));
        for (queue, exchange, key) in binds {
            let what = format!("binding of queue `{queue}` to `{exchange}` with `{key}`");
            channel
                .queue_bind(
                    short(&what, queue)?,
                    short(&what, exchange)?,
                    short(&what, key)?,
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| AmqpError::from_lapin(&what, e))?;
        }
    }
    Ok(())
}
