//! Dead letters read back with their reason, and replayed to their topic.
//!
//! A Kafka topic cannot drop one record, so a dead-letter topic keeps what was replayed;
//! the consumer group [`REPLAY_GROUP`] remembers how far each dead-letter partition has
//! been replayed, and [`list`] shows what lies beyond.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use crate::conn::{client_config, KafkaError, REQUEST_TIMEOUT};
use crate::publisher::{PublishError, Publisher};
use crate::record::{
    headers_of, Record, ATTEMPTS_HEADER, DEAD_LETTERED_AT_HEADER, ERROR_HEADER, EVENT_TYPE_HEADER,
    OFFSET_HEADER, PARTITION_HEADER, REASON_HEADER, TOPIC_HEADER,
};

/// The consumer group whose committed offsets mark what was replayed.
pub const REPLAY_GROUP: &str = "events-dlq-replay";

/// One dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The dead-letter topic.
    pub dlq_topic: String,
    /// Its partition there.
    pub partition: i32,
    /// Its offset there.
    pub offset: i64,
    /// The record to send again: to the original topic, with its key, value and headers
    /// (without the dead-letter headers).
    pub record: Record,
    /// Why it was dead-lettered.
    pub reason: String,
    /// The handler's or decoder's message.
    pub error: String,
    /// Deliveries made.
    pub attempts: u64,
    /// Where it was read from: `partition:offset` of the original topic.
    pub origin: String,
    /// When (RFC 3339).
    pub dead_lettered_at: String,
}

fn reader(brokers: &str) -> Result<BaseConsumer, KafkaError> {
    client_config(brokers, "events-kafka-dlq")
        .set("group.id", REPLAY_GROUP)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .set("auto.offset.reset", "earliest")
        .create()
        .map_err(|e| KafkaError::new("create a dead-letter reader", e))
}

/// The dead letters of `dlq_topic` not replayed yet, in partition and offset order, at
/// most `max` of them.
pub fn list(brokers: &str, dlq_topic: &str, max: usize) -> Result<Vec<DeadLetter>, KafkaError> {
    let c = reader(brokers)?;
    read(&c, dlq_topic, max)
}

fn read(c: &BaseConsumer, dlq_topic: &str, max: usize) -> Result<Vec<DeadLetter>, KafkaError> {
    let md = c
        .fetch_metadata(Some(dlq_topic), REQUEST_TIMEOUT)
        .map_err(|e| KafkaError::new(format!("read the partitions of {dlq_topic}"), e))?;
    let partitions = md
        .topics()
        .iter()
        .find(|t| t.name() == dlq_topic && t.error().is_none())
        .map_or(0, |t| t.partitions().len()) as i32;
    let mut wanted = TopicPartitionList::new();
    for p in 0..partitions {
        wanted.add_partition(dlq_topic, p);
    }
    if partitions == 0 {
        return Ok(Vec::new());
    }
    let committed = c
        .committed_offsets(wanted, REQUEST_TIMEOUT)
        .map_err(|e| KafkaError::new(format!("read the replayed offsets of {dlq_topic}"), e))?;
    let mut ends: BTreeMap<i32, i64> = BTreeMap::new();
    let mut assign = TopicPartitionList::new();
    for e in committed.elements() {
        let p = e.partition();
        let (lo, hi) = c
            .fetch_watermarks(dlq_topic, p, REQUEST_TIMEOUT)
            .map_err(|err| KafkaError::new(format!("read the offsets of {dlq_topic}/{p}"), err))?;
        let from = match e.offset() {
            Offset::Offset(o) => o.max(lo),
            _ => lo,
        };
        if from < hi {
            ends.insert(p, hi);
            let _ = assign.add_partition_offset(dlq_topic, p, Offset::Offset(from));
        }
    }
    if ends.is_empty() {
        return Ok(Vec::new());
    }
    c.assign(&assign)
        .map_err(|e| KafkaError::new(format!("read {dlq_topic}"), e))?;
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + REQUEST_TIMEOUT;
    while !ends.is_empty() && out.len() < max && std::time::Instant::now() < deadline {
        let Some(msg) = c.poll(Duration::from_millis(200)) else {
            continue;
        };
        let msg = match msg {
            Ok(m) => m,
            Err(rdkafka::error::KafkaError::PartitionEOF(p)) => {
                ends.remove(&p);
                continue;
            }
            Err(e) => return Err(KafkaError::new(format!("read {dlq_topic}"), e)),
        };
        let p = msg.partition();
        if ends.get(&p).is_some_and(|end| msg.offset() + 1 >= *end) {
            ends.remove(&p);
        }
        let headers = headers_of(msg.headers());
        let get = |name: &str| {
            headers
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };
        let original = get(TOPIC_HEADER);
        let kept: Vec<(String, Vec<u8>)> = headers
            .iter()
            .filter(|(k, _)| !k.starts_with("x-events-"))
            .cloned()
            .collect();
        out.push(DeadLetter {
            dlq_topic: dlq_topic.to_owned(),
            partition: p,
            offset: msg.offset(),
            record: Record {
                topic: if original.is_empty() {
                    dlq_topic
                        .strip_suffix(".dlq")
                        .unwrap_or(dlq_topic)
                        .to_owned()
                } else {
                    original
                },
                key: msg.key().map(<[u8]>::to_vec),
                value: msg.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                event_type: get(EVENT_TYPE_HEADER),
                headers: kept,
            },
            reason: get(REASON_HEADER),
            error: get(ERROR_HEADER),
            attempts: get(ATTEMPTS_HEADER).parse().unwrap_or(0),
            origin: format!("{}:{}", get(PARTITION_HEADER), get(OFFSET_HEADER)),
            dead_lettered_at: get(DEAD_LETTERED_AT_HEADER),
        });
    }
    Ok(out)
}

