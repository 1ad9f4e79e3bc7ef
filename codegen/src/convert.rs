//! Building the IR from a loaded schema set: type mapping, naming, `$ref`, unions, cycles.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use crate::error::{Error, Errors, Loc, Sink};
use crate::ident;
use crate::ir::{
    Caps, Catalog, EnumVariant, Event, Field, IntTy, Struct, TaggedVariant, Ty, TypeDef, TypeKind,
    UntaggedVariant,
};
use crate::schema::{ChannelKind, Payload, SchemaSet};

pub(crate) mod foreign;

/// Keywords that only annotate or constrain values: they do not change the Rust type,
/// and the validator enforces them.
const PASSIVE: &[&str] = &[
    "$schema",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
    "not",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
];

/// Keywords this module maps to Rust types.
const STRUCTURAL: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "prefixItems",
    "enum",
    "const",
    "$ref",
    "allOf",
    "anyOf",
    "oneOf",
];

/// JSON Schema keywords that shape values in ways no generated type expresses.
const UNSUPPORTED: &[&str] = &[
    "if",
    "then",
    "else",
    "dependentSchemas",
    "unevaluatedItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$anchor",
    "$id",
    "dependencies",
];

/// Keywords that may sit beside `$ref` (annotations, and definitions beside it).
const REF_SIBLINGS: &[&str] = &[
    "$schema",
    "$defs",
    "definitions",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Builds the IR of a whole schema set, collecting every error.
pub fn build(set: &SchemaSet) -> Result<Catalog, Errors> {
    build_with(set, &[])
}

/// [`build`], with schemas mapped to existing Rust types: `(schema, rust path)` pairs where
/// the schema is `file.json#/json/pointer` relative to the schema directory.
pub fn build_with(set: &SchemaSet, externs: &[(String, String)]) -> Result<Catalog, Errors> {
    let mut cx = Cx::new(set, set.is_foreign());
    let mut events = Vec::new();
    for def in &set.events {
        match cx.event_struct(def) {
            Ok(struct_name) => events.push(Event {
                loc: set.event_schema(def).0,
                key_pointer: set.key_pointer(def),
                def: def.clone(),
                embedded: Vec::new(),
                struct_name,
            }),
            Err(e) => cx.sink.push(e),
        }
    }
    if let Err(e) = cx.envelope_struct() {
        cx.sink.push(e);
    }
    let mut types = cx.types;
    for (schema, path) in externs {
        let (rel, pointer) = schema.split_once('#').unwrap_or((schema, ""));
        let loc = Loc {
            file: set.loc(rel).file,
            pointer: pointer.to_owned(),
        };
        let here = Loc::file(&"Config::extern_path".into()).join(schema);
        match cx.by_key.get(&loc).and_then(|n| types.get_mut(n)) {
            Some(def) if syn_path_ok(path) => def.extern_path = Some(path.clone()),
            Some(_) => cx.sink.push(Error::new(here, format!("{path:?} is not a Rust path"))),
            None => cx.sink.push(
                Error::new(here, format!("no generated type comes from the schema {schema:?}"))
                    .hint("name a schema that becomes a struct, an enum or a union, as `file.json#/$defs/Name` relative to the schema directory"),
            ),
        }
    }
    check_event_type_names(set, &mut cx.sink);
    check_header_objects(&types, &cx.by_key, &cx.version_locs, &mut cx.sink);
    box_cycles(&mut types);
    check_finite(&types, &mut cx.sink);
    mark_generic(&mut types, &events);
    check_wide_headers(&types, &mut cx.sink);
    decide_caps(&mut types);
    // `x-event.max_len` is the stream's: every event on the stream gets it.
    let trims: BTreeMap<String, u64> = events
        .iter()
        .filter_map(|e| Some((e.def.channel.clone(), e.def.max_len?)))
        .collect();
    // The topic settings are the topic's: every event on it gets those any of them declares.
    let mut topics: BTreeMap<String, events_rt::TopicSettings> = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| e.def.channel_kind == ChannelKind::Topic)
    {
        let t = topics.entry(e.def.channel.clone()).or_default();
        t.fill_from(&e.def.topic);
    }
    for event in &mut events {
        event.embedded = embedded_pointers(&types, &event.struct_name);
        if event.def.channel_kind == ChannelKind::Stream {
            event.def.max_len = trims.get(&event.def.channel).copied();
        }
        if let Some(t) = topics.get(&event.def.channel) {
            event.def.topic = *t;
        }
    }
    cx.sink.finish(Catalog {
        type_field: set.envelope.type_field.clone(),
        version_field: set.envelope.version_field.clone(),
        version_path: set.envelope.version_path.clone(),
        events,
        types,
    })
}

/// The type made from the root of one schema file (the types-only route).
#[derive(Debug, Clone)]
pub struct Root {
    /// The file, relative to the schema directory.
    pub rel: String,
    /// The Rust name of its root type: a generated struct or enum, or a type alias.
    /// `None` for a file of definitions only (no schema at its root).
    pub name: Option<String>,
    /// The root's type (a type alias is written when it is not [`Ty::Named`] `name`).
    pub ty: Option<Ty>,
}

/// Whether a keyword at the root of a file makes it a schema of its own, rather than a
/// holder of `$defs`/`definitions`: any JSON Schema keyword that validates (`type`,
/// `format`, `minimum`, `not`, …), not one that only annotates or holds definitions.
fn shapes_root(keyword: &str) -> bool {
    const NOT_A_SCHEMA: &[&str] = &[
        "$schema",
        "$id",
        "$defs",
        "definitions",
        "$comment",
        "$anchor",
        "$dynamicAnchor",
        "$recursiveAnchor",
        "$vocabulary",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    ];
    crate::lint::is_keyword(keyword) && !NOT_A_SCHEMA.contains(&keyword)
}

/// Builds the IR of a plain catalog (loaded with [`SchemaSet::load_types`]): one type per
/// file root, named from its `title` or its file name, plus every type it reaches; a file
/// of definitions only has each of its definitions converted.
pub fn build_types(set: &SchemaSet) -> Result<(Catalog, Vec<Root>), Errors> {
    let mut cx = Cx::new(set, true);
    let mut roots = Vec::new();
    for doc in set.docs.values() {
        let loc = Loc::file(&doc.file);
        // A file of only `$schema` (or nothing) is the schema that accepts anything; one of
        // definitions and annotations only holds definitions.
        let is_schema = match &doc.json {
            Value::Object(m) => {
                m.keys().any(|k| shapes_root(k))
                    || !(m.contains_key("$defs") || m.contains_key("definitions"))
            }
            _ => true,
        };
        if !is_schema {
            for key in ["$defs", "definitions"] {
                if let Some(Value::Object(defs)) = doc.json.get(key) {
                    for (name, schema) in defs {
                        let at = loc.join(key).join(name);
                        let hint = ref_name(&at, schema);
                        if let Err(e) = cx.ty(&at, schema, &hint) {
                            cx.sink.push(e);
                        }
                    }
                }
            }
            roots.push(Root {
                rel: doc.rel.clone(),
                name: None,
                ty: None,
            });
            continue;
        }
        let stem = doc.rel.rsplit('/').next().unwrap_or(&doc.rel);
        let stem = stem.strip_suffix(".json").unwrap_or(stem);
        let stem = stem.strip_suffix(".schema").unwrap_or(stem);
        let name = doc
            .json
            .get("title")
            .and_then(Value::as_str)
            .map_or_else(|| ident::type_name(stem), ident::type_name);
        match cx.ty(&loc, &doc.json, &name) {
            Ok(ty) => {
                // A named type is the root type (the root may be a `$ref` to it);
                // anything else gets a type alias, whose name must be free.
                let name = match &ty {
                    Ty::Named(n) => n.clone(),
                    _ => match cx.claim(&loc.join("(alias)"), &name) {
                        Ok(granted) => granted,
                        Err(e) => {
                            cx.sink.push(e);
                            name
                        }
                    },
                };
                roots.push(Root {
                    rel: doc.rel.clone(),
                    name: Some(name),
                    ty: Some(ty),
                });
            }
            Err(e) => cx.sink.push(e),
        }
    }
    let mut types = cx.types;
    box_cycles(&mut types);
    check_finite(&types, &mut cx.sink);
    decide_caps(&mut types);
    cx.sink.finish((
        Catalog {
            type_field: String::new(),
            version_field: None,
            version_path: Vec::new(),
            events: Vec::new(),
            types,
        },
        roots,
    ))
}

/// Whether `path` reads as a Rust type path (`::my_crate::Money`, `crate::money::Money`).
fn syn_path_ok(path: &str) -> bool {
    syn::parse_str::<syn::Path>(path).is_ok()
}

