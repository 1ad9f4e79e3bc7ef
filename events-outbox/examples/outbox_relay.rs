//! One outbox relay for seed 003's set: publishes the committed rows of
//! `order_events_outbox` to Kafka (or Redis Streams, or RabbitMQ), each order's events in
//! order. Several may run at once; they share the orders by key. Prints the number of rows
//! it published when it stops (Ctrl-C, or `--exit-when-idle`).
//!
//! ```sh
//! tools/kafka-broker.sh start
//! cargo run -p events-outbox --example outbox_relay -- --pg postgres://postgres@127.0.0.1/test --kafka 127.0.0.1:9092 --exit-when-idle 5
//! ```
//!
//! The catalog's topics (Kafka) or exchanges (RabbitMQ) are created when missing.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use events_outbox::{
    connect, migrate, AmqpSink, CancellationToken, KafkaSink, Outbox, Probe, RedisSink, Relay, Sink,
};
use events_rt::EventSet;
use kafka_orders_events::Event;

/// Relay an outbox table to a bus.
#[derive(Debug, Parser)]
#[command(group(clap::ArgGroup::new("bus").required(true).args(["kafka", "redis", "amqp"])))]
struct Args {
    /// PostgreSQL (libpq URL or key=value string).
    #[arg(long)]
    pg: String,
    /// Kafka bootstrap brokers.
    #[arg(long)]
    kafka: Option<String>,
    /// Redis URL (Redis Streams).
    #[arg(long)]
    redis: Option<String>,
    /// RabbitMQ URL.
    #[arg(long)]
    amqp: Option<String>,
    /// The outbox table (`name` or `schema.name`); created when missing.
    #[arg(long, default_value = events_outbox::SEED_003_TABLE)]
    table: String,
    /// Stop after this many seconds without a row published.
    #[arg(long, value_name = "SECS")]
    exit_when_idle: Option<f64>,
    /// Rows per batch (seed 003: 10).
    #[arg(long, default_value_t = 10)]
    batch_size: usize,
    /// Longest sleep without a notification, in milliseconds (seed 003: 5000).
    #[arg(long, default_value_t = 5000)]
    poll_ms: u64,
    /// Retries before a failing row is parked (seed 003: 3).
    #[arg(long, default_value_t = 3)]
    max_retries: u32,
    /// First retry's wait in milliseconds (doubling up to 60 s).
    #[arg(long, default_value_t = 1000)]
    backoff_ms: u64,
    /// Kafka: a prefix before every topic name (a test's own topics).
    #[arg(long, default_value = "")]
    topic_prefix: String,
    /// Kafka: the publish timeout in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Fault injection for tests: milliseconds between a batch's acknowledgement and its
    /// mark (a `kill -9` then lands between publish and mark).
    #[arg(long, default_value_t = 0)]
    hold_before_mark_ms: u64,
    /// RabbitMQ: a queue to declare and bind to every exchange of the set (`#`).
    #[arg(long)]
    amqp_queue: Option<String>,
}

#[tokio::main]
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

type Error = Box<dyn std::error::Error>;

async fn run(args: &Args) -> Result<u64, Error> {
    let outbox = Outbox::new(&args.table)?;
    migrate(&mut connect(&args.pg).await?, &outbox).await?;
    let timeout = Duration::from_millis(args.timeout_ms);
    if let Some(brokers) = &args.kafka {
        let topics = events_kafka::admin::catalog_topics(&Event::contracts(), &args.topic_prefix);
        events_kafka::admin::create_missing(brokers, &topics, Some(1)).await?;
        let publisher = events_kafka::Publisher::with_timeout(brokers, timeout)?
            .topic_prefix(&args.topic_prefix);
        let sink = KafkaSink::new(publisher);
        Ok(relay(args, outbox, sink).await)
    } else if let Some(url) = &args.redis {
        let redis = events_redis::Redis::open(url)?;
        let publisher = events_redis::Publisher::new(redis.clone()).timeout(timeout);
        Ok(relay(args, outbox, RedisSink::new(publisher, redis)).await)
    } else if let Some(url) = &args.amqp {
        let publisher = events_amqp::Publisher::connect(url).await?.timeout(timeout);
        let mut topology = events_amqp::Topology::of::<Event>();
        if let Some(q) = &args.amqp_queue {
            let exchanges: Vec<String> = topology.exchanges().map(|(n, _)| n.to_owned()).collect();
            topology = topology.queue(q, exchanges.into_iter().map(|x| (x, "#")));
        }
        events_amqp::declare_topology(&publisher.channel().await?, &topology).await?;
        Ok(relay(args, outbox, AmqpSink::new(publisher)).await)
    } else {
        Err("one of --kafka, --redis, --amqp".into())
    }
}

async fn relay<S: Sink<Event> + 'static>(args: &Args, outbox: Outbox, sink: S) -> u64 {
    let relay: Relay<Event, S> = Relay::new(&args.pg, outbox, sink).configure(|c| {
        c.batch_size = args.batch_size.max(1);
        c.poll_interval = Duration::from_millis(args.poll_ms.max(1));
        c.max_retries = args.max_retries;
        c.backoff.base = Duration::from_millis(args.backoff_ms.max(1));
        c.hold_before_mark = Duration::from_millis(args.hold_before_mark_ms);
    });
    let probe = relay.probe();
    let stop = CancellationToken::new();
    let run = tokio::spawn(relay.run(stop.clone()));
    let idle = args.exit_when_idle.map(Duration::from_secs_f64);
    watch(&probe, &stop, idle).await;
    let stats = run.await.unwrap_or_default();
    if stats.parked > 0 {
        eprintln!("{} rows parked (events outbox list --parked)", stats.parked);
    }
    stats.published
}

/// Stops the relay on Ctrl-C, or once it has published nothing for `idle`.
async fn watch(probe: &Probe, stop: &CancellationToken, idle: Option<Duration>) {
    let mut last = (0u64, Instant::now());
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let published = probe.health().stats.published;
        if published != last.0 {
            last = (published, Instant::now());
        }
        if idle.is_some_and(|d| last.1.elapsed() >= d) {
            break;
        }
    }
    stop.cancel();
}
