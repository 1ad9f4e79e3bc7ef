//! `events amqp status` and `events amqp dlq list|replay`: the RabbitMQ counterparts of
//! `events streams status` and `events dlq …`, for the queues `events-amqp` consumers
//! declare. A queue `Q` comes with its retry queue `Q.retry` (rejected messages wait out
//! the retry delay there) and its dead-letter queue `deadletter.Q` (what failed for good,
//! with the reason in its headers).
//!
//! Queues are not contract metadata (the catalog names exchanges and routing keys), so
//! these commands take queue names as they are and need no schemas.

use clap::{Args, Subcommand};
use events_amqp::dlq::DeadLetter;
use events_amqp::events_bus::{Flag, Thresholds};
use events_amqp::health::{queue_status, QueueStatus};
use events_amqp::lapin::Connection;
use events_amqp::{AmqpError, QueueNames, Topology};
use serde_json::json;

use crate::error::{CliError, Outcome};
use crate::output::{self, Format};
use crate::status::{self, Column, Names, Report};
use crate::streams::runtime;

/// `events amqp …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Depth, consumers, messages waiting in `Q.retry` and dead letters in `deadletter.Q`
    /// of each queue, flagged against seed 002's alert thresholds (depth over 10,000, no
    /// consumer) and on any dead letter. Exit 1 when something is flagged, 2 when a queue
    /// does not exist.
    Status(StatusArgs),
    /// A queue's dead letters (`deadletter.Q`): list them with their errors, replay them
    /// after a fix.
    #[command(subcommand)]
    Dlq(DlqCommand),
}

/// `events amqp dlq …`.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Show a queue's dead letters, oldest first, without taking them: message id, event
    /// type, reason, error, attempts, when, and the start of the body.
    List(ListArgs),
    /// Send a queue's dead letters back to it (through the default exchange, confirmed),
    /// taking each off the dead-letter queue only once the broker has its copy. Their
    /// retries count afresh.
    Replay(ReplayArgs),
}

/// Where the broker is, and how the consumers named their dead-letter queues.
#[derive(Debug, Args)]
pub struct Broker {
    /// Broker URL, `amqp://user:password@host:port/vhost` (`%2f` is the vhost `/`). Pass
    /// it in `RABBITMQ_URL` to keep the password out of the process list.
    #[arg(long, env = "RABBITMQ_URL", hide_env_values = true, default_value = events_amqp::DEFAULT_URL)]
    pub amqp: String,
    /// The dead-letter exchange the consumers publish to; the dead-letter queue of `Q` is
    /// `<exchange>.Q`.
    #[arg(long, default_value = events_amqp::DEAD_LETTER_EXCHANGE)]
    pub dead_letter_exchange: String,
}

impl Broker {
    /// The names of `queue`, its retry and its dead-letter queue.
    fn names(&self, queue: &str) -> QueueNames {
        Topology::default()
            .dead_letter_exchange(&self.dead_letter_exchange)
            .names(queue)
    }
}

/// `events amqp status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    broker: Broker,
    /// A queue to report (repeat for several).
    #[arg(long = "queue", value_name = "QUEUE", required = true)]
    queues: Vec<String>,
    /// Depth (messages ready) above which a queue is flagged (seed 002: 10,000).
    #[arg(long, default_value_t = Thresholds::default().backlog)]
    max_depth: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events amqp dlq list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    broker: Broker,
    /// The queue whose dead letters to show (they are in `deadletter.QUEUE`).
    #[arg(long)]
    queue: String,
    /// At most this many dead letters, oldest first.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events amqp dlq replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    broker: Broker,
    /// The queue whose dead letters to replay.
    #[arg(long)]
    queue: String,
    /// At most this many, oldest first (default: every dead letter there when the command
    /// starts; one dead-lettered again meanwhile is not replayed twice).
    #[arg(long)]
    limit: Option<usize>,
}

/// Runs `events amqp …`.
pub fn run(cmd: &Command) -> Result<Outcome, CliError> {
    match cmd {
        Command::Status(args) => status(args),
        Command::Dlq(DlqCommand::List(args)) => list(args),
        Command::Dlq(DlqCommand::Replay(args)) => replay(args),
    }
}

