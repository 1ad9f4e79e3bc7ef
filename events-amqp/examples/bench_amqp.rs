//! events-amqp against a raw `lapin` loop, in one run, on the same broker: confirmed
//! publish throughput at the same pipelining, and consume + ack throughput at the same
//! prefetch. Run by `bench/amqp.sh`, which gives it a virtual host of its own.
//!
//! ```sh
//! cargo run --release -p events-amqp --example bench_amqp -- --amqp amqp://guest:guest@127.0.0.1:5672/bench
//! ```

use std::time::{Duration, Instant};

use clap::Parser;
use events_amqp::events_bus::{handler_fn, Delivery};
use events_amqp::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueuePurgeOptions,
};
use events_amqp::lapin::types::FieldTable;
use events_amqp::lapin::{BasicProperties, Channel, Confirmation};
use events_amqp::{declare_topology, Config, Consumer, Message, Publisher, Topology};
use futures_util::StreamExt;
use rabbitmq_orders_events::{Event, OrderCreatedV1};

#[path = "common/orders.rs"]
mod orders;
use orders::order_created as order;

/// Throughput of events-amqp and of raw lapin, alternated over rounds.
#[derive(Debug, Parser)]
struct Args {
    /// Broker URL (a virtual host of the benchmark's own: queues are created in it).
    #[arg(long, default_value = events_amqp::DEFAULT_URL)]
    amqp: String,
    /// Messages per measurement.
    #[arg(long, default_value_t = 20_000)]
    count: u64,
    /// Messages sent before their confirms are awaited (publish), and prefetch (consume).
    #[arg(long, default_value_t = 100)]
    window: u16,
    /// Rounds (each measures both sides); medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// Each side consumes a queue of its own; both are bound to `order.*`, so every
/// published message reaches both.
const RAW_QUEUE: &str = "bench.raw";
const TYPED_QUEUE: &str = "bench.typed";
/// The typed consumer again, one handler at a time (as the raw loop acks).
const SERIAL_QUEUE: &str = "bench.typed1";

async fn purge(ch: &Channel) {
    for q in [RAW_QUEUE, TYPED_QUEUE, SERIAL_QUEUE] {
        ch.queue_purge(q.into(), QueuePurgeOptions::default())
            .await
            .unwrap();
    }
}

/// Raw lapin: the same bodies, `window` publishes then their confirms.
async fn raw_publish(ch: &Channel, bodies: &[Vec<u8>], window: usize) -> f64 {
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(2);
    let t = Instant::now();
    for chunk in bodies.chunks(window) {
        let mut confirms = Vec::with_capacity(chunk.len());
        for body in chunk {
            let c = ch
                .basic_publish(
                    "orders".into(),
                    "order.created".into(),
                    BasicPublishOptions {
                        mandatory: true,
                        ..Default::default()
                    },
                    body,
                    props.clone(),
                )
                .await
                .unwrap();
            confirms.push(c);
        }
        for c in confirms {
            assert!(matches!(c.await.unwrap(), Confirmation::Ack(None)));
        }
    }
    bodies.len() as f64 / t.elapsed().as_secs_f64()
}

/// events-amqp: typed events encoded, properties from the envelope, `publish_batch`.
async fn typed_publish(p: &Publisher, events: &[OrderCreatedV1], window: usize) -> f64 {
    let t = Instant::now();
    for chunk in events.chunks(window) {
        p.publish_batch(chunk).await.unwrap();
    }
    events.len() as f64 / t.elapsed().as_secs_f64()
}

/// Raw lapin: consume and ack each message, no decoding.
async fn raw_consume(conn: &events_amqp::lapin::Connection, n: u64, prefetch: u16) -> f64 {
    let ch = conn.create_channel().await.unwrap();
    ch.basic_qos(prefetch, BasicQosOptions::default())
        .await
        .unwrap();
    let mut consumer = ch
        .basic_consume(
            RAW_QUEUE.into(),
            "raw".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let t = Instant::now();
    let mut got = 0;
    while got < n {
        let d = consumer.next().await.unwrap().unwrap();
        d.acker.ack(BasicAckOptions::default()).await.unwrap();
        got += 1;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    ch.close(200, "bye".into()).await.unwrap();
    rate
}

/// events-amqp: decode into the typed `Event`, a no-op handler, ack.
async fn typed_consume(url: &str, queue: &str, n: u64, prefetch: u16, concurrency: usize) -> f64 {
    let c = Consumer::new(
        Config::new(url, queue)
            .bind("orders", "order.*")
            .prefetch(prefetch)
            .concurrency(concurrency)
            .tag("bench"),
        handler_fn(|_e: Event, _d: Delivery| async { Ok(()) }),
    );
    let (stop, stats) = (c.shutdown_token(), c.stats());
    let t = Instant::now();
    let run = tokio::spawn(c.run());
    while stats.counts().handled < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    stop.cancel();
    run.await.unwrap().unwrap();
    rate
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let window = usize::from(a.window.max(1));
    let publisher = Publisher::connect(&a.amqp).await.unwrap();
    let topology = Topology::of::<Event>()
        .queue(RAW_QUEUE, [("orders", "order.*")])
        .queue(TYPED_QUEUE, [("orders", "order.*")])
        .queue(SERIAL_QUEUE, [("orders", "order.*")]);
    declare_topology(&publisher.channel().await.unwrap(), &topology)
        .await
        .unwrap();
    let conn = events_amqp::connect(&a.amqp, "bench raw").await.unwrap();
    let raw = conn.create_channel().await.unwrap();
    raw.confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let events: Vec<OrderCreatedV1> = (1..=a.count).map(order).collect();
    let bodies: Vec<Vec<u8>> = events
        .iter()
        .map(|e| Message::of(e).unwrap().body)
        .collect();

    let (mut pub_raw, mut pub_typed, mut con_raw, mut con_typed, mut con_serial) =
        (vec![], vec![], vec![], vec![], vec![]);
    for round in 1..=a.rounds {
        purge(&raw).await;
        // Alternate which side goes first.
        let (r, t) = if round % 2 == 1 {
            let r = raw_publish(&raw, &bodies, window).await;
            let t = typed_publish(&publisher, &events, window).await;
            (r, t)
        } else {
            let t = typed_publish(&publisher, &events, window).await;
            let r = raw_publish(&raw, &bodies, window).await;
            (r, t)
        };
        // 2 × count messages wait in each queue now: each consumer takes count of its own.
        let all = usize::from(a.window);
        let (cr, ct, cs) = if round % 2 == 1 {
            let cr = raw_consume(&conn, a.count, a.window).await;
            let ct = typed_consume(&a.amqp, TYPED_QUEUE, a.count, a.window, all).await;
            let cs = typed_consume(&a.amqp, SERIAL_QUEUE, a.count, a.window, 1).await;
            (cr, ct, cs)
        } else {
            let cs = typed_consume(&a.amqp, SERIAL_QUEUE, a.count, a.window, 1).await;
            let ct = typed_consume(&a.amqp, TYPED_QUEUE, a.count, a.window, all).await;
            let cr = raw_consume(&conn, a.count, a.window).await;
            (cr, ct, cs)
        };
        println!(
            "round {round}: publish raw {r:.0}/s events-amqp {t:.0}/s ({:.2}); consume raw {cr:.0}/s events-amqp {ct:.0}/s ({:.2}), one handler at a time {cs:.0}/s ({:.2})",
            t / r,
            ct / cr,
            cs / cr
        );
        pub_raw.push(r);
        pub_typed.push(t);
        con_raw.push(cr);
        con_typed.push(ct);
        con_serial.push(cs);
    }
    let (pr, pt, cr, ct, cs) = (
        median(pub_raw),
        median(pub_typed),
        median(con_raw),
        median(con_typed),
        median(con_serial),
    );
    println!("median: confirmed publish (window {window}): raw lapin {pr:.0}/s, events-amqp {pt:.0}/s, ratio {:.2}", pt / pr);
    println!("median: consume + ack (prefetch {}): raw lapin {cr:.0}/s, events-amqp {ct:.0}/s, ratio {:.2}; one handler at a time {cs:.0}/s, ratio {:.2}", a.window, ct / cr, cs / cr);
    publisher.close().await;
    let _ = conn.close(200, "bye".into()).await;
}
