//! The official JSON Schema Test Suite as an oracle of the types-only route: the copy in the
//! PyPI sdist of `jsonschema` (pinned), fetched with `pip download` once and cached under
//! `target/json-schema-suite-cache` (never committed). For every group of the required tests
//! of draft 2020-12 and draft 7, the group's schema is one file of a catalog of its own through
//! `generate_types`; the documents it refers to on the suite's remote server
//! (`http://localhost:1234/…`, the suite's `remotes` directory) are files of the same catalog
//! at the same paths, and the catalog is read as published there (`Config::base_uri`), as a
//! validator's test harness registers them (a remote without `$schema` is of the group's
//! draft). The
//! generated modules are compiled together into one program (built under the cache), which
//! decodes every valid instance into the group's root type and encodes it back: the result
//! must equal the instance.
//!
//! Every group must generate a root type that compiles, and every valid instance must
//! round-trip; the test prints every failure. It also reports how many of the suite's invalid instances decoding alone refuses (the
//! types are never narrower than the schema, so most are left to the validator).
//!
//! Needs `pip` and the registry: without them the test skips loudly, unless
//! `EVENTS_REQUIRE_NETWORK=1` (CI) makes that a failure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const VERSION: &str = "4.26.0";

/// Each draft with the `$schema` its files get.
const DRAFTS: [(&str, &str); 2] = [
    (
        "draft2020-12",
        "https://json-schema.org/draft/2020-12/schema",
    ),
    ("draft7", "http://json-schema.org/draft-07/schema#"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn skip(why: &str) {
    if std::env::var_os("EVENTS_REQUIRE_NETWORK").is_some_and(|v| v == "1") {
        panic!("EVENTS_REQUIRE_NETWORK=1 but {why}");
    }
    eprintln!("SKIPPED: the JSON Schema Test Suite test: {why}");
}

fn cache() -> PathBuf {
    root().join("target/json-schema-suite-cache").join(VERSION)
}

/// The suite's `json/tests` directory, fetched once.
fn suite() -> Result<PathBuf, String> {
    let dir = cache();
    let tests = dir.join(format!("jsonschema-{VERSION}/json/tests"));
    if tests.join("draft2020-12/allOf.json").is_file() {
        return Ok(tests);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let spec = format!("jsonschema=={VERSION}");
    let args = ["download", "--no-deps", "--no-binary", ":all:", &spec, "-d"];
    let mut last = String::new();
    let fetched = [("pip", &[][..]), ("python3", &["-m", "pip"][..])]
        .iter()
        .any(|(program, pre)| {
            match Command::new(program)
                .args(*pre)
                .args(args)
                .arg(&dir)
                .output()
            {
                Ok(out) if out.status.success() => true,
                Ok(out) => {
                    last = String::from_utf8_lossy(&out.stderr).into_owned();
                    false
                }
                Err(e) => {
                    last = format!("{program}: {e}");
                    false
                }
            }
        });
    if !fetched {
        return Err(format!("pip download {spec}: {last}"));
    }
    let tarball = dir.join(format!("jsonschema-{VERSION}.tar.gz"));
    let ok = Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir)
        .status()
        .map_err(|e| format!("tar: {e}"))?
        .success();
    if !ok || !tests.is_dir() {
        return Err(format!("cannot unpack {}", tarball.display()));
    }
    Ok(tests)
}

/// One group of a test file: its schema and its valid instances.
struct Group {
    draft: &'static str,
    name: String,
    schema: Value,
    valid: Vec<Value>,
    /// The instances the suite calls invalid: how many of them decoding refuses is reported.
    invalid: Vec<Value>,
}

fn groups(tests: &Path, draft: &'static str) -> Vec<Group> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tests.join(draft))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let parsed: Vec<Value> = serde_json::from_str(&text).unwrap();
        for (i, g) in parsed.into_iter().enumerate() {
            let of = |valid: bool| {
                g["tests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|t| t["valid"] == Value::Bool(valid))
                    .map(|t| t["data"].clone())
                    .collect()
            };
            let (valid, invalid) = (of(true), of(false));
            out.push(Group {
                draft,
                name: format!(
                    "{draft}/{stem}.json#{i} ({})",
                    g["description"].as_str().unwrap_or("")
                ),
                schema: g["schema"].clone(),
                valid,
                invalid,
            });
        }
    }
    out
}

/// The suite's remote server.
const REMOTE: &str = "http://localhost:1234/";

/// The documents of the suite's remote server that `schema` refers to (`$ref`,
/// `$dynamicRef`, `$schema`), directly or through each other: (path below `remotes`, the
/// document). References are resolved against the `$id`s around them, as a validator
/// resolves them.
fn remotes(dir: &Path, schema: &Value) -> Vec<(String, Value)> {
    fn refs(v: &Value, base: &url::Url, out: &mut Vec<url::Url>) {
        match v {
            Value::Object(m) => {
                let base = match m.get("$id").and_then(Value::as_str) {
                    Some(id) => base.join(id).unwrap_or_else(|_| base.clone()),
                    None => base.clone(),
                };
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("$ref" | "$dynamicRef" | "$schema", Value::String(r)) => {
                            out.extend(base.join(r).ok());
                        }
                        // Values, not schemas: nothing in them is a reference.
                        ("const" | "enum" | "examples" | "default", _) => {}
                        _ => refs(x, &base, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|x| refs(x, base, out)),
            _ => {}
        }
    }
    let root = url::Url::parse("file:///schema.json").unwrap();
    let mut todo = Vec::new();
    refs(schema, &root, &mut todo);
    let mut out: Vec<(String, Value)> = Vec::new();
    while let Some(mut target) = todo.pop() {
        target.set_fragment(None);
        let Some(rel) = target.as_str().strip_prefix(REMOTE) else {
            continue;
        };
        if out.iter().any(|(r, _)| r == rel) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(dir.join(rel)) else {
            continue;
        };
        let doc: Value = serde_json::from_str(&text).unwrap();
        refs(&doc, &target, &mut todo);
        out.push((rel.to_owned(), doc));
    }
    out
}

/// What became of a group.
enum Generated {
    /// Module name and Rust root type.
    Root(String, String),
    /// The loader or the generator refused it (first line of the errors).
    Refused(String),
}

#[test]
fn every_valid_instance_of_the_suite_decodes_and_round_trips() {
    let tests = match suite() {
        Ok(dir) => dir,
        Err(why) => return skip(&why),
    };
    let work = cache().join("runner");
    let src = work.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).unwrap();
    let gen_dir = work.join("schemas");
    let _ = std::fs::remove_dir_all(&gen_dir);

    let mut all = Vec::new();
    for (draft, dialect) in DRAFTS {
        all.extend(groups(&tests, draft).into_iter().map(|g| (g, dialect)));
    }
    let mut outcome: Vec<Generated> = Vec::new();
    for (n, (group, dialect)) in all.iter().enumerate() {
        let dir = gen_dir.join(format!("g{n:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut schema = group.schema.clone();
        if let Value::Object(m) = &mut schema {
            m.entry("$schema")
                .or_insert_with(|| Value::String((*dialect).to_owned()));
        }
        std::fs::write(dir.join("schema.json"), schema.to_string()).unwrap();
        for (rel, mut doc) in remotes(&tests.join("../remotes"), &schema) {
            if let Value::Object(m) = &mut doc {
                m.entry("$schema")
                    .or_insert_with(|| Value::String((*dialect).to_owned()));
            }
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, doc.to_string()).unwrap();
        }
        outcome.push(
            match events_codegen::Config::new()
                .base_uri(REMOTE)
                .generate_types(&dir)
            {
                Ok(types) => match types.type_map.get("schema.json") {
                    Some(Some(name)) => {
                        let module = format!("g{n:04}");
                        std::fs::write(src.join(format!("{module}.rs")), &types.code).unwrap();
                        Generated::Root(module, name.clone())
                    }
                    _ => Generated::Refused("no root type".to_owned()),
                },
                Err(e) => Generated::Refused(
                    e.to_string()
                        .lines()
                        .nth(1)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                ),
            },
        );
    }

    // Compile the generated modules together; a module that does not compile is left out
    // (and counted as a failure of its group).
    let mut broken: BTreeMap<String, String> = BTreeMap::new();
    let binary = loop {
        let modules: Vec<(usize, &str, &str)> = outcome
            .iter()
            .enumerate()
            .filter_map(|(n, g)| match g {
                Generated::Root(m, r) if !broken.contains_key(m) => {
                    Some((n, m.as_str(), r.as_str()))
                }
                _ => None,
            })
            .collect();
        write_runner(&work, &modules);
        let out = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--offline", "--manifest-path"])
            .arg(work.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", work.join("target"))
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .unwrap();
        if out.status.success() {
            break work.join("target/debug/json-schema-suite-runner");
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut found = false;
        for (i, line) in stderr.lines().enumerate() {
            let Some(at) = line.find("src/g") else {
                continue;
            };
            let module = &line[at + 4..at + 9];
            if !broken.contains_key(module) && modules.iter().any(|(_, m, _)| *m == module) {
                let error = stderr
                    .lines()
                    .take(i)
                    .filter(|l| l.starts_with("error"))
                    .last()
                    .unwrap_or("error")
                    .to_owned();
                broken.insert(module.to_owned(), error);
                found = true;
            }
        }
        assert!(found, "the runner does not compile:\n{stderr}");
    };

    // Every valid instance of every group that compiled, through its root type.
    let mut input = String::new();
    for (n, g) in outcome.iter().enumerate() {
        if let Generated::Root(m, _) = g {
            if broken.contains_key(m) {
                continue;
            }
            for (i, v) in all[n].0.valid.iter().enumerate() {
                writeln!(input, "{n}\t{i}\t{v}").unwrap();
            }
            for (i, v) in all[n].0.invalid.iter().enumerate() {
                writeln!(input, "{n}\tx{i}\t{v}").unwrap();
            }
        }
    }
    let instances = work.join("instances.tsv");
    std::fs::write(&instances, &input).unwrap();
    let out = Command::new(&binary).arg(&instances).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut failed: BTreeMap<(usize, usize), String> = BTreeMap::new();
    // Invalid instances that do not decode (group, index).
    let mut refused_invalid: BTreeMap<usize, usize> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut cells = line.splitn(3, '\t');
        let (n, i, what) = (cells.next(), cells.next(), cells.next());
        let (Some(n), Some(i), Some(what)) = (n, i, what) else {
            continue;
        };
        let n: usize = n.parse().unwrap();
        match i.strip_prefix('x') {
            Some(_) if what.starts_with("does not decode") => {
                *refused_invalid.entry(n).or_default() += 1
            }
            Some(_) => {}
            None => {
                failed.insert((n, i.parse().unwrap()), what.to_owned());
            }
        }
    }

    let mut report = String::new();
    let mut reached = Vec::new();
    for (draft, _) in DRAFTS {
        let (mut groups, mut rooted, mut total, mut passed) = (0, 0, 0, 0);
        let (mut invalid, mut refused) = (0, 0);
        for (n, (group, _)) in all.iter().enumerate() {
            if group.draft != draft {
                continue;
            }
            groups += 1;
            total += group.valid.len();
            let why_not = match &outcome[n] {
                Generated::Refused(why) => Some(format!("refused: {why}")),
                Generated::Root(m, _) => broken.get(m).map(|e| format!("does not compile: {e}")),
            };
            if let Some(why) = why_not {
                writeln!(report, "  {}: {why}", group.name).unwrap();
                continue;
            }
            rooted += 1;
            invalid += group.invalid.len();
            refused += refused_invalid.get(&n).copied().unwrap_or(0);
            for (i, v) in group.valid.iter().enumerate() {
                match failed.get(&(n, i)) {
                    Some(what) => {
                        writeln!(report, "  {} instance {v}: {what}", group.name).unwrap()
                    }
                    None => passed += 1,
                }
            }
        }
        eprintln!(
            "{draft}: {rooted}/{groups} groups generate a root type and compile; {passed}/{total} valid instances decode and round-trip; decoding refuses {refused}/{invalid} invalid instances of those groups (the validator checks the rest)"
        );
        reached.push((draft, rooted, groups, passed, total));
    }
    eprintln!("failures:\n{report}");
    for (draft, rooted, groups, passed, total) in reached {
        assert!(
            rooted == groups && passed == total,
            "{draft}: {rooted}/{groups} groups, {passed}/{total} instances:\n{report}"
        );
    }
}

/// Writes the runner crate: every module, and a `main` that reads `group\tindex\tinstance`
/// lines and prints `group\tindex\twhat went wrong` for each instance that does not
/// decode into its group's root type and encode back to an equal value.
fn write_runner(work: &Path, modules: &[(usize, &str, &str)]) {
    let events_rt = root().join("events-rt");
    std::fs::write(
        work.join("Cargo.toml"),
        format!(
            r#"# Written by conformance/tests/json_schema_suite.rs: not a workspace member.
[package]
name = "json-schema-suite-runner"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
events-rt = {{ path = {:?} }}

[workspace]
"#,
            events_rt.display().to_string()
        ),
    )
    .unwrap();
    let lock = root().join("Cargo.lock");
    if !work.join("Cargo.lock").is_file() {
        std::fs::copy(lock, work.join("Cargo.lock")).unwrap();
    }
    let mut main = String::from(
        "#![allow(warnings)]\n\
         use events_rt::__private::{serde, serde_json};\n",
    );
    for (_, m, _) in modules {
        writeln!(main, "mod {m} {{ include!(\"{m}.rs\"); }}").unwrap();
    }
    main.push_str(
        r#"
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Result<(), String> {
    let want: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("instance: {e}"))?;
    let typed: T = serde_json::from_str(text).map_err(|e| format!("does not decode: {e}"))?;
    let back = serde_json::to_value(&typed).map_err(|e| format!("does not encode: {e}"))?;
    if back == want {
        Ok(())
    } else {
        Err(format!("re-encodes as {back}"))
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("the instances file");
    let text = std::fs::read_to_string(path).expect("the instances file");
    for line in text.lines() {
        let mut cells = line.splitn(3, '\t');
        let (n, i, doc) = (cells.next().unwrap(), cells.next().unwrap(), cells.next().unwrap());
        let result = match n.parse::<usize>().unwrap() {
"#,
    );
    for (n, m, r) in modules {
        writeln!(main, "            {n} => round_trip::<{m}::{r}>(doc),").unwrap();
    }
    main.push_str(
        r#"            _ => Err("no module".to_owned()),
        };
        if let Err(e) = result {
            println!("{n}\t{i}\t{}", e.replace('\n', " "));
        }
    }
}
"#,
    );
    std::fs::write(work.join("src/main.rs"), main).unwrap();
}
