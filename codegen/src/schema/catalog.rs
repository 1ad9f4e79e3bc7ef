//! The catalog route: a foreign catalog (no `x-event`/`x-envelope` anywhere) made into a
//! contract set by a rule file, without editing any of its files.
//!
//! ```json
//! {
//!   "schemas": "node_modules/@octokit/webhooks-schemas",
//!   "dialect": "draft-07",
//!   "envelope": { "type_field": "type", "payload": { "field": "payload" } },
//!   "events": [
//!     { "match": "schema.json#/definitions/{event}$event",
//!       "type": "github.{event}", "version": "1.0", "topic": "github.{event}",
//!       "producer": "github", "consumers": [] },
//!     { "match": "schema.json#/definitions/{event}$*",
//!       "type": "github.{event}.{.action}", "version": "1.0", "topic": "github.{event}",
//!       "producer": "github", "consumers": [] }
//!   ]
//! }
//! ```
//!
//! - `schemas`: the catalog directory, relative to the rule file. It is read as
//!   [`SchemaSet::load_types`] reads one (any dialect, `$id`, `file://` siblings);
//!   `dialect` is that of files without `$schema` (`draft-07`, `2019-09`, `2020-12`).
//! - `envelope`: what wraps each event on the bus, as `x-envelope` says it (`type_field`,
//!   `version_field`, `payload`, `compatibility`). With `"schema": "<file>"` a file of the
//!   catalog is the envelope schema; without, the envelope is made of these fields alone
//!   (strings, and an object for the payload field).
//! - `events`: rules tried in order; the first whose `match` fits a schema makes it an
//!   event. A schema is a file (`orders/created.json`) or a definition of one
//!   (`schema.json#/definitions/push$event`, also `$defs`). In `match`, `{name}` captures
//!   one or more characters other than `/` and `#`, `*` matches them without a name;
//!   `except` lists patterns the rule leaves alone. Every other key is the `x-event`
//!   metadata of the events it makes, where `{name}` is a capture, `{.prop}` the `const`
//!   (or one-value `enum`) of the event's property `prop` (the webhooks' `action`), and
//!   `{name|snake}` a capture in snake case (`OrderCreated` → `order_created`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::foreign::{load_foreign, Foreign};
use super::{
    check_envelope, check_event_at, target_in, Dialect, Doc, EventAt, EventDef, KeyOrder, SchemaSet,
};
use crate::error::{pointer_push, Error, Errors, Loc, Sink};

/// The relative path of the envelope a rule file makes (no catalog file has it).
const MADE_ENVELOPE: &str = "@envelope.json";

/// The keys of an event rule besides `match` and `except`: the `x-event` metadata.
const META_KEYS: &[&str] = crate::lint::EVENT_FIELDS;

/// A rule file that makes a foreign catalog a contract set (the module docs show one).
#[derive(Debug, Clone)]
pub struct CatalogRules {
    path: PathBuf,
    file: Arc<str>,
    json: Value,
    schemas: PathBuf,
    dialect: Dialect,
}

