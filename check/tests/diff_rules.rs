//! The rule table: one or more rows per rule of the catalogue, each with an old and a new
//! schema, the exact findings the diff engine reports, and whether backward, forward and
//! full mode allow the change. Rules whose verdict depends on the content model have rows in
//! open, closed and partially open (`additionalProperties: {schema}`) objects.
//!
//! Every verdict is checked against an independent oracle: the `jsonschema` validator run on
//! generated documents (see `common::probes`). A mode that allows a change must have no
//! counter-example (backward: a document the old schema accepts and the new one rejects;
//! forward: the reverse); a mode that refuses it must have one, unless the row says why the
//! engine is stricter than the validator there.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use events_check::diff::{diff_schemas, Effect, Mode, Rule};
use events_codegen::SchemaSet;
use serde_json::{json, Value};

use common::probes::{Compiler, Gen};

fn set() -> SchemaSet {
    SchemaSet::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/constructs"),
    )
    .unwrap()
}

/// Whether backward, forward and full mode allow a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Verdict {
    backward: bool,
    forward: bool,
    full: bool,
}

/// Nothing a validator can tell apart.
const SAME: Verdict = Verdict {
    backward: true,
    forward: true,
    full: true,
};
/// Backward compatible only.
const WIDENS: Verdict = Verdict {
    backward: true,
    forward: false,
    full: false,
};
/// Forward compatible only.
const NARROWS: Verdict = Verdict {
    backward: false,
    forward: true,
    full: false,
};
/// Neither.
const BREAKS: Verdict = Verdict {
    backward: false,
    forward: false,
    full: false,
};

struct Row {
    line: u32,
    old: Value,
    new: Value,
    findings: Vec<&'static str>,
    verdict: Verdict,
    /// Documents to try besides the generated ones.
    probes: Vec<Value>,
    /// Why a refused direction has no counter-example: the engine is stricter than the
    /// validator there (it cannot tell, or the validator does not see the keyword).
    conservative: Option<&'static str>,
    /// One of the schemas accepts no document.
    unsatisfiable: bool,
}

