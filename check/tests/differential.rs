//! Random differential test of the diff engine against the `jsonschema` validator.
//!
//! Each case takes a seed schema, mutates it (1–3 random edits at random subschemas), asks
//! the engine for its findings, and looks for a witness with the validator: a document the
//! old schema accepts and the new one rejects (which refutes a backward-compatible verdict),
//! or the reverse (which refutes a forward-compatible one). A compatible verdict with a
//! witness is a false pass: the test fails and prints the case. A refusal without a witness
//! is only counted (the engine may be stricter than it needs to be).
//!
//! Seeds: hand-written schemas covering every keyword the engine compares, the schemas of
//! `codegen/tests/fixtures/constructs` and of the repository's `schemas/`, and the schemas of
//! the JSON Schema Test Suite (draft 2020-12) when `pip` can fetch it (see
//! `conformance/tests/json_schema_suite.rs`; without it that part is skipped loudly, unless
//! `EVENTS_REQUIRE_NETWORK=1`).
//!
//! By default a fixed number of cases runs with a fixed seed. `EVENTS_DIFFERENTIAL_SECS=600`
//! runs for that long instead, with the seed of `EVENTS_DIFFERENTIAL_SEED` (or one taken from
//! the clock, printed); `EVENTS_DIFFERENTIAL_CASES` sets the number of cases and
//! `EVENTS_DIFFERENTIAL_CASE` runs one case of a seed (to reproduce a failure).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use events_check::diff::{diff_schemas, Change, Mode};
use events_codegen::SchemaSet;
use serde_json::{json, Map, Value};

use common::probes::{Compiler, Gen};

/// Cases of the default (CI) run.
const DEFAULT_CASES: u64 = 1_000;
/// Seed of the default run.
const DEFAULT_SEED: u64 = 0x00d1_ff5e_ed00_2022;
/// Most generated documents tried per case, besides the random ones.
const MAX_GENERATED: usize = 6_000;
/// Random documents tried per case.
const RANDOM_DOCS: usize = 150;
/// Tries at a document that fits each side.
const FIT_TRIES: usize = 24;
/// Documents one edit away from those that fit, per side.
const PERTURBED: usize = 600;
/// Most false passes printed in full.
const PRINTED: usize = 12;

/// The JSON Schema Test Suite, inside the PyPI sdist of `jsonschema` (as the conformance
/// test fetches it).
const SUITE_VERSION: &str = "4.26.0";

// ---------------------------------------------------------------------------------------
// A tiny seeded PRNG (splitmix64): reproducible cases without a dependency.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The generator of case `i` of a run: each case can be replayed on its own.
fn case_rng(seed: u64, i: u64) -> Rng {
    let mut r = Rng::new(seed ^ i.wrapping_mul(0xd6e8_feb8_6659_fd93));
    r.next();
    r
}

// ---------------------------------------------------------------------------------------
// The corpus of seed schemas.

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where a seed's `$ref`s resolve.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetId {
    /// `codegen/tests/fixtures/constructs` (also for schemas without references).
    Constructs,
    /// The repository's `schemas/`.
    Contracts,
}

struct Seed {
    origin: String,
    schema: Value,
    set: SetId,
}

struct Corpus {
    constructs: SchemaSet,
    contracts: SchemaSet,
    constructs_compiler: Compiler,
    contracts_compiler: Compiler,
    /// Seeds by kind: hand-written, fixtures, contracts, random (made per case), suite.
    kinds: Vec<(&'static str, Vec<Seed>)>,
    /// Suite groups set aside (references the engine cannot resolve outside a schema set).
    suite_aside: usize,
}

impl Corpus {
    fn set(&self, id: SetId) -> &SchemaSet {
        match id {
            SetId::Constructs => &self.constructs,
            SetId::Contracts => &self.contracts,
        }
    }

    fn compiler(&self, id: SetId) -> &Compiler {
        match id {
            SetId::Constructs => &self.constructs_compiler,
            SetId::Contracts => &self.contracts_compiler,
        }
    }

    fn load() -> Corpus {
        let constructs =
            SchemaSet::load(&root().join("codegen/tests/fixtures/constructs")).unwrap();
        let contracts = SchemaSet::load(&root().join("schemas")).unwrap();
        let mut kinds = vec![
            ("hand-written", hand_written()),
            ("fixtures", set_seeds(&constructs, SetId::Constructs)),
            ("contracts", set_seeds(&contracts, SetId::Contracts)),
            // Made per case (one placeholder to be drawn).
            (
                "random",
                vec![Seed {
                    origin: String::new(),
                    schema: Value::Null,
                    set: SetId::Constructs,
                }],
            ),
        ];
        let mut suite_aside = 0;
        match suite() {
            Ok(tests) => {
                let (seeds, aside) = suite_seeds(&tests);
                suite_aside = aside;
                kinds.push(("suite", seeds));
            }
            Err(why) => skip(&format!(
                "the JSON Schema Test Suite part of the corpus: {why}"
            )),
        }
        Corpus {
            constructs_compiler: Compiler::new(&constructs),
            contracts_compiler: Compiler::new(&contracts),
            constructs,
            contracts,
            kinds,
            suite_aside,
        }
    }
}

/// Every file's root schema and each of its `$defs`.
fn set_seeds(set: &SchemaSet, id: SetId) -> Vec<Seed> {
    let mut out = Vec::new();
    for doc in set.files() {
        let Value::Object(m) = &doc.json else {
            continue;
        };
        if m.keys().any(|k| k != "$schema" && k != "$defs") {
            out.push(Seed {
                origin: doc.rel.clone(),
                schema: doc.json.clone(),
                set: id,
            });
        }
        for (name, def) in m
            .get("$defs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.push(Seed {
                origin: format!("{}#/$defs/{name}", doc.rel),
                schema: def.clone(),
                set: id,
            });
        }
    }
    out
}

fn skip(why: &str) {
    if std::env::var_os("EVENTS_REQUIRE_NETWORK").is_some_and(|v| v == "1") {
        panic!("EVENTS_REQUIRE_NETWORK=1 but skipped {why}");
    }
    eprintln!("SKIPPED: {why}");
}

/// The suite's `json/tests` directory, fetched once with `pip download` (shared with the
/// conformance test's cache).
fn suite() -> Result<PathBuf, String> {
    let dir = root()
        .join("target/json-schema-suite-cache")
        .join(SUITE_VERSION);
    let tests = dir.join(format!("jsonschema-{SUITE_VERSION}/json/tests"));
    if tests.join("draft2020-12/allOf.json").is_file() {
        return Ok(tests);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let spec = format!("jsonschema=={SUITE_VERSION}");
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
    let tarball = dir.join(format!("jsonschema-{SUITE_VERSION}.tar.gz"));
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

/// Whether `v` holds a keyword that names or identifies a schema: the engine resolves only
/// the absolute `$ref`s a loaded schema set has, so such a suite schema is set aside.
fn has_reference(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.keys().any(|k| {
                matches!(
                    k.as_str(),
                    "$ref" | "$dynamicRef" | "$id" | "$anchor" | "$dynamicAnchor" | "$recursiveRef"
                )
            }) || m.values().any(has_reference)
        }
        Value::Array(a) => a.iter().any(has_reference),
        _ => false,
    }
}

