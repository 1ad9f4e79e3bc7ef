//! `events outbox migrate|status|list|replay|discard`: operating a PostgreSQL outbox table
//! of `events-outbox` (seed 003's `order_events_outbox`), with the output conventions and
//! exit codes of `events streams`, `events amqp` and `events kafka`.

use std::time::Duration;

use clap::{Args, Subcommand};
use events_bus::Thresholds;
use events_outbox::{admin, Outbox};
use serde_json::json;

use crate::error::{CliError, Outcome};
use crate::output::{self, Format};
use crate::status::{self, Column, Names, Report};
use crate::streams::runtime;

/// `events outbox …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the outbox table, its indexes, its dead-letter table and the trigger that
    /// wakes the relays; does nothing for what exists.
    Migrate(Target),
    /// Pending rows, the oldest one's age, rows waiting for a retry, parked rows, keys
    /// held back, relays running. Exit 1 over the thresholds, with a parked row, or with
    /// no relay running.
    Status(StatusArgs),
    /// Parked rows: id, key, event type, tries, the last error, when.
    List(ListArgs),
    /// Put parked rows back in line (their tries reset); the relays publish them and
    /// their keys move on.
    Replay(ReplayArgs),
    /// Move parked rows to the dead-letter table (`<table>_dead`) with a reason; their
    /// keys move on without them.
    Discard(DiscardArgs),
}

/// Which outbox.
#[derive(Debug, Args)]
pub struct Target {
    /// PostgreSQL, a libpq URL or key=value string.
    #[arg(long, env = "DATABASE_URL")]
    pg: String,
    /// The outbox table (`name` or `schema.name`).
    #[arg(long, default_value = events_outbox::SEED_003_TABLE)]
    table: String,
}

/// `events outbox status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    target: Target,
    /// Pending rows above which the outbox is flagged.
    #[arg(long, default_value_t = Thresholds::default().backlog)]
    max_pending: u64,
    /// Age in seconds of the oldest pending row above which it is flagged.
    #[arg(long, default_value_t = Thresholds::default().oldest_age.as_secs())]
    max_age: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events outbox list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    target: Target,
    /// List the parked rows (the only rows listed today).
    #[arg(long, required = true)]
    parked: bool,
    /// At most this many, oldest first.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events outbox replay`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["ids", "all_parked"])))]
pub struct ReplayArgs {
    #[command(flatten)]
    target: Target,
    /// The event id of a parked row (repeat for several).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Every parked row.
    #[arg(long)]
    all_parked: bool,
}

/// `events outbox discard`.
#[derive(Debug, Args)]
pub struct DiscardArgs {
    #[command(flatten)]
    target: Target,
    /// The event id of a parked row (repeat for several).
    #[arg(long = "id", value_name = "ID", required = true)]
    ids: Vec<String>,
    /// Why, kept in the dead-letter table.
    #[arg(long, default_value = "discarded with `events outbox discard`")]
    reason: String,
}

/// Runs `events outbox …`.
pub fn run(cmd: &Command) -> Result<Outcome, CliError> {
    runtime()?.block_on(async {
        match cmd {
            Command::Migrate(t) => migrate(t).await,
            Command::Status(args) => status(args).await,
            Command::List(args) => list(args).await,
            Command::Replay(args) => replay(args).await,
            Command::Discard(args) => discard(args).await,
        }
    })
}

fn outbox(t: &Target) -> Result<Outbox, CliError> {
    Outbox::new(&t.table).map_err(|e| CliError::input(e.to_string()))
}

async fn connect(t: &Target) -> Result<events_outbox::tokio_postgres::Client, CliError> {
    admin::connect(&t.pg)
        .await
        .map_err(|e| CliError::input(format!("{} ({})", e, events_rt::redact_url(&t.pg))))
}

fn failed(e: admin::AdminError) -> CliError {
    CliError::input(e.to_string())
}

async fn migrate(t: &Target) -> Result<Outcome, CliError> {
    let outbox = outbox(t)?;
    let mut client = connect(t).await?;
    admin::migrate(&mut client, &outbox).await.map_err(failed)?;
    output::stdout(&format!(
        "outbox table {} is ready (dead letters: {}_dead)\n",
        outbox.table(),
        outbox.table()
    ))?;
    Ok(Outcome::Success)
}

