//! Loading a schema directory: parse, lint, check our conventions, resolve `$ref`.
//!
//! Every `$ref` is rewritten at load time to an absolute `file:///<path relative to the
//! schema root>#<pointer>` URI, so that later passes (and the JSON Schema validator) can
//! move schemas around without caring which file they came from.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::doc::{percent_decode, split_uri};
pub use crate::doc::{Doc, KeyOrder, Position, DATA_KEYWORDS, NAMED_SCHEMAS, URI_PREFIX};
use crate::error::{Error, Errors, Loc, Sink};

mod catalog;
mod foreign;
mod topic;
pub use catalog::CatalogRules;
pub use foreign::{Dialect, Reading};

/// A loaded, checked contract set: one envelope, definitions, and event files.
#[derive(Debug, Clone)]
pub struct SchemaSet {
    pub(crate) docs: BTreeMap<String, Doc>,
    /// Display path → relative path, to find a [`Loc`]'s document without a scan.
    by_file: HashMap<Arc<str>, String>,
    /// The envelope that wraps every event of this set.
    pub envelope: Envelope,
    /// Every event file, sorted by event type and major version.
    pub events: Vec<EventDef>,
    /// What the linter found worth a warning, sorted.
    warnings: Vec<Error>,
    /// A catalog taken as it is (`x-` metadata of ours nowhere): its numbers keep their
    /// spelling, its open objects their undeclared fields, its formats are annotations.
    foreign: bool,
    /// The rule file that made events of a foreign catalog, if one did.
    rules: Option<Arc<CatalogRules>>,
}

/// Where the envelope puts the event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Payload fields sit beside the header fields (the Vondi Redis streams).
    Flat,
    /// Payload is an object under this header field (`data` in the Kafka order service).
    Field(String),
}

/// The envelope schema of a set (`x-envelope`).
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Relative path of the envelope file.
    pub rel: String,
    /// Header field holding the event type.
    pub type_field: String,
    /// Header field holding the `major.minor` version, if the envelope has one, as written
    /// in `x-envelope.version_field` (`version`, or `metadata.version` for a field inside a
    /// header object).
    pub version_field: Option<String>,
    /// [`Envelope::version_field`] split into property names (empty without a version).
    pub version_path: Vec<String>,
    /// Where the payload goes.
    pub payload: Payload,
    /// Default compatibility mode of the set (`x-envelope.compatibility`), if given.
    pub compatibility: Option<String>,
}

/// Whether an event is published to a stream (Redis), a topic (Kafka) or an exchange
/// with a routing key (RabbitMQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A Redis stream.
    Stream,
    /// A broker topic.
    Topic,
    /// An AMQP exchange (the channel), with the event's routing key in
    /// [`EventDef::routing_key`].
    Exchange,
}

/// The metadata of one event file (`x-event`).
#[derive(Debug, Clone)]
pub struct EventDef {
    /// Relative path of the event file.
    pub rel: String,
    /// JSON pointer of the event's schema in that file: empty for the file's root, a
    /// definition (`/definitions/issues$opened`) for an event a catalog rule made of one.
    pub pointer: String,
    /// Event type, e.g. `order.confirmed`.
    pub event_type: String,
    /// Declared `major.minor` version.
    pub version: String,
    /// Major version (the `vN` in the file name).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Stream, topic or exchange.
    pub channel_kind: ChannelKind,
    /// Stream, topic or exchange name.
    pub channel: String,
    /// The AMQP routing key (`x-event.routing_key`), given with an `exchange` only.
    pub routing_key: Option<String>,
    /// Producing service.
    pub producer: String,
    /// Consuming services.
    pub consumers: Vec<String>,
    /// The schema's `description`.
    pub description: Option<String>,
    /// Compatibility mode of this event (`x-event.compatibility`), if given.
    pub compatibility: Option<String>,
    /// `MAXLEN ~` of the event's Redis stream (`x-event.max_len`), if given: the
    /// publisher's default for the stream, which code may override.
    pub max_len: Option<u64>,
    /// The message key (`x-event.key`): a JSON pointer into the payload (`/order_id`),
    /// or `None` when the event has no key.
    pub key: Option<String>,
    /// The topic's settings (`x-event.partitions`, `replication`, `retention`).
    pub topic: events_rt::TopicSettings,
}

impl EventDef {
    /// The event's schema relative to the schema directory: the file (`order.created.v1.json`),
    /// or the definition a catalog rule made an event of (`schema.json#/definitions/push$event`).
    pub fn schema_ref(&self) -> String {
        if self.pointer.is_empty() {
            self.rel.clone()
        } else {
            format!("{}#{}", self.rel, self.pointer)
        }
    }
}

/// The generator's check that a loaded set converts into the IR (given by `crate::load`).
pub(crate) type Converts<'c> = &'c mut dyn FnMut(&SchemaSet) -> Result<(), Errors>;

impl SchemaSet {
    /// Puts a loaded set together.
    fn assemble(
        envelope: Envelope,
        docs: BTreeMap<String, Doc>,
        events: Vec<EventDef>,
        warnings: Vec<Error>,
        foreign: bool,
    ) -> Self {
        let by_file = docs
            .values()
            .map(|d| (d.file.clone(), d.rel.clone()))
            .collect();
        SchemaSet {
            docs,
            by_file,
            envelope,
            events,
            warnings,
            foreign,
            rules: None,
        }
    }

    /// Whether this is a catalog taken as it is (loaded by [`SchemaSet::load_types`] or
    /// through a [`CatalogRules`] file) rather than a contract set of ours.
    pub fn is_foreign(&self) -> bool {
        self.foreign
    }

    /// The rule file this set was loaded through, if any.
    pub fn catalog_rules(&self) -> Option<&CatalogRules> {
        self.rules.as_deref()
    }

    /// The JSON pointer of `def`'s message key in the encoded document: `x-event.key`
    /// under the envelope's payload field (`/data/order_id` in seed 003's set), or as it is
    /// when the payload sits beside the header fields. `None` when the event has no key.
    pub fn key_pointer(&self, def: &EventDef) -> Option<String> {
        let key = def.key.as_deref()?;
        Some(match &self.envelope.payload {
            Payload::Field(f) => format!("/{}{key}", f.replace('~', "~0").replace('/', "~1")),
            Payload::Flat => key.to_owned(),
        })
    }

    /// The schema of an event (its file's root, or the definition a rule made it of) and
    /// where it is.
    pub fn event_schema(&self, def: &EventDef) -> (Loc, &Value) {
        let loc = Loc {
            file: self.loc(&def.rel).file,
            pointer: def.pointer.clone(),
        };
        let schema = self
            .docs
            .get(&def.rel)
            .and_then(|d| d.json.pointer(&def.pointer))
            .unwrap_or(&Value::Null);
        (loc, schema)
    }

