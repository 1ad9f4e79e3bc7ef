//! events-kafka against raw rdkafka, in one run, on the same broker: keyed publish
//! throughput (typed `Publisher` vs a `FutureProducer` sending the same pre-built bytes
//! with the same settings), and consume + commit throughput (typed `Consumer` vs a
//! `StreamConsumer` loop committing at the same interval). `--memory N` instead reads N
//! messages with the typed consumer and prints its resident set after each tenth. Run by
//! `bench/kafka.sh`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use events_kafka::events_bus::{handler_fn, Delivery};
use events_kafka::rdkafka::config::ClientConfig;
use events_kafka::rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use events_kafka::rdkafka::message::Message as _;
use events_kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use events_kafka::{admin, Config, Consumer, Publisher, Record};
use events_rt::EventSet;
use kafka_orders_events::Event;

/// Throughput of events-kafka and of raw rdkafka, alternated over rounds.
#[derive(Debug, Parser)]
struct Args {
    /// Bootstrap brokers.
    #[arg(long, default_value = events_kafka::DEFAULT_BROKERS)]
    kafka: String,
    /// Messages per measurement.
    #[arg(long, default_value_t = 20_000)]
    count: u64,
    /// Rounds (each measures both sides, order alternated); medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Instead: consume this many messages with the typed consumer and print its RSS.
    #[arg(long)]
    memory: Option<u64>,
}

const TOPIC: &str = "order.created";

