//! Strict linting of schema files: what JSON Schema would accept and silently ignore.
//!
//! Errors are mistakes with a likely fix, shown with what was written and the nearest valid
//! spelling: a misspelt keyword (`requird`, `x-encodng`), an unknown `format` (`datetime`),
//! a `default`, `const` or `examples` value its own schema rejects, a `required` name that a
//! closed schema does not declare. Warnings are what may well be
//! intended but has no effect here: any other unknown keyword (vendor extensions).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::doc::{percent_decode, split_uri, Doc};
use crate::error::{Error, Loc};

/// The keywords of JSON Schema draft 2020-12, with those its meta-schema still accepts from
/// earlier drafts (`definitions`, `dependencies`, `$recursiveRef`, `$recursiveAnchor`).
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "prefixItems",
    "items",
    "contains",
    "additionalProperties",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "unevaluatedItems",
    "unevaluatedProperties",
    "type",
    "const",
    "enum",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "definitions",
    "dependencies",
    "$recursiveAnchor",
    "$recursiveRef",
];

/// Whether `key` is a keyword of JSON Schema (2020-12, or one its meta-schema still
/// accepts from earlier drafts).
pub(crate) fn is_keyword(key: &str) -> bool {
    KEYWORDS.contains(&key)
}

/// Our extension keywords.
const OURS: &[&str] = &["x-event", "x-envelope", "x-encoding"];

/// The fields of `x-event` and of `x-envelope` (and the metadata keys of a catalog rule).
pub(crate) const EVENT_FIELDS: &[&str] = &[
    "type",
    "version",
    "stream",
    "topic",
    "exchange",
    "routing_key",
    "producer",
    "consumers",
    "compatibility",
    "max_len",
    "key",
    "partitions",
    "replication",
    "retention",
];
const ENVELOPE_FIELDS: &[&str] = &["type_field", "version_field", "payload", "compatibility"];

/// The formats of JSON Schema 2020-12, then those the generator maps to Rust types.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
    "unix-time",
];

/// The values of `x-encoding`.
const ENCODINGS: &[&str] = &["json-string"];

/// What the linter found.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Mistakes: the build fails.
    pub(crate) errors: Vec<Error>,
    /// Worth a look, but possibly intended.
    pub(crate) warnings: Vec<Error>,
}

/// Lints every document of a set. `flat_header` names the envelope's header fields when
/// they sit beside the payload fields: they may appear in a value for an event file's root.
pub(crate) fn lint(docs: &BTreeMap<String, Doc>, flat_header: Option<&[String]>) -> Findings {
    lint_with(docs, flat_header, false)
}

/// Lints a catalog taken as it is: any unknown keyword, even a near miss of a standard one
/// (`definition`, `example`), is a warning, since validators ignore it and nobody here chose
/// the spelling.
pub(crate) fn lint_foreign(docs: &BTreeMap<String, Doc>) -> Findings {
    lint_with(docs, None, true)
}

fn lint_with(
    docs: &BTreeMap<String, Doc>,
    flat_header: Option<&[String]>,
    foreign: bool,
) -> Findings {
    let mut linter = Linter {
        docs,
        foreign,
        out: Findings::default(),
    };
    for doc in docs.values() {
        let header = flat_header.filter(|_| doc.json.get("x-event").is_some());
        linter.schema(&doc.json, &Loc::file(&doc.file), header);
    }
    linter.out
}

/// The known word `input` most likely misspells: the same word in another case, or one
/// edit away (two for words longer than six characters; a transposition is one edit).
pub(crate) fn near_miss<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    if namespaced(input, known).is_some() {
        return None;
    }
    let lower = input.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), *k))
        .min()
        .filter(|(d, k)| *d <= if input.len().max(k.len()) <= 6 { 1 } else { 2 })
        .map(|(_, k)| k)
}

