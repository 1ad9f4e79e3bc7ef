//! Interoperability with seed 004's Node orders service, through its own client library
//! (amqplib, `tests/node`):
//!
//! - what its `MessageBrokerAdapter` publishes (a durable topic exchange, the event name as
//!   routing key, `JSON.stringify` of `{name, id, timestamp, data}`, `{persistent: true}`
//!   and no other property) the typed Rust [`Consumer`] decodes, equal to what was sent;
//! - what the Rust [`Publisher`] sends, a Node consumer reads in seed 004's shape (keys,
//!   camelCase payload fields, values), with the properties a Node service can use.
//!
//! `npm install` runs in `tests/node` when `node_modules/amqplib` is missing (it is kept
//! between runs). Without `node` and `npm`, or without a broker, the tests skip loudly,
//! unless `EVENTS_REQUIRE_RABBITMQ` is set (CI), which makes that a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::Vhost;
use events_amqp::events_bus::{handler_fn, Delivery};
use events_amqp::{Config, Consumer, Publisher};
use node_orders_events::Event;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::timeout;

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Whether `node` and `npm` run and amqplib is installed (installed here once, when
/// missing); `false`, after saying why, when a test must skip.
fn node_ready(test: &str) -> bool {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        for tool in ["node", "npm"] {
            match std::process::Command::new(tool).arg("--version").output() {
                Ok(out) if out.status.success() => {}
                Ok(out) => {
                    return Err(format!(
                        "`{tool} --version` failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ))
                }
                Err(e) => return Err(format!("no `{tool}`: {e}")),
            }
        }
        let dir = node_dir();
        if dir.join("node_modules/amqplib").is_dir() {
            return Ok(());
        }
        let out = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("npm install: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "npm install in {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    });
    match ready {
        Ok(()) => true,
        Err(e) => {
            assert!(
                std::env::var_os("EVENTS_REQUIRE_RABBITMQ").is_none(),
                "{e}; EVENTS_REQUIRE_RABBITMQ is set"
            );
            eprintln!("SKIPPED {test}: {e} (set EVENTS_REQUIRE_RABBITMQ=1 to fail instead)");
            false
        }
    }
}

/// `node SCRIPT ARGS…` in `tests/node`.
fn node(script: &str, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(script)
        .args(args)
        .current_dir(node_dir())
        .kill_on_drop(true);
    cmd
}

/// `v` with every number as a float: JavaScript writes `12550.00` as `12550`, Rust's
/// `f64` as `12550.0`; both are the same JSON number.
fn numbers_as_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| v.clone(), Value::Number),
        Value::Array(a) => Value::Array(a.iter().map(numbers_as_floats).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), numbers_as_floats(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_node_adapter_publishes_the_typed_consumer_decodes() {
    let Some(vhost) = Vhost::new("node-publishes") else {
        return;
    };
    if !node_ready("what_the_node_adapter_publishes_the_typed_consumer_decodes") {
        return;
    }
    // `order.#`: `order.*` is one word and would miss `order.status.updated`.
    let config = Config::new(&vhost.url, "rust.orders")
        .bind("orders", "order.#")
        .concurrency(1)
        .exit_when_idle(Duration::from_millis(500));
    // The adapter publishes without `mandatory`: the queue must be bound first, or the
    // broker drops the messages.
    let conn = events_amqp::connect(&vhost.url, "test setup")
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    events_amqp::declare_topology(&channel, &config.topology_for::<Event>())
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;

    let out = node("publish.js", &[&vhost.url, "orders"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "publish.js failed: {stderr}");
    let sent: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = sent.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["order.created", "order.status.updated", "order.cancelled"]
    );
    // The seed's 12550.00 is 12550 on the wire: an integer where the schema says number.
    assert_eq!(sent[0]["data"]["total"], serde_json::json!(12550));

    let got: Arc<Mutex<Vec<(Event, Delivery)>>> = Arc::default();
    let record = got.clone();
    let handler = handler_fn(move |event: Event, d: Delivery| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push((event, d));
            Ok(())
        }
    });
    let counts = Consumer::<Event, _>::new(config, handler)
        .run()
        .await
        .unwrap();
    assert_eq!((counts.handled, counts.dead_lettered), (3, 0), "{counts:?}");

    let got = got.lock().unwrap();
    assert_eq!(got.len(), sent.len());
    for ((event, delivery), message) in got.iter().zip(&sent) {
        // Equal to the message decoded on its own, and the same JSON the script printed.
        let expected = Event::from_json(message.to_string().as_bytes()).unwrap();
        assert_eq!(event, &expected);
        assert_eq!(
            numbers_as_floats(&serde_json::to_value(event).unwrap()),
            numbers_as_floats(message)
        );
        assert_eq!(delivery.attempt, 1);
        assert_eq!(delivery.channel, "rust.orders");
    }
    let (Event::OrderCreatedV1(created), Event::OrderStatusUpdatedV1(updated)) =
        (&got[0].0, &got[1].0)
    else {
        panic!("not order.created then order.status.updated: {got:?}");
    };
    assert_eq!(created.data.total, 12550.0);
    assert_eq!(
        created.data.order_id.to_string(),
        sent[0]["data"]["orderId"].as_str().unwrap()
    );
    assert_eq!(created.timestamp.as_str(), sent[0]["timestamp"]);
    assert_eq!(
        (
            updated.data.old_status.as_str(),
            updated.data.new_status.as_str()
        ),
        ("created", "in_progress")
    );
}

/// Seed 004's three samples.
fn samples() -> Vec<(Value, Event)> {
    [
        include_str!("../../examples/node-orders/samples/json/004-01-order.created.json"),
        include_str!("../../examples/node-orders/samples/json/004-02-order.status.updated.json"),
        include_str!("../../examples/node-orders/samples/json/004-03-order.cancelled.json"),
    ]
    .iter()
    .map(|text| {
        (
            serde_json::from_str(text).unwrap(),
            Event::from_json(text.as_bytes()).unwrap(),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_rust_publisher_sends_a_node_consumer_reads_in_seed_004s_shape() {
    let Some(vhost) = Vhost::new("node-consumes") else {
        return;
    };
    if !node_ready("what_the_rust_publisher_sends_a_node_consumer_reads_in_seed_004s_shape") {
        return;
    }
    let samples = samples();
    let count = samples.len().to_string();
    let mut child = node(
        "consume.js",
        &[&vhost.url, "orders", "node.listener", "order.#", &count],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let limit = Duration::from_secs(30);
    let mut next = async || -> Value {
        let line = timeout(limit, lines.next_line())
            .await
            .expect("consume.js said nothing within 30 s")
            .unwrap()
            .expect("consume.js ended early");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    assert_eq!(next().await, serde_json::json!({"ready": true}));

    let publisher = Publisher::connect(&vhost.url).await.unwrap();
    let events: Vec<Event> = samples.iter().map(|(_, e)| e.clone()).collect();
    publisher.publish_batch(&events).await.unwrap();
    publisher.close().await;

    for (sample, _) in &samples {
        let got = next().await;
        let name = sample["name"].as_str().unwrap();
        let id = sample["id"].as_str().unwrap();
        let timestamp = sample["timestamp"].as_str().unwrap();
        // Seed 004's envelope, keys in its order, the payload's keys camelCase.
        assert_eq!(
            got["keys"],
            serde_json::json!(["name", "id", "timestamp", "data"])
        );
        let data_keys = if name == "order.created" {
            serde_json::json!(["orderId", "userId", "items", "total", "status"])
        } else {
            serde_json::json!(["orderId", "userId", "oldStatus", "newStatus"])
        };
        assert_eq!(got["dataKeys"], data_keys, "{got}");
        let raw = got["raw"].as_str().unwrap();
        let head = format!(
            r#"{{"name":"{name}","id":"{id}","timestamp":"{timestamp}","data":{{"orderId":"#
        );
        assert!(raw.starts_with(&head), "{raw}");
        // The same values (a Node consumer sees 12550.0 as 12550, the same number).
        assert_eq!(numbers_as_floats(&got["body"]), numbers_as_floats(sample));
        // Routed as the adapter routes: the orders exchange, the event name as key.
        assert_eq!(got["exchange"], "orders");
        assert_eq!(got["routingKey"], name);
        // Properties a Node service can use.
        let p = &got["properties"];
        assert_eq!(p["contentType"], "application/json");
        assert_eq!(p["deliveryMode"], 2, "persistent");
        assert_eq!(p["messageId"], id);
        assert_eq!(p["type"], name);
        let seconds = chrono::DateTime::parse_from_rfc3339(timestamp)
            .unwrap()
            .timestamp();
        assert_eq!(p["timestamp"], seconds);
    }
    let out = timeout(limit, child.wait_with_output())
        .await
        .expect("consume.js did not end")
        .unwrap();
    assert!(
        out.status.success(),
        "consume.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
