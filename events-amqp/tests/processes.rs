//! The example binaries against the real broker (a private virtual host): the consumer
//! killed with `kill -9` mid-flight, twice, over 10,000 confirmed messages; every order
//! id is handled, none lost.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, ready, Vhost};

const TOTAL: u64 = 10_000;

fn lines(path: &Path) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            l.parse()
                .unwrap_or_else(|_| panic!("not an order id: {l:?}"))
        })
        .collect()
}

fn consumer(url: &str, queue: &str, record: &Path) -> Command {
    let mut cmd = Command::new(example("amqp_consumer"));
    cmd.args(["--amqp", url, "--queue", queue, "--record"])
        .arg(record)
        .args(["--prefetch", "20", "--delay-ms", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_mid_flight_loses_nothing() {
    let Some(vhost) = Vhost::new("kill9") else {
        return;
    };
    let queue = "notification.orders";
    let dir = std::env::temp_dir().join(format!("events-amqp-kill9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("handled.txt");
    let _ = std::fs::remove_file(&record);

    let out = Command::new(example("amqp_publisher"))
        .args([
            "--amqp",
            &vhost.url,
            "--count",
            &TOTAL.to_string(),
            "--queue",
            queue,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "publisher: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        ready(&vhost.url, queue).await,
        TOTAL,
        "all confirmed messages queued"
    );

    // Two crashes: at 2,000 and at 6,000 recorded ids.
    let mut at_kill = Vec::new();
    for threshold in [2_000, 6_000] {
        let mut child = consumer(&vhost.url, queue, &record).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while (lines(&record).len() as u64) < threshold {
            assert!(Instant::now() < deadline, "the consumer made no progress");
            assert!(
                child.try_wait().unwrap().is_none(),
                "the consumer exited early"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.kill().unwrap(); // SIGKILL: no shutdown, no ack of what is in hand
        child.wait().unwrap();
        at_kill.push(lines(&record).len());
    }
    assert!(
        at_kill.iter().all(|&n| (n as u64) < TOTAL),
        "killed before the end: {at_kill:?}"
    );

    // A last consumer drains the queue and exits by itself.
    let out = tokio::task::spawn_blocking({
        let (url, record) = (vhost.url.clone(), record.clone());
        move || {
            consumer(&url, queue, &record)
                .args(["--exit-when-idle", "2"])
                .output()
                .unwrap()
        }
    });
    let out = tokio::time::timeout(Duration::from_secs(120), out)
        .await
        .expect("the last consumer exits when idle")
        .unwrap();
    assert!(
        out.status.success(),
        "last consumer: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let handled = lines(&record);
    let distinct: BTreeSet<u64> = handled.iter().copied().collect();
    assert_eq!(
        distinct,
        (1..=TOTAL).collect(),
        "every order id handled at least once"
    );
    // Redeliveries are bounded by what was in hand at each kill (prefetch 20).
    let again = handled.len() - distinct.len();
    assert!(again <= 2 * 20, "{again} ids handled twice");
    assert_eq!(ready(&vhost.url, queue).await, 0);
    assert_eq!(ready(&vhost.url, "deadletter.notification.orders").await, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