/// The draft 2020-12 group schemas (not those of the suite's remote server at
/// `localhost:1234`, nor those with references), and how many were set aside.
fn suite_seeds(tests: &Path) -> (Vec<Seed>, usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tests.join("draft2020-12"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut out, mut aside) = (Vec::new(), 0);
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let groups: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for (i, g) in groups.into_iter().enumerate() {
            let schema = g["schema"].clone();
            if schema.to_string().contains("localhost:1234") || has_reference(&schema) {
                aside += 1;
                continue;
            }
            out.push(Seed {
                origin: format!("suite draft2020-12/{stem}.json#{i}"),
                schema,
                set: SetId::Constructs,
            });
        }
    }
    (out, aside)
}

/// Small schemas covering every keyword the engine compares.
fn hand_written() -> Vec<Seed> {
    let money = json!({"$ref": "file:///defs/common.json#/$defs/Money"});
    let amount = json!({"$ref": "file:///defs/common.json#/$defs/Amount"});
    let currency = json!({"$ref": "file:///defs/common.json#/$defs/Currency"});
    let variant = |k: &str, x: Value| json!({"type": "object", "properties": {"kind": {"const": k}, "x": x}, "required": ["kind", "x"]});
    let schemas = vec![
        json!(true),
        json!(false),
        json!({}),
        json!({"type": "string"}),
        json!({"type": ["string", "null"]}),
        json!({"type": "integer", "minimum": 0, "maximum": 10}),
        json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 5, "multipleOf": 0.5}),
        json!({"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^a"}),
        json!({"type": "string", "format": "date"}),
        json!({"enum": ["a", "b", 1, null]}),
        json!({"const": "a"}),
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}),
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"], "additionalProperties": false}),
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string", "maxLength": 2}}),
        json!({"type": "object", "properties": {"a": {}}, "patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": false}),
        json!({"type": "object", "minProperties": 1, "maxProperties": 2}),
        json!({"type": "object", "properties": {"a": {}, "b": {}}, "dependentRequired": {"a": ["b"]}}),
        json!({"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}}),
        json!({"type": "object", "propertyNames": {"maxLength": 2}}),
        json!({"type": "object", "allOf": [{"properties": {"a": {"type": "string"}}}], "properties": {"b": {}}, "unevaluatedProperties": false}),
        json!({"type": "object", "properties": {"a": {"type": "integer"}}, "unevaluatedProperties": {"type": "string"}}),
        json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3, "uniqueItems": true}),
        json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}),
        json!({"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "boolean"}}),
        json!({"type": "array", "contains": {"const": "a"}, "minContains": 1, "maxContains": 2}),
        json!({"type": "array", "prefixItems": [{"type": "string"}], "unevaluatedItems": false}),
        json!({"oneOf": [variant("a", json!({"type": "string"})), variant("b", json!({"type": "integer"}))]}),
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        json!({"oneOf": [{"type": "string"}, {"type": "number"}]}),
        json!({"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a"]}]}),
        json!({"not": {"type": "null"}}),
        json!({"if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}, "then": {"required": ["x"]}, "else": {"required": ["y"]}}),
        json!({"type": "object", "properties": {"list": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}, "required": ["n"], "additionalProperties": false}}}}),
        json!({"type": "string", "contentEncoding": "base64", "contentMediaType": "application/json"}),
        money.clone(),
        json!({"type": "object", "properties": {"m": money, "c": currency}, "required": ["m"]}),
        json!({"type": "object", "allOf": [amount.clone()], "unevaluatedProperties": false}),
        json!({"type": "object", "properties": {"a": amount}, "additionalProperties": false}),
        json!({"$ref": "file:///defs/common.json#/$defs/Node"}),
    ];
    schemas
        .into_iter()
        .enumerate()
        .map(|(i, schema)| Seed {
            origin: format!("hand-written #{i}"),
            schema,
            set: SetId::Constructs,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Mutations.

const TYPES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "integer", "string",
];
const NAMES: [&str; 6] = ["a", "b", "c", "kind", "x", "zz"];
const PATTERNS: [&str; 6] = ["^a", "b$", "^[a-z]+$", "a", "^$", "^.{0,2}$"];
const FORMATS: [&str; 7] = [
    "date",
    "date-time",
    "email",
    "uuid",
    "ipv4",
    "uri",
    "hostname",
];

fn scalar(rng: &mut Rng) -> Value {
    rng.pick(&[
        json!(0),
        json!(1),
        json!(2),
        json!(-1),
        json!(0.5),
        json!(10),
        json!("a"),
        json!("b"),
        json!(""),
        json!("ab"),
        json!(true),
        json!(false),
        Value::Null,
        json!("RSD"),
    ])
    .clone()
}

/// A name: one the schema mentions, or one of a few others.
fn name(rng: &mut Rng, known: &[String]) -> String {
    if !known.is_empty() && rng.chance(60) {
        rng.pick(known).clone()
    } else {
        (*rng.pick(&NAMES)).to_owned()
    }
}

/// A small random schema.
fn small(rng: &mut Rng, depth: usize, known: &[String]) -> Value {
    let leaves = 14;
    let composites = if depth > 0 { 4 } else { 0 };
    match rng.below(leaves + composites) {
        0 => json!({}),
        1 => json!(true),
        2 => json!(false),
        3 | 4 => json!({"type": rng.pick(&TYPES)}),
        5 => json!({"type": "string", "maxLength": rng.below(4)}),
        6 => json!({"type": "integer", "minimum": rng.below(3) as i64 - 1}),
        7 => json!({"const": scalar(rng)}),
        8 => json!({"enum": [scalar(rng), scalar(rng)]}),
        9 => json!({"type": "string", "format": rng.pick(&FORMATS)}),
        10 => json!({"type": "number", "multipleOf": rng.pick(&[0.5, 1.0, 2.0, 3.0])}),
        11 => json!({"type": ["string", "null"]}),
        12 => json!({"type": "string", "pattern": rng.pick(&PATTERNS)}),
        13 => json!({"minimum": 1}),
        14 => {
            let n = name(rng, known);
            let mut m =
                json!({"type": "object", "properties": {n.clone(): small(rng, depth - 1, known)}});
            if rng.chance(50) {
                m["required"] = json!([n]);
            }
            if rng.chance(40) {
                m["additionalProperties"] = json!(false);
            }
            m
        }
        15 => json!({"type": "array", "items": small(rng, depth - 1, known)}),
        16 => json!({"anyOf": [small(rng, depth - 1, known), small(rng, depth - 1, known)]}),
        _ => json!({"oneOf": [small(rng, depth - 1, known), small(rng, depth - 1, known)]}),
    }
}

/// Pointers of the subschemas of `v` (in place, not under `$defs`).
fn locations(v: &Value, at: String, depth: usize, out: &mut Vec<String>) {
    out.push(at.clone());
    let Value::Object(m) = v else { return };
    if depth > 8 {
        return;
    }
    let esc = |k: &str| k.replace('~', "~0").replace('/', "~1");
    for k in [
        "additionalProperties",
        "unevaluatedProperties",
        "items",
        "contains",
        "unevaluatedItems",
        "not",
        "if",
        "then",
        "else",
        "propertyNames",
    ] {
        if let Some(s) = m.get(k) {
            locations(s, format!("{at}/{k}"), depth + 1, out);
        }
    }
    for k in ["properties", "patternProperties", "dependentSchemas"] {
        for (name, s) in m.get(k).and_then(Value::as_object).into_iter().flatten() {
            locations(s, format!("{at}/{k}/{}", esc(name)), depth + 1, out);
        }
    }
    for k in ["prefixItems", "allOf", "anyOf", "oneOf"] {
        for (i, s) in m
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            locations(s, format!("{at}/{k}/{i}"), depth + 1, out);
        }
    }
}

