//! The relay against real PostgreSQL and a real Redis (Streams sink): what commits is
//! published, what rolls back is not; several relays keep each key's order and never
//! publish a row twice; a poison row parks and blocks only its key; rows that commit out
//! of `seq` order all go out; a broker outage parks nothing.

mod common;
/// Private `redis-server`s to kill and restart (events-redis's test support).
#[path = "../../events-redis/tests/common/mod.rs"]
mod redis_server;

use std::time::Duration;

use common::*;
use events_outbox::{admin, CancellationToken, RedisSink, Relay, RelayStats};
use kafka_orders_events::{samples, Event};

fn redis_sink(url: &str) -> RedisSink {
    let redis = events_redis::Redis::open(url).unwrap();
    let publisher = events_redis::Publisher::new(redis.clone()).timeout(Duration::from_secs(2));
    RedisSink::new(publisher, redis)
}

/// A relay with quick settings for tests.
fn relay(db: &Db, redis: &str) -> Relay<Event, RedisSink> {
    Relay::new(&db.url, db.outbox.clone(), redis_sink(redis)).configure(|c| {
        c.batch_size = 50;
        c.poll_interval = Duration::from_millis(200);
        c.rebalance_every = Duration::from_millis(200);
        c.backoff.base = Duration::from_millis(50);
        c.backoff.max = Duration::from_millis(400);
    })
}

fn spawn(r: Relay<Event, RedisSink>) -> (CancellationToken, tokio::task::JoinHandle<RelayStats>) {
    let stop = CancellationToken::new();
    (stop.clone(), tokio::spawn(r.run(stop)))
}

