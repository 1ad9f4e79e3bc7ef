//! Schema evolution: compare two versions of one event schema and classify every
//! difference with a named rule.
//!
//! Each rule has a fixed [`Effect`] on the set of documents the schema accepts: it widens
//! the set (new readers still read old data: backward compatible), narrows it (old readers
//! still read new data: forward compatible), leaves it alone (annotations), or breaks both.
//! Whether a change is allowed then follows from the compatibility [`Mode`]. The same
//! change can be a different rule in an open and a closed content model. What the engine
//! does not understand is [`Rule::Unclassified`] and fails closed.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use crate::validate::compose;
use events_codegen::schema::SchemaSet;

/// What a change does to the set of accepted documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Accepts the same documents (annotations).
    None,
    /// Accepts more documents: backward compatible, forward breaking.
    Widens,
    /// Accepts fewer documents: forward compatible, backward breaking.
    Narrows,
    /// Neither a superset nor a subset: breaking both ways.
    Breaks,
}

impl Effect {
    /// Short label.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::None => "none",
            Effect::Widens => "widens",
            Effect::Narrows => "narrows",
            Effect::Breaks => "breaks",
        }
    }
}

/// A compatibility mode, as in Confluent Schema Registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// No checks.
    None,
    /// New readers read data of the previous version.
    Backward,
    /// Readers of the previous version read new data.
    Forward,
    /// Both.
    Full,
    /// Backward against every kept version.
    BackwardTransitive,
    /// Forward against every kept version.
    ForwardTransitive,
    /// Full against every kept version.
    FullTransitive,
}

impl Mode {
    /// All modes, by name.
    pub const ALL: [(&'static str, Mode); 7] = [
        ("none", Mode::None),
        ("backward", Mode::Backward),
        ("forward", Mode::Forward),
        ("full", Mode::Full),
        ("backward_transitive", Mode::BackwardTransitive),
        ("forward_transitive", Mode::ForwardTransitive),
        ("full_transitive", Mode::FullTransitive),
    ];

    /// Parses `backward`, `full_transitive`, … (case-insensitive, `-` or `_`).
    pub fn parse(s: &str) -> Option<Mode> {
        let s = s.to_ascii_lowercase().replace('-', "_");
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, m)| *m)
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("none", |(n, _)| n)
    }

    /// Whether every kept version is checked, not only the previous one.
    pub fn transitive(self) -> bool {
        matches!(
            self,
            Mode::BackwardTransitive | Mode::ForwardTransitive | Mode::FullTransitive
        )
    }

    /// Whether a change with this effect is allowed.
    pub fn allows(self, effect: Effect) -> bool {
        match self {
            Mode::None => true,
            Mode::Backward | Mode::BackwardTransitive => {
                matches!(effect, Effect::None | Effect::Widens)
            }
            Mode::Forward | Mode::ForwardTransitive => {
                matches!(effect, Effect::None | Effect::Narrows)
            }
            Mode::Full | Mode::FullTransitive => effect == Effect::None,
        }
    }
}

mod arrays;
mod composition;
mod numbers;
mod objects;
mod references;
mod rules;
mod types;

pub use rules::Rule;

/// One classified difference.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The rule.
    pub rule: Rule,
    /// JSON pointer into the (composed) schema.
    pub path: String,
    /// JSON pointer of the affected place in documents, when there is one.
    pub instance_path: Option<String>,
    /// Value in the old schema (keyword value or subschema), if any.
    pub old: Option<Value>,
    /// Value in the new schema, if any.
    pub new: Option<Value>,
}

/// Compares the whole-document schemas of one event in two schema sets.
pub fn diff_event(
    old: &SchemaSet,
    old_rel: &str,
    new: &SchemaSet,
    new_rel: &str,
    event_type: &str,
) -> Vec<Change> {
    let o = compose(old, old_rel, event_type);
    let n = compose(new, new_rel, event_type);
    diff_schemas(old, &o, new, &n)
}

/// Compares two schemas whose `$ref`s resolve in `old_set` and `new_set`.
pub fn diff_schemas(
    old_set: &SchemaSet,
    old: &Value,
    new_set: &SchemaSet,
    new: &Value,
) -> Vec<Change> {
    let mut d = Differ {
        old_set,
        new_set,
        seen: HashSet::new(),
        nested: 0,
        around: Around::default(),
        out: Vec::new(),
    };
    d.schema("", Some(String::new()), old, new);
    d.out
}

struct Differ<'a> {
    old_set: &'a SchemaSet,
    new_set: &'a SchemaSet,
    /// `$ref` pairs compared, with what applied beside them (recursive schemas end there).
    seen: HashSet<(String, String, String)>,
    /// How many [`Differ::compare`]s and [`Differ::accepts_all`]s this comparison is nested in
    /// (each starts its own `seen`, so that a recursive schema ends on [`MAX_NESTED`]).
    nested: usize,
    /// What applies beside the next schema compared, at the same place in the document
    /// (set for `allOf`/`anyOf`/`oneOf` members, taken by [`Differ::schema`]).
    around: Around,
    out: Vec<Change>,
}

