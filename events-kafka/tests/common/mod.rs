//! Shared by the broker tests: a Kafka-protocol broker on 127.0.0.1:9092
//! (`tools/kafka-broker.sh start`), and topics of the test's own (a unique prefix on
//! every catalog topic), deleted when the test ends. Without a broker the tests skip
//! loudly, unless `EVENTS_REQUIRE_KAFKA` is set (CI), which turns the skip into a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use events_kafka::admin;
use events_rt::EventSet;
use kafka_orders_events::Event;
use serde_json::Value;

/// The broker the tests use.
pub fn brokers() -> String {
    std::env::var("KAFKA_BROKERS").unwrap_or_else(|_| "127.0.0.1:9092".to_owned())
}

/// Whether a broker answers; `false` (after saying why) to skip, a panic under
/// `EVENTS_REQUIRE_KAFKA`.
pub fn broker_up(test: &str) -> bool {
    let b = brokers();
    let addr = b.split(',').next().unwrap_or_default().to_owned();
    let up = addr.parse().map_err(|e| format!("{e}")).and_then(|a| {
        std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).map_err(|e| e.to_string())
    });
    match up {
        Ok(_) => true,
        Err(e) => {
            let msg =
                format!("no Kafka broker at {b}: {e} (start one with tools/kafka-broker.sh start)");
            assert!(
                std::env::var_os("EVENTS_REQUIRE_KAFKA").is_none(),
                "{msg}; EVENTS_REQUIRE_KAFKA is set"
            );
            eprintln!("SKIPPED {test}: {msg} (set EVENTS_REQUIRE_KAFKA=1 to fail instead)");
            false
        }
    }
}

/// A test's own copy of the catalog's topics (`t<pid>-<n>-<test>.order.created`, with the
/// catalog's partitions), deleted with their dead-letter topics on drop.
pub struct Topics {
    pub brokers: String,
    pub prefix: String,
}

impl Topics {
    pub async fn new(test: &str) -> Option<Self> {
        if !broker_up(test) {
            return None;
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let prefix = format!(
            "t{}-{}-{test}.",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let t = Self {
            brokers: brokers(),
            prefix,
        };
        let specs = admin::catalog_topics(&Event::contracts(), &t.prefix);
        admin::create_missing(&t.brokers, &specs, Some(1))
            .await
            .expect("create the test's topics");
        Some(t)
    }

    /// A unique group id for this test.
    pub fn group(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// `<prefix><topic>`.
    pub fn topic(&self, topic: &str) -> String {
        format!("{}{topic}", self.prefix)
    }

    fn names(&self) -> Vec<String> {
        admin::catalog_topics(&Event::contracts(), &self.prefix)
            .into_iter()
            .flat_map(|s| [format!("{}.dlq", s.name), s.name])
            .collect()
    }
}

impl Drop for Topics {
    fn drop(&mut self) {
        let (brokers, names) = (self.brokers.clone(), self.names());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(admin::delete_topics(&brokers, &names))
        })
        .join();
        if let Ok(Err(e)) = done {
            eprintln!("cleanup: {e}");
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Seed 003's samples, `(file name, document)`, sorted.
pub fn samples() -> Vec<(String, Value)> {
    let dir = root().join("examples/kafka-orders/samples/json");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(out.len(), 10, "seed 003 has ten events");
    out
}

/// Seed 003's `order.created` for order `key` with order number `seq`.
pub fn order_created(key: u64, seq: u64) -> Event {
    let mut doc = samples()
        .into_iter()
        .find(|(n, _)| n.contains("order.created"))
        .unwrap()
        .1;
    doc["event_id"] = format!("9a1c0001-{seq:04x}-4000-8000-{key:012}").into();
    doc["data"]["order_id"] = format!("3f2c8a1e-0000-4000-8000-{key:012}").into();
    doc["data"]["order_number"] = format!("ORD-{seq:08}").into();
    Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

/// Reads `field` of an event's encoded document.
pub fn field(e: &Event, pointer: &str) -> String {
    let json = e.encode_json().unwrap();
    events_rt::message_key(&json, pointer).unwrap().into_owned()
}

/// The path of an example binary (cargo builds examples for `cargo test`).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    dir.join("examples").join(name)
}

/// A publisher to the test's topics. Each record is its own batch: tansu 0.6 answers a
/// fetch at an offset inside a batch with nothing (and counts batches in its high
/// watermark), so a consumer resuming from a committed offset mid-batch would wait
/// forever on it, where Kafka returns the batch. Real brokers need no such setting.
pub fn publisher(t: &Topics) -> events_kafka::Publisher {
    let mut c = events_kafka::client_config(&t.brokers, "test-publisher");
    c.set("enable.idempotence", "true")
        .set("acks", "all")
        .set("batch.num.messages", "1")
        .set("message.timeout.ms", "10000");
    events_kafka::Publisher::from_config(&c, Duration::from_secs(10))
        .unwrap()
        .topic_prefix(&t.prefix)
}