async fn stream_events(redis: &RedisDb, stream: &str) -> Vec<(String, String, String)> {
    redis
        .entries(stream)
        .await
        .iter()
        .map(id_order_reason)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rollback_publishes_nothing_and_a_commit_exactly_its_events() {
    let Some(mut db) = Db::new("commit_rollback").await else {
        return;
    };
    let Some(redis) = RedisDb::new("commit_rollback", 10).await else {
        return;
    };
    // Committed: order 1's creation and first change, in one transaction.
    let committed = [samples::order_created(1), samples::status_changed(1, 1)];
    db.commit_all(&committed).await;
    // Rolled back after its enqueue: order 2's creation.
    {
        let tx = db.client.transaction().await.unwrap();
        db.outbox
            .enqueue(&tx, &samples::order_created(2))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
    }
    assert_eq!(
        db.count("true").await,
        2,
        "the rolled-back row is not in the table"
    );
    let (stop, run) = spawn(relay(&db, &redis.url));
    assert_eq!(db.drained(Duration::from_secs(20)).await, 0);
    stop.cancel();
    let stats = run.await.unwrap();
    assert_eq!(stats.published, 2);
    let created = stream_events(&redis, "order.created").await;
    let changed = stream_events(&redis, "order.status_changed").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].1, samples::order_id(1));
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].2, "step 1");
    // Each row is marked with its one try.
    assert_eq!(
        db.count("published_at IS NOT NULL AND attempts = 1").await,
        2
    );
    redis.cleanup().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_relays_share_the_keys_and_keep_each_keys_order() {
    let Some(mut db) = Db::new("three_relays").await else {
        return;
    };
    let Some(redis) = RedisDb::new("three_relays", 11).await else {
        return;
    };
    // 10,000 events of 100 orders, interleaved, committed in transactions of 100.
    let events = interleaved(100, 100);
    for chunk in events.chunks(100) {
        db.commit_all(chunk).await;
    }
    let relays: Vec<_> = (0..3).map(|_| spawn(relay(&db, &redis.url))).collect();
    assert_eq!(
        db.drained(Duration::from_secs(120)).await,
        0,
        "every row published"
    );
    let mut per_relay = Vec::new();
    for (stop, run) in relays {
        stop.cancel();
        per_relay.push(run.await.unwrap().published);
    }
    let published = stream_events(&redis, "order.status_changed").await;
    assert_eq!(
        published.len(),
        10_000,
        "no row published twice: {per_relay:?}"
    );
    assert_eq!(check_order(&published), 0);
    assert_eq!(per_relay.iter().sum::<u64>(), 10_000);
    assert!(
        per_relay.iter().filter(|n| **n > 0).count() >= 2,
        "the relays share the work: {per_relay:?}"
    );
    redis.cleanup().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poison_row_parks_blocks_only_its_key_and_replay_unblocks_it() {
    let Some(mut db) = Db::new("poison").await else {
        return;
    };
    let Some(redis) = RedisDb::new("poison", 12).await else {
        return;
    };
    // Order 1's step 1 is a row whose payload does not decode (written by hand, as a
    // buggy writer would); its steps 2 and 3 are good, and so are order 2's.
    let poison = samples::status_changed(1, 1);
    let mut row = events_outbox::Row::of(&poison).unwrap();
    let good_payload = row.payload.clone();
    row.payload = row.payload.replace("\"order_number\"", "\"order_nombre\"");
    {
        let tx = db.client.transaction().await.unwrap();
        db.outbox.enqueue_row(&tx, &row).await.unwrap();
        tx.commit().await.unwrap();
    }
    db.commit_each(&[
        samples::status_changed(1, 2),
        samples::status_changed(2, 1),
        samples::status_changed(1, 3),
        samples::status_changed(2, 2),
    ])
    .await;
    let (stop, run) = spawn(relay(&db, &redis.url));
    // Order 2 goes out; order 1 waits behind its parked row.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while db.count("published_at IS NOT NULL").await < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let parked = admin::parked(&db.client, &db.outbox, 10).await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0].id, row.id);
    assert_eq!(parked[0].key, samples::order_id(1));
    assert!(
        parked[0].error.contains("cannot decode"),
        "{}",
        parked[0].error
    );
    let stats = admin::stats(&db.client, &db.outbox).await.unwrap();
    assert_eq!(
        (stats.parked, stats.pending, stats.blocked_keys),
        (1, 2, 1),
        "{stats:?}"
    );
    let out = stream_events(&redis, "order.status_changed").await;
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|(_, o, _)| *o == samples::order_id(2)));
    // Fixed by hand, then replayed: order 1's three steps go out, in order.
    db.client
        .execute(
            &format!(
                "UPDATE {} SET payload = $1::text::jsonb WHERE id = $2::text::uuid",
                db.outbox.table().sql()
            ),
            &[&good_payload, &row.id],
        )
        .await
        .unwrap();
    assert_eq!(
        admin::replay(&db.client, &db.outbox, Some(&[row.id.clone()]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(db.drained(Duration::from_secs(20)).await, 0);
    stop.cancel();
    let stats = run.await.unwrap();
    assert_eq!((stats.published, stats.parked), (5, 1));
    let out = stream_events(&redis, "order.status_changed").await;
    assert_eq!(out.len(), 5);
    assert_eq!(check_order(&out), 0);
    redis.cleanup().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn discard_moves_a_parked_row_to_the_dead_table_and_unblocks_its_key() {
    let Some(mut db) = Db::new("discard").await else {
        return;
    };
    let Some(redis) = RedisDb::new("discard", 13).await else {
        return;
    };
    let mut row = events_outbox::Row::of(&samples::status_changed(7, 1)).unwrap();
    row.event_type = "order.unheard_of".into();
    row.payload = row
        .payload
        .replace("order.status_changed", "order.unheard_of");
    {
        let tx = db.client.transaction().await.unwrap();
        db.outbox.enqueue_row(&tx, &row).await.unwrap();
        tx.commit().await.unwrap();
    }
    db.commit_each(&[samples::status_changed(7, 2)]).await;
    let (stop, run) = spawn(relay(&db, &redis.url));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while db.count("parked_at IS NOT NULL").await < 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        db.count("published_at IS NOT NULL").await,
        0,
        "step 2 waits behind step 1"
    );
    let moved = admin::discard(
        &mut db.client,
        &db.outbox,
        &[row.id.clone()],
        "unknown type, dropped by ops",
    )
    .await
    .unwrap();
    assert_eq!(moved, 1);
    assert_eq!(db.drained(Duration::from_secs(20)).await, 0);
    stop.cancel();
    run.await.unwrap();
    let dead = db
        .client
        .query_one(
            &format!(
                "SELECT id::text, reason, last_error FROM {}",
                db.outbox.table().dead_sql()
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(dead.get::<_, String>(0), row.id);
    assert_eq!(dead.get::<_, String>(1), "unknown type, dropped by ops");
    assert!(dead.get::<_, String>(2).contains("order.unheard_of"));
    assert_eq!(stream_events(&redis, "order.status_changed").await.len(), 1);
    redis.cleanup().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rows_whose_transactions_commit_out_of_seq_order_are_all_published() {
    let Some(db) = Db::new("late_commit").await else {
        return;
    };
    let Some(redis) = RedisDb::new("late_commit", 14).await else {
        return;
    };
    let (stop, run) = spawn(relay(&db, &redis.url));
    // Transaction A takes the lower seq and stays open; B takes the next and commits.
    let mut a = events_outbox::connect(&db.url).await.unwrap();
    let mut b = events_outbox::connect(&db.url).await.unwrap();
    let ta = a.transaction().await.unwrap();
    db.outbox
        .enqueue(&ta, &samples::status_changed(1, 1))
        .await
        .unwrap();
    let tb = b.transaction().await.unwrap();
    db.outbox
        .enqueue(&tb, &samples::status_changed(2, 1))
        .await
        .unwrap();
    tb.commit().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while db.count("published_at IS NOT NULL").await < 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        db.count("published_at IS NOT NULL").await,
        1,
        "B is published while A is open"
    );
    // A commits late, with the lower seq: it is not skipped.
    ta.commit().await.unwrap();
    assert_eq!(db.drained(Duration::from_secs(20)).await, 0);
    let seqs: Vec<i64> = db
        .client
        .query(
            &format!(
                "SELECT seq FROM {} ORDER BY published_at, seq",
                db.outbox.table().sql()
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(seqs[0] > seqs[1], "the higher seq went first: {seqs:?}");
    stop.cancel();
    assert_eq!(run.await.unwrap().published, 2);
    assert_eq!(stream_events(&redis, "order.status_changed").await.len(), 2);
    redis.cleanup().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broker_outage_parks_nothing_and_the_rows_go_out_after_it() {
    let Some(mut db) = Db::new("outage").await else {
        return;
    };
    // Its data on disk (append-only), so that a restart finds the entries again.
    let Some(mut server) =
        redis_server::Server::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
    else {
        return;
    };
    let url = server.url();
    let (stop, run) = spawn(relay(&db, &url));
    db.commit_all(&interleaved(10, 5)).await;
    assert_eq!(db.drained(Duration::from_secs(20)).await, 0);
    // The broker goes away; rows committed meanwhile wait, with the error noted.
    server.kill();
    db.commit_all(
        &(6..=10)
            .flat_map(|s| (1..=10).map(move |o| samples::status_changed(o, s)))
            .collect::<Vec<_>>(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        db.count("published_at IS NULL").await,
        50,
        "nothing goes out during the outage"
    );
    assert_eq!(
        db.count("parked_at IS NOT NULL").await,
        0,
        "nothing parked for an outage"
    );
    assert_eq!(
        db.count("attempts > 0 AND published_at IS NULL").await,
        0,
        "an outage is not the rows' try"
    );
    assert!(db.count("last_error LIKE 'broker unavailable%'").await > 0);
    // Back on the same port with its data: the waiting rows go out, in order.
    server.restart();
    assert_eq!(db.drained(Duration::from_secs(30)).await, 0);
    stop.cancel();
    let stats = run.await.unwrap();
    assert_eq!(stats.parked, 0);
    assert!(stats.outages >= 1, "{stats:?}");
    let check = RedisDb::open("outage", &server.url(), "EVENTS_REQUIRE_REDIS")
        .await
        .unwrap();
    let out = stream_events(&check, "order.status_changed").await;
    assert_eq!(out.len() - check_order(&out), 100, "every event arrived");
    drop(server);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_is_idempotent_and_another_driver_can_write_the_row_as_sql() {
    let Some(mut db) = Db::new("migrate").await else {
        return;
    };
    events_outbox::migrate(&mut db.client, &db.outbox)
        .await
        .unwrap();
    events_outbox::migrate(&mut db.client, &db.outbox)
        .await
        .unwrap();
    let columns: Vec<String> = db
        .client
        .query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 \
             AND table_name = 'order_events_outbox' ORDER BY ordinal_position",
            &[&db.schema],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        columns,
        [
            "id",
            "aggregatetype",
            "aggregateid",
            "type",
            "payload",
            "seq",
            "topic",
            "headers",
            "created_at",
            "attempts",
            "next_attempt_at",
            "last_error",
            "parked_at",
            "published_at"
        ]
    );
    // The row as text parameters, through the plain SQL (as sqlx or diesel would run it).
    let event = samples::order_created(3);
    let row = events_outbox::Row::with_headers(&event, &[("traceparent", "00-abc-01")]).unwrap();
    let p = row.params();
    let tx = db.client.transaction().await.unwrap();
    tx.execute(
        db.outbox.insert_sql(),
        &[&p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6]],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = db
        .client
        .query_one(
            &format!(
                "SELECT id::text, aggregatetype, aggregateid, type, topic, payload::text, headers->>'traceparent', headers->>'version' FROM {}",
                db.outbox.table().sql()
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        r.get::<_, String>(0),
        "9a1c0001-0000-4000-8000-000000000003"
    );
    assert_eq!(r.get::<_, String>(1), "order");
    assert_eq!(r.get::<_, String>(2), samples::order_id(3));
    assert_eq!(r.get::<_, String>(3), "order.created");
    assert_eq!(r.get::<_, String>(4), "order.created");
    assert_eq!(r.get::<_, String>(6), "00-abc-01");
    assert_eq!(r.get::<_, String>(7), "1.0");
    // The payload decodes to the same event, which encodes to the codec's bytes again.
    let back = Event::decode_json_text(&r.get::<_, String>(5));
    assert_eq!(back, row.payload);
    // A duplicate event id is refused, naming the table.
    let table = db.table();
    let tx = db.client.transaction().await.unwrap();
    let err = db
        .outbox
        .enqueue(&tx, &event)
        .await
        .unwrap_err()
        .to_string();
    drop(tx);
    assert!(err.contains(&table) && err.contains("duplicate"), "{err}");
    db.drop().await;
}

trait DecodeText {
    fn decode_json_text(json: &str) -> String;
}

impl DecodeText for Event {
    fn decode_json_text(json: &str) -> String {
        use events_rt::EventSet;
        let e = Event::decode_json(json.as_bytes()).unwrap();
        String::from_utf8(e.encode_json().unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn published_rows_past_their_retention_are_deleted_in_batches() {
    let Some(mut db) = Db::new("cleanup").await else {
        return;
    };
    let Some(redis) = RedisDb::new("cleanup", 15).await else {
        return;
    };
    db.commit_all(&interleaved(25, 10)).await;
    let r = relay(&db, &redis.url).configure(|c| {
        c.retention = Duration::ZERO;
        c.cleanup_every = Duration::from_millis(100);
        c.cleanup_batch = 7;
    });
    let (stop, run) = spawn(r);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while db.count("true").await > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(db.count("true").await, 0, "published rows are deleted");
    stop.cancel();
    assert_eq!(run.await.unwrap().published, 250);
    assert_eq!(
        stream_events(&redis, "order.status_changed").await.len(),
        250
    );
    redis.cleanup().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_blocked_key_hides_no_other_key_and_unblocking_on_park_lets_it_go_on() {
    let Some(mut db) = Db::new("long_blocked").await else {
        return;
    };
    let Some(redis) = RedisDb::new("long_blocked", 6).await else {
        return;
    };
    // Order 1: a poison row, then 300 good ones; then one row for each of orders 2..=21,
    // all behind more rows than a relay looks at in one window.
    let mut poison = events_outbox::Row::of(&samples::status_changed(1, 1)).unwrap();
    poison.payload = poison
        .payload
        .replace("\"order_number\"", "\"order_nombre\"");
    {
        let tx = db.client.transaction().await.unwrap();
        db.outbox.enqueue_row(&tx, &poison).await.unwrap();
        tx.commit().await.unwrap();
    }
    db.commit_all(
        &(2..=301)
            .map(|s| samples::status_changed(1, s))
            .collect::<Vec<_>>(),
    )
    .await;
    db.commit_all(
        &(2..=21)
            .map(|o| samples::status_changed(o, 1))
            .collect::<Vec<_>>(),
    )
    .await;
    let (stop, run) = spawn(relay(&db, &redis.url));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while db.count("published_at IS NOT NULL").await < 20 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    assert_eq!(
        run.await.unwrap().published,
        20,
        "the other keys, none of order 1"
    );
    assert_eq!(db.count("parked_at IS NOT NULL").await, 1);
    // A relay that lets a parked row's key go on publishes order 1's 300 others, in order.
    let unblocked = relay(&db, &redis.url).configure(|c| c.block_key_on_park = false);
    let (stop, run) = spawn(unblocked);
    assert_eq!(db.drained(Duration::from_secs(30)).await, 0);
    stop.cancel();
    assert_eq!(run.await.unwrap().published, 300);
    let dupes = all_published(&db, &redis, "order.status_changed", 320).await;
    assert_eq!(dupes, 0);
    redis.cleanup().await;
    db.drop().await;
}
