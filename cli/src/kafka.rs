//! `events kafka topics|status|dlq`: the Kafka counterparts of `events streams` and
//! `events amqp`, for the topics the catalog names (`x-event.topic`, with `partitions`,
//! `replication` and `retention`) and the consumer groups of `events-kafka`.

use clap::{Args, Subcommand};
use events_bus::{Flag, Thresholds};
use events_codegen::schema::ChannelKind;
use events_codegen::SchemaSet;
use events_kafka::admin::{self, Drift, TopicSpec};
use events_kafka::health::{self, DEFAULT_MAX_LAG};
use events_kafka::{dlq, KafkaError, Publisher};
use serde_json::json;

use crate::catalog;
use crate::error::{CliError, Outcome};
use crate::output::{self, Format};
use crate::status::{self, Column, Names, Report};
use crate::streams::runtime;

/// `events kafka …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the brokers' topics with the catalog's (missing, other partition count,
    /// other retention); `--apply` creates the missing ones with their partitions,
    /// replication and retention. Exit 1 on drift.
    Topics(TopicsArgs),
    /// Per topic and partition: end offset, the group's committed offset and lag; the
    /// dead-letter topics' sizes. Exit 1 over the thresholds (seed 003: lag above 1,000,
    /// any dead letter).
    Status(StatusArgs),
    /// A topic's dead letters (`<topic>.dlq`): list them with their errors, replay them
    /// after a fix.
    #[command(subcommand)]
    Dlq(DlqCommand),
}

/// `events kafka dlq …`.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Show the dead letters not replayed yet: partition:offset, event type, reason,
    /// error, attempts, where it was read from, when.
    List(ListArgs),
    /// Send the dead letters not replayed yet (or those named by `--offset`) back to
    /// their topic, with their key and headers; each is marked replayed once the broker
    /// acknowledged its copy.
    Replay(ReplayArgs),
}

/// Where the brokers are.
#[derive(Debug, Args)]
pub struct Brokers {
    /// Bootstrap brokers, `host:port[,host:port…]` (seed 003's `KAFKA_BROKERS`).
    #[arg(long, env = "KAFKA_BROKERS", default_value = events_kafka::DEFAULT_BROKERS)]
    pub kafka: String,
    /// Prefix of every topic name (an environment's namespace).
    #[arg(long, default_value = "")]
    pub topic_prefix: String,
    /// Suffix of the dead-letter topics.
    #[arg(long, default_value = events_kafka::DEFAULT_DLQ_SUFFIX)]
    pub dlq_suffix: String,
}

/// `events kafka topics`.
#[derive(Debug, Args)]
pub struct TopicsArgs {
    #[command(flatten)]
    brokers: Brokers,
    /// Create the missing topics.
    #[arg(long)]
    apply: bool,
    /// Replication factor at most this (a one-broker test cluster: 1); it is capped by
    /// the number of brokers anyway.
    #[arg(long)]
    replication_max: Option<u16>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events kafka status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    brokers: Brokers,
    /// A consumer group to report (repeat for several); without one, the topics' end
    /// offsets and dead letters alone.
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// One topic of the catalog (default: all of them).
    #[arg(long)]
    topic: Option<String>,
    /// Lag of a partition above which it is flagged (seed 003: 1,000).
    #[arg(long, default_value_t = DEFAULT_MAX_LAG)]
    max_lag: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events kafka dlq list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    brokers: Brokers,
    /// The topic whose dead letters to show (they are in `<topic>.dlq`).
    #[arg(long)]
    topic: String,
    /// At most this many, oldest first per partition.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events kafka dlq replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    brokers: Brokers,
    /// The topic whose dead letters to replay.
    #[arg(long)]
    topic: String,
    /// Only the dead letter at `PARTITION:OFFSET` of the dead-letter topic (repeat for
    /// several); default: every one not replayed yet.
    #[arg(long = "offset", value_name = "PARTITION:OFFSET")]
    offsets: Vec<String>,
}

/// Runs `events kafka …`.
pub fn run(set: &SchemaSet, cmd: &Command) -> Result<Outcome, CliError> {
    match cmd {
        Command::Topics(args) => topics(set, args),
        Command::Status(args) => status(set, args),
        Command::Dlq(DlqCommand::List(args)) => list(args),
        Command::Dlq(DlqCommand::Replay(args)) => replay(args),
    }
}

fn kafka_error(brokers: &str, e: &KafkaError) -> CliError {
    CliError::input(format!("{e} (brokers {brokers}; is one up?)"))
}

