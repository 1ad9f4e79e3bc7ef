//! A public catalog as it is: GitHub's webhook schemas (`@octokit/webhooks-schemas`) and
//! examples (`@octokit/webhooks-examples`), pinned, fetched from the npm registry once and
//! cached under `target/octokit-cache` (never committed). The whole catalog loads and
//! generates unchanged (types only), and every example a draft-07 validator accepts
//! decodes and encodes back to an equal value (`conformance/octokit`, built and run here),
//! both through its root type (types only) and as an event of the catalog route
//! (`conformance/octokit/github.catalog.json`) through the typed `Event` dispatch.
//!
//! Needs `npm` and the registry: without them the test skips loudly, unless
//! `EVENTS_REQUIRE_NETWORK=1` (CI) makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const VERSION: &str = "7.6.1";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn skip(why: &str) {
    if std::env::var_os("EVENTS_REQUIRE_NETWORK").is_some_and(|v| v == "1") {
        panic!("EVENTS_REQUIRE_NETWORK=1 but {why}");
    }
    eprintln!("SKIPPED: the octokit corpus test: {why}");
}

/// The unpacked packages (`schemas/package`, `examples/package`), fetched once.
fn corpus() -> Result<PathBuf, String> {
    let dir = root().join("target/octokit-cache").join(VERSION);
    if dir.join("schemas/package/schema.json").is_file()
        && dir
            .join("examples/package/api.github.com/index.json")
            .is_file()
    {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (name, into) in [
        ("@octokit/webhooks-schemas", "schemas"),
        ("@octokit/webhooks-examples", "examples"),
    ] {
        let out = Command::new("npm")
            .args(["pack", "--silent", &format!("{name}@{VERSION}")])
            .arg("--pack-destination")
            .arg(&dir)
            .output()
            .map_err(|e| format!("npm: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "npm pack {name}@{VERSION}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let tarball = dir.join(String::from_utf8_lossy(&out.stdout).trim());
        let target = dir.join(into);
        std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
        let ok = Command::new("tar")
            .arg("xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&target)
            .status()
            .map_err(|e| format!("tar: {e}"))?
            .success();
        if !ok {
            return Err(format!("cannot unpack {}", tarball.display()));
        }
    }
    Ok(dir)
}

fn count(line: &str, key: &str) -> usize {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

#[test]
fn github_webhooks_load_generate_and_round_trip_unchanged() {
    let dir = match corpus() {
        Ok(dir) => dir,
        Err(why) => return skip(&why),
    };
    let schemas = dir.join("schemas/package");
    // The whole catalog loads and generates as published.
    let started = Instant::now();
    let types = events_codegen::Config::new()
        .generate_types(&schemas)
        .unwrap_or_else(|e| panic!("{e}"));
    let generated_in = started.elapsed();
    let type_count = types
        .code
        .matches("\npub struct ")
        .chain(types.code.matches("\npub enum "))
        .count();
    assert_eq!(
        types.type_map.get("schema.json"),
        Some(&Some("Schema".to_owned()))
    );
    assert!(type_count > 900, "{type_count} types");
    // The catalog route: the rule file makes an event of every `<event>$<action>`
    // definition (the action read from the schema's `action` const).
    let rules = root().join("conformance/octokit/github.catalog.json");
    let set = events_codegen::SchemaSet::load(&rules).unwrap_or_else(|e| panic!("{e}"));
    let with_action = set
        .events
        .iter()
        .filter(|e| e.event_type.split('.').count() == 3)
        .count();
    assert_eq!((set.events.len(), with_action), (224, 211));

    // Every valid example round-trips (built and run as its own crate: 38k lines).
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(root().join("conformance/octokit/Cargo.toml"))
        .arg("--")
        .arg(schemas.join("schema.json"))
        .arg(dir.join("examples/package/api.github.com/index.json"))
        .env("OCTOKIT_SCHEMAS", &schemas)
        .env("CARGO_TARGET_DIR", root().join("target/octokit"))
        // Over 200,000 generated lines: without debug info and incremental state the build
        // takes a fraction of the disk (it once filled a CI disk) and less time.
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    let (examples, valid, round_trips) = (
        count(summary, "examples"),
        count(summary, "valid"),
        count(summary, "round_trips"),
    );
    eprintln!(
        "octokit {VERSION}: {type_count} types, {} lines generated in {generated_in:?}; {summary}",
        types.code.lines().count()
    );
    assert!(examples > 300 && valid > 250, "{summary}");
    assert_eq!(round_trips, valid, "{stdout}");
    // Every valid example, wrapped as an event of the catalog route, dispatches through
    // the typed `Event` and encodes back to an equal document.
    assert_eq!(count(summary, "events"), valid, "{stdout}");
    assert_eq!(count(summary, "event_round_trips"), valid, "{stdout}");
    // Byte for byte where GitHub wrote the keys in the schema's order (most examples do
    // not: their first difference is a key out of that order).
    assert!(count(summary, "identical_bytes") > 0, "{summary}");
    assert_eq!(count(summary, "failures"), 0, "{stdout}");
}