/// The known keyword `input` namespaces, if it is one: a short lowercase prefix before a
/// capitalised known keyword of several words is a vendor's namespace, not a typo
/// (`tsAdditionalProperties` of typescript generators). `mnItems` or
/// `addtionalProperties` are not.
fn namespaced<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    let matches = |k: &str| {
        if !k.chars().any(|c| c.is_ascii_uppercase()) {
            return false;
        }
        let mut cap = k.trim_start_matches('$').to_owned();
        if let Some(first) = cap.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        input.strip_suffix(cap.as_str()).is_some_and(|prefix| {
            (1..=4).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_lowercase())
        })
    };
    known.iter().copied().find(|k| matches(k))
}

/// The known word to suggest for `input`, as a hint: a [`near_miss`], else the nearest
/// one in a looser sense (`events_rt::nearest_of`, ignoring case).
pub(crate) fn suggest<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    near_miss(input, known).or_else(|| events_rt::nearest_of(&input.to_lowercase(), known))
}

struct Linter<'a> {
    docs: &'a BTreeMap<String, Doc>,
    /// A catalog taken as it is: unknown keywords are warnings, near misses too.
    foreign: bool,
    out: Findings,
}

impl Linter<'_> {
    fn error(&mut self, loc: Loc, message: String, hint: String) {
        self.out.errors.push(Error::new(loc, message).hint(hint));
    }

    fn warning(&mut self, loc: Loc, message: String, hint: Option<String>) {
        let w = Error::new(loc, message);
        self.out.warnings.push(match hint {
            Some(h) => w.hint(h),
            None => w,
        });
    }

    /// Lints one schema (anything else than an object has nothing to lint). `header`: the
    /// flat envelope's fields, at the root of an event file.
    fn schema(&mut self, schema: &Value, loc: &Loc, header: Option<&[String]>) {
        let Value::Object(map) = schema else {
            return;
        };
        self.values(schema, map, loc, header);
        self.required_in_closed(map, loc, header);
        for (key, value) in map {
            let here = loc.join(key);
            // JSON Schema counts `2.0` as an integer: a catalog taken as it is may write one.
            let whole = value.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0);
            if let Some(problem) = keyword_shape(key, value)
                .filter(|p| !(self.foreign && whole && *p == "a non-negative integer"))
            {
                self.out.errors.push(
                    Error::new(
                        here.clone(),
                        format!(
                            "not a valid JSON Schema (draft 2020-12): `{key}` must be {problem}, found {}",
                            short(value)
                        ),
                    )
                    .hint(format!("write `{key}` as {problem}")),
                );
                continue;
            }
            match key.as_str() {
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" | "dependencies" => {
                    if let Value::Object(named) = value {
                        for (name, sub) in named {
                            self.schema(sub, &here.join(name), None);
                        }
                    }
                }
                "items"
                | "additionalProperties"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                | "contains"
                | "propertyNames"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contentSchema" => self.schema(value, &here, None),
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    if let Value::Array(members) = value {
                        for (i, sub) in members.iter().enumerate() {
                            self.schema(sub, &here.join(i), None);
                        }
                    }
                }
                "x-event" => self.fields(value, &here, key, EVENT_FIELDS),
                "x-envelope" => self.fields(value, &here, key, ENVELOPE_FIELDS),
                "x-encoding" => self.encoding(value, &here),
                "format" => self.format(value, here),
                k if KEYWORDS.contains(&k) => {}
                _ => self.unknown_keyword(key, here),
            }
        }
    }

    /// `default`, `const` and each of `examples` against the schema that holds them.
    fn values(
        &mut self,
        schema: &Value,
        map: &Map<String, Value>,
        loc: &Loc,
        header: Option<&[String]>,
    ) {
        let mut values: Vec<(Loc, &str, &Value)> = Vec::new();
        for keyword in ["default", "const"] {
            if let Some(v) = map.get(keyword) {
                values.push((loc.join(keyword), keyword, v));
            }
        }
        if let Some(Value::Array(examples)) = map.get("examples") {
            for (i, v) in examples.iter().enumerate() {
                values.push((loc.join("examples").join(i), "examples", v));
            }
        }
        for (at, keyword, value) in values {
            // At an event file's root a value may be a whole document: header fields and all.
            let stripped;
            let value = match (header, value) {
                (Some(header), Value::Object(fields)) => {
                    let mut fields = fields.clone();
                    fields.retain(|k, _| !header.contains(k));
                    stripped = Value::Object(fields);
                    &stripped
                }
                _ => value,
            };
            let mut found = Vec::new();
            Check { docs: self.docs }.value(schema, value, "", keyword == "const", 0, &mut found);
            for v in found {
                let place = if v.at.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", v.at)
                };
                self.error(
                    at.clone(),
                    format!(
                        "`{keyword}` {} does not validate against its schema{place}: {}",
                        short(value),
                        v.message
                    ),
                    v.hint
                        .unwrap_or_else(|| "change the value or the schema".to_owned()),
                );
            }
        }
    }

    /// Every `required` name of a closed schema is one of its `properties` (or a flat
    /// envelope header field, at an event file's root): any other can never be present.
    fn required_in_closed(
        &mut self,
        map: &Map<String, Value>,
        loc: &Loc,
        header: Option<&[String]>,
    ) {
        let is_false = |k: &str| map.get(k) == Some(&Value::Bool(false));
        // Other applicators (and patterns) could declare more properties: not checked.
        let others = [
            "patternProperties",
            "allOf",
            "anyOf",
            "oneOf",
            "$ref",
            "$dynamicRef",
            "if",
            "then",
            "else",
            "dependentSchemas",
            "dependencies",
        ];
        let closed = (is_false("additionalProperties") && !map.contains_key("patternProperties"))
            || (is_false("unevaluatedProperties")
                && map
                    .get("additionalProperties")
                    .is_none_or(|v| v == &Value::Bool(false))
                && !others.iter().any(|k| map.contains_key(*k)));
        let Some(Value::Array(required)) = map.get("required") else {
            return;
        };
        if !closed {
            return;
        }
        let mut names: Vec<&str> = match map.get("properties") {
            Some(Value::Object(p)) => p.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        names.extend(header.unwrap_or_default().iter().map(String::as_str));
        for (i, name) in required.iter().enumerate() {
            let Some(name) = name.as_str() else { continue };
            if names.contains(&name) {
                continue;
            }
            let hint = match suggest(name, &names) {
                Some(n) => format!("did you mean {n:?}?"),
                None => "add it to `properties`, or remove it from `required`".to_owned(),
            };
            let keyword = if is_false("additionalProperties") {
                "additionalProperties"
            } else {
                "unevaluatedProperties"
            };
            self.error(
                loc.join("required").join(i),
                format!(
                    "`required` names {name:?}, which is not a property of this closed schema (`{keyword}: false`), so no value can be valid"
                ),
                hint,
            );
        }
    }

    fn unknown_keyword(&mut self, key: &str, loc: Loc) {
        // A vendor extension (`x-…`) can only misspell one of ours.
        let candidates: Vec<&str> = if key.starts_with("x-") {
            OURS.to_vec()
        } else {
            KEYWORDS.iter().chain(OURS).copied().collect()
        };
        if let Some(known) = near_miss(key, &candidates).filter(|_| !self.foreign) {
            self.error(
                loc,
                format!("unknown keyword `{key}`"),
                format!("did you mean `{known}`?"),
            );
        } else {
            let hint = match namespaced(key, &candidates) {
                Some(k) => Some(format!(
                    "`{k}` with a vendor's prefix; it changes nothing here"
                )),
                None => suggest(key, &candidates)
                    .map(|k| format!("if you meant `{k}`, fix the spelling")),
            };
            self.warning(
                loc,
                format!("unknown keyword `{key}` is ignored (a vendor extension?)"),
                hint,
            );
        }
    }

    /// The fields of `x-event` or `x-envelope` (checking their values is the loader's job).
    fn fields(&mut self, block: &Value, loc: &Loc, name: &str, known: &[&str]) {
        let Value::Object(map) = block else {
            return;
        };
        for key in map.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            if let Some(k) = near_miss(key, known) {
                self.error(
                    loc.join(key),
                    format!("unknown field `{key}` in `{name}`"),
                    format!("did you mean `{k}`?"),
                );
            } else {
                self.warning(
                    loc.join(key),
                    format!("unknown field `{key}` in `{name}` is ignored"),
                    Some(format!("`{name}` has {}", known.join(", "))),
                );
            }
        }
    }

    fn format(&mut self, value: &Value, loc: Loc) {
        // Anything but a string is the meta-schema's error.
        let Some(format) = value.as_str() else {
            return;
        };
        if FORMATS.contains(&format) {
            return;
        }
        let hint = match suggest(format, FORMATS) {
            Some(f) => format!("did you mean {f:?}?"),
            None => format!("known formats: {}", FORMATS.join(", ")),
        };
        self.error(loc, format!("unknown format {format:?}"), hint);
    }

    fn encoding(&mut self, value: &Value, loc: &Loc) {
        match value.as_str() {
            Some(s) if ENCODINGS.contains(&s) => {}
            Some(s) => {
                let hint = match suggest(s, ENCODINGS) {
                    Some(e) => format!("did you mean {e:?}?"),
                    None => "the only encoding is \"json-string\"".to_owned(),
                };
                self.error(loc.clone(), format!("unknown encoding {s:?}"), hint);
            }
            None => self.error(
                loc.clone(),
                format!("`x-encoding` must be a string, found {value}"),
                "the only encoding is \"json-string\"".to_owned(),
            ),
        }
    }
}

