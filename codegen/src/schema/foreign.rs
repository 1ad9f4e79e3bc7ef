//! Loading a catalog as it is (the types-only route): any directory of JSON Schema files in
//! draft-07, 2019-09 or 2020-12, with no `x-event`/`x-envelope` and no conventions of ours.
//!
//! What differs from [`SchemaSet::load`]:
//! - each file's dialect comes from its `$schema` (a file without one is read as
//!   [`Dialect::default`]); draft-07 and 2019-09 tuples (`items: [...]`,
//!   `additionalItems`) are rewritten to their 2020-12 form (`prefixItems`, `items`);
//! - a root `$id` names the file, a `$id` below it an embedded resource: `$ref`s to an id
//!   (absolute, or relative to the id of the resource they are written in) resolve to it;
//!   `#name` names an `$anchor`; `file://name.json#…` is a file beside the referring one.
//!   Reading never leaves the directory and never touches the network: a reference to an
//!   id no file has is an error;
//! - draft-07: keywords beside `$ref` are dropped with a warning, `$id: "#name"` is an
//!   anchor, and references into a rewritten tuple follow it;
//! - every unknown keyword is a warning (even a near miss of a standard one), a key written
//!   twice in one object a warning naming both places (the last one is taken).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use super::{absolute_ref, parse_file, schema_files, Doc, Envelope, Found, Payload, SchemaSet};
use crate::doc::Position;
use crate::error::{Error, Errors, Loc, Sink};

/// A JSON Schema dialect the loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// `http://json-schema.org/draft-04/schema#`: read as draft-07 once its spellings are
    /// upgraded (`id` → `$id`, boolean `exclusiveMaximum`/`exclusiveMinimum` → numbers).
    Draft04,
    /// `http://json-schema.org/draft-07/schema#` (and draft-06).
    Draft07,
    /// `https://json-schema.org/draft/2019-09/schema`.
    Draft2019,
    /// `https://json-schema.org/draft/2020-12/schema` (the default for files without
    /// `$schema`).
    #[default]
    Draft2020,
}

/// How the files of a catalog taken as it is are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// The dialect of files without `$schema`.
    pub dialect: Dialect,
    /// Where the directory is published (`https://example.com/schemas/`): a file `a/b.json`
    /// also answers to `{base_uri}a/b.json`, so references to that address resolve to it
    /// (a validator's retrieval URI), and relative references in a file without an `$id`
    /// resolve against it. Nothing is ever fetched.
    pub base_uri: Option<String>,
}

impl Reading {
    /// Files without `$schema` read as `dialect`, the directory published nowhere.
    pub fn dialect(dialect: Dialect) -> Self {
        Self {
            dialect,
            base_uri: None,
        }
    }

    /// The address a file of the directory is retrieved from, if the directory has one.
    fn retrieval_uri(&self, rel: &str) -> Option<String> {
        let base = self.base_uri.as_deref()?;
        Some(if base.ends_with('/') {
            format!("{base}{rel}")
        } else {
            format!("{base}/{rel}")
        })
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Draft04 => "draft-04",
            Self::Draft07 => "draft-07",
            Self::Draft2019 => "2019-09",
            Self::Draft2020 => "2020-12",
        })
    }
}

impl Dialect {
    /// The dialect a `$schema` URI names (`http` or `https`, with or without the trailing
    /// `#`), if it is one the loader reads.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let uri = uri.trim_end_matches('#');
        let uri = uri
            .strip_prefix("https://")
            .or_else(|| uri.strip_prefix("http://"))?;
        match uri {
            "json-schema.org/draft-04/schema" => Some(Self::Draft04),
            "json-schema.org/draft-07/schema" | "json-schema.org/draft-06/schema" => {
                Some(Self::Draft07)
            }
            "json-schema.org/draft/2019-09/schema" => Some(Self::Draft2019),
            "json-schema.org/draft/2020-12/schema" => Some(Self::Draft2020),
            _ => None,
        }
    }
}

impl SchemaSet {
    /// Loads every `*.json` file under `root` as a plain JSON Schema catalog (no envelope,
    /// no events): for [`crate::Config::generate_types`], read as `reading` says.
    pub fn load_types(root: &Path, reading: &Reading) -> Result<Self, Errors> {
        let Foreign {
            docs,
            warnings,
            sink,
        } = load_foreign(root, reading)?;
        if !sink.is_empty() {
            return Err(sink.into_errors().with_warnings(warnings).with_positions());
        }
        Ok(SchemaSet::assemble(
            Envelope {
                rel: String::new(),
                type_field: String::new(),
                version_field: None,
                version_path: Vec::new(),
                payload: Payload::Flat,
                compatibility: None,
            },
            docs,
            Vec::new(),
            warnings,
            true,
        ))
    }
}

