//! The publisher's own connection for batches (`Publisher::direct_connection`), on private
//! servers: AUTH with and without a user name and the URL's db, a wrong password, the
//! server's error for some events of a batch, concurrent batches (one of them on the
//! multiplexed connection), the same results with it turned off, and its busy poll for
//! replies (other tasks run meanwhile; a server slower than the budget is waited for
//! parked, not polled).

mod common;
mod orders;

use std::time::Duration;

use events_redis::{PublishCause, Publisher, Redis};
use events_types::{Event, PickingCreatedV1};

use common::{xlen, Server};
use orders::{confirmed, ORDERS};

const PICKING: &str = "wms:events:picking";

fn picking(n: i64) -> Event {
    PickingCreatedV1::new(1_734_825_600, n, n, 1).into()
}

fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn it_authenticates_with_or_without_a_user_and_selects_the_urls_db() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut admin = server.conn();
    let _: () = redis::cmd("ACL")
        .arg(&["SETUSER", "publisher", "on", ">pub-secret", "~*", "+@all"][..])
        .query(&mut admin)
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "requirepass", "secret"][..])
        .query(&mut admin)
        .unwrap();
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    for (url, db) in [
        (format!("redis://:secret@127.0.0.1:{port}/3"), 3),
        (
            format!("redis://publisher:pub-secret@127.0.0.1:{port}/5"),
            5,
        ),
        (format!("redis://:secret@127.0.0.1:{port}"), 0),
    ] {
        let publisher = Publisher::new(Redis::open(&url).unwrap());
        let batch: Vec<Event> = (1..=25).map(confirmed).collect();
        for r in publisher.publish_batch(&batch).await {
            r.unwrap();
        }
        let mut conn = connect(&url);
        assert_eq!(xlen(&mut conn, ORDERS), 25, "{db}");
        let _: () = redis::cmd("DEL").arg(ORDERS).query(&mut conn).unwrap();
        // Nowhere else.
        for other in [0, 3, 5].into_iter().filter(|d| *d != db) {
            let mut c = connect(&format!("redis://:secret@127.0.0.1:{port}/{other}"));
            assert_eq!(
                xlen(&mut c, ORDERS),
                0,
                "db {other} while publishing to {db}"
            );
        }
    }
    // A wrong password: every event fails with the server's answer, nothing is written.
    let url = format!("redis://:wrong@127.0.0.1:{port}");
    let publisher = Publisher::new(Redis::open(&url).unwrap());
    let results = publisher
        .publish_batch(&(1..=3).map(confirmed).collect::<Vec<_>>())
        .await;
    for r in results {
        let e = r.unwrap_err();
        assert!(
            matches!(&*e.cause, PublishCause::Redis(r) if r.code() == Some("WRONGPASS")),
            "{e:?}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_servers_error_fails_its_events_alone() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.conn();
    // The picking stream's key holds a string: XADD to it is refused (WRONGTYPE).
    let _: () = redis::cmd("SET")
        .arg(PICKING)
        .arg("not a stream")
        .query(&mut conn)
        .unwrap();
    let publisher = Publisher::new(Redis::open(&server.url()).unwrap());
    let mut batch: Vec<Event> = Vec::new();
    for n in 1..=30 {
        batch.push(confirmed(n));
        batch.push(picking(n));
    }
    let results = publisher.publish_batch(&batch).await;
    for (event, r) in batch.iter().zip(&results) {
        match event {
            Event::PickingCreatedV1(_) => {
                let e = r.as_ref().unwrap_err();
                assert!(
                    matches!(&*e.cause, PublishCause::Redis(r) if r.code() == Some("WRONGTYPE")),
                    "{e:?}"
                );
                assert_eq!(e.stream, PICKING);
            }
            _ => assert!(r.is_ok(), "{r:?}"),
        }
    }
    assert_eq!(xlen(&mut conn, ORDERS), 30);
    // The connection is still good for the next batch.
    let _: () = redis::cmd("DEL").arg(PICKING).query(&mut conn).unwrap();
    for r in publisher.publish_batch(&batch).await {
        r.unwrap();
    }
    assert_eq!(xlen(&mut conn, ORDERS), 60);
    assert_eq!(xlen(&mut conn, PICKING), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_all_land_with_the_connection_on_or_off() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.conn();
    for (on, expected) in [(true, 4_000), (false, 8_000)] {
        let publisher = std::sync::Arc::new(
            Publisher::new(Redis::open(&server.url()).unwrap()).direct_connection(on),
        );
        let tasks: Vec<_> = (0..4)
            .map(|t| {
                let publisher = publisher.clone();
                tokio::spawn(async move {
                    let mut ids = Vec::new();
                    for b in 0..10 {
                        let batch: Vec<Event> = (0..100)
                            .map(|i| confirmed(t * 10_000 + b * 100 + i))
                            .collect();
                        for r in publisher.publish_batch(&batch).await {
                            ids.push(r.unwrap());
                        }
                    }
                    ids
                })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.extend(t.await.unwrap());
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4_000, "direct connection {on}");
        assert_eq!(xlen(&mut conn, ORDERS), expected, "direct connection {on}");
    }
}

/// CPU time of this thread so far (`/proc/thread-self/stat`: user + system, in ticks).
fn thread_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Publishes a batch of 20 while the server holds write commands for `pause_ms`; returns
/// the ticks of a 1 ms timer task that ran meanwhile on the same thread, and the CPU
/// ticks this thread spent.
async fn batch_while_paused(server: &Server, publisher: &Publisher, pause_ms: u64) -> (u64, u64) {
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    tokio::task::yield_now().await;
    let mut admin = server.conn();
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(pause_ms)
        .arg("WRITE")
        .query(&mut admin)
        .unwrap();
    let (cpu, before, started) = (
        thread_cpu_ticks(),
        ticks.load(std::sync::atomic::Ordering::Relaxed),
        std::time::Instant::now(),
    );
    let batch: Vec<Event> = (1..=20).map(confirmed).collect();
    for r in publisher.publish_batch(&batch).await {
        r.unwrap();
    }
    let waited = started.elapsed();
    let ran = ticks.load(std::sync::atomic::Ordering::Relaxed) - before;
    ticker.abort();
    assert!(
        waited >= Duration::from_millis(pause_ms / 2),
        "the batch did not wait for the paused server: {waited:?}"
    );
    (ran, thread_cpu_ticks() - cpu)
}

#[tokio::test(flavor = "current_thread")]
async fn busy_poll_lets_other_tasks_run_and_is_not_spent_on_a_slow_server() {
    let Some(server) = Server::start() else {
        return;
    };
    let url = server.url();
    // A budget longer than the pause: the whole wait is polled, on this one thread, and
    // the timer task still gets its turns.
    let polling =
        Publisher::new(Redis::open(&url).unwrap()).busy_poll(Some(Duration::from_secs(5)));
    for r in polling.publish_batch(&[confirmed(0)]).await {
        r.unwrap();
    }
    let (ran, cpu) = batch_while_paused(&server, &polling, 300).await;
    assert!(
        ran >= 30,
        "the timer task ran {ran} times in a polled wait of 300 ms"
    );
    assert!(
        cpu >= 10,
        "a polled wait of 300 ms took {cpu} ticks of CPU: not polled?"
    );

    // The default budget (1 ms) against a server that takes 300 ms: parked, not polled,
    // and the next batch (whose last wait was over the budget) does not poll at all.
    let parked = Publisher::new(Redis::open(&url).unwrap());
    for r in parked.publish_batch(&[confirmed(0)]).await {
        r.unwrap();
    }
    for _ in 0..2 {
        let (ran, cpu) = batch_while_paused(&server, &parked, 300).await;
        assert!(
            ran >= 30,
            "the timer task ran {ran} times in a parked wait of 300 ms"
        );
        assert!(
            cpu <= 5,
            "a wait of 300 ms with a 1 ms budget took {cpu} ticks of CPU"
        );
    }

    // Off: the same results as polling.
    let off = Publisher::new(Redis::open(&url).unwrap()).busy_poll(None);
    let batch: Vec<Event> = (1..=50).map(confirmed).collect();
    for (a, b) in off
        .publish_batch(&batch)
        .await
        .into_iter()
        .zip(polling.publish_batch(&batch).await)
    {
        assert!(a.unwrap() < b.unwrap());
    }
}
