//! Dead letters: read back with their reason, and sent back to their queue.

use events_rt::{DecodeError, EventSet};
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
};
use lapin::{BasicProperties, Confirmation, Connection};

use crate::conn::{short, AmqpError};
use crate::props::{self, header_int, header_str};

/// A message of a dead-letter queue, with what the consumer wrote in its headers.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The message body, unchanged.
    pub body: Vec<u8>,
    /// `permanent`, `max_deliveries`, `undecodable` or `unknown_type`.
    pub reason: Option<String>,
    /// The handler's or decoder's message.
    pub error: Option<String>,
    /// The queue it was consumed from.
    pub queue: Option<String>,
    /// Deliveries it had.
    pub attempts: Option<i64>,
    /// The exchange it was first published to.
    pub exchange: Option<String>,
    /// The routing key it was first published with.
    pub routing_key: Option<String>,
    /// When it was dead-lettered (RFC 3339).
    pub dead_lettered_at: Option<String>,
    /// The message id (the envelope's `id`).
    pub message_id: Option<String>,
    /// The `type` property (the event type).
    pub event_type: Option<String>,
    /// All properties, as received.
    pub properties: BasicProperties,
}

impl DeadLetter {
    fn new(body: Vec<u8>, properties: BasicProperties) -> Self {
        let s = |name| header_str(&properties, name).map(|c| c.into_owned());
        Self {
            reason: s(props::REASON_HEADER),
            error: s(props::ERROR_HEADER),
            queue: s(props::QUEUE_HEADER),
            attempts: header_int(&properties, props::ATTEMPTS_HEADER),
            exchange: s(props::EXCHANGE_HEADER),
            routing_key: s(props::ROUTING_KEY_HEADER),
            dead_lettered_at: s(props::DEAD_LETTERED_AT_HEADER),
            message_id: properties.message_id().as_ref().map(|v| v.to_string()),
            event_type: properties
                .kind()
                .as_ref()
                .map(|v| v.to_string())
                .or_else(|| s(props::EVENT_TYPE_HEADER)),
            body,
            properties,
        }
    }

    /// The event, typed (fails as it failed for the consumer if it is undecodable).
    pub fn decode<E: EventSet>(&self) -> Result<E, DecodeError> {
        E::decode_json(&self.body)
    }
}

/// Reads up to `limit` messages of `dead_letter_queue` without taking them: they are
/// returned to the queue when read.
pub async fn list(
    conn: &Connection,
    dead_letter_queue: &str,
    limit: usize,
) -> Result<Vec<DeadLetter>, AmqpError> {
    let what = format!("dead-letter queue `{dead_letter_queue}`");
    let channel = conn
        .create_channel()
        .await
        .map_err(|e| AmqpError::from_lapin(&what, e))?;
    let queue = short("queue", dead_letter_queue)?;
    let mut out = Vec::new();
    let mut last_tag = None;
    while out.len() < limit {
        let got = channel
            .basic_get(queue.clone(), BasicGetOptions { no_ack: false })
            .await
            .map_err(|e| AmqpError::from_lapin(&what, e))?;
        let Some(m) = got else { break };
        last_tag = Some(m.delivery.delivery_tag);
        out.push(DeadLetter::new(m.delivery.data, m.delivery.properties));
    }
    if let Some(tag) = last_tag {
        channel
            .basic_nack(
                tag,
                BasicNackOptions {
                    multiple: true,
                    requeue: true,
                },
            )
            .await
            .map_err(|e| AmqpError::from_lapin(&what, e))?;
    }
    let _ = channel.close(200, "bye".into()).await;
    Ok(out)
}

/// Sends up to `limit` dead letters back to the queue they came from (their
/// `x-events-queue` header, else `to`), through the default exchange, without the
/// runtime's headers and the `x-death` history (retries count afresh). Each is taken
/// off the dead-letter queue only after the broker confirmed its copy. Only the dead
/// letters there when the replay starts are replayed (one that fails again meanwhile
/// waits for the next replay). Returns how many were replayed; on an error, those
/// before it stay replayed.
pub async fn replay(
    conn: &Connection,
    dead_letter_queue: &str,
    to: Option<&str>,
    limit: usize,
) -> Result<usize, AmqpError> {
    let what = format!("dead-letter queue `{dead_letter_queue}`");
    let err = |e| AmqpError::from_lapin(&what, e);
    let get = conn.create_channel().await.map_err(err)?;
    let put = conn.create_channel().await.map_err(err)?;
    put.confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(err)?;
    let queue = short("queue", dead_letter_queue)?;
    // Only what is there now: a message that fails again while the replay runs comes
    // back to the dead-letter queue and must not be replayed in a loop.
    let passive = lapin::options::QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let present = get
        .queue_declare(queue.clone(), passive, lapin::types::FieldTable::default())
        .await
        .map_err(err)?
        .message_count();
    let limit = limit.min(usize::try_from(present).unwrap_or(usize::MAX));
    let mut done = 0;
    while done < limit {
        let Some(m) = get
            .basic_get(queue.clone(), BasicGetOptions { no_ack: false })
            .await
            .map_err(err)?
        else {
            break;
        };
        let d = m.delivery;
        let target = header_str(&d.properties, props::QUEUE_HEADER)
            .map(|c| c.into_owned())
            .or_else(|| to.map(str::to_owned));
        let Some(target) = target else {
            requeue(&d.acker).await;
            return Err(AmqpError::NotFound {
                what: format!("the queue of a dead letter in `{dead_letter_queue}`"),
                reason: "it has no x-events-queue header; name the queue to replay to".into(),
            });
        };
        let confirm = put
            .basic_publish(
                "".into(),
                short("queue", &target)?,
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                &d.data,
                props::for_replay(&d.properties),
            )
            .await
            .map_err(err)?
            .await
            .map_err(err)?;
        if !matches!(confirm, Confirmation::Ack(None)) {
            requeue(&d.acker).await;
            return Err(AmqpError::NotFound {
                what: format!("queue `{target}`"),
                reason: "the broker did not take the replayed message".into(),
            });
        }
        d.acker.ack(BasicAckOptions::default()).await.map_err(err)?;
        done += 1;
    }
    let _ = get.close(200, "bye".into()).await;
    let _ = put.close(200, "bye".into()).await;
    Ok(done)
}

/// Puts a message taken with `basic.get` back on its queue (best effort: if the channel
/// is gone, the broker requeues it anyway).
async fn requeue(acker: &lapin::Acker) {
    let _ = acker
        .nack(BasicNackOptions {
            multiple: false,
            requeue: true,
        })
        .await;
}
