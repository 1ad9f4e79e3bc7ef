//! Validating JSON payloads against the contracts, with the `jsonschema` crate.
//!
//! A payload is dispatched on its envelope type and version fields to the schema of that
//! event and major version; the schema it is checked against is the envelope and the event
//! file composed the way the generator composes them. Fields marked
//! `"x-encoding": "json-string"` are accepted in both spellings: a string is parsed as JSON
//! first, then the value is validated.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use events_codegen::error::{Error, Errors, Loc};
use events_codegen::ir::{Catalog, IntTy, Ty, TypeKind};
use events_codegen::schema::{Payload, Position, SchemaSet};

use crate::tape::{Doc, TapeJson, TapeNode};

/// One broken rule in a payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer of the offending value in the payload (`/items/0/quantity`).
    pub path: String,
    /// The rule broken: a JSON Schema keyword (`required`, `type`, `enum`, …) or one of ours
    /// (`event_type`, `version`, `x-encoding`).
    pub rule: String,
    /// Human-readable explanation.
    pub message: String,
    /// The offending value, when there is one: a string of more than
    /// [`events_rt::MAX_ECHO`] characters, or an array or object whose JSON text is longer,
    /// is cut to a string of that many characters and `… (N bytes)` ([`bounded`]).
    pub value: Option<Value>,
}

/// A value to echo in a report: itself when it is short, else a string of its first
/// [`events_rt::MAX_ECHO`] characters (of its JSON text, for arrays and objects) and its
/// size. The JSON text of a huge value is never built whole.
pub fn bounded(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(events_rt::echo(s)),
        Value::Array(_) | Value::Object(_) => {
            let mut w = Head {
                kept: Vec::new(),
                total: 0,
            };
            // Writing to `Head` cannot fail.
            let _ = serde_json::to_writer(&mut w, value);
            let text = String::from_utf8_lossy(&w.kept);
            match events_rt::cut(&text, events_rt::MAX_ECHO) {
                std::borrow::Cow::Borrowed(_) if w.total == w.kept.len() => value.clone(),
                _ => {
                    let shown: String = text.chars().take(events_rt::MAX_ECHO).collect();
                    Value::String(format!("{shown}… ({} bytes)", w.total))
                }
            }
        }
        other => other.clone(),
    }
}

/// Keeps the first bytes written, counts the rest.
struct Head {
    kept: Vec<u8>,
    total: usize,
}

impl std::io::Write for Head {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Enough bytes for MAX_ECHO characters of any width.
        let room = (events_rt::MAX_ECHO * 4 + 4).saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&buf[..buf.len().min(room)]);
        self.total += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The result of validating one payload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Event type the payload was dispatched to, when it named a known one.
    pub event_type: Option<String>,
    /// Major version it was checked against.
    pub major: Option<u32>,
    /// Everything wrong with it; empty when valid.
    pub violations: Vec<Violation>,
}

impl Report {
    /// The violations in one line: at most five `path: message` (each at most 300 bytes),
    /// then how many more.
    pub fn summary(&self) -> String {
        const SHOWN: usize = 5;
        let mut out: Vec<String> = self
            .violations
            .iter()
            .take(SHOWN)
            .map(|v| {
                let at = if v.path.is_empty() { "/" } else { &v.path };
                let mut m = format!("{at}: {}", v.message);
                if m.len() > 300 {
                    let cut = (0..=300)
                        .rev()
                        .find(|&i| m.is_char_boundary(i))
                        .unwrap_or(0);
                    m.truncate(cut);
                    m.push('…');
                }
                m
            })
            .collect();
        if self.violations.len() > SHOWN {
            out.push(format!("and {} more", self.violations.len() - SHOWN));
        }
        out.join("; ")
    }

    /// No violations.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One event and major version: its composed schema, compiled on first use.
struct Compiled {
    schema: Value,
    validator: OnceLock<Result<jsonschema::Validator, String>>,
    /// The same schema compiled for documents read as a [`Doc`] (the quick path).
    tape: OnceLock<Option<jsonschema::Validator<TapeJson>>>,
    embedded: Vec<String>,
    struct_name: String,
    /// The typed walk's plan of the event's struct.
    plan: Plan,
    loc: Loc,
}

/// Validates payloads against every event of a schema set.
pub struct Validator {
    type_field: String,
    version_path: Vec<String>,
    /// Event type → compiled schemas by major version (looked up by `&str` on the hot path).
    events: HashMap<String, Vec<(u32, Compiled)>>,
    known: Vec<String>,
    catalog: Catalog,
    /// The typed walk's plans of the named types it looks into.
    plans: Vec<NamedPlan>,
    /// The set's schema files, by the URI a `$ref` names them with.
    registry: jsonschema::Registry<'static>,
    formats: bool,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("events", &self.known)
            .finish()
    }
}

