//! Test support: private `redis-server`s on free loopback ports (never the shared one, so
//! tests may use the catalog's fixed stream names), a cluster, and the example binaries.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `XLEN` of a stream.
pub fn xlen(conn: &mut redis::Connection, stream: &str) -> usize {
    redis::cmd("XLEN").arg(stream).query(conn).unwrap()
}

/// Set by CI: a test that cannot start Redis fails instead of skipping.
pub const REQUIRE_VAR: &str = "EVENTS_REQUIRE_REDIS";

fn skip(msg: &str) {
    if std::env::var_os(REQUIRE_VAR).is_some() {
        panic!("{msg}; {REQUIRE_VAR} is set, so this is a failure");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED: {msg}. Install redis-server (redis-tools for clusters). !!!!!!!!\n"
    );
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A redis-server this test started; killed on drop.
pub struct Server {
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    extra: Vec<String>,
}

impl Server {
    /// A server on a free port, or `None` (after a loud message) without `redis-server`.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Self {
            port: free_port(),
            child: None,
            dir,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        match s.spawn() {
            Ok(()) => Some(s),
            Err(e) => {
                skip(&format!("cannot start redis-server: {e}"));
                None
            }
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("redis-server on port {} did not answer", self.port))
    }

    pub fn ping(&self) -> bool {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection_with_timeout(Duration::from_secs(2))
            .unwrap()
    }

    /// kill -9.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port (and directory, so an append-only file is read back).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three masters on free ports joined with `redis-cli --cluster create`.
pub struct Cluster {
    pub nodes: Vec<Server>,
}

impl Cluster {
    pub fn start() -> Option<Self> {
        let mut nodes = Vec::new();
        for _ in 0..3 {
            nodes.push(Server::start_with(&[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
            ])?);
        }
        let mut cmd = Command::new("redis-cli");
        cmd.arg("--cluster").arg("create");
        for n in &nodes {
            cmd.arg(format!("127.0.0.1:{}", n.port));
        }
        let out = match cmd
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
        {
            Ok(o) => o,
            Err(e) => {
                skip(&format!("cannot run redis-cli --cluster create: {e}"));
                return None;
            }
        };
        assert!(
            out.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ok = nodes.iter().all(|n| {
                redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query::<String>(&mut n.conn())
                    .is_ok_and(|s| s.contains("cluster_state:ok"))
            });
            if ok {
                break;
            }
            assert!(Instant::now() < deadline, "cluster did not become ok");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Self { nodes })
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Server::url).collect()
    }
}

/// The path of an example binary of this package (built by `cargo test`; built here
/// with cargo when a single test target is run).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "events-redis", "--example", name])
            .status()
            .unwrap();
        assert!(status.success(), "cargo build --example {name}");
    }
    path
}

/// A spawned process whose stdout lines are collected as they come.
pub struct Proc {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Proc {
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                match line {
                    Ok(l) => sink.lock().unwrap().push(l),
                    Err(_) => break,
                }
            }
        });
        Self {
            child,
            lines,
            reader: Some(reader),
        }
    }

    pub fn count(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// Waits until `n` lines were printed (or panics after `limit`).
    pub fn wait_lines(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.count() < n {
            assert!(
                Instant::now() < deadline,
                "only {} lines after {limit:?}",
                self.count()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// kill -9, then every line it printed.
    pub fn kill9(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.reader.take().unwrap().join().unwrap();
        std::mem::take(&mut *self.lines.lock().unwrap())
    }

    /// Waits for the exit (panics after `limit`), then every line it printed.
    pub fn finish(mut self, limit: Duration) -> (std::process::ExitStatus, Vec<String>) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.reader.take().unwrap().join().unwrap();
                return (status, std::mem::take(&mut *self.lines.lock().unwrap()));
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("process still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `entry=<id>` of a wms_consumer line.
pub fn entry_of(line: &str) -> &str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("entry="))
        .unwrap_or("")
}

/// Pending count of `group` on `stream` (XPENDING summary); `u64::MAX` while the group
/// does not exist yet.
pub fn pending(conn: &mut redis::Connection, stream: &str, group: &str) -> u64 {
    let Ok(v) = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .query::<redis::Value>(conn)
    else {
        return u64::MAX;
    };
    match v {
        redis::Value::Array(p) => redis::from_redis_value_ref(&p[0]).unwrap(),
        _ => 0,
    }
}

/// Pending entry ids of one consumer.
pub fn pending_of(
    conn: &mut redis::Connection,
    stream: &str,
    group: &str,
    consumer: &str,
) -> Vec<String> {
    let rows: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .arg(consumer)
        .query(conn)
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}