/// A broker error, an input error. The URL's password is never shown, nor quoted from the
/// error.
fn amqp_error(url: &str, e: &AmqpError) -> CliError {
    let shown = events_rt::redact_url(url);
    CliError::input(match e {
        // Only the reason is scrubbed: the URL is redacted already (scrubbing it too would
        // hide a user named like the password).
        AmqpError::Connect { reason, .. } => format!(
            "cannot connect to {shown}: {}",
            events_rt::scrub(reason, url)
        ),
        e => format!("{shown}: {}", events_rt::scrub(&e.to_string(), url)),
    })
}

async fn connect(url: &str, name: &str) -> Result<Connection, CliError> {
    events_amqp::connect(url, name)
        .await
        .map_err(|e| amqp_error(url, &e))
}

async fn close(conn: Connection) {
    let _ = conn.close(200, "bye".into()).await;
}

/// The figures of one queue, as one group sees a stream.
struct Row {
    names: QueueNames,
    status: QueueStatus,
    flags: Vec<Flag>,
}

fn status(args: &StatusArgs) -> Result<Outcome, CliError> {
    let url = &args.broker.amqp;
    let thresholds = Thresholds {
        backlog: args.max_depth,
        ..Thresholds::default()
    };
    let rows = runtime()?.block_on(async {
        let conn = connect(url, "events amqp status").await?;
        let mut rows = Vec::new();
        for queue in &args.queues {
            let names = args.broker.names(queue);
            let status = match queue_status(&conn, &names).await {
                Ok(s) => s,
                Err(e) => {
                    close(conn).await;
                    return Err(amqp_error(url, &e));
                }
            };
            let flags = status.health.flags(&thresholds);
            rows.push(Row {
                names,
                status,
                flags,
            });
        }
        close(conn).await;
        Ok::<_, CliError>(rows)
    })?;
    let absent: Vec<&str> = rows
        .iter()
        .filter(|r| !r.status.exists)
        .map(|r| r.names.queue.as_str())
        .collect();
    let outcome = status_report(&rows, &thresholds).print(args.format)?;
    if !absent.is_empty() {
        for q in &absent {
            output::error(&CliError::input(format!(
                "queue `{q}` does not exist on {} (its consumer declares it; is the name or the vhost right?)",
                events_rt::redact_url(url)
            )));
        }
        return Ok(Outcome::Errors);
    }
    Ok(outcome)
}

fn status_report(rows: &[Row], t: &Thresholds) -> Report {
    let absent = rows.iter().filter(|r| !r.status.exists).count();
    Report {
        columns: vec![
            Column::text("queue", "queue"),
            Column::number("depth", "depth"),
            Column::number("consumers", "consumers"),
            Column::number("retrying", "retrying"),
            Column::number("dead letters", "dead_letters"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                let h = &r.status.health;
                let depth = if r.status.exists {
                    h.backlog.to_string()
                } else {
                    "absent".to_owned()
                };
                status::Row::default()
                    .cell(r.names.queue.clone(), r.names.queue.clone())
                    .cell(depth, h.backlog)
                    .number(h.consumers.filter(|_| r.status.exists))
                    .cell(r.status.retrying.to_string(), r.status.retrying)
                    .cell(h.dead_letters.to_string(), h.dead_letters)
                    .extra("exists", r.status.exists)
                    .extra("retry_queue", r.names.retry.clone())
                    .extra("dead_letter_queue", r.names.dead_letter.clone())
                    .flagged(r.flags.clone())
            })
            .collect(),
        rows_key: "queues",
        names: Names::queue(),
        thresholds_text: format!(
            "thresholds (seed 002 Key Metrics): depth > {}, no consumer, any dead letter",
            t.backlog
        ),
        thresholds: json!({ "depth": t.backlog }),
        notes: if absent > 0 {
            vec![format!("{absent} queue(s) absent")]
        } else {
            Vec::new()
        },
        extra: Vec::new(),
    }
}

/// The event type of a dead letter: its `type` property, else the body's `type` or `name`
/// (seed 004's envelope, whose publisher sets no `type` property).
fn event_type(d: &DeadLetter) -> Option<String> {
    if let Some(t) = &d.event_type {
        return Some(t.clone());
    }
    let doc: serde_json::Value = serde_json::from_slice(&d.body).ok()?;
    ["type", "name"]
        .iter()
        .find_map(|k| doc.get(*k)?.as_str().map(str::to_owned))
}