async fn status(args: &StatusArgs) -> Result<Outcome, CliError> {
    let outbox = outbox(&args.target)?;
    let client = connect(&args.target).await?;
    let s = admin::stats(&client, &outbox).await.map_err(failed)?;
    let thresholds = Thresholds {
        backlog: args.max_pending,
        oldest_age: Duration::from_secs(args.max_age),
        // Rows waiting for a retry are not flagged by count: their age and parking are.
        in_flight: u64::MAX,
    };
    let table = outbox.table().to_string();
    let health = s.channel_health(&table);
    let oldest = s.oldest_pending.map(|d| d.as_secs());
    let row = status::Row::default()
        .cell(table.clone(), table.clone())
        .cell(s.pending.to_string(), s.pending)
        .number(oldest)
        .cell(s.retrying.to_string(), s.retrying)
        .cell(s.parked.to_string(), s.parked)
        .cell(s.blocked_keys.to_string(), s.blocked_keys)
        .cell(s.relays.to_string(), s.relays)
        .cell(s.discarded.to_string(), s.discarded)
        .flagged(health.flags(&thresholds));
    Report {
        columns: vec![
            Column::text("table", "table"),
            Column::number("pending", "pending"),
            Column::number("oldest (s)", "oldest_pending_age_s"),
            Column::number("retrying", "retrying"),
            Column::number("parked", "parked"),
            Column::number("blocked keys", "blocked_keys"),
            Column::number("relays", "relays"),
            Column::number("discarded", "discarded"),
        ],
        rows: vec![row],
        rows_key: "outboxes",
        names: Names::outbox(),
        thresholds_text: format!(
            "thresholds: pending > {}, oldest pending > {}s, any parked row, no relay",
            args.max_pending, args.max_age
        ),
        thresholds: json!({"pending": args.max_pending, "oldest_pending_age_s": args.max_age}),
        notes: Vec::new(),
        extra: Vec::new(),
    }
    .print(args.format)
}

async fn list(args: &ListArgs) -> Result<Outcome, CliError> {
    let outbox = outbox(&args.target)?;
    let client = connect(&args.target).await?;
    let rows = admin::parked(&client, &outbox, args.limit)
        .await
        .map_err(failed)?;
    let text = match args.format {
        Format::Json => {
            let docs: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    json!({"seq": r.seq, "id": r.id, "key": r.key, "event_type": r.event_type,
                           "topic": r.topic, "attempts": r.attempts, "error": r.error,
                           "created_at": r.created_at, "parked_at": r.parked_at})
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(
                    &json!({"table": outbox.table().to_string(), "parked": docs})
                )
                .unwrap_or_default()
            )
        }
        Format::Human => {
            let mut out = String::new();
            for r in &rows {
                out.push_str(&format!(
                    "{}  {}  key {}  {} tries  parked {}\n  error: {}\n",
                    r.id, r.event_type, r.key, r.attempts, r.parked_at, r.error
                ));
            }
            out.push_str(&format!(
                "{} parked row(s) in {}\n",
                rows.len(),
                outbox.table()
            ));
            out
        }
    };
    output::stdout(&text)?;
    Ok(Outcome::Success)
}

async fn replay(args: &ReplayArgs) -> Result<Outcome, CliError> {
    let outbox = outbox(&args.target)?;
    let client = connect(&args.target).await?;
    let ids = (!args.all_parked).then_some(args.ids.as_slice());
    let n = admin::replay(&client, &outbox, ids).await.map_err(failed)?;
    output::stdout(&format!("{n} parked row(s) put back in line\n"))?;
    not_parked(n, args.ids.len(), args.all_parked)
}

async fn discard(args: &DiscardArgs) -> Result<Outcome, CliError> {
    let outbox = outbox(&args.target)?;
    let mut client = connect(&args.target).await?;
    let n = admin::discard(&mut client, &outbox, &args.ids, &args.reason)
        .await
        .map_err(failed)?;
    output::stdout(&format!(
        "{n} parked row(s) moved to {}_dead\n",
        outbox.table()
    ))?;
    not_parked(n, args.ids.len(), false)
}

/// Ids named that were not parked rows are a finding.
fn not_parked(done: u64, asked: usize, all: bool) -> Result<Outcome, CliError> {
    if all || done as usize >= asked {
        return Ok(Outcome::Success);
    }
    Err(CliError::Finding(format!(
        "{} of the {asked} id(s) named are not parked rows of the outbox (unknown, published or not parked)",
        asked - done as usize
    )))
}
