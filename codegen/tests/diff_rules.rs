//! One row per rule: old schema, new schema, expected rule, and whether backward, forward
//! and full mode allow it — in open and closed content models where the difference matters.

use std::path::Path;

use events_codegen::diff::{diff_schemas, Mode, Rule};
use events_codegen::SchemaSet;
use serde_json::{json, Value};

fn set() -> SchemaSet {
    SchemaSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/constructs"))
        .unwrap()
}

/// (old, new, rule, backward allowed, forward allowed, full allowed)
fn table() -> Vec<(Value, Value, &'static str, bool, bool, bool)> {
    let closed = |props: Value, req: Value| json!({"type": "object", "properties": props, "required": req, "additionalProperties": false});
    let open =
        |props: Value, req: Value| json!({"type": "object", "properties": props, "required": req});
    let partial = |props: Value| json!({"type": "object", "properties": props, "additionalProperties": {"type": "string"}});
    let s = json!({"type": "string"});
    let i = json!({"type": "integer"});
    vec![
        (
            json!({"type": "string", "description": "a"}),
            json!({"type": "string", "description": "b"}),
            "description-changed",
            true,
            true,
            true,
        ),
        (
            json!({"type": "integer"}),
            json!({"type": "number"}),
            "type-extended",
            true,
            false,
            false,
        ),
        (
            json!({"type": "number"}),
            json!({"type": "integer"}),
            "type-narrowed",
            false,
            true,
            false,
        ),
        (
            json!({"type": "string"}),
            json!({"type": "integer"}),
            "type-changed",
            false,
            false,
            false,
        ),
        (
            json!({"type": "string"}),
            json!({"type": ["string", "null"]}),
            "type-extended",
            true,
            false,
            false,
        ),
        (
            json!({"type": "string"}),
            json!({"type": "string", "maxLength": 5}),
            "max-length-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "string", "maxLength": 5}),
            json!({"type": "string", "maxLength": 9}),
            "max-length-increased",
            true,
            false,
            false,
        ),
        (
            json!({"type": "string", "minLength": 5}),
            json!({"type": "string", "minLength": 9}),
            "min-length-increased",
            false,
            true,
            false,
        ),
        (
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string", "pattern": "^b"}),
            "pattern-changed",
            false,
            false,
            false,
        ),
        (
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string"}),
            "pattern-removed",
            true,
            false,
            false,
        ),
        (
            json!({"type": "string"}),
            json!({"type": "string", "format": "uuid"}),
            "format-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "integer", "minimum": 0}),
            json!({"type": "integer", "minimum": 1}),
            "minimum-increased",
            false,
            true,
            false,
        ),
        (
            json!({"type": "integer", "maximum": 9}),
            json!({"type": "integer"}),
            "maximum-removed",
            true,
            false,
            false,
        ),
        (
            json!({"type": "number", "exclusiveMinimum": 0}),
            json!({"type": "number", "exclusiveMinimum": -1}),
            "exclusive-minimum-decreased",
            true,
            false,
            false,
        ),
        (
            json!({"type": "integer", "multipleOf": 2}),
            json!({"type": "integer", "multipleOf": 4}),
            "multiple-of-expanded",
            false,
            true,
            false,
        ),
        (
            json!({"type": "integer", "multipleOf": 4}),
            json!({"type": "integer", "multipleOf": 2}),
            "multiple-of-reduced",
            true,
            false,
            false,
        ),
        (
            json!({"type": "integer", "multipleOf": 2}),
            json!({"type": "integer", "multipleOf": 3}),
            "multiple-of-changed",
            false,
            false,
            false,
        ),
        (
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "b", "c"]}),
            "enum-extended",
            true,
            false,
            false,
        ),
        (
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a"]}),
            "enum-narrowed",
            false,
            true,
            false,
        ),
        (
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "c"]}),
            "enum-changed",
            false,
            false,
            false,
        ),
        (
            json!({"const": "a"}),
            json!({"const": "b"}),
            "const-changed",
            false,
            false,
            false,
        ),
        // Adding a property: the content model decides.
        (
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": i}), json!([])),
            "optional-property-added-to-closed-content-model",
            true,
            false,
            false,
        ),
        (
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s, "b": i}), json!(["b"])),
            "required-property-added-to-closed-content-model",
            false,
            false,
            false,
        ),
        (
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": i}), json!([])),
            "optional-property-added-to-open-content-model",
            false,
            true,
            false,
        ),
        (
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": i}), json!(["b"])),
            "required-property-added-to-open-content-model",
            false,
            true,
            false,
        ),
        (
            open(json!({"a": s}), json!([])),
            open(json!({"a": s, "b": {}}), json!([])),
            "property-with-empty-schema-added-to-open-content-model",
            true,
            true,
            true,
        ),
        (
            partial(json!({"a": s})),
            partial(json!({"a": s, "b": {"type": "string", "maxLength": 3}})),
            "property-added-is-covered-by-partially-open-content-model",
            false,
            true,
            false,
        ),
        (
            partial(json!({"a": s})),
            partial(json!({"a": s, "b": i})),
            "property-added-not-covered-by-partially-open-content-model",
            false,
            false,
            false,
        ),
        // Removing a property.
        (
            closed(json!({"a": s, "b": i}), json!([])),
            closed(json!({"a": s}), json!([])),
            "property-removed-from-closed-content-model",
            false,
            true,
            false,
        ),
        // Required in the old closed object: old data carries it (the new schema rejects it),
        // new data lacks it (old readers require it).
        (
            closed(json!({"a": s, "b": i}), json!(["b"])),
            closed(json!({"a": s}), json!([])),
            "required-property-removed-from-closed-content-model",
            false,
            false,
            false,
        ),
        // A required `false` property made the old object unsatisfiable.
        (
            closed(json!({"a": s, "b": false}), json!(["b"])),
            closed(json!({"a": s}), json!([])),
            "required-removed",
            true,
            false,
            false,
        ),
        (
            open(json!({"a": s, "b": i}), json!([])),
            open(json!({"a": s}), json!([])),
            "property-removed-from-open-content-model",
            true,
            false,
            false,
        ),
        (
            closed(json!({"a": s, "b": false}), json!([])),
            closed(json!({"a": s}), json!([])),
            "property-with-false-removed-from-closed-content-model",
            true,
            true,
            true,
        ),
        (
            partial(json!({"a": s, "b": {"type": "string", "maxLength": 3}})),
            partial(json!({"a": s})),
            "property-removed-is-covered-by-partially-open-content-model",
            true,
            false,
            false,
        ),
        (
            partial(json!({"a": s, "b": i})),
            partial(json!({"a": s})),
            "property-removed-not-covered-by-partially-open-content-model",
            false,
            false,
            false,
        ),
        (
            closed(json!({"a": s}), json!([])),
            closed(json!({"a": s}), json!(["a"])),
            "required-added",
            false,
            true,
            false,
        ),
        (
            closed(json!({"a": s}), json!(["a"])),
            closed(json!({"a": s}), json!([])),
            "required-removed",
            true,
            false,
            false,
        ),
        (
            open(json!({"a": s}), json!([])),
            closed(json!({"a": s}), json!([])),
            "additional-properties-narrowed",
            false,
            true,
            false,
        ),
        (
            closed(json!({"a": s}), json!([])),
            open(json!({"a": s}), json!([])),
            "additional-properties-extended",
            true,
            false,
            false,
        ),
        (
            open(json!({"a": s}), json!([])),
            partial(json!({"a": s})),
            "additional-properties-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "array", "items": s}),
            json!({"type": "array", "items": s, "maxItems": 3}),
            "max-items-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "array", "items": s}),
            json!({"type": "array", "items": s, "uniqueItems": true}),
            "unique-items-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "array"}),
            json!({"type": "array", "items": s}),
            "schema-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "array", "items": {"type": "integer"}}),
            json!({"type": "array", "items": {"type": "number"}}),
            "type-extended",
            true,
            false,
            false,
        ),
        (
            json!({"type": "array", "prefixItems": [s], "items": false}),
            json!({"type": "array", "prefixItems": [s, i], "items": false}),
            "item-added-to-closed-content-model",
            true,
            false,
            false,
        ),
        (
            json!({"type": "array", "prefixItems": [s, i]}),
            json!({"type": "array", "prefixItems": [s]}),
            "item-removed-from-open-content-model",
            true,
            false,
            false,
        ),
        (
            json!({"anyOf": [s, i]}),
            json!({"anyOf": [s, i, {"type": "boolean"}]}),
            "sum-type-extended",
            true,
            false,
            false,
        ),
        (
            json!({"anyOf": [s, i]}),
            json!({"anyOf": [s]}),
            "sum-type-narrowed",
            false,
            true,
            false,
        ),
        (
            json!({"allOf": [s]}),
            json!({"allOf": [s, {"maxLength": 3}]}),
            "product-type-extended",
            false,
            true,
            false,
        ),
        (
            json!({"oneOf": [s, i]}),
            json!({"anyOf": [s, i]}),
            "combined-type-extended",
            true,
            false,
            false,
        ),
        (
            json!({"anyOf": [s, i]}),
            json!({"allOf": [s, i]}),
            "combined-type-changed",
            false,
            false,
            false,
        ),
        (
            json!({"type": "string"}),
            json!({"type": "string", "not": {"const": "x"}}),
            "not-type-added",
            false,
            true,
            false,
        ),
        (
            json!({"type": "string", "x-encoding": "json-string"}),
            json!({"type": "string"}),
            "encoding-changed",
            false,
            false,
            false,
        ),
        (
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
            json!({"type": "object", "dependentRequired": {"a": ["b", "c"]}}),
            "dependent-required-extended",
            false,
            true,
            false,
        ),
        (
            json!({"type": "string"}),
            json!({"type": "string", "if": {"const": "a"}, "then": {"maxLength": 1}}),
            "conditional-added",
            false,
            true,
            false,
        ),
        (
            json!({"oneOf": [s, i]}),
            json!({"oneOf": [{"type": "boolean"}, {"type": "null"}, {"type": "array"}]}),
            "unclassified",
            false,
            false,
            false,
        ),
        (
            json!({"type": "string", "x-unknown-keyword-of-ours": 1}),
            json!({"type": "string", "x-unknown-keyword-of-ours": 2}),
            "",
            true,
            true,
            true,
        ),
        (
            json!({"type": "string", "someKeyword": 1}),
            json!({"type": "string", "someKeyword": 2}),
            "unclassified",
            false,
            false,
            false,
        ),
    ]
}

#[test]
fn every_row_gives_its_rule_and_verdicts() {
    let set = set();
    for (old, new, rule, backward, forward, full) in table() {
        let changes = diff_schemas(&set, &old, &set, &new);
        if rule.is_empty() {
            assert!(
                changes.is_empty(),
                "{old} -> {new}: expected no change, got {changes:?}"
            );
            continue;
        }
        let change = changes
            .iter()
            .find(|c| c.rule.name() == rule)
            .unwrap_or_else(|| panic!("{old} -> {new}: no {rule} in {changes:?}"));
        let effect = change.rule.effect();
        assert_eq!(
            (
                Mode::Backward.allows(effect),
                Mode::Forward.allows(effect),
                Mode::Full.allows(effect)
            ),
            (backward, forward, full),
            "{rule}: verdicts (backward, forward, full)"
        );
        assert!(Mode::None.allows(effect));
        assert_eq!(Mode::BackwardTransitive.allows(effect), backward);
    }
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