/// What a replay did.
#[derive(Debug, Default)]
pub struct Replayed {
    /// Dead letters sent to their topic again.
    pub sent: usize,
    /// Those that failed, with why.
    pub failed: Vec<(DeadLetter, PublishError)>,
}

/// Sends the dead letters of `dlq_topic` not replayed yet (or only those at the given
/// `partition:offset`s) to their original topics, and marks the replayed prefix of each
/// partition as done in [`REPLAY_GROUP`]. A dead letter is marked only after the broker
/// acknowledged its replay.
pub async fn replay(
    brokers: &str,
    dlq_topic: &str,
    only: Option<&[(i32, i64)]>,
    publisher: &Publisher,
) -> Result<Replayed, KafkaError> {
    let c = reader(brokers)?;
    let letters = read(&c, dlq_topic, usize::MAX)?;
    let chosen: Vec<&DeadLetter> = letters
        .iter()
        .filter(|d| only.is_none_or(|o| o.contains(&(d.partition, d.offset))))
        .collect();
    let records: Vec<Record> = chosen.iter().map(|d| d.record.clone()).collect();
    let results = publisher.send(&records).await;
    let mut done = Replayed::default();
    let mut ok: BTreeMap<(i32, i64), bool> = BTreeMap::new();
    for (d, r) in chosen.into_iter().zip(results) {
        match r {
            Ok(_) => {
                done.sent += 1;
                ok.insert((d.partition, d.offset), true);
            }
            Err(e) => done.failed.push((d.clone(), e)),
        }
    }
    // Per partition, the replayed prefix of what was pending is marked done.
    let mut commit = TopicPartitionList::new();
    let mut by_partition: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for d in &letters {
        by_partition.entry(d.partition).or_default().push(d.offset);
    }
    for (p, offsets) in by_partition {
        let prefix = offsets
            .iter()
            .take_while(|o| ok.contains_key(&(p, **o)))
            .last()
            .copied();
        if let Some(last) = prefix {
            let _ = commit.add_partition_offset(dlq_topic, p, Offset::Offset(last + 1));
        }
    }
    if commit.count() > 0 {
        c.commit(&commit, CommitMode::Sync).map_err(|e| {
            KafkaError::new(format!("mark the replayed dead letters of {dlq_topic}"), e)
        })?;
    }
    Ok(done)
}