/// The body as text, cut to [`events_rt::MAX_ECHO`] characters.
fn body(d: &DeadLetter) -> String {
    events_rt::echo(&String::from_utf8_lossy(&d.body))
}

fn list(args: &ListArgs) -> Result<Outcome, CliError> {
    let url = &args.broker.amqp;
    let names = args.broker.names(&args.queue);
    let (total, letters) = runtime()?.block_on(async {
        let conn = connect(url, "events amqp dlq list").await?;
        let result = async {
            let total = queue_status(&conn, &names).await?.health.dead_letters;
            let letters = events_amqp::dlq::list(&conn, &names.dead_letter, args.limit).await?;
            Ok::<_, AmqpError>((total, letters))
        }
        .await;
        close(conn).await;
        result.map_err(|e| match e {
            AmqpError::NotFound { .. } => CliError::input(format!(
                "no dead-letter queue `{}` on {} (a consumer of `{}` declares it; is the name or the vhost right?)",
                names.dead_letter,
                events_rt::redact_url(url),
                names.queue
            )),
            e => amqp_error(url, &e),
        })
    })?;
    // Read after the count: more may have arrived in between.
    let total = total.max(letters.len() as u64);
    let text = match args.format {
        Format::Human => {
            let mut out = format!("{}: {total} dead-lettered\n", names.dead_letter);
            for d in &letters {
                let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
                out.push_str(&format!(
                    "  {}  {}  {} after {} attempt(s) at {}\n    error: {}\n    body: {}\n",
                    or(&d.message_id),
                    event_type(d).unwrap_or_else(|| "?".to_owned()),
                    or(&d.reason),
                    d.attempts.map_or_else(|| "?".to_owned(), |n| n.to_string()),
                    or(&d.dead_lettered_at),
                    or(&d.error),
                    body(d),
                ));
            }
            if (letters.len() as u64) < total {
                out.push_str(&format!(
                    "  … {} more (--limit)\n",
                    total - letters.len() as u64
                ));
            }
            out
        }
        Format::Json => {
            let entries: Vec<serde_json::Value> = letters
                .iter()
                .map(|d| {
                    json!({
                        "message_id": d.message_id,
                        "event_type": event_type(d),
                        "reason": d.reason,
                        "error": d.error,
                        "attempts": d.attempts,
                        "dead_lettered_at": d.dead_lettered_at,
                        "queue": d.queue,
                        "exchange": d.exchange,
                        "routing_key": d.routing_key,
                        "body": body(d),
                        "body_bytes": d.body.len(),
                    })
                })
                .collect();
            let doc = json!({
                "queue": names.queue,
                "dead_letter_queue": names.dead_letter,
                "length": total,
                "dead_letters": entries,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    };
    output::stdout(&text)?;
    Ok(Outcome::Success)
}

fn replay(args: &ReplayArgs) -> Result<Outcome, CliError> {
    let url = &args.broker.amqp;
    let names = args.broker.names(&args.queue);
    let (replayed, left) = runtime()?.block_on(async {
        let conn = connect(url, "events amqp dlq replay").await?;
        let result = async {
            let before = queue_status(&conn, &names).await?;
            if !before.exists {
                return Ok(None);
            }
            // What is there now, at most: a message that fails again while this runs
            // comes back to the dead-letter queue and must not be replayed in a loop.
            let there = usize::try_from(before.health.dead_letters).unwrap_or(usize::MAX);
            let limit = args.limit.map_or(there, |n| n.min(there));
            let replayed =
                events_amqp::dlq::replay(&conn, &names.dead_letter, Some(&names.queue), limit)
                    .await?;
            let after = queue_status(&conn, &names).await?;
            Ok::<_, AmqpError>(Some((replayed, after.health.dead_letters)))
        }
        .await;
        close(conn).await;
        match result {
            Ok(Some(r)) => Ok(r),
            Ok(None) => Err(CliError::input(format!(
                "queue `{}` does not exist on {}; nothing replayed (is the name or the vhost right?)",
                names.queue,
                events_rt::redact_url(url)
            ))),
            Err(e) => Err(amqp_error(url, &e)),
        }
    })?;
    output::stdout(&format!(
        "{replayed} dead letters replayed from {} to {} ({left} left)\n",
        names.dead_letter, names.queue
    ))?;
    Ok(Outcome::Success)
}
