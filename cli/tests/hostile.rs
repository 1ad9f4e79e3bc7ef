//! `events validate` on hostile input (issue 11): directory walks with links, loops and
//! FIFOs; nothing to check; sizes without bound; values too large to echo; duplicate keys
//! and integers the typed decoder refuses. Every case ends (a timeout fails the test
//! instead of hanging it) with a located error or a correct report.

#![cfg(unix)]

use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The binary, with a timeout: a walk or a read that blocks fails the test.
fn events() -> Command {
    let mut cmd = Command::cargo_bin("events").unwrap();
    cmd.current_dir(root())
        .env_remove("EVENTS_SCHEMAS")
        .timeout(Duration::from_secs(120));
    cmd
}

fn cancelled(order_id: Value) -> Value {
    json!({"type": "order.cancelled", "order_id": order_id, "reason": "r", "timestamp": 1701709200})
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Runs the command, checks the exit code; (stdout, stderr).
fn run(cmd: &mut Command, code: i32) -> (String, String) {
    let out = cmd.assert().code(code).get_output().clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_report(cmd: &mut Command, code: i32) -> Value {
    let (out, err) = run(cmd.args(["--format", "json"]), code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"))
}

// ---- class 2: directory walks ----

#[test]
fn two_links_to_the_directory_itself_are_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "a.json", &cancelled(json!(1)).to_string());
    write(d, "b.json", &cancelled(json!(2)).to_string());
    symlink(".", d.join("self1")).unwrap();
    symlink(d, d.join("self2")).unwrap();
    let report = json_report(events().arg("validate").arg(d), 0);
    assert_eq!(report["checked"], 2, "{report}");
    let (_, err) = run(events().arg("validate").arg(d), 0);
    assert!(
        err.contains("self1: a link back to") && err.contains("self2: a link back to"),
        "{err}"
    );
}

#[test]
fn a_directory_reached_through_several_links_is_walked_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sub = d.join("sub");
    std::fs::create_dir(&sub).unwrap();
    write(&sub, "a.json", &cancelled(json!(1)).to_string());
    // Two more ways into `sub`, one from inside another directory, and a link to the file.
    symlink(&sub, d.join("link1")).unwrap();
    std::fs::create_dir(d.join("other")).unwrap();
    symlink("../sub", d.join("other/link2")).unwrap();
    symlink("a.json", sub.join("same.json")).unwrap();
    let (out, err) = run(events().arg("validate").arg(d), 0);
    assert!(out.contains("ok: 1 payloads checked"), "{out}\n{err}");
    assert!(err.contains("already walked"), "{err}");
    // The same directory named twice on the command line: once too.
    let (out, _) = run(events().arg("validate").arg(&sub).arg(d), 0);
    assert!(out.contains("ok: 1 payloads checked"), "{out}");
}

#[test]
fn a_loop_of_links_between_directories_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for name in ["a", "b"] {
        std::fs::create_dir(d.join(name)).unwrap();
        write(&d.join(name), "e.json", &cancelled(json!(1)).to_string());
    }
    // a/to_b -> b and b/to_a -> a: each directory reachable from the other.
    symlink("../b", d.join("a/to_b")).unwrap();
    symlink("../a", d.join("b/to_a")).unwrap();
    // A loop of links that points nowhere: a broken link is a warning.
    symlink("x1", d.join("x2")).unwrap();
    symlink("x2", d.join("x1")).unwrap();
    let (out, err) = run(events().arg("validate").arg(d), 0);
    assert!(out.contains("ok: 2 payloads checked"), "{out}\n{err}");
    assert!(err.contains("x1") && err.contains("skipped"), "{err}");
}