/// Property names a schema mentions anywhere.
fn names_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for k in ["properties", "dependentRequired", "dependentSchemas"] {
                if let Some(Value::Object(p)) = m.get(k) {
                    out.extend(p.keys().cloned());
                }
            }
            if let Some(Value::Array(r)) = m.get("required") {
                out.extend(r.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            m.values().for_each(|x| names_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| names_in(x, out)),
        _ => {}
    }
}

/// Constants and enum values a schema mentions anywhere.
fn values_in(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if let Some(c) = m.get("const") {
                out.push(c.clone());
            }
            if let Some(Value::Array(e)) = m.get("enum") {
                out.extend(e.iter().cloned());
            }
            m.values().for_each(|x| values_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| values_in(x, out)),
        _ => {}
    }
}

/// `v` as an object schema (`true` is `{}`, `false` is `{"not": {}}`).
fn as_obj(v: &mut Value) -> &mut Map<String, Value> {
    match v {
        Value::Object(_) => {}
        Value::Bool(false) => *v = json!({"not": {}}),
        _ => *v = json!({}),
    }
    v.as_object_mut().unwrap()
}

/// Sets `key` to `value`, or removes it.
fn set_or_remove(m: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            m.insert(key.to_owned(), v);
        }
        None => {
            m.remove(key);
        }
    }
}