/// The deepest nesting of comparisons made on their own ([`Differ::compare`],
/// [`Differ::accepts_all`]); deeper, the engine cannot tell (unclassified, or not within).
const MAX_NESTED: usize = 6;

const ANNOTATIONS: &[(&str, Rule)] = &[
    ("description", Rule::DescriptionChanged),
    ("title", Rule::TitleChanged),
    ("default", Rule::DefaultChanged),
    ("examples", Rule::ExamplesChanged),
    ("$comment", Rule::CommentChanged),
    ("deprecated", Rule::DeprecatedChanged),
    ("readOnly", Rule::ReadOnlyChanged),
    ("writeOnly", Rule::ReadOnlyChanged),
];

/// (keyword, added, removed, increased, decreased)
const BOUNDS: &[(&str, Rule, Rule, Rule, Rule)] = &[
    (
        "maxLength",
        Rule::MaxLengthAdded,
        Rule::MaxLengthRemoved,
        Rule::MaxLengthIncreased,
        Rule::MaxLengthDecreased,
    ),
    (
        "minLength",
        Rule::MinLengthAdded,
        Rule::MinLengthRemoved,
        Rule::MinLengthIncreased,
        Rule::MinLengthDecreased,
    ),
    (
        "maximum",
        Rule::MaximumAdded,
        Rule::MaximumRemoved,
        Rule::MaximumIncreased,
        Rule::MaximumDecreased,
    ),
    (
        "minimum",
        Rule::MinimumAdded,
        Rule::MinimumRemoved,
        Rule::MinimumIncreased,
        Rule::MinimumDecreased,
    ),
    (
        "exclusiveMaximum",
        Rule::ExclusiveMaximumAdded,
        Rule::ExclusiveMaximumRemoved,
        Rule::ExclusiveMaximumIncreased,
        Rule::ExclusiveMaximumDecreased,
    ),
    (
        "exclusiveMinimum",
        Rule::ExclusiveMinimumAdded,
        Rule::ExclusiveMinimumRemoved,
        Rule::ExclusiveMinimumIncreased,
        Rule::ExclusiveMinimumDecreased,
    ),
    (
        "maxProperties",
        Rule::MaxPropertiesAdded,
        Rule::MaxPropertiesRemoved,
        Rule::MaxPropertiesIncreased,
        Rule::MaxPropertiesDecreased,
    ),
    (
        "minProperties",
        Rule::MinPropertiesAdded,
        Rule::MinPropertiesRemoved,
        Rule::MinPropertiesIncreased,
        Rule::MinPropertiesDecreased,
    ),
    (
        "maxItems",
        Rule::MaxItemsAdded,
        Rule::MaxItemsRemoved,
        Rule::MaxItemsIncreased,
        Rule::MaxItemsDecreased,
    ),
    (
        "minItems",
        Rule::MinItemsAdded,
        Rule::MinItemsRemoved,
        Rule::MinItemsIncreased,
        Rule::MinItemsDecreased,
    ),
    (
        "maxContains",
        Rule::MaxContainsAdded,
        Rule::MaxContainsRemoved,
        Rule::MaxContainsIncreased,
        Rule::MaxContainsDecreased,
    ),
    (
        "minContains",
        Rule::MinContainsAdded,
        Rule::MinContainsRemoved,
        Rule::MinContainsIncreased,
        Rule::MinContainsDecreased,
    ),
];

/// (keyword, added, removed, changed)
const SIMPLE: &[(&str, Rule, Rule, Rule)] = &[
    (
        "pattern",
        Rule::PatternAdded,
        Rule::PatternRemoved,
        Rule::PatternChanged,
    ),
    (
        "format",
        Rule::FormatAdded,
        Rule::FormatRemoved,
        Rule::FormatChanged,
    ),
    (
        "const",
        Rule::ConstAdded,
        Rule::ConstRemoved,
        Rule::ConstChanged,
    ),
];

/// Keywords this module compares; a difference in any other keyword is unclassified.
const HANDLED: &[&str] = &[
    "$schema",
    "$ref",
    "$defs",
    "definitions",
    "type",
    "enum",
    "const",
    "pattern",
    "format",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "maxProperties",
    "minProperties",
    "maxItems",
    "minItems",
    "maxContains",
    "minContains",
    "properties",
    "required",
    "additionalProperties",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "items",
    "prefixItems",
    "contains",
    "uniqueItems",
    "unevaluatedItems",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "x-encoding",
    "x-event",
    "x-envelope",
];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

