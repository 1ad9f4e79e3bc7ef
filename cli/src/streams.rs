//! `events streams status`: the figures of seed 001 §13.2 for every stream of the catalog
//! (what §13.1's redis-cli commands show, as one report), flagged against the thresholds.
//!
//! Also the pieces `events dlq` shares: a Redis connection and its errors, and the async
//! runtime (which `events amqp` and `events kafka` use too).

use std::time::Duration;

use clap::{Args, Subcommand};
use events_codegen::SchemaSet;
use events_redis::events_bus::{ChannelHealth, Flag, Thresholds};
use events_redis::{Conn, Redis};
use serde_json::json;

use crate::catalog;
use crate::error::{CliError, Outcome};
use crate::output::Format;
use crate::status::{self, Column, Names, Report};

/// `events streams …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Length, consumer groups, pending, lag and dead-letter length of every stream of the
    /// catalog, flagged against seed 001 §13.2's thresholds. Exit 1 when a figure is over
    /// its threshold or a dead-letter stream is not empty.
    Status(StatusArgs),
}

/// Where Redis is.
#[derive(Debug, Args)]
pub struct Connection {
    /// Redis URL (`redis://host:port/db`), or several comma-separated for a cluster.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis: String,
    /// Suffix of the dead-letter streams (the consumer's default).
    #[arg(long, default_value = ":dlq")]
    pub dlq_suffix: String,
}

/// `events streams status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    conn: Connection,
    /// Only this stream (default: every stream of the catalog).
    #[arg(long)]
    stream: Option<String>,
    /// Stream length above which to flag (seed 001 §13.2).
    #[arg(long, default_value_t = Thresholds::default().backlog)]
    max_length: u64,
    /// Pending entries above which to flag (seed 001 §13.2).
    #[arg(long, default_value_t = Thresholds::default().in_flight)]
    max_pending: u64,
    /// Seconds the oldest pending entry may wait before it is flagged (seed 001 §13.2: 5 min).
    #[arg(long, default_value_t = Thresholds::default().oldest_age.as_secs())]
    max_lag_secs: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// A single-threaded runtime for the async client.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the async runtime: {e}")))
}

/// Connects (5 s for the connection and for each command).
pub async fn connect(url: &str) -> Result<Conn, CliError> {
    let redis = Redis::from_urls(url)
        .map_err(|e| redis_error(url, &e))?
        .connect_timeout(Duration::from_secs(5));
    redis
        .connect(Duration::from_secs(5))
        .await
        .map_err(|e| redis_error(url, &e))
}

/// A Redis error, an input error. Credentials in the URL are never shown
/// (`redis://user:***@host`), nor quoted from the error.
pub fn redis_error(url: &str, e: &redis::RedisError) -> CliError {
    let text = e.to_string();
    CliError::input(format!(
        "redis {}: {}",
        events_rt::redact_url(url),
        events_rt::scrub(&text, url)
    ))
}

/// Whether `key` is a stream (`false` when absent); an error when it is another type.
pub async fn is_stream(c: &mut Conn, url: &str, key: &str) -> Result<bool, CliError> {
    let kind: String = redis::cmd("TYPE")
        .arg(key)
        .query_async(c)
        .await
        .map_err(|e| redis_error(url, &e))?;
    match kind.as_str() {
        "stream" => Ok(true),
        "none" => Ok(false),
        other => Err(CliError::input(format!(
            "redis {}: key {key:?} is a {other}, not a stream",
            events_rt::redact_url(url)
        ))),
    }
}

/// One row of the report: a stream as one group sees it (no group: `group` is empty).
struct Row {
    exists: bool,
    health: ChannelHealth,
    flags: Vec<Flag>,
}

/// Runs `events streams …`.
pub fn run(set: &SchemaSet, cmd: &Command) -> Result<Outcome, CliError> {
    match cmd {
        Command::Status(args) => status(set, args),
    }
}

fn status(set: &SchemaSet, args: &StatusArgs) -> Result<Outcome, CliError> {
    let known = catalog::streams(set);
    let streams = match &args.stream {
        Some(s) => vec![catalog::resolve(s, &known)?],
        None => known.clone(),
    };
    let thresholds = Thresholds {
        backlog: args.max_length,
        in_flight: args.max_pending,
        oldest_age: Duration::from_secs(args.max_lag_secs),
    };
    let url = &args.conn.redis;
    let rows = runtime()?.block_on(async {
        let mut c = connect(url).await?;
        let mut rows = Vec::new();
        for stream in streams {
            let exists = is_stream(&mut c, url, stream).await?;
            let dlq = format!("{stream}{}", args.conn.dlq_suffix);
            if !is_stream(&mut c, url, &dlq).await? && !exists {
                // Neither the stream nor its dead letters: nothing to ask.
                rows.push(Row {
                    exists,
                    health: ChannelHealth {
                        channel: stream.to_owned(),
                        ..ChannelHealth::default()
                    },
                    flags: Vec::new(),
                });
                continue;
            }
            let groups: Vec<String> = events_redis::health::groups(&mut c, stream)
                .await
                .map_err(|e| redis_error(url, &e))?
                .iter()
                .filter_map(|g| {
                    g.iter()
                        .find(|(k, _)| k == "name")
                        .and_then(|(_, v)| redis::from_redis_value_ref::<String>(v).ok())
                })
                .collect();
            // No group: the stream-wide figures alone (an empty group name matches none).
            let names = if groups.is_empty() {
                vec![String::new()]
            } else {
                groups
            };
            for group in names {
                let health = events_redis::health::stream_health(&mut c, stream, &group, &dlq)
                    .await
                    .map_err(|e| redis_error(url, &e))?;
                let flags = health.flags(&thresholds);
                rows.push(Row {
                    exists,
                    health,
                    flags,
                });
            }
        }
        Ok::<_, CliError>(rows)
    })?;
    status_report(&rows, &thresholds).print(args.format)
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| format!("{}s", d.as_secs()))
}

fn status_report(rows: &[Row], t: &Thresholds) -> Report {
    Report {
        columns: vec![
            Column::text("stream", "stream"),
            Column::text("group", "group"),
            Column::number("length", "length"),
            Column::number("pending", "pending"),
            Column::number("lag", "lag"),
            Column::number("oldest pending", "oldest_pending_age_ms"),
            Column::number("dead letters", "dead_letters"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                let h = &r.health;
                let group = (!h.group.is_empty()).then(|| h.group.clone());
                let length = if r.exists { h.backlog.to_string() } else { "absent".to_owned() };
                status::Row::default()
                    .cell(h.channel.clone(), h.channel.clone())
                    .cell(group.clone().unwrap_or_else(|| "-".to_owned()), group)
                    .cell(length, h.backlog)
                    .cell(h.in_flight.to_string(), h.in_flight)
                    .number(h.lag)
                    .cell(secs(h.oldest_age), h.oldest_age.map(|d| d.as_millis() as u64))
                    .cell(h.dead_letters.to_string(), h.dead_letters)
                    .extra("exists", r.exists)
                    .flagged(r.flags.clone())
            })
            .collect(),
        rows_key: "streams",
        names: Names::stream(),
        thresholds_text: format!(
            "thresholds (seed 001 §13.2): length > {}, pending > {}, oldest pending > {}s, any dead letter",
            t.backlog,
            t.in_flight,
            t.oldest_age.as_secs()
        ),
        thresholds: json!({
            "stream_length": t.backlog,
            "pending": t.in_flight,
            "oldest_pending_age_ms": t.oldest_age.as_millis() as u64,
        }),
        notes: Vec::new(),
        extra: Vec::new(),
    }
}
