//! Publishing typed events with publisher confirms.

use std::time::Duration;

use events_bus::metrics as m;
use events_rt::EventSet;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel, Connection};
use lapin::{Confirmation, PublisherConfirm};
use tokio::sync::Mutex;
use tokio::time::{sleep, timeout_at, Instant};

use crate::cloudevents::Mode;
use crate::conn::{connect, is_connection_loss, short, AmqpError};
use crate::props::properties;

/// How long `publish` waits for the broker's confirm, reconnects included, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One message as it goes on the wire: what the publisher sends for an event, and what a
/// dead-letter replay sends again.
#[derive(Debug, Clone)]
pub struct Message {
    /// Exchange.
    pub exchange: String,
    /// Routing key.
    pub routing_key: String,
    /// Body (the event's JSON document).
    pub body: Vec<u8>,
    /// Properties and headers.
    pub properties: BasicProperties,
    /// The event type, for errors and metrics.
    pub event_type: String,
}

impl Message {
    /// The message for `event`: to its exchange (`x-event.exchange`, else its channel)
    /// with its routing key (`x-event.routing_key`, else its event type), properties from
    /// the envelope (see [`properties`](crate::properties)).
    pub fn of<E: EventSet>(event: &E) -> Result<Self, PublishCause> {
        Self::with_mode(event, Mode::Envelope)
    }

    /// The message for `event` in wire form `mode`: the envelope (as [`Message::of`]), or
    /// a CloudEvent in binary mode (`cloudEvents_*` headers, the data as the body) or
    /// structured mode (`application/cloudevents+json`).
    pub fn with_mode<E: EventSet>(event: &E, mode: Mode) -> Result<Self, PublishCause> {
        let body = event.encode_json().map_err(PublishCause::Encode)?;
        let event_type = event.type_name();
        let (properties, body) =
            crate::cloudevents::apply(event, mode, properties(event_type, &body), body)
                .map_err(PublishCause::CloudEvent)?;
        Ok(Self {
            exchange: event.exchange().unwrap_or(event.channel()).to_owned(),
            routing_key: event.routing_key().unwrap_or(event_type).to_owned(),
            properties,
            body,
            event_type: event_type.to_owned(),
        })
    }
}

/// Why a publish failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishCause {
    /// The event could not be serialised.
    #[error("cannot encode the event: {0}")]
    Encode(#[source] serde_json::Error),
    /// The pre-publish check refused the event; nothing was sent.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The event does not map to a CloudEvent.
    #[error("{0}")]
    CloudEvent(#[source] events_rt::cloudevents::CloudEventError),
    /// The broker refused the message (`basic.nack`).
    #[error("the broker refused it (nack)")]
    Nacked,
    /// No queue is bound for this routing key, and the message was published
    /// `mandatory`: the broker returned it.
    #[error("unroutable: the broker returned it ({code} {text}); is a queue bound for this key?")]
    Unroutable {
        /// Reply code (312 `NO_ROUTE`).
        code: u16,
        /// Reply text.
        text: String,
    },
    /// No confirm within the publisher's timeout (reconnects included).
    #[error("no confirm from the broker within {}s", .0.as_secs_f64())]
    Timeout(Duration),
    /// Connecting or talking to the broker failed.
    #[error(transparent)]
    Amqp(#[from] AmqpError),
}

/// A failed publish, naming the event and where it went.
#[derive(Debug, thiserror::Error)]
#[error(
    "publishing {event_type} to exchange `{exchange}` with routing key `{routing_key}`: {cause}"
)]
pub struct PublishError {
    /// The event type.
    pub event_type: String,
    /// The exchange.
    pub exchange: String,
    /// The routing key.
    pub routing_key: String,
    /// Position of the event in the batch (0 for a single publish).
    pub index: usize,
    /// Why.
    #[source]
    pub cause: PublishCause,
}

impl PublishError {
    fn new(m: &Message, index: usize, cause: PublishCause) -> Self {
        Self {
            event_type: m.event_type.clone(),
            exchange: m.exchange.clone(),
            routing_key: m.routing_key.clone(),
            index,
            cause,
        }
    }
}

struct Link {
    conn: Connection,
    channel: Channel,
}

/// Publishes typed events, each confirmed by the broker.
///
/// `publish` returns once the broker has confirmed the message (it is then on disk for a
/// durable queue), or fails with the reason: a nack, an unroutable message (published
/// `mandatory`), a timeout. A lost connection is reopened and the unconfirmed messages
/// sent again within the timeout, so a message may arrive twice but is never lost
/// silently. One `Publisher` is shared by reference between tasks: their publishes are
/// pipelined on one channel.
pub struct Publisher {
    url: String,
    name: String,
    timeout: Duration,
    mandatory: bool,
    mode: Mode,
    check: Option<std::sync::Arc<dyn events_bus::PrePublish>>,
    link: Mutex<Option<Link>>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("url", &events_rt::redact_url(&self.url))
            .field("timeout", &self.timeout)
            .field("mandatory", &self.mandatory)
            .finish()
    }
}

