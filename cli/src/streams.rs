//! `events streams status`: the figures of seed 001 §13.2 for every stream of the catalog
//! (what §13.1's redis-cli commands show, as one report), flagged against the thresholds.
//!
//! Also the pieces `events dlq` shares: the catalog's streams, a Redis connection, and the
//! nearest-stream hint.

use std::time::Duration;

use clap::{Args, Subcommand};
use events_codegen::schema::ChannelKind;
use events_codegen::SchemaSet;
use events_redis::events_bus::{Flag, StreamHealth, Thresholds};
use events_redis::{Conn, Redis};
use serde_json::json;

use crate::{exit, write_out, Format};

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
    #[arg(long, default_value_t = Thresholds::default().stream_length)]
    max_length: u64,
    /// Pending entries above which to flag (seed 001 §13.2).
    #[arg(long, default_value_t = Thresholds::default().pending)]
    max_pending: u64,
    /// Seconds the oldest pending entry may wait before it is flagged (seed 001 §13.2: 5 min).
    #[arg(long, default_value_t = Thresholds::default().lag.as_secs())]
    max_lag_secs: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// The streams of the catalog (channels of kind stream), sorted, once each.
pub fn catalog_streams(set: &SchemaSet) -> Vec<&str> {
    let mut streams: Vec<&str> = set
        .events
        .iter()
        .filter(|e| e.channel_kind == ChannelKind::Stream)
        .map(|e| e.channel.as_str())
        .collect();
    streams.sort_unstable();
    streams.dedup();
    streams
}

/// `stream` if the catalog has it, else a usage error naming the nearest one.
pub fn resolve<'a>(stream: &str, known: &[&'a str]) -> Result<&'a str, u8> {
    if let Some(s) = known.iter().find(|s| **s == stream) {
        return Ok(s);
    }
    let hint = events_rt::nearest_of(stream, known)
        .map(|s| format!(" (did you mean {s:?}?)"))
        .unwrap_or_default();
    eprintln!("error: {stream:?} is not a stream of the catalog{hint}");
    Err(exit::ERROR)
}

/// A single-threaded runtime for the async client.
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::ERROR
        })
}

/// Connects (5 s for the connection and for each command).
pub async fn connect(url: &str) -> Result<Conn, u8> {
    let redis = Redis::from_urls(url)
        .map_err(|e| redis_error(url, &e))?
        .connect_timeout(Duration::from_secs(5));
    redis
        .connect(Duration::from_secs(5))
        .await
        .map_err(|e| redis_error(url, &e))
}

/// Prints a Redis error; the exit status of an input error.
/// Prints a Redis error; the exit status of an input error. Credentials in the URL are
/// never shown (`redis://user:***@host`), nor quoted from the error.
pub fn redis_error(url: &str, e: &redis::RedisError) -> u8 {
    let text = e.to_string();
    eprintln!(
        "error: redis {}: {}",
        events_rt::redact_url(url),
        events_rt::scrub(&text, url)
    );
    exit::ERROR
}

/// Whether `key` is a stream (`false` when absent); an error when it is another type.
pub async fn is_stream(c: &mut Conn, url: &str, key: &str) -> Result<bool, u8> {
    let kind: String = redis::cmd("TYPE")
        .arg(key)
        .query_async(c)
        .await
        .map_err(|e| redis_error(url, &e))?;
    match kind.as_str() {
        "stream" => Ok(true),
        "none" => Ok(false),
        other => {
            eprintln!(
                "error: redis {}: key {key:?} is a {other}, not a stream",
                events_rt::redact_url(url)
            );
            Err(exit::ERROR)
        }
    }
}

/// One row of the report: a stream as one group sees it (no group: `group` is empty).
struct Row {
    exists: bool,
    health: StreamHealth,
    flags: Vec<Flag>,
}

/// Runs `events streams …`.
pub fn run(set: &SchemaSet, cmd: &Command) -> Result<u8, u8> {
    match cmd {
        Command::Status(args) => status(set, args),
    }
}

