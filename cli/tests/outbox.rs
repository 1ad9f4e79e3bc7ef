//! `events outbox migrate|status|list|replay|discard` against a real PostgreSQL (skipped
//! loudly without one, a failure under `EVENTS_REQUIRE_POSTGRES=1`), each test in a schema
//! of its own.

#[path = "../../events-outbox/tests/common/mod.rs"]
mod common;

use assert_cmd::Command;
use common::Db;
use kafka_orders_events::samples;
use serde_json::Value;

/// `events ARGS` with the test's database and table: exits with `code`, returns stdout
/// and stderr.
fn events(db: &Db, args: &[&str], code: i32) -> (String, String) {
    let out = Command::cargo_bin("events")
        .unwrap()
        .env_remove("DATABASE_URL")
        .args(["outbox"])
        .args(&args[..1])
        .args(["--pg", &db.url, "--table", &db.table()])
        .args(&args[1..])
        .assert()
        .code(code)
        .get_output()
        .clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

async fn park(db: &Db, id: &str, error: &str) {
    db.client
        .execute(
            &format!(
                "UPDATE {} SET parked_at = now(), attempts = 4, last_error = $2 WHERE id = $1::text::uuid",
                db.outbox.table().sql()
            ),
            &[&id, &error],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_list_replay_and_discard_work_on_a_real_table() {
    let Some(mut db) = Db::new("cli_outbox").await else {
        return;
    };
    // migrate is idempotent on the table the test already has.
    let (out, _) = events(&db, &["migrate"], 0);
    assert!(out.contains("is ready"), "{out}");
    let parked = samples::order_created(1);
    let waiting = samples::order_created(2);
    db.commit_all(&[parked.clone(), waiting]).await;
    let id = events_outbox::Row::of(&parked).unwrap().id;
    park(&db, &id, "broker said no").await;

    // One pending, one parked, no relay: flagged, exit 1.
    let (out, _) = events(&db, &["status", "--format", "json"], 1);
    let doc = json(&out);
    let row = &doc["outboxes"][0];
    assert_eq!(row["table"], db.table());
    assert_eq!(
        (
            row["pending"].as_u64(),
            row["parked"].as_u64(),
            row["relays"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(row["blocked_keys"], 1);
    let flags: Vec<&str> = row["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap())
        .collect();
    assert_eq!(flags, ["dead_letters", "consumers"]);
    let (out, _) = events(&db, &["status"], 1);
    assert!(
        out.contains("1 dead-lettered") && out.contains("no consumer attached"),
        "{out}"
    );

    let (out, _) = events(&db, &["list", "--parked", "--format", "json"], 0);
    let doc = json(&out);
    assert_eq!(doc["parked"][0]["id"], id);
    assert_eq!(doc["parked"][0]["key"], samples::order_id(1));
    assert_eq!(doc["parked"][0]["error"], "broker said no");
    let (out, _) = events(&db, &["list", "--parked"], 0);
    assert!(
        out.contains(&id) && out.contains("1 parked row(s)"),
        "{out}"
    );

    // Replay: back in line, tries reset.
    let (out, _) = events(&db, &["replay", "--id", &id], 0);
    assert!(out.starts_with("1 parked row(s)"), "{out}");
    assert_eq!(
        db.count("parked_at IS NULL AND attempts = 0 AND last_error IS NULL")
            .await,
        2
    );
    // Naming a row that is not parked is a finding.
    let (_, err) = events(&db, &["replay", "--id", &id], 1);
    assert!(err.contains("1 of the 1 id(s)"), "{err}");

    // Discard: moved to the dead-letter table with its reason.
    park(&db, &id, "poison").await;
    let (out, _) = events(
        &db,
        &["discard", "--id", &id, "--reason", "bad data, ticket 42"],
        0,
    );
    assert!(out.contains("moved to"), "{out}");
    assert_eq!(db.count("true").await, 1);
    let dead = db
        .client
        .query_one(
            &format!(
                "SELECT reason, last_error FROM {}",
                db.outbox.table().dead_sql()
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(dead.get::<_, String>(0), "bad data, ticket 42");
    assert_eq!(dead.get::<_, String>(1), "poison");
    let (out, _) = events(&db, &["status", "--format", "json"], 1);
    assert_eq!(json(&out)["outboxes"][0]["discarded"], 1);
    db.drop().await;
}

#[test]
fn bad_table_names_and_unreachable_servers_are_usage_errors() {
    let out = Command::cargo_bin("events")
        .unwrap()
        .args([
            "outbox",
            "status",
            "--pg",
            "host=127.0.0.1 port=1 user=postgres",
            "--table",
            "Bad-Name",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("`Bad-Name`") && err.contains("lower-case"),
        "{err}"
    );
    let port = common::free_port().to_string();
    let out = Command::cargo_bin("events")
        .unwrap()
        .args([
            "outbox",
            "status",
            "--pg",
            &format!("host=127.0.0.1 port={port} user=postgres connect_timeout=2"),
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    // replay needs --id or --all-parked.
    Command::cargo_bin("events")
        .unwrap()
        .args(["outbox", "replay", "--pg", "x"])
        .assert()
        .code(2);
}