fn type_set(m: &Map<String, Value>) -> Option<BTreeSet<&str>> {
    match m.get("type")? {
        Value::String(t) => Some(std::iter::once(t.as_str()).collect()),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

fn covers(set: &BTreeSet<&str>, t: &str) -> bool {
    set.contains(t) || (t == "integer" && set.contains("number"))
}

fn subset(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> bool {
    a.iter().all(|t| covers(b, t))
}

/// What a schema (with its `allOf` members and `$ref` targets) plainly requires, for telling
/// `oneOf` members apart.
#[derive(Default)]
struct Facts {
    /// `false` somewhere: nothing matches.
    never: bool,
    /// The JSON types allowed (`None`: any).
    types: Option<BTreeSet<&'static str>>,
    /// The values allowed by `const`/`enum` (`None`: any).
    values: Option<Vec<Value>>,
    required: BTreeSet<String>,
    /// Property subschemas, possibly several per name.
    props: Vec<(String, Value)>,
}

/// The JSON type of a value, integers (also `1.0`) apart from other numbers.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON Schema equality: numbers by value.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn types_meet(a: &BTreeSet<&'static str>, b: &BTreeSet<&'static str>) -> BTreeSet<&'static str> {
    a.iter()
        .filter(|t| covers(b, t))
        .chain(b.iter().filter(|t| covers(a, t)))
        .copied()
        .collect()
}

impl Facts {
    fn of(set: &SchemaSet, v: &Value) -> Facts {
        let mut f = Facts::default();
        f.add(set, v, 0);
        if let Some(values) = &f.values {
            let types: BTreeSet<&'static str> = values.iter().map(type_of).collect();
            f.types = Some(match &f.types {
                Some(t) => types_meet(t, &types),
                None => types,
            });
        }
        f
    }

    fn add(&mut self, set: &SchemaSet, v: &Value, depth: usize) {
        let m = match v {
            Value::Bool(false) => {
                self.never = true;
                return;
            }
            Value::Object(m) if depth < 16 => m,
            _ => return,
        };
        if let Some(t) = m
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|u| set.target(u))
        {
            self.add(set, t, depth + 1);
        }
        if let Some(types) = type_set(m) {
            let types: BTreeSet<&'static str> = TYPES
                .iter()
                .copied()
                .filter(|t| types.contains(t))
                .collect();
            self.types = Some(match &self.types {
                Some(t) => types_meet(t, &types),
                None => types,
            });
        }
        let allowed: Option<Vec<Value>> = match (m.get("const"), m.get("enum")) {
            (Some(c), _) => Some(vec![c.clone()]),
            (None, Some(Value::Array(e))) => Some(e.clone()),
            _ => None,
        };
        if let Some(allowed) = allowed {
            self.values = Some(match self.values.take() {
                Some(old) => old
                    .into_iter()
                    .filter(|x| allowed.iter().any(|y| same_value(x, y)))
                    .collect(),
                None => allowed,
            });
        }
        self.required.extend(
            m.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
        for (name, s) in object_at(m, "properties") {
            self.props.push((name.clone(), s.clone()));
        }
        for member in m
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.add(set, member, depth + 1);
        }
    }

    fn allows_type(&self, v: &Value) -> bool {
        self.types.as_ref().is_none_or(|t| covers(t, type_of(v)))
    }

    fn only_objects(&self) -> bool {
        self.types
            .as_ref()
            .is_some_and(|t| t.iter().all(|t| *t == "object"))
    }
}

/// Whether no document matches both `a` (resolved in `sa`) and `b` (in `sb`), as far as the
/// JSON types, `const`/`enum` values, or a property both constrain to disjoint schemas (where
/// one of them requires it and one admits only objects) tell.
fn disjoint(sa: &SchemaSet, a: &Value, sb: &SchemaSet, b: &Value, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let (fa, fb) = (Facts::of(sa, a), Facts::of(sb, b));
    if fa.never || fb.never {
        return true;
    }
    if let (Some(ta), Some(tb)) = (&fa.types, &fb.types) {
        if types_meet(ta, tb).is_empty() {
            return true;
        }
    }
    if let Some(va) = &fa.values {
        if va.iter().all(|x| {
            !fb.allows_type(x)
                || fb
                    .values
                    .as_ref()
                    .is_some_and(|vb| !vb.iter().any(|y| same_value(x, y)))
        }) {
            return true;
        }
    }
    if let Some(vb) = &fb.values {
        if vb.iter().all(|y| !fa.allows_type(y)) {
            return true;
        }
    }
    if fa.only_objects() || fb.only_objects() {
        for (name, pa) in &fa.props {
            let required = fa.required.contains(name) || fb.required.contains(name);
            if required
                && fb
                    .props
                    .iter()
                    .any(|(nb, pb)| nb == name && disjoint(sa, pa, sb, pb, depth + 1))
            {
                return true;
            }
        }
    }
    false
}

/// Whether `v` has a `$ref` and, beside it, a keyword that validates (not an annotation, not an
/// `x-` keyword but `x-encoding`).
fn has_live_siblings(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.contains_key("$ref")
            && m.keys().any(|k| {
                k != "$ref"
                    && !ANNOTATIONS.iter().any(|(a, _)| a == k)
                    && !(k.starts_with("x-") && k != "x-encoding")
            })
    })
}

