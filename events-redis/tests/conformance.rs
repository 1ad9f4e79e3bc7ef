//! events-redis passes the bus-independent conformance suite (`events_bus::conformance`),
//! each test on its own private redis-server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use events_bus::conformance::{self, Harness};
use events_bus::{Backoff, Handler, RetryPolicy};
use events_redis::dlq::DeadLetter;
use events_redis::{CancellationToken, Conn, Consumer, Publisher, Redis};
use events_rt::redis::StreamEntry;
use events_types::{OrderConfirmedV1, OrderItem};

use common::Server;

const STREAM: &str = "listings:events:orders";
const GROUP: &str = "conformance";

struct RedisBus {
    _server: Server,
    redis: Redis,
    publisher: Publisher,
    conn: Conn,
}

impl RedisBus {
    async fn new() -> Option<Arc<Self>> {
        let server = Server::start()?;
        let redis = Redis::open(&server.url()).unwrap();
        let conn = redis.connect(Duration::from_secs(5)).await.unwrap();
        Some(Arc::new(Self {
            publisher: Publisher::new(redis.clone()).timeout(Duration::from_secs(5)),
            redis,
            conn,
            _server: server,
        }))
    }
}

impl Harness for RedisBus {
    type Event = OrderConfirmedV1;
    type Consumer = (tokio::task::JoinHandle<()>, CancellationToken);

    fn event(&self, n: u64) -> OrderConfirmedV1 {
        let item = OrderItem {
            listing_id: 100,
            quantity: 1,
            warehouse_id: 1,
        };
        OrderConfirmedV1::new(1_734_825_600, n as i64, 77, vec![item])
    }

    fn number(&self, e: &OrderConfirmedV1) -> u64 {
        e.order_id as u64
    }

    async fn publish(&self, events: Vec<OrderConfirmedV1>) {
        for chunk in events.chunks(1_000) {
            for r in self.publisher.publish_batch(chunk).await {
                r.unwrap();
            }
        }
    }

    fn start<H: Handler<OrderConfirmedV1>>(
        &self,
        name: &str,
        concurrency: usize,
        handler: H,
    ) -> Self::Consumer {
        let consumer = Consumer::new(self.redis.clone(), GROUP, name, handler)
            .min_idle(Duration::from_millis(600))
            .handler_timeout(Duration::from_millis(300))
            .claim_every(Duration::from_millis(100))
            .block(Duration::from_millis(200))
            .concurrency(concurrency)
            .breaker(0, Duration::from_secs(1))
            .retry(RetryPolicy {
                backoff: Backoff {
                    base: Duration::from_millis(20),
                    max: Duration::from_millis(200),
                    factor: 2,
                },
                max_deliveries: 3,
            });
        assert_eq!(consumer.stream_names(), [STREAM]);
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move { consumer.run(stop).await.unwrap() }
        });
        (task, stop)
    }

    async fn stop(&self, (task, stop): Self::Consumer) {
        stop.cancel();
        task.await.unwrap();
    }

    async fn crash(&self, (task, _): Self::Consumer) {
        task.abort();
        let _ = task.await;
    }

    async fn pending(&self) -> u64 {
        let v: redis::Value = redis::cmd("XPENDING")
            .arg(STREAM)
            .arg(GROUP)
            .query_async(&mut self.conn.clone())
            .await
            .unwrap();
        match v {
            redis::Value::Array(p) => redis::from_redis_value_ref(&p[0]).unwrap_or(0),
            _ => 0,
        }
    }

    async fn dead_letters(&self) -> Vec<(u64, String)> {
        let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
            .arg(format!("{STREAM}:dlq"))
            .arg("-")
            .arg("+")
            .query_async(&mut self.conn.clone())
            .await
            .unwrap();
        entries
            .iter()
            .map(|e| {
                let d = DeadLetter::from_entry(e);
                assert_eq!((d.stream.as_str(), d.group.as_str()), (STREAM, GROUP));
                assert!(
                    !d.error.is_empty() && d.deliveries >= 1 && d.time_ms > 0,
                    "{d:?}"
                );
                let event: OrderConfirmedV1 = d.decode().unwrap();
                (event.order_id as u64, d.reason)
            })
            .collect()
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

macro_rules! suite {
    ($($name:ident => $call:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(bus) = RedisBus::new().await else { return };
            let f: fn(Arc<RedisBus>) -> _ = $call;
            f(bus).await;
        }
    )*};
}

suite! {
    ordering_per_channel => conformance::ordering_per_channel;
    redelivery_after_crash => conformance::redelivery_after_crash;
    dead_lettering => conformance::dead_lettering;
    graceful_close => conformance::graceful_close;
    twenty_consumers_over_50_000_entries_lose_nothing => |bus| conformance::no_loss_under_concurrent_consumers(bus, 20, 50_000);
}
