//! The example commands as processes, on real servers: seed 003's set from PostgreSQL
//! transactions to Kafka and to RabbitMQ; a relay killed with `kill -9` several times
//! loses nothing; PostgreSQL restarted mid-run (a private cluster) loses nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use kafka_orders_events::samples;

fn run_example(name: &str, args: &[&str]) -> String {
    let out = Command::new(example(name)).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{name} {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn kafka_up(test: &str) -> Option<String> {
    let brokers = std::env::var("KAFKA_BROKERS").unwrap_or_else(|_| "127.0.0.1:9092".to_owned());
    let addr = brokers.split(',').next().unwrap().to_owned();
    let err = std::net::TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(2))
        .err()
        .map(|e| format!("{e} (start one with tools/kafka-broker.sh start)"));
    up_or_skip(
        test,
        &format!("Kafka ({brokers})"),
        "EVENTS_REQUIRE_KAFKA",
        err,
    )
    .then_some(brokers)
}

/// Every record of `topics` from the beginning: `(topic, key, value)`, in partition order.
fn consume_all(
    brokers: &str,
    topics: &[String],
    expect: usize,
) -> Vec<(String, String, serde_json::Value)> {
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::Message;
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("outbox-check-{}", std::process::id()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&names).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut quiet_since = Instant::now();
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                quiet_since = Instant::now();
                out.push((
                    m.topic().to_owned(),
                    String::from_utf8(m.key().unwrap_or_default().to_vec()).unwrap(),
                    serde_json::from_slice(m.payload().unwrap_or_default()).unwrap(),
                ));
            }
            Some(Err(e)) => panic!("consuming: {e}"),
            None if out.len() >= expect && quiet_since.elapsed() > Duration::from_secs(2) => break,
            None => {}
        }
    }
    out
}

#[test]
fn seed_003_goes_from_a_postgres_transaction_to_kafka_through_the_example_commands() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(Db::new("to_kafka")) else {
        return;
    };
    let Some(brokers) = kafka_up("to_kafka") else {
        return;
    };
    let prefix = format!("outbox{}.", std::process::id());
    let table = db.table();
    // 40 orders, 2 changes each: 120 transactions, every 7th rolled back.
    let committed: usize = run_example(
        "order_service",
        &[
            "--pg",
            &db.url,
            "--orders",
            "40",
            "--updates",
            "2",
            "--rollback-every",
            "7",
            "--table",
            &table,
        ],
    )
    .trim()
    .parse()
    .unwrap();
    assert_eq!(committed, 120 - 120 / 7);
    let published: usize = run_example(
        "outbox_relay",
        &[
            "--pg",
            &db.url,
            "--kafka",
            &brokers,
            "--table",
            &table,
            "--topic-prefix",
            &prefix,
            "--exit-when-idle",
            "3",
        ],
    )
    .trim()
    .parse()
    .unwrap();
    assert_eq!(published, committed);
    let topics = vec![
        format!("{prefix}order.created"),
        format!("{prefix}order.status_changed"),
    ];
    let records = consume_all(&brokers, &topics, committed);
    assert_eq!(
        records.len(),
        committed,
        "each committed event once, no rolled-back one"
    );
    // Keyed by order id; each order's changes in order (one key, one partition).
    let mut steps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (topic, key, value) in &records {
        assert_eq!(key, value["data"]["order_id"].as_str().unwrap(), "{topic}");
        if topic.ends_with("status_changed") {
            steps
                .entry(key.clone())
                .or_default()
                .push(value["data"]["reason"].as_str().unwrap().to_owned());
        }
    }
    for (order, s) in &steps {
        let mut sorted = s.clone();
        sorted.sort();
        assert_eq!(s, &sorted, "order {order}");
    }
    // The rolled-back transactions' events never went out: transaction number k
    // (round r, order i: r * 40 + i) is rolled back when k % 7 == 0.
    let ids: BTreeSet<String> = records
        .iter()
        .map(|(_, _, v)| v["event_id"].as_str().unwrap().to_owned())
        .collect();
    for k in (7..=120).step_by(7) {
        let (round, i) = ((k - 1) / 40, (k - 1) % 40 + 1);
        let e = if round == 0 {
            samples::order_created(i)
        } else {
            samples::status_changed(i, round)
        };
        let id = events_outbox::Row::of(&e).unwrap().id;
        assert!(
            !ids.contains(&id),
            "rolled-back transaction {k} was published"
        );
    }
    rt.block_on(async {
        let _ = events_kafka::admin::delete_topics(&brokers, &topics).await;
        db.drop().await;
    });
}

