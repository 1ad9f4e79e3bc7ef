//! The catalog's topics on the brokers: what exists, what differs, and creating what is
//! missing (`events kafka topics`).

use std::collections::BTreeMap;
use std::time::Duration;

use events_rt::{ContractInfo, TopicSettings};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use crate::conn::{client_config, KafkaError, REQUEST_TIMEOUT};

/// One topic the catalog names, with the settings its contracts declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// Topic name.
    pub name: String,
    /// Declared settings (the first contract on the topic that declares each wins; the
    /// generator refuses contracts that disagree).
    pub settings: TopicSettings,
}

/// The topics of a set of contracts (AMQP exchanges left out), sorted, each name after
/// `prefix` (empty for the contracts' own names).
pub fn catalog_topics(contracts: &[ContractInfo], prefix: &str) -> Vec<TopicSpec> {
    let mut by_name: BTreeMap<&str, TopicSettings> = BTreeMap::new();
    for c in contracts {
        if c.exchange.is_some() {
            continue;
        }
        by_name.entry(c.channel).or_default().fill_from(&c.topic);
    }
    by_name
        .into_iter()
        .map(|(name, settings)| TopicSpec {
            name: format!("{prefix}{name}"),
            settings,
        })
        .collect()
}

/// A topic as the brokers have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicState {
    /// Partitions.
    pub partitions: u32,
    /// Replicas of its first partition.
    pub replication: u16,
    /// `retention.ms`, when the brokers describe topic configs.
    pub retention_ms: Option<i64>,
}

/// How one catalog topic compares with the brokers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The brokers have no such topic.
    Missing,
    /// The partition count differs.
    Partitions {
        /// Declared.
        want: u32,
        /// On the brokers.
        have: u32,
    },
    /// The retention differs.
    Retention {
        /// Declared, in ms.
        want: u64,
        /// On the brokers, in ms (`-1`: forever).
        have: i64,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("missing"),
            Self::Partitions { want, have } => {
                write!(f, "{have} partitions, the catalog says {want}")
            }
            Self::Retention { want, have } => write!(
                f,
                "retention {}, the catalog says {}",
                if *have < 0 {
                    "forever".to_owned()
                } else {
                    events_rt::format_retention(*have as u64)
                },
                events_rt::format_retention(*want)
            ),
        }
    }
}

/// One catalog topic: what the catalog says, what the brokers have, how they differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicReport {
    /// The catalog's topic.
    pub spec: TopicSpec,
    /// The brokers' topic, if it exists.
    pub state: Option<TopicState>,
    /// Differences (empty: in line).
    pub drift: Vec<Drift>,
}

fn admin(brokers: &str) -> Result<AdminClient<DefaultClientContext>, KafkaError> {
    client_config(brokers, "events-kafka-admin")
        .create()
        .map_err(|e| KafkaError::new("create the admin client", e))
}

fn options() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(REQUEST_TIMEOUT))
}

/// The brokers' topics (partitions and replication), by name, and the broker count.
pub fn describe(brokers: &str) -> Result<(BTreeMap<String, TopicState>, usize), KafkaError> {
    let consumer: BaseConsumer = client_config(brokers, "events-kafka-admin")
        .create()
        .map_err(|e| KafkaError::new("create a metadata client", e))?;
    let md = consumer
        .fetch_metadata(None, REQUEST_TIMEOUT)
        .map_err(|e| KafkaError::new(format!("read the topics of {brokers}"), e))?;
    let topics = md
        .topics()
        .iter()
        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
        .map(|t| {
            (
                t.name().to_owned(),
                TopicState {
                    partitions: t.partitions().len() as u32,
                    replication: t
                        .partitions()
                        .first()
                        .map_or(0, |p| p.replicas().len() as u16),
                    retention_ms: None,
                },
            )
        })
        .collect();
    Ok((topics, md.brokers().len()))
}