/// A directory of foreign schemas, parsed and made absolute, with what is wrong with it.
pub(super) struct Foreign {
    pub(super) docs: BTreeMap<String, Doc>,
    /// Sorted.
    pub(super) warnings: Vec<Error>,
    pub(super) sink: Sink,
}

/// A file as parsed: path on disk, path relative to the root, the name errors use, its
/// JSON and key order.
type Read = (
    std::path::PathBuf,
    String,
    std::sync::Arc<str>,
    Value,
    super::KeyOrder,
);

/// What the first pass learns of every file: where each resource and anchor is.
#[derive(Default)]
struct Index {
    /// Root `$id` (and, for a published directory, retrieval URI) → file.
    ids: HashMap<String, String>,
    anchors: Anchors,
    /// The absolute URI of every schema resource (each file, each `$id` below a root) →
    /// its file and JSON pointer.
    embedded: HashMap<String, (String, String)>,
}

/// Reads every schema file under `root` the way [`SchemaSet::load_types`] describes.
pub(super) fn load_foreign(root: &Path, reading: &Reading) -> Result<Foreign, Errors> {
    let (found, walk_warnings) = schema_files(root)?;
    let mut sink = Sink::default();
    let mut warnings = Vec::new();
    let mut read = Vec::new();
    for Found { path, rel, file } in found {
        // A key written twice in one object: the last one is taken, as most JSON readers
        // (and the catalog's own tools) do; a warning names both places.
        match parse_file(&path, &file, true) {
            Ok((json, order, duplicates)) => {
                warnings.extend(duplicates);
                read.push((path, rel, file, json, order));
            }
            Err(errors) => errors.into_iter().for_each(|e| sink.push(e)),
        }
    }
    let dialects = dialects(&read, reading, &mut warnings, &mut sink);
    // First pass: each file in its dialect's 2020-12 form, its resources and anchors noted.
    let mut index = Index::default();
    let mut retrieved = Vec::new();
    let mut parsed = Vec::new();
    for ((path, rel, file, mut json, order), dialect) in read.into_iter().zip(dialects) {
        let at = Loc::file(&file);
        upgrade(&mut json, dialect, &at, &mut warnings);
        let id = root_id(&mut json, &rel, &at, &mut index.ids, &mut sink);
        let retrieval = reading.retrieval_uri(&rel);
        if let Some(uri) = &retrieval {
            retrieved.push((uri.clone(), rel.clone()));
        }
        let id = id.or(retrieval);
        collect_anchors(&json, "", "", Position::Schema, &rel, &mut index.anchors);
        let base = file_base(&rel, id.as_deref());
        index
            .embedded
            .insert(local_base(&rel), (rel.clone(), String::new()));
        collect_embedded(
            &json,
            Position::Schema,
            "",
            &base,
            &rel,
            &mut index.embedded,
        );
        parsed.push((path, rel, file, json, order, id));
    }
    // A file's address names it unless another file has that `$id` (a validator registers
    // documents under their `$id` too, and the `$id` wins).
    for (uri, rel) in retrieved {
        index.ids.entry(uri).or_insert(rel);
    }
    // Second pass: every `$ref` made absolute (a file of the directory, or an error).
    let mut docs = BTreeMap::new();
    for (path, rel, file, mut json, key_order, id) in parsed {
        let mut errors = Vec::new();
        let scope = Scope {
            rel: &rel,
            id: id.as_deref(),
            ids: &index.ids,
            anchors: &index.anchors,
            embedded: &index.embedded,
        };
        let base = file_base(&rel, id.as_deref());
        let at = Loc::file(&file);
        scoped_refs(
            &mut json,
            Position::Schema,
            "",
            (&base, ""),
            &scope,
            &at,
            &mut errors,
        );
        errors.into_iter().for_each(|e| sink.push(e));
        nested_ids(&json, &at, Position::Schema, &mut sink);
        let doc = Doc {
            rel: rel.clone(),
            file,
            path,
            json,
            key_order,
        };
        docs.insert(rel, doc);
    }
    for doc in docs.values() {
        super::check_refs_resolve(doc, &docs, &mut sink);
    }
    let lint = crate::lint::lint_foreign(&docs);
    warnings.extend(lint.warnings);
    // An annotation that breaks its own schema (a `default` or an example another tool
    // wrote) changes no type: a warning in a catalog taken as it is.
    for e in lint.errors {
        if in_annotation(&e.loc.pointer) {
            warnings.push(e);
        } else {
            sink.push(e);
        }
    }
    warnings.extend(walk_warnings);
    let warnings = crate::error::sorted(warnings);
    Ok(Foreign {
        docs,
        warnings,
        sink,
    })
}

