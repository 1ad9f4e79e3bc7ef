//! Random schema fragments never make the generator (or the diff engine) panic: every
//! outcome is code or a located error.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

const ENVELOPE: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "payload": "flat" },
  "type": "object",
  "properties": { "type": { "type": "string" } },
  "required": ["type"]
}"#;

fn keyword() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "const",
        "oneOf",
        "anyOf",
        "allOf",
        "additionalProperties",
        "format",
        "minimum",
        "maximum",
        "$ref",
        "x-encoding",
        "not",
        "patternProperties",
        "prefixItems",
        "default",
        "title",
        "description",
        "$defs",
    ])
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("string")),
        Just(json!("object")),
        Just(json!(["integer", "null"])),
        Just(json!(true)),
        Just(json!(false)),
        Just(json!(null)),
        Just(json!(3)),
        Just(json!(-1.5)),
        Just(json!("#/$defs/A")),
        Just(json!("../nowhere.json#/x")),
        Just(json!("json-string")),
        Just(json!(["a", "b", null])),
        Just(json!("uuid")),
        "[a-z]{1,4}".prop_map(Value::String),
    ]
}

fn schema() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec((keyword(), inner.clone()), 0..5).prop_map(|kvs| {
                let mut m = Map::new();
                for (k, v) in kvs {
                    m.insert(k.to_owned(), v);
                }
                Value::Object(m)
            }),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..4)
                .prop_map(|kvs| { Value::Object(kvs.into_iter().collect()) }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generate_never_panics(prop_schema in schema(), defs in schema()) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("envelope.json"), ENVELOPE).unwrap();
        let event = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "x-event": {"type": "a.b", "version": "1.0", "stream": "s", "producer": "p", "consumers": []},
            "type": "object",
            "properties": {"field": prop_schema},
            "$defs": {"A": defs},
        });
        std::fs::write(tmp.path().join("a.b.v1.json"), event.to_string()).unwrap();
        match events_codegen::Config::new().generate(tmp.path()) {
            Ok(code) => prop_assert!(code.contains("pub struct ABV1")),
            Err(errors) => {
                for e in errors.iter() {
                    prop_assert!(!e.loc.file.is_empty() && !e.message.is_empty(), "error without a place: {e}");
                }
            }
        }
    }

    #[test]
    fn diff_never_panics(old in schema(), new in schema()) {
        let set = events_codegen::SchemaSet::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/constructs"),
        ).unwrap();
        let _ = events_check::diff::diff_schemas(&set, &old, &set, &new);
    }
}