/// Locations of the envelope properties on the way to the version field.
fn version_locs(set: &SchemaSet) -> Vec<Loc> {
    let mut at = set.loc(&set.envelope.rel);
    set.envelope
        .version_path
        .iter()
        .map(|name| {
            at = at.join("properties").join(name);
            at.clone()
        })
        .collect()
}

/// A header object on the way to the version field holds nothing a constructor would have
/// to ask for: its other properties are optional, so a new event stamps the version alone.
fn check_header_objects(
    types: &BTreeMap<String, TypeDef>,
    by_key: &HashMap<Loc, String>,
    version_locs: &[Loc],
    sink: &mut Sink,
) {
    let Some((_, objects)) = version_locs.split_last() else {
        return;
    };
    for (i, loc) in objects.iter().enumerate() {
        let def = by_key.get(loc).and_then(|n| types.get(n));
        let Some(TypeDef {
            kind: TypeKind::Struct(s),
            ..
        }) = def
        else {
            sink.push(
                Error::new(loc.clone(), "a header object on the way to the version field must be an object schema with `properties`")
                    .hint("declare it inline in the envelope with `\"type\": \"object\"` and `properties`"),
            );
            continue;
        };
        let next = &version_locs[i + 1];
        for f in &s.fields {
            if f.loc != *next && f.required && !f.nullable {
                sink.push(
                    Error::new(f.loc.clone(), format!("{:?} is required in a header object that holds the version field", f.json_name))
                        .hint("make it optional: a new event fills the header object with the version alone"),
                );
            }
        }
    }
}

/// A header object holding the version is generic over the contract, and its serde
/// impls are derived: it may not be wide.
fn check_wide_headers(types: &BTreeMap<String, TypeDef>, sink: &mut Sink) {
    for def in types.values().filter(|d| d.generic) {
        if let TypeKind::Struct(s) = &def.kind {
            if s.fields.len() > WIDE_STRUCT {
                sink.push(
                    Error::new(
                        def.loc.clone(),
                        format!(
                            "this header object holds the version field and has {} properties; such an object may have at most {WIDE_STRUCT}",
                            s.fields.len()
                        ),
                    )
                    .hint("move the other properties into a nested object"),
                );
            }
        }
    }
}

