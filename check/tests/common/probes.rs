//! Candidate documents for checking the diff engine's verdicts against the `jsonschema`
//! validator, independently of the engine: values of every JSON type, the constants and
//! boundaries the two schemas mention, arrays around their length bounds, and objects with
//! every subset of the property names they mention, each property set to values that fit
//! it and to values that do not.

use std::collections::HashSet;

use events_codegen::SchemaSet;
use jsonschema::{Draft, Registry, Validator};
use serde_json::{json, Map, Value};

/// Compiles schemas whose `$ref`s point into one schema set (2020-12, formats asserted, as
/// the project's validator does).
pub struct Compiler {
    registry: Registry<'static>,
}

impl Compiler {
    pub fn new(set: &SchemaSet) -> Self {
        let mut builder = Registry::new();
        for doc in set.files() {
            builder = builder
                .add(SchemaSet::uri(&doc.rel), doc.json.clone())
                .expect("fixture registers");
        }
        Self {
            registry: builder.prepare().expect("fixture refs resolve"),
        }
    }

    pub fn compile(&self, schema: &Value) -> Result<Validator, String> {
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .with_registry(&self.registry)
            .build(schema)
            .map_err(|e| e.to_string())
    }
}

/// Most values tried for one place in a document (a property, an array element).
const PER_PLACE: usize = 24;
/// Most documents per row.
const MAX_PROBES: usize = 20_000;

/// A deduplicated, ordered list of documents.
#[derive(Default)]
struct Pool {
    seen: HashSet<String>,
    items: Vec<Value>,
}

impl Pool {
    fn push(&mut self, v: Value) {
        if self.seen.insert(v.to_string()) {
            self.items.push(v);
        }
    }
}

pub struct Gen<'a> {
    /// Where `$ref`s resolve: the old and the new version.
    sets: &'a [&'a SchemaSet],
    compilers: Vec<&'a Compiler>,
}

