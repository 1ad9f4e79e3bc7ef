//! `events`: validate payloads against the contracts, audit a live stream, list and
//! document the catalog, generate the Rust code, operate Redis streams, RabbitMQ queues
//! and Kafka topics, convert to and from CloudEvents.
//!
//! Exit codes are a contract (the table is in the README): 0 all good, 1 findings (an
//! invalid payload, a refused change, a stale generated file, a flagged stream or queue),
//! 2 usage, schema or input error.

mod amqp;
mod asyncapi;
mod check;
mod cloudevent;
mod diagnostics;
mod dlq;
mod docs;
mod kafka;
mod report;
mod status;
mod streams;
mod validate;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// Validation allocates a JSON tree per payload; mimalloc halves the time spent in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use events_codegen::{Config, SchemaSet};

/// Typed event contracts: validate payloads, audit streams, document and generate.
#[derive(Debug, Parser)]
#[command(name = "events", version, about, long_about = None)]
struct Cli {
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
    /// Write a Markdown event catalog generated from the schemas.
    Docs {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Directory of sample payloads used as examples (default: `samples` beside the schemas).
        #[arg(long)]
        samples: Option<PathBuf>,
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
    Generate {
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// Write nothing: exit 1 when the file differs from what the schemas generate
        /// (stale), 0 when it is up to date. For CI.
        #[arg(long)]
        check: bool,
        /// Closed schemas reject unknown fields in typed decoding.
        #[arg(long)]
        strict: bool,
        /// Path of the runtime crate in the generated code.
        #[arg(long, default_value = "::events_rt")]
        runtime: String,
        /// Types only, for any directory of JSON Schema files (draft-07, 2019-09, 2020-12)
        /// without our `x-event` metadata: one Rust type per file root and per definition
        /// it reaches, no `Event` dispatch.
        #[arg(long)]
        types_only: bool,
        /// With `--types-only`: write a JSON object from each schema file (relative to the
        /// directory) to the name of its root type (`null` for a file of definitions only).
        #[arg(long, requires = "types_only", value_name = "MAP.json")]
        type_map: Option<PathBuf>,
        /// The schema directory (default: `--schemas`).
        dir: Option<PathBuf>,
    },
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
    /// Convert documents between the fleet's envelope and CloudEvents 1.0 forms
    /// (structured, Kafka binary, AMQP binary), one output document per line.
    Cloudevent(cloudevent::Args),
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people (coloured when the output is a terminal).
    Human,
    /// One JSON document.
    Json,
}

/// Exit statuses.
pub mod exit {
    /// Everything valid.
    pub const OK: u8 = 0;
    /// Findings: an invalid payload, a refused change, a stale file, a flagged stream or
    /// queue.
    pub const INVALID: u8 = 1;
    /// Usage, schema or input error (wins over findings).
    pub const ERROR: u8 = 2;
}

/// Loads the schema set, printing its warnings on stderr.
fn load(schemas: &std::path::Path) -> Result<SchemaSet, u8> {
    let set = SchemaSet::load(schemas).map_err(|e| {
        diagnostics::print_errors(&e);
        exit::ERROR
    })?;
    print_warnings(&set);
    Ok(set)
}

/// The linter's warnings of a set, each with its snippet, on stderr.
pub fn print_warnings(set: &SchemaSet) {
    diagnostics::print_warnings(set.warnings());
}

fn run(cli: Cli) -> Result<u8, u8> {
    match cli.command {
        Command::Validate(args) => {
            let set = load(&cli.schemas)?;
            validate::run(&set, &args)
        }
        Command::Check(args) => check::run(&cli.schemas, &args),
        Command::Streams(cmd) => streams::run(&load(&cli.schemas)?, &cmd),
        Command::Dlq(cmd) => dlq::run(&load(&cli.schemas)?, &cmd),
        Command::Amqp(cmd) => amqp::run(&cmd),
        Command::Kafka(cmd) => kafka::run(&load(&cli.schemas)?, &cmd),
        Command::Cloudevent(args) => cloudevent::run(&load(&cli.schemas)?, &args),
        Command::List { format } => {
            let set = load(&cli.schemas)?;
            let mut out = anstream::stdout().lock();
            let text = docs::list(&set, format);
            write_out(&mut out, &text)?;
            Ok(exit::OK)
        }
        Command::Docs { out, samples } => {
            let set = load(&cli.schemas)?;
            // Beside the schema directory, or beside a catalog rule file.
            let samples = samples.unwrap_or_else(|| match cli.schemas.is_file() {
                true => cli.schemas.with_file_name("samples"),
                false => cli.schemas.join("../samples"),
            });
            docs::write(&set, &out, &samples).map_err(|e| {
                eprintln!("error: {e}");
                exit::ERROR
            })?;
            Ok(exit::OK)
        }
        Command::Asyncapi(args) => {
            let set = load(&cli.schemas)?;
            asyncapi::write(&set, &cli.schemas, &args).map_err(|e| {
                eprintln!("error: {e}");
                exit::ERROR
            })?;
            Ok(exit::OK)
        }
        Command::Schema { event_type, major } => {
            let set = load(&cli.schemas)?;
            let event = find_event(&set, &event_type, major).map_err(|e| {
                eprintln!("error: {e} in {}", cli.schemas.display());
                exit::ERROR
            })?;
            let schema =
                events_check::validate::bundle(&set, &event.schema_ref(), &event.event_type);
            let text = format!(
                "{}\n",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            write_out(&mut anstream::stdout().lock(), &text)?;
            Ok(exit::OK)
        }
        Command::Generate {
            out,
            check,
            strict,
            runtime,
            types_only,
            type_map,
            dir,
        } => {
            let dir = dir.unwrap_or(cli.schemas);
            let mut config = Config::new();
            config.strict_unknown_fields(strict).runtime_path(runtime);
            let code = if types_only {
                let types = config.generate_types(&dir).map_err(|e| {
                    diagnostics::print_errors(&e);
                    exit::ERROR
                })?;
                for w in &types.warnings {
                    eprintln!("warning: {w}");
                }
                if let (Some(path), false) = (&type_map, check) {
                    let mut text = serde_json::to_string_pretty(&types.type_map).map_err(|e| {
                        eprintln!("error: {e}");
                        exit::ERROR
                    })?;
                    text.push('\n');
                    std::fs::write(path, text).map_err(|e| {
                        eprintln!("error: cannot write {}: {e}", path.display());
                        exit::ERROR
                    })?;
                }
                types.code
            } else {
                let set = load(&dir)?;
                config.generate_set(&set).map_err(|e| {
                    diagnostics::print_errors(&e);
                    exit::ERROR
                })?
            };
            if check {
                let current = std::fs::read_to_string(&out).unwrap_or_default();
                if current == code {
                    return Ok(exit::OK);
                }
                let line = current
                    .lines()
                    .zip(code.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| current.lines().count().min(code.lines().count()))
                    + 1;
                eprintln!(
                    "stale: {} differs from what the schemas generate (first at line {line}); run `events generate --out {}`",
                    out.display(),
                    out.display()
                );
                return Ok(exit::INVALID);
            }
            std::fs::write(&out, code).map_err(|e| {
                eprintln!("error: cannot write {}: {e}", out.display());
                exit::ERROR
            })?;
            Ok(exit::OK)
        }
    }
}

/// The event of a type (and major version, default the highest), or what is wrong with the
/// name, with the nearest known one.
fn find_event<'a>(
    set: &'a SchemaSet,
    event_type: &str,
    major: Option<u32>,
) -> Result<&'a events_codegen::schema::EventDef, String> {
    let majors: Vec<u32> = set
        .events
        .iter()
        .filter(|e| e.event_type == event_type)
        .map(|e| e.major)
        .collect();
    if majors.is_empty() {
        let mut types: Vec<&str> = set.events.iter().map(|e| e.event_type.as_str()).collect();
        types.dedup();
        let hint = events_rt::nearest_of(event_type, &types)
            .map(|t| format!(" (did you mean {t:?}?)"))
            .unwrap_or_default();
        return Err(format!("no event {event_type:?}{hint}"));
    }
    set.events
        .iter()
        .rfind(|e| e.event_type == event_type && major.is_none_or(|m| e.major == m))
        .ok_or_else(|| {
            let list: Vec<String> = majors.iter().map(u32::to_string).collect();
            format!(
                "{event_type} has no major version {} (it has {})",
                major.unwrap_or_default(),
                list.join(", ")
            )
        })
}

/// Writes to stdout; a closed pipe (`events list | head`) ends quietly.
pub fn write_out(out: &mut impl Write, text: &str) -> Result<(), u8> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(exit::OK),
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            Err(exit::ERROR)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(run(cli).unwrap_or_else(|code| code))
}