/// Compact JSON text of a value, shortened to about 60 characters.
/// What the draft 2020-12 meta-schema requires of a keyword's value, when `value` is not
/// that: the meta-schema's substance, checked without a JSON Schema validator in the build.
fn keyword_shape(key: &str, value: &Value) -> Option<&'static str> {
    let schema = |v: &Value| v.is_object() || v.is_boolean();
    let count = |v: &Value| v.as_u64().is_some();
    let unique_strings = |v: &Value| {
        v.as_array().is_some_and(|a| {
            let mut seen = std::collections::HashSet::with_capacity(a.len());
            a.iter().all(|x| x.as_str().is_some_and(|s| seen.insert(s)))
        })
    };
    const TYPES: &[&str] = &[
        "array", "boolean", "integer", "null", "number", "object", "string",
    ];
    let simple_type = |v: &Value| v.as_str().is_some_and(|t| TYPES.contains(&t));
    let (ok, expected) = match key {
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => (
            value.as_object().is_some_and(|m| m.values().all(schema)),
            "an object of schemas",
        ),
        "additionalProperties" | "unevaluatedProperties" | "items" | "contains" | "not"
        | "if" | "then" | "else" | "propertyNames" | "unevaluatedItems" | "contentSchema" => {
            (schema(value), "a schema (an object or a boolean)")
        }
        "allOf" | "anyOf" | "oneOf" | "prefixItems" => (
            value
                .as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(schema)),
            "a non-empty array of schemas",
        ),
        "minLength" | "maxLength" | "minItems" | "maxItems" | "minContains" | "maxContains"
        | "minProperties" | "maxProperties" => (count(value), "a non-negative integer"),
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
            (value.is_number(), "a number")
        }
        "multipleOf" => (
            value.as_f64().is_some_and(|n| n > 0.0),
            "a number greater than 0",
        ),
        "pattern" | "format" | "title" | "description" | "$comment" | "$ref" | "$anchor"
        | "$dynamicRef" | "$dynamicAnchor" | "contentMediaType" | "contentEncoding"
        | "$schema" | "$id" => (value.is_string(), "a string"),
        "uniqueItems" | "deprecated" | "readOnly" | "writeOnly" => {
            (value.is_boolean(), "a boolean")
        }
        "type" => (
            simple_type(value)
                || (unique_strings(value)
                    && value.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(simple_type))),
            "one of the JSON types (array, boolean, integer, null, number, object, string) or a non-empty array of distinct ones",
        ),
        "required" => (unique_strings(value), "an array of distinct strings"),
        "enum" | "examples" => (value.is_array(), "an array"),
        "dependentRequired" => (
            value
                .as_object()
                .is_some_and(|m| m.values().all(unique_strings)),
            "an object of arrays of distinct strings",
        ),
        _ => (true, ""),
    };
    (!ok).then_some(expected)
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// Something a value does against its schema.
#[derive(Debug)]
struct Violation {
    /// JSON pointer inside the value.
    at: String,
    message: String,
    /// The valid spelling, where there is one to suggest.
    hint: Option<String>,
    /// A value of another type altogether (the least close of misses).
    wrong_type: bool,
}