impl<'a> Gen<'a> {
    pub fn new(sets: &'a [&'a SchemaSet], old: &'a Compiler, new: &'a Compiler) -> Self {
        let compilers = if std::ptr::eq(old, new) {
            vec![old]
        } else {
            vec![old, new]
        };
        Self { sets, compilers }
    }

    /// Documents to try against `old` and `new`.
    pub fn documents(&self, old: &Value, new: &Value) -> Vec<Value> {
        let mut out = self.values(&[old.clone(), new.clone()], 3);
        out.truncate(MAX_PROBES);
        out
    }

    /// The schemas that apply at one place of a document: the given ones, their `$ref`
    /// targets and their in-place subschemas (`allOf`, `anyOf`, `oneOf`, `not`, `if`,
    /// `then`, `else`, `dependentSchemas`), as objects.
    fn expand(&self, schemas: &[Value]) -> Vec<Map<String, Value>> {
        let mut out = Vec::new();
        let mut todo: Vec<Value> = schemas.to_vec();
        let mut budget = 64;
        while let Some(s) = todo.pop() {
            budget -= 1;
            if budget == 0 {
                break;
            }
            let Value::Object(m) = s else { continue };
            if let Some(uri) = m.get("$ref").and_then(Value::as_str) {
                for set in self.sets {
                    todo.extend(set.target(uri).cloned());
                }
            }
            for k in ["allOf", "anyOf", "oneOf"] {
                if let Some(Value::Array(members)) = m.get(k) {
                    todo.extend(members.iter().cloned());
                }
            }
            for k in ["not", "if", "then", "else"] {
                if let Some(v) = m.get(k) {
                    todo.push(v.clone());
                }
            }
            if let Some(Value::Object(d)) = m.get("dependentSchemas") {
                todo.extend(d.values().cloned());
            }
            out.push(m);
        }
        out
    }

    /// Candidate values for a place where `schemas` apply; `depth` limits nesting.
    fn values(&self, schemas: &[Value], depth: usize) -> Vec<Value> {
        let loc = self.expand(schemas);
        let mut pool = Pool::default();
        // What the schemas mention first: those are the values that tell schemas apart.
        for m in &loc {
            mentioned(m, &mut pool);
        }
        for v in generic() {
            pool.push(v);
        }
        if depth > 0 {
            self.arrays(&loc, depth, &mut pool);
            self.objects(&loc, depth, &mut pool);
        }
        pool.items
    }

    /// At most `PER_PLACE` values for a child place, those valid under one of `schemas` first.
    /// At most `PER_PLACE` values for a child place: first a value each of `schemas` accepts
    /// (in either version), then values some accept and others reject (those tell versions
    /// apart), then the other accepted values, then rejected ones.
    fn child_values(&self, schemas: &[Value], depth: usize) -> Vec<Value> {
        let all = self.values(schemas, depth);
        let validators: Vec<Validator> = schemas
            .iter()
            .flat_map(|s| self.compilers.iter().filter_map(|c| c.compile(s).ok()))
            .collect();
        let verdicts: Vec<(Value, Vec<bool>)> = all
            .into_iter()
            .map(|v| {
                let ok = validators.iter().map(|c| c.is_valid(&v)).collect();
                (v, ok)
            })
            .collect();
        let mut out: Vec<Value> = Vec::new();
        let take = |v: &Value, out: &mut Vec<Value>| {
            if out.len() < PER_PLACE && !out.contains(v) {
                out.push(v.clone());
            }
        };
        for i in 0..validators.len() {
            if let Some((v, _)) = verdicts.iter().find(|(_, ok)| ok[i]) {
                take(v, &mut out);
            }
        }
        for (v, ok) in &verdicts {
            if ok.iter().any(|b| *b) && !ok.iter().all(|b| *b) {
                take(v, &mut out);
            }
        }
        for (v, ok) in &verdicts {
            if ok.iter().any(|b| *b) {
                take(v, &mut out);
            }
        }
        for (v, _) in &verdicts {
            take(v, &mut out);
        }
        out
    }

    fn arrays(&self, loc: &[Map<String, Value>], depth: usize, pool: &mut Pool) {
        let mut item_schemas = Vec::new();
        let mut positions: Vec<Vec<Value>> = Vec::new();
        let mut lengths = vec![0usize, 1, 2, 3];
        for m in loc {
            for k in ["items", "contains", "unevaluatedItems"] {
                if let Some(v @ Value::Object(_)) = m.get(k) {
                    item_schemas.push(v.clone());
                }
            }
            if let Some(Value::Array(prefix)) = m.get("prefixItems") {
                for (i, s) in prefix.iter().enumerate() {
                    if positions.len() <= i {
                        positions.push(Vec::new());
                    }
                    positions[i].push(s.clone());
                }
                lengths.extend([prefix.len(), prefix.len() + 1, prefix.len() + 2]);
            }
            for k in ["minItems", "maxItems", "minContains", "maxContains"] {
                if let Some(n) = m.get(k).and_then(Value::as_u64) {
                    let n = n as usize;
                    lengths.extend([n.saturating_sub(1), n, n + 1]);
                }
            }
        }
        let has_array_keywords = !item_schemas.is_empty()
            || !positions.is_empty()
            || loc.iter().any(|m| {
                m.get("type").is_some_and(|t| mentions_type(t, "array"))
                    || [
                        "minItems",
                        "maxItems",
                        "uniqueItems",
                        "minContains",
                        "maxContains",
                    ]
                    .iter()
                    .any(|k| m.contains_key(*k))
            });
        let elems = if item_schemas.is_empty() {
            let mut p = Pool::default();
            for v in generic_scalars() {
                p.push(v);
            }
            p.items
        } else {
            self.child_values(&item_schemas, depth - 1)
        };
        pool.push(json!([]));
        let few = if has_array_keywords { 8 } else { 3 };
        for e in elems
            .iter()
            .take(if has_array_keywords { PER_PLACE } else { 3 })
        {
            pool.push(json!([e]));
        }
        for e in elems.iter().take(few) {
            pool.push(json!([e, e]));
        }
        for (i, a) in elems.iter().take(few).enumerate() {
            for b in elems.iter().take(few).skip(i + 1) {
                pool.push(json!([a, b]));
            }
        }
        if has_array_keywords {
            lengths.sort_unstable();
            lengths.dedup();
            for n in lengths.into_iter().filter(|n| *n <= 12) {
                if let Some(e) = elems.first() {
                    pool.push(Value::Array(vec![e.clone(); n]));
                }
                pool.push(Value::Array(
                    (0..n)
                        .map(|i| elems[i % elems.len().max(1)].clone())
                        .collect(),
                ));
            }
        }
        if !positions.is_empty() {
            let per: Vec<Vec<Value>> = positions
                .iter()
                .map(|schemas| self.child_values(schemas, depth - 1))
                .collect();
            let base: Vec<Value> = per
                .iter()
                .map(|vs| vs.first().cloned().unwrap_or(Value::Null))
                .collect();
            for len in 0..=base.len() {
                pool.push(Value::Array(base[..len].to_vec()));
                for e in elems.iter().take(PER_PLACE) {
                    let mut a = base[..len].to_vec();
                    a.push(e.clone());
                    pool.push(Value::Array(a));
                }
            }
            for (i, vs) in per.iter().enumerate() {
                for v in vs {
                    let mut a = base.clone();
                    a[i] = v.clone();
                    pool.push(Value::Array(a.clone()));
                    a.truncate(i + 1);
                    pool.push(Value::Array(a));
                }
            }
        }
    }

    fn objects(&self, loc: &[Map<String, Value>], depth: usize, pool: &mut Pool) {
        let mut names: Vec<String> = Vec::new();
        let add = |n: &str, names: &mut Vec<String>| {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_owned());
            }
        };
        let mut extra_schemas = Vec::new();
        for m in loc {
            if let Some(Value::Object(p)) = m.get("properties") {
                p.keys().for_each(|k| add(k, &mut names));
            }
            for k in m
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                add(k, &mut names);
            }
            if let Some(Value::Object(d)) = m.get("dependentRequired") {
                for (k, v) in d {
                    add(k, &mut names);
                    for n in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        add(n, &mut names);
                    }
                }
            }
            if let Some(Value::Object(d)) = m.get("dependentSchemas") {
                d.keys().for_each(|k| add(k, &mut names));
            }
            for k in ["additionalProperties", "unevaluatedProperties"] {
                if let Some(v @ Value::Object(_)) = m.get(k) {
                    extra_schemas.push(v.clone());
                }
            }
        }
        let is_object_place = !names.is_empty()
            || !extra_schemas.is_empty()
            || loc.iter().any(|m| {
                m.get("type").is_some_and(|t| mentions_type(t, "object"))
                    || [
                        "minProperties",
                        "maxProperties",
                        "propertyNames",
                        "additionalProperties",
                        "unevaluatedProperties",
                    ]
                    .iter()
                    .any(|k| m.contains_key(*k))
            });
        names.truncate(4);
        // Names no schema declares, to try what extra properties do.
        add("zz", &mut names);
        add("extra_name", &mut names);
        let values: Vec<Vec<Value>> = names
            .iter()
            .map(|n| {
                let mut schemas: Vec<Value> = loc
                    .iter()
                    .filter_map(|m| m.get("properties")?.get(n).cloned())
                    .collect();
                schemas.extend(extra_schemas.iter().cloned());
                if is_object_place {
                    self.child_values(&schemas, depth - 1)
                } else {
                    generic_scalars().into_iter().take(3).collect()
                }
            })
            .collect();
        pool.push(json!({}));
        let n = names.len();
        // Every subset of the names, each name set to each of its first values (the
        // first value of a declared property fits one of its schemas when any does).
        for mask in 0u32..(1 << n) {
            let members: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            for pick in 0..3 {
                let mut m = Map::new();
                for &i in &members {
                    let vs = &values[i];
                    if let Some(v) = vs.get(pick.min(vs.len().saturating_sub(1))) {
                        m.insert(names[i].clone(), v.clone());
                    }
                }
                pool.push(Value::Object(m));
            }
        }
        if !is_object_place {
            return;
        }
        // One property at a time through all its values, the others at one of their first
        // values, for every subset of the names.
        for mask in 0u32..(1 << n) {
            let members: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            for (&i, pick) in members.iter().flat_map(|i| (0..3).map(move |p| (i, p))) {
                for v in &values[i] {
                    let mut m = Map::new();
                    for &j in &members {
                        let value = if j == i {
                            v.clone()
                        } else {
                            let vs = &values[j];
                            match vs.get(pick.min(vs.len().saturating_sub(1))) {
                                Some(v) => v.clone(),
                                None => continue,
                            }
                        };
                        m.insert(names[j].clone(), value);
                    }
                    pool.push(Value::Object(m));
                }
            }
        }
    }
}

