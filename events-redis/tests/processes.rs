//! The example binaries against a private redis-server: kill -9 of a consumer mid-batch,
//! recovery by a second consumer, and a restart under the same name.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::Duration;

use common::{entry_of, example, pending, pending_of, Proc, Server};

const STREAM: &str = "listings:events:orders";
const GROUP: &str = "wms-consumers";
const N: usize = 10_000;

fn publish(server: &Server, n: usize) {
    let out = Command::new(example("listings_publisher"))
        .args(["--redis", &server.url(), "--count", &n.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn consumer(server: &Server, name: &str, min_idle_ms: u64, exit_when_idle: u64) -> Proc {
    let mut cmd = Command::new(example("wms_consumer"));
    cmd.args([
        "--redis",
        &server.url(),
        "--consumer",
        name,
        "--min-idle",
        &min_idle_ms.to_string(),
        "--exit-when-idle",
        &exit_when_idle.to_string(),
    ]);
    Proc::spawn(cmd)
}

/// Every order has its picking task.
fn assert_all_tasks(conn: &mut redis::Connection, n: usize) {
    let mut missing = Vec::new();
    for id in 1..=n {
        let status: Option<String> = redis::cmd("HGET")
            .arg(format!("wms:picking:{id}"))
            .arg("status")
            .query(conn)
            .unwrap();
        if status.as_deref() != Some("created") {
            missing.push(id);
        }
    }
    assert!(
        missing.is_empty(),
        "{} orders without a picking task: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
}

#[test]
fn a_killed_consumer_loses_nothing_a_second_one_recovers_its_entries() {
    let Some(server) = Server::start() else {
        return;
    };
    publish(&server, N);
    let mut conn = server.conn();
    // A kill between two batches leaves nothing in flight: run and kill again until one
    // does (each run handles only part of the stream; its lines all count).
    let mut lines_a = Vec::new();
    let mut in_flight: HashSet<String> = HashSet::new();
    for _ in 0..5 {
        let a = consumer(&server, "wms-a", 1_000, 2);
        a.wait_lines(2_000, Duration::from_secs(30));
        lines_a.extend(a.kill9());
        in_flight = pending_of(&mut conn, STREAM, GROUP, "wms-a")
            .into_iter()
            .collect();
        if !in_flight.is_empty() {
            break;
        }
    }
    assert!(
        !in_flight.is_empty() && in_flight.len() <= 100,
        "in flight at the kill: {}",
        in_flight.len()
    );

    let b = consumer(&server, "wms-b", 1_000, 2);
    let (status, lines_b) = b.finish(Duration::from_secs(60));
    assert!(status.success());
    assert_all_tasks(&mut conn, N);
    assert_eq!(pending(&mut conn, STREAM, GROUP), 0, "PEL empty at the end");

    // Every entry handled; duplicates only among those in flight at the kill.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for l in lines_a.iter().chain(&lines_b) {
        *seen.entry(entry_of(l)).or_default() += 1;
    }
    assert_eq!(seen.len(), N, "distinct entries handled");
    let dups: Vec<&str> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    for d in &dups {
        assert!(
            in_flight.contains(*d),
            "entry {d} handled twice but was not in flight"
        );
    }
    // B took over every entry A had in hand.
    let by_b: HashSet<&str> = lines_b.iter().map(|l| entry_of(l)).collect();
    for id in &in_flight {
        assert!(
            by_b.contains(id.as_str()),
            "in-flight entry {id} not recovered"
        );
    }
}

#[test]
fn a_consumer_restarted_under_its_name_handles_its_own_pending_entries_first() {
    let Some(server) = Server::start() else {
        return;
    };
    publish(&server, N);
    let mut conn = server.conn();
    // A kill between two batches leaves nothing pending: kill again until it leaves some
    // (each run handles only part of the stream, so there is always more to read).
    let mut own = Vec::new();
    for _ in 0..5 {
        let a = consumer(&server, "wms-a", 60_000, 2);
        a.wait_lines(1_000, Duration::from_secs(30));
        let _ = a.kill9();
        own = pending_of(&mut conn, STREAM, GROUP, "wms-a");
        if !own.is_empty() {
            break;
        }
    }
    assert!(!own.is_empty(), "five kills left nothing pending");

    // min_idle of a minute: nothing is claimed; only its own pending list brings them back.
    let again = consumer(&server, "wms-a", 60_000, 2);
    let (status, lines) = again.finish(Duration::from_secs(60));
    assert!(status.success());
    let first: Vec<&str> = lines.iter().take(own.len()).map(|l| entry_of(l)).collect();
    let own_ref: Vec<&str> = own.iter().map(String::as_str).collect();
    assert_eq!(first, own_ref, "own pending entries first, in order");
    assert_all_tasks(&mut conn, N);
    assert_eq!(pending(&mut conn, STREAM, GROUP), 0);
}