/// Compares the catalog's topics with the brokers'. Retention is compared where the
/// brokers describe topic configs (a broker that does not is not drift).
pub async fn compare(brokers: &str, specs: &[TopicSpec]) -> Result<Vec<TopicReport>, KafkaError> {
    let (mut have, _) = describe(brokers)?;
    let present: Vec<&str> = specs
        .iter()
        .filter(|s| have.contains_key(&s.name))
        .map(|s| s.name.as_str())
        .collect();
    if !present.is_empty() {
        let client = admin(brokers)?;
        let resources: Vec<ResourceSpecifier<'_>> = present
            .iter()
            .map(|t| ResourceSpecifier::Topic(t))
            .collect();
        if let Ok(Ok(results)) = tokio::time::timeout(
            REQUEST_TIMEOUT,
            client.describe_configs(&resources, &options()),
        )
        .await
        {
            for r in results.into_iter().flatten() {
                let rdkafka::admin::OwnedResourceSpecifier::Topic(name) = &r.specifier else {
                    continue;
                };
                let ms = r
                    .entry_map()
                    .get("retention.ms")
                    .and_then(|e| e.value.as_deref())
                    .and_then(|v| v.parse::<i64>().ok());
                if let Some(state) = have.get_mut(name) {
                    state.retention_ms = ms;
                }
            }
        }
    }
    Ok(specs
        .iter()
        .map(|spec| {
            let state = have.get(&spec.name).cloned();
            let mut drift = Vec::new();
            match &state {
                None => drift.push(Drift::Missing),
                Some(s) => {
                    if let Some(want) = spec.settings.partitions.filter(|w| *w != s.partitions) {
                        drift.push(Drift::Partitions {
                            want,
                            have: s.partitions,
                        });
                    }
                    if let (Some(want), Some(have)) = (spec.settings.retention_ms, s.retention_ms) {
                        if i64::try_from(want).ok() != Some(have) {
                            drift.push(Drift::Retention { want, have });
                        }
                    }
                }
            }
            TopicReport {
                spec: spec.clone(),
                state,
                drift,
            }
        })
        .collect())
}

/// Creates the `specs` topics that are missing with their declared partitions, replication
/// (capped at `replication_max` and at the number of brokers) and retention. Returns the
/// names created. A topic that appeared meanwhile is not an error.
pub async fn create_missing(
    brokers: &str,
    specs: &[TopicSpec],
    replication_max: Option<u16>,
) -> Result<Vec<String>, KafkaError> {
    let (have, broker_count) = describe(brokers)?;
    let missing: Vec<&TopicSpec> = specs
        .iter()
        .filter(|s| !have.contains_key(&s.name))
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let cap = u16::try_from(broker_count.max(1)).unwrap_or(u16::MAX);
    let cap = replication_max.map_or(cap, |m| m.min(cap)).max(1);
    let retention: Vec<Option<String>> = missing
        .iter()
        .map(|s| s.settings.retention_ms.map(|ms| ms.to_string()))
        .collect();
    let new: Vec<NewTopic<'_>> = missing
        .iter()
        .zip(&retention)
        .map(|(s, ret)| {
            let replication = s.settings.replication.unwrap_or(1).min(cap);
            let t = NewTopic::new(
                &s.name,
                s.settings.partitions.unwrap_or(1) as i32,
                TopicReplication::Fixed(i32::from(replication)),
            );
            match ret {
                Some(ms) => t.set("retention.ms", ms),
                None => t,
            }
        })
        .collect();
    let client = admin(brokers)?;
    let results = tokio::time::timeout(
        REQUEST_TIMEOUT + Duration::from_secs(1),
        client.create_topics(&new, &options()),
    )
    .await
    .map_err(|_| {
        KafkaError::new(
            "create topics",
            rdkafka::error::KafkaError::AdminOp(RDKafkaErrorCode::OperationTimedOut),
        )
    })?
    .map_err(|e| KafkaError::new("create topics", e))?;
    let mut created = Vec::new();
    for r in results {
        match r {
            Ok(name) => created.push(name),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(KafkaError::new(
                    format!("create topic {name}"),
                    rdkafka::error::KafkaError::AdminOp(code),
                ))
            }
        }
    }
    Ok(created)
}

/// Creates `topics` (one partition, replication 1 or what the brokers allow) where they do
/// not exist: the dead-letter topics a consumer writes to.
pub async fn ensure_topics(brokers: &str, topics: &[String]) -> Result<Vec<String>, KafkaError> {
    let specs: Vec<TopicSpec> = topics
        .iter()
        .map(|t| TopicSpec {
            name: t.clone(),
            settings: TopicSettings::default(),
        })
        .collect();
    create_missing(brokers, &specs, Some(1)).await
}

/// Deletes `topics` (a test's own, or an environment being torn down). A topic that does
/// not exist is not an error.
pub async fn delete_topics(brokers: &str, topics: &[String]) -> Result<(), KafkaError> {
    if topics.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    let client = admin(brokers)?;
    let results = tokio::time::timeout(
        REQUEST_TIMEOUT + Duration::from_secs(1),
        client.delete_topics(&names, &options()),
    )
    .await
    .map_err(|_| {
        KafkaError::new(
            "delete topics",
            rdkafka::error::KafkaError::AdminOp(RDKafkaErrorCode::OperationTimedOut),
        )
    })?
    .map_err(|e| KafkaError::new("delete topics", e))?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
            Err((name, code)) => {
                return Err(KafkaError::new(
                    format!("delete topic {name}"),
                    rdkafka::error::KafkaError::AdminOp(code),
                ))
            }
        }
    }
    Ok(())
}