fn mentions_type(t: &Value, name: &str) -> bool {
    match t {
        Value::String(s) => s == name,
        Value::Array(a) => a.iter().any(|x| x == name),
        _ => false,
    }
}

/// Constants, enum values, examples and boundary values a schema mentions.
fn mentioned(m: &Map<String, Value>, pool: &mut Pool) {
    if let Some(v) = m.get("const") {
        pool.push(v.clone());
    }
    for k in ["enum", "examples"] {
        for v in m.get(k).and_then(Value::as_array).into_iter().flatten() {
            pool.push(v.clone());
        }
    }
    if let Some(v) = m.get("default") {
        pool.push(v.clone());
    }
    for k in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
        if let Some(n) = m.get(k).and_then(Value::as_f64) {
            for x in [n, n - 1.0, n + 1.0, n - 0.5, n + 0.5] {
                push_number(pool, x);
            }
        }
    }
    if let Some(n) = m.get("multipleOf").and_then(Value::as_f64) {
        for f in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 12.0, 0.5, -1.0] {
            push_number(pool, n * f);
        }
    }
    for k in ["minLength", "maxLength"] {
        if let Some(n) = m.get(k).and_then(Value::as_u64) {
            for len in [n.saturating_sub(1), n, n + 1] {
                pool.push(json!("a".repeat(len as usize)));
                pool.push(json!("b".repeat(len as usize)));
            }
        }
    }
    if let Some(f) = m.get("format").and_then(Value::as_str) {
        for v in format_examples(f) {
            pool.push(json!(v));
        }
    }
}