/// The dialect of each file: its `$schema`, or that of the file its `$schema` names (a
/// custom meta-schema of the directory, by `$id` or address), else `reading`'s default
/// with a warning.
fn dialects(
    read: &[Read],
    reading: &Reading,
    warnings: &mut Vec<Error>,
    sink: &mut Sink,
) -> Vec<Dialect> {
    let default = reading.dialect;
    let declared: HashMap<String, Option<&str>> = read
        .iter()
        .flat_map(|(_, rel, _, json, _)| {
            let schema = json.get("$schema").and_then(Value::as_str);
            let id = json.get("$id").and_then(Value::as_str);
            let id = id.map(|i| i.trim_end_matches('#').to_owned());
            id.into_iter()
                .chain(reading.retrieval_uri(rel))
                .map(move |uri| (uri, schema))
        })
        .collect();
    let dialect_of = |uri: &str| {
        let mut uri = uri;
        for _ in 0..8 {
            if let Some(d) = Dialect::from_uri(uri) {
                return Some(d);
            }
            uri = (*declared.get(uri.trim_end_matches('#'))?)?;
        }
        None
    };
    read.iter()
        .map(|(_, _, file, json, _)| {
            let at = Loc::file(file).join("$schema");
            match json.get("$schema") {
                None => default,
                Some(Value::String(s)) => dialect_of(s).unwrap_or_else(|| {
                    warnings.push(
                        Error::new(at, format!("unknown `$schema` {s:?}: the file is read as {default}"))
                            .hint("the loader reads draft-04, draft-07, 2019-09 and 2020-12, and a meta-schema that is a file of this directory"),
                    );
                    default
                }),
                Some(other) => {
                    sink.push(Error::new(at, format!("`$schema` must be a string, found {other}")));
                    default
                }
            }
        })
        .collect()
}

/// A file of `dialect` in its 2020-12 form: draft-04 spellings upgraded, draft-04/07
/// keywords beside `$ref` dropped (with warnings) and `$id: "#name"` read as an anchor,
/// tuples of the older dialects rewritten.
fn upgrade(json: &mut Value, dialect: Dialect, at: &Loc, warnings: &mut Vec<Error>) {
    if dialect == Dialect::Draft04 {
        upgrade_draft04(json, Position::Schema);
    }
    if matches!(dialect, Dialect::Draft04 | Dialect::Draft07) {
        drop_ref_siblings(json, Position::Schema, at, true, warnings);
        draft07_anchors(json, Position::Schema, true);
    }
    if dialect != Dialect::Draft2020 {
        let mut tuples = Vec::new();
        upgrade_tuples(json, Position::Schema, "", &mut tuples);
        retarget_tuple_refs(json, Position::Schema, &tuples);
        // The tuples now read as 2020-12: so must a validator that is given the file.
        if let Some(uri) = json.get_mut("$schema") {
            *uri = Value::String("https://json-schema.org/draft/2020-12/schema".into());
        }
    }
}

/// Takes a file's root `$id` out of it (its references are made absolute instead) and
/// notes it in `ids`; two files with one `$id` are an error.
fn root_id(
    json: &mut Value,
    rel: &str,
    at: &Loc,
    ids: &mut HashMap<String, String>,
    sink: &mut Sink,
) -> Option<String> {
    match json.as_object_mut().and_then(|m| m.remove("$id")) {
        Some(Value::String(id)) => {
            let id = id.trim_end_matches('#').to_owned();
            if let Some(other) = ids.insert(id.clone(), rel.to_owned()) {
                sink.push(Error::new(
                    at.join("$id"),
                    format!("`$id` {id:?} is also the id of {other}"),
                ));
            }
            Some(id)
        }
        Some(other) => {
            sink.push(Error::new(
                at.join("$id"),
                format!("`$id` must be a string, found {other}"),
            ));
            None
        }
        None => None,
    }
}