/// `{"$ref": r, …}` as `{"allOf": [{"$ref": r}, …], …}`: the same schema.
fn ref_as_all_of(v: &Value) -> Value {
    let Some(m) = v.as_object().filter(|m| m.contains_key("$ref")) else {
        return v.clone();
    };
    let mut m = m.clone();
    let mut members = vec![Value::Object(m.remove_entry("$ref").into_iter().collect())];
    if let Some(Value::Array(rest)) = m.remove("allOf") {
        members.extend(rest);
    }
    m.insert("allOf".into(), Value::Array(members));
    Value::Object(m)
}

fn has_ref(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("$ref") || m.values().any(has_ref),
        Value::Array(a) => a.iter().any(has_ref),
        _ => false,
    }
}

fn is_empty_schema(v: &Value) -> bool {
    match v {
        Value::Bool(true) => true,
        Value::Object(m) => m.keys().all(|k| ANNOTATIONS.iter().any(|(a, _)| a == k)),
        _ => false,
    }
}

/// Open (anything extra allowed), closed (`false`), partially open (a schema), or unknown
/// (another subschema may or may not evaluate the name).
enum Model<'a> {
    Open,
    Closed,
    Partial(&'a Value),
    Unknown,
}

fn model_of(v: &Value) -> Model<'_> {
    match v {
        Value::Bool(true) => Model::Open,
        Value::Bool(false) => Model::Closed,
        v if is_empty_schema(v) => Model::Open,
        v => Model::Partial(v),
    }
}

/// The property names subschemas at one place in the document evaluate: surely (`properties`
/// of the schema and of its `allOf` members) or maybe (through `anyOf`, `oneOf`,
/// `dependentSchemas` or a conditional); `all_*`: every name, through `additionalProperties` or
/// `unevaluatedProperties` of such a subschema.
#[derive(Clone, Default, Debug)]
struct Names {
    sure: BTreeSet<String>,
    maybe: BTreeSet<String>,
    all_sure: bool,
    all_maybe: bool,
}

impl Names {
    fn extend(&mut self, other: &Names) {
        self.sure.extend(other.sure.iter().cloned());
        self.maybe.extend(other.maybe.iter().cloned());
        self.all_sure |= other.all_sure;
        self.all_maybe |= other.all_maybe;
    }

    fn is_empty(&self) -> bool {
        self.sure.is_empty() && self.maybe.is_empty() && !self.all_sure && !self.all_maybe
    }

    /// Open where `name` is surely evaluated, unknown where maybe, else `model`.
    fn model_for<'m>(&self, name: &str, model: Model<'m>) -> Model<'m> {
        if self.all_sure || self.sure.contains(name) {
            Model::Open
        } else if self.all_maybe || self.maybe.contains(name) {
            Model::Unknown
        } else {
            model
        }
    }
}

/// What applies beside a subschema at the same place in the document: the
/// `unevaluatedProperties` of an enclosing schema, for names nothing there evaluates, and the
/// names other subschemas there evaluate. Index 0 is the old side, 1 the new one.
#[derive(Clone, Default)]
struct Around {
    unevaluated: [Option<Value>; 2],
    names: [Names; 2],
    /// An enclosing `unevaluatedItems` that constrains something judges the positions no
    /// subschema there evaluates.
    items: [bool; 2],
}

impl Around {
    /// Tells contexts apart (a `$ref` pair compared in one is compared again in another).
    fn key(&self) -> String {
        if self.unevaluated.iter().all(Option::is_none) && !self.items.iter().any(|b| *b) {
            return String::new();
        }
        format!(
            "{:?}",
            (
                self.unevaluated
                    .each_ref()
                    .map(|u| u.as_ref().map(Value::to_string)),
                &self.names,
                self.items
            )
        )
    }
}

/// Whether something that judges what the subschemas at the place of `m` do not evaluate
/// constrains it there: an `unevaluatedProperties` (index 0; its own or an enclosing one, unless
/// `additionalProperties` evaluates every name) or an `unevaluatedItems` (index 1; unless `items`
/// evaluates every position). `true`/`{}` judge nothing.
fn judged(m: &Map<String, Value>, around: &Around, side: usize) -> [bool; 2] {
    let live = |v: Option<&Value>| v.is_some_and(|v| !is_empty_schema(v));
    [
        !m.contains_key("additionalProperties")
            && (live(m.get("unevaluatedProperties")) || live(around.unevaluated[side].as_ref())),
        !m.contains_key("items") && (live(m.get("unevaluatedItems")) || around.items[side]),
    ]
}

