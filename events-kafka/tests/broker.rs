//! events-kafka against a real Kafka-protocol broker on loopback (tools/kafka-broker.sh).
//! Each test has its own topics and group ids.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{field, order_created, samples, Topics};
use events_bus::{handler_fn, Backoff, Delivery, HandlerError, RetryPolicy};
use events_kafka::cloudevents::Mode;
use events_kafka::{dlq, health, Config, Consumer};
use events_rt::EventSet;
use kafka_orders_events::Event;
use serde_json::Value;

type Seen = Arc<Mutex<Vec<(String, Event)>>>;

fn recorder(seen: &Seen) -> impl events_bus::Handler<Event> {
    let seen = seen.clone();
    handler_fn(move |e: Event, d: Delivery| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push((d.channel.clone(), e));
            Ok(())
        }
    })
}

fn config(t: &Topics, group: &str) -> Config {
    Config::new(&t.brokers, t.group(group))
        .topic_prefix(&t.prefix)
        .exit_when_idle(Duration::from_secs(3))
        .commit_interval(Duration::from_millis(50))
}

/// The group's committed offsets equal the end offsets of every partition of `topics`.
fn assert_all_committed(t: &Topics, group: &str, topics: &[&str]) {
    let names: Vec<String> = topics.iter().map(|n| t.topic(n)).collect();
    let s = health::group_status(&t.brokers, &t.group(group), &names, ".dlq").unwrap();
    assert!(!s.partitions.is_empty());
    for p in &s.partitions {
        assert_eq!(
            p.committed.unwrap_or(p.start),
            p.end,
            "{}/{} not committed to its end: {p:?}",
            p.topic,
            p.partition
        );
        assert_eq!(p.lag(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_003_event_travels_in_every_wire_form() {
    let Some(t) = Topics::new("travel").await else {
        return;
    };
    let events: Vec<Event> = samples()
        .iter()
        .map(|(_, doc)| Event::from_json(&serde_json::to_vec(doc).unwrap()).unwrap())
        .collect();
    for mode in [Mode::Envelope, Mode::Binary, Mode::Structured] {
        let p = common::publisher(&t).mode(mode);
        for r in p.publish_batch(&events).await {
            r.unwrap();
        }
    }
    let seen: Seen = Arc::default();
    let counts = Consumer::new(config(&t, "all"), recorder(&seen))
        .run()
        .await
        .unwrap();
    assert_eq!(counts.handled, 30, "{counts:?}");
    assert_eq!(counts.dead_lettered, 0);
    let seen = seen.lock().unwrap();
    for (name, doc) in samples() {
        let matches: Vec<&(String, Event)> = seen
            .iter()
            .filter(|(_, e)| serde_json::to_value(e).unwrap() == doc)
            .collect();
        assert_eq!(matches.len(), 3, "{name}: once per wire form");
        let (topic, e) = matches[0];
        assert_eq!(
            *topic,
            t.topic(doc["event_type"].as_str().unwrap()),
            "{name}"
        );
        // Re-encodes to the sample, byte for byte as the codec writes it.
        let again: Value = serde_json::from_slice(&e.encode_json().unwrap()).unwrap();
        assert_eq!(again, doc, "{name}");
    }
    assert_all_committed(
        &t,
        "all",
        &["order.created", "order.audit", "order.statistics_updated"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_keeps_its_order_across_partitions() {
    let Some(t) = Topics::new("order").await else {
        return;
    };
    let p = common::publisher(&t);
    // 8 orders, 40 events each, interleaved: order k's events must arrive in order.
    let events: Vec<Event> = (0..40)
        .flat_map(|seq| (0..8).map(move |k| order_created(k, seq)))
        .collect();
    let mut partitions: HashMap<String, std::collections::HashSet<i32>> = HashMap::new();
    for (e, r) in events.iter().zip(p.publish_batch(&events).await) {
        let d = r.unwrap();
        partitions
            .entry(field(e, "/data/order_id"))
            .or_default()
            .insert(d.partition);
    }
    assert!(
        partitions.values().all(|p| p.len() == 1),
        "a key lands on one partition"
    );
    let used: std::collections::HashSet<i32> = partitions.values().flatten().copied().collect();
    assert!(
        used.len() > 1,
        "8 keys over 3 partitions use more than one: {used:?}"
    );
    let seen: Seen = Arc::default();
    let counts = Consumer::new(config(&t, "order").concurrency(3), recorder(&seen))
        .run()
        .await
        .unwrap();
    assert_eq!(counts.handled, 320);
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, e) in seen.lock().unwrap().iter() {
        by_key
            .entry(field(e, "/data/order_id"))
            .or_default()
            .push(field(e, "/data/order_number"));
    }
    assert_eq!(by_key.len(), 8);
    for (key, seqs) in by_key {
        let mut sorted = seqs.clone();
        sorted.sort();
        assert_eq!(seqs, sorted, "order {key} out of order");
        assert_eq!(seqs.len(), 40);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_goes_to_the_dead_letter_topic_and_replay_brings_it_back() {
    let Some(t) = Topics::new("poison").await else {
        return;
    };
    let p = common::publisher(&t);
    let events: Vec<Event> = (1..=20).map(|k| order_created(k, k)).collect();
    for r in p.publish_batch(&events).await {
        r.unwrap();
    }
    // Order 7 is refused for good until fixed; order 9 fails twice, then succeeds.
    let fixed = Arc::new(AtomicBool::new(false));
    let flaky = Arc::new(AtomicU64::new(0));
    let seen: Seen = Arc::default();
    let handler = {
        let (fixed, flaky, seen) = (fixed.clone(), flaky.clone(), seen.clone());
        handler_fn(move |e: Event, d: Delivery| {
            let (fixed, flaky, seen) = (fixed.clone(), flaky.clone(), seen.clone());
            async move {
                let number = field(&e, "/data/order_number");
                if number == "ORD-00000007" && !fixed.load(Ordering::SeqCst) {
                    return Err(HandlerError::permanent(
                        "stock record missing for this order",
                    ));
                }
                if number == "ORD-00000009" && flaky.fetch_add(1, Ordering::SeqCst) < 2 {
                    assert_eq!(d.attempt, flaky.load(Ordering::SeqCst));
                    return Err(HandlerError::retryable("warehouse service unavailable"));
                }
                seen.lock().unwrap().push((d.channel.clone(), e));
                Ok(())
            }
        })
    };
    let retry = RetryPolicy {
        backoff: Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_millis(200),
            factor: 2,
        },
        max_deliveries: 4,
    };
    let c = Consumer::new(config(&t, "inv").retry(retry), handler);
    let counts = c.run().await.unwrap();
    assert_eq!(
        (counts.handled, counts.dead_lettered, counts.retried),
        (19, 1, 2),
        "{counts:?}"
    );
    assert_all_committed(&t, "inv", &["order.created"]);
    let dlq_topic = t.topic("order.created.dlq");
    let letters = dlq::list(&t.brokers, &dlq_topic, 100).unwrap();
    assert_eq!(letters.len(), 1, "{letters:?}");
    let l = &letters[0];
    assert_eq!(l.reason, "permanent");
    assert_eq!(l.error, "stock record missing for this order");
    assert_eq!(l.attempts, 1);
    assert_eq!(l.record.topic, t.topic("order.created"));
    assert_eq!(l.record.event_type, "order.created");
    assert_eq!(
        l.record.key.as_deref(),
        Some(field(&events[6], "/data/order_id").as_bytes())
    );
    assert_eq!(
        l.record.value,
        events[6].encode_json().unwrap(),
        "the value is kept byte for byte"
    );
    assert!(l.origin.contains(':') && !l.dead_lettered_at.is_empty());
    let s = health::group_status(
        &t.brokers,
        &t.group("inv"),
        &[t.topic("order.created")],
        ".dlq",
    )
    .unwrap();
    assert_eq!(s.dead_letters, vec![(dlq_topic.clone(), Some(1))]);
    // Fixed: replay, and the group handles it.
    fixed.store(true, Ordering::SeqCst);
    let replayed = dlq::replay(&t.brokers, &dlq_topic, None, &p).await.unwrap();
    assert_eq!(replayed.sent, 1);
    assert!(
        dlq::list(&t.brokers, &dlq_topic, 100).unwrap().is_empty(),
        "replayed letters are not listed again"
    );
    let c = Consumer::new(config(&t, "inv").retry(retry), recorder(&seen));
    let counts = c.run().await.unwrap();
    assert_eq!(counts.handled, 1);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 20);
    assert!(seen
        .iter()
        .any(|(_, e)| field(e, "/data/order_number") == "ORD-00000007"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_and_unknown_records_are_dead_lettered_not_dropped() {
    let Some(t) = Topics::new("garbage").await else {
        return;
    };
    use events_kafka::rdkafka::producer::{FutureProducer, FutureRecord};
    let raw: FutureProducer = events_kafka::client_config(&t.brokers, "raw")
        .create()
        .unwrap();
    let topic = t.topic("order.created");
    for body in [
        &b"not json"[..],
        br#"{"event_type":"order.exploded","version":"1.0"}"#,
        b"",
    ] {
        raw.send(
            FutureRecord::<(), _>::to(&topic).payload(body),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    }
    let p = common::publisher(&t);
    p.publish(&order_created(1, 1)).await.unwrap();
    let seen: Seen = Arc::default();
    let counts = Consumer::new(config(&t, "g"), recorder(&seen))
        .run()
        .await
        .unwrap();
    assert_eq!((counts.handled, counts.dead_lettered), (1, 3), "{counts:?}");
    let mut reasons: Vec<String> = dlq::list(&t.brokers, &t.topic("order.created.dlq"), 10)
        .unwrap()
        .into_iter()
        .map(|l| l.reason)
        .collect();
    reasons.sort();
    assert_eq!(reasons, ["undecodable", "undecodable", "unknown_type"]);
    assert_all_committed(&t, "g", &["order.created"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebalance_loses_nothing() {
    let Some(t) = Topics::new("rebalance").await else {
        return;
    };
    let p = common::publisher(&t);
    let events: Vec<Event> = (0..1500).map(|i| order_created(i % 30, i)).collect();
    for r in p.publish_batch(&events).await {
        r.unwrap();
    }
    let seen: Seen = Arc::default();
    let slow = |seen: &Seen| {
        let seen = seen.clone();
        handler_fn(move |e: Event, d: Delivery| {
            let seen = seen.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                seen.lock().unwrap().push((d.channel.clone(), e));
                Ok(())
            }
        })
    };
    let a = Consumer::new(
        config(&t, "rb").exit_when_idle(Duration::from_secs(6)),
        slow(&seen),
    );
    let a = tokio::spawn(a.run());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // B joins, takes partitions, then leaves gracefully.
    let b = Consumer::new(config(&t, "rb"), slow(&seen));
    let stop_b = b.shutdown_token();
    let b = tokio::spawn(b.run());
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop_b.cancel();
    let cb = b.await.unwrap().unwrap();
    let ca = a.await.unwrap().unwrap();
    let seen = seen.lock().unwrap();
    let distinct: std::collections::HashSet<String> =
        seen.iter().map(|(_, e)| field(e, "/event_id")).collect();
    assert_eq!(
        distinct.len(),
        1500,
        "every event handled: a {ca:?}, b {cb:?}"
    );
    let duplicates = seen.len() - distinct.len();
    eprintln!("rebalance: a {ca:?}, b {cb:?}, {duplicates} duplicates");
    assert!(
        ca.rebalances + cb.rebalances > 0,
        "a rebalance happened: a {ca:?}, b {cb:?}"
    );
    assert!(
        duplicates <= 3 * 500,
        "duplicates bounded by the uncommitted window: {duplicates}"
    );
    assert_all_committed(&t, "rb", &["order.created"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pre_publish_check_keeps_a_refused_event_off_the_topic() {
    let Some(t) = Topics::new("prepublish").await else {
        return;
    };
    let check = |_t: &str, json: &[u8]| -> Result<(), String> {
        let n = events_rt::message_key(json, "/data/order_number").map_err(|e| e.to_string())?;
        if n.ends_with('7') {
            Err(format!("/data/order_number: {n} is refused"))
        } else {
            Ok(())
        }
    };
    let p = common::publisher(&t).validate_with(Arc::new(check));
    let events: Vec<Event> = (1..=9).map(|k| order_created(k, k)).collect();
    let results = p.publish_batch(&events).await;
    for (i, r) in results.iter().enumerate() {
        match (i, r) {
            (6, Err(e)) => {
                assert!(
                    matches!(&e.cause, events_kafka::PublishCause::Invalid(m) if m.contains("ORD-00000007")),
                    "{e}"
                );
                assert_eq!(e.index, 6);
            }
            (6, Ok(_)) => panic!("the refused event was published"),
            (_, r) => assert!(r.is_ok(), "{r:?}"),
        }
    }
    let seen: Seen = Arc::default();
    let counts = Consumer::new(config(&t, "pre"), recorder(&seen))
        .run()
        .await
        .unwrap();
    assert_eq!(
        counts.handled, 8,
        "the refused event never reached the topic"
    );
}
