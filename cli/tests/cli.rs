//! The real `events` binary on valid and invalid inputs: exit codes and report contents.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn events() -> Command {
    let mut cmd = Command::cargo_bin("events").unwrap();
    // Variables that flags read would show in the pinned help texts.
    cmd.current_dir(root())
        .env_remove("EVENTS_SCHEMAS")
        .env_remove("DATABASE_URL")
        .env_remove("KAFKA_BROKERS");
    cmd
}

fn confirmed(order_id: Value) -> Value {
    json!({
        "type": "order.confirmed", "order_id": order_id, "storefront_id": 67,
        "items": "[{\"listing_id\":100,\"quantity\":2,\"warehouse_id\":1}]", "timestamp": 1734825600
    })
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stdout_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_of_every_command_is_pinned() {
    for args in [
        vec!["--help"],
        vec!["validate", "--help"],
        vec!["list", "--help"],
        vec!["docs", "--help"],
        vec!["asyncapi", "--help"],
        vec!["generate", "--help"],
        vec!["streams", "--help"],
        vec!["streams", "status", "--help"],
        vec!["dlq", "--help"],
        vec!["dlq", "list", "--help"],
        vec!["dlq", "replay", "--help"],
        vec!["amqp", "--help"],
        vec!["amqp", "status", "--help"],
        vec!["amqp", "dlq", "--help"],
        vec!["amqp", "dlq", "list", "--help"],
        vec!["amqp", "dlq", "replay", "--help"],
        vec!["kafka", "--help"],
        vec!["kafka", "topics", "--help"],
        vec!["kafka", "status", "--help"],
        vec!["kafka", "dlq", "list", "--help"],
        vec!["kafka", "dlq", "replay", "--help"],
        vec!["outbox", "--help"],
        vec!["outbox", "migrate", "--help"],
        vec!["outbox", "status", "--help"],
        vec!["outbox", "list", "--help"],
        vec!["outbox", "replay", "--help"],
        vec!["outbox", "discard", "--help"],
        vec!["cloudevent", "--help"],
    ] {
        let text = stdout_of(events().args(&args), 0);
        insta::assert_snapshot!(
            format!("help-{}", args.join("-").trim_start_matches("--")),
            text
        );
    }
}

#[test]
fn valid_document_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "ok.json", &confirmed(json!(12345)).to_string());
    let out = stdout_of(events().arg("validate").arg(&f), 0);
    assert!(
        out.contains("ok: 1 payloads checked, 1 valid, 0 invalid"),
        "{out}"
    );
}

#[test]
fn invalid_document_is_reported_with_path_rule_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(
        tmp.path(),
        "bad.json",
        &confirmed(json!("12345")).to_string(),
    );
    let out = stdout_of(events().arg("validate").arg(&f), 1);
    assert!(
        out.contains("bad.json: order.confirmed v1: invalid"),
        "{out}"
    );
    assert!(out.contains("/order_id [type]"), "{out}");
    let json_out = stdout_of(events().args(["validate", "--format", "json"]).arg(&f), 1);
    let report: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(report["invalid"], 1);
    let v = &report["invalid_payloads"][0]["violations"][0];
    assert_eq!(
        (v["path"].as_str(), v["rule"].as_str(), &v["value"]),
        (Some("/order_id"), Some("type"), &json!("12345"))
    );
}

#[test]
fn ndjson_with_three_bad_lines_out_of_ten_thousand() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("events.ndjson");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let bad = [17usize, 5000, 9999];
    for line in 1..=10_000usize {
        let doc = if line == 17 {
            confirmed(json!("not a number")).to_string()
        } else if line == 5000 {
            "{\"type\": \"order.confirmed\", broken".to_owned()
        } else if line == 9999 {
            json!({"type": "order.confirmd", "order_id": 1}).to_string()
        } else {
            confirmed(json!(line)).to_string()
        };
        writeln!(f, "{doc}").unwrap();
    }
    drop(f);
    let out = stdout_of(
        events().args(["validate", "--format", "json"]).arg(&path),
        1,
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["checked"], 10_000);
    assert_eq!(report["invalid"], 3);
    let lines: Vec<u64> = report["invalid_payloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, bad.map(|b| b as u64));
    let rules: Vec<&str> = report["invalid_payloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["violations"][0]["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["type", "json", "event_type"]);
    let human = stdout_of(events().arg("validate").arg(&path), 1);
    assert!(
        human.contains("events.ndjson:9999: unknown event: invalid"),
        "{human}"
    );
    assert!(
        human.contains("did you mean \\\"order.confirmed\\\"")
            || human.contains("did you mean \"order.confirmed\""),
        "{human}"
    );
}