/// Whether the in-place subschemas of `m` (not its own keywords) may evaluate property names
/// (index 0) or array positions (index 1); see [`evaluates`].
fn in_place_evaluates(set: &SchemaSet, m: &Map<String, Value>) -> [bool; 2] {
    let subs: Map<String, Value> = [
        "$ref",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "dependentSchemas",
    ]
    .into_iter()
    .filter_map(|k| Some((k.to_owned(), m.get(k)?.clone())))
    .collect();
    evaluates(set, &Value::Object(subs), 0)
}

/// Whether `v` (with its `$ref` targets and in-place subschemas) may evaluate property names
/// (index 0) or array positions (index 1), which an `unevaluatedProperties` or
/// `unevaluatedItems` beside it then leaves alone.
fn evaluates(set: &SchemaSet, v: &Value, depth: usize) -> [bool; 2] {
    let Value::Object(m) = v else {
        return [false, false];
    };
    if depth > 16 {
        return [true, true];
    }
    let has = |ks: &[&str]| ks.iter().any(|k| m.contains_key(*k));
    let mut out = [
        has(&[
            "properties",
            "patternProperties",
            "additionalProperties",
            "unevaluatedProperties",
        ]),
        has(&["prefixItems", "items", "contains", "unevaluatedItems"]),
    ];
    let mut subs: Vec<&Value> = Vec::new();
    if let Some(t) = m
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|u| set.target(u))
    {
        subs.push(t);
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        subs.extend(m.get(k).and_then(Value::as_array).into_iter().flatten());
    }
    for k in ["if", "then", "else"] {
        subs.extend(m.get(k));
    }
    subs.extend(object_at(m, "dependentSchemas").values());
    for sub in subs {
        let [a, b] = evaluates(set, sub, depth + 1);
        out[0] |= a;
        out[1] |= b;
    }
    out
}

/// Adds the property names `v` declares, with its `$ref` targets and in-place subschemas.
fn declared(set: &SchemaSet, v: &Value, sure: bool, names: &mut Names, depth: usize) {
    let Value::Object(m) = v else { return };
    if depth > 16 {
        return;
    }
    let declares = object_at(m, "properties").keys().cloned();
    let all = m.contains_key("additionalProperties") || m.contains_key("unevaluatedProperties");
    if sure {
        names.sure.extend(declares);
        names.all_sure |= all;
    } else {
        names.maybe.extend(declares);
        names.all_maybe |= all;
    }
    // The names a pattern matches are evaluated where they occur: any name may be.
    if !object_at(m, "patternProperties").is_empty() {
        names.all_maybe = true;
    }
    if let Some(t) = m
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|u| set.target(u))
    {
        declared(set, t, sure, names, depth + 1);
    }
    in_place(set, m, sure, names, depth, None);
}

/// [`declared`] for the in-place subschemas of `m`, but `skip` (a combinator and an index).
fn in_place(
    set: &SchemaSet,
    m: &Map<String, Value>,
    sure: bool,
    names: &mut Names,
    depth: usize,
    skip: Option<(&str, usize)>,
) {
    for (k, always) in [("allOf", true), ("anyOf", false), ("oneOf", false)] {
        let members = m.get(k).and_then(Value::as_array).into_iter().flatten();
        for (i, member) in members.enumerate() {
            if skip != Some((k, i)) {
                declared(set, member, sure && always, names, depth + 1);
            }
        }
    }
    for v in object_at(m, "dependentSchemas").values() {
        declared(set, v, false, names, depth + 1);
    }
    for k in ["if", "then", "else"] {
        if let Some(v) = m.get(k) {
            declared(set, v, false, names, depth + 1);
        }
    }
}

/// The content model `key` (`additionalProperties` or `items`) gives the names or positions
/// the schema does not declare. Without `key`, `unevaluatedProperties` or `unevaluatedItems`
/// decides; with it (even `true`), every such name or position is evaluated and that keyword
/// has nothing left to apply to.
fn model<'a>(m: &'a Map<String, Value>, key: &str) -> Model<'a> {
    let unevaluated = match key {
        "additionalProperties" => "unevaluatedProperties",
        "items" => "unevaluatedItems",
        _ => key,
    };
    m.get(key)
        .or_else(|| m.get(unevaluated))
        .map_or(Model::Open, model_of)
}

/// `key`, or where it is missing the keyword that then governs the same names or elements.
fn governing<'m>(
    m: &'m Map<String, Value>,
    key: &str,
    fallback: Option<&str>,
) -> Option<&'m Value> {
    m.get(key).or_else(|| fallback.and_then(|f| m.get(f)))
}