impl Publisher {
    /// Connects to `url` (e.g. [`DEFAULT_URL`](crate::DEFAULT_URL)) and opens a channel in
    /// confirm mode.
    pub async fn connect(url: &str) -> Result<Self, AmqpError> {
        let p = Self {
            url: url.to_owned(),
            name: "events-amqp publisher".to_owned(),
            timeout: DEFAULT_TIMEOUT,
            mandatory: true,
            mode: Mode::Envelope,
            check: None,
            link: Mutex::new(None),
        };
        p.channel().await?;
        Ok(p)
    }

    /// How long a publish may wait for its confirm, reconnects included (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether messages are published `mandatory` (default `true`): an unroutable one is
    /// then an error instead of silently dropped by the broker.
    pub fn mandatory(mut self, mandatory: bool) -> Self {
        self.mandatory = mandatory;
        self
    }

    /// The wire form of the messages: the envelope (default), or a CloudEvent in binary
    /// (`cloudEvents_*` headers) or structured (`application/cloudevents+json`) mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Checks every event before it is sent (e.g. an `events_check::validate::Validator`
    /// of the contract set): a batch with an event that fails is not sent, and the error
    /// names that event with [`PublishCause::Invalid`].
    pub fn validate_with(mut self, check: std::sync::Arc<dyn events_bus::PrePublish>) -> Self {
        self.check = Some(check);
        self
    }

