//! CloudEvents conformance against independent implementations: the Python SDK (PyPI
//! `cloudevents` 2.2.0) and the JavaScript SDK (npm `cloudevents` 10.0.0) read the Kafka
//! messages `events-kafka` writes for every event of seed 003's set, in binary and in
//! structured mode, and write them back in both modes; `events-kafka` reads what they
//! write into the same event. The SDKs are installed once from their registries and
//! cached; without network the test skips loudly (a failure under EVENTS_REQUIRE_NETWORK).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use events_kafka::cloudevents::{envelope_of, Mode};
use events_kafka::Record;
use events_rt::EventSet;
use kafka_orders_events::Event;
use serde_json::{json, Value};

const PYTHON_SDK: &str = "cloudevents==2.2.0";
const JS_SDK: &str = "cloudevents@10.0.0";

fn tools() -> PathBuf {
    std::env::var_os("EVENTS_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/events-tools")
        })
        .join("ce-sdk")
}

/// Runs an install command once (its marker directory present afterwards); `false` after
/// saying why when it cannot run (no network, no tool).
fn install(what: &str, marker: &Path, cmd: &mut Command) -> bool {
    if marker.exists() {
        return true;
    }
    let ok = cmd.status().is_ok_and(|s| s.success()) && marker.exists();
    if !ok {
        let msg = format!("cannot install the CloudEvents {what} SDK ({cmd:?})");
        assert!(
            std::env::var_os("EVENTS_REQUIRE_NETWORK").is_none(),
            "{msg}; EVENTS_REQUIRE_NETWORK is set"
        );
        eprintln!("SKIPPED: {msg} (set EVENTS_REQUIRE_NETWORK=1 to fail instead)");
    }
    ok
}

/// Our Kafka messages for every seed 003 event in both modes, as NDJSON, and the events.
fn messages() -> (String, Vec<(Value, Event)>) {
    let mut lines = String::new();
    let mut events = Vec::new();
    for (_, doc) in common::samples() {
        let event = Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
        for (mode, name) in [(Mode::Binary, "binary"), (Mode::Structured, "structured")] {
            let r = Record::with_mode(&event, mode).unwrap();
            let headers: serde_json::Map<String, Value> = r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(String::from_utf8(v.clone()).unwrap())))
                .collect();
            let line = json!({
                "mode": name, "type": event.type_name(), "headers": headers,
                "key": r.key.as_ref().map(|k| String::from_utf8(k.clone()).unwrap()),
                "value": String::from_utf8(r.value.clone()).unwrap(),
            });
            lines.push_str(&format!("{line}\n"));
        }
        events.push((doc, event));
    }
    (lines, events)
}

/// `doc` with its `timestamp` spelt as in `like`, when both name the same instant.
fn same_instant(doc: &Value, like: &Value) -> Option<Value> {
    let a = chrono::DateTime::parse_from_rfc3339(doc["timestamp"].as_str()?).ok()?;
    let b = chrono::DateTime::parse_from_rfc3339(like["timestamp"].as_str()?).ok()?;
    (a == b).then(|| {
        let mut d = doc.clone();
        d["timestamp"] = like["timestamp"].clone();
        d
    })
}

/// Reads what an SDK wrote: every message must decode to the event it came from, keep
/// its key, and re-encode to the sample. `respells_time`: the SDK writes `time` in a
/// spelling of its own (the same instant); returns how many messages it respelled.
fn check_sdk_output(sdk: &str, out: &str, events: &[(Value, Event)], respells_time: bool) -> usize {
    let mut respelled = 0;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        events.len() * 4,
        "{sdk}: 2 modes in x 2 modes out per event:\n{out}"
    );
    for (i, line) in lines.iter().enumerate() {
        let (doc, event) = &events[i / 4];
        let m: Value = serde_json::from_str(line).unwrap();
        let headers: Vec<(String, Vec<u8>)> = m["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().as_bytes().to_vec()))
            .collect();
        let value = m["value"].as_str().unwrap().as_bytes();
        let envelope = envelope_of::<Event>(&headers, value)
            .unwrap_or_else(|e| panic!("{sdk} {} message {i}: {e}\n{line}", m["mode"]));
        let back =
            Event::decode_json(&envelope).unwrap_or_else(|e| panic!("{sdk} message {i}: {e}"));
        let mut again: Value = serde_json::from_slice(&back.encode_json().unwrap()).unwrap();
        if respells_time && &again != doc {
            if let Some(d) = same_instant(&again, doc) {
                respelled += 1;
                again = d;
            }
        } else {
            assert_eq!(
                &back, event,
                "{sdk} {} message {i}: another event\n{line}",
                m["mode"]
            );
        }
        assert_eq!(
            &again, doc,
            "{sdk} {} message {i}: the document changed\n{line}",
            m["mode"]
        );
        let key = event
            .message_key(&event.encode_json().unwrap())
            .unwrap()
            .map(|k| k.into_owned());
        assert_eq!(
            m["key"].as_str().map(str::to_owned),
            key,
            "{sdk} message {i}: the key"
        );
    }
    respelled
}

#[test]
fn the_python_sdk_reads_what_we_write_and_we_read_what_it_writes() {
    let dir = tools();
    let py = dir.join("py");
    if !install(
        "Python",
        &py.join("cloudevents"),
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--target",
            ])
            .arg(&py)
            .arg(PYTHON_SDK),
    ) {
        return;
    }
    let (input, events) = messages();
    let tmp = tempfile_path("py");
    std::fs::write(&tmp, input).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ce_sdk/roundtrip.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&tmp)
        .env("PYTHONPATH", &py)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&tmp);
    assert!(
        out.status.success(),
        "the Python SDK refused our messages: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The Python SDK keeps every attribute as it is: the events come back byte for byte.
    let respelled = check_sdk_output(
        "python",
        &String::from_utf8(out.stdout).unwrap(),
        &events,
        false,
    );
    assert_eq!(respelled, 0);
}

#[test]
fn the_javascript_sdk_reads_what_we_write_and_we_read_what_it_writes() {
    let dir = tools();
    let js = dir.join("js");
    if !install(
        "JavaScript",
        &js.join("node_modules/cloudevents"),
        Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&js)
            .arg(JS_SDK),
    ) {
        return;
    }
    let (input, events) = messages();
    let tmp = tempfile_path("js");
    std::fs::write(&tmp, input).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ce_sdk/roundtrip.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(&tmp)
        .arg(js.join("node_modules"))
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&tmp);
    assert!(
        out.status.success(),
        "the JavaScript SDK refused our messages: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The JavaScript SDK differs from the spec's letter in two ways, written down in the
    // README: it re-spells `time` as JavaScript's `toISOString` does (milliseconds, UTC:
    // `2025-06-29T10:00:00.000Z` for `2025-06-29T10:00:00Z`, the same instant), and in
    // binary mode it writes the attributes it does not have as the text "undefined"
    // (`ce_subject: undefined`), which a reader must ignore (we map no `subject`).
    let respelled = check_sdk_output(
        "javascript",
        &String::from_utf8(out.stdout).unwrap(),
        &events,
        true,
    );
    eprintln!(
        "the JavaScript SDK re-spelled `time` in {respelled} of {} messages",
        events.len() * 4
    );
}

fn tempfile_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("events-ce-{tag}-{}.ndjson", std::process::id()))
}
