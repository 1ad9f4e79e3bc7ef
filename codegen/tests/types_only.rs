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
            r#"{"$schema": 4, "type": "string"}"#,
            "`$schema` must be a string",
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
        "pub y: ::std::option::Option<::events_rt::Integer>",
        "pub z: ::std::option::Option<::std::string::String>",
        "pub n: ::std::option::Option<::events_rt::Integer>",
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

/// Writes `files` into a fresh directory and generates its types with `config`.
fn generate_in(config: &Config, files: &[(&str, &str)]) -> events_codegen::Types {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    config
        .generate_types(tmp.path())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A catalog published at an address: references to that address (its retrieval URIs)
/// resolve to its files, even to a file whose `$id` is another one.
#[test]
fn references_to_the_address_a_catalog_is_published_at_resolve_to_its_files() {
    let files = [
        (
            "root.json",
            r#"{"type": "object", "properties": {
                "a": {"$ref": "https://example.com/s/nested/count.json"},
                "b": {"$ref": "https://example.com/s/moved.json"},
                "c": {"$ref": "nested/count.json"}
            }}"#,
        ),
        ("nested/count.json", r#"{"type": "string", "maxLength": 3}"#),
        (
            "moved.json",
            r##"{"$id": "https://example.com/elsewhere.json", "$defs": {"b": {"type": "boolean"}}, "$ref": "#/$defs/b"}"##,
        ),
    ];
    let mut config = Config::new();
    config.base_uri("https://example.com/s/");
    let types = generate_in(&config, &files);
    for want in [
        "pub type Count = ::std::string::String;",
        "pub a: ::std::option::Option<::std::string::String>",
        "pub b: ::std::option::Option<bool>",
        "pub c: ::std::option::Option<::std::string::String>",
    ] {
        assert!(types.code.contains(want), "{want}:\n{}", types.code);
    }
    // Without the address, nothing is fetched: a located error.
    let e = errors_of(&files);
    assert!(
        e.contains("root.json") && e.contains("remote schemas are never fetched"),
        "{e}"
    );
}

/// Draft-04 spellings, an unknown `$schema` (a warning; read as 2020-12), a custom
/// meta-schema that is a file of the catalog (read as its dialect), anchors of two resources
/// of one file, and a draft-07 `$id` beside `$ref` (ignored, as validators ignore it).
#[test]
fn dialects_meta_schemas_and_resources_read_as_validators_read_them() {
    let types = generate_in(
        &Config::new(),
        &[
            (
                "old.json",
                r#"{"$schema": "http://json-schema.org/draft-04/schema#", "id": "https://example.com/old.json",
                    "type": "object", "properties": {"n": {"type": "integer", "maximum": 3, "exclusiveMaximum": true}}}"#,
            ),
            (
                "custom.json",
                r#"{"$schema": "https://example.com/meta.json", "type": "object", "properties": {"x": {"type": "string"}}}"#,
            ),
            (
                "meta.json",
                r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/meta.json",
                    "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true},
                    "allOf": [{"$ref": "https://json-schema.org/draft/2020-12/meta/core"}]}"#,
            ),
            (
                "unknown.json",
                r#"{"$schema": "https://example.com/nowhere.json", "type": "string"}"#,
            ),
            (
                "anchors.json",
                r##"{"$id": "https://example.com/anchors", "$defs": {"A": {"$id": "child1", "allOf": [
                    {"$id": "child2", "$anchor": "my_anchor", "type": "number"},
                    {"$anchor": "my_anchor", "type": "string"}]}},
                    "type": "object", "properties": {"v": {"$ref": "child1#my_anchor"}}}"##,
            ),
            (
                "sibling.json",
                r#"{"$schema": "http://json-schema.org/draft-07/schema#", "$id": "http://example.com/sib/base/",
                    "definitions": {
                        "foo": {"$id": "http://example.com/sib/foo.json", "type": "string"},
                        "base_foo": {"$id": "foo.json", "type": "integer"}},
                    "type": "object",
                    "properties": {"s": {"$id": "http://example.com/sib/", "$ref": "foo.json"}}}"#,
            ),
        ],
    );
    for want in [
        "pub n: ::std::option::Option<::events_rt::Integer>",
        "pub x: ::std::option::Option<::std::string::String>",
        "pub type Unknown = ::std::string::String;",
        "pub v: ::std::option::Option<::std::string::String>",
        "pub s: ::std::option::Option<::events_rt::Integer>",
    ] {
        assert!(types.code.contains(want), "{want}:\n{}", types.code);
    }
    assert!(
        types.warnings.iter().any(|w| w.contains("unknown.json")
            && w.contains("unknown `$schema` \"https://example.com/nowhere.json\"")),
        "{:#?}",
        types.warnings
    );
    assert!(
        !types.warnings.iter().any(|w| w.contains("custom.json")),
        "{:#?}",
        types.warnings
    );
}
