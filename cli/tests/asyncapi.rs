//! `events asyncapi`: the catalog as an AsyncAPI 3.0 document, JSON and YAML, checked
//! against the catalog's own counts and parsed by the AsyncAPI project's parser
//! (`@asyncapi/parser` from npm, pinned, installed once under `target/asyncapi-cache`).
//!
//! Without `node`/`npm` or the registry the parser part skips loudly, unless
//! `EVENTS_REQUIRE_NETWORK=1` (CI) makes that a failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

const PARSER: &str = "@asyncapi/parser@3.6.6";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn events() -> Command {
    let mut cmd = Command::cargo_bin("events").unwrap();
    cmd.current_dir(root()).env_remove("EVENTS_SCHEMAS");
    cmd
}

/// The catalogs of the repository: ours (Redis streams, RabbitMQ, Kafka) and a foreign one
/// through a rule file.
const CATALOGS: &[&str] = &[
    "schemas",
    "examples/rabbitmq-orders/schemas",
    "examples/kafka-orders/schemas",
    "codegen/tests/fixtures/catalog/shop.catalog.json",
];

/// What the document must hold, from `events list`: channels, messages, send and receive
/// operations.
fn expected(catalog: &str) -> (usize, usize, usize, usize) {
    let out = events()
        .args(["--schemas", catalog, "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    let channels: BTreeSet<&str> = list
        .iter()
        .map(|e| e["channel"].as_str().unwrap())
        .collect();
    let send: BTreeSet<(&str, &str)> = list
        .iter()
        .map(|e| {
            (
                e["producer"].as_str().unwrap(),
                e["channel"].as_str().unwrap(),
            )
        })
        .collect();
    let receive: BTreeSet<(&str, &str)> = list
        .iter()
        .flat_map(|e| {
            e["consumers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c.as_str().unwrap(), e["channel"].as_str().unwrap()))
        })
        .collect();
    (channels.len(), list.len(), send.len(), receive.len())
}

fn write(catalog: &str, out: &Path) {
    events()
        .args(["--schemas", catalog, "asyncapi", "--out"])
        .arg(out)
        .assert()
        .code(0);
}

#[test]
fn the_document_holds_the_catalog_in_json_and_in_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    for catalog in CATALOGS {
        let (json_file, yaml_file) = (tmp.path().join("a.json"), tmp.path().join("a.yaml"));
        write(catalog, &json_file);
        write(catalog, &yaml_file);
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
        let yaml: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&yaml_file).unwrap()).unwrap();
        assert_eq!(yaml, doc, "{catalog}: the YAML reads back as the JSON");
        assert_eq!(doc["asyncapi"], "3.0.0");
        let ops = doc["operations"].as_object().unwrap();
        let count = |action: &str| ops.values().filter(|o| o["action"] == action).count();
        let got = (
            doc["channels"].as_object().unwrap().len(),
            doc["components"]["messages"].as_object().unwrap().len(),
            count("send"),
            count("receive"),
        );
        assert_eq!(got, expected(catalog), "{catalog}");
        // Every reference points into the document.
        let text = serde_json::to_string(&doc).unwrap();
        for r in text.split(r#""$ref":""#).skip(1) {
            let target = &r[..r.find('"').unwrap()];
            let pointer = target.strip_prefix('#').expect("a local reference");
            let pointer = pointer.replace("~1", "/").replace("~0", "~");
            let found = pointer
                .split('/')
                .skip(1)
                .try_fold(&doc, |v, seg| v.get(seg));
            assert!(found.is_some(), "{catalog}: {target} points nowhere");
        }
    }
    // The payload of a message is the whole document on the wire, its headers the
    // envelope's header fields.
    write("schemas", &tmp.path().join("a.json"));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("a.json")).unwrap()).unwrap();
    let m = &doc["components"]["messages"]["order.confirmed.v1"];
    assert_eq!(m["name"], "order.confirmed");
    assert!(m["payload"]["schema"]["properties"]["order_id"].is_object());
    assert_eq!(
        m["headers"]["schema"]["properties"]["type"]["const"],
        "order.confirmed"
    );
    assert!(m["headers"]["schema"]["properties"]["order_id"].is_null());
}

/// `node_modules` with the pinned parser, installed once.
fn parser() -> Result<PathBuf, String> {
    let dir = root().join("target/asyncapi-cache");
    let modules = dir.join("node_modules");
    if modules.join("@asyncapi/parser/package.json").is_file() {
        return Ok(modules);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("package.json"), "{\"private\": true}\n").map_err(|e| e.to_string())?;
    let out = Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", PARSER])
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "npm install {PARSER}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(modules)
}

#[test]
fn the_asyncapi_parser_accepts_every_catalog() {
    let modules = match parser() {
        Ok(m) => m,
        Err(why) => {
            if std::env::var_os("EVENTS_REQUIRE_NETWORK").is_some_and(|v| v == "1") {
                panic!("EVENTS_REQUIRE_NETWORK=1 but {why}");
            }
            eprintln!("SKIPPED: the AsyncAPI parser test: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    for catalog in CATALOGS {
        for ext in ["json", "yaml"] {
            let file = tmp.path().join(format!("asyncapi.{ext}"));
            write(catalog, &file);
            let out = Command::new("node")
                .arg(root().join("cli/tests/asyncapi/parse.cjs"))
                .arg(&file)
                .env("NODE_PATH", &modules)
                .output()
                .expect("node runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{catalog}: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let report: Value = serde_json::from_str(stdout.trim()).unwrap();
            assert_eq!(report["errors"], serde_json::json!([]), "{catalog} ({ext})");
            let (channels, messages, send, receive) = expected(catalog);
            assert_eq!(report["channels"], channels, "{catalog}");
            assert_eq!(report["messages"], messages, "{catalog}");
            assert_eq!(report["send"], send, "{catalog}");
            assert_eq!(report["receive"], receive, "{catalog}");
        }
    }
}