#[track_caller]
fn row(old: Value, new: Value, findings: &[&'static str], verdict: Verdict) -> Row {
    Row {
        line: std::panic::Location::caller().line(),
        old,
        new,
        findings: findings.to_vec(),
        verdict,
        probes: Vec::new(),
        conservative: None,
        unsatisfiable: false,
    }
}

impl Row {
    fn probe(mut self, doc: Value) -> Self {
        self.probes.push(doc);
        self
    }
    fn conservative(mut self, why: &'static str) -> Self {
        self.conservative = Some(why);
        self
    }
    fn unsatisfiable(mut self) -> Self {
        self.unsatisfiable = true;
        self
    }
}

fn s() -> Value {
    json!({"type": "string"})
}
fn i() -> Value {
    json!({"type": "integer"})
}
fn short() -> Value {
    json!({"type": "string", "maxLength": 3})
}
fn open(props: Value, req: Value) -> Value {
    json!({"type": "object", "properties": props, "required": req})
}
fn closed(props: Value, req: Value) -> Value {
    json!({"type": "object", "properties": props, "required": req, "additionalProperties": false})
}
/// Partially open: extra properties must match `extra`.
fn partial(props: Value, req: Value, extra: Value) -> Value {
    json!({"type": "object", "properties": props, "required": req, "additionalProperties": extra})
}
/// The fixture's `Money`, inline, with these `amount` and `currency` schemas.
fn money(amount: Value, currency: Value) -> Value {
    json!({
        "description": "An amount in a currency.",
        "type": "object",
        "properties": {"amount": amount, "currency": currency},
        "required": ["amount", "currency"],
        "additionalProperties": false
    })
}
/// Partially open through `unevaluatedProperties`.
fn uneval(props: Value, extra: Value) -> Value {
    json!({"type": "object", "properties": props, "unevaluatedProperties": extra})
}
/// A member of a tagged union: `kind` is required and has one value.
fn variant(kind: &str, x: &Value) -> Value {
    json!({"type": "object", "properties": {"kind": {"const": kind}, "x": x}, "required": ["kind", "x"]})
}
/// The same without requiring `kind`.
fn untagged(kind: &str) -> Value {
    json!({"type": "object", "properties": {"kind": {"const": kind}}})
}
/// An object made of `allOf` members, with its own properties and `unevaluatedProperties`.
fn holder(members: Value, props: Value, unevaluated: Value) -> Value {
    json!({"type": "object", "allOf": members, "properties": props, "unevaluatedProperties": unevaluated})
}
fn tuple(prefix: Value, items: Option<Value>) -> Value {
    let mut v = json!({"type": "array", "prefixItems": prefix});
    if let Some(items) = items {
        v["items"] = items;
    }
    v
}

fn table() -> Vec<Row> {
    let (s, i, short) = (s(), i(), short());
    let with_default = json!({"type": "integer", "default": 1});
    let str_with_default = json!({"type": "string", "default": "x"});
    let number = |extra: Value| {
        let mut v = json!({"type": "number"});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let string = |extra: Value| {
        let mut v = json!({"type": "string"});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let array = |extra: Value| {
        let mut v = json!({"type": "array", "items": {"type": "string"}});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let object = |extra: Value| {
        let mut v = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let contains = json!({"const": "a"});
    let with_contains = |extra: Value| {
        let mut v = json!({"type": "array", "contains": {"const": "a"}});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    vec![
        // Annotations.
        row(
            string(json!({"description": "a"})),
            string(json!({"description": "b"})),
            &["description-changed"],
            SAME,
        ),
        row(
            string(json!({"title": "a"})),
            string(json!({"title": "b"})),
            &["title-changed"],
            SAME,
        ),
        row(
            string(json!({"default": "a"})),
            string(json!({"default": "b"})),
            &["default-changed"],
            SAME,
        ),
        row(
            string(json!({"examples": ["a"]})),
            string(json!({"examples": ["b"]})),
            &["examples-changed"],
            SAME,
        ),
        row(
            string(json!({"$comment": "a"})),
            string(json!({"$comment": "b"})),
            &["comment-changed"],
            SAME,
        ),
        row(
            string(json!({})),
            string(json!({"deprecated": true})),
            &["deprecated-changed"],
            SAME,
        ),
        row(
            string(json!({})),
            string(json!({"readOnly": true})),
            &["read-only-changed"],
            SAME,
        ),
        row(
            string(json!({"writeOnly": true})),
            string(json!({})),
            &["read-only-changed"],
            SAME,
        ),
        row(
            closed(json!({"a": string(json!({"description": "a"}))}), json!([])),
            closed(json!({"a": string(json!({"description": "b"}))}), json!([])),
            &["description-changed"],
            SAME,
        ),
        // No difference a rule names.
        row(
            string(json!({"x-unknown-keyword-of-ours": 1})),
            string(json!({"x-unknown-keyword-of-ours": 2})),
            &[],
            SAME,
        ),
        row(
            open(json!({"a": s}), json!([])),
            partial(json!({"a": s}), json!([]), json!(true)),
            &[],
            SAME,
        ),
        row(
            open(json!({"a": s}), json!([])),
            partial(json!({"a": s}), json!([]), json!({"description": "anything"})),
            &[],
            SAME,
        ),
        // A subschema where anything was accepted.
        row(
            json!({"type": "array"}),
            json!({"type": "array", "items": s}),
            &["schema-added"],
            NARROWS,
        ),
        row(
            json!({"type": "array", "items": s}),
            json!({"type": "array"}),
            &["schema-removed"],
            WIDENS,
        ),
        // Types.
        row(i.clone(), json!({"type": "number"}), &["type-extended"], WIDENS),
        row(
            s.clone(),
            json!({"type": ["string", "null"]}),
            &["type-extended"],
            WIDENS,
        ),
        row(s.clone(), json!({}), &["type-extended"], WIDENS),
        row(json!({"type": "number"}), i.clone(), &["type-narrowed"], NARROWS),
        row(json!({}), s.clone(), &["type-narrowed"], NARROWS),
        row(
            json!({"type": ["string", "integer"]}),
            json!({"type": ["string", "null"]}),
            &["type-changed"],
            BREAKS,
        ),
        row(s.clone(), i.clone(), &["type-changed"], BREAKS),
        row(
            json!({"type": "array", "items": i}),
            json!({"type": "array", "items": {"type": "number"}}),
            &["type-extended"],
            WIDENS,
        ),
        row(
            closed(json!({"a": i}), json!(["a"])),
            closed(json!({"a": {"type": "number"}}), json!(["a"])),
            &["type-extended"],
            WIDENS,
        ),
        // String bounds.
        row(
            s.clone(),
            string(json!({"maxLength": 5})),
            &["max-length-added"],
            NARROWS,
        ),
        row(
            string(json!({"maxLength": 5})),
            s.clone(),
            &["max-length-removed"],
            WIDENS,
        ),
        row(
            string(json!({"maxLength": 5})),
            string(json!({"maxLength": 9})),
            &["max-length-increased"],
            WIDENS,
        ),
        row(
            string(json!({"maxLength": 9})),
            string(json!({"maxLength": 5})),
            &["max-length-decreased"],
            NARROWS,
        ),
        row(
            s.clone(),
            string(json!({"minLength": 5})),
            &["min-length-added"],
            NARROWS,
        ),
        row(
            string(json!({"minLength": 5})),
            s.clone(),
            &["min-length-removed"],
            WIDENS,
        ),
        row(
            string(json!({"minLength": 5})),
            string(json!({"minLength": 9})),
            &["min-length-increased"],
            NARROWS,
        ),
        row(
            string(json!({"minLength": 9})),
            string(json!({"minLength": 5})),
            &["min-length-decreased"],
            WIDENS,
        ),
        row(
            s.clone(),
            string(json!({"pattern": "^a"})),
            &["pattern-added"],
            NARROWS,
        ),
        row(
            string(json!({"pattern": "^a"})),
            s.clone(),
            &["pattern-removed"],
            WIDENS,
        ),
        row(
            string(json!({"pattern": "^a"})),
            string(json!({"pattern": "^b"})),
            &["pattern-changed"],
            BREAKS,
        ),
        row(
            s.clone(),
            string(json!({"format": "uuid"})),
            &["format-added"],
            NARROWS,
        ),
        row(
            string(json!({"format": "uuid"})),
            s.clone(),
            &["format-removed"],
            WIDENS,
        ),
        row(
            string(json!({"format": "uuid"})),
            string(json!({"format": "date"})),
            &["format-changed"],
            BREAKS,
        ),
        row(
            s.clone(),
            string(json!({"contentEncoding": "base64"})),
            &["content-changed"],
            BREAKS,
        )
        .conservative("`contentEncoding` is an annotation in draft 2020-12: the validator ignores it, consumers decode by it"),
        row(
            string(json!({"contentMediaType": "application/json"})),
            string(json!({"contentMediaType": "text/plain"})),
            &["content-changed"],
            BREAKS,
        )
        .conservative("`contentMediaType` is an annotation in draft 2020-12: the validator ignores it, consumers parse by it"),
        row(
            string(json!({"x-encoding": "json-string"})),
            s.clone(),
            &["encoding-changed"],
            BREAKS,
        )
        .conservative("`x-encoding` is ours: the validator does not see it, the wire form differs"),
        // Numeric bounds.
        row(
            number(json!({})),
            number(json!({"maximum": 10})),
            &["maximum-added"],
            NARROWS,
        ),
        row(
            number(json!({"maximum": 10})),
            number(json!({})),
            &["maximum-removed"],
            WIDENS,
        ),
        row(
            number(json!({"maximum": 10})),
            number(json!({"maximum": 20})),
            &["maximum-increased"],
            WIDENS,
        ),
        row(
            number(json!({"maximum": 20})),
            number(json!({"maximum": 10})),
            &["maximum-decreased"],
            NARROWS,
        ),
        row(
            number(json!({})),
            number(json!({"minimum": 10})),
            &["minimum-added"],
            NARROWS,
        ),
        row(
            number(json!({"minimum": 10})),
            number(json!({})),
            &["minimum-removed"],
            WIDENS,
        ),
        row(
            number(json!({"minimum": 10})),
            number(json!({"minimum": 20})),
            &["minimum-increased"],
            NARROWS,
        ),
        row(
            number(json!({"minimum": 20})),
            number(json!({"minimum": 10})),
            &["minimum-decreased"],
            WIDENS,
        ),
        row(
            number(json!({})),
            number(json!({"exclusiveMaximum": 10})),
            &["exclusive-maximum-added"],
            NARROWS,
        ),
        row(
            number(json!({"exclusiveMaximum": 10})),
            number(json!({})),
            &["exclusive-maximum-removed"],
            WIDENS,
        ),
        row(
            number(json!({"exclusiveMaximum": 10})),
            number(json!({"exclusiveMaximum": 20})),
            &["exclusive-maximum-increased"],
            WIDENS,
        ),
        row(
            number(json!({"exclusiveMaximum": 20})),
            number(json!({"exclusiveMaximum": 10})),
            &["exclusive-maximum-decreased"],
            NARROWS,
        ),
        row(
            number(json!({})),
            number(json!({"exclusiveMinimum": 0})),
            &["exclusive-minimum-added"],
            NARROWS,
        ),
        row(
            number(json!({"exclusiveMinimum": 0})),
            number(json!({})),
            &["exclusive-minimum-removed"],
            WIDENS,
        ),
        row(
            number(json!({"exclusiveMinimum": 0})),
            number(json!({"exclusiveMinimum": 1})),
            &["exclusive-minimum-increased"],
            NARROWS,
        ),
        row(
            number(json!({"exclusiveMinimum": 0})),
            number(json!({"exclusiveMinimum": -1})),
            &["exclusive-minimum-decreased"],
            WIDENS,
        ),
        row(
            i.clone(),
            json!({"type": "integer", "multipleOf": 2}),
            &["multiple-of-added"],
            NARROWS,
        ),
        row(
            json!({"type": "integer", "multipleOf": 2}),
            i.clone(),
            &["multiple-of-removed"],
            WIDENS,
        ),
        row(
            json!({"type": "integer", "multipleOf": 2}),
            json!({"type": "integer", "multipleOf": 4}),
            &["multiple-of-expanded"],
            NARROWS,
        ),
        row(
            json!({"type": "integer", "multipleOf": 4}),
            json!({"type": "integer", "multipleOf": 2}),
            &["multiple-of-reduced"],
            WIDENS,
        ),
        row(
            number(json!({"multipleOf": 0.5})),
            number(json!({"multipleOf": 0.25})),
            &["multiple-of-reduced"],
            WIDENS,
        ),
        row(
            json!({"type": "integer", "multipleOf": 2}),
            json!({"type": "integer", "multipleOf": 3}),
            &["multiple-of-changed"],
            BREAKS,
        ),
        // `required` on declared properties, in each content model.
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s}), json!(["a"])),
            &["required-added"],
            NARROWS,
        ),
        row(
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s}), json!(["a"])),
            &["required-added"],
            NARROWS,
        ),
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i}), json!(["a"]), s.clone()),
            &["required-added"],
            NARROWS,
        ),
        // A required name no schema declares.
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s}), json!(["b"])),
            &["required-added"],
            NARROWS,
        ),
        row(
            open(json!({"a": str_with_default}), json!([])),
            open(json!({"a": str_with_default}), json!(["a"])),
            &["required-with-default-added"],
            NARROWS,
        ),
        row(
            closed(json!({"a": str_with_default}), json!([])),
            closed(json!({"a": str_with_default}), json!(["a"])),
            &["required-with-default-added"],
            NARROWS,
        ),
        row(
            partial(json!({"a": with_default}), json!([]), s.clone()),
            partial(json!({"a": with_default}), json!(["a"]), s.clone()),
            &["required-with-default-added"],
            NARROWS,
        ),
        row(
            open(json!({"a": s}), json!(["a"])),
            open(json!({"a": s}), json!([])),
            &["required-removed"],
            WIDENS,
        ),
        row(
            closed(json!({"a": s}), json!(["a"])),
            closed(json!({"a": s}), json!([])),
            &["required-removed"],
            WIDENS,
        ),
        row(
            partial(json!({"a": i}), json!(["a"]), s.clone()),
            partial(json!({"a": i}), json!([]), s.clone()),
            &["required-removed"],
            WIDENS,
        ),
        // Object size.
        row(
            object(json!({})),
            object(json!({"maxProperties": 1})),
            &["max-properties-added"],
            NARROWS,
        ),
        row(
            object(json!({"maxProperties": 1})),
            object(json!({})),
            &["max-properties-removed"],
            WIDENS,
        ),
        row(
            object(json!({"maxProperties": 1})),
            object(json!({"maxProperties": 2})),
            &["max-properties-increased"],
            WIDENS,
        ),
        row(
            object(json!({"maxProperties": 2})),
            object(json!({"maxProperties": 1})),
            &["max-properties-decreased"],
            NARROWS,
        ),
        row(
            object(json!({})),
            object(json!({"minProperties": 1})),
            &["min-properties-added"],
            NARROWS,
        ),
        row(
            object(json!({"minProperties": 1})),
            object(json!({})),
            &["min-properties-removed"],
            WIDENS,
        ),
        row(
            object(json!({"minProperties": 1})),
            object(json!({"minProperties": 2})),
            &["min-properties-increased"],
            NARROWS,
        ),
        row(
            object(json!({"minProperties": 2})),
            object(json!({"minProperties": 1})),
            &["min-properties-decreased"],
            WIDENS,
        ),
        // The content model itself.
        row(
            open(json!({"a": s}), json!([])),
            partial(json!({"a": s}), json!([]), i.clone()),
            &["additional-properties-added"],
            NARROWS,
        ),
        row(
            partial(json!({"a": s}), json!([]), i.clone()),
            open(json!({"a": s}), json!([])),
            &["additional-properties-removed"],
            WIDENS,
        ),
        row(
            closed(json!({"a": s}), json!([])),
            open(json!({"a": s}), json!([])),
            &["additional-properties-extended"],
            WIDENS,
        ),
        row(
            closed(json!({"a": s}), json!([])),
            partial(json!({"a": s}), json!([]), i.clone()),
            &["additional-properties-extended"],
            WIDENS,
        ),
        row(
            open(json!({"a": s}), json!([])),
            closed(json!({"a": s}), json!([])),
            &["additional-properties-narrowed"],
            NARROWS,
        ),
        row(
            partial(json!({"a": s}), json!([]), i.clone()),
            closed(json!({"a": s}), json!([])),
            &["additional-properties-narrowed"],
            NARROWS,
        ),
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i}), json!([]), short.clone()),
            &["max-length-added"],
            NARROWS,
        ),
        row(
            object(json!({})),
            object(json!({"unevaluatedProperties": i})),
            &["unevaluated-properties-added"],
            NARROWS,
        ),
        row(
            object(json!({"unevaluatedProperties": i})),
            object(json!({})),
            &["unevaluated-properties-removed"],
            WIDENS,
        ),
        row(
            object(json!({"unevaluatedProperties": false})),
            object(json!({})),
            &["unevaluated-properties-extended"],
            WIDENS,
        ),
        row(
            object(json!({"unevaluatedProperties": false})),
            object(json!({"unevaluatedProperties": i})),
            &["unevaluated-properties-extended"],
            WIDENS,
        ),
        row(
            object(json!({})),
            object(json!({"unevaluatedProperties": false})),
            &["unevaluated-properties-narrowed"],
            NARROWS,
        ),
        row(
            object(json!({"unevaluatedProperties": i})),
            object(json!({"unevaluatedProperties": false})),
            &["unevaluated-properties-narrowed"],
            NARROWS,
        ),
        // Dependencies between properties.
        row(
            object(json!({})),
            object(json!({"dependentRequired": {"a": ["b"]}})),
            &["dependent-required-added"],
            NARROWS,
        ),
        row(
            object(json!({"dependentRequired": {"a": ["b"]}})),
            object(json!({})),
            &["dependent-required-removed"],
            WIDENS,
        ),
        row(
            object(json!({"dependentRequired": {"a": ["b"]}})),
            object(json!({"dependentRequired": {"a": ["b", "c"]}})),
            &["dependent-required-extended"],
            NARROWS,
        ),
        row(
            object(json!({"dependentRequired": {"a": ["b", "c"]}})),
            object(json!({"dependentRequired": {"a": ["b"]}})),
            &["dependent-required-narrowed"],
            WIDENS,
        ),
        row(
            object(json!({"dependentRequired": {"a": ["b"]}})),
            object(json!({"dependentRequired": {"a": ["c"]}})),
            &["dependent-required-changed"],
            BREAKS,
        ),
        row(
            object(json!({})),
            object(json!({"dependentSchemas": {"a": {"required": ["b"]}}})),
            &["dependent-schema-added"],
            NARROWS,
        ),
        row(
            object(json!({"dependentSchemas": {"a": {"required": ["b"]}}})),
            object(json!({})),
            &["dependent-schema-removed"],
            WIDENS,
        ),
        row(
            object(json!({"dependentSchemas": {"a": {"required": ["b"]}}})),
            object(json!({"dependentSchemas": {"a": {"required": ["b"], "maxProperties": 2}}})),
            &["max-properties-added"],
            NARROWS,
        ),
        row(
            object(json!({})),
            object(json!({"propertyNames": {"maxLength": 3}})),
            &["property-names-added"],
            NARROWS,
        ),
        row(
            object(json!({"propertyNames": {"maxLength": 3}})),
            object(json!({})),
            &["property-names-removed"],
            WIDENS,
        ),
        row(
            object(json!({"propertyNames": {"maxLength": 3}})),
            object(json!({"propertyNames": {"maxLength": 20}})),
            &["max-length-increased"],
            WIDENS,
        ),
        // A property added to an open object: old data may carry the name with any value.
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": i}), json!([])),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": with_default}), json!([])),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": i}), json!(["b"])),
            &["required-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": {}}), json!(["b"])),
            &["required-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": with_default}), json!(["b"])),
            &["required-property-with-default-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": {}}), json!([])),
            &["property-with-empty-schema-added-to-open-content-model"],
            SAME,
        ),
        row(
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": {"description": "anything"}}), json!([])),
            &["property-with-empty-schema-added-to-open-content-model"],
            SAME,
        ),
        // … to a closed object: old data never carries it.
        row(
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": i}), json!([])),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": false}), json!([])),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        )
        .conservative("a `false` property adds nothing to a closed object"),
        row(
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": i}), json!(["b"])),
            &["required-property-added-to-closed-content-model"],
            BREAKS,
        ),
        row(
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": with_default}), json!(["b"])),
            &["required-property-with-default-added-to-closed-content-model"],
            BREAKS,
        ),
        // … to a partially open object: old data may carry it with a value the
        // `additionalProperties` schema accepts.
        // An added property is compared with `additionalProperties` both ways: "covered"
        // (the registry's rule) is every value the old model accepted under the name still
        // accepted by the property.
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i, "b": short}), json!([]), s.clone()),
            &["property-added-narrows-partially-open-content-model"],
            NARROWS,
        ),
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i, "b": short}), json!(["b"]), s.clone()),
            &["property-added-narrows-partially-open-content-model"],
            NARROWS,
        ),
        // The same schema as `additionalProperties`: nothing changes…
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i, "b": s}), json!([]), s.clone()),
            &[],
            SAME,
        ),
        // … but for `required`.
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i, "b": s}), json!(["b"]), s.clone()),
            &["required-added"],
            NARROWS,
        ),
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i, "b": i}), json!([]), s.clone()),
            &["property-added-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i, "b": i}), json!(["b"]), s.clone()),
            &["property-added-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            partial(json!({"a": i}), json!([]), short.clone()),
            partial(json!({"a": i, "b": s}), json!([]), short.clone()),
            &["property-added-is-covered-by-partially-open-content-model"],
            WIDENS,
        ),
        row(
            partial(json!({"a": i}), json!([]), short.clone()),
            partial(json!({"a": i, "b": s}), json!(["b"]), short.clone()),
            &[
                "property-added-is-covered-by-partially-open-content-model",
                "required-added",
            ],
            BREAKS,
        ),
        // A property removed from an open object: any value is accepted under its name.
        row(
            open(json!({"a": s, "b": i}), json!([])),
            open(json!({"a": s}), json!([])),
            &["property-removed-from-open-content-model"],
            WIDENS,
        ),
        row(
            open(json!({"a": s, "b": i}), json!(["b"])),
            open(json!({"a": s}), json!([])),
            &["property-removed-from-open-content-model"],
            WIDENS,
        ),
        row(
            open(json!({"a": s, "b": i}), json!(["b"])),
            open(json!({"a": s}), json!(["b"])),
            &["property-removed-from-open-content-model"],
            WIDENS,
        ),
        // … from a closed object: data carrying it is rejected.
        row(
            closed(json!({"a": s, "b": i}), json!([])),
            closed(json!({"a": s}), json!([])),
            &["property-removed-from-closed-content-model"],
            NARROWS,
        ),
        // Required before: old data carries it (the new schema rejects it), new data lacks it
        // (old readers require it).
        row(
            closed(json!({"a": s, "b": i}), json!(["b"])),
            closed(json!({"a": s}), json!([])),
            &["required-property-removed-from-closed-content-model"],
            BREAKS,
        ),
        // Still required: no object satisfies the new schema.
        row(
            closed(json!({"a": s, "b": i}), json!(["b"])),
            closed(json!({"a": s}), json!(["b"])),
            &["property-removed-from-closed-content-model"],
            NARROWS,
        )
        .unsatisfiable(),
        row(
            closed(json!({"a": s, "b": false}), json!([])),
            closed(json!({"a": s}), json!([])),
            &["property-with-false-removed-from-closed-content-model"],
            SAME,
        ),
        // A required `false` property made the old object unsatisfiable.
        row(
            closed(json!({"a": s, "b": false}), json!(["b"])),
            closed(json!({"a": s}), json!([])),
            &[
                "property-with-false-removed-from-closed-content-model",
                "required-removed",
            ],
            WIDENS,
        )
        .unsatisfiable(),
        // … from a partially open object: `additionalProperties` now applies to it.
        row(
            partial(json!({"a": i, "b": short}), json!([]), s.clone()),
            partial(json!({"a": i}), json!([]), s.clone()),
            &["property-removed-is-covered-by-partially-open-content-model"],
            WIDENS,
        ),
        row(
            partial(json!({"a": i, "b": short}), json!(["b"]), s.clone()),
            partial(json!({"a": i}), json!([]), s.clone()),
            &["property-removed-is-covered-by-partially-open-content-model"],
            WIDENS,
        ),
        row(
            partial(json!({"a": i, "b": i}), json!([]), s.clone()),
            partial(json!({"a": i}), json!([]), s.clone()),
            &["property-removed-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            partial(json!({"a": i, "b": i}), json!(["b"]), s.clone()),
            partial(json!({"a": i}), json!([]), s.clone()),
            &["property-removed-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            partial(json!({"a": i, "b": s}), json!([]), short.clone()),
            partial(json!({"a": i}), json!([]), short.clone()),
            &["property-removed-not-covered-by-partially-open-content-model"],
            BREAKS,
        )
        .conservative("`additionalProperties` accepts less than the removed property did: only a narrowing"),
        // The content model and a property change together.
        row(
            open(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": i}), json!([])),
            &[
                "optional-property-added-to-open-content-model",
                "additional-properties-narrowed",
            ],
            NARROWS,
        ),
        row(
            closed(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": i}), json!([])),
            &[
                "optional-property-added-to-closed-content-model",
                "additional-properties-extended",
            ],
            WIDENS,
        ),
        row(
            open(json!({"a": s, "b": i}), json!([])),
            closed(json!({"a": s}), json!([])),
            &[
                "property-removed-from-closed-content-model",
                "additional-properties-narrowed",
            ],
            NARROWS,
        ),
        row(
            open(json!({"a": s, "b": i}), json!(["b"])),
            closed(json!({"a": s}), json!([])),
            &[
                "required-property-removed-from-closed-content-model",
                "additional-properties-narrowed",
            ],
            BREAKS,
        ),
        row(
            closed(json!({"a": s, "b": i}), json!(["b"])),
            open(json!({"a": s}), json!([])),
            &[
                "property-removed-from-open-content-model",
                "additional-properties-extended",
            ],
            WIDENS,
        ),
        // `unevaluatedProperties: false` closes an object as `additionalProperties: false` does.
        row(
            object(json!({"unevaluatedProperties": false})),
            json!({"type": "object", "properties": {"a": s, "b": s}, "unevaluatedProperties": false}),
            &["property-removed-from-closed-content-model"],
            NARROWS,
        ),
        row(
            json!({"type": "object", "properties": {"a": s}, "unevaluatedProperties": false}),
            json!({"type": "object", "properties": {"a": s, "b": i}, "unevaluatedProperties": false}),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        ),
        // `unevaluatedProperties` with a schema partially opens an object as
        // `additionalProperties` with a schema does.
        row(
            uneval(json!({"a": i}), s.clone()),
            uneval(json!({"a": i, "b": i}), s.clone()),
            &["property-added-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            uneval(json!({"a": i}), s.clone()),
            uneval(json!({"a": i, "b": short}), s.clone()),
            &["property-added-narrows-partially-open-content-model"],
            NARROWS,
        ),
        row(
            uneval(json!({"a": i, "b": i}), s.clone()),
            uneval(json!({"a": i}), s.clone()),
            &["property-removed-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            uneval(json!({"a": i, "b": short}), s.clone()),
            uneval(json!({"a": i}), s.clone()),
            &["property-removed-is-covered-by-partially-open-content-model"],
            WIDENS,
        ),
        // `additionalProperties: true` evaluates every other name: `unevaluatedProperties`
        // beside it rejects nothing, and the object is open.
        row(
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": true, "unevaluatedProperties": false}),
            json!({"type": "object", "properties": {"a": s, "b": i}, "additionalProperties": true, "unevaluatedProperties": false}),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        // Where `additionalProperties` goes or comes, `unevaluatedProperties` beside it
        // takes over or gives way; beside it on both sides, it has nothing to apply to.
        row(
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": true, "unevaluatedProperties": false}),
            json!({"type": "object", "properties": {"a": s}, "unevaluatedProperties": false}),
            &["additional-properties-narrowed"],
            NARROWS,
        ),
        row(
            json!({"type": "object", "properties": {"a": s}, "unevaluatedProperties": false}),
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": true, "unevaluatedProperties": false}),
            &["additional-properties-extended"],
            WIDENS,
        ),
        row(
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": s, "unevaluatedProperties": false}),
            json!({"type": "object", "properties": {"a": s}, "unevaluatedProperties": false}),
            &["additional-properties-narrowed"],
            NARROWS,
        ),
        row(
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": s, "unevaluatedProperties": false}),
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": s, "unevaluatedProperties": i}),
            &[],
            SAME,
        ),
        row(
            json!({"type": "object", "properties": {"a": s}, "additionalProperties": s}),
            json!({"type": "object", "properties": {"a": s}, "unevaluatedProperties": short}),
            &["max-length-added"],
            NARROWS,
        ),
        // `allOf` members under `unevaluatedProperties`: a name no member or property of the
        // holder declares is unevaluated, so the holder's content model decides.
        row(
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s, "b": i}}]), json!({}), json!(false)),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s, "b": i}, "required": ["b"]}]), json!({}), json!(false)),
            &["required-property-added-to-closed-content-model"],
            BREAKS,
        ),
        row(
            holder(json!([{"properties": {"a": s, "b": i}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            &["property-removed-from-closed-content-model"],
            NARROWS,
        ),
        row(
            holder(json!([{"properties": {"a": s, "b": i}, "required": ["b"]}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            &["required-property-removed-from-closed-content-model"],
            BREAKS,
        ),
        row(
            holder(json!([{"properties": {"a": i}}]), json!({}), s.clone()),
            holder(json!([{"properties": {"a": i, "b": i}}]), json!({}), s.clone()),
            &["property-added-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            holder(json!([{"properties": {"a": i}}]), json!({}), s.clone()),
            holder(json!([{"properties": {"a": i, "b": short}}]), json!({}), s.clone()),
            &["property-added-narrows-partially-open-content-model"],
            NARROWS,
        ),
        // … but a name the holder or another member declares is evaluated there.
        row(
            holder(json!([{"properties": {"a": s}}]), json!({"b": i}), json!(false)),
            holder(json!([{"properties": {"a": s, "b": {"minimum": 0}}}]), json!({"b": i}), json!(false)),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            holder(json!([{"properties": {"a": s, "b": i}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s, "b": i}}]), json!({"b": {"minimum": 0}}), json!(false)),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            holder(json!([{"properties": {"a": s, "b": i}}]), json!({"b": {"minimum": 0}}), json!(false)),
            holder(json!([{"properties": {"a": s, "b": i}}]), json!({}), json!(false)),
            &["property-removed-from-open-content-model"],
            WIDENS,
        ),
        row(
            holder(json!([{"$ref": "file:///defs/common.json#/$defs/Amount"}, {"properties": {"note": s}}]), json!({}), json!(false)),
            holder(json!([{"$ref": "file:///defs/common.json#/$defs/Amount"}, {"properties": {"note": s, "note2": s}}]), json!({}), json!(false)),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            holder(json!([{"$ref": "file:///defs/common.json#/$defs/Amount"}, {"properties": {"note": s}}]), json!({}), json!(false)),
            holder(json!([{"$ref": "file:///defs/common.json#/$defs/Amount"}, {"properties": {"note": s, "currency": {"const": "EUR"}}}]), json!({}), json!(false)),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        // A member with `additionalProperties` evaluates every name.
        row(
            holder(json!([{"additionalProperties": i}]), json!({}), json!(false)),
            holder(json!([{"additionalProperties": i}]), json!({"b": {"minimum": 0}}), json!(false)),
            &["optional-property-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            holder(json!([{"properties": {"a": s}, "additionalProperties": i}]), json!({}), json!(false)),
            json!({"type": "object", "allOf": [{"properties": {"a": s}, "additionalProperties": i}], "properties": {}, "unevaluatedProperties": false, "additionalProperties": {"type": "integer", "minimum": 1}}),
            &["unclassified"],
            BREAKS,
        )
        .conservative("the holder's `additionalProperties` replaces an `unevaluatedProperties` that had nothing left to apply to; it only narrows here"),
        // An `allOf` member added or removed there is a member changed from or to `{}`.
        row(
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s}}, {"properties": {"b": i}}]), json!({}), json!(false)),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            holder(json!([{"properties": {"a": s}}, {"properties": {"b": i}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            &["property-removed-from-closed-content-model"],
            NARROWS,
        ),
        row(
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s}}, {"properties": {"b": i}, "required": ["b"]}]), json!({}), json!(false)),
            &["required-property-added-to-closed-content-model"],
            BREAKS,
        ),
        row(
            holder(json!([{"properties": {"a": s}}]), json!({}), json!(false)),
            holder(json!([{"properties": {"a": s}}, {"minProperties": 1}]), json!({}), json!(false)),
            &["min-properties-added"],
            NARROWS,
        ),
        // `anyOf` members: a name only a sibling member declares may or may not be evaluated.
        row(
            json!({"type": "object", "anyOf": [{"properties": {"a": s}}, {"properties": {"b": i}}], "unevaluatedProperties": false}),
            json!({"type": "object", "anyOf": [{"properties": {"a": s, "c": i}}, {"properties": {"b": i}}], "unevaluatedProperties": false}),
            &["optional-property-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            json!({"type": "object", "anyOf": [{"properties": {"a": s}}, {"properties": {"b": i}}], "unevaluatedProperties": false}),
            json!({"type": "object", "anyOf": [{"properties": {"a": s, "b": s}}, {"properties": {"b": i}}], "unevaluatedProperties": false}),
            &["unclassified"],
            BREAKS,
        ),
        // Arrays.
        row(
            array(json!({})),
            array(json!({"maxItems": 2})),
            &["max-items-added"],
            NARROWS,
        ),
        row(
            array(json!({"maxItems": 2})),
            array(json!({})),
            &["max-items-removed"],
            WIDENS,
        ),
        row(
            array(json!({"maxItems": 2})),
            array(json!({"maxItems": 3})),
            &["max-items-increased"],
            WIDENS,
        ),
        row(
            array(json!({"maxItems": 3})),
            array(json!({"maxItems": 2})),
            &["max-items-decreased"],
            NARROWS,
        ),
        row(
            array(json!({})),
            array(json!({"minItems": 2})),
            &["min-items-added"],
            NARROWS,
        ),
        row(
            array(json!({"minItems": 2})),
            array(json!({})),
            &["min-items-removed"],
            WIDENS,
        ),
        row(
            array(json!({"minItems": 2})),
            array(json!({"minItems": 3})),
            &["min-items-increased"],
            NARROWS,
        ),
        row(
            array(json!({"minItems": 3})),
            array(json!({"minItems": 2})),
            &["min-items-decreased"],
            WIDENS,
        ),
        row(
            with_contains(json!({})),
            with_contains(json!({"maxContains": 1})),
            &["max-contains-added"],
            NARROWS,
        ),
        row(
            with_contains(json!({"maxContains": 1})),
            with_contains(json!({})),
            &["max-contains-removed"],
            WIDENS,
        ),
        row(
            with_contains(json!({"maxContains": 1})),
            with_contains(json!({"maxContains": 2})),
            &["max-contains-increased"],
            WIDENS,
        ),
        row(
            with_contains(json!({"maxContains": 2})),
            with_contains(json!({"maxContains": 1})),
            &["max-contains-decreased"],
            NARROWS,
        ),
        row(
            with_contains(json!({})),
            with_contains(json!({"minContains": 2})),
            &["min-contains-added"],
            NARROWS,
        ),
        row(
            with_contains(json!({"minContains": 2})),
            with_contains(json!({})),
            &["min-contains-removed"],
            WIDENS,
        ),
        row(
            with_contains(json!({"minContains": 2})),
            with_contains(json!({"minContains": 3})),
            &["min-contains-increased"],
            NARROWS,
        ),
        row(
            with_contains(json!({"minContains": 3})),
            with_contains(json!({"minContains": 2})),
            &["min-contains-decreased"],
            WIDENS,
        ),
        row(
            json!({"type": "array"}),
            json!({"type": "array", "contains": contains}),
            &["contains-added"],
            NARROWS,
        ),
        row(
            json!({"type": "array", "contains": contains}),
            json!({"type": "array"}),
            &["contains-removed"],
            WIDENS,
        ),
        row(
            json!({"type": "array", "contains": short}),
            json!({"type": "array", "contains": string(json!({"maxLength": 5}))}),
            &["max-length-increased"],
            WIDENS,
        ),
        // Without `minContains`, `contains` asks for one match.
        row(
            with_contains(json!({})),
            with_contains(json!({"minContains": 0})),
            &["min-contains-decreased"],
            WIDENS,
        ),
        row(
            with_contains(json!({"minContains": 0})),
            with_contains(json!({})),
            &["min-contains-increased"],
            NARROWS,
        ),
        row(
            with_contains(json!({})),
            with_contains(json!({"minContains": 1})),
            &[],
            SAME,
        ),
        row(
            json!({"type": "array"}),
            json!({"type": "array", "contains": {}}),
            &["contains-added"],
            NARROWS,
        ),
        // Under `maxContains`, the matches of `contains` are capped: a change either way breaks.
        row(
            with_contains(json!({"contains": short, "maxContains": 1})),
            with_contains(json!({"contains": string(json!({"maxLength": 5})), "maxContains": 1})),
            &["contains-changed-under-max-contains"],
            BREAKS,
        ),
        row(
            with_contains(json!({"contains": string(json!({"maxLength": 5})), "maxContains": 1})),
            with_contains(json!({"contains": short, "maxContains": 1})),
            &["contains-changed-under-max-contains"],
            BREAKS,
        ),
        row(
            with_contains(json!({"contains": short, "maxContains": 1})),
            with_contains(json!({"contains": string(json!({"maxLength": 3, "description": "x"})), "maxContains": 1})),
            &["description-changed"],
            SAME,
        ),
        row(
            array(json!({})),
            array(json!({"uniqueItems": true})),
            &["unique-items-added"],
            NARROWS,
        ),
        row(
            array(json!({"uniqueItems": true})),
            array(json!({"uniqueItems": false})),
            &["unique-items-removed"],
            WIDENS,
        ),
        // Items after the tuple.
        row(
            tuple(json!([s]), None),
            tuple(json!([s]), Some(i.clone())),
            &["additional-items-added"],
            NARROWS,
        ),
        row(
            tuple(json!([s]), Some(i.clone())),
            tuple(json!([s]), None),
            &["additional-items-removed"],
            WIDENS,
        ),
        row(
            tuple(json!([s]), Some(json!(false))),
            tuple(json!([s]), None),
            &["additional-items-extended"],
            WIDENS,
        ),
        row(
            tuple(json!([s]), Some(json!(false))),
            tuple(json!([s]), Some(i.clone())),
            &["additional-items-extended"],
            WIDENS,
        ),
        row(
            tuple(json!([s]), None),
            tuple(json!([s]), Some(json!(false))),
            &["additional-items-narrowed"],
            NARROWS,
        ),
        row(
            tuple(json!([s]), Some(i.clone())),
            tuple(json!([s]), Some(json!(false))),
            &["additional-items-narrowed"],
            NARROWS,
        ),
        row(
            tuple(json!([s]), Some(i.clone())),
            tuple(json!([s]), Some(json!({"type": "number"}))),
            &["type-extended"],
            WIDENS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s]}),
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": i}),
            &["unevaluated-items-added"],
            NARROWS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": i}),
            json!({"type": "array", "prefixItems": [s]}),
            &["unevaluated-items-removed"],
            WIDENS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": false}),
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": i}),
            &["unevaluated-items-extended"],
            WIDENS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s]}),
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": false}),
            &["unevaluated-items-narrowed"],
            NARROWS,
        ),
        // Tuple positions, in open, closed and partially open tuples.
        row(
            tuple(json!([s]), None),
            tuple(json!([s, i]), None),
            &["item-added-to-open-content-model"],
            NARROWS,
        ),
        row(
            tuple(json!([s]), None),
            tuple(json!([s, {}]), None),
            &["item-with-empty-schema-added-to-open-content-model"],
            SAME,
        ),
        row(
            tuple(json!([s]), Some(json!(false))),
            tuple(json!([s, i]), Some(json!(false))),
            &["item-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            tuple(json!([s, i]), None),
            tuple(json!([s]), None),
            &["item-removed-from-open-content-model"],
            WIDENS,
        ),
        row(
            tuple(json!([s, false]), Some(json!(false))),
            tuple(json!([s]), Some(json!(false))),
            &["item-with-false-removed-from-closed-content-model"],
            SAME,
        ),
        row(
            tuple(json!([s, i]), Some(json!(false))),
            tuple(json!([s]), Some(json!(false))),
            &["item-removed-from-closed-content-model"],
            NARROWS,
        ),
        row(
            tuple(json!([i, short]), Some(s.clone())),
            tuple(json!([i]), Some(s.clone())),
            &["item-removed-is-covered-by-partially-open-content-model"],
            WIDENS,
        ),
        row(
            tuple(json!([s, i]), Some(s.clone())),
            tuple(json!([s]), Some(s.clone())),
            &["item-removed-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            tuple(json!([i]), Some(s.clone())),
            tuple(json!([i, short]), Some(s.clone())),
            &["item-added-is-covered-by-partially-open-content-model"],
            NARROWS,
        ),
        row(
            tuple(json!([s]), Some(s.clone())),
            tuple(json!([s, i]), Some(s.clone())),
            &["item-added-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            json!({"type": "array", "items": s, "unevaluatedItems": false}),
            json!({"type": "array", "unevaluatedItems": false}),
            &["additional-items-narrowed"],
            NARROWS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s], "items": true, "unevaluatedItems": false}),
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": false}),
            &["additional-items-narrowed"],
            NARROWS,
        ),
        // `unevaluatedItems` decides for positions after the tuple when `items` is absent.
        row(
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": false}),
            json!({"type": "array", "prefixItems": [s, i], "unevaluatedItems": false}),
            &["item-added-to-closed-content-model"],
            WIDENS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s, i], "unevaluatedItems": false}),
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": false}),
            &["item-removed-from-closed-content-model"],
            NARROWS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": s}),
            json!({"type": "array", "prefixItems": [s, i], "unevaluatedItems": s}),
            &["item-added-not-covered-by-partially-open-content-model"],
            BREAKS,
        ),
        row(
            json!({"type": "array", "prefixItems": [s, short], "unevaluatedItems": s}),
            json!({"type": "array", "prefixItems": [s], "unevaluatedItems": s}),
            &["item-removed-is-covered-by-partially-open-content-model"],
            WIDENS,
        ),
        // Values.
        row(
            s.clone(),
            string(json!({"enum": ["a", "b"]})),
            &["enum-added"],
            NARROWS,
        ),
        row(
            json!({"enum": ["a", "b"]}),
            json!({}),
            &["enum-removed"],
            WIDENS,
        ),
        row(
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "b", "c"]}),
            &["enum-extended"],
            WIDENS,
        ),
        row(
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a"]}),
            &["enum-narrowed"],
            NARROWS,
        ),
        row(
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "c"]}),
            &["enum-changed"],
            BREAKS,
        ),
        row(s.clone(), string(json!({"const": "a"})), &["const-added"], NARROWS),
        row(string(json!({"const": "a"})), s.clone(), &["const-removed"], WIDENS),
        row(
            json!({"const": "a"}),
            json!({"const": "b"}),
            &["const-changed"],
            BREAKS,
        ),
        // Combinators.
        row(
            s.clone(),
            string(json!({"anyOf": [{"maxLength": 3}, {"const": "abcdef"}]})),
            &["combined-type-added"],
            NARROWS,
        ),
        row(
            string(json!({"allOf": [{"maxLength": 3}]})),
            s.clone(),
            &["combined-type-removed"],
            WIDENS,
        ),
        row(
            json!({"oneOf": [s, {"maxLength": 3}]}),
            json!({"anyOf": [s, {"maxLength": 3}]}),
            &["combined-type-extended"],
            WIDENS,
        ),
        // `oneOf` ↔ `anyOf` compare their members: no false pass.
        row(
            json!({"oneOf": [{"type": "number"}, s]}),
            json!({"anyOf": [s]}),
            &["sum-type-narrowed"],
            NARROWS,
        )
        .probe(json!(0)),
        row(
            json!({"oneOf": [s]}),
            json!({"anyOf": [{"type": "string", "maxLength": 1}]}),
            &["max-length-added"],
            NARROWS,
        )
        .probe(json!("ab")),
        // Disjoint members: `oneOf` and `anyOf` are the same union.
        row(
            json!({"oneOf": [{"type": "number"}, s]}),
            json!({"anyOf": [{"type": "number"}, s]}),
            &[],
            SAME,
        ),
        row(
            json!({"anyOf": [i, s]}),
            json!({"oneOf": [i, s]}),
            &[],
            SAME,
        ),
        row(
            json!({"anyOf": [s, short]}),
            json!({"oneOf": [s, short]}),
            &["combined-type-changed"],
            BREAKS,
        )
        .conservative("the new `oneOf` of overlapping members only narrows; the swap is reported as breaking"),
        // A schema wrapped into a union that still contains it, and unwrapped again.
        row(
            s.clone(),
            json!({"oneOf": [{"type": "number"}, s]}),
            &["sum-type-extended"],
            WIDENS,
        )
        .probe(json!(1.5)),
        row(
            json!({"anyOf": [{"type": "number"}, s]}),
            s.clone(),
            &["sum-type-narrowed"],
            NARROWS,
        )
        .probe(json!(1.5)),
        row(
            s.clone(),
            json!({"oneOf": [s, short]}),
            &["combined-type-added", "type-extended"],
            BREAKS,
        )
        .conservative("a `oneOf` of overlapping members holds the old schema only where one member matches: not a wrap; the keywords are compared one by one"),
        // Member lists of different lengths: each old member within a new one.
        row(
            json!({"oneOf": [short, i]}),
            json!({"oneOf": [s, i, {"type": "boolean"}]}),
            &["sum-type-extended"],
            WIDENS,
        )
        .probe(json!(true)),
        row(
            json!({"anyOf": [s, i, {"type": "boolean"}]}),
            json!({"anyOf": [short, i]}),
            &["sum-type-narrowed"],
            NARROWS,
        )
        .probe(json!(true)),
        // A string under a map of strings becomes a string or null.
        row(
            partial(json!({"a": i}), json!([]), s.clone()),
            partial(json!({"a": i}), json!([]), json!({"oneOf": [{"type": "null"}, s]})),
            &["sum-type-extended"],
            WIDENS,
        )
        .probe(json!({"b": null})),
        // Partially open through `patternProperties`: a removed property the pattern still
        // governs, and an added one within the pattern's schema.
        row(
            json!({"type": "object", "properties": {"a_x": short}, "patternProperties": {"^a_": s}, "additionalProperties": false}),
            json!({"type": "object", "patternProperties": {"^a_": s}, "additionalProperties": false}),
            &["property-removed-is-covered-by-partially-open-content-model"],
            WIDENS,
        )
        .probe(json!({"a_x": "long text"})),
        row(
            json!({"type": "object", "patternProperties": {"^a_": s}, "additionalProperties": false}),
            json!({"type": "object", "properties": {"a_x": short}, "patternProperties": {"^a_": s}, "additionalProperties": false}),
            &["property-added-narrows-partially-open-content-model"],
            NARROWS,
        )
        .probe(json!({"a_x": "long text"})),
        row(
            json!({"oneOf": [s, {"maxLength": 3}]}),
            json!({"allOf": [s, {"maxLength": 3}]}),
            &["combined-type-changed"],
            BREAKS,
        ),
        row(
            json!({"anyOf": [s, {"maxLength": 3}]}),
            json!({"allOf": [s, {"maxLength": 3}]}),
            &["combined-type-changed"],
            BREAKS,
        )
        .conservative("`anyOf` → `allOf` of the same members only narrows; every change of combinator but `oneOf` → `anyOf` is reported as breaking"),
        row(
            json!({"allOf": [s]}),
            json!({"allOf": [s, {"maxLength": 3}]}),
            &["product-type-extended"],
            NARROWS,
        ),
        row(
            json!({"allOf": [s, {"maxLength": 3}]}),
            json!({"allOf": [s]}),
            &["product-type-narrowed"],
            WIDENS,
        ),
        row(
            json!({"anyOf": [s, i]}),
            json!({"anyOf": [s, i, {"type": "boolean"}]}),
            &["sum-type-extended"],
            WIDENS,
        ),
        row(
            json!({"anyOf": [s, i]}),
            json!({"anyOf": [s]}),
            &["sum-type-narrowed"],
            NARROWS,
        ),
        row(
            json!({"oneOf": [s, i]}),
            json!({"oneOf": [s, i, {"type": "boolean"}]}),
            &["sum-type-extended"],
            WIDENS,
        ),
        row(
            json!({"oneOf": [s, i]}),
            json!({"oneOf": [s]}),
            &["sum-type-narrowed"],
            NARROWS,
        ),
        // `oneOf` members that may overlap: a document may come to match two of them, or
        // stop matching a second one.
        row(
            json!({"oneOf": [short, i]}),
            json!({"oneOf": [short, i, {"type": "string", "minLength": 2}]}),
            &["sum-type-extended", "one-of-members-not-disjoint"],
            BREAKS,
        ),
        row(
            json!({"oneOf": [s, i, {"minLength": 2}]}),
            json!({"oneOf": [s, i]}),
            &["sum-type-narrowed", "one-of-members-not-disjoint"],
            BREAKS,
        ),
        row(
            json!({"oneOf": [short, {"type": "string", "minLength": 5}]}),
            json!({"oneOf": [string(json!({"maxLength": 5})), {"type": "string", "minLength": 5}]}),
            &["max-length-increased", "one-of-members-not-disjoint"],
            BREAKS,
        ),
        row(
            json!({"oneOf": [short, i]}),
            json!({"oneOf": [string(json!({"maxLength": 5})), i]}),
            &["max-length-increased"],
            WIDENS,
        ),
        row(
            json!({"oneOf": [s, {"type": "null"}]}),
            json!({"oneOf": [short, {"type": "null"}]}),
            &["max-length-added"],
            NARROWS,
        ),
        row(
            json!({"oneOf": [{"enum": ["a", "b"]}, {"const": "c"}]}),
            json!({"oneOf": [{"enum": ["a", "b"]}, {"const": "c"}, {"enum": [1, "d"]}]}),
            &["sum-type-extended"],
            WIDENS,
        ),
        // A tagged union: members told apart by a required property with distinct values.
        row(
            json!({"oneOf": [variant("a", &s), variant("b", &s)]}),
            json!({"oneOf": [variant("a", &s), variant("b", &s), variant("c", &i)]}),
            &["sum-type-extended"],
            WIDENS,
        ),
        row(
            json!({"oneOf": [variant("a", &s), variant("b", &s), variant("c", &i)]}),
            json!({"oneOf": [variant("a", &s), variant("b", &s)]}),
            &["sum-type-narrowed"],
            NARROWS,
        ),
        row(
            json!({"oneOf": [variant("a", &s), variant("b", &s)]}),
            json!({"oneOf": [variant("a", &short), variant("b", &s)]}),
            &["max-length-added"],
            NARROWS,
        ),
        row(
            json!({"oneOf": [variant("a", &s), variant("b", &s)]}),
            json!({"oneOf": [variant("a", &s), variant("b", &s), {"allOf": [{"$ref": "file:///defs/common.json#/$defs/Amount"}, variant("c", &i)]}]}),
            &["sum-type-extended"],
            WIDENS,
        ),
        // Without a required tag the engine cannot tell these members apart.
        row(
            json!({"oneOf": [untagged("a"), untagged("b")]}),
            json!({"oneOf": [untagged("a"), untagged("b"), untagged("c")]}),
            &["sum-type-extended", "one-of-members-not-disjoint"],
            BREAKS,
        )
        .conservative("an object without `kind` matches every member, so old data never matched exactly one; the extension only widens"),
        row(
            json!({"anyOf": [s, i]}),
            json!({"anyOf": [s, {"type": "number"}]}),
            &["type-extended"],
            WIDENS,
        ),
        // Several combinators side by side: each is a constraint of its own.
        row(
            json!({"allOf": [{"maxLength": 5}], "anyOf": [short, i]}),
            json!({"allOf": [{"maxLength": 5}], "anyOf": [short]}),
            &["sum-type-narrowed"],
            NARROWS,
        ),
        row(
            json!({"allOf": [s]}),
            json!({"allOf": [s], "oneOf": [short, {"minLength": 2}]}),
            &["combined-type-added"],
            NARROWS,
        ),
        row(
            json!({"anyOf": [short, i], "oneOf": [s, {"minimum": 3}]}),
            json!({"anyOf": [short, i]}),
            &["combined-type-removed"],
            WIDENS,
        ),
        row(
            json!({"allOf": [s], "anyOf": [short, i]}),
            json!({"anyOf": [short, i]}),
            &["combined-type-removed"],
            WIDENS,
        ),
        row(
            s.clone(),
            string(json!({"not": {"const": "x"}})),
            &["not-type-added"],
            NARROWS,
        ),
        row(
            string(json!({"not": {"const": "x"}})),
            s.clone(),
            &["not-type-removed"],
            WIDENS,
        ),
        row(
            string(json!({"not": {"enum": ["x", "y"]}})),
            string(json!({"not": {"enum": ["x"]}})),
            &["not-type-extended"],
            WIDENS,
        ),
        row(
            string(json!({"not": {"enum": ["x"]}})),
            string(json!({"not": {"enum": ["x", "y"]}})),
            &["not-type-narrowed"],
            NARROWS,
        )
        .probe(json!("y")),
        row(
            s.clone(),
            string(json!({"if": {"const": "a"}, "then": {"maxLength": 0}})),
            &["conditional-added"],
            NARROWS,
        ),
        row(
            string(json!({"if": {"const": "a"}, "then": {"maxLength": 0}})),
            s.clone(),
            &["conditional-removed"],
            WIDENS,
        ),
        // What the engine cannot classify fails closed.
        row(
            json!({"oneOf": [s, i]}),
            json!({"oneOf": [{"type": "boolean"}, {"type": "null"}, {"type": "array"}]}),
            &["unclassified"],
            BREAKS,
        ),
        row(
            string(json!({"not": {"type": "string", "maxLength": 3}})),
            string(json!({"not": {"type": "string", "minLength": 1}})),
            &["unclassified"],
            BREAKS,
        ),
        row(
            string(json!({"if": {"const": "a"}, "then": {"maxLength": 0}})),
            string(json!({"if": {"const": "a"}, "then": {"maxLength": 1}})),
            &["unclassified"],
            BREAKS,
        )
        .conservative("the engine does not compare conditionals; this one only widens"),
        row(
            string(json!({"someKeyword": 1})),
            string(json!({"someKeyword": 2})),
            &["unclassified"],
            BREAKS,
        )
        .conservative("the validator ignores unknown keywords; other tools may not"),
        // `$ref`s are followed: the old side is a `$ref` to `Money`, the new one an inline
        // copy with one change.
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Money"}),
            money(json!({"type": "integer", "description": "Amount."}), json!({"$ref": "file:///defs/common.json#/$defs/Currency"})),
            &["type-narrowed"],
            NARROWS,
        ),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Money"}),
            money(json!({"type": "number", "description": "Amount."}), json!({"description": "ISO 4217 code.", "enum": ["RSD", "THB"]})),
            &["enum-narrowed"],
            NARROWS,
        ),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Money"}),
            money(json!({"type": "number", "description": "Amount."}), json!({"enum": ["RSD", "THB", "EUR"]})),
            &["description-changed"],
            SAME,
        ),
        // Keywords beside a `$ref` apply with it (`$ref` is an in-place applicator, as `allOf`).
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Amount"}),
            json!({"$ref": "file:///defs/common.json#/$defs/Amount", "dependentRequired": {"amount": ["note"]}}),
            &["dependent-required-added"],
            NARROWS,
        ),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Currency"}),
            json!({"$ref": "file:///defs/common.json#/$defs/Currency", "enum": ["RSD"]}),
            &["enum-added"],
            NARROWS,
        ),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Currency", "not": {"const": "EUR"}}),
            json!({"$ref": "file:///defs/common.json#/$defs/Currency"}),
            &["not-type-removed"],
            WIDENS,
        ),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Currency", "x-encoding": "json-string"}),
            json!({"$ref": "file:///defs/common.json#/$defs/Currency"}),
            &["encoding-changed"],
            BREAKS,
        )
        .conservative("`x-encoding` is ours: the validator does not see it, the wire form differs"),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Currency"}),
            json!({"$ref": "file:///defs/common.json#/$defs/Currency", "description": "Where paid."}),
            &["description-changed"],
            SAME,
        ),
        row(
            json!({"$ref": "file:///defs/common.json#/$defs/Currency", "description": "Where paid."}),
            json!({"description": "Where paid.", "enum": ["RSD", "THB", "EUR"]}),
            &[],
            SAME,
        ),
        // Found by the differential test (`differential.rs`): subschemas that appear or go
        // where an `unevaluatedProperties`/`unevaluatedItems` judges what they evaluate.
        // A `$ref` beside an `allOf` member's `properties` evaluates the target's names too:
        // `amount` and `currency` are no longer unevaluated.
        row(
            holder(json!([{"properties": {"a": s}}]), json!({"b": {}}), json!(false)),
            holder(
                json!([{"$ref": "file:///defs/common.json#/$defs/Amount", "properties": {"a": s}}]),
                json!({"b": {}}),
                json!(false),
            ),
            &["unclassified"],
            BREAKS,
        )
        .probe(json!({"amount": 1, "currency": "RSD"})),
        // An `if` evaluates the names it declares where it holds: removing it leaves `b`
        // unevaluated.
        row(
            json!({
                "type": "object",
                "allOf": [{"$ref": "file:///defs/common.json#/$defs/Amount"}],
                "if": {"properties": {"b": {"type": "array"}}, "required": ["b"]},
                "unevaluatedProperties": false
            }),
            json!({
                "type": "object",
                "allOf": [{"$ref": "file:///defs/common.json#/$defs/Amount"}],
                "unevaluatedProperties": false
            }),
            &["unclassified"],
            BREAKS,
        )
        .probe(json!({"amount": 1, "currency": "RSD", "b": []}))
        .conservative("what an `if` evaluates under `unevaluatedProperties` is not told apart: its removal only narrows here"),
        // An `allOf` member's `prefixItems` evaluates the first element for the holder's
        // `unevaluatedItems`: without it, the element is unevaluated.
        row(
            json!({"type": "array", "allOf": [{"prefixItems": [s]}], "unevaluatedItems": false}),
            json!({"type": "array", "allOf": [true], "unevaluatedItems": false}),
            &["unclassified", "item-removed-from-open-content-model"],
            BREAKS,
        )
        .conservative("what `prefixItems` evaluates under an enclosing `unevaluatedItems` is not told apart: its removal only narrows here"),
        // An `if` evaluates the positions it declares where it holds: the position removed is
        // not surely left to `unevaluatedItems: false` (`["a"]` is accepted after).
        row(
            json!({"type": "array", "if": {"prefixItems": [{"const": "a"}]}, "prefixItems": [{"type": "object"}], "unevaluatedItems": false}),
            json!({"type": "array", "if": {"prefixItems": [{"const": "a"}]}, "unevaluatedItems": false}),
            &["unclassified"],
            BREAKS,
        )
        .probe(json!(["a"]))
        .probe(json!([{}])),
        // `contains` evaluates the elements it matches: beside it, `unevaluatedItems: false`
        // did not close the array, and `items` appearing is no `additional-items-extended`.
        row(
            json!({"type": "array", "contains": s, "prefixItems": [true], "unevaluatedItems": false}),
            json!({"type": "array", "contains": s, "prefixItems": [true], "items": i, "unevaluatedItems": false}),
            &["unclassified"],
            BREAKS,
        )
        .probe(json!(["a", "a"]))
        .probe(json!(["a", 1])),
        // A union unwrapped in an `allOf` member under `unevaluatedProperties: false`: the
        // member now evaluates `a`.
        row(
            holder(
                json!([{"anyOf": [{"type": "object", "properties": {"b": {"const": "RSD"}}, "required": ["b"]}, true]}]),
                json!({"b": {}}),
                json!(false),
            ),
            holder(json!([{"properties": {"a": s}}]), json!({"b": {}}), json!(false)),
            &["unclassified", "optional-property-added-to-closed-content-model"],
            BREAKS,
        )
        .probe(json!({"a": "a"}))
        .conservative("the union's removal under `unevaluatedProperties` is not told apart: the `true` member made it accept everything"),
    ]
}

