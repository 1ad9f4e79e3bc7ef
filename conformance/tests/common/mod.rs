//! Shared test support: sample files, the contract sets, and a real Redis server.
#![allow(dead_code)]

// The redis crate as events-rt re-exports it, so versions always match.
use events_rt::redis::driver as redis;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use events_check::validate::Validator;
use events_codegen::{ir::Catalog, SchemaSet};
use serde_json::{json, Value};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct Set {
    pub schemas: SchemaSet,
    pub catalog: Catalog,
    pub validator: Validator,
}

pub fn load(dir: &str) -> Set {
    let schemas = SchemaSet::load(&root().join(dir)).unwrap();
    let catalog = events_codegen::catalog(&schemas).unwrap();
    let validator = Validator::new(&schemas).unwrap();
    Set {
        schemas,
        catalog,
        validator,
    }
}

pub fn vondi() -> Set {
    load("schemas")
}

pub fn kafka() -> Set {
    load("examples/kafka-orders/schemas")
}

pub fn rabbitmq() -> Set {
    load("examples/rabbitmq-orders/schemas")
}

pub fn node() -> Set {
    load("examples/node-orders/schemas")
}

/// `(file name, parsed JSON)` of every `*.json` in a sample directory, sorted.
pub fn samples(dir: &str) -> Vec<(String, Value)> {
    let dir = root().join(dir);
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no samples in {}", dir.display());
    out
}

/// A JSON pointer (`/items/0/quantity`) in the dotted form serde errors use (`items[0].quantity`).
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// A Redis connection for a test, and the server it started if it had to start one.
pub struct RedisGuard {
    pub conn: redis::Connection,
    server: Option<Child>,
}

impl Drop for RedisGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Set by CI: a test that cannot reach Redis fails instead of skipping.
pub const REQUIRE_VAR: &str = "EVENTS_REQUIRE_REDIS";

/// Connects to `REDIS_URL` (default `redis://127.0.0.1:6379`), or starts a private
/// `redis-server` on a free port. `None` (after a loud message) when neither works.
pub fn redis() -> Option<RedisGuard> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let first = match connect(&url) {
        Ok(conn) => return Some(RedisGuard { conn, server: None }),
        Err(e) => e,
    };
    if let Some(guard) = start_private_server() {
        return Some(guard);
    }
    let msg = format!("no Redis at {url} ({first}) and no redis-server could be started");
    if std::env::var_os(REQUIRE_VAR).is_some() {
        panic!("{msg}; {REQUIRE_VAR} is set, so this is a failure");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {msg}. Set REDIS_URL or install redis-server. !!!!!!!!\n");
    None
}

fn connect(url: &str) -> Result<redis::Connection, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(std::time::Duration::from_secs(2))?;
    redis::cmd("PING").query::<String>(&mut conn)?;
    Ok(conn)
}

fn start_private_server() -> Option<RedisGuard> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let url = format!("redis://127.0.0.1:{port}");
    let mut guard_child = Some(child);
    for _ in 0..50 {
        if let Ok(conn) = connect(&url) {
            return Some(RedisGuard {
                conn,
                server: guard_child.take(),
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if let Some(mut c) = guard_child {
        let _ = c.kill();
    }
    None
}

/// A stream key no other test run uses.
pub fn unique_key(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("events-test:{}:{nanos}:{name}", std::process::id())
}

/// The constructs fixture's (`codegen/tests/fixtures/constructs`) event with every field
/// present: what the constructs and encode tests start from.
pub fn constructs_full() -> Value {
    json!({
        "event": "shape.everything",
        "at": "2025-06-29T10:00:00.250+07:00",
        "id": "0b8f2a4e-6c1d-4f5e-9a7b-3c2d1e0f9a8b",
        "small": 200,
        "signed": -5,
        "big": 18446744073709551615u64,
        "count": 7,
        "ratio": 0.95,
        "flag": false,
        "nullable_text": null,
        "maybe_null": null,
        "fixed": "v",
        "day": "2025-06-30",
        "addr": "192.168.1.1",
        "seconds": 1734825600,
        "status": "in_progress",
        "tags": ["a", "b"],
        "labels": {"x": 1, "y": -2},
        "anything": [1, "two", {"three": null}],
        "loose": {"k": [true]},
        "price": {"amount": 5990.5, "currency": "RSD"},
        "tree": {"name": "root", "next": {"name": "n"}, "children": [{"name": "c", "children": []}]},
        "nested": {"deep": {"leaf": "l"}},
        // A whole float as the Go and Node producers write it (`1`, never `1.0`).
        "payment": {"method": "cod", "fee": {"amount": 1, "currency": "EUR"}},
        "either": 42,
        "packed": "{\"p\":1}",
        "merged": {"amount": 2.5, "currency": "THB", "note": "n"},
        "extra_map": {"known": "k", "other": "o"},
        "type": "keyword-named",
        "camelCase": "c"
    })
}