#[test]
fn fifos_sockets_and_devices_are_never_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "ok.json", &cancelled(json!(1)).to_string());
    let fifo = d.join("x.json");
    mkfifo(&fifo);
    let _socket = std::os::unix::net::UnixListener::bind(d.join("s.ndjson")).unwrap();
    // In a walk: skipped with a warning; the regular file is checked.
    let (out, err) = run(events().arg("validate").arg(d), 0);
    assert!(out.contains("ok: 1 payloads checked"), "{out}");
    assert!(
        err.contains("x.json: a FIFO is not a regular file: skipped"),
        "{err}"
    );
    assert!(
        err.contains("s.ndjson: a socket is not a regular file: skipped"),
        "{err}"
    );
    // Matched by a glob: skipped too.
    let pattern = format!("{}/*.json", d.display());
    let (out, err) = run(events().arg("validate").arg(&pattern), 0);
    assert!(out.contains("ok: 1 payloads checked"), "{out}");
    assert!(
        err.contains("a FIFO is not a regular file: skipped"),
        "{err}"
    );
    // Named on the command line: refused, with the way to read a pipe.
    for (path, kind) in [
        (fifo.clone(), "a FIFO"),
        (PathBuf::from("/dev/zero"), "a character device"),
        (d.join("s.ndjson"), "a socket"),
    ] {
        let (_, err) = run(events().arg("validate").arg(&path), 2);
        assert!(
            err.contains(&format!("{}: {kind} is not a regular file", path.display()))
                && err.contains("pass `-`"),
            "{err}"
        );
    }
    // A link to the FIFO in the walk: skipped as well.
    let sub = d.join("sub");
    std::fs::create_dir(&sub).unwrap();
    symlink(&fifo, sub.join("y.json")).unwrap();
    write(&sub, "z.json", &cancelled(json!(2)).to_string());
    let (out, err) = run(events().arg("validate").arg(&sub), 0);
    assert!(out.contains("ok: 1 payloads checked"), "{out}");
    assert!(err.contains("y.json: a FIFO"), "{err}");
}

/// The schema directory is walked by the same rules: a FIFO, a loop of links and a file
/// reached twice are warnings on stderr, never a block or a double count.
#[test]
fn schema_walks_warn_about_what_they_skip() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("schemas");
    copy_dir(&root().join("schemas"), &d);
    mkfifo(&d.join("blocked.json"));
    symlink(&d, d.join("self")).unwrap();
    symlink(d.join("envelope.json"), d.join("again.json")).unwrap();
    let (plain, _) = run(
        events()
            .args(["list", "--schemas"])
            .arg(root().join("schemas")),
        0,
    );
    for command in [vec!["list"], vec!["validate", "samples/vondi/json"]] {
        let (out, err) = run(events().args(&command).arg("--schemas").arg(&d), 0);
        if command[0] == "list" {
            assert_eq!(out, plain, "each schema once");
        }
        for needle in [
            "blocked.json",
            "a FIFO is not a regular file",
            "self",
            "a loop",
            "the same file as",
            "again.json: read once",
        ] {
            assert!(err.contains(needle), "{command:?}: {needle} not in\n{err}");
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

// ---- class 7: nothing to check ----

#[test]
fn nothing_to_check_is_an_error_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let empty_dir = d.join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    let no_payloads = d.join("txt");
    std::fs::create_dir(&no_payloads).unwrap();
    write(&no_payloads, "notes.txt", "hello");
    let files = d.join("files");
    std::fs::create_dir(&files).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (empty_dir, "no payload files"),
        (no_payloads, "no payload files"),
        (write(&files, "empty.ndjson", ""), "empty: no payloads"),
        (
            write(&files, "blank.ndjson", "\n  \n\n"),
            "empty: no payloads",
        ),
        (write(&files, "empty.json", ""), "empty: no payloads"),
        (write(&files, "blank.json", " \n\t\n"), "empty: no payloads"),
        (
            write(&files, "array.json", "[]"),
            "an empty array: no payloads",
        ),
    ];
    for (path, why) in &cases {
        let (out, err) = run(events().arg("validate").arg(path), 2);
        assert!(err.contains(why) && err.contains("--allow-empty"), "{err}");
        assert!(out.starts_with("FAILED"), "{out}");
        let (out, _) = run(events().args(["validate", "--allow-empty"]).arg(path), 0);
        assert!(out.contains("ok: 0 payloads checked"), "{out}");
        // The JSON report says so too.
        let report = json_report(events().arg("validate").arg(path), 2);
        assert_eq!(report["checked"], 0);
        assert!(
            report["errors"][0].as_str().unwrap().contains(why),
            "{report}"
        );
    }
    for stdin in ["", "\n\n", "   "] {
        let (_, err) = run(events().args(["validate", "-"]).write_stdin(stdin), 2);
        assert!(err.contains("-: empty: no payloads"), "{err}");
        run(
            events()
                .args(["validate", "--allow-empty", "-"])
                .write_stdin(stdin),
            0,
        );
    }
}

// ---- class 7: NDJSON sniffing reads the whole first line ----