fn push_number(pool: &mut Pool, x: f64) {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        pool.push(json!(x as i64));
    } else {
        pool.push(json!(x));
    }
}

fn format_examples(format: &str) -> &'static [&'static str] {
    match format {
        "uuid" => &["123e4567-e89b-12d3-a456-426614174000"],
        "date-time" => &["2024-01-02T03:04:05Z"],
        "date" => &["2024-01-02"],
        "time" => &["03:04:05Z"],
        "email" => &["a@example.com"],
        "ipv4" => &["192.0.2.1"],
        "ipv6" => &["2001:db8::1"],
        "uri" => &["https://example.com/a"],
        "hostname" => &["example.com"],
        _ => &[],
    }
}

fn generic_scalars() -> Vec<Value> {
    vec![
        json!("a"),
        json!(1),
        json!(true),
        Value::Null,
        json!(""),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(false),
        json!("b"),
        json!("ab"),
        json!(2),
    ]
}

fn generic() -> Vec<Value> {
    let mut out = generic_scalars();
    out.extend([
        json!(3),
        json!(4),
        json!(6),
        json!(10),
        json!(0.5),
        json!(-1.5),
        json!("abc"),
        json!("abcd"),
        json!("abcde"),
        json!("x"),
        json!("aaaaaaaaaa"),
        json!({}),
        json!([]),
    ]);
    out
}