    /// Loads the schema directory `root` (see [`SchemaSet::load`]); `converts` is the
    /// generator's check that a set converts (`crate::load` passes it, so that this
    /// module does not depend on the conversion built on top of it).
    pub(crate) fn load_dir(
        root: &Path,
        lenient: bool,
        converts: Converts<'_>,
    ) -> Result<Self, Errors> {
        let mut sink = Sink::default();
        let (found, walk_warnings) = schema_files(root)?;
        let mut docs = BTreeMap::new();
        // Files that parsed but broke a rule of their own: still checked, never converted.
        let mut broken = BTreeSet::new();
        let mut any_failed = false;
        for Found { path, rel, file } in found {
            match load_doc(&path, &rel, &file) {
                Ok((json, key_order, errors)) => {
                    if !errors.is_empty() {
                        broken.insert(rel.clone());
                        errors.into_iter().for_each(|e| sink.push(e));
                    }
                    docs.insert(
                        rel.clone(),
                        Doc {
                            rel,
                            file,
                            path,
                            json,
                            key_order,
                        },
                    );
                }
                Err(errors) => {
                    any_failed = true;
                    errors.into_iter().for_each(|e| sink.push(e));
                }
            }
        }
        let checked = check_set(&docs, root, any_failed, &mut sink);
        let flat_header: Option<Vec<String>> = match &checked.envelope {
            Some(env) if env.payload == Payload::Flat => Some(
                docs.get(&env.rel)
                    .and_then(|d| d.json.get("properties"))
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default(),
            ),
            _ => None,
        };
        let lint = crate::lint::lint(&docs, flat_header.as_deref());
        let mut warnings = lint.warnings;
        warnings.extend(walk_warnings);
        if lenient {
            warnings.extend(lint.errors);
        } else {
            lint.errors.into_iter().for_each(|e| sink.push(e));
        }
        let warnings = crate::error::sorted(warnings);
        let by_file = docs
            .values()
            .map(|d| (d.file.clone(), d.rel.clone()))
            .collect();
        let Some(envelope) = checked.envelope else {
            return Err(sink.into_errors().with_warnings(warnings).with_positions());
        };
        let mut set = SchemaSet {
            envelope,
            docs,
            by_file,
            events: checked.events,
            warnings,
            foreign: false,
            rules: None,
        };
        if sink.is_empty() {
            // A set is loaded only if it converts: then every consumer (`list`, `schema`,
            // `check`, the validator, the build script) refuses what the generator
            // refuses, such as a loop of references, with the same located errors.
            // (An old revision, read leniently, is only compared.)
            if lenient {
                return Ok(set);
            }
            return match converts(&set) {
                Ok(()) => Ok(set),
                Err(errors) => Err(errors.with_warnings(set.warnings).with_positions()),
            };
        }
        // Convert what the errors so far do not touch, so that one run shows the
        // generator's errors too; an error near one already reported is a consequence of
        // it and is left out.
        let tainted = tainted(&set.docs, broken);
        if !tainted.contains(&set.envelope.rel) {
            set.events.extend(checked.provisional);
            set.events.retain(|e| !tainted.contains(&e.rel));
            if let Err(errors) = converts(&set) {
                let fresh: Vec<Error> = errors
                    .iter()
                    .filter(|e| !sink.errors().iter().any(|old| related(&old.loc, &e.loc)))
                    .cloned()
                    .collect();
                fresh.into_iter().for_each(|e| sink.push(e));
            }
        }
        Err(sink
            .into_errors()
            .with_warnings(set.warnings)
            .with_positions())
    }

    /// What the linter found worth a warning but not an error (unknown keywords that are
    /// no near miss of a known one, such as vendor extensions), sorted by place.
    pub fn warnings(&self) -> &[Error] {
        &self.warnings
    }

    /// Every file of the set, for `cargo:rerun-if-changed`.
    pub fn files(&self) -> impl Iterator<Item = &Doc> {
        self.docs.values()
    }

    /// The document at a relative path.
    pub fn doc(&self, rel: &str) -> Option<&Doc> {
        self.docs.get(rel)
    }

    /// The absolute URI of a document.
    pub fn uri(rel: &str) -> String {
        format!("{URI_PREFIX}{rel}")
    }

    /// The written order of the keys of the object at `loc` (sorted maps lose it).
    pub fn key_order(&self, loc: &Loc) -> Option<&Vec<String>> {
        let rel = self.by_file.get(&loc.file)?;
        self.docs.get(rel)?.key_order.get(&loc.pointer)
    }

    /// Location of the root of a document.
    pub fn loc(&self, rel: &str) -> Loc {
        let file = self
            .docs
            .get(rel)
            .map_or_else(|| Arc::from(rel), |d| d.file.clone());
        Loc::file(&file)
    }

    /// The schema an absolute `$ref` names, if any (for passes that need no error).
    pub fn target(&self, uri: &str) -> Option<&Value> {
        target_in(&self.docs, uri)
    }

