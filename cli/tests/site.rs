//! `events docs --html`: the static site of the repository's catalog (seeds 000/001) and of
//! seed 002's (RabbitMQ exchanges). Every local link resolves to a file and an anchor in
//! it, the map has a linked node for every service and channel, two runs give the same
//! bytes, the HTML structure of the index and of one event page is pinned, and every page
//! loads in a headless Chromium without a console error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn events() -> Command {
    let mut cmd = Command::cargo_bin("events").unwrap();
    cmd.current_dir(root()).env_remove("EVENTS_SCHEMAS");
    cmd
}

/// `events docs --html --schemas schemas --history REV --out OUT`, run in `dir`.
fn history_site(dir: &Path, rev: &str, out: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = events();
    cmd.current_dir(dir)
        .args([
            "docs",
            "--html",
            "--schemas",
            "schemas",
            "--history",
            rev,
            "--out",
        ])
        .arg(out);
    cmd
}

/// The seed catalogs: the repository's `schemas/` and seed 002's.
const CATALOGS: &[&str] = &["schemas", "examples/rabbitmq-orders/schemas"];

fn site(schemas: &str, out: &Path) {
    events()
        .args(["docs", "--html", "--schemas", schemas, "--out"])
        .arg(out)
        .assert()
        .code(0);
}