fn status(set: &SchemaSet, args: &StatusArgs) -> Result<u8, u8> {
    let known = catalog_streams(set);
    let streams = match &args.stream {
        Some(s) => vec![resolve(s, &known)?],
        None => known.clone(),
    };
    let thresholds = Thresholds {
        stream_length: args.max_length,
        pending: args.max_pending,
        lag: Duration::from_secs(args.max_lag_secs),
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
                    health: StreamHealth {
                        stream: stream.to_owned(),
                        ..StreamHealth::default()
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
        Ok::<_, u8>(rows)
    })?;
    let findings = rows.iter().map(|r| r.flags.len()).sum::<usize>();
    let text = match args.format {
        Format::Human => human(&rows, &thresholds, findings),
        Format::Json => json_report(&rows, &thresholds, findings),
    };
    write_out(&mut anstream::stdout().lock(), &text)?;
    Ok(if findings > 0 {
        exit::INVALID
    } else {
        exit::OK
    })
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| format!("{}s", d.as_secs()))
}

fn human(rows: &[Row], t: &Thresholds, findings: usize) -> String {
    let mut table = vec![[
        "stream",
        "group",
        "length",
        "pending",
        "lag",
        "oldest pending",
        "dead letters",
    ]
    .map(str::to_owned)];
    for r in rows {
        let h = &r.health;
        table.push([
            h.stream.clone(),
            if h.group.is_empty() {
                "-".to_owned()
            } else {
                h.group.clone()
            },
            if r.exists {
                h.length.to_string()
            } else {
                "absent".to_owned()
            },
            h.pending.to_string(),
            h.lag.map_or_else(|| "-".to_owned(), |l| l.to_string()),
            secs(h.oldest_pending_age),
            h.dead_letters.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| table.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, cells) in table.iter().enumerate() {
        let mut line = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i < 2 {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            } else {
                line.push_str(&format!("{c:>w$}  ", w = widths[i]));
            }
        }
        if n > 0 {
            let flags = &rows[n - 1].flags;
            if !flags.is_empty() {
                let list: Vec<String> = flags.iter().map(ToString::to_string).collect();
                line.push_str(&format!("! {}", list.join("; ")));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "thresholds (seed 001 §13.2): length > {}, pending > {}, oldest pending > {}s, any dead letter\n",
        t.stream_length,
        t.pending,
        t.lag.as_secs()
    ));
    if findings == 0 {
        out.push_str("ok: nothing over its threshold\n");
    } else {
        out.push_str(&format!("{findings} finding(s)\n"));
    }
    out
}

fn flag_json(f: &Flag) -> serde_json::Value {
    let (kind, value) = match f {
        Flag::StreamLength(n) => ("stream_length", json!(n)),
        Flag::Pending(n) => ("pending", json!(n)),
        Flag::Lag(d) => ("oldest_pending_age_ms", json!(d.as_millis() as u64)),
        Flag::DeadLetters(n) => ("dead_letters", json!(n)),
        Flag::NoConsumers => ("consumers", json!(0)),
    };
    json!({"flag": kind, "value": value, "message": f.to_string()})
}

fn json_report(rows: &[Row], t: &Thresholds, findings: usize) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let h = &r.health;
            json!({
                "stream": h.stream,
                "exists": r.exists,
                "group": if h.group.is_empty() { None } else { Some(&h.group) },
                "length": h.length,
                "pending": h.pending,
                "lag": h.lag,
                "oldest_pending_age_ms": h.oldest_pending_age.map(|d| d.as_millis() as u64),
                "dead_letters": h.dead_letters,
                "flags": r.flags.iter().map(flag_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "thresholds": {
            "stream_length": t.stream_length,
            "pending": t.pending,
            "oldest_pending_age_ms": t.lag.as_millis() as u64,
        },
        "streams": rows,
        "findings": findings,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}