/// Whether each mode allows a set of effects.
fn verdict_of(effects: &[Effect]) -> Verdict {
    let allows = |m: Mode| effects.iter().all(|e| m.allows(*e));
    Verdict {
        backward: allows(Mode::Backward),
        forward: allows(Mode::Forward),
        full: allows(Mode::Full),
    }
}

/// What is wrong with the engine's findings and verdicts for a row.
fn engine_failures(old_set: &SchemaSet, new_set: &SchemaSet, r: &Row) -> Vec<String> {
    let changes = diff_schemas(old_set, &r.old, new_set, &r.new);
    let mut got: Vec<&str> = changes.iter().map(|c| c.rule.name()).collect();
    let mut want = r.findings.clone();
    got.sort_unstable();
    want.sort_unstable();
    if got != want {
        return vec![format!(
            "line {}: findings {got:?}, the row says {want:?}",
            r.line
        )];
    }
    let effects: Vec<Effect> = changes.iter().map(|c| c.rule.effect()).collect();
    let v = verdict_of(&effects);
    for (plain, transitive) in [
        (Mode::Backward, Mode::BackwardTransitive),
        (Mode::Forward, Mode::ForwardTransitive),
        (Mode::Full, Mode::FullTransitive),
    ] {
        for e in &effects {
            assert_eq!(plain.allows(*e), transitive.allows(*e));
        }
    }
    assert!(effects.iter().all(|e| Mode::None.allows(*e)));
    if v != r.verdict {
        return vec![format!(
            "line {}: verdict {v:?}, the row says {:?}",
            r.line, r.verdict
        )];
    }
    Vec::new()
}