    /// Follows `$ref`s from `schema` (at `loc`) to the schema they finally name: the one
    /// traversal of reference chains, with one depth limit ([`MAX_REF_DEPTH`]) and cycle
    /// detection. A loop of references with nothing in between is an error naming it.
    pub fn follow<'a>(&'a self, loc: &Loc, schema: &'a Value) -> Result<(Loc, &'a Value), Error> {
        let mut loc = loc.clone();
        let mut schema = schema;
        let mut seen: Vec<Loc> = Vec::new();
        while let Some(uri) = schema.get("$ref").and_then(Value::as_str) {
            if seen.len() >= MAX_REF_DEPTH {
                return Err(Error::new(
                    loc,
                    format!("`$ref` chain longer than {MAX_REF_DEPTH} references"),
                ));
            }
            seen.push(loc.clone());
            let (next_loc, next) = self.resolve(uri, &loc.join("$ref"))?;
            if let Some(start) = seen.iter().position(|l| *l == next_loc) {
                let chain: Vec<String> = seen[start..].iter().map(ToString::to_string).collect();
                return Err(Error::new(
                    seen[start].join("$ref"),
                    format!(
                        "`$ref` loop with no schema in between: {} → back to the start",
                        chain.join(" → ")
                    ),
                )
                .hint("one of the references must name a schema of its own (an object with properties, an array, …)"));
            }
            loc = next_loc;
            schema = next;
        }
        Ok((loc, schema))
    }

    /// Resolves an absolute `$ref` (as rewritten at load time) to its schema and location.
    pub fn resolve<'a>(&'a self, uri: &str, from: &Loc) -> Result<(Loc, &'a Value), Error> {
        // A catalog taken as it is may refer to a dialect's meta-schema (a schema of
        // schemas): never fetched, it is any value to the generator (validators bundle it).
        static ANY: Value = Value::Bool(true);
        if self.foreign && foreign::is_meta_schema(uri) {
            return Ok((Loc::file(&uri.into()), &ANY));
        }
        let (rel, fragment) = split_uri(uri).ok_or_else(|| {
            Error::new(
                from.clone(),
                format!("`$ref` {uri:?} points outside the schema directory"),
            )
            .hint("refer to files by relative path, e.g. \"../common/order.json#/$defs/OrderItem\"")
        })?;
        let doc = self.docs.get(rel).ok_or_else(|| {
            Error::new(
                from.clone(),
                format!("`$ref` points to {rel:?}, which is not a schema file of this set"),
            )
            .hint("check the relative path of the file")
        })?;
        let pointer = percent_decode(fragment);
        let value = doc.json.pointer(&pointer).ok_or_else(|| {
            Error::new(
                from.clone(),
                format!(
                    "`$ref` points to {pointer:?} in {}, which does not exist",
                    doc.file
                ),
            )
            .hint("check the JSON pointer after `#`")
        })?;
        Ok((
            Loc {
                file: doc.file.clone(),
                pointer,
            },
            value,
        ))
    }
}

pub use crate::span::pointer_segments;

/// The longest `$ref` chain followed before giving up (every traversal uses it).
pub const MAX_REF_DEPTH: usize = 64;

/// Reads one file: JSON syntax, draft 2020-12, no `$id`, `$ref`s made absolute. (The
/// meta-schema's rules on keyword values are the linter's.)
/// `Err` when the file cannot be read or parsed; otherwise the document and what is wrong
/// with it.
/// The schema an absolute `$ref` names among `docs` (what [`SchemaSet::target`] looks up,
/// also before a set is put together).
fn target_in<'a>(docs: &'a BTreeMap<String, Doc>, uri: &str) -> Option<&'a Value> {
    let (rel, fragment) = split_uri(uri)?;
    docs.get(rel)?.json.pointer(&percent_decode(fragment))
}

fn load_doc(
    path: &Path,
    rel: &str,
    file: &Arc<str>,
) -> Result<(Value, KeyOrder, Vec<Error>), Vec<Error>> {
    let root = Loc::file(file);
    let (mut json, order, mut errors) = parse_file(path, file, false)?;
    match json.get("$schema") {
        Some(Value::String(s)) if s == "https://json-schema.org/draft/2020-12/schema" => {}
        other => errors.push(
            Error::new(
                root.join("$schema"),
                match other {
                    None => "missing `$schema`".to_owned(),
                    Some(v) => format!("unsupported `$schema` {v}"),
                },
            )
            .hint("set \"$schema\": \"https://json-schema.org/draft/2020-12/schema\""),
        ),
    }
    if json.get("$id").is_some() {
        errors.push(
            Error::new(root.join("$id"), "`$id` is not allowed in contract files")
                .hint("remove it: ids come from the file path, and `$ref`s are relative paths"),
        );
    }
    absolutize_refs(&mut json, rel, &root, &mut errors);
    Ok((json, order, errors))
}

/// A schema file a walk found.
struct Found {
    /// On disk.
    path: std::path::PathBuf,
    /// Relative to the schema root, `/`-separated.
    rel: String,
    /// As messages show it.
    file: Arc<str>,
}

/// Every `*.json` file under `root` (sorted), and what the walk skipped, as warnings. An
/// error when `root` cannot be read or holds no such file.
fn schema_files(root: &Path) -> Result<(Vec<Found>, Vec<Error>), Errors> {
    let root_file: Arc<str> = root.display().to_string().into();
    let (mut paths, skipped) =
        crate::walk::files(root, |p| p.extension().is_some_and(|e| e == "json")).map_err(|e| {
            Errors::from(Error::new(
                Loc::file(&root_file),
                format!("cannot read schema directory: {e}"),
            ))
        })?;
    let warnings: Vec<Error> = skipped
        .into_iter()
        .map(|s| Error::new(Loc::file(&s.path.display().to_string().into()), s.reason))
        .collect();
    if paths.is_empty() {
        let none = Error::new(Loc::file(&root_file), "no schema files (*.json) found");
        return Err(Errors::from(none).with_warnings(warnings));
    }
    paths.sort();
    let found = paths
        .into_iter()
        .map(|path| Found {
            rel: path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            file: path.display().to_string().into(),
            path,
        })
        .collect();
    Ok((found, warnings))
}

/// Reads one JSON file: its value, the key order of its objects, and an error for each key
/// written twice in one object (serde_json keeps the last of two equal keys, other tools
/// the first: a schema that means different things to different readers is refused). With
/// `last_wins` (a catalog taken as it is) each is rather a warning naming both places: the
/// value is the last one's. `Err` when it cannot be read or is not JSON.
fn parse_file(
    path: &Path,
    file: &Arc<str>,
    last_wins: bool,
) -> Result<(Value, KeyOrder, Vec<Error>), Vec<Error>> {
    let root = Loc::file(file);
    let text = fs::read_to_string(path)
        .map_err(|e| vec![Error::new(root.clone(), format!("cannot read file: {e}"))])?;
    let json: Value = serde_json::from_str(&text).map_err(|e| {
        vec![Error::new(
            root,
            format!(
                "malformed JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
        .hint("fix the JSON syntax")]
    })?;
    let (order, duplicates) = key_order(&text);
    let errors = duplicates
        .into_iter()
        .map(|(pointer, key)| {
            let places: Vec<String> = crate::span::key_offsets(&text, &pointer, &key)
                .into_iter()
                .map(|o| {
                    let (line, column) = crate::span::line_col(&text, o);
                    format!("line {line}, column {column}")
                })
                .collect();
            let loc = Loc {
                file: file.clone(),
                pointer,
            };
            if last_wins {
                Error::new(
                    loc,
                    format!(
                        "duplicate key {key:?} (at {}): the last one is taken",
                        places.join(" and ")
                    ),
                )
                .hint("remove or merge one of them (most JSON readers take the last)")
            } else {
                Error::new(
                    loc,
                    format!("duplicate key {key:?}: a key may appear once in an object"),
                )
                .hint("remove or merge one of them (JSON readers disagree on which one wins)")
            }
        })
        .collect();
    Ok((json, order, errors))
}

/// The key order of every object of a JSON text, by JSON pointer; and every key that
/// appears twice in one object (the object's pointer and the key).
fn key_order(text: &str) -> (KeyOrder, Vec<(String, String)>) {
    use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

    struct Walk<'a> {
        path: String,
        out: &'a mut HashMap<String, Vec<String>>,
        dups: &'a mut Vec<(String, String)>,
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = Vec::new();
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let path = crate::error::pointer_push(&self.path, &key);
                map.next_value_seed(Walk {
                    path,
                    out: &mut *self.out,
                    dups: &mut *self.dups,
                })?;
                if seen.insert(key.clone()) {
                    keys.push(key);
                } else {
                    self.dups.push((self.path.clone(), key));
                }
            }
            self.out.insert(self.path, keys);
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while seq
                .next_element_seed(Walk {
                    path: format!("{}/{i}", self.path),
                    out: &mut *self.out,
                    dups: &mut *self.dups,
                })?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }

    let mut out = HashMap::new();
    let mut dups = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    // The text already parsed as a `Value`; a failure here only loses ordering.
    let _ = Walk {
        path: String::new(),
        out: &mut out,
        dups: &mut dups,
    }
    .deserialize(&mut de);
    (out, dups)
}