/// Every file of a directory by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The values of an attribute (`href="…"`), unescaped.
fn attrs(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let end = rest.find('"').unwrap();
        out.push(
            rest[..end]
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        );
        rest = &rest[end..];
    }
    out
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[test]
fn every_local_link_resolves_to_a_file_and_an_anchor() {
    for schemas in CATALOGS {
        let tmp = tempfile::tempdir().unwrap();
        site(schemas, tmp.path());
        let all = files(tmp.path());
        let ids: BTreeMap<&str, BTreeSet<String>> = all
            .iter()
            .filter(|(n, _)| n.ends_with(".html"))
            .map(|(n, b)| {
                let html = std::str::from_utf8(b).unwrap();
                (n.as_str(), attrs(html, "id").into_iter().collect())
            })
            .collect();
        let mut checked = 0;
        for (page, bytes) in &all {
            if !page.ends_with(".html") {
                continue;
            }
            let html = std::str::from_utf8(bytes).unwrap();
            assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
            for href in attrs(html, "href").into_iter().chain(attrs(html, "src")) {
                assert!(
                    !href.contains("://") && !href.starts_with("//"),
                    "{schemas}: {page} links outside the site: {href}"
                );
                let (file, anchor) = href.split_once('#').unwrap_or((&href, ""));
                let file = if file.is_empty() { page.as_str() } else { file };
                assert!(
                    all.contains_key(file),
                    "{schemas}: {page} links to {file}, which is not there"
                );
                if !anchor.is_empty() {
                    assert!(
                        ids.get(file).is_some_and(|ids| ids.contains(anchor)),
                        "{schemas}: {page} links to {href}, which has no such id"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 500, "{schemas}: only {checked} links");
    }
}

#[test]
fn the_map_has_a_linked_node_for_every_service_and_channel() {
    for schemas in CATALOGS {
        let tmp = tempfile::tempdir().unwrap();
        site(schemas, tmp.path());
        let list = events()
            .args(["list", "--format", "json", "--schemas", schemas])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let list: Vec<Value> = serde_json::from_slice(&list).unwrap();
        let index = std::fs::read_to_string(tmp.path().join("index.html")).unwrap();
        let start = index.find("<svg class=\"map\"").unwrap();
        let map = &index[start..start + index[start..].find("</svg>").unwrap()];
        let links: BTreeSet<String> = attrs(map, "href").into_iter().collect();
        let mut services = BTreeSet::new();
        let mut channels = BTreeSet::new();
        for e in &list {
            channels.insert(e["channel"].as_str().unwrap().to_owned());
            services.insert(e["producer"].as_str().unwrap().to_owned());
            for c in e["consumers"].as_array().unwrap() {
                services.insert(c.as_str().unwrap().to_owned());
            }
        }
        for s in &services {
            let page = format!("service-{}.html", slug(s));
            assert!(
                links.contains(&page),
                "{schemas}: no map node for service {s}"
            );
            assert!(tmp.path().join(&page).is_file());
        }
        for c in &channels {
            let page = format!("channel-{}.html", slug(c));
            assert!(
                links.contains(&page),
                "{schemas}: no map node for channel {c}"
            );
            assert!(tmp.path().join(&page).is_file());
        }
        assert!(map.matches("<a href=").count() >= services.len() + channels.len());
    }
}

#[test]
fn the_site_is_byte_identical_for_the_same_input() {
    for schemas in CATALOGS {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        site(schemas, a.path());
        site(schemas, b.path());
        let (a, b) = (files(a.path()), files(b.path()));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{schemas}"
        );
        for (name, bytes) in &a {
            assert!(
                bytes == &b[name],
                "{schemas}: {name} differs between two runs"
            );
        }
    }
}

/// The structure of a page: its elements with their `id`, `href` and `class`, one a line
/// (no text, no coordinates), from `<main>` on.
fn skeleton(html: &str, until: Option<&str>) -> String {
    let main = &html[html.find("<main>").unwrap()..];
    let main = match until {
        Some(stop) => &main[..main.find(stop).unwrap()],
        None => main,
    };
    let mut out = String::new();
    for tag in main.split('<').skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        if tag.starts_with('/') {
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            name.as_str(),
            "path" | "rect" | "text" | "title" | "td" | "th" | "code"
        ) {
            continue;
        }
        let mut line = name;
        for attr in ["id", "href", "class"] {
            if let Some(v) = attrs(&format!(" {tag}"), attr).first() {
                line.push_str(&format!(" {attr}={v}"));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn html_structure_of_the_index_and_an_event_page() {
    let tmp = tempfile::tempdir().unwrap();
    site("schemas", tmp.path());
    let index = std::fs::read_to_string(tmp.path().join("index.html")).unwrap();
    insta::assert_snapshot!(
        "site-index-structure",
        skeleton(&index, Some("<h2 id=\"events\">"))
    );
    let page = std::fs::read_to_string(tmp.path().join("event-order.confirmed.v1.html")).unwrap();
    insta::assert_snapshot!(
        "site-event-structure",
        skeleton(&page, Some("<h2 id=\"schema\">"))
    );
}

/// Chromium, or `None` (with a loud note) when it is not installed and not required.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("EVENTS_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "EVENTS_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing (apt-get install chromium)"
    );
    eprintln!("SKIPPED: /usr/bin/chromium is missing: the site's browser test did not run");
    None
}

fn headless(browser: &Path, profile: &Path) -> Process {
    let mut cmd = Process::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// A page that loads each of `pages` (names in `site/`) in turn in an iframe and writes,
/// one a line, the page and the `data-search` attribute its search script set on the body
/// once it ran to its end; `data-done` on its body counts the pages loaded. One Chromium
/// process visits the whole site with it (console messages of every frame are logged
/// with their page), instead of one process per page.
fn harness(pages: &[String]) -> String {
    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>site test</title></head>
<body><pre id="results"></pre>
<script>
var pages = {};
var out = document.getElementById("results");
var i = 0;
function next() {{
  if (i >= pages.length) {{ document.body.setAttribute("data-done", String(i)); return; }}
  var page = pages[i++];
  var frame = document.createElement("iframe");
  frame.onload = function () {{
    var ready;
    try {{ ready = frame.contentDocument.body.getAttribute("data-search"); }}
    catch (e) {{ ready = "unreadable"; }}
    out.textContent += page + " " + ready + "\n";
    frame.remove();
    next();
  }};
  frame.src = "site/" + page;
  document.body.appendChild(frame);
}}
next();
</script>
</body></html>
"#,
        serde_json::to_string(pages).unwrap()
    )
}

#[test]
fn every_page_loads_in_chromium_without_a_console_error() {
    let Some(browser) = chromium() else {
        return;
    };
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let shots = target.join("site-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for schemas in CATALOGS {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("site");
        site(schemas, &out);
        let pages: Vec<String> = files(&out)
            .into_keys()
            .filter(|n| n.ends_with(".html"))
            .collect();
        let page = tmp.path().join("harness.html");
        std::fs::write(&page, harness(&pages)).unwrap();
        // Virtual time runs ahead while nothing loads, so the dump waits for the last
        // page without a fixed sleep; file access lets the harness read each frame.
        let run = headless(&browser, &tmp.path().join("profile"))
            .args([
                "--allow-file-access-from-files",
                "--virtual-time-budget=600000",
                "--dump-dom",
            ])
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&run.stdout);
        let log = String::from_utf8_lossy(&run.stderr);
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{schemas}: console messages (each names its page):\n{}",
            console.join("\n")
        );
        assert!(
            dom.contains(&format!("data-done=\"{}\"", pages.len())),
            "{schemas}: the browser did not visit every page (status {}):\n{log}",
            run.status
        );
        let results = &dom[dom.find("<pre id=\"results\">").unwrap()..];
        let results = &results[..results.find("</pre>").unwrap()];
        for page in &pages {
            assert!(
                results.contains(&format!("{page} ready\n")),
                "{schemas}: {page}: the search script did not run to its end:\n{results}"
            );
        }
        if *schemas == "schemas" {
            for (page, size, name) in [
                ("index.html", "1400,1800", "map.png"),
                (
                    "event-order.confirmed.v1.html",
                    "1400,1600",
                    "event-order.confirmed.v1.png",
                ),
            ] {
                let run = headless(&browser, &tmp.path().join("profile-shots"))
                    .arg(format!("--window-size={size}"))
                    .arg(format!("--screenshot={}", shots.join(name).display()))
                    .arg(format!("file://{}", out.join(page).display()))
                    .output()
                    .unwrap();
                assert!(
                    run.status.success(),
                    "{}",
                    String::from_utf8_lossy(&run.stderr)
                );
                assert!(shots.join(name).metadata().unwrap().len() > 10_000);
            }
        }
    }
    eprintln!("screenshots in {}", shots.display());
}

#[test]
fn names_and_descriptions_from_schemas_are_escaped() {
    // Seed 004's schemas, with markup in an event description and a field description.
    let tmp = tempfile::tempdir().unwrap();
    let schemas = tmp.path().join("schemas");
    for entry in walkdir::WalkDir::new(root().join("examples/node-orders/schemas")) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(root().join("examples/node-orders/schemas"))
            .unwrap();
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(schemas.join(rel)).unwrap();
        } else {
            std::fs::copy(entry.path(), schemas.join(rel)).unwrap();
        }
    }
    let file = schemas.join("order/order.created.v1.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    doc["description"] = Value::from("<script>alert('event')</script> & \"quoted\"");
    let props = doc["properties"].as_object_mut().unwrap();
    let (_, first) = props.iter_mut().next().unwrap();
    first["description"] = Value::from("<img src=x onerror=alert(1)>");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = tmp.path().join("site");
    site(schemas.to_str().unwrap(), &out);
    let page = std::fs::read_to_string(out.join("event-order.created.v1.html")).unwrap();
    assert!(!page.contains("<script>alert") && !page.contains("<img"));
    assert!(page
        .contains("&lt;script&gt;alert(&#39;event&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("<script>alert"));
}

/// The event page of `event_type` v1 in the site of `schemas`.
fn event_page(schemas: &str, event_type: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    site(schemas, tmp.path());
    std::fs::read_to_string(tmp.path().join(format!("event-{event_type}.v1.html"))).unwrap()
}

/// A name-value row of a wire table, as the page writes it.
fn row(name: &str, value: &str) -> String {
    format!("<tr><th>{name}</th><td><code>{value}</code></td></tr>")
}

#[test]
fn an_event_on_a_stream_shows_its_redis_entry_and_no_other_bus() {
    let page = event_page("schemas", "order.confirmed");
    assert!(page.contains("<h3 id=\"example-redis\">Redis Streams</h3>"));
    assert!(page.contains(
        "XADD listings:events:orders MAXLEN &#39;~&#39; 100000 &#39;*&#39; type order.confirmed timestamp 1734825600 order_id 12345"
    ));
    for other in ["example-amqp", "example-kafka", "example-cloudevents"] {
        assert!(!page.contains(other), "a stream event shows {other}");
    }
}

#[test]
fn an_event_on_an_exchange_shows_its_amqp_properties_headers_and_cloudevents() {
    // Seed 002's first sample: id evt_123456789, source oms-service, tenant tenant_abc.
    let page = event_page("examples/rabbitmq-orders/schemas", "order.created");
    assert!(page.contains("<h3 id=\"example-amqp\">AMQP</h3>"));
    assert!(
        page.contains("exchange <code>orders</code> with routing key <code>order.created</code>")
    );
    for (name, value) in [
        ("content_type", "application/json"),
        ("delivery_mode", "2 (persistent)"),
        ("message_id", "evt_123456789"),
        ("timestamp", "1705314600 (2024-01-15T10:30:00Z)"),
        ("type", "order.created"),
        ("app_id", "oms-service"),
        ("tenant_id", "tenant_abc"),
    ] {
        assert!(page.contains(&row(name, value)), "no {name} = {value}");
    }
    // CloudEvents' AMQP binding: structured, and binary with cloudEvents_* headers.
    assert!(page.contains("<h3 id=\"example-cloudevents\">CloudEvents (AMQP binding)</h3>"));
    assert!(page.contains("<code>application/cloudevents+json</code>"));
    assert!(page.contains("&quot;specversion&quot;: &quot;1.0&quot;"));
    for (name, value) in [
        ("cloudEvents_id", "evt_123456789"),
        ("cloudEvents_type", "order.created"),
        ("cloudEvents_source", "oms-service"),
        ("cloudEvents_specversion", "1.0"),
        ("cloudEvents_time", "2024-01-15T10:30:00Z"),
        ("cloudEvents_tenantid", "tenant_abc"),
    ] {
        assert!(page.contains(&row(name, value)), "no {name} = {value}");
    }
    assert!(!page.contains("example-redis") && !page.contains("example-kafka"));
}

#[test]
fn an_event_on_a_kafka_topic_shows_its_key_headers_and_cloudevents() {
    // Seed 003's first sample: keyed by data.order_id.
    let page = event_page("examples/kafka-orders/schemas", "order.created");
    assert!(page.contains("<h3 id=\"example-kafka\">Kafka</h3>"));
    assert!(page.contains("topic <code>order.created</code>"));
    for (name, value) in [
        ("key", "3f2c8a1e-5b7d-4c9e-8a21-6d4f0b9e7c15"),
        ("event_type", "order.created"),
        ("version", "1.0"),
        // CloudEvents' Kafka binding.
        ("content-type", "application/cloudevents+json"),
        ("ce_id", "9a1c0001-2b3d-4e5f-8a6b-7c8d9e0f1a2b"),
        ("ce_type", "order.created"),
        ("ce_source", "order-service"),
        ("ce_specversion", "1.0"),
        ("ce_partitionkey", "3f2c8a1e-5b7d-4c9e-8a21-6d4f0b9e7c15"),
        ("content-type", "application/json"),
    ] {
        assert!(page.contains(&row(name, value)), "no {name} = {value}");
    }
    assert!(page.contains("<h3 id=\"example-cloudevents\">CloudEvents (Kafka binding)</h3>"));
    assert!(!page.contains("example-redis") && !page.contains("example-amqp"));
}

/// Runs git in `dir`, with a fixed author and dates so that runs are reproducible.
fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Process::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A git repository with seed 004's schemas and three versions of `order.created` v1:
/// as committed, with an optional field added (1.1), then with `total` made a string (1.2).
fn repo_with_three_versions() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let schemas = tmp.path().join("schemas");
    let from = root().join("examples/node-orders/schemas");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&from).unwrap();
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(schemas.join(rel)).unwrap();
        } else {
            std::fs::copy(entry.path(), schemas.join(rel)).unwrap();
        }
    }
    git(
        tmp.path(),
        &["init", "-q", "-b", "main"],
        "2025-01-01T10:00:00Z",
    );
    git(tmp.path(), &["add", "."], "2025-01-01T10:00:00Z");
    git(
        tmp.path(),
        &["commit", "-q", "-m", "First contracts"],
        "2025-01-01T10:00:00Z",
    );
    let file = schemas.join("order/order.created.v1.json");
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        f(&mut doc);
        std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    };
    edit(&|doc| {
        doc["x-event"]["version"] = Value::from("1.1");
        doc["properties"]["giftNote"] =
            serde_json::json!({"type": "string", "description": "An optional note."});
    });
    git(
        tmp.path(),
        &["commit", "-qam", "Add giftNote"],
        "2025-02-01T10:00:00Z",
    );
    edit(&|doc| {
        doc["x-event"]["version"] = Value::from("1.2");
        doc["properties"]["total"]["type"] = Value::from("string");
    });
    git(
        tmp.path(),
        &["commit", "-qam", "Total as a string"],
        "2025-03-01T10:00:00Z",
    );
    tmp
}