#[test]
fn directories_globs_stdin_and_arrays() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("nested");
    std::fs::create_dir_all(&sub).unwrap();
    write(&sub, "a.json", &confirmed(json!(1)).to_string());
    write(
        tmp.path(),
        "b.json",
        &json!([confirmed(json!(2)), confirmed(json!(3))]).to_string(),
    );
    let out = stdout_of(events().arg("validate").arg(tmp.path()), 0);
    assert!(out.contains("3 payloads checked"), "{out}");
    let pattern = format!("{}/*.json", tmp.path().display());
    let out = stdout_of(events().arg("validate").arg(&pattern), 0);
    assert!(out.contains("2 payloads checked"), "{out}");
    let out = stdout_of(
        events()
            .args(["validate", "-"])
            .write_stdin(confirmed(json!("x")).to_string()),
        1,
    );
    assert!(out.contains("-: order.confirmed v1: invalid"), "{out}");
}

#[test]
fn redis_field_maps_and_redis_cli_output() {
    let tmp = tempfile::tempdir().unwrap();
    // Seed 000's field map: every value a string.
    let map = json!({"type": "order.cancelled", "order_id": "12345", "reason": "customer_request", "timestamp": "1701709200"});
    let f = write(tmp.path(), "map.json", &map.to_string());
    stdout_of(events().arg("validate").arg(&f), 0);
    // redis-cli --json XRANGE output, one corrupt entry.
    let xrange = json!([
        [
            "1701709200000-0",
            [
                "type",
                "order.cancelled",
                "order_id",
                "12345",
                "reason",
                "r",
                "timestamp",
                "1701709200"
            ]
        ],
        [
            "1701709200000-1",
            [
                "type",
                "order.cancelled",
                "order_id",
                "12x",
                "reason",
                "r",
                "timestamp",
                "1701709200"
            ]
        ]
    ]);
    let f = write(tmp.path(), "xrange.json", &xrange.to_string());
    let out = stdout_of(events().arg("validate").arg(&f), 1);
    assert!(
        out.contains("xrange.json entry 1701709200000-1: order.cancelled v1: invalid"),
        "{out}"
    );
    assert!(out.contains("/order_id [type]"), "{out}");
}