/// A structural check of a value against a schema: `type`, `enum`, `const`, `required`,
/// `properties`, `additionalProperties`, `items`, `prefixItems`, lengths, sizes, bounds,
/// `uniqueItems`, `allOf` / `anyOf` / `oneOf` and `$ref`, with `x-encoding: json-string`
/// values read as the JSON inside the string. What it does not check (`pattern`, `format`,
/// `not`, `if`, `patternProperties`, `unevaluatedProperties`, `multipleOf`, …) passes, so a
/// value it rejects is one that full validation rejects too.
struct Check<'a> {
    docs: &'a BTreeMap<String, Doc>,
}

/// How deep `$ref`s and nesting are followed.
const MAX_DEPTH: usize = 48;

impl Check<'_> {
    fn target(&self, uri: &str) -> Option<&Value> {
        let (rel, fragment) = split_uri(uri)?;
        self.docs.get(rel)?.json.pointer(&percent_decode(fragment))
    }

    fn passes(&self, schema: &Value, value: &Value, depth: usize) -> Vec<Violation> {
        let mut out = Vec::new();
        self.value(schema, value, "", false, depth, &mut out);
        out
    }

    /// Adds what is wrong with `value` (at `at` in the checked value) to `out`; a `const`
    /// of the schema itself is left out with `skip_const` (to check that `const`).
    fn value(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        skip_const: bool,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let mut fail = |message: String, hint: Option<String>| {
            out.push(Violation {
                at: at.to_owned(),
                message,
                hint,
                wrong_type: false,
            })
        };
        let map = match schema {
            Value::Bool(false) => {
                return fail("the schema is `false`, which no value matches".into(), None)
            }
            Value::Object(map) if depth < MAX_DEPTH => map,
            _ => return,
        };
        let parsed;
        let value = match (map.get("x-encoding").and_then(Value::as_str), value) {
            (Some("json-string"), Value::String(text)) => match serde_json::from_str(text) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(e) => {
                    return fail(
                        format!("the string is not JSON text (`x-encoding: json-string`): {e}"),
                        None,
                    )
                }
            },
            _ => value,
        };
        if let Some(target) = map
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|u| self.target(u))
        {
            self.value(target, value, at, false, depth + 1, out);
        }
        let mut fail = |message: String, hint: Option<String>| {
            out.push(Violation {
                at: at.to_owned(),
                message,
                hint,
                wrong_type: false,
            })
        };
        if let Some(ty) = map.get("type") {
            let names: Vec<&str> = match ty {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.is_empty() && !names.iter().any(|t| has_type(value, t)) {
                let expected = names.join(" or ");
                return out.push(Violation {
                    at: at.to_owned(),
                    message: format!("expected {expected}, found {}", kind(value)),
                    hint: type_hint(value, &names),
                    wrong_type: true,
                });
            }
        }
        values_and_bounds(map, value, skip_const, &mut fail);
        match value {
            Value::Array(items) => self.array(map, items, at, depth, out),
            Value::Object(fields) => self.object(map, fields, at, depth, out),
            _ => {}
        }
        if let Some(Value::Array(members)) = map.get("allOf") {
            for m in members {
                self.value(m, value, at, false, depth + 1, out);
            }
        }
        self.unions(map, value, at, depth, out);
    }

    /// `anyOf` and `oneOf`: one violation naming the closest alternative when none passes.
    fn unions(
        &self,
        map: &Map<String, Value>,
        value: &Value,
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        for keyword in ["anyOf", "oneOf"] {
            let Some(Value::Array(members)) = map.get(keyword) else {
                continue;
            };
            let results: Vec<Vec<Violation>> = members
                .iter()
                .map(|m| self.passes(m, value, depth + 1))
                .collect();
            if results.iter().any(Vec::is_empty) || results.is_empty() {
                continue;
            }
            let closest = results
                .into_iter()
                .min_by_key(|v| (v.iter().all(|v| v.wrong_type), v.len()))
                .and_then(|v| v.into_iter().next());
            out.push(Violation {
                at: at.to_owned(),
                message: format!(
                    "matches none of the `{keyword}` alternatives{}",
                    closest
                        .as_ref()
                        .map(|c| format!(" (the closest: {}{})", c.message, in_place(&c.at)))
                        .unwrap_or_default()
                ),
                hint: closest.and_then(|c| c.hint),
                wrong_type: false,
            });
        }
    }

    fn array(
        &self,
        map: &Map<String, Value>,
        items: &[Value],
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        if map.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in items.iter().enumerate() {
                if let Some(j) = items[..i].iter().position(|b| same(a, b)) {
                    out.push(Violation {
                        at: at.to_owned(),
                        message: format!("items {j} and {i} are equal, against `uniqueItems`"),
                        hint: None,
                        wrong_type: false,
                    });
                    break;
                }
            }
        }
        let prefix = match map.get("prefixItems") {
            Some(Value::Array(p)) => p.as_slice(),
            _ => &[],
        };
        for (i, item) in items.iter().enumerate() {
            let schema = prefix.get(i).or_else(|| map.get("items"));
            if let Some(schema) = schema {
                let here = crate::error::pointer_push(at, i);
                self.value(schema, item, &here, false, depth + 1, out);
            }
        }
    }

    fn object(
        &self,
        map: &Map<String, Value>,
        fields: &Map<String, Value>,
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let empty = Map::new();
        let props = match map.get("properties") {
            Some(Value::Object(p)) => p,
            _ => &empty,
        };
        if let Some(Value::Array(required)) = map.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    out.push(Violation {
                        at: at.to_owned(),
                        message: format!("the required property {name:?} is missing"),
                        hint: None,
                        wrong_type: false,
                    });
                }
            }
        }
        let names: Vec<&str> = props.keys().map(String::as_str).collect();
        for (name, v) in fields {
            let here = crate::error::pointer_push(at, name);
            if let Some(schema) = props.get(name) {
                self.value(schema, v, &here, false, depth + 1, out);
                continue;
            }
            // A pattern could admit the field: not checked.
            if map.contains_key("patternProperties") {
                continue;
            }
            match map.get("additionalProperties") {
                Some(Value::Bool(false)) => out.push(Violation {
                    at: here,
                    message: format!(
                        "property {name:?} is not allowed (`additionalProperties: false`)"
                    ),
                    hint: suggest(name, &names).map(|n| format!("did you mean {n:?}?")),
                    wrong_type: false,
                }),
                Some(schema) => self.value(schema, v, &here, false, depth + 1, out),
                None => {}
            }
        }
    }
}