/// Makes every `$ref` of a document absolute. Only schema positions are walked: the data
/// of `const`, `enum`, `default`, `examples` is left alone, but a *property* of that name
/// is a schema like any other.
fn absolutize_refs(value: &mut Value, rel: &str, loc: &Loc, errors: &mut Vec<Error>) {
    absolutize_at(
        value,
        Position::Schema,
        &|r| absolute_ref(rel, r),
        loc,
        errors,
    );
}

/// Rewrites every `$ref` of a document with `resolve` (to an absolute URI).
fn absolutize_at(
    value: &mut Value,
    pos: Position,
    resolve: &dyn Fn(&str) -> Result<String, String>,
    loc: &Loc,
    errors: &mut Vec<Error>,
) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let Some(child) = pos.child(key) else {
                    continue;
                };
                let here = loc.join(key);
                if key == "$ref" && pos == Position::Schema {
                    if let Value::String(r) = v {
                        match resolve(r) {
                            Ok(abs) => *r = abs,
                            Err(msg) => errors.push(Error::new(here, msg)),
                        }
                    }
                } else if (key == "$dynamicRef" || key == "$recursiveRef")
                    && pos == Position::Schema
                {
                    errors.push(
                        Error::new(here, format!("`{key}` is not supported")).hint("use `$ref`"),
                    );
                } else {
                    absolutize_at(v, child, resolve, &here, errors);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                absolutize_at(v, pos, resolve, &loc.join(i), errors);
            }
        }
        _ => {}
    }
}

/// Resolves a `$ref` written in file `rel` to an absolute URI.
fn absolute_ref(rel: &str, reference: &str) -> Result<String, String> {
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "`$ref` {reference:?} uses an anchor; only JSON pointers (`#/$defs/Name`) are supported"
        ));
    }
    if path.contains("://") {
        return Err(format!(
            "`$ref` {reference:?} is a remote reference; refer to files of this set by relative path"
        ));
    }
    let target = if path.is_empty() {
        rel.to_owned()
    } else {
        let mut parts: Vec<&str> = rel.split('/').collect();
        parts.pop();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(format!(
                            "`$ref` {reference:?} points outside the schema directory"
                        ));
                    }
                }
                p => parts.push(p),
            }
        }
        parts.join("/")
    };
    Ok(format!("{URI_PREFIX}{target}#{fragment}"))
}

/// What [`check_set`] makes of the files.
struct Checked {
    /// The envelope, when there is exactly one and it is valid.
    envelope: Option<Envelope>,
    /// Every event file whose metadata is valid.
    events: Vec<EventDef>,
    /// Event files with invalid metadata, with what could be made of it (type and major
    /// from the file name where needed): converted only to report more errors at once.
    provisional: Vec<EventDef>,
}

/// Classifies the files and checks the conventions that span files.
fn check_set(
    docs: &BTreeMap<String, Doc>,
    root: &Path,
    any_failed: bool,
    sink: &mut Sink,
) -> Checked {
    let mut envelopes = Vec::new();
    let mut events: Vec<EventDef> = Vec::new();
    let mut provisional: Vec<EventDef> = Vec::new();
    for doc in docs.values() {
        let root_loc = Loc::file(&doc.file);
        if let Some(meta) = doc.json.get("x-envelope") {
            let at = Loc::file(&doc.file).join("x-envelope");
            envelopes.push((check_envelope(doc, meta, &at), doc.file.clone()));
        }
        if let Some(meta) = doc.json.get("x-event") {
            match check_event(doc, meta) {
                (Some(ev), errs) if errs.is_empty() => events.push(ev),
                (guess, errs) => {
                    errs.into_iter().for_each(|e| sink.push(e));
                    provisional.extend(guess);
                }
            }
            if doc.json.get("x-envelope").is_some() {
                sink.push(Error::new(
                    root_loc,
                    "a file cannot be both an event and the envelope",
                ));
            }
        }
        check_refs_resolve(doc, docs, sink);
    }
    events.sort_by(|a, b| (&a.event_type, a.major).cmp(&(&b.event_type, b.major)));
    check_shared_channels(docs, &events, sink);
    // A guess that collides with another event would only add a name clash.
    let mut claimed: BTreeSet<(String, u32)> = events
        .iter()
        .map(|e| (e.event_type.clone(), e.major))
        .collect();
    provisional.retain(|e| claimed.insert((e.event_type.clone(), e.major)));
    let root_file: Arc<str> = root.display().to_string().into();
    let envelope = one_envelope(envelopes, &root_file, sink);
    let any_event_file = docs.values().any(|d| d.json.get("x-event").is_some());
    // A file that failed to load has its own error; do not pile a vaguer one on it.
    if !any_event_file && !any_failed && envelope.is_some() {
        sink.push(Error::new(
            Loc::file(&root_file),
            "no event schemas (files with `x-event`)",
        ));
    }
    Checked {
        envelope,
        events,
        provisional,
    }
}

