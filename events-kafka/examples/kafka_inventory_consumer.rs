//! Seed 003's inventory service: consumes `order.created`, `order.status_changed` and
//! `order.cancelled` in a consumer group and appends `<event_type> <key> <event_id>` for
//! each handled event to a file, flushed before the offset may be committed: after a
//! crash (`kill -9`) every event is in the file at least once.
//!
//! ```sh
//! cargo run -p events-kafka --example kafka_inventory_consumer -- --kafka 127.0.0.1:9092 \
//!     --group inventory-service --record handled.txt --exit-when-idle 5
//! ```
//!
//! Stops gracefully on Ctrl-C (handlers in hand finish, their offsets are committed).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;
use events_kafka::events_bus::{Delivery, Handler, HandlerError};
use events_kafka::{Config, Consumer};
use events_rt::EventSet;
use kafka_orders_events::Event;

/// Consume seed 003's order events as the inventory service.
#[derive(Debug, Parser)]
struct Args {
    /// Bootstrap brokers.
    #[arg(long, default_value = events_kafka::DEFAULT_BROKERS)]
    kafka: String,
    /// Prefix of every topic name (a test's own topics).
    #[arg(long, default_value = "")]
    topic_prefix: String,
    /// Consumer group (seed 003: `inventory-service`).
    #[arg(long, default_value = "inventory-service")]
    group: String,
    /// Append `<event_type> <key> <event_id>` of each handled event to this file.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Exit 0 once nothing arrived and nothing was in hand for SECS seconds.
    #[arg(long)]
    exit_when_idle: Option<f64>,
    /// Topics (default: seed 003's inventory subscriptions).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "order.created,order.status_changed,order.cancelled"
    )]
    topics: Vec<String>,
    /// Milliseconds each handler takes (to test crashes mid-flight).
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// The group's session timeout: how long a crashed consumer's partitions wait
    /// before they are given to another member.
    #[arg(long, default_value_t = 10_000)]
    session_timeout_ms: u64,
    /// Milliseconds between offset commits.
    #[arg(long, default_value_t = 200)]
    commit_ms: u64,
}

struct Inventory {
    file: Option<Mutex<File>>,
    delay: Duration,
}

impl Handler<Event> for Inventory {
    async fn handle(&self, event: Event, _d: &Delivery) -> Result<(), HandlerError> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let json = event.encode_json().map_err(HandlerError::permanent)?;
        let key = event
            .message_key(&json)
            .map_err(HandlerError::permanent)?
            .unwrap_or_default()
            .into_owned();
        let id = events_rt::message_key(&json, "/event_id").map_err(HandlerError::permanent)?;
        if let Some(f) = &self.file {
            let mut f = f
                .lock()
                .map_err(|_| HandlerError::retryable("record file lock"))?;
            // One write per line: `writeln!` on a file writes each piece with its own
            // system call, and a `kill -9` between two of them leaves half a line.
            let line = format!("{} {key} {id}\n", event.type_name());
            f.write_all(line.as_bytes())
                .and_then(|()| f.flush())
                .map_err(HandlerError::retryable)?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let file = match &args.record {
        None => None,
        Some(p) => match OpenOptions::new().create(true).append(true).open(p) {
            Ok(f) => Some(Mutex::new(f)),
            Err(e) => {
                eprintln!("error: cannot open {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
    };
    let mut config = Config::new(&args.kafka, &args.group)
        .topics(args.topics.clone())
        .topic_prefix(&args.topic_prefix)
        .commit_interval(Duration::from_millis(args.commit_ms))
        .set("session.timeout.ms", args.session_timeout_ms.to_string())
        .set(
            "max.poll.interval.ms",
            args.session_timeout_ms.max(10_000).to_string(),
        );
    if let Some(s) = args.exit_when_idle {
        config = config.exit_when_idle(Duration::from_secs_f64(s));
    }
    let consumer = Consumer::<Event, _>::new(
        config,
        Inventory {
            file,
            delay: Duration::from_millis(args.delay_ms),
        },
    );
    let token = consumer.shutdown_token();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            token.cancel();
        }
    });
    match consumer.run().await {
        Ok(c) => {
            eprintln!(
                "handled {}, retried {}, dead-lettered {}, skipped {}",
                c.handled, c.retried, c.dead_lettered, c.skipped
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
