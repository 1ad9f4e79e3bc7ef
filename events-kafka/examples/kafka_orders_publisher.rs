//! Publishes seed 003's `order.created` for N orders to the `order.created` topic, keyed
//! by order id (order ids derived from 1..N), and prints the number acknowledged.
//!
//! ```sh
//! tools/kafka-broker.sh start
//! cargo run -p events-kafka --example kafka_orders_publisher -- --kafka 127.0.0.1:9092 --count 1000
//! ```

use std::process::ExitCode;

use clap::Parser;
use events_kafka::cloudevents::Mode;
use events_kafka::Publisher;
use kafka_orders_events::Event;

/// Publish seed 003 `order.created` events.
#[derive(Debug, Parser)]
struct Args {
    /// Bootstrap brokers.
    #[arg(long, default_value = events_kafka::DEFAULT_BROKERS)]
    kafka: String,
    /// Prefix of every topic name (a test's own topics).
    #[arg(long, default_value = "")]
    topic_prefix: String,
    /// Number of orders.
    #[arg(long)]
    count: u64,
    /// The first order number (order ids are derived from first..first+count).
    #[arg(long, default_value_t = 1)]
    first: u64,
    /// Events per pipelined batch.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Wire form: envelope, binary or structured (CloudEvents).
    #[arg(long, default_value = "envelope")]
    mode: Mode,
}

/// The sample `order.created` of seed 003, for order number `n`.
fn order_created(n: u64) -> Event {
    let mut doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../examples/kafka-orders/samples/json/003-01-order.created.json"
    ))
    .expect("the sample is JSON");
    doc["event_id"] = format!("9a1c0001-0000-4000-8000-{n:012}").into();
    doc["data"]["order_id"] = format!("3f2c8a1e-0000-4000-8000-{n:012}").into();
    doc["data"]["order_number"] = format!("ORD-2025-{n:06}").into();
    Event::from_json(&serde_json::to_vec(&doc).expect("JSON")).expect("the sample decodes")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let publisher = match Publisher::new(&args.kafka) {
        Ok(p) => p.mode(args.mode).topic_prefix(&args.topic_prefix),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut sent = 0u64;
    let mut failed = 0u64;
    let numbers: Vec<u64> = (args.first..args.first + args.count).collect();
    for chunk in numbers.chunks(args.batch.max(1)) {
        let events: Vec<Event> = chunk.iter().map(|n| order_created(*n)).collect();
        for r in publisher.publish_batch(&events).await {
            match r {
                Ok(_) => sent += 1,
                Err(e) => {
                    failed += 1;
                    if failed <= 5 {
                        eprintln!("error: {e}");
                    }
                }
            }
        }
    }
    println!("{sent}");
    if failed > 0 {
        eprintln!("{failed} events were not acknowledged");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