#[test]
fn history_lists_every_version_with_its_check_findings() {
    let repo = repo_with_three_versions();
    let out = repo.path().join("site");
    history_site(repo.path(), "main", &out).assert().code(0);
    let page = std::fs::read_to_string(out.join("event-order.created.v1.html")).unwrap();
    let history = &page[page
        .find("<h2 id=\"history\">")
        .expect("no history section")..];
    let rows: Vec<&str> = history
        .lines()
        .filter(|l| l.starts_with("<tr id=\"v-"))
        .collect();
    assert_eq!(rows.len(), 3, "{history}");
    // Newest first: the breaking type change, the compatible addition, the first version.
    assert!(rows[0].contains("2025-03-01") && rows[0].contains("Total as a string"));
    assert!(
        rows[0].contains("class=\"breaking\"") && rows[0].contains("<strong>breaking</strong>")
    );
    assert!(rows[0].contains("1.1 → 1.2"));
    assert!(rows[1].contains("2025-02-01") && rows[1].contains("Add giftNote"));
    assert!(rows[1].contains("class=\"compatible\"") && rows[1].contains("1.0 → 1.1"));
    assert!(!rows[1].contains("<strong>breaking</strong>"));
    assert!(rows[2].contains("2025-01-01") && rows[2].contains("First contracts"));
    assert!(rows[2].contains("class=\"first\""));
    // Another event, never changed: its one version.
    let other = std::fs::read_to_string(out.join("event-order.cancelled.v1.html")).unwrap();
    assert_eq!(other.matches("<tr id=\"v-").count(), 1);
    // `all` is the whole history of HEAD: the same page.
    let all = repo.path().join("site-all");
    history_site(repo.path(), "all", &all).assert().code(0);
    let again = std::fs::read_to_string(all.join("event-order.created.v1.html")).unwrap();
    assert_eq!(
        again.matches("<tr id=\"v-").count(),
        3,
        "--history all differs"
    );
    // An earlier revision sees fewer versions.
    let early = repo.path().join("site-early");
    history_site(repo.path(), "main~1", &early).assert().code(0);
    let page = std::fs::read_to_string(early.join("event-order.created.v1.html")).unwrap();
    assert_eq!(page.matches("<tr id=\"v-").count(), 2);
}

