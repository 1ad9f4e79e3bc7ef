//! Faults that need whole processes: a consumer killed with `kill -9`, a broker stopped
//! and started again. Loopback only, bounded in count and time.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, order_created, root, Topics};
use events_kafka::{health, Config, Consumer, PublishCause, Publisher};
use kafka_orders_events::Event;

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn consumer(t: &Topics, group: &str, record: &std::path::Path) -> Child {
    Command::new(example("kafka_inventory_consumer"))
        .args([
            "--kafka",
            &t.brokers,
            "--group",
            &t.group(group),
            "--topic-prefix",
            &t.prefix,
        ])
        .args([
            "--topics",
            "order.created",
            "--exit-when-idle",
            "4",
            "--commit-ms",
            "100",
        ])
        .args(["--session-timeout-ms", "6000"])
        .arg("--record")
        .arg(record)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the kafka_inventory_consumer example")
}

/// Waits until `path` has at least `n` lines (or the child exits, or 60 s pass).
fn wait_for_lines(path: &std::path::Path, n: usize, child: &mut Child) -> usize {
    let start = Instant::now();
    loop {
        let got = lines(path).len();
        if got >= n
            || start.elapsed() > Duration::from_secs(60)
            || child.try_wait().unwrap().is_some()
        {
            return got;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_twice_loses_nothing() {
    let Some(t) = Topics::new("kill").await else {
        return;
    };
    const N: u64 = 10_000;
    let p = common::publisher(&t);
    let events: Vec<Event> = (0..N).map(|i| order_created(i % 500, i)).collect();
    for chunk in events.chunks(2000) {
        for r in p.publish_batch(chunk).await {
            r.unwrap();
        }
    }
    let dir = std::env::temp_dir().join(format!("events-kafka-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("handled.txt");
    let _ = std::fs::remove_file(&record);
    let mut killed_at = Vec::new();
    for target in [2_000usize, 6_000] {
        let mut c = consumer(&t, "inv", &record);
        let got = wait_for_lines(&record, target, &mut c);
        c.kill().unwrap(); // SIGKILL
        c.wait().unwrap();
        killed_at.push(got);
    }
    let c = consumer(&t, "inv", &record);
    let status = tokio::task::spawn_blocking(move || {
        let out = c.wait_with_output().unwrap();
        (
            out.status,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap();
    assert!(status.0.success(), "the last consumer failed: {}", status.1);
    let all = lines(&record);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in &all {
        let id = l.rsplit(' ').next().unwrap();
        *counts.entry(id).or_default() += 1;
    }
    assert_eq!(
        counts.len() as u64,
        N,
        "every event handled at least once (killed at {killed_at:?})"
    );
    let duplicates = all.len() - counts.len();
    eprintln!(
        "kill -9 twice at {killed_at:?} lines: {} lines, {duplicates} duplicates",
        all.len()
    );
    // A kill delivers again only what was handled since the last commit (100 ms) and
    // what was in hand: far less than restarting from the beginning would.
    assert!(
        duplicates <= 2 * 1_500,
        "{duplicates} duplicates for 2 kills"
    );
    assert!(
        all.iter().all(|l| l.starts_with("order.created 3f2c8a1e-")),
        "lines are `<type> <key> <id>`"
    );
    let s = health::group_status(
        &t.brokers,
        &t.group("inv"),
        &[t.topic("order.created")],
        ".dlq",
    )
    .unwrap();
    for part in &s.partitions {
        assert_eq!(
            part.committed,
            Some(part.end),
            "committed = end offset: {part:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A private tansu on a free loopback port, stopped on drop.
struct Broker {
    port: u16,
}

impl Broker {
    fn script(&self, verb: &str) -> bool {
        Command::new("bash")
            .arg(root().join("tools/kafka-broker.sh"))
            .arg(verb)
            .env("KAFKA_PORT", self.port.to_string())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
    fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.script("stop");
    }
}

async fn create_topics(brokers: &str) {
    let specs =
        events_kafka::admin::catalog_topics(&<Event as events_rt::EventSet>::contracts(), "");
    events_kafka::admin::create_missing(brokers, &specs, Some(1))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_fails_publishes_in_time_or_delivers_them() {
    if !common::broker_up("broker_restart") {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let b = Broker { port };
    assert!(b.script("start"), "start a private broker on {port}");
    create_topics(&b.brokers()).await;
    let p = Publisher::with_timeout(&b.brokers(), Duration::from_secs(2)).unwrap();
    p.publish(&order_created(1, 1)).await.unwrap();
    // Down: a publish fails once its timeout is over, naming the event and topic.
    assert!(b.script("stop"));
    let started = Instant::now();
    let err = p.publish(&order_created(2, 2)).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err.cause, PublishCause::Timeout(_)) && err.cause.is_transient(),
        "{err}"
    );
    assert!(err.to_string().contains("order.created"), "{err}");
    assert!(
        took >= Duration::from_millis(1500),
        "it waited for the broker ({took:?})"
    );
    eprintln!("a publish to a stopped broker failed after {took:?}: {err}");
    // Back within the timeout: the publish in flight succeeds.
    let slow = Publisher::with_timeout(&b.brokers(), Duration::from_secs(20)).unwrap();
    let pending = tokio::spawn(async move { slow.publish(&order_created(3, 3)).await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(b.script("start"));
    create_topics(&b.brokers()).await; // tansu keeps topics in memory
    let delivered = pending.await.unwrap();
    assert!(
        delivered.is_ok(),
        "published once the broker was back: {delivered:?}"
    );
    // A consumer reads it.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let handler = {
        let seen = seen.clone();
        events_bus::handler_fn(move |e: Event, _d: events_bus::Delivery| {
            let seen = seen.clone();
            async move {
                seen.lock()
                    .unwrap()
                    .push(common::field(&e, "/data/order_number"));
                Ok(())
            }
        })
    };
    let config = Config::new(b.brokers(), "restart")
        .topics(["order.created"])
        .exit_when_idle(Duration::from_secs(3));
    Consumer::new(config, handler).run().await.unwrap();
    assert!(
        seen.lock().unwrap().contains(&"ORD-00000003".to_owned()),
        "{:?}",
        seen.lock().unwrap()
    );
}
