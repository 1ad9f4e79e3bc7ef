//! Consumes seed-002 order events from a queue bound to `order.*` on the `orders`
//! exchange, appending the order id of each handled event to a file, flushed before the
//! message is acknowledged: after a crash (`kill -9`) every order id is in the file at
//! least once.
//!
//! ```sh
//! cargo run -p events-amqp --example amqp_consumer -- --queue notification.orders \
//!     --record handled.txt --exit-when-idle 5
//! ```
//!
//! The queue, its binding, its retry queue (`Q.retry`) and its dead-letter queue
//! (`deadletter.Q`) are declared on start. Stops gracefully on Ctrl-C (handlers in hand
//! finish and are acknowledged).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;
use events_amqp::events_bus::{Delivery, Handler, HandlerError};
use events_amqp::{Config, Consumer};
use rabbitmq_orders_events::Event;

/// Consume order events and record their order ids.
#[derive(Debug, Parser)]
struct Args {
    /// Broker URL.
    #[arg(long, default_value = events_amqp::DEFAULT_URL)]
    amqp: String,
    /// Queue to consume (declared and bound to `order.*` on `orders`).
    #[arg(long)]
    queue: String,
    /// Append the order id of each handled event to this file.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Exit 0 once the queue is empty and nothing arrived for SECS seconds.
    #[arg(long)]
    exit_when_idle: Option<f64>,
    /// Prefetch (`RABBITMQ_PREFETCH`).
    #[arg(long, default_value_t = 10)]
    prefetch: u16,
    /// Milliseconds each handler takes (to test crashes mid-flight).
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
}

struct Recorder {
    file: Option<Mutex<File>>,
    delay: Duration,
}

fn order_id(event: &Event) -> Option<String> {
    let doc = serde_json::to_value(event).ok()?;
    match doc.get("data")?.get("order_id")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl Handler<Event> for Recorder {
    async fn handle(&self, event: Event, _d: &Delivery) -> Result<(), HandlerError> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if let (Some(file), Some(id)) = (&self.file, order_id(&event)) {
            let mut f = file.lock().unwrap();
            // One write per line, straight to the OS: flushed before the ack.
            f.write_all(format!("{id}\n").as_bytes())
                .and_then(|()| f.flush())
                .map_err(|e| HandlerError::retryable(format!("cannot record: {e}")))?;
        }
        Ok(())
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let file = match &args.record {
        Some(p) => Some(Mutex::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => None,
    };
    let mut config = Config::new(&args.amqp, &args.queue)
        .bind("orders", "order.*")
        .prefetch(args.prefetch);
    if let Some(secs) = args.exit_when_idle {
        config = config.exit_when_idle(Duration::try_from_secs_f64(secs)?);
    }
    let consumer = Consumer::new(
        config,
        Recorder {
            file,
            delay: Duration::from_millis(args.delay_ms),
        },
    );
    let stop = consumer.shutdown_token();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let counts = consumer.run().await?;
    println!(
        "handled {}, retried {}, dead-lettered {}, reconnects {}",
        counts.handled, counts.retried, counts.dead_lettered, counts.reconnects
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