#[test]
fn input_and_schema_errors_exit_two() {
    let out = events()
        .args(["validate", "does/not/exist.json"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("does/not/exist.json: no such file or directory"));
    let out = events()
        .args(["validate", "[bad"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[bad: bad glob pattern"),
        "{out:?}"
    );
    let out = events()
        .args(["validate", "nothing-*.json"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches no file"));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "broken.json", "{");
    let out = events()
        .args(["list", "--schemas"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    // Rendered with the file and the message (no snippet: the whole file is at fault).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("malformed JSON") && stderr.contains("broken.json"),
        "{stderr}"
    );
    assert!(stderr.contains("errors in the event schemas"), "{stderr}");
    events().args(["validate", "--bogus"]).assert().code(2);
}

/// A one-event schema set in a temporary directory, with `extra` spliced into the
/// properties of the event's `id` field.
fn tiny_set(extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "envelope.json",
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
            "x-envelope": {"type_field": "type", "payload": "flat"},
            "type": "object", "properties": {"type": {"type": "string"}}, "required": ["type"]}"#,
    );
    write(
        tmp.path(),
        "a.b.v1.json",
        &format!(
            r#"{{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "x-event": {{"type": "a.b", "version": "1.0", "stream": "s", "producer": "p", "consumers": []}},
                "type": "object", "properties": {{"id": {{"type": "string"{extra}}}}}}}"#
        ),
    );
    tmp
}

#[test]
fn schema_warnings_go_to_stderr_and_the_real_sets_have_none() {
    for dir in [
        "schemas",
        "examples/kafka-orders/schemas",
        "examples/rabbitmq-orders/schemas",
        "examples/node-orders/schemas",
    ] {
        let out = events()
            .args(["list", "--schemas", dir])
            .assert()
            .code(0)
            .get_output()
            .clone();
        assert!(
            out.stderr.is_empty(),
            "{dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tmp = tiny_set(r#", "x-go-type": "uuid.UUID""#);
    for args in [&["list"][..], &["docs", "--out"], &["generate", "--out"]] {
        let mut cmd = events();
        cmd.args(args);
        if args.len() > 1 {
            cmd.arg(tmp.path().join(args[0]));
        }
        let out = cmd
            .arg("--schemas")
            .arg(tmp.path())
            .assert()
            .code(0)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A warning with its snippet: the file, line and column, the pointer as the label.
        for part in [
            "⚠ unknown keyword `x-go-type` is ignored",
            "a.b.v1.json:3:",
            "╰── /properties/id/x-go-type",
        ] {
            assert!(stderr.contains(part), "{args:?}: {part}: {stderr}");
        }
    }
    let tmp = tiny_set(r#", "maxLenght": 3"#);
    let out = events()
        .arg("list")
        .arg("--schemas")
        .arg(tmp.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for part in [
        "× unknown keyword `maxLenght`",
        "╰── /properties/id/maxLenght",
        "help: did you mean `maxLength`?",
        "error: 1 error in the event schemas",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
}

#[test]
fn another_contract_set() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = json!({
        "event_id": "0b8f2a4e-6c1d-4f5e-9a7b-3c2d1e0f9a8b", "event_type": "order.chat_linked",
        "timestamp": "2025-06-29T10:35:00Z", "version": "1.0", "source": "order-service",
        "data": {"order_id": "1b8f2a4e-6c1d-4f5e-9a7b-3c2d1e0f9a8b", "order_number": "ORD-2025-001234"},
        "metadata": {"correlation_id": "2b8f2a4e-6c1d-4f5e-9a7b-3c2d1e0f9a8b", "causation_id": "3b8f2a4e-6c1d-4f5e-9a7b-3c2d1e0f9a8b"}
    });
    let f = write(tmp.path(), "k.json", &doc.to_string());
    let out = stdout_of(
        events()
            .args([
                "validate",
                "--format",
                "json",
                "--schemas",
                "examples/kafka-orders/schemas",
            ])
            .arg(&f),
        1,
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = report["invalid_payloads"][0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/data"), "{out}");
}

#[test]
fn the_amqp_sets_validate_list_document_and_check() {
    for (set, events_in_set, exchange, key) in [
        ("rabbitmq-orders", 29, "products", "product.stock.low"),
        ("node-orders", 3, "orders", "order.status.updated"),
    ] {
        let schemas = format!("examples/{set}/schemas");
        let samples = format!("examples/{set}/samples");
        // Every sample is valid; every invalid sample is refused.
        let out = stdout_of(
            events()
                .args(["validate", "--format", "json", "--schemas", &schemas])
                .arg(format!("{samples}/json")),
            0,
        );
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["valid"], events_in_set, "{set}: {out}");
        let invalid = std::fs::read_dir(root().join(&samples).join("invalid"))
            .unwrap()
            .count();
        let tmp = tempfile::tempdir().unwrap();
        for e in std::fs::read_dir(root().join(&samples).join("invalid")).unwrap() {
            let p = e.unwrap().path();
            let wrapper: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            write(tmp.path(), &name, &wrapper["payload"].to_string());
        }
        let out = stdout_of(
            events()
                .args(["validate", "--format", "json", "--schemas", &schemas])
                .arg(tmp.path()),
            1,
        );
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            report["invalid_payloads"].as_array().unwrap().len(),
            invalid,
            "{set}: {out}"
        );

        // The catalog with exchange and routing key.
        let out = stdout_of(events().args(["list", "--schemas", &schemas]), 0);
        assert!(
            out.contains(&format!("{exchange} / {key}"))
                && out.trim_end().ends_with(&format!("{events_in_set} events")),
            "{set}: {out}"
        );
        let rows: Value = serde_json::from_str(&stdout_of(
            events().args(["list", "--format", "json", "--schemas", &schemas]),
            0,
        ))
        .unwrap();
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["event_type"] == key)
            .unwrap();
        assert_eq!(row["channel_kind"], "exchange");
        assert_eq!(row["channel"], exchange);
        assert_eq!(row["routing_key"], key);

        // One page per exchange, with the routing key and an AMQP example instead of XADD.
        let docs = tempfile::tempdir().unwrap();
        events()
            .args(["docs", "--schemas", &schemas, "--out"])
            .arg(docs.path())
            .assert()
            .code(0);
        let page = std::fs::read_to_string(docs.path().join(format!("{exchange}.md"))).unwrap();
        for part in [
            format!("# Exchange `{exchange}`"),
            format!("| Routing key | `{key}` |"),
            format!("AMQP: published to exchange `{exchange}` with routing key `{key}`"),
        ] {
            assert!(page.contains(&part), "{set}: {part}: {page}");
        }
        assert!(!page.contains("XADD"), "{set}: {page}");

        // Unchanged against itself: nothing to report.
        events()
            .args(["check", "--against", &schemas, "--schemas", &schemas])
            .assert()
            .code(0);
    }
}

#[test]
fn list_shows_the_catalog() {
    let out = stdout_of(events().arg("list"), 0);
    assert!(
        out.contains("pvz.parcel.arrived") && out.contains("pvz.events"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("70 events"), "{out}");
    let json_out = stdout_of(events().args(["list", "--format", "json"]), 0);
    let rows: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 70);
}

#[test]
fn exported_schema_is_self_contained_and_validates_like_events() {
    let out = stdout_of(events().args(["schema", "order.confirmed"]), 0);
    let schema: Value = serde_json::from_str(&out).unwrap();
    assert!(!out.contains("file:///"), "outside reference left: {out}");
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json!({
        "type": "order.confirmed", "order_id": 1, "storefront_id": 2, "timestamp": 3,
        "items": [{"listing_id": 100, "quantity": 2, "warehouse_id": 1}]
    })));
    assert!(!validator.is_valid(&json!({
        "type": "order.confirmed", "order_id": 1, "storefront_id": 2, "timestamp": 3,
        "items": [{"listing_id": 100, "quantity": "2", "warehouse_id": 1}]
    })));
    events().args(["schema", "no.such"]).assert().code(2);
}

/// The types-only route: any directory of JSON Schema files, the code and the type map.
#[test]
fn generate_types_only_writes_the_code_and_the_type_map() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, map) = (tmp.path().join("types.rs"), tmp.path().join("map.json"));
    let dir = root().join("codegen/tests/fixtures/foreign");
    let err = events()
        .args(["generate", "--types-only", "--out"])
        .arg(&out)
        .arg("--type-map")
        .arg(&map)
        .arg(&dir)
        .assert()
        .code(0)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("tsAdditionalProperties"),
        "warnings on stderr: {err}"
    );
    let expected = events_codegen::Config::new().generate_types(&dir).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected.code);
    let map: Value = serde_json::from_str(&std::fs::read_to_string(&map).unwrap()).unwrap();
    assert_eq!(
        map,
        json!({
            "common/money.json": "Money",
            "defs.json": null,
            "labels.json": "Labels",
            "line.json": "OrderLine",
            "nested/thing.schema.json": "ThingId",
            "order.json": "Order"
        })
    );
    // --check works the same way; --type-map needs --types-only.
    events()
        .args(["generate", "--types-only", "--check", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .code(0);
    events()
        .args(["generate", "--out"])
        .arg(&out)
        .arg("--type-map")
        .arg(tmp.path().join("m.json"))
        .assert()
        .code(2);
    // A schema error is located, exit 2.
    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    write(&bad, "a.json", r#"{"$ref": "https://example.com/x.json"}"#);
    let err = events()
        .args(["generate", "--types-only", "--out"])
        .arg(tmp.path().join("x.rs"))
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("a.json") && err.contains("never fetched"),
        "{err}"
    );
}

#[test]
fn generate_writes_what_the_build_script_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("events.rs");
    events()
        .args(["generate", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let expected = events_codegen::Config::new()
        .generate(root().join("schemas"))
        .unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);

    // The checked-in route: --check passes on a fresh file and fails once it is stale,
    // without touching it.
    events()
        .args(["generate", "--check", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let stale = expected.replacen("pub enum EventType", "pub enum EventTypes", 1);
    std::fs::write(&out, &stale).unwrap();
    let err = events()
        .args(["generate", "--check", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("stale") && err.contains("first at line"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stale);
    // A missing file is stale too.
    events()
        .args(["generate", "--check", "--out"])
        .arg(tmp.path().join("missing.rs"))
        .assert()
        .code(1);
}

#[test]
fn docs_catalog_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    events()
        .args(["docs", "--out"])
        .arg(tmp.path())
        .assert()
        .code(0);
    let index = std::fs::read_to_string(tmp.path().join("index.md")).unwrap();
    insta::assert_snapshot!("docs-index", index);
    let page = std::fs::read_to_string(tmp.path().join("listings_events_orders.md")).unwrap();
    insta::assert_snapshot!("docs-listings-orders", page);
    let pvz = std::fs::read_to_string(tmp.path().join("pvz_events.md")).unwrap();
    assert!(
        pvz.contains("## `pvz.parcel.arrived` (v1)")
            && pvz.contains("XADD pvz.events * type pvz.parcel.arrived"),
        "{pvz}"
    );
    // The stream's trim length, declared once by picking.created, heads its page only.
    let picking = std::fs::read_to_string(tmp.path().join("wms_events_picking.md")).unwrap();
    assert!(
        picking.contains("Trimmed to `MAXLEN ~ 10000` on publish"),
        "{picking}"
    );
    assert!(!page.contains("MAXLEN"), "{page}");
}

/// The Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`) and a key name no other run
/// uses; `None` (the test skips, loudly) when there is no server, unless
/// `EVENTS_REQUIRE_REDIS` is set.
fn live_redis(tag: &str) -> Option<(String, redis::Connection, String)> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let conn = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection_with_timeout(std::time::Duration::from_secs(2)));
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            if std::env::var_os("EVENTS_REQUIRE_REDIS").is_some() {
                panic!("no Redis at {url}: {e}; EVENTS_REQUIRE_REDIS is set");
            }
            eprintln!("\n!!!!!!!! SKIPPED: no Redis at {url} ({e}) !!!!!!!!\n");
            return None;
        }
    };
    let key = format!(
        "events-cli-test:{tag}:{}:{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    Some((url, conn, key))
}

#[test]
fn audits_a_live_stream_read_only() {
    let Some((url, mut conn, key)) = live_redis("audit") else {
        return;
    };
    for i in 0..1203 {
        let order = if i == 700 {
            "oops".to_owned()
        } else {
            i.to_string()
        };
        let _: String = redis::cmd("XADD")
            .arg(&key)
            .arg("*")
            .arg("type")
            .arg("order.cancelled")
            .arg("order_id")
            .arg(order)
            .arg("reason")
            .arg("r")
            .arg("timestamp")
            .arg("1701709200")
            .query(&mut conn)
            .unwrap();
    }
    let len_before: usize = redis::cmd("XLEN").arg(&key).query(&mut conn).unwrap();
    let out = stdout_of(
        events().args([
            "validate", "--format", "json", "--redis", &url, "--stream", &key,
        ]),
        1,
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["checked"], 1203);
    assert_eq!(report["invalid"], 1);
    assert!(report["invalid_payloads"][0]["entry_id"].is_string());
    let out = stdout_of(
        events().args([
            "validate", "--format", "json", "--count", "500", "--redis", &url, "--stream", &key,
        ]),
        0,
    );
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["checked"], 500);
    let len_after: usize = redis::cmd("XLEN").arg(&key).query(&mut conn).unwrap();
    assert_eq!(len_before, len_after);
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut conn).unwrap();
}