/// What the validator says against a row's verdict.
fn oracle_failures(
    (old_set, old_compiler): (&SchemaSet, &Compiler),
    (new_set, new_compiler): (&SchemaSet, &Compiler),
    r: &Row,
) -> Vec<String> {
    let line = r.line;
    let (old, new) = match (old_compiler.compile(&r.old), new_compiler.compile(&r.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            return vec![format!(
                "line {line}: does not compile: {:?} {:?}",
                o.err(),
                n.err()
            )]
        }
    };
    let sets = [old_set, new_set];
    let gen = Gen::new(&sets, old_compiler, new_compiler);
    let mut docs = r.probes.clone();
    docs.extend(gen.documents(&r.old, &r.new));
    let mut failures = Vec::new();
    // Backward: a document the old schema accepts and the new one rejects.
    let backward = docs.iter().find(|d| old.is_valid(d) && !new.is_valid(d));
    let forward = docs.iter().find(|d| new.is_valid(d) && !old.is_valid(d));
    if r.verdict.backward {
        if let Some(d) = backward {
            failures.push(format!("line {line}: allowed under backward, but the old schema accepts {d} and the new one rejects it"));
        }
    }
    if r.verdict.forward {
        if let Some(d) = forward {
            failures.push(format!("line {line}: allowed under forward, but the new schema accepts {d} and the old one rejects it"));
        }
    }
    let missing: Vec<&str> = [
        (!r.verdict.backward && backward.is_none()).then_some("backward"),
        (!r.verdict.forward && forward.is_none()).then_some("forward"),
    ]
    .into_iter()
    .flatten()
    .collect();
    match (r.conservative, missing.is_empty()) {
        (None, false) => failures.push(format!(
            "line {line}: refused under {missing:?}, but no document shows why (add a probe, or say why the engine is stricter than the validator)"
        )),
        (Some(why), true) => failures.push(format!(
            "line {line}: marked conservative ({why}), but every refusal has a counter-example"
        )),
        _ => {}
    }
    // The documents exercise both schemas.
    let exercised = docs.iter().any(|d| old.is_valid(d)) && docs.iter().any(|d| new.is_valid(d));
    if exercised == r.unsatisfiable {
        failures.push(format!(
            "line {line}: {}",
            if exercised {
                "marked unsatisfiable, but both schemas accept a document"
            } else {
                "no document is valid under one of the schemas"
            }
        ));
    }
    failures
}