/// One random edit of the schema at `v`; its description, or `None` where the edit chosen
/// does not apply.
fn mutate_at(rng: &mut Rng, set: &SchemaSet, v: &mut Value, known: &[String]) -> Option<String> {
    let op = rng.below(30);
    let label = |s: &str| Some(s.to_owned());
    match op {
        0 => {
            // Change, add or remove a type.
            let m = as_obj(v);
            let mut types: Vec<String> = match m.get("type") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            match rng.below(4) {
                0 => types = vec![(*rng.pick(&TYPES)).to_owned()],
                1 => {
                    let t = (*rng.pick(&TYPES)).to_owned();
                    if !types.contains(&t) {
                        types.push(t);
                    }
                }
                2 if !types.is_empty() => {
                    let i = rng.below(types.len());
                    types.remove(i);
                }
                _ => types.clear(),
            }
            match types.len() {
                0 => m.remove("type"),
                1 => m.insert("type".into(), json!(types[0])),
                _ => m.insert("type".into(), json!(types)),
            };
            label("type")
        }
        1 | 2 => {
            // Add or remove a property.
            let m = as_obj(v);
            let props = m.entry("properties").or_insert_with(|| json!({}));
            let props = props.as_object_mut()?;
            if op == 1 || props.is_empty() {
                let n = name(rng, known);
                props.insert(n, small(rng, 1, known));
                label("property added")
            } else {
                let keys: Vec<String> = props.keys().cloned().collect();
                props.remove(rng.pick(&keys));
                label("property removed")
            }
        }
        3 => {
            // Toggle `required`.
            let m = as_obj(v);
            let mut names: Vec<String> = m
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            names.push(name(rng, known));
            let n = rng.pick(&names).clone();
            let mut req: Vec<Value> = m
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(i) = req.iter().position(|x| *x == json!(n)) {
                req.remove(i);
            } else {
                req.push(json!(n));
            }
            set_or_remove(m, "required", (!req.is_empty()).then(|| json!(req)));
            label("required toggled")
        }
        4 => {
            let m = as_obj(v);
            let k = *rng.pick(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]);
            let x = if m.contains_key(k) && rng.chance(40) {
                None
            } else {
                let f: f64 = *rng.pick(&[-1.0, 0.0, 1.0, 2.0, 2.5, 3.0, 10.0]);
                Some(if f.fract() == 0.0 {
                    json!(f as i64)
                } else {
                    json!(f)
                })
            };
            set_or_remove(m, k, x);
            label(k)
        }
        5 => {
            let m = as_obj(v);
            let x = (!m.contains_key("multipleOf") || rng.chance(50))
                .then(|| json!(rng.pick(&[0.5, 1.0, 2.0, 3.0, 4.0, 6.0])));
            set_or_remove(m, "multipleOf", x);
            label("multipleOf")
        }
        6 => {
            let m = as_obj(v);
            let k = *rng.pick(&["minLength", "maxLength"]);
            let x = (!m.contains_key(k) || rng.chance(60)).then(|| json!(rng.below(5)));
            set_or_remove(m, k, x);
            label(k)
        }
        7 => {
            let m = as_obj(v);
            let x =
                (!m.contains_key("pattern") || rng.chance(50)).then(|| json!(rng.pick(&PATTERNS)));
            set_or_remove(m, "pattern", x);
            label("pattern")
        }
        8 => {
            let m = as_obj(v);
            let x =
                (!m.contains_key("format") || rng.chance(50)).then(|| json!(rng.pick(&FORMATS)));
            set_or_remove(m, "format", x);
            label("format")
        }
        9 => {
            let m = as_obj(v);
            let k = *rng.pick(&[
                "minItems",
                "maxItems",
                "uniqueItems",
                "minProperties",
                "maxProperties",
            ]);
            let x = if k == "uniqueItems" {
                match rng.below(3) {
                    0 => None,
                    1 => Some(json!(true)),
                    _ => Some(json!(false)),
                }
            } else {
                (!m.contains_key(k) || rng.chance(60)).then(|| json!(rng.below(4)))
            };
            set_or_remove(m, k, x);
            label(k)
        }
        10 => {
            // Add or remove an enum value.
            let m = as_obj(v);
            match m.get_mut("enum").and_then(Value::as_array_mut) {
                Some(e) if e.len() > 1 && rng.chance(50) => {
                    let i = rng.below(e.len());
                    e.remove(i);
                    label("enum value removed")
                }
                Some(e) if rng.chance(70) => {
                    e.push(scalar(rng));
                    label("enum value added")
                }
                Some(_) => {
                    m.remove("enum");
                    label("enum removed")
                }
                None => {
                    let mut e = vec![scalar(rng), scalar(rng)];
                    if let Some(c) = m.get("const") {
                        e.push(c.clone());
                    }
                    m.insert("enum".into(), json!(e));
                    label("enum added")
                }
            }
        }
        11 => {
            let m = as_obj(v);
            let x = (!m.contains_key("const") || rng.chance(60)).then(|| scalar(rng));
            set_or_remove(m, "const", x);
            label("const")
        }
        12 => {
            // `oneOf` ↔ `anyOf`.
            let m = v.as_object_mut()?;
            let (a, b) = (m.remove("oneOf"), m.remove("anyOf"));
            if a.is_none() && b.is_none() {
                return None;
            }
            if let Some(a) = a {
                m.insert("anyOf".into(), a);
            }
            if let Some(b) = b {
                m.insert("oneOf".into(), b);
            }
            label("oneOf/anyOf swapped")
        }
        13 => {
            // Wrap into a union with another member.
            let k = *rng.pick(&["oneOf", "anyOf"]);
            let other = small(rng, 1, known);
            let inner = v.clone();
            let members = if rng.chance(50) {
                vec![inner, other]
            } else {
                vec![other, inner]
            };
            *v = json!({ k: members });
            label("wrapped in a union")
        }
        14 => {
            // Unwrap a union: its only member, or one of its members.
            let m = v.as_object_mut()?;
            let k = ["oneOf", "anyOf"]
                .into_iter()
                .find(|k| m.contains_key(*k))?;
            let members = m.get(k)?.as_array()?.clone();
            if members.is_empty() {
                return None;
            }
            let member = rng.pick(&members).clone();
            if m.len() == 1 {
                *v = member;
            } else {
                m.remove(k);
                m.entry("allOf")
                    .or_insert_with(|| json!([]))
                    .as_array_mut()?
                    .push(member);
            }
            label("union unwrapped")
        }
        15 => {
            // Add or remove a member of `anyOf`/`oneOf`/`allOf`.
            let m = as_obj(v);
            let present: Vec<&str> = ["oneOf", "anyOf", "allOf"]
                .into_iter()
                .filter(|k| m.contains_key(*k))
                .collect();
            let k = if present.is_empty() {
                "allOf"
            } else {
                *rng.pick(&present)
            };
            let members = m.entry(k).or_insert_with(|| json!([])).as_array_mut()?;
            if members.len() > 1 && rng.chance(50) {
                let i = rng.below(members.len());
                members.remove(i);
                label("member removed")
            } else {
                let i = rng.below(members.len() + 1);
                members.insert(i, small(rng, 1, known));
                label("member added")
            }
        }
        16 => {
            let m = as_obj(v);
            let k = *rng.pick(&[
                "additionalProperties",
                "unevaluatedProperties",
                "unevaluatedItems",
            ]);
            let x = match rng.below(4) {
                0 => None,
                1 => Some(json!(true)),
                2 => Some(json!(false)),
                _ => Some(small(rng, 1, known)),
            };
            set_or_remove(m, k, x);
            label(k)
        }
        17 => {
            let m = as_obj(v);
            let pp = m
                .entry("patternProperties")
                .or_insert_with(|| json!({}))
                .as_object_mut()?;
            if !pp.is_empty() && rng.chance(50) {
                let keys: Vec<String> = pp.keys().cloned().collect();
                pp.remove(rng.pick(&keys));
            } else {
                pp.insert(
                    (*rng.pick(&["^x", "^a", "b$", "^k"])).to_owned(),
                    small(rng, 1, known),
                );
            }
            if pp.is_empty() {
                m.remove("patternProperties");
            }
            label("patternProperties")
        }
        18 => {
            let m = as_obj(v);
            let x = match rng.below(4) {
                0 => None,
                1 => Some(json!(false)),
                _ => Some(small(rng, 1, known)),
            };
            set_or_remove(m, "items", x);
            label("items")
        }
        19 => {
            let m = as_obj(v);
            let prefix = m
                .entry("prefixItems")
                .or_insert_with(|| json!([]))
                .as_array_mut()?;
            match rng.below(3) {
                0 if !prefix.is_empty() => {
                    prefix.pop();
                }
                1 if !prefix.is_empty() => {
                    let i = rng.below(prefix.len());
                    prefix[i] = small(rng, 1, known);
                }
                _ => prefix.push(small(rng, 1, known)),
            }
            if prefix.is_empty() {
                m.remove("prefixItems");
            }
            label("prefixItems")
        }
        20 => {
            let m = as_obj(v);
            let x = (!m.contains_key("not") || rng.chance(40)).then(|| small(rng, 1, known));
            set_or_remove(m, "not", x);
            label("not")
        }
        21 => {
            let m = as_obj(v);
            if m.contains_key("if") && rng.chance(40) {
                for k in ["if", "then", "else"] {
                    m.remove(k);
                }
                return label("conditional removed");
            }
            let k = *rng.pick(&["if", "then", "else"]);
            let x = if k == "if" {
                let n = name(rng, known);
                json!({"properties": {n.clone(): small(rng, 0, known)}, "required": [n]})
            } else {
                small(rng, 1, known)
            };
            m.insert(k.into(), x);
            label(k)
        }
        22 => {
            let m = as_obj(v);
            let dr = m
                .entry("dependentRequired")
                .or_insert_with(|| json!({}))
                .as_object_mut()?;
            let k = name(rng, known);
            if dr.contains_key(&k) && rng.chance(50) {
                dr.remove(&k);
            } else {
                let mut req = vec![json!(name(rng, known))];
                if rng.chance(30) {
                    req.push(json!(name(rng, known)));
                }
                req.dedup();
                dr.insert(k, json!(req));
            }
            if dr.is_empty() {
                m.remove("dependentRequired");
            }
            label("dependentRequired")
        }
        23 => {
            let m = as_obj(v);
            let ds = m
                .entry("dependentSchemas")
                .or_insert_with(|| json!({}))
                .as_object_mut()?;
            let k = name(rng, known);
            if ds.contains_key(&k) && rng.chance(50) {
                ds.remove(&k);
            } else {
                ds.insert(k, small(rng, 1, known));
            }
            if ds.is_empty() {
                m.remove("dependentSchemas");
            }
            label("dependentSchemas")
        }
        24 => {
            let m = as_obj(v);
            let x = (!m.contains_key("propertyNames") || rng.chance(40)).then(|| {
                rng.pick(&[
                    json!({"maxLength": 2}),
                    json!({"pattern": "^[a-k]"}),
                    json!({"enum": ["a", "b"]}),
                    json!(false),
                ])
                .clone()
            });
            set_or_remove(m, "propertyNames", x);
            label("propertyNames")
        }
        25 => {
            let m = as_obj(v);
            match rng.below(4) {
                0 => {
                    let x = (!m.contains_key("contains") || rng.chance(40))
                        .then(|| small(rng, 1, known));
                    set_or_remove(m, "contains", x);
                    label("contains")
                }
                1 => {
                    let x = rng.chance(70).then(|| json!(rng.below(3)));
                    set_or_remove(m, "minContains", x);
                    label("minContains")
                }
                2 => {
                    let x = rng.chance(70).then(|| json!(rng.below(3) + 1));
                    set_or_remove(m, "maxContains", x);
                    label("maxContains")
                }
                _ => {
                    m.insert("contains".into(), small(rng, 0, known));
                    m.insert("minContains".into(), json!(rng.below(3)));
                    label("contains with minContains")
                }
            }
        }
        26 => {
            *v = rng.pick(&[json!(true), json!(false), json!({})]).clone();
            label("replaced by true/false/{}")
        }
        27 => {
            *v = small(rng, 2, known);
            label("replaced by a random schema")
        }
        28 => {
            // Inline a `$ref`'s target (the same schema).
            let m = v.as_object_mut()?;
            let uri = m.get("$ref")?.as_str()?.to_owned();
            let target = set.target(&uri)?.clone();
            m.remove("$ref");
            if m.is_empty() {
                *v = target;
            } else {
                m.entry("allOf")
                    .or_insert_with(|| json!([]))
                    .as_array_mut()?
                    .insert(0, target);
            }
            label("$ref inlined")
        }
        _ => {
            // Point a schema at a definition of the set.
            let defs: Vec<String> = set
                .files()
                .flat_map(|d| {
                    d.json
                        .get("$defs")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| format!("{}#/$defs/{k}", SchemaSet::uri(&d.rel)))
                        .collect::<Vec<_>>()
                })
                .collect();
            if defs.is_empty() {
                return None;
            }
            let uri = rng.pick(&defs).clone();
            if rng.chance(50) {
                *v = json!({ "$ref": uri });
            } else {
                as_obj(v).insert("$ref".into(), json!(uri));
            }
            label("$ref to a definition")
        }
    }
}

