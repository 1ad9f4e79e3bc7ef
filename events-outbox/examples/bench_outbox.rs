//! The outbox's benchmark (`bash bench/outbox.sh`), all in one run on one machine:
//!
//! 1. `enqueue` against a plain `INSERT` of the same JSON, both in the same transactions
//!    (each transaction runs both, in alternating order; each statement timed alone).
//! 2. Relay throughput against the sink's own publish rate of the same events in batches
//!    of the same size, for Kafka and Redis Streams.
//! 3. Relay throughput with 1, 2 and 4 relays.
//!
//! Prints one line per figure (`name value unit`) for the script to collect.

use std::time::{Duration, Instant};

use clap::Parser;
use events_outbox::tokio_postgres::Client;
use events_outbox::{
    connect, migrate, CancellationToken, KafkaSink, Outbox, RedisSink, Relay, Sink,
};
use events_rt::EventSet;
use kafka_orders_events::{samples, Event};

/// Benchmark the outbox.
#[derive(Debug, Parser)]
struct Args {
    /// PostgreSQL.
    #[arg(
        long,
        default_value = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    )]
    pg: String,
    /// Kafka bootstrap brokers (empty: skip Kafka).
    #[arg(long, default_value = "127.0.0.1:9092")]
    kafka: String,
    /// Redis URL with a database of the benchmark's own (empty: skip Redis).
    #[arg(long, default_value = "redis://127.0.0.1:6379/7")]
    redis: String,
    /// Events per throughput run.
    #[arg(long, default_value_t = 20_000)]
    events: u64,
    /// Keys (orders) the events are spread over.
    #[arg(long, default_value_t = 1_000)]
    keys: u64,
    /// Relay batch size (and the sink's batch size for the raw rate).
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Transactions for the enqueue comparison.
    #[arg(long, default_value_t = 5_000)]
    transactions: u64,
    /// Relay counts to run.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    relays: Vec<usize>,
}

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let schema = format!("outbox_bench_{}", std::process::id());
    let mut client = connect(&args.pg).await?;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await?;
    let result = run(&args, &schema, &mut client).await;
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await?;
    result
}

/// The events of a run: `events` status changes over `keys` orders, interleaved.
fn events(n: u64, keys: u64) -> Vec<Event> {
    (0..n)
        .map(|i| samples::status_changed(i % keys + 1, i / keys + 1))
        .collect()
}

async fn run(args: &Args, schema: &str, client: &mut Client) -> Result<(), Error> {
    enqueue_vs_insert(args, schema, client).await?;
    let evs = events(args.events, args.keys);
    if !args.redis.is_empty() {
        let redis = events_redis::Redis::open(&args.redis)?;
        let mut conn = redis.connect(Duration::from_secs(5)).await?;
        let streams: Vec<&str> = vec!["order.status_changed"];
        let sink = || {
            RedisSink::new(
                events_redis::Publisher::new(redis.clone()).timeout(Duration::from_secs(10)),
                redis.clone(),
            )
        };
        let raw = sink_rate(&sink(), &evs, args.batch).await;
        println!("redis_sink_rate {raw:.0} events/s");
        for &n in &args.relays {
            let _: i64 = events_redis::redis::cmd("DEL")
                .arg(&streams)
                .query_async(&mut conn)
                .await?;
            let rate = relay_rate(args, schema, client, &evs, n, &sink).await?;
            println!("redis_relay_rate_{n} {rate:.0} events/s");
            println!("redis_relay_ratio_{n} {:.2} x", rate / raw);
        }
        let _: i64 = events_redis::redis::cmd("DEL")
            .arg(&streams)
            .query_async(&mut conn)
            .await?;
    }
    if !args.kafka.is_empty() {
        let prefix = format!("bench{}.", std::process::id());
        let topics = events_kafka::admin::catalog_topics(&Event::contracts(), &prefix);
        events_kafka::admin::create_missing(&args.kafka, &topics, Some(1)).await?;
        let sink = || {
            KafkaSink::new(
                events_kafka::Publisher::with_timeout(&args.kafka, Duration::from_secs(30))
                    .expect("a Kafka client")
                    .topic_prefix(&prefix),
            )
        };
        let raw = sink_rate(&sink(), &evs, args.batch).await;
        println!("kafka_sink_rate {raw:.0} events/s");
        for &n in &args.relays {
            let rate = relay_rate(args, schema, client, &evs, n, &sink).await?;
            println!("kafka_relay_rate_{n} {rate:.0} events/s");
            println!("kafka_relay_ratio_{n} {:.2} x", rate / raw);
        }
        let names: Vec<String> = topics.into_iter().map(|t| t.name).collect();
        events_kafka::admin::delete_topics(&args.kafka, &names).await?;
    }
    Ok(())
}