#[test]
fn a_first_line_longer_than_four_kilobytes_is_still_ndjson() {
    let tmp = tempfile::tempdir().unwrap();
    let long = json!({"type": "order.cancelled", "order_id": 1, "reason": "x".repeat(10_000), "timestamp": 1});
    let text = format!("{long}\n{}\n", cancelled(json!("bad")));
    let f = write(tmp.path(), "two.json", &text);
    for cmd in [
        events().arg("validate").arg(&f),
        events().args(["validate", "-"]).write_stdin(text.clone()),
    ] {
        let report = json_report(cmd, 1);
        assert_eq!(report["checked"], 2, "{report}");
        assert_eq!(report["invalid_payloads"][0]["line"], 2, "{report}");
    }
    // Large enough for the streamed path (over 1 MiB), NDJSON decided by its first line.
    let big = json!({"type": "order.cancelled", "order_id": 1, "reason": "y".repeat(2 << 20), "timestamp": 1});
    let f = write(tmp.path(), "big.json", &format!("{big}\n{big}\n"));
    assert_eq!(
        json_report(events().arg("validate").arg(&f), 0)["checked"],
        2
    );
    // One pretty-printed document, and one document on one line, stay one document.
    let pretty = serde_json::to_string_pretty(&cancelled(json!(1))).unwrap();
    let f = write(tmp.path(), "pretty.json", &pretty);
    assert_eq!(
        json_report(events().arg("validate").arg(&f), 0)["checked"],
        1
    );
    let one = format!("\n\n{}\n\n", cancelled(json!(1)));
    let f = write(tmp.path(), "one.json", &one);
    assert_eq!(
        json_report(events().arg("validate").arg(&f), 0)["checked"],
        1
    );
    let report = json_report(events().args(["validate", "-"]).write_stdin(one), 0);
    assert_eq!(report["checked"], 1);
}

// ---- class 6: bounded resources ----

#[test]
fn documents_and_lines_over_the_size_limit_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let big = json!({"type": "order.cancelled", "order_id": 1, "reason": "x".repeat(5000), "timestamp": 1});
    let small = cancelled(json!(1));
    // One document over the limit (read whole or streamed).
    let pretty = serde_json::to_string_pretty(&big).unwrap();
    let f = write(tmp.path(), "doc.json", &pretty);
    let (_, err) = run(
        events()
            .args(["validate", "--max-document-size", "2KiB"])
            .arg(&f),
        2,
    );
    assert!(
        err.contains("doc.json: larger than the maximum document size of 2048 bytes"),
        "{err}"
    );
    // An NDJSON line over the limit: the file and line; the lines before it are checked.
    let f = write(
        tmp.path(),
        "lines.ndjson",
        &format!("{small}\n{small}\n{big}\n{small}\n"),
    );
    let (out, err) = run(
        events()
            .args(["validate", "--max-document-size", "2K"])
            .arg(&f),
        2,
    );
    assert!(
        err.contains("lines.ndjson:3: a line longer than the maximum document size"),
        "{err}"
    );
    assert!(out.contains("2 payloads checked"), "{out}");
    // The default limit accepts it.
    run(events().arg("validate").arg(&f), 0);
    // A bad size is a usage error.
    run(
        events().args(["validate", "--max-document-size", "lots", "-"]),
        2,
    );
}

#[test]
fn an_endless_line_on_stdin_is_an_error_not_all_the_memory() {
    // /dev/zero on stdin: one line that never ends.
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("events"))
        .current_dir(root())
        .env_remove("EVENTS_SCHEMAS")
        .args(["validate", "--max-document-size", "1MiB", "-"])
        .stdin(zero)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("-: larger than the maximum document size of 1 MiB")
            || err.contains("-:1: a line longer than the maximum document size of 1 MiB"),
        "{err}"
    );
    // NDJSON on stdin whose third line never ends.
    let mut text = format!("{}\n{}\n", cancelled(json!(1)), cancelled(json!(2)));
    text.push_str(&"a".repeat(3 << 20));
    let (out, err) = run(
        events()
            .args(["validate", "--max-document-size", "1MiB", "-"])
            .write_stdin(text),
        2,
    );
    assert!(
        err.contains("-:3: a line longer than the maximum document size of 1 MiB"),
        "{err}"
    );
    assert!(out.contains("2 payloads checked"), "{out}");
}

#[test]
fn huge_offending_values_are_echoed_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let huge = "9".repeat(3 << 20);
    let docs = [
        // A huge string where an integer belongs.
        cancelled(json!(huge)),
        // A huge unknown event type.
        json!({"type": huge, "order_id": 1}),
        // A huge array as the whole document.
        json!(vec![huge.clone(); 2]),
        // A huge object in a field.
        json!({"type": "order.cancelled", "order_id": {"k": huge}, "reason": "r", "timestamp": 1}),
    ];
    for (i, doc) in docs.iter().enumerate() {
        let f = write(tmp.path(), &format!("{i}.json"), &doc.to_string());
        let (out, _) = run(events().arg("validate").arg(&f), 1);
        assert!(out.len() < 4000, "human report of {i}: {} bytes", out.len());
        let (out, _) = run(events().args(["validate", "--format", "json"]).arg(&f), 1);
        assert!(out.len() < 6000, "json report of {i}: {} bytes", out.len());
        let report: Value = serde_json::from_str(&out).unwrap();
        let v = &report["invalid_payloads"][0]["violations"][0];
        let shown = v["value"].as_str().unwrap_or_default();
        assert!(
            shown.ends_with(" bytes)") || v["value"].is_null(),
            "{i}: {v}"
        );
    }
}

