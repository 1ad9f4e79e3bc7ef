//! `events streams status` and `events dlq list|replay` against a real Redis: a private
//! `redis-server` on a free port per test (skipped loudly without one, a failure under
//! `EVENTS_REQUIRE_REDIS=1`), with entries dead-lettered by a real `events-redis` consumer.

#[path = "../../events-redis/tests/common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{pending, Server};
use events_redis::dlq::DeadLetter;
use events_redis::events_bus::{handler_fn, Backoff, Delivery, HandlerError, RetryPolicy};
use events_redis::{CancellationToken, Consumer, Publisher, Redis};
use events_rt::redis::StreamEntry;
use events_types::{Event, OrderConfirmedV1, OrderItem};
use serde_json::Value;

const ORDERS: &str = "listings:events:orders";
const DLQ: &str = "listings:events:orders:dlq";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `events ARGS --redis <server>`: exits with `code`, returns stdout and stderr.
fn run(server: &Server, args: &[&str], code: i32) -> String {
    let out = Command::cargo_bin("events")
        .unwrap()
        .current_dir(root())
        .env_remove("EVENTS_SCHEMAS")
        .env_remove("REDIS_URL")
        .args(args)
        .args(["--redis", &server.url()])
        .assert()
        .code(code)
        .get_output()
        .clone();
    format!(
        "{}{}",
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap()
    )
}

fn xadd(conn: &mut redis::Connection, stream: &str, fields: &[(&str, &str)]) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream).arg("*");
    for (k, v) in fields {
        cmd.arg(*k).arg(*v);
    }
    cmd.query(conn).unwrap()
}

fn xlen(conn: &mut redis::Connection, stream: &str) -> u64 {
    redis::cmd("XLEN").arg(stream).query(conn).unwrap()
}

fn dead_letters(conn: &mut redis::Connection) -> Vec<DeadLetter> {
    let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
        .arg(DLQ)
        .arg("-")
        .arg("+")
        .query(conn)
        .unwrap();
    entries.iter().map(DeadLetter::from_entry).collect()
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn status_reports_length_groups_pending_lag_and_dead_letters() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.conn();
    for n in 1..=12 {
        xadd(
            &mut conn,
            ORDERS,
            &[("type", "order.confirmed"), ("order_id", &n.to_string())],
        );
    }
    for group in ["wms-consumers", "analytics"] {
        let _: () = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(ORDERS)
            .arg(group)
            .arg("0")
            .query(&mut conn)
            .unwrap();
    }
    // 5 delivered to wms-consumers and not acknowledged.
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("wms-consumers")
        .arg("c1")
        .arg("COUNT")
        .arg(5)
        .arg("STREAMS")
        .arg(ORDERS)
        .arg(">")
        .query(&mut conn)
        .unwrap();
    for _ in 0..2 {
        xadd(
            &mut conn,
            DLQ,
            &[("type", "order.confirmed"), ("x-dlq-reason", "permanent")],
        );
    }
    // A stream with an entry and nothing wrong.
    xadd(
        &mut conn,
        "wms:events:picking",
        &[("type", "picking.created")],
    );

    let out = run(&server, &["streams", "status", "--format", "json"], 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let rows = report["streams"].as_array().unwrap();
    let row = |stream: &str, group: Option<&str>| {
        rows.iter()
            .find(|r| r["stream"] == stream && r["group"].as_str() == group)
            .unwrap_or_else(|| panic!("no row {stream} {group:?} in {out}"))
    };
    let wms = row(ORDERS, Some("wms-consumers"));
    assert_eq!(
        (
            &wms["length"],
            &wms["pending"],
            &wms["lag"],
            &wms["dead_letters"]
        ),
        (
            &Value::from(12),
            &Value::from(5),
            &Value::from(7),
            &Value::from(2)
        ),
        "{out}"
    );
    assert!(wms["oldest_pending_age_ms"].as_u64().is_some(), "{out}");
    assert_eq!(wms["flags"][0]["flag"], "dead_letters", "{out}");
    let analytics = row(ORDERS, Some("analytics"));
    assert_eq!(
        (&analytics["pending"], &analytics["lag"]),
        (&Value::from(0), &Value::from(12))
    );
    let picking = row("wms:events:picking", None);
    assert_eq!(
        (&picking["exists"], &picking["length"], &picking["flags"]),
        (&Value::from(true), &Value::from(1), &serde_json::json!([]))
    );
    // Every stream of the catalog is listed, present or not.
    let absent = row("wms:events:shipment", None);
    assert_eq!(absent["exists"], false);
    // 1 finding per group of the orders stream (its dead letters).
    assert_eq!(report["findings"], 2);

    // Thresholds are options; pending 5 > 4 is flagged.
    let out = run(
        &server,
        &[
            "streams",
            "status",
            "--stream",
            ORDERS,
            "--max-pending",
            "4",
        ],
        1,
    );
    let line = out
        .lines()
        .find(|l| l.contains("wms-consumers"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("5 pending > threshold") && line.contains("2 dead-lettered"),
        "{out}"
    );
    assert!(!out.contains("wms:events:picking"), "{out}");

    // Nothing wrong: exit 0.
    let out = run(
        &server,
        &["streams", "status", "--stream", "wms:events:picking"],
        0,
    );
    assert!(out.contains("ok: nothing over its threshold"), "{out}");

    // A misspelt stream: a usage error naming the nearest one.
    let out = run(
        &server,
        &["streams", "status", "--stream", "listings:events:order"],
        2,
    );
    assert!(
        out.contains("did you mean \"listings:events:orders\""),
        "{out}"
    );
}

fn confirmed(n: i64) -> Event {
    let item = OrderItem {
        listing_id: 1,
        quantity: 1,
        warehouse_id: 1,
    };
    OrderConfirmedV1::new(1_734_825_600, n, 7, vec![item]).into()
}

/// A consumer in its own thread whose handler fails permanently for orders 3 and 7
/// until `fixed` is set; the orders it handled are logged.
fn spawn_consumer(
    url: String,
    fixed: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<i64>>>,
    stop: CancellationToken,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let handler = handler_fn(move |e: Event, _d: Delivery| {
                let (fixed, log) = (fixed.clone(), log.clone());
                async move {
                    let Event::OrderConfirmedV1(e) = e else {
                        return Ok(());
                    };
                    if [3, 7].contains(&e.order_id) && !fixed.load(Ordering::SeqCst) {
                        return Err(HandlerError::permanent(format!(
                            "order {} has no warehouse",
                            e.order_id
                        )));
                    }
                    log.lock().unwrap().push(e.order_id);
                    Ok(())
                }
            });
            let consumer =
                Consumer::new(Redis::open(&url).unwrap(), "wms-consumers", "c1", handler)
                    .streams([ORDERS])
                    .min_idle(Duration::from_millis(600))
                    .handler_timeout(Duration::from_millis(300))
                    .claim_every(Duration::from_millis(100))
                    .block(Duration::from_millis(100))
                    .retry(RetryPolicy {
                        backoff: Backoff {
                            base: Duration::from_millis(20),
                            max: Duration::from_millis(100),
                            factor: 2,
                        },
                        max_deliveries: 3,
                    });
            consumer.run(stop).await.unwrap();
        });
    })
}

