//! Seed 003's order service, as far as the outbox goes: each order is created in one
//! transaction that inserts its row and enqueues `order.created`, then changed `--updates`
//! times, each change a transaction that updates the row and enqueues
//! `order.status_changed`. Every `--rollback-every`-th transaction is rolled back after its
//! enqueue (its event must never be published). Prints the number of committed events.
//!
//! ```sh
//! cargo run -p events-outbox --example order_service -- --pg postgres://postgres@127.0.0.1/test --orders 100 --updates 3
//! ```
//!
//! The orders are interleaved (order 1's creation, order 2's, …, then order 1's first
//! change, …) over `--writers` connections, so many keys are in flight at once. Each
//! change locks its order's row first (`SELECT … FOR UPDATE`), which keeps one order's
//! events committing in `seq` order.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use clap::Parser;
use events_outbox::{connect, migrate, Outbox};
use kafka_orders_events::samples;

/// Write orders and their events through the outbox.
#[derive(Debug, Parser)]
struct Args {
    /// PostgreSQL (libpq URL or key=value string).
    #[arg(long)]
    pg: String,
    /// Number of orders (order numbers 1..=N, or from `--first`).
    #[arg(long)]
    orders: u64,
    /// Status changes per order.
    #[arg(long, default_value_t = 0)]
    updates: u64,
    /// Roll back every R-th transaction after its enqueue (0: none).
    #[arg(long, default_value_t = 0)]
    rollback_every: u64,
    /// The outbox table (`name` or `schema.name`); created when missing.
    #[arg(long, default_value = events_outbox::SEED_003_TABLE)]
    table: String,
    /// The orders table, in the outbox's schema; created when missing.
    #[arg(long, default_value = "orders")]
    orders_table: String,
    /// The first order number.
    #[arg(long, default_value_t = 1)]
    first: u64,
    /// Concurrent writer connections.
    #[arg(long, default_value_t = 4)]
    writers: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(n) => {
            println!("{n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", events_outbox::error_line(e.as_ref()));
            ExitCode::from(2)
        }
    }
}

/// A PostgreSQL error with the server's message.
fn pg_err(e: events_outbox::tokio_postgres::Error) -> String {
    format!("PostgreSQL: {}", events_outbox::pg_message(&e))
}

async fn run(args: &Args) -> Result<u64, Box<dyn std::error::Error>> {
    let outbox = Outbox::new(&args.table)?;
    let orders_table = match outbox.table().schema() {
        Some(s) => format!("\"{s}\".\"{}\"", args.orders_table),
        None => format!("\"{}\"", args.orders_table),
    };
    {
        let mut client = connect(&args.pg).await?;
        migrate(&mut client, &outbox).await?;
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {orders_table} (id text PRIMARY KEY, status text NOT NULL, changes int NOT NULL DEFAULT 0)"
            ))
            .await?;
    }
    // Transactions are numbered in the order they are scheduled: round r of order i is
    // r * orders + (i - first) + 1.
    let committed = Arc::new(AtomicU64::new(0));
    let writers = args.writers.clamp(1, args.orders.max(1));
    let mut tasks = Vec::new();
    for w in 0..writers {
        let pg = args.pg.clone();
        let outbox = outbox.clone();
        let orders_table = orders_table.clone();
        let committed = committed.clone();
        let (first, orders, updates, every) =
            (args.first, args.orders, args.updates, args.rollback_every);
        tasks.push(tokio::spawn(async move {
            let mut client = connect(&pg).await.map_err(|e| e.to_string())?;
            // The insert prepared once on this connection.
            let writer = outbox.prepare(&client).await.map_err(|e| e.to_string())?;
            for round in 0..=updates {
                for i in (0..orders).filter(|i| i % writers == w) {
                    let order = first + i;
                    let number = round * orders + i + 1;
                    let rollback = every > 0 && number % every == 0;
                    let id = samples::order_id(order);
                    let tx = client.transaction().await.map_err(pg_err)?;
                    let event = if round == 0 {
                        tx.execute(
                            &format!("INSERT INTO {orders_table} (id, status) VALUES ($1, 'pending') ON CONFLICT (id) DO NOTHING"),
                            &[&id],
                        )
                        .await.map_err(pg_err)?;
                        samples::order_created(order)
                    } else {
                        // Lock the order first: its events commit in `seq` order.
                        tx.execute(&format!("SELECT 1 FROM {orders_table} WHERE id = $1 FOR UPDATE"), &[&id])
                            .await.map_err(pg_err)?;
                        tx.execute(
                            &format!("UPDATE {orders_table} SET status = $2, changes = changes + 1 WHERE id = $1"),
                            &[&id, &format!("step {round}")],
                        )
                        .await.map_err(pg_err)?;
                        samples::status_changed(order, round)
                    };
                    writer.enqueue(&tx, &event).await.map_err(|e| e.to_string())?;
                    if rollback {
                        tx.rollback().await.map_err(pg_err)?;
                    } else {
                        tx.commit().await.map_err(pg_err)?;
                        committed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(committed.load(Ordering::Relaxed))
}