/// Whether a JSON pointer leads into the value of a `default` or `examples` keyword (data,
/// not a schema), read by position: a *property* named `default` is a schema like any other.
fn in_annotation(pointer: &str) -> bool {
    let mut pos = Position::Schema;
    for segment in super::pointer_segments(pointer) {
        if pos == Position::Schema && (segment == "default" || segment == "examples") {
            return true;
        }
        match pos.child(&segment) {
            Some(next) => pos = next,
            None => return false,
        }
    }
    false
}

/// Rewrites draft-07 / 2019-09 tuples to 2020-12: `items: [A, B]` becomes
/// `prefixItems: [A, B]`, and `additionalItems` becomes `items` (dropped where `items` is
/// no array: it has no effect there).
/// `tuples` gets the JSON pointer of each schema rewritten.
fn upgrade_tuples(value: &mut Value, pos: Position, pointer: &str, tuples: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if pos == Position::Schema && map.get("items").is_some_and(Value::is_array) {
                tuples.push(pointer.to_owned());
                if let Some(items) = map.remove("items") {
                    map.insert("prefixItems".into(), items);
                }
                if let Some(rest) = map.remove("additionalItems") {
                    map.insert("items".into(), rest);
                }
            } else if pos == Position::Schema {
                // Without a tuple, `additionalItems` applies to nothing.
                map.remove("additionalItems");
            }
            for (key, v) in map.iter_mut() {
                if let Some(child) = pos.child(key) {
                    let here = crate::error::pointer_push(pointer, key);
                    upgrade_tuples(v, child, &here, tuples);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                upgrade_tuples(v, pos, &format!("{pointer}/{i}"), tuples);
            }
        }
        _ => {}
    }
}