/// The object under `key`, or an empty one.
fn object_at<'a>(m: &'a Map<String, Value>, key: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    m.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

use events_codegen::error::pointer_push as ptr;

impl Differ<'_> {
    fn push(
        &mut self,
        rule: Rule,
        path: &str,
        ipath: &Option<String>,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        self.out.push(Change {
            rule,
            path: path.to_owned(),
            instance_path: ipath.clone(),
            old: old.cloned(),
            new: new.cloned(),
        });
    }

    fn schema(&mut self, path: &str, ipath: Option<String>, old: &Value, new: &Value) {
        let around = std::mem::take(&mut self.around);
        if old == new && !has_ref(old) {
            return;
        }
        // A `$ref` with siblings that validate is an `allOf` member; then the other side's
        // `$ref` is one too, so that the two compare member to member.
        let converted;
        let (old, new) = if has_live_siblings(old) || has_live_siblings(new) {
            converted = (ref_as_all_of(old), ref_as_all_of(new));
            (&converted.0, &converted.1)
        } else {
            (old, new)
        };
        let (o, oref) = Self::deref(self.old_set, old);
        let (n, nref) = Self::deref(self.new_set, new);
        if let (Some(a), Some(b)) = (&oref, &nref) {
            if !self.seen.insert((a.clone(), b.clone(), around.key())) {
                return;
            }
        }
        let as_map = |v: &Value| -> Map<String, Value> {
            match v {
                Value::Object(m) => m.clone(),
                Value::Bool(false) => {
                    let mut m = Map::new();
                    m.insert("not".into(), Value::Object(Map::new()));
                    m
                }
                _ => Map::new(),
            }
        };
        let (o, n) = (as_map(&o), as_map(&n));
        for (k, rule) in ANNOTATIONS {
            if o.get(*k) != n.get(*k) {
                self.push(*rule, &ptr(path, k), &ipath, o.get(*k), n.get(*k));
            }
        }
        // A union wrapped or unwrapped is compared as a whole, unless what it evaluates counts
        // for an `unevaluatedProperties`/`unevaluatedItems` there.
        let judged = [judged(&o, &around, 0), judged(&n, &around, 1)];
        let whole = |m: &Map<String, Value>| Value::Object(m.clone());
        if !self.shifts(&judged, Some(&whole(&o)), Some(&whole(&n)))
            && self.wrapped(path, &ipath, &o, &n)
        {
            return;
        }
        self.types(path, &ipath, &o, &n);
        self.enums(path, &ipath, &o, &n);
        self.scalar_keywords(path, &ipath, &o, &n);
        self.properties(path, &ipath, &o, &n, &around);
        self.content_models(path, &ipath, &o, &n);
        self.dependent_required(path, &ipath, &o, &n);
        // What an `unevaluatedProperties`/`unevaluatedItems` judges here depends on what the
        // subschemas beside it evaluate (`judged`, above).
        let (da, db) = (
            object_at(&o, "dependentSchemas"),
            object_at(&n, "dependentSchemas"),
        );
        let entry_shifts = da.keys().chain(db.keys()).any(|k| {
            (da.get(k) != db.get(k) || da.get(k).is_some_and(has_ref))
                && self.shifts(&judged, da.get(k), db.get(k))
        });
        if entry_shifts {
            self.push(
                Rule::Unclassified,
                &ptr(path, "dependentSchemas"),
                &ipath,
                o.get("dependentSchemas"),
                n.get("dependentSchemas"),
            );
        } else {
            self.keyed_schemas(
                path,
                &ipath,
                &o,
                &n,
                "dependentSchemas",
                Rule::DependentSchemaAdded,
                Rule::DependentSchemaRemoved,
            );
        }
        self.evaluated_here(path, &ipath, &o, &n, &around);
        self.sub(
            path,
            &ipath,
            None,
            &o,
            &n,
            "propertyNames",
            Rule::PropertyNamesAdded,
            Rule::PropertyNamesRemoved,
        );
        let contains_differs =
            o.get("contains") != n.get("contains") || o.get("contains").is_some_and(has_ref);
        if contains_differs && (judged[0][1] || judged[1][1]) {
            // `contains` evaluates the elements it matches.
            self.push(
                Rule::Unclassified,
                &ptr(path, "contains"),
                &ipath,
                o.get("contains"),
                n.get("contains"),
            );
        } else {
            self.contains(path, &ipath, &o, &n);
        }
        self.items(path, &ipath, &o, &n);
        self.combinators(path, &ipath, &o, &n, &around);
        self.not(path, &ipath, &o, &n);
        self.conditional(path, &ipath, &o, &n, &judged);
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
        for k in keys {
            let known = HANDLED.contains(&k.as_str())
                || ANNOTATIONS.iter().any(|(a, _)| a == k)
                || (k.starts_with("x-") && k != "x-encoding");
            if !known && o.get(k) != n.get(k) {
                self.push(
                    Rule::Unclassified,
                    &ptr(path, k),
                    &ipath,
                    o.get(k),
                    n.get(k),
                );
            }
        }
    }
}

