//! `events`: validate payloads against the contracts, audit a live stream, list and
//! document the catalog, generate the Rust code, operate Redis streams, RabbitMQ queues
//! and Kafka topics and PostgreSQL outboxes, convert to and from CloudEvents.
//!
//! The binary (`main.rs`) parses the command line into a [`Cli`] and hands it to [`run`];
//! each command is a module of its own returning how it went, or a [`CliError`];
//! [`finish`] prints that error (the one place errors are printed at the end of a run) and
//! gives the exit code.
//!
//! Exit codes are a contract (the table is in the README): 0 all good, 1 findings (an
//! invalid payload, a refused change, a stale generated file, a flagged stream or queue),
//! 2 usage, schema or input error.

mod amqp;
mod asyncapi;
mod catalog;
mod check;
mod cloudevent;
mod diagnostics;
mod dlq;
mod docs;
mod error;
mod generate;
mod kafka;
mod outbox;
mod output;
mod report;
mod site;
mod status;
mod streams;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use error::{CliError, Outcome};
pub use output::finish;
use output::Format;

/// Typed event contracts: validate payloads, audit streams, document and generate.
#[derive(Debug, Parser)]
#[command(name = "events", version, about, long_about = None)]
pub struct Cli {
    /// Directory of the contract schemas, or a catalog rule file (see the README).
    #[arg(long, global = true, env = "EVENTS_SCHEMAS", default_value = "schemas")]
    schemas: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate payloads (files, directories, globs, `-` for stdin, or a live Redis stream).
    ///
    /// Reads JSON documents, JSON arrays, NDJSON, Redis field maps (a JSON object of string
    /// values) and `redis-cli --json XRANGE` output. Each payload is dispatched on its type
    /// and version field to its schema.
    Validate(validate::Args),
    /// Check schema changes against a git revision or directory: every change bumps the
    /// version, compatible changes the minor, breaking ones need a new major file.
    Check(check::Args),
    /// List the catalog: event type, version, stream or topic, producer, consumers.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write the event catalog generated from the schemas: Markdown, or a site (`--html`).
    ///
    /// The site is static and self-contained: a map of producers, channels and consumers,
    /// a page per service, per channel and per event and major version, a search box.
    Docs {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Write a self-contained static HTML site instead of Markdown (opens from
        /// `file://`; publish the directory as it is).
        #[arg(long)]
        html: bool,
        /// Directory of sample payloads used as examples (default: `samples` beside the schemas).
        #[arg(long)]
        samples: Option<PathBuf>,
        /// With `--html`: each event page lists every version of its schema file in the
        /// git commits reachable from this revision (`all`: the whole history of `HEAD`),
        /// each with the `events check` findings against the version before it.
        #[arg(long, value_name = "REF", requires = "html")]
        history: Option<String>,
    },
    /// Print the self-contained JSON Schema of one event's whole document (envelope and
    /// payload composed, references inlined), for other tools.
    Schema {
        /// Event type, e.g. `order.confirmed`.
        event_type: String,
        /// Major version (default: the highest).
        #[arg(long)]
        major: Option<u32>,
    },
    /// Write the Rust code the build script would generate (for crates that check the
    /// generated code in instead of running a build script).
    Generate(generate::Args),
    /// Write the catalog as an AsyncAPI 3.0 document (`.json`, `.yaml`).
    ///
    /// A channel per stream, topic or exchange; a message per event type and major version
    /// (its payload the whole document on the wire, its headers the envelope's header
    /// fields); a send operation per producer and a receive operation per consumer of
    /// each channel.
    Asyncapi(asyncapi::Args),
    /// Live streams of the catalog: length, groups, pending, lag, dead letters.
    #[command(subcommand)]
    Streams(streams::Command),
    /// Dead-letter streams: list entries with their errors, replay them after a fix.
    #[command(subcommand)]
    Dlq(dlq::Command),
    /// RabbitMQ queues of `events-amqp` consumers: depth, consumers, retries, dead letters;
    /// list and replay dead letters.
    #[command(subcommand)]
    Amqp(amqp::Command),
    /// Kafka topics of the catalog: drift from the brokers' (and creating the missing
    /// ones), consumer lag per partition, dead-letter topics.
    #[command(subcommand)]
    Kafka(kafka::Command),
    /// PostgreSQL outbox tables of `events-outbox` (seed 003's `order_events_outbox`):
    /// create one, pending and parked rows, replay or discard parked rows.
    #[command(subcommand)]
    Outbox(outbox::Command),
    /// Convert documents between the fleet's envelope and CloudEvents 1.0 forms
    /// (structured, Kafka binary, AMQP binary), one output document per line.
    Cloudevent(cloudevent::Args),
}

/// Runs a command: how it went, or what stopped it (not printed yet: see [`finish`]).
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    let schemas = cli.schemas;
    match cli.command {
        Command::Validate(args) => std::thread::scope(|s| {
            // The inputs are listed (a walk of the directories named) while the schemas load.
            let inputs = s.spawn(|| validate::inputs(&args));
            let loaded = catalog::load_with_ir(&schemas);
            let inputs = inputs
                .join()
                .map_err(|_| CliError::input("listing the inputs failed"))?;
            let (set, ir) = loaded?;
            validate::run(&set, ir, inputs, &args)
        }),
        Command::Check(args) => check::run(&schemas, &args),
        Command::Streams(cmd) => streams::run(&catalog::load(&schemas)?, &cmd),
        Command::Dlq(cmd) => dlq::run(&catalog::load(&schemas)?, &cmd),
        Command::Amqp(cmd) => amqp::run(&cmd),
        Command::Kafka(cmd) => kafka::run(&catalog::load(&schemas)?, &cmd),
        Command::Outbox(cmd) => outbox::run(&cmd),
        Command::Cloudevent(args) => cloudevent::run(&catalog::load(&schemas)?, &args),
        Command::Generate(args) => generate::run(&schemas, args),
        Command::List { format } => {
            let set = catalog::load(&schemas)?;
            output::stdout(&docs::list(&set, format))?;
            Ok(Outcome::Success)
        }
        Command::Docs {
            out,
            html,
            samples,
            history,
        } => {
            let set = catalog::load(&schemas)?;
            // Beside the schema directory, or beside a catalog rule file.
            let samples = samples.unwrap_or_else(|| match schemas.is_file() {
                true => schemas.with_file_name("samples"),
                false => schemas.join("../samples"),
            });
            match html {
                true => site::write(&set, &schemas, &out, &samples, history.as_deref()),
                false => docs::write(&set, &out, &samples),
            }
            .map_err(CliError::Input)?;
            Ok(Outcome::Success)
        }
        Command::Asyncapi(args) => {
            let set = catalog::load(&schemas)?;
            asyncapi::write(&set, &schemas, &args).map_err(CliError::Input)?;
            Ok(Outcome::Success)
        }
        Command::Schema { event_type, major } => {
            let set = catalog::load(&schemas)?;
            let event = catalog::find_event(&set, &event_type, major)
                .map_err(|e| CliError::input(format!("{e} in {}", schemas.display())))?;
            let schema =
                events_check::validate::bundle(&set, &event.schema_ref(), &event.event_type);
            let text = format!(
                "{}\n",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            output::stdout(&text)?;
            Ok(Outcome::Success)
        }
    }
}