impl CatalogRules {
    /// Reads and checks the shape of a rule file.
    pub fn read(path: &Path) -> Result<Self, Errors> {
        let file: Arc<str> = path.display().to_string().into();
        let at = Loc::file(&file);
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(at.clone(), format!("cannot read the catalog rules: {e}")))?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| Error::new(at.clone(), format!("the catalog rules are not JSON: {e}")))?;
        let mut sink = Sink::default();
        let Some(top) = json.as_object() else {
            return Err(Error::new(at, "the catalog rules must be a JSON object").into());
        };
        for key in top.keys() {
            if !["$comment", "schemas", "dialect", "envelope", "events"].contains(&key.as_str()) {
                sink.push(
                    Error::new(at.join(key), format!("unknown key {key:?}"))
                        .hint("a rule file has `schemas`, `dialect`, `envelope` and `events`"),
                );
            }
        }
        let schemas = match top.get("schemas") {
            Some(Value::String(dir)) => {
                let base = path.parent().unwrap_or(Path::new("."));
                base.join(dir)
            }
            _ => {
                sink.push(
                    Error::new(
                        at.join("schemas"),
                        "`schemas` must name the catalog directory",
                    )
                    .hint("a path relative to the rule file, e.g. \"schemas\""),
                );
                PathBuf::new()
            }
        };
        let dialect = match top.get("dialect") {
            None => Dialect::default(),
            Some(Value::String(d)) => match d.as_str() {
                "draft-04" => Dialect::Draft04,
                "draft-07" | "draft-06" => Dialect::Draft07,
                "2019-09" => Dialect::Draft2019,
                "2020-12" => Dialect::Draft2020,
                other => Dialect::from_uri(other).unwrap_or_else(|| {
                    sink.push(
                        Error::new(at.join("dialect"), format!("unknown dialect {other:?}"))
                            .hint("use \"draft-07\", \"2019-09\" or \"2020-12\""),
                    );
                    Dialect::default()
                }),
            },
            Some(other) => {
                sink.push(Error::new(
                    at.join("dialect"),
                    format!("`dialect` must be a string, found {other}"),
                ));
                Dialect::default()
            }
        };
        match top.get("envelope") {
            Some(Value::Object(env)) => {
                if let Some(schema) = env.get("schema").filter(|s| !s.is_string()) {
                    sink.push(Error::new(
                        at.join("envelope").join("schema"),
                        format!("`schema` must be the path of a catalog file, found {schema}"),
                    ));
                }
            }
            _ => sink.push(
                Error::new(at.join("envelope"), "`envelope` must be an object")
                    .hint("e.g. {\"type_field\": \"type\", \"payload\": {\"field\": \"payload\"}}"),
            ),
        }
        match top.get("events") {
            Some(Value::Array(rules)) if !rules.is_empty() => {
                for (i, rule) in rules.iter().enumerate() {
                    check_rule(rule, &at.join("events").join(i), &mut sink);
                }
            }
            _ => sink.push(
                Error::new(
                    at.join("events"),
                    "`events` must be a non-empty array of rules",
                )
                .hint("e.g. [{\"match\": \"{name}.json\", \"type\": \"shop.{name}\", …}]"),
            ),
        }
        sink.finish(())
            .map_err(Errors::with_positions)
            .map(|()| Self {
                path: path.to_owned(),
                file,
                json,
                schemas,
                dialect,
            })
    }

    /// The catalog directory the rules name (relative to the rule file).
    pub fn schemas_dir(&self) -> PathBuf {
        self.schemas.clone()
    }

    /// The rule file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn rules(&self) -> &[Value] {
        self.json
            .get("events")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

fn check_rule(rule: &Value, at: &Loc, sink: &mut Sink) {
    let Some(rule) = rule.as_object() else {
        sink.push(Error::new(at.clone(), "a rule must be an object"));
        return;
    };
    match rule.get("match") {
        Some(Value::String(p)) => {
            if let Err(e) = pattern(p) {
                sink.push(Error::new(at.join("match"), e));
            }
        }
        _ => sink.push(
            Error::new(at.join("match"), "a rule needs a `match` pattern")
                .hint("a file (`{name}.json`) or definitions (`schema.json#/definitions/{name}`)"),
        ),
    }
    match rule.get("except") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.as_str().map(pattern) {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => sink.push(Error::new(at.join("except").join(i), e)),
                    None => sink.push(Error::new(
                        at.join("except").join(i),
                        "`except` holds patterns (strings)",
                    )),
                }
            }
        }
        Some(_) => sink.push(Error::new(
            at.join("except"),
            "`except` must be an array of patterns",
        )),
    }
    for key in rule.keys() {
        if key != "match"
            && key != "except"
            && key != "$comment"
            && !META_KEYS.contains(&key.as_str())
        {
            sink.push(
                Error::new(
                    at.join(key),
                    format!("unknown key {key:?} in an event rule"),
                )
                .hint(format!(
                    "a rule has `match`, `except` and the `x-event` keys: {}",
                    META_KEYS.join(", ")
                )),
            );
        }
    }
}