#[test]
fn every_row_gives_its_findings_and_verdicts() {
    let set = set();
    let failures: Vec<String> = table()
        .iter()
        .flat_map(|r| engine_failures(&set, &set, r))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn verdicts_agree_with_the_validator() {
    let set = set();
    let compiler = Compiler::new(&set);
    let failures: Vec<String> = table()
        .iter()
        .flat_map(|r| oracle_failures((&set, &compiler), (&set, &compiler), r))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_row() {
    let covered: BTreeSet<&str> = table()
        .iter()
        .flat_map(|r| r.findings.iter().copied())
        .collect();
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .map(|r| r.name())
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(missing.is_empty(), "rules without a row: {missing:?}");
    for name in &covered {
        assert!(Rule::from_name(name).is_some(), "unknown rule {name:?}");
    }
}

/// The content model of an object schema: open, closed or partially open.
fn model_of(v: &Value) -> Option<&'static str> {
    if v.get("type")? != "object" {
        return None;
    }
    Some(match v.get("additionalProperties") {
        None | Some(Value::Bool(true)) => "open",
        Some(Value::Bool(false)) => "closed",
        Some(_) => "partial",
    })
}

#[test]
fn rules_on_required_properties_have_rows_in_every_content_model() {
    let rows = table();
    for rule in [
        "required-added",
        "required-with-default-added",
        "required-removed",
    ] {
        let models: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.findings == [rule])
            .filter_map(|r| model_of(&r.old))
            .collect();
        assert_eq!(
            models,
            BTreeSet::from(["closed", "open", "partial"]),
            "{rule}"
        );
    }
    // Adding and removing properties: required and optional, in each model.
    for (model, required) in [
        ("open", false),
        ("open", true),
        ("closed", false),
        ("closed", true),
        ("partial", false),
        ("partial", true),
    ] {
        for adding in [true, false] {
            let found = rows.iter().any(|r| {
                let (from, to) = if adding {
                    (&r.old, &r.new)
                } else {
                    (&r.new, &r.old)
                };
                let names = |v: &Value| -> BTreeSet<String> {
                    v.get("properties")
                        .and_then(Value::as_object)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default()
                };
                let gained: Vec<String> = names(to).difference(&names(from)).cloned().collect();
                let req = to
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|a| gained.iter().any(|g| a.contains(&json!(g))));
                model_of(&r.old) == Some(model)
                    && model_of(&r.new) == Some(model)
                    && !gained.is_empty()
                    && req == required
            });
            assert!(
                found,
                "no row {} a {} property {} a {model} object",
                if adding { "adding" } else { "removing" },
                if required { "required" } else { "optional" },
                if adding { "to" } else { "from" },
            );
        }
    }
}