/// Peak resident memory (kB) of a running child, polled until it exits.
fn peak_rss_kb(mut child: std::process::Child) -> (u64, std::process::ExitStatus) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kb: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak = peak.max(kb);
                }
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (peak, status);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_json_report_of_many_invalid_lines_streams_with_flat_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.ndjson");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let lines = 200_000;
    for i in 0..lines {
        // Broken JSON: cheap to check, one finding each.
        writeln!(
            f,
            "{{\"type\": \"order.cancelled\", \"order_id\": {i}, oops"
        )
        .unwrap();
    }
    drop(f);
    let out_path = tmp.path().join("report.json");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("events"))
        .current_dir(root())
        .env_remove("EVENTS_SCHEMAS")
        .args(["validate", "--format", "json"])
        .arg(&path)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (peak_kb, status) = peak_rss_kb(child);
    assert_eq!(status.code(), Some(1));
    let report: Value = serde_json::from_reader(std::io::BufReader::new(
        std::fs::File::open(&out_path).unwrap(),
    ))
    .unwrap();
    assert_eq!(report["checked"], lines);
    assert_eq!(report["invalid"], lines);
    assert_eq!(
        report["invalid_payloads"].as_array().unwrap().len(),
        lines as usize
    );
    assert_eq!(
        report["invalid_payloads"][lines as usize - 1]["line"],
        lines
    );
    // Collected before printing, the findings took about 1 GB (5 kB each).
    assert!(
        peak_kb < 200_000,
        "peak memory {peak_kb} kB for {lines} findings"
    );
}

// ---- class 4: what the validator accepts, the typed decoder reads ----

#[test]
fn duplicate_keys_are_errors_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let text = r#"{"type":"order.cancelled","order_id":"abc","order_id":5,"reason":"r","timestamp":1701709200}"#;
    let f = write(tmp.path(), "dup.json", text);
    let (out, _) = run(events().arg("validate").arg(&f), 1);
    assert!(
        out.contains("[duplicate-key]") && out.contains("duplicate key \"order_id\""),
        "{out}"
    );
    // Nested, in NDJSON: the line and the object.
    let f = write(
        tmp.path(),
        "dup.ndjson",
        &format!(
            "{}\n{}\n",
            cancelled(json!(1)),
            r#"{"type":"order.cancelled","order_id":1,"reason":"r","timestamp":1,"x":{"a":1,"a":2}}"#
        ),
    );
    let report = json_report(events().arg("validate").arg(&f), 1);
    let p = &report["invalid_payloads"][0];
    assert_eq!(p["line"], 2);
    assert_eq!(p["violations"][0]["rule"], "duplicate-key");
    assert_eq!(p["violations"][0]["path"], "/x");
    // A stream entry field map (redis-cli --json XRANGE output) with a field twice.
    let xrange = json!([[
        "1-0",
        [
            "type",
            "order.cancelled",
            "order_id",
            "abc",
            "order_id",
            "5",
            "reason",
            "r",
            "timestamp",
            "1"
        ]
    ]]);
    let f = write(tmp.path(), "xrange.json", &xrange.to_string());
    let (out, _) = run(events().arg("validate").arg(&f), 1);
    assert!(
        out.contains("entry 1-0") && out.contains("duplicate field \"order_id\""),
        "{out}"
    );
}

#[test]
fn integers_the_decoder_refuses_are_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    // order_id is an int64 field.
    for (spelling, why) in [
        ("9223372036854775808", "out of range"),
        ("-9223372036854775809", ""),
        ("1.0", "not written as an integer"),
        ("1e2", "not written as an integer"),
        ("-0", "not written as an integer"),
        ("5.0e0", "not written as an integer"),
    ] {
        let text = format!(
            r#"{{"type":"order.cancelled","order_id":{spelling},"reason":"r","timestamp":1701709200}}"#
        );
        let f = write(tmp.path(), "n.json", &text);
        let (out, _) = run(events().arg("validate").arg(&f), 1);
        assert!(
            out.contains("/order_id") && out.contains(why),
            "{spelling}: {out}"
        );
    }
    let ok = r#"{"type":"order.cancelled","order_id":9223372036854775807,"reason":"r","timestamp":1701709200}"#;
    let f = write(tmp.path(), "n.json", ok);
    run(events().arg("validate").arg(&f), 0);
}