/// What no single event file can tell: one file per event type and major version, one
/// `max_len` per stream, one setting of each kind per topic. `events` is sorted.
fn check_shared_channels(docs: &BTreeMap<String, Doc>, events: &[EventDef], sink: &mut Sink) {
    for pair in events.windows(2) {
        if pair[0].event_type == pair[1].event_type && pair[0].major == pair[1].major {
            let first = &docs[&pair[0].rel].file;
            sink.push(
                Error::new(
                    Loc::file(&docs[&pair[1].rel].file)
                        .join("x-event")
                        .join("type"),
                    format!(
                        "event type {:?} major version {} is also claimed by {first}",
                        pair[1].event_type, pair[1].major
                    ),
                )
                .hint("each event type and major version has exactly one file"),
            );
        }
    }
    // One stream, one trim length: events sharing a stream may declare it once or agree.
    let mut trims: BTreeMap<&str, &EventDef> = BTreeMap::new();
    for ev in events.iter().filter(|e| e.max_len.is_some()) {
        match trims.get(ev.channel.as_str()) {
            Some(first) if first.max_len != ev.max_len => sink.push(
                Error::new(
                    Loc::file(&docs[&ev.rel].file)
                        .join("x-event")
                        .join("max_len"),
                    format!(
                        "stream {:?} is trimmed to {} here but to {} by {}",
                        ev.channel,
                        ev.max_len.unwrap_or_default(),
                        first.max_len.unwrap_or_default(),
                        docs[&first.rel].file
                    ),
                )
                .hint("a stream has one `max_len`: give every event on it the same value, or declare it on one of them"),
            ),
            Some(_) => {}
            None => {
                trims.insert(&ev.channel, ev);
            }
        }
    }
    // One topic, one configuration: events sharing a topic that declare a setting agree on it.
    let mut topics: BTreeMap<&str, &EventDef> = BTreeMap::new();
    for ev in events.iter().filter(|e| !e.topic.is_empty()) {
        let Some(first) = topics.get(ev.channel.as_str()) else {
            topics.insert(&ev.channel, ev);
            continue;
        };
        let (a, b) = (&ev.topic, &first.topic);
        let clash = [
            (
                "partitions",
                a.partitions
                    .zip(b.partitions)
                    .filter(|(x, y)| x != y)
                    .map(|(x, y)| (x.to_string(), y.to_string())),
            ),
            (
                "replication",
                a.replication
                    .zip(b.replication)
                    .filter(|(x, y)| x != y)
                    .map(|(x, y)| (x.to_string(), y.to_string())),
            ),
            (
                "retention",
                a.retention_ms
                    .zip(b.retention_ms)
                    .filter(|(x, y)| x != y)
                    .map(|(x, y)| {
                        (
                            events_rt::format_retention(x),
                            events_rt::format_retention(y),
                        )
                    }),
            ),
        ];
        for (key, values) in clash {
            if let Some((here, there)) = values {
                sink.push(
                    Error::new(
                        Loc::file(&docs[&ev.rel].file).join("x-event").join(key),
                        format!(
                            "topic {:?} has {key} {here} here but {there} in {}",
                            ev.channel, docs[&first.rel].file
                        ),
                    )
                    .hint(format!("a topic has one `{key}`: give every event on it the same value, or declare it on one of them")),
                );
            }
        }
    }
}

/// A file's metadata as checked: the value, or what is wrong with it.
type Metadata<T> = Result<T, Vec<Error>>;

/// The envelope of a set: exactly one file with `x-envelope`.
fn one_envelope(
    mut envelopes: Vec<(Metadata<Envelope>, Arc<str>)>,
    root_file: &Arc<str>,
    sink: &mut Sink,
) -> Option<Envelope> {
    match envelopes.len() {
        1 => match envelopes.pop().map(|(e, _)| e) {
            Some(Ok(env)) => Some(env),
            Some(Err(errs)) => {
                errs.into_iter().for_each(|e| sink.push(e));
                None
            }
            None => None,
        },
        0 => {
            sink.push(
                Error::new(
                    Loc::file(root_file),
                    "no envelope schema (a file with `x-envelope`)",
                )
                .hint("add envelope.json describing the header fields, see the README"),
            );
            None
        }
        _ => {
            for (_, file) in &envelopes {
                sink.push(
                    Error::new(
                        Loc::file(file).join("x-envelope"),
                        "more than one envelope schema in this set",
                    )
                    .hint("keep exactly one file with `x-envelope`"),
                );
            }
            None
        }
    }
}

/// The documents that are broken or refer (directly or not) to a broken one.
fn tainted(docs: &BTreeMap<String, Doc>, mut tainted: BTreeSet<String>) -> BTreeSet<String> {
    fn targets(v: &Value, pos: Position, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let Some(child) = pos.child(k) else { continue };
                    match (k.as_str(), v) {
                        ("$ref", Value::String(uri)) if pos == Position::Schema => {
                            out.extend(split_uri(uri).map(|(rel, _)| rel.to_owned()));
                        }
                        _ => targets(v, child, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| targets(v, pos, out)),
            _ => {}
        }
    }
    let edges: Vec<(&String, BTreeSet<String>)> = docs
        .iter()
        .map(|(rel, d)| {
            let mut out = BTreeSet::new();
            targets(&d.json, Position::Schema, &mut out);
            (rel, out)
        })
        .collect();
    loop {
        let before = tainted.len();
        for (rel, targets) in &edges {
            if targets.iter().any(|t| tainted.contains(t)) {
                tainted.insert((*rel).clone());
            }
        }
        if tainted.len() == before {
            return tainted;
        }
    }
}

/// Two places in one file where one contains the other (or they are the same).
fn related(a: &Loc, b: &Loc) -> bool {
    let within = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    a.file == b.file && (within(&a.pointer, &b.pointer) || within(&b.pointer, &a.pointer))
}

fn check_refs_resolve(doc: &Doc, docs: &BTreeMap<String, Doc>, sink: &mut Sink) {
    fn walk(
        v: &Value,
        pos: Position,
        loc: &Loc,
        from: &str,
        docs: &BTreeMap<String, Doc>,
        sink: &mut Sink,
    ) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let Some(child) = pos.child(k) else { continue };
                    let here = loc.join(k);
                    if let ("$ref", Value::String(uri), Position::Schema) = (k.as_str(), v, pos) {
                        // A `$ref` that could not be made absolute has its error already.
                        if let Some(e) = split_uri(uri).and_then(|t| dangling(t, from, docs, &here))
                        {
                            sink.push(e);
                        }
                    } else {
                        walk(v, child, &here, from, docs, sink);
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, pos, &loc.join(i), from, docs, sink);
                }
            }
            _ => {}
        }
    }
    walk(
        &doc.json,
        Position::Schema,
        &Loc::file(&doc.file),
        &doc.rel,
        docs,
        sink,
    );
}