impl Validator {
    /// Compiles a validator per event and major version; a schema that does not compile
    /// is an error naming its file.
    pub fn new(set: &SchemaSet) -> Result<Self, Errors> {
        let validator = Self::lazy(set, events_codegen::catalog(set)?)?;
        let errors: Vec<Error> = validator
            .catalog
            .events
            .iter()
            .filter_map(|e| {
                let c = validator.compiled(&e.def.event_type, e.def.major)?;
                let message = validator.compile(c).err()?;
                Some(Error::new(c.loc.clone(), message.to_owned()))
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(validator)
    }

    /// A validator that compiles the schema of an event and major version when a payload
    /// first needs it (what a run over a few event types of a large catalog wants), from
    /// the set's checked model ([`events_codegen::load_with_catalog`] gives both). A schema
    /// that does not compile is a violation of each payload dispatched to it (rule
    /// `schema`).
    pub fn lazy(set: &SchemaSet, catalog: Catalog) -> Result<Self, Errors> {
        let mut registry = jsonschema::Registry::new();
        for doc in set.files() {
            registry = registry
                .add(SchemaSet::uri(&doc.rel), doc.json.clone())
                .map_err(|e| {
                    Errors::from(Error::new(
                        Loc::file(&doc.file),
                        format!("cannot register schema: {e}"),
                    ))
                })?;
        }
        let registry = registry.prepare().map_err(|e| {
            Errors::from(Error::new(
                set.loc(&set.envelope.rel),
                format!("cannot resolve schemas: {e}"),
            ))
        })?;
        let (planner, plans) = Planner::plans(&catalog);
        let mut events: HashMap<String, Vec<(u32, Compiled)>> = HashMap::new();
        for event in &catalog.events {
            let schema = compose(set, &event.def.schema_ref(), &event.def.event_type);
            events
                .entry(event.def.event_type.clone())
                .or_default()
                .push((
                    event.def.major,
                    Compiled {
                        schema,
                        validator: OnceLock::new(),
                        tape: OnceLock::new(),
                        embedded: event.embedded.clone(),
                        struct_name: event.struct_name.clone(),
                        plan: planner.plan(&Ty::Named(event.struct_name.clone())),
                        loc: event.loc.clone(),
                    },
                ));
        }
        let mut known: Vec<String> = events.keys().cloned().collect();
        known.sort();
        Ok(Self {
            type_field: set.envelope.type_field.clone(),
            version_path: set.envelope.version_path.clone(),
            events,
            known,
            plans,
            catalog,
            registry,
            formats: !set.is_foreign(),
        })
    }

    /// The compiled schema of an event and major version (compiled now if it was not).
    fn compile<'c>(&self, c: &'c Compiled) -> Result<&'c jsonschema::Validator, &'c str> {
        c.validator
            .get_or_init(|| {
                jsonschema::options()
                    .with_registry(&self.registry)
                    .should_validate_formats(self.formats)
                    .build(&c.schema)
                    .map_err(|e| format!("cannot compile the schema: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }

    fn compiled(&self, event_type: &str, major: u32) -> Option<&Compiled> {
        self.events
            .get(event_type)?
            .iter()
            .find(|(m, _)| *m == major)
            .map(|(_, c)| c)
    }

    /// Every known event type.
    pub fn event_types(&self) -> &[String] {
        &self.known
    }

    /// The checked model the validator was built from.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Validates a Redis stream entry's field/value pairs: values are read back into JSON
    /// by the type of their field (integers, booleans as Go's `ParseBool`, JSON text of
    /// objects and arrays), then validated like a JSON payload. A value that does not fit
    /// its type stays a string, so the report names the field and the broken rule.
    ///
    /// A field that appears twice is a violation naming it (the typed decoder refuses it;
    /// never "the last one wins").
    pub fn validate_fields<K: AsRef<str>, V: AsRef<str>>(&self, fields: &[(K, V)]) -> Report {
        let mut report = self.validate_owned(self.fields_to_json(fields));
        let mut seen = HashSet::new();
        for (k, _) in fields {
            let k = k.as_ref();
            if !seen.insert(k) {
                report.violations.insert(
                    0,
                    Violation {
                        path: events_rt::echo_owned(pointer(k)),
                        rule: "duplicate-key".into(),
                        message: events_rt::echo_owned(format!(
                            "duplicate field {k:?} in the entry: a field may appear once; \
                             the typed decoder refuses a duplicate field"
                        )),
                        value: None,
                    },
                );
            }
        }
        report
    }

    /// The JSON document a field map stands for (see [`Validator::validate_fields`]).
    pub fn fields_to_json<K: AsRef<str>, V: AsRef<str>>(&self, fields: &[(K, V)]) -> Value {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k.as_ref() == name)
                .map(|(_, v)| v.as_ref())
        };
        let version = match self.version_path.as_slice() {
            [] => None,
            [name] => get(name).map(str::to_owned),
            [name, rest @ ..] => get(name)
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .and_then(|v| at_path(&v, rest).and_then(Value::as_str).map(str::to_owned)),
        };
        let major = match version {
            None => Some(1),
            Some(v) => events_rt::parse_major(&v),
        };
        let compiled = get(&self.type_field)
            .zip(major)
            .and_then(|(t, m)| self.compiled(t, m));
        let def =
            compiled.and_then(
                |c| match self.catalog.types.get(&c.struct_name).map(|d| &d.kind) {
                    Some(TypeKind::Struct(s)) => Some(s),
                    _ => None,
                },
            );
        let mut out = Map::new();
        for (k, v) in fields {
            let (k, v) = (k.as_ref(), v.as_ref());
            let field = def.and_then(|s| s.fields.iter().find(|f| f.json_name == k));
            let value = match field {
                Some(f) if f.nullable && v == "null" => Value::Null,
                Some(f) => text_to_json(&self.catalog, &f.ty, v),
                None => Value::String(v.to_owned()),
            };
            out.insert(k.to_owned(), value);
        }
        Value::Object(out)
    }

    /// Validates one payload.
    pub fn validate(&self, payload: &Value) -> Report {
        let (compiled, mut report) = match self.start(payload) {
            Ok(started) => started,
            Err(stopped) => return stopped,
        };
        if !needs_decoding(compiled, payload) {
            return self.check_doc(compiled, payload, report);
        }
        let mut decoded = payload.clone();
        decode_embedded(compiled, &mut decoded, &mut report.violations);
        self.check_doc(compiled, &decoded, report)
    }

    /// Validates one payload it may change: JSON text in a string field is read in place
    /// (no copy of the payload). The report is the one [`Validator::validate`] gives.
    pub fn validate_owned(&self, mut payload: Value) -> Report {
        let (compiled, mut report) = match self.start(&payload) {
            Ok(started) => started,
            Err(stopped) => return stopped,
        };
        decode_embedded(compiled, &mut payload, &mut report.violations);
        self.check_doc(compiled, &payload, report)
    }

    /// The contract a payload is dispatched to and its report so far, or the report of a
    /// payload that is not dispatched.
    fn start(&self, payload: &Value) -> Result<(&Compiled, Report), Report> {
        match self.dispatch(payload) {
            Ok((event_type, major, compiled)) => Ok((
                compiled,
                Report {
                    event_type: Some(event_type.to_owned()),
                    major: Some(major),
                    violations: Vec::new(),
                },
            )),
            Err(stop) => {
                let (violation, event_type) = *stop;
                Err(Report {
                    event_type,
                    major: None,
                    violations: vec![violation],
                })
            }
        }
    }

    /// Checks a dispatched document (JSON text in strings already read) against its
    /// contract and the Rust types, adding to `report`.
    fn check_doc(&self, compiled: &Compiled, doc: &Value, mut report: Report) -> Report {
        // What JSON Schema calls an integer and the typed decoder does not read: `1.0`,
        // `1e2`, `-0`, or a value out of the range of the generated Rust integer type.
        let mut typed = Vec::new();
        Typed::new(&self.plans, &mut typed, String::new()).walk(&compiled.plan, doc, 0);
        let schema = match self.compile(compiled) {
            Ok(schema) => schema,
            Err(message) => {
                report.violations.push(Violation {
                    path: String::new(),
                    rule: "schema".into(),
                    message: format!(
                        "{} v{}: {message} ({})",
                        report.event_type.as_deref().unwrap_or_default(),
                        report.major.unwrap_or_default(),
                        compiled.loc.file
                    ),
                    value: None,
                });
                return report;
            }
        };
        if schema.is_valid(doc) {
            report.violations.extend(typed);
            return report;
        }
        let schema_errors = report.violations.len();
        for e in schema.iter_errors(doc) {
            report.violations.push(Violation {
                path: events_rt::echo_owned(e.instance_path().as_str().to_owned()),
                rule: e.kind().keyword().to_owned(),
                message: events_rt::echo_owned(e.to_string()),
                value: Some(bounded(e.instance())),
            });
        }
        // After the schema's own rules; a place the schema already faults once is enough.
        let faulted: HashSet<String> = report.violations[schema_errors..]
            .iter()
            .map(|v| v.path.clone())
            .collect();
        report
            .violations
            .extend(typed.into_iter().filter(|v| !faulted.contains(&v.path)));
        report
    }

    /// The event type, major version and compiled contract a payload is dispatched to, or
    /// the violation that stops it (with the event type when that much was known).
    fn dispatch<'p>(&self, payload: &'p Value) -> Result<(&'p str, u32, &Compiled), Stop> {
        let fail = |path: String, rule: &str, message: String, value: Option<&Value>| Violation {
            path,
            rule: rule.to_owned(),
            message: events_rt::echo_owned(message),
            value: value.map(bounded),
        };
        let Some(object) = payload.as_object() else {
            let message = "an event must be a JSON object".into();
            return Err(Box::new((
                fail(String::new(), "type", message, Some(payload)),
                None,
            )));
        };
        let event_type: &str = match object.get(&self.type_field) {
            Some(Value::String(t)) => t,
            None => {
                let message = format!("missing the event type field {:?}", self.type_field);
                return Err(Box::new((
                    fail(String::new(), "required", message, None),
                    None,
                )));
            }
            Some(other) => {
                let message = "the event type must be a string".into();
                return Err(Box::new((
                    fail(pointer(&self.type_field), "type", message, Some(other)),
                    None,
                )));
            }
        };
        let version = match self.version_path.split_first() {
            Some((first, rest)) => object.get(first).and_then(|v| at_path(v, rest)),
            None => None,
        };
        let major = match version {
            None => 1,
            Some(v) => match v.as_str().and_then(events_rt::parse_major) {
                Some(m) => m,
                None => {
                    let message = "the version must be a `major.minor` string".into();
                    return Err(Box::new((
                        fail(self.version_pointer(), "version", message, Some(v)),
                        None,
                    )));
                }
            },
        };
        let Some(majors) = self.events.get(event_type) else {
            let names: Vec<&str> = self.known.iter().map(String::as_str).collect();
            let hint = events_rt::nearest_of(event_type, &names)
                .map(|n| format!(" (did you mean {n:?}?)"))
                .unwrap_or_default();
            let message = format!("unknown event type {event_type:?}{hint}");
            let value = Value::String(event_type.to_owned());
            return Err(Box::new((
                fail(
                    pointer(&self.type_field),
                    "event_type",
                    message,
                    Some(&value),
                ),
                None,
            )));
        };
        match majors.iter().find(|(m, _)| *m == major) {
            Some((_, compiled)) => Ok((event_type, major, compiled)),
            None => {
                let message = format!("{event_type} has no contract for major version {major}");
                Err(Box::new((
                    fail(self.version_pointer(), "version", message, None),
                    Some(event_type.to_owned()),
                )))
            }
        }
    }
}

/// The quick path: a JSON text read once into a [`Doc`] (strings borrowed, no
/// `serde_json::Value`), dispatched, walked and checked against the schema in place.
impl Validator {
    /// Whether a JSON text is certainly a valid event: `true` only when [`Validator::validate`]
    /// of the document it holds would report no violation. `false` means "not sure" (invalid,
    /// or a text or schema the quick path leaves alone): validate the document on the full
    /// path, which says what is wrong.
    pub fn accepts(&self, text: &[u8]) -> bool {
        Doc::parse(text).is_some_and(|doc| self.accepts_doc(doc))
    }

    /// [`Validator::accepts`] of a document already read.
    pub fn accepts_doc(&self, mut doc: Doc<'_>) -> bool {
        let Some(compiled) = self.dispatch_doc(doc.root()) else {
            return false;
        };
        // JSON text in strings, read in place as the full path reads it.
        for p in &compiled.embedded {
            if doc.decode_in_place(p).is_none() {
                return false;
            }
        }
        let Some(schema) = compiled.tape.get_or_init(|| {
            jsonschema::options_for::<TapeJson>()
                .with_registry(&self.registry)
                .should_validate_formats(self.formats)
                .build(&compiled.schema)
                .ok()
        }) else {
            return false;
        };
        self.clean(&compiled.plan, doc.root(), 0) && schema.is_valid(doc.root())
    }

    /// The contract a document is dispatched to, as [`Validator::dispatch`] finds it.
    fn dispatch_doc(&self, root: TapeNode<'_, '_>) -> Option<&Compiled> {
        let event_type = root.member(&self.type_field)?.str()?;
        let version = self.version_path.split_first().and_then(|(first, rest)| {
            rest.iter()
                .try_fold(root.member(first)?, |v, name| v.member(name))
        });
        let major = match version {
            None => 1,
            Some(v) => events_rt::parse_major(v.str()?)?,
        };
        self.compiled(event_type, major)
    }

    /// Whether the typed walk ([`Typed::walk`]) finds nothing in a node: the same plan, the
    /// same depths; JSON text left in a string is "not sure".
    fn clean(&self, plan: &Plan, node: TapeNode<'_, '_>, depth: usize) -> bool {
        if depth > MAX_TYPED_DEPTH {
            return true;
        }
        let deeper = |plan: &Plan, node| self.clean(plan, node, depth + 1);
        match plan {
            Plan::Skip => true,
            Plan::Int(t) => node.number().is_none_or(|n| {
                let (lo, hi) = int_range(*t);
                as_integer(n).is_some_and(|i| (lo..=hi).contains(&i))
            }),
            Plan::Option(inner) => node.null() || deeper(inner, node),
            Plan::Embedded(inner) => node.str().is_none() && deeper(inner, node),
            Plan::Items(inner) => node.elements().all(|e| deeper(inner, e)),
            Plan::Values(inner) => node.members().all(|(_, v)| deeper(inner, v)),
            Plan::Tuple(plans) => plans.iter().zip(node.elements()).all(|(p, e)| deeper(p, e)),
            Plan::Named(_) if !node.is_object() => true,
            Plan::Named(i) => match &self.plans[*i] {
                NamedPlan::Struct { fields, extra } => {
                    fields.iter().all(|f| {
                        node.member(&f.name)
                            .is_none_or(|v| (f.nullable && v.null()) || deeper(&f.plan, v))
                    }) && extra.as_ref().is_none_or(|(plan, declared)| {
                        node.members()
                            .filter(|(k, _)| !declared.iter().any(|d| d == k))
                            .all(|(_, v)| deeper(plan, v))
                    })
                }
                NamedPlan::Tagged { tag, variants } => {
                    let chosen = node
                        .member(tag)
                        .and_then(|t| t.str())
                        .and_then(|t| variants.iter().find(|(v, _)| v == t));
                    chosen.is_none_or(|(_, plan)| deeper(plan, node))
                }
            },
        }
    }
}

/// Why a payload is not dispatched: the violation, and the event type when that much was
/// known (boxed: the error path is the rare one).
type Stop = Box<(Violation, Option<String>)>;

/// Whether a field of the payload marked `"x-encoding": "json-string"` holds a string.
fn needs_decoding(compiled: &Compiled, payload: &Value) -> bool {
    compiled
        .embedded
        .iter()
        .any(|p| payload.pointer(p).is_some_and(Value::is_string))
}

/// Reads, in place, each `"x-encoding": "json-string"` field of the payload that holds a
/// string (as the decoder reads it: a key twice is an error, pushed to `violations`, and
/// the string stays).
fn decode_embedded(compiled: &Compiled, payload: &mut Value, violations: &mut Vec<Violation>) {
    for p in &compiled.embedded {
        if let Some(slot) = payload.pointer_mut(p) {
            if let Value::String(text) = slot {
                match crate::json::from_str(text) {
                    Ok(v) => *slot = v,
                    Err(e) => violations.push(Violation {
                        path: p.clone(),
                        rule: "x-encoding".to_owned(),
                        message: events_rt::echo_owned(format!(
                            "not valid JSON inside the string: {e}"
                        )),
                        value: Some(bounded(slot)),
                    }),
                }
            }
        }
    }
}

/// A number as the typed decoder reads an integer: written with digits only (serde_json
/// read it as an `i64` or a `u64`), else `None` (`1.0`, `1e2`, `-0`, or too large).
fn as_integer(n: &serde_json::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// The range of a generated integer type.
fn int_range(t: IntTy) -> (i128, i128) {
    match t {
        IntTy::I8 => (i8::MIN.into(), i8::MAX.into()),
        IntTy::I16 => (i16::MIN.into(), i16::MAX.into()),
        IntTy::I32 => (i32::MIN.into(), i32::MAX.into()),
        IntTy::I64 => (i64::MIN.into(), i64::MAX.into()),
        IntTy::U8 => (0, u8::MAX.into()),
        IntTy::U16 => (0, u16::MAX.into()),
        IntTy::U32 => (0, u32::MAX.into()),
        IntTy::U64 => (0, u64::MAX.into()),
    }
}

/// Deeper than this, the typed walk stops (recursive types).
const MAX_TYPED_DEPTH: usize = 64;

/// What the typed walk checks in a value of one type. Built once per validator from the
/// catalog, so that the walk looks no type up by name and skips every value that holds
/// nothing to check (no integer, Unix time or JSON text in a string, at any depth).
#[derive(Debug, Clone, PartialEq)]
enum Plan {
    /// Nothing to check in it.
    Skip,
    /// An integer of this Rust type.
    Int(IntTy),
    /// `Option<T>` in item or variant position: `null` is fine.
    Option(Box<Plan>),
    /// JSON text in a string (read for duplicate keys, then walked), or the value itself.
    Embedded(Box<Plan>),
    /// Every item of an array.
    Items(Box<Plan>),
    /// Every value of a map.
    Values(Box<Plan>),
    /// The items of a tuple, each by its own plan.
    Tuple(Vec<Plan>),
    /// A named type: its index in the validator's named plans.
    Named(usize),
}

/// The typed walk's plan of a named type that holds something to check.
#[derive(Debug)]
enum NamedPlan {
    Struct {
        /// The fields with something to check, looked up by name.
        fields: Vec<FieldPlan>,
        /// Extra properties, when their type holds something to check, with the names of
        /// every declared field (which are not extra).
        extra: Option<(Plan, Vec<String>)>,
    },
    /// The variant the tag names is walked; the decoder tries untagged ones in turn, so
    /// they are not walked.
    Tagged {
        tag: String,
        variants: Vec<(String, Plan)>,
    },
}

#[derive(Debug)]
struct FieldPlan {
    name: String,
    nullable: bool,
    plan: Plan,
}

/// The plans of the named types of a catalog that hold something to check, and a way to
/// plan any type of it.
struct Planner {
    index: HashMap<String, usize>,
}

impl Planner {
    /// Plans every named type of `catalog` that the walk looks into.
    fn plans(catalog: &Catalog) -> (Self, Vec<NamedPlan>) {
        let walked = walked_types(catalog);
        let mut names: Vec<&String> = walked.iter().collect();
        names.sort();
        let planner = Planner {
            index: names
                .iter()
                .enumerate()
                .map(|(i, n)| ((*n).clone(), i))
                .collect(),
        };
        let plans = names
            .iter()
            .map(|name| match catalog.types.get(*name).map(|d| &d.kind) {
                Some(TypeKind::Struct(s)) => NamedPlan::Struct {
                    fields: s
                        .fields
                        .iter()
                        .map(|f| FieldPlan {
                            name: f.json_name.clone(),
                            nullable: f.nullable,
                            plan: planner.plan(&f.ty),
                        })
                        .filter(|f| f.plan != Plan::Skip)
                        .collect(),
                    extra: s
                        .extra
                        .as_ref()
                        .map(|t| planner.plan(t))
                        .filter(|p| *p != Plan::Skip)
                        .map(|p| (p, s.fields.iter().map(|f| f.json_name.clone()).collect())),
                },
                Some(TypeKind::Tagged { tag, variants }) => NamedPlan::Tagged {
                    tag: tag.clone(),
                    variants: variants
                        .iter()
                        .map(|v| (v.value.clone(), planner.plan(&v.ty)))
                        .collect(),
                },
                // Only structs and tagged unions are walked.
                _ => NamedPlan::Struct {
                    fields: Vec::new(),
                    extra: None,
                },
            })
            .collect();
        (planner, plans)
    }

    /// The plan of a type.
    fn plan(&self, ty: &Ty) -> Plan {
        let inner = |t: &Ty, wrap: fn(Box<Plan>) -> Plan| match self.plan(t) {
            Plan::Skip => Plan::Skip,
            p => wrap(Box::new(p)),
        };
        match ty {
            Ty::Int(t) => Plan::Int(*t),
            Ty::UnixTime => Plan::Int(IntTy::I64),
            Ty::Embedded(t) => Plan::Embedded(Box::new(self.plan(t))),
            Ty::Option(t) => inner(t, Plan::Option),
            Ty::Vec(t) => inner(t, Plan::Items),
            Ty::Map(t) | Ty::KeyedMap(_, t) => inner(t, Plan::Values),
            Ty::Tuple(ts) => {
                let plans: Vec<Plan> = ts.iter().map(|t| self.plan(t)).collect();
                if plans.iter().all(|p| *p == Plan::Skip) {
                    Plan::Skip
                } else {
                    Plan::Tuple(plans)
                }
            }
            Ty::Named(name) => self.index.get(name).map_or(Plan::Skip, |i| Plan::Named(*i)),
            _ => Plan::Skip,
        }
    }
}

/// The named types of a catalog in which the typed walk can find something.
fn walked_types(catalog: &Catalog) -> HashSet<String> {
    let mut walked = HashSet::new();
    // A fixpoint: a type joins when one of its parts is walked; recursive types settle.
    loop {
        let before = walked.len();
        for (name, def) in &catalog.types {
            if walked.contains(name) {
                continue;
            }
            let found = match &def.kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().any(|f| is_walked(&walked, &f.ty))
                        || s.extra.as_ref().is_some_and(|t| is_walked(&walked, t))
                }
                TypeKind::Tagged { variants, .. } => {
                    variants.iter().any(|v| is_walked(&walked, &v.ty))
                }
                // Untagged variants are tried in turn by the decoder: not walked.
                TypeKind::Enum(_) | TypeKind::Untagged(_) => false,
            };
            if found {
                walked.insert(name.clone());
            }
        }
        if walked.len() == before {
            return walked;
        }
    }
}

/// Whether the typed walk can find something in a value of type `ty`.
fn is_walked(walked: &HashSet<String>, ty: &Ty) -> bool {
    match ty {
        Ty::Int(_) | Ty::UnixTime | Ty::Embedded(_) => true,
        Ty::Option(t) | Ty::Vec(t) | Ty::Map(t) | Ty::KeyedMap(_, t) => is_walked(walked, t),
        Ty::Tuple(ts) => ts.iter().any(|t| is_walked(walked, t)),
        Ty::Named(name) => walked.contains(name),
        _ => false,
    }
}

/// One step of the place the typed walk is at.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// Walks a document along the plan of the Rust types generated for it, checking what JSON
/// Schema cannot see: how integers are spelled and whether they fit their Rust type. The
/// place is a stack of borrowed steps; its JSON pointer is written only for a violation.
struct Typed<'a, 'v> {
    plans: &'a [NamedPlan],
    out: &'a mut Vec<Violation>,
    /// The pointer of the value this walk started at (inside JSON text, the string's).
    base: String,
    steps: Vec<Step<'v>>,
}

impl<'a, 'v> Typed<'a, 'v> {
    fn new(plans: &'a [NamedPlan], out: &'a mut Vec<Violation>, base: String) -> Self {
        Typed {
            plans,
            out,
            base,
            steps: Vec::new(),
        }
    }

    /// The JSON pointer of the place the walk is at.
    fn pointer(&self) -> String {
        let mut p = self.base.clone();
        for step in &self.steps {
            match step {
                Step::Key(k) => p = events_codegen::error::pointer_push(&p, k),
                Step::Index(i) => {
                    use std::fmt::Write;
                    let _ = write!(p, "/{i}");
                }
            }
        }
        p
    }

    fn walk(&mut self, plan: &Plan, value: &'v Value, depth: usize) {
        if depth > MAX_TYPED_DEPTH {
            return;
        }
        match (plan, value) {
            (Plan::Int(t), Value::Number(n)) => self.int(*t, n, value),
            (Plan::Option(inner), v) if !v.is_null() => self.walk(inner, v, depth + 1),
            (Plan::Embedded(inner), Value::String(text)) => self.embedded(inner, text, depth),
            (Plan::Embedded(inner), v) => self.walk(inner, v, depth + 1),
            (Plan::Items(inner), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.step(Step::Index(i), inner, item, depth);
                }
            }
            (Plan::Values(inner), Value::Object(m)) => {
                for (k, v) in m {
                    self.step(Step::Key(k), inner, v, depth);
                }
            }
            (Plan::Tuple(plans), Value::Array(items)) => {
                for (i, (p, item)) in plans.iter().zip(items).enumerate() {
                    self.step(Step::Index(i), p, item, depth);
                }
            }
            (Plan::Named(i), Value::Object(m)) => match &self.plans[*i] {
                NamedPlan::Struct { fields, extra } => {
                    for f in fields {
                        if let Some((k, v)) = m.get_key_value(&f.name) {
                            if !(f.nullable && v.is_null()) {
                                self.step(Step::Key(k), &f.plan, v, depth);
                            }
                        }
                    }
                    if let Some((plan, declared)) = extra {
                        for (k, v) in m {
                            if !declared.contains(k) {
                                self.step(Step::Key(k), plan, v, depth);
                            }
                        }
                    }
                }
                NamedPlan::Tagged { tag, variants } => {
                    let chosen = m
                        .get(tag)
                        .and_then(Value::as_str)
                        .and_then(|t| variants.iter().find(|(v, _)| v == t));
                    if let Some((_, plan)) = chosen {
                        self.walk(plan, value, depth + 1);
                    }
                }
            },
            _ => {}
        }
    }

    /// JSON text in a string, read the way the decoder reads it: a duplicate key is a
    /// violation; the value read is walked on its own, from this place.
    fn embedded(&mut self, inner: &Plan, text: &str, depth: usize) {
        match crate::json::from_str(text) {
            Ok(v) => {
                let base = self.pointer();
                Typed::new(self.plans, self.out, base).walk(inner, &v, depth + 1);
            }
            Err(e) if e.rule == "duplicate-key" => {
                let at = self.pointer();
                self.out.push(Violation {
                    path: events_rt::echo_owned(format!("{at}{}", e.path)),
                    rule: e.rule.into(),
                    message: format!("inside the JSON text: {}", e.message),
                    value: None,
                })
            }
            // Syntax: reported by the `x-encoding` check.
            Err(_) => {}
        }
    }

    /// One step down, walked, and back.
    fn step(&mut self, step: Step<'v>, plan: &Plan, value: &'v Value, depth: usize) {
        self.steps.push(step);
        self.walk(plan, value, depth + 1);
        self.steps.pop();
    }

    fn int(&mut self, t: IntTy, n: &serde_json::Number, value: &Value) {
        let message = match as_integer(n) {
            None => format!(
                "{} is not written as an integer (digits only, no fraction, exponent or \
                 `-0`): the typed decoder reads the field as {} and refuses it",
                events_rt::echo(&n.to_string()),
                t.name()
            ),
            Some(i) => {
                let (lo, hi) = int_range(t);
                if (lo..=hi).contains(&i) {
                    return;
                }
                format!(
                    "{i} is out of range for the field's Rust type {} ({lo}..={hi})",
                    t.name()
                )
            }
        };
        let path = events_rt::echo_owned(self.pointer());
        self.out.push(Violation {
            path,
            rule: "integer".into(),
            message,
            value: Some(value.clone()),
        });
    }
}

/// The field map (Redis stream entry) of a JSON document: strings as they are, numbers
/// in Go's spelling (`100`, `0.95`), booleans `true`/`false`, `null`, and compact JSON text
/// for objects and arrays; empty for a document that is no object. The typed codec's own
/// encoder ([`events_rt::fields::to_fields`]) applied to the document.
pub fn json_to_fields(doc: &Value) -> Vec<(String, String)> {
    match doc {
        Value::Object(_) => events_rt::fields::to_fields(doc)
            .map(|fields| {
                fields
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A field-map value read back as JSON by its type; text that does not fit stays a string.
fn text_to_json(catalog: &Catalog, ty: &Ty, text: &str) -> Value {
    let keep = || Value::String(text.to_owned());
    match ty {
        Ty::Int(_) | Ty::UnixTime => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| keep()),
        // Spelled as written: `1.0` stays a float, `1` an integer.
        Ty::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .or_else(|_| text.parse::<serde_json::Number>().map(Value::Number))
            .unwrap_or_else(|_| keep()),
        Ty::F64 | Ty::F32 | Ty::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(keep, Value::Number),
        Ty::Bool => events_rt::fields::parse_bool(text).map_or_else(keep, Value::Bool),
        Ty::Option(inner) => {
            if text == "null" {
                Value::Null
            } else {
                text_to_json(catalog, inner, text)
            }
        }
        Ty::Named(n)
            if matches!(
                catalog.types.get(n).map(|d| &d.kind),
                Some(TypeKind::Enum(_))
            ) =>
        {
            keep()
        }
        Ty::Vec(_)
        | Ty::Tuple(_)
        | Ty::Map(_)
        | Ty::KeyedMap(..)
        | Ty::Named(_)
        | Ty::Any
        | Ty::AnyObject => serde_json::from_str(text).unwrap_or_else(|_| keep()),
        Ty::String
        | Ty::DateTime
        | Ty::Date
        | Ty::Uuid
        | Ty::Ipv4
        | Ty::Ipv6
        | Ty::Tag
        | Ty::Version
        | Ty::Embedded(_) => keep(),
    }
}

/// The value at a path of property names inside `value`, if every step is an object.
fn at_path<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, name| v.get(name))
}

impl Validator {
    /// JSON pointer of the version field (empty without one).
    fn version_pointer(&self) -> String {
        self.version_path.iter().fold(String::new(), |p, name| {
            events_codegen::error::pointer_push(&p, name)
        })
    }
}

fn pointer(field: &str) -> String {
    events_codegen::error::pointer_push("", field)
}

/// A self-contained schema of one event's whole document, for other tools: the composed
/// schema with every `$ref` target copied into `$defs` (so it has no outside references).
pub fn bundle(set: &SchemaSet, event_rel: &str, event_type: &str) -> Value {
    fn key_of(uri: &str) -> String {
        let raw = uri
            .strip_prefix(events_codegen::schema::URI_PREFIX)
            .unwrap_or(uri);
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
    // Only schema positions hold `$ref`s: the data of `const`, `enum`, `default` and
    // `examples` is left alone, but a property *named* `default` is a schema like any other.
    fn walk(v: &mut Value, pos: Position, set: &SchemaSet, defs: &mut Map<String, Value>) {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(uri)), Position::Schema) = (m.get("$ref").cloned(), pos)
                {
                    let key = key_of(&uri);
                    if !defs.contains_key(&key) {
                        let target = set.target(&uri).cloned();
                        if let Some(mut target) = target {
                            if let Value::Object(t) = &mut target {
                                for k in ["$schema", "$defs", "x-event", "x-envelope"] {
                                    t.remove(k);
                                }
                            }
                            defs.insert(key.clone(), Value::Null);
                            walk(&mut target, Position::Schema, set, defs);
                            defs.insert(key.clone(), target);
                        }
                    }
                    m.insert("$ref".into(), Value::String(format!("#/$defs/{key}")));
                }
                for (k, child) in m.iter_mut() {
                    match pos.child(k) {
                        Some(_) if k == "$ref" && pos == Position::Schema => {}
                        Some(at) => walk(child, at, set, defs),
                        None => {}
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, pos, set, defs)),
            _ => {}
        }
    }
    let mut doc = compose(set, event_rel, event_type);
    let mut defs = Map::new();
    walk(&mut doc, Position::Schema, set, &mut defs);
    if let Value::Object(m) = &mut doc {
        if !defs.is_empty() {
            m.insert("$defs".into(), Value::Object(defs));
        }
    }
    doc
}