#[test]
fn the_docs_list_every_rule_with_its_effect() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let docs = std::fs::read_to_string(root.join("docs/evolution-rules.md")).unwrap();
    let listed: Vec<Vec<String>> = docs
        .lines()
        .filter(|l| l.starts_with("| `") && l.matches(" | ").count() == 5)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        listed.len(),
        Rule::ALL.len(),
        "rows in the docs' rule table"
    );
    let mark = |b: bool| if b { "✓" } else { "✗" };
    for (r, cells) in Rule::ALL.iter().zip(&listed) {
        let e = r.effect();
        let want = vec![
            format!("`{}`", r.name()),
            e.as_str().to_owned(),
            mark(Mode::Backward.allows(e)).to_owned(),
            mark(Mode::Forward.allows(e)).to_owned(),
            mark(Mode::Full.allows(e)).to_owned(),
            r.description().to_owned(),
        ];
        assert_eq!(cells, &want);
    }
    let count = format!("of the {} rules below", Rule::ALL.len());
    assert!(docs.replace('\n', " ").contains(&count), "docs: {count:?}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let count = format!("The {} rules", Rule::ALL.len());
    assert!(readme.contains(&count), "README: {count:?}");
}

#[test]
fn refs_are_followed_not_compared_as_strings() {
    let set = set();
    // Same $ref on both sides and the same target: nothing.
    let r = json!({"$ref": "file:///defs/common.json#/$defs/Money"});
    assert!(diff_schemas(&set, &r, &set, &r).is_empty());
    // A $ref against the inline copy of its target: nothing either.
    let inline = set
        .doc("defs/common.json")
        .unwrap()
        .json
        .pointer("/$defs/Money")
        .unwrap()
        .clone();
    let changes = diff_schemas(&set, &r, &set, &inline);
    assert!(changes.is_empty(), "{changes:?}");
    // A change inside the target is reported at the path of the property.
    let mut changed = inline.clone();
    changed["properties"]["amount"]["type"] = json!("integer");
    let changes = diff_schemas(&set, &r, &set, &changed);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].rule, Rule::TypeNarrowed);
    assert_eq!(changes[0].path, "/properties/amount/type");
    assert_eq!(changes[0].instance_path.as_deref(), Some("/amount"));
}