/// The error of a `$ref` at `loc` (in file `from`, to `rel#fragment`) that resolves to
/// nothing, with the nearest target that exists.
fn dangling(
    (rel, fragment): (&str, &str),
    from: &str,
    docs: &BTreeMap<String, Doc>,
    loc: &Loc,
) -> Option<Error> {
    let written = |rel: &str, pointer: &str| format!("{}#{pointer}", relative_path(from, rel));
    let Some(doc) = docs.get(rel) else {
        // The same file name elsewhere (a `../` too many or too few), else the nearest path.
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let rels: Vec<&str> = docs.keys().map(String::as_str).collect();
        let near = rels
            .iter()
            .copied()
            .find(|r| r.rsplit('/').next() == Some(name))
            .or_else(|| crate::lint::suggest(rel, &rels));
        let e = Error::new(
            loc.clone(),
            format!(
                "`$ref` {:?} names a file that is not in the schema directory",
                written(rel, fragment)
            ),
        );
        return Some(match near {
            Some(near) => e.hint(format!("did you mean {:?}?", written(near, fragment))),
            None => e.hint("check the relative path"),
        });
    };
    let pointer = percent_decode(fragment);
    if doc.json.pointer(&pointer).is_some() {
        return None;
    }
    // Walk the pointer, replacing each missing segment by the nearest existing one.
    let mut at = &doc.json;
    let mut fixed = String::new();
    let mut hint = None;
    for raw in pointer.split('/').skip(1) {
        let segment = pointer_segments(&format!("/{raw}"))
            .next()
            .unwrap_or_default();
        let next = match at {
            Value::Object(map) => map.get(&segment).map(|v| (segment.clone(), v)).or_else(|| {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                let near = crate::lint::suggest(&segment, &keys);
                if near.is_none() {
                    let shown: Vec<&str> = keys.iter().take(12).copied().collect();
                    hint = Some(format!(
                        "check the JSON pointer after `#`: {:?} in {} has no {segment:?} ({})",
                        if fixed.is_empty() { "#" } else { &fixed },
                        doc.file,
                        if shown.is_empty() {
                            "it is empty".to_owned()
                        } else {
                            format!("it has {}", shown.join(", "))
                        }
                    ));
                }
                near.and_then(|k| Some((k.to_owned(), map.get(k)?)))
            }),
            Value::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|v| (segment.clone(), v)),
            _ => None,
        };
        let Some((key, value)) = next else {
            break;
        };
        fixed = crate::error::pointer_push(&fixed, key);
        at = value;
    }
    let e = Error::new(
        loc.clone(),
        format!("`$ref` {:?} points to nothing", written(rel, fragment)),
    );
    Some(
        if doc.json.pointer(&fixed).is_some() && hint.is_none() && fixed != pointer {
            e.hint(format!("did you mean {:?}?", written(rel, &fixed)))
        } else {
            e.hint(hint.unwrap_or_else(|| "check the JSON pointer after `#`".to_owned()))
        },
    )
}

/// How file `to` is spelt in a `$ref` of file `from` (both relative to the schema root):
/// empty for the same file, else a relative path (`../common/order.json`).
fn relative_path(from: &str, to: &str) -> String {
    if from == to {
        return String::new();
    }
    let mut dir: Vec<&str> = from.split('/').collect();
    dir.pop();
    let target: Vec<&str> = to.split('/').collect();
    let common = dir
        .iter()
        .zip(&target[..target.len().saturating_sub(1)])
        .take_while(|(a, b)| a == b)
        .count();
    format!(
        "{}{}",
        "../".repeat(dir.len() - common),
        target[common..].join("/")
    )
}

fn string_at<'a>(meta: &'a Value, key: &str, loc: &Loc) -> Result<&'a str, Error> {
    match meta.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(Error::new(
            loc.join(key),
            format!("`{key}` must be a non-empty string"),
        )),
        None => Err(Error::new(loc.clone(), format!("missing `{key}`"))),
    }
}

/// The envelope metadata (`meta`, found at `loc`: an `x-envelope` block or a catalog rule)
/// of the envelope schema `doc`.
fn check_envelope(doc: &Doc, meta: &Value, loc: &Loc) -> Result<Envelope, Vec<Error>> {
    let loc = loc.clone();
    let mut errors = Vec::new();
    let type_field = string_at(meta, "type_field", &loc)
        .map_err(|e| errors.push(e))
        .ok()
        .map(str::to_owned);
    let version_field = match meta.get("version_field") {
        None | Some(Value::Null) => None,
        Some(_) => string_at(meta, "version_field", &loc)
            .map_err(|e| errors.push(e))
            .ok()
            .map(str::to_owned),
    };
    let payload = match meta.get("payload") {
        Some(Value::String(s)) if s == "flat" => Some(Payload::Flat),
        Some(Value::Object(o)) => match o.get("field") {
            Some(Value::String(f)) if !f.is_empty() => Some(Payload::Field(f.clone())),
            _ => {
                errors.push(
                    Error::new(loc.join("payload"), "expected {\"field\": \"<name>\"}")
                        .hint("name the header field that holds the payload, e.g. \"data\""),
                );
                None
            }
        },
        _ => {
            errors.push(
                Error::new(loc.join("payload"), "missing or invalid `payload`")
                    .hint("use \"flat\" or {\"field\": \"data\"}"),
            );
            None
        }
    };
    let props = doc.json.get("properties").and_then(Value::as_object);
    let mut fields: Vec<&str> = type_field.iter().map(String::as_str).collect();
    if let Some(Payload::Field(f)) = &payload {
        fields.push(f);
    }
    for f in fields {
        if !props.is_some_and(|p| p.contains_key(f)) {
            errors.push(
                Error::new(
                    Loc::file(&doc.file).join("properties"),
                    format!("the envelope names field {f:?} but does not define it"),
                )
                .hint(format!("add \"{f}\" to the envelope's `properties`")),
            );
        }
    }
    let version_path: Vec<String> = version_field
        .as_deref()
        .map(|v| v.split('.').map(str::to_owned).collect())
        .unwrap_or_default();
    // Each name of the path is a property of the object schema before it, written inline
    // in the envelope file (the header objects on the way are envelope types).
    let mut at = Loc::file(&doc.file);
    let mut schema = &doc.json;
    for (i, name) in version_path.iter().enumerate() {
        let here = at.join("properties");
        let next = schema
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| p.get(name));
        let Some(next) = next else {
            let field = version_path[..=i].join(".");
            errors.push(Error::new(
                here,
                format!("the envelope names version field {field:?} but does not define it"),
            )
            .hint(format!("add \"{name}\" to these `properties` (write the header objects of `version_field` inline in the envelope)")));
            break;
        };
        at = here.join(name);
        schema = next;
        if i + 1 == version_path.len()
            && schema.get("type").and_then(Value::as_str) != Some("string")
        {
            errors.push(Error::new(
                at.clone(),
                "the version field must be `\"type\": \"string\"` (`major.minor`)",
            ));
        }
    }
    let compatibility = match meta.get("compatibility") {
        None => None,
        Some(v) => check_mode(v, &loc.join("compatibility"))
            .map_err(|e| errors.push(e))
            .ok(),
    };
    match (type_field, payload) {
        (Some(type_field), Some(payload)) if errors.is_empty() => Ok(Envelope {
            rel: doc.rel.clone(),
            type_field,
            version_field,
            version_path,
            payload,
            compatibility,
        }),
        _ => Err(errors),
    }
}