#[test]
fn history_names_a_missing_revision_or_a_directory_outside_git() {
    let repo = repo_with_three_versions();
    let out = repo.path().join("site");
    history_site(repo.path(), "no-such-ref", &out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--history no-such-ref: no such git revision",
        ));
    let plain = tempfile::tempdir().unwrap();
    let schemas = plain.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    for entry in walkdir::WalkDir::new(repo.path().join("schemas")) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(repo.path().join("schemas"))
            .unwrap();
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(schemas.join(rel)).unwrap();
        } else {
            std::fs::copy(entry.path(), schemas.join(rel)).unwrap();
        }
    }
    history_site(plain.path(), "main", plain.path().join("site"))
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not in a git repository"));
}

/// The numbers of a `<rect>`'s `x`, `y`, `width`, `height`.
fn rect(tag: &str) -> [f64; 4] {
    ["x", "y", "width", "height"].map(|a| {
        attrs(tag, a)
            .first()
            .unwrap_or_else(|| panic!("no {a} in {tag}"))
            .parse()
            .unwrap()
    })
}

#[test]
fn each_channel_of_the_map_is_inside_the_box_of_its_system() {
    // Seeds 000/001 (streams `wms:events:picking`, `pvz.events`, …), seed 002 (exchanges)
    // and seed 003 (topics `order.created`, …).
    for schemas in CATALOGS
        .iter()
        .copied()
        .chain(["examples/kafka-orders/schemas"])
    {
        let tmp = tempfile::tempdir().unwrap();
        site(schemas, tmp.path());
        let index = std::fs::read_to_string(tmp.path().join("index.html")).unwrap();
        let start = index.find("<svg class=\"map\"").unwrap();
        let map = &index[start..start + index[start..].find("</svg>").unwrap()];
        let mut channels = BTreeSet::new();
        let mut groups = BTreeSet::new();
        // The clusters' boxes, by group.
        let mut boxes = BTreeMap::new();
        for part in map.split("<g class=\"group\" id=\"group-").skip(1) {
            let group = &part[..part.find('"').unwrap()];
            let body = &part[..part.find("</g>").unwrap()];
            boxes.insert(
                group.to_owned(),
                rect(&body[body.find("<rect class=\"cluster\"").unwrap()..]),
            );
            groups.insert(group.to_owned());
        }
        // Each cluster's nodes: channels of its system, inside its box.
        for part in map.split("<g class=\"members\" data-group=\"").skip(1) {
            let group = &part[..part.find('"').unwrap()];
            let body = &part[..part.find("</g>").unwrap()];
            let [cx, cy, cw, ch] = boxes[group];
            for node in body.split("<a href=\"").skip(1) {
                let id = attrs(&format!(" {node}"), "id")[0].clone();
                let name = id.strip_prefix("node-channel-").expect("a channel");
                let system = name.split([':', '.', '/']).next().unwrap();
                assert_eq!(system, group, "{schemas}: {name} in group {group}");
                let [x, y, w, h] = rect(&node[node.find("<rect").unwrap()..]);
                assert!(
                    x >= cx && y >= cy && x + w <= cx + cw && y + h <= cy + ch,
                    "{schemas}: {name} is outside the box of {group}"
                );
                channels.insert(name.to_owned());
            }
        }
        // Every channel is in a group; every other node is outside any group.
        let all: BTreeSet<String> = attrs(map, "id")
            .into_iter()
            .filter_map(|id| id.strip_prefix("node-channel-").map(str::to_owned))
            .collect();
        assert!(!all.is_empty());
        assert_eq!(channels, all, "{schemas}: channels outside any group");
        if schemas == "schemas" {
            // The seed catalog's 14 streams belong to 8 systems.
            assert_eq!(
                groups.into_iter().collect::<Vec<_>>(),
                [
                    "auth",
                    "delivery",
                    "franchise",
                    "listings",
                    "notifications",
                    "payments",
                    "pvz",
                    "wms"
                ]
            );
        }
    }
}

