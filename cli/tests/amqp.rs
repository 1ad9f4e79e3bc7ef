//! `events amqp status` and `events amqp dlq list|replay` against the local RabbitMQ: a
//! private virtual host per test (skipped loudly without a broker, a failure under
//! `EVENTS_REQUIRE_RABBITMQ=1`), with messages retried and dead-lettered by a real
//! `events-amqp` consumer.

#[path = "../../events-amqp/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use common::Vhost;
use events_amqp::events_bus::{handler_fn, Delivery, HandlerError};
use events_amqp::{Config, Consumer, Publisher};
use rabbitmq_orders_events::Event;
use serde_json::{json, Value};

const QUEUE: &str = "cli.orders";
const DEAD: &str = "deadletter.cli.orders";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `events ARGS` (with `RABBITMQ_URL` = `env_url` when given): exits with `code`, returns
/// stdout and stderr.
fn events(args: &[&str], env_url: Option<&str>, code: i32) -> (String, String) {
    let mut cmd = Command::cargo_bin("events").unwrap();
    cmd.current_dir(root())
        .env_remove("EVENTS_SCHEMAS")
        .env_remove("RABBITMQ_URL")
        .args(args);
    if let Some(url) = env_url {
        cmd.env("RABBITMQ_URL", url);
    }
    let out = cmd.assert().code(code).get_output().clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `events ARGS --amqp URL`, stdout parsed as JSON.
fn events_json(url: &str, args: &[&str], code: i32) -> Value {
    let mut all = args.to_vec();
    all.extend(["--amqp", url, "--format", "json"]);
    let (out, err) = events(&all, None, code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"))
}

/// Seed 002's `order.created` sample as event `evt_N` of order `order_N`.
fn order(n: u32) -> Event {
    let mut doc: Value = serde_json::from_str(include_str!(
        "../../examples/rabbitmq-orders/samples/json/002-01-order.created.json"
    ))
    .unwrap();
    doc["id"] = json!(format!("evt_{n}"));
    doc["data"]["order_id"] = json!(format!("order_{n}"));
    if n == 4 {
        // A long body, cut in the listing.
        doc["data"]["order_number"] = json!("N".repeat(400));
    }
    Event::from_json(doc.to_string().as_bytes()).unwrap()
}

fn order_id(event: &Event) -> String {
    serde_json::to_value(event).unwrap()["data"]["order_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The consumer's configuration, the same for every consumer of the test (a queue
/// declared with other arguments is refused by the broker): retries wait 10 minutes in
/// `Q.retry`, so a retried message stays there for the whole test.
fn config(url: &str) -> Config {
    Config::new(url, QUEUE)
        .bind("orders", "order.*")
        .retry_delay(Duration::from_secs(600))
}

/// Handled order ids, with the attempt each was handled at.
type Seen = Arc<Mutex<Vec<(String, u64)>>>;

/// Runs a consumer until the queue is idle: orders 2 and 4 fail for good, order 5 fails
/// for now (it waits in `Q.retry`), the others are handled.
async fn consume_with_failures(url: &str, seen: Seen) {
    let handler = handler_fn(move |e: Event, d: Delivery| {
        let seen = seen.clone();
        async move {
            let id = order_id(&e);
            match id.as_str() {
                "order_2" | "order_4" => Err(HandlerError::permanent(format!(
                    "{id}: no price list for UAH"
                ))),
                "order_5" => Err(HandlerError::retryable("warehouse unreachable")),
                _ => {
                    seen.lock().unwrap().push((id, d.attempt));
                    Ok(())
                }
            }
        }
    });
    // One handler at a time: the dead letters are in the queue's order.
    let config = config(url)
        .concurrency(1)
        .exit_when_idle(Duration::from_millis(500));
    let counts = Consumer::<Event, _>::new(config, handler)
        .run()
        .await
        .unwrap();
    assert_eq!(
        (counts.handled, counts.dead_lettered, counts.retried),
        (4, 2, 1)
    );
}

fn ids(seen: &Seen) -> BTreeSet<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(id, _)| id.clone())
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn status_list_and_replay_on_a_queue_with_retries_and_dead_letters() {
    let Some(vhost) = Vhost::new("cli-amqp-dlq") else {
        return;
    };
    let url = vhost.url.as_str();
    let rt = runtime();
    let seen: Seen = Arc::default();
    rt.block_on(async {
        let conn = events_amqp::connect(url, "test setup").await.unwrap();
        let channel = conn.create_channel().await.unwrap();
        events_amqp::declare_topology(&channel, &config(url).topology_for::<Event>())
            .await
            .unwrap();
        let publisher = Publisher::connect(url).await.unwrap();
        publisher
            .publish_batch(&(1..=7).map(order).collect::<Vec<_>>())
            .await
            .unwrap();
        consume_with_failures(url, seen.clone()).await;
        // Three more, and no consumer running.
        publisher
            .publish_batch(&(8..=10).map(order).collect::<Vec<_>>())
            .await
            .unwrap();
        publisher.close().await;
        let _ = conn.close(200, "bye".into()).await;
    });
    assert_eq!(
        ids(&seen),
        BTreeSet::from(["order_1", "order_3", "order_6", "order_7"].map(String::from))
    );

    // status: 3 ready, no consumer, 1 waiting to be retried, 2 dead letters.
    let doc = events_json(url, &["amqp", "status", "--queue", QUEUE], 1);
    let q = &doc["queues"][0];
    assert_eq!(q["queue"], QUEUE);
    assert_eq!(q["exists"], true);
    assert_eq!(q["depth"], 3);
    assert_eq!(q["consumers"], 0);
    assert_eq!(q["retry_queue"], "cli.orders.retry");
    assert_eq!(q["retrying"], 1);
    assert_eq!(q["dead_letter_queue"], DEAD);
    assert_eq!(q["dead_letters"], 2);
    let flags: Vec<&str> = q["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap())
        .collect();
    assert_eq!(flags, ["dead_letters", "consumers"]);
    assert_eq!(doc["findings"], 2);
    assert_eq!(doc["thresholds"]["depth"], 10_000);
    // A lower depth threshold flags the depth too; the URL may come from RABBITMQ_URL.
    let (out, _) = events(
        &["amqp", "status", "--queue", QUEUE, "--max-depth", "2"],
        Some(url),
        1,
    );
    let row = out.lines().find(|l| l.starts_with(QUEUE)).unwrap();
    let cells: Vec<&str> = row.split_whitespace().take(5).collect();
    assert_eq!(cells, [QUEUE, "3", "0", "1", "2"], "{out}");
    assert!(
        row.contains("! depth 3 > threshold; 2 dead-lettered; no consumer attached"),
        "{out}"
    );
    assert!(
        out.contains("depth > 2, no consumer, any dead letter"),
        "{out}"
    );
    assert!(out.ends_with("3 finding(s)\n"), "{out}");

    // dlq list: both dead letters with their reason, without taking them.
    let doc = events_json(url, &["amqp", "dlq", "list", "--queue", QUEUE], 0);
    assert_eq!(doc["dead_letter_queue"], DEAD);
    assert_eq!(doc["length"], 2);
    let letters = doc["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 2);
    for (d, n) in letters.iter().zip([2, 4]) {
        assert_eq!(d["message_id"], format!("evt_{n}"));
        assert_eq!(d["event_type"], "order.created");
        assert_eq!(d["reason"], "permanent");
        assert_eq!(d["error"], format!("order_{n}: no price list for UAH"));
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["queue"], QUEUE);
        assert_eq!(d["exchange"], "orders");
        assert_eq!(d["routing_key"], "order.created");
        let at = d["dead_lettered_at"].as_str().unwrap();
        assert!(at.starts_with("20") && at.ends_with('Z'), "{at}");
        let body = d["body"].as_str().unwrap();
        assert!(body.contains(&format!(r#""id":"evt_{n}""#)), "{body}");
    }
    // The long body is cut to 200 characters and says how long it was.
    let long = letters[1]["body"].as_str().unwrap();
    let bytes = letters[1]["body_bytes"].as_u64().unwrap();
    assert!(bytes > 400, "{bytes}");
    assert!(long.ends_with(&format!("… ({bytes} bytes)")), "{long}");
    assert_eq!(
        long.chars().count(),
        200 + format!("… ({bytes} bytes)").chars().count()
    );
    // --limit, in the human report.
    let (out, _) = events(
        &[
            "amqp", "dlq", "list", "--queue", QUEUE, "--limit", "1", "--amqp", url,
        ],
        None,
        0,
    );
    assert!(
        out.starts_with("deadletter.cli.orders: 2 dead-lettered\n"),
        "{out}"
    );
    assert!(
        out.contains("  evt_2  order.created  permanent after 1 attempt(s) at 20"),
        "{out}"
    );
    assert!(
        out.contains("    error: order_2: no price list for UAH\n"),
        "{out}"
    );
    assert!(
        out.contains(r#"    body: {"id":"evt_2","type":"order.created""#),
        "{out}"
    );
    assert!(!out.contains("evt_4"), "{out}");
    assert!(out.ends_with("  … 1 more (--limit)\n"), "{out}");
    // Listing took nothing.
    let doc = events_json(url, &["amqp", "status", "--queue", QUEUE], 1);
    assert_eq!(doc["queues"][0]["dead_letters"], 2);
    assert_eq!(doc["queues"][0]["depth"], 3);

    // dlq replay: one, then the rest, back into the queue.
    let (out, _) = events(
        &[
            "amqp", "dlq", "replay", "--queue", QUEUE, "--limit", "1", "--amqp", url,
        ],
        None,
        0,
    );
    assert_eq!(
        out,
        "1 dead letters replayed from deadletter.cli.orders to cli.orders (1 left)\n"
    );
    let doc = events_json(url, &["amqp", "status", "--queue", QUEUE], 1);
    assert_eq!(
        (
            &doc["queues"][0]["depth"],
            &doc["queues"][0]["dead_letters"]
        ),
        (&json!(4), &json!(1))
    );
    let (out, _) = events(&["amqp", "dlq", "replay", "--queue", QUEUE], Some(url), 0);
    assert_eq!(
        out,
        "1 dead letters replayed from deadletter.cli.orders to cli.orders (0 left)\n"
    );
    let doc = events_json(url, &["amqp", "dlq", "list", "--queue", QUEUE], 0);
    assert_eq!(doc["length"], 0);
    assert_eq!(doc["dead_letters"], json!([]));

    // After the fix: a consumer handles the replayed messages as new (first attempt, the
    // dead-letter headers and x-death history gone) and the queue is healthy while it runs.
    let seen: Seen = Arc::default();
    let recorded = seen.clone();
    let handler = handler_fn(move |e: Event, d: Delivery| {
        let seen = recorded.clone();
        async move {
            seen.lock().unwrap().push((order_id(&e), d.attempt));
            Ok(())
        }
    });
    let consumer = Consumer::<Event, _>::new(config(url), handler);
    let stop = consumer.shutdown_token();
    let running = rt.spawn(consumer.run());
    rt.block_on(common::wait_until(
        "the replayed and waiting messages handled",
        Duration::from_secs(20),
        || {
            let n = seen.lock().unwrap().len();
            async move { n >= 5 }
        },
    ));
    let doc = events_json(url, &["amqp", "status", "--queue", QUEUE], 0);
    let q = &doc["queues"][0];
    assert_eq!((&q["depth"], &q["consumers"]), (&json!(0), &json!(1)));
    assert_eq!((&q["retrying"], &q["dead_letters"]), (&json!(1), &json!(0)));
    assert_eq!(doc["findings"], 0);
    let (out, _) = events(&["amqp", "status", "--queue", QUEUE], Some(url), 0);
    assert!(out.ends_with("ok: nothing over its threshold\n"), "{out}");
    stop.cancel();
    rt.block_on(running).unwrap().unwrap();
    let mut handled = seen.lock().unwrap().clone();
    handled.sort();
    let mut expected: Vec<(String, u64)> = [2, 4, 8, 9, 10]
        .iter()
        .map(|n| (format!("order_{n}"), 1))
        .collect();
    expected.sort();
    assert_eq!(handled, expected);
}

#[test]
fn missing_queues_and_bad_credentials_are_input_errors() {
    // No broker needed: nothing listens on port 1.
    let (out, err) = events(
        &[
            "amqp",
            "status",
            "--queue",
            QUEUE,
            "--amqp",
            "amqp://ops:s3cr3t-pw@127.0.0.1:1/%2f",
        ],
        None,
        2,
    );
    assert_eq!(out, "");
    assert!(
        err.contains("cannot connect to amqp://ops:***@127.0.0.1:1/%2f"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t-pw"), "{err}");
    // A queue to name is required.
    let (_, err) = events(&["amqp", "status"], None, 2);
    assert!(err.contains("--queue"), "{err}");

    let Some(vhost) = Vhost::new("cli-amqp-errors") else {
        return;
    };
    let url = vhost.url.as_str();
    // A wrong password: refused, and not shown.
    let wrong = url.replace("guest:guest@", "guest:s3cr3t-pw@");
    let (_, err) = events(
        &["amqp", "status", "--queue", QUEUE, "--amqp", &wrong],
        None,
        2,
    );
    assert!(err.contains("cannot connect to amqp://guest:***@"), "{err}");
    assert!(!err.contains("s3cr3t-pw"), "{err}");
    assert!(err.contains("ACCESS_REFUSED"), "{err}");
    // A vhost that does not exist; the user is shown even when it is also the password.
    let (_, err) = events(
        &[
            "amqp",
            "status",
            "--queue",
            QUEUE,
            "--amqp",
            &url.replace(&vhost.name, "no-such-vhost"),
        ],
        None,
        2,
    );
    assert!(
        err.contains("cannot connect to amqp://guest:***@127.0.0.1:5672/no-such-vhost: "),
        "{err}"
    );
    assert!(err.contains("vhost no-such-vhost not found"), "{err}");

    let rt = runtime();
    rt.block_on(async {
        let conn = events_amqp::connect(url, "test setup").await.unwrap();
        let channel = conn.create_channel().await.unwrap();
        events_amqp::declare_topology(&channel, &config(url).topology_for::<Event>())
            .await
            .unwrap();
        let _ = conn.close(200, "bye".into()).await;
    });
    // status reports the queues that exist, then fails naming the one that does not.
    let (out, err) = events(
        &[
            "amqp", "status", "--queue", QUEUE, "--queue", "cli.nope", "--amqp", url,
        ],
        None,
        2,
    );
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [QUEUE, "0", "0", "0", "0", "!", "no", "consumer", "attached"]),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("cli.nope") && l.contains("absent")),
        "{out}"
    );
    assert!(out.ends_with("1 finding(s)\n1 queue(s) absent\n"), "{out}");
    assert!(
        err.contains("error: queue `cli.nope` does not exist on amqp://guest:***@"),
        "{err}"
    );
    // An empty queue with its consumer gone: flagged, nothing else.
    let doc = events_json(url, &["amqp", "status", "--queue", QUEUE], 1);
    assert_eq!(doc["findings"], 1);
    // No dead-letter queue, no queue to replay to.
    let (_, err) = events(
        &["amqp", "dlq", "list", "--queue", "cli.nope", "--amqp", url],
        None,
        2,
    );
    assert!(
        err.contains("error: no dead-letter queue `deadletter.cli.nope` on amqp://guest:***@"),
        "{err}"
    );
    let (_, err) = events(
        &[
            "amqp", "dlq", "replay", "--queue", "cli.nope", "--amqp", url,
        ],
        None,
        2,
    );
    assert!(
        err.contains("error: queue `cli.nope` does not exist"),
        "{err}"
    );
    assert!(err.contains("nothing replayed"), "{err}");
    // An empty dead-letter queue lists and replays nothing.
    let (out, _) = events(
        &["amqp", "dlq", "list", "--queue", QUEUE, "--amqp", url],
        None,
        0,
    );
    assert_eq!(out, "deadletter.cli.orders: 0 dead-lettered\n");
    let (out, _) = events(
        &["amqp", "dlq", "replay", "--queue", QUEUE, "--amqp", url],
        None,
        0,
    );
    assert_eq!(
        out,
        "0 dead letters replayed from deadletter.cli.orders to cli.orders (0 left)\n"
    );
}