// ---- class 5: a stream entry that is not UTF-8 ----

/// A connection and a key no other run uses; `None` (skipped, loudly) without a server,
/// unless `EVENTS_REQUIRE_REDIS` is set.
fn live_redis(tag: &str) -> Option<(String, redis::Connection, String)> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let conn = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)));
    match conn {
        Ok(c) => {
            let key = format!(
                "events-cli-test:{tag}:{}:{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            );
            Some((url, c, key))
        }
        Err(e) => {
            assert!(
                std::env::var_os("EVENTS_REQUIRE_REDIS").is_none(),
                "no Redis at {url}: {e}; EVENTS_REQUIRE_REDIS is set"
            );
            eprintln!("\n!!!!!!!! SKIPPED: no Redis at {url} ({e}) !!!!!!!!\n");
            None
        }
    }
}

#[test]
fn an_entry_that_is_not_utf8_is_its_own_finding_and_the_audit_goes_on() {
    let Some((url, mut conn, key)) = live_redis("utf8") else {
        return;
    };
    let xadd = |conn: &mut redis::Connection, fields: &[(&[u8], &[u8])]| -> String {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&key).arg("*");
        for (k, v) in fields {
            cmd.arg(*k).arg(*v);
        }
        cmd.query(conn).unwrap()
    };
    let good: Vec<(&[u8], &[u8])> = vec![
        (b"type", b"order.cancelled"),
        (b"order_id", b"1"),
        (b"reason", b"r"),
        (b"timestamp", b"1701709200"),
    ];
    let mut ids = Vec::new();
    ids.push(xadd(&mut conn, &good));
    // A value that is not UTF-8.
    let mut bad_value = good.clone();
    bad_value[2] = (b"reason", b"caf\xe9 \xff");
    ids.push(xadd(&mut conn, &bad_value));
    ids.push(xadd(&mut conn, &good));
    // A field name that is not UTF-8.
    let mut bad_name = good.clone();
    bad_name.push((b"n\xc3\x28", b"x"));
    ids.push(xadd(&mut conn, &bad_name));
    // An ordinary finding after them.
    let mut bad_id = good.clone();
    bad_id[1] = (b"order_id", b"12x");
    ids.push(xadd(&mut conn, &bad_id));
    let report = json_report(
        events().args(["validate", "--redis", &url, "--stream", &key]),
        1,
    );
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut conn).unwrap();
    assert_eq!(report["checked"], 5, "{report}");
    assert_eq!(report["invalid"], 3, "{report}");
    let found: Vec<(String, String, String)> = report["invalid_payloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let v = &p["violations"][0];
            (
                p["entry_id"].as_str().unwrap().to_owned(),
                v["rule"].as_str().unwrap().to_owned(),
                v["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (ids[1].clone(), "utf-8".into(), "/reason".into()),
            (ids[3].clone(), "utf-8".into(), "/n\u{fffd}(".into()),
            (ids[4].clone(), "type".into(), "/order_id".into()),
        ]
    );
    let message = report["invalid_payloads"][0]["violations"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("the value of field \"reason\" is not valid UTF-8 (byte 3 of 6)"),
        "{message}"
    );
}

// ---- class 8: credentials in Redis URLs are never shown ----

#[test]
fn redis_passwords_are_redacted_in_every_error() {
    let secret = "hunter2-s3cret";
    // Nothing listens on port 1; a server with no password refuses one (AUTH fails); a
    // malformed URL; a cluster list.
    let urls = [
        format!("redis://user:{secret}@127.0.0.1:1/0"),
        format!("redis://:{secret}@127.0.0.1:6379/0"),
        format!("redis://u:{secret}@127.0.0.1:notaport"),
        format!("redis://a:{secret}@127.0.0.1:1,redis://b:{secret}@127.0.0.1:2"),
    ];
    for url in &urls {
        let commands: Vec<Vec<&str>> = vec![
            vec!["validate", "--redis", url, "--stream", "s"],
            vec!["streams", "status", "--redis", url],
            vec!["dlq", "list", "--redis", url],
        ];
        for args in commands {
            let out = events().args(&args).assert().code(2).get_output().clone();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{args:?}: {stdout}\n{stderr}"
            );
            assert!(stderr.contains(":***@"), "{args:?}: {stderr}");
        }
        // The URL from the environment too.
        let out = events()
            .args(["streams", "status"])
            .env("REDIS_URL", url)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains(secret), "{stderr}");
    }
}