#[test]
fn an_unknown_event_type_or_major_names_the_nearest_one() {
    let out = events()
        .args(["schema", "order.confirmd"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no event \"order.confirmd\" (did you mean \"order.confirmed\"?)"),
        "{stderr}"
    );
    let out = events()
        .args(["schema", "order.confirmed", "--major", "7"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("order.confirmed has no major version 7 (it has 1)"),
        "{stderr}"
    );
    // Nothing near: no guess.
    let out = events()
        .args(["schema", "zzz"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no event \"zzz\" in") && !stderr.contains("did you mean"),
        "{stderr}"
    );
}

#[test]
fn auditing_a_stream_that_does_not_exist_is_an_error() {
    let Some((url, mut conn, key)) = live_redis("missing") else {
        return;
    };
    let stderr_of = |stream: &str| {
        let out = events()
            .args(["validate", "--redis", &url, "--stream", stream])
            .assert()
            .code(2)
            .get_output()
            .clone();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Before: "ok: 0 payloads checked", exit 0.
    let stderr = stderr_of(&key);
    assert!(stderr.contains(&format!("no stream {key:?}")), "{stderr}");
    // A misspelt catalog stream (that nobody created): the nearest one is named.
    let near = "listings:events:ordrs";
    let exists: bool = redis::cmd("EXISTS").arg(near).query(&mut conn).unwrap();
    if !exists {
        let stderr = stderr_of(near);
        assert!(
            stderr.contains(
                "no stream \"listings:events:ordrs\" (did you mean \"listings:events:orders\"?)"
            ),
            "{stderr}"
        );
    }
    // A key of another type.
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("x")
        .query(&mut conn)
        .unwrap();
    let stderr = stderr_of(&key);
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut conn).unwrap();
    assert!(
        stderr.contains(&format!("key {key:?} is a string, not a stream")),
        "{stderr}"
    );
}

/// Copies a directory tree (the catalog fixture, to change it in a test).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_foreign_catalog_through_a_rule_file_works_with_every_command() {
    let fixture = root().join("codegen/tests/fixtures/catalog");
    let rules = fixture.join("shop.catalog.json");
    // `events --schemas <rule file> …`
    let with_rules = |rules: &Path| {
        let mut cmd = events();
        cmd.arg("--schemas").arg(rules);
        cmd
    };
    let list = stdout_of(with_rules(&rules).args(["list", "--format", "json"]), 0);
    let list: Value = serde_json::from_str(&list).unwrap();
    let listed: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_owned(),
                e["version"].as_str().unwrap().to_owned(),
                e["producer"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("shop.notification.email", "1.0", "notifier"),
        ("shop.notification.sms", "1.0", "notifier"),
        ("shop.orders.order_placed", "1.0", "orders-service"),
        ("shop.orders.order_placed", "2.0", "orders-service"),
        ("shop.payments.payment_captured", "1.0", "payments-service"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(listed, expected);

    // validate: the samples pass, the invalid ones fail with the reason.
    let ok = stdout_of(
        with_rules(&rules)
            .arg("validate")
            .arg(fixture.join("samples/*.json")),
        0,
    );
    assert!(ok.contains("5 valid, 0 invalid"), "{ok}");
    let bad = stdout_of(
        with_rules(&rules)
            .arg("validate")
            .arg(fixture.join("samples/invalid")),
        1,
    );
    assert!(bad.contains("'coupon' was unexpected"), "{bad}");
    assert!(bad.contains(r#""email" is not one of "sms""#), "{bad}");

    // schema: the whole document of an event made of a definition.
    let schema = stdout_of(
        with_rules(&rules).args(["schema", "shop.notification.sms"]),
        0,
    );
    let schema: Value = serde_json::from_str(&schema).unwrap();
    assert_eq!(
        schema["properties"]["data"]["$ref"],
        "#/$defs/notifications.json__definitions_sms"
    );

    // docs: a page per channel, with the samples beside the rule file as examples.
    let tmp = tempfile::tempdir().unwrap();
    with_rules(&rules)
        .arg("docs")
        .arg("--out")
        .arg(tmp.path().join("docs"))
        .assert()
        .code(0);
    let orders = std::fs::read_to_string(tmp.path().join("docs/shop_orders.md")).unwrap();
    assert!(orders.contains("shop.orders.order_placed"), "{orders}");
    assert!(
        orders.contains("o-1"),
        "the sample is the example: {orders}"
    );

    // check: the same rules read the old catalog; a new required field of a published
    // major is refused, an unchanged catalog passes.
    let changed = tmp.path().join("changed");
    copy_tree(&fixture, &changed);
    stdout_of(
        with_rules(&changed.join("shop.catalog.json"))
            .arg("check")
            .arg("--against")
            .arg(fixture.join("schemas")),
        0,
    );
    let file = changed.join("schemas/topics/payments/PaymentCaptured.v1.json");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        r#""required": ["payment_id", "amount"]"#,
        r#""required": ["payment_id", "amount", "meta"]"#,
    );
    std::fs::write(&file, text).unwrap();
    let refused = stdout_of(
        with_rules(&changed.join("shop.catalog.json"))
            .arg("check")
            .arg("--against")
            .arg(fixture.join("schemas")),
        1,
    );
    assert!(
        refused.contains("shop.payments.payment_captured"),
        "{refused}"
    );
}

#[test]
fn a_wrong_catalog_rule_is_an_error_located_in_the_rule_file() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = root().join("codegen/tests/fixtures/catalog");
    copy_tree(&fixture, tmp.path());
    let rules = tmp.path().join("shop.catalog.json");
    // `{.kind}` of a definition without that property; a capture `match` does not have.
    let text = std::fs::read_to_string(&rules)
        .unwrap()
        .replace("shop.notification.{.kind}", "shop.notification.{.channel}")
        .replace("shop.{topic}.{name|snake}", "shop.{topic}.{title}");
    std::fs::write(&rules, text).unwrap();
    let out = events()
        .arg("--schemas")
        .arg(&rules)
        .arg("list")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("for notifications.json#/definitions/sms: it has no property \"channel\""),
        "{err}"
    );
    assert!(err.contains("{title} is no capture of `match`"), "{err}");
    assert!(err.contains("/events/0/type"), "{err}");
    assert!(err.contains("/events/1/type"), "{err}");
}