/// The catalog's topics, prefixed, with their declared settings.
pub fn catalog_topics(set: &SchemaSet, prefix: &str) -> Vec<TopicSpec> {
    let mut out: Vec<TopicSpec> = Vec::new();
    for e in set
        .events
        .iter()
        .filter(|e| e.channel_kind == ChannelKind::Topic)
    {
        let name = format!("{prefix}{}", e.channel);
        match out.iter_mut().find(|s| s.name == name) {
            Some(s) => s.settings.fill_from(&e.topic),
            None => out.push(TopicSpec {
                name,
                settings: e.topic,
            }),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn no_topics() -> CliError {
    CliError::input("the catalog names no Kafka topic (`x-event.topic`)")
}

fn opt_text<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn topics(set: &SchemaSet, args: &TopicsArgs) -> Result<Outcome, CliError> {
    let b = &args.brokers;
    let specs = catalog_topics(set, &b.topic_prefix);
    if specs.is_empty() {
        return Err(no_topics());
    }
    let (reports, created) = runtime()?.block_on(async {
        let created = if args.apply {
            admin::create_missing(&b.kafka, &specs, args.replication_max)
                .await
                .map_err(|e| kafka_error(&b.kafka, &e))?
        } else {
            Vec::new()
        };
        let reports = admin::compare(&b.kafka, &specs)
            .await
            .map_err(|e| kafka_error(&b.kafka, &e))?;
        Ok::<_, CliError>((reports, created))
    })?;
    let drift: usize = reports.iter().map(|r| r.drift.len()).sum();
    let rows = reports
        .iter()
        .map(|r| {
            let s = &r.spec.settings;
            let have = r.state.as_ref();
            let state = if created.contains(&r.spec.name) {
                "created".to_owned()
            } else if r.drift.is_empty() {
                "ok".to_owned()
            } else {
                r.drift.iter().map(Drift::to_string).collect::<Vec<_>>().join("; ")
            };
            status::Row::default()
                .cell(r.spec.name.clone(), r.spec.name.clone())
                .cell(
                    format!("{}/{}", opt_text(s.partitions), opt_text(have.map(|h| h.partitions))),
                    json!({"catalog": s.partitions, "brokers": have.map(|h| h.partitions)}),
                )
                .cell(
                    format!("{}/{}", opt_text(s.replication), opt_text(have.map(|h| h.replication))),
                    json!({"catalog": s.replication, "brokers": have.map(|h| h.replication)}),
                )
                .cell(
                    format!(
                        "{}/{}",
                        opt_text(s.retention_ms.map(events_rt::format_retention)),
                        opt_text(have.and_then(|h| h.retention_ms).map(|ms| if ms < 0 {
                            "forever".to_owned()
                        } else {
                            events_rt::format_retention(ms as u64)
                        }))
                    ),
                    json!({"catalog": s.retention_ms, "brokers": have.and_then(|h| h.retention_ms)}),
                )
                .cell(state.clone(), state)
                .extra("drift", r.drift.iter().map(Drift::to_string).collect::<Vec<_>>())
        })
        .collect();
    let report = Report {
        columns: vec![
            Column::text("topic", "topic"),
            Column::number("partitions", "partitions"),
            Column::number("replication", "replication"),
            Column::number("retention", "retention_ms"),
            Column::text("state", "state"),
        ],
        rows,
        rows_key: "topics",
        names: Names::topic(),
        thresholds_text: "columns: catalog/brokers; replication is capped by the broker count (and --replication-max)".to_owned(),
        thresholds: json!({}),
        notes: match (drift, created.len()) {
            (0, 0) => vec!["ok: every topic of the catalog is on the brokers as declared".to_owned()],
            (0, n) => vec![format!("created {n} topic(s)")],
            (d, _) => vec![format!("{d} difference(s) from the catalog")],
        },
        extra: vec![("drift", json!(drift)), ("created", json!(created))],
    };
    let text = match args.format {
        Format::Human => report.human(),
        Format::Json => report.json(),
    };
    output::stdout(&text)?;
    Ok(if drift > 0 {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

fn status(set: &SchemaSet, args: &StatusArgs) -> Result<Outcome, CliError> {
    let b = &args.brokers;
    let mut names: Vec<String> = catalog_topics(set, &b.topic_prefix)
        .into_iter()
        .map(|s| s.name)
        .collect();
    if names.is_empty() {
        return Err(no_topics());
    }
    if let Some(t) = &args.topic {
        let wanted = format!("{}{t}", b.topic_prefix);
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        let found = catalog::resolve(&wanted, &known)?.to_owned();
        names = vec![found];
    }
    let groups: Vec<Option<&str>> = if args.groups.is_empty() {
        vec![None]
    } else {
        args.groups.iter().map(|g| Some(g.as_str())).collect()
    };
    let mut rows = Vec::new();
    let thresholds = Thresholds {
        backlog: args.max_lag,
        ..Thresholds::default()
    };
    for group in groups {
        // Without a group, an id no consumer uses: end offsets, nothing committed.
        let id = group.unwrap_or("events-kafka-status");
        let s = health::group_status(&b.kafka, id, &names, &b.dlq_suffix)
            .map_err(|e| kafka_error(&b.kafka, &e))?;
        for topic in &names {
            let parts: Vec<&health::PartitionStatus> =
                s.partitions.iter().filter(|p| p.topic == *topic).collect();
            let dead = s
                .dead_letters
                .iter()
                .find(|(t, _)| *t == format!("{topic}{}", b.dlq_suffix))
                .and_then(|(_, n)| *n)
                .unwrap_or(0);
            if parts.is_empty() {
                rows.push(
                    status::Row::default()
                        .cell(topic.clone(), topic.clone())
                        .cell(group.unwrap_or("-"), group)
                        .cell("absent", serde_json::Value::Null)
                        .number(None::<i64>)
                        .number(None::<i64>)
                        .number(None::<u64>)
                        .cell(dead.to_string(), dead)
                        .extra("exists", false),
                );
                continue;
            }
            for (i, p) in parts.iter().enumerate() {
                let lag = group.map(|_| p.lag());
                let mut flags = Vec::new();
                if lag.is_some_and(|l| l > args.max_lag) {
                    flags.push(Flag::Backlog(p.lag()));
                }
                // The topic's dead letters are counted once, on its first partition.
                let dead_here = if i == 0 { dead } else { 0 };
                if dead_here > 0 {
                    flags.push(Flag::DeadLetters(dead_here));
                }
                rows.push(
                    status::Row::default()
                        .cell(topic.clone(), topic.clone())
                        .cell(group.unwrap_or("-"), group)
                        .cell(p.partition.to_string(), p.partition)
                        .cell(p.end.to_string(), p.end)
                        .number(group.and(p.committed))
                        .number(lag)
                        .cell(
                            if i == 0 {
                                dead.to_string()
                            } else {
                                String::new()
                            },
                            dead_here,
                        )
                        .extra("exists", true)
                        .flagged(flags),
                );
            }
        }
    }
    let report = Report {
        columns: vec![
            Column::text("topic", "topic"),
            Column::text("group", "group"),
            Column::number("partition", "partition"),
            Column::number("end", "end_offset"),
            Column::number("committed", "committed_offset"),
            Column::number("lag", "lag"),
            Column::number("dead letters", "dead_letters"),
        ],
        rows,
        rows_key: "partitions",
        names: Names::topic(),
        thresholds_text: format!(
            "thresholds (seed 003 Alerting): lag > {} per partition, any dead letter",
            thresholds.backlog
        ),
        thresholds: json!({ "lag": thresholds.backlog }),
        notes: Vec::new(),
        extra: Vec::new(),
    };
    report.print(args.format)
}

fn list(args: &ListArgs) -> Result<Outcome, CliError> {
    let b = &args.brokers;
    let dlq_topic = format!("{}{}{}", b.topic_prefix, args.topic, b.dlq_suffix);
    let letters =
        dlq::list(&b.kafka, &dlq_topic, args.limit).map_err(|e| kafka_error(&b.kafka, &e))?;
    let text = match args.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = letters
                .iter()
                .map(|d| {
                    json!({
                        "partition": d.partition, "offset": d.offset, "event_type": d.record.event_type,
                        "key": d.record.key.as_deref().map(String::from_utf8_lossy),
                        "reason": d.reason, "error": d.error, "attempts": d.attempts,
                        "topic": d.record.topic, "origin": d.origin, "dead_lettered_at": d.dead_lettered_at,
                        "value": String::from_utf8_lossy(&d.record.value),
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(
                    &json!({"dead_letter_topic": dlq_topic, "dead_letters": rows})
                )
                .unwrap_or_default()
            )
        }
        Format::Human => {
            let mut out = String::new();
            for d in &letters {
                out.push_str(&format!(
                    "{}:{}  {}  {}  attempts {}  from {} {}  at {}\n    {}\n",
                    d.partition,
                    d.offset,
                    if d.record.event_type.is_empty() {
                        "-"
                    } else {
                        &d.record.event_type
                    },
                    d.reason,
                    d.attempts,
                    d.record.topic,
                    d.origin,
                    d.dead_lettered_at,
                    events_rt::cut(&d.error, 200)
                ));
            }
            out.push_str(&format!(
                "{} dead letter(s) in {dlq_topic} not replayed\n",
                letters.len()
            ));
            out
        }
    };
    output::stdout(&text)?;
    Ok(Outcome::Success)
}

fn replay(args: &ReplayArgs) -> Result<Outcome, CliError> {
    let b = &args.brokers;
    let dlq_topic = format!("{}{}{}", b.topic_prefix, args.topic, b.dlq_suffix);
    let mut only = Vec::new();
    for o in &args.offsets {
        let parsed = o
            .split_once(':')
            .and_then(|(p, off)| Some((p.parse::<i32>().ok()?, off.parse::<i64>().ok()?)));
        match parsed {
            Some(x) => only.push(x),
            None => {
                return Err(CliError::input(format!(
                    "--offset {o:?} is not PARTITION:OFFSET"
                )))
            }
        }
    }
    let done = runtime()?.block_on(async {
        let publisher = Publisher::new(&b.kafka).map_err(|e| kafka_error(&b.kafka, &e))?;
        let only = (!only.is_empty()).then_some(only.as_slice());
        dlq::replay(&b.kafka, &dlq_topic, only, &publisher)
            .await
            .map_err(|e| kafka_error(&b.kafka, &e))
    })?;
    for (d, e) in &done.failed {
        output::error(&CliError::input(format!(
            "{}:{}: {e}",
            d.partition, d.offset
        )));
    }
    output::stdout(&format!(
        "replayed {} dead letter(s) from {dlq_topic}\n",
        done.sent
    ))?;
    Ok(if done.failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::Errors
    })
}