/// A piece of a `match` pattern.
#[derive(Debug, PartialEq)]
enum Piece {
    Literal(String),
    /// `{name}`, or `*` (no name).
    Capture(Option<String>),
}

fn pattern(p: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut names = BTreeSet::new();
    let mut rest = p;
    let mut literal = String::new();
    while let Some(c) = rest.chars().next() {
        match c {
            '{' => {
                let end = rest
                    .find('}')
                    .ok_or_else(|| format!("pattern {p:?}: `{{` without `}}`"))?;
                let name = &rest[1..end];
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!(
                        "pattern {p:?}: capture {{{name}}} must be a name of letters, digits and `_`"
                    ));
                }
                if !names.insert(name.to_owned()) {
                    return Err(format!("pattern {p:?}: capture {{{name}}} appears twice"));
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                if matches!(pieces.last(), Some(Piece::Capture(_))) {
                    return Err(format!(
                        "pattern {p:?}: two captures need a literal between them"
                    ));
                }
                pieces.push(Piece::Capture(Some(name.to_owned())));
                rest = &rest[end + 1..];
            }
            '*' => {
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                if matches!(pieces.last(), Some(Piece::Capture(_))) {
                    return Err(format!(
                        "pattern {p:?}: two captures need a literal between them"
                    ));
                }
                pieces.push(Piece::Capture(None));
                rest = &rest[1..];
            }
            _ => {
                literal.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// Matches `text` against the pieces, captures shortest first; the captures by name.
fn matches(pieces: &[Piece], text: &str) -> Option<BTreeMap<String, String>> {
    fn go(pieces: &[Piece], text: &str, caps: &mut BTreeMap<String, String>) -> bool {
        match pieces.split_first() {
            None => text.is_empty(),
            Some((Piece::Literal(l), rest)) => text
                .strip_prefix(l.as_str())
                .is_some_and(|t| go(rest, t, caps)),
            Some((Piece::Capture(name), rest)) => {
                let limit = text.find(['/', '#']).unwrap_or(text.len());
                for end in (1..=limit).filter(|e| text.is_char_boundary(*e)) {
                    if go(rest, &text[end..], caps) {
                        if let Some(name) = name {
                            caps.insert(name.clone(), text[..end].to_owned());
                        }
                        return true;
                    }
                }
                false
            }
        }
    }
    let mut caps = BTreeMap::new();
    go(pieces, text, &mut caps).then_some(caps)
}

/// `OrderCreated`, `order-created` → `order_created`.
fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else if c == '-' || c == ' ' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// A schema of the catalog a rule may make an event of: a file's root or a definition.
struct Candidate<'a> {
    /// What `match` patterns are matched against.
    name: String,
    doc: &'a Doc,
    pointer: String,
    schema: &'a Value,
}

fn candidates(docs: &BTreeMap<String, Doc>) -> Vec<Candidate<'_>> {
    let mut out = Vec::new();
    for doc in docs.values() {
        out.push(Candidate {
            name: doc.rel.clone(),
            doc,
            pointer: String::new(),
            schema: &doc.json,
        });
        for key in ["definitions", "$defs"] {
            if let Some(Value::Object(defs)) = doc.json.get(key) {
                for (name, schema) in defs {
                    out.push(Candidate {
                        name: format!("{}#/{key}/{name}", doc.rel),
                        doc,
                        pointer: pointer_push(&pointer_push("", key), name),
                        schema,
                    });
                }
            }
        }
    }
    out
}

/// The `const` (or one-value `enum`) string of property `prop` of `schema`; for a union
/// (`oneOf`, `anyOf`) or an `allOf`, the value all its members agree on.
fn const_of(docs: &BTreeMap<String, Doc>, schema: &Value, prop: &str) -> Result<String, String> {
    fn deref<'a>(docs: &'a BTreeMap<String, Doc>, mut at: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..32 {
            match at.get("$ref").and_then(Value::as_str) {
                Some(uri) => at = target_in(docs, uri).ok_or_else(|| format!("{uri} not found"))?,
                None => return Ok(at),
            }
        }
        Err("a loop of `$ref`s".to_owned())
    }
    let schema = deref(docs, schema)?;
    if let Some(at) = schema.get("properties").and_then(|p| p.get(prop)) {
        let at = deref(docs, at)?;
        if let Some(Value::String(c)) = at.get("const") {
            return Ok(c.clone());
        }
        return match at.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
            Some([Value::String(one)]) => Ok(one.clone()),
            _ => Err(format!(
                "its property {prop:?} has no `const` string (nor an `enum` of one string)"
            )),
        };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(members)) = schema.get(key) {
            let values: BTreeSet<String> = members
                .iter()
                .map(|m| const_of(docs, m, prop))
                .collect::<Result<_, _>>()?;
            return match values.len() {
                1 => Ok(values.into_iter().next().unwrap_or_default()),
                _ => Err(format!(
                    "the members of its `{key}` disagree on property {prop:?}: {values:?}"
                )),
            };
        }
    }
    Err(format!("it has no property {prop:?}"))
}

