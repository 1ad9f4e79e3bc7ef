//! Shared by the outbox tests: PostgreSQL on 127.0.0.1:5432 (or `EVENTS_PG_URL`), each
//! test in a schema of its own (dropped at the end); Redis on 127.0.0.1:6379 with a
//! database index of each test's own (only the streams a test wrote are deleted, never a
//! flush). Without a server the tests skip loudly, unless `EVENTS_REQUIRE_POSTGRES`
//! (`EVENTS_REQUIRE_REDIS`, …) is set (CI), which turns the skip into a failure.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use events_outbox::tokio_postgres::Client;
use events_outbox::{connect, migrate, Outbox};
use kafka_orders_events::{samples, Event};

/// The PostgreSQL server the tests use.
pub fn pg_url() -> String {
    std::env::var("EVENTS_PG_URL")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned())
}

/// Skips (`false`, after saying why) when `what` is down, or fails under `require`.
pub fn up_or_skip(test: &str, what: &str, require: &str, error: Option<String>) -> bool {
    match error {
        None => true,
        Some(e) => {
            let msg = format!("{what} is not answering: {e}");
            assert!(
                std::env::var_os(require).is_none(),
                "{msg}; {require} is set"
            );
            eprintln!("SKIPPED {test}: {msg} (set {require}=1 to fail instead)");
            false
        }
    }
}

/// A test's own schema, holding its outbox table `order_events_outbox`.
pub struct Db {
    pub url: String,
    pub schema: String,
    pub client: Client,
    pub outbox: Outbox,
}

impl Db {
    /// A fresh schema `outbox_t<pid>_<n>_<test>` with the outbox table migrated; `None`
    /// (skipped) without PostgreSQL.
    pub async fn new(test: &str) -> Option<Self> {
        Self::at(test, &pg_url(), "EVENTS_REQUIRE_POSTGRES").await
    }

    /// The same on the server at `url`.
    pub async fn at(test: &str, url: &str, require: &str) -> Option<Self> {
        let client = match connect(url).await {
            Ok(c) => c,
            Err(e) => {
                up_or_skip(
                    test,
                    &format!("PostgreSQL ({url})"),
                    require,
                    Some(e.to_string()),
                );
                return None;
            }
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "outbox_t{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            test.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(20)
                .collect::<String>()
                .to_lowercase()
        );
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .await
            .unwrap();
        let outbox = Outbox::new(&format!("{schema}.order_events_outbox")).unwrap();
        let mut client = client;
        migrate(&mut client, &outbox).await.unwrap();
        Some(Self {
            url: url.to_owned(),
            schema,
            client,
            outbox,
        })
    }

    /// The table as the examples' `--table` takes it.
    pub fn table(&self) -> String {
        self.outbox.table().to_string()
    }

    /// Drops the schema.
    pub async fn drop(self) {
        self.client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await
            .unwrap();
    }

    /// Commits `events` in one transaction each.
    pub async fn commit_each(&mut self, events: &[Event]) {
        for e in events {
            let tx = self.client.transaction().await.unwrap();
            self.outbox.enqueue(&tx, e).await.unwrap();
            tx.commit().await.unwrap();
        }
    }