fn event(n: u64) -> Event {
    let mut doc: serde_json::Value = serde_json::from_str(include_str!(
        "../../examples/kafka-orders/samples/json/003-01-order.created.json"
    ))
    .unwrap();
    doc["event_id"] = format!("9a1c0001-0000-4000-8000-{n:012}").into();
    doc["data"]["order_id"] = format!("3f2c8a1e-0000-4000-8000-{:012}", n % 1000).into();
    Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

/// The producer settings both sides use (`one_per_batch`: each record its own batch, so
/// that a consumer paused and resumed mid-partition reads on from tansu 0.6, which
/// answers a fetch inside a batch with nothing).
fn producer_config_with(brokers: &str, one_per_batch: bool) -> ClientConfig {
    let mut c = producer_config(brokers);
    if one_per_batch {
        c.set("batch.num.messages", "1");
    }
    c
}

/// The producer settings both sides use.
fn producer_config(brokers: &str) -> ClientConfig {
    let mut c = events_kafka::client_config(brokers, "bench");
    c.set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("message.timeout.ms", "30000");
    c
}

async fn topics(brokers: &str, prefix: &str) {
    let specs = admin::catalog_topics(&Event::contracts(), prefix)
        .into_iter()
        .filter(|s| s.name.ends_with(TOPIC))
        .collect::<Vec<_>>();
    admin::create_missing(brokers, &specs, Some(1))
        .await
        .unwrap();
}

async fn cleanup(brokers: &str, prefix: &str) {
    let names = vec![format!("{prefix}{TOPIC}"), format!("{prefix}{TOPIC}.dlq")];
    let _ = admin::delete_topics(brokers, &names).await;
}

/// Typed: encode each event, key from `x-event.key`, headers, `publish_batch`.
async fn typed_publish(brokers: &str, prefix: &str, events: &[Event]) -> f64 {
    let p = Publisher::from_config(
        &producer_config_with(brokers, ONE_PER_BATCH),
        Duration::from_secs(30),
    )
    .unwrap()
    .topic_prefix(prefix);
    let t = Instant::now();
    for chunk in events.chunks(5_000) {
        for r in p.publish_batch(chunk).await {
            r.unwrap();
        }
    }
    events.len() as f64 / t.elapsed().as_secs_f64()
}

/// Raw: the same records (topic, key, value, headers) prepared beforehand, sent with
/// `send_result`, then every delivery awaited, in the same chunks.
async fn raw_publish(brokers: &str, records: &[Record]) -> f64 {
    raw_publish_with(brokers, records, ONE_PER_BATCH).await
}

/// Both sides publish each record as its own batch: tansu 0.6 loses the consumers' way in
/// partitions of multi-record batches (a fetch inside a batch answers nothing).
const ONE_PER_BATCH: bool = true;

async fn raw_publish_with(brokers: &str, records: &[Record], one_per_batch: bool) -> f64 {
    let p: FutureProducer = producer_config_with(brokers, one_per_batch)
        .create()
        .unwrap();
    let t = Instant::now();
    for chunk in records.chunks(5_000) {
        let mut futures = Vec::with_capacity(chunk.len());
        for r in chunk {
            let mut headers = events_kafka::rdkafka::message::OwnedHeaders::new();
            for (k, v) in &r.headers {
                headers = headers.insert(events_kafka::rdkafka::message::Header {
                    key: k,
                    value: Some(v),
                });
            }
            let mut rec = FutureRecord::to(&r.topic)
                .payload(&r.value)
                .headers(headers);
            if let Some(k) = &r.key {
                rec = rec.key(k);
            }
            loop {
                match p.send_result(rec) {
                    Ok(f) => {
                        futures.push(f);
                        break;
                    }
                    Err((_, back)) => {
                        rec = back;
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
        }
        for f in futures {
            f.await.unwrap().unwrap();
        }
    }
    records.len() as f64 / t.elapsed().as_secs_f64()
}

/// Typed: decode into `Event`, a no-op handler, commits every 200 ms. Timed from the
/// first message to the last handled (the group join is not the consumer's speed).
async fn typed_consume(brokers: &str, prefix: &str, group: &str, count: u64) -> f64 {
    let handled = Arc::new(AtomicU64::new(0));
    let first: Arc<std::sync::Mutex<Option<Instant>>> = Arc::default();
    let (h, f) = (handled.clone(), first.clone());
    let handler = handler_fn(move |_e: Event, _d: Delivery| {
        let (h, f) = (h.clone(), f.clone());
        async move {
            f.lock().unwrap().get_or_insert_with(Instant::now);
            h.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    });
    let c = Consumer::new(
        Config::new(brokers, group)
            .topic_prefix(prefix)
            .topics([TOPIC])
            .commit_interval(Duration::from_millis(200)),
        handler,
    );
    let stop = c.shutdown_token();
    let run = tokio::spawn(c.run());
    let waiting = Instant::now();
    while handled.load(Ordering::Relaxed) < count {
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(
            waiting.elapsed() < Duration::from_secs(120),
            "typed consumer: {} of {count} after 120 s",
            handled.load(Ordering::Relaxed)
        );
    }
    let elapsed = first.lock().unwrap().unwrap().elapsed();
    stop.cancel();
    run.await.unwrap().unwrap();
    count as f64 / elapsed.as_secs_f64()
}

/// Raw: a `StreamConsumer` loop reading the bytes, committing its position every 200 ms.
async fn raw_consume(brokers: &str, prefix: &str, group: &str, count: u64) -> f64 {
    let mut cfg = events_kafka::client_config(brokers, "bench-raw");
    cfg.set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest");
    let c: StreamConsumer = cfg.create().unwrap();
    c.subscribe(&[&format!("{prefix}{TOPIC}")]).unwrap();
    let mut n = 0u64;
    let mut bytes = 0usize;
    let mut first = None;
    let mut last_commit = Instant::now();
    while n < count {
        let m = c.recv().await.unwrap();
        first.get_or_insert_with(Instant::now);
        bytes += m.payload().map_or(0, <[u8]>::len);
        n += 1;
        if last_commit.elapsed() >= Duration::from_millis(200) {
            let _ = c.commit_consumer_state(CommitMode::Async);
            last_commit = Instant::now();
        }
    }
    let elapsed = first.unwrap().elapsed();
    let _ = c.commit_consumer_state(CommitMode::Sync);
    assert!(bytes > 0);
    count as f64 / elapsed.as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn memory(brokers: &str, n: u64) {
    let prefix = format!("benchmem{}.", std::process::id());
    topics(brokers, &prefix).await;
    let records: Vec<Record> = (0..10_000)
        .map(|i| {
            let mut r = Record::of(&event(i)).unwrap();
            r.topic = format!("{prefix}{TOPIC}");
            r
        })
        .collect();
    let fill = Instant::now();
    let mut sent = 0;
    while sent < n {
        let take = (n - sent).min(records.len() as u64) as usize;
        raw_publish_with(brokers, &records[..take], true).await;
        sent += take as u64;
    }
    eprintln!(
        "filled {n} messages in {:.1}s",
        fill.elapsed().as_secs_f64()
    );
    let handled = Arc::new(AtomicU64::new(0));
    let h = handled.clone();
    let handler = handler_fn(move |_e: Event, _d: Delivery| {
        let h = h.clone();
        async move {
            h.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    });
    let c = Consumer::new(
        Config::new(brokers, format!("{prefix}mem"))
            .topic_prefix(&prefix)
            .topics([TOPIC]),
        handler,
    );
    let stop = c.shutdown_token();
    println!("RSS before the consumer: {} KiB", rss_kib());
    let t = Instant::now();
    let run = tokio::spawn(c.run());
    let mut next = n / 10;
    while handled.load(Ordering::Relaxed) < n {
        if handled.load(Ordering::Relaxed) >= next {
            println!("{next} handled: RSS {} KiB", rss_kib());
            next += n / 10;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "{n} handled: RSS {} KiB ({:.1}s)",
        rss_kib(),
        t.elapsed().as_secs_f64()
    );
    stop.cancel();
    run.await.unwrap().unwrap();
    cleanup(brokers, &prefix).await;
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(n) = args.memory {
        memory(&args.kafka, n).await;
        return;
    }
    let events: Vec<Event> = (0..args.count).map(event).collect();
    let (mut pub_typed, mut pub_raw, mut con_typed, mut con_raw) = (vec![], vec![], vec![], vec![]);
    for round in 0..args.rounds {
        let typed = format!("bench{}r{round}t.", std::process::id());
        let raw = format!("bench{}r{round}r.", std::process::id());
        topics(&args.kafka, &typed).await;
        topics(&args.kafka, &raw).await;
        let records: Vec<Record> = events
            .iter()
            .map(|e| {
                let mut r = Record::of(e).unwrap();
                r.topic = format!("{raw}{TOPIC}");
                r
            })
            .collect();
        eprintln!("round {round}: publishing");
        let (t, r) = if round % 2 == 0 {
            let t = typed_publish(&args.kafka, &typed, &events).await;
            (t, raw_publish(&args.kafka, &records).await)
        } else {
            let r = raw_publish(&args.kafka, &records).await;
            (typed_publish(&args.kafka, &typed, &events).await, r)
        };
        pub_typed.push(t);
        pub_raw.push(r);
        eprintln!("round {round}: consuming");
        let (ct, cr) = if round % 2 == 0 {
            let ct = typed_consume(&args.kafka, &typed, &format!("{typed}g"), args.count).await;
            (
                ct,
                raw_consume(&args.kafka, &raw, &format!("{raw}g"), args.count).await,
            )
        } else {
            let cr = raw_consume(&args.kafka, &raw, &format!("{raw}g"), args.count).await;
            (
                typed_consume(&args.kafka, &typed, &format!("{typed}g"), args.count).await,
                cr,
            )
        };
        con_typed.push(ct);
        con_raw.push(cr);
        println!(
            "round {round}: publish typed {t:.0}/s raw {r:.0}/s ({:.2}); consume+commit typed {ct:.0}/s raw {cr:.0}/s ({:.2})",
            t / r,
            ct / cr
        );
        cleanup(&args.kafka, &typed).await;
        cleanup(&args.kafka, &raw).await;
    }
    let (pt, pr, ct, cr) = (
        median(pub_typed),
        median(pub_raw),
        median(con_typed),
        median(con_raw),
    );
    println!("| measure | raw rdkafka | events-kafka | ratio |");
    println!("|---|---:|---:|---:|");
    println!(
        "| keyed publish, idempotent, acks=all | {pr:.0}/s | {pt:.0}/s | **{:.2}** |",
        pt / pr
    );
    println!(
        "| consume + commit every 200 ms | {cr:.0}/s | {ct:.0}/s | **{:.2}** |",
        ct / cr
    );
}