/// ` at /x` for a non-empty pointer.
fn in_place(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" at {at}")
    }
}

/// Whether a value is of a JSON Schema type (an unknown type name is the meta-schema's
/// business: it passes here).
fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => match value {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => true,
    }
}

fn kind(value: &Value) -> String {
    let name = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!("{name} {}", short(value))
}

/// `5` written as `"5"` (or the other way round): the spelling of the expected type.
fn type_hint(value: &Value, expected: &[&str]) -> Option<String> {
    match value {
        Value::String(s) => {
            let inner: Value = serde_json::from_str(s).ok()?;
            expected
                .iter()
                .any(|t| *t != "string" && has_type(&inner, t))
                .then(|| format!("write {inner} without the quotes"))
        }
        Value::Number(_) | Value::Bool(_) if expected.contains(&"string") => {
            Some(format!("write \"{value}\" in quotes"))
        }
        _ => None,
    }
}

/// JSON equality, with numbers compared by value (`1` and `1.0` are the same number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `enum`, `const` (unless `skip_const`), numeric bounds and the sizes of strings, arrays
/// and objects: what is wrong with `value` goes to `fail` (message, hint).
fn values_and_bounds(
    map: &Map<String, Value>,
    value: &Value,
    skip_const: bool,
    fail: &mut impl FnMut(String, Option<String>),
) {
    if let Some(Value::Array(allowed)) = map.get("enum") {
        if !allowed.iter().any(|a| same(a, value)) {
            let strings: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            let hint = value
                .as_str()
                .and_then(|s| suggest(s, &strings))
                .map(|s| format!("did you mean {s:?}?"));
            fail(
                format!(
                    "{} is not one of {}",
                    short(value),
                    short(&Value::Array(allowed.clone()))
                ),
                hint,
            );
        }
    }
    if let (Some(c), false) = (map.get("const"), skip_const) {
        if !same(c, value) {
            fail(
                format!("{} is not the constant {}", short(value), short(c)),
                Some(format!("write {}", short(c))),
            );
        }
    }
    let bound = |k: &str| map.get(k).and_then(Value::as_f64);
    if let Some(n) = value.as_f64() {
        for (keyword, broken) in [
            ("minimum", bound("minimum").filter(|m| n < *m)),
            ("maximum", bound("maximum").filter(|m| n > *m)),
            (
                "exclusiveMinimum",
                bound("exclusiveMinimum").filter(|m| n <= *m),
            ),
            (
                "exclusiveMaximum",
                bound("exclusiveMaximum").filter(|m| n >= *m),
            ),
        ] {
            if let Some(m) = broken {
                fail(format!("{} breaks `{keyword}: {m}`", short(value)), None);
            }
        }
    }
    let size = |k: &str| map.get(k).and_then(Value::as_u64);
    let mut sizes = |what: &str, len: usize, min: &str, max: &str| {
        let len = len as u64;
        if let Some(m) = size(min).filter(|m| len < *m) {
            fail(format!("{len} {what}, fewer than `{min}: {m}`"), None);
        }
        if let Some(m) = size(max).filter(|m| len > *m) {
            fail(format!("{len} {what}, more than `{max}: {m}`"), None);
        }
    };
    match value {
        Value::String(s) => sizes("characters", s.chars().count(), "minLength", "maxLength"),
        Value::Array(items) => sizes("items", items.len(), "minItems", "maxItems"),
        Value::Object(fields) => {
            sizes("properties", fields.len(), "minProperties", "maxProperties")
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        assert_eq!(near_miss("requird", KEYWORDS), Some("required"));
        assert_eq!(near_miss("tsAdditionalProperties", KEYWORDS), None);
        assert_eq!(near_miss("mnItems", KEYWORDS), Some("minItems"));
        assert_eq!(
            near_miss("additionalproperties", KEYWORDS),
            Some("additionalProperties")
        );
        assert_eq!(
            near_miss("addtionalProperties", KEYWORDS),
            Some("additionalProperties")
        );
        assert_eq!(near_miss("readonly", KEYWORDS), Some("readOnly"));
        assert_eq!(near_miss("x-encodng", OURS), Some("x-encoding"));
        // Vendor extensions of real catalogs are not near misses.
        for vendor in [
            "javaType",
            "tsType",
            "nullable",
            "discriminator",
            "propertyOrder",
            "typeof",
        ] {
            assert_eq!(near_miss(vendor, KEYWORDS), None, "{vendor}");
        }
        for vendor in ["x-deprecated", "x-go-type", "x-order", "x-title"] {
            assert_eq!(near_miss(vendor, OURS), None, "{vendor}");
        }
    }
}
