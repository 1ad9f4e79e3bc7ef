//! The listings service's publisher (seed 000) written with events-redis: N
//! `order.confirmed` events with order ids 1..N to `listings:events:orders`, and an
//! `order.cancelled` after every K-th confirmation.
//!
//! ```sh
//! cargo run -p events-redis --example listings_publisher -- --count 1000 --cancel-every 10
//! ```

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use events_redis::{Publisher, Redis};
use events_types::{Event, OrderCancelledV1, OrderConfirmedV1, OrderItem};

/// Publish order events to listings:events:orders.
#[derive(Debug, Parser)]
struct Args {
    /// Redis URL (the db index in the URL is honoured).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis: String,
    /// Number of orders to confirm (order ids 1..=N).
    #[arg(long)]
    count: u64,
    /// Cancel every K-th order after its confirmation.
    #[arg(long)]
    cancel_every: Option<u64>,
}

fn events(args: &Args, now: i64) -> impl Iterator<Item = Event> + '_ {
    (1..=args.count).flat_map(move |id| {
        let order_id = id as i64;
        // 1 to 3 order lines, seed 000's shape.
        let items: Vec<OrderItem> = (0..(id % 3 + 1))
            .map(|line| OrderItem {
                listing_id: 100 + line as i64,
                quantity: 1 + (id % 2) as i32,
                warehouse_id: 1,
            })
            .collect();
        let confirmed = Event::from(OrderConfirmedV1::new(now, order_id, 999, items));
        let cancel = args
            .cancel_every
            .is_some_and(|k| k > 0 && id % k == 0)
            .then(|| Event::from(OrderCancelledV1::new(now, order_id, "customer_request")));
        std::iter::once(confirmed).chain(cancel)
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let redis = match Redis::open(&args.redis) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", args.redis);
            return ExitCode::from(2);
        }
    };
    let publisher = Publisher::new(redis);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (mut confirmed, mut cancelled, mut failed) = (0u64, 0u64, 0u64);
    let all: Vec<Event> = events(&args, now).collect();
    for chunk in all.chunks(500) {
        for (event, result) in chunk.iter().zip(publisher.publish_batch(chunk).await) {
            match (result, event) {
                (Ok(_), Event::OrderConfirmedV1(_)) => confirmed += 1,
                (Ok(_), _) => cancelled += 1,
                (Err(e), _) => {
                    failed += 1;
                    eprintln!("error: {e}");
                }
            }
        }
    }
    println!(
        "published {confirmed} order.confirmed and {cancelled} order.cancelled to listings:events:orders"
    );
    if failed > 0 {
        eprintln!("{failed} events not published");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
