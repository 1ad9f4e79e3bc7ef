//! Publishes N seed-002 `order.created` events (order ids `1`..`N`) to the `orders`
//! exchange with routing key `order.created`, each confirmed by the broker.
//!
//! ```sh
//! cargo run -p events-amqp --example amqp_publisher -- --count 1000
//! ```
//!
//! With `--queue NAME` it first declares the consumer's topology (the queue bound to
//! `order.*`, its retry and dead-letter queues), so nothing published before the
//! consumer starts is unroutable. Exit code 0 once every event is confirmed; 1 on the
//! first failure, naming it.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use events_amqp::{declare_topology, Publisher, Topology};
use rabbitmq_orders_events::{Event, OrderCreatedV1};

#[path = "common/orders.rs"]
mod orders;
use orders::order_created as order;

/// Publish `order.created` events with confirms.
#[derive(Debug, Parser)]
struct Args {
    /// Broker URL.
    #[arg(long, default_value = events_amqp::DEFAULT_URL)]
    amqp: String,
    /// Events to publish (order ids 1..=N).
    #[arg(long, default_value_t = 10)]
    count: u64,
    /// Declare this queue (bound to `order.*` on `orders`) before publishing.
    #[arg(long)]
    queue: Option<String>,
    /// Events per pipelined batch (their confirms awaited together).
    #[arg(long, default_value_t = 500)]
    batch: usize,
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let publisher = Publisher::connect(&args.amqp).await?;
    let mut topology = Topology::of::<Event>();
    if let Some(q) = &args.queue {
        topology = topology.queue(q, [("orders", "order.*")]);
    }
    declare_topology(&publisher.channel().await?, &topology).await?;
    let started = Instant::now();
    let ids: Vec<u64> = (1..=args.count).collect();
    for chunk in ids.chunks(args.batch.max(1)) {
        let events: Vec<OrderCreatedV1> = chunk.iter().map(|&n| order(n)).collect();
        publisher.publish_batch(&events).await?;
    }
    publisher.close().await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "published {} order.created events, all confirmed, in {secs:.2}s ({:.0}/s)",
        args.count,
        args.count as f64 / secs.max(1e-9)
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