/// The compatibility modes `x-event.compatibility` and `x-envelope.compatibility` may name
/// (what each allows is the evolution checker's business, in `events-check`).
pub const COMPATIBILITY_MODES: &[&str] = &[
    "none",
    "backward",
    "forward",
    "full",
    "backward_transitive",
    "forward_transitive",
    "full_transitive",
];

fn check_mode(v: &Value, loc: &Loc) -> Result<String, Error> {
    match v.as_str().filter(|m| COMPATIBILITY_MODES.contains(m)) {
        Some(m) => Ok(m.to_owned()),
        None => Err(
            Error::new(loc.clone(), format!("unknown compatibility mode {v}"))
                .hint("use none, backward, forward, full, or one of them with _transitive"),
        ),
    }
}

fn valid_event_type(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// The metadata of an event file and what is wrong with it. With errors, the definition is
/// provisional: made of what could be made out (type and major version from the file name
/// where needed), or none.
fn check_event(doc: &Doc, meta: &Value) -> (Option<EventDef>, Vec<Error>) {
    check_event_at(
        &EventAt {
            rel: &doc.rel,
            pointer: "",
            schema: &doc.json,
            schema_loc: Loc::file(&doc.file),
            meta_loc: Loc::file(&doc.file).join("x-event"),
            file_name: true,
            object_root: true,
        },
        meta,
    )
}

/// Where the metadata of an event comes from and what it describes: an `x-event` block of
/// an event file, or the metadata a catalog rule made for a schema.
struct EventAt<'a> {
    rel: &'a str,
    pointer: &'a str,
    schema: &'a Value,
    /// Where `schema` is.
    schema_loc: Loc,
    /// Where the metadata is (the `x-event` block, or the rule).
    meta_loc: Loc,
    /// Whether the file name must be `<type>.v<major>.json` (our convention).
    file_name: bool,
    /// Whether the schema must be `"type": "object"` (always for ours; for a foreign
    /// catalog when its payload sits beside the header fields).
    object_root: bool,
}

fn check_event_at(at: &EventAt<'_>, meta: &Value) -> (Option<EventDef>, Vec<Error>) {
    let loc = at.meta_loc.clone();
    let mut errors = Vec::new();
    let mut get = |key: &str| match string_at(meta, key, &loc) {
        Ok(s) => Some(s.to_owned()),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let event_type = get("type");
    let version = get("version");
    let producer = get("producer");
    if let Some(t) = &event_type {
        if !valid_event_type(t) {
            errors.push(
                Error::new(loc.join("type"), format!("event type {t:?} is not dot-separated lowercase words"))
                    .hint("use `category.action` or `category.subject.action`, e.g. \"pvz.parcel.arrived\""),
            );
        }
    }
    let parsed = version.as_deref().and_then(events_rt::parse_version);
    if let (Some(v), None) = (&version, parsed) {
        errors.push(
            Error::new(
                loc.join("version"),
                format!("version {v:?} is not `major.minor`"),
            )
            .hint("write it like \"1.0\" or \"2.3\""),
        );
    }
    let (channel, routing_key) = match check_channel(meta, &loc) {
        Ok((kind, name, key)) => (Some((kind, name)), key),
        Err(e) => {
            errors.push(e);
            (None, None)
        }
    };
    let consumers = check_consumers(meta, &loc, &mut errors);
    if let (Some(t), Some((major, _)), true) = (&event_type, parsed, at.file_name) {
        errors.extend(check_file_name(at, &loc, t, major, version.as_deref()));
    }
    let compatibility = match meta.get("compatibility") {
        None => None,
        Some(v) => check_mode(v, &loc.join("compatibility"))
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let max_len = check_max_len(meta, &loc, &mut errors);
    let topic = topic::check_topic(meta, &loc, &mut errors);
    let key = topic::check_key(meta, &loc, at.schema, &at.schema_loc, &mut errors);
    if at.object_root && at.schema.get("type").and_then(Value::as_str) != Some("object") {
        errors.push(Error::new(
            at.schema_loc.join("type"),
            "an event payload must be `\"type\": \"object\"`",
        ));
    }
    let description = at
        .schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    // Complete metadata gives the event; faulty metadata the event as far as it can be told
    // (reported with its errors), so that later checks still run.
    let def =
        guess_event(at, event_type, version, parsed).map(|(event_type, version, major, minor)| {
            let (channel_kind, channel) = channel.unwrap_or((ChannelKind::Stream, String::new()));
            EventDef {
                rel: at.rel.to_owned(),
                pointer: at.pointer.to_owned(),
                event_type,
                version,
                major,
                minor,
                channel_kind,
                channel,
                routing_key,
                producer: producer.unwrap_or_default(),
                consumers,
                description,
                compatibility,
                max_len,
                key,
                topic,
            }
        });
    (def, errors)
}

/// The event type and version of an event: from `x-event`, else (faulty metadata) as far
/// as the file name (`<type>.v<major>.json`) tells them.
fn guess_event(
    at: &EventAt<'_>,
    event_type: Option<String>,
    version: Option<String>,
    parsed: Option<(u32, u32)>,
) -> Option<(String, String, u32, u32)> {
    let from_name = at
        .rel
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".json"))
        .and_then(|n| n.rsplit_once(".v"))
        .and_then(|(t, m)| Some((t.to_owned(), m.parse::<u32>().ok()?)));
    let guess_type = event_type
        .filter(|t| valid_event_type(t))
        .or_else(|| from_name.as_ref().map(|(t, _)| t.clone()))
        .filter(|t| valid_event_type(t))?;
    let (major, minor) = parsed
        .or_else(|| from_name.as_ref().map(|(_, m)| (*m, 0)))
        .unwrap_or((1, 0));
    let version = version.unwrap_or_else(|| format!("{major}.{minor}"));
    Some((guess_type, version, major, minor))
}