    /// The current channel, opening a connection when there is none or it is gone.
    pub async fn channel(&self) -> Result<Channel, AmqpError> {
        let mut link = self.link.lock().await;
        if let Some(l) = link.as_ref() {
            if l.channel.status().connected() && l.conn.status().connected() {
                return Ok(l.channel.clone());
            }
        }
        let conn = connect(&self.url, &self.name).await?;
        let channel = conn
            .create_channel()
            .await
            .map_err(|e| AmqpError::from_lapin("open a channel", e))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| AmqpError::from_lapin("enable publisher confirms", e))?;
        *link = Some(Link {
            conn,
            channel: channel.clone(),
        });
        Ok(channel)
    }

    /// Forgets `channel` if it is still the current one, so the next publish reconnects.
    async fn drop_channel(&self, channel: &Channel) {
        let mut link = self.link.lock().await;
        if link
            .as_ref()
            .is_some_and(|l| l.channel.id() == channel.id())
        {
            if let Some(l) = link.take() {
                let _ = l.conn.close(200, "reconnecting".into()).await;
            }
        }
    }

    /// Publishes one event and waits for the broker's confirm.
    pub async fn publish<E: EventSet>(&self, event: &E) -> Result<(), PublishError> {
        self.publish_batch(std::slice::from_ref(event)).await
    }

    /// Publishes events in order, all sent before any confirm is awaited (pipelined), and
    /// returns once every one is confirmed. On failure the error names the first event
    /// that failed (`index`); the others were still confirmed or failed alike.
    pub async fn publish_batch<E: EventSet>(&self, events: &[E]) -> Result<(), PublishError> {
        let mut messages = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let message = Message::with_mode(e, self.mode).and_then(|m| match &self.check {
                None => Ok(m),
                Some(c) => {
                    let json = e.encode_json().map_err(PublishCause::Encode)?;
                    c.check(e.type_name(), &json)
                        .map_err(PublishCause::Invalid)?;
                    Ok(m)
                }
            });
            match message {
                Ok(m) => messages.push(m),
                Err(cause) => {
                    return Err(PublishError {
                        event_type: e.type_name().to_owned(),
                        exchange: e.exchange().unwrap_or(e.channel()).to_owned(),
                        routing_key: e.routing_key().unwrap_or(e.type_name()).to_owned(),
                        index: i,
                        cause,
                    })
                }
            }
        }
        self.send(&messages).await
    }

    /// Publishes prepared messages (a replay of dead letters), confirmed like
    /// [`publish_batch`](Self::publish_batch).
    pub async fn send(&self, messages: &[Message]) -> Result<(), PublishError> {
        let result = self.send_inner(messages).await;
        for (i, msg) in messages.iter().enumerate() {
            let ok = match &result {
                Ok(()) => true,
                Err(e) => e.index != i,
            };
            metrics::counter!(m::EVENTS_PUBLISHED,
                m::STREAM => msg.exchange.clone(),
                m::EVENT_TYPE => msg.event_type.clone(),
                m::STATUS => if ok { "ok" } else { "error" })
            .increment(1);
        }
        result
    }

    async fn send_inner(&self, messages: &[Message]) -> Result<(), PublishError> {
        if messages.is_empty() {
            return Ok(());
        }
        let mut names = Vec::with_capacity(messages.len());
        for (i, msg) in messages.iter().enumerate() {
            let pair = short("exchange", &msg.exchange)
                .and_then(|x| Ok((x, short("routing key", &msg.routing_key)?)));
            match pair {
                Ok(p) => names.push(p),
                Err(e) => return Err(PublishError::new(msg, i, e.into())),
            }
        }
        let deadline = Instant::now() + self.timeout;
        let mut todo: Vec<usize> = (0..messages.len()).collect();
        let mut failures = 0u64;
        loop {
            let first = todo[0];
            let attempt = async {
                let channel = match self.channel().await {
                    Ok(c) => c,
                    Err(e) if e.is_connection_loss() => {
                        return Err(Round::Lost(todo.clone(), None))
                    }
                    Err(e) => return Err(Round::Fatal(first, e.into())),
                };
                self.round(&channel, messages, &names, &todo)
                    .await
                    .map_err(|r| match r {
                        Round::Lost(t, _) => Round::Lost(t, Some(channel)),
                        fatal => fatal,
                    })
            };
            match timeout_at(deadline, attempt).await {
                Err(_) => {
                    return Err(PublishError::new(
                        &messages[first],
                        first,
                        PublishCause::Timeout(self.timeout),
                    ))
                }
                Ok(Ok(())) => return Ok(()),
                Ok(Err(Round::Fatal(i, cause))) => {
                    return Err(PublishError::new(&messages[i], i, cause))
                }
                Ok(Err(Round::Lost(again, channel))) => {
                    metrics::counter!(m::BUS_ERRORS, m::STREAM => messages[first].exchange.clone())
                        .increment(1);
                    tracing::warn!(
                        unconfirmed = again.len(),
                        "connection to the broker lost while publishing; reconnecting"
                    );
                    if let Some(c) = channel {
                        self.drop_channel(&c).await;
                    }
                    failures += 1;
                    let pause = events_bus::Backoff {
                        base: Duration::from_millis(100),
                        max: Duration::from_secs(2),
                        factor: 2,
                    }
                    .delay(failures);
                    if Instant::now() + pause >= deadline {
                        return Err(PublishError::new(
                            &messages[first],
                            first,
                            PublishCause::Timeout(self.timeout),
                        ));
                    }
                    sleep(pause).await;
                    todo = again;
                }
            }
        }
    }

    /// Sends `todo` on `channel` and awaits their confirms.
    async fn round(
        &self,
        channel: &Channel,
        messages: &[Message],
        names: &[(ShortString, ShortString)],
        todo: &[usize],
    ) -> Result<(), Round> {
        let opts = BasicPublishOptions {
            mandatory: self.mandatory,
            ..BasicPublishOptions::default()
        };
        let mut pending: Vec<(usize, PublisherConfirm)> = Vec::with_capacity(todo.len());
        let mut lost: Vec<usize> = Vec::new();
        for (k, &i) in todo.iter().enumerate() {
            let msg = &messages[i];
            let (exchange, key) = &names[i];
            match channel
                .basic_publish(
                    exchange.clone(),
                    key.clone(),
                    opts,
                    &msg.body,
                    msg.properties.clone(),
                )
                .await
            {
                Ok(confirm) => pending.push((i, confirm)),
                Err(e) if is_connection_loss(&e) => {
                    lost.extend_from_slice(&todo[k..]);
                    break;
                }
                Err(e) => return Err(Round::Fatal(i, AmqpError::from_lapin("publish", e).into())),
            }
        }
        let mut fatal: Option<(usize, PublishCause)> = None;
        for (i, confirm) in pending {
            let cause = match confirm.await {
                Ok(Confirmation::Ack(None)) | Ok(Confirmation::NotRequested) => continue,
                Ok(Confirmation::Ack(Some(returned))) | Ok(Confirmation::Nack(Some(returned))) => {
                    PublishCause::Unroutable {
                        code: returned.reply_code,
                        text: returned.reply_text.to_string(),
                    }
                }
                Ok(Confirmation::Nack(None)) => PublishCause::Nacked,
                Err(e) if is_connection_loss(&e) => {
                    lost.push(i);
                    continue;
                }
                Err(e) => AmqpError::from_lapin("await the confirm", e).into(),
            };
            if fatal.as_ref().is_none_or(|(j, _)| i < *j) {
                fatal = Some((i, cause));
            }
        }
        if let Some((i, cause)) = fatal {
            return Err(Round::Fatal(i, cause));
        }
        if lost.is_empty() {
            Ok(())
        } else {
            lost.sort_unstable();
            Err(Round::Lost(lost, None))
        }
    }

    /// Closes the connection (what is confirmed is on the broker).
    pub async fn close(&self) {
        if let Some(l) = self.link.lock().await.take() {
            let _ = l.conn.close(200, "bye".into()).await;
        }
    }
}

enum Round {
    /// These messages are unconfirmed because the connection went away.
    Lost(Vec<usize>, Option<Channel>),
    /// This message failed for good.
    Fatal(usize, PublishCause),
}