#[test]
fn history_shows_a_version_that_did_not_load_without_temporary_paths() {
    let repo = repo_with_three_versions();
    let file = repo.path().join("schemas/order/order.created.v1.json");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, "{ not json").unwrap();
    git(
        repo.path(),
        &["commit", "-qam", "Broken"],
        "2025-04-01T10:00:00Z",
    );
    std::fs::write(&file, &good).unwrap();
    git(
        repo.path(),
        &["commit", "-qam", "Mended"],
        "2025-05-01T10:00:00Z",
    );
    let out = repo.path().join("site");
    history_site(repo.path(), "main", &out).assert().code(0);
    let page = std::fs::read_to_string(out.join("event-order.created.v1.html")).unwrap();
    let rows: Vec<&str> = page
        .lines()
        .filter(|l| l.starts_with("<tr id=\"v-"))
        .collect();
    assert_eq!(rows.len(), 5);
    assert!(rows[0].contains("Mended") && rows[0].contains("at the version before"));
    assert!(rows[1].contains("Broken") && rows[1].contains("schemas did not load"));
    assert!(
        rows[1].contains("order/order.created.v1.json"),
        "the error names the file: {}",
        rows[1]
    );
    assert!(
        !page.contains("/tmp") && !page.contains(".tmp"),
        "{}",
        rows[1]
    );
}
