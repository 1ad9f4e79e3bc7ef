//! The WMS order consumer (seed 001 §4.4, §11.4) written with events-redis: group
//! `wms-consumers` on `listings:events:orders`; `order.confirmed` creates the picking task
//! `wms:picking:<order_id>` (status `created`, items count) idempotently (seed 001 §11.5),
//! `order.cancelled` sets its status to `cancelled`. One line per handled event on stdout.
//!
//! ```sh
//! cargo run -p events-redis --example wms_consumer -- --consumer wms-instance-1 --min-idle 30000
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use events_bus::{Delivery, Handler, HandlerError};
use events_redis::{CancellationToken, Conn, Consumer, Redis};
use events_types::Event;

const GROUP: &str = "wms-consumers";
const STREAM: &str = "listings:events:orders";

/// Consume order events and create picking tasks.
#[derive(Debug, Parser)]
struct Args {
    /// Redis URL (the db index in the URL is honoured).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis: String,
    /// Consumer name in the group (keep it across restarts).
    #[arg(long)]
    consumer: String,
    /// Take over entries other consumers left pending this long (milliseconds).
    #[arg(long)]
    min_idle: u64,
    /// Exit 0 once the group has nothing pending and no entry arrived for SECS seconds.
    #[arg(long)]
    exit_when_idle: Option<u64>,
}

struct Wms {
    conn: Conn,
    started: Instant,
    /// Milliseconds since `started` of the last handled event.
    last: Arc<AtomicU64>,
}

impl Handler<Event> for Wms {
    async fn handle(&self, event: Event, d: &Delivery) -> Result<(), HandlerError> {
        let mut c = self.conn.clone();
        let retry = |e: redis::RedisError| HandlerError::retryable(format!("redis: {e}"));
        let handled = match &event {
            Event::OrderConfirmedV1(e) => {
                let key = format!("wms:picking:{}", e.order_id);
                // HSETNX: a redelivered confirmation neither resets a cancelled task nor
                // creates a second one.
                redis::pipe()
                    .cmd("HSETNX")
                    .arg(&key)
                    .arg("status")
                    .arg("created")
                    .ignore()
                    .cmd("HSETNX")
                    .arg(&key)
                    .arg("items")
                    .arg(e.items.len())
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(retry)?;
                Some(e.order_id)
            }
            Event::OrderCancelledV1(e) => {
                let key = format!("wms:picking:{}", e.order_id);
                redis::cmd("HSET")
                    .arg(&key)
                    .arg("status")
                    .arg("cancelled")
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(retry)?;
                Some(e.order_id)
            }
            _ => None, // other order events: not WMS's business
        };
        if let Some(order_id) = handled {
            println!(
                "{} order_id={order_id} entry={} attempt={}",
                event.event_type(),
                d.id,
                d.attempt
            );
        }
        self.last
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
        Ok(())
    }
}

async fn pending(c: &mut Conn) -> redis::RedisResult<u64> {
    let v: redis::Value = redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(GROUP)
        .query_async(c)
        .await?;
    match v {
        redis::Value::Array(parts) => Ok(parts
            .first()
            .and_then(|v| redis::from_redis_value_ref(v).ok())
            .unwrap_or(0)),
        _ => Ok(0),
    }
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
    let conn = loop {
        match redis.connect(Duration::from_secs(2)).await {
            Ok(c) => break c,
            Err(e) => {
                eprintln!("waiting for redis at {}: {e}", args.redis);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    let started = Instant::now();
    let last = Arc::new(AtomicU64::new(0));
    let min_idle = Duration::from_millis(args.min_idle);
    let handler = Wms {
        conn: conn.clone(),
        started,
        last: last.clone(),
    };
    let consumer = match Consumer::new(redis, GROUP, &args.consumer, handler)
        .event_types(&["order.confirmed", "order.cancelled"])
    {
        Ok(c) => c
            .min_idle(min_idle)
            .handler_timeout((min_idle / 2).min(Duration::from_secs(30)))
            .claim_every(min_idle.min(Duration::from_secs(5)))
            .block(Duration::from_secs(1)),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = CancellationToken::new();
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.cancel();
        });
    }
    if let Some(secs) = args.exit_when_idle {
        let stop = stop.clone();
        let mut c = conn;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let quiet = started.elapsed().as_millis() as u64 - last.load(Ordering::Relaxed);
                if quiet >= secs * 1000 && matches!(pending(&mut c).await, Ok(0)) {
                    stop.cancel();
                    return;
                }
            }
        });
    }
    match consumer.run(stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
