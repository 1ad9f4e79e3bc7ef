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
            r#"{"$ref": "https://json-schema.org/draft-07/schema"}"#,
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
        (
            r#"{"type": "object", "properties": {"a": {"$id": "urn:x", "type": "string"}}}"#,
            "`$id` below the root",
        ),
        (
            r#"{"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}"#,
            "a tuple followed by more items",
        ),
        (
            r#"{"type": "object", "properties": {"a": {"tyep": "string"}}}"#,
            "tyep",
        ),
    ];
    for (text, want) in cases {
        let e = errors_of(&[("a.json", text)]);
        assert!(e.contains("a.json") && e.contains(want), "{want}: {e}");
    }
}