    /// Commits `events` in one transaction.
    pub async fn commit_all(&mut self, events: &[Event]) {
        let tx = self.client.transaction().await.unwrap();
        self.outbox.enqueue_batch(&tx, events).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// `count(*)` of a condition on the outbox table.
    pub async fn count(&self, condition: &str) -> i64 {
        self.client
            .query_one(
                &format!(
                    "SELECT count(*) FROM {} WHERE {condition}",
                    self.outbox.table().sql()
                ),
                &[],
            )
            .await
            .unwrap()
            .get(0)
    }

    /// Waits until no row is unpublished and unparked (or `timeout`); the count left.
    pub async fn drained(&self, timeout: Duration) -> i64 {
        let deadline = Instant::now() + timeout;
        loop {
            let left = self
                .count("published_at IS NULL AND parked_at IS NULL")
                .await;
            if left == 0 || Instant::now() > deadline {
                return left;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `status_changed` steps `1..=steps` of orders `1..=orders`, interleaved (every order's
/// step 1, then every order's step 2, …).
pub fn interleaved(orders: u64, steps: u64) -> Vec<Event> {
    (1..=steps)
        .flat_map(|s| (1..=orders).map(move |o| samples::status_changed(o, s)))
        .collect()
}

/// A Redis database of the test's own (`index`, 1..=15) on 127.0.0.1:6379 (or
/// `REDIS_URL`'s server), its seed 003 streams deleted now and on `cleanup`.
pub struct RedisDb {
    pub url: String,
    pub conn: redis::aio::MultiplexedConnection,
}

pub const STREAMS: [&str; 10] = [
    "order.created",
    "order.updated",
    "order.status_changed",
    "order.confirmed",
    "order.cancelled",
    "order.stock_override_applied",
    "order.chat_created",
    "order.chat_linked",
    "order.audit",
    "order.statistics_updated",
];

impl RedisDb {
    pub async fn new(test: &str, index: u8) -> Option<Self> {
        let base =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let url = format!("{}/{index}", base.trim_end_matches('/'));
        Self::at(test, &url, "EVENTS_REQUIRE_REDIS").await
    }

    pub async fn at(test: &str, url: &str, require: &str) -> Option<Self> {
        let db = Self::open(test, url, require).await?;
        db.cleanup().await;
        Some(db)
    }

    /// The database at `url` as it is (nothing deleted).
    pub async fn open(test: &str, url: &str, require: &str) -> Option<Self> {
        let conn = async {
            let client = redis::Client::open(url).map_err(|e| e.to_string())?;
            // A loaded CI machine can take longer than the client's default response
            // timeout (500 ms) to answer an XRANGE of the whole stream.
            let cfg = redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(Duration::from_secs(30)));
            tokio::time::timeout(
                Duration::from_secs(2),
                client.get_multiplexed_async_connection_with_config(&cfg),
            )
            .await
            .map_err(|_| "timeout".to_owned())?
            .map_err(|e| e.to_string())
        }
        .await;
        match conn {
            Ok(conn) => Some(Self {
                url: url.to_owned(),
                conn,
            }),
            Err(e) => {
                up_or_skip(test, &format!("Redis ({url})"), require, Some(e));
                None
            }
        }
    }

    pub async fn cleanup(&self) {
        let mut c = self.conn.clone();
        let _: Result<i64, _> = redis::cmd("DEL")
            .arg(&STREAMS[..])
            .query_async(&mut c)
            .await;
    }

    /// Every entry of `stream`: `(event_id, order_id, reason)` from the field map.
    pub async fn entries(&self, stream: &str) -> Vec<BTreeMap<String, String>> {
        let mut c = self.conn.clone();
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(stream)
            .arg("-")
            .arg("+")
            .query_async(&mut c)
            .await
            .unwrap();
        reply
            .ids
            .into_iter()
            .map(|id| {
                id.map
                    .into_iter()
                    .map(|(k, v)| (k, redis::from_redis_value::<String>(v).unwrap()))
                    .collect()
            })
            .collect()
    }
}

/// The envelope fields of a stream entry that the checks read: the event id, and the
/// `data` object's `order_id` and `reason`.
pub fn id_order_reason(entry: &BTreeMap<String, String>) -> (String, String, String) {
    let data: serde_json::Value = serde_json::from_str(&entry["data"]).unwrap();
    (
        entry["event_id"].clone(),
        data["order_id"].as_str().unwrap_or_default().to_owned(),
        data["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Checks that each order's `step N` reasons ascend; returns the number of duplicates
/// (an event id seen again).
pub fn check_order(events: &[(String, String, String)]) -> usize {
    let mut last: BTreeMap<&str, u64> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut dupes = 0;
    for (id, order, reason) in events {
        if !seen.insert(id.clone()) {
            dupes += 1;
            continue;
        }
        let step: u64 = reason.trim_start_matches("step ").parse().unwrap();
        let prev = last.insert(order, step).unwrap_or(0);
        assert!(
            step > prev,
            "order {order}: step {step} published after step {prev}"
        );
    }
    dupes
}

/// The path of an example binary (cargo builds examples for `cargo test`).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    dir.join("examples").join(name)
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Checks the end of a run into Redis: no row left unpublished, every one of `expected`
/// events in `stream` at least once, each order's steps in order; returns the duplicates.
pub async fn all_published(db: &Db, redis: &RedisDb, stream: &str, expected: usize) -> usize {
    assert_eq!(
        db.count("published_at IS NULL AND parked_at IS NULL").await,
        0,
        "every row published but the parked ones"
    );
    let out: Vec<_> = redis
        .entries(stream)
        .await
        .iter()
        .map(id_order_reason)
        .collect();
    let dupes = check_order(&out);
    assert_eq!(
        out.len() - dupes,
        expected,
        "every committed event at least once"
    );
    dupes
}
