//! A queue's figures (seed 002 "Key Metrics"): depth, consumers, messages waiting to be
//! retried, dead letters.

use events_bus::ChannelHealth;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use lapin::Connection;

use crate::conn::{short, AmqpError};
use crate::topology::QueueNames;

/// One queue with its retry and dead-letter queues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStatus {
    /// Whether the queue exists.
    pub exists: bool,
    /// Depth (`backlog`, messages ready), consumers and dead letters, with the shared
    /// alert flags (`flags(&Thresholds)`; seed 002 alerts on a depth over 10,000 and on
    /// no consumers).
    pub health: ChannelHealth,
    /// Messages waiting out the retry delay in `Q.retry`.
    pub retrying: u64,
}

/// The figures of the queue named by `names`, read with passive declares (nothing is
/// created). A queue that does not exist counts 0.
pub async fn queue_status(conn: &Connection, names: &QueueNames) -> Result<QueueStatus, AmqpError> {
    let main = count(conn, &names.queue).await?;
    let retry = count(conn, &names.retry).await?;
    let dead = count(conn, &names.dead_letter).await?;
    Ok(QueueStatus {
        exists: main.is_some(),
        health: ChannelHealth {
            channel: names.queue.clone(),
            group: names.queue.clone(),
            backlog: main.map_or(0, |(n, _)| n),
            dead_letters: dead.map_or(0, |(n, _)| n),
            consumers: main.map(|(_, c)| c),
            ..ChannelHealth::default()
        },
        retrying: retry.map_or(0, |(n, _)| n),
    })
}

/// `(messages ready, consumers)` of a queue, `None` when it does not exist.
async fn count(conn: &Connection, queue: &str) -> Result<Option<(u64, u64)>, AmqpError> {
    let what = format!("queue `{queue}`");
    // A passive declare of a missing queue closes its channel: one channel per question.
    let channel = conn
        .create_channel()
        .await
        .map_err(|e| AmqpError::from_lapin(&what, e))?;
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let r = channel
        .queue_declare(short("queue", queue)?, passive, FieldTable::default())
        .await;
    match r {
        Ok(q) => {
            let _ = channel.close(200, "bye".into()).await;
            Ok(Some((
                u64::from(q.message_count()),
                u64::from(q.consumer_count()),
            )))
        }
        Err(e) => match AmqpError::from_lapin(&what, e) {
            AmqpError::NotFound { .. } => Ok(None),
            other => Err(other),
        },
    }
}