/// Fills the `{…}` of a metadata template.
fn expand(
    template: &str,
    caps: &BTreeMap<String, String>,
    docs: &BTreeMap<String, Doc>,
    schema: &Value,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .ok_or_else(|| format!("`{{` without `}}` in {template:?}"))?;
        let inner = &rest[start + 1..end];
        let (name, filter) = inner.split_once('|').unwrap_or((inner, ""));
        let value = match name.strip_prefix('.') {
            Some(prop) => const_of(docs, schema, prop)?,
            None => caps.get(name).cloned().ok_or_else(|| {
                let known: Vec<String> = caps.keys().map(|k| format!("{{{k}}}")).collect();
                format!(
                    "{{{name}}} is no capture of `match` (it has {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )
            })?,
        };
        match filter {
            "" => out.push_str(&value),
            "snake" => out.push_str(&snake(&value)),
            "lower" => out.push_str(&value.to_lowercase()),
            other => return Err(format!("unknown filter |{other} (use |snake or |lower)")),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn expand_value(
    v: &Value,
    caps: &BTreeMap<String, String>,
    docs: &BTreeMap<String, Doc>,
    schema: &Value,
) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(expand(s, caps, docs, schema)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| expand_value(i, caps, docs, schema))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// The envelope schema made of the rule's fields alone, and the order of its header fields
/// (type, version, payload: the order a producer writes them in).
fn made_envelope(env: &Map<String, Value>) -> (Value, KeyOrder) {
    let mut order = Vec::new();
    let mut props = Map::new();
    let mut required = Vec::new();
    if let Some(Value::String(t)) = env.get("type_field") {
        props.insert(t.clone(), json!({"type": "string"}));
        order.push(t.clone());
        required.push(json!(t));
    }
    if let Some(Value::String(v)) = env.get("version_field") {
        // `metadata.version`: header objects on the way.
        let names: Vec<&str> = v.split('.').collect();
        let mut schema = json!({"type": "string"});
        for name in names[1..].iter().rev() {
            schema = json!({"type": "object", "properties": {*name: schema}});
        }
        props.insert(names[0].to_owned(), schema);
        order.push(names[0].to_owned());
    }
    if let Some(Value::String(f)) = env.get("payload").and_then(|p| p.get("field")) {
        props.insert(f.clone(), json!({"type": "object"}));
        order.push(f.clone());
        required.push(json!(f));
    }
    let schema = json!({"type": "object", "properties": props, "required": required});
    (schema, [("/properties".to_owned(), order)].into())
}

impl SchemaSet {
    /// Loads the foreign catalog in `dir` by `rules` (see [`SchemaSet::load_catalog`]);
    /// `converts` is the generator's check that the set converts.
    pub(crate) fn load_catalog_with(
        rules: Arc<CatalogRules>,
        dir: &Path,
        converts: super::Converts<'_>,
    ) -> Result<Self, Errors> {
        let Foreign {
            mut docs,
            mut warnings,
            mut sink,
        } = load_foreign(dir, &super::Reading::dialect(rules.dialect))?;
        let at = Loc::file(&rules.file);
        let envelope = catalog_envelope(&rules, &mut docs, &at, &mut sink);
        // Under a payload field, any schema is a payload (a union, a tuple).
        let object_root = envelope
            .as_ref()
            .is_none_or(|e| e.payload == super::Payload::Flat);
        let mut events = rule_events(&rules, &docs, object_root, &at, &mut sink, &mut warnings);
        one_file_per_event(&mut events, &mut sink);
        if events.is_empty() && sink.is_empty() {
            sink.push(Error::new(
                at.join("events"),
                format!(
                    "the rules make no event of the catalog in {}",
                    dir.display()
                ),
            ));
        }
        let warnings = crate::error::sorted(warnings);
        let Some(envelope) = envelope else {
            return Err(sink.into_errors().with_warnings(warnings).with_positions());
        };
        if !sink.is_empty() {
            return Err(sink.into_errors().with_warnings(warnings).with_positions());
        }
        let mut set = SchemaSet::assemble(
            envelope,
            docs,
            events.into_iter().map(|(d, _)| d).collect(),
            warnings,
            true,
        );
        set.rules = Some(rules);
        match converts(&set) {
            Ok(()) => Ok(set),
            Err(errors) => Err(errors.with_warnings(set.warnings).with_positions()),
        }
    }
}

/// The envelope of a catalog: a file of it (`envelope.schema`), or one made of the rule's
/// fields (added to `docs`).
fn catalog_envelope(
    rules: &CatalogRules,
    docs: &mut BTreeMap<String, Doc>,
    at: &Loc,
    sink: &mut Sink,
) -> Option<super::Envelope> {
    // The envelope: a file of the catalog, or made of the rule's fields.
    let env_rule = rules
        .json
        .get("envelope")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut meta = env_rule.clone();
    let env_rel = match meta.remove("schema") {
        Some(Value::String(rel)) => {
            if !docs.contains_key(&rel) {
                sink.push(Error::new(
                    at.join("envelope").join("schema"),
                    format!("the catalog has no file {rel:?}"),
                ));
            }
            rel
        }
        _ => {
            let (json, key_order) = made_envelope(&env_rule);
            docs.insert(
                MADE_ENVELOPE.to_owned(),
                Doc {
                    rel: MADE_ENVELOPE.to_owned(),
                    file: rules.file.clone(),
                    path: rules.path.clone(),
                    json,
                    key_order,
                },
            );
            MADE_ENVELOPE.to_owned()
        }
    };
    docs.get(&env_rel).and_then(|doc| {
        check_envelope(doc, &Value::Object(meta), &at.join("envelope"))
            .map_err(|errors| errors.into_iter().for_each(|e| sink.push(e)))
            .ok()
    })
}

/// The events the rules make of the catalog: the first rule that fits each schema, its
/// templates filled; a rule that fits nothing is a warning.
fn rule_events(
    rules: &CatalogRules,
    docs: &BTreeMap<String, Doc>,
    object_root: bool,
    at: &Loc,
    sink: &mut Sink,
    warnings: &mut Vec<Error>,
) -> Vec<(EventDef, Loc)> {
    // The events: the first rule that fits each schema.
    let rule_pieces: Vec<(Vec<Piece>, Vec<Vec<Piece>>)> = rules
        .rules()
        .iter()
        .map(|r| {
            let of = |v: &Value| v.as_str().and_then(|p| pattern(p).ok()).unwrap_or_default();
            let except = r
                .get("except")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(of).collect())
                .unwrap_or_default();
            (r.get("match").map(of).unwrap_or_default(), except)
        })
        .collect();
    let mut used = vec![false; rule_pieces.len()];
    let mut events: Vec<(EventDef, Loc)> = Vec::new();
    for cand in candidates(docs) {
        if cand.doc.rel == MADE_ENVELOPE {
            continue;
        }
        let Some((i, caps)) = rule_pieces.iter().enumerate().find_map(|(i, (p, except))| {
            let caps = matches(p, &cand.name)?;
            (!except.iter().any(|e| matches(e, &cand.name).is_some())).then_some((i, caps))
        }) else {
            continue;
        };
        used[i] = true;
        let rule_loc = at.join("events").join(i);
        let mut meta = Map::new();
        let mut failed = false;
        for (key, value) in rules.rules()[i].as_object().into_iter().flatten() {
            if !META_KEYS.contains(&key.as_str()) {
                continue;
            }
            match expand_value(value, &caps, docs, cand.schema) {
                Ok(v) => {
                    meta.insert(key.clone(), v);
                }
                Err(e) => {
                    failed = true;
                    sink.push(Error::new(
                        rule_loc.join(key),
                        format!("for {}: {e}", cand.name),
                    ));
                }
            }
        }
        if failed {
            continue;
        }
        let schema_loc = Loc {
            file: cand.doc.file.clone(),
            pointer: cand.pointer.clone(),
        };
        let (def, errors) = check_event_at(
            &EventAt {
                rel: &cand.doc.rel,
                pointer: &cand.pointer,
                schema: cand.schema,
                schema_loc,
                meta_loc: rule_loc.clone(),
                file_name: false,
                object_root,
            },
            &Value::Object(meta),
        );
        for mut e in errors {
            e.message = format!("{} (for {})", e.message, cand.name);
            sink.push(e);
        }
        events.extend(def.map(|d| (d, rule_loc)));
    }
    for (i, used) in used.iter().enumerate() {
        if !used {
            warnings.push(Error::new(
                at.join("events").join(i).join("match"),
                "this rule matches no schema of the catalog",
            ));
        }
    }
    events
}

/// Two schemas that become one event type and major version: an error naming both.
fn one_file_per_event(events: &mut [(EventDef, Loc)], sink: &mut Sink) {
    events.sort_by(|(a, _), (b, _)| (&a.event_type, a.major).cmp(&(&b.event_type, b.major)));
    for pair in events.windows(2) {
        let ((a, _), (b, at_b)) = (&pair[0], &pair[1]);
        if a.event_type == b.event_type && a.major == b.major {
            sink.push(
                Error::new(
                    at_b.join("type"),
                    format!(
                        "{} and {} both become event type {:?} major version {}",
                        a.schema_ref(),
                        b.schema_ref(),
                        b.event_type,
                        b.major
                    ),
                )
                .hint("make the rule's `type` tell them apart, or leave one out with `except`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_shortest_first_within_a_segment() {
        let p = pattern("schema.json#/definitions/{event}$*").unwrap();
        let caps = matches(&p, "schema.json#/definitions/issues$opened").unwrap();
        assert_eq!(caps["event"], "issues");
        assert!(matches(&p, "schema.json#/definitions/issues_event").is_none());
        let p = pattern("{topic}/{name}.v{major}.json").unwrap();
        let caps = matches(&p, "orders/created.v2.json").unwrap();
        assert_eq!(
            (
                caps["topic"].as_str(),
                caps["name"].as_str(),
                caps["major"].as_str()
            ),
            ("orders", "created", "2")
        );
        assert!(matches(&p, "orders/x/created.v2.json").is_none());
        assert!(pattern("{a}{b}").is_err());
        assert!(pattern("{a}/{a}").is_err());
        assert!(pattern("{a").is_err());
    }

    #[test]
    fn templates_fill_captures_consts_and_filters() {
        let caps: BTreeMap<String, String> =
            [("name".to_owned(), "OrderCreated".to_owned())].into();
        let docs = BTreeMap::new();
        let schema =
            json!({"properties": {"action": {"enum": ["opened"]}, "kind": {"type": "string"}}});
        assert_eq!(
            expand("shop.{name|snake}.{.action}", &caps, &docs, &schema).unwrap(),
            "shop.order_created.opened"
        );
        assert!(expand("{.kind}", &caps, &docs, &schema)
            .unwrap_err()
            .contains("no `const`"));
        assert!(expand("{other}", &caps, &docs, &schema)
            .unwrap_err()
            .contains("{name}"));
    }
}