/// A local `$ref` into a tuple [`upgrade_tuples`] rewrote (`#/items/0`) follows it
/// (`#/prefixItems/0`; `additionalItems` is now `items`).
fn retarget_tuple_refs(value: &mut Value, pos: Position, tuples: &[String]) {
    if tuples.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => {
            if pos == Position::Schema {
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    if let Some(fragment) = r.strip_prefix('#') {
                        for t in tuples {
                            let moved =
                                [("/items", "/prefixItems"), ("/additionalItems", "/items")]
                                    .iter()
                                    .find_map(|(from, to)| {
                                        let rest = fragment
                                            .strip_prefix(t.as_str())?
                                            .strip_prefix(from)?;
                                        (rest.is_empty() || rest.starts_with('/'))
                                            .then(|| format!("#{t}{to}{rest}"))
                                    });
                            if let Some(moved) = moved {
                                *r = moved;
                                break;
                            }
                        }
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                if let Some(child) = pos.child(key) {
                    retarget_tuple_refs(v, child, tuples);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| retarget_tuple_refs(v, pos, tuples)),
        _ => {}
    }
}

/// Draft-04's spellings in their draft-06 form: `id` → `$id`, `exclusiveMaximum: true`
/// beside `maximum` → `exclusiveMaximum` of that number (and `false` → nothing); likewise
/// for the minimum.
fn upgrade_draft04(value: &mut Value, pos: Position) {
    match value {
        Value::Object(map) => {
            if pos == Position::Schema {
                if !map.contains_key("$id") {
                    if let Some(id) = map.remove("id").filter(Value::is_string) {
                        map.insert("$id".into(), id);
                    }
                }
                for (flag, bound) in [
                    ("exclusiveMaximum", "maximum"),
                    ("exclusiveMinimum", "minimum"),
                ] {
                    if let Some(Value::Bool(exclusive)) = map.get(flag) {
                        let exclusive = *exclusive;
                        map.remove(flag);
                        if exclusive {
                            if let Some(n) = map.remove(bound) {
                                map.insert(flag.into(), n);
                            }
                        }
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                if let Some(child) = pos.child(key) {
                    upgrade_draft04(v, child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| upgrade_draft04(v, pos)),
        _ => {}
    }
}

/// Draft-07 names a location-independent schema with `$id: "#name"`: 2020-12's
/// `$anchor: "name"`.
fn draft07_anchors(value: &mut Value, pos: Position, root: bool) {
    match value {
        Value::Object(map) => {
            if pos == Position::Schema {
                let anchor = match map.get("$id") {
                    Some(Value::String(id)) => id.strip_prefix('#').map(str::to_owned),
                    _ => None,
                };
                if let Some(name) = anchor.filter(|n| !n.is_empty() && !root) {
                    map.remove("$id");
                    map.insert("$anchor".into(), Value::String(name));
                }
            }
            for (key, v) in map.iter_mut() {
                if let Some(child) = pos.child(key) {
                    draft07_anchors(v, child, false);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| draft07_anchors(v, pos, false)),
        _ => {}
    }
}

/// What may stay beside a draft-07 `$ref`: annotations, definitions (other schemas point
/// into them) and the root's `$schema`/`$id`. Unknown keywords stay too (the linter warns).
const KEPT_BESIDE_REF: &[&str] = &[
    "$ref",
    "$schema",
    "$id",
    "$comment",
    "definitions",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
];

/// Draft-07 (and draft-06): keywords beside `$ref` are ignored by validators. Each JSON
/// Schema keyword that would constrain a value there is dropped, with a warning; so is an
/// `$id` below the root (it changes no base URI there: the `$ref` resolves against the
/// base around it).
fn drop_ref_siblings(
    value: &mut Value,
    pos: Position,
    loc: &Loc,
    root: bool,
    warnings: &mut Vec<Error>,
) {
    match value {
        Value::Object(map) => {
            if pos == Position::Schema && map.get("$ref").is_some_and(Value::is_string) {
                let dropped: Vec<String> = map
                    .keys()
                    .filter(|k| !KEPT_BESIDE_REF.contains(&k.as_str()) || (!root && *k == "$id"))
                    .filter(|k| crate::lint::is_keyword(k))
                    .cloned()
                    .collect();
                for key in dropped {
                    map.remove(&key);
                    warnings.push(
                        Error::new(
                            loc.join(&key),
                            format!("`{key}` beside `$ref` is ignored (draft-07: a `$ref` replaces the keywords beside it)"),
                        )
                        .hint("put both in an `allOf` if both should apply"),
                    );
                }
            }
            for (key, v) in map.iter_mut() {
                if let Some(child) = pos.child(key) {
                    drop_ref_siblings(v, child, &loc.join(key), false, warnings);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                drop_ref_siblings(v, pos, &loc.join(i), false, warnings);
            }
        }
        _ => {}
    }
}

/// A `$id` below the root (an embedded resource) is not read: an error naming it.
fn nested_ids(value: &Value, loc: &Loc, pos: Position, sink: &mut Sink) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let Some(child) = pos.child(key) else {
                    continue;
                };
                if key == "$id" && pos == Position::Schema {
                    sink.push(
                        Error::new(
                            loc.join(key),
                            "`$id` below the root of a file is not supported",
                        )
                        .hint("move the schema to a file of its own with that `$id`"),
                    );
                } else {
                    nested_ids(v, &loc.join(key), child, sink);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                nested_ids(v, &loc.join(i), pos, sink);
            }
        }
        _ => {}
    }
}

/// The base URI of a file without an `$id` of its own (or with one of no scheme): a name
/// no reference outside this loader can use.
fn local_base(rel: &str) -> String {
    format!("https://events.invalid/{rel}")
}

/// The base URI relative references of a file's root resolve against.
fn file_base(rel: &str, id: Option<&str>) -> String {
    match id {
        Some(id) if has_scheme(id) => id.to_owned(),
        _ => local_base(rel),
    }
}

/// Every `$id` below a root (an embedded schema resource), resolved against the base of
/// the resource around it: absolute URI → (file, JSON pointer).
fn collect_embedded(
    value: &Value,
    pos: Position,
    pointer: &str,
    base: &str,
    rel: &str,
    out: &mut HashMap<String, (String, String)>,
) {
    match value {
        Value::Object(map) => {
            let mut base = base.to_owned();
            if pos == Position::Schema && !pointer.is_empty() {
                if let Some(Value::String(id)) = map.get("$id") {
                    if !id.starts_with('#') {
                        base = resolve_uri(&base, id);
                        out.entry(base.clone())
                            .or_insert_with(|| (rel.to_owned(), pointer.to_owned()));
                    }
                }
            }
            for (key, v) in map {
                if let Some(child) = pos.child(key) {
                    let here = crate::error::pointer_push(pointer, key);
                    collect_embedded(v, child, &here, &base, rel, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_embedded(v, pos, &format!("{pointer}/{i}"), base, rel, out);
            }
        }
        _ => {}
    }
}

/// `reference` (no fragment) against `base`: as it is when it has a scheme, else joined.
fn resolve_uri(base: &str, reference: &str) -> String {
    let reference = reference.trim_end_matches('#');
    if has_scheme(reference) {
        reference.to_owned()
    } else {
        join(base, reference)
    }
}

/// What resolving a reference in one file needs.
struct Scope<'a> {
    rel: &'a str,
    id: Option<&'a str>,
    ids: &'a HashMap<String, String>,
    anchors: &'a Anchors,
    embedded: &'a HashMap<String, (String, String)>,
}

/// Resolves every `$ref` against the schema resource it is written in (`resource`: its
/// base URI and JSON pointer; an `$id` below the root starts another, and is removed once
/// its references are resolved), to the loader's absolute URI. A reference that names no
/// resource goes the way of [`resolve_anchor`] (files by relative path, `file://`, errors);
/// `$dynamicRef` is left as it is (the converter maps it to any value).
fn scoped_refs(
    value: &mut Value,
    pos: Position,
    pointer: &str,
    resource: (&str, &str),
    scope: &Scope<'_>,
    loc: &Loc,
    errors: &mut Vec<Error>,
) {
    match value {
        Value::Object(map) => {
            let (mut base, mut at) = (resource.0.to_owned(), resource.1.to_owned());
            if pos == Position::Schema && !pointer.is_empty() {
                if let Some(Value::String(id)) = map.get("$id") {
                    if !id.starts_with('#') {
                        base = resolve_uri(&base, id);
                        at = pointer.to_owned();
                        map.remove("$id");
                    }
                }
            }
            if pos == Position::Schema {
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    let resolved = resolve_in(r, &base, &at, scope).unwrap_or_else(|| {
                        resolve_anchor(r, scope.rel, scope.id, scope.ids, scope.anchors)
                    });
                    match resolved {
                        Ok(uri) => *r = uri,
                        Err(msg) => errors.push(Error::new(loc.join("$ref"), msg)),
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                if key == "$ref" && pos == Position::Schema {
                    continue;
                }
                if let Some(child) = pos.child(key) {
                    let here = crate::error::pointer_push(pointer, key);
                    scoped_refs(v, child, &here, (&base, &at), scope, &loc.join(key), errors);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let here = format!("{pointer}/{i}");
                scoped_refs(v, pos, &here, resource, scope, &loc.join(i), errors);
            }
        }
        _ => {}
    }
}

/// A reference in the resource at (`base`, JSON pointer `at`): the loader's URI of what it
/// names, if a resource of the directory is named (`None`: the file's own route).
fn resolve_in(
    reference: &str,
    base: &str,
    at: &str,
    scope: &Scope<'_>,
) -> Option<Result<String, String>> {
    if is_meta_schema(reference) {
        return Some(Ok(reference.to_owned()));
    }
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let (rel, start) = if path.is_empty() {
        if at.is_empty() {
            // The file's own root: the usual route.
            return None;
        }
        (scope.rel.to_owned(), at.to_owned())
    } else {
        let uri = resolve_uri(base, path);
        match scope.embedded.get(&uri) {
            Some((rel, pointer)) => (rel.clone(), pointer.clone()),
            None => match scope.ids.get(&uri) {
                Some(rel) => (rel.clone(), String::new()),
                None if at.is_empty() => return None,
                // Relative to an embedded resource but naming nothing here.
                None => {
                    return Some(resolve_anchor(
                        reference,
                        scope.rel,
                        scope.id,
                        scope.ids,
                        scope.anchors,
                    ))
                }
            },
        }
    };
    let prefix = crate::doc::URI_PREFIX;
    Some(if fragment.is_empty() || fragment.starts_with('/') {
        Ok(format!("{prefix}{rel}#{start}{fragment}"))
    } else {
        match scope.anchors.get(&(rel.clone(), start.clone(), fragment.to_owned())) {
            Some(pointer) => Ok(format!("{prefix}{rel}#{pointer}")),
            None => Err(format!(
                "`$ref` {reference:?} names the anchor {fragment:?}, which no schema of {rel} declares (`$anchor`)"
            )),
        }
    })
}

/// (file, JSON pointer of the schema resource, anchor name) → the JSON pointer of the
/// schema that declares it: an anchor belongs to the resource it is written in (the file,
/// or the nearest schema below the root with an `$id`), so two resources of one file may
/// each have an anchor of the same name.
type Anchors = HashMap<(String, String, String), String>;

/// Every `$anchor` (and `$dynamicAnchor`) of a document, under the resource it belongs to
/// (`resource`: the pointer of the schema with the nearest `$id` around it, `""` for the
/// file's root).
fn collect_anchors(
    value: &Value,
    pointer: &str,
    resource: &str,
    pos: Position,
    rel: &str,
    out: &mut Anchors,
) {
    match value {
        Value::Object(map) => {
            let mut resource = resource;
            if pos == Position::Schema {
                let starts = !pointer.is_empty()
                    && matches!(map.get("$id"), Some(Value::String(id)) if !id.starts_with('#'));
                if starts {
                    resource = pointer;
                }
                // A `$ref` to a `$dynamicAnchor` resolves as to an `$anchor`.
                for key in ["$anchor", "$dynamicAnchor"] {
                    if let Some(Value::String(name)) = map.get(key) {
                        out.entry((rel.to_owned(), resource.to_owned(), name.clone()))
                            .or_insert_with(|| pointer.to_owned());
                    }
                }
            }
            for (key, v) in map {
                if let Some(child) = pos.child(key) {
                    let here = crate::error::pointer_push(pointer, key);
                    collect_anchors(v, &here, resource, child, rel, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_anchors(v, &format!("{pointer}/{i}"), resource, pos, rel, out);
            }
        }
        _ => {}
    }
}

/// Whether a `$ref` names the meta-schema of a dialect the loader reads, or one of its
/// vocabularies' meta-schemas (`https://json-schema.org/draft/2020-12/meta/core`): kept as
/// it is (see [`SchemaSet::resolve`]), never fetched.
pub(super) fn is_meta_schema(reference: &str) -> bool {
    let uri = reference.split('#').next().unwrap_or(reference);
    let vocabulary = || {
        let rest = uri
            .strip_prefix("https://")
            .or_else(|| uri.strip_prefix("http://"))?;
        let rest = rest
            .strip_prefix("json-schema.org/draft/2020-12/meta/")
            .or_else(|| rest.strip_prefix("json-schema.org/draft/2019-09/meta/"))?;
        Some(!rest.is_empty() && !rest.contains('/'))
    };
    Dialect::from_uri(uri).is_some() || vocabulary() == Some(true)
}

/// [`resolve_ref`], with a plain-name fragment (`#foo`, `other.json#foo`) read as the
/// `$anchor` of a schema of the target file.
fn resolve_anchor(
    reference: &str,
    rel: &str,
    base: Option<&str>,
    ids: &HashMap<String, String>,
    anchors: &Anchors,
) -> Result<String, String> {
    if is_meta_schema(reference) {
        return Ok(reference.to_owned());
    }
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if fragment.is_empty() || fragment.starts_with('/') {
        return resolve_ref(reference, rel, base, ids);
    }
    let file = resolve_ref(&format!("{path}#"), rel, base, ids)?;
    let target = file
        .strip_prefix(crate::doc::URI_PREFIX)
        .and_then(|f| f.split('#').next())
        .unwrap_or_default()
        .to_owned();
    match anchors.get(&(target.clone(), String::new(), fragment.to_owned())) {
        Some(pointer) => Ok(format!("{}{target}#{pointer}", crate::doc::URI_PREFIX)),
        None => Err(format!(
            "`$ref` {reference:?} names the anchor {fragment:?}, which no schema of {target} declares (`$anchor`)"
        )),
    }
}

/// Resolves a `$ref` written in file `rel` (whose root `$id` is `base`, if any) to the
/// loader's absolute URI of a file of the directory.
fn resolve_ref(
    reference: &str,
    rel: &str,
    base: Option<&str>,
    ids: &HashMap<String, String>,
) -> Result<String, String> {
    let (target, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if target.is_empty() {
        return absolute_ref(rel, reference);
    }
    // `file://name.json`: a file beside this one (never an absolute path on disk).
    if let Some(path) = target.strip_prefix("file://") {
        if path.starts_with('/') {
            return Err(format!(
                "`$ref` {reference:?} names an absolute path; refer to files of this directory by relative path"
            ));
        }
        return absolute_ref(rel, &format!("{path}#{fragment}"));
    }
    let by_id = |uri: &str| {
        ids.get(uri)
            .map(|to| format!("{}{to}#{fragment}", crate::doc::URI_PREFIX))
    };
    if has_scheme(target) {
        return by_id(target).ok_or_else(|| {
            format!(
                "`$ref` {reference:?} names no file of this directory (no file has that `$id`); remote schemas are never fetched"
            )
        });
    }
    if let Some(base) = base.filter(|b| has_scheme(b)) {
        if let Some(found) = by_id(&join(base, target)) {
            return Ok(found);
        }
    }
    absolute_ref(rel, reference)
}

/// Whether a reference starts with a URI scheme (`https:`, `urn:`).
fn has_scheme(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// RFC 3986 reference resolution of a relative path against a base URI with a scheme
/// (no query or fragment handling beyond dropping the base's).
fn join(base: &str, reference: &str) -> String {
    let base = base.split(['#', '?']).next().unwrap_or(base);
    let (scheme, rest) = base.split_once(':').unwrap_or(("", base));
    let (authority, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (format!("//{}", &r[..i]), &r[i..]),
            None => (format!("//{r}"), ""),
        },
        None => (String::new(), rest),
    };
    let merged = if reference.starts_with('/') {
        reference.to_owned()
    } else {
        match path.rfind('/') {
            Some(i) => format!("{}{reference}", &path[..=i]),
            None if authority.is_empty() => reference.to_owned(),
            None => format!("/{reference}"),
        }
    };
    let mut out: Vec<&str> = Vec::new();
    for seg in merged.split('/') {
        match seg {
            "." => {}
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
            }
            s => out.push(s),
        }
    }
    format!("{scheme}:{authority}{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_by_uri() {
        for (uri, d) in [
            (
                "http://json-schema.org/draft-07/schema#",
                Some(Dialect::Draft07),
            ),
            (
                "https://json-schema.org/draft-07/schema",
                Some(Dialect::Draft07),
            ),
            (
                "https://json-schema.org/draft/2019-09/schema",
                Some(Dialect::Draft2019),
            ),
            (
                "https://json-schema.org/draft/2020-12/schema",
                Some(Dialect::Draft2020),
            ),
            (
                "http://json-schema.org/draft-04/schema#",
                Some(Dialect::Draft04),
            ),
            ("http://json-schema.org/draft-03/schema#", None),
            ("https://example.com/my-meta", None),
        ] {
            assert_eq!(Dialect::from_uri(uri), d, "{uri}");
        }
    }

    #[test]
    fn relative_references_join_their_base() {
        let base = "https://example.com/schemas/orders/order.json";
        assert_eq!(
            join(base, "item.json"),
            "https://example.com/schemas/orders/item.json"
        );
        assert_eq!(
            join(base, "../common/money.json"),
            "https://example.com/schemas/common/money.json"
        );
        assert_eq!(join(base, "/x.json"), "https://example.com/x.json");
        assert_eq!(join("urn:example:a", "b"), "urn:b");
    }

    #[test]
    fn references_by_id_by_file_url_and_by_path() {
        let ids: HashMap<String, String> = [
            (
                "https://example.com/s/money.json".to_owned(),
                "common/money.json".to_owned(),
            ),
            ("urn:example:item".to_owned(), "item.json".to_owned()),
        ]
        .into_iter()
        .collect();
        let base = Some("https://example.com/s/order.json");
        let r = |s: &str| resolve_ref(s, "orders/order.json", base, &ids);
        assert_eq!(
            r("money.json#/definitions/M").unwrap(),
            "file:///common/money.json#/definitions/M"
        );
        assert_eq!(
            r("https://example.com/s/money.json").unwrap(),
            "file:///common/money.json#"
        );
        assert_eq!(r("urn:example:item#/x").unwrap(), "file:///item.json#/x");
        assert_eq!(
            r("file://line.json#/a").unwrap(),
            "file:///orders/line.json#/a"
        );
        assert_eq!(
            r("#/definitions/A").unwrap(),
            "file:///orders/order.json#/definitions/A"
        );
        assert!(r("https://elsewhere.org/x.json")
            .unwrap_err()
            .contains("never fetched"));
        assert!(r("file:///etc/passwd")
            .unwrap_err()
            .contains("absolute path"));
        assert!(r("../../x.json").unwrap_err().contains("outside"));
    }

    #[test]
    fn annotations_are_told_from_properties_named_like_them() {
        assert!(in_annotation("/properties/a/default"));
        assert!(in_annotation("/definitions/x/examples/0/k"));
        assert!(in_annotation("/allOf/1/properties/archived/default"));
        assert!(!in_annotation("/properties/default/tyep"));
        assert!(!in_annotation(
            "/properties/examples/properties/default/type"
        ));
        assert!(!in_annotation("/properties/a"));
    }

    #[test]
    fn draft07_tuples_become_prefix_items() {
        let mut v: Value = serde_json::from_str(
            r#"{"properties": {"items": {"items": [{"type": "string"}], "additionalItems": false}}}"#,
        )
        .unwrap();
        upgrade_tuples(&mut v, Position::Schema, "", &mut Vec::new());
        assert_eq!(
            v,
            serde_json::json!({"properties": {"items": {"prefixItems": [{"type": "string"}], "items": false}}})
        );
    }
}