/// Header objects holding the version field become generic over the contract.
fn mark_generic(types: &mut BTreeMap<String, TypeDef>, events: &[Event]) {
    let roots: HashSet<&str> = events
        .iter()
        .map(|e| e.struct_name.as_str())
        .chain(["Envelope"])
        .collect();
    loop {
        let generic: HashSet<String> = types
            .values()
            .filter(|d| d.generic)
            .map(|d| d.name.clone())
            .collect();
        let mut changed = false;
        for def in types.values_mut() {
            if def.generic || roots.contains(def.name.as_str()) {
                continue;
            }
            if let TypeKind::Struct(s) = &def.kind {
                if s.fields.iter().any(|f| {
                    f.ty == Ty::Version || f.ty.all_names().iter().any(|n| generic.contains(*n))
                }) {
                    def.generic = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Which of `Eq`, `Hash` and `Default` each type can derive: a fixpoint from "all" down,
/// so recursive types settle.
fn decide_caps(types: &mut BTreeMap<String, TypeDef>) {
    loop {
        let caps: HashMap<String, Caps> =
            types.values().map(|d| (d.name.clone(), d.caps)).collect();
        let named = |n: &str| caps.get(n).copied().unwrap_or(Caps::ALL);
        let mut changed = false;
        for def in types.values_mut() {
            let new = match &def.kind {
                // Nothing is known of an existing type beyond what generated code needs.
                _ if def.extern_path.is_some() => Caps {
                    eq: false,
                    hash: false,
                    default: false,
                },
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .map(|f| {
                        let c = f.ty.caps(&named);
                        // `Option` (absent or null) defaults to `None`.
                        if (!f.required || f.nullable) && !f.versioned {
                            Caps { default: true, ..c }
                        } else {
                            c
                        }
                    })
                    .chain(s.extra.iter().map(|t| Caps {
                        default: true,
                        ..t.caps(&named)
                    }))
                    .fold(Caps::ALL, Caps::and),
                TypeKind::Enum(_) => Caps {
                    eq: true,
                    hash: true,
                    default: false,
                },
                TypeKind::Tagged { variants, .. } => variants
                    .iter()
                    .map(|v| v.ty.caps(&named))
                    .fold(Caps::ALL, Caps::and),
                TypeKind::Untagged(vs) => vs
                    .iter()
                    .map(|v| v.ty.caps(&named))
                    .fold(Caps::ALL, Caps::and),
            };
            let new = match &def.kind {
                TypeKind::Struct(_) => new,
                _ => Caps {
                    default: false,
                    ..new
                },
            };
            if new != def.caps {
                def.caps = new;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Two event types that map to one Rust name (`a.b_c` and `a_b.c`) cannot both exist.
fn check_event_type_names(set: &SchemaSet, sink: &mut Sink) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for def in &set.events {
        let name = ident::type_name(&def.event_type);
        match seen.get(&name) {
            Some(other) if *other != def.event_type => sink.push(
                Error::new(
                    set.event_schema(def).0.join("x-event").join("type"),
                    format!(
                        "event type {:?} and {other:?} both become the Rust name {name}",
                        def.event_type
                    ),
                )
                .hint("rename one of the event types"),
            ),
            _ => {
                seen.insert(name, &def.event_type);
            }
        }
    }
}

struct Cx<'a> {
    set: &'a SchemaSet,
    types: BTreeMap<String, TypeDef>,
    /// Schema location (or a derived key) → the name of the type made from it.
    by_key: HashMap<Loc, String>,
    /// The reverse of `by_key`, to find name clashes.
    by_name: HashMap<String, Loc>,
    /// Properties of the envelope on the path to the version field, the field last.
    version_locs: Vec<Loc>,
    /// Schemas being converted with no struct, array or map in between (the innermost
    /// last): meeting one of them again is a loop that no Rust type can hold.
    open: Vec<Loc>,
    /// Schemas whose `allOf` is being merged (the innermost last).
    open_shapes: Vec<Loc>,
    /// A plain catalog (the types-only route): `format` is an annotation, so a formatted
    /// string stays a `String` and any value the producer wrote decodes and re-encodes.
    foreign: bool,
    sink: Sink,
}

/// The most properties one struct may have (header fields included): a sanity limit, far
/// above any real contract (wide structs compile: see [`WIDE_STRUCT`]).
pub const MAX_PROPERTIES: usize = 100_000;

/// Above this many fields a struct is *wide*: its `Serialize`, `Deserialize` and
/// `PartialEq` are written out by chunks of fields instead of derived, since rustc
/// overflows its default stack on the derived code of a few thousand fields (2,000 in a
/// debug build; measurements in `bench/README.md`). A header object holding the version
/// (generic over the contract) may not be wide.
pub const WIDE_STRUCT: usize = 256;

/// The names of the items generated for the whole catalog: no schema may take them.
const GENERATED_NAMES: &[&str] = &["Event", "EventType", "Envelope"];

/// The error for a loop of schemas with nothing in between, naming each place on it.
fn loop_error(chain: &[Loc], through: &str) -> Error {
    let names: Vec<String> = chain.iter().map(ToString::to_string).collect();
    Error::new(
        chain[0].clone(),
        format!(
            "loop through {through} with no object in between: {} → back to the start",
            names.join(" → ")
        ),
    )
    .hint("no Rust type can hold it: put an object (a struct field) on the loop, or remove a reference")
}

/// An object schema with `allOf` merged in.
#[derive(Clone)]
struct Shape<'a> {
    doc: Option<String>,
    props: Vec<Prop<'a>>,
    required: BTreeSet<String>,
    closed: bool,
    extra: Option<(Loc, &'a Value)>,
}

#[derive(Clone)]
struct Prop<'a> {
    name: String,
    loc: Loc,
    schema: &'a Value,
}

/// The schema of any value, for the extra properties of an object whose patterns differ.
static ANY_SCHEMA: Value = Value::Bool(true);

/// The patterns of `patternProperties` and their schemas, each pattern compiled as the
/// typed decoder will compile it (`regex-lite`): one it cannot is a located error.
fn check_patterns<'a>(
    loc: &Loc,
    patterns: &'a Value,
) -> Result<Vec<(&'a String, &'a Value)>, Error> {
    let Value::Object(patterns) = patterns else {
        return Err(Error::new(
            loc.join("patternProperties"),
            "`patternProperties` must be an object of patterns and schemas",
        ));
    };
    for p in patterns.keys() {
        if let Err(e) = regex_lite::Regex::new(p) {
            return Err(Error::new(
                loc.join("patternProperties").join(p),
                format!("pattern {p:?} cannot be checked: {e}"),
            )
            .hint("the typed decoder checks keys with the `regex-lite` syntax: no look-around, no Unicode classes (`\\p{…}`)"));
        }
    }
    Ok(patterns.iter().collect())
}

fn description(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

impl<'a> Cx<'a> {
    /// A context for a contract set, or (`foreign`) a catalog taken as it is.
    fn new(set: &'a SchemaSet, foreign: bool) -> Self {
        Cx {
            set,
            types: BTreeMap::new(),
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            open: Vec::new(),
            open_shapes: Vec::new(),
            version_locs: if foreign {
                Vec::new()
            } else {
                version_locs(set)
            },
            foreign,
            sink: Sink::default(),
        }
    }

    /// The envelope file as locations name it.
    fn envelope_file(&self) -> std::sync::Arc<str> {
        self.set.loc(&self.set.envelope.rel).file
    }

    /// Follows `$ref`s to the schema they name (the set's one traversal).
    fn deref(&self, loc: &Loc, schema: &'a Value) -> Result<(Loc, &'a Value), Error> {
        self.set.follow(loc, schema)
    }

    fn event_struct(&mut self, def: &crate::schema::EventDef) -> Result<String, Error> {
        let set = self.set;
        let env = &set.envelope;
        let env_doc = set.doc(&env.rel).map(|d| &d.json).unwrap_or(&Value::Null);
        let env_loc = set.loc(&env.rel);
        let (ev_loc, ev_doc) = set.event_schema(def);
        let name = ident::event_struct(&def.event_type, def.major);
        let key = ev_loc.join("x-event");
        self.claim(&key, &name)?;
        let mut shape = self.shape(&env_loc, env_doc)?;
        match &env.payload {
            Payload::Flat => {
                let payload = self.shape(&ev_loc, ev_doc)?;
                for prop in payload.props {
                    // A catalog taken as it is may repeat a header field in its events
                    // (`"type": {"const": "order.created"}`): the event's schema is the
                    // stricter one.
                    if self.foreign {
                        shape.props.retain(|p| p.name != prop.name);
                    }
                    if shape.props.iter().any(|p| p.name == prop.name) {
                        return Err(Error::new(
                            prop.loc,
                            format!("property {:?} is an envelope header field", prop.name),
                        )
                        .hint(
                            "remove it from the event: header fields come from the envelope schema",
                        ));
                    }
                    shape.props.push(prop);
                }
                shape.required.extend(payload.required);
                shape.closed = payload.closed;
                shape.extra = payload.extra;
            }
            Payload::Field(field) => {
                if let Some(p) = shape.props.iter_mut().find(|p| &p.name == field) {
                    p.loc = ev_loc.clone();
                    p.schema = ev_doc;
                }
            }
        }
        shape.doc = description(ev_doc);
        let type_field = env.type_field.clone();
        self.make_struct(&key, &name, shape, Some(&type_field))?;
        Ok(name)
    }

    /// `Envelope`: the header fields alone (the payload field left out, the type as a plain
    /// string), for reading the header of any event, known or not.
    fn envelope_struct(&mut self) -> Result<(), Error> {
        let set = self.set;
        let env = &set.envelope;
        let env_doc = set.doc(&env.rel).map(|d| &d.json).unwrap_or(&Value::Null);
        let env_loc = set.loc(&env.rel);
        let mut shape = self.shape(&env_loc, env_doc)?;
        if let Payload::Field(field) = &env.payload {
            shape.props.retain(|p| &p.name != field);
            shape.required.remove(field);
        }
        shape.closed = false;
        let key = env_loc.join("x-envelope");
        self.claim(&key, "Envelope")?;
        self.make_struct(&key, "Envelope", shape, None)?;
        Ok(())
    }

    /// Registers `name` for the schema at `key`, refusing a second schema with that name;
    /// the name granted. In a catalog taken as it is ([`Cx::foreign`]) a name another
    /// schema has is numbered instead (`Details2`), since nobody chose these names.
    fn claim(&mut self, key: &Loc, name: &str) -> Result<String, Error> {
        if self.foreign {
            let mut granted = name.to_owned();
            let mut n = 2;
            while self.by_name.get(&granted).is_some_and(|other| other != key) {
                granted = format!("{name}{n}");
                n += 1;
            }
            self.by_key.insert(key.clone(), granted.clone());
            self.by_name.insert(granted.clone(), key.clone());
            return Ok(granted);
        }
        let envelope =
            name == "Envelope" && *key == self.set.loc(&self.set.envelope.rel).join("x-envelope");
        if GENERATED_NAMES.contains(&name) && !envelope {
            return Err(Error::new(
                key.clone(),
                format!("this schema would become the Rust type {name}, a name the generator gives to the catalog's own {name}"),
            )
            .hint(format!("give it a `title` (or rename it) so that it becomes another name than {}", GENERATED_NAMES.join(", "))));
        }
        if let Some(other) = self.by_name.get(name).filter(|other| *other != key) {
            return Err(Error::new(
                key.clone(),
                format!(
                    "two different schemas both become the Rust type {name} (the other is {other})"
                ),
            )
            .hint("give one of them a distinct `title`"));
        }
        self.by_key.insert(key.clone(), name.to_owned());
        self.by_name.insert(name.to_owned(), key.clone());
        Ok(name.to_owned())
    }

    /// Refuses the JSON Schema keywords that would change the Rust type but have no mapping.
    /// Keywords outside JSON Schema (vendor extensions of real catalogs) do not change the
    /// type: the linter warns about them, and the generator leaves them alone.
    fn check_keywords(&self, loc: &Loc, map: &Map<String, Value>) -> Result<(), Error> {
        if self.foreign {
            // A catalog taken as it is: what has no exact mapping gets the nearest wider
            // type (the validator checks the rest), never an error.
            return Ok(());
        }
        for key in map.keys() {
            if key.starts_with("x-")
                || PASSIVE.contains(&key.as_str())
                || STRUCTURAL.contains(&key.as_str())
                || !UNSUPPORTED.contains(&key.as_str())
            {
                continue;
            }
            let hint = match key.as_str() {
                "prefixItems" => "use an object instead of a tuple",
                "if" | "then" | "else" => {
                    "express the alternatives with `oneOf` and a `const` discriminator"
                }
                _ => "remove it or express it with supported keywords (see the README)",
            };
            return Err(Error::new(
                loc.join(key),
                format!("`{key}` is not supported by the generator"),
            )
            .hint(hint));
        }
        Ok(())
    }

    /// The object shape of a schema, with `allOf` members merged in. A schema met again
    /// while its own `allOf` is merged is a loop (an error naming it).
    fn shape(&mut self, loc: &Loc, schema: &'a Value) -> Result<Shape<'a>, Error> {
        let (loc, schema) = self.deref(loc, schema)?;
        if let Some(start) = self.open_shapes.iter().position(|l| *l == loc) {
            return Err(loop_error(&self.open_shapes[start..], "`allOf`"));
        }
        if self.open_shapes.len() >= crate::schema::MAX_REF_DEPTH {
            return Err(Error::new(
                loc,
                format!(
                    "`allOf` nested deeper than {} schemas",
                    crate::schema::MAX_REF_DEPTH
                ),
            ));
        }
        self.open_shapes.push(loc.clone());
        let shape = self.shape_of(loc, schema);
        self.open_shapes.pop();
        shape
    }

    fn shape_of(&mut self, loc: Loc, schema: &'a Value) -> Result<Shape<'a>, Error> {
        if self.foreign && schema.is_boolean() {
            // `true` adds nothing to an object; `false` makes it unsatisfiable (no value
            // to refuse): an open shape of no properties either way.
            return Ok(Shape {
                doc: None,
                props: Vec::new(),
                required: BTreeSet::new(),
                closed: false,
                extra: None,
            });
        }
        let Some(map) = schema.as_object() else {
            return Err(Error::new(loc, "expected an object schema"));
        };
        self.check_keywords(&loc, map)?;
        let mut shape = Shape {
            doc: description(schema),
            props: Vec::new(),
            required: BTreeSet::new(),
            closed: map.get("additionalProperties") == Some(&Value::Bool(false))
                || map.get("unevaluatedProperties") == Some(&Value::Bool(false)),
            extra: None,
        };
        if let Some(t) = map.get("type") {
            // `["object", "null"]`: the null is the field's or the union's.
            let object = match t {
                Value::String(s) => s == "object",
                Value::Array(ts) => ts.iter().any(|t| t == "object"),
                _ => false,
            };
            if !object {
                return Err(Error::new(
                    loc.join("type"),
                    format!("expected an object schema, found type {t}"),
                ));
            }
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            let props_loc = loc.join("properties");
            // Schema order, not the sorted order of `Value` maps: it is field order.
            let order: HashMap<&str, usize> = self
                .set
                .key_order(&props_loc)
                .map(|o| o.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect())
                .unwrap_or_default();
            let position = |name: &str| order.get(name).copied().unwrap_or(usize::MAX);
            let mut named: Vec<(&String, &'a Value)> = props.iter().collect();
            named.sort_by_key(|(name, _)| position(name));
            for (name, schema) in named {
                shape.props.push(Prop {
                    name: name.clone(),
                    loc: props_loc.join(name),
                    schema,
                });
            }
        }
        if let Some(Value::Array(req)) = map.get("required") {
            shape
                .required
                .extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        match map.get("additionalProperties") {
            Some(v @ Value::Object(_)) | Some(v @ Value::Bool(true)) => {
                shape.extra = Some((loc.join("additionalProperties"), v));
            }
            _ => {}
        }
        // Declared properties and properties named by patterns: the ones the patterns name
        // are the extra map (of the one pattern's values, else of any value; their keys are
        // checked by the validator, not by the typed decoder).
        if let Some(patterns) = map.get("patternProperties") {
            let patterns = check_patterns(&loc, patterns)?;
            shape.closed = false;
            shape.extra = match (patterns.as_slice(), map.get("additionalProperties")) {
                ([(p, s)], None | Some(Value::Bool(false))) => {
                    Some((loc.join("patternProperties").join(p), *s))
                }
                _ => Some((loc.join("patternProperties"), &ANY_SCHEMA)),
            };
        }
        if let Some(v) = map.get("unevaluatedProperties") {
            // A catalog taken as it is: an open object (its `extra` keeps the rest).
            if v != &Value::Bool(false) && v != &Value::Bool(true) && !self.foreign {
                return Err(Error::new(loc.join("unevaluatedProperties"), "`unevaluatedProperties` with a schema is not supported")
                    .hint("use `additionalProperties` with a schema for a map, or `false` to close the object"));
            }
        }
        if let Some(Value::Array(members)) = map.get("allOf") {
            let all_loc = loc.join("allOf");
            let mut closed_members = Vec::new();
            for (i, member) in members.iter().enumerate() {
                let sub = self.shape(&all_loc.join(i), member)?;
                if sub.closed && map.get("additionalProperties") != Some(&Value::Bool(false)) {
                    let names: Vec<String> = sub.props.iter().map(|p| p.name.clone()).collect();
                    closed_members.push((all_loc.join(i), names));
                }
                let mut have: HashSet<String> =
                    shape.props.iter().map(|p| p.name.clone()).collect();
                for prop in sub.props {
                    if have.insert(prop.name.clone()) {
                        shape.props.push(prop);
                    }
                }
                shape.required.extend(sub.required);
                if shape.extra.is_none() {
                    shape.extra = sub.extra;
                }
                if shape.doc.is_none() {
                    shape.doc = sub.doc;
                }
            }
            // A catalog taken as it is: such a property can never be present, nothing else
            // changes (the struct declares more than can occur, which refuses nothing).
            if self.foreign {
                closed_members.clear();
            }
            for (member_loc, names) in closed_members {
                if let Some(other) = shape.props.iter().find(|p| !names.contains(&p.name)) {
                    return Err(Error::new(
                        member_loc,
                        format!("this `allOf` member is closed (`additionalProperties: false`), so property {:?} of another member can never be present", other.name),
                    )
                    .hint("leave the members open and put `\"unevaluatedProperties\": false` on the schema that holds the `allOf`"));
                }
            }
        }
        if self.foreign
            && shape.closed
            && map.get("additionalProperties") != Some(&Value::Bool(false))
            && self.evaluates_elsewhere(&loc, map, 0)
        {
            // `unevaluatedProperties: false` also lets through what a union, a condition or
            // a dependent schema evaluates, which the struct does not declare: open.
            shape.closed = false;
        }
        let declared: HashSet<&str> = shape.props.iter().map(|p| p.name.as_str()).collect();
        // A catalog taken as it is keeps what an open object does not declare (`extra`):
        // a required name declared elsewhere (beside a union, say) is held there.
        let keeps_unknown = self.foreign && !shape.closed;
        for name in &shape.required {
            if !declared.contains(name.as_str()) && shape.extra.is_none() && !keeps_unknown {
                return Err(Error::new(
                    loc.join("required"),
                    format!("{name:?} is required but not among the properties"),
                )
                .hint("add it to `properties` or remove it from `required`"));
            }
        }
        Ok(shape)
    }

    /// Turns a shape into a named struct (once per key).
    fn make_struct(
        &mut self,
        key: &Loc,
        name: &str,
        shape: Shape<'a>,
        tag_field: Option<&str>,
    ) -> Result<Ty, Error> {
        if let Some(beyond) = shape.props.get(MAX_PROPERTIES) {
            return Err(Error::new(
                beyond.loc.clone(),
                format!(
                    "this object has {} properties; the generator maps at most {MAX_PROPERTIES} to one struct",
                    shape.props.len()
                ),
            )
            .hint("group the properties into nested objects"));
        }
        let mut fields: Vec<Field> = Vec::with_capacity(shape.props.len());
        // Rust field name → the property that took it (linear in the number of properties).
        let mut taken: HashMap<String, String> = HashMap::with_capacity(shape.props.len());
        // A catalog taken as it is: an open object (no `additionalProperties`) keeps the
        // properties it does not declare, so a consumer that re-publishes loses nothing.
        let keep_unknown = self.foreign && !shape.closed && shape.extra.is_none();
        if self.foreign && (shape.extra.is_some() || keep_unknown) {
            // The map of additional properties is the field `extra`: a property of that
            // name is renamed (`extra_2`, the wire name kept by `serde(rename)`).
            taken.insert("extra".to_owned(), "(additional properties)".to_owned());
        }
        let mut first_error = None;
        for prop in shape.props {
            let (mut rust_name, mut raw) = ident::field_name(&prop.name);
            if self.foreign && taken.contains_key(&rust_name) {
                // A catalog taken as it is: another distinct name (the wire name is kept
                // by `serde(rename)`), punctuation spelt out, else numbered.
                (rust_name, raw) = ident::spelled_field_name(&prop.name);
                // `self_` numbered is `self_2` (snake case, as the lints want).
                let base = match rust_name.trim_end_matches('_') {
                    "" => "field".to_owned(),
                    trimmed => trimmed.to_owned(),
                };
                let mut n = 2;
                while taken.contains_key(&rust_name) {
                    rust_name = format!("{base}_{n}");
                    raw = false;
                    n += 1;
                }
            }
            if let Some(other) = taken.get(&rust_name) {
                let e = Error::new(
                    prop.loc.clone(),
                    format!(
                        "properties {:?} and {:?} both become the Rust field `{rust_name}`",
                        other, prop.name
                    ),
                )
                .hint("rename one of them");
                self.sink.push(e);
                continue;
            }
            taken.insert(rust_name.clone(), prop.name.clone());
            let required = shape.required.contains(&prop.name);
            let versioned = self.version_locs.contains(&prop.loc);
            let ty = if Some(prop.name.as_str()) == tag_field {
                Ok(Ty::Tag)
            } else if self.version_locs.last() == Some(&prop.loc) {
                Ok(Ty::Version)
            } else {
                // Header fields are named after the envelope, whichever event meets them first.
                let owner = if *prop.loc.file == *self.envelope_file() {
                    "Envelope"
                } else {
                    name
                };
                let hint = format!("{owner}{}", ident::type_name(&prop.name));
                self.ty_inside(&prop.loc, prop.schema, &hint)
            };
            let ty = match ty {
                Ok(ty) => ty,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let (ty, nullable) = match ty {
                Ty::Option(inner) => (*inner, true),
                // Any value, `null` among them: an explicit `null` stays apart from an
                // absent property (a catalog taken as it is round-trips both).
                Ty::Any if self.foreign => (Ty::Any, true),
                ty => (ty, false),
            };
            let doc = description(prop.schema).or_else(|| {
                self.deref(&prop.loc, prop.schema)
                    .ok()
                    .and_then(|(_, s)| description(s))
            });
            // An annotation-only `format` (a foreign catalog): the string stays as written,
            // an accessor reads it typed.
            let format = match (&ty, self.foreign) {
                (Ty::String, true) => self
                    .deref(&prop.loc, prop.schema)
                    .ok()
                    .and_then(|(_, s)| s.as_object())
                    .map(string_ty)
                    .filter(|t| *t != Ty::String),
                _ => None,
            };
            fields.push(Field {
                json_name: prop.name.clone(),
                rust_name,
                raw,
                ty,
                required,
                nullable,
                boxed: false,
                doc,
                default: prop.schema.get("default").cloned(),
                loc: prop.loc,
                versioned,
                format,
            });
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if let (true, Some(f)) = (
            shape.extra.is_some() || keep_unknown,
            fields.iter().find(|f| f.rust_name == "extra"),
        ) {
            return Err(Error::new(
                f.loc.clone(),
                format!("property {:?} would be the Rust field `extra`, which holds this object's additional properties (`additionalProperties`)", f.json_name),
            )
            .hint("rename the property, or describe the additional properties as a property of their own"));
        }
        let extra = match shape.extra {
            Some((loc, schema)) => Some(self.ty_inside(&loc, schema, &format!("{name}Value"))?),
            None if keep_unknown => Some(Ty::Any),
            None => None,
        };
        self.types.insert(
            name.to_owned(),
            TypeDef {
                name: name.to_owned(),
                loc: key.clone(),
                doc: shape.doc,
                kind: TypeKind::Struct(Struct {
                    fields,
                    closed: shape.closed,
                    extra,
                }),
                generic: false,
                caps: Caps::ALL,
                extern_path: None,
            },
        );
        Ok(Ty::Named(name.to_owned()))
    }

    /// The Rust type of a schema; `hint` names it if it needs a named type. A schema met
    /// again with no struct in between (through `$ref`, `oneOf`, `anyOf`, array items or
    /// map values) is a loop: an error naming it, never an endless recursion.
    fn ty(&mut self, loc: &Loc, schema: &'a Value, hint: &str) -> Result<Ty, Error> {
        if let Some(start) = self.open.iter().position(|l| l == loc) {
            return Err(loop_error(
                &self.open[start..],
                "`$ref`, `oneOf`, `anyOf`, array items or map values",
            ));
        }
        if self.open.len() >= crate::schema::MAX_REF_DEPTH {
            return Err(Error::new(
                loc.clone(),
                format!(
                    "schemas nested deeper than {} with no object in between",
                    crate::schema::MAX_REF_DEPTH
                ),
            ));
        }
        self.open.push(loc.clone());
        let ty = self.ty_open(loc, schema, hint);
        self.open.pop();
        ty
    }

    /// Converts `schema` with a fresh loop guard: a struct field (or a struct's map of
    /// additional properties) belongs to a named type, so a loop through it is a recursive
    /// struct, which Rust can hold (`Vec<Node>`, `Option<Box<Node>>`).
    fn ty_inside(&mut self, loc: &Loc, schema: &'a Value, hint: &str) -> Result<Ty, Error> {
        let outer = std::mem::take(&mut self.open);
        let ty = self.ty(loc, schema, hint);
        self.open = outer;
        ty
    }

    fn ty_open(&mut self, loc: &Loc, schema: &'a Value, hint: &str) -> Result<Ty, Error> {
        let map = match schema {
            Value::Bool(true) => return Ok(Ty::Any),
            // Nothing is valid: any type holds all of it (a catalog taken as it is).
            Value::Bool(false) if self.foreign => return Ok(Ty::Any),
            Value::Bool(false) => {
                return Err(Error::new(
                    loc.clone(),
                    "the `false` schema accepts nothing and has no type",
                ))
            }
            Value::Object(map) => map,
            _ => {
                return Err(Error::new(
                    loc.clone(),
                    "a schema must be an object or a boolean",
                ))
            }
        };
        self.check_keywords(loc, map)?;
        let hint = map
            .get("title")
            .and_then(Value::as_str)
            .map_or_else(|| hint.to_owned(), ident::type_name);
        match map.get("x-encoding") {
            None => self.ty_plain(loc, schema, map, &hint),
            Some(Value::String(s)) if s == "json-string" => {
                let inner = self.ty_plain(loc, schema, map, &hint)?;
                Ok(Ty::Embedded(Box::new(inner)))
            }
            Some(other) => Err(Error::new(
                loc.join("x-encoding"),
                format!("unknown encoding {other}"),
            )
            .hint("the only encoding is \"json-string\"")),
        }
    }

    /// [`Cx::ty`] without the `x-encoding` wrapper.
    fn ty_plain(
        &mut self,
        loc: &Loc,
        schema: &'a Value,
        map: &'a Map<String, Value>,
        hint: &str,
    ) -> Result<Ty, Error> {
        if self.foreign && (map.contains_key("$dynamicRef") || map.contains_key("$recursiveRef")) {
            // Resolved while validating, against the dynamic scope: any value here.
            return Ok(Ty::Any);
        }
        if map.get("$ref").is_some_and(Value::is_string) {
            // Vendor keywords beside `$ref` do not change the type (the linter warns).
            let json_schema = |k: &str| {
                PASSIVE.contains(&k) || STRUCTURAL.contains(&k) || UNSUPPORTED.contains(&k)
            };
            // A catalog taken as it is (2019-09 and later; the loader drops the siblings of
            // a draft-07 `$ref`): the siblings apply too, so a value is what the target
            // accepts and more is checked; the target's type holds it (never narrower).
            if let Some(k) = map.keys().find(|k| {
                *k != "$ref"
                    && json_schema(k)
                    && !REF_SIBLINGS.contains(&k.as_str())
                    && !self.foreign
            }) {
                return Err(Error::new(
                    loc.join(k),
                    format!("`{k}` beside `$ref` is not supported"),
                )
                .hint("combine the two with `allOf`"));
            }
            // The whole chain at once: a loop of references is an error here, not an
            // endless recursion.
            let (target_loc, target) = self.set.follow(loc, schema)?;
            let name = ref_name(&target_loc, target);
            return self.ty(&target_loc, target, &name);
        }
        if map.contains_key("anyOf") || map.contains_key("oneOf") {
            return self.union(loc, schema, map, hint);
        }
        if let Some(values) = map.get("enum") {
            return self.string_enum(loc, map, values, hint);
        }
        let (types, nullable) = match map.get("type") {
            None => (Vec::new(), false),
            // Only `null`: a value that is always null (an optional `Value`).
            Some(Value::String(t)) if t == "null" => (Vec::new(), true),
            Some(Value::String(t)) => (vec![t.as_str()], false),
            Some(Value::Array(ts)) => {
                let all: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
                let nullable = all.contains(&"null");
                (all.into_iter().filter(|t| *t != "null").collect(), nullable)
            }
            Some(other) => {
                return Err(Error::new(
                    loc.join("type"),
                    format!("invalid `type` {other}"),
                ))
            }
        };
        let base = match types.as_slice() {
            [] if self.foreign
                && !map.contains_key("properties")
                && map.contains_key("allOf")
                && !self.all_of_objects(loc, map, 0) =>
            {
                self.all_of_scalars(loc, map, hint)?
            }
            [] if self.foreign
                && (map.contains_key("properties") || map.contains_key("allOf"))
                && !self.all_of_object_type(loc, map) =>
            {
                self.object_or_any(loc, schema, map, hint)?
            }
            [] if map.contains_key("properties") || map.contains_key("allOf") => {
                self.object(loc, schema, map, hint)?
            }
            [] => match map.get("const") {
                // A catalog taken as it is keeps the number's spelling (`-2.0`, `1e2`).
                Some(Value::Number(_)) if self.foreign => Ty::Number,
                Some(Value::Array(_) | Value::Object(_) | Value::Null) if self.foreign => Ty::Any,
                Some(c) => const_ty(loc, c)?,
                None => Ty::Any,
            },
            [t] => self.one_type(loc, schema, map, t, hint)?,
            many => self.several_types(loc, schema, map, many, hint)?,
        };
        Ok(if nullable {
            Ty::Option(Box::new(base))
        } else {
            base
        })
    }

    /// The Rust type of one JSON type of a schema (the other keywords apply to it).
    fn one_type(
        &mut self,
        loc: &Loc,
        schema: &'a Value,
        map: &'a Map<String, Value>,
        t: &str,
        hint: &str,
    ) -> Result<Ty, Error> {
        Ok(match t {
            "object" => self.object(loc, schema, map, hint)?,
            "array" => self.array(loc, map, hint)?,
            "string" if self.foreign => Ty::String,
            "string" => string_ty(map),
            // A catalog taken as it is keeps `1.0`, which JSON Schema counts as an integer.
            "integer" if self.foreign => Ty::Integer,
            "integer" => integer_ty(loc, map)?,
            "number" if self.foreign => Ty::Number,
            "number" => match map.get("format").and_then(Value::as_str) {
                Some("float") => Ty::F32,
                _ => Ty::F64,
            },
            "boolean" => Ty::Bool,
            other => {
                return Err(Error::new(
                    loc.join("type"),
                    format!("unknown type {other:?}"),
                ))
            }
        })
    }

    /// `"type": ["string", "integer", …]`: an untagged enum with one variant per type, each
    /// with the schema's other keywords (an integer is tried before a number).
    fn several_types(
        &mut self,
        loc: &Loc,
        schema: &'a Value,
        map: &'a Map<String, Value>,
        types: &[&str],
        hint: &str,
    ) -> Result<Ty, Error> {
        if let Some(existing) = self.by_key.get(loc) {
            return Ok(Ty::Named(existing.clone()));
        }
        let granted = self.claim(loc, hint)?;
        let hint = granted.as_str();
        // Distinct: the linter refuses a type named twice.
        let mut types: Vec<&str> = types.to_vec();
        // `integer` before `number`, so that `1` stays an integer.
        types.sort_by_key(|t| (*t == "number") as u8);
        let mut variants = Vec::new();
        for t in types {
            let name = ident::type_name(t);
            let ty =
                if t == "object" && (map.contains_key("properties") || map.contains_key("allOf")) {
                    // The struct gets a key of its own: the schema's is the union's.
                    let key = loc.join("(object)");
                    match self.by_key.get(&key) {
                        Some(existing) => Ty::Named(existing.clone()),
                        None => {
                            let shape = self.shape(loc, schema)?;
                            let struct_name = self.claim(&key, &format!("{hint}Object"))?;
                            self.make_struct(&key, &struct_name, shape, None)?
                        }
                    }
                } else {
                    self.one_type(loc, schema, map, t, &format!("{hint}{name}"))?
                };
            variants.push(UntaggedVariant { name, ty });
        }
        self.types.insert(
            hint.to_owned(),
            TypeDef {
                name: hint.to_owned(),
                loc: loc.clone(),
                doc: description(schema),
                kind: TypeKind::Untagged(variants),
                generic: false,
                caps: Caps::ALL,
                extern_path: None,
            },
        );
        Ok(Ty::Named(hint.to_owned()))
    }

    fn object(
        &mut self,
        loc: &Loc,
        schema: &'a Value,
        map: &'a Map<String, Value>,
        hint: &str,
    ) -> Result<Ty, Error> {
        let has_props = map.contains_key("properties") || map.contains_key("allOf");
        if let (Some(patterns), false) = (map.get("patternProperties"), has_props) {
            return self.pattern_map(loc, map, patterns, hint);
        }
        match map.get("additionalProperties") {
            Some(s @ Value::Object(_)) if !has_props => {
                // Not a fresh guard: a map of itself with no struct in between is a
                // type alias of itself, which Rust cannot name.
                let item = self.ty(
                    &loc.join("additionalProperties"),
                    s,
                    &format!("{hint}Value"),
                )?;
                Ok(Ty::Map(Box::new(item)))
            }
            Some(Value::Bool(false)) => {
                let shape = self.shape(loc, schema)?;
                self.named(loc, hint, shape)
            }
            _ if has_props => {
                let shape = self.shape(loc, schema)?;
                self.named(loc, hint, shape)
            }
            _ => Ok(Ty::AnyObject),
        }
    }

    /// An object of `patternProperties` alone: a map. Closed (`additionalProperties:
    /// false`), its keys must match a pattern, checked when decoding; its values are of the
    /// patterns' one type (any value when they differ). Open, other keys may hold anything.
    fn pattern_map(
        &mut self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        patterns: &'a Value,
        hint: &str,
    ) -> Result<Ty, Error> {
        let patterns = check_patterns(loc, patterns)?;
        let mut tys = Vec::with_capacity(patterns.len());
        for (p, s) in &patterns {
            // Not a fresh guard, as map values: a map of itself has no struct to name it.
            tys.push(self.ty(
                &loc.join("patternProperties").join(p),
                s,
                &format!("{hint}Value"),
            )?);
        }
        let one = match tys.split_first() {
            Some((first, rest)) if rest.iter().all(|t| t == first) => first.clone(),
            _ => Ty::Any,
        };
        Ok(match map.get("additionalProperties") {
            Some(Value::Bool(false)) => Ty::KeyedMap(
                patterns.iter().map(|(p, _)| (*p).clone()).collect(),
                Box::new(one),
            ),
            Some(s @ Value::Object(_)) => {
                let other = self.ty(
                    &loc.join("additionalProperties"),
                    s,
                    &format!("{hint}Value"),
                )?;
                Ty::Map(Box::new(if other == one { one } else { Ty::Any }))
            }
            _ => Ty::Map(Box::new(Ty::Any)),
        })
    }

    fn named(&mut self, loc: &Loc, name: &str, shape: Shape<'a>) -> Result<Ty, Error> {
        if let Some(existing) = self.by_key.get(loc) {
            return Ok(Ty::Named(existing.clone()));
        }
        let name = self.claim(loc, name)?;
        self.make_struct(loc, &name, shape, None)
    }

    fn array(&mut self, loc: &Loc, map: &'a Map<String, Value>, hint: &str) -> Result<Ty, Error> {
        if let Some(prefix) = map.get("prefixItems") {
            return self.tuple(loc, map, prefix, hint);
        }
        match map.get("items") {
            None | Some(Value::Bool(true)) => Ok(Ty::Vec(Box::new(Ty::Any))),
            Some(items) => {
                // Not a fresh guard: an array of itself (`A` = `{"items": {"$ref": A}}`) has
                // no struct to name it; Rust cannot write `type A = Vec<A>`.
                let item = self.ty(&loc.join("items"), items, &format!("{hint}Item"))?;
                Ok(Ty::Vec(Box::new(item)))
            }
        }
    }

    /// `prefixItems` (a draft-07 `items: [...]` after loading): a tuple of exactly those
    /// items. More items of a schema (`items` beside it) have no Rust tuple type.
    fn tuple(
        &mut self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        prefix: &'a Value,
        hint: &str,
    ) -> Result<Ty, Error> {
        let Value::Array(items) = prefix else {
            return Err(Error::new(
                loc.join("prefixItems"),
                "`prefixItems` must be an array of schemas",
            ));
        };
        if items.is_empty() {
            return Err(Error::new(
                loc.join("prefixItems"),
                "an empty tuple has no Rust type",
            ));
        }
        if self.foreign {
            return self.foreign_tuple(loc, map, items, hint);
        }
        match map.get("items") {
            None | Some(Value::Bool(false)) => {}
            Some(_) => {
                return Err(Error::new(
                    loc.join("items"),
                    "a tuple followed by more items of a schema is not supported",
                )
                .hint(
                    "close the tuple with `\"items\": false`, or use one item schema for an array",
                ))
            }
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            // Not a fresh guard, as array items: a tuple holding itself has no struct.
            out.push(self.ty(
                &loc.join("prefixItems").join(i),
                item,
                &format!("{hint}Item{i}"),
            )?);
        }
        Ok(Ty::Tuple(out))
    }

    fn string_enum(
        &mut self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        values: &Value,
        hint: &str,
    ) -> Result<Ty, Error> {
        let Some(values) = values.as_array() else {
            return Err(Error::new(loc.join("enum"), "`enum` must be an array"));
        };
        let nullable = values.iter().any(Value::is_null);
        if self.foreign && !values.iter().all(|v| v.is_string() || v.is_null()) {
            // A catalog taken as it is: values of other kinds (numbers, arrays, objects)
            // are any value, checked by the validator.
            return Ok(Ty::Any);
        }
        let mut variants: Vec<EnumVariant> = Vec::with_capacity(values.len());
        // Variant name → index in `variants`: one lookup per value, so that a huge enum
        // converts in linear time.
        let mut taken: HashMap<String, usize> = HashMap::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            match v {
                Value::Null => {}
                Value::String(s) => {
                    let name = ident::type_name(s);
                    if self.foreign && taken.contains_key(&name) {
                        // Values alike but for punctuation: the string as it is.
                        let ty = if nullable {
                            Ty::Option(Box::new(Ty::String))
                        } else {
                            Ty::String
                        };
                        return Ok(ty);
                    }
                    if let Some(&other) = taken.get(&name) {
                        return Err(Error::new(
                            loc.join("enum").join(i),
                            format!(
                                "enum values {:?} and {s:?} both become the Rust variant {name}",
                                variants[other].value
                            ),
                        )
                        .hint("enum values must differ in more than punctuation and case"));
                    }
                    taken.insert(name.clone(), variants.len());
                    variants.push(EnumVariant {
                        name,
                        value: s.clone(),
                    });
                }
                other => {
                    return Err(Error::new(
                        loc.join("enum").join(i),
                        format!("enum value {other} is not a string"),
                    )
                    .hint(
                        "only string enums become Rust enums; use `minimum`/`maximum` for numbers",
                    ))
                }
            }
        }
        if variants.is_empty() && self.foreign {
            return Ok(Ty::Any);
        }
        if variants.is_empty() {
            return Err(Error::new(loc.join("enum"), "`enum` has no string values"));
        }
        let ty = if let Some(existing) = self.by_key.get(loc) {
            Ty::Named(existing.clone())
        } else {
            let hint = self.claim(loc, hint)?;
            self.types.insert(
                hint.clone(),
                TypeDef {
                    name: hint.clone(),
                    loc: loc.clone(),
                    doc: description(&Value::Object(map.clone())),
                    kind: TypeKind::Enum(variants),
                    generic: false,
                    caps: Caps::ALL,
                    extern_path: None,
                },
            );
            Ty::Named(hint.to_owned())
        };
        Ok(if nullable {
            Ty::Option(Box::new(ty))
        } else {
            ty
        })
    }

    fn union(
        &mut self,
        loc: &Loc,
        schema: &'a Value,
        map: &'a Map<String, Value>,
        hint: &str,
    ) -> Result<Ty, Error> {
        let (keyword, members) = match (map.get("oneOf"), map.get("anyOf")) {
            // A catalog taken as it is: both apply; any value (the validator checks).
            (Some(_), Some(_)) if self.foreign => return Ok(Ty::Any),
            (Some(_), Some(_)) => {
                return Err(Error::new(
                    loc.clone(),
                    "`oneOf` and `anyOf` together are not supported",
                )
                .hint("nest one inside `allOf`"))
            }
            (Some(Value::Array(m)), None) => ("oneOf", m),
            (None, Some(Value::Array(m))) => ("anyOf", m),
            _ => return Err(Error::new(loc.clone(), "`oneOf`/`anyOf` must be an array")),
        };
        // `type` and `additionalProperties` beside the union restate what each member says
        // (real catalogs write `"type": "object"` there): the members decide.
        let restated = |k: &str| k == "type" || k == "additionalProperties";
        // A catalog taken as it is: an object's properties beside the union apply together
        // with it, so each object member gets them too.
        let beside = |k: &str| {
            matches!(
                k,
                "properties" | "required" | "patternProperties" | "unevaluatedProperties" | "allOf"
            )
        };
        let outer = if self.foreign && map.keys().any(|k| beside(k)) {
            Some(self.shape_of(loc.clone(), schema)?)
        } else {
            None
        };
        if let Some(k) = map.keys().find(|k| {
            STRUCTURAL.contains(&k.as_str())
                && *k != keyword
                && !restated(k)
                && !(outer.is_some() && beside(k))
        }) {
            if self.foreign {
                // Not an object's properties (`prefixItems`, `items`, …): any value.
                return Ok(Ty::Any);
            }
            return Err(Error::new(
                loc.join(k),
                format!("`{k}` beside `{keyword}` is not supported"),
            )
            .hint(format!("move it into each `{keyword}` member")));
        }
        let base = loc.join(keyword);
        let mut nullable = false;
        let mut rest: Vec<(Loc, &'a Value)> = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let (mloc, resolved) = self.deref(&base.join(i), m)?;
            if is_null_schema(resolved) {
                nullable = true;
            } else {
                rest.push((base.join(i), m));
                let _ = mloc;
            }
        }
        let ty = match rest.len() {
            // Always `null`: any value holds it (a catalog taken as it is).
            0 if self.foreign => return Ok(Ty::Any),
            0 => return Err(Error::new(base, "a union of only `null` has no type")),
            1 => {
                let (l, s) = rest.remove(0);
                match &outer {
                    Some(outer) => self.member_ty(&l, s, hint, outer)?,
                    None => self.ty(&l, s, hint)?,
                }
            }
            _ => {
                if let Some(existing) = self.by_key.get(loc) {
                    Ty::Named(existing.clone())
                } else {
                    let granted = self.claim(loc, hint)?;
                    let hint = granted.as_str();
                    let kind = match self.tagged(&rest, hint, outer.as_ref())? {
                        Some(kind) => kind,
                        None => self.untagged(&rest, hint, outer.as_ref())?,
                    };
                    self.types.insert(
                        hint.to_owned(),
                        TypeDef {
                            name: hint.to_owned(),
                            loc: loc.clone(),
                            doc: map
                                .get("description")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                            kind,
                            generic: false,
                            caps: Caps::ALL,
                            extern_path: None,
                        },
                    );
                    Ty::Named(hint.to_owned())
                }
            }
        };
        Ok(if nullable {
            Ty::Option(Box::new(ty))
        } else {
            ty
        })
    }

    /// A tagged enum, if every member is an object with a `const` string in one shared property.
    /// `outer`: the object beside the union (a catalog taken as it is), merged into each
    /// member.
    fn tagged(
        &mut self,
        members: &[(Loc, &'a Value)],
        hint: &str,
        outer: Option<&Shape<'a>>,
    ) -> Result<Option<TypeKind>, Error> {
        let mut shapes = Vec::new();
        for (l, m) in members {
            let (dl, d) = self.deref(l, m)?;
            let is_object = d.get("properties").is_some()
                || d.get("type").and_then(Value::as_str) == Some("object");
            if !is_object {
                return Ok(None);
            }
            let mut shape = self.shape(l, m)?;
            if let Some(outer) = outer {
                merge_outer(&mut shape, outer);
            }
            shapes.push((dl, shape));
        }
        let const_of = |shape: &Shape<'_>, name: &str| -> Option<String> {
            let p = shape.props.iter().find(|p| p.name == name)?;
            match (p.schema.get("const"), p.schema.get("enum")) {
                (Some(Value::String(s)), _) => Some(s.clone()),
                (None, Some(Value::Array(v))) if v.len() == 1 => v[0].as_str().map(str::to_owned),
                _ => None,
            }
        };
        let candidates: Vec<String> = shapes[0].1.props.iter().map(|p| p.name.clone()).collect();
        let tag = candidates.into_iter().find(|name| {
            let values: Vec<Option<String>> =
                shapes.iter().map(|(_, s)| const_of(s, name)).collect();
            let distinct: BTreeSet<&String> = values.iter().flatten().collect();
            values.iter().all(Option::is_some) && distinct.len() == values.len()
        });
        let Some(tag) = tag else { return Ok(None) };
        let mut variants = Vec::new();
        for (dl, mut shape) in shapes {
            let value = const_of(&shape, &tag).unwrap_or_default();
            shape.props.retain(|p| p.name != tag);
            shape.required.remove(&tag);
            let vname = ident::type_name(&value);
            let struct_name = format!("{hint}{vname}");
            let key = dl.join("(variant)");
            let ty = match self.by_key.get(&key) {
                Some(existing) => Ty::Named(existing.clone()),
                None => {
                    let struct_name = self.claim(&key, &struct_name)?;
                    self.make_struct(&key, &struct_name, shape, None)?
                }
            };
            if variants.iter().any(|v: &TaggedVariant| v.name == vname) {
                return Err(Error::new(
                    dl,
                    format!("two variants become the Rust name {vname}"),
                ));
            }
            variants.push(TaggedVariant {
                name: vname,
                value,
                ty,
            });
        }
        Ok(Some(TypeKind::Tagged { tag, variants }))
    }

    fn untagged(
        &mut self,
        members: &[(Loc, &'a Value)],
        hint: &str,
        outer: Option<&Shape<'a>>,
    ) -> Result<TypeKind, Error> {
        let mut variants: Vec<UntaggedVariant> = Vec::new();
        for (i, (l, m)) in members.iter().enumerate() {
            let member_hint = format!("{hint}Variant{i}");
            let ty = match outer {
                Some(outer) => self.member_ty(l, m, &member_hint, outer)?,
                None => self.ty(l, m, &member_hint)?,
            };
            let mut name = match &ty {
                Ty::Named(n) => n
                    .strip_prefix(hint)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(n)
                    .to_owned(),
                Ty::String | Ty::DateTime | Ty::Date | Ty::Uuid => "String".to_owned(),
                Ty::Int(_) | Ty::UnixTime | Ty::Integer => "Integer".to_owned(),
                Ty::F64 | Ty::F32 | Ty::Number => "Number".to_owned(),
                Ty::Bool => "Boolean".to_owned(),
                Ty::Vec(_) => "Array".to_owned(),
                Ty::Tuple(_) => "Tuple".to_owned(),
                Ty::Map(_) | Ty::KeyedMap(..) | Ty::AnyObject => "Object".to_owned(),
                _ => format!("Variant{i}"),
            };
            if variants.iter().any(|v| v.name == name) {
                name = format!("{name}{i}");
            }
            variants.push(UntaggedVariant { name, ty });
        }
        Ok(TypeKind::Untagged(variants))
    }
}

/// Adds to a union member's shape what the object beside the union says: its properties
/// (the member's own win), its required names, its map of additional properties.
fn merge_outer<'a>(shape: &mut Shape<'a>, outer: &Shape<'a>) {
    for prop in &outer.props {
        if !shape.props.iter().any(|p| p.name == prop.name) {
            shape.props.push(prop.clone());
        }
    }
    shape.required.extend(outer.required.iter().cloned());
    shape.closed = shape.closed || outer.closed;
    if shape.extra.is_none() {
        shape.extra = outer.extra.clone();
    }
    if shape.doc.is_none() {
        shape.doc = outer.doc.clone();
    }
}

/// The type name a `$ref` target suggests: its `title`, its `$defs` key, or its file name.
fn ref_name(loc: &Loc, schema: &Value) -> String {
    if let Some(t) = schema.get("title").and_then(Value::as_str) {
        return ident::type_name(t);
    }
    if let Some(last) = loc.pointer.rsplit('/').next().filter(|s| !s.is_empty()) {
        let segment = crate::schema::pointer_segments(&format!("/{last}"))
            .next()
            .unwrap_or_default();
        return ident::type_name(&segment);
    }
    let file = loc.file.rsplit(['/', '\\']).next().unwrap_or(&loc.file);
    ident::type_name(file.trim_end_matches(".json"))
}

fn const_ty(loc: &Loc, value: &Value) -> Result<Ty, Error> {
    Ok(match value {
        Value::String(_) => Ty::String,
        Value::Bool(_) => Ty::Bool,
        Value::Number(n) if n.is_i64() || n.is_u64() => Ty::Int(IntTy::I64),
        Value::Number(_) => Ty::F64,
        _ => {
            return Err(Error::new(
                loc.join("const"),
                "only scalar `const` values are supported",
            ))
        }
    })
}

fn string_ty(map: &Map<String, Value>) -> Ty {
    match map.get("format").and_then(Value::as_str) {
        Some("date-time") => Ty::DateTime,
        Some("date") => Ty::Date,
        Some("uuid") => Ty::Uuid,
        Some("ipv4") => Ty::Ipv4,
        Some("ipv6") => Ty::Ipv6,
        _ => Ty::String,
    }
}

fn integer_ty(loc: &Loc, map: &Map<String, Value>) -> Result<Ty, Error> {
    let int = match map.get("format").and_then(Value::as_str) {
        Some("unix-time") => return Ok(Ty::UnixTime),
        Some("int8") => IntTy::I8,
        Some("int16") => IntTy::I16,
        Some("int32") => IntTy::I32,
        Some("int64") => IntTy::I64,
        Some("uint8") => IntTy::U8,
        Some("uint16") => IntTy::U16,
        Some("uint32") => IntTy::U32,
        Some("uint64") => IntTy::U64,
        Some(other) if other.starts_with("int") || other.starts_with("uint") => {
            return Err(Error::new(
                loc.join("format"),
                format!("unknown integer format {other:?}"),
            )
            .hint("use int8..int64, uint8..uint64 or unix-time"))
        }
        _ => {
            let num = |k: &str| map.get(k).and_then(Value::as_f64);
            let min = num("minimum").or_else(|| num("exclusiveMinimum").map(|m| m + 1.0));
            let max = num("maximum").or_else(|| num("exclusiveMaximum").map(|m| m - 1.0));
            IntTy::fitting(min, max)
        }
    };
    Ok(Ty::Int(int))
}

/// Boxes struct fields that would otherwise make a type contain itself.
fn box_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let edges: HashMap<String, Vec<String>> = types
        .iter()
        .map(|(name, def)| {
            let targets: Vec<String> = match &def.kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .flat_map(|f| f.ty.direct_names())
                    .map(str::to_owned)
                    .collect(),
                TypeKind::Tagged { variants, .. } => variants
                    .iter()
                    .flat_map(|v| v.ty.direct_names())
                    .map(str::to_owned)
                    .collect(),
                TypeKind::Untagged(vs) => vs
                    .iter()
                    .flat_map(|v| v.ty.direct_names())
                    .map(str::to_owned)
                    .collect(),
                TypeKind::Enum(_) => Vec::new(),
            };
            (name.clone(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (name, def) in types.iter() {
        if let TypeKind::Struct(s) = &def.kind {
            for (i, f) in s.fields.iter().enumerate() {
                if f.ty.direct_names().iter().any(|t| reaches(t, name)) {
                    to_box.push((name.clone(), i));
                }
            }
        }
    }
    for (name, i) in to_box {
        if let Some(TypeKind::Struct(s)) = types.get_mut(&name).map(|d| &mut d.kind) {
            s.fields[i].boxed = true;
        }
    }
}

/// Refuses types that need themselves to be built: a required, non-null field whose type
/// (a struct, directly or through other such fields) leads back to the type. No document
/// is ever valid against such a schema, and a derived `Default` would never return.
fn check_finite(types: &BTreeMap<String, TypeDef>, sink: &mut Sink) {
    let mut finite: HashSet<&str> = HashSet::new();
    let named_ok = |ty: &Ty, finite: &HashSet<&str>| {
        let ty = match ty {
            Ty::Embedded(inner) => inner,
            ty => ty,
        };
        match ty {
            Ty::Named(n) => !types.contains_key(n.as_str()) || finite.contains(n.as_str()),
            _ => true,
        }
    };
    loop {
        let before = finite.len();
        for (name, def) in types {
            if finite.contains(name.as_str()) {
                continue;
            }
            let ok = match &def.kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .filter(|f| f.required && !f.nullable)
                    .all(|f| named_ok(&f.ty, &finite)),
                TypeKind::Enum(_) => true,
                TypeKind::Tagged { variants, .. } => {
                    variants.iter().any(|v| named_ok(&v.ty, &finite))
                }
                TypeKind::Untagged(vs) => vs.iter().any(|v| named_ok(&v.ty, &finite)),
            };
            if ok {
                finite.insert(name);
            }
        }
        if finite.len() == before {
            break;
        }
    }
    for (name, def) in types {
        if !finite.contains(name.as_str()) {
            sink.push(
                Error::new(
                    def.loc.clone(),
                    format!("type {name} has no finite value: its required fields lead back to it"),
                )
                .hint("make one of the fields on the loop optional, nullable, or an array"),
            );
        }
    }
}

/// JSON pointers of `x-encoding: json-string` fields reachable from a struct through
/// struct fields (not through arrays or maps), for the validator to decode first.
fn embedded_pointers(types: &BTreeMap<String, TypeDef>, root: &str) -> Vec<String> {
    fn walk(
        types: &BTreeMap<String, TypeDef>,
        name: &str,
        prefix: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        let Some(TypeDef {
            kind: TypeKind::Struct(s),
            ..
        }) = types.get(name)
        else {
            return;
        };
        if depth > 8 {
            return;
        }
        for f in &s.fields {
            let path = crate::error::pointer_push(prefix, &f.json_name);
            match &f.ty {
                Ty::Embedded(_) => out.push(path),
                Ty::Named(n) => walk(types, n, &path, out, depth + 1),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(types, root, "", &mut out, 0);
    out
}

#[cfg(test)]
mod keyword_table {
    /// Keywords the loader reads besides the converter's lists.
    const CORE: &[&str] = &[
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$dynamicRef",
        "$recursiveRef",
        "$recursiveAnchor",
        "$vocabulary",
        "additionalItems",
        "dependencies",
    ];

    /// The "What the generator maps" table of `docs/schema-conventions.md` names every
    /// keyword of JSON Schema with its Rust mapping.
    #[test]
    fn the_conventions_table_maps_every_keyword() {
        let readme = include_str!("../../docs/schema-conventions.md");
        let start = readme
            .find("## What the generator maps")
            .expect("docs/schema-conventions.md has the table");
        let section = &readme[start..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| ")).collect();
        let missing: Vec<&&str> = super::PASSIVE
            .iter()
            .chain(super::STRUCTURAL)
            .chain(super::UNSUPPORTED)
            .chain(CORE)
            .filter(|k| !rows.iter().any(|r| r.contains(&format!("`{k}"))))
            .collect();
        assert!(
            missing.is_empty(),
            "the table of docs/schema-conventions.md does not name {missing:?}"
        );
    }
}
