//! Shared by the broker tests: a private virtual host per test on the local RabbitMQ
//! (127.0.0.1:5672, guest/guest), deleted with everything in it when the test ends.
//! Without a broker the tests skip loudly, unless `EVENTS_REQUIRE_RABBITMQ` is set (CI),
//! which turns the skip into a failure.

#![allow(dead_code)]

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Host and port of the broker the tests use.
pub const BROKER: &str = "127.0.0.1:5672";

/// A virtual host of its own for one test, deleted on drop.
pub struct Vhost {
    /// Its name.
    pub name: String,
    /// `amqp://guest:guest@127.0.0.1:5672/<name>`.
    pub url: String,
}

fn rabbitmqctl(args: &[&str]) -> Result<(), String> {
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .map_err(|e| format!("rabbitmqctl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "rabbitmqctl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `rabbitmqctl` with `args`, panicking with its error.
pub fn ctl(args: &[&str]) {
    rabbitmqctl(args).unwrap_or_else(|e| panic!("{e}"));
}

impl Vhost {
    /// A fresh virtual host, or `None` (after saying why) when no broker answers and
    /// `EVENTS_REQUIRE_RABBITMQ` is not set.
    pub fn new(test: &str) -> Option<Self> {
        if let Err(e) =
            std::net::TcpStream::connect_timeout(&BROKER.parse().unwrap(), Duration::from_secs(2))
        {
            let msg = format!("no RabbitMQ at {BROKER}: {e}");
            assert!(
                std::env::var_os("EVENTS_REQUIRE_RABBITMQ").is_none(),
                "{msg}; EVENTS_REQUIRE_RABBITMQ is set"
            );
            eprintln!("SKIPPED {test}: {msg} (set EVENTS_REQUIRE_RABBITMQ=1 to fail instead)");
            return None;
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "events-test-{test}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(e) = rabbitmqctl(&["add_vhost", &name]) {
            assert!(
                std::env::var_os("EVENTS_REQUIRE_RABBITMQ").is_none(),
                "{e}; EVENTS_REQUIRE_RABBITMQ is set"
            );
            eprintln!("SKIPPED {test}: cannot create a virtual host: {e}");
            return None;
        }
        ctl(&["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]);
        Some(Self {
            url: format!("amqp://guest:guest@{BROKER}/{name}"),
            name,
        })
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        if let Err(e) = rabbitmqctl(&["delete_vhost", &self.name]) {
            eprintln!("cleanup: {e}");
        }
    }
}

/// Polls `check` every 50 ms until it holds or `limit` passes; says what it waited for.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The path of an example binary of this crate, built first if `cargo test` did not.
pub fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "events-amqp", "--example", name])
            .status()
            .unwrap();
        assert!(status.success(), "cargo build --example {name}");
    }
    path
}

/// Messages ready in `queue` of the virtual host at `url` (0 when it does not exist).
pub async fn ready(url: &str, queue: &str) -> u64 {
    let conn = events_amqp::connect(url, "test").await.unwrap();
    let status = events_amqp::health::queue_status(&conn, &events_amqp::QueueNames::of(queue))
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
    status.health.backlog
}