impl Differ<'_> {
    /// The keywords that constrain a value in place: `pattern`, `format`, `const`, the
    /// numeric and size bounds, `multipleOf`, the content keywords, `x-encoding` and
    /// `uniqueItems`.
    fn scalar_keywords(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let ipath = ipath.clone();
        for (k, added, removed, changed) in SIMPLE {
            match (o.get(*k), n.get(*k)) {
                (None, Some(v)) => self.push(*added, &ptr(path, k), &ipath, None, Some(v)),
                (Some(v), None) => self.push(*removed, &ptr(path, k), &ipath, Some(v), None),
                (Some(a), Some(b)) if a != b => {
                    self.push(*changed, &ptr(path, k), &ipath, Some(a), Some(b))
                }
                _ => {}
            }
        }
        for (k, added, removed, up, down) in BOUNDS {
            let num = |m: &Map<String, Value>| m.get(*k).and_then(Value::as_f64);
            let (mut a, mut b) = (num(o), num(n));
            // Without `minContains`, `contains` needs one match: 0 or 1 is a change from 1.
            if *k == "minContains" {
                let small = |x: Option<f64>| x.is_some_and(|x| x <= 1.0);
                if (a.is_none() && small(b)) || (b.is_none() && small(a)) {
                    a = a.or(Some(1.0));
                    b = b.or(Some(1.0));
                }
            }
            match (a, b) {
                (None, Some(_)) => self.push(*added, &ptr(path, k), &ipath, None, n.get(*k)),
                (Some(_), None) => self.push(*removed, &ptr(path, k), &ipath, o.get(*k), None),
                (Some(a), Some(b)) if b > a => {
                    self.push(*up, &ptr(path, k), &ipath, o.get(*k), n.get(*k))
                }
                (Some(a), Some(b)) if b < a => {
                    self.push(*down, &ptr(path, k), &ipath, o.get(*k), n.get(*k))
                }
                _ => {}
            }
        }
        self.multiple_of(path, &ipath, o, n);
        for k in ["contentEncoding", "contentMediaType", "contentSchema"] {
            if o.get(k) != n.get(k) {
                self.push(
                    Rule::ContentChanged,
                    &ptr(path, k),
                    &ipath,
                    o.get(k),
                    n.get(k),
                );
            }
        }
        if o.get("x-encoding") != n.get("x-encoding") {
            self.push(
                Rule::EncodingChanged,
                &ptr(path, "x-encoding"),
                &ipath,
                o.get("x-encoding"),
                n.get("x-encoding"),
            );
        }
        if o.get("uniqueItems") != n.get("uniqueItems") {
            let on = |m: &Map<String, Value>| m.get("uniqueItems") == Some(&Value::Bool(true));
            match (on(o), on(n)) {
                (false, true) => self.push(
                    Rule::UniqueItemsAdded,
                    &ptr(path, "uniqueItems"),
                    &ipath,
                    o.get("uniqueItems"),
                    n.get("uniqueItems"),
                ),
                (true, false) => self.push(
                    Rule::UniqueItemsRemoved,
                    &ptr(path, "uniqueItems"),
                    &ipath,
                    o.get("uniqueItems"),
                    n.get("uniqueItems"),
                ),
                _ => {}
            }
        }
    }

    /// What an object or array does with what its `properties` (`prefixItems`) do not
    /// name: `additionalProperties`, and `unevaluatedProperties`/`unevaluatedItems` where
    /// no `additionalProperties`/`items` takes their place.
    fn content_models(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let ipath = ipath.clone();
        self.open_model(
            path,
            &ipath,
            o,
            n,
            "additionalProperties",
            [
                Rule::AdditionalPropertiesAdded,
                Rule::AdditionalPropertiesRemoved,
                Rule::AdditionalPropertiesExtended,
                Rule::AdditionalPropertiesNarrowed,
            ],
        );
        // Beside `additionalProperties` (`items`) on either side, `unevaluatedProperties`
        // (`unevaluatedItems`) has nothing of its own to apply to: the comparison above
        // already took it in where the other keyword is missing.
        let neither = |k: &str| !o.contains_key(k) && !n.contains_key(k);
        if neither("additionalProperties") {
            self.open_model(
                path,
                &ipath,
                o,
                n,
                "unevaluatedProperties",
                [
                    Rule::UnevaluatedPropertiesAdded,
                    Rule::UnevaluatedPropertiesRemoved,
                    Rule::UnevaluatedPropertiesExtended,
                    Rule::UnevaluatedPropertiesNarrowed,
                ],
            );
        }
        if neither("items") {
            self.open_model(
                path,
                &ipath,
                o,
                n,
                "unevaluatedItems",
                [
                    Rule::UnevaluatedItemsAdded,
                    Rule::UnevaluatedItemsRemoved,
                    Rule::UnevaluatedItemsExtended,
                    Rule::UnevaluatedItemsNarrowed,
                ],
            );
        }
    }

    /// `if`/`then`/`else`: added or removed as a whole; any other change, or one that shifts
    /// what an `unevaluated*` keyword there judges, is unclassified.
    fn conditional(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        judged: &[[bool; 2]; 2],
    ) {
        let ipath = ipath.clone();
        let cond =
            |m: &Map<String, Value>| ["if", "then", "else"].iter().any(|k| m.contains_key(*k));
        let conditional = |m: &Map<String, Value>| -> Value {
            Value::Object(
                m.iter()
                    .filter(|(k, _)| ["if", "then", "else"].contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        };
        let cond_shifts = (cond(o) != cond(n))
            && self.shifts(judged, Some(&conditional(o)), Some(&conditional(n)));
        match (cond(o), cond(n)) {
            _ if cond_shifts => self.push(
                Rule::Unclassified,
                &ptr(path, "if"),
                &ipath,
                o.get("if"),
                n.get("if"),
            ),
            (false, true) => self.push(
                Rule::ConditionalAdded,
                &ptr(path, "if"),
                &ipath,
                None,
                n.get("if"),
            ),
            (true, false) => self.push(
                Rule::ConditionalRemoved,
                &ptr(path, "if"),
                &ipath,
                o.get("if"),
                None,
            ),
            (true, true)
                if ["if", "then", "else"]
                    .iter()
                    .any(|k| o.get(*k) != n.get(*k)) =>
            {
                self.push(
                    Rule::Unclassified,
                    &ptr(path, "if"),
                    &ipath,
                    o.get("if"),
                    n.get("if"),
                )
            }
            _ => {}
        }
    }
}

impl Differ<'_> {
    /// Whether a subschema at a place where [`judged`] holds (per side) appears, goes or
    /// changes and may evaluate what is judged there: then what it does to the documents is
    /// unknown (more evaluated names can widen, fewer narrow, besides its own constraints).
    fn shifts(&self, judged: &[[bool; 2]; 2], old: Option<&Value>, new: Option<&Value>) -> bool {
        let e =
            |set: &SchemaSet, v: Option<&Value>| v.map_or([false, false], |v| evaluates(set, v, 0));
        let (a, b) = (e(self.old_set, old), e(self.new_set, new));
        (judged[0][0] && a[0])
            || (judged[1][0] && b[0])
            || (judged[0][1] && a[1])
            || (judged[1][1] && b[1])
    }

    /// Under an enclosing `unevaluatedProperties`/`unevaluatedItems`, a change of what this
    /// schema's own keywords evaluate: `additionalProperties` or `unevaluatedProperties`
    /// appearing or going (every name evaluated or not), the number of `prefixItems`, `items`
    /// or `unevaluatedItems` appearing or going. Unclassified: the rules of those keywords
    /// describe them on their own.
    fn evaluated_here(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        around: &Around,
    ) {
        let live = |v: Option<&Value>| v.is_some_and(|v| !is_empty_schema(v));
        let presence = |k: &str| o.contains_key(k) != n.contains_key(k);
        let props = (0..2).any(|s| live(around.unevaluated[s].as_ref()))
            && (presence("additionalProperties") || presence("unevaluatedProperties"));
        let len =
            |m: &Map<String, Value>| m.get("prefixItems").and_then(Value::as_array).map(Vec::len);
        let every = o.contains_key("items") && n.contains_key("items");
        let items = (around.items[0] || around.items[1])
            && (presence("items") || presence("unevaluatedItems") || (len(o) != len(n) && !every));
        if props || items {
            self.push(Rule::Unclassified, path, ipath, None, None);
        }
    }
}

/// The bump a set of changes needs under `mode`: none (identical), minor (only allowed
/// changes), or major (something the mode does not allow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Nothing changed.
    None,
    /// Compatible change: bump the minor version.
    Minor,
    /// Breaking change: a new major version (a new file).
    Major,
}

/// The bump needed for `changes` under `mode`, ignoring changes `accepted` says are fine.
pub fn needed_bump(changes: &[Change], mode: Mode, accepted: impl Fn(&Change) -> bool) -> Bump {
    if changes.is_empty() {
        return Bump::None;
    }
    if changes
        .iter()
        .any(|c| !mode.allows(c.rule.effect()) && !accepted(c))
    {
        Bump::Major
    } else {
        Bump::Minor
    }
}