/// The fixture set, copied and edited.
fn edited_set(dir: &Path, edit: impl FnOnce(&mut Value)) -> SchemaSet {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/constructs");
    for rel in [
        "envelope.json",
        "defs/common.json",
        "shapes/shape.minimal.v1.json",
    ] {
        std::fs::create_dir_all(dir.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(from.join(rel), dir.join(rel)).unwrap();
    }
    let common = dir.join("defs/common.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&common).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&common, v.to_string()).unwrap();
    SchemaSet::load(dir).unwrap()
}

/// Rows whose `$ref`s resolve in two versions of the fixture's `defs/common.json`.
fn check_across(old: impl FnOnce(&mut Value), new: impl FnOnce(&mut Value), rows: Vec<Row>) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (old_set, new_set) = (edited_set(a.path(), old), edited_set(b.path(), new));
    let (oc, nc) = (Compiler::new(&old_set), Compiler::new(&new_set));
    let failures: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            let mut f = engine_failures(&old_set, &new_set, r);
            f.extend(oracle_failures((&old_set, &oc), (&new_set, &nc), r));
            f
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn refs_resolve_in_their_own_version() {
    // `Currency` is strings in the old version and integers in the new one.
    let currency = json!({"$ref": "file:///defs/common.json#/$defs/Currency"});
    check_across(
        |v| v["$defs"]["Currency"] = json!({"type": "string", "enum": ["RSD", "EUR"]}),
        |v| v["$defs"]["Currency"] = json!({"type": "integer"}),
        vec![
            // A property referring to it added where extra properties were strings.
            row(
                partial(json!({}), json!([]), s()),
                partial(json!({"c": currency}), json!([]), s()),
                &["property-added-not-covered-by-partially-open-content-model"],
                BREAKS,
            ),
            // A string property removed where extra properties must now be `Currency`.
            row(
                partial(json!({"c": s()}), json!([]), currency.clone()),
                partial(json!({}), json!([]), currency.clone()),
                &[
                    "property-removed-not-covered-by-partially-open-content-model",
                    "type-changed",
                    "enum-removed",
                ],
                BREAKS,
            ),
        ],
    );
}

#[test]
fn a_shared_definition_is_compared_in_each_place_it_is_used() {
    // `Amount` gains an optional `note`: an addition to an open object where it is a property
    // (narrows), to a closed one where it is an `allOf` member under
    // `unevaluatedProperties: false` (widens).
    let amount = json!({"$ref": "file:///defs/common.json#/$defs/Amount"});
    let both = json!({"type": "object", "properties": {
        "plain": amount,
        "merged": {"allOf": [amount], "unevaluatedProperties": false}
    }});
    check_across(
        |_| {},
        |v| v["$defs"]["Amount"]["properties"]["note"] = json!({"type": "string"}),
        vec![
            row(
                both.clone(),
                both,
                &[
                    "optional-property-added-to-open-content-model",
                    "optional-property-added-to-closed-content-model",
                ],
                BREAKS,
            ),
            row(
                json!({"allOf": [amount], "unevaluatedProperties": false}),
                json!({"allOf": [amount], "unevaluatedProperties": false}),
                &["optional-property-added-to-closed-content-model"],
                WIDENS,
            ),
        ],
    );
}

#[test]
fn recursive_schemas_terminate() {
    let set = set();
    let node = json!({"$ref": "file:///defs/common.json#/$defs/Node"});
    assert!(diff_schemas(&set, &node, &set, &node).is_empty());
}

#[test]
fn the_catalogue_is_at_least_as_large_as_confluents() {
    // Confluent Schema Registry's JSON Schema provider has 132 difference types.
    assert!(Rule::ALL.len() >= 132, "{}", Rule::ALL.len());
    let names: std::collections::HashSet<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(names.len(), Rule::ALL.len(), "rule names are unique");
    for r in Rule::ALL {
        assert_eq!(Rule::from_name(r.name()), Some(*r));
        assert!(!r.description().is_empty());
    }
}

#[test]
fn a_definition_compared_once_is_compared_again_under_not_and_max_contains() {
    // `Currency` gains a value. Where it is a property, that widens; under `not`, compared
    // after it, it narrows: a pair of `$ref`s already compared is compared again there, not
    // skipped as unchanged.
    let currency = json!({"$ref": "file:///defs/common.json#/$defs/Currency"});
    check_across(
        |_| {},
        |v| v["$defs"]["Currency"]["enum"] = json!(["RSD", "THB", "EUR", "USD"]),
        vec![
            row(
                open(json!({"c": currency, "d": {"not": currency}}), json!([])),
                open(json!({"c": currency, "d": {"not": currency}}), json!([])),
                &["enum-extended", "not-type-narrowed"],
                BREAKS,
            )
            .probe(json!({"c": "USD"}))
            .probe(json!({"d": "USD"})),
            row(
                open(
                    json!({"c": currency, "l": {"type": "array", "contains": currency, "maxContains": 1}}),
                    json!([]),
                ),
                open(
                    json!({"c": currency, "l": {"type": "array", "contains": currency, "maxContains": 1}}),
                    json!([]),
                ),
                &["enum-extended", "contains-changed-under-max-contains"],
                BREAKS,
            )
            .probe(json!({"c": "USD"}))
            .probe(json!({"l": ["RSD", "USD"]}))
            .probe(json!({"l": ["USD"]})),
        ],
    );
}

#[test]
fn a_recursive_definition_wrapped_into_a_union_terminates() {
    // `Node` (recursive) becomes a union of itself and `null`: whether one is within the
    // other is asked again at every level; the engine stops and cannot tell.
    let node = json!({"$ref": "file:///defs/common.json#/$defs/Node"});
    check_across(
        |_| {},
        |v| {
            let node = v["$defs"]["Node"].clone();
            v["$defs"]["Node"] = json!({"anyOf": [node, {"type": "null"}]});
        },
        vec![row(
            node.clone(),
            node,
            &[
                "combined-type-added",
                "description-changed",
                "property-removed-from-open-content-model",
                "property-removed-from-open-content-model",
                "property-removed-from-open-content-model",
                "type-extended",
            ],
            BREAKS,
        )
        .conservative("the union is compared with the recursive definition only to a depth: the engine cannot tell that the old `Node` is within it")],
    );
}
