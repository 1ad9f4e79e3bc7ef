//! `events kafka topics|status|dlq` against a real Kafka-protocol broker (skipped loudly
//! without one, a failure under `EVENTS_REQUIRE_KAFKA=1`), and `events cloudevent`.

#[path = "../../events-kafka/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use common::{order_created, Topics};
use events_kafka::events_bus::{handler_fn, Delivery, HandlerError};
use events_kafka::{Config, Consumer};
use kafka_orders_events::Event;
use serde_json::Value;

const SCHEMAS: &str = "examples/kafka-orders/schemas";

fn cli_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `events --schemas <seed 003> ARGS`: exits with `code`, returns stdout and stderr.
fn events(args: &[&str], stdin: Option<&str>, code: i32) -> (String, String) {
    let mut cmd = Command::cargo_bin("events").unwrap();
    cmd.current_dir(cli_root())
        .env_remove("EVENTS_SCHEMAS")
        .env_remove("KAFKA_BROKERS")
        .args(["--schemas", SCHEMAS])
        .args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.assert().code(code).get_output().clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_apply_creates_the_catalog_topics_then_reports_no_drift() {
    if !common::broker_up("topics_apply") {
        return;
    }
    let prefix = format!("cli{}.", std::process::id());
    let b = common::brokers();
    let base = [
        "kafka",
        "topics",
        "--kafka",
        &b,
        "--topic-prefix",
        &prefix,
        "--format",
        "json",
    ];
    let (out, _) = events(&base, None, 1);
    let doc = json(&out);
    assert_eq!(doc["drift"], 10, "{out}");
    assert!(doc["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["state"] == "missing"));
    let mut apply = base.to_vec();
    apply.extend(["--apply", "--replication-max", "1"]);
    let (out, _) = events(&apply, None, 0);
    let doc = json(&out);
    assert_eq!(doc["created"].as_array().unwrap().len(), 10, "{out}");
    let (out, _) = events(&base, None, 0);
    let doc = json(&out);
    assert_eq!(doc["drift"], 0, "{out}");
    let created = doc["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == format!("{prefix}order.created"))
        .unwrap();
    assert_eq!(
        created["partitions"],
        serde_json::json!({"catalog": 3, "brokers": 3})
    );
    assert_eq!(created["retention_ms"]["catalog"], 604_800_000u64);
    let audit = doc["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == format!("{prefix}order.audit"))
        .unwrap();
    assert_eq!(
        audit["replication"],
        serde_json::json!({"catalog": 3, "brokers": 1}),
        "capped at one broker"
    );
    // A human table too, exit 0.
    let (out, _) = events(&base[..base.len() - 2], None, 0);
    assert!(
        out.contains("ok: every topic of the catalog is on the brokers as declared"),
        "{out}"
    );
    let names: Vec<String> = doc["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_str().unwrap().to_owned())
        .collect();
    events_kafka::admin::delete_topics(&b, &names)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_lag_and_dead_letters_and_dlq_replay_brings_them_back() {
    let Some(t) = Topics::new("clistatus").await else {
        return;
    };
    let p = common::publisher(&t);
    let events_in: Vec<Event> = (1..=6).map(|k| order_created(k, k)).collect();
    for r in p.publish_batch(&events_in).await {
        r.unwrap();
    }
    let group = t.group("inv");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "kafka",
            "status",
            "--kafka",
            &t.brokers,
            "--topic-prefix",
            &t.prefix,
            "--group",
            &group,
            "--topic",
            "order.created",
            "--format",
            "json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&str], code: i32| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        json(&events(&a, None, code).0)
    };
    // Nothing consumed: lag 6 over 3 partitions; over a threshold of 1, flagged.
    let doc = run(&[], 0);
    let lag: u64 = doc["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["lag"].as_u64().unwrap())
        .sum();
    assert_eq!(lag, 6, "{doc}");
    let doc = run(&["--max-lag", "1"], 1);
    assert!(doc["findings"].as_u64().unwrap() >= 1, "{doc}");
    assert_eq!(doc["partitions"][0]["flags"][0]["flag"], "lag", "{doc}");
    // A consumer refuses order 4 for good: it is dead-lettered, the rest handled.
    let handler = handler_fn(|e: Event, _d: Delivery| async move {
        if common::field(&e, "/data/order_number") == "ORD-00000004" {
            return Err(HandlerError::permanent("no stock record"));
        }
        Ok(())
    });
    let config = Config::new(&t.brokers, &group)
        .topic_prefix(&t.prefix)
        .topics(["order.created"])
        .exit_when_idle(Duration::from_secs(3))
        .commit_interval(Duration::from_millis(50));
    let counts = Consumer::new(config.clone(), handler).run().await.unwrap();
    assert_eq!((counts.handled, counts.dead_lettered), (5, 1));
    let doc = run(&[], 1);
    let lag: u64 = doc["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["lag"].as_u64().unwrap())
        .sum();
    assert_eq!(lag, 0, "{doc}");
    let dead: u64 = doc["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["dead_letters"].as_u64().unwrap())
        .sum();
    assert_eq!(dead, 1, "{doc}");
    // dlq list shows it with its reason; replay sends it back; the list is then empty.
    let list = |code| {
        json(
            &events(
                &[
                    "kafka",
                    "dlq",
                    "list",
                    "--kafka",
                    &t.brokers,
                    "--topic-prefix",
                    &t.prefix,
                    "--topic",
                    "order.created",
                    "--format",
                    "json",
                ],
                None,
                code,
            )
            .0,
        )
    };
    let doc = list(0);
    let letters = doc["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{doc}");
    assert_eq!(letters[0]["reason"], "permanent");
    assert_eq!(letters[0]["error"], "no stock record");
    assert_eq!(letters[0]["event_type"], "order.created");
    assert_eq!(letters[0]["topic"], t.topic("order.created"));
    let (out, _) = events(
        &[
            "kafka",
            "dlq",
            "replay",
            "--kafka",
            &t.brokers,
            "--topic-prefix",
            &t.prefix,
            "--topic",
            "order.created",
        ],
        None,
        0,
    );
    assert!(out.contains("replayed 1 dead letter(s)"), "{out}");
    assert!(list(0)["dead_letters"].as_array().unwrap().is_empty());
    let ok = handler_fn(|_e: Event, _d: Delivery| async move { Ok::<(), HandlerError>(()) });
    let counts = Consumer::new(config, ok).run().await.unwrap();
    assert_eq!(counts.handled, 1, "the replayed event is handled");
    // A bad --offset is a usage error.
    events(
        &[
            "kafka",
            "dlq",
            "replay",
            "--kafka",
            &t.brokers,
            "--topic",
            "order.created",
            "--offset",
            "x",
        ],
        None,
        2,
    );
}

#[test]
fn no_broker_is_an_error_naming_the_brokers() {
    let (_, err) = events(&["kafka", "status", "--kafka", "127.0.0.1:1"], None, 2);
    assert!(err.contains("127.0.0.1:1"), "{err}");
}

#[test]
fn cloudevent_converts_every_sample_through_every_form_and_back() {
    let dir = format!(
        "{}/../examples/kafka-orders/samples/json",
        env!("CARGO_MANIFEST_DIR")
    );
    let (structured, _) = events(&["cloudevent", "--to", "structured", &dir], None, 0);
    assert_eq!(structured.lines().count(), 10);
    for line in structured.lines() {
        let ce = json(line);
        assert_eq!(ce["specversion"], "1.0");
        assert!(ce["dataschema"]
            .as_str()
            .unwrap()
            .starts_with("urn:events:schema:order."));
    }
    let (kafka, _) = events(
        &["cloudevent", "--to", "kafka-binary", "-"],
        Some(&structured),
        0,
    );
    let first = json(kafka.lines().next().unwrap());
    assert_eq!(first["headers"]["ce_specversion"], "1.0");
    assert_eq!(first["headers"]["content-type"], "application/json");
    let (amqp, _) = events(&["cloudevent", "--to", "amqp-binary", "-"], Some(&kafka), 0);
    let first = json(amqp.lines().next().unwrap());
    assert_eq!(first["content_type"], "application/json");
    assert_eq!(first["headers"]["cloudEvents_specversion"], "1.0");
    let (back, _) = events(&["cloudevent", "--to", "envelope", "-"], Some(&amqp), 0);
    let samples = common::samples();
    for ((name, doc), line) in samples.iter().zip(back.lines()) {
        assert_eq!(
            &json(line),
            doc,
            "{name}: envelope -> structured -> kafka -> amqp -> envelope"
        );
    }
    // Structured CloudEvents validate as their contracts.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("ce.ndjson");
    std::fs::write(&file, &structured).unwrap();
    events(&["validate", file.to_str().unwrap()], None, 0);
    let wrong = structured
        .lines()
        .next()
        .unwrap()
        .replace("\"currency\":\"THB\"", "\"currency\":\"thb\"");
    std::fs::write(&file, wrong).unwrap();
    let (out, _) = events(&["validate", file.to_str().unwrap()], None, 1);
    assert!(out.contains("currency"), "{out}");
    // A document that does not map is a located error, exit 1.
    let (_, err) = events(
        &["cloudevent", "--to", "structured", "-"],
        Some("{\"event_type\":\"order.nope\"}\n"),
        1,
    );
    assert!(err.contains("-: no event \"order.nope\""), "{err}");
}

#[test]
fn the_catalog_shows_topic_settings_and_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("api.json");
    events(&["asyncapi", "--out", out.to_str().unwrap()], None, 0);
    let doc = json(&std::fs::read_to_string(&out).unwrap());
    let created = doc["channels"]
        .as_object()
        .unwrap()
        .values()
        .find(|c| c["address"] == "order.created")
        .unwrap();
    assert_eq!(
        created["bindings"]["kafka"],
        serde_json::json!({"topic": "order.created", "partitions": 3, "replicas": 2,
            "topicConfiguration": {"retention.ms": 604_800_000u64}, "bindingVersion": "0.5.0"})
    );
    let messages = doc["components"]["messages"].as_object().unwrap();
    let m = messages
        .values()
        .find(|m| m["name"] == "order.created")
        .unwrap();
    assert!(m["bindings"]["kafka"]["key"]["description"]
        .as_str()
        .unwrap()
        .contains("/data/order_id"));
    let stats = messages
        .values()
        .find(|m| m["name"] == "order.statistics_updated")
        .unwrap();
    assert_eq!(stats["bindings"]["kafka"]["key"]["type"], "null");
    let (out, _) = events(&["list", "--format", "json"], None, 0);
    let rows = json(&out);
    let audit = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event_type"] == "order.audit")
        .unwrap();
    assert_eq!(
        (
            &audit["key"],
            &audit["partitions"],
            &audit["replication"],
            &audit["retention_ms"]
        ),
        (
            &serde_json::json!("/order_id"),
            &serde_json::json!(1),
            &serde_json::json!(3),
            &serde_json::json!(7_776_000_000u64)
        )
    );
    let docs = tmp.path().join("docs");
    events(&["docs", "--out", docs.to_str().unwrap()], None, 0);
    let page = std::fs::read_to_string(docs.join("order_created.md")).unwrap();
    assert!(
        page.contains("3 partitions, replication 2, retention 7d"),
        "{page}"
    );
    assert!(
        page.contains("| Message key | `/data/order_id` (`x-event.key`) |"),
        "{page}"
    );
}
