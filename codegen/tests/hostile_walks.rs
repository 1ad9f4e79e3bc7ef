//! Schema directories with links, loops and FIFOs, and schema files with a key twice
//! (issue 11, classes 2 and 4): the walk ends, reads each real file once and never opens
//! a FIFO; a duplicate key is a located error, never "the last one wins".

#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;

use events_codegen::SchemaSet;

mod common;
use common::{write, ENVELOPE};

fn event(event_type: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-event": {{ "type": "{event_type}", "version": "1.0", "stream": "s", "producer": "p", "consumers": [] }},
  "type": "object",
  "properties": {{ "n": {{ "type": "integer" }} }},
  "additionalProperties": false
}}"#
    )
}

/// A set of two events, `a/a.done.v1.json` and `b/b.done.v1.json`.
fn set() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    write(tmp.path(), "a/a.done.v1.json", &event("a.done"));
    write(tmp.path(), "b/b.done.v1.json", &event("b.done"));
    tmp
}

/// Loads the set on another thread, failing (not hanging) after a minute.
fn load(dir: &Path) -> Result<SchemaSet, String> {
    let dir = dir.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(SchemaSet::load(&dir).map_err(|e| e.to_string()));
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("loading the schema directory blocked")
}

fn event_types(set: &SchemaSet) -> Vec<&str> {
    set.events.iter().map(|e| e.event_type.as_str()).collect()
}

#[test]
fn links_to_the_directory_itself_and_loops_are_walked_once() {
    let tmp = set();
    let d = tmp.path();
    symlink(".", d.join("self1")).unwrap();
    symlink(d, d.join("self2")).unwrap();
    symlink("..", d.join("a/up")).unwrap();
    symlink("../a", d.join("b/to_a")).unwrap();
    let set = load(d).unwrap();
    assert_eq!(event_types(&set), ["a.done", "b.done"]);
}

#[test]
fn a_directory_or_file_reached_by_two_paths_is_read_once() {
    let tmp = set();
    let d = tmp.path();
    symlink(d.join("a"), d.join("also_a")).unwrap();
    symlink("a.done.v1.json", d.join("a/copy.json")).unwrap();
    let set = load(d).unwrap();
    assert_eq!(event_types(&set), ["a.done", "b.done"]);
}

#[test]
fn a_fifo_named_like_a_schema_is_never_opened() {
    let tmp = set();
    let d = tmp.path();
    for fifo in [d.join("x.json"), d.join("a/y.json")] {
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
    let _socket = std::os::unix::net::UnixListener::bind(d.join("s.json")).unwrap();
    let set = load(d).unwrap();
    assert_eq!(event_types(&set), ["a.done", "b.done"]);
}

#[test]
fn a_key_twice_in_a_schema_file_is_a_located_error() {
    for (text, pointer, key) in [
        // At the top.
        (
            event("a.done").replacen(
                "\"type\": \"object\",",
                "\"type\": \"object\", \"type\": \"array\",",
                1,
            ),
            "",
            "type",
        ),
        // A property defined twice.
        (
            event("a.done").replace(
                r#""n": { "type": "integer" }"#,
                r#""n": { "type": "integer" }, "n": { "type": "string" }"#,
            ),
            "/properties",
            "n",
        ),
        // Inside the metadata.
        (
            event("a.done").replace(r#""stream": "s","#, r#""stream": "s", "stream": "t","#),
            "/x-event",
            "stream",
        ),
    ] {
        let tmp = set();
        write(tmp.path(), "a/a.done.v1.json", &text);
        let e = load(tmp.path()).unwrap_err();
        assert!(
            e.contains(&format!("duplicate key {key:?}")) && e.contains("a.done.v1.json"),
            "{e}"
        );
        assert!(
            pointer.is_empty() || e.contains(&format!("a.done.v1.json: {pointer} (line")),
            "{e}"
        );
    }
}