#[test]
fn dlq_list_shows_the_errors_and_replay_brings_entries_back_to_be_handled() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.conn();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let publisher = Publisher::new(Redis::open(&server.url()).unwrap());
    let batch: Vec<Event> = (1..=10).map(confirmed).collect();
    let ids: Vec<String> = rt
        .block_on(publisher.publish_batch(&batch))
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let fixed = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = CancellationToken::new();
    let consumer = spawn_consumer(server.url(), fixed.clone(), log.clone(), stop.clone());
    wait_for(
        "8 handled, 2 dead-lettered",
        Duration::from_secs(10),
        || log.lock().unwrap().len() == 8 && xlen(&mut conn, DLQ) == 2,
    );
    wait_for("nothing pending", Duration::from_secs(5), || {
        pending(&mut conn, ORDERS, "wms-consumers") == 0
    });

    // list: the reason and the handler's error, human and JSON.
    let out = run(&server, &["dlq", "list", "--stream", ORDERS], 0);
    assert!(out.contains(&format!("{DLQ}: 2 dead-lettered")), "{out}");
    for (order, id) in [(3, &ids[2]), (7, &ids[6])] {
        assert!(
            out.contains(&format!("order.confirmed  from {ORDERS} {id}  permanent")),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "error: order.confirmed entry {id}: permanent: order {order} has no warehouse"
            )),
            "{out}"
        );
    }
    let out = run(&server, &["dlq", "list", "--format", "json"], 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    let listed = report["dead_letters"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        1,
        "only the orders stream has dead letters: {out}"
    );
    let entries = listed[0]["entries"].as_array().unwrap();
    let originals: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(originals, [ids[2].as_str(), ids[6].as_str()]);
    assert!(entries
        .iter()
        .all(|e| e["reason"] == "permanent" && e["group"] == "wms-consumers"));

    // An unknown id: nothing is replayed.
    let out = run(
        &server,
        &["dlq", "replay", "--stream", ORDERS, "--id", "1-1", &ids[2]],
        2,
    );
    assert!(
        out.contains("not in listings:events:orders:dlq: 1-1"),
        "{out}"
    );
    assert_eq!(xlen(&mut conn, DLQ), 2);
    assert_eq!(xlen(&mut conn, ORDERS), 10);

    // The fix ships; order 3 is replayed by its dead-letter id, then the rest with --all.
    fixed.store(true, Ordering::SeqCst);
    let dlq_ids: Vec<String> = dead_letters(&mut conn)
        .into_iter()
        .map(|d| d.dlq_id)
        .collect();
    let out = run(
        &server,
        &["dlq", "replay", "--stream", ORDERS, "--id", &dlq_ids[0]],
        0,
    );
    assert!(out.contains("1 entries replayed"), "{out}");
    assert_eq!(xlen(&mut conn, DLQ), 1);
    wait_for("order 3 handled", Duration::from_secs(10), || {
        log.lock().unwrap().contains(&3)
    });
    let out = run(&server, &["dlq", "replay", "--stream", ORDERS, "--all"], 0);
    assert!(out.contains("1 entries replayed"), "{out}");
    wait_for("order 7 handled", Duration::from_secs(10), || {
        log.lock().unwrap().contains(&7)
    });
    wait_for("nothing pending", Duration::from_secs(5), || {
        pending(&mut conn, ORDERS, "wms-consumers") == 0
    });
    assert_eq!(xlen(&mut conn, DLQ), 0);
    assert_eq!(xlen(&mut conn, ORDERS), 12);
    let handled: HashSet<i64> = log.lock().unwrap().iter().copied().collect();
    assert_eq!(handled, (1..=10).collect());
    assert_eq!(log.lock().unwrap().len(), 10, "each order handled once");

    // The status is clean again.
    run(&server, &["streams", "status", "--stream", ORDERS], 0);
    stop.cancel();
    consumer.join().unwrap();
}