/// Where an event is published: exactly one of `stream`, `topic`, or `exchange` with
/// `routing_key` (the routing key returned beside the channel).
fn check_channel(meta: &Value, loc: &Loc) -> Result<(ChannelKind, String, Option<String>), Error> {
    match [
        meta.get("stream"),
        meta.get("topic"),
        meta.get("exchange"),
        meta.get("routing_key"),
    ]
    .map(|v| v.is_some())
    {
        [true, false, false, false] => {
            string_at(meta, "stream", loc).map(|s| (ChannelKind::Stream, s.to_owned(), None))
        }
        [false, true, false, false] => {
            string_at(meta, "topic", loc).map(|s| (ChannelKind::Topic, s.to_owned(), None))
        }
        [false, false, true, true] => check_amqp(meta, loc)
            .map(|(exchange, key)| (ChannelKind::Exchange, exchange, Some(key))),
        [false, false, exchange, key] if exchange != key => {
            let (given, missing) = if exchange {
                ("exchange", "routing_key")
            } else {
                ("routing_key", "exchange")
            };
            Err(Error::new(
                loc.join(given),
                format!("`{given}` is given without `{missing}`"),
            )
            .hint("an AMQP event names both: \"exchange\": \"orders\", \"routing_key\": \"order.created\""))
        }
        _ => Err(Error::new(
            loc.clone(),
            "exactly one of `stream`, `topic` or `exchange` + `routing_key` is required",
        )
        .hint("name the Redis stream, the broker topic, or the AMQP exchange and routing key the event is published to")),
    }
}

/// `x-event.consumers`: an array of service names.
fn check_consumers(meta: &Value, loc: &Loc, errors: &mut Vec<Error>) -> Vec<String> {
    match meta.get("consumers") {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => {
            errors.push(Error::new(
                loc.join("consumers"),
                "`consumers` must be an array of service names",
            ));
            Vec::new()
        }
    }
}

/// A contract file is named `<type>.v<major>.json`.
fn check_file_name(
    at: &EventAt<'_>,
    loc: &Loc,
    event_type: &str,
    major: u32,
    version: Option<&str>,
) -> Option<Error> {
    let expected = format!("{event_type}.v{major}.json");
    let name = at.rel.rsplit('/').next().unwrap_or(at.rel);
    (name != expected).then(|| {
        Error::new(
            loc.clone(),
            format!(
                "file name {name:?} disagrees with the metadata (type {event_type:?}, version {})",
                version.unwrap_or("")
            ),
        )
        .hint(format!("rename the file to {expected:?} or fix `x-event`"))
    })
}

/// `x-event.max_len`: a positive integer, for an event published to a stream.
fn check_max_len(meta: &Value, loc: &Loc, errors: &mut Vec<Error>) -> Option<u64> {
    let v = meta.get("max_len")?;
    match v.as_u64().filter(|n| *n > 0) {
        Some(_) if meta.get("stream").is_none() => {
            errors.push(
                Error::new(
                    loc.join("max_len"),
                    "`max_len` trims a Redis stream, but this event names no `stream`",
                )
                .hint("remove `max_len`, or publish the event to a `stream`"),
            );
            None
        }
        Some(n) => Some(n),
        None => {
            errors.push(
                Error::new(
                    loc.join("max_len"),
                    format!("`max_len` must be a positive integer, not {v}"),
                )
                .hint("the approximate number of entries the stream keeps, e.g. 100000"),
            );
            None
        }
    }
}

/// `x-event.exchange` and `x-event.routing_key`: both strings, as AMQP 0-9-1 allows them
/// on a published message (a routing key, not a binding pattern).
fn check_amqp(meta: &Value, loc: &Loc) -> Result<(String, String), Error> {
    let exchange = string_at(meta, "exchange", loc)?;
    let key = string_at(meta, "routing_key", loc)?;
    let bad_exchange = if exchange.starts_with("amq.") {
        Some("starts with `amq.`, a prefix the broker reserves".to_owned())
    } else if exchange.len() > 255 {
        Some("is longer than 255 bytes".to_owned())
    } else {
        exchange
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
            .map(|c| format!("holds {c:?}"))
    };
    if let Some(why) = bad_exchange {
        return Err(Error::new(
            loc.join("exchange"),
            format!("exchange name {exchange:?} {why}"),
        )
        .hint("letters, digits, `-`, `_`, `.` and `:`, e.g. \"orders\""));
    }
    let bad_key = if key.split('.').any(str::is_empty) {
        Some("has an empty word".to_owned())
    } else if key.len() > 255 {
        Some("is longer than 255 bytes".to_owned())
    } else if key.contains(['*', '#']) {
        Some(
            "holds `*` or `#`, which are binding wildcards, not part of a message's key".to_owned(),
        )
    } else {
        key.chars()
            .find(|c| c.is_whitespace() || c.is_control())
            .map(|c| format!("holds {c:?}"))
    };
    if let Some(why) = bad_key {
        return Err(Error::new(
            loc.join("routing_key"),
            format!("routing key {key:?} {why}"),
        )
        .hint("dot-separated words, e.g. \"order.created\"; bindings (`order.*`) belong to the consumer"));
    }
    Ok((exchange.to_owned(), key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_become_absolute() {
        assert_eq!(
            absolute_ref("order/x.v1.json", "../common/order.json#/$defs/Item").unwrap(),
            "file:///common/order.json#/$defs/Item"
        );
        assert_eq!(
            absolute_ref("order/x.v1.json", "#/$defs/A").unwrap(),
            "file:///order/x.v1.json#/$defs/A"
        );
        assert!(absolute_ref("x.json", "../../y.json").is_err());
        assert!(absolute_ref("x.json", "https://example.com/y.json").is_err());
        assert!(absolute_ref("x.json", "#anchor").is_err());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path("a/x.json", "a/x.json"), "");
        assert_eq!(relative_path("a/x.json", "a/y.json"), "y.json");
        assert_eq!(relative_path("a/x.json", "common.json"), "../common.json");
        assert_eq!(relative_path("x.json", "a/b/y.json"), "a/b/y.json");
        assert_eq!(relative_path("a/b/x.json", "a/c/y.json"), "../c/y.json");
        assert_eq!(relative_path("a/x.json", "a"), "../a");
    }

    #[test]
    fn event_type_shape() {
        assert!(valid_event_type("pvz.parcel.arrived"));
        assert!(valid_event_type("delivery.parcel.routed_to_pvz"));
        assert!(!valid_event_type("order"));
        assert!(!valid_event_type("Order.Created"));
        assert!(!valid_event_type("order..created"));
    }
}