/// `enqueue` and a plain INSERT of the same JSON, each timed alone, in the same
/// transactions (alternating which goes first).
async fn enqueue_vs_insert(args: &Args, schema: &str, client: &mut Client) -> Result<(), Error> {
    let outbox = Outbox::new(&format!("{schema}.order_events_outbox"))?;
    migrate(client, &outbox).await?;
    client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.plain (id uuid PRIMARY KEY, payload jsonb NOT NULL)"
        ))
        .await?;
    let plain = client
        .prepare(&format!(
            "INSERT INTO {schema}.plain (id, payload) VALUES ($1::text::uuid, $2::text::jsonb)"
        ))
        .await?;
    let writer = outbox.prepare(client).await?;
    let (mut t_enqueue, mut t_insert) = (Duration::ZERO, Duration::ZERO);
    for i in 0..args.transactions {
        // Two events: one for the outbox, one (another id) for the plain table. Both sides
        // make the JSON from the event (the codec) and insert it.
        let event = samples::status_changed(i + 1, 1);
        let other = samples::status_changed(i + 1, 2);
        let id = events_outbox::Row::of(&other)?.id;
        let tx = client.transaction().await?;
        let insert_plain = || async {
            let json = String::from_utf8(other.encode_json()?)?;
            tx.execute(&plain, &[&id, &json]).await?;
            Ok::<(), Error>(())
        };
        if i % 2 == 0 {
            let t = Instant::now();
            writer.enqueue(&tx, &event).await?;
            t_enqueue += t.elapsed();
            let t = Instant::now();
            insert_plain().await?;
            t_insert += t.elapsed();
        } else {
            let t = Instant::now();
            insert_plain().await?;
            t_insert += t.elapsed();
            let t = Instant::now();
            writer.enqueue(&tx, &event).await?;
            t_enqueue += t.elapsed();
        }
        tx.commit().await?;
    }
    let n = args.transactions as f64;
    let (e, p) = (
        t_enqueue.as_secs_f64() * 1e6 / n,
        t_insert.as_secs_f64() * 1e6 / n,
    );
    println!("enqueue_us {e:.1} us");
    println!("plain_insert_us {p:.1} us");
    println!("enqueue_ratio {:.2} x", e / p);
    client
        .batch_execute(&format!(
            "DROP TABLE {schema}.plain; TRUNCATE {}",
            outbox.table().sql()
        ))
        .await?;
    Ok(())
}

/// The sink publishing the events in batches, awaiting each batch (as the relay does).
async fn sink_rate<S: Sink<Event>>(sink: &S, evs: &[Event], batch: usize) -> f64 {
    let started = Instant::now();
    for chunk in evs.chunks(batch) {
        let meta: Vec<events_outbox::Meta> = chunk
            .iter()
            .map(|e| events_outbox::Meta {
                key: e
                    .message_key(&e.encode_json().expect("encodes"))
                    .ok()
                    .flatten()
                    .map(|k| k.into_owned())
                    .unwrap_or_default(),
                headers: Vec::new(),
            })
            .collect();
        for r in sink.publish(chunk, &meta).await {
            r.expect("the sink publishes");
        }
    }
    evs.len() as f64 / started.elapsed().as_secs_f64()
}

/// Enqueues the events (not timed), then runs `n` relays until every row is published.
async fn relay_rate<S: Sink<Event> + 'static>(
    args: &Args,
    schema: &str,
    client: &mut Client,
    evs: &[Event],
    n: usize,
    sink: &impl Fn() -> S,
) -> Result<f64, Error> {
    let table = format!("{schema}.relay_{n}_{}", std::process::id() % 1000);
    let outbox = Outbox::new(&table)?;
    migrate(client, &outbox).await?;
    for chunk in evs.chunks(1000) {
        let tx = client.transaction().await?;
        outbox.enqueue_batch(&tx, chunk).await?;
        tx.commit().await?;
    }
    let stop = CancellationToken::new();
    let started = Instant::now();
    let mut runs = Vec::new();
    for _ in 0..n {
        let relay: Relay<Event, S> = Relay::new(&args.pg, outbox.clone(), sink()).configure(|c| {
            c.batch_size = args.batch;
            c.rebalance_every = Duration::from_millis(100);
        });
        runs.push(tokio::spawn(relay.run(stop.clone())));
    }
    let count = format!(
        "SELECT count(*) FROM {} WHERE published_at IS NULL",
        outbox.table().sql()
    );
    loop {
        let left: i64 = client.query_one(&count, &[]).await?.get(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    stop.cancel();
    for r in runs {
        r.await?;
    }
    client
        .batch_execute(&format!("DROP TABLE {} CASCADE", outbox.table().sql()))
        .await?;
    Ok(evs.len() as f64 / elapsed.as_secs_f64())
}