/// 1–3 random edits at random places of `schema`.
fn mutate(rng: &mut Rng, set: &SchemaSet, schema: &Value, edits: usize) -> (Value, Vec<String>) {
    let mut v = schema.clone();
    let mut done = Vec::new();
    let mut known = BTreeSet::new();
    names_in(schema, &mut known);
    let known: Vec<String> = known.into_iter().collect();
    let mut tries = 0;
    while done.len() < edits && tries < 40 {
        tries += 1;
        let mut locs = Vec::new();
        locations(&v, String::new(), 0, &mut locs);
        let at = rng.pick(&locs).clone();
        let Some(place) = v.pointer_mut(&at) else {
            continue;
        };
        let before = place.clone();
        match mutate_at(rng, set, place, &known) {
            Some(what) => done.push(format!(
                "{what} at {:?}",
                if at.is_empty() { "/" } else { &at }
            )),
            None => *place = before,
        }
    }
    (v, done)
}

/// A copy of the fixture set with one edit in a definition of `defs/common.json`.
struct Edited {
    _dir: tempfile::TempDir,
    set: SchemaSet,
    compiler: Compiler,
    what: String,
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn edited_constructs(rng: &mut Rng, set: &SchemaSet) -> Result<Edited, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(
        &root().join("codegen/tests/fixtures/constructs"),
        dir.path(),
    )
    .map_err(|e| e.to_string())?;
    let path = dir.path().join("defs/common.json");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let names: Vec<String> = v["$defs"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if names.is_empty() {
        return Err("no definitions".into());
    }
    let name = rng.pick(&names).clone();
    let edits = 1 + rng.below(2);
    let (def, what) = mutate(rng, set, &v["$defs"][&name], edits);
    v["$defs"][&name] = def;
    // References within the file, as written in it.
    let text = v.to_string().replace("\"file:///defs/common.json#", "\"#");
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    let edited = SchemaSet::load(dir.path()).map_err(|e| e.to_string())?;
    Ok(Edited {
        compiler: Compiler::new(&edited),
        set: edited,
        _dir: dir,
        what: format!("definitions: $defs/{name}: {}", what.join("; ")),
    })
}

// ---------------------------------------------------------------------------------------
// Documents.

/// A random document made of the names and values the schemas mention.
fn random_doc(rng: &mut Rng, names: &[String], values: &[Value], depth: usize) -> Value {
    let kinds = if depth == 0 { 5 } else { 7 };
    match rng.below(kinds) {
        0 | 1 if !values.is_empty() => rng.pick(values).clone(),
        0..=2 => scalar(rng),
        3 => rng
            .pick(&[
                json!("2024-01-02"),
                json!("2024-01-02T03:04:05Z"),
                json!("a@example.com"),
                json!("123e4567-e89b-12d3-a456-426614174000"),
                json!("192.0.2.1"),
                json!("https://example.com/a"),
                json!("abc"),
                json!("aaaaaaaaaa"),
                json!(2.5),
                json!(3),
                json!(4),
                json!(6),
                json!(-0.5),
                json!(1e3),
            ])
            .clone(),
        4 => json!(rng.below(12) as i64 - 2),
        5 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_doc(rng, names, values, depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.below(5) {
                let k = if !names.is_empty() && rng.chance(80) {
                    rng.pick(names).clone()
                } else {
                    (*rng.pick(&["zz", "x1", "xa", "kk", "b"])).to_owned()
                };
                m.insert(k, random_doc(rng, names, values, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// `v` with its `$ref` targets and `allOf` members merged in (shallowly: `properties` and
/// `required` joined, other keywords the first seen).
fn flatten(set: &SchemaSet, v: &Value, depth: usize) -> Map<String, Value> {
    let mut out = Map::new();
    let Value::Object(m) = v else {
        if *v == Value::Bool(false) {
            out.insert("not".into(), json!({}));
        }
        return out;
    };
    let mut parts: Vec<Map<String, Value>> = Vec::new();
    let mut own = m.clone();
    own.remove("$ref");
    own.remove("allOf");
    parts.push(own);
    if depth < 12 {
        if let Some(t) = m
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|u| set.target(u))
        {
            parts.push(flatten(set, t, depth + 1));
        }
        for member in m
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            parts.push(flatten(set, member, depth + 1));
        }
    }
    for part in parts {
        for (k, x) in part {
            match (k.as_str(), out.get_mut(&k)) {
                ("properties", Some(Value::Object(p))) => {
                    if let Value::Object(q) = x {
                        for (name, s) in q {
                            p.entry(name).or_insert(s);
                        }
                    }
                }
                ("required", Some(Value::Array(r))) => {
                    for name in x.as_array().into_iter().flatten() {
                        if !r.contains(name) {
                            r.push(name.clone());
                        }
                    }
                }
                (_, Some(_)) => {}
                (_, None) => {
                    out.insert(k, x);
                }
            }
        }
    }
    out
}

/// A document meant to fit `v` (a guess: the validator tells).
fn fit(rng: &mut Rng, set: &SchemaSet, v: &Value, depth: usize) -> Value {
    let mut m = flatten(set, v, 0);
    if m.get("not") == Some(&json!({})) || depth > 6 {
        return scalar(rng);
    }
    // A union: one member, with what sits beside it.
    for k in ["anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = m.remove(k) {
            if !members.is_empty() {
                let member = flatten(set, rng.pick(&members), 0);
                for (key, x) in member {
                    m.entry(key).or_insert(x);
                }
                return fit(rng, set, &Value::Object(m), depth + 1);
            }
        }
    }
    if let Some(c) = m.get("const") {
        return c.clone();
    }
    if let Some(Value::Array(e)) = m.get("enum") {
        if !e.is_empty() {
            return rng.pick(e).clone();
        }
    }
    let types: Vec<String> = match m.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => {
            let has = |ks: &[&str]| ks.iter().any(|k| m.contains_key(*k));
            let mut ts = Vec::new();
            if has(&[
                "properties",
                "required",
                "additionalProperties",
                "dependentRequired",
            ]) {
                ts.push("object".to_owned());
            }
            if has(&["items", "prefixItems", "contains", "minItems"]) {
                ts.push("array".to_owned());
            }
            if has(&["minLength", "maxLength", "pattern", "format"]) {
                ts.push("string".to_owned());
            }
            if has(&[
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
            ]) {
                ts.push("number".to_owned());
            }
            ts
        }
    };
    let num = |k: &str| m.get(k).and_then(Value::as_f64);
    match types.get(rng.below(types.len().max(1))).map(String::as_str) {
        Some("object") => {
            let mut out = Map::new();
            let required: Vec<String> = m
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            for (name, s) in m
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if required.contains(name) || rng.chance(50) {
                    out.insert(name.clone(), fit(rng, set, s, depth + 1));
                }
            }
            for name in required {
                if !out.contains_key(&name) {
                    out.insert(name, scalar(rng));
                }
            }
            Value::Object(out)
        }
        Some("array") => {
            let mut out: Vec<Value> = m
                .get("prefixItems")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| fit(rng, set, s, depth + 1))
                .collect();
            let min = num("minItems").unwrap_or(0.0) as usize;
            let items = m.get("items").cloned().unwrap_or(json!({}));
            if items != json!(false) {
                let n = min.saturating_sub(out.len()).max(rng.below(3));
                for _ in 0..n.min(6) {
                    out.push(fit(rng, set, &items, depth + 1));
                }
            }
            if let Some(c) = m.get("contains") {
                out.push(fit(rng, set, c, depth + 1));
            }
            Value::Array(out)
        }
        Some("string") => {
            if let Some(f) = m.get("format").and_then(Value::as_str) {
                let examples = [
                    ("date", "2024-01-02"),
                    ("date-time", "2024-01-02T03:04:05Z"),
                    ("time", "03:04:05Z"),
                    ("email", "a@example.com"),
                    ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
                    ("ipv4", "192.0.2.1"),
                    ("ipv6", "2001:db8::1"),
                    ("uri", "https://example.com/a"),
                    ("hostname", "example.com"),
                ];
                if let Some((_, x)) = examples.iter().find(|(k, _)| *k == f) {
                    return json!(x);
                }
            }
            let min = num("minLength").unwrap_or(0.0) as usize;
            let max = num("maxLength").map_or(min + 3, |x| x as usize);
            let len = if max > min {
                min + rng.below(max - min + 1)
            } else {
                min
            };
            json!(rng.pick(&["a", "b", "x"]).repeat(len.min(12)))
        }
        Some(t @ ("number" | "integer")) => {
            let lo = num("minimum")
                .or(num("exclusiveMinimum").map(|x| x.floor() + 1.0))
                .unwrap_or(0.0);
            let hi = num("maximum")
                .or(num("exclusiveMaximum").map(|x| x.ceil() - 1.0))
                .unwrap_or(lo + 5.0);
            let mut x = if hi > lo {
                lo + rng.below((hi - lo) as usize + 1) as f64
            } else {
                lo
            };
            if let Some(k) = num("multipleOf") {
                if k > 0.0 {
                    x = (x / k).ceil() * k;
                }
            }
            if t == "number" && rng.chance(20) {
                x += 0.5;
            }
            if x.fract() == 0.0 && x.abs() < 1e15 {
                json!(x as i64)
            } else {
                json!(x)
            }
        }
        Some("boolean") => json!(rng.chance(50)),
        Some("null") => Value::Null,
        _ => scalar(rng),
    }
}

/// Paths (as pointers' segments) of the places in `v`, to a depth.
fn places(v: &Value, at: &mut Vec<String>, depth: usize, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    if depth == 0 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(k.clone());
                places(x, at, depth - 1, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(i.to_string());
                places(x, at, depth - 1, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn place_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = v;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Documents one edit away from `base`: a place set to another value, a member removed, a
/// member added, an element added or removed.
fn perturb(
    rng: &mut Rng,
    base: &Value,
    pool: &[Value],
    names: &[String],
    count: usize,
) -> Vec<Value> {
    let mut paths = Vec::new();
    places(base, &mut Vec::new(), 5, &mut paths);
    let mut out = Vec::new();
    for _ in 0..count {
        let mut d = base.clone();
        let path = rng.pick(&paths).clone();
        let Some(place) = place_mut(&mut d, &path) else {
            continue;
        };
        match rng.below(5) {
            0 | 1 => *place = rng.pick(pool).clone(),
            2 => match place {
                Value::Object(m) if !m.is_empty() => {
                    let keys: Vec<String> = m.keys().cloned().collect();
                    m.remove(rng.pick(&keys));
                }
                Value::Array(a) if !a.is_empty() => {
                    let i = rng.below(a.len());
                    a.remove(i);
                }
                _ => *place = rng.pick(pool).clone(),
            },
            _ => match place {
                Value::Object(m) => {
                    let k = if !names.is_empty() && rng.chance(60) {
                        rng.pick(names).clone()
                    } else {
                        (*rng.pick(&["zz", "x1", "xa", "kk", "b", "extra_name"])).to_owned()
                    };
                    m.insert(k, rng.pick(pool).clone());
                }
                Value::Array(a) => {
                    let x = if !a.is_empty() && rng.chance(50) {
                        a[rng.below(a.len())].clone()
                    } else {
                        rng.pick(pool).clone()
                    };
                    a.push(x);
                }
                _ => *place = rng.pick(pool).clone(),
            },
        }
        out.push(d);
    }
    out
}

/// Smaller documents than `v`: without a member, an element, or with a child shrunk.
fn shrinks(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) => {
            for k in m.keys() {
                let mut c = m.clone();
                c.remove(k);
                out.push(Value::Object(c));
            }
            for (k, x) in m {
                for s in shrinks(x) {
                    let mut c = m.clone();
                    c.insert(k.clone(), s);
                    out.push(Value::Object(c));
                }
            }
        }
        Value::Array(a) => {
            for i in 0..a.len() {
                let mut c = a.clone();
                c.remove(i);
                out.push(Value::Array(c));
            }
            for (i, x) in a.iter().enumerate() {
                for s in shrinks(x) {
                    let mut c = a.clone();
                    c[i] = s;
                    out.push(Value::Array(c));
                }
            }
        }
        _ => {}
    }
    out
}

/// `doc`, made smaller while `holds`.
fn minimise(doc: &Value, holds: impl Fn(&Value) -> bool) -> Value {
    let mut best = doc.clone();
    for _ in 0..200 {
        match shrinks(&best).into_iter().find(|s| holds(s)) {
            Some(s) => best = s,
            None => break,
        }
    }
    best
}

// ---------------------------------------------------------------------------------------
// The run.

#[derive(Default)]
struct Tally {
    cases: u64,
    verdicts: BTreeMap<&'static str, u64>,
    /// Refused directions without a witness: backward, forward.
    conservative: [u64; 2],
    /// Cases whose findings include `unclassified`.
    unclassified: u64,
    skipped: u64,
    /// Cases whose new side resolves in an edited copy of the fixture set.
    edited_sets: u64,
    /// Edited copies the loader refused (those cases ran on the unedited set).
    edits_refused: u64,
    skip_reasons: BTreeMap<String, u64>,
    by_kind: BTreeMap<&'static str, u64>,
    false_passes: Vec<String>,
    /// Findings of the false passes, to tell distinct ones apart.
    signatures: BTreeSet<String>,
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v:?} is not a number")))
}

fn findings(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} at {:?} ({})",
                c.rule.name(),
                c.path,
                c.rule.effect().as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn pretty(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// Runs case `i` of `seed`.
fn run_case(corpus: &Corpus, seed: u64, i: u64, tally: &mut Tally) {
    let mut rng = case_rng(seed, i);
    // A kind of seed, then a seed of that kind.
    let kinds: Vec<&(&'static str, Vec<Seed>)> =
        corpus.kinds.iter().filter(|(_, s)| !s.is_empty()).collect();
    let (kind, seeds) = *rng.pick(&kinds);
    let random_seed;
    let s = if *kind == "random" {
        // A small random schema of its own.
        let schema = small(&mut rng, 3, &[]);
        random_seed = Seed {
            origin: "a random schema".into(),
            schema,
            set: SetId::Constructs,
        };
        &random_seed
    } else {
        rng.pick(seeds)
    };
    let set = corpus.set(s.set);
    let compiler = corpus.compiler(s.set);
    // Sometimes the old side is a mutation of the seed too.
    let (old, mut edits) = if rng.chance(30) {
        mutate(&mut rng, set, &s.schema, 1)
    } else {
        (s.schema.clone(), Vec::new())
    };
    let n = 1 + rng.below(3);
    let (new, more) = mutate(&mut rng, set, &old, n);
    edits.extend(more);
    // Sometimes the definitions change too: the new side's `$ref`s resolve in an edited copy
    // of the fixture set.
    let edited = if s.set == SetId::Constructs && rng.chance(25) {
        match edited_constructs(&mut rng, set) {
            Ok(e) => Some(e),
            Err(why) => {
                if std::env::var_os("EVENTS_DIFFERENTIAL_VERBOSE").is_some() {
                    eprintln!(
                        "edited set refused: {}",
                        why.lines().take(3).collect::<Vec<_>>().join(" | ")
                    );
                }
                tally.edits_refused += 1;
                None
            }
        }
    } else {
        None
    };
    let (mut old_set, mut new_set, mut oc, mut nc) = (set, set, compiler, compiler);
    if let Some(e) = &edited {
        new_set = &e.set;
        nc = &e.compiler;
        edits.push(e.what.clone());
        tally.edited_sets += 1;
    }
    // Either way round: a mutation and its reverse.
    let (old, new) = if rng.chance(50) {
        (old, new)
    } else {
        std::mem::swap(&mut old_set, &mut new_set);
        std::mem::swap(&mut oc, &mut nc);
        (new, old)
    };
    if std::env::var_os("EVENTS_DIFFERENTIAL_TRACE").is_some() {
        eprintln!(
            "  {} ({})\n  old: {}\n  new: {}",
            s.origin,
            edits.join("; "),
            pretty(&old),
            pretty(&new)
        );
    }
    tally.cases += 1;
    *tally.by_kind.entry(kind).or_default() += 1;
    let (ov, nv) = match (oc.compile(&old), nc.compile(&new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            tally.skipped += 1;
            let why = o.err().or(n.err()).unwrap_or_default();
            let why: String = why.chars().take(60).collect();
            *tally.skip_reasons.entry(why).or_default() += 1;
            return;
        }
    };
    let trace = std::env::var_os("EVENTS_DIFFERENTIAL_TRACE").is_some();
    if trace {
        eprintln!("  compiled; the engine…");
    }
    let changes = match std::panic::catch_unwind(AssertUnwindSafe(|| {
        diff_schemas(old_set, &old, new_set, &new)
    })) {
        Ok(c) => c,
        Err(_) => {
            tally.false_passes.push(format!(
                "case {i} of seed {seed:#x} ({}): the engine panicked\n  old: {}\n  new: {}",
                s.origin,
                pretty(&old),
                pretty(&new)
            ));
            return;
        }
    };
    let allows = |mode: Mode| changes.iter().all(|c| mode.allows(c.rule.effect()));
    let (backward, forward) = (allows(Mode::Backward), allows(Mode::Forward));
    let verdict = match (backward, forward) {
        (true, true) => "none (full)",
        (true, false) => "widens (backward)",
        (false, true) => "narrows (forward)",
        (false, false) => "breaks (neither)",
    };
    *tally.verdicts.entry(verdict).or_default() += 1;
    if changes.iter().any(|c| c.rule.name() == "unclassified") {
        tally.unclassified += 1;
    }
    if trace {
        eprintln!("  findings: [{}]; documents…", findings(&changes));
    }
    // Candidate witnesses.
    let sets = [old_set, new_set];
    let gen = Gen::new(&sets, oc, nc);
    let mut docs = gen.documents(&old, &new);
    docs.truncate(MAX_GENERATED);
    let mut names = BTreeSet::new();
    names_in(&old, &mut names);
    names_in(&new, &mut names);
    let names: Vec<String> = names.into_iter().collect();
    let mut values = Vec::new();
    values_in(&old, &mut values);
    values_in(&new, &mut values);
    for _ in 0..RANDOM_DOCS {
        docs.push(random_doc(&mut rng, &names, &values, 3));
    }
    // Documents that fit one side, and documents one edit away from them.
    let mut pool: Vec<Value> = values.clone();
    for _ in 0..12 {
        pool.push(scalar(&mut rng));
        pool.push(random_doc(&mut rng, &names, &values, 1));
    }
    pool.extend([
        json!({}),
        json!([]),
        json!("2024-01-02"),
        json!(2.5),
        json!(-0.5),
        json!("abcde"),
    ]);
    for (schema, validator, set) in [(&old, &ov, old_set), (&new, &nv, new_set)] {
        let mut bases: Vec<Value> = Vec::new();
        for _ in 0..FIT_TRIES {
            let d = fit(&mut rng, set, schema, 0);
            if validator.is_valid(&d) && !bases.contains(&d) {
                bases.push(d);
            }
        }
        for b in &bases {
            docs.extend(perturb(
                &mut rng,
                b,
                &pool,
                &names,
                PERTURBED / bases.len().max(1),
            ));
            docs.push(b.clone());
        }
    }
    let old_only = |d: &Value| ov.is_valid(d) && !nv.is_valid(d);
    let new_only = |d: &Value| nv.is_valid(d) && !ov.is_valid(d);
    let back_witness = docs.iter().find(|d| old_only(d));
    let fwd_witness = docs.iter().find(|d| new_only(d));
    let mut report = |direction: &str, witness: &Value, holds: &dyn Fn(&Value) -> bool| {
        let small = minimise(witness, holds);
        tally.signatures.insert(
            changes
                .iter()
                .map(|c| c.rule.name())
                .collect::<Vec<_>>()
                .join("+")
                + " / "
                + direction,
        );
        tally.false_passes.push(format!(
            "case {i} of seed {seed:#x} ({}; {}):\n  allowed under {direction}, but a witness exists\n  old: {}\n  new: {}\n  findings: [{}]\n  witness: {} (minimised from {})",
            s.origin,
            edits.join("; "),
            pretty(&old),
            pretty(&new),
            findings(&changes),
            pretty(&small),
            pretty(witness),
        ));
    };
    if let (true, Some(w)) = (backward, back_witness) {
        report(
            "backward (the old schema accepts it, the new one rejects it)",
            w,
            &old_only,
        );
    }
    if let (true, Some(w)) = (forward, fwd_witness) {
        report(
            "forward (the new schema accepts it, the old one rejects it)",
            w,
            &new_only,
        );
    }
    if std::env::var_os("EVENTS_DIFFERENTIAL_VERBOSE").is_some()
        && ((!backward && back_witness.is_none()) || (!forward && fwd_witness.is_none()))
    {
        eprintln!(
            "conservative: case {i} ({}): backward {backward} {:?}, forward {forward} {:?}\n  old: {}\n  new: {}\n  findings: [{}]",
            s.origin,
            back_witness.map(pretty),
            fwd_witness.map(pretty),
            pretty(&old),
            pretty(&new),
            findings(&changes)
        );
    }
    if !backward && back_witness.is_none() {
        tally.conservative[0] += 1;
    }
    if !forward && fwd_witness.is_none() {
        tally.conservative[1] += 1;
    }
}

#[test]
fn compatible_verdicts_have_no_witness() {
    let secs = env_u64("EVENTS_DIFFERENTIAL_SECS");
    let seed = env_u64("EVENTS_DIFFERENTIAL_SEED").unwrap_or_else(|| match secs {
        Some(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
        None => DEFAULT_SEED,
    });
    let cases = env_u64("EVENTS_DIFFERENTIAL_CASES").unwrap_or(DEFAULT_CASES);
    let only = env_u64("EVENTS_DIFFERENTIAL_CASE");
    // Each case's number before it runs (a case that crashes the process shows which).
    let trace = std::env::var_os("EVENTS_DIFFERENTIAL_TRACE").is_some();
    let corpus = Corpus::load();
    let start = Instant::now();
    let deadline = secs.map(|s| start + Duration::from_secs(s));
    let mut tally = Tally::default();
    let mut i = 0u64;
    loop {
        match (only, deadline) {
            (Some(one), _) => {
                if i > 0 {
                    break;
                }
                i = one;
            }
            (None, Some(d)) if Instant::now() >= d => break,
            (None, None) if i >= cases => break,
            _ => {}
        }
        if trace {
            eprintln!("case {i}");
        }
        run_case(&corpus, seed, i, &mut tally);
        i += 1;
    }
    let elapsed = start.elapsed();
    let corpus_line: Vec<String> = corpus
        .kinds
        .iter()
        .map(|(k, s)| match *k {
            "random" => "random (one per case)".to_owned(),
            _ => format!("{} {k}", s.len()),
        })
        .collect();
    let mut summary = vec![
        format!(
            "differential: seed {seed:#x}, {} cases in {:.1} s",
            tally.cases,
            elapsed.as_secs_f64()
        ),
        format!(
            "  corpus: {} seed schemas ({} suite groups with references or the remote server set aside)",
            corpus_line.join(", "),
            corpus.suite_aside
        ),
        format!(
            "  cases by seed kind: {}",
            tally.by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
        ),
        format!(
            "  verdicts: {}",
            tally.verdicts.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
        ),
        format!("  cases with an unclassified finding: {}", tally.unclassified),
        format!(
            "  refusals without a counter-example (conservative, not failures): backward {}, forward {}",
            tally.conservative[0], tally.conservative[1]
        ),
        format!(
            "  cases whose definitions changed too: {} (edited sets the loader refused: {})",
            tally.edited_sets, tally.edits_refused
        ),
        format!("  skipped (a schema does not compile): {}", tally.skipped),
        format!(
            "  false passes: {} ({} distinct by findings and direction)",
            tally.false_passes.len(),
            tally.signatures.len()
        ),
    ];
    for (why, n) in &tally.skip_reasons {
        summary.push(format!("    skipped {n}: {why}"));
    }
    eprintln!("{}", summary.join("\n"));
    let shown: Vec<&String> = tally.false_passes.iter().take(PRINTED).collect();
    assert!(
        tally.false_passes.is_empty(),
        "{} false passes (compatible verdicts with a witness); the first {}:\n\n{}\n\n{}\n(replay one with EVENTS_DIFFERENTIAL_SEED=<seed> EVENTS_DIFFERENTIAL_CASE=<case>)",
        tally.false_passes.len(),
        shown.len(),
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n\n"),
        tally.signatures.iter().cloned().collect::<Vec<_>>().join("\n"),
    );
}