/// The schema of a whole document of one event: envelope and event schema composed.
/// `event_rel` is the event's [`EventDef::schema_ref`](events_codegen::schema::EventDef::schema_ref).
pub fn compose(set: &SchemaSet, event_rel: &str, event_type: &str) -> Value {
    let env = &set.envelope;
    let env_doc = set
        .doc(&env.rel)
        .map(|d| &d.json)
        .cloned()
        .unwrap_or(Value::Null);
    // `file.json`, or `file.json#/definitions/name` for an event a catalog rule made of a
    // definition.
    let event_uri = match event_rel.contains('#') {
        true => SchemaSet::uri(event_rel),
        false => format!("{}#", SchemaSet::uri(event_rel)),
    };
    let ev_doc = set.target(&event_uri).cloned().unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    let strip = |doc: &Value, out: &mut Map<String, Value>| {
        if let Value::Object(m) = doc {
            for (k, v) in m {
                if !matches!(
                    k.as_str(),
                    "$schema" | "x-event" | "x-envelope" | "$defs" | "title"
                ) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    };
    match &env.payload {
        Payload::Flat => {
            strip(&ev_doc, &mut out);
            let mut props = env_doc
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(Value::Object(p)) = ev_doc.get("properties") {
                props.extend(p.clone());
            }
            let mut required: Vec<Value> = env_doc
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for r in ev_doc
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
            out.insert("properties".into(), Value::Object(props));
            out.insert("required".into(), Value::Array(required));
        }
        Payload::Field(field) => {
            strip(&env_doc, &mut out);
            if let Some(Value::Object(props)) = out.get_mut("properties") {
                props.insert(field.clone(), json!({ "$ref": event_uri }));
            }
        }
    }
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        let original = props.get(&env.type_field).cloned().unwrap_or(json!({}));
        props.insert(
            env.type_field.clone(),
            json!({ "allOf": [original], "const": event_type }),
        );
    }
    Value::Object(out)
}

/// The validator as the runtimes' pre-publish check: an event whose envelope breaks its
/// contract is not published.
impl events_bus::PrePublish for Validator {
    fn check(&self, _event_type: &str, json: &[u8]) -> Result<(), String> {
        let doc: Value = serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
        let report = self.validate(&doc);
        if report.is_valid() {
            Ok(())
        } else {
            Err(report.summary())
        }
    }
}
