//! The types-only route: any directory of JSON Schema files, in any supported dialect,
//! with no metadata of ours.

use std::path::{Path, PathBuf};

use events_codegen::Config;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/foreign")
}

#[test]
fn a_foreign_catalog_generates_as_it_is() {
    let types = Config::new().generate_types(fixture()).unwrap();
    insta::assert_snapshot!("foreign", types.code);
    let map: Vec<(&str, Option<&str>)> = types
        .type_map
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    assert_eq!(
        map,
        [
            ("common/money.json", Some("Money")),
            ("defs.json", None),
            ("labels.json", Some("Labels")),
            ("line.json", Some("OrderLine")),
            ("nested/thing.schema.json", Some("ThingId")),
            ("order.json", Some("Order")),
        ]
    );
    // A vendor keyword is a warning naming it, not an error.
    assert!(
        types
            .warnings
            .iter()
            .any(|w| w.contains("tsAdditionalProperties")),
        "{:#?}",
        types.warnings
    );
    // Deterministic.
    assert_eq!(
        Config::new().generate_types(fixture()).unwrap().code,
        types.code
    );
}

fn errors_of(files: &[(&str, &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    match Config::new().generate_types(tmp.path()) {
        Ok(t) => panic!("generated:\n{}", t.code),
        Err(e) => e.to_string(),
    }
}

#[test]
fn what_cannot_be_read_is_a_located_error() {
    let cases = [
        (
            r#"{"$ref": "https://schemas.example.com/order.json"}"#,
            "remote schemas are never fetched",
        ),
        (
            r#"{"$ref": "file:///etc/passwd.json"}"#,
            "names an absolute path",
        ),
        (
            r#"{"$ref": "../outside.json"}"#,
            "outside the schema directory",
        ),
        (
            r#"{"$schema": "http://json-schema.org/draft-04/schema#", "type": "string"}"#,
            "unsupported `$schema`",
        ),
    ];
    for (text, want) in cases {
        let e = errors_of(&[("a.json", text)]);
        assert!(e.contains("a.json") && e.contains(want), "{want}: {e}");
    }
}

/// Schemas as others write them load: what our own contract sets refuse is a warning here,
/// each naming where it is.
#[test]
fn foreign_catalogs_load_as_they_are() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/foreign_as_is");
    let types = Config::new().generate_types(&dir).unwrap();
    let warned = |want: &[&str]| {
        assert!(
            types
                .warnings
                .iter()
                .any(|w| want.iter().all(|p| w.contains(p))),
            "{want:?} in {:#?}",
            types.warnings
        );
    };
    // A key written twice: both places, and which one is taken.
    warned(&[
        "topic.json",
        "duplicate key \"type\"",
        "line 7, column 5 and line 9, column 5",
        "the last one is taken",
    ]);
    // Unknown keywords, even near misses of standard ones.
    warned(&["topic.json", "/definition", "unknown keyword `definition`"]);
    warned(&["event.json", "/example", "unknown keyword `example`"]);
    // Draft-07 ignores what is beside `$ref`.
    warned(&["/properties/owner/type", "`type` beside `$ref` is ignored"]);
    // Properties renamed because another member has their name.
    warned(&[
        "/properties/extra",
        "\"extra\" of Topic is the Rust field `extra_2`",
    ]);
    warned(&[
        "/properties/labels/properties/extra",
        "TopicLabels",
        "`extra_2`",
    ]);
    warned(&["\"foo_bar\" of Topic is the Rust field `foo_bar_2`"]);
    warned(&["\"self_\" of Topic is the Rust field `self_2`"]);
    // (tests/foreign_as_is.rs of the conformance crate decodes them by their wire names)
    for field in ["pub extra_2:", "pub foo_bar_2:", "pub self_2:"] {
        assert!(types.code.contains(field), "{field}");
    }
    assert_eq!(
        types.type_map.get("topic.json"),
        Some(&Some("Topic".to_owned()))
    );
}

/// Our own contract sets keep their errors: a near miss of a keyword.
#[test]
fn near_misses_stay_errors_in_contract_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/constructs");
    copy_dir(&fixture, tmp.path());
    let envelope = tmp.path().join("envelope.json");
    let text = std::fs::read_to_string(&envelope).unwrap();
    let text = text.replacen('{', "{\"definition\": {},", 1);
    std::fs::write(&envelope, text).unwrap();
    let e = Config::new().generate(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("unknown keyword `definition`") && e.contains("did you mean `definitions`?"),
        "{e}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// An alias loop without a base case (`L` is all of `M`, `M` any of `L`): the validator
/// takes any value for it, so no struct may stand for it; a located error names the loop.
#[test]
fn an_alias_loop_is_a_located_error_never_an_empty_struct() {
    let e = errors_of(&[(
        "loop.json",
        r##"{"$defs": {"L": {"allOf": [{"$ref": "#/$defs/M"}]}, "M": {"anyOf": [{"$ref": "#/$defs/L"}]}}, "$ref": "#/$defs/L"}"##,
    )]);
    assert!(
        e.contains("loop.json") && e.contains("/$defs/L") && e.contains("/$defs/M"),
        "{e}"
    );
}

/// Schema resources below a root (`$id`), anchors (`$anchor`, draft-07 `$id: "#name"`)
/// and references into a draft-07 tuple resolve as a validator resolves them.
#[test]
fn embedded_resources_anchors_and_tuple_positions_resolve() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (
            "a.json",
            r##"{
                "$id": "https://example.com/root.json",
                "type": "object",
                "properties": {
                    "x": {"$ref": "https://example.com/nested/item.json"},
                    "y": {"$ref": "nested/item.json#/properties/n"},
                    "z": {"$ref": "#name"}
                },
                "$defs": {
                    "item": {
                        "$id": "nested/item.json",
                        "type": "object",
                        "properties": {"n": {"$ref": "#/$defs/count"}},
                        "$defs": {"count": {"type": "integer"}}
                    },
                    "named": {"$anchor": "name", "type": "string"}
                }
            }"##,
        ),
        (
            "b.json",
            r##"{
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {
                    "pair": {"items": [{"type": "integer"}, {"$ref": "#/properties/pair/items/0"}]},
                    "tag": {"$ref": "#tag"}
                },
                "definitions": {"tag": {"$id": "#tag", "type": "string"}}
            }"##,
        ),
    ];
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    let types = Config::new()
        .generate_types(tmp.path())
        .unwrap_or_else(|e| panic!("{e}"));
    for want in [
        "pub x: ::std::option::Option<Item>",
        "pub y: ::std::option::Option<i64>",
        "pub z: ::std::option::Option<::std::string::String>",
        "pub n: ::std::option::Option<i64>",
        "pub tag: ::std::option::Option<::std::string::String>",
    ] {
        assert!(types.code.contains(want), "{want}:\n{}", types.code);
    }
}

/// A reference to a dialect's meta-schema (a schema of schemas) is never fetched: any
/// value holds what it accepts.
#[test]
fn a_reference_to_the_meta_schema_is_any_value() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("a.json"),
        r#"{"type": "object", "properties": {"schema": {"$ref": "https://json-schema.org/draft/2020-12/schema"}, "old": {"$ref": "http://json-schema.org/draft-07/schema#"}}}"#,
    )
    .unwrap();
    let types = Config::new()
        .generate_types(tmp.path())
        .unwrap_or_else(|e| panic!("{e}"));
    for field in ["pub schema:", "pub old:"] {
        let line = types
            .code
            .lines()
            .skip_while(|l| !l.contains(field))
            .take(3)
            .collect::<String>();
        assert!(line.contains("serde_json::Value"), "{field} {line}");
    }
}