#[test]
fn seed_003_goes_to_rabbitmq_through_the_example_relay() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(mut db) = rt.block_on(Db::new("to_amqp")) else {
        return;
    };
    let url = std::env::var("AMQP_URL").unwrap_or_else(|_| events_amqp::DEFAULT_URL.to_owned());
    let conn = rt.block_on(events_amqp::connect(&url, "outbox test"));
    let err = conn.as_ref().err().map(|e| e.to_string());
    if !up_or_skip("to_amqp", "RabbitMQ", "EVENTS_REQUIRE_RABBITMQ", err) {
        return;
    }
    let conn = conn.unwrap();
    let queue = format!("outbox-test-{}", std::process::id());
    let events = interleaved(10, 3);
    rt.block_on(db.commit_all(&events));
    let published: usize = run_example(
        "outbox_relay",
        &[
            "--pg",
            &db.url,
            "--amqp",
            &url,
            "--amqp-queue",
            &queue,
            "--table",
            &db.table(),
            "--exit-when-idle",
            "2",
        ],
    )
    .trim()
    .parse()
    .unwrap();
    assert_eq!(published, 30);
    let got = rt.block_on(async {
        use events_amqp::lapin::options::{BasicGetOptions, QueueDeleteOptions};
        let ch = conn.create_channel().await.unwrap();
        let mut got = Vec::new();
        while let Some(m) = ch
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
        {
            let v: serde_json::Value = serde_json::from_slice(&m.delivery.data).unwrap();
            got.push((
                v["event_id"].as_str().unwrap().to_owned(),
                v["data"]["order_id"].as_str().unwrap().to_owned(),
                v["data"]["reason"].as_str().unwrap().to_owned(),
            ));
        }
        for dead in [
            queue.clone(),
            format!("{queue}.retry"),
            format!("{queue}.dlq"),
        ] {
            let _ = ch
                .queue_delete(dead.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        got
    });
    let ours: BTreeSet<String> = events
        .iter()
        .map(|e| events_outbox::Row::of(e).unwrap().id)
        .collect();
    let got: Vec<_> = got
        .into_iter()
        .filter(|(id, _, _)| ours.contains(id))
        .collect();
    assert_eq!(got.len(), 30);
    assert_eq!(check_order(&got), 0);
    rt.block_on(db.drop());
}

#[test]
fn kill_9_of_a_relay_several_times_loses_nothing_and_duplicates_stay_within_a_batch() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(mut db) = rt.block_on(Db::new("kill9")) else {
        return;
    };
    let Some(redis) = rt.block_on(RedisDb::new("kill9", 9)) else {
        return;
    };
    // 3,000 events of 30 orders.
    let events = interleaved(30, 100);
    rt.block_on(async {
        for chunk in events.chunks(500) {
            db.commit_all(chunk).await;
        }
    });
    let batch = 20;
    let args = |idle: &str, hold_ms: &str| -> Vec<String> {
        [
            "--pg",
            &db.url,
            "--redis",
            &redis.url,
            "--table",
            &db.table(),
            "--batch-size",
            &batch.to_string(),
            "--poll-ms",
            "100",
            "--hold-before-mark-ms",
            hold_ms,
            "--exit-when-idle",
            idle,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let kills = 4;
    for _ in 0..kills {
        // Each batch waits 200 ms between its acknowledgement and its mark; the kill comes
        // 100 ms after a mark, so in the next batch's wait: that batch goes out again.
        let mut child = Command::new(example("outbox_relay"))
            .args(args("30", "200"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let before = rt.block_on(db.count("published_at IS NOT NULL"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while rt.block_on(db.count("published_at IS NOT NULL")) < before + 100
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(100));
        Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap();
    }
    assert!(
        rt.block_on(db.count("published_at IS NULL")) > 0,
        "the kills came before the end"
    );
    let published: u64 = run_example(
        "outbox_relay",
        &args("2", "0")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .trim()
    .parse()
    .unwrap();
    assert!(published > 0);
    let dupes = rt.block_on(all_published(&db, &redis, "order.status_changed", 3000));
    // A relay has at most two batches published and not marked: the one being marked
    // and the one being published meanwhile.
    let bound = kills as usize * 2 * batch;
    assert!(
        dupes <= bound,
        "{dupes} duplicates for {kills} kills of a relay with batches of {batch}"
    );
    assert!(
        dupes >= batch,
        "a kill between publish and mark republishes its batch: {dupes}"
    );
    eprintln!("kill -9 x{kills}: {dupes} duplicates (bound {bound})");
    rt.block_on(async {
        redis.cleanup().await;
        db.drop().await;
    });
}

/// A private PostgreSQL cluster on a free port (initdb as the `postgres` user when run
/// as root), stopped and removed on drop.
struct PrivatePg {
    dir: tempfile::TempDir,
    port: u16,
    bin: std::path::PathBuf,
}

impl PrivatePg {
    fn bin() -> Option<std::path::PathBuf> {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        let dir = std::path::PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        dir.join("initdb").exists().then_some(dir)
    }

    fn as_owner(cmd: &std::path::Path, args: &[&str]) -> Command {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(cmd).args(args);
            c
        } else {
            let mut c = Command::new(cmd);
            c.args(args);
            c
        }
    }

    fn new() -> Result<Self, String> {
        let bin = Self::bin().ok_or("pg_config --bindir has no initdb")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let _ = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status();
        let data = dir.path().join("data");
        let ok = Self::as_owner(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        )
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
        if !ok.success() {
            return Err(format!("initdb failed: {ok}"));
        }
        let pg = Self {
            dir,
            port: free_port(),
            bin,
        };
        pg.start()?;
        Ok(pg)
    }

    fn ctl(&self, args: &[&str]) -> Result<(), String> {
        let data = self.dir.path().join("data");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let mut all = vec!["-D", data.to_str().unwrap(), "-o", &opts, "-w", "-l"];
        let log = self.dir.path().join("log");
        all.push(log.to_str().unwrap());
        all.extend_from_slice(args);
        let ok = Self::as_owner(&self.bin.join("pg_ctl"), &all)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        ok.success()
            .then_some(())
            .ok_or_else(|| format!("pg_ctl {args:?}: {ok}"))
    }

    fn start(&self) -> Result<(), String> {
        self.ctl(&["start"])
    }

    fn stop(&self) -> Result<(), String> {
        self.ctl(&["stop", "-m", "immediate"])
    }

    fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

#[test]
fn postgres_restarted_mid_run_the_relay_reconnects_and_loses_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = match PrivatePg::new() {
        Ok(pg) => pg,
        Err(e) => {
            up_or_skip(
                "pg_restart",
                "a private PostgreSQL cluster",
                "EVENTS_REQUIRE_POSTGRES",
                Some(e),
            );
            return;
        }
    };
    let Some(redis) = rt.block_on(RedisDb::new("pg_restart", 8)) else {
        return;
    };
    let url = pg.url();
    let Some(mut db) = rt.block_on(Db::at("pg_restart", &url, "EVENTS_REQUIRE_POSTGRES")) else {
        return;
    };
    rt.block_on(db.commit_all(&interleaved(20, 10)));
    let mut child = Command::new(example("outbox_relay"))
        .args([
            "--pg",
            &url,
            "--redis",
            &redis.url,
            "--table",
            &db.table(),
            "--batch-size",
            "5",
            "--poll-ms",
            "100",
            "--exit-when-idle",
            "6",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while rt.block_on(db.count("published_at IS NOT NULL")) < 50 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // PostgreSQL goes down mid-run and comes back; more orders are committed after.
    pg.stop().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    pg.start().unwrap();
    let mut db = rt.block_on(async {
        let mut db2 = None;
        for _ in 0..50 {
            if let Ok(c) = events_outbox::connect(&url).await {
                db2 = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        db.client = db2.expect("PostgreSQL is back");
        db
    });
    rt.block_on(
        db.commit_all(
            &(11..=15)
                .flat_map(|s| (1..=20).map(move |o| samples::status_changed(o, s)))
                .collect::<Vec<_>>(),
        ),
    );
    let status = child.wait().unwrap();
    assert!(status.success());
    let dupes = rt.block_on(all_published(&db, &redis, "order.status_changed", 300));
    assert!(
        dupes <= 10,
        "{dupes} duplicates: at most the two batches in flight"
    );
    rt.block_on(redis.cleanup());
    drop(db);
    drop(pg);
}
