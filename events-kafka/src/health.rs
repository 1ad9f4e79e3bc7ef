//! A consumer group's position on its topics: end offsets, committed offsets, lag, and
//! the dead-letter topics' sizes (`events kafka status`, a `/health` endpoint).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use crate::conn::{client_config, KafkaError, REQUEST_TIMEOUT};

/// Seed 003's alert: consumer lag above 1,000 messages.
pub const DEFAULT_MAX_LAG: u64 = 1_000;

/// One partition as the group sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionStatus {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// First offset still kept.
    pub start: i64,
    /// Offset the next record will get (the high watermark).
    pub end: i64,
    /// The group's committed offset, if it committed one.
    pub committed: Option<i64>,
}

impl PartitionStatus {
    /// Records the group has not committed past: from the committed offset (or the
    /// first kept record) to the end.
    pub fn lag(&self) -> u64 {
        let from = self.committed.unwrap_or(self.start).max(self.start);
        u64::try_from(self.end - from).unwrap_or(0)
    }

    /// Records kept in the partition.
    pub fn size(&self) -> u64 {
        u64::try_from(self.end - self.start).unwrap_or(0)
    }
}

/// A group's partitions of `topics` and their dead-letter topics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupStatus {
    /// The group.
    pub group: String,
    /// Each partition of each topic (a topic the brokers lack has none).
    pub partitions: Vec<PartitionStatus>,
    /// Each dead-letter topic and the records it holds (`None`: it does not exist).
    pub dead_letters: Vec<(String, Option<u64>)>,
}

impl GroupStatus {
    /// Lag of a topic: the sum over its partitions.
    pub fn lag(&self, topic: &str) -> u64 {
        self.partitions
            .iter()
            .filter(|p| p.topic == topic)
            .map(PartitionStatus::lag)
            .sum()
    }

    /// The figures of one topic in the bus-neutral model of `events-bus`: the backlog
    /// is the group's lag (what it has not committed past).
    pub fn channel(&self, topic: &str, dlq_suffix: &str) -> events_bus::ChannelHealth {
        let dlq = format!("{topic}{dlq_suffix}");
        events_bus::ChannelHealth {
            channel: topic.to_owned(),
            group: self.group.clone(),
            backlog: self.lag(topic),
            in_flight: 0,
            lag: Some(self.lag(topic)),
            oldest_age: None,
            dead_letters: self
                .dead_letters
                .iter()
                .find(|(t, _)| *t == dlq)
                .and_then(|(_, n)| *n)
                .unwrap_or(0),
            consumers: None,
        }
    }
}

fn watermarks(
    c: &BaseConsumer,
    topic: &str,
    partitions: usize,
) -> Result<Vec<(i32, i64, i64)>, KafkaError> {
    (0..partitions as i32)
        .map(|p| {
            c.fetch_watermarks(topic, p, REQUEST_TIMEOUT)
                .map(|(lo, hi)| (p, lo, hi))
                .map_err(|e| KafkaError::new(format!("read the offsets of {topic}/{p}"), e))
        })
        .collect()
}

/// Reads `group`'s committed offsets and the end offsets of `topics`, and the sizes of
/// their dead-letter topics (`<topic><dlq_suffix>`). A missing topic has no partitions.
pub fn group_status(
    brokers: &str,
    group: &str,
    topics: &[String],
    dlq_suffix: &str,
) -> Result<GroupStatus, KafkaError> {
    let c: BaseConsumer = client_config(brokers, "events-kafka-status")
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| KafkaError::new("create a status client", e))?;
    let md = c
        .fetch_metadata(None, REQUEST_TIMEOUT)
        .map_err(|e| KafkaError::new(format!("read the topics of {brokers}"), e))?;
    let count = |name: &str| {
        md.topics()
            .iter()
            .find(|t| t.name() == name && t.error().is_none())
            .map(|t| t.partitions().len())
            .filter(|n| *n > 0)
    };
    let mut status = GroupStatus {
        group: group.to_owned(),
        ..GroupStatus::default()
    };
    let mut tpl = TopicPartitionList::new();
    for topic in topics {
        let Some(n) = count(topic) else { continue };
        for (p, lo, hi) in watermarks(&c, topic, n)? {
            tpl.add_partition(topic, p);
            status.partitions.push(PartitionStatus {
                topic: topic.clone(),
                partition: p,
                start: lo,
                end: hi,
                committed: None,
            });
        }
        let dlq = format!("{topic}{dlq_suffix}");
        let size = match count(&dlq) {
            None => None,
            Some(n) => Some(
                watermarks(&c, &dlq, n)?
                    .iter()
                    .map(|(_, lo, hi)| (hi - lo).max(0) as u64)
                    .sum(),
            ),
        };
        status.dead_letters.push((dlq, size));
    }
    if tpl.count() > 0 {
        let committed = c
            .committed_offsets(tpl, REQUEST_TIMEOUT + Duration::from_secs(1))
            .map_err(|e| {
                KafkaError::new(format!("read the committed offsets of group {group}"), e)
            })?;
        for e in committed.elements() {
            if let Offset::Offset(o) = e.offset() {
                if let Some(p) = status
                    .partitions
                    .iter_mut()
                    .find(|p| p.topic == e.topic() && p.partition == e.partition())
                {
                    p.committed = Some(o);
                }
            }
        }
    }
    Ok(status)
}
